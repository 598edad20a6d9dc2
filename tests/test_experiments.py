"""The figure experiments of `gcnlab reproduce`: depth, timing, receptive fields (tiny settings)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

import gcnlab.experiments.timing as timing
from gcnlab.errors import UsageError
from gcnlab.experiments.depth import DepthConfig, depth_study
from gcnlab.experiments.depth import write_tables as write_depth
from gcnlab.experiments.receptive import ReceptiveConfig, receptive_fields
from gcnlab.experiments.receptive import to_markdown as receptive_markdown
from gcnlab.plots.paper import depth_figures, timing_figure
from gcnlab.plots.receptive import receptive_figures


def test_depth_study_rows_tables_and_figure(tmp_path: Path) -> None:
    config = DepthConfig(datasets=("karate",), depths=(1, 3), runs=2, epochs=2, device="cpu")
    result = depth_study(config)
    assert [(r.layers, r.residual) for r in result.rows] == [
        (1, False),
        (3, False),
        (1, True),
        (3, True),
    ]
    for row in result.rows:
        assert row.status == "ok" and len(row.test_acc) == len(row.train_acc) == 2
        assert all(0 <= e <= 2 for e in row.energy) and all(0 <= m <= 2 for m in row.mad)
    node = config.node_config("karate", 3, True)
    assert (node.patience, node.select, node.layers, node.residual) == (0, "last", 3, True)
    written = write_depth(result, tmp_path) + depth_figures(result, tmp_path)
    assert [p.name for p in written] == ["depth.md", "depth.json", "depth_karate.png"]
    assert json.loads((tmp_path / "depth.json").read_text())["rows"][1]["layers"] == 3
    with pytest.raises(UsageError, match="layers must be between 1 and 1000"):
        DepthConfig(depths=(0,)).validate()


def test_depth_study_with_the_papers_folds(tmp_path: Path) -> None:
    from gcnlab.utils.stats import standard_error

    config = DepthConfig(
        datasets=("karate",), depths=(2,), residual=(False,), folds=3, epochs=2, device="cpu"
    )
    node = config.node_config("karate", 2, False)
    assert (node.split, node.runs, node.select, node.patience) == ("folds:3", 3, "last", 0)
    result = depth_study(config)
    (row,) = result.rows
    assert row.status == "ok" and row.spread == "sem" and len(row.test_acc) == 3
    mean, spread = row.summary("test_acc")
    assert spread == pytest.approx(standard_error(row.test_acc))
    assert row.mean_std("test_acc")[1] == pytest.approx(spread * 3**0.5)
    markdown = write_depth(result, tmp_path)[0].read_text()
    assert f"| karate | 2 | no | {row.summary('train_acc')[0]:.1f} ± " in markdown
    assert f"{mean:.1f} ± {spread:.1f}" in markdown
    assert "mean ± standard error (sample std / √3) over 3-fold stratified" in markdown
    with pytest.raises(UsageError, match="folds must be 0 .the public split. or at least 2"):
        DepthConfig(folds=1).validate()


def test_folds_split_trains_on_the_other_folds_and_tests_on_one(planetoid_root: Path) -> None:
    from gcnlab.data import load_dataset
    from gcnlab.data.splits import SplitSpec, make_split
    from gcnlab.tasks.node import NodeConfig, train_node

    config = NodeConfig(
        dataset="cora",
        root=str(planetoid_root),
        split="folds:5",
        runs=5,
        seed=2,
        epochs=2,
        select="last",
        patience=0,
        device="cpu",
    )
    result = train_node(config)
    # run k: train on the other 4/5 of the 2708 labelled nodes, test on fold k (the validation
    # figures are the test fold's: there is no validation set)
    sizes = result.split["sizes"]  # [train, val, test] per run
    assert all(train + test == 2708 and val == test for train, val, test in sizes)
    assert sorted(test for _, _, test in sizes) == [541, 541, 542, 542, 542]
    data = load_dataset("cora", str(planetoid_root), download=False)
    folds = [make_split(data, SplitSpec("folds"), seed=2, fold=k) for k in range(5)]
    assert [int(f["test_mask"].sum()) for f in folds] == [test for _, _, test in sizes]
    # the reported test accuracy is the held-out fold's, at the last epoch
    assert result.test_acc == [h[-1].test_acc for h in result.history]
    with pytest.raises(UsageError, match="no validation set; use it with --select last"):
        NodeConfig(split="folds").validate()


def test_timing_sweep_marks_out_of_memory(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    assert timing.default_sizes(2_000_000) == (1000, 3000, 10000, 30000, 100000, 300000, 1000000)
    real = timing._time_model

    def fake(model, edge_index, n, config, device):  # noqa: ANN001, ANN202
        if model == "pyg" and n >= 80:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(model, edge_index, n, config, device)

    monkeypatch.setattr(timing, "_time_model", fake)
    config = timing.TimingConfig(sizes=(40, 80, 160), epochs=2, warmup=0, device="cpu")
    result = timing.time_per_epoch(config)
    status = [(r.model, r.nodes, r.status) for r in result.rows]
    assert status == [
        ("gcnlab", 40, "ok"),
        ("pyg", 40, "ok"),
        ("gcnlab", 80, "ok"),
        ("pyg", 80, "oom"),
        ("gcnlab", 160, "ok"),
        ("pyg", 160, "skipped"),
    ]
    assert all(r.seconds > 0 and len(r.times) == 2 for r in result.rows if r.status == "ok")
    markdown = timing.to_markdown(result)
    assert "| 80 |" in markdown and "OOM" in markdown and "SKIPPED" in markdown
    assert timing_figure(result, tmp_path).name == "timing.png"


def test_random_graph_has_2n_undirected_edges() -> None:
    edges = timing.random_graph(1000, 2000, seed=0)
    assert (edges[0] != edges[1]).all()
    key = set(map(tuple, edges.t().tolist()))
    assert all((b, a) in key for a, b in key)  # both directions
    assert 1950 <= edges.size(1) // 2 <= 2000  # a few duplicates and self-loops removed


def test_receptive_fields_small(tmp_path: Path) -> None:
    config = ReceptiveConfig(
        depths=2, canvas=7, inits=1, trained=False, dataset="karate", max_hops=2, targets=3
    )
    result = receptive_fields(config)
    assert [(f.kind, f.layers) for f in result.grid] == [
        ("ones", 1),
        ("random", 1),
        ("gcn", 1),
        ("ones", 2),
        ("random", 2),
        ("gcn", 2),
    ]
    assert all(f.inside == pytest.approx(1.0) for f in result.grid)
    assert [h.hops for h in result.hops] == [0, 1, 2] and result.hops[0].mean == 1.0
    for shares in result.influence.values():
        assert sum(shares) == pytest.approx(1.0) and shares[-1] == 0.0  # 2 layers: 2 hops
    assert "| ones | 2 | 5×5 |" in receptive_markdown(result)
    names = [p.name for p in receptive_figures(result, tmp_path)]
    assert names == ["receptive_grid.png", "receptive_graph.png"]


def test_receptive_fields_trained_at_every_depth() -> None:
    config = ReceptiveConfig(
        depths=2,
        canvas=7,
        channels=2,
        inits=2,
        digits_epochs=1,
        dataset="karate",
        max_hops=2,
        targets=3,
        train_epochs=1,
    )
    result = receptive_fields(config)
    assert [(f.kind, f.layers) for f in result.grid] == [
        ("ones", 1),
        ("random", 1),
        ("trained", 1),
        ("gcn", 1),
        ("ones", 2),
        ("random", 2),
        ("trained", 2),
        ("gcn", 2),
    ]
    trained = [f for f in result.grid if f.kind == "trained"]
    for f in trained:
        erf = torch.tensor(f.erf)
        side = f.theoretical
        assert f.inside == pytest.approx(1.0) and erf.sum() == pytest.approx(1.0)
        assert 0 < f.test_acc <= 1  # the digits network the stack was part of
        low, high = erf.shape[0] // 2 - side // 2, erf.shape[0] // 2 + side // 2 + 1
        inside = torch.zeros_like(erf, dtype=torch.bool)
        inside[low:high, low:high] = True
        assert float(erf[~inside].abs().sum()) == 0.0  # nothing beyond the (2L+1)² square
        assert float(erf[inside].sum()) == pytest.approx(1.0)
    # the random rows do not depend on whether the trained ones are measured
    untrained = receptive_fields(dataclasses.replace(config, trained=False))
    assert [f.erf for f in result.grid if f.kind == "random"] == [
        f.erf for f in untrained.grid if f.kind == "random"
    ]
    markdown = receptive_markdown(result)
    assert "| trained | 1 | 3×3 |" in markdown and "| trained | 2 | 5×5 |" in markdown
    accuracy = f"L = 2: {100 * trained[1].test_acc:.1f} %"
    assert "Digits test accuracy of the trained stacks: L = 1: " in markdown
    assert accuracy in markdown


def test_cli_gcn_timing_writes_table_and_figure(tmp_path: Path) -> None:
    from cli_runner import invoke

    result = invoke(
        [
            "reproduce",
            "gcn-timing",
            "--max-edges",
            "2000",
            "--epochs",
            "1",
            "--device",
            "cpu",
            "--out",
            tmp_path,
        ]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {"timing.md", "timing.json", "timing.png"}
    assert "| 1,000 |" in (tmp_path / "timing.md").read_text()


def test_cli_gcn_depth_folds_reach_the_study(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from cli_runner import invoke

    import gcnlab.experiments.depth as depth

    seen = []
    real = depth.depth_study

    def one_depth(config, **hooks):  # noqa: ANN001, ANN202
        seen.append(config)
        return real(dataclasses.replace(config, depths=(1,), residual=(False,)), **hooks)

    monkeypatch.setattr(depth, "depth_study", one_depth)
    args = ["reproduce", "gcn-depth", "--folds", "3", "--epochs", "1", "--dataset", "karate"]
    result = invoke([*args, "--device", "cpu", "--out", tmp_path])
    assert result.exit_code == 0, result.output
    assert seen[0].folds == 3 and seen[0].spread == "sem"
    assert "standard error" in (tmp_path / "depth.md").read_text()
    result = invoke(["reproduce", "gcn", "--folds", "5", "--out", tmp_path])
    assert result.exit_code == 2 and "--folds applies to gcn-depth only" in result.output
