r"""How smooth node representations are: two measures of over-smoothing.

Each GCN layer multiplies by :math:`\hat{A} = \tilde D^{-1/2} \tilde A \tilde D^{-1/2}`, a low-pass
filter; stacked, the layers drive every connected component towards one vector (scaled by
:math:`\sqrt{\tilde d_i}`), and the classes stop being separable. Two standard measures:

- **Dirichlet energy** (e.g. Cai & Wang 2020, Rusch et al. 2023), with the Laplacian of the same
  renormalized graph, :math:`\Delta = I - \hat{A}`:

  .. math::
      E(H) = \frac{1}{N} \mathrm{tr}(H^\top \Delta H)
           = \frac{1}{2N} \sum_{i,j} \tilde A_{ij}
             \Big\lVert \frac{h_i}{\sqrt{\tilde d_i}} - \frac{h_j}{\sqrt{\tilde d_j}} \Big\rVert^2.

  Zero exactly when :math:`H` is over-smoothed. ``normalized=True`` divides by
  :math:`\mathrm{tr}(H^\top H) / N` (the Rayleigh quotient, in :math:`[0, 2]`), so that depths whose
  representations have different scales compare.
- **Mean average distance** (MAD, Chen et al. 2020): the cosine distance
  :math:`1 - \cos(h_i, h_j)` averaged over all pairs of distinct nodes with non-zero
  representations; 0 when all representations point the same way.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gcnlab.nn.sparse import SparseMatrix, spmm


def dirichlet_energy(h: Tensor, adj: SparseMatrix, *, normalized: bool = False) -> float:
    r""":math:`\mathrm{tr}(H^\top (I - \hat{A}) H) / N` for node representations ``h`` ``[N, F]``
    and the normalized adjacency ``adj`` (:func:`~gcnlab.normalized_adjacency`, with
    self-loops). ``normalized`` divides by :math:`\mathrm{tr}(H^\top H) / N` (0 for ``h = 0``)."""
    h = h.to(adj.values.dtype)
    # Step 1: tr(H^T H) - tr(H^T Â H), one sparse product
    squared = h.square().sum()
    energy = (squared - (h * spmm(adj, h)).sum()) / h.size(0)
    if not normalized:
        return float(energy)
    return float(energy / (squared / h.size(0))) if squared > 0 else 0.0


def mean_average_distance(h: Tensor, *, block_rows: int = 4096) -> float:
    """The mean cosine distance ``1 - cos(h_i, h_j)`` over all pairs ``i != j`` of nodes with a
    non-zero representation (MAD of Chen et al. 2020, over all pairs). Computed in blocks of
    ``block_rows`` rows, so memory stays ``block_rows × N``."""
    h = h.double()
    h = h[h.norm(dim=1) > 0]
    n = h.size(0)
    if n < 2:
        return 0.0
    unit = h / h.norm(dim=1, keepdim=True)  # [n, F]
    total = torch.zeros((), dtype=torch.double)
    for start in range(0, n, block_rows):
        cos = unit[start : start + block_rows] @ unit.t()  # [b, n]
        total += (1.0 - cos).clamp(min=0).sum()
    # the diagonal adds 1 - cos(h_i, h_i) = 0 (up to rounding, clamped above)
    return float(total / (n * (n - 1)))
