"""`gcnlab reproduce`: the table on the terminal and in files, options, plots and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import invoke

from gcnlab.experiments.depth_config import DepthConfig
from gcnlab.experiments.receptive_config import ReceptiveConfig
from gcnlab.experiments.timing_config import TimingConfig


def test_short_gcn_table(planetoid_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        [
            "reproduce",
            "gcn",
            "--runs",
            "1",
            "--epochs",
            "3",
            "--root",
            str(planetoid_root),
            "--out",
            str(out),
            "--dataset",
            "cora",
            "--dataset",
            "pubmed",
            "--device",
            "cpu",
        ],
        env={"COLUMNS": "140"},
    )
    assert result.exit_code == 0, result.output
    assert "gcnlab reproduce: 1 seed, cpu" in result.output
    assert "81.5" in result.output and "not run: no data" in result.output
    assert f"wrote {out / 'reproduce.md'}" in result.output
    md = (out / "reproduce.md").read_text()
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table) == 3 and table[1].startswith("| cora | GCN | accuracy |")  # header, rows
    assert "| pubmed | GCN | accuracy | not run: no data | 79.0 |" in md
    payload = json.loads((out / "reproduce.json").read_text())
    assert [r["dataset"] for r in payload["rows"]] == ["cora", "pubmed"]
    assert payload["config"]["datasets"] == ["cora", "pubmed"]


def test_options_reach_the_library(monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    import gcnlab.experiments.reproduce as rp

    seen = {}

    def fake(config, **hooks):  # noqa: ANN001, ANN202
        seen["config"] = config
        return rp.ReproduceResult(
            rows=[],
            config={},
            seeds=[4, 5],
            device="cpu",
            threads=1,
            seconds=0.0,
            started="now",
            versions={},
            citations={},
        )

    monkeypatch.setattr(rp, "reproduce", fake)
    import torch

    threads = torch.get_num_threads()
    result = invoke(
        [
            "reproduce",
            "VGAE",
            "--runs",
            "2",
            "--seed",
            "4",
            "--epochs",
            "7",
            "--dataset",
            "karate",
            "--root",
            "/data",
            "--out",
            str(tmp_path),
            "--threads",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert seen["config"] == rp.ReproduceConfig(
        which="vgae", runs=2, seed=4, epochs=7, datasets=("karate",), root="/data", device="auto"
    )
    assert torch.get_num_threads() == 2  # --threads is torch's from the command on
    torch.set_num_threads(threads)


def test_grid_with_plots(tmp_path: Path) -> None:
    result = invoke(
        [
            "reproduce",
            "grid",
            "--runs",
            "1",
            "--epochs",
            "1",
            "--out",
            str(tmp_path / "out"),
            "--plots",
            str(tmp_path / "figs"),
            "--device",
            "cpu",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Conv2d twin" in (tmp_path / "out" / "reproduce.md").read_text()
    for model in ("cnn-conv2d", "cnn-gridconv"):
        for name in ("digits_filters.png", "digits_feature_maps.png"):
            assert (tmp_path / "figs" / f"digits-{model}" / name).stat().st_size > 5_000


def test_errors_are_one_line(tmp_path: Path) -> None:
    result = invoke(["reproduce", "gat", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        "'gat' is not one of 'gcn', 'gcn-random', 'gae', 'vgae', 'grid', 'gcn-table3', "
        "'gae-table1', 'gcn-family', 'all', 'gcn-depth', 'gcn-timing', 'receptive-field'"
    ) in result.stderr
    file = tmp_path / "file"
    file.write_text("x")
    result = invoke(["reproduce", "grid", "--out", str(file)])
    assert result.exit_code == 2 and "is a file; give a folder" in result.output
    result = invoke(["reproduce", "gcn", "--runs", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "Invalid value for '--runs'" in result.stderr


def test_gcn_random_table(planetoid_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["reproduce", "gcn-random", "--runs", "2", "--epochs", "2", "--dataset", "cora"]
    result = invoke(
        [*args, "--root", str(planetoid_root), "--out", str(out), "--device", "cpu"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    payload = json.loads((out / "reproduce.json").read_text())
    (row,) = payload["rows"]
    values = row["values"]
    mean = sum(values) / 2
    std = abs(values[0] - values[1]) / 2**0.5
    assert row["sem"] == pytest.approx(std / 2**0.5) and row["spread"] == "sem"
    md = (out / "reproduce.md").read_text()
    assert (
        f"| cora | GCN (rand. splits) | accuracy | {mean:.1f} ± {std / 2**0.5:.1f} (SE; std "
        f"{std:.1f}) | 80.1 ± 0.5 | Kipf & Welling 2017, rand. splits | {mean - 80.1:+.1f} |"
    ) in md
    assert "mean ± standard error" in md


@pytest.mark.parametrize(
    "args,unused",
    [
        (["gcn-timing", "--dataset", "citeseer", "--runs", "3"], "--dataset, --runs"),
        (["receptive-field", "--runs", "2", "--epochs", "3"], "--epochs, --runs"),
        (["grid", "--dataset", "cora", "--root", "x"], "--dataset, --root"),
        (["gcn", "--max-edges", "5000"], "--max-edges"),
        (["gcn-depth", "--plots", "figs"], "--plots"),
    ],
)
def test_a_protocol_refuses_the_options_it_would_not_use(args: list[str], unused: str) -> None:
    result = invoke(["reproduce", *args])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: reproduce {args[0]} does not use {unused}"


def test_receptive_field_refuses_a_second_dataset() -> None:
    result = invoke(["reproduce", "receptive-field", "--dataset", "cora", "--dataset", "citeseer"])
    assert result.exit_code == 2 and "uses one --dataset" in result.stderr


@pytest.mark.parametrize(
    "args,expected",
    [
        (["gcn-depth"], DepthConfig()),
        (
            ["gcn-depth", "--dataset", "karate", "--runs", "2", "--folds", "3", "--epochs", "5"],
            DepthConfig(datasets=("karate",), runs=2, folds=3, epochs=5),
        ),
        (["receptive-field"], ReceptiveConfig()),
        (["receptive-field", "--dataset", "karate"], ReceptiveConfig(dataset="karate")),
        (
            ["gcn-timing", "--max-edges", "5000", "--epochs", "3", "--seed", "2"],
            TimingConfig(max_edges=5000, epochs=3, seed=2),
        ),
    ],
)
def test_an_experiment_gets_its_config_and_keeps_its_own_datasets_unless_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], expected: object
) -> None:
    import gcnlab.cli.experiments as experiments

    seen = []
    monkeypatch.setattr(experiments, "run_experiment", lambda config, out: seen.append(config))
    result = invoke(["reproduce", *args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen == [expected]


def test_the_table_rows_get_the_papers_datasets_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gcnlab.experiments.reproduce as rp

    class Stop(Exception):
        pass

    def fake(config, **hooks):  # noqa: ANN001, ANN202
        assert config.experiment_config() is None
        raise Stop(config)

    monkeypatch.setattr(rp, "reproduce", fake)
    result = invoke(["reproduce", "gcn", "--out", str(tmp_path), "--debug"])
    assert isinstance(result.exception, Stop)
    assert result.exception.args[0] == rp.ReproduceConfig(which="gcn")
    assert result.exception.args[0].datasets == ("cora", "citeseer", "pubmed")
