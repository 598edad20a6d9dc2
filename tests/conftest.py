"""Shared fixtures: the Planetoid raw files, copied into a temporary data root."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

# The official raw files live beside the project (../shared/datasets), never inside it.
# GCNLAB_TEST_DATA overrides where they are found.
SHARED = Path(os.environ.get("GCNLAB_TEST_DATA",
                             Path(__file__).resolve().parents[1].parent / "shared" / "datasets"))


def _has(name: str) -> bool:
    return (SHARED / name / "raw").is_dir()


@pytest.fixture(scope="session")
def planetoid_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary data root holding copies of Cora/raw and CiteSeer/raw (skips if absent)."""
    if not (_has("Cora") and _has("CiteSeer")):
        pytest.skip(f"Planetoid raw files not found under {SHARED}")
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
