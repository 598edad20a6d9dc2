"""The test suite's own data rule (tests/conftest.py): with only some Planetoid files present,
a test is skipped only if it needs a missing dataset, and the end of the run says why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FOUND, PARTS

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")


@pytest.mark.skipif(FOUND["Cora"] is None, reason="needs Cora's raw files to copy")
def test_a_data_root_with_cora_alone_skips_only_what_needs_citeseer(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "only-cora"
    (root / "Cora" / "raw").mkdir(parents=True)
    for part in PARTS:
        shutil.copy(FOUND["Cora"] / "Cora" / "raw" / f"ind.cora.{part}", root / "Cora" / "raw")
    monkeypatch.setenv("GCNLAB_TEST_DATA", str(root))
    monkeypatch.delenv("GCNLAB_DATA", raising=False)
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makeini("[pytest]\nmarkers =\n    datasets(*names): datasets\n    gpu: cuda\n")
    pytester.makepyfile(
        test_sample='''
import pytest

def test_cora(planetoid_root):
    assert (planetoid_root / "Cora" / "raw").is_dir()

def test_citeseer_by_name(planetoid_root):
    assert (planetoid_root / "CiteSeer" / "raw").is_dir()

@pytest.mark.datasets("CiteSeer")
def test_marked(planetoid_root):
    pass

def test_without_data():
    pass
'''
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(
        ["*skipped tests, by reason*", "*2  needs the Planetoid raw files of CiteSeer*"]
    )
