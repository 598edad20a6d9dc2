"""What a trained result says about each node and pair: class probabilities, link scores and
hidden-layer embeddings, from the weights of one run.

The run is the one validation prefers (highest validation accuracy, or validation AUC + AP for
links; the first on ties), never the best test run. The graph is loaded again from the result's
config (or passed in), and the run's split is rebuilt from its seed, so the ``split`` of each
node is the one that run trained and was tested on.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.data.edge_list import rows
from gcnlab.data.graph_parts import node_names
from gcnlab.errors import InputError
from gcnlab.io.checkpoint import Checkpoint, check_fingerprint_value, config_from
from gcnlab.tasks.link import LinkTask
from gcnlab.tasks.node import NodeTask
from gcnlab.train.graph_input import from_record
from gcnlab.train.registry import task_for

PARTS = ("train", "val", "test")


@dataclass
class NodePredictions:
    """Per node: its id, given label, split, predicted class and class probabilities."""

    run: int  # 0-based run whose weights predicted
    node_ids: list[str]  # [N] ids as the input gave them (0..N-1 for named datasets)
    classes: list[str]  # [C] class names (the input's, else 0..C-1)
    labels: list[str]  # [N] the given label's name, "" when unlabeled
    split: list[str]  # [N] train | val | test | ""
    probabilities: Tensor  # [N, C] softmax of the GCN's output, dropout off

    @property
    def predicted(self) -> list[str]:
        return [self.classes[i] for i in self.probabilities.argmax(dim=1).tolist()]


@dataclass
class PairScores:
    """Link probabilities (sigmoid of the decoder's inner product) of node pairs."""

    run: int
    kind: list[str]  # [P] test_edge | test_non_edge | pair
    source: list[str]  # [P] node ids
    target: list[str]
    probability: Tensor  # [P]


def saved(result: Any) -> Checkpoint:
    """A result (with its ``states``) or a loaded checkpoint, as a :class:`Checkpoint`."""
    return result if isinstance(result, Checkpoint) else Checkpoint.from_result(result)


def best_run(result: Any) -> int:
    """The run validation prefers: the highest of its task's ``run_scores`` (``val_acc`` for
    nodes, ``val_auc + val_ap`` for links), the first on ties."""
    checkpoint = saved(result)
    task_type = task_for(checkpoint.task, checkpoint.path.name)
    values = task_type.run_scores(checkpoint.metrics)
    return max(range(len(values)), key=lambda i: (values[i], -i))


def _task(checkpoint: Checkpoint, data: Data | None, device: torch.device) -> Any:
    """The run's task rebuilt on its graph (checked against the recorded fingerprint)."""
    task_type = task_for(checkpoint.task, checkpoint.path.name)
    config = from_record(config_from(task_type.config_type, checkpoint), checkpoint.path.parent)
    graph = config.load_graph() if data is None else data
    task = task_type(config, device, graph)
    check_fingerprint_value(checkpoint, task.fingerprint(), task.data_source(), task.data_hint)
    return task


def _model(task: Any, checkpoint: Checkpoint, run: int) -> torch.nn.Module:
    task.start_run(run, checkpoint.metrics["seeds"][run])
    model = task.build_model()
    model.load_state_dict(checkpoint.states[run])
    return model.eval()


@torch.no_grad()
def node_predictions(
    result: Any, data: Data | None = None, *, device: torch.device | str = "cpu"
) -> NodePredictions:
    """Class probabilities of every node from the result's preferred run (module docstring).

    Args:
        result: a :class:`~gcnlab.NodeResult` with its ``states``, or a loaded checkpoint.
        data: the graph it trained on (default: loaded again from the result's config).
        device: where to compute. (default: ``"cpu"``)
    """
    checkpoint = saved(result)
    task: NodeTask = _task(checkpoint, data, torch.device(device))
    run = best_run(checkpoint)
    model = _model(task, checkpoint, run)
    probabilities = task.predict(model).cpu()  # [N, C] in the input's node order
    names = task.data.get("class_names")
    classes = list(names) if names else [str(c) for c in range(probabilities.size(1))]
    y = task.data.y.tolist()
    split = [""] * task.data.num_nodes
    for part in PARTS:
        for i in task.node_ids(task.index[part]).tolist():
            split[i] = part
    return NodePredictions(
        run,
        node_names(task.data),
        classes,
        [classes[c] if c >= 0 else "" for c in y],
        split,
        probabilities,
    )


@torch.no_grad()
def node_embeddings(
    result: Any, data: Data | None = None, *, device: torch.device | str = "cpu"
) -> tuple[list[str], Tensor, int]:
    """``(node ids, embeddings [N, D], run)``: the GCN's hidden layer (after the ReLU) for a
    node result, the auto-encoder's ``z`` (the VGAE's means) for a link result, from the
    preferred run."""
    checkpoint = saved(result)
    task = _task(checkpoint, data, torch.device(device))
    run = best_run(checkpoint)
    model = _model(task, checkpoint, run)
    if isinstance(task, LinkTask):
        assert task.split is not None
        z = model.encode(task.x, task.split.adj)  # [N, latent]
    else:
        z = task.embed(model)  # [N, hidden]
    return node_names(task.data), z.cpu(), run


@torch.no_grad()
def link_scores(
    result: Any,
    pairs: str | Path | Tensor | None = None,
    data: Data | None = None,
    *,
    device: torch.device | str = "cpu",
) -> PairScores:
    """Probabilities of the preferred run's test edges and test non-edges, and of the node
    pairs in ``pairs`` (a two-column file of node ids, as an edge list, module docstring; or the
    node indices ``[2, P]`` :func:`read_pairs` gave for this graph)."""
    checkpoint = saved(result)
    task: LinkTask = _task(checkpoint, data, torch.device(device))
    run = best_run(checkpoint)
    model = _model(task, checkpoint, run)
    assert task.split is not None
    z = model.encode(task.x, task.split.adj)  # [N, latent]
    ids = node_names(task.data)
    groups = [("test_edge", task.split.test[0]), ("test_non_edge", task.split.test[1])]
    if pairs is not None:
        index = pairs if isinstance(pairs, Tensor) else read_pairs(Path(pairs), ids)
        groups.append(("pair", index.to(z.device)))
    kind: list[str] = []
    source: list[str] = []
    target: list[str] = []
    scores = []
    for name, index in groups:
        kind += [name] * index.size(1)
        source += [ids[i] for i in index[0].tolist()]
        target += [ids[i] for i in index[1].tolist()]
        scores.append(torch.sigmoid(model.decoder(z, index)).cpu())
    return PairScores(run, kind, source, target, torch.cat(scores))


def read_pairs(path: Path, ids: list[str]) -> Tensor:
    """Node pairs ``[2, P]`` from a two-column file (CSV, TSV or whitespace; an optional
    ``source,target`` header), ids as in the graph's input."""
    from gcnlab.data.edge_list import EDGE_HEADERS
    from gcnlab.data.limits import check_is_file

    check_is_file(path)
    index = {name: i for i, name in enumerate(ids)}
    src, dst = array("q"), array("q")  # two int64 a pair, not a Python object per row
    for number, fields in rows(path):
        if not src and number and all(f.lower() in EDGE_HEADERS for f in fields):
            continue
        if len(fields) != 2:
            raise InputError(
                f"{path}, line {number}: expected 2 columns (source, target), got {len(fields)}"
            )
        missing = [f for f in fields if f not in index]
        if missing:
            raise InputError(f"{path}, line {number}: node {missing[0]!r} is not in the graph")
        src.append(index[fields[0]])
        dst.append(index[fields[1]])
    if not src:
        raise InputError(f"{path}: no pairs")
    return torch.stack(
        [torch.frombuffer(src, dtype=torch.long), torch.frombuffer(dst, dtype=torch.long)]
    )
