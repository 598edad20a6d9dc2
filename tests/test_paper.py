"""gcnlab.tasks.paper: the papers' numbers, as printed in their tables, with citations."""

from __future__ import annotations

import pytest

from gcnlab.tasks.paper import GAE_PAPER, GCN_PAPER, PAPER_NUMBERS, paper_number

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


def test_every_number_is_the_papers() -> None:
    table = {(n.model, n.dataset, n.metric): n.value for n in PAPER_NUMBERS}
    assert table == EXPECTED
    for key, value in EXPECTED.items():
        assert paper_number(*key).value == value
    assert paper_number("GCN", "Cora", "Accuracy").value == 81.5  # case does not matter


def test_citations() -> None:
    assert paper_number("gcn", "cora", "accuracy").citation is GCN_PAPER
    assert paper_number("vgae", "pubmed", "ap").citation is GAE_PAPER
    assert "1609.02907" in GCN_PAPER.url and "ICLR 2017" in str(GCN_PAPER)
    assert "1611.07308" in GAE_PAPER.url and "Table 1" in str(GAE_PAPER)


@pytest.mark.parametrize(
    "key",
    [("gcn", "karate", "accuracy"), ("gcn", "cora", "auc"), ("gridconv", "digits", "accuracy")],
)
def test_no_number_where_no_paper_reports_one(key: tuple[str, str, str]) -> None:
    assert paper_number(*key) is None
