"""Receptive fields on the pixel grid and on a citation graph (`gcnlab reproduce receptive-field`).

Grid: for ``L = 1 .. depths`` stacked 3×3 :class:`~gcnlab.GridConv` layers, the theoretical
receptive field :math:`(2L+1)^2` beside the effective one (Luo et al. 2016, see
:mod:`gcnlab.nn.receptive_field`) of

- ``ones``: all-ones kernels, no nonlinearity (the ERF counts paths: exact);
- ``random``: Conv2d's random initialization, ``channels`` wide, ReLU between layers, averaged
  over ``inits`` random networks and inputs;
- ``gcn``: the fixed blur a GCN layer is on the 8-connected pixel graph, stacked;
- ``trained``: the same stack as ``random`` (``channels`` wide, no bias, ReLU between layers)
  after training on the digits (:class:`~gcnlab.DigitsConvStack`: the stack, then a dense
  classifier, no pooling; ``train_digits(DigitsConfig(stack=L))``, one seed), for every ``L``,
  averaged over ``inits`` random inputs.

Graph: on ``dataset``, the number of nodes within ``L`` hops of each node for ``L = 0 ..
max_hops``, and the share of the influence (Xu et al. 2018) on the output of ``targets`` test
nodes that comes from each hop distance, for the paper's two-layer GCN untrained and trained
(``train_node``, one seed).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gcnlab.data.datasets import load_dataset
from gcnlab.experiments.receptive_config import ReceptiveConfig
from gcnlab.experiments.tables import header, write_result
from gcnlab.io.results import versions
from gcnlab.nn.receptive_field import (
    conv_stack,
    effective_receptive_field,
    influence_by_hop,
    mass_radius,
    neighbourhood_sizes,
    square_mass,
    theoretical_size,
)
from gcnlab.nn.sparse import SparseMatrix
from gcnlab.utils.runtime import seed_everything

KINDS: tuple[str, ...] = ("ones", "random", "gcn", "trained")


@dataclass
class GridField:
    """One stack's effective receptive field."""

    kind: str  # ones | random | gcn | trained
    layers: int
    theoretical: int  # side of the theoretical field, 2L + 1
    radius: float  # root mean square distance of the ERF's mass from the centre (pixels)
    inside: float  # share of the ERF's mass inside the theoretical square
    centre: float  # share of the ERF's mass in the centre 3 × 3
    erf: list[list[float]] = field(repr=False, default_factory=list)  # [canvas, canvas], sum 1
    test_acc: float | None = None  # trained: the network's digits test accuracy (fraction)


@dataclass
class HopRow:
    """Neighbourhood sizes within ``hops`` hops over all nodes."""

    hops: int
    mean: float
    median: float
    p90: float
    max: int
    share: float  # mean share of the graph's nodes


@dataclass
class ReceptiveResult:
    grid: list[GridField]
    hops: list[HopRow]
    influence: dict[str, list[float]]  # model -> mean share per hop 0 .. max_hops, then beyond
    dataset: str
    num_nodes: int
    config: dict
    started: str
    versions: dict
    sizes: list[list[int]] = field(repr=False, default_factory=list)  # [hops + 1, N]


def _field(kind: str, layers: int, erf: torch.Tensor, test_acc: float | None = None) -> GridField:
    side = theoretical_size(layers)
    erf = erf.double() / erf.double().sum()
    return GridField(
        kind=kind,
        layers=layers,
        theoretical=side,
        radius=mass_radius(erf),
        inside=square_mass(erf, side),
        centre=square_mass(erf, 3),
        erf=erf.tolist(),
        test_acc=test_acc,
    )


def grid_fields(config: ReceptiveConfig) -> list[GridField]:
    """The grid part (see the module docstring)."""
    generator = torch.Generator().manual_seed(config.seed)
    # the trained stacks' inputs from a generator of their own: the random rows do not depend
    # on whether the trained ones are measured
    inputs = torch.Generator().manual_seed(config.seed)
    zeros = torch.zeros(1, 1, config.canvas, config.canvas)
    fields = []
    for layers in range(1, config.depths + 1):
        fields.append(
            _field(
                "ones", layers, effective_receptive_field(conv_stack(layers, weights="ones"), zeros)
            )
        )
        total = torch.zeros(config.canvas, config.canvas)
        for _ in range(config.inits):
            model = conv_stack(
                layers, config.channels, weights="random", relu=True, generator=generator
            )
            x = torch.randn(1, 1, config.canvas, config.canvas, generator=generator)
            total += effective_receptive_field(model, x)
        fields.append(_field("random", layers, total))
        if config.trained:
            erf, accuracy = _trained_erf(config, layers, inputs)
            fields.append(_field("trained", layers, erf, accuracy))
        fields.append(
            _field(
                "gcn", layers, effective_receptive_field(conv_stack(layers, weights="gcn"), zeros)
            )
        )
    return fields


def _trained_erf(
    config: ReceptiveConfig, layers: int, generator: torch.Generator
) -> tuple[torch.Tensor, float]:
    """The ERF of the ``layers``-deep stack trained on the digits, over ``inits`` random
    inputs, and the network's test accuracy."""
    from gcnlab.tasks.digits import DigitsConfig, train_digits

    result = train_digits(
        DigitsConfig(
            stack=layers,
            channels=config.channels,
            epochs=config.digits_epochs,
            runs=1,
            seed=config.seed,
            device=config.device,
        )
    )
    stack = result.trained.cpu().eval().stack()
    x = torch.rand(config.inits, 1, config.canvas, config.canvas, generator=generator)
    return effective_receptive_field(stack, x), result.test_acc[0]


def graph_fields(config: ReceptiveConfig) -> tuple[list[HopRow], dict[str, list[float]], Any]:
    """The graph part: neighbourhood sizes per hop, influence per hop (untrained, trained)."""
    from gcnlab.tasks.node import NodeConfig, NodeTask, train_node

    data = load_dataset(config.dataset, config.root)
    n = data.num_nodes
    sizes = neighbourhood_sizes(data.edge_index, n, config.max_hops)  # [H + 1, N]
    hops = []
    for hop in range(config.max_hops + 1):
        values = sizes[hop].double()
        hops.append(
            HopRow(
                hops=hop,
                mean=float(values.mean()),
                median=float(values.median()),
                p90=float(values.quantile(0.9)),
                max=int(values.max()),
                share=float(values.mean() / n),
            )
        )
    node_config = NodeConfig(
        dataset=config.dataset, root=config.root, runs=1, seed=config.seed, device=config.device
    )
    task = NodeTask.prepare(node_config, torch.device("cpu"))
    test = data.test_mask.nonzero().view(-1)
    generator = torch.Generator().manual_seed(config.seed)
    targets = test[torch.randperm(test.numel(), generator=generator)[: config.targets]]
    x = task.x.to_dense() if isinstance(task.x, SparseMatrix) else task.x
    seed_everything(config.seed)
    untrained = task.make_model().eval()
    trained = task.make_model()
    trained.load_state_dict(train_node(node_config).states[0])
    trained.eval()
    influence = {}
    for name, model in (("untrained", untrained), ("trained", trained)):
        shares = influence_by_hop(
            lambda h, m=model: m(h, task.adj), x, data.edge_index, targets, config.max_hops
        )
        influence[name] = shares.mean(0).tolist()
    return hops, influence, sizes


def receptive_fields(config: ReceptiveConfig | None = None) -> ReceptiveResult:
    """Measure the grid and graph receptive fields (see the module docstring)."""
    config = config or ReceptiveConfig()
    config.validate()
    started = datetime.datetime.now(datetime.timezone.utc)
    grid = grid_fields(config)
    hops, influence, sizes = graph_fields(config)
    return ReceptiveResult(
        grid=grid,
        hops=hops,
        influence=influence,
        dataset=config.dataset,
        num_nodes=sizes.size(1),
        config=dataclasses.asdict(config),
        started=started.isoformat(timespec="seconds"),
        versions=versions(),
        sizes=sizes.tolist(),
    )


def to_markdown(result: ReceptiveResult) -> str:
    grid_columns = (
        "kernels",
        "layers L",
        "theoretical field",
        "ERF radius (px)",
        "ERF mass inside (2L+1)²",
        "ERF mass in the centre 3×3",
    )
    lines = header(grid_columns, numeric=grid_columns[1:])
    for f in result.grid:
        lines.append(
            f"| {f.kind} | {f.layers} | {f.theoretical}×{f.theoretical} | {f.radius:.2f} | "
            f"{100 * f.inside:.1f} % | {100 * f.centre:.1f} % |"
        )
    c = result.config
    trained = [f for f in result.grid if f.test_acc is not None]
    accuracies = "; ".join(f"L = {f.layers}: {100 * f.test_acc:.1f} %" for f in trained)
    lines += [
        "",
        f"- Grid: effective receptive field (ERF, Luo et al. 2016) of the centre output pixel of "
        f"L stacked 3×3 GridConv layers on a {c['canvas']}×{c['canvas']} input: magnitude of the "
        "input gradient of a unit gradient at the centre output, normalized to sum 1. ones: "
        "all-ones kernels, no nonlinearity; random: Conv2d initialization, "
        f"{c['channels']} channels, no bias, ReLU between layers, mean over {c['inits']} "
        "networks and random inputs; trained: the same stack trained on the 8×8 digits (then a "
        "dense classifier, no pooling; one seed, at most "
        f"{c.get('digits_epochs', 100)} epochs), mean over {c['inits']} random inputs; gcn: the "
        "GCN's fixed 3×3 blur on the 8-connected pixel graph. Radius: root mean square distance "
        "of the ERF's mass from the centre.",
        *([f"- Digits test accuracy of the trained stacks: {accuracies}."] if trained else []),
        "",
    ]
    hop_columns = (
        "hops L",
        "nodes within L hops: mean",
        "median",
        "90th percentile",
        "max",
        f"share of {result.dataset}",
    )
    lines += header(hop_columns, numeric=hop_columns)
    for h in result.hops:
        lines.append(
            f"| {h.hops} | {h.mean:.1f} | {h.median:.0f} | {h.p90:.0f} | {h.max} | "
            f"{100 * h.share:.2f} % |"
        )
    max_hops = c["max_hops"]
    influence_columns = ["two-layer GCN", *(f"hop {h}" for h in range(max_hops + 1)), "farther"]
    lines += ["", *header(influence_columns, numeric=influence_columns[1:])]
    for name, shares in result.influence.items():
        cells = " | ".join(f"{100 * v:.1f} %" for v in shares)
        lines.append(f"| {name} | {cells} |")
    lines += [
        "",
        f"- Graph: {result.dataset} ({result.num_nodes} nodes). Influence (Xu et al. 2018): the "
        "magnitude of the gradient of a node's summed output with respect to every node's "
        f"features, summed per hop distance, as a share of the total; mean over {c['targets']} "
        "random test nodes; trained: the paper's GCN after `train_node` (one seed).",
        f"- gcnlab {result.versions.get('gcnlab')}, torch {result.versions.get('torch')}; "
        f"{result.started}.",
    ]
    return "\n".join(lines) + "\n"


def write_tables(result: ReceptiveResult, folder: str | os.PathLike[str]) -> list[Path]:
    """``receptive-field.md`` and ``receptive-field.json`` in ``folder`` (atomically)."""
    # sizes: N numbers per hop, for the figure, not the record
    return write_result(result, folder, "receptive-field", to_markdown(result), drop=["sizes"])
