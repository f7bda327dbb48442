"""The wording of the built-in rules' messages."""

from __future__ import annotations

import datetime as _dt

from _helpers import BASE, TODAY

from aims_policy import data, registry
from aims_policy.engine import evaluate, make_context
from aims_policy.loader import load_bytes


def test_one_day_counts_are_singular() -> None:
    """A review one day late is "1 day overdue" / "(1 day ago)", never "1 days"."""
    base = load_bytes(BASE.read_bytes(), "base.yaml").documents[0].data
    yesterday = "2026-11-21"
    ctx = make_context(
        base,
        data.load(),
        _dt.date.fromisoformat(TODAY),
        with_input={
            "spec.lifecycle.nextReview": yesterday,
            "spec.impactAssessment.nextReview": yesterday,
            "spec.risks[R-1].reviewDate": yesterday,
            "spec.logging.retentionDays": 1,
            "spec.incidents.reportingDeadlineDays": 1,
        },
    )
    messages = [v.message for r in registry.load().rules for v in evaluate(r, ctx).violations]
    text = "\n".join(messages)
    assert "is 1 day overdue" in text
    assert "(1 day ago)" in text
    assert "logs are kept 1 day;" in text
    assert "1 days" not in text and "1 months" not in text
