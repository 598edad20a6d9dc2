"""The Python in the docs runs as written: every ```python block of docs/architecture.md and of
README.md, in order, in one namespace per page. A block that only illustrates must not be fenced
as python."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest

from gcnlab.train import registry

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """``(line, code)`` of each python-fenced block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in FENCE.finditer(text)]


def run_page(page: Path) -> dict:
    """Execute the page's python blocks in order in one namespace; an exception names the block's
    first line."""
    name = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page.name
    # a module of its own, as a script has: dataclasses look their module up in sys.modules
    module = types.ModuleType(f"docs_{page.stem.lower()}")
    sys.modules[module.__name__] = module
    try:
        for line, code in python_blocks(page):
            # dont_inherit: this file's `from __future__` imports are not the page's
            code_object = compile(code, f"{name}:{line}", "exec", dont_inherit=True)
            exec(code_object, module.__dict__)  # noqa: S102
    finally:
        del sys.modules[module.__name__]
    return module.__dict__


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks a page registers are forgotten after the test."""
    monkeypatch.setattr(registry, "REGISTERED", dict(registry.REGISTERED))


def test_the_architecture_page_runs(own_registry: None) -> None:
    page = ROOT / "docs" / "architecture.md"
    assert len(python_blocks(page)) >= 3
    namespace = run_page(page)
    # the sample task trained, was registered, and its checkpoint evaluated to the same numbers
    assert namespace["result"].task == "mine"
    assert registry.task_for("mine") is namespace["MyTask"]
    assert namespace["evaluation"].matches


def test_the_layer_table_is_the_layer_test() -> None:
    """docs/architecture.md's table of what each layer may import equals tests/test_layers.py."""
    spec = importlib.util.spec_from_file_location("layers", ROOT / "tests" / "test_layers.py")
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \|$", text, re.MULTILINE)
    documented = {}
    for layer, cell in rows:
        if layer in layers.ALLOWED:
            names = set(re.findall(r"`(\w+)`", cell))
            everything = set(layers.ALLOWED) - {"errors"}
            documented[layer] = everything if cell == "every layer" else names
    expected = {k: v - {"errors"} for k, v in layers.ALLOWED.items() if k != "errors"}
    assert {k: v | {k} for k, v in documented.items()} == expected


def test_the_readme_runs(planetoid_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GCNLAB_DATA", str(planetoid_root))  # load_dataset("cora"), offline
    page = ROOT / "README.md"
    assert python_blocks(page)
    run_page(page)


def test_blocks_run_in_order_in_one_namespace(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n```python\na = 1\n```\n```console\n$ not python\n```\n"
        "```python\nb = a + 1\n```\n```\nillustration(\n```\n"
    )
    assert python_blocks(page) == [(3, "a = 1\n"), (9, "b = a + 1\n")]
    assert run_page(page)["b"] == 2


def test_a_failing_block_fails_the_page(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 1\n```\n\n```python\nx / 0\n```\n")
    with pytest.raises(ZeroDivisionError) as failure:
        run_page(page)
    assert str(failure.traceback[-1].path) == "page.md:6"  # the block's first line
