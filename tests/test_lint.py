"""The code base stays lint-clean (ruff, configured in pyproject.toml).

On CI (the environment variable ``CI`` set) a missing ruff is a failure: a lint gate that skips
itself there checks nothing. Elsewhere it is a skip that says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> str:
    ruff = shutil.which("ruff")
    if ruff is None:
        if os.environ.get("CI"):
            pytest.fail("ruff is not installed, and CI is set: the lint check cannot be skipped")
        pytest.skip("ruff is not installed (pip install ruff); set CI to make this a failure")
    return ruff


def test_ruff_check_passes() -> None:
    out = subprocess.run(
        [_ruff(), "check", "gcnlab", "tests", "benchmarks", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_missing_ruff_fails_on_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="ruff is not installed, and CI is set"):
        _ruff()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="ruff is not installed"):
        _ruff()
