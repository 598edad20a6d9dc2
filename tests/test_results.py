"""Atomic writes: a failure at any point leaves the previous file whole and nothing else behind."""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from gcnlab.io.results import to_jsonable, versions, write_json
from gcnlab.utils import files as results
from gcnlab.utils.files import atomic_write_bytes

OLD = b'{"test_acc_mean": 0.815}\n'
NEW = b"x" * 300_000  # several write() calls' worth


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "result.json"
    path.write_bytes(OLD)
    return path


def _disk_full(*args: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _assert_untouched(target: Path) -> None:
    assert target.read_bytes() == OLD
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left


def test_replaces_content_and_keeps_permissions(target: Path) -> None:
    target.chmod(0o640)
    atomic_write_bytes(target, NEW)
    assert target.read_bytes() == NEW
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_new_file_gets_umask_permissions_and_parent_folders(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = atomic_write_bytes(tmp_path / "a" / "b" / "out.json", OLD)
    finally:
        os.umask(umask)
    assert path.read_bytes() == OLD
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0o600


def test_disk_full_at_fsync_keeps_the_old_file(target: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results.os, "fsync", _disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        atomic_write_bytes(target, NEW)
    _assert_untouched(target)


def test_disk_full_in_the_middle_of_the_data_keeps_the_old_file(
        target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    calls = []

    def write_then_fill_up(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 3]))  # a short write, then...
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results.os, "write", write_then_fill_up)
    with pytest.raises(OSError, match="No space left on device"):
        atomic_write_bytes(target, NEW)
    assert len(calls) == 2  # the failure really came mid-write
    _assert_untouched(target)


def test_ctrl_c_mid_write_keeps_the_old_file(target: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int, data: bytes) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(results.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, NEW)
    _assert_untouched(target)


def test_failed_rename_keeps_the_old_file(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rename(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(results.os, "replace", no_rename)
    with pytest.raises(OSError):
        atomic_write_bytes(target, NEW)
    _assert_untouched(target)


def test_nan_is_refused_before_anything_is_written(target: Path) -> None:
    with pytest.raises(ValueError, match=r"not writing .*result\.json: the result holds NaN"):
        write_json(target, {"test_acc_mean": float("nan")})
    _assert_untouched(target)


@dataclass
class _Result:
    name: str
    accs: tuple[float, ...]
    where: Path


def test_write_json_round_trips_dataclasses(tmp_path: Path) -> None:
    path = write_json(tmp_path / "r.json", _Result("cora", (0.8, 0.81), Path("/x/y")))
    assert json.loads(path.read_text()) == {"name": "cora", "accs": [0.8, 0.81], "where": "/x/y"}
    assert to_jsonable({1: (Path("a"),)}) == {"1": ["a"]}


def test_versions_name_the_libraries() -> None:
    import torch

    import gcnlab

    found = versions()
    assert found["gcnlab"] == gcnlab.__version__ and found["torch"] == torch.__version__
    assert {"python", "torch_geometric", "numpy", "scikit-learn"} <= set(found)


def test_json_results_carry_float32_precision_and_configs_exactly(tmp_path: Path) -> None:
    """A float32 metric is written as its 7 significant digits (0.9176, not
    0.9175999999046326); a config value is written exactly as given."""
    import numpy as np

    from gcnlab.io.results import tidy_floats, write_json

    noisy = float(np.float32(0.9176))
    assert noisy != 0.9176
    path = write_json(
        tmp_path / "r.json",
        {"test_acc": [noisy, 0.5], "mean": 0.8172000050544739, "config": {"lr": 0.0123456789},
         "history": [{"loss": [float(np.float32(0.6931472))]}], "runs": 3},
    )
    written = json.loads(path.read_text())
    assert written == {"test_acc": [0.9176, 0.5], "mean": 0.8172, "config": {"lr": 0.0123456789},
                       "history": [{"loss": [0.6931472]}], "runs": 3}
    assert "0.9175999" not in path.read_text()
    assert tidy_floats(float("inf")) == float("inf")
