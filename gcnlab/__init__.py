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
    "GCNConv": "gcnlab.conv",
    "normalized_adjacency": "gcnlab.conv",
    "gcn_norm": "gcnlab.norm",
    "SparseMatrix": "gcnlab.sparse",
    "spmm": "gcnlab.sparse",
    "GCN": "gcnlab.models",
    "DATASETS": "gcnlab.data.datasets",
    "load_dataset": "gcnlab.data.datasets",
    "resolve_root": "gcnlab.data.datasets",
    "NodeConfig": "gcnlab.node_classification",
    "NodeResult": "gcnlab.node_classification",
    "EpochStats": "gcnlab.node_classification",
    "train_node": "gcnlab.node_classification",
    "resolve_device": "gcnlab.runtime",
    "seed_everything": "gcnlab.runtime",
    "GcnlabError": "gcnlab.errors",
    "UsageError": "gcnlab.errors",
    "DataError": "gcnlab.errors",
    "TrainingDiverged": "gcnlab.errors",
    "validate_graph": "gcnlab.validate",
    "GAE": "gcnlab.autoencoders",
    "VGAE": "gcnlab.autoencoders",
    "GCNEncoder": "gcnlab.autoencoders",
    "VariationalGCNEncoder": "gcnlab.autoencoders",
    "InnerProductDecoder": "gcnlab.autoencoders",
    "LinkConfig": "gcnlab.link_prediction",
    "LinkEpochStats": "gcnlab.link_prediction",
    "LinkResult": "gcnlab.link_prediction",
    "train_link": "gcnlab.link_prediction",
    "LinkSplit": "gcnlab.link_split",
    "split_edges": "gcnlab.link_split",
    "GridGraph": "gcnlab.grid",
    "grid_graph": "gcnlab.grid",
    "GridConv": "gcnlab.grid_conv",
    "neighbour_table_conv": "gcnlab.grid_conv",
    "GridPool": "gcnlab.grid_pool",
    "gcn_as_grid_conv": "gcnlab.gcn_on_grid",
    "DigitsCNN": "gcnlab.digits",
    "DigitsConfig": "gcnlab.digits",
    "DigitsResult": "gcnlab.digits",
    "train_digits": "gcnlab.digits",
    "Checkpoint": "gcnlab.checkpoint",
    "save_checkpoint": "gcnlab.checkpoint",
    "load_checkpoint": "gcnlab.checkpoint",
    "evaluate_checkpoint": "gcnlab.checkpoint",
    "dataset_fingerprint": "gcnlab.checkpoint",
    "PAPER_NUMBERS": "gcnlab.paper",
    "paper_number": "gcnlab.paper",
    "ReproduceConfig": "gcnlab.reproduce",
    "ReproduceResult": "gcnlab.reproduce",
    "ReproduceRow": "gcnlab.reproduce",
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
    from gcnlab.autoencoders import (
        GAE,
        VGAE,
        GCNEncoder,
        InnerProductDecoder,
        VariationalGCNEncoder,
    )
    from gcnlab.checkpoint import (
        Checkpoint,
        dataset_fingerprint,
        evaluate_checkpoint,
        load_checkpoint,
        save_checkpoint,
    )
    from gcnlab.conv import GCNConv, normalized_adjacency
    from gcnlab.data.datasets import DATASETS, load_dataset, resolve_root
    from gcnlab.digits import DigitsCNN, DigitsConfig, DigitsResult, train_digits
    from gcnlab.errors import DataError, GcnlabError, TrainingDiverged, UsageError
    from gcnlab.gcn_on_grid import gcn_as_grid_conv
    from gcnlab.grid import GridGraph, grid_graph
    from gcnlab.grid_conv import GridConv, neighbour_table_conv
    from gcnlab.grid_pool import GridPool
    from gcnlab.link_prediction import LinkConfig, LinkEpochStats, LinkResult, train_link
    from gcnlab.link_split import LinkSplit, split_edges
    from gcnlab.models import GCN
    from gcnlab.node_classification import EpochStats, NodeConfig, NodeResult, train_node
    from gcnlab.norm import gcn_norm
    from gcnlab.paper import PAPER_NUMBERS, paper_number
    from gcnlab.reproduce import ReproduceConfig, ReproduceResult, ReproduceRow
    from gcnlab.runtime import resolve_device, seed_everything
    from gcnlab.sparse import SparseMatrix, spmm
    from gcnlab.validate import validate_graph
