"""Checks on a graph as it enters gcnlab, each failing with a message that names the problem.

A malformed graph rarely fails loudly further down. A node id out of range is a cryptic index error
on the CPU and a device-side assert (a dead CUDA context) on a GPU; a NaN feature reaches every
node within two hops and training reports an accuracy computed from NaN logits; a negative edge
weight can make a degree zero or negative, and :math:`\\hat{d}^{-1/2}` is then inf or NaN.

:func:`validate_graph` runs once per graph, before anything is built from it (about 12 ms for
Cora on 2 busy cores), so the layers themselves stay free of checks. Every check raises
:class:`~gcnlab.errors.UsageError`, a ``ValueError``.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from gcnlab.errors import UsageError
from gcnlab.nn.sparse import SparseMatrix

MASKS = ("train_mask", "val_mask", "test_mask")


def validate_graph(
    data: Any = None,
    *,
    x: Tensor | SparseMatrix | None = None,
    edge_index: Tensor | None = None,
    edge_weight: Tensor | None = None,
    y: Tensor | None = None,
    masks: Mapping[str, Tensor] | None = None,
    num_nodes: int | None = None,
    num_classes: int | None = None,
    normalize: bool = True,
) -> None:
    """Check a graph before training on it; return ``None`` or raise naming the first problem.

    Pass a PyG ``Data`` (its ``x``, ``edge_index``, ``edge_weight``, ``y``, ``train_mask``,
    ``val_mask``, ``test_mask`` and ``num_classes`` are used where present), loose tensors, or
    both (a keyword overrides the attribute).

    Args:
        data (torch_geometric.data.Data, optional): the graph.
        x (Tensor, optional): node features ``[N, F]``, floating point, finite.
        edge_index (Tensor): ``[2, E]`` ``torch.long`` ids in ``[0, N)``.
        edge_weight (Tensor, optional): ``[E]`` finite weights; non-negative if ``normalize``.
        y (Tensor, optional): ``[N]`` integer class ids; those of nodes in a mask must lie in
            ``[0, num_classes)`` (nodes in no mask are never read and are not checked).
        masks (dict, optional): boolean ``[N]`` split masks by name; each must select at least
            one node and no two may share a node. (default: the ``Data``'s train/val/test masks)
        num_nodes (int, optional): ``N`` (default: the length of ``x``, ``y`` and the masks,
            which must agree, else ``data.num_nodes``, else ``edge_index.max() + 1``).
        num_classes (int, optional): ``C`` (default: ``data.num_classes`` if set).
        normalize (bool, optional): the graph will be symmetrically normalized, so edge weights
            must be non-negative. (default: :obj:`True`)

    Raises:
        UsageError: (a ``ValueError``) naming what is wrong and where.
    """
    x = _pick(x, data, "x")
    edge_index = _pick(edge_index, data, "edge_index")
    edge_weight = _pick(edge_weight, data, "edge_weight")
    y = _pick(y, data, "y")
    num_classes = _pick(num_classes, data, "num_classes")
    if masks is None:
        masks = {k: v for k in MASKS if (v := _pick(None, data, k)) is not None}
    if edge_index is None:
        raise UsageError("the graph has no edge_index")

    check_edge_index_shape(edge_index)
    num_nodes = _num_nodes(num_nodes, x, y, masks, data, edge_index)
    check_edge_index(edge_index, num_nodes)
    if edge_weight is not None:
        check_edge_weight(edge_weight, edge_index.size(1), normalize=normalize)
    if x is not None:
        check_features(x, num_nodes)
    check_masks(masks, num_nodes)
    if y is not None:
        check_labels(y, num_nodes, num_classes, masks)


def check_edge_index_shape(edge_index: Tensor) -> None:
    """``edge_index`` is a dense ``[2, E]`` ``torch.long`` tensor."""
    if not isinstance(edge_index, Tensor):
        raise UsageError(f"edge_index must be a torch.Tensor, got {type(edge_index).__name__}")
    if edge_index.layout != torch.strided:
        raise UsageError("edge_index must be a dense [2, E] tensor of node ids, not a sparse one")
    if edge_index.dtype != torch.long:
        raise UsageError(f"edge_index must have dtype torch.long, got {edge_index.dtype}")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        transposed = edge_index.dim() == 2 and edge_index.size(1) == 2
        hint = " (transpose it with .t())" if transposed else ""
        raise UsageError(f"edge_index must have shape [2, E], got {list(edge_index.shape)}{hint}")


def check_edge_index(edge_index: Tensor, num_nodes: int) -> None:
    """``edge_index`` has the right form and every id lies in ``[0, num_nodes)``."""
    check_edge_index_shape(edge_index)
    if edge_index.numel() == 0:
        return
    low, high = int(edge_index.min()), int(edge_index.max())
    if low < 0:
        raise UsageError(f"edge_index holds a negative node id ({low}); ids must be >= 0")
    if high >= num_nodes:
        raise UsageError(f"edge_index refers to node {high} but the graph has {num_nodes} nodes "
                         f"(ids 0..{num_nodes - 1})")


def check_edge_weight(edge_weight: Tensor, num_edges: int, *, normalize: bool = True) -> None:
    """One finite weight per edge; none negative when the graph is symmetrically normalized."""
    if not isinstance(edge_weight, Tensor) or not edge_weight.is_floating_point():
        kind = edge_weight.dtype if isinstance(edge_weight, Tensor) else type(edge_weight).__name__
        raise UsageError(f"edge_weight must be a floating-point tensor, got {kind}")
    if edge_weight.dim() != 1 or edge_weight.numel() != num_edges:
        raise UsageError(f"edge_weight must have shape [{num_edges}] (one weight per edge), "
                         f"got {list(edge_weight.shape)}")
    bad = ~torch.isfinite(edge_weight)
    if bool(bad.any()):
        raise UsageError(f"edge_weight holds {int(bad.sum())} NaN or infinite values "
                         f"(first at edge {_first(bad)})")
    if normalize and bool((edge_weight < 0).any()):
        raise UsageError(
            f"edge_weight holds negative values (min {float(edge_weight.min()):g} at edge "
            f"{_first(edge_weight < 0)}); symmetric normalization needs non-negative weights "
            "(a degree could be 0 or negative, making D^-1/2 infinite or NaN). "
            "Use normalize=False to apply the weights as given"
        )


def check_features(x: Tensor | SparseMatrix, num_nodes: int) -> None:
    """``x`` is a floating-point ``[num_nodes, F]`` matrix, ``F >= 1``, with no NaN or inf
    (dense, ``torch.sparse`` or :class:`~gcnlab.SparseMatrix`)."""
    if isinstance(x, SparseMatrix):
        x = x.mat
    if not isinstance(x, Tensor):
        raise UsageError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2:
        raise UsageError(f"x must have shape [N, F], got {list(x.shape)}")
    if not x.is_floating_point():
        raise UsageError(f"x must be floating point, got {x.dtype}; convert it with x.float()")
    if x.size(0) != num_nodes or x.size(1) == 0:
        raise UsageError(f"x has shape {list(x.shape)}; expected [{num_nodes}, F] with F >= 1")
    values = x if x.layout == torch.strided else x.to_sparse_coo().coalesce().values()
    # A sum is finite only if every term is: one pass, 4x faster than isfinite() on Cora; the
    # exact per-element check runs only when something is wrong (or the sum overflowed).
    if bool(torch.isfinite(values.sum())):
        return
    bad = ~torch.isfinite(values)
    if not bool(bad.any()):
        return
    nan = int(torch.isnan(values).sum())
    if x.layout == torch.strided:
        node = _first(bad.any(dim=1))
    else:
        node = int(x.to_sparse_coo().coalesce().indices()[0][bad][0])
    raise UsageError(f"x holds {nan} NaN and {int(bad.sum()) - nan} infinite values (first "
                     f"at node {node}); replace or drop them before training")


def check_masks(masks: Mapping[str, Tensor], num_nodes: int) -> None:
    """Each mask is boolean ``[num_nodes]`` and selects a node; no two masks share a node."""
    for name, mask in masks.items():
        if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
            kind = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
            raise UsageError(f"{name} must be a boolean tensor of shape [{num_nodes}], got {kind} "
                             "(for node ids, set mask[ids] = True in a torch.zeros(N, "
                             "dtype=torch.bool))")
        if mask.shape != (num_nodes,):
            raise UsageError(f"{name} must have shape [{num_nodes}], got {list(mask.shape)}")
        if not bool(mask.any()):
            raise UsageError(f"{name} selects no nodes")
    names = list(masks)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            both = masks[first] & masks[second]
            if bool(both.any()):
                raise UsageError(f"{first} and {second} overlap on {int(both.sum())} nodes (first: "
                                 f"node {_first(both)}); a node belongs to one split only")


def check_labels(y: Tensor, num_nodes: int, num_classes: int | None = None,
                 masks: Mapping[str, Tensor] | None = None) -> None:
    """``y`` holds ``[num_nodes]`` integer class ids, in ``[0, num_classes)`` on masked nodes."""
    if not isinstance(y, Tensor):
        raise UsageError(f"y must be a torch.Tensor, got {type(y).__name__}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        hint = " (one-hot labels? use y.argmax(dim=1))" if y.dim() == 2 else ""
        raise UsageError(f"y must hold integer class ids, got {y.dtype}{hint}")
    if y.shape != (num_nodes,):
        hint = " (one-hot labels? use y.argmax(dim=1))" if y.dim() == 2 else ""
        raise UsageError(f"y must have shape [{num_nodes}], got {list(y.shape)}{hint}")
    read = torch.ones_like(y, dtype=torch.bool)
    if masks:
        read = torch.stack(list(masks.values())).any(dim=0)
    if num_classes is not None and num_classes < 1:
        raise UsageError(f"num_classes must be at least 1, got {num_classes}")
    too_high = read & (y >= num_classes) if num_classes is not None else torch.zeros_like(read)
    out = read & (y < 0) | too_high
    if bool(out.any()):
        node = _first(out)
        allowed = f"[0, {num_classes})" if num_classes is not None else "non-negative"
        raise UsageError(f"y holds label {int(y[node])} at node {node}; labels of the nodes "
                         f"in the masks must be {allowed}")


def _pick(value: Any, data: Any, key: str) -> Any:
    if value is not None or data is None:
        return value
    return getattr(data, key, None)


def _num_nodes(num_nodes: int | None, x: Any, y: Any, masks: Mapping[str, Any], data: Any,
               edge_index: Tensor) -> int:
    """``N``, from whichever of ``num_nodes``, ``x``, ``y`` and the masks are given; they must
    agree, and a disagreement is reported as such rather than blamed on one of them."""
    if isinstance(x, SparseMatrix):
        x = x.mat
    sizes = {} if num_nodes is None else {"num_nodes": num_nodes}
    for key, value in (("x", x), ("y", y), *masks.items()):
        if isinstance(value, Tensor) and value.dim() >= 1:
            sizes[key] = value.size(0)
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{key} {size}" for key, size in sizes.items())
        raise UsageError(f"the sizes along the node dimension disagree: {listed}")
    if sizes:
        num_nodes = next(iter(sizes.values()))
    elif data is not None and getattr(data, "num_nodes", None) is not None:
        num_nodes = data.num_nodes
    else:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() else 0
    try:
        num_nodes = operator.index(num_nodes)
    except TypeError:
        raise UsageError(f"num_nodes must be an integer, got {num_nodes!r}") from None
    if num_nodes < 1:
        raise UsageError(f"the graph must have at least one node, got num_nodes={num_nodes}")
    return num_nodes


def _first(mask: Tensor) -> int:
    return int(mask.nonzero()[0, 0])
