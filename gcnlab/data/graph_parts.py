"""A graph as a reader found it (:class:`GraphParts`), and the one place it becomes a PyG ``Data``.

Every reader (``.npz``, edge lists, networkx files, networkx and PyG objects, ``pyg:``/``ogb:``
specs) fills a :class:`GraphParts` with what its file holds, ids already mapped to ``0..N-1``.
:func:`assemble` then applies the same rules to all of them, so a graph means the same thing
whatever file it came in:

1. Self-loops are dropped (the GCN adds its own, once, with weight 1).
2. Undirected (the default): every edge is kept in both directions. ``directed=True`` keeps
   each edge as given, messages flowing from source to target. A graph whose format has no
   direction (an undirected networkx graph) is always kept in both directions.
3. Duplicate edges are merged into one; edges are sorted by (source, target), as PyG's
   ``coalesce`` sorts them.
4. Labels: one rule for every source: ``-1``, an empty label or none marks an unlabeled node
   (:func:`label_name`); an integer below ``-1`` is refused. Classes are ``0..C-1``: class ids
   with gaps (``{0, 10**8}``) are compacted in order, their original ids kept as
   ``class_names``, so that the output layer has one unit per class present. A file's own
   masks keep only labeled nodes.
5. A graph without node features gets one-hot ids (the GCN paper's choice for featureless
   graphs) up to :data:`MAX_IDENTITY_NODES` nodes; beyond that a constant feature if
   ``featureless="ones"``, else an error that says so.
6. Features must be finite and at most :data:`MAX_FEATURE` in magnitude.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import torch
from torch_geometric.data import Data

from gcnlab.data.choices import FEATURELESS
from gcnlab.data.limits import check_fits
from gcnlab.errors import InputError, UsageError

log = logging.getLogger(__name__)

MASKS = ("train_mask", "val_mask", "test_mask")
MAX_IDENTITY_NODES = 20_000  # one-hot ids beyond this take > 1.6 GB dense
# The largest feature magnitude accepted. A GCN computes in float32 (max 3.4e38): Adam squares
# first-layer gradients, which scale with x, and sums run over up to ~1e8 terms, so |x| <= 1e15
# keeps 1e30 * 1e8 below the limit. Larger values overflow to inf mid-training, where they look
# like a learning-rate problem; scale or standardize them instead.
MAX_FEATURE = 1e15


@dataclass
class GraphParts:
    """What a reader found, before the rules of :func:`assemble` are applied."""

    source: str  # the file or spec, named in every error message
    num_nodes: int
    src: np.ndarray  # [E] int64 node index of each edge's source
    dst: np.ndarray  # [E] int64 node index of each edge's target
    x: np.ndarray | torch.Tensor | None = None  # [N, F] node features
    y: np.ndarray | None = None  # [N] int64 class ids, -1 = unlabeled
    masks: dict[str, np.ndarray] = field(default_factory=dict)  # the file's own boolean [N]
    node_ids: list[str] | None = None  # the id of each node as the input gave it
    class_names: list[str] | None = None  # the input's name of class 0, 1, ...
    undirected_format: bool = False  # the format itself has no edge direction


def assemble(parts: GraphParts, *, directed: bool = False, featureless: str = "identity") -> Data:
    """Apply the module's rules and return a ``Data`` (see the module docstring).

    Returns:
        ``Data`` with ``x`` ``[N, F]`` float32, ``edge_index`` ``[2, E]`` int64 (sorted, no
        duplicates, no self-loops), ``y`` ``[N]`` (``-1`` unlabeled; absent without labels),
        the file's masks if it has any, ``num_classes``, ``node_ids`` (list of str, or
        ``None`` for ids ``0..N-1``), ``class_names`` and ``directed``.

    Raises:
        InputError: no nodes, no edges, features with NaN or inf, labels of one class only.
    """
    if featureless not in FEATURELESS:
        raise UsageError(
            f"featureless must be one of {', '.join(FEATURELESS)}, got {featureless!r}"
        )
    n = parts.num_nodes
    if n == 0:
        raise InputError(f"{parts.source}: the graph has no nodes")
    edge_index = _edges(parts, directed=directed and not parts.undirected_format)
    x = _features(parts, featureless)
    data = Data(x=x, edge_index=edge_index)
    data.num_nodes = n
    class_names = parts.class_names
    if parts.y is not None:
        data.y, class_names = _labels(parts)
        data.num_classes = int(data.y.max()) + 1
        labeled = data.y >= 0
        for key, mask in parts.masks.items():
            data[key] = torch.as_tensor(np.asarray(mask, dtype=bool)) & labeled
    elif parts.masks:
        raise InputError(f"{parts.source}: the file has split masks but no labels")
    data.node_ids = parts.node_ids
    data.class_names = class_names
    data.directed = bool(directed and not parts.undirected_format)
    log.info(
        "%s: %d nodes, %d edges (%s)",
        parts.source,
        n,
        edge_index.size(1),
        "directed" if data.directed else "both directions",
    )
    return data


def _edges(parts: GraphParts, *, directed: bool) -> torch.Tensor:
    n = parts.num_nodes
    src = np.asarray(parts.src, dtype=np.int64)
    dst = np.asarray(parts.dst, dtype=np.int64)
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise InputError(f"{parts.source}: an edge refers to a node outside 0..{n - 1}")
    keep = src != dst  # Step 1: self-loops go; the GCN adds one per node itself
    dropped = int(src.size - keep.sum())
    if dropped:
        log.info("%s: dropped %d self-loops", parts.source, dropped)
        src, dst = src[keep], dst[keep]
    if src.size == 0:
        raise InputError(
            f"{parts.source}: the graph has no edges (self-loops aside); "
            "a GCN needs edges to convolve over"
        )
    if not directed:  # Step 2: both directions
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    # Step 3: one key per (source, target), sorted, each once. A sort and a comparison with the
    # neighbour: numpy 2's np.unique hashes first and took 10x longer on 20 M edges.
    key = src * n + dst  # [E] int64: fits for n < 3e9
    del src, dst
    key.sort()
    if key.size > 1:
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    return torch.from_numpy(np.stack([key // n, key % n]))


def _features(parts: GraphParts, featureless: str) -> torch.Tensor:
    n = parts.num_nodes
    if parts.x is None:
        if featureless == "ones":
            return torch.ones(n, 1)
        if n > MAX_IDENTITY_NODES:
            raise InputError(
                f"{parts.source}: the graph has no node features and {n} nodes; one-hot ids "
                f"(used up to {MAX_IDENTITY_NODES} nodes) would take {4 * n * n / 2**30:.0f} GB. "
                "Give a features file, or featureless='ones' (--featureless ones) for one "
                "constant feature"
            )
        return torch.eye(n)
    x = parts.x
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise InputError(f"{parts.source}: node features must be numbers, got {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x))  # float32 below, once the range is known
    if x.layout != torch.strided:
        check_dense(parts.source, x.size(0), x.size(-1))
        x = x.to_dense()
    if not x.is_floating_point():
        x = x.float()  # integers and booleans are exact enough, and never overflow float32
    if x.dim() != 2 or x.size(0) != n or x.size(1) == 0:
        raise InputError(
            f"{parts.source}: node features have shape {list(x.shape)}; "
            f"expected [{n}, F] with F >= 1"
        )
    bad = ~torch.isfinite(x)
    if bool(bad.any()):
        node = int(bad.any(dim=1).nonzero()[0, 0])
        name = parts.node_ids[node] if parts.node_ids else str(node)
        raise InputError(
            f"{parts.source}: node features hold {int(bad.sum())} NaN or infinite "
            f"values (first at node {name})"
        )
    low, high = torch.aminmax(x)  # in the stored precision (float64 1e39 is not inf yet)
    if max(-float(low), float(high)) > MAX_FEATURE:
        large = x.abs() > MAX_FEATURE  # the full mask only on the way to the error
        node, column = (int(i) for i in large.nonzero()[0])
        name = parts.node_ids[node] if parts.node_ids else str(node)
        raise InputError(
            f"{parts.source}: {int(large.sum())} node features exceed {MAX_FEATURE:.0e} in "
            f"magnitude (first: {float(x[node, column]):.3g} at node {name}, feature "
            f"{column}); float32 arithmetic in a GCN would overflow: scale or standardize them"
        )
    return x.float()


def _labels(parts: GraphParts) -> tuple[torch.Tensor, list[str] | None]:
    y = np.asarray(parts.y)
    if y.shape != (parts.num_nodes,) or y.dtype.kind not in "iu":
        raise InputError(
            f"{parts.source}: labels must be {parts.num_nodes} integers, got "
            f"shape {list(y.shape)} of {y.dtype}"
        )
    if y.size and y.min() < -1:
        raise InputError(
            f"{parts.source}: labels must be >= 0 (-1 for unlabeled), found {int(y.min())}"
        )
    labeled = y[y >= 0]
    if labeled.size == 0:
        raise InputError(f"{parts.source}: no node has a label")
    classes = np.unique(labeled)  # the classes present, sorted (no bincount: ids may be 1e9)
    names = parts.class_names
    if classes.size < 2:
        c = int(classes[0])
        name = names[c] if names and c < len(names) else c
        raise InputError(
            f"{parts.source}: every labeled node has the same class ({name}); "
            "classification needs at least two classes"
        )
    y = y.astype(np.int64)
    if classes[-1] != classes.size - 1:  # gaps: one output unit per class present
        names = [names[c] if names and c < len(names) else str(c) for c in classes.tolist()]
        log.info(
            "%s: class ids %s compacted to 0..%d (class_names keeps them)",
            parts.source,
            _few(names),
            classes.size - 1,
        )
        y = np.where(y >= 0, np.searchsorted(classes, y), -1)
    return torch.from_numpy(y), names


def _few(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 6 else ", ".join([*names[:3], "...", *names[-2:]])


def label_name(value: object) -> str:
    """A source's label as a class name, ``""`` for unlabeled: no value, empty text or ``-1``
    (the one rule for every source). An integral float (``2.0``, as GraphML may store it) is
    named as the integer.

    Raises:
        ValueError: an integer below ``-1``.
    """
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    try:
        number = int(text)
    except ValueError:
        return text
    if number < -1:
        raise ValueError(f"label {text!r}: class ids must be >= 0 (-1 or empty for unlabeled)")
    return "" if number == -1 else text


def class_ids(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Class names (``""`` = unlabeled, see :func:`label_name`) as ids ``0..C-1``: in numeric
    order if every name is an integer (so ``0..6`` stay ``0..6``), else in text order. Returns
    (ids with -1, names)."""
    names = sorted({v for v in values if v != ""})
    try:
        names.sort(key=int)
    except ValueError:
        pass
    lookup = {name: i for i, name in enumerate(names)}
    ids = np.fromiter((lookup.get(v, -1) for v in values), dtype=np.int64, count=len(values))
    return ids, names


def node_names(data: Data) -> list[str]:
    """The id of every node ``[N]`` as its input gave it (``Data.node_ids``, read from graph
    files), as text; ``"0"`` .. ``"N-1"`` for a graph without them (the built-in datasets)."""
    ids = getattr(data, "node_ids", None)
    return [str(i) for i in range(data.num_nodes)] if ids is None else [str(i) for i in ids]


def check_dense(source: str, num_nodes: int, num_features: int) -> None:
    """A dense float32 ``[N, F]`` matrix fits in memory (checked before it is allocated)."""
    check_fits(
        source, 4 * num_nodes * num_features, f"dense node features [{num_nodes}, {num_features}]"
    )


def from_data(data: Data, source: str = "Data object") -> GraphParts:
    """A PyG ``Data`` (``edge_index``; ``x``, ``y``, masks and ``node_ids`` where present) as
    :class:`GraphParts`; its tensors are not modified."""
    if not isinstance(data, Data):
        raise InputError(
            f"{source}: expected a torch_geometric.data.Data, got {type(data).__name__}"
        )
    edge_index = data.edge_index
    if not isinstance(edge_index, torch.Tensor) or edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise InputError(f"{source}: edge_index must be a [2, E] tensor")
    n = data.num_nodes if data.num_nodes is not None else 0
    edges = edge_index.detach().cpu().long().numpy()
    parts = GraphParts(
        source=source,
        num_nodes=int(n),
        src=edges[0],
        dst=edges[1],
        x=None if data.x is None else data.x.detach().cpu(),
        node_ids=getattr(data, "node_ids", None),
        class_names=getattr(data, "class_names", None),
    )
    y = data.get("y")
    if y is not None:
        y = y.detach().cpu()
        if y.dim() == 2 and y.size(1) == 1:  # OGB keeps labels as [N, 1]
            y = y.view(-1)
        if y.is_floating_point():
            raise InputError(f"{source}: y must hold integer class ids, got {y.dtype}")
        parts.y = y.long().numpy()
    for key in MASKS:
        mask = data.get(key)
        if mask is not None:
            if (
                not isinstance(mask, torch.Tensor)
                or mask.dtype != torch.bool
                or (mask.shape != (parts.num_nodes,))
            ):
                raise InputError(f"{source}: {key} must be a boolean [N] tensor")
            parts.masks[key] = mask.cpu().numpy()
    return parts
