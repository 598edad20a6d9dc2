"""gcnlab.experiments.published: the papers' numbers, as printed in their tables, with citations."""

from __future__ import annotations

import pytest

from gcnlab.experiments.published import (
    AGC_PAPER,
    ARGA_PAPER,
    GAE_PAPER,
    GCN_PAPER,
    GCN_RANDOM,
    GCN_TABLE3,
    PAPER_NUMBERS,
    PublishedClustering,
    paper_number,
    published_clustering,
)

# Kipf & Welling, ICLR 2017, Table 2; Kipf & Welling, NIPS 2016 BDL workshop, Table 1
EXPECTED = {
    ("gcn", "cora", "accuracy"): 81.5,
    ("gcn", "citeseer", "accuracy"): 70.3,
    ("gcn", "pubmed", "accuracy"): 79.0,
    ("gae", "cora", "auc"): 91.0,
    ("gae", "cora", "ap"): 92.0,
    ("vgae", "cora", "auc"): 91.4,
    ("vgae", "cora", "ap"): 92.6,
    ("gae", "citeseer", "auc"): 89.5,
    ("gae", "citeseer", "ap"): 89.9,
    ("vgae", "citeseer", "auc"): 90.8,
    ("vgae", "citeseer", "ap"): 92.0,
    ("gae", "pubmed", "auc"): 96.4,
    ("gae", "pubmed", "ap"): 96.5,
    ("vgae", "pubmed", "auc"): 94.4,
    ("vgae", "pubmed", "ap"): 94.7,
}

# Kipf & Welling, ICLR 2017, Table 2, "GCN (rand. splits)": mean and standard error
RANDOM_SPLITS = {"citeseer": (67.9, 0.5), "cora": (80.1, 0.5), "pubmed": (78.9, 0.7)}
for _dataset, (_mean, _error) in RANDOM_SPLITS.items():
    EXPECTED[("gcn-random", _dataset, "accuracy")] = _mean

# Kipf & Welling, ICLR 2017, Table 3: (CiteSeer, Cora, PubMed)
TABLE3 = {
    "chebyshev-3": (69.8, 79.5, 74.4),
    "chebyshev-2": (69.6, 81.2, 73.8),
    "first-order": (68.3, 80.0, 77.5),
    "single-parameter": (69.3, 79.2, 77.4),
    "renormalization": (70.3, 81.5, 79.0),
    "first-order-term": (68.7, 80.5, 77.8),
    "mlp": (46.5, 55.1, 71.4),
}
for _model, _values in TABLE3.items():
    for _dataset, _value in zip(("citeseer", "cora", "pubmed"), _values, strict=True):
        EXPECTED[(_model, _dataset, "accuracy")] = _value
# Kipf & Welling, NIPS 2016 BDL workshop, Table 1, without features: (AUC, AP) per dataset
FEATURELESS = {
    "sc": ((84.6, 88.5), (80.5, 85.0), (84.2, 87.8)),
    "deepwalk": ((83.1, 85.0), (80.5, 83.6), (84.4, 84.1)),
    "gae-featureless": ((84.3, 88.1), (78.7, 84.1), (82.2, 87.4)),
    "vgae-featureless": ((84.0, 87.7), (78.9, 84.1), (82.7, 87.5)),
}
for _model, _pairs in FEATURELESS.items():
    for _dataset, (_auc, _ap) in zip(("cora", "citeseer", "pubmed"), _pairs, strict=True):
        EXPECTED[(_model, _dataset, "auc")] = _auc
        EXPECTED[(_model, _dataset, "ap")] = _ap

# the GCN family on the public splits: Wu et al., ICML 2019, Table 2 (SGC; its README); Chen et al.,
# ICML 2020, Table 2 (GCNII with its spread, and APPNP as it tabulates it; GCNII's README)
FAMILY = {
    ("sgc", "cora"): 81.0,
    ("sgc", "citeseer"): 71.9,
    ("sgc", "pubmed"): 78.9,
    ("appnp", "cora"): 83.3,
    ("appnp", "citeseer"): 71.8,
    ("gcnii", "cora"): 85.5,
    ("gcnii", "citeseer"): 73.4,
    ("gcnii", "pubmed"): 80.3,
}
FAMILY_ERRORS = {("gcnii", "cora"): 0.5, ("gcnii", "citeseer"): 0.6}
for (_model, _dataset), _value in FAMILY.items():
    EXPECTED[(_model, _dataset, "accuracy")] = _value

# Pan et al., IJCAI 2018, node clustering (ACC, NMI, ARI); Zhang et al., IJCAI 2019 (AGC: gcnlab's
# smooth method; no ARI): (name, gcnlab key, dataset, ACC, NMI, ARI)
CLUSTERING = [
    ("GAE", "gae", "cora", 59.6, 42.9, 34.7),
    ("VGAE", "vgae", "cora", 60.9, 43.6, 34.6),
    ("ARGA", "arga", "cora", 64.0, 44.9, 35.2),
    ("AGC", "smooth", "cora", 68.9, 53.7, None),
    ("GAE", "gae", "citeseer", 40.8, 17.6, 12.4),
    ("VGAE", "vgae", "citeseer", 34.4, 15.6, 9.3),
    ("ARGA", "arga", "citeseer", 57.3, 35.0, 34.1),
    ("AGC", "smooth", "citeseer", 67.0, 41.1, None),
]
for _name, _model, _dataset, *_values in CLUSTERING:
    for _metric, _value in zip(("cluster-acc", "nmi", "ari"), _values, strict=True):
        if _value is not None:
            EXPECTED[(_model, _dataset, _metric)] = _value


def test_every_number_is_the_papers() -> None:
    table = {(n.model, n.dataset, n.metric): n.value for n in PAPER_NUMBERS}
    assert table == EXPECTED
    for key, value in EXPECTED.items():
        assert paper_number(*key).value == value
    assert paper_number("GCN", "Cora", "Accuracy").value == 81.5  # case does not matter
    errors = {(n.model, n.dataset): n.error for n in PAPER_NUMBERS if n.error is not None}
    assert errors == {("gcn-random", d): e for d, (_, e) in RANDOM_SPLITS.items()} | FAMILY_ERRORS


def test_citations() -> None:
    assert paper_number("gcn", "cora", "accuracy").citation is GCN_PAPER
    assert paper_number("vgae", "pubmed", "ap").citation is GAE_PAPER
    assert paper_number("mlp", "citeseer", "accuracy").citation is GCN_TABLE3
    assert paper_number("deepwalk", "cora", "auc").citation is GAE_PAPER
    assert paper_number("gcn-random", "cora", "accuracy").citation is GCN_RANDOM
    assert "standard error" in str(GCN_RANDOM) and "1609.02907" in GCN_RANDOM.url
    assert "1609.02907" in GCN_PAPER.url and "ICLR 2017" in str(GCN_PAPER)
    assert "1611.07308" in GAE_PAPER.url and "Table 1" in str(GAE_PAPER)


@pytest.mark.parametrize(
    "key",
    [("gcn", "karate", "accuracy"), ("gcn", "cora", "auc"), ("gridconv", "digits", "accuracy")],
)
def test_no_number_where_no_paper_reports_one(key: tuple[str, str, str]) -> None:
    assert paper_number(*key) is None


def test_published_clustering_gathers_one_row_per_method_in_table_order() -> None:
    for dataset in ("cora", "citeseer"):
        rows = published_clustering(dataset)
        expected = [
            PublishedClustering(
                name, model, d, acc, nmi, ari, AGC_PAPER if name == "AGC" else ARGA_PAPER
            )
            for name, model, d, acc, nmi, ari in CLUSTERING
            if d == dataset
        ]
        assert rows == expected
    assert published_clustering("Cora")[0].method == "GAE"
    assert published_clustering("pubmed") == []
    assert paper_number("smooth", "cora", "ari") is None  # AGC reports no ARI
    assert paper_number("arga", "citeseer", "nmi").citation is ARGA_PAPER
