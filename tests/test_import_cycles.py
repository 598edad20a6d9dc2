"""No import cycles between gcnlab's modules, counting imports inside functions: a cycle means
two modules that cannot be understood (or tested) one without the other."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gcnlab"


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.AST, modules: set[str]) -> set[str]:
    """The gcnlab modules one import statement loads (a package's ``__init__`` excluded)."""
    found: set[str] = set()
    if isinstance(node, ast.Import):
        found = {a.name for a in node.names}
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        for alias in node.names:
            sub = f"{node.module}.{alias.name}"
            found.add(sub if sub in modules else node.module)
    return {m for m in found if m in modules and m.startswith("gcnlab.")}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the gcnlab modules it imports, at any depth (inside functions too)."""
    paths = {_module_name(p, package): p for p in package.rglob("*.py")}
    modules = set(paths)
    graph = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        graph[name] = set().union(*(_targets(n, modules) for n in ast.walk(tree))) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles (imports inside functions count): " + "; ".join(
        " <-> ".join(c) for c in found
    )


def test_the_check_finds_a_cycle_through_a_function_import(tmp_path: Path) -> None:
    package = tmp_path / "gcnlab"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "one.py").write_text("from gcnlab.a.two import f\n")
    (package / "a" / "two.py").write_text("def f():\n    from gcnlab.a import one\n")
    (package / "a" / "three.py").write_text("import gcnlab.a.one\n")
    assert cycles(import_graph(package)) == [["gcnlab.a.one", "gcnlab.a.two"]]
