"""The papers' reported numbers, in one place, with where each comes from.

``gcnlab reproduce`` compares its runs with these. Values are percentages, as the papers print
them. The grid (digits) experiment has no paper: its reference is the Conv2d twin of the same
network, trained in the same run (see :mod:`gcnlab.tasks.reproduce`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    """A paper and the table its numbers come from."""

    key: str  # short name used in tables, e.g. "Kipf & Welling 2017"
    authors: str
    title: str
    venue: str
    table: str  # where in the paper, e.g. "Table 2"
    url: str

    def __str__(self) -> str:
        return f'{self.authors}, "{self.title}", {self.venue}, {self.table} ({self.url})'


GCN_PAPER = Citation(
    key="Kipf & Welling 2017",
    authors="T. N. Kipf and M. Welling",
    title="Semi-Supervised Classification with Graph Convolutional Networks",
    venue="ICLR 2017",
    table="Table 2 (classification accuracy, %)",
    url="https://arxiv.org/abs/1609.02907",
)
GAE_PAPER = Citation(
    key="Kipf & Welling 2016",
    authors="T. N. Kipf and M. Welling",
    title="Variational Graph Auto-Encoders",
    venue="NIPS 2016 Workshop on Bayesian Deep Learning",
    table="Table 1 (link prediction, AUC and AP, %)",
    url="https://arxiv.org/abs/1611.07308",
)


@dataclass(frozen=True)
class PaperNumber:
    """One number a paper reports: ``model`` on ``dataset``, ``metric`` in percent."""

    model: str  # gcn | gae | vgae
    dataset: str  # cora | citeseer | pubmed
    metric: str  # accuracy | auc | ap
    value: float  # percent
    citation: Citation


def _numbers() -> tuple[PaperNumber, ...]:
    gcn = [("cora", 81.5), ("citeseer", 70.3), ("pubmed", 79.0)]
    # (dataset, model): (AUC, AP)
    gae = {
        ("cora", "gae"): (91.0, 92.0),
        ("cora", "vgae"): (91.4, 92.6),
        ("citeseer", "gae"): (89.5, 89.9),
        ("citeseer", "vgae"): (90.8, 92.0),
        ("pubmed", "gae"): (96.4, 96.5),
        ("pubmed", "vgae"): (94.4, 94.7),
    }
    out = [PaperNumber("gcn", d, "accuracy", v, GCN_PAPER) for d, v in gcn]
    for (dataset, model), (auc, ap) in gae.items():
        out += [
            PaperNumber(model, dataset, "auc", auc, GAE_PAPER),
            PaperNumber(model, dataset, "ap", ap, GAE_PAPER),
        ]
    return tuple(out)


PAPER_NUMBERS: tuple[PaperNumber, ...] = _numbers()


def paper_number(model: str, dataset: str, metric: str) -> PaperNumber | None:
    """The paper's number for ``model`` on ``dataset`` (``metric``: accuracy, auc or ap), or
    ``None`` where no paper reports one."""
    key = (model.lower(), dataset.lower(), metric.lower())
    for number in PAPER_NUMBERS:
        if (number.model, number.dataset, number.metric) == key:
            return number
    return None
