"""The examples run and do what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_gcn_in_pyg_model(planetoid_root: Path) -> None:
    out = subprocess.run([sys.executable, str(EXAMPLES / "gcn_in_pyg_model.py"), "--root",
                          str(planetoid_root), "--epochs", "60"],
                         capture_output=True, text=True, check=True, timeout=300)
    accuracy = float(out.stdout.split(":")[-1].split("%")[0])
    assert accuracy > 70.0, out.stdout
