"""Resources for AI systems: documentation of the tooling, computing and people a system relies
on (ISO/IEC 42001 A.4.2, A.4.4-A.4.6; data resources, A.4.3, are covered by the data rules)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, nist, required, rule

from .facts import built_or_running


@rule(
    id="AIMS-RES-001",
    name="ResourceDocumentation",
    title="The resources a system relies on are documented",
    severity="warning",
    controls=["A.4.2"],
    clauses=["7.1"],
    eu_ai_act=[eu("Annex IV §1(b)-(e), §2(c)", "medium"), eu("Art. 11", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.6"), nist("MAP 2.1"), nist("MEASURE 2.1"), nist("MANAGE 2.1")],
    tags=["resources", "documentation"],
    applies=built_or_running,
    rationale="""Knowing which data, tools, infrastructure and skills a system depends on is
        what lets the organisation judge whether it can be run, maintained and recovered; that
        knowledge must be written down, not held by the team that built it. A manifest that
        describes the computing resources, the tooling and the people itself, in git beside the
        system, has written it down.""",
    remediation="""Reference the resource documentation (e.g. the technical documentation's
        resources section) as `resources.documentationRef`, or describe `compute`, `tooling` and
        `people` under `resources:` in the manifest.""",
)
def resource_documentation(ctx: Context) -> Iterator[Violation]:
    resources = ctx.get("spec.resources")
    if not resources:
        yield ctx.at("spec").missing(
            "resources",
            "the resources the system relies on are not documented; add `resources:` with "
            "`documentationRef:`, or with `compute:`, `tooling:` and `people:`",
        )
        return
    if resources.get("documentationRef"):
        return
    # The manifest's own description of the A.4.4-A.4.6 resources (data, A.4.3, has its own
    # rules) is resource documentation; only what it leaves out still needs a reference.
    absent = [f"`{k}`" for k in ("compute", "tooling", "people") if not resources.get(k)]
    if absent:
        ctx.note(f"no documentationRef; absent: {', '.join(absent)}")
        yield ctx.at("spec.resources").missing(
            "documentationRef",
            "the resources the system relies on are not documented: no "
            f"`documentationRef:` and no {', '.join(absent)} here; add the reference, or "
            "describe them under `resources:`",
        )


tooling = required(
    "spec.resources.tooling",
    "the tooling behind the system is not listed; add `resources.tooling:`",
    id="AIMS-RES-002",
    name="Tooling",
    title="The tooling used to build and run the system is listed",
    severity="warning",
    controls=["A.4.4"],
    eu_ai_act=[eu("Annex IV §2(a)", "medium"), eu("Art. 25(4)", "low")],
    nist_ai_rmf=[nist("GOVERN 1.6"), nist("MAP 2.1"), nist("MANAGE 3.2")],
    tags=["resources"],
    applies=built_or_running,
    rationale="""Frameworks, libraries and platforms shape a system's behaviour and its
        vulnerabilities; an unlisted tool cannot be patched, licensed or replaced deliberately.""",
    remediation="""List under `resources.tooling` the frameworks, libraries, platforms and
        evaluation tools the system depends on.""",
)


compute = required(
    "spec.resources.compute",
    "the computing resources are not described; add `resources.compute:`",
    id="AIMS-RES-003",
    name="Compute",
    title="The computing resources of the system are described",
    severity="warning",
    controls=["A.4.5"],
    eu_ai_act=[eu("Annex IV §1(e), §2(c)", "medium"), eu("Art. 15(4)", "low")],
    nist_ai_rmf=[nist("GOVERN 1.6"), nist("MAP 2.1"), nist("MEASURE 2.12")],
    tags=["resources", "environmental"],
    applies=built_or_running,
    rationale="""Where and on what a system runs decides its availability, data residency,
        security boundary and energy use; reviewers cannot judge any of these without it.""",
    remediation="""Add `resources.compute:` describing the hosting, hardware and region (and
        whose infrastructure it is).""",
)


@rule(
    id="AIMS-RES-004",
    title="The people working on the system and their competence are recorded",
    severity="warning",
    controls=["A.4.6"],
    clauses=["7.2"],
    eu_ai_act=[eu("Art. 4", "high"), eu("Art. 26(2)", "medium")],
    nist_ai_rmf=[
        nist("GOVERN 1.6"),
        nist("GOVERN 3.1"),
        nist("GOVERN 3.2"),
        nist("MAP 1.2"),
        nist("MAP 2.1"),
        nist("MAP 3.4"),
    ],
    tags=["resources", "competence", "eu-ai-act"],
    applies=built_or_running,
    rationale="""A system is only as sound as the skills of those who build, operate and
        oversee it; staff must have the competence (and AI literacy, EU AI Act Art. 4) their
        role needs, and the organisation must be able to show it.""",
    remediation="""List under `resources.people` each role with its `competence:` (training,
        qualification, experience).""",
)
def people(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.resources.people"):
        yield ctx.at("spec").missing(
            "resources.people",
            "the people and skills the system needs are not "
            "recorded; add `resources.people:` with role and competence",
        )
        return
    for person in ctx.each("spec.resources.people"):
        if not person.get("competence"):
            yield person.missing(
                "competence",
                f"the competence of role '{person.get('role')}' is not recorded; add `competence:`",
            )
