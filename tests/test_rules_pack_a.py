"""The first half of the built-in ISO/IEC 42001 pack: metadata, the example manifests, messages.
Its fixtures run in test_rule_fixtures.py."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pytest

from aims_policy import data, registry
from aims_policy.api import check
from aims_policy.engine import Rule
from aims_policy.model import Finding

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
PREFIXES = ("AIMS-OWN-", "AIMS-GOV-", "AIMS-CLS-", "AIMS-RSK-", "AIMS-IMP-", "AIMS-USE-")


@lru_cache(maxsize=1)
def _rules() -> dict[str, Rule]:
    return {r.id: r for r in registry.load().rules}


def _pack_rules() -> list[Rule]:
    return [r for r in _rules().values() if r.id.startswith(PREFIXES)]


@pytest.mark.parametrize("rule", _pack_rules(), ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule: Rule) -> None:
    meta = rule.meta
    assert meta.title and meta.rationale and meta.remediation
    assert meta.controls or meta.clauses, "a rule must name the ISO/IEC 42001 item it serves"
    catalog = set(data.load()["controls"]["annexA"])
    assert set(meta.controls) <= catalog, f"unknown Annex A controls {set(meta.controls) - catalog}"


# -- the example manifests ------------------------------------------------------------------
# The reference is manifests/README.md ("Gaps by field" and "Not gaps"), written by hand from the
# manifests; it is not derived from these rules' output.

REPO = RULES_DIR.parent
TODAY = "2026-11-22"


def _ours(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule_id.startswith(PREFIXES)]


def test_compliant_examples_have_no_findings_from_this_pack() -> None:
    report = check([str(REPO / "manifests")], today=TODAY, cwd=str(REPO))
    clean = ("document-summariser", "hr-policy-assistant")
    assert [(f.rule_id, f.message) for f in _ours(report.findings) if f.system in clean] == []
    base = check([str(RULES_DIR / "fixtures" / "base.yaml")], today=TODAY, cwd=str(REPO))
    assert [(f.rule_id, f.message) for f in _ours(base.findings)] == []


def test_example_gaps_are_found_exactly_where_they_are() -> None:
    report = check([str(REPO / "manifests")], today=TODAY, cwd=str(REPO))
    found = {(f.rule_id, f.system, f.ident) for f in _ours(report.findings)}
    expected = {
        ("AIMS-GOV-004", "interview-scheduler", "spec.lifecycle.reviewIntervalMonths"),
        ("AIMS-GOV-004", "interview-scheduler", "spec.lifecycle.nextReview"),
        ("AIMS-RSK-004", "interview-scheduler", "spec.risks[R-2].owner"),
        ("AIMS-GOV-005", "fraud-detection", "spec.lifecycle.nextReview"),
        ("AIMS-GOV-008", "fraud-detection", "spec.lifecycle.changeLog[4.1.0]"),
        ("AIMS-IMP-007", "credit-scoring", "spec.impactAssessment.fundamentalRights.completed"),
        ("AIMS-IMP-006", "credit-scoring", "spec.impactAssessment.date"),
        ("AIMS-RSK-012", "credit-scoring", "spec.risks[R-3].reviewDate"),
        ("AIMS-RSK-008", "credit-scoring", "spec.risks[R-4].treatment.controls"),
        ("AIMS-CLS-004", "credit-scoring", "spec.classification.euAiAct.conformityAssessmentRef"),
        ("AIMS-CLS-004", "credit-scoring", "spec.classification.euAiAct.euDatabaseId"),
        ("AIMS-RSK-011", "cv-screening", "spec.risks[R-5].acceptance.approver"),
        ("AIMS-IMP-001", "medical-triage", "spec.impactAssessment.status"),
        ("AIMS-RSK-010", "medical-triage", "spec.risks[R-1].residualRisk.score"),
    }
    assert sorted(expected - found) == [], "documented gaps not found"
    assert sorted(found - expected) == [], "findings the README does not document"


# -- message grammar ------------------------------------------------------------------------


def test_one_day_counts_are_singular() -> None:
    """A review one day late is "1 day overdue" / "(1 day ago)", never "1 days"."""
    import datetime as _dt

    from aims_policy.engine import evaluate, make_context
    from aims_policy.loader import load_bytes

    base = (
        load_bytes((RULES_DIR / "fixtures" / "base.yaml").read_bytes(), "base.yaml")
        .documents[0]
        .data
    )
    yesterday = "2026-11-21"
    ctx = make_context(
        base,
        data.load(),
        _dt.date.fromisoformat(TODAY),
        with_input={
            "spec.lifecycle.nextReview": yesterday,
            "spec.impactAssessment.nextReview": yesterday,
            "spec.risks.[R-1].reviewDate": yesterday,
            "spec.logging.retentionDays": 1,
            "spec.incidents.reportingDeadlineDays": 1,
        },
    )
    messages = [v.message for r in _rules().values() for v in evaluate(r, ctx).violations]
    text = "\n".join(messages)
    assert "is 1 day overdue" in text
    assert "(1 day ago)" in text
    assert "logs are kept 1 day;" in text
    assert "1 days" not in text and "1 months" not in text
