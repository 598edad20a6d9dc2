"""Options shared by the commands that train on a graph (train, linkpred, embed, rerun): which
graph and how to read it, the split, the CPU threads, and where predictions go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gcnlab.train.bounds import MAX_THREADS

# The default of --threads. On a 2-core machine shared with other jobs, torch's default (one
# thread per core) ran Cora's epochs several times slower than one thread, and never faster on
# a 1M-edge graph (benchmarks/bench_threads.py, docs/data.md); one thread is never the slow one.
DEFAULT_THREADS = 1

Dataset = Annotated[
    str,
    typer.Argument(
        help="cora, citeseer, pubmed, karate, a graph file (.npz, .csv/.tsv/.txt edge list, "
        ".graphml, .gml, .edgelist, .adjlist) or a spec (pyg:Amazon/Computers, "
        "ogb:ogbn-arxiv); see docs/data.md."
    ),
]
Directed = Annotated[
    bool,
    typer.Option(
        "--directed/--undirected",
        help="Graph files: keep each edge's direction (default: undirected, both directions).",
    ),
]
FeaturesFile = Annotated[
    Path | None, typer.Option(help="Edge lists: node features file (node, f_1, ..., f_F).")
]
LabelsFile = Annotated[
    Path | None,
    typer.Option(
        help="Edge lists: labels file (node, label[, split]); a missing or empty label: unlabeled."
    ),
]
LabelAttr = Annotated[
    str, typer.Option(help="networkx files: the node attribute that holds the class.")
]
Featureless = Annotated[
    str,
    typer.Option(
        help="A graph without node features: identity (one-hot ids, up to 20000 nodes) or ones."
    ),
]
Split = Annotated[
    str,
    typer.Option(
        help="auto (the graph's own split, else random), file, public (Planetoid's), random "
        "(20 per class, 500 val, 1000 test; random:K,V,T), fractions such as 0.6,0.2,0.2, or "
        "folds:K (K-fold cross-validation, run i tests on fold i; needs --select last "
        "--patience 0); @SEED fixes a random split for every run."
    ),
]
Threads = Annotated[
    int,
    typer.Option(
        min=1,
        max=MAX_THREADS,
        help="CPU threads for torch (torch.set_num_threads); 1 is fastest on a shared "
        "machine (measured, docs/data.md).",
    ),
]
Predictions = Annotated[
    Path | None,
    typer.Option(
        help="Write a CSV of predictions from the run validation prefers (node: id, split, label, "
        "predicted class, class probabilities; link: test pairs' probabilities)."
    ),
]


def graph_fields(
    *,
    directed: bool,
    features_file: Path | None,
    labels_file: Path | None,
    label_attr: str,
    featureless: str,
) -> dict[str, Any]:
    """The GraphInput config fields from the command's options."""
    return {
        "directed": directed,
        "features_file": None if features_file is None else str(features_file),
        "labels_file": None if labels_file is None else str(labels_file),
        "label_attr": label_attr,
        "featureless": featureless.lower(),
    }


def set_threads(threads: int) -> None:
    """Use ``threads`` CPU threads in torch from here on (the library itself keeps torch's)."""
    import torch

    torch.set_num_threads(threads)
