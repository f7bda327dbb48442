"""Human oversight: people who can intervene, stop the system and are trained to do so
(ISO/IEC 42001 A.9.2, A.6.1.3, A.4.6; EU AI Act Art. 14, 26(2), 4)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule
from aims_policy.wording import plural

from .facts import add_months, affects_individuals, in_operation, is_high_risk


@fact
def high_risk_in_the_loop(ctx: Context) -> bool:
    """High-risk systems whose outputs a person confirms one by one (human-in-the-loop)."""
    return is_high_risk(ctx) and ctx.get("spec.humanOversight.mode") == "human-in-the-loop"


@rule(
    id="AIMS-HUM-001",
    title="Decisions about people are overseen by someone who can override them",
    severity="error",
    controls=["A.9.2", "A.6.1.3"],
    eu_ai_act=[eu("Art. 14", "medium"), eu("Art. 14(1)-(3)", "medium"), eu("Art. 26(1)", "high")],
    nist_ai_rmf=[nist("GOVERN 4.1"), nist("MAP 4.1"), nist("MANAGE 1.1"), nist("MAP 3.5")],
    tags=["oversight", "eu-ai-act", "gdpr"],
    applies=affects_individuals,
    rationale="""When a system's output decides something about a person, a human must be able
        to look at the case and change the outcome; otherwise errors reach people unchecked and
        the decision is solely automated (GDPR Art. 22).""",
    remediation="""Set `humanOversight.mode` to human-in-the-loop, human-on-the-loop or
        human-in-command and `canOverride: true`, and make sure the overseers really can change
        an outcome.""",
)
def oversight_with_override(ctx: Context) -> Iterator[Violation]:
    oversight = ctx.get("spec.humanOversight")
    if not oversight:
        yield ctx.at("spec").missing(
            "humanOversight",
            "the system's outputs are used in decisions about people but no "
            "human oversight is declared; add `humanOversight:` with a mode and "
            "`canOverride: true`",
        )
        return
    if oversight.get("mode") == "none":
        yield ctx.at("spec.humanOversight.mode").fail(
            "decisions about people are taken without "
            "human oversight (mode: none); choose human-in-the-loop, "
            "human-on-the-loop or human-in-command"
        )
    if "canOverride" not in oversight:
        yield ctx.at("spec.humanOversight").missing(
            "canOverride",
            "the overseers' power to override a decision "
            "about a person is not stated; add `canOverride: true`",
        )
    elif not oversight.get("canOverride"):
        yield ctx.at("spec.humanOversight.canOverride").fail(
            "no one can override the system's "
            "decisions about people (canOverride: false); give the overseers "
            "that power and set `canOverride: true`"
        )


@rule(
    id="AIMS-HUM-002",
    title="A high-risk system can be stopped by its overseers",
    severity="error",
    controls=["A.6.1.3", "A.9.2"],
    eu_ai_act=[eu("Art. 14(1)-(3)", "medium"), eu("Art. 14", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.2"), nist("MANAGE 1.1"), nist("MANAGE 2.4"), nist("GOVERN 4.1")],
    tags=["oversight", "eu-ai-act", "safety"],
    applies=is_high_risk,
    rationale="""A high-risk system that misbehaves must be brought to a safe halt by a person
        without waiting for a release; a stop that nobody can press is no safeguard.""",
    remediation="""Provide a stop or safe-state procedure the overseers can use at any time and
        set `humanOversight.canStop: true`.""",
)
def oversight_can_stop(ctx: Context) -> Iterator[Violation]:
    oversight = ctx.get("spec.humanOversight")
    if not oversight:
        yield ctx.at("spec").missing(
            "humanOversight",
            "a high-risk system needs human oversight that can stop it; add "
            "`humanOversight:` with `canStop: true`",
        )
    elif "canStop" not in oversight:
        yield ctx.at("spec.humanOversight").missing(
            "canStop",
            "it is not stated whether the overseers can stop "
            "this high-risk system; add `canStop: true`",
        )
    elif not oversight.get("canStop"):
        yield ctx.at("spec.humanOversight.canStop").fail(
            "the overseers cannot stop this high-risk "
            "system (canStop: false); provide a stop procedure and set "
            "`canStop: true`"
        )


@rule(
    id="AIMS-HUM-003",
    title="Overseers of a high-risk system are trained, and the training is current",
    severity="error",
    controls=["A.4.6"],
    clauses=["7.2"],
    eu_ai_act=[eu("Art. 4", "high"), eu("Art. 26(2)", "medium"), eu("Art. 14(4)", "low")],
    nist_ai_rmf=[
        nist("GOVERN 1.6"),
        nist("GOVERN 3.1"),
        nist("GOVERN 3.2"),
        nist("MAP 1.2"),
        nist("MAP 2.1"),
        nist("MAP 3.4"),
    ],
    tags=["oversight", "competence", "eu-ai-act"],
    # From deployment on: before release the oversight is designed (AIMS-HUM-001, -002), and
    # the people who will oversee the released system are trained for it as it goes into use.
    applies=is_high_risk & in_operation,
    rationale="""Oversight only works when the people doing it understand the system's
        capabilities and limits and the automation bias it invites; deployers must assign it to
        people with the necessary competence, training and authority. The training is owed by the
        time the system is deployed: in design and development the oversight is designed, not
        yet done.""",
    remediation="""List the oversight roles under `humanOversight.overseers` with `trained: true`,
        the `trainingDate` of their last training (refreshed within the data document's
        `oversight.trainingValidityMonths`) and a `competenceRef`.""",
)
def overseers_trained(ctx: Context) -> Iterator[Violation]:
    oversight = ctx.get("spec.humanOversight")
    if not oversight or not oversight.get("overseers"):
        yield ctx.at("spec").missing(
            "humanOversight.overseers",
            "no trained overseers are named for this high-risk system; add "
            "`humanOversight.overseers:` with role, trained, trainingDate",
        )
        return
    months = ctx.param("oversight.trainingValidityMonths")
    for person in ctx.each("spec.humanOversight.overseers"):
        role = person.get("role")
        if not person.get("trained"):
            text = (
                f"overseer role '{role}' is not recorded as trained; train them and set "
                "`trained: true` with `trainingDate:`"
            )
            if "trained" in person.value:
                yield person.at("trained").fail(text)
            else:
                yield person.missing("trained", text)
            continue
        day = ctx.date(person.get("trainingDate"))
        if day is None:
            yield person.missing(
                "trainingDate", f"overseer role '{role}' has no training date; add `trainingDate:`"
            )
        elif add_months(day, months) < ctx.today:
            ctx.note(f"{add_months(day, months)} < today {ctx.today}")
            yield person.at("trainingDate").fail(
                f"the training of overseer role '{role}' dates from {day} and "
                f"expired on {add_months(day, months)} ({plural(months, 'month')}); "
                "refresh it and update `trainingDate:`",
            )


automation_bias = required(
    "spec.humanOversight.automationBiasMeasures",
    (
        "reviewers confirm this high-risk system's "
        "outputs but nothing counters automation bias; add "
        "`automationBiasMeasures:`"
    ),
    within="spec.humanOversight",  # its mode is what makes the rule apply
    id="AIMS-HUM-004",
    name="AutomationBias",
    title="Human-in-the-loop review of a high-risk system counters automation bias",
    severity="warning",
    controls=["A.9.2", "A.4.6"],
    eu_ai_act=[eu("Art. 14", "medium"), eu("Art. 14(4)", "low")],
    nist_ai_rmf=[nist("GOVERN 4.1"), nist("MAP 4.1"), nist("MANAGE 1.1"), nist("MAP 3.4")],
    tags=["oversight", "eu-ai-act"],
    applies=high_risk_in_the_loop,
    rationale="""People who confirm a system's proposals all day tend to accept them unread;
        without measures against that automation bias, a human in the loop is a rubber stamp.""",
    remediation="""Add `humanOversight.automationBiasMeasures:` listing what keeps reviewers
        critical (confidence display, required reasons for agreeing, blind re-review samples).""",
)
