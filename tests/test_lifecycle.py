"""Issue 17, root cause A, end to end through the whole built-in pack: a change validated, then
approved, then released, in that real order, gets no finding; one approved after its release
gets exactly one; change logs of the v1 form (one `date` per change) behave as docs/lifecycle.md
says, whichever step their single date stands for.

The expected findings are written here by hand from the dates in each case, not taken from the
rules' output. Before the change records had lifecycle dates, the real-order v1 case below got
AIMS-IMP-006, AIMS-VAL-003 and AIMS-GOV-008 warnings (validation, assessment and review before
the change's date).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import BASE, TODAY

from aims_policy.api import check


class _Strings(yaml.SafeLoader):
    """PyYAML without its timestamp resolver: dates stay text, as the manifest format has them."""


_Strings.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

GO_LIVE = {
    "version": "1.0.0",
    "description": "First release.",
    "significant": True,
    "proposedOn": "2025-06-02",
    "approvedOn": "2025-10-01",
    "approvedBy": "Daniel Okafor",
    "releasedOn": "2025-10-06",
}
#: The significant change of every case: proposed, assessed, validated, approved, released.
PROPOSED, ASSESSED, VALIDATED, APPROVED, RELEASED = (
    "2026-04-06",
    "2026-04-20",
    "2026-05-20",
    "2026-05-28",
    "2026-06-02",
)


def findings(
    tmp_path: Path,
    change: dict[str, Any],
    *,
    release_approval: dict[str, str] | None = None,
    first: dict[str, Any] = GO_LIVE,
    review: str = "2026-06-15",
) -> list[tuple[str, str, str]]:
    """(rule, severity, identity path) of every finding on the compliant base manifest whose
    change log is ``first`` (the go-live release, 2025-10-06) and ``change`` (version 2.0.0, in
    use), assessed on ASSESSED, validated on VALIDATED and reviewed on ``review``."""
    manifest = yaml.load(BASE.read_text(encoding="utf-8"), Loader=_Strings)
    manifest["metadata"]["version"] = "2.0.0"
    lifecycle = manifest["spec"]["lifecycle"]
    next_review = f"{int(review[:4]) + 1}{review[4:]}"  # the 12-month interval of the base
    lifecycle.update(deployedOn="2025-10-06", lastReview=review, nextReview=next_review)
    lifecycle["changeLog"] = [
        first,
        {"version": "2.0.0", "description": "A new model.", "significant": True, **change},
    ]
    manifest["spec"]["impactAssessment"]["date"] = ASSESSED
    manifest["spec"]["validation"]["lastValidated"] = VALIDATED
    if release_approval is not None:
        manifest["spec"]["validation"]["releaseApproval"] = release_approval
    path = tmp_path / "system.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    report = check([str(path)], today=TODAY)
    assert report.exit_code == 0 or report.findings, "the check itself must have worked"
    return sorted((f.rule_id, f.severity, f.ident) for f in report.findings)


REAL_ORDER = {
    "proposedOn": PROPOSED,
    "approvedOn": APPROVED,
    "approvedBy": "Daniel Okafor",
    "releasedOn": RELEASED,
}


def test_validate_approve_release_in_that_order_gets_no_finding(tmp_path: Path) -> None:
    assert findings(tmp_path, REAL_ORDER) == []


def test_approved_after_release_gets_exactly_one_finding(tmp_path: Path) -> None:
    late = {**REAL_ORDER, "approvedOn": "2026-06-05"}
    assert findings(tmp_path, late) == [
        ("AIMS-GOV-009", "warning", "spec.lifecycle.changeLog[2.0.0].approvedOn")
    ]


def test_a_v1_approval_after_a_recorded_release_gets_exactly_one_finding(tmp_path: Path) -> None:
    approval = {"approver": "Daniel Okafor", "date": "2026-06-05"}
    assert findings(tmp_path, REAL_ORDER, release_approval=approval) == [
        ("AIMS-VAL-006", "error", "spec.validation.releaseApproval.date")
    ]


def test_approved_before_validation_is_still_found(tmp_path: Path) -> None:
    early = {**REAL_ORDER, "approvedOn": "2026-05-19"}
    assert findings(tmp_path, early) == [
        ("AIMS-VAL-006", "error", "spec.lifecycle.changeLog[2.0.0].approvedOn")
    ]


def test_validated_and_assessed_before_the_proposal_are_found(tmp_path: Path) -> None:
    later = {**REAL_ORDER, "proposedOn": "2026-05-21"}
    assert findings(tmp_path, later) == [
        ("AIMS-IMP-006", "warning", "spec.impactAssessment.date"),
        ("AIMS-VAL-003", "warning", "spec.validation.lastValidated"),
    ]


V1_GO_LIVE = {
    "version": "1.0.0",
    "date": "2025-10-06",
    "description": "First.",
    "significant": True,
}


@pytest.mark.parametrize(
    ("reading", "single_date"),
    [
        ("the release day: validated, approved, then released on it", RELEASED),
        ("the proposal day: proposed on it, then validated and approved", PROPOSED),
        ("a day in between (validated before it, approved after it)", "2026-05-25"),
    ],
)
def test_a_v1_single_date_gives_no_finding_whichever_step_it_stands_for(
    tmp_path: Path, reading: str, single_date: str
) -> None:
    approval = {"approver": "Daniel Okafor", "date": APPROVED}
    assert (
        findings(tmp_path, {"date": single_date}, release_approval=approval, first=V1_GO_LIVE) == []
    ), reading


def test_a_v1_approval_after_its_single_date_is_not_judged(tmp_path: Path) -> None:
    """Approved after the single date: wrong if it is the release, right if it is the proposal;
    the record cannot tell, so nothing is reported."""
    approval = {"approver": "Daniel Okafor", "date": "2026-06-05"}
    assert findings(tmp_path, {"date": RELEASED}, release_approval=approval, first=V1_GO_LIVE) == []


def test_a_v1_log_is_said_not_to_record_an_order_and_a_mixed_log_is_noted(
    tmp_path: Path,
) -> None:
    """A v1 log throughout: AIMS-GOV-010 is not applicable, and says why (the summary counts it,
    --why-not explains it). A log that records lifecycle dates on one change but only `date` on
    a significant change since go-live gets the note at that change."""
    approval = {"approver": "Daniel Okafor", "date": APPROVED}
    findings(tmp_path, {"date": RELEASED}, release_approval=approval, first=V1_GO_LIVE)
    report = check([str(tmp_path / "system.json")], today=TODAY)
    gov010 = [r for r in report.results if r.rule_id == "AIMS-GOV-010"]
    assert [r.status for r in gov010] == ["not_applicable"], gov010
    assert "records no order to check" in gov010[0].reason
    assert findings(tmp_path, {"date": RELEASED}, release_approval=approval) == [
        ("AIMS-GOV-010", "note", "spec.lifecycle.changeLog[2.0.0]")
    ]


def test_what_a_v1_single_date_still_decides(tmp_path: Path) -> None:
    """A review before the single date (before release and proposal alike) past the 90-day
    grace period, and an approval before a validation held before it, are found in v1 too."""
    approval = {"approver": "Daniel Okafor", "date": "2026-05-19"}
    assert findings(
        tmp_path,
        {"date": RELEASED},
        release_approval=approval,
        first=V1_GO_LIVE,
        review="2026-06-01",
    ) == [
        ("AIMS-GOV-008", "warning", "spec.lifecycle.changeLog[2.0.0]"),
        ("AIMS-VAL-006", "error", "spec.validation.releaseApproval.date"),
    ]


def test_the_change_record_fields_are_documented_with_examples_the_schema_accepts() -> None:
    """Every field of a change record says what it means and shows an example, and the examples,
    put together in one entry, make a record the schema accepts (jsonschema, not our compiled
    validator) in the real order."""
    import jsonschema

    from aims_policy.schema import __file__ as schema_package

    schema = json.loads(
        (Path(schema_package).parent / "manifest-v1.schema.json").read_text(encoding="utf-8")
    )
    record = schema["$defs"]["lifecycle"]["properties"]["changeLog"]["items"]
    entry: dict[str, Any] = {"version": "2.0.0", "description": "A new model."}
    for name in ("proposedOn", "approvedOn", "approvedBy", "releasedOn"):
        field = record["properties"][name]
        assert len(field["description"]) > 40 and field["examples"], name
        entry[name] = field["examples"][0]
    assert entry["proposedOn"] <= entry["approvedOn"] <= entry["releasedOn"]
    assert record["properties"]["date"]["description"] and record["properties"]["date"]["examples"]
    lifecycle = {"$defs": schema["$defs"], "$ref": "#/$defs/lifecycle"}
    checker = jsonschema.Draft202012Validator(lifecycle, format_checker=jsonschema.FormatChecker())
    assert list(checker.iter_errors({"stage": "operation", "changeLog": [entry]})) == []
    wrong = {**entry, "releasedOn": "2026-06-31"}
    assert list(checker.iter_errors({"stage": "operation", "changeLog": [wrong]})), "not a day"
