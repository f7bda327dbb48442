"""The organisation manifest (kind: AIManagementSystem): the AI management system as a whole, the
records no single system's manifest holds (ISO/IEC 42001 clauses 4 to 10, A.2.4, A.3.2, A.4.6,
and the Statement of Applicability decisions of 6.1.3).

Every interval is a data-document parameter under ``organisation`` (``policyReviewMonths``,
``auditCycleMonths``...); a date due on day D is on time on D and late on D+1, as for systems."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aims_policy.engine import Context, Cursor, Violation, eu, nist, required, rule

from .facts import due_by

ORG = ["AIManagementSystem"]

#: What a management review must consider (ISO/IEC 42001 9.3.2 a-e), as the schema's words.
REVIEW_INPUTS = (
    "previous-actions",
    "context-changes",
    "interested-parties",
    "performance",
    "nonconformities",
    "monitoring-results",
    "audit-results",
    "improvement-opportunities",
)

#: The clauses an audit programme covers (4 to 10), each with its sub-clauses.
CLAUSES = ("4", "5", "6", "7", "8", "9", "10")


def _late(ctx: Context, last: Any, months_param: str) -> tuple[str, Any] | None:
    """(due day, months) when ``last`` plus the interval is before today, else None."""
    months = ctx.param(months_param)
    due = due_by(ctx, last, months)
    if due is None or due >= ctx.today:
        return None
    ctx.note(f"{last} + {months} months = {due} < today {ctx.today}")
    return due.isoformat(), months


def _latest(ctx: Context, path: str) -> Cursor | None:
    """The item of the list at ``path`` with the latest ``date`` (the first among equals)."""
    best: Cursor | None = None
    for item in ctx.each(path):
        day = ctx.date(item.get("date"))
        if day is not None and (best is None or day > ctx.date(best.get("date"))):  # type: ignore[operator]
            best = item
    return best


# -- the AI policy (5.2, A.2.2, A.2.4) ----------------------------------------------------------


@rule(
    id="AIMS-ORG-001",
    title="The AI policy is not past its review date",
    severity="error",
    controls=["A.2.4"],
    clauses=["5.2"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 17(1)(a)", "low")],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("GOVERN 1.2")],
    tags=["governance"],
    rationale="""The AI policy sets the direction every system follows; once its planned review
        date has passed, nobody has confirmed that it still fits the organisation's strategy,
        its legal duties and the AI it uses (ISO/IEC 42001 A.2.4).""",
    remediation="""Review the policy, have top management approve it (a new `version`,
        `approvedOn` and `approvedBy`) and set its `nextReview`.""",
)
def policy_review_due(ctx: Context) -> Iterator[Violation]:
    next_review = ctx.date(ctx.get("spec.policy.nextReview"))
    if next_review is not None and next_review < ctx.today:
        ctx.note(f"nextReview {next_review} < today {ctx.today}")
        yield ctx.at("spec.policy.nextReview").fail(
            f"the AI policy (version {ctx.get('spec.policy.version')}) was due for review on "
            f"{next_review}; review it, record the approval (`approvedOn`, `approvedBy`) and the "
            "next review date"
        )


@rule(
    id="AIMS-ORG-002",
    title="The AI policy's next review is planned within the policy review interval",
    severity="warning",
    controls=["A.2.4"],
    clauses=["5.2"],
    kinds=ORG,
    nist_ai_rmf=[nist("GOVERN 1.1")],
    tags=["governance"],
    rationale="""A review date far in the future is a review that is not planned. The data
        document's `organisation.policyReviewMonths` is the longest the organisation lets its
        AI policy go unreviewed.""",
    remediation="""Set `policy.nextReview` at most `organisation.policyReviewMonths` after
        `policy.approvedOn`.""",
)
def policy_review_interval(ctx: Context) -> Iterator[Violation]:
    months = ctx.param("organisation.policyReviewMonths")
    due = due_by(ctx, ctx.get("spec.policy.approvedOn"), months)
    planned = ctx.date(ctx.get("spec.policy.nextReview"))
    if due is not None and planned is not None and planned > due:
        ctx.note(f"nextReview {planned} > approvedOn + {months} months = {due}")
        yield ctx.at("spec.policy.nextReview").fail(
            f"the next review of the AI policy ({planned}) is more than {months} months after "
            f"its approval; plan it by {due}"
        )


# -- context, interested parties, scope (4.1, 4.2, 4.3) -----------------------------------------


@rule(
    id="AIMS-ORG-003",
    title="The context analysis is recorded and current",
    severity="warning",
    clauses=["4.1"],
    kinds=ORG,
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 1.3"), nist("MAP 1.4")],
    tags=["governance"],
    rationale="""The issues inside and outside the organisation (law, market, technology,
        skills) decide what the AIMS must achieve; an analysis that is not reviewed misses new
        obligations such as the EU AI Act's.""",
    remediation="""Reference the analysis as `context.analysisRef` and review it at least every
        `organisation.contextReviewMonths` (`context.reviewedOn`).""",
)
def context_current(ctx: Context) -> Iterator[Violation]:
    context = ctx.get("spec.context")
    if not context:
        yield ctx.at("spec").missing(
            "context", "the organisation's context is not recorded; add `context:` with "
            "`analysisRef` and `reviewedOn`"
        )  # fmt: skip
        return
    where = ctx.at("spec.context.reviewedOn")
    late = _late(ctx, context.get("reviewedOn"), "organisation.contextReviewMonths")
    if late:
        yield where.fail(
            f"the context analysis was last reviewed on {context.get('reviewedOn')}, more than "
            f"{late[1]} months ago (due {late[0]}); review it and update `reviewedOn`"
        )


@rule(
    id="AIMS-ORG-004",
    title="Interested parties are recorded with their requirements and how they are addressed",
    severity="warning",
    clauses=["4.2"],
    kinds=ORG,
    nist_ai_rmf=[nist("GOVERN 5.1"), nist("MAP 1.1")],
    tags=["governance"],
    rationale="""Customers, regulators, staff and affected people each expect something of the
        organisation's AI; a requirement that is recorded but addressed by nothing is a
        requirement the AIMS ignores (ISO/IEC 42001 4.2).""",
    remediation="""List the interested parties under `interestedParties`, each with its
        `requirements` and `addressedThrough` (the process, control or policy that meets
        them).""",
)
def interested_parties(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.interestedParties"):
        yield ctx.at("spec").missing(
            "interestedParties",
            "no interested parties are recorded; add `interestedParties:` with each party's "
            "requirements",
        )
        return
    for party in ctx.each("spec.interestedParties"):
        if not party.get("addressedThrough"):
            yield party.missing(
                "addressedThrough",
                f"interested party {party.name} has requirements but nothing says how the AIMS "
                "addresses them; add `addressedThrough:`",
            )


@rule(
    id="AIMS-ORG-005",
    title="A system managed elsewhere is one of the systems in scope",
    severity="error",
    clauses=["4.3"],
    kinds=ORG,
    nist_ai_rmf=[nist("MAP 3.3"), nist("GOVERN 1.6")],
    tags=["inventory"],
    rationale="""`managedElsewhere` explains why a system in scope has no manifest among these
        files; a system listed there but not in `scope.systems` is either outside the AIMS or
        missing from its inventory.""",
    remediation="""Add the system to `scope.systems`, or remove it from
        `scope.managedElsewhere` if it is not in scope.""",
)
def managed_elsewhere_in_scope(ctx: Context) -> Iterator[Violation]:
    in_scope = set(ctx.get("spec.scope.systems") or ())
    for item in ctx.each("spec.scope.managedElsewhere"):
        if item.get("name") not in in_scope:
            yield item.at("name").fail(
                f"system {item.get('name')} is declared managed elsewhere but is not in "
                "`scope.systems`; add it there or remove this entry"
            )


# -- roles, authorities, risk criteria, objectives (5.3, 6.1, 6.2) -----------------------------


@rule(
    id="AIMS-ORG-006",
    title="AIMS roles and the authority to accept high risks and approve waivers are assigned",
    severity="error",
    controls=["A.3.2"],
    clauses=["5.3"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 17(1)(m)", "high")],
    nist_ai_rmf=[nist("GOVERN 2.1"), nist("GOVERN 2.3")],
    tags=["accountability"],
    rationale="""Top management assigns who runs the AIMS and who may accept risk on the
        organisation's behalf (5.3). Without a named authority for the high risk levels and for
        waivers, whoever signs decides, and the system rules fall back to generic role words.""",
    remediation="""List `roles` (with holders and responsibilities) and `authorities`: who may
        accept risks of each of the data document's `risk.highRiskLevels`
        (`riskAcceptance.<level>`) and who may approve waivers (`waiverApproval`).""",
)
def roles_and_authorities(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.roles"):
        yield ctx.at("spec").missing(
            "roles", "no AIMS roles are assigned; add `roles:` with holders and responsibilities"
        )
    if not ctx.get("spec.authorities"):
        yield ctx.at("spec").missing(
            "authorities",
            "nobody is named with the authority to accept risks or approve waivers; add "
            "`authorities:` with `riskAcceptance` and `waiverApproval`",
        )
        return
    for level in ctx.param("risk.highRiskLevels"):
        if not ctx.get(f"spec.authorities.riskAcceptance.{level}"):
            yield ctx.at("spec.authorities").missing(
                f"riskAcceptance.{level}",
                f"nobody is named with the authority to accept risks of {level}-risk systems; "
                f"add `riskAcceptance.{level}:` with the roles or names",
            )
    if not ctx.get("spec.authorities.waiverApproval"):
        yield ctx.at("spec.authorities").missing(
            "waiverApproval",
            "nobody is named with the authority to approve waivers; add `waiverApproval:`",
        )


@rule(
    id="AIMS-ORG-007",
    title="The documented risk criteria are the ones the checks apply",
    severity="error",
    clauses=["6.1.1", "6.1.2"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 9(2)", "low")],
    nist_ai_rmf=[nist("GOVERN 1.3"), nist("MAP 1.5"), nist("MEASURE 1.1")],
    tags=["risk"],
    rationale="""Risk criteria make risk assessments comparable (6.1.1, 6.1.2). When the appetite
        and treatment threshold documented for the AIMS differ from those the system rules
        apply (the data document), every system is judged against criteria nobody approved.""",
    remediation="""Record `riskCriteria` (`ref`, `appetite`, `treatmentThreshold`) and make the
        data document's `risk.appetite` and `risk.treatmentThreshold` the same values.""",
)
def risk_criteria(ctx: Context) -> Iterator[Violation]:
    criteria = ctx.get("spec.riskCriteria")
    if not criteria:
        yield ctx.at("spec").missing(
            "riskCriteria",
            "the risk criteria are not recorded; add `riskCriteria:` with `ref`, `appetite` "
            "and `treatmentThreshold`",
        )
        return
    for field, param in (("appetite", "risk.appetite"), ("treatmentThreshold", "risk.treatmentThreshold")):  # fmt: skip
        documented, applied = criteria.get(field), ctx.param(param)
        if documented != applied:
            ctx.note(f"riskCriteria.{field} {documented} != {param} {applied}")
            yield ctx.at(f"spec.riskCriteria.{field}").fail(
                f"the documented risk {field} is {documented} but the checks apply {applied} "
                f"(data document `{param}`); make them the same"
            )
    if criteria.get("appetite", 0) >= criteria.get("treatmentThreshold", 26):
        yield ctx.at("spec.riskCriteria.appetite").fail(
            f"the risk appetite ({criteria.get('appetite')}) is not below the treatment "
            f"threshold ({criteria.get('treatmentThreshold')}): risks the organisation must "
            "treat would count as acceptable; lower the appetite"
        )


@rule(
    id="AIMS-ORG-008",
    title="AIMS objectives are set, measured and followed up",
    severity="warning",
    clauses=["6.2"],
    kinds=ORG,
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 1.3")],
    tags=["governance"],
    rationale="""Objectives turn the AI policy into measurable results (6.2); an objective whose
        date has passed without being marked achieved or missed is one nobody followed up.""",
    remediation="""List `objectives`, each with a `measure`, an `owner` and a `due` date, and
        mark each as `achieved` or `missed` once its date has passed.""",
)
def objectives(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.objectives"):
        yield ctx.at("spec").missing(
            "objectives", "no AIMS objectives are set; add `objectives:` with measures and owners"
        )
        return
    for objective in ctx.each("spec.objectives"):
        due = ctx.date(objective.get("due"))
        if due is not None and due < ctx.today and objective.get("status") not in ("achieved", "missed"):  # fmt: skip
            ctx.note(f"due {due} < today {ctx.today}")
            yield objective.at("due").fail(
                f"objective {objective.name} was due on {due} and is not marked achieved or "
                "missed; evaluate it and set `status:` (and a new objective if it goes on)"
            )


# -- support: resources, competence, awareness, communication (7.1-7.4) ------------------------

resources_plan = required(
    "spec.resources.planRef",
    "the resources the AIMS needs are not planned; add `resources.planRef:`",
    id="AIMS-ORG-009",
    name="AimsResources",
    title="The resources of the AIMS are planned",
    severity="warning",
    controls=["A.4.2"],
    clauses=["7.1"],
    kinds=ORG,
    nist_ai_rmf=[nist("GOVERN 2.1"), nist("MANAGE 2.1")],
    tags=["resources"],
    rationale="""People, time, tooling and budget for running the AIMS must be determined and
        provided (7.1); a management system without resources exists on paper only.""",
    remediation="Reference the resource plan as `resources.planRef`.",
)


@rule(
    id="AIMS-ORG-010",
    title="The competence AIMS roles need is defined and verified",
    severity="warning",
    controls=["A.4.6"],
    clauses=["7.2"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 4", "medium")],
    nist_ai_rmf=[nist("GOVERN 2.2"), nist("GOVERN 3.2"), nist("MAP 3.4")],
    tags=["competence"],
    rationale="""The people who run, audit and oversee AI must be competent, and the
        organisation must keep evidence of it (7.2, A.4.6); a requirement for a role nobody
        defined, or evidence that is years old, shows neither.""",
    remediation="""List `competence` requirements for roles in `roles`, each with evidence and a
        `verifiedOn` date within `organisation.competenceReviewMonths`.""",
)
def competence(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.competence"):
        yield ctx.at("spec").missing(
            "competence",
            "the competence AIMS roles need is not defined; add `competence:` with evidence",
        )
        return
    roles = {r.get("id") for r in ctx.get("spec.roles") or ()}
    for item in ctx.each("spec.competence"):
        if item.get("role") not in roles:
            yield item.at("role").fail(
                f"competence requirement {item.name} is for role {item.get('role')}, which `roles` does not "
                "define; name a role id from `roles`"
            )
        late = _late(ctx, item.get("verifiedOn"), "organisation.competenceReviewMonths")
        if late:
            yield item.at("verifiedOn").fail(
                f"competence {item.name} of role {item.get('role')} was last verified on "
                f"{item.get('verifiedOn')}, more than {late[1]} months ago; verify it again"
            )


@rule(
    id="AIMS-ORG-011",
    title="Staff awareness of the AI policy is maintained",
    severity="warning",
    clauses=["7.3"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 4", "low")],
    nist_ai_rmf=[nist("GOVERN 2.1"), nist("MAP 1.3")],
    tags=["competence"],
    rationale="""People working under the organisation's control must know the AI policy, their
        part in the AIMS and what happens when it is not followed (7.3); awareness fades, so the
        programme is repeated.""",
    remediation="""Reference the awareness programme (`awareness.programmeRef`), its audience,
        and deliver it at least every `organisation.awarenessIntervalMonths`
        (`awareness.lastDelivered`).""",
)
def awareness(ctx: Context) -> Iterator[Violation]:
    last = ctx.get("spec.awareness.lastDelivered")
    if not ctx.get("spec.awareness"):
        yield ctx.at("spec").missing(
            "awareness",
            "no awareness programme is recorded; add `awareness:` with the programme, its "
            "audience and when it was last delivered",
        )
        return
    where = ctx.at("spec.awareness.lastDelivered")
    late = _late(ctx, last, "organisation.awarenessIntervalMonths")
    if late:
        yield where.fail(
            f"the awareness programme was last delivered on {last}, more than {late[1]} months "
            f"ago (due {late[0]}); deliver it again and update `lastDelivered`"
        )


communication = required(
    "spec.communication",
    "no communication about the AIMS is planned; add `communication:` saying what, to whom, "
    "when and how",
    id="AIMS-ORG-012",
    name="AimsCommunication",
    title="Communication about the AIMS is planned",
    severity="warning",
    clauses=["7.4"],
    kinds=ORG,
    nist_ai_rmf=[nist("GOVERN 2.1"), nist("GOVERN 4.2")],
    tags=["governance"],
    rationale="""What the organisation tells staff, customers and authorities about its AI, when
        and through whom, must be decided in advance (7.4), not improvised after an incident.""",
    remediation="""List planned communications under `communication`, each with `what`,
        `audience`, `when` and `how`.""",
)


# -- performance evaluation: internal audit, management review (9.2, 9.3) ----------------------


@rule(
    id="AIMS-ORG-013",
    title="An internal audit of the AIMS took place within the audit cycle",
    severity="error",
    clauses=["9.2"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 17(1)(k)", "low")],
    nist_ai_rmf=[nist("MANAGE 4.1"), nist("MEASURE 4.2")],
    tags=["audit"],
    rationale="""Internal audits at planned intervals show whether the AIMS works as documented
        (9.2); an audit programme with no audit in the last cycle is a plan, not evidence.""",
    remediation="""Carry out an internal audit and record it under `internalAudit.audits` (date,
        auditor, report); audit at least every `organisation.auditCycleMonths`.""",
)
def internal_audit(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.internalAudit"):
        yield ctx.at("spec").missing(
            "internalAudit",
            "no internal audit programme is recorded; add `internalAudit:` with the programme "
            "and the audits carried out",
        )
        return
    latest = _latest(ctx, "spec.internalAudit.audits")
    if latest is None:
        yield ctx.at("spec.internalAudit.audits").fail(
            "no internal audit has been carried out; audit the AIMS and record the audit here"
        )
        return
    late = _late(ctx, latest.get("date"), "organisation.auditCycleMonths")
    if late:
        yield latest.at("date").fail(
            f"the last internal audit ({latest.name}) ended on {latest.get('date')}, more than "
            f"{late[1]} months ago (next due {late[0]}); carry out the next audit and record it"
        )


@rule(
    id="AIMS-ORG-014",
    title="The audits of the last cycle cover clauses 4 to 10",
    severity="warning",
    clauses=["9.2"],
    kinds=ORG,
    nist_ai_rmf=[nist("MEASURE 1.3"), nist("MEASURE 4.2")],
    tags=["audit"],
    rationale="""The audit programme must reach every requirement of the AIMS within a cycle
        (9.2.2); a clause no audit covered is one whose conformity nobody checked.""",
    remediation="""Plan the programme so that the audits within `organisation.auditCycleMonths`
        together cover clauses 4 to 10 (`audits[].clauses`).""",
)
def audit_coverage(ctx: Context) -> Iterator[Violation]:
    covered: set[str] = set()
    recent = 0
    for audit in ctx.each("spec.internalAudit.audits"):
        due = due_by(ctx, audit.get("date"), ctx.param("organisation.auditCycleMonths"))
        if due is not None and due >= ctx.today:
            recent += 1
            covered.update(str(c).split(".")[0] for c in audit.get("clauses") or ())
    if not recent:
        return  # no audit in the cycle: AIMS-ORG-013
    missing = [c for c in CLAUSES if c not in covered]
    if missing:
        ctx.note(f"clauses covered within the cycle: {sorted(covered, key=int)}")
        yield ctx.at("spec.internalAudit.audits").fail(
            f"no audit within the last {ctx.param('organisation.auditCycleMonths')} months "
            f"covered clause {', '.join(missing)}; plan an audit of "
            f"{'it' if len(missing) == 1 else 'them'} and list the clauses in `clauses:`"
        )


@rule(
    id="AIMS-ORG-015",
    title="Top management reviewed the AIMS within the review interval, on the required inputs",
    severity="error",
    clauses=["9.3"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 17(1)", "low")],
    nist_ai_rmf=[nist("GOVERN 2.3"), nist("MANAGE 4.2"), nist("MEASURE 4.3")],
    tags=["governance"],
    rationale="""The management review is where top management decides whether the AIMS is
        still suitable, adequate and effective (9.3). It must happen at planned intervals and
        consider what 9.3.2 lists: previous actions, changes in context and in interested
        parties' needs, performance (nonconformities, monitoring, audit results) and
        opportunities for improvement.""",
    remediation="""Hold a management review at least every `organisation.managementReviewMonths`
        and record it under `managementReviews` with its `inputs`, `decisions` and minutes.""",
)
def management_review(ctx: Context) -> Iterator[Violation]:
    latest = _latest(ctx, "spec.managementReviews")
    if latest is None:
        yield ctx.at("spec").missing(
            "managementReviews",
            "no management review is recorded; hold one and add it under `managementReviews:`",
        )
        return
    late = _late(ctx, latest.get("date"), "organisation.managementReviewMonths")
    if late:
        yield latest.at("date").fail(
            f"the last management review ({latest.name}) was held on {latest.get('date')}, more "
            f"than {late[1]} months ago (next due {late[0]}); hold the next one and record it"
        )
    considered = set(latest.get("inputs") or ())
    missing = [i for i in REVIEW_INPUTS if i not in considered]
    if missing:
        yield latest.at("inputs").fail(
            f"management review {latest.name} did not consider {', '.join(missing)}; put "
            "them on the next review's agenda and list them in `inputs:`"
        )


# -- improvement: nonconformities, corrective actions, improvements (10.1, 10.2) ---------------


@rule(
    id="AIMS-ORG-016",
    title="Every nonconformity has a corrective action with an owner, carried out on time",
    severity="error",
    clauses=["10.2"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 20(1)", "low")],
    nist_ai_rmf=[nist("MANAGE 2.3"), nist("MANAGE 4.1")],
    tags=["improvement"],
    rationale="""A nonconformity must be reacted to, its cause removed and the action's
        effectiveness reviewed (10.2); one without a corrective action, or with an action past
        its due date, will recur.""",
    remediation="""Give each nonconformity a `correctiveAction` with `owner`, `due` and
        `status`; carry it out by its due date, or re-plan it with a reason.""",
)
def corrective_actions(ctx: Context) -> Iterator[Violation]:
    for nc in ctx.each("spec.nonconformities"):
        action = nc.get("correctiveAction")
        if not action:
            yield nc.missing(
                "correctiveAction",
                f"nonconformity {nc.name} has no corrective action; add `correctiveAction:` "
                "with what removes its cause, an owner and a due date",
            )
            continue
        due = ctx.date(action.get("due"))
        if action.get("status") == "open" and due is not None and due < ctx.today:
            ctx.note(f"due {due} < today {ctx.today}")
            yield nc.at("correctiveAction", "due").fail(
                f"the corrective action for nonconformity {nc.name} was due on {due} and is "
                f"still open; {action.get('owner')} should complete it, or re-plan it with a "
                "new due date"
            )


@rule(
    id="AIMS-ORG-017",
    title="Nonconformities raised by an audit are in the nonconformity register",
    severity="error",
    clauses=["9.2", "10.2"],
    kinds=ORG,
    nist_ai_rmf=[nist("MANAGE 4.1"), nist("MEASURE 4.2")],
    tags=["audit", "improvement"],
    rationale="""An audit result that never reaches the nonconformity register gets no
        corrective action; the link from audit to register is what an auditor follows first.""",
    remediation="""Record each nonconformity an audit names under `nonconformities` (same
        `id`), with its corrective action.""",
)
def audit_nonconformities_recorded(ctx: Context) -> Iterator[Violation]:
    recorded = {nc.get("id") for nc in ctx.get("spec.nonconformities") or ()}
    for audit in ctx.each("spec.internalAudit.audits"):
        for index, ident in enumerate(audit.get("nonconformities") or ()):
            if ident not in recorded:
                yield audit.at("nonconformities", index).fail(
                    f"audit {audit.name} raised nonconformity {ident}, which `nonconformities` "
                    "does not record; add it there with its corrective action"
                )


@rule(
    id="AIMS-ORG-018",
    title="Continual improvement is recorded and followed up",
    severity="warning",
    clauses=["10.1"],
    kinds=ORG,
    nist_ai_rmf=[nist("MANAGE 2.2"), nist("MEASURE 3.2")],
    tags=["improvement"],
    rationale="""The organisation must keep improving the suitability and effectiveness of the
        AIMS (10.1); improvements that are never recorded, or that stay in progress past their
        date, show no such effort.""",
    remediation="""Record improvements under `improvements` (from review decisions, audits and
        suggestions) with an owner and status, and close or re-plan those past their date.""",
)
def improvements(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.improvements"):
        yield ctx.at("spec").missing(
            "improvements",
            "no improvement of the AIMS is recorded; add `improvements:` (from management "
            "review decisions, audits, suggestions)",
        )
        return
    for item in ctx.each("spec.improvements"):
        due = ctx.date(item.get("due"))
        if item.get("status") in ("proposed", "in-progress") and due is not None and due < ctx.today:  # fmt: skip
            ctx.note(f"due {due} < today {ctx.today}")
            yield item.at("due").fail(
                f"improvement {item.name} was due on {due} and is still {item.get('status')}; "
                "complete it, reject it with a reason, or set a new date"
            )


# -- the Statement of Applicability decisions (6.1.3) ------------------------------------------


@rule(
    id="AIMS-ORG-019",
    title="The Statement of Applicability decides every Annex A control, and only those",
    severity="error",
    clauses=["6.1.3"],
    kinds=ORG,
    eu_ai_act=[eu("Art. 17(1)", "low")],
    nist_ai_rmf=[nist("GOVERN 1.3"), nist("GOVERN 1.4"), nist("MANAGE 1.2")],
    tags=["soa"],
    rationale="""The Statement of Applicability states, for each of the 38 Annex A controls,
        whether it is included and why (6.1.3 d); a control left out is an undecided gap, and an
        id that is not an Annex A control (an objective such as A.5.1, a typo) decides nothing.""",
    remediation="""Add an entry to `statementOfApplicability` for each control named, with
        `decision` and `justification`; correct or remove entries that name no Annex A
        control.""",
)
def soa_complete(ctx: Context) -> Iterator[Violation]:
    catalog: list[str] = list(ctx.param("controls.annexA"))
    decided = set()
    for entry in ctx.each("spec.statementOfApplicability"):
        control = entry.get("id")
        decided.add(control)
        if control not in catalog:
            yield entry.at("id").fail(
                f"{control} is not one of the 38 Annex A controls (objectives such as A.5.1 are "
                "not controls); correct the id or remove the entry"
            )
    missing = [c for c in catalog if c not in decided]
    if missing:
        yield ctx.at("spec.statementOfApplicability").fail(
            f"the Statement of Applicability has no decision for {', '.join(missing)}; add an "
            "entry for each, included or excluded, with the justification"
        )


@rule(
    id="AIMS-ORG-020",
    title="Included controls state their implementation; excluded ones claim none",
    severity="warning",
    clauses=["6.1.3"],
    kinds=ORG,
    nist_ai_rmf=[nist("GOVERN 1.4"), nist("MANAGE 1.2")],
    tags=["soa"],
    rationale="""For an included control the SoA says whether it is implemented (6.1.3 d); an
        excluded control that lists an implementation or evidence contradicts its own
        exclusion, and an auditor cannot tell which is true.""",
    remediation="""Give each included control an `implementation` (implemented, partial or
        planned); remove `implementation` and `evidence` from excluded controls, or include
        them.""",
)
def soa_implementation(ctx: Context) -> Iterator[Violation]:
    for entry in ctx.each("spec.statementOfApplicability"):
        if entry.get("decision") == "included" and not entry.get("implementation"):
            yield entry.missing(
                "implementation",
                f"included control {entry.name} does not say how far it is implemented; add "
                "`implementation:` (implemented, partial or planned)",
            )
        elif entry.get("decision") == "excluded":
            for field in ("implementation", "evidence"):
                if entry.get(field):
                    yield entry.at(field).fail(
                        f"control {entry.name} is excluded but lists an {field}; include it, "
                        f"or remove `{field}:`"
                    )
