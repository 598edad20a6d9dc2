"""Published clustering numbers that ``gcnlab cluster`` prints beside its own (percentages).

Each anchor is a mean as its paper reports it; the papers' protocols differ from each other in
details (see ``docs/clustering.md``). AGC reports ACC, NMI and macro-F1, not ARI.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.experiments.published import Citation

ARGA_PAPER = Citation(
    key="Pan et al. 2018",
    authors="S. Pan, R. Hu, G. Long, J. Jiang, L. Yao and C. Zhang",
    title="Adversarially Regularized Graph Autoencoder for Graph Embedding",
    venue="IJCAI 2018",
    table="the node clustering tables (Cora, Citeseer: ACC, NMI, ARI)",
    url="https://arxiv.org/abs/1802.04407",
)
AGC_PAPER = Citation(
    key="Zhang et al. 2019",
    authors="X. Zhang, H. Liu, Q. Li and X.-M. Wu",
    title="Attributed Graph Clustering via Adaptive Graph Convolution",
    venue="IJCAI 2019",
    table="the clustering performance table (ACC, NMI, F1)",
    url="https://arxiv.org/abs/1906.01210",
)


@dataclass(frozen=True)
class Anchor:
    """A published result: ``method`` on ``dataset``, percentages (None: not reported)."""

    method: str  # as the paper names it
    ours: str | None  # the gcnlab method that is measured against it (None: no counterpart)
    dataset: str
    acc: float
    nmi: float
    ari: float | None
    source: Citation


ANCHORS: tuple[Anchor, ...] = (
    Anchor("GAE", "gae", "cora", 59.6, 42.9, 34.7, ARGA_PAPER),
    Anchor("VGAE", "vgae", "cora", 60.9, 43.6, 34.6, ARGA_PAPER),
    Anchor("ARGA", None, "cora", 64.0, 44.9, 35.2, ARGA_PAPER),
    Anchor("AGC", "smooth", "cora", 68.9, 53.7, None, AGC_PAPER),
    Anchor("GAE", "gae", "citeseer", 40.8, 17.6, 12.4, ARGA_PAPER),
    Anchor("VGAE", "vgae", "citeseer", 34.4, 15.6, 9.3, ARGA_PAPER),
    Anchor("ARGA", None, "citeseer", 57.3, 35.0, 34.1, ARGA_PAPER),
    Anchor("AGC", "smooth", "citeseer", 67.0, 41.1, None, AGC_PAPER),
)


def anchors_for(dataset: str) -> list[Anchor]:
    """The anchors on ``dataset``, in the order of the table (empty for other datasets)."""
    return [a for a in ANCHORS if a.dataset == dataset]
