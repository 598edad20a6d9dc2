"""Shared fixtures: the Planetoid raw files, copied into a temporary data root."""

from __future__ import annotations

import inspect
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import torch

# Where the official Planetoid raw files are looked for, in order: $GCNLAB_TEST_DATA, the data
# root the README tells users to fill ($GCNLAB_DATA, then ./datasets and the repository's
# datasets/), and ../shared/datasets beside the project. They are never committed.
ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("Cora", "CiteSeer")
PARTS = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")


def _candidates() -> list[Path]:
    found = [os.environ.get("GCNLAB_TEST_DATA"), os.environ.get("GCNLAB_DATA")]
    paths = [Path(p).expanduser() for p in found if p]
    paths += [Path("datasets").absolute(), ROOT / "datasets", ROOT.parent / "shared" / "datasets"]
    return list(dict.fromkeys(paths))


def _files(root: Path, name: str) -> list[Path]:
    return [root / name / "raw" / f"ind.{name.lower()}.{part}" for part in PARTS]


def _complete(root: Path, name: str) -> bool:
    return all(f.is_file() for f in _files(root, name))


# dataset -> the first candidate root holding all its files, or None; each found on its own, so
# a data root with Cora alone runs every test that needs only Cora
FOUND: dict[str, Path | None] = {
    name: next((p for p in _candidates() if _complete(p, name)), None) for name in NEEDED
}
MISSING = [name for name, root in FOUND.items() if root is None]
WHERE = ", ".join(str(p) for p in _candidates())


def why_skipped(name: str) -> str:
    return (
        f"needs the Planetoid raw files of {name} ({name}/raw/ind.{name.lower()}.{{x,tx,allx,y,"
        f"ty,ally,graph,test.index}}), not found in {WHERE}; set GCNLAB_DATA or copy them into "
        "./datasets as the README says"
    )


# One torch thread, as the CLI's --threads default: on a shared 2-core machine torch's default
# (a thread per core) made each epoch several times slower (benchmarks/bench_threads.py).
torch.set_num_threads(int(os.environ.get("GCNLAB_TEST_THREADS", "1")))


@pytest.fixture(scope="session")
def planetoid_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary data root holding copies of the Planetoid raw files found (Cora/raw,
    CiteSeer/raw); a test that needs a missing one is skipped (see :func:`datasets_needed`)."""
    if all(root is None for root in FOUND.values()):
        pytest.skip(why_skipped(" and ".join(NEEDED)))
    root = tmp_path_factory.mktemp("data")
    for name, found in FOUND.items():
        if found is None:
            continue
        shutil.copytree(found / name / "raw", root / name / "raw")
        for f in (root / name / "raw").iterdir():
            f.chmod(0o644)
    return root


def datasets_needed(item: pytest.Item) -> set[str]:
    """The Planetoid datasets a test reads: those its ``datasets`` marker names, else Cora for
    any test on the Planetoid root, and CiteSeer too where its id or source names it."""
    marker = item.get_closest_marker("datasets")
    if marker is not None:
        return set(marker.args)
    fixtures = set(getattr(item, "fixturenames", ()))
    if not fixtures & {"planetoid_root", "cora", "cora_files"}:
        return set()
    needed = {"Cora"}
    try:
        source = inspect.getsource(item.function)  # type: ignore[attr-defined]
    except (AttributeError, OSError, TypeError):
        source = ""
    if "citeseer" in (item.nodeid + source).lower():
        needed.add("CiteSeer")
    return needed


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = sorted(datasets_needed(item) & set(MISSING))
    if missing:
        pytest.skip(why_skipped(" and ".join(missing)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say once, at the end, what was skipped and why (pytest alone prints only a count)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: Counter[str] = Counter()
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    terminalreporter.section("skipped tests, by reason")
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count:4d}  {reason}")


@pytest.fixture
def cora(planetoid_root: Path):
    from gcnlab import load_dataset

    return load_dataset("cora", planetoid_root, download=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cora_files(planetoid_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Cora (public split) exported to each graph format gcnlab reads, as load_graph keywords:
    ``{"npz": {...}, "csv": {...}, "graphml": {...}}`` (see gcnlab.data.export)."""
    from gcnlab import load_dataset
    from gcnlab.data.export import write_edge_list, write_graphml, write_npz

    cora = load_dataset("cora", planetoid_root, download=False)
    folder = tmp_path_factory.mktemp("cora_files")
    write_npz(cora, folder / "cora.npz")
    write_edge_list(cora, folder / "edges.csv", folder / "features.csv", folder / "labels.csv")
    write_graphml(cora, folder / "cora.graphml")
    return {
        "npz": {"source": folder / "cora.npz"},
        "csv": {"source": folder / "edges.csv", "features": folder / "features.csv",
                "labels": folder / "labels.csv"},
        "graphml": {"source": folder / "cora.graphml"},
    }


@pytest.fixture
def diverge_at(monkeypatch):  # noqa: ANN001, ANN201
    """``diverge_at(TaskClass, epoch)``: from that epoch on, the task's training loss is NaN, as
    with a learning rate far too high (which the configs' bounds now refuse up front)."""

    def patch(task_type: type, epoch: int = 3) -> None:
        original = task_type.train_epoch
        seen = {"epochs": 0}

        def train_epoch(self, model, optimizer):  # noqa: ANN001, ANN202
            loss = original(self, model, optimizer)
            seen["epochs"] += 1
            return float("nan") if seen["epochs"] >= epoch else loss

        monkeypatch.setattr(task_type, "train_epoch", train_epoch)

    return patch
