"""Engine semantics: frozen documents, memoised facts, applicability, `with` overrides, isolation,
and parallel evaluation giving the same report as serial."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _helpers import MANIFESTS, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from aims_policy import data as data_document
from aims_policy import registry
from aims_policy.api import Options, check
from aims_policy.engine import (
    UNSET,
    Context,
    Rule,
    Violation,
    _folded,
    _pascal,
    eu,
    evaluate,
    fact,
    located,
    make_context,
    nist,
    required,
    rule,
    shared,
)
from aims_policy.model import Location, Reference
from aims_policy.output import render
from aims_policy.registry import RuleSet

TODAY = dt.date(2026, 11, 22)

INPUT: dict[str, Any] = {
    "metadata": {"name": "demo"},
    "spec": {
        "owner": {"name": "Ada"},
        "classification": {"riskLevel": "high"},
        "risks": [
            {"id": "R-1", "description": "a", "owner": "Bo"},
            {"id": "R-2", "description": "b"},
        ],
    },
}

calls: list[str] = []


@fact
def counted_high(ctx: Context) -> bool:
    """High-risk systems."""
    calls.append("counted_high")
    return ctx.get("spec.classification.riskLevel") == "high"


def _rule(rule_id: str, check: Any, applies: Any = None) -> Rule:
    return rule(
        id=rule_id, title="t", severity="error", rationale="r", remediation="m", applies=applies
    )(check)


def risk_owner(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        if not risk.get("owner"):
            yield risk.missing("owner", f"risk {risk.name} has no owner")


def test_documents_are_frozen() -> None:
    ctx = make_context(INPUT, {"x": 1}, TODAY)
    with pytest.raises((TypeError, AttributeError)):
        ctx.input["spec"] = {}  # type: ignore[index]
    grown = ctx.input["spec"]["risks"].append({})  # persistent: a new vector, not a change
    assert len(grown) == 3 and len(ctx.input["spec"]["risks"]) == 2
    # The caller's plain document is untouched by freezing and overrides.
    make_context(INPUT, {}, TODAY, with_input={"spec.owner.name": "Zed"})
    assert INPUT["spec"]["owner"]["name"] == "Ada"


def test_iteration_names_items_by_id_and_reports_missing_field_at_the_item() -> None:
    ctx = make_context(INPUT, {}, TODAY)
    outcome = evaluate(_rule("T-1", risk_owner), ctx)
    assert outcome.status == "failed"
    (v,) = outcome.violations
    assert v.path == ("spec", "risks", 1)
    assert v.target == ("spec", "risks", 1, "owner")
    assert v.message == "risk R-2 has no owner"


def test_facts_are_computed_once_per_manifest_and_shared() -> None:
    calls.clear()
    ctx = make_context(INPUT, {}, TODAY)
    first = _rule("T-1", lambda c: [c.at(()).fail("x")] if counted_high(c) else [], counted_high)
    second = _rule("T-2", lambda c: [], counted_high)
    evaluate(first, ctx)
    evaluate(second, ctx)
    assert calls == ["counted_high"]
    evaluate(first, make_context(INPUT, {}, TODAY))  # a new manifest computes it again
    assert calls == ["counted_high", "counted_high"]


def test_shared_collection_is_computed_once_per_manifest_and_locator_unless_traced() -> None:
    seen: list[str] = []

    @shared
    def owner(ctx: Context, locate: Any) -> tuple[str, Location]:
        seen.append("owner")
        return str(ctx.get("spec.owner")), locate(("spec", "owner"))

    def locate(path: Any) -> Location:
        return Location("m.yaml", 1, 1)

    def elsewhere(path: Any) -> Location:
        return Location("n.yaml", 1, 1)

    ctx = make_context(INPUT, {}, TODAY)
    first = owner(ctx, locate)
    assert owner(ctx, locate) is first  # a second rule gets the same record
    assert seen == ["owner"]
    assert owner(ctx, elsewhere)[1].file == "n.yaml"  # another locator: computed again
    assert owner(make_context(INPUT, {}, TODAY), locate) == first  # another manifest: again
    assert seen == ["owner"] * 3
    # Traced, each rule hears its own reads: nothing is shared.
    traced = make_context(INPUT, {}, TODAY, trace=True)
    owner(traced, locate)
    owner(traced, locate)
    assert seen == ["owner"] * 5


def test_not_applicable_is_not_passed_and_says_why() -> None:
    low = make_context(INPUT, {}, TODAY, with_input={"spec.classification.riskLevel": "low"})
    outcome = evaluate(_rule("T-1", risk_owner, counted_high), low)
    assert outcome.status == "not_applicable"
    assert outcome.reason.startswith("applies to: High-risk systems")
    high = evaluate(_rule("T-1", lambda c: [], counted_high), make_context(INPUT, {}, TODAY))
    assert high.status == "passed"


def test_with_overrides_input_and_data_by_path_and_by_item_id() -> None:
    ctx = make_context(
        INPUT,
        {"risk": {"appetite": 6}},
        TODAY,
        with_input={"spec.risks[R-2].owner": "Cy", "spec.risks[0].owner": UNSET},
        with_data={"risk.appetite": 4},
    )
    assert ctx.get("spec.risks")[1]["owner"] == "Cy"
    assert "owner" not in ctx.get("spec.risks")[0]
    assert ctx.param("risk.appetite") == 4
    outcome = evaluate(_rule("T-1", risk_owner), ctx)
    assert [v.target for v in outcome.violations] == [("spec", "risks", 0, "owner")]


def test_a_rule_that_raises_is_isolated() -> None:
    def broken(ctx: Context) -> Iterator[Violation]:
        yield from ()
        raise KeyError("boom")

    ctx = make_context(INPUT, {}, TODAY)
    outcome = evaluate(_rule("T-1", broken), ctx)
    assert outcome.status == "error"
    assert "KeyError" in outcome.reason
    assert evaluate(_rule("T-2", risk_owner), ctx).status == "failed"  # the run goes on


def test_a_crashing_rule_is_exit_2_for_that_manifest_and_the_others_still_report(
    tmp_path: Path,
) -> None:
    def crash_on_high(ctx: Context) -> Iterator[Violation]:
        if ctx.get("spec.classification.riskLevel") == "critical":
            raise ValueError("bad rule")
        yield from ()

    shutil.copytree(MANIFESTS, tmp_path / "m")
    base = registry.load()
    ruleset = RuleSet((*base.rules, _rule("ZZZ-CRASH-1", crash_on_high)), base.set_rules)
    options = Options(today=TODAY, data=data_document.load(), jobs=1)
    report = check([str(tmp_path / "m")], ruleset=ruleset, options=options, cwd=str(tmp_path))
    crashes = [n for n in report.notifications if n.rule_id == "ZZZ-CRASH-1"]
    assert crashes and all(n.kind == "engine" for n in crashes)
    assert report.exit_code == 2
    assert report.systems and len(report.systems) > len(crashes)
    clean = check([str(tmp_path / "m")], options=options, cwd=str(tmp_path))
    assert {f.fingerprint for f in clean.findings} == {f.fingerprint for f in report.findings}


@pytest.mark.slow
def test_parallel_evaluation_equals_serial(tmp_path: Path) -> None:
    for i in range(30):  # enough files to cross the worker-pool threshold
        shutil.copytree(MANIFESTS, tmp_path / f"copy{i:02d}", ignore=shutil.ignore_patterns("*.md"))
    data = data_document.load()
    serial = check(
        [str(tmp_path)], options=Options(today=TODAY, data=data, jobs=1), cwd=str(tmp_path)
    )
    parallel = check(
        [str(tmp_path)], options=Options(today=TODAY, data=data, jobs=2), cwd=str(tmp_path)
    )
    assert len(serial.files) >= 48
    assert render(serial, "json") == render(parallel, "json")
    _assert_kept_once(parallel)


def test_a_file_result_crosses_the_process_boundary_unchanged() -> None:
    """What a worker sends back arrives whole, its findings, their locations and its rule
    results of their own types (they travel as plain tuples). A worker's findings have no
    suppression or origin yet (the parent sets those), so none is sent here."""
    import pickle

    from aims_policy.model import Finding, RuleResult
    from aims_policy.worker import FileResult

    sent = FileResult("m/a.yaml")
    sent.is_manifest = True
    sent.results.append(RuleResult("AIMS-X-3", "s", "not_applicable", "applies to: x"))
    sent.findings.extend(
        [
            Finding("AIMS-X-1", "error", "m", Location("m/a.yaml", 3, 5, 3, 9), "/a", "a", "s"),
            Finding(
                "AIMS-X-2", "note", "n", Location("m/a.yaml"), "", "", None, "R-1", ("A.5.2",),
                explanation=("why",),
            ),
        ]
    )  # fmt: skip
    got = pickle.loads(pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL))
    for name in FileResult.__slots__:
        assert getattr(got, name) == getattr(sent, name), name
    assert [type(f) for f in got.findings] == [Finding, Finding]
    assert [type(f.location) for f in got.findings] == [Location, Location]
    assert [type(r) for r in got.results] == [RuleResult]
    assert got.findings[1].controls == ("A.5.2",) and got.findings[1].explanation == ("why",)


def _assert_kept_once(report: Any) -> None:
    """Values that workers send again for every manifest (rule ids, reasons, control lists) are
    kept once in the parent: a large run must not hold ten thousand copies of each."""
    by_value: dict[Any, int] = {}
    for row in report.results._rows:
        for value in (row[2], row[3], *row[2], *row[3]):
            by_value.setdefault(value, id(value))
            assert by_value[value] == id(value), f"{value!r} is kept more than once"
    for finding in report.findings:
        for value in (finding.rule_id, finding.controls):
            by_value.setdefault(value, id(value))
            assert by_value[value] == id(value), f"{value!r} is kept more than once"


def test_a_cross_manifest_rule_that_raises_is_isolated(tmp_path: Path) -> None:
    """Raising while folding an entry in or while giving findings, or giving something other than
    (system, Violation) pairs, is an engine error for that rule; the others still report."""
    from aims_policy.engine import set_rule

    meta = {"title": "t", "severity": "error", "rationale": "r", "remediation": "m"}

    def findings_fail(entries: object) -> Iterator[Any]:
        raise RuntimeError("cannot give findings")

    class AddFails:
        def add(self, entry: object) -> None:
            raise LookupError("cannot fold")

        def findings(self) -> tuple[()]:
            return ()

    def not_pairs(entries: object) -> Iterator[Any]:
        yield "a system", "not a violation"

    shutil.copytree(MANIFESTS, tmp_path / "m")
    (tmp_path / "m" / "copy.yaml").write_text((MANIFESTS / "support-chatbot.yaml").read_text())
    base = registry.load()
    broken = (
        set_rule(collect=lambda ctx, at: 1, id="ZZZ-SET-1", **meta)(findings_fail),
        set_rule(collect=lambda ctx, at: 1, id="ZZZ-SET-2", **meta)(AddFails),
        set_rule(collect=lambda ctx, at: 1, id="ZZZ-SET-3", **meta)(not_pairs),
    )
    ruleset = RuleSet(base.rules, (*base.set_rules, *broken))
    report = check(
        [str(tmp_path / "m")],
        ruleset=ruleset,
        cwd=str(tmp_path),
        options=Options(today=TODAY, data=data_document.load(), jobs=1),
    )
    failed = sorted((n.rule_id, n.message) for n in report.notifications if n.kind == "engine")
    assert failed == [
        ("ZZZ-SET-1", "rule ZZZ-SET-1 failed: RuntimeError: cannot give findings"),
        ("ZZZ-SET-2", "rule ZZZ-SET-2 failed: LookupError: cannot fold"),
        (
            "ZZZ-SET-3",
            "rule ZZZ-SET-3 failed: AttributeError: 'str' object has no attribute 'target'",
        ),
    ]
    assert report.exit_code == 2
    # copy.yaml repeats support-chatbot's name: the built-in duplicate check still reports it
    assert sum(f.rule_id == "AIMS-SET-001" for f in report.findings) == 2


@pytest.mark.slow
def test_folds_receive_entries_in_path_order_from_parallel_workers(tmp_path: Path) -> None:
    """What a cross-manifest fold documents: entries arrive in path order, however many workers."""
    from aims_policy.engine import set_rule

    arrived: list[str] = []

    class Record:
        def add(self, entry: Any) -> None:
            arrived.append(entry.file)

        def findings(self) -> tuple[()]:
            return ()

    for i in reversed(range(60)):  # written in reverse, so creation order is not path order
        shutil.copy(MANIFESTS / "document-summariser.yaml", tmp_path / f"m{i:02d}.yaml")
    meta = {"title": "t", "severity": "note", "rationale": "r", "remediation": "m"}

    def collect(ctx: Context, at: Any) -> None:
        if at(()).file == "m00.yaml":  # the first file finishes last unless order is kept
            time.sleep(0.3)

    ruleset = RuleSet((), (set_rule(collect=collect, id="ZZZ-SET-9", **meta)(Record),))
    check(
        [str(tmp_path)],
        ruleset=ruleset,
        cwd=str(tmp_path),
        options=Options(today=TODAY, data=data_document.load(), jobs=2),
    )
    assert arrived == [f"m{i:02d}.yaml" for i in range(60)]


def test_explain_shows_facts_and_conditions(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "apiVersion: aims-policy/v1\nkind: AISystem\nmetadata: {name: demo}\nspec:\n"
        "  owner: {name: Ada, email: ada@example.com}\n  purpose: {intendedUse: testing}\n"
        "  classification: {riskLevel: high}\n  lifecycle: {stage: design}\n",
        encoding="utf-8",
    )
    data = data_document.load()
    ruleset = registry.select(registry.load(), ["AIMS-OWN-002"])
    report = check(
        [str(manifest)],
        ruleset=ruleset,
        cwd=str(tmp_path),
        options=Options(today=TODAY, data=data, explain=True),
    )
    (finding,) = report.findings
    assert finding.location.line == 4  # the missing accountablePerson belongs under spec
    # What the rule read and the facts it rested on, with what each fact read, in the order
    # first met, in the manifest's notation.
    assert finding.explanation == (
        "data.risk.highRiskLevels = [high, critical]",
        "spec.classification.riskLevel = high",
        "risk_level = high",
        "is_high_risk = true",
        "spec.accountablePerson = (absent)",
    )
    text = render(report, "text")
    assert "    because: is_high_risk = true" in text


def test_why_not_explains_a_rule_that_did_not_fire(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "apiVersion: aims-policy/v1\nkind: AISystem\nmetadata: {name: demo}\nspec:\n"
        "  owner: {name: Ada, email: ada@example.com}\n  purpose: {intendedUse: testing}\n"
        "  classification: {riskLevel: low}\n  lifecycle: {stage: design}\n",
        encoding="utf-8",
    )
    ruleset = registry.select(registry.load(), ["AIMS-OWN-002"])
    report = check(
        [str(manifest)],
        ruleset=ruleset,
        cwd=str(tmp_path),
        options=Options(today=TODAY, data=data_document.load(), why_not=("AIMS-OWN-002",)),
    )
    assert report.findings == ()
    ((system, rule_id, status, trace),) = report.traces
    assert (system, rule_id, status) == ("demo", "AIMS-OWN-002", "not_applicable")
    assert trace == (
        "data.risk.highRiskLevels = [high, critical]",
        "spec.classification.riskLevel = low",
        "risk_level = low",
        "spec.classification.euAiAct.category = (absent)",
        "eu_category = ''",
        "is_high_risk = false",
    )
    assert "demo: AIMS-OWN-002 not applicable" in render(report, "text")


def _cli(*args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "aims_policy", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.slow
def test_explanations_are_the_same_in_every_process() -> None:
    # Explanations show mappings read by rules; pyrsistent maps iterate in hash order, which
    # PYTHONHASHSEED changes from one process to the next.
    args = (
        "check",
        "manifests/",
        "--today",
        "2026-11-22",
        "--explain",
        "--why-not",
        "AIMS-OWN-002",
    )
    first, second = _cli(*args, seed="1"), _cli(*args, seed="2")
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout
    assert "    because: spec.transparency.userNotice = (absent)" in first.stdout


@pytest.mark.slow
def test_why_not_explains_passed_failed_and_not_applicable_outcomes() -> None:
    done = _cli(
        "check",
        "manifests/support-chatbot.yaml",
        "--today",
        "2026-11-22",
        "--why-not",
        "AIMS-OWN-001",
        "--why-not",
        "aims-trn-002",
        "--why-not",
        "AIMS-OWN-002",
    )
    assert done.returncode == 1
    out = done.stdout
    # passed: the values the rule read; not applicable: the fact that decided it
    assert (
        "support-chatbot: AIMS-OWN-001 passed\n    because: spec.owner.email = hannah.fischer@example.com"
        in out
    )
    assert (
        "support-chatbot: AIMS-OWN-002 not applicable\n"
        "    because: data.risk.highRiskLevels = [high, critical]\n"
        "    because: spec.classification.riskLevel = medium\n"
        "    because: risk_level = medium\n"
        "    because: spec.classification.euAiAct.category = limited-risk\n"
        "    because: eu_category = limited-risk\n"
        "    because: is_high_risk = false\n"
    ) in out
    # failed: the finding carries its explanation
    assert "AIMS-TRN-002 people interact with this system directly" in out
    assert "    because: spec.transparency.userNotice = (absent)" in out


@pytest.mark.slow
def test_why_not_an_unknown_rule_is_a_usage_error() -> None:
    done = _cli("check", "manifests/support-chatbot.yaml", "--why-not", "AIMS-TRN-02")
    assert done.returncode == 2
    assert (
        "--why-not AIMS-TRN-02: no such rule among those evaluated; did you mean AIMS-TRN-002?"
        in done.stderr
    )


def test_a_duplicate_name_is_reported_even_when_one_manifest_breaks_the_schema(
    tmp_path: Path,
) -> None:
    text = (
        "apiVersion: aims-policy/v1\nkind: AISystem\nmetadata: {name: twin}\nspec:\n"
        "  owner: {name: Ada, email: ada@example.com}\n  purpose: {intendedUse: testing}\n"
        "  classification: {riskLevel: low}\n  lifecycle: {stage: design}\n"
    )
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text.replace("stage: design", "stage: 7"), encoding="utf-8")
    report = check([str(tmp_path)], today="2026-11-22", cwd=str(tmp_path))
    located = sorted(
        (f.rule_id, str(f.location))
        for f in report.findings
        if f.rule_id in ("AIMS-SET-001", "AIMS-SCH-003")
    )
    # located at the keys: `name` starts in column 12 of line 3, `stage` in column 15 of line 8
    assert located == [
        ("AIMS-SCH-003", "b.yaml:8:15"),
        ("AIMS-SET-001", "a.yaml:3:12"),
        ("AIMS-SET-001", "b.yaml:3:12"),
    ]


# -- reporting: cursors and required() ------------------------------------------------------


def test_cursors_report_at_a_place_a_field_below_it_or_a_field_it_lacks() -> None:
    ctx = make_context(INPUT, {}, TODAY)
    risk = list(ctx.each("spec.risks"))[1]
    assert (risk.name, risk.get("description")) == ("R-2", "b")
    assert risk.fail("m") == Violation(("spec", "risks", 1), "m")
    assert risk.at("treatment.option").fail("m").path == (
        "spec",
        "risks",
        1,
        "treatment",
        "option",
    )
    assert risk.missing("owner", "m").target == ("spec", "risks", 1, "owner")
    assert ctx.at("spec.owner").missing("email", "m") == Violation(("spec", "owner"), "m", "email")
    assert ctx.at("spec").at("risks", 0).fail("m").path == ("spec", "risks", 0)


def test_a_dotted_missing_field_is_reported_at_the_deepest_section_that_holds_something() -> None:
    def where(**override: Any) -> tuple[Any, ...]:
        ctx = make_context(INPUT, {}, TODAY, with_input=override)
        violation = ctx.at("spec").missing("monitoring.metrics", "m")
        return violation.path, violation.missing

    assert where() == (("spec",), "monitoring")  # the section is absent: name the section
    assert where(**{"spec.monitoring": {}}) == (("spec",), "monitoring")  # empty: the same
    assert where(**{"spec.monitoring": {"drift": {}}}) == (("spec", "monitoring"), "metrics")


def test_sections_looked_up_for_a_missing_field_are_explained() -> None:
    ctx = make_context(INPUT, {}, TODAY, trace=True)
    ctx.at("spec").missing("monitoring.metrics", "m")
    ctx.at("spec.owner").missing("email", "m")  # nothing to look up: nothing explained
    assert ctx.tracer is not None
    assert list(ctx.tracer.explain()[0]) == ["spec.monitoring = (absent)"]


def test_a_dotted_missing_field_needs_a_cursor_that_can_look_sections_up() -> None:
    risk = next(make_context(INPUT, {}, TODAY).each("spec.risks"))
    with pytest.raises(ValueError, match=r"cursor from ctx\.at"):
        risk.missing("treatment.option", "m")


def test_a_located_cursor_reports_into_another_manifest() -> None:
    where = Location("other.yaml", 3, 5)
    violation = located(where, "metadata.name").at("x").fail("taken")
    assert (violation.path, violation.location) == (("metadata", "name", "x"), where)


REQUIRED = required(
    "spec.monitoring.metrics",
    "nothing is monitored",
    id="T-REQ-1",
    title="Systems are monitored",
    severity="warning",
    applies=counted_high,
    rationale="r",
    remediation="m",
)


def test_required_reports_an_absent_or_empty_field_where_cursor_missing_would() -> None:
    def found(**override: Any) -> list[tuple[Any, ...]]:
        outcome = evaluate(REQUIRED, make_context(INPUT, {}, TODAY, with_input=override))
        return [(v.path, v.missing, v.message) for v in outcome.violations]

    assert found() == [(("spec",), "monitoring", "nothing is monitored")]
    assert found(**{"spec.monitoring.metrics": []}) == [
        (("spec", "monitoring"), "metrics", "nothing is monitored")
    ]
    assert found(**{"spec.monitoring.metrics": [{"id": "m"}]}) == []
    assert REQUIRED.meta.name == "SystemsAreMonitored"
    assert REQUIRED.meta.applies_to == "High-risk systems"
    # The rule's module is where it is declared, so the reference and coverage name that file.
    assert REQUIRED.module == __name__


def test_required_reports_at_the_part_known_to_exist_and_takes_several_fields() -> None:
    owner = required(
        {"spec.owner.email": "no email", "spec.owner.team": "no team"},
        within="spec.owner",
        id="T-REQ-2",
        title="Owners can be reached",
        severity="warning",
        rationale="r",
        remediation="m",
    )
    ctx = make_context(INPUT, {}, TODAY, trace=True)
    outcome = evaluate(owner, ctx)
    assert [(v.path, v.missing, v.message) for v in outcome.violations] == [
        (("spec", "owner"), "email", "no email"),
        (("spec", "owner"), "team", "no team"),
    ]
    # Only the fields are read: the owner is known to exist, so it is not looked up.
    assert outcome.trace == ("spec.owner.email = (absent)", "spec.owner.team = (absent)")
    with pytest.raises(TypeError, match=r"below .spec\.owner."):
        required("spec.purpose.x", "m", within="spec.owner", **{"id": "T", "title": "t"})


# -- applicability --------------------------------------------------------------------------


@fact
def in_use(ctx: Context) -> bool:
    """Systems deployed or in operation."""
    return ctx.get("spec.lifecycle.stage") in ("deployment", "operation")


@fact
def eu_listed(ctx: Context) -> bool:
    """EU AI Act high-risk systems, as the Act's Annex III lists them: credit scoring,
    recruitment and more.

    Further paragraphs are documentation, not applicability."""
    return ctx.get("spec.classification.euAiAct.category") == "high-risk"


def test_facts_combine_with_not_and_or() -> None:
    low = make_context(INPUT, {}, TODAY, with_input={"spec.classification.riskLevel": "low"})
    high = make_context(INPUT, {}, TODAY, with_input={"spec.lifecycle": {"stage": "operation"}})
    assert (~counted_high)(low) and not (~counted_high)(high)
    assert (counted_high & in_use)(high) and not (counted_high & in_use)(low)
    assert (in_use | counted_high)(high) and not (in_use | counted_high)(low)
    with pytest.raises(TypeError, match="only facts combine"):
        counted_high & (lambda ctx: True)  # type: ignore[operator]


def test_a_combination_stops_early_and_explains_only_the_facts_it_asked() -> None:
    low = make_context(
        INPUT, {}, TODAY, trace=True, with_input={"spec.classification.riskLevel": "low"}
    )
    outcome = evaluate(_rule("T-1", lambda c: [], counted_high & in_use), low)
    assert outcome.status == "not_applicable"
    assert outcome.trace == ("spec.classification.riskLevel = low", "counted_high = false")


def test_applicability_texts_are_whole_sentences_and_generated_for_combinations() -> None:
    def text(applies: Any) -> str:
        return _rule("T-1", lambda c: [], applies).meta.applies_to

    assert text(eu_listed) == (
        "EU AI Act high-risk systems, as the Act's Annex III lists them: credit scoring, "
        "recruitment and more"
    )
    assert text(~counted_high) == "Systems other than high-risk systems"
    assert text(counted_high & in_use & eu_listed) == (
        "High-risk systems that are also systems deployed or in operation and also EU AI Act "
        "high-risk systems, as the Act's Annex III lists them: credit scoring, recruitment and more"
    )
    assert text(counted_high | in_use) == (
        "High-risk systems, as well as systems deployed or in operation"
    )
    assert text(~(counted_high | in_use)) == (
        "Systems other than (high-risk systems, as well as systems deployed or in operation)"
    )


# -- crosswalk references -------------------------------------------------------------------


def test_derived_follows_from_where_a_reference_comes_from() -> None:
    assert eu("Art. 10", "high").derived  # the crosswalk's EU AI Act rows are its own derivation
    assert not eu("Art. 5(1)", "high", basis=True).derived  # the article the rule enforces
    assert not nist("MAP 2.3").derived  # transcribed from the published crosswalk
    assert nist("MANAGE 1.4", "medium", own=True).derived  # a link of our own
    assert nist("MAP 2.3") == Reference("MAP 2.3", "high", False)
    assert eu("Art. 5(1)", basis=True, own=True) == Reference("Art. 5(1)", "high", False)
    assert type(eu("Art. 10")) is Reference and type(nist("MAP 2.3", own=True)) is Reference


def test_no_rule_reports_any_other_way() -> None:
    """Every rule in the repository reports through a cursor; nothing builds a Violation."""
    import re

    sources = [*(ROOT / "rules").glob("*.py"), *(ROOT / "examples").rglob("*.py")]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"\bViolation\(|\.violation\(", text), source


def test_references_written_before_eu_and_nist_keep_their_meaning() -> None:
    """Packs written with plain strings and (ref, confidence) pairs load as they always did."""
    meta = rule(
        id="T-OLD",
        title="t",
        severity="note",
        rationale="r",
        remediation="m",
        eu_ai_act=[("Art. 9", "medium")],
        nist_ai_rmf=["MAP 1.1"],
    )(lambda ctx: ()).meta
    assert meta.eu_ai_act == (Reference("Art. 9", "medium", False),)
    assert meta.nist_ai_rmf == (Reference("MAP 1.1", "high", False),)


def test_a_bulk_run_leaves_the_callers_collector_settings_as_they_were(tmp_path: Path) -> None:
    """A run of many files tunes the garbage collector for itself (worker._BulkCollection) and
    undoes it: a library caller's process keeps its own thresholds, and nothing stays frozen."""
    import gc

    from _helpers import minimal_manifest

    from aims_policy.worker import PARALLEL_THRESHOLD

    for n in range(PARALLEL_THRESHOLD):
        (tmp_path / f"m{n}.yaml").write_text(minimal_manifest(f"system-{n}"), "utf-8")
    saved = gc.get_threshold()
    gc.set_threshold(1234, 11, 12)
    try:
        report = check([str(tmp_path)], today=TODAY, options=Options(jobs=1), cwd=str(tmp_path))
        assert len(report.files) == PARALLEL_THRESHOLD
        assert gc.get_threshold() == (1234, 11, 12)
        assert gc.get_freeze_count() == 0
        assert gc.isenabled()  # paused while each file was checked, running again after
        gc.disable()
        try:  # a caller who turned the collector off keeps it off
            check([str(tmp_path)], today=TODAY, options=Options(jobs=1), cwd=str(tmp_path))
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        gc.set_threshold(*saved)


def test_a_declaration_keeps_every_metadata_field_where_it_was_given() -> None:
    """Each keyword of @rule lands in the RuleMeta field of that name, folded where it is prose."""
    declared = rule(
        id="T-META-1",
        name="EveryField",
        title="A title",
        severity="warning",
        rationale="Why it\n    matters,  folded.",
        remediation="What to\n do.",
        controls=["A.5.2"],
        clauses=["6.1.2"],
        eu_ai_act=[eu("Art. 9(2)", "medium")],
        nist_ai_rmf=[nist("MAP 1.1", "low")],
        tags=["one", "two"],
        applies_to="systems with a title",
        pack="a-pack",
        kinds=["AIManagementSystem"],
    )(lambda ctx: ())
    meta = declared.meta
    assert (meta.id, meta.name, meta.title, meta.severity) == (
        "T-META-1",
        "EveryField",
        "A title",
        "warning",
    )
    assert (meta.rationale, meta.remediation) == ("Why it matters, folded.", "What to do.")
    assert (meta.controls, meta.clauses, meta.tags) == (("A.5.2",), ("6.1.2",), ("one", "two"))
    assert meta.eu_ai_act == (Reference("Art. 9(2)", "medium", True),)
    assert meta.nist_ai_rmf == (Reference("MAP 1.1", "low", False),)
    assert (meta.applies_to, meta.pack, meta.scope, meta.kinds) == (
        "systems with a title",
        "a-pack",
        "manifest",
        ("AIManagementSystem",),
    )


@pytest.mark.parametrize(
    "text",
    [
        "One line.",
        "Two\n    lines.",
        "Two\n        lines, indented as in a rule.",
        "\n        leading break",
        "trailing break\n        ",
        "nine\n         spaces",
        "two\n        \n        breaks",
        "space \n        then break",
        "tab\n        \tafter",
        " lead",
        "trail ",
        "in  side",
        "tab\there",
        "file\x1cseparator",
        "unit\x1fseparator",
        "form\x0cfeed",
        "carriage\rreturn",
        "nbsp\u00a0here",
        "bell\x07stays",
        "",
    ],
)
def test_folded_prose_is_split_and_joined(text: str) -> None:
    assert _folded(text) == " ".join(text.split())


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x07\x85\u00a0\u2028\u3000ab.")))
def test_folded_prose_is_split_and_joined_for_any_text(text: str) -> None:
    assert _folded(text) == " ".join(text.split())


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(
    st.lists(st.sampled_from([" ", "\n", "\n        ", "\n         ", "\t", "\u2028", "a", "b."]))
)
def test_folded_prose_is_split_and_joined_for_indented_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _folded(text) == " ".join(text.split())


def _pascal_words(text: str) -> str:  # the rule _pascal keeps, written out
    return "".join(w[:1].upper() + w[1:] for w in text.replace("-", " ").split() if w.isalnum())


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from([" ", "  ", "-", "_", "a", "risk", "b2", "X", "\u01c6", "\u00e9", "."])
    )
)
def test_pascal_names_capitalise_each_word(parts: list[str]) -> None:
    text = "".join(parts)
    assert _pascal(text) == _pascal_words(text)


@pytest.mark.parametrize("text", ["oversight with override", "risk owner", "", "a  b", " lead"])
def test_pascal_names_of_functions(text: str) -> None:
    assert _pascal(text) == _pascal_words(text)
