"""Names the command line lists without torch: how a graph without features gets some, and the
node orders. The readers that use them (:mod:`gcnlab.data.graph_parts`,
:mod:`gcnlab.data.reorder`) and the configs import them from here."""

from __future__ import annotations

# identity: one-hot ids (gcnlab.data.graph_parts.MAX_IDENTITY_NODES at most); ones: a constant
FEATURELESS: tuple[str, ...] = ("identity", "ones")
# "none", then the keys of gcnlab.data.reorder.ORDERS (a test keeps them equal)
ORDER_NAMES: tuple[str, ...] = ("none", "rcm", "metis", "degree")
