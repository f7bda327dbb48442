"""The AI system impact assessment and the EU AI Act fundamental-rights impact assessment
(ISO/IEC 42001 A.5.2-A.5.5; clauses 6.1.4, 8.4; EU AI Act Art. 27)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule
from aims_policy.wording import plural

from .facts import (
    EU,
    FRIA_POINTS,
    add_months,
    affects_individuals,
    annex_iii_area,
    eu_high_risk,
    has_significant_change,
    in_operation,
    is_deployer,
    is_high_risk,
    latest_proposal,
    point_in,
    significant_changes,
)

IA = "spec.impactAssessment"


@fact
def ia_completed(ctx: Context) -> bool:
    """Systems with a completed impact assessment."""
    return bool(ctx.get(f"{IA}.status") == "completed")


@fact
def fria_required(ctx: Context) -> bool:
    """Deployers of EU AI Act high-risk Annex III systems in use that must assess the impact on
    fundamental rights first (Art. 27(1)).

    That is every deployer of a point 5(b) (creditworthiness) or 5(c) (life and health insurance)
    system, and deployers that are bodies governed by public law or private entities providing
    public services (`publicBodyOrService`), for any point but those of critical infrastructure
    (point 2). Decided by the Annex III point and the deployer, never by the wording of the
    intended use; with only the v1 area, AIMS-CLS-002 asks for the point where it decides."""
    if not (is_deployer(ctx) and eu_high_risk(ctx) and in_operation(ctx)):
        return False
    area = annex_iii_area(ctx)
    if not area or area == "critical-infrastructure":
        return False  # Art. 27(1) covers Art. 6(2) systems (Annex III) but point 2
    if point_in(ctx, FRIA_POINTS):
        return True
    return bool(ctx.get(f"{EU}.publicBodyOrService"))


@rule(
    id="AIMS-IMP-001",
    title="Systems that affect people have a completed impact assessment",
    severity="error",
    controls=["A.5.2"],
    clauses=["6.1.4", "8.4"],
    eu_ai_act=[eu("Art. 27", "high"), eu("Art. 9(2)(a)-(b), 9(9)", "medium")],
    nist_ai_rmf=[nist("MAP 1.1"), nist("MAP 3.1"), nist("MAP 3.2"), nist("MAP 5.1")],
    tags=["impact"],
    applies=is_high_risk | affects_individuals,
    rationale="""For a high-risk system, or one whose outputs are used in decisions about people,
        the consequences for those people must be assessed before it is used on them. An
        assessment that is missing, or still open while the system runs, means the system went
        live with its effects on people unknown.""",
    remediation="""Carry out the AI system impact assessment, then set
        `spec.impactAssessment.status: completed` and its `date`.""",
)
def impact_assessment_done(ctx: Context) -> Iterator[Violation]:
    assessment = ctx.get(IA)
    if assessment is None:
        yield ctx.at("spec").missing(
            "impactAssessment",
            "this system affects people but has no impact assessment; add "
            "`impactAssessment:` and complete it before deployment",
        )
        return
    status = assessment.get("status")
    if status != "completed" and in_operation(ctx):
        ctx.note(f"status {status}")
        ctx.note(f"stage {ctx.get('spec.lifecycle.stage')}")
        yield ctx.at(f"{IA}.status").fail(
            f"the impact assessment is {status} while the system "
            "is already deployed; complete it and record its date",
        )
    if status == "completed" and not assessment.get("date"):
        yield ctx.at(IA).missing(
            "date", "the impact assessment is marked completed without a date; add `date:`"
        )


impact_assessment_documented = required(
    {
        f"{IA}.{field}": f"the completed impact assessment has no {field}; add `{field}:` with {what}"
        for field, what in (
            ("documentRef", "the assessment report"),
            ("approver", "who approved it"),
        )
    },
    within=IA,  # the rule applies to a completed assessment only
    id="AIMS-IMP-002",
    name="ImpactAssessmentDocumented",
    title="The impact assessment is documented and approved",
    severity="warning",
    controls=["A.5.3"],
    clauses=["6.1.4", "7.5"],
    eu_ai_act=[eu("Art. 27(1)-(3)", "high"), eu("Annex IV §3", "medium")],
    nist_ai_rmf=[nist("GOVERN 3.2"), nist("GOVERN 5.1"), nist("MANAGE 1.4")],
    tags=["impact", "documentation"],
    applies=ia_completed,
    rationale="""A completed impact assessment that cannot be read, or that nobody with authority
        signed off, cannot be relied on by the people who must act on it, nor shown to an auditor
        or to an authority that asks for it.""",
    remediation="""Add `spec.impactAssessment.documentRef` (the assessment report) and `approver`
        (the person who accepted its conclusions).""",
)


def _scope(ctx: Context, names: tuple[str, ...]) -> Iterator[Violation]:
    scope = ctx.get(f"{IA}.scope")
    if scope is None:
        yield ctx.at(IA).missing(
            "scope",
            f"the impact assessment has no scope; add `scope:` with "
            f"{' and '.join(names)} (assessed, summary)",
        )
        return
    for name in names:
        entry = scope.get(name)
        if entry is None:
            verb = "was" if name == "society" else "were"
            yield ctx.at(f"{IA}.scope").missing(
                name,
                f"the impact assessment does not say whether "
                f"{name} {verb} considered; add `{name}: {{assessed: ..., "
                "summary: ...}`",
            )
        elif not entry.get("assessed") and not entry.get("summary"):
            yield ctx.at(f"{IA}.scope.{name}.assessed").fail(
                f"the impact on {name} was not "
                "assessed and no reason is given; assess it or write in `summary:` "
                "why it does not apply"
            )


@rule(
    id="AIMS-IMP-003",
    title="The impact assessment covers individuals and groups",
    severity="warning",
    controls=["A.5.4"],
    clauses=["6.1.4"],
    eu_ai_act=[eu("Art. 27(1)(c)-(d)", "high"), eu("Art. 9(9)", "medium")],
    nist_ai_rmf=[nist("MAP 1.1"), nist("MAP 3.1"), nist("MEASURE 2.11"), nist("GOVERN 4.2")],
    tags=["impact", "fairness"],
    applies=ia_completed,
    rationale="""Harm to a single person (a wrong decision) and harm to a group (systematic
        disadvantage) are found by different questions. An assessment that skips either, without
        saying why, can miss exactly the harm a fairness or complaints review later finds.""",
    remediation="""In `spec.impactAssessment.scope`, give `individuals` and `groups` each
        `assessed: true` with a summary of the findings, or `assessed: false` with a summary of
        why that scope does not apply.""",
)
def scope_people(ctx: Context) -> Iterator[Violation]:
    yield from _scope(ctx, ("individuals", "groups"))


@rule(
    id="AIMS-IMP-004",
    title="The impact assessment covers society",
    severity="warning",
    controls=["A.5.5"],
    clauses=["6.1.4"],
    eu_ai_act=[eu("Art. 27", "medium"), eu("Art. 9(2)(a)", "low")],
    nist_ai_rmf=[
        nist("MAP 1.1"),
        nist("MAP 3.2"),
        nist("MEASURE 2.11"),
        nist("MEASURE 2.12"),
        nist("GOVERN 4.2"),
    ],
    tags=["impact"],
    applies=ia_completed,
    rationale="""Effects that no single person notices (on the environment, on access to a
        market, on trust in institutions) only appear when someone asks about society as a whole;
        the assessment should show that question was asked.""",
    remediation="""In `spec.impactAssessment.scope`, give `society` either `assessed: true` with a
        summary, or `assessed: false` with a summary of why it does not apply.""",
)
def scope_society(ctx: Context) -> Iterator[Violation]:
    yield from _scope(ctx, ("society",))


@rule(
    id="AIMS-IMP-005",
    title="The impact assessment is not overdue for review",
    severity="warning",
    controls=["A.5.2"],
    clauses=["8.4"],
    eu_ai_act=[eu("Art. 27", "high")],
    nist_ai_rmf=[nist("MEASURE 3.1"), nist("GOVERN 1.5")],
    tags=["impact", "review"],
    applies=ia_completed,
    rationale="""Impact assessments are repeated at planned intervals because the people using and
        affected by a system change. One past its review date (or older than the organisation's
        maximum interval) describes a situation that may no longer exist. The due day itself is
        on time.""",
    remediation="""Review the impact assessment and update `spec.impactAssessment.date` and
        `nextReview` (at most data `reviews.maxIntervalMonths` apart).""",
)
def impact_assessment_current(ctx: Context) -> Iterator[Violation]:
    cap: int = ctx.param("reviews.maxIntervalMonths")
    candidates: list[tuple[_dt.date, str]] = []
    upcoming = ctx.date(ctx.get(f"{IA}.nextReview"))
    if upcoming is not None:
        candidates.append((upcoming, "nextReview"))
    done = ctx.date(ctx.get(f"{IA}.date"))
    if done is not None:
        candidates.append((add_months(done, cap), "date"))
    if not candidates:
        yield ctx.at(IA).missing(
            "nextReview",
            "the impact assessment has neither a date nor a next review; add `nextReview:`",
        )
        return
    due, field = min(candidates, key=lambda c: c[0])
    if ctx.today > due:
        ctx.note(f"today {ctx.today} > due {due}")
        ago = plural((ctx.today - due).days, "day")
        if field == "date" and upcoming is not None:
            # The planned nextReview is later than the cap allows: the due day the reader sees in
            # the manifest is not the one reported, so say where the earlier one comes from.
            text = (
                f"the impact assessment of {done} was due for review {plural(cap, 'month')} "
                f"later, on {due} ({ago} ago): the planned nextReview {upcoming} is beyond the "
                f"longest interval allowed; review it and record the new `date` and a "
                "`nextReview` within that interval"
            )
        else:
            text = (
                f"the impact assessment was due for review on {due} ({ago} ago); review it and "
                "record the new `date` and `nextReview`"
            )
        yield ctx.at(f"{IA}.{field}").fail(text)


@rule(
    id="AIMS-IMP-006",
    title="The impact assessment is redone after a significant change",
    severity="warning",
    controls=["A.5.2"],
    clauses=["8.4", "6.3"],
    eu_ai_act=[eu("Art. 27", "high"), eu("Art. 17(1)(a), Art. 43(4)", "medium")],
    nist_ai_rmf=[nist("MEASURE 3.1")],
    tags=["impact", "change-management"],
    applies=ia_completed & has_significant_change,
    rationale="""A significant change (new data, a new model, new users) can change who is affected
        and how, so its impacts are assessed once it is proposed (ISO/IEC 42001 8.4, 6.1.4), before
        it is released. An impact assessment dated before the latest such change was proposed
        assessed a different system. One dated after the release is accepted: the manifest keeps
        the latest assessment only, which may be a later reassessment. A change recorded with the
        v1 `date` alone cannot be judged (AIMS-GOV-010 says so).""",
    remediation="""Reassess the impacts of the change and update `spec.impactAssessment.date` (on or
        after the change's `proposedOn`, before its release).""",
)
def impact_assessment_after_change(ctx: Context) -> Iterator[Violation]:
    latest = latest_proposal(ctx, significant_changes(ctx))
    assessed = ctx.date(ctx.get(f"{IA}.date"))
    if latest is None or assessed is None:
        # No proposal day: the v1 `date` may be the release, before which the assessment belongs,
        # or the start of work, after which it belongs; nothing to compare it with.
        # An undated assessment is reported by AIMS-IMP-001.
        return
    change, proposed = latest
    if assessed < proposed:
        ctx.note(f"{assessed} < proposedOn {proposed}")
        yield ctx.at(f"{IA}.date").fail(
            f"the impact assessment ({assessed}) predates significant change "
            f"{change.get('version')}, proposed on {proposed}; reassess the impacts of "
            "that change",
        )


@rule(
    id="AIMS-IMP-007",
    title="Deployers that need one have completed and notified a fundamental-rights impact assessment",
    severity="error",
    controls=["A.5.2", "A.5.3"],
    clauses=["6.1.4", "8.4"],
    eu_ai_act=[eu("Art. 27(1)", "high", basis=True), eu("Art. 27(3)", "high", basis=True)],
    nist_ai_rmf=[nist("MAP 1.1"), nist("GOVERN 4.2")],
    tags=["impact", "eu-ai-act", "fundamental-rights"],
    applies=fria_required,
    rationale="""The EU AI Act requires deployers that are public bodies or provide public services
        (for any Annex III high-risk system but critical infrastructure), and every deployer of an
        Annex III 5(b) creditworthiness or 5(c) life and health insurance system, to assess the
        impact on fundamental rights before first use, and to notify the market surveillance
        authority of the results. Using the system without it is a breach of Article 27. The duty
        follows the Annex III point and the deployer, whatever words the intended use is written
        in.""",
    remediation="""Carry out the fundamental-rights impact assessment, then record
        `spec.impactAssessment.fundamentalRights` with `completed: true`, `ref:` (the report) and
        `notifiedOn:` (the date the authority was notified).""",
)
def fundamental_rights(ctx: Context) -> Iterator[Violation]:
    where = f"{IA}.fundamentalRights"
    fria = ctx.get(where)
    if ctx.get(IA) is None:
        yield ctx.at("spec").missing(
            "impactAssessment",
            "a fundamental-rights impact assessment is required (Art. 27) but "
            "there is no impact assessment; add `impactAssessment.fundamentalRights`",
        )
    elif fria is None:
        yield ctx.at(IA).missing(
            "fundamentalRights",
            "a fundamental-rights impact assessment is required (Art. 27) but "
            "none is recorded; add `fundamentalRights:`",
        )
    elif not fria.get("completed"):
        message = (
            "the fundamental-rights impact assessment required by Art. 27 is not "
            "completed; complete it before (further) use"
        )
        if "completed" in fria:
            yield ctx.at(f"{where}.completed").fail(message)
        else:
            yield ctx.at(where).missing("completed", message)
    else:
        for field, what in (
            ("ref", "the assessment report"),
            ("notifiedOn", "the date the market surveillance authority was notified"),
        ):
            if not fria.get(field):
                yield ctx.at(where).missing(
                    field,
                    f"the fundamental-rights impact assessment has no "
                    f"{field}; add `{field}:` with {what}",
                )


@rule(
    id="AIMS-IMP-008",
    title="Every other system in use has an impact assessment proportionate to its risk",
    severity="warning",
    controls=["A.5.2", "A.5.3"],
    clauses=["6.1.4", "8.4"],
    eu_ai_act=[eu("Art. 27", "low")],
    nist_ai_rmf=[nist("MAP 1.1"), nist("MAP 5.1")],
    tags=["impact"],
    applies=in_operation & ~is_high_risk & ~affects_individuals,
    rationale="""ISO/IEC 42001 6.1.4 asks for an impact assessment of every AI system in scope,
        in proportion to what it can do: a public chatbot or a generative assistant that decides
        nothing about anyone can still mislead, offend or leak. AIMS-IMP-001 covers high-risk
        systems and decisions about people; this rule asks the rest for a lighter assessment.""",
    remediation="""Assess the system's possible effects on individuals, groups and society (a
        short assessment fits a low-risk system) and record `impactAssessment:` with `status:
        completed` and its `date`.""",
)
def impact_assessment_proportionate(ctx: Context) -> Iterator[Violation]:
    assessment = ctx.get(IA)
    if assessment is None:
        yield ctx.at("spec").missing(
            "impactAssessment",
            "this system is in use without any impact assessment; assess its effects on "
            "people, even briefly, and add `impactAssessment:`",
        )
    elif assessment.get("status") != "completed":
        ctx.note(f"status {assessment.get('status')}")
        yield ctx.at(f"{IA}.status").fail(
            f"the impact assessment is {assessment.get('status')} while the system is in use; "
            "complete it and set `status: completed`"
        )


#: Risk categories that record an effect on people, the kind an impact assessment finds.
PEOPLE_CATEGORIES = ("fairness", "privacy", "safety", "accountability", "transparency")


@rule(
    id="AIMS-IMP-009",
    title="The impact assessment's findings reach the risk register",
    severity="warning",
    controls=["A.5.2"],
    clauses=["6.1.4", "6.1.2"],
    eu_ai_act=[eu("Art. 9(2)(a)", "low"), eu("Art. 27(1)(d)", "low")],
    nist_ai_rmf=[nist("MAP 5.1"), nist("MANAGE 1.2", "medium")],
    tags=["impact", "risk"],
    applies=ia_completed,
    rationale="""An impact assessment changes nothing unless what it finds is treated: ISO/IEC
        42001 6.1.4 has its results feed the risk assessment. An assessment that found effects
        on individuals or groups, beside a risk register that records no risk to people, was
        filed rather than acted on.""",
    remediation="""Record the impacts the assessment found as risks (category fairness,
        privacy, safety...) and list their ids under `impactAssessment.risks`.""",
)
def impact_assessment_feeds_risks(ctx: Context) -> Iterator[Violation]:
    risks = {r.name: r for r in ctx.each("spec.risks")}
    linked = ctx.get(f"{IA}.risks")
    if linked:
        for index, ref in enumerate(linked):
            if ref not in risks:
                yield ctx.at(("spec", "impactAssessment", "risks", index)).fail(
                    f"the impact assessment lists risk {ref}, which is not in `spec.risks`; "
                    "add the risk or correct the id"
                )
        return
    people = [s for s in ("individuals", "groups") if ctx.get(f"{IA}.scope.{s}.assessed")]
    if not people or not risks:
        return  # nothing found about people; an absent register is AIMS-RSK-001/002's
    if any(r.get("category") in PEOPLE_CATEGORIES for r in risks.values()):
        return
    ctx.note(f"assessed: {', '.join(people)}; no risk in {', '.join(PEOPLE_CATEGORIES)}")
    yield ctx.at(IA).missing(
        "risks",
        f"the impact assessment assessed effects on {' and '.join(people)}, but the risk "
        "register records no risk to people (fairness, privacy, safety...); record what it "
        "found as risks and list them under `risks:`",
    )
