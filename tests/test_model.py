"""Report values: the compact result table behaves as the sequence of results it stands for."""

from __future__ import annotations

import pickle

import pytest

from aims_policy.model import ResultTable, RuleResult, rows_of

RESULTS = [
    RuleResult("AIMS-B-002", "zeta", "not_applicable", "applies to: high-risk systems"),
    RuleResult("AIMS-A-001", "alpha", "error", "KeyError: 'x' (at risk.py:3)"),
    RuleResult("AIMS-B-001", "alpha", "not_applicable", "applies to: chatbots"),
    RuleResult("AIMS-A-009", "alpha", "not_applicable", "applies to: high-risk systems"),
]
# Sorted by system, then status, then rule id: written out by hand.
EXPECTED = [
    RuleResult("AIMS-A-001", "alpha", "error", "KeyError: 'x' (at risk.py:3)"),
    RuleResult("AIMS-A-009", "alpha", "not_applicable", "applies to: high-risk systems"),
    RuleResult("AIMS-B-001", "alpha", "not_applicable", "applies to: chatbots"),
    RuleResult("AIMS-B-002", "zeta", "not_applicable", "applies to: high-risk systems"),
]


def test_result_table_is_the_sorted_sequence_of_its_results() -> None:
    table = ResultTable(rows_of(RESULTS))
    assert list(table) == EXPECTED
    assert len(table) == 4
    assert [table[i] for i in range(4)] == EXPECTED
    assert table[-1] == EXPECTED[-1]
    assert table[1:3] == tuple(EXPECTED[1:3])
    assert table == tuple(EXPECTED) and table == EXPECTED
    with pytest.raises(IndexError):
        table[4]


def test_result_table_survives_pickling_and_empty_tables() -> None:
    table = ResultTable(rows_of(RESULTS))
    assert pickle.loads(pickle.dumps(table)) == table
    empty = ResultTable()
    assert len(empty) == 0 and list(empty) == [] and empty == ()
