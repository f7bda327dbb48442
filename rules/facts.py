"""Derived facts shared by the rule pack (Rego's virtual documents): each is computed at most
once per manifest, whichever rules ask for it."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from aims_policy.engine import Context, Cursor, fact
from aims_policy.evidence import credited_controls


@fact
def risk_level(ctx: Context) -> str:
    """The organisation's risk level of the system."""
    return str(ctx.get("spec.classification.riskLevel", ""))


@fact
def eu_category(ctx: Context) -> str:
    """The EU AI Act category the system is classified in."""
    return str(ctx.get("spec.classification.euAiAct.category", ""))


@fact
def is_high_risk(ctx: Context) -> bool:
    """High-risk systems (the organisation's high levels, or EU AI Act high-risk)."""
    levels = ctx.param("risk.highRiskLevels")
    return risk_level(ctx) in levels or eu_category(ctx) == "high-risk"


@fact
def has_risks(ctx: Context) -> bool:
    """Systems with a risk register."""
    return bool(ctx.get("spec.risks"))


@fact
def affects_individuals(ctx: Context) -> bool:
    """Systems whose outputs are used in decisions about people."""
    return bool(ctx.get("spec.classification.decisionsAffectIndividuals"))


def holds_personal_data(source: Any) -> bool:
    """Whether a data source holds personal data: special-category data (GDPR Art. 9) is personal
    data by definition, whatever `personalData` says."""
    return bool(source.get("personalData") or source.get("specialCategoryData"))


@fact
def processes_personal_data(ctx: Context) -> bool:
    """Systems with a data source that holds personal data (special-category data included)."""
    return any(holds_personal_data(ds) for ds in ctx.get("spec.dataSources", ()))


@fact
def is_generative(ctx: Context) -> bool:
    """Generative AI systems."""
    return bool(ctx.get("spec.classification.generativeAI"))


@fact
def in_operation(ctx: Context) -> bool:
    """Systems deployed or in operation."""
    return ctx.get("spec.lifecycle.stage") in ("deployment", "operation")


@fact
def built_or_running(ctx: Context) -> bool:
    """Systems past design: in development, validation, deployment or operation."""
    return ctx.get("spec.lifecycle.stage") in (
        "development",
        "validation",
        "deployment",
        "operation",
    )


@fact
def is_provider(ctx: Context) -> bool:
    """Systems the organisation provides (places on the market or puts into service) under the EU AI Act."""
    return ctx.get("spec.classification.euAiAct.role") in ("provider", "provider-and-deployer")


@fact
def interacts_with_people(ctx: Context) -> bool:
    """Systems people interact with directly (chat, voice)."""
    return bool(ctx.get("spec.classification.interactsWithPeople"))


@fact
def has_data_sources(ctx: Context) -> bool:
    """Systems that declare data sources."""
    return bool(ctx.get("spec.dataSources"))


@fact
def has_models(ctx: Context) -> bool:
    """Systems that declare models."""
    return bool(ctx.get("spec.models"))


@fact
def has_suppliers(ctx: Context) -> bool:
    """Systems that declare suppliers."""
    return bool(ctx.get("spec.suppliers"))


@fact
def significant_changes(ctx: Context) -> tuple[Cursor, ...]:
    """Changes marked significant after the system went live (the initial release is what the
    pre-deployment review and assessment already covered)."""
    live = ctx.get("spec.lifecycle.deployedOn")
    return tuple(
        c
        for c in ctx.each("spec.lifecycle.changeLog")
        if c.get("significant") and (live is None or c.get("date") > live)
    )


@fact
def has_significant_change(ctx: Context) -> bool:
    """Systems with a change marked significant since go-live."""
    return bool(significant_changes(ctx))


def person_key(text: Any) -> str:
    """A person's name for comparison: people are often written "Name (Role)"."""
    return " ".join(str(text).split("(", 1)[0].split()).casefold()


def add_months(day: _dt.date, months: int) -> _dt.date:
    """``day`` plus whole calendar months, clamped to the month's last day (31 Jan + 1 = 28 Feb)
    and to the calendar (after 9999-12-31 is 9999-12-31, before 0001-01-01 is 0001-01-01). No
    today comes after 9999-12-31, so what falls due beyond it is simply never overdue; a valid
    date near either end must not crash the rules that derive due days from it."""
    # JSON Schema counts 12.0 as an integer, so a schema-valid interval may arrive as a float.
    month_index = day.month - 1 + int(months)
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > _dt.MAXYEAR:
        return _dt.date.max
    if year < _dt.MINYEAR:
        # Only a negative interval gets here, which neither the schema nor the data document allows.
        return _dt.date.min
    for candidate in (31, 30, 29, 28):
        try:
            return _dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def due_by(ctx: Context, last: Any, months: int | None = None) -> _dt.date | None:
    """The day by which the next review is due: ``last`` plus the maximum review interval. The
    due day itself is still on time."""
    day = ctx.date(last)
    if day is None:
        return None
    return add_months(day, months if months is not None else ctx.param("reviews.maxIntervalMonths"))


@fact
def evidenced_controls(ctx: Context) -> dict[str, frozenset[str]]:
    """Annex A controls shown by evidence that resolves, each with the kinds of evidence behind
    it: "operational" (a record, test, assessment...) or "policy" (a policy, procedure or plan).
    From `spec.evidence` entries (by their `controls` and `kind`) and from the references in
    each section of the manifest (by the section's controls)."""
    return credited_controls(ctx.input, ctx.evidence)
