"""Derived facts shared by the rule pack (Rego's virtual documents): each is computed at most
once per manifest, whichever rules ask for it."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from aims_policy.engine import Context, Cursor, fact
from aims_policy.evidence import OK, URL

#: Kinds of `spec.evidence` entry that state an intention (a policy, a procedure, a plan) rather
#: than show that something was done.
POLICY_KINDS = ("policy", "procedure", "plan")


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


#: The Annex A controls a reference in each part of a manifest shows to be in operation, for
#: crediting evidence to controls (longest matching prefix wins; list indexes are left out).
#: References whose key names a policy state an intention rather than show something done.
REFERENCE_CONTROLS: dict[str, tuple[str, ...]] = {
    "spec.purpose": ("A.6.2.2", "A.9.4"),
    "spec.classification.euAiAct": ("A.6.2.5",),
    "spec.dataSources": ("A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6"),
    "spec.dataSources.dpiaRef": ("A.7.3", "A.2.3", "A.5.4"),
    "spec.models": ("A.6.2.7", "A.4.4"),
    "spec.suppliers": ("A.10.2", "A.10.3"),
    "spec.risks": ("A.5.2",),
    "spec.impactAssessment": ("A.5.2", "A.5.3", "A.5.4", "A.5.5"),
    "spec.humanOversight": ("A.9.2", "A.9.3"),
    "spec.humanOversight.overseers": ("A.4.6", "A.9.2", "A.9.3"),
    "spec.transparency": ("A.8.2", "A.8.5", "A.6.2.7", "A.9.4"),
    "spec.validation": ("A.6.2.4", "A.6.2.5"),
    "spec.monitoring": ("A.6.2.6",),
    "spec.logging": ("A.6.2.8",),
    "spec.incidents": ("A.8.3", "A.8.4"),
    "spec.resources": ("A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6"),
    "spec.governance": ("A.2.2",),
    "spec.governance.responsibleUsePolicyRef": ("A.9.2", "A.9.3"),
    "spec.governance.customerTermsRef": ("A.10.4", "A.8.5"),
    "spec.governance.externalReportingRef": ("A.8.3", "A.8.5"),
}


def _reference_controls(keys: tuple[str, ...]) -> tuple[str, ...]:
    for end in range(len(keys), 1, -1):
        found = REFERENCE_CONTROLS.get(".".join(keys[:end]))
        if found is not None:
            return found
    return ()


@fact
def evidenced_controls(ctx: Context) -> dict[str, frozenset[str]]:
    """Annex A controls shown by evidence that resolves, each with the kinds of evidence behind
    it: "operational" (a record, test, assessment...) or "policy" (a policy, procedure or plan).
    From `spec.evidence` entries (by their `controls` and `kind`) and from the references in
    each section of the manifest (by the section's controls)."""
    found: dict[str, set[str]] = {}
    entries = ctx.get("spec.evidence") or ()
    for path, status in ctx.evidence.items():
        if status not in (OK, URL):
            continue
        if path[:2] == ("spec", "evidence") and isinstance(path[2], int):
            entry = entries[path[2]]
            kind = "policy" if entry.get("kind") in POLICY_KINDS else "operational"
            controls = tuple(entry.get("controls") or ())
        else:
            keys = tuple(k for k in path if isinstance(k, str))
            kind = "policy" if keys[-1].endswith("PolicyRef") else "operational"
            controls = _reference_controls(keys)
        for control in controls:
            found.setdefault(str(control), set()).add(kind)
    return {control: frozenset(kinds) for control, kinds in found.items()}
