"""Rules declared ``each=`` judge each item of a list on their own, and the engine shows them a
long list a part at a time (``engine.evaluate_all``, for the cache's sake). What they find in
parts must be what they find walking the whole list; a rule that reports anywhere but at an item
is an error, never a quiet finding; facts, applicability and failures stay those of the whole
manifest."""

from __future__ import annotations

import copy
import datetime as _dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import BASE, MANIFESTS, TODAY

from aims_policy import api, data, engine, registry
from aims_policy.engine import (
    Context,
    Outcome,
    Violation,
    evaluate,
    evaluate_all,
    fact,
    make_context,
    rule,
)
from aims_policy.loader import load_bytes

DAY = _dt.date.fromisoformat(TODAY)


def _manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(p for p in MANIFESTS.rglob("*") if p.suffix in (".yaml", ".json")):
        docs.extend(d.data for d in load_bytes(path.read_bytes(), str(path)).documents)
    return docs


def _register(seed: int, count: int) -> dict[str, Any]:
    """The compliant base with ``count`` risks drawn from every bundled manifest's register, each
    with something changed at random (a field dropped, a score or status changed, an unknown
    control or evidence id, a stale review): many findings, spread over the list."""
    pool = [r for doc in _manifests() for r in (doc.get("spec", {}).get("risks") or ())]
    rng = random.Random(seed)
    risks = []
    for n in range(count):
        risk = copy.deepcopy(rng.choice(pool))
        risk["id"] = f"R-{n + 1}"
        treatment = risk.setdefault("treatment", {"option": "mitigate"})
        change = rng.randrange(12)
        if change == 0:
            risk.pop("owner", None)
        elif change == 1:
            risk.pop(rng.choice(("likelihood", "impact")), None)
        elif change == 2:
            risk["score"] = 1 + (risk.get("score") or 0)
        elif change == 3:
            treatment["status"] = rng.choice(("planned", "in-progress", "done"))
        elif change == 4:
            treatment["controls"] = [*treatment.get("controls", ()), "A.6.2.9"]
        elif change == 5:
            treatment["evidence"] = ["E-nowhere"]
        elif change == 6:
            risk["reviewDate"] = "2020-01-01"
        elif change == 7:
            treatment["option"] = "accept"
            risk["likelihood"], risk["impact"] = 5, 5
            risk.pop("score", None)
        elif change == 8:
            risk["acceptance"] = {"approver": "Someone Else", "date": "2026-01-01"}
        elif change == 9:
            risk["owner"] = "Nobody We Know"
        risks.append(risk)
    base = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    base["spec"]["risks"] = risks
    return base


def _rules() -> tuple[engine.Rule, ...]:
    return tuple(r for r in registry.load().rules if "AISystem" in r.meta.kinds)


def _seen(outcome: Outcome) -> tuple[Any, ...]:
    return (outcome.rule.id, outcome.status, outcome.violations, outcome.reason)


class _Counted(engine._Part):
    """The engine's part, counted: a test of parts must fail if none were made."""

    made = 0
    __slots__ = ()

    def __init__(self, *args: Any) -> None:
        type(self).made += 1
        super().__init__(*args)


@pytest.fixture
def parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Counted]]:
    _Counted.made = 0
    monkeypatch.setattr(engine, "_Part", _Counted)
    yield _Counted


def test_the_pack_declares_each_on_its_risk_rules() -> None:
    """The rules that walk the risk register item by item say so (else a register of thousands
    is walked whole by each of them); rules that judge the register as a whole do not."""
    declared = {r.id for r in _rules() if r.each == "spec.risks"}
    assert {"AIMS-RSK-003", "AIMS-RSK-004", "AIMS-RSK-017", "AIMS-OWN-003"} <= declared
    # Whole-register judgements: misuse covered by some risk, controls applied by some risk.
    assert not declared & {"AIMS-RSK-014", "AIMS-RSK-015", "AIMS-RSK-001"}


@pytest.mark.parametrize("size", [1, 3, 7])
def test_parts_find_what_the_whole_list_finds(
    size: int, parts: type[_Counted], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PART", size)
    rules = _rules()
    settings = data.load()
    docs = [*_manifests(), *(_register(seed, 40) for seed in range(4))]
    found = 0
    for doc in docs:
        whole = [evaluate(r, make_context(doc, settings, DAY)) for r in rules]
        in_parts = list(evaluate_all(rules, make_context(doc, settings, DAY)))
        assert [_seen(o) for o in in_parts] == [_seen(o) for o in whole]
        found += sum(len(o.violations) for o in in_parts if o.rule.each)
    assert parts.made > 0
    assert found > 100  # the registers give the declared rules much to find


def test_a_long_register_is_checked_alike_in_parts_and_whole(
    tmp_path: Path, parts: type[_Counted], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the whole pipeline (findings located, recorded, reported): a register longer than
    a part gives the same report as one evaluated whole."""
    count = 3 * engine.PART // 2
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(_register(7, count)), encoding="utf-8")
    parted = api.check([str(path)], today=TODAY, cwd=str(tmp_path))
    assert parts.made == 2
    monkeypatch.setattr(engine, "PART", 10**9)
    whole = api.check([str(path)], today=TODAY, cwd=str(tmp_path))
    assert parted.findings == whole.findings
    assert parted.results == whole.results
    assert len(parted.findings) > count


def _long(count: int = 5) -> Any:
    doc = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    doc["spec"]["risks"] = [{**doc["spec"]["risks"][0], "id": f"R-{n}"} for n in range(count)]
    return doc


def test_a_rule_that_reports_outside_the_items_is_an_error(
    parts: type[_Counted], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One that reports at the list itself, elsewhere in the manifest or in another list does not
    judge each item on its own: what it found in parts would not be what it finds in the whole."""
    monkeypatch.setattr(engine, "PART", 2)
    meta = {"severity": "error", "rationale": "r", "remediation": "m", "each": "spec.risks"}

    @rule(id="T-1", title="At the list", **meta)
    def at_list(ctx: Context) -> Iterator[Violation]:
        if not any(r.get("category") == "nonsense" for r in ctx.each("spec.risks")):
            yield ctx.at("spec.risks").fail("no risk is nonsense")

    @rule(id="T-2", title="At another list", **meta)
    def at_other(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            yield ctx.at(("spec", "evidence", 0)).fail(f"{risk.name}")

    @rule(id="T-3", title="At the item", **meta)
    def at_item(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            yield risk.at("owner").fail(f"{risk.name}")

    doc = _long()
    for check in (at_list, at_other):
        for outcome in (
            evaluate(check, make_context(doc, {}, DAY)),
            *evaluate_all((check,), make_context(doc, {}, DAY)),
        ):
            assert outcome.status == "error"
            assert "each='spec.risks'" in outcome.reason
            assert outcome.violations == ()
    (outcome,) = evaluate_all((at_item,), make_context(doc, {}, DAY))
    assert outcome.status == "failed"
    assert [v.path for v in outcome.violations] == [("spec", "risks", n, "owner") for n in range(5)]
    assert parts.made == 3 * 3  # three rules, five risks in parts of two


def test_a_fact_is_computed_on_the_whole_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fact first asked inside a part is the whole manifest's fact, for that rule and for every
    rule after it."""
    monkeypatch.setattr(engine, "PART", 2)

    @fact
    def risk_count(ctx: Context) -> int:
        """Systems."""
        return sum(1 for _ in ctx.each("spec.risks"))

    meta = {"severity": "error", "rationale": "r", "remediation": "m"}

    @rule(id="T-1", title="Counts in parts", each="spec.risks", **meta)
    def in_parts(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            yield risk.fail(f"{risk_count(ctx)}")

    @rule(id="T-2", title="Counts after", **meta)
    def after(ctx: Context) -> Iterator[Violation]:
        yield ctx.at("spec").fail(f"{risk_count(ctx)}")

    first, second = evaluate_all((in_parts, after), make_context(_long(), {}, DAY))
    assert {v.message for v in first.violations} == {"5"}
    assert len(first.violations) == 5
    assert [v.message for v in second.violations] == ["5"]


def test_applicability_and_failures_are_the_whole_manifests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule that does not apply is not applicable once, with its reason; one that raises on an
    item in a later part is an error, as walking the whole list it would be, and the others are
    still evaluated."""
    monkeypatch.setattr(engine, "PART", 2)
    meta = {"severity": "error", "rationale": "r", "remediation": "m", "each": "spec.risks"}

    @fact
    def never(ctx: Context) -> bool:
        """Systems that are nothing."""
        return False

    @rule(id="T-1", title="Never", applies=never, **meta)
    def not_applicable(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            yield risk.fail("never")

    @rule(id="T-2", title="Breaks at R-3", **meta)
    def breaks(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            if risk.name == "R-3":
                raise ValueError("R-3 is too much")
            yield risk.fail(risk.name)

    @rule(id="T-3", title="Fine", **meta)
    def fine(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            yield risk.fail(risk.name)

    checks = (not_applicable, breaks, fine)
    doc = _long()
    got = list(evaluate_all(checks, make_context(doc, {}, DAY)))
    want = [evaluate(c, make_context(doc, {}, DAY)) for c in checks]
    assert [_seen(o) for o in got] == [_seen(o) for o in want]
    assert [o.status for o in got] == ["not_applicable", "error", "failed"]
    assert "R-3 is too much" in got[1].reason
    assert [v.message for v in got[2].violations] == [f"R-{n}" for n in range(5)]


def test_traced_and_guarded_contexts_evaluate_whole(
    parts: type[_Counted], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--explain traces each rule's whole walk; a manifest with parts the schema rejects reads
    them through its guard: neither is shown in parts."""
    monkeypatch.setattr(engine, "PART", 1)
    rules = [r for r in _rules() if r.each]
    doc = _register(3, 6)
    traced = list(evaluate_all(rules, make_context(doc, data.load(), DAY, trace=True)))
    assert any(o.trace for o in traced)
    guarded = make_context(
        doc, data.load(), DAY, unreadable={("spec", "risks", 2, "owner"): ("x", "not a name")}
    )
    assert type(guarded) is not Context
    list(evaluate_all(rules, guarded))
    assert parts.made == 0


@pytest.mark.parametrize("each", [5, "", "spec..risks", ["spec.risks"]])
def test_each_takes_the_dotted_path_of_a_list(each: Any) -> None:
    with pytest.raises(TypeError, match="each="):
        rule(id="T-1", title="t", severity="error", rationale="r", remediation="m", each=each)(
            lambda ctx: ()
        )


_META = {"severity": "error", "rationale": "r", "remediation": "m", "each": "spec.risks"}


def test_a_rule_that_reaches_other_items_is_an_error_in_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reaching the list another way (a fact that keeps its cursors, ctx.get) and reporting at
    its items, or walking it twice, is not judging each item on its own: shown a part, such a
    rule would report items of other parts again, or mix its reports' order. An error, loudly."""
    monkeypatch.setattr(engine, "PART", 2)

    @fact
    def unowned(ctx: Context) -> tuple[Any, ...]:
        """Systems."""
        return tuple(r for r in ctx.each("spec.risks") if r.get("category") != "nothing")

    @rule(id="T-1", title="Through a fact", **_META)
    def via_fact(ctx: Context) -> Iterator[Violation]:
        for risk in unowned(ctx):
            yield risk.at("owner").fail(risk.name)

    @rule(id="T-2", title="Through get", **_META)
    def via_get(ctx: Context) -> Iterator[Violation]:
        for index, _risk in enumerate(ctx.get("spec.risks")):
            yield ctx.at(("spec", "risks", index)).fail(str(index))

    @rule(id="T-3", title="Twice", **_META)
    def twice(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            yield risk.at("owner").fail(f"first {risk.name}")
        for risk in ctx.each("spec.risks"):
            yield risk.at("impact").fail(f"then {risk.name}")

    doc = _long()
    for check in (via_fact, via_get, twice):
        assert evaluate(check, make_context(doc, {}, DAY)).status == "failed"  # whole: fine
        (outcome,) = evaluate_all((check,), make_context(doc, {}, DAY))
        assert outcome.status == "error", check.id
        assert "each='spec.risks'" in outcome.reason
        assert outcome.violations == ()
    (fact_outcome, get_outcome, twice_outcome) = evaluate_all(
        (via_fact, via_get, twice), make_context(doc, {}, DAY)
    )
    assert "items 0-1" in fact_outcome.reason and "items 0-1" in get_outcome.reason
    assert "2 times" in twice_outcome.reason


def test_the_list_is_parted_only_when_longer_than_a_part(
    parts: type[_Counted], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PART", 5)
    rules = [r for r in _rules() if r.each]
    for count, made in ((5, 0), (6, 2), (11, 3)):
        parts.made = 0
        doc = _register(count, count)
        whole = [evaluate(r, make_context(doc, data.load(), DAY)) for r in rules]
        got = list(evaluate_all(rules, make_context(doc, data.load(), DAY)))
        assert [_seen(o) for o in got] == [_seen(o) for o in whole]
        assert parts.made == made, count


def test_rules_on_two_lists_are_parted_by_their_own_list(
    parts: type[_Counted], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PART", 2)

    @rule(id="T-1", title="Risks", **_META)
    def risks(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            yield risk.at("owner").fail(f"{risk.name} {sum(1 for _ in ctx.each('spec.evidence'))}")

    @rule(id="T-2", title="Evidence", **{**_META, "each": "spec.evidence"})
    def evidence(ctx: Context) -> Iterator[Violation]:
        for entry in ctx.each("spec.evidence"):
            yield entry.fail(f"{entry.name} {sum(1 for _ in ctx.each('spec.risks'))}")

    doc = _long()
    doc["spec"]["evidence"] = [{**doc["spec"]["evidence"][0], "id": f"E-{n}"} for n in range(3)]
    whole = [evaluate(r, make_context(doc, {}, DAY)) for r in (risks, evidence)]
    got = list(evaluate_all((risks, evidence), make_context(doc, {}, DAY)))
    assert [_seen(o) for o in got] == [_seen(o) for o in whole]
    # Each rule saw the other list whole: five risks in three parts, three entries in two.
    assert {v.message.split()[1] for v in got[0].violations} == {"3"}
    assert {v.message.split()[1] for v in got[1].violations} == {"5"}
    assert parts.made == 3 + 2


def test_a_condition_that_raises_is_the_whole_manifests_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "PART", 2)

    def broken(ctx: Context) -> bool:
        raise KeyError("no such thing")

    @rule(id="T-1", title="Broken condition", applies=broken, **_META)
    def check(ctx: Context) -> Iterator[Violation]:
        yield from ()

    (got,) = evaluate_all((check,), make_context(_long(), {}, DAY))
    assert _seen(got) == _seen(evaluate(check, make_context(_long(), {}, DAY)))
    assert got.status == "error" and "no such thing" in got.reason


def test_fixtures_catch_a_rule_that_compares_items(tmp_path: Path) -> None:
    """A rule declared each= whose verdict on a risk depends on the other risks passes its own
    cases walking the whole list; shown the list one item at a time (what a long register
    gets), it finds something else: the fixtures fail, naming the declaration."""
    from aims_policy.fixtures import run_file

    @rule(id="T-1", title="Owners with one risk", **_META)
    def one_each(ctx: Context) -> Iterator[Violation]:
        owners = set()
        for risk in ctx.each("spec.risks"):
            if risk.get("owner") in owners:
                yield risk.at("owner").fail(f"{risk.get('owner')} owns an earlier risk too")
            owners.add(risk.get("owner"))

    @rule(id="T-2", title="Owners named", **_META)
    def named(ctx: Context) -> Iterator[Violation]:
        for risk in ctx.each("spec.risks"):
            if not risk.get("owner"):
                yield risk.missing("owner", "no owner")

    (tmp_path / "base.yaml").write_text(yaml.safe_dump(_long(2)), encoding="utf-8")
    cases = {
        "base": "base.yaml",
        "today": TODAY,
        "cases": [
            {"rule": "T-1", "expect": {"fail": ["spec.risks[R-1].owner"]}},
            {
                "rule": "T-2",
                "unset": ["spec.risks[R-1].owner"],
                "expect": {"fail": ["spec.risks[R-1].owner"]},
            },
        ],
    }
    fixture = tmp_path / "t.fixtures.yaml"
    fixture.write_text(yaml.safe_dump(cases), encoding="utf-8")
    compares, fine = run_file(fixture, {"T-1": one_each, "T-2": named}, {})
    assert not compares.ok
    assert "each='spec.risks'" in compares.detail
    assert fine.ok, fine.detail
