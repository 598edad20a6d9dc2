"""benchmarks/gae_cluster_protocol.py: its edges-85 task trains on the link split's training
graph only, and its table reads back what a run wrote."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import torch

from gcnlab.community.config import ClusterConfig
from gcnlab.data.link_split import split_edges

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gae_cluster_protocol.py"


def _script():
    spec = importlib.util.spec_from_file_location("gae_cluster_protocol", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_edges_85_trains_on_the_training_graph_of_the_runs_split() -> None:
    config = ClusterConfig(dataset="karate", method="gae", runs=1, seed=3, device="cpu")
    task = _script().split_task().prepare(config, torch.device("cpu"))
    full = config.load_graph()
    split = split_edges(full.edge_index, full.num_nodes, seed=3)
    assert torch.equal(task.data.edge_index, split.train_edge_index)
    assert task.data.edge_index.size(1) < full.edge_index.size(1)
    assert torch.equal(task.data.y, full.y)  # every node is still scored


def test_table_has_one_row_per_setting_and_the_anchor(tmp_path: Path) -> None:
    row = {"setting": "protocol", "dataset": "cora", "seeds": 2}
    row |= {"acc": [0.5, 0.7], "nmi": [0.4, 0.4], "ari": [0.3, 0.3]}
    (tmp_path / "protocol-2.json").write_text(json.dumps(row))
    lines = _script().table(tmp_path).splitlines()
    assert lines[2] == "| protocol | 60.0 ± 14.1 | 40.0 ± 0.0 | 30.0 ± 0.0 | 2 |"
    assert lines[3].startswith("| ARGA paper, GAE row | 59.6 | 42.9 | 34.7 |")
