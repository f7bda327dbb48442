"""Absence is a statement: sections a manifest must either declare or state not applicable
(``spec.notApplicable``), so that leaving a section out never switches its rules off unnoticed.

The data rules apply only to a system that lists data sources, the supplier rules only to one
that lists suppliers, the model rules only to one that lists models. Without these rules, a
high-risk system in operation that lists none of them would pass every one. Which stages demand
which section is the data document's ``declarations``; who is concerned (every system, high-risk
systems, decisions about people) is fixed here and in the titles.
"""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, rule

from .facts import affects_individuals, is_high_risk

#: The sections a manifest may state not applicable, as the schema lists them.
SECTIONS = (
    "dataSources",
    "models",
    "suppliers",
    "risks",
    "impactAssessment",
    "humanOversight",
    "transparency",
    "validation",
    "monitoring",
    "logging",
    "incidents",
)


def _stage_in(ctx: Context, key: str) -> bool:
    return ctx.get("spec.lifecycle.stage") in ctx.param(f"declarations.{key}")


@fact
def models_expected(ctx: Context) -> bool:
    """Systems at a stage where their models must be known (data document
    `declarations.modelsFromStages`)."""
    return _stage_in(ctx, "modelsFromStages")


@fact
def data_expected(ctx: Context) -> bool:
    """Systems at a stage where their data must be known (data document
    `declarations.dataSourcesFromStages`)."""
    return _stage_in(ctx, "dataSourcesFromStages")


@fact
def suppliers_expected(ctx: Context) -> bool:
    """Systems at a stage where their suppliers must be known (data document
    `declarations.suppliersFromStages`)."""
    return _stage_in(ctx, "suppliersFromStages")


@fact
def states_not_applicable(ctx: Context) -> bool:
    """Systems that state sections not applicable."""
    return bool(ctx.get("spec.notApplicable"))


def _declared_or_stated(ctx: Context, section: str, who: str, what: str) -> Iterator[Violation]:
    if ctx.get(f"spec.{section}") or ctx.get(f"spec.notApplicable.{section}"):
        return
    how = (
        f"list them under `{section}:`, or if there are none say why under "
        f"`notApplicable: {{{section}: ...}}`"
    )
    if ctx.get(f"spec.{section}") is None:
        yield ctx.at("spec").missing(section, f"{who} declares no {what}; {how}")
    else:
        yield ctx.at(f"spec.{section}").fail(f"{who} lists no {what} (an empty list); {how}")


def _who(ctx: Context) -> str:
    stage = ctx.get("spec.lifecycle.stage")
    return f"this system in {stage}" if stage else "this system"


@rule(
    id="AIMS-DEC-001",
    title="Systems past design declare their models or say why they have none",
    severity="error",
    controls=["A.4.4", "A.6.2.3"],
    eu_ai_act=[eu("Annex IV §2(b)", "medium")],
    nist_ai_rmf=[nist("MAP 2.1"), nist("GOVERN 1.6")],
    tags=["inventory", "documentation"],
    applies=models_expected,
    rationale="""A system's models are the first resource an auditor asks about: the model
        card, supplier, drift-monitoring and training-data rules all start from the model list.
        A system that lists none passes them all without anyone having looked.""",
    remediation="""List each model under `spec.models` (in-house, or naming its supplier); if the
        system really uses no model, say why under `spec.notApplicable.models`.""",
)
def models_declared(ctx: Context) -> Iterator[Violation]:
    yield from _declared_or_stated(ctx, "models", _who(ctx), "models")


@rule(
    id="AIMS-DEC-002",
    title="Systems that decide about people or are high risk declare their data or say why not",
    severity="error",
    controls=["A.4.3", "A.7.2"],
    eu_ai_act=[eu("Art. 10(2)", "medium"), eu("Annex IV §2(d)", "medium")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("GOVERN 1.6")],
    tags=["data", "inventory"],
    applies=data_expected & (is_high_risk | affects_individuals),
    rationale="""Provenance, licence, lawful basis, data protection impact assessment and bias
        examination are all checked per data source; a system that lists no data sources gets
        none of those checks, which for a high-risk system or one that decides about people
        hides exactly the gaps that matter most.""",
    remediation="""List the data the system is trained, validated, tested or run on under
        `spec.dataSources`; if it uses no data of its own (a bought service used as is), say why
        under `spec.notApplicable.dataSources`.""",
)
def data_declared(ctx: Context) -> Iterator[Violation]:
    yield from _declared_or_stated(ctx, "dataSources", _who(ctx), "data sources")


@rule(
    id="AIMS-DEC-003",
    title="High-risk systems declare their suppliers or say why they have none",
    severity="warning",
    controls=["A.10.3", "A.4.2"],
    eu_ai_act=[eu("Art. 25(4)", "medium")],
    nist_ai_rmf=[nist("GOVERN 6.1"), nist("MAP 4.1")],
    tags=["third-party", "inventory"],
    applies=suppliers_expected & is_high_risk,
    rationale="""Supplier assessment, approval and contract rules apply per listed supplier. A
        high-risk system rarely runs without any third party (a model, data, a cloud platform);
        one that lists none must say so on purpose, or its supplier risks go unexamined.""",
    remediation="""List the suppliers of models, data, platforms and services under
        `spec.suppliers`; if everything is built and run in-house, say so under
        `spec.notApplicable.suppliers`.""",
)
def suppliers_declared(ctx: Context) -> Iterator[Violation]:
    yield from _declared_or_stated(ctx, "suppliers", _who(ctx), "suppliers")


@rule(
    id="AIMS-DEC-004",
    title="A section stated not applicable is not also declared",
    severity="error",
    clauses=["7.5.2"],
    nist_ai_rmf=[nist("GOVERN 1.4", "medium")],
    tags=["documentation"],
    applies=states_not_applicable,
    rationale="""A manifest that both fills a section and says it does not apply contradicts
        itself; a reader cannot tell which is true, and a statement meant to be temporary is
        left behind when the section is later filled in.""",
    remediation="""Remove the statement under `spec.notApplicable` for a section the manifest
        now declares, or remove the section if the statement is right.""",
)
def no_contradiction(ctx: Context) -> Iterator[Violation]:
    for section in SECTIONS:
        if ctx.get(f"spec.notApplicable.{section}") and ctx.get(f"spec.{section}"):
            yield ctx.at(f"spec.notApplicable.{section}").fail(
                f"`{section}` is stated not applicable but the manifest declares it; remove "
                "one of the two"
            )
