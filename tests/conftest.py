"""Shared fixtures: the Planetoid raw files, copied into a temporary data root."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


def _complete(root: Path) -> bool:
    return all(f.is_file() for name in NEEDED for f in _files(root, name))


SHARED = next((p for p in _candidates() if _complete(p)), None)
WHY_SKIPPED = (
    "Planetoid raw files not found: looked for Cora/raw/ind.cora.{x,tx,allx,y,ty,ally,graph,"
    "test.index} and CiteSeer/raw/ind.citeseer.{...} in "
    + ", ".join(str(p) for p in _candidates())
    + " (set GCNLAB_DATA or fill ./datasets as the README says)"
)

# One torch thread, as the CLI's --threads default: on a shared 2-core machine torch's default
# (a thread per core) made each epoch several times slower (benchmarks/bench_threads.py).
torch.set_num_threads(int(os.environ.get("GCNLAB_TEST_THREADS", "1")))


@pytest.fixture(scope="session")
def planetoid_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary data root holding copies of Cora/raw and CiteSeer/raw (skips if absent)."""
    if SHARED is None:
        pytest.skip(WHY_SKIPPED)
    root = tmp_path_factory.mktemp("data")
    for name in ("Cora", "CiteSeer"):
        shutil.copytree(SHARED / name / "raw", root / name / "raw")
        for f in (root / name / "raw").iterdir():
            f.chmod(0o644)
    return root


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
