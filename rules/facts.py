"""Derived facts shared by the rule pack (Rego's virtual documents): each is computed at most
once per manifest, whichever rules ask for it."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection
from typing import Any

from aims_policy.data import ANNEX_III_POINTS
from aims_policy.engine import Context, Cursor, fact
from aims_policy.evidence import credited_controls
from aims_policy.records import Record

EU = "spec.classification.euAiAct"

#: Annex III points every deployer owes a fundamental-rights impact assessment for, whether or
#: not it is a public body (Art. 27(1)): creditworthiness and life and health insurance pricing.
FRIA_POINTS = ("5(b)", "5(c)")
#: Annex III points whose deployers tell the people exposed to the system (Art. 50(3)): biometric
#: categorisation and emotion recognition.
EMOTION_OR_CATEGORISATION_POINTS = ("1(b)", "1(c)")

#: The Annex III area (the manifest's `annexIIIArea` names) of each point's number.
AREA_OF_NUMBER = {
    "1": "biometrics",
    "2": "critical-infrastructure",
    "3": "education",
    "4": "employment",
    "5": "essential-services",
    "6": "law-enforcement",
    "7": "migration",
    "8": "justice-and-democracy",
}


@fact
def risk_level(ctx: Context) -> str:
    """The organisation's risk level of the system."""
    return str(ctx.get("spec.classification.riskLevel", ""))


@fact
def eu_category(ctx: Context) -> str:
    """The EU AI Act category the system is classified in."""
    return str(ctx.get("spec.classification.euAiAct.category", ""))


@fact
def eu_high_risk(ctx: Context) -> bool:
    """Systems classified high-risk under the EU AI Act."""
    return eu_category(ctx) == "high-risk"


@fact
def rated_high(ctx: Context) -> bool:
    """Systems the organisation rates at one of its high risk levels (data `risk.highRiskLevels`)."""
    levels = ctx.param("risk.highRiskLevels")
    return risk_level(ctx) in levels


@fact
def is_high_risk(ctx: Context) -> bool:
    """High-risk systems (the organisation's high levels, or EU AI Act high-risk).

    For the organisation's own ISO/IEC 42001 controls, proportionate to risk. The Act's duties
    follow the Act's category and the organisation's role instead (`eu_high_risk`, `is_provider`,
    `is_deployer`)."""
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
def is_active(ctx: Context) -> bool:
    """Systems that are not retired."""
    return bool(ctx.get("spec.lifecycle.stage") != "retired")


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
def serves_others(ctx: Context) -> bool:
    """Systems provided to people outside the team that runs them: placed on the market, or run
    in-house for people who use it or whom it affects."""
    # A `provider-and-deployer` tool that only its own team uses (no interaction with people, no
    # decisions about them, no affected persons named) has no customers to give terms to (A.10.4).
    role = ctx.get(f"{EU}.role")
    if role == "provider":
        return True
    return role == "provider-and-deployer" and bool(
        ctx.get("spec.classification.interactsWithPeople")
        or ctx.get("spec.classification.decisionsAffectIndividuals")
        or ctx.get("spec.purpose.affectedPersons")
    )


@fact
def is_deployer(ctx: Context) -> bool:
    """Systems the organisation uses under its own authority (deploys) under the EU AI Act."""
    return ctx.get(f"{EU}.role") in ("deployer", "provider-and-deployer")


@fact
def in_house(ctx: Context) -> bool:
    """Systems the organisation develops: it is their EU AI Act provider, or states no EU role."""
    return is_provider(ctx) or ctx.get(EU) is None


def area_of_point(point: str) -> str:
    """The Annex III area of a point: "5(b)" -> "essential-services"."""
    return AREA_OF_NUMBER.get(point.split("(", 1)[0], "")


def points_of_area(area: str) -> tuple[str, ...]:
    """The Annex III points of an area, in the Act's order."""
    return tuple(p for p in ANNEX_III_POINTS if area_of_point(p) == area)


@fact
def annex_iii_point(ctx: Context) -> str:
    """The system's EU AI Act Annex III point, such as 5(b) ("" when none is given)."""
    point = ctx.get(f"{EU}.annexIIIPoint")
    if point is None:
        return ""
    # The schema lets point 2 be written as a number; 2.0 is that number too.
    return str(int(point)) if isinstance(point, (int, float)) else str(point)


@fact
def annex_iii_area(ctx: Context) -> str:
    """The system's Annex III area: its point's, or the v1 `annexIIIArea` when no point is given."""
    point = annex_iii_point(ctx)
    return area_of_point(point) if point else str(ctx.get(f"{EU}.annexIIIArea") or "")


def point_in(ctx: Context, points: Collection[str]) -> bool | None:
    """Whether the system's Annex III point is one of ``points``. With the area alone: True when
    every point of the area is one of them, False when none is (or no area is given), None when
    only the point can tell (AIMS-CLS-002 asks for it)."""
    point = annex_iii_point(ctx)
    if point:
        return point in points
    area = ctx.get(f"{EU}.annexIIIArea")
    listed = [p in points for p in points_of_area(str(area or ""))]
    if not any(listed):
        return False
    return True if all(listed) else None


def by_organisation_policy(ctx: Context, control: str) -> bool:
    """Whether the organisation's own policy applies the Act-style ``control`` to this system: the
    data document lists it (`organisationPolicy.actStyleControls`), the organisation rates the
    system high and the EU AI Act does not classify it high-risk (where it does, the Act's own
    duty is a rule of its own, by role)."""
    if control not in ctx.param("organisationPolicy.actStyleControls"):
        return False
    return rated_high(ctx) and not eu_high_risk(ctx)


def policy_basis(ctx: Context, what: str, article: str) -> str:
    """How a finding of the organisation's policy names its basis: the policy, by analogy with an
    article of the Act that does not apply to the system."""
    category = eu_category(ctx) or "unclassified"
    return (
        f"the organisation's policy asks for {what} on systems it rates {risk_level(ctx)} "
        f"(data `organisationPolicy.actStyleControls`), by analogy with EU AI Act {article}, "
        f"which does not require it of this {category} system"
    )


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


#: The lifecycle dates of a change record, in the order they happen (docs/lifecycle.md).
CHANGE_DATES = ("proposedOn", "approvedOn", "releasedOn")


class ChangeDates(Record):
    """When a change in `spec.lifecycle.changeLog` was proposed, approved and released.

    A v1 record has only `date`. Teams write it for the day of the release (the change log
    holds one entry per release) or for the day work on the change began, so it is read as the
    release day where a day is needed (after go-live? released yet?), and never compared with an
    assessment, a validation or an approval: those comparisons point opposite ways under the two
    readings (AIMS-GOV-010 asks for the three dates instead)."""

    proposed: _dt.date | None
    approved: _dt.date | None
    released: _dt.date | None
    #: Only the v1 `date` is given: the order of the change's steps cannot be told.
    single: bool


def change_dates(ctx: Context, change: Any) -> ChangeDates:
    """The lifecycle dates of one change record (a cursor or its mapping)."""
    proposed, approved, released = (ctx.date(change.get(name)) for name in CHANGE_DATES)
    single = proposed is None and approved is None and released is None
    return ChangeDates(proposed, approved, released or ctx.date(change.get("date")), single)


@fact
def significant_changes(ctx: Context) -> tuple[Cursor, ...]:
    """Changes marked significant that were released after the system went live, up to today
    (the initial release is what the pre-deployment review and assessment already covered; a
    change still being prepared, or released on a later day, is not yet in use)."""
    live = ctx.date(ctx.get("spec.lifecycle.deployedOn"))
    chosen = []
    for change in ctx.each("spec.lifecycle.changeLog"):
        released = change_dates(ctx, change).released
        if (
            change.get("significant")
            and released is not None
            and released <= ctx.today
            and (live is None or released > live)
        ):
            chosen.append(change)
    return tuple(chosen)


@fact
def records_lifecycle_dates(ctx: Context) -> bool:
    """Systems whose change log records `proposedOn`, `approvedOn` or `releasedOn` on some change
    (a v1 log, with one `date` per change, records no order to check)."""
    return any(not change_dates(ctx, c).single for c in ctx.each("spec.lifecycle.changeLog"))


@fact
def has_significant_change(ctx: Context) -> bool:
    """Systems with a change marked significant released since go-live."""
    return bool(significant_changes(ctx))


def latest_release(ctx: Context, changes: Collection[Cursor]) -> tuple[Cursor, _dt.date]:
    """The change released last, with its release day (the v1 `date` read as that day); among
    ``changes``, at least one of which has been released (as every one of significant_changes)."""
    return max(
        ((c, d) for c in changes if (d := change_dates(ctx, c).released) is not None),
        key=lambda pair: pair[1],
    )


def latest_proposal(ctx: Context, changes: Collection[Cursor]) -> tuple[Cursor, _dt.date] | None:
    """The change proposed last, with its proposal day; v1 records (no `proposedOn`) have none."""
    dated = [(c, d) for c in changes if (d := change_dates(ctx, c).proposed) is not None]
    return max(dated, key=lambda pair: pair[1]) if dated else None


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
