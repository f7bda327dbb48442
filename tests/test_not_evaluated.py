"""Schema errors do not mask rules ("No pass by omission", point 3): on a manifest with schema
errors every rule still runs on what it can read; a rule that reads a value the schema rejects
(or a required field that is missing) is *not evaluated*, says why, and every output shows it."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _helpers import TODAY, aims, minimal_manifest, summary, write
from junitparser import JUnitXml, Skipped

from aims_policy.engine import Context, Violation, evaluate, fact, first_invalid, make_context, rule
from aims_policy.paths import Invalid, Unreadable
from aims_policy.validate import SECTION_CONTROLS, missing_controls

# A low-risk system whose risk level is not one the schema knows, with a supplier nobody assessed.
SUPPLIER = """\
  suppliers:
    - id: S-1
      name: Acme Models
      kind: model
"""
RISK_5 = minimal_manifest().replace("riskLevel: low", "riskLevel: 5") + SUPPLIER
NO_INTENDED_USE = (
    minimal_manifest().replace(
        "    intendedUse: Summarise internal documents\n", "    intendedUsers: [staff]\n"
    )
    + SUPPLIER
)
RISK_REASON = (
    "not evaluated: spec.classification.riskLevel does not match the schema (AIMS-SCH-003)"
)
USE_REASON = "not evaluated: spec.purpose.intendedUse is missing (AIMS-SCH-002)"
SUP_001 = (
    "bad.yaml:17:7: error AIMS-SUP-001 supplier S-1 (Acme Models) has never been assessed; "
    "assess it and add `assessedOn:` and `assessmentRef:` [A.10.3]"
)

# Hand-read from the rules: those whose reads (or applicability facts) reach the risk level. The
# EU AI Act's duties (AIMS-MON-004, LOG-002, INC-002, INC-003, TRN-001, TRN-005) follow the Act's
# category and role, and the organisation-policy rules read the risk level only when the data
# document lists their control, which it does not by default.
RISK_READERS = [
    "AIMS-HUM-002",
    "AIMS-HUM-003",
    "AIMS-HUM-004",
    "AIMS-IMP-001",
    "AIMS-INC-004",
    "AIMS-LOG-004",
    "AIMS-OWN-002",
    "AIMS-RSK-001",
    "AIMS-RSK-002",
    "AIMS-RSK-015",
    "AIMS-TODO-001",  # reads every field
    "AIMS-USE-002",
    "AIMS-VAL-004",
]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    result = aims("check", "--today", TODAY, "--no-color", *args)
    return result.exit_code, result.stdout


# -- the engine --------------------------------------------------------------------------------


def test_any_use_of_an_invalid_node_raises_unreadable_and_its_repr_does_not() -> None:
    bad = Invalid("spec.x", "spec.x does not match the schema (AIMS-SCH-003)")
    uses = [
        lambda: bad == "high",
        lambda: "high" == bad,  # noqa: SIM300 - the reflected comparison
        lambda: bad in ("low", "high"),
        lambda: bool(bad),
        lambda: str(bad),
        lambda: f"{bad}",
        lambda: isinstance(bad, str),
        lambda: isinstance(bad, dict),
        lambda: list(bad),
        lambda: bad.get("y"),
        lambda: bad["y"],
        lambda: len(bad),
        lambda: bad + 1,
        lambda: bad < 3,
        lambda: hash(bad),
        lambda: {bad},
    ]
    for use in uses:
        with pytest.raises(Unreadable) as raised:
            use()
        assert raised.value.path == "spec.x"
        assert raised.value.reason == "spec.x does not match the schema (AIMS-SCH-003)"
    assert repr(bad) == "<unreadable spec.x>"


DOC = {
    "spec": {
        "classification": {"riskLevel": 5},
        "owner": {"name": "Ann"},
        "risks": [{"id": "R-1", "likelihood": "often"}, {"id": "R-2", "likelihood": 2}],
    }
}
UNREADABLE = {
    ("spec", "classification", "riskLevel"): (
        "spec.classification.riskLevel",
        "spec.classification.riskLevel does not match the schema (AIMS-SCH-003)",
    ),
    ("spec", "risks", 0, "likelihood"): (
        "spec.risks[R-1].likelihood",
        "spec.risks[R-1].likelihood does not match the schema (AIMS-SCH-003)",
    ),
    ("spec", "owner", "email"): ("spec.owner.email", "spec.owner.email is missing (AIMS-SCH-002)"),
}


def ctx_of(trace: bool = False) -> Context:
    return make_context(DOC, {}, _dt.date(2026, 11, 22), trace=trace, unreadable=UNREADABLE)


META: dict[str, Any] = {"severity": "error", "rationale": "r", "remediation": "x"}


@rule(id="T-LEVEL", title="reads the level", **META)
def reads_level(ctx: Context) -> Iterator[Violation]:
    if ctx.get("spec.classification.riskLevel") != "low":
        yield ctx.at("spec.classification").fail("not low")


@rule(id="T-SECTION", title="reads the section, then the level in it", **META)
def reads_section(ctx: Context) -> Iterator[Violation]:
    section = ctx.get("spec.classification")
    if section.get("riskLevel") in ("high", "critical"):
        yield ctx.at("spec.classification").fail("high")


@rule(id="T-OWNER", title="reads the owner's name only", **META)
def reads_owner(ctx: Context) -> Iterator[Violation]:
    if ctx.get("spec.owner.name") != "Bob":
        yield ctx.at("spec.owner").fail("not Bob")


@rule(id="T-EMAIL", title="reads the missing email", **META)
def reads_email(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.owner.email"):
        yield ctx.at("spec.owner").missing("email", "no email")


@rule(id="T-ITEMS", title="reads each risk's likelihood", **META)
def reads_items(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        if risk.get("likelihood") == 2:
            yield risk.fail("two")


@rule(id="T-IDS", title="reads each risk's id only", **META)
def reads_ids(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        if risk.get("id") == "R-2":
            yield risk.fail("R-2")


@rule(id="T-CRASH", title="crashes on its own", **META)
def crashes(ctx: Context) -> Iterator[Violation]:
    ctx.get("spec.owner.name")
    yield ctx.at("spec").fail(str(1 // 0))


@fact
def level_is_high(ctx: Context) -> bool:
    """High-risk systems."""
    return bool(ctx.get("spec.classification.riskLevel") == "high")


@rule(
    id="T-FACT", title="applies through a fact that reads the level", applies=level_is_high, **META
)
def through_fact(ctx: Context) -> Iterator[Violation]:
    yield ctx.at("spec").fail("high")


@pytest.mark.parametrize("trace", [False, True])
def test_a_rule_is_not_evaluated_only_when_it_reads_an_unreadable_part(trace: bool) -> None:
    ctx = ctx_of(trace)
    outcomes = {r.id: evaluate(r, ctx) for r in (reads_level, reads_section, reads_owner)}
    outcomes.update({r.id: evaluate(r, ctx) for r in (reads_email, reads_items, reads_ids)})
    outcomes.update({r.id: evaluate(r, ctx) for r in (crashes, through_fact)})
    statuses = {rule_id: (o.status, o.reason) for rule_id, o in outcomes.items()}
    level = "not evaluated: spec.classification.riskLevel does not match the schema (AIMS-SCH-003)"
    crash = statuses.pop("T-CRASH")
    assert crash[0] == "error" and crash[1].startswith("ZeroDivisionError"), crash
    assert statuses == {
        "T-LEVEL": ("not_evaluated", level),
        "T-SECTION": ("not_evaluated", level),  # the bad value, reached through its section
        "T-OWNER": ("failed", ""),
        "T-EMAIL": ("not_evaluated", "not evaluated: spec.owner.email is missing (AIMS-SCH-002)"),
        "T-ITEMS": (
            "not_evaluated",
            "not evaluated: spec.risks[R-1].likelihood does not match the schema (AIMS-SCH-003)",
        ),
        "T-IDS": ("failed", ""),
        "T-FACT": ("not_evaluated", level),
    }
    # --why-not: the trace ends with the reason
    assert outcomes["T-LEVEL"].trace[-1] == level.removeprefix("not evaluated: ")


def test_a_valid_document_gets_the_plain_context() -> None:
    """Nothing is paid per read for a manifest without schema errors."""
    assert type(make_context(DOC, {}, _dt.date(2026, 11, 22), unreadable={})) is Context
    assert type(make_context(DOC, {}, _dt.date(2026, 11, 22))) is Context
    assert type(ctx_of()) is not Context


# -- item 3: a missing required field is a gap in its section's control -------------------------


def test_section_controls_are_one_table_applied_to_missing_fields() -> None:
    assert SECTION_CONTROLS["spec.purpose"] == ("A.9.4",)
    assert SECTION_CONTROLS["spec.owner"] == ("A.3.2",)
    assert missing_controls("spec.purpose.intendedUse") == ("A.9.4", "7.5.2")
    assert missing_controls("spec.owner") == ("A.3.2", "7.5.2")
    assert missing_controls("spec.owner.name") == ("A.3.2", "7.5.2")
    assert missing_controls("spec.suppliers[S-1].kind") == ("A.10.3", "7.5.2")
    assert missing_controls("spec.ownership") == ("7.5.2",)  # a prefix, not the section
    assert missing_controls("apiVersion") == ("7.5.2",)


def test_a_missing_owner_is_an_a32_gap(tmp_path: Path) -> None:
    text = minimal_manifest().replace("  owner:\n    name: Ann\n    email: ann@example.com\n", "")
    write("bad.yaml", text)
    _, out = check("bad.yaml")
    assert "bad.yaml:5:1: error AIMS-SCH-002 spec is missing required field 'owner'; add it " in out
    assert "add it [A.3.2, 7.5.2]" in out


# -- end to end --------------------------------------------------------------------------------


def test_text_reports_the_other_findings_and_counts_rules_not_evaluated(tmp_path: Path) -> None:
    write("bad.yaml", RISK_5)
    code, out = check("bad.yaml")
    lines = out.splitlines()
    assert code == 1
    assert (
        "bad.yaml:12:5: error AIMS-SCH-003 spec.classification.riskLevel is 5, which is not one "
        "of: low, medium, high, critical [7.5.2]"
    ) in lines
    assert SUP_001 in lines
    assert summary(lines[-1]) == (
        "1 file, 1 system checked: 2 errors, 10 warnings, 0 notes; "
        f"rule checks: N not applicable, {len(RISK_READERS)} not evaluated (--why-not RULE says "
        "why)"
    )


def test_why_not_prints_the_reason(tmp_path: Path) -> None:
    write("bad.yaml", RISK_5)
    _, out = check("bad.yaml", "--why-not", "AIMS-HUM-002", "--why-not", "AIMS-TODO-001")
    assert (
        "minimal: AIMS-HUM-002 not evaluated\n"
        "    because: data.risk.highRiskLevels = [high, critical]\n"
        "    because: spec.classification.riskLevel does not match the schema (AIMS-SCH-003)\n"
        "minimal: AIMS-TODO-001 not evaluated\n"
        "    because: spec.classification.riskLevel does not match the schema (AIMS-SCH-003)\n"
    ) in out
    # the supplier rule was evaluated (and its finding is explained as usual)
    _, out = check("bad.yaml", "--why-not", "AIMS-SUP-001")
    assert SUP_001 in out.splitlines()
    assert "    because: spec.suppliers[S-1].assessedOn = (absent)" in out.splitlines()


def test_json_lists_rules_not_evaluated_with_the_reason(tmp_path: Path) -> None:
    write("bad.yaml", RISK_5)
    _, out = check("bad.yaml", "--format", "json")
    report = json.loads(out)
    assert report["formatVersion"] == "1.3"
    assert report["summary"]["notEvaluated"] == len(RISK_READERS)
    assert report["notEvaluated"] == [
        {"rule": rule_id, "system": "minimal", "reason": RISK_REASON} for rule_id in RISK_READERS
    ]
    assert {(f["rule"], f["identity"]["path"]) for f in report["findings"]} >= {
        ("AIMS-SCH-003", "spec.classification.riskLevel"),
        ("AIMS-SUP-001", "spec.suppliers[S-1].assessedOn"),
    }
    assert not {r["rule"] for r in report["notApplicable"]} & set(RISK_READERS)


def test_a_missing_required_field_masks_only_the_rules_that_read_it(tmp_path: Path) -> None:
    write("bad.yaml", NO_INTENDED_USE)
    _, out = check("bad.yaml", "--format", "json")
    report = json.loads(out)
    [missing] = [f for f in report["findings"] if f["rule"] == "AIMS-SCH-002"]
    assert missing["identity"]["path"] == "spec.purpose.intendedUse"
    assert missing["controls"] == ["A.9.4", "7.5.2"]
    assert report["notEvaluated"] == [
        {"rule": "AIMS-TODO-001", "system": "minimal", "reason": USE_REASON}
    ]
    assert "AIMS-SUP-001" in {f["rule"] for f in report["findings"]}


def test_junit_skips_a_rule_not_evaluated_with_the_reason(tmp_path: Path) -> None:
    write("bad.yaml", RISK_5)
    check("bad.yaml", "--junit", "out.xml")
    [suite] = list(JUnitXml.fromfile("out.xml"))
    cases = {case.name.split(" ")[0]: case for case in suite}
    hum = cases["AIMS-HUM-002"]
    [skipped] = hum.result
    assert isinstance(skipped, Skipped) and skipped.message == RISK_REASON
    sup = cases["AIMS-SUP-001"]
    assert [type(r).__name__ for r in sup.result] == ["Failure"]


def test_sarif_notes_rules_not_evaluated(tmp_path: Path) -> None:
    write("bad.yaml", RISK_5)
    _, out = check("bad.yaml", "--format", "sarif")
    run = json.loads(out)["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True  # nothing broke: the schema findings fail
    notes = invocation["toolExecutionNotifications"]
    assert [n["associatedRule"]["id"] for n in notes] == RISK_READERS
    rules = run["tool"]["driver"]["rules"]
    assert all(
        rules[n["associatedRule"]["index"]]["id"] == n["associatedRule"]["id"] for n in notes
    )
    assert notes[0] == {
        "level": "note",
        "message": {"text": f"AIMS-HUM-002 on minimal: {RISK_REASON}."},
        "descriptor": {"id": "schema/not-evaluated"},
        "associatedRule": {"id": "AIMS-HUM-002", "index": notes[0]["associatedRule"]["index"]},
        "properties": {"kind": "not-evaluated", "system": "minimal"},
    }


def test_a_cross_manifest_rule_leaves_out_only_what_it_cannot_read(tmp_path: Path) -> None:
    """Two manifests share a name; a third's name is not text. AIMS-SET-001 still finds the
    shared name (one of the two has a schema error elsewhere) and is not evaluated on the third."""
    write("a.yaml", minimal_manifest("twin"))
    write("b.yaml", RISK_5.replace("name: minimal", "name: twin"))
    write("c.yaml", minimal_manifest().replace("name: minimal", "name: [not, text]"))
    _, out = check("a.yaml", "b.yaml", "c.yaml", "--format", "json")
    report = json.loads(out)
    assert {f["location"]["file"] for f in report["findings"] if f["rule"] == "AIMS-SET-001"} == {
        "a.yaml",
        "b.yaml",
    }
    assert [r for r in report["notEvaluated"] if r["rule"] == "AIMS-SET-001"] == [
        {
            "rule": "AIMS-SET-001",
            "system": "c.yaml#1",  # a system without a usable name is named by its file
            "reason": "not evaluated: metadata.name does not match the schema (AIMS-SCH-003)",
        }
    ]
    assert report["problems"] == []


def test_a_document_unreadable_as_a_whole_evaluates_no_rule() -> None:
    whole = {(): ("the document", "the document does not match the schema (AIMS-SCH-003)")}
    ctx = make_context(DOC, {}, _dt.date(2026, 11, 22), unreadable=whole)
    for each in (reads_owner, reads_ids, through_fact):
        outcome = evaluate(each, ctx)
        assert (outcome.status, outcome.reason) == (
            "not_evaluated",
            "not evaluated: the document does not match the schema (AIMS-SCH-003)",
        )


def test_what_a_cross_manifest_rule_collects_may_not_hold_an_unreadable_part() -> None:
    """A collect that takes a section whole, bad value and all, must not carry it to the fold
    (where it would crash the rule for every manifest): the worker looks for one first."""
    ctx = ctx_of()
    section = ctx.get("spec.classification")  # reading the section is allowed...
    bad = first_invalid((ctx.get("spec.owner.name"), [section]))
    assert bad is not None and repr(bad) == "<unreadable spec.classification.riskLevel>"
    assert first_invalid(("Ann", [{"a": 1}], frozenset({2}))) is None


def test_markdown_lists_rules_not_evaluated(tmp_path: Path) -> None:
    write("bad.yaml", RISK_5)
    check("bad.yaml", "--markdown", "summary.md")
    text = Path("summary.md").read_text("utf-8")
    # Markdown escapes punctuation with a backslash: read the cells back as text
    plain = re.sub(r"\\(.)", r"\1", text)
    rows = [line for line in plain.splitlines() if line.startswith("| minimal | ")]
    assert rows == [f"| minimal | {rule_id} | {RISK_REASON} |" for rule_id in RISK_READERS]
    assert "### Rules not evaluated" in text


def test_each_reads_its_list_when_the_walk_starts_and_makes_its_cursors_once() -> None:
    # Traced or not, ctx.each reads the list when iteration begins (an unread walk raises
    # nothing); untraced, the cursors are made once per manifest and shared by every rule.
    whole = {
        ("spec", "risks"): ("spec.risks", "spec.risks does not match the schema (AIMS-SCH-003)")
    }
    for trace in (False, True):
        ctx = make_context(DOC, {}, _dt.date(2026, 11, 22), trace=trace, unreadable=whole)
        walk = ctx.each("spec.risks")  # not started: nothing read yet
        with pytest.raises(Unreadable):
            next(walk)
    ctx = make_context(DOC, {}, _dt.date(2026, 11, 22))
    first, second = list(ctx.each("spec.risks")), list(ctx.each("spec.risks"))
    assert [c.name for c in first] == ["R-1", "R-2"]
    assert all(a is b for a, b in zip(first, second, strict=True))
