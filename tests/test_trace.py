"""The engine's one tracer (aims_policy.trace) and its two consumers: explanations (--explain,
--why-not) and the line coverage of `aims-policy test`."""

from __future__ import annotations

import datetime as _dt
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyrsistent import freeze

from aims_policy.engine import Context, Cursor, Violation, evaluate, fact, make_context, rule
from aims_policy.trace import Explanation, LineCoverage, Tee, Tracer, show

TODAY = _dt.date(2026, 11, 22)
META = {"severity": "note", "rationale": "r", "remediation": "m"}


# -- the notation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (0.8, "0.8"),
        ("operation", "operation"),
        ("2026-03-10", "2026-03-10"),  # the loader reads dates as text: written plain
        ("3.0.0", "3.0.0"),
        ("Ada Lovelace (CTO)", "Ada Lovelace (CTO)"),
        ("it's", "it's"),
        ("-x", "-x"),
        ("yes", "yes"),  # the loader's YAML 1.2 core schema reads it as text
        # quoted where a manifest would need quotes: text that would read as something else...
        ("", "''"),
        ("true", "'true'"),
        ("null", "'null'"),
        ("~", "'~'"),
        ("12", "'12'"),
        ("1.5", "'1.5'"),
        ("0x1F", "'0x1F'"),
        # ...or that YAML syntax would misread
        (">=", "'>='"),
        ("- item", "'- item'"),
        ("a: b", "'a: b'"),
        ("issue#3", "issue#3"),
        ("x #3", "'x #3'"),
        ("ends with:", "'ends with:'"),
        ("leave, pay", "'leave, pay'"),
        ("[draft]", "'[draft]'"),
        (" padded", "' padded'"),
        ("O'Brien, J.", "'O''Brien, J.'"),
        ("two\nlines", '"two\\nlines"'),
        # collections in flow style, mapping keys sorted
        ([], "[]"),
        (["credit", "insurance"], "[credit, insurance]"),
        (
            {"userNotice": True, "explanationAvailable": False},
            "{explanationAvailable: false, userNotice: true}",
        ),
        ({"b": [1, {"d": None, "c": "x"}], "a": {}}, "{a: {}, b: [1, {c: x, d: null}]}"),
        ({"x-team": "ops", "note": "a, b"}, "{note: 'a, b', x-team: ops}"),
        (frozenset({"b", "a"}), "[a, b]"),
        ((), "[]"),
        (_dt.date(2026, 8, 3), "2026-08-03"),
    ],
)
def test_values_are_shown_as_a_manifest_writes_them(value: Any, shown: str) -> None:
    assert show(value) == shown
    assert show(freeze(value)) == shown  # what rules see: frozen documents


def test_long_values_are_cut_short_at_80_characters() -> None:
    value = {"events": [f"event number {i}" for i in range(20)]}
    text = show(value)
    assert len(text) == 80
    assert (
        text == "{events: [event number 0, event number 1, event number 2, event number 3, eve..."
    )


def test_an_item_met_in_a_list_is_shown_by_its_identity() -> None:
    changes = (
        Cursor(("spec", "lifecycle", "changeLog", 2), freeze({"version": "3.0.0"}), "3.0.0"),
    )
    assert show(changes) == "[spec.lifecycle.changeLog[3.0.0]]"


def test_mapping_keys_are_shown_in_the_same_order_in_every_process() -> None:
    # A frozen map iterates in hash order, which PYTHONHASHSEED changes between processes.
    probe = (
        "from pyrsistent import freeze; from aims_policy.trace import flow; "
        "print(flow(freeze({k: 1 for k in 'qwertyuiopasdfgh'})))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert outputs == {"{" + ", ".join(f"{k}: 1" for k in sorted("qwertyuiopasdfgh")) + "}\n"}


# -- explanations, end to end -----------------------------------------------------------------

HELPDESK = """
    apiVersion: aims-policy/v1
    kind: AISystem
    metadata: {name: helpdesk}
    spec:
      owner: {name: Ada, email: ada@example.com}
      purpose: {intendedUse: "Answer staff questions: leave, pay and travel"}
      classification: {riskLevel: low, interactsWithPeople: true}
      lifecycle: {stage: design}
      transparency: {explanationAvailable: false, generatedContentMarked: true}
      risks:
        - {id: R-1, description: "Wrong answer, stated confidently", owner: Bo}
        - {id: R-2, description: Leaks a colleague's pay}
        - {id: R-3, description: "Answers in the wrong language", likelihood: 2, impact: 1, score: 2}
"""


def test_explain_text_of_a_known_manifest(tmp_path: Path) -> None:
    (tmp_path / "helpdesk.yaml").write_text(textwrap.dedent(HELPDESK).lstrip(), encoding="utf-8")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "aims_policy", "check", "helpdesk.yaml", "--no-config"),
            *("--today", "2026-11-22", "--explain", "--why-not", "AIMS-OWN-001"),
            *("--select", "AIMS-TRN-002", "--select", "AIMS-RSK-004", "--select", "AIMS-OWN-001"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    # Each finding: what the rule read and the facts it rested on (with what they read), in the
    # order first met; of a list, only the finding's own item (R-1 and R-3 say nothing of R-2).
    assert done.stdout == textwrap.dedent(
        """\
        helpdesk.yaml:9:3: error AIMS-TRN-002 people interact with this system directly but it is not stated that they are told it is AI; add `transparency.userNotice: true` [A.8.2]
            because: spec.classification.interactsWithPeople = true
            because: interacts_with_people = true
            because: spec.transparency.userNotice = (absent)
            because: spec.transparency = {explanationAvailable: false, generatedContentMarked: true}
        helpdesk.yaml:12:7: error AIMS-RSK-004 risk R-2 has no owner; add `owner:` naming the person responsible for treating it [A.3.2, 6.1.2]
            because: spec.risks = [{description: 'Wrong answer, stated confidently', id: R-1, owner: Bo}, {desc...
            because: has_risks = true
            because: spec.risks[R-2].owner = (absent)
        helpdesk.yaml:13:7: error AIMS-RSK-004 risk R-3 has no owner; add `owner:` naming the person responsible for treating it [A.3.2, 6.1.2]
            because: spec.risks = [{description: 'Wrong answer, stated confidently', id: R-1, owner: Bo}, {desc...
            because: has_risks = true
            because: spec.risks[R-3].owner = (absent)

        helpdesk: AIMS-OWN-001 passed
            because: spec.owner.email = ada@example.com

        1 file, 1 system checked: 3 errors, 0 warnings, 0 notes; rule checks: 0 not applicable, 0 not evaluated
        """
    )


# -- the tracer and its consumers -------------------------------------------------------------

INPUT = {
    "spec": {
        "classification": {"riskLevel": "high"},
        "risks": [{"id": "R-1", "owner": "Bo"}, {"id": "R-2"}],
    }
}


@fact
def high(ctx: Context) -> bool:
    """High-risk systems."""
    return bool(ctx.get("spec.classification.riskLevel") == "high")


@rule(id="T-OWN-1", title="Risks have owners", applies=high, **META)
def owners(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        if not risk.get("owner"):
            yield risk.missing("owner", f"risk {risk.name} has no owner")


@rule(id="T-CAP-1", title="Few risks", applies=high, **META)
def few(ctx: Context) -> Iterator[Violation]:
    if len(ctx.get("spec.risks")) > ctx.param("max"):
        yield ctx.at("spec.risks").fail("too many risks")
        ctx.note("counted after the finding")


def test_one_tracer_feeds_explanations_and_coverage() -> None:
    explanation, coverage = Explanation(), LineCoverage()
    ctx = make_context(INPUT, {"max": 1}, TODAY, tracer=Tee(explanation, coverage))
    outcome = evaluate(owners, ctx)
    assert outcome.status == "failed"
    assert outcome.trace == (
        "spec.classification.riskLevel = high",
        "high = true",
        "spec.risks = [{id: R-1, owner: Bo}, {id: R-2}]",
        "spec.risks[R-1].owner = Bo",
        "spec.risks[R-2].owner = (absent)",
    )
    # the finding at R-2 is not explained by what the rule read of R-1
    assert outcome.explanations == (
        (
            "spec.classification.riskLevel = high",
            "high = true",
            "spec.risks = [{id: R-1, owner: Bo}, {id: R-2}]",
            "spec.risks[R-2].owner = (absent)",
        ),
    )
    # the same events gave the coverage consumer every line of the rule's body (the code's first
    # line is the decorator's, then comes the def)
    code = owners.check.__code__
    body = code.co_firstlineno + 2
    assert coverage.hit[code.co_filename] == {body, body + 1, body + 2}


def test_a_fact_shows_what_it_read_whichever_rule_computed_it() -> None:
    ctx = make_context(INPUT, {"max": 1}, TODAY, trace=True)
    evaluate(owners, ctx)  # computes `high`
    outcome = evaluate(few, ctx)  # uses it from the cache
    assert outcome.trace[:2] == ("spec.classification.riskLevel = high", "high = true")
    # a violation is explained by what the rule had met when it yielded it
    assert outcome.explanations == (
        (
            "spec.classification.riskLevel = high",
            "high = true",
            "spec.risks = [{id: R-1, owner: Bo}, {id: R-2}]",
            "data.max = 1",
        ),
    )
    assert outcome.trace[-1] == "counted after the finding"


def test_trace_and_a_tracer_together() -> None:
    coverage = LineCoverage()
    ctx = make_context(INPUT, {"max": 1}, TODAY, trace=True, tracer=coverage)
    outcome = evaluate(few, ctx)
    assert "data.max = 1" in outcome.trace
    assert few.check.__code__.co_filename in coverage.hit


def test_without_a_tracer_nothing_is_recorded() -> None:
    ctx = make_context(INPUT, {"max": 1}, TODAY)
    assert ctx.tracer is None
    outcome = evaluate(owners, ctx)
    assert outcome.trace == () and outcome.explanations == ()
    # the plain kinds, with nothing to test on each read
    assert type(ctx) is Context
    assert type(next(ctx.each("spec.risks"))) is Cursor


@rule(id="T-DUE-1", title="Reviews are on time", **META)
def on_time(ctx: Context) -> Iterator[Violation]:
    due = ctx.date(ctx.get("spec.nextReview"))
    if due is not None and due < ctx.today:
        yield ctx.at("spec.nextReview").fail("overdue")


def test_a_date_rule_is_explained_by_today_too() -> None:
    # `today` is no part of the manifest or the data, but the verdict rests on it
    ctx = make_context({"spec": {"nextReview": "2026-11-21"}}, {}, TODAY, trace=True)
    assert evaluate(on_time, ctx).explanations == (
        ("spec.nextReview = 2026-11-21", "today = 2026-11-22"),
    )
    assert ctx.today == TODAY


def test_a_tracer_hears_every_event_in_order() -> None:
    heard: list[tuple[Any, ...]] = []

    class Recorder(Tracer):
        def enter_rule(self, rule: Any) -> None:
            heard.append(("enter", rule.id))

        def leave_rule(self, rule: Any) -> None:
            heard.append(("leave", rule.id))

        def enter_fact(self, fact: Any) -> None:
            heard.append(("computing", fact.__name__))

        def leave_fact(self, fact: Any, value: Any) -> None:
            heard.append(("computed", fact.__name__, value))

        def fact(self, fact: Any, value: Any) -> None:
            heard.append(("fact", fact.__name__, value))

        def read(self, path: str, value: Any, item: Any = None) -> None:
            heard.append(("read", path, item))

        def absent(self, path: str, item: Any = None) -> None:
            heard.append(("absent", path, item))

        def param(self, path: str, value: Any) -> None:
            heard.append(("param", path, value))

        def note(self, text: str) -> None:
            heard.append(("note", text))

        def violation(self, violation: Any) -> None:
            heard.append(("violation", violation.message))

    ctx = make_context(INPUT, {"max": 1}, TODAY, tracer=Recorder())
    evaluate(owners, ctx)
    evaluate(few, ctx)
    assert heard == [
        ("enter", "T-OWN-1"),
        ("computing", "high"),
        ("read", "spec.classification.riskLevel", None),
        ("computed", "high", True),
        ("read", "spec.risks", None),
        ("read", "spec.risks[R-1].owner", ("spec", "risks", 0)),
        ("absent", "spec.risks[R-2].owner", ("spec", "risks", 1)),
        ("violation", "risk R-2 has no owner"),
        ("leave", "T-OWN-1"),
        ("enter", "T-CAP-1"),
        ("fact", "high", True),
        ("read", "spec.risks", None),
        ("param", "max", 1),
        ("violation", "too many risks"),
        ("note", "counted after the finding"),
        ("leave", "T-CAP-1"),
    ]


def test_coverage_gives_back_the_previous_tracer_even_when_a_rule_raises() -> None:
    @rule(id="T-ERR-1", title="Raises", **META)
    def broken(ctx: Context) -> Iterator[Violation]:
        raise RuntimeError("boom")
        yield  # a generator, as rules are

    before = sys.gettrace()
    coverage = LineCoverage()
    outcome = evaluate(broken, make_context(INPUT, {}, TODAY, tracer=coverage))
    assert outcome.status == "error"
    assert sys.gettrace() is before
    raised = broken.check.__code__.co_firstlineno + 2  # after the decorator and the def
    assert coverage.hit[broken.check.__code__.co_filename] == {raised}
