"""Names the command line lists without torch: the propagation models of the GCN paper's Table 3
and the digits CNN's layers. The modules that build them (:mod:`gcnlab.nn.propagation`,
:mod:`gcnlab.nn.digits_cnn`) and the configs (:mod:`gcnlab.tasks.node_config`,
:mod:`gcnlab.tasks.digits_config`) import them from here."""

from __future__ import annotations

import enum

# how the digits CNN convolves: message passing on the pixel grid, or torch's Conv2d
LAYERS: tuple[str, ...] = ("gridconv", "conv2d")


class Propagation(str, enum.Enum):
    """The seven propagation models of the GCN paper's Table 3 (value: the command-line name)."""

    CHEBYSHEV_3 = "chebyshev-3"
    CHEBYSHEV_2 = "chebyshev-2"
    FIRST_ORDER = "first-order"
    SINGLE_PARAMETER = "single-parameter"
    RENORMALIZATION = "renormalization"
    FIRST_ORDER_TERM = "first-order-term"
    MLP = "mlp"

    @property
    def label(self) -> str:
        """The row's name in the paper's Table 3."""
        return _LABELS[self]

    @property
    def formula(self) -> str:
        """The propagation, in plain text, as the paper's Table 3 writes it."""
        return _FORMULAS[self]


_LABELS = {
    Propagation.CHEBYSHEV_3: "Chebyshev filter, K = 3",
    Propagation.CHEBYSHEV_2: "Chebyshev filter, K = 2",
    Propagation.FIRST_ORDER: "1st-order model",
    Propagation.SINGLE_PARAMETER: "single parameter",
    Propagation.RENORMALIZATION: "renormalization trick",
    Propagation.FIRST_ORDER_TERM: "1st-order term only",
    Propagation.MLP: "multi-layer perceptron",
}
_FORMULAS = {
    Propagation.CHEBYSHEV_3: "Σ_k T_k(L̃) X Θ_k, k = 0..3",
    Propagation.CHEBYSHEV_2: "Σ_k T_k(L̃) X Θ_k, k = 0..2",
    Propagation.FIRST_ORDER: "X Θ0 + D^-1/2 A D^-1/2 X Θ1",
    Propagation.SINGLE_PARAMETER: "(I + D^-1/2 A D^-1/2) X Θ",
    Propagation.RENORMALIZATION: "D̃^-1/2 Ã D̃^-1/2 X Θ",
    Propagation.FIRST_ORDER_TERM: "D^-1/2 A D^-1/2 X Θ",
    Propagation.MLP: "X Θ",
}


# ---- operators ------------------------------------------------------------------------------
