"""The papers' reported numbers, in one place, with where each comes from.

``gcnlab reproduce`` compares its runs with these: the GCN paper's Table 2 (``gcn``, and
``gcn-random``: its "GCN (rand. splits)" row, mean ± standard error) and Table 3
(the seven propagation models, keyed by :class:`~gcnlab.Propagation` value), and the GAE paper's
Table 1 (``gae``, ``vgae``, and without features ``gae-featureless``, ``vgae-featureless`` (the
paper's GAE* and VGAE*), ``sc``, ``deepwalk``), and the GCN family on the public splits:
SGC's Table 2 (``sgc``), GCNII's Table 2 (``gcnii``, and ``appnp`` as GCNII tabulates it).
``gcnlab cluster`` prints the node clustering
results of ARGA's and AGC's papers beside its own (metrics ``cluster-acc``, ``nmi``, ``ari``;
:func:`published_clustering`); their protocols differ from each other in details (see
``docs/clustering.md``), and AGC reports no ARI. Values are percentages, as the papers print
them. The grid (digits) experiment has no paper: its reference is the Conv2d twin of the same
network, trained in the same run (see :mod:`gcnlab.experiments.reproduce`).
"""

from __future__ import annotations

import dataclasses
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


# the same paper's other tables: only the key and the place in the paper differ
GCN_TABLE3 = dataclasses.replace(
    GCN_PAPER,
    key="Kipf & Welling 2017, Table 3",
    table="Table 3 (comparison of propagation models, classification accuracy, %; mean of 100 "
    "runs with random weight initializations)",
)
GCN_RANDOM = dataclasses.replace(
    GCN_PAPER,
    key="Kipf & Welling 2017, rand. splits",
    table="Table 2, row GCN (rand. splits) (classification accuracy, %; mean and standard error "
    "over 10 random splits of the size of Yang et al. 2016, Section 6.1)",
)
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
SGC_PAPER = Citation(
    key="Wu et al. 2019",
    authors="F. Wu, T. Zhang, A. H. de Souza Jr., C. Fifty, T. Yu and K. Q. Weinberger",
    title="Simplifying Graph Convolutional Networks",
    venue="ICML 2019",
    table="Table 2 (test accuracy, %, public splits)",
    url="https://arxiv.org/abs/1902.07153",
)
GCNII_PAPER = Citation(
    key="Chen et al. 2020",
    authors="M. Chen, Z. Wei, Z. Huang, B. Ding and Y. Li",
    title="Simple and Deep Graph Convolutional Networks",
    venue="ICML 2020",
    table="Table 2 (semi-supervised node classification, test accuracy, %, public splits)",
    url="https://arxiv.org/abs/2007.02133",
)
# APPNP's own paper (Klicpera et al., ICLR 2019) reports random splits of Cora-ML, CiteSeer,
# PubMed and MS Academic only; GCNII's Table 2 tabulates it on the public splits
APPNP_IN_GCNII = dataclasses.replace(
    GCNII_PAPER,
    key="Chen et al. 2020 (APPNP)",
    table="Table 2, row APPNP (Klicpera et al., ICLR 2019, https://arxiv.org/abs/1810.05997, "
    "on the public splits; APPNP's own paper uses random splits)",
)
# the papers `gcnlab reproduce` compares with (its results cite these)
CITATIONS: tuple[Citation, ...] = (
    GCN_PAPER,
    GCN_RANDOM,
    GCN_TABLE3,
    GAE_PAPER,
    SGC_PAPER,
    APPNP_IN_GCNII,
    GCNII_PAPER,
)


@dataclass(frozen=True)
class PaperNumber:
    """One number a paper reports: ``model`` on ``dataset``, ``metric`` in percent."""

    model: str  # gcn | gcn-random | gae | vgae | a propagation of Table 3 | gae-featureless ...
    # (the gcnlab key of the method measured against it; arga: a method gcnlab does not have)
    dataset: str  # cora | citeseer | pubmed
    metric: str  # accuracy | auc | ap | cluster-acc | nmi | ari
    value: float  # percent
    citation: Citation
    error: float | None = None  # the spread printed beside it, where the paper gives one (the
    # random-split row: the standard error over its 10 splits)
    name: str | None = None  # the method as the paper prints it, where that is not the key


def _numbers() -> tuple[PaperNumber, ...]:
    gcn = [("cora", 81.5), ("citeseer", 70.3), ("pubmed", 79.0)]
    # GCN paper, Table 2, "GCN (rand. splits)": dataset -> (mean, standard error)
    gcn_random = {"cora": (80.1, 0.5), "citeseer": (67.9, 0.5), "pubmed": (78.9, 0.7)}
    # (dataset, model): (AUC, AP)
    gae = {
        ("cora", "gae"): (91.0, 92.0),
        ("cora", "vgae"): (91.4, 92.6),
        ("citeseer", "gae"): (89.5, 89.9),
        ("citeseer", "vgae"): (90.8, 92.0),
        ("pubmed", "gae"): (96.4, 96.5),
        ("pubmed", "vgae"): (94.4, 94.7),
    }
    # GCN paper, Table 3: propagation model -> (CiteSeer, Cora, PubMed), the paper's column order
    table3 = {
        "chebyshev-3": (69.8, 79.5, 74.4),
        "chebyshev-2": (69.6, 81.2, 73.8),
        "first-order": (68.3, 80.0, 77.5),
        "single-parameter": (69.3, 79.2, 77.4),
        "renormalization": (70.3, 81.5, 79.0),
        "first-order-term": (68.7, 80.5, 77.8),
        "mlp": (46.5, 55.1, 71.4),
    }
    # GAE paper, Table 1, the rows without node features: model -> dataset -> (AUC, AP)
    featureless = {
        "sc": {"cora": (84.6, 88.5), "citeseer": (80.5, 85.0), "pubmed": (84.2, 87.8)},
        "deepwalk": {"cora": (83.1, 85.0), "citeseer": (80.5, 83.6), "pubmed": (84.4, 84.1)},
        "gae-featureless": {"cora": (84.3, 88.1), "citeseer": (78.7, 84.1), "pubmed": (82.2, 87.4)},
        "vgae-featureless": {
            "cora": (84.0, 87.7),
            "citeseer": (78.9, 84.1),
            "pubmed": (82.7, 87.5),
        },
    }
    # the GCN family on the public splits: model -> dataset -> (mean, spread printed or None)
    family = {
        ("sgc", SGC_PAPER): {
            "cora": (81.0, None),
            "citeseer": (71.9, None),
            "pubmed": (78.9, None),
        },
        ("appnp", APPNP_IN_GCNII): {"cora": (83.3, None), "citeseer": (71.8, None)},
        ("gcnii", GCNII_PAPER): {
            "cora": (85.5, 0.5),
            "citeseer": (73.4, 0.6),
            "pubmed": (80.3, None),
        },
    }
    out = [PaperNumber("gcn", d, "accuracy", v, GCN_PAPER) for d, v in gcn]
    for (model, citation), by_dataset in family.items():
        out += [
            PaperNumber(model, d, "accuracy", v, citation, error=e)
            for d, (v, e) in by_dataset.items()
        ]
    out += [
        PaperNumber("gcn-random", d, "accuracy", v, GCN_RANDOM, error=e)
        for d, (v, e) in gcn_random.items()
    ]
    for model, values in table3.items():
        out += [
            PaperNumber(model, d, "accuracy", v, GCN_TABLE3)
            for d, v in zip(("citeseer", "cora", "pubmed"), values, strict=True)
        ]
    for model, by_dataset in featureless.items():
        for dataset, (auc, ap) in by_dataset.items():
            out += [
                PaperNumber(model, dataset, "auc", auc, GAE_PAPER),
                PaperNumber(model, dataset, "ap", ap, GAE_PAPER),
            ]
    for (dataset, model), (auc, ap) in gae.items():
        out += [
            PaperNumber(model, dataset, "auc", auc, GAE_PAPER),
            PaperNumber(model, dataset, "ap", ap, GAE_PAPER),
        ]
    # node clustering, in the order gcnlab cluster prints it: (name in the paper, gcnlab key,
    # dataset, ACC, NMI, ARI); AGC is what gcnlab's `smooth` method does
    clustering = [
        ("GAE", "gae", "cora", 59.6, 42.9, 34.7, ARGA_PAPER),
        ("VGAE", "vgae", "cora", 60.9, 43.6, 34.6, ARGA_PAPER),
        ("ARGA", "arga", "cora", 64.0, 44.9, 35.2, ARGA_PAPER),
        ("AGC", "smooth", "cora", 68.9, 53.7, None, AGC_PAPER),
        ("GAE", "gae", "citeseer", 40.8, 17.6, 12.4, ARGA_PAPER),
        ("VGAE", "vgae", "citeseer", 34.4, 15.6, 9.3, ARGA_PAPER),
        ("ARGA", "arga", "citeseer", 57.3, 35.0, 34.1, ARGA_PAPER),
        ("AGC", "smooth", "citeseer", 67.0, 41.1, None, AGC_PAPER),
    ]
    for name, model, dataset, *values, citation in clustering:
        out += [
            PaperNumber(model, dataset, metric, value, citation, name=name)
            for metric, value in zip(CLUSTERING_METRICS, values, strict=True)
            if value is not None
        ]
    return tuple(out)


CLUSTERING_METRICS = ("cluster-acc", "nmi", "ari")


PAPER_NUMBERS: tuple[PaperNumber, ...] = _numbers()


def paper_number(model: str, dataset: str, metric: str) -> PaperNumber | None:
    """The paper's number for ``model`` on ``dataset`` (``metric``: accuracy, auc, ap,
    cluster-acc, nmi or ari), or ``None`` where no paper reports one."""
    key = (model.lower(), dataset.lower(), metric.lower())
    for number in PAPER_NUMBERS:
        if (number.model, number.dataset, number.metric) == key:
            return number
    return None


@dataclass(frozen=True)
class PublishedClustering:
    """One method's published clustering result on one dataset, gathered from
    :data:`PAPER_NUMBERS`: percentages (None: not reported)."""

    method: str  # as the paper names it
    ours: str  # the gcnlab method measured against it (arga: gcnlab has none)
    dataset: str
    acc: float | None
    nmi: float | None
    ari: float | None
    source: Citation


def published_clustering(dataset: str) -> list[PublishedClustering]:
    """The published clustering results on ``dataset``, in the order of the table (empty for
    other datasets)."""
    rows: dict[tuple[str, str], dict[str, PaperNumber]] = {}
    for n in PAPER_NUMBERS:
        if n.dataset == dataset.lower() and n.metric in CLUSTERING_METRICS:
            rows.setdefault((n.model, n.citation.key), {})[n.metric] = n
    out = []
    for numbers in rows.values():
        first = next(iter(numbers.values()))
        acc, nmi, ari = (numbers[m].value if m in numbers else None for m in CLUSTERING_METRICS)
        name = first.name or first.model
        out.append(
            PublishedClustering(name, first.model, first.dataset, acc, nmi, ari, first.citation)
        )
    return out
