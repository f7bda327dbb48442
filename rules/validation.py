"""Verification and validation before release: metrics against thresholds set in advance,
freshness, robustness and security testing, release approval (ISO/IEC 42001 A.6.2.4, A.6.2.5;
EU AI Act Art. 9, 15)."""

from __future__ import annotations

import datetime as _dt
import operator
from collections.abc import Callable, Iterator

from aims_policy.engine import Context, Cursor, Violation, eu, fact, nist, rule

from .facts import (
    change_dates,
    due_by,
    in_house,
    in_operation,
    interacts_with_people,
    is_generative,
    is_high_risk,
    latest_proposal,
    processes_personal_data,
    significant_changes,
)

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}

_A624_NIST = [
    nist("GOVERN 4.3"),
    nist("MAP 2.3"),
    nist("MEASURE 1.2"),
    nist("MEASURE 2.1"),
    nist("MEASURE 2.2"),
    nist("MEASURE 2.5"),
    nist("MEASURE 2.6"),
    nist("MEASURE 2.13"),
    nist("MEASURE 4.1"),
    nist("MANAGE 1.1"),
    nist("MANAGE 2.2"),
    nist("MANAGE 4.2"),
]


@fact
def validated_stage(ctx: Context) -> bool:
    """Systems in validation, deployment or operation."""
    return ctx.get("spec.lifecycle.stage") in ("validation", "deployment", "operation")


@fact
def has_measured_metrics(ctx: Context) -> bool:
    """Systems with validation metrics."""
    return bool(ctx.get("spec.validation.metrics"))


@fact
def generative_or_general_purpose(ctx: Context) -> bool:
    """Generative AI systems and systems built on a general-purpose model."""
    return is_generative(ctx) or bool(ctx.get("spec.classification.generalPurposeModel"))


@rule(
    id="AIMS-VAL-001",
    title="Validation defines metrics with thresholds and records their results",
    severity="error",
    controls=["A.6.2.4"],
    eu_ai_act=[
        eu("Art. 9(6)-(8)", "high"),
        eu("Art. 15(1)-(3)", "high"),
        eu("Annex IV §2(g)", "high"),
    ],
    nist_ai_rmf=_A624_NIST,
    tags=["validation", "eu-ai-act"],
    applies=validated_stage,
    rationale="""A system is only validated against criteria fixed beforehand: metrics with
        thresholds say what "good enough" means, and recorded results show whether it was
        reached. Without them a release decision rests on impressions.""",
    remediation="""Under `validation.metrics` list each metric with `threshold`, `comparison` and
        the measured `result` (and the `dataset` it was measured on).""",
)
def validation_metrics(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.validation.metrics"):
        yield ctx.at("spec").missing(
            "validation.metrics",
            "the system is validated or in use but no validation metrics "
            "with thresholds are declared; add `validation.metrics:`",
        )
        return
    for metric in ctx.each("spec.validation.metrics"):
        if metric.get("result") is None:
            yield metric.missing(
                "result",
                f"validation metric {metric.name} has a threshold but no measured "
                "result; add `result:`",
            )


@rule(
    id="AIMS-VAL-002",
    title="Every measured validation result meets its threshold",
    severity="error",
    controls=["A.6.2.4"],
    eu_ai_act=[
        eu("Art. 9(6)-(8)", "high"),
        eu("Art. 15(1)-(3)", "high"),
        eu("Art. 17(1)(d)", "high"),
    ],
    nist_ai_rmf=_A624_NIST,
    tags=["validation", "eu-ai-act"],
    applies=has_measured_metrics,
    rationale="""A result that misses the acceptance threshold means the system does not do what
        was required of it; releasing or keeping it in use needs the metric fixed, or an
        explicit, approved exception.""",
    remediation="""Improve the system until the metric meets its threshold and record the new
        result, or record an approved exception for this rule and metric.""",
)
def validation_thresholds(ctx: Context) -> Iterator[Violation]:
    for metric in ctx.each("spec.validation.metrics"):
        result, threshold, op = (
            metric.get("result"),
            metric.get("threshold"),
            metric.get("comparison"),
        )
        if result is None or op not in COMPARE:
            continue
        if not COMPARE[op](result, threshold):
            ctx.note(f"not {result} {op} {threshold}")
            yield metric.at("result").fail(
                f"validation metric {metric.name} measured {result}, which "
                f"misses its threshold ({op} {threshold}); improve the system "
                "and re-measure, or record an approved exception",
            )


@rule(
    id="AIMS-VAL-003",
    title="Validation is recent and follows the last significant change",
    severity="warning",
    controls=["A.6.2.4"],
    eu_ai_act=[eu("Art. 9(6)-(8)", "high"), eu("Art. 15(1)-(3)", "high")],
    nist_ai_rmf=_A624_NIST,
    tags=["validation"],
    applies=in_operation,
    rationale="""Results from a validation older than the review interval, or from before the
        latest significant change was proposed, describe a different system from the one in use.
        A change is validated between its proposal and its release; a validation dated after the
        release is accepted, since the manifest keeps the latest one only, which may be a later
        re-validation. A change recorded with the v1 `date` alone cannot be judged
        (AIMS-GOV-010 says so).""",
    remediation="""Re-validate the system and set `validation.lastValidated:` to the date; do so
        for every significant change (after its `proposedOn`, before its release) and at least
        once per review interval.""",
)
def validation_fresh(ctx: Context) -> Iterator[Violation]:
    last = ctx.get("spec.validation.lastValidated")
    day = ctx.date(last)
    if day is None:
        yield ctx.at("spec").missing(
            "validation.lastValidated",
            "the system is in use but the date of its last validation is "
            "not recorded; add `validation.lastValidated:`",
        )
        return
    due = due_by(ctx, last)
    if due is not None and due < ctx.today:
        ctx.note(f"due {due} < today {ctx.today}")
        yield ctx.at("spec.validation.lastValidated").fail(
            f"the system was last validated on "
            f"{day}; re-validation was due by {due}; re-validate and update "
            "`lastValidated:`",
        )
    latest = latest_proposal(ctx, significant_changes(ctx))
    if latest is not None and latest[1] > day:
        change, proposed = latest
        ctx.note(f"proposedOn {proposed} > lastValidated {day}")
        yield ctx.at("spec.validation.lastValidated").fail(
            f"the system was last validated on {day}, before the significant change "
            f"{change.get('version')} proposed on {proposed}; re-validate the changed system",
        )


def _dated_latest(ctx: Context, tests: list[Cursor]) -> Cursor | None:
    dated = [t for t in tests if ctx.date(t.get("date")) is not None]
    return max(dated, key=lambda t: ctx.date(t.get("date")) or _dt.date.min) if dated else None


def _judge_tests(ctx: Context, tests: list[Cursor], kind: str) -> Iterator[Violation]:
    """The newest dated test of a kind must have passed and be within the review interval."""
    latest = _dated_latest(ctx, tests)
    if latest is None:
        yield tests[0].missing(
            "date",
            f"{kind} test {tests[0].name} has no date, so it cannot be told "
            "whether it is current; add `date:`",
        )
        return
    if latest.get("result") != "pass":
        result = latest.get("result")
        if result is None:
            yield latest.missing(
                "result", f"{kind} test {latest.name} records no result; add `result:`"
            )
        else:
            yield latest.at("result").fail(
                f"the latest {kind} test, {latest.name}, did not pass "
                f"(result: {result}); fix the findings and re-test"
            )
    due = due_by(ctx, latest.get("date"))
    if due is not None and due < ctx.today:
        ctx.note(f"due {due} < today {ctx.today}")
        yield latest.at("date").fail(
            f"the latest {kind} test, {latest.name}, dates from "
            f"{latest.get('date')} and was due again by {due}; re-test",
        )


@rule(
    id="AIMS-VAL-004",
    title="A high-risk system is tested for robustness",
    severity="error",
    controls=["A.6.2.4"],
    eu_ai_act=[
        eu("Art. 15(1)-(3)", "high"),
        eu("Art. 9(6)-(8)", "high"),
        eu("Annex IV §2(g)", "high"),
    ],
    nist_ai_rmf=_A624_NIST,
    tags=["validation", "robustness", "eu-ai-act"],
    applies=is_high_risk & validated_stage & in_house,
    rationale="""A system rated high, by the organisation or by the EU AI Act (whose Art. 15 asks
        it of high-risk systems), must keep performing under errors, unusual inputs and shifts in
        the data it meets; only tests for those conditions, recent and passed, show that it
        does. Whoever builds the system runs them: a deployer of a bought system relies on its
        provider's (Art. 15, 16(a)), checks them when it assesses the supplier (AIMS-SUP-001) and
        validates the system for its own use (AIMS-VAL-001).""",
    remediation="""Run robustness tests (distribution shift, adversarial, stress) and record each
        under `validation.robustnessTests` with `type`, `date`, `result` and `ref`.""",
)
def robustness_tests(ctx: Context) -> Iterator[Violation]:
    tests = list(ctx.each("spec.validation.robustnessTests"))
    if not tests:
        yield ctx.at("spec").missing(
            "validation.robustnessTests",
            "this high-risk system records no robustness tests; test it "
            "and add `validation.robustnessTests:`",
        )
        return
    yield from _judge_tests(ctx, tests, "robustness")


@rule(
    id="AIMS-VAL-005",
    title="Generative and general-purpose AI systems pass current security tests",
    severity="error",
    controls=["A.6.2.4"],
    eu_ai_act=[eu("Art. 15(1)-(3)", "high"), eu("Art. 9(6)-(8)", "high")],
    nist_ai_rmf=_A624_NIST,
    tags=["security", "generative-ai", "validation", "eu-ai-act"],
    applies=generative_or_general_purpose,
    rationale="""Language models can be steered by instructions hidden in their input (prompt
        injection), talked out of their safeguards (jailbreak), or made to reveal data they can
        see (data leakage). Each must be tested before release and again as models change.""",
    remediation="""Record under `validation.securityTests` a dated, passing `prompt-injection`
        test, plus `jailbreak` when people interact with the system and `data-leakage` when it
        sees personal data or retrieves documents; re-test within the review interval.""",
)
def security_tests(ctx: Context) -> Iterator[Violation]:
    required = ["prompt-injection"]
    if interacts_with_people(ctx):
        required.append("jailbreak")
    if processes_personal_data(ctx) or any(
        ds.get("purpose") == "retrieval" for ds in ctx.get("spec.dataSources", ())
    ):
        required.append("data-leakage")
    ctx.note(f"required security tests: {required}")
    tests = list(ctx.each("spec.validation.securityTests"))
    for kind in required:
        of_kind = [t for t in tests if t.get("type") == kind]
        if not of_kind:
            if tests:
                yield ctx.at("spec.validation.securityTests").fail(
                    f"no {kind} test is recorded; run one and add it with `type: {kind}`"
                )
            else:
                yield ctx.at("spec").missing(
                    "validation.securityTests",
                    f"no {kind} test is recorded; run one and add it "
                    f"under `validation.securityTests` with `type: {kind}`",
                )
            continue
        yield from _judge_tests(ctx, of_kind, kind)


def _running_change(ctx: Context) -> Cursor | None:
    """The change log entry of the version in use (`metadata.version`), if there is one."""
    version = ctx.get("metadata.version")
    if version is None:
        return None
    return next(
        (c for c in ctx.each("spec.lifecycle.changeLog") if c.get("version") == version), None
    )


@rule(
    id="AIMS-VAL-006",
    title="The release in use was approved after validation and before release",
    severity="error",
    controls=["A.6.2.5"],
    eu_ai_act=[
        eu("Art. 16, 43, 47, 48, 49", "medium"),
        eu("Art. 26(1)", "medium"),
        eu("Art. 17(1)(a)", "low"),
    ],
    nist_ai_rmf=[nist("MEASURE 2.5"), nist("MEASURE 2.9")],
    tags=["deployment"],
    applies=in_operation,
    rationale="""Deployment is a decision someone must take, on the basis of the validation
        results, before the release goes into use, and be answerable for; an approval without a
        name or date, dated before the validation it relies on, or after the release it should
        have allowed, is not that decision. A validation dated after the release is a later
        re-validation, which the approval did not rest on; a release day known only from the v1
        `date` is not compared with the approval (docs/lifecycle.md).""",
    remediation="""Record the approval of the version in use on its change log entry
        (`approvedOn`, `approvedBy`; or, in the v1 form, `validation.releaseApproval` with
        `approver` and `date`), on or after `validation.lastValidated` and no later than the
        release.""",
)
def release_approval(ctx: Context) -> Iterator[Violation]:
    running = _running_change(ctx)
    # Each approval recorded for the release in use: where it is, its approver and date fields.
    approvals: list[tuple[Cursor, str, str, str]] = []
    if running is not None and (running.get("approvedOn") or running.get("approvedBy")):
        approvals.append((running, "approvedBy", "approvedOn", f"change {running.name}"))
    if ctx.get("spec.validation.releaseApproval") is not None:
        approvals.append(
            (ctx.at("spec.validation.releaseApproval"), "approver", "date", "the release")
        )
    if not approvals:
        yield ctx.at("spec").missing(
            "validation.releaseApproval",
            "the system is deployed but no release approval is recorded; add `approvedOn:` "
            "and `approvedBy:` to the change log entry of the version in use (or "
            "`validation.releaseApproval:` with approver and date)",
        )
        return
    validated = ctx.date(ctx.get("spec.validation.lastValidated"))
    dates = change_dates(ctx, running.value) if running is not None else None
    released = dates.released if dates is not None else None
    if validated is not None and released is not None and validated > released:
        ctx.note(f"lastValidated {validated} > release {released}: a later re-validation")
        validated = None
    for place, who, when, what in approvals:
        value = running.value if place is running else ctx.get("spec.validation.releaseApproval")
        if not value.get(who):
            yield place.missing(
                who, f"the approval of {what} does not name who approved it; add `{who}:`"
            )
        day = ctx.date(value.get(when))
        if day is None:
            yield place.missing(when, f"the approval of {what} is not dated; add `{when}:`")
            continue
        if day > ctx.today:
            yield place.at(when).fail(
                f"the approval of {what} is dated {day}, in the future; record the date it "
                "was actually given"
            )
        elif validated is not None and day < validated:
            ctx.note(f"{day} < lastValidated {validated}")
            yield place.at(when).fail(
                f"{what} was approved on {day}, before the validation of {validated} it "
                "should rest on; approve the validated release again",
            )
        # The change's own approval and release are put in order by AIMS-GOV-009.
        if running is None or place is running or dates is None or dates.single:
            continue
        if released is not None and day > released:
            ctx.note(f"{day} > release {released}")
            yield place.at(when).fail(
                f"the release in use ({running.name}) was approved on {day}, after it was "
                f"released on {released}; approve a release before it goes into use",
            )
