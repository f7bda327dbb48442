"""The AI risk register: assessment, treatment, acceptance and review (ISO/IEC 42001 clauses
6.1.2, 6.1.3, 8.2, 8.3; Annex A controls cited by treatments).

Scores are likelihood x impact on the manifest's 1-5 scales; a declared score that disagrees
with its factors is reported by AIMS-RSK-005 and otherwise the declared score is trusted, since it
is what the organisation acted on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aims_policy.engine import Context, Cursor, Violation, eu, fact, nist, rule
from aims_policy.evidence import POLICY_KINDS
from aims_policy.wording import plural

from .facts import evidenced_controls, has_risks, in_operation, is_high_risk, person_key, risk_level


def _score(risk: Any) -> int | None:
    """The risk's score: as declared, else likelihood x impact, else unknown."""
    if risk.get("score") is not None:
        return int(risk.get("score"))
    if risk.get("likelihood") is not None and risk.get("impact") is not None:
        return int(risk.get("likelihood")) * int(risk.get("impact"))
    return None


def _treatment(risk: Cursor) -> Any:
    return risk.get("treatment") or {}


@fact
def has_misuse(ctx: Context) -> bool:
    """Systems that document foreseeable misuse or link risks to misuse."""
    return bool(
        ctx.get("spec.purpose.foreseeableMisuse")
        or any(r.get("misuse") for r in ctx.get("spec.risks") or ())
    )


@fact
def has_required_controls(ctx: Context) -> bool:
    """Systems whose risk level has controls the organisation requires."""
    required = ctx.param("controls.requiredByRiskLevel")
    return bool(required.get(risk_level(ctx)))


def _register_missing(ctx: Context, who: str) -> Iterator[Violation]:
    if ctx.get("spec.risks") is None:
        yield ctx.at("spec").missing(
            "risks",
            f"{who} has no risk register; add `risks:` with the risks identified for this system",
        )
    elif not ctx.get("spec.risks"):
        yield ctx.at("spec.risks").fail(
            f"{who} has an empty risk register; record the risks identified for this system"
        )


_REGISTER = dict(
    controls=[],
    clauses=["6.1.2", "8.2"],
    eu_ai_act=[eu("Art. 9(2)(a)-(c)", "high")],
    nist_ai_rmf=[nist("MAP 5.1"), nist("GOVERN 1.3")],
    tags=["risk"],
    remediation="""Add `spec.risks` entries (id, description, category, likelihood, impact,
        owner, treatment) from the system's AI risk assessment.""",
)


@rule(
    id="AIMS-RSK-001",
    title="High-risk systems have a risk register",
    severity="error",
    applies=is_high_risk,
    rationale="""A high-risk system without recorded risks has either not been assessed or its
        assessment is not available to the people who operate it; either way no treatment can be
        shown to exist.""",
    **_REGISTER,
)
def register_high_risk(ctx: Context) -> Iterator[Violation]:
    yield from _register_missing(ctx, "this high-risk system")


@rule(
    id="AIMS-RSK-002",
    title="Systems that are not high risk still have a risk register",
    severity="warning",
    applies=~is_high_risk,
    rationale="""The risk level itself is a conclusion of a risk assessment; a system with no
        recorded risks gives no basis for calling it low or medium risk.""",
    **_REGISTER,
)
def register_other(ctx: Context) -> Iterator[Violation]:
    yield from _register_missing(ctx, "the system")


@rule(
    id="AIMS-RSK-003",
    each="spec.risks",
    title="Every risk is rated for likelihood and impact",
    severity="error",
    clauses=["6.1.2"],
    eu_ai_act=[eu("Art. 9(2)(a)-(c)", "high")],
    nist_ai_rmf=[nist("MAP 5.1"), nist("MEASURE 1.1")],
    tags=["risk"],
    applies=has_risks,
    rationale="""An unrated risk cannot be compared with the treatment threshold or the risk
        appetite, so nobody can tell whether it needs action.""",
    remediation="Give each risk `likelihood:` and `impact:` on the 1-5 scale.",
)
def risk_rated(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        for field in ("likelihood", "impact"):
            if risk.get(field) is None:
                yield risk.missing(
                    field, f"risk {risk.name} has no {field}; rate it on the 1-5 scale"
                )


@rule(
    id="AIMS-RSK-004",
    each="spec.risks",
    title="Every risk has an owner",
    severity="error",
    controls=["A.3.2"],
    clauses=["6.1.2"],
    eu_ai_act=[eu("Art. 17(1)(m)", "high")],
    nist_ai_rmf=[nist("GOVERN 2.1")],
    tags=["risk", "accountability"],
    applies=has_risks,
    rationale="""A risk that nobody owns is nobody's job to treat, monitor or escalate.""",
    remediation="Add `owner:` (a named person) to each risk.",
)
def risk_owner(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        if not risk.get("owner"):
            yield risk.missing(
                "owner",
                f"risk {risk.name} has no owner; add `owner:` naming the person "
                "responsible for treating it",
            )


@rule(
    id="AIMS-RSK-005",
    each="spec.risks",
    title="Declared risk scores equal likelihood x impact",
    severity="error",
    clauses=["6.1.2"],
    eu_ai_act=[eu("Art. 9(2)(a)-(c)", "high")],
    nist_ai_rmf=[nist("MEASURE 1.1"), nist("MANAGE 1.2")],
    tags=["risk"],
    applies=has_risks,
    rationale="""Thresholds and appetite are applied to the score. A score that does not match its
        factors (typically after a re-rating that forgot the score) hides risks from every check
        that relies on it.""",
    remediation="""Set `score` (and `residualRisk.score`) to likelihood x impact, or remove it and
        let it be computed.""",
)
def score_consistent(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        for where, block in (
            ("score", risk.value),
            ("residualRisk.score", risk.get("residualRisk")),
        ):
            if not block or block.get("score") is None:
                continue
            lik, imp = block.get("likelihood"), block.get("impact")
            if lik is None or imp is None:
                continue
            if block["score"] != lik * imp:
                ctx.note(f"{block['score']} != {lik} * {imp}")
                yield risk.at(where).fail(
                    f"risk {risk.name}: {where} is {block['score']} but "
                    f"likelihood {lik} x impact {imp} = {lik * imp}; correct it",
                )


@rule(
    id="AIMS-RSK-006",
    each="spec.risks",
    title="Every risk has a treatment decision",
    severity="error",
    clauses=["6.1.3", "8.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "high")],
    nist_ai_rmf=[nist("MANAGE 1.3")],
    tags=["risk"],
    applies=has_risks,
    rationale="""Risk treatment starts with a decision: mitigate, transfer, avoid or accept. A
        risk with no decision recorded has been identified and then left alone.""",
    remediation="""Add `treatment:` with `option:` (mitigate, transfer, avoid or accept) to each
        risk; for transfer name the party in `transferredTo`.""",
)
def risk_treated(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        treatment = risk.get("treatment")
        if not treatment:
            yield risk.missing(
                "treatment",
                f"risk {risk.name} has no treatment decision; add `treatment: {{option: ...}}`",
            )
        elif treatment.get("option") == "transfer" and not treatment.get("transferredTo"):
            yield risk.at("treatment").missing(
                "transferredTo",
                f"risk {risk.name} is transferred "
                "but not to anyone; add `transferredTo:` (insurer, supplier...)",
            )


@rule(
    id="AIMS-RSK-007",
    each="spec.risks",
    title="Risks at or above the treatment threshold are not merely accepted",
    severity="error",
    clauses=["6.1.3", "8.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "high")],
    nist_ai_rmf=[nist("MANAGE 1.2"), nist("MANAGE 1.3")],
    tags=["risk"],
    applies=has_risks,
    rationale="""The organisation has set a score (data `risk.treatmentThreshold`) above which a
        risk must be acted on. Choosing `accept` for such a risk without a formal acceptance
        record means a serious risk was waved through by whoever wrote the register.""",
    remediation="""Treat the risk (mitigate, transfer or avoid), or record a formal `acceptance:`
        with approver, justification and date.""",
)
def threshold_treated(ctx: Context) -> Iterator[Violation]:
    threshold: int = ctx.param("risk.treatmentThreshold")
    for risk in ctx.each("spec.risks"):
        score = _score(risk.value)
        if score is None or score < threshold:
            continue
        if _treatment(risk).get("option") == "accept" and not risk.get("acceptance"):
            ctx.note(f"score {score} >= {threshold}")
            yield risk.at("treatment", "option").fail(
                f"risk {risk.name} scores "
                f"{score}, at or above the treatment threshold {threshold}, but is "
                "accepted without an acceptance record; treat it or add "
                "`acceptance:`",
            )


@rule(
    id="AIMS-RSK-008",
    each="spec.risks",
    title="Mitigated risks name the Annex A controls applied",
    severity="error",
    clauses=["6.1.3", "8.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "high")],
    nist_ai_rmf=[nist("MANAGE 1.3")],
    tags=["risk", "controls"],
    applies=has_risks,
    rationale="""Clause 6.1.3 requires comparing the chosen controls with Annex A. A mitigation
        that cites no control cannot appear in the Statement of Applicability, and an auditor cannot
        trace the risk to the controls said to reduce it.""",
    remediation="""List the Annex A controls the measures implement in `treatment.controls`
        (for example `[A.6.2.4, A.7.4]`).""",
)
def mitigation_controls(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        treatment = _treatment(risk)
        if treatment.get("option") == "mitigate" and not treatment.get("controls"):
            yield risk.at("treatment").missing(
                "controls",
                f"risk {risk.name} is mitigated but names no Annex A control; add `controls:`",
            )


@rule(
    id="AIMS-RSK-009",
    each="spec.risks",
    title="Treatment controls are real Annex A controls",
    severity="warning",
    clauses=["6.1.3"],
    nist_ai_rmf=[nist("MANAGE 1.3")],
    tags=["risk", "controls"],
    applies=has_risks,
    rationale="""A control id that is not in Annex A (a typo such as A.6.2.9, or an objective
        such as A.5.1) maps the treatment to nothing, so the Statement of Applicability silently
        loses it.""",
    remediation="""Use ids from ISO/IEC 42001 Annex A (data `controls.annexA` lists them), e.g.
        A.6.2.4 for verification and validation.""",
)
def valid_controls(ctx: Context) -> Iterator[Violation]:
    catalog = set(ctx.param("controls.annexA"))
    for risk in ctx.each("spec.risks"):
        for index, control in enumerate(_treatment(risk).get("controls") or ()):
            if control not in catalog:
                ctx.note(f"{control} not in controls.annexA")
                yield risk.at("treatment", "controls", index).fail(
                    f"risk "
                    f"{risk.name} cites {control}, which is not an Annex A "
                    "control; correct the id",
                )


@rule(
    id="AIMS-RSK-010",
    each="spec.risks",
    title="Residual risk is within appetite or formally accepted",
    severity="error",
    clauses=["6.1.3", "8.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "high")],
    # MANAGE 1.4 (residual risk documented) is our link; the crosswalk has it for A.5.x only.
    nist_ai_rmf=[nist("MANAGE 1.2"), nist("MANAGE 1.4", "medium", own=True)],
    tags=["risk"],
    applies=has_risks,
    rationale="""Residual risk above the organisation's appetite (data `risk.appetite`) is a risk
        the organisation has said it will not run without a deliberate decision; with no
        acceptance recorded, nobody made that decision. A risk whose inherent score is above the
        appetite and whose residual risk was never assessed is treated the same way: nothing
        shows it was brought within appetite. A risk avoided (its source removed, the treatment
        done) leaves nothing to assess.""",
    remediation="""Assess the residual risk after treatment (`residualRisk:`); reduce it with
        further measures, or record an `acceptance:` with approver, justification and date.""",
)
def residual_within_appetite(ctx: Context) -> Iterator[Violation]:
    appetite: int = ctx.param("risk.appetite")
    for risk in ctx.each("spec.risks"):
        residual = risk.get("residualRisk")
        if risk.get("acceptance"):
            continue
        if not residual:
            treatment = _treatment(risk)
            if treatment.get("option") == "avoid" and treatment.get("status") == "done":
                # Avoiding a risk removes its source (the activity, feature or data): nothing is
                # left to assess. AIMS-RSK-017 wants the measures and evidence that show it.
                continue
            # Without an assessed residual risk the inherent score is all there is: above the
            # appetite, nobody has shown that the treatment brought it within.
            inherent = _score(risk.value)
            if inherent is not None and inherent > appetite:
                ctx.note(f"inherent {inherent} > appetite {appetite}")
                ctx.note("no residualRisk")
                yield risk.missing(
                    "residualRisk",
                    f"risk {risk.name} scores {inherent}, above the appetite of "
                    f"{appetite}, and its residual risk is not assessed; add "
                    "`residualRisk:` with the likelihood and impact after "
                    "treatment, or record `acceptance:`",
                )
            continue
        score = _score(residual)
        if score is not None and score > appetite:
            # At the declared score when there is one, else at the block it was computed from.
            where = "residualRisk.score" if residual.get("score") is not None else "residualRisk"
            ctx.note(f"residual {score} > appetite {appetite}")
            yield risk.at(where).fail(
                f"risk {risk.name} has residual score {score}, above the "
                f"appetite of {appetite}, and no acceptance; reduce it further or "
                "record `acceptance:`",
            )


@rule(
    id="AIMS-RSK-011",
    each="spec.risks",
    title="Risk acceptances name an independent approver, a justification and a date",
    severity="error",
    clauses=["6.1.3", "8.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "high")],
    # MANAGE 1.4 (residual risk documented) is our link; the crosswalk has it for A.5.x only.
    nist_ai_rmf=[nist("MANAGE 1.3"), nist("MANAGE 1.4", "medium", own=True)],
    tags=["risk", "accountability"],
    applies=has_risks,
    rationale="""Accepting a risk is a management decision: it must say who took it, why and
        when. When the owner approves their own risk (and data
        `risk.acceptanceRequiresDistinctApprover` is true) there is no second pair of eyes. An
        acceptance dated after today records a decision that cannot have been taken yet. (A
        missing record on a risk at or above the treatment threshold is AIMS-RSK-007's finding.)""",
    remediation="""Complete `acceptance:` with `approver` (someone other than the risk owner),
        `justification` and `date` (the day it was approved, not a future one); an accepted risk
        (`treatment.option: accept`) needs one.""",
)
def acceptance_complete(ctx: Context) -> Iterator[Violation]:
    distinct: bool = ctx.param("risk.acceptanceRequiresDistinctApprover")
    threshold: int = ctx.param("risk.treatmentThreshold")
    for risk in ctx.each("spec.risks"):
        acceptance = risk.get("acceptance")
        if acceptance is None:
            score = _score(risk.value)
            # At or above the threshold the same gap is AIMS-RSK-007's: report it once.
            above = score is not None and score >= threshold
            if _treatment(risk).get("option") == "accept" and not above:
                yield risk.missing(
                    "acceptance",
                    f"risk {risk.name} is accepted without an acceptance record; "
                    "add `acceptance:` with approver, justification and date",
                )
            continue
        for field in ("approver", "justification", "date"):
            if not acceptance.get(field):
                yield risk.at("acceptance").missing(
                    field, f"the acceptance of risk {risk.name} has no {field}; add `{field}:`"
                )
        accepted = ctx.date(acceptance.get("date"))
        if accepted is not None and accepted > ctx.today:
            ctx.note(f"acceptance.date {accepted} > today {ctx.today}")
            yield risk.at("acceptance", "date").fail(
                f"risk {risk.name} is recorded as accepted on "
                f"{accepted}, a day that has not come yet; record the date the "
                "acceptance was actually approved",
            )
        approver = acceptance.get("approver")
        if (
            distinct
            and approver
            and risk.get("owner")
            and person_key(approver) == person_key(risk.get("owner"))
        ):
            ctx.note("acceptance.approver == owner")
            yield risk.at("acceptance", "approver").fail(
                f"risk {risk.name} was accepted by its own "
                f"owner ({approver}); have someone with authority other than the "
                "owner approve it",
            )


@rule(
    id="AIMS-RSK-012",
    each="spec.risks",
    title="Every risk has a review date that has not passed",
    severity="warning",
    clauses=["8.2", "6.1.2"],
    eu_ai_act=[eu("Art. 9(2)(a)-(c)", "high")],
    nist_ai_rmf=[nist("GOVERN 1.5"), nist("MEASURE 3.1")],
    tags=["risk", "review"],
    applies=has_risks,
    rationale="""Risks change with the system and its context; a risk whose review date has
        passed is rated on information nobody has confirmed. The review day itself is on time.""",
    remediation="""Review the risk and set `reviewDate:` to the next planned review.""",
)
def risk_review(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        due = ctx.date(risk.get("reviewDate"))
        if due is None:
            yield risk.missing(
                "reviewDate", f"risk {risk.name} has no review date; add `reviewDate:`"
            )
        elif ctx.today > due:
            ctx.note(f"today {ctx.today} > reviewDate {due}")
            yield risk.at("reviewDate").fail(
                f"risk {risk.name} was due for review on {due} "
                f"({plural((ctx.today - due).days, 'day')} ago); review it and set the next "
                "`reviewDate`",
            )


@rule(
    id="AIMS-RSK-013",
    each="spec.risks",
    title="Open risk treatments have a due date that has not passed",
    severity="warning",
    clauses=["8.3", "6.1.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "high")],
    nist_ai_rmf=[nist("MANAGE 1.3")],
    tags=["risk"],
    applies=has_risks,
    rationale="""A treatment that is planned or in progress without a deadline, or past it, leaves
        the risk at its untreated level for an unknown time while the register suggests it is
        handled. The due day itself is on time.""",
    remediation="""Give each open treatment (`status: planned` or `in-progress`) a `dueDate`;
        mark it `done` when complete, or agree a new date.""",
)
def treatment_on_time(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        treatment = _treatment(risk)
        if treatment.get("status") not in ("planned", "in-progress"):
            continue
        due = ctx.date(treatment.get("dueDate"))
        if due is None:
            yield risk.at("treatment").missing(
                "dueDate",
                f"the treatment of risk {risk.name} is "
                f"{treatment['status']} without a due date; add `dueDate:`",
            )
        elif ctx.today > due:
            ctx.note(f"today {ctx.today} > dueDate {due}")
            yield risk.at("treatment", "dueDate").fail(
                f"the treatment of risk {risk.name} was due "
                f"on {due} and is still {treatment['status']}; finish it or set a "
                "new date",
            )


@rule(
    id="AIMS-RSK-014",
    title="Every foreseeable misuse is covered by a risk",
    severity="warning",
    controls=["A.9.4"],
    clauses=["6.1.2"],
    eu_ai_act=[eu("Art. 9(2)(b)", "high"), eu("Art. 13(3)(b)(i),(iii)", "high")],
    nist_ai_rmf=[nist("MAP 1.4"), nist("MANAGE 2.4")],
    tags=["risk", "misuse"],
    applies=has_misuse,
    rationale="""Documenting a foreseeable misuse and then never assessing it leaves the one risk
        the team already knows about untreated; a risk that cites a misuse that does not exist
        points at nothing.""",
    remediation="""List each `purpose.foreseeableMisuse` id in the `misuse:` list of the risk
        that covers it, and make every `misuse:` entry name an existing misuse id.""",
)
def misuse_covered(ctx: Context) -> Iterator[Violation]:
    known = {m.name for m in ctx.each("spec.purpose.foreseeableMisuse")}
    covered: set[str] = set()
    for risk in ctx.each("spec.risks"):
        for index, ref in enumerate(risk.get("misuse") or ()):
            covered.add(ref)
            if ref not in known:
                yield risk.at("misuse", index).fail(
                    f"risk {risk.name} cites "
                    f"misuse {ref}, which is not in `purpose.foreseeableMisuse`; "
                    "fix the id or document the misuse"
                )
    for misuse in ctx.each("spec.purpose.foreseeableMisuse"):
        if misuse.name not in covered:
            yield misuse.fail(
                f"foreseeable misuse {misuse.name} is not covered by any risk; "
                f"add `misuse: [{misuse.name}]` to the risk that addresses it"
            )


@rule(
    id="AIMS-RSK-015",
    title="Controls required for the system's risk level are applied in the register",
    severity="warning",
    clauses=["6.1.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "high")],
    nist_ai_rmf=[nist("MANAGE 1.3"), nist("GOVERN 1.4")],
    tags=["risk", "controls"],
    applies=has_required_controls,
    rationale="""The organisation requires certain controls for every system at a given risk level
        (data `controls.requiredByRiskLevel`), such as validation, monitoring and event logging for
        high-risk systems. If no risk treatment applies one of them, the system's treatment plan
        falls short of the organisation's own baseline.""",
    remediation="""Apply the missing controls in the treatment of the risks they address (add them
        to `treatment.controls`), or obtain an exception.""",
)
def required_controls(ctx: Context) -> Iterator[Violation]:
    level = risk_level(ctx)
    required = list(ctx.param("controls.requiredByRiskLevel")[level])
    applied = {c for r in ctx.each("spec.risks") for c in _treatment(r).get("controls") or ()}
    missing = [c for c in required if c not in applied]
    if not missing:
        return
    message = (
        f"{level}-risk systems must apply {', '.join(missing)}, but no risk treatment "
        "does; add them to the `treatment.controls` of the risks they address"
    )
    if ctx.get("spec.risks"):
        ctx.note(f"missing {missing}")
        yield ctx.at("spec.risks").fail(message)
    else:
        ctx.note(f"missing {missing}")
        yield ctx.at("spec").missing("risks", message)


# -- operational evidence and authority -----------------------------------------------------


@rule(
    id="AIMS-RSK-016",
    each="spec.risks",
    title="Residual risk counts only once its treatment is done",
    severity="warning",
    clauses=["6.1.3", "8.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(3)-(5)", "medium")],
    nist_ai_rmf=[nist("MANAGE 1.2"), nist("MANAGE 1.3")],
    tags=["risk"],
    applies=has_risks & in_operation,
    rationale="""A residual risk is what remains after the treatment is in place. While the
        treatment is planned or in progress, the residual score is a target and the risk still
        stands at its assessed score; a register of a system in use that counts the target as
        achieved shows a risk within appetite that is not. Before release, planned treatments
        with target residual scores are the treatment plan itself (6.1.3): nobody is exposed
        yet.""",
    remediation="""Finish the treatment and set `treatment.status: done`, or record an interim
        `acceptance:` of the risk at its current score until then.""",
)
def residual_after_treatment(ctx: Context) -> Iterator[Violation]:
    appetite: int = ctx.param("risk.appetite")
    for risk in ctx.each("spec.risks"):
        treatment = _treatment(risk)
        status = treatment.get("status")
        if status not in ("planned", "in-progress") or risk.get("acceptance"):
            continue
        residual = risk.get("residualRisk")
        inherent = _score(risk.value)
        target = _score(residual) if residual else None
        if inherent is None or target is None or inherent <= appetite or target > appetite:
            continue  # AIMS-RSK-010 judges what is above appetite on its own terms
        ctx.note(f"treatment {status}; score {inherent} > appetite {appetite} >= target {target}")
        due = treatment.get("dueDate")
        until = f" (due {due})" if due else ""
        yield risk.at("treatment", "status").fail(
            f"the treatment of risk {risk.name} is {status}{until}, so its residual score "
            f"{target} is a target; until it is done the risk stands at {inherent}, above the "
            f"appetite of {appetite}: record an interim `acceptance:` or finish the treatment"
        )


@rule(
    id="AIMS-RSK-017",
    each="spec.risks",
    title="Completed treatments name their measures and rest on operational evidence",
    severity="error",
    controls=["A.6.2.4"],
    clauses=["6.1.3", "8.3", "7.5.3"],
    eu_ai_act=[eu("Art. 9(2)(d), 9(5)", "medium"), eu("Art. 17(1)(d)", "low")],
    nist_ai_rmf=[nist("MANAGE 1.3"), nist("MEASURE 2.3", "medium")],
    tags=["risk", "evidence"],
    applies=has_risks,
    rationale="""`status: done` is a claim that the risk has been reduced, removed (avoided) or
        transferred. An auditor asks what was done and for the record that shows it: a test
        report, a monitoring record, an assessment, a signed contract. A policy or a plan says
        what should happen, not that it did.""",
    remediation="""List what was done in `treatment.measures`, and either cite the evidence
        entries that show it (`treatment.evidence: [E-...]`, ids of `spec.evidence`) or record a
        `spec.evidence` entry for one of the treatment's controls. Give evidence entries a
        `kind` (`test-report`, `monitoring-record`, `assessment`, `audit-report`, `record`...);
        policies, procedures and plans alone do not count.""",
)
def treatment_evidenced(ctx: Context) -> Iterator[Violation]:
    entries = {e.name: e for e in ctx.each("spec.evidence")}
    for risk in ctx.each("spec.risks"):
        treatment = _treatment(risk)
        option = treatment.get("option")
        # Accepting a risk changes nothing to evidence (AIMS-RSK-011 wants its record); mitigating,
        # avoiding (the source removed) and transferring (to an insurer, a supplier) are claims of
        # something done. A transfer's measure is its `transferredTo` (AIMS-RSK-006).
        if treatment.get("status") != "done" or option not in ("mitigate", "avoid", "transfer"):
            continue
        if option != "transfer" and not treatment.get("measures"):
            yield risk.at("treatment").missing(
                "measures",
                f"the treatment of risk {risk.name} is marked done but does not say what was "
                "done; add `measures:`",
            )
        cited = treatment.get("evidence")
        controls = tuple(treatment.get("controls") or ())
        if cited:
            for index, ref in enumerate(cited):
                if ref not in entries:
                    yield risk.at("treatment", "evidence", index).fail(
                        f"risk {risk.name} cites evidence {ref}, which is not in "
                        "`spec.evidence`; add the entry or correct the id"
                    )
            kinds = {
                "policy" if entries[i].get("kind") in POLICY_KINDS else "operational"
                for i in cited
                if i in entries
            }
        elif controls:
            shown = evidenced_controls(ctx)
            kinds = set().union(*(shown.get(c, frozenset()) for c in controls))
        elif option == "mitigate":
            continue  # AIMS-RSK-008 reports a mitigation that names no control
        else:
            yield risk.at("treatment").missing(
                "evidence",
                f"the treatment of risk {risk.name} ({option}) is marked done but cites no "
                "evidence; cite the record that shows it (the change that removed the risk's "
                "source, the contract or policy that transfers it) with `evidence: [E-...]`",
            )
            continue
        if not kinds and not cited:
            yield risk.at("treatment").missing(
                "evidence",
                f"the treatment of risk {risk.name} is marked done but nothing in the manifest "
                f"evidences its controls ({', '.join(controls)}); cite the record, test or "
                "assessment that shows it with `evidence: [E-...]` (ids of `spec.evidence`)",
            )
        elif kinds == {"policy"}:
            yield risk.at("treatment", "status").fail(
                f"the treatment of risk {risk.name} is marked done on the strength of policy "
                "documents only; cite operational evidence (a test report, a monitoring "
                "record, an assessment) that shows it was carried out"
            )


def _authority_words(approver: str, people: dict[str, str]) -> str:
    """The approver's own words and the role of the manifest's person they name, lower-cased."""
    role = people.get(person_key(approver), "")
    return f" {approver} {role} ".lower()


def _has_authority(words: str, authority: list[str]) -> bool:
    return any(re.search(rf"(?<![a-z0-9]){re.escape(a.lower())}", words) for a in authority)


@rule(
    id="AIMS-RSK-018",
    each="spec.risks",
    title="Risks are accepted by someone with the authority for their level",
    severity="error",
    controls=["A.3.2"],
    clauses=["6.1.3", "5.3"],
    eu_ai_act=[eu("Art. 9(5)", "low"), eu("Art. 17(1)(m)", "low")],
    nist_ai_rmf=[nist("GOVERN 2.1"), nist("GOVERN 2.3", "medium"), nist("MANAGE 1.3")],
    tags=["risk", "accountability"],
    applies=has_risks,
    rationale="""Accepting a risk commits the organisation to run it. The higher the risk, the
        more senior the person who may take that decision (ISO/IEC 42001 5.3, 6.1.3): a risk at
        or above the data document's `risk.authorityFromScore` must be accepted by one of the
        roles in `risk.acceptanceAuthority`, not by whoever happened to sign.""",
    remediation="""Have the risk accepted by someone with the authority for its score, and write
        their role with their name (`approver: Aylin Demir (Chief Risk Officer)`), or name a
        person the manifest lists with that role. Who holds that authority is set, by the
        system's risk level, in the organisation manifest (`spec.authorities.riskAcceptance`)
        or the data document (`risk.acceptanceAuthorityByLevel`), else by the data document's
        `risk.acceptanceAuthority`.""",
)
def acceptance_authority(ctx: Context) -> Iterator[Violation]:
    threshold: int = ctx.param("risk.authorityFromScore")
    # Who may accept risks of this system's level (the organisation manifest's authorities,
    # or the data document's), else whoever holds the general authority.
    level = ctx.get("spec.classification.riskLevel")
    by_level = ctx.param("risk.acceptanceAuthorityByLevel").get(level) if level else None
    authority: list[str] = by_level or ctx.param("risk.acceptanceAuthority")
    if not authority:
        return
    people: dict[str, str] = {}
    for where in ("spec.owner", "spec.accountablePerson"):
        person = ctx.get(where)
        if person and person.get("name"):
            people[person_key(person.get("name"))] = str(person.get("role") or "")
    for contact in ctx.get("spec.contacts") or ():
        if contact.get("name"):
            people[person_key(contact.get("name"))] = str(contact.get("role") or "")
    for risk in ctx.each("spec.risks"):
        acceptance = risk.get("acceptance")
        approver = acceptance.get("approver") if acceptance else None
        if not approver:
            continue  # AIMS-RSK-011 reports an acceptance without an approver
        # The residual score counts once the treatment is done (AIMS-RSK-016); an interim
        # acceptance while it is under way accepts the risk as it stands.
        residual = risk.get("residualRisk")
        pending = _treatment(risk).get("status") in ("planned", "in-progress")
        score = _score(residual) if residual and not pending else _score(risk.value)
        if score is None or score < threshold:
            continue
        if _has_authority(_authority_words(str(approver), people), authority):
            continue
        ctx.note(f"score {score} >= authorityFromScore {threshold}")
        yield risk.at("acceptance", "approver").fail(
            f"risk {risk.name} (score {score}) was accepted by {approver}, who is not shown "
            f"to hold the authority to accept risks scoring {threshold} or more; have it "
            f"accepted by one of the roles with that authority ({', '.join(authority)}) "
            "and write the role with the name"
        )
