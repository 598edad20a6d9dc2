"""gcnlab: graph convolutional networks on PyTorch Geometric.

Correct to the paper (tested against PyG and the dense formula), fast (sparse kernels where the
paper's data is sparse), and clear enough to learn from. Importing ``gcnlab`` does not import the
command line (typer) or plotting (matplotlib).
"""

__version__ = "0.1.0"

from gcnlab.conv import GCNConv, normalized_adjacency
from gcnlab.data import DATASETS, load_dataset, resolve_root
from gcnlab.errors import DataError, GcnlabError, TrainingDiverged, UsageError
from gcnlab.models import GCN
from gcnlab.node_classification import EpochStats, NodeConfig, NodeResult, train_node
from gcnlab.norm import gcn_norm
from gcnlab.runtime import resolve_device, seed_everything
from gcnlab.sparse import SparseMatrix, spmm

__all__ = [
    "DATASETS",
    "DataError",
    "EpochStats",
    "GCN",
    "GCNConv",
    "GcnlabError",
    "NodeConfig",
    "NodeResult",
    "SparseMatrix",
    "TrainingDiverged",
    "UsageError",
    "__version__",
    "gcn_norm",
    "load_dataset",
    "normalized_adjacency",
    "resolve_device",
    "resolve_root",
    "seed_everything",
    "spmm",
    "train_node",
]
