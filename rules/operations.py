"""Operation: monitoring, event logs, incidents and external reporting (ISO/IEC 42001 A.6.2.6,
A.6.2.8, A.8.3, A.8.4, clause 9.1; EU AI Act Art. 12, 19, 26(5)-(6), 72, 73)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule
from aims_policy.wording import plural

from .facts import (
    by_organisation_policy,
    eu_high_risk,
    has_models,
    in_house,
    in_operation,
    is_deployer,
    is_high_risk,
    is_provider,
    policy_basis,
)

_A626_NIST = [
    nist("GOVERN 1.7"),
    nist("GOVERN 4.3"),
    nist("GOVERN 5.2"),
    nist("MAP 5.2"),
    nist("MEASURE 2.3"),
    nist("MEASURE 2.4"),
    nist("MEASURE 2.6"),
    nist("MEASURE 2.13"),
    nist("MEASURE 3.2"),
    nist("MEASURE 4.3"),
    nist("MANAGE 2.2"),
    nist("MANAGE 3.2"),
    nist("MANAGE 4.1"),
    nist("MANAGE 4.2"),
    nist("MANAGE 4.3"),
]
_A626_EU = [eu("Art. 72", "high"), eu("Art. 26(5)", "high"), eu("Art. 17(1)(h)", "high")]
_A628_NIST = [nist("MEASURE 2.4"), nist("MEASURE 2.6"), nist("MEASURE 3.2")]
_A84_NIST = [nist("GOVERN 4.3"), nist("MEASURE 2.1"), nist("MEASURE 3.3")]


@fact
def policy_post_market_plan(ctx: Context) -> bool:
    """Systems in use the organisation develops and rates high although the EU AI Act does not
    classify them high-risk, when its policy asks for a post-market monitoring plan on them (data
    `organisationPolicy.actStyleControls: [postMarketMonitoring]`)."""
    return (
        by_organisation_policy(ctx, "postMarketMonitoring") and in_house(ctx) and in_operation(ctx)
    )


@fact
def policy_log_retention(ctx: Context) -> bool:
    """Systems in use the organisation rates high although the EU AI Act does not classify them
    high-risk, when its policy keeps their logs as long as a high-risk system's (data
    `organisationPolicy.actStyleControls: [logRetention]`)."""
    return by_organisation_policy(ctx, "logRetention") and in_operation(ctx)


@fact
def policy_incident_deadline(ctx: Context) -> bool:
    """Systems in use the organisation rates high although the EU AI Act does not classify them
    high-risk, when its policy sets them a deadline for reporting serious incidents (data
    `organisationPolicy.actStyleControls: [seriousIncidentReporting]`)."""
    return by_organisation_policy(ctx, "seriousIncidentReporting") and in_operation(ctx)


def _acts(ctx: Context, provider: str, deployer: str) -> str:
    """The article that puts a duty on the organisation, by its EU AI Act role."""
    if is_provider(ctx) and is_deployer(ctx):
        return f"{provider} and {deployer}"
    return provider if is_provider(ctx) else deployer


_A83_NIST = [
    nist("GOVERN 4.3"),
    nist("GOVERN 5.1"),
    nist("GOVERN 5.2"),
    nist("MAP 5.2"),
    nist("MEASURE 3.3"),
    nist("MEASURE 4.2"),
    nist("MANAGE 4.1"),
]


# -- monitoring -----------------------------------------------------------------------------


@rule(
    id="AIMS-MON-001",
    title="A system in use is monitored with metrics that have thresholds and a frequency",
    severity="error",
    controls=["A.6.2.6"],
    eu_ai_act=_A626_EU,
    nist_ai_rmf=_A626_NIST,
    tags=["monitoring", "eu-ai-act"],
    applies=in_operation,
    rationale="""Performance measured only before release says nothing about the system in
        production; monitoring needs metrics, a level that triggers action, and a rhythm, or
        degradation goes unnoticed until it harms someone. A metric kept for information only
        (volume, latency trends) may go without a threshold, as long as some metric would call
        for action.""",
    remediation="""List under `monitoring.metrics` what is measured in production; give at least
        one metric a `threshold` with its `comparison`, and each metric with a threshold its
        `frequency`.""",
)
def monitoring_metrics(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.monitoring.metrics"):
        yield ctx.at("spec").missing(
            "monitoring.metrics",
            "the system is in use but nothing is monitored; add "
            "`monitoring.metrics:` with threshold, comparison and frequency",
        )
        return
    actionable = False
    for metric in ctx.each("spec.monitoring.metrics"):
        # A threshold and its comparison only mean something together; a metric with neither
        # is informational and is judged only through the "some metric calls for action" check.
        if metric.get("threshold") is None and metric.get("comparison") is None:
            continue
        actionable = True
        for key, why in (
            ("threshold", "the level that calls for action"),
            ("comparison", "whether the threshold is a floor or a ceiling"),
            ("frequency", "how often it is measured"),
        ):
            if metric.get(key) is None:
                yield metric.missing(
                    key, f"monitoring metric {metric.name} does not state {why}; add `{key}:`"
                )
    if not actionable:
        yield ctx.at("spec.monitoring.metrics").fail(
            "no monitoring metric has a threshold, so nothing measured in production calls for "
            "action; give at least one metric a `threshold` and `comparison`"
        )


@rule(
    id="AIMS-MON-002",
    title="A model in use is watched for drift",
    severity="warning",
    controls=["A.6.2.6"],
    eu_ai_act=[*_A626_EU, eu("Art. 15(4)", "low")],
    nist_ai_rmf=_A626_NIST,
    tags=["monitoring", "robustness"],
    applies=in_operation & has_models,
    rationale="""Inputs and the world they describe change after release; a model's accuracy
        can decay silently unless the distribution of inputs and outputs is watched and a
        response is agreed in advance.""",
    remediation="""Set `monitoring.drift: {enabled: true, metrics: [...], action: ...}` naming
        what is watched and what happens when drift is found.""",
)
def drift_monitoring(ctx: Context) -> Iterator[Violation]:
    drift = ctx.get("spec.monitoring.drift")
    if drift is None:
        yield ctx.at("spec").missing(
            "monitoring.drift",
            "the model in use is not watched for drift; add "
            "`monitoring.drift:` with enabled, metrics and action",
        )
        return
    if not drift.get("enabled"):
        yield ctx.at("spec.monitoring.drift.enabled").fail(
            "drift monitoring is switched off for "
            "a model in use; enable it and name the metrics and the action"
        )
        return
    for key, what in (
        ("metrics", "what is watched"),
        ("action", "what happens when drift is found"),
    ):
        if not drift.get(key):
            yield ctx.at("spec.monitoring.drift").missing(
                key, f"drift monitoring does not say {what}; add `{key}:`"
            )


@rule(
    id="AIMS-MON-003",
    title="Monitoring alerts someone when a threshold is crossed",
    severity="warning",
    controls=["A.6.2.6"],
    eu_ai_act=_A626_EU,
    nist_ai_rmf=_A626_NIST,
    tags=["monitoring"],
    applies=in_operation,
    rationale="""A threshold crossed on a dashboard nobody looks at is not acted on; monitoring
        must reach a person or team through an alert channel.""",
    remediation="""Set `monitoring.alerting: {enabled: true, channel: ...}` naming where alerts
        go (on-call rota, ticket queue, chat channel).""",
)
def alerting(ctx: Context) -> Iterator[Violation]:
    alert = ctx.get("spec.monitoring.alerting")
    if alert is None:
        yield ctx.at("spec").missing(
            "monitoring.alerting",
            "monitoring of the system in use raises no alerts; add "
            "`monitoring.alerting:` with enabled and channel",
        )
    elif not alert.get("enabled"):
        yield ctx.at("spec.monitoring.alerting.enabled").fail(
            "alerting is switched off; enable it and name the `channel:` alerts go to"
        )
    elif not alert.get("channel"):
        yield ctx.at("spec.monitoring.alerting").missing(
            "channel", "alerts go to no named channel; add `channel:`"
        )


post_market_plan = required(
    "spec.monitoring.postMarketPlanRef",
    (
        "this high-risk system's provider has no post-market monitoring "
        "plan (EU AI Act Art. 72); write one and add `monitoring.postMarketPlanRef:`"
    ),
    id="AIMS-MON-004",
    name="PostMarketPlan",
    title="A provider of a high-risk system has a post-market monitoring plan",
    severity="error",
    controls=["A.6.2.6", "A.8.3"],
    eu_ai_act=[eu("Art. 72(1)-(3)", "high", basis=True), eu("Art. 17(1)(h)", "medium")],
    nist_ai_rmf=_A626_NIST,
    tags=["monitoring", "eu-ai-act"],
    applies=eu_high_risk & is_provider & in_operation,
    rationale="""Providers of high-risk systems must collect and analyse data on how the system
        performs throughout its life, following a documented plan that is part of the
        technical documentation (EU AI Act Art. 72). It is the provider's duty: a deployer
        monitors the system in use (AIMS-MON-001) and tells the provider what it finds, and the
        organisation's own risk level does not make the Act apply (AIMS-MON-006 is the
        organisation's policy for that).""",
    remediation="""Write the post-market monitoring plan and reference it as
        `monitoring.postMarketPlanRef`.""",
)


@rule(
    id="AIMS-MON-006",
    title="The organisation's policy: a system it develops and rates high has a post-market monitoring plan",
    severity="error",
    controls=["A.6.2.6", "A.8.3"],
    nist_ai_rmf=_A626_NIST,
    tags=["monitoring", "organisation-policy"],
    applies=policy_post_market_plan,
    rationale="""An organisation may choose, as its own policy, to follow a system it develops and
        rates high through its life as the EU AI Act asks of high-risk systems (Art. 72), although
        the Act does not classify the system high-risk. The finding is the organisation's policy,
        not a legal duty; the data document says which Act-style controls the policy applies.""",
    remediation="""Write a post-market monitoring plan and reference it as
        `monitoring.postMarketPlanRef`, or take `postMarketMonitoring` out of the data document's
        `organisationPolicy.actStyleControls`.""",
)
def policy_post_market(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.monitoring.postMarketPlanRef"):
        basis = policy_basis(ctx, "a post-market monitoring plan", "Art. 72")
        yield ctx.at("spec").missing(
            "monitoring.postMarketPlanRef",
            f"{basis}; write one and add `monitoring.postMarketPlanRef:`",
        )


feedback_channel = required(
    "spec.monitoring.feedbackChannel",
    (
        "users and affected people have no declared way to give "
        "feedback on the system's outputs; add `monitoring.feedbackChannel:`"
    ),
    id="AIMS-MON-005",
    name="FeedbackChannel",
    title="Users and affected people can give feedback on a system in use",
    severity="warning",
    controls=["A.8.3"],
    eu_ai_act=[eu("Art. 72(2)", "medium"), eu("Art. 26(5)", "medium"), eu("Art. 85", "low")],
    nist_ai_rmf=_A83_NIST,
    tags=["monitoring", "transparency"],
    applies=in_operation,
    rationale="""Users and the people a system affects notice errors first; a feedback route
        about the system's outputs (distinct from the whistle-blowing channel for concerns)
        turns that into monitoring input.""",
    remediation="""Add `monitoring.feedbackChannel:` saying how users and affected people report
        problems with outputs (in-app rating, form, mailbox).""",
)


# -- event logs -----------------------------------------------------------------------------


@rule(
    id="AIMS-LOG-001",
    title="A system in use records event logs",
    severity="error",
    controls=["A.6.2.8"],
    eu_ai_act=[eu("Art. 12", "high"), eu("Art. 19", "high"), eu("Art. 26(6)", "high")],
    nist_ai_rmf=_A628_NIST,
    tags=["logging", "security", "eu-ai-act"],
    applies=in_operation,
    rationale="""Without event logs an incident, a complaint or a wrong decision cannot be
        reconstructed; high-risk systems must log automatically over their lifetime
        (EU AI Act Art. 12), and every system needs logs to be investigated.""",
    remediation="""Enable logging and set `logging: {enabled: true, retentionDays: N, events:
        [...]}` listing what is recorded.""",
)
def logging_enabled(ctx: Context) -> Iterator[Violation]:
    log = ctx.get("spec.logging")
    if log is None:
        yield ctx.at("spec").missing(
            "logging",
            "the system is in use but keeps no event logs; add `logging:` "
            "with `enabled: true` and the events recorded",
        )
    elif not log.get("enabled"):
        yield ctx.at("spec.logging.enabled").fail(
            "event logging is switched off for a system in use; enable it (`enabled: true`)"
        )
    elif not log.get("events"):
        yield ctx.at("spec.logging").missing(
            "events",
            "the logged events are not listed; add `events:` "
            "(timestamps, model version, inputs or references, outputs, "
            "overseer actions)",
        )


def _retention(ctx: Context, minimum: int, label: str) -> Iterator[Violation]:
    log = ctx.get("spec.logging")
    if not log or not log.get("enabled"):
        return  # AIMS-LOG-001 reports logging that is absent or off
    days = log.get("retentionDays")
    if days is None:
        yield ctx.at("spec.logging").missing(
            "retentionDays",
            f"log retention is not stated; {label} logs must be "
            f"kept at least {plural(minimum, 'day')}: add `retentionDays:`",
        )
    elif days < minimum:
        ctx.note(f"{days} < {minimum}")
        yield ctx.at("spec.logging.retentionDays").fail(
            f"logs are kept {plural(days, 'day')}; {label} "
            f"logs must be kept at least {plural(minimum, 'day')}; raise `retentionDays:`",
        )


@rule(
    id="AIMS-LOG-002",
    title="Logs of a high-risk system are kept at least the legal minimum",
    severity="error",
    controls=["A.6.2.8"],
    eu_ai_act=[eu("Art. 19(1)", "high", basis=True), eu("Art. 26(6)", "high", basis=True)],
    nist_ai_rmf=_A628_NIST,
    tags=["logging", "security", "eu-ai-act"],
    applies=eu_high_risk & in_operation & (is_provider | is_deployer),
    rationale="""Providers (Art. 19) and deployers (Art. 26(6)) of high-risk systems must keep the
        automatically generated logs under their control for at least six months; shorter
        retention destroys the evidence authorities and affected people may need. The duty
        follows the Act's category; a system the organisation rates high but the Act does not
        is covered by its own policy (AIMS-LOG-005).""",
    remediation="""Set `logging.retentionDays` to at least the data document's
        `logging.minRetentionDaysHighRisk` (default 183 days).""",
)
def high_risk_retention(ctx: Context) -> Iterator[Violation]:
    article = _acts(ctx, "Art. 19", "Art. 26(6)")
    label = f"under EU AI Act {article}, a high-risk system's"
    yield from _retention(ctx, ctx.param("logging.minRetentionDaysHighRisk"), label)


@rule(
    id="AIMS-LOG-005",
    title="The organisation's policy: logs of a system it rates high are kept as long as a high-risk system's",
    severity="error",
    controls=["A.6.2.8"],
    nist_ai_rmf=_A628_NIST,
    tags=["logging", "security", "organisation-policy"],
    applies=policy_log_retention,
    rationale="""An organisation may choose, as its own policy, to keep the logs of a system it
        rates high as long as the EU AI Act asks for high-risk systems (six months, Art. 19 and
        26(6)), although the Act does not classify the system high-risk. The finding is the
        organisation's policy, not a legal duty.""",
    remediation="""Set `logging.retentionDays` to at least the data document's
        `logging.minRetentionDaysHighRisk` (default 183 days), or take `logRetention` out of
        `organisationPolicy.actStyleControls`.""",
)
def policy_retention(ctx: Context) -> Iterator[Violation]:
    label = "by the organisation's policy (data `organisationPolicy.actStyleControls`), its"
    yield from _retention(ctx, ctx.param("logging.minRetentionDaysHighRisk"), label)


@rule(
    id="AIMS-LOG-003",
    title="Logs are kept long enough to investigate incidents",
    severity="warning",
    controls=["A.6.2.8"],
    eu_ai_act=[eu("Art. 12", "high")],
    nist_ai_rmf=_A628_NIST,
    tags=["logging", "security"],
    applies=in_operation,
    rationale="""Incidents and complaints often surface weeks after the event; logs deleted
        before then leave nothing to investigate.""",
    remediation="""Set `logging.retentionDays` to at least the data document's
        `logging.minRetentionDays` (default 30 days).""",
)
def retention(ctx: Context) -> Iterator[Violation]:
    yield from _retention(ctx, ctx.param("logging.minRetentionDays"), "the system's")


@rule(
    id="AIMS-LOG-004",
    title="Logs of a high-risk system are tamper-evident",
    severity="warning",
    controls=["A.6.2.8"],
    eu_ai_act=[eu("Art. 12(1)", "medium"), eu("Art. 12(2)", "low")],
    nist_ai_rmf=[nist("MEASURE 2.8"), nist("MANAGE 4.3")],
    tags=["logging", "security"],
    applies=is_high_risk & in_operation,
    rationale="""Logs are evidence only if nobody can change them unnoticed: after an incident or
        a complaint about a decision, a log that an operator could have edited proves nothing,
        and the people with most reason to edit it are often the ones who run the system.""",
    remediation="""Write the logs to append-only or write-once storage, or chain or sign them,
        and set `logging.tamperEvident: true`.""",
)
def tamper_evident(ctx: Context) -> Iterator[Violation]:
    log = ctx.get("spec.logging")
    if not log or not log.get("enabled"):
        return  # AIMS-LOG-001 reports logging that is absent or off
    if log.get("tamperEvident") is None:
        yield ctx.at("spec.logging").missing(
            "tamperEvident",
            "it is not stated whether the logs of this high-risk system are protected "
            "against changes; make them tamper-evident and add `tamperEvident: true`",
        )
    elif not log.get("tamperEvident"):
        yield ctx.at("spec.logging.tamperEvident").fail(
            "the logs of this high-risk system can be changed unnoticed; keep them in "
            "append-only or write-once storage (or sign them) and set `tamperEvident: true`"
        )


# -- incidents and external reporting -------------------------------------------------------


@rule(
    id="AIMS-INC-001",
    title="Incidents with a system in use can be reported to a named channel and contact",
    severity="error",
    controls=["A.8.4"],
    eu_ai_act=[eu("Art. 73", "high"), eu("Art. 26(5)", "high"), eu("Art. 17(1)(i)", "high")],
    nist_ai_rmf=_A84_NIST,
    tags=["incidents", "eu-ai-act"],
    applies=in_operation,
    rationale="""When something goes wrong, users, operators and suppliers must know where to
        report it and who acts; an incident without an owner is handled late or not at all.""",
    remediation="""Add `incidents.channel:` (queue, form or rota) and `incidents.contact:` (a
        monitored address or team).""",
)
def incident_channel(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.incidents"):
        yield ctx.at("spec").missing(
            "incidents",
            "the system is in use but there is no incident channel; add "
            "`incidents:` with channel and contact",
        )
        return
    for key, what in (("channel", "where incidents are reported"), ("contact", "who handles them")):
        if not ctx.get(f"spec.incidents.{key}"):
            yield ctx.at("spec.incidents").missing(
                key, f"the incident process does not say {what}; add `{key}:`"
            )


def _deadline(ctx: Context, rule: str) -> Iterator[Violation]:
    limit = ctx.param("incidents.maxReportingDays")
    days = ctx.get("spec.incidents.reportingDeadlineDays")
    if days is None:
        yield ctx.at("spec").missing(
            "incidents.reportingDeadlineDays",
            f"no deadline for reporting serious incidents is set ({rule}); add "
            f"`incidents.reportingDeadlineDays:` of at most {limit}",
        )
    elif days > limit:
        ctx.note(f"{days} > {limit}")
        yield ctx.at("spec.incidents.reportingDeadlineDays").fail(
            f"serious incidents are "
            f"reported within {plural(days, 'day')}, beyond the {limit}-day limit ({rule}); "
            "shorten the deadline",
        )


@rule(
    id="AIMS-INC-002",
    title="Serious incidents with a high-risk system are reported within the legal deadline",
    severity="error",
    controls=["A.8.4"],
    eu_ai_act=[
        eu("Art. 73(1)-(2)", "high", basis=True),
        eu("Art. 26(5)", "high", basis=True),
        eu("Art. 20(2)", "medium"),
    ],
    nist_ai_rmf=_A84_NIST,
    tags=["incidents", "eu-ai-act"],
    applies=eu_high_risk & (is_provider | is_deployer) & in_operation,
    rationale="""Serious incidents with high-risk systems must reach the market surveillance
        authority within fixed deadlines: the provider reports within at most 15 days, shorter
        for deaths and critical infrastructure (EU AI Act Art. 73), and a deployer informs the
        provider and the authority immediately (Art. 26(5)). An internal deadline beyond that
        guarantees a breach. The duty follows the Act's category; a system the organisation
        rates high but the Act does not is covered by its own policy (AIMS-INC-005).""",
    remediation="""Set `incidents.reportingDeadlineDays` to no more than the data document's
        `incidents.maxReportingDays` (default 15).""",
)
def reporting_deadline(ctx: Context) -> Iterator[Violation]:
    yield from _deadline(ctx, "EU AI Act " + _acts(ctx, "Art. 73", "Art. 26(5)"))


@rule(
    id="AIMS-INC-005",
    title="The organisation's policy: serious incidents with a system it rates high are reported within its deadline",
    severity="error",
    controls=["A.8.4"],
    nist_ai_rmf=_A84_NIST,
    tags=["incidents", "organisation-policy"],
    applies=policy_incident_deadline,
    rationale="""An organisation may choose, as its own policy, to report serious incidents with a
        system it rates high within the deadline the EU AI Act sets for high-risk systems
        (Art. 73), although the Act does not classify the system high-risk. The finding is the
        organisation's policy, not a legal duty: no authority has to be notified under the Act.""",
    remediation="""Set `incidents.reportingDeadlineDays` to no more than the data document's
        `incidents.maxReportingDays` (default 15), or take `seriousIncidentReporting` out of
        `organisationPolicy.actStyleControls`.""",
)
def policy_reporting_deadline(ctx: Context) -> Iterator[Violation]:
    yield from _deadline(
        ctx, "the organisation's policy (data `organisationPolicy.actStyleControls`), not the Act"
    )


incident_authority = required(
    "spec.incidents.authority",
    "the authority to notify of serious incidents is not named; add `incidents.authority:`",
    id="AIMS-INC-003",
    name="IncidentAuthority",
    title="The authority to notify of serious incidents is named for a high-risk system",
    severity="error",
    controls=["A.8.4"],
    eu_ai_act=[eu("Art. 73(1)", "high", basis=True), eu("Art. 26(5)", "medium", basis=True)],
    nist_ai_rmf=_A84_NIST,
    tags=["incidents", "eu-ai-act"],
    applies=eu_high_risk & (is_provider | is_deployer) & in_operation,
    rationale="""Working out which market surveillance authority is competent while a serious
        incident is under way costs days the deadline does not allow; it must be known
        beforehand. Providers notify it (EU AI Act Art. 73), and so do deployers, after the
        provider (Art. 26(5)); a system the Act does not classify high-risk has no such
        authority to notify.""",
    remediation="""Add `incidents.authority:` naming the market surveillance authority of the
        member state(s) where the system is used.""",
)


external_reporting = required(
    "spec.governance.externalReportingRef",
    (
        "there is no external reporting process for this high-risk "
        "system; add `governance.externalReportingRef:`"
    ),
    id="AIMS-INC-004",
    name="ExternalReporting",
    title="External reporting on a high-risk system is defined",
    severity="warning",
    controls=["A.8.3"],
    eu_ai_act=[eu("Art. 72(2)", "medium"), eu("Art. 26(5)", "medium"), eu("Art. 85", "low")],
    nist_ai_rmf=_A83_NIST,
    tags=["incidents", "transparency"],
    # Like the incident channel (AIMS-INC-001): adverse impacts exist once the system is in use.
    applies=is_high_risk & in_operation,
    rationale="""Interested parties outside the organisation (authorities, customers, affected
        people) need a defined way to report adverse impacts of a high-risk system and to
        receive information about them, from the time it is deployed.""",
    remediation="""Describe how external parties report problems and how the organisation
        reports back, and reference it as `governance.externalReportingRef`.""",
)
