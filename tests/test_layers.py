"""The package's layers: imports only go down (docs/architecture.md), checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gcnlab"

# layer -> the gcnlab layers its modules may import (itself included); top to bottom
ALLOWED: dict[str, set[str]] = {
    "cli": {"cli", "plots", "experiments", "tasks", "community", "train", "io", "data", "nn",
            "utils", "errors"},
    "plots": {"plots", "experiments", "tasks", "community", "train", "io", "data", "nn", "utils",
              "errors"},
    "experiments": {"experiments", "tasks", "community", "train", "io", "data", "nn", "utils",
                    "errors"},
    "tasks": {"tasks", "community", "train", "io", "data", "nn", "utils", "errors"},
    "community": {"community", "train", "io", "data", "nn", "utils", "errors"},
    "train": {"train", "io", "data", "nn", "utils", "errors"},
    "io": {"io", "utils", "errors"},
    "data": {"data", "nn", "utils", "errors"},
    "nn": {"nn", "utils", "errors"},
    "utils": {"utils", "errors"},
    "errors": {"errors"},
}


def _layer(module: str) -> str | None:
    """``gcnlab.nn.sparse`` -> ``nn``; the package root itself (``__version__``) -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "gcnlab" and len(parts) > 1 else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every gcnlab module imported by ``path``, at any depth (inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("gcnlab")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "gcnlab":  # `from gcnlab import x`: x is a name or a subpackage
                found += [(node.lineno, f"gcnlab.{a.name}") for a in node.names
                          if (PACKAGE / a.name).exists() or (PACKAGE / f"{a.name}.py").exists()]
            elif node.module.startswith("gcnlab."):
                found.append((node.lineno, node.module))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.stem == "errors")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    layer = relative.parts[0].removesuffix(".py")
    bad = [f"line {line}: {module}" for line, module in _imports(path)
           if (target := _layer(module)) is not None and target not in ALLOWED[layer]]
    assert not bad, f"{relative} ({layer}) imports a layer above it: {bad}"


def test_every_module_is_in_a_layer() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__", "errors"}
    assert not top, f"modules outside the layers: {sorted(top)}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == (
        set(ALLOWED) - {"errors"}
    )


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from gcnlab.tasks.node import train_node\n")
    assert _imports(bad) == [(2, "gcnlab.tasks.node")]
    assert _layer("gcnlab.tasks.node") not in ALLOWED["nn"]
