"""gcnlab: graph convolutional networks on PyTorch Geometric.

Correct to the paper (tested against PyG and the dense formula), fast (sparse kernels where the
paper's data is sparse), and clear enough to learn from.

The names below load on first use (PEP 562), so ``import gcnlab`` is cheap and the command line
answers ``--help`` without importing torch. Importing ``gcnlab`` never imports typer or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "GCNConv": "gcnlab.nn.gcn_conv",
    "SGConv": "gcnlab.nn.sg_conv",
    "APPNP": "gcnlab.nn.appnp",
    "GCN2Conv": "gcnlab.nn.gcn2_conv",
    "normalized_adjacency": "gcnlab.nn.norm",
    "NormalizedAdjacency": "gcnlab.nn.norm",
    "dropout": "gcnlab.nn.dropout",
    "Dropout": "gcnlab.nn.dropout",
    "gcn_norm": "gcnlab.nn.norm",
    "SparseMatrix": "gcnlab.nn.sparse",
    "spmm": "gcnlab.nn.sparse",
    "GCN": "gcnlab.nn.models",
    "Propagation": "gcnlab.nn.propagation",
    "propagation_operator": "gcnlab.nn.propagation",
    "scaled_laplacian": "gcnlab.nn.propagation",
    "sym_adjacency": "gcnlab.nn.propagation",
    "ChebyshevConv": "gcnlab.nn.propagation_conv",
    "FirstOrderConv": "gcnlab.nn.propagation_conv",
    "SingleParameterConv": "gcnlab.nn.propagation_conv",
    "FirstOrderTermConv": "gcnlab.nn.propagation_conv",
    "Dense": "gcnlab.nn.propagation_conv",
    "propagation_conv": "gcnlab.nn.propagation_conv",
    "PropagationGCN": "gcnlab.nn.deep_gcn",
    "DATASETS": "gcnlab.data.sources",
    "load_dataset": "gcnlab.data.datasets",
    "load_graph": "gcnlab.data.graphs",
    "SplitSpec": "gcnlab.data.splits",
    "make_split": "gcnlab.data.splits",
    "resolve_root": "gcnlab.data.builtin",
    "NodeConfig": "gcnlab.tasks.node_config",
    "NodeResult": "gcnlab.tasks.node",
    "ClassifierStats": "gcnlab.tasks.node",
    "train_node": "gcnlab.tasks.node",
    "EpochStats": "gcnlab.train.loop",
    "RunConfig": "gcnlab.train.config",
    "RunResult": "gcnlab.train.loop",
    "Task": "gcnlab.train.loop",
    "fit": "gcnlab.train.loop",
    "register_task": "gcnlab.train.registry",
    "Evaluation": "gcnlab.tasks.evaluate",
    "resolve_device": "gcnlab.utils.runtime",
    "seed_everything": "gcnlab.utils.runtime",
    "GcnlabError": "gcnlab.errors",
    "UsageError": "gcnlab.errors",
    "DataError": "gcnlab.errors",
    "InputError": "gcnlab.errors",
    "TrainingDiverged": "gcnlab.errors",
    "validate_graph": "gcnlab.data.validate",
    "GAE": "gcnlab.nn.autoencoders",
    "VGAE": "gcnlab.nn.autoencoders",
    "GCNEncoder": "gcnlab.nn.autoencoders",
    "VariationalGCNEncoder": "gcnlab.nn.autoencoders",
    "InnerProductDecoder": "gcnlab.nn.autoencoders",
    "LinkConfig": "gcnlab.tasks.link_config",
    "LinkEpochStats": "gcnlab.tasks.link",
    "LinkResult": "gcnlab.tasks.link",
    "train_link": "gcnlab.tasks.link",
    "LinkSplit": "gcnlab.data.link_split",
    "split_edges": "gcnlab.data.link_split",
    "GridGraph": "gcnlab.nn.grid",
    "grid_graph": "gcnlab.nn.grid",
    "GridConv": "gcnlab.nn.grid_conv",
    "neighbour_table_conv": "gcnlab.nn.grid_conv",
    "GridPool": "gcnlab.nn.grid_pool",
    "gcn_as_grid_conv": "gcnlab.nn.gcn_on_grid",
    "DigitsCNN": "gcnlab.nn.digits_cnn",
    "DigitsConvStack": "gcnlab.nn.digits_cnn",
    "DigitsConfig": "gcnlab.tasks.digits_config",
    "DigitsResult": "gcnlab.tasks.digits",
    "train_digits": "gcnlab.tasks.digits",
    "Checkpoint": "gcnlab.io.checkpoint",
    "save_checkpoint": "gcnlab.io.checkpoint",
    "load_checkpoint": "gcnlab.io.checkpoint",
    "evaluate_checkpoint": "gcnlab.tasks.evaluate",
    "dataset_fingerprint": "gcnlab.io.checkpoint",
    "PAPER_NUMBERS": "gcnlab.experiments.published",
    "paper_number": "gcnlab.experiments.published",
    "ReproduceConfig": "gcnlab.experiments.reproduce_config",
    "ReproduceResult": "gcnlab.experiments.reproduce",
    "ReproduceRow": "gcnlab.experiments.reproduce",
    "LowPassFilter": "gcnlab.nn.low_pass",
    "low_pass_operator": "gcnlab.nn.low_pass",
    "GCNEmbedder": "gcnlab.nn.embedder",
    "ClusterConfig": "gcnlab.community.config",
    "ClusterResult": "gcnlab.community.detect",
    "cluster": "gcnlab.community.detect",
    "ClusterScores": "gcnlab.community.scores",
    "cluster_scores": "gcnlab.community.scores",
    "KarateConfig": "gcnlab.tasks.karate_config",
    "KarateResult": "gcnlab.tasks.karate",
    "train_karate": "gcnlab.tasks.karate",
    "node_predictions": "gcnlab.tasks.predict",
    "node_embeddings": "gcnlab.tasks.predict",
    "link_scores": "gcnlab.tasks.predict",
    "rerun": "gcnlab.tasks.rerun",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gcnlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from gcnlab.community.config import ClusterConfig
    from gcnlab.community.detect import ClusterResult, cluster
    from gcnlab.community.scores import ClusterScores, cluster_scores
    from gcnlab.data.builtin import resolve_root
    from gcnlab.data.datasets import load_dataset
    from gcnlab.data.graphs import load_graph
    from gcnlab.data.link_split import LinkSplit, split_edges
    from gcnlab.data.sources import DATASETS
    from gcnlab.data.splits import SplitSpec, make_split
    from gcnlab.data.validate import validate_graph
    from gcnlab.errors import DataError, GcnlabError, InputError, TrainingDiverged, UsageError
    from gcnlab.experiments.published import PAPER_NUMBERS, paper_number
    from gcnlab.experiments.reproduce import ReproduceResult, ReproduceRow
    from gcnlab.experiments.reproduce_config import ReproduceConfig
    from gcnlab.io.checkpoint import (
        Checkpoint,
        dataset_fingerprint,
        load_checkpoint,
        save_checkpoint,
    )
    from gcnlab.nn.appnp import APPNP
    from gcnlab.nn.autoencoders import (
        GAE,
        VGAE,
        GCNEncoder,
        InnerProductDecoder,
        VariationalGCNEncoder,
    )
    from gcnlab.nn.deep_gcn import PropagationGCN
    from gcnlab.nn.digits_cnn import DigitsCNN, DigitsConvStack
    from gcnlab.nn.dropout import Dropout, dropout
    from gcnlab.nn.embedder import GCNEmbedder
    from gcnlab.nn.gcn2_conv import GCN2Conv
    from gcnlab.nn.gcn_conv import GCNConv
    from gcnlab.nn.gcn_on_grid import gcn_as_grid_conv
    from gcnlab.nn.grid import GridGraph, grid_graph
    from gcnlab.nn.grid_conv import GridConv, neighbour_table_conv
    from gcnlab.nn.grid_pool import GridPool
    from gcnlab.nn.low_pass import LowPassFilter, low_pass_operator
    from gcnlab.nn.models import GCN
    from gcnlab.nn.norm import NormalizedAdjacency, gcn_norm, normalized_adjacency
    from gcnlab.nn.propagation import (
        Propagation,
        propagation_operator,
        scaled_laplacian,
        sym_adjacency,
    )
    from gcnlab.nn.propagation_conv import (
        ChebyshevConv,
        Dense,
        FirstOrderConv,
        FirstOrderTermConv,
        SingleParameterConv,
        propagation_conv,
    )
    from gcnlab.nn.sg_conv import SGConv
    from gcnlab.nn.sparse import SparseMatrix, spmm
    from gcnlab.tasks.digits import DigitsResult, train_digits
    from gcnlab.tasks.digits_config import DigitsConfig
    from gcnlab.tasks.evaluate import Evaluation, evaluate_checkpoint
    from gcnlab.tasks.karate import KarateResult, train_karate
    from gcnlab.tasks.karate_config import KarateConfig
    from gcnlab.tasks.link import LinkEpochStats, LinkResult, train_link
    from gcnlab.tasks.link_config import LinkConfig
    from gcnlab.tasks.node import ClassifierStats, NodeResult, train_node
    from gcnlab.tasks.node_config import NodeConfig
    from gcnlab.tasks.predict import link_scores, node_embeddings, node_predictions
    from gcnlab.tasks.rerun import rerun
    from gcnlab.train.config import RunConfig
    from gcnlab.train.loop import EpochStats, RunResult, Task, fit
    from gcnlab.train.registry import register_task
    from gcnlab.utils.runtime import resolve_device, seed_everything
