"""EU AI Act classification: prohibited practices, high-risk areas, the Article 6(3) exemption,
conformity assessment and registration.

ISO/IEC 42001 has no Annex A control for the Act's classification (the crosswalk lists it as a
gap, reachable only through the context clauses 4.1 and 4.3). Where a rule checks an article
directly, that article is cited as the rule's own legal basis (``eu(..., basis=True)``, not
derived); mappings taken from the crosswalk keep its confidence and are marked derived.
"""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule

from .facts import (
    EMOTION_OR_CATEGORISATION_POINTS,
    EU,
    FRIA_POINTS,
    annex_iii_area,
    annex_iii_point,
    area_of_point,
    eu_category,
    eu_high_risk,
    in_operation,
    is_deployer,
    is_provider,
    point_in,
    points_of_area,
)


@fact
def exemption_claimed(ctx: Context) -> bool:
    """Systems that claim the EU AI Act Article 6(3) exemption."""
    return bool(ctx.get(f"{EU}.article6Exemption.claimed"))


@fact
def in_annex_iii_area(ctx: Context) -> bool:
    """Systems used in an EU AI Act Annex III area (a point, or the v1 area)."""
    return bool(annex_iii_area(ctx))


@fact
def point_and_area_given(ctx: Context) -> bool:
    """Systems that give both an Annex III point and the v1 Annex III area."""
    return bool(ctx.get(f"{EU}.annexIIIPoint") is not None and ctx.get(f"{EU}.annexIIIArea"))


def undecided_duties(ctx: Context) -> list[str]:
    """The deployer duties that, with only the v1 Annex III area given, depend on the point."""
    duties = []
    if not ctx.get(f"{EU}.publicBodyOrService") and point_in(ctx, FRIA_POINTS) is None:
        duties.append("the fundamental-rights impact assessment (Art. 27(1): 5(b), 5(c))")
    for key, article in (("affectedPersons", "26(11)"), ("workersRepresentatives", "26(7)")):
        points = ctx.param(f"euAiAct.deployerNotices.{key}")
        if point_in(ctx, points) is None:
            listed = ", ".join(points)
            duties.append(f"the Art. {article} notice (data `deployerNotices.{key}`: {listed})")
    if point_in(ctx, EMOTION_OR_CATEGORISATION_POINTS) is None:
        duties.append("the Art. 50(3) notice (1(b), 1(c))")
    return duties


@rule(
    id="AIMS-CLS-001",
    title="The system performs no practice prohibited by the EU AI Act",
    severity="error",
    controls=["A.9.2"],
    clauses=["4.1", "6.1.2"],
    eu_ai_act=[eu("Art. 5(1)", "high", basis=True), eu("Art. 5", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 4.1")],
    tags=["eu-ai-act", "prohibited"],
    rationale="""Article 5 practices (manipulation, social scoring, untargeted face scraping,
        emotion recognition at work and others) are banned in the EU outright: no risk treatment,
        acceptance or exception can make them lawful. A manifest that declares one describes a
        system that must not be placed on the market or used.""",
    remediation="""Stop or redesign the system so that it no longer performs the practice, then
        remove it from `prohibitedPractices` and reclassify `euAiAct.category`.""",
)
def no_prohibited_practice(ctx: Context) -> Iterator[Violation]:
    if eu_category(ctx) == "prohibited":
        yield ctx.at(f"{EU}.category").fail(
            "the system is classified as a prohibited AI "
            "practice (EU AI Act Art. 5); it must not be placed on the market or "
            "used: withdraw or redesign it"
        )
    for index, practice in enumerate(ctx.get(f"{EU}.prohibitedPractices") or ()):
        yield (
            ctx.at(EU)
            .at("prohibitedPractices", index)
            .fail(
                f"the system performs "
                f"{practice}, a practice prohibited by EU AI Act Art. 5; withdraw the "
                "feature or the system"
            )
        )


@rule(
    id="AIMS-CLS-002",
    name="AnnexIiiPoint",
    title="High-risk systems state their Annex III point",
    severity="warning",
    clauses=["4.1", "4.3"],
    eu_ai_act=[eu("Art. 6(2)", "high", basis=True), eu("Art. 2, Art. 6 + Annex III", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 3.3")],
    tags=["eu-ai-act", "classification"],
    applies=eu_high_risk,
    rationale="""The Annex III point decides which obligations follow: every deployer of a 5(b)
        creditworthiness or 5(c) life and health insurance system owes a fundamental-rights impact
        assessment, and the deployer notices may be limited to some points. A high-risk
        classification with neither point nor area cannot be checked or acted on. The v1
        `annexIIIArea` alone is enough where no duty depends on the point (a provider, or an area
        whose points all carry the same duties); where one does, the point is asked for rather than
        guessed. Systems that are high-risk as products under Annex I legislation have no Annex III
        point: record that with an exception instead.""",
    remediation="""Add `spec.classification.euAiAct.annexIIIPoint:` (for example "4(a)" for
        recruitment or "5(b)" for creditworthiness).""",
)
def annex_iii_point_stated(ctx: Context) -> Iterator[Violation]:
    if annex_iii_point(ctx):
        return
    area = ctx.get(f"{EU}.annexIIIArea")
    if not area:
        yield ctx.at(EU).missing(
            "annexIIIPoint",
            "the system is classified high-risk but no Annex III point is given; add "
            '`annexIIIPoint:` (such as "4(a)" or "5(b)"), or, for an Annex I product, an '
            "exception saying so",
        )
        return
    duties = undecided_duties(ctx) if is_deployer(ctx) else []
    if duties:
        ctx.note(f"only the area {area} is given")
        points = ", ".join(points_of_area(str(area)))
        yield ctx.at(EU).missing(
            "annexIIIPoint",
            f"only the Annex III area ({area}) is given, and whether {' and '.join(duties)} "
            f"{'applies' if len(duties) == 1 else 'apply'} depends on the point; add "
            f"`annexIIIPoint:` (one of {points})",
        )


@rule(
    id="AIMS-CLS-003",
    title="An Article 6(3) exemption is justified, registered and consistent",
    severity="error",
    clauses=["4.3", "6.1.2"],
    eu_ai_act=[
        eu("Art. 6(3)-(4)", "high", basis=True),
        eu("Art. 49(2)", "high", basis=True),
        eu("Art. 6, Art. 3(3)-(4)", "medium"),
    ],
    nist_ai_rmf=[nist("MAP 3.3")],
    tags=["eu-ai-act", "classification"],
    applies=exemption_claimed,
    rationale="""A provider may treat an Annex III system as not high-risk only if it documents why
        (Art. 6(4)) and registers the system in the EU database (Art. 49(2)). An undocumented or
        unregistered claim, or one made for a system still classified high-risk or outside
        Annex III, is how high-risk obligations get skipped.""",
    remediation="""Under `euAiAct.article6Exemption` give `justification:` (which Art. 6(3)
        condition applies and why) and `registrationId:`; state the `annexIIIPoint` the exemption
        is from, and classify the system below high-risk.""",
)
def article_6_exemption(ctx: Context) -> Iterator[Violation]:
    where = f"{EU}.article6Exemption"
    for field, what in (
        ("justification", "why the system is not high-risk"),
        ("registrationId", "its EU database registration"),
    ):
        if not ctx.get(f"{where}.{field}"):
            yield ctx.at(where).missing(
                field, f"the Article 6(3) exemption has no {field}; add `{field}:` with {what}"
            )
    if not in_annex_iii_area(ctx):
        yield ctx.at(EU).missing(
            "annexIIIPoint",
            "an Article 6(3) exemption only exists for Annex III systems; add "
            "the `annexIIIPoint:` it is claimed for",
        )
    if eu_category(ctx) == "high-risk":
        yield ctx.at(f"{where}.claimed").fail(
            "the exemption is claimed but the system is still "
            "classified high-risk; drop the claim or reclassify the system"
        )


conformity_and_registration = required(
    {
        f"{EU}.{field}": f"this deployed high-risk system has no {field}; add `{field}:` with {what}"
        for field, what in (
            ("conformityAssessmentRef", "the conformity assessment"),
            ("euDatabaseId", "the EU database registration id"),
        )
    },
    within=EU,  # it holds the high-risk category that makes the rule apply
    id="AIMS-CLS-004",
    name="ConformityAndRegistration",
    title="Deployed high-risk systems we provide have a conformity assessment and EU database entry",
    severity="error",
    controls=["A.6.2.5", "A.8.5"],
    clauses=["8.1"],
    eu_ai_act=[
        eu("Art. 43", "high", basis=True),
        eu("Art. 49(1)", "high", basis=True),
        eu("Art. 16, 43, 47, 48, 49", "medium"),
        eu("Art. 49 + Art. 71", "medium"),
    ],
    nist_ai_rmf=[nist("MEASURE 2.5"), nist("MEASURE 2.9"), nist("GOVERN 4.2")],
    tags=["eu-ai-act", "conformity"],
    applies=eu_high_risk & in_operation & is_provider,
    rationale="""A provider may place a high-risk system on the market or put it into service only
        after its conformity assessment, and must register it in the EU database first. A deployed
        system without either is on the market unlawfully.""",
    remediation="""Add `euAiAct.conformityAssessmentRef:` (the assessment or EU declaration of
        conformity) and `euAiAct.euDatabaseId:` (the registration number).""",
)


classification_stated = required(
    EU,
    (
        "no EU AI Act classification is stated; add "
        "`euAiAct: {category: ..., role: ...}` (use `out-of-scope` if the Act "
        "does not apply)"
    ),
    within="spec.classification",  # the schema requires it
    id="AIMS-CLS-005",
    name="ClassificationStated",
    title="The system's EU AI Act classification is stated",
    severity="warning",
    clauses=["4.1", "4.3"],
    eu_ai_act=[eu("Art. 2, Art. 6 + Annex III", "medium"), eu("Art. 6, Art. 3(3)-(4)", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 3.3")],
    tags=["eu-ai-act", "classification"],
    rationale="""Every obligation the Act places on a system follows from its category and the
        organisation's role. Without a stated classification nobody can tell which rules apply;
        a system outside the Act's scope says so with `category: out-of-scope`.""",
    remediation="""Add `spec.classification.euAiAct:` with `category:` and `role:`
        (`out-of-scope` if the Act does not apply).""",
)


@rule(
    id="AIMS-CLS-006",
    title="A system in an Annex III area is high-risk unless an exemption is claimed",
    severity="warning",
    clauses=["4.1", "4.3", "6.1.2"],
    eu_ai_act=[eu("Art. 6(2)-(3)", "high", basis=True), eu("Art. 2, Art. 6 + Annex III", "medium")],
    nist_ai_rmf=[nist("MAP 3.3")],
    tags=["eu-ai-act", "classification"],
    applies=in_annex_iii_area,
    rationale="""Annex III systems are high-risk by default; the only way out is a documented
        Article 6(3) exemption. A system in an Annex III area classified as limited or minimal
        risk without that claim has most likely been classified wrongly.""",
    remediation="""Classify the system `high-risk`, or claim and document the Article 6(3)
        exemption in `euAiAct.article6Exemption`.""",
)
def annex_iii_is_high_risk(ctx: Context) -> Iterator[Violation]:
    category = eu_category(ctx)
    if category not in ("high-risk", "prohibited") and not exemption_claimed(ctx):
        point = annex_iii_point(ctx)
        where = f"point {point}" if point else f"area {annex_iii_area(ctx)}"
        yield ctx.at(f"{EU}.category").fail(
            f"the system is in Annex III {where} but "
            f"classified {category} without an Article 6(3) exemption; classify "
            "it high-risk or document the exemption"
        )


@rule(
    id="AIMS-CLS-007",
    title="The Annex III point and area agree",
    severity="error",
    clauses=["4.1", "4.3"],
    eu_ai_act=[eu("Art. 6(2)", "high", basis=True), eu("Art. 2, Art. 6 + Annex III", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 3.3")],
    tags=["eu-ai-act", "classification"],
    applies=point_and_area_given,
    rationale="""The point decides the duties and the area is derived from it; a manifest that
        names a point of one area and another area describes two different systems, and a reader
        cannot tell which classification the organisation stands behind.""",
    remediation="""Correct `annexIIIPoint:`, or drop `annexIIIArea:` (the point implies it).""",
)
def point_matches_area(ctx: Context) -> Iterator[Violation]:
    point = annex_iii_point(ctx)
    area = ctx.get(f"{EU}.annexIIIArea")
    if area_of_point(point) != area:
        ctx.note(f"point {point} is in area {area_of_point(point)}")
        yield ctx.at(f"{EU}.annexIIIArea").fail(
            f"Annex III point {point} belongs to area {area_of_point(point)}, not {area}; "
            "correct `annexIIIPoint:` or drop `annexIIIArea:`"
        )


@fact
def public_status_decides_fria(ctx: Context) -> bool:
    """Deployers of EU AI Act high-risk Annex III systems (other than critical infrastructure, or
    5(b) and 5(c), which need a FRIA whoever deploys them): whether they are a public body or
    provide a public service decides the FRIA."""
    if not (eu_high_risk(ctx) and is_deployer(ctx)):
        return False
    area = annex_iii_area(ctx)
    return (
        bool(area) and area != "critical-infrastructure" and point_in(ctx, FRIA_POINTS) is not True
    )


@rule(
    id="AIMS-CLS-008",
    title="A deployer of a high-risk system states whether it is a public body or service",
    severity="warning",
    clauses=["4.1", "4.3"],
    eu_ai_act=[eu("Art. 27(1)", "high", basis=True)],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 3.3")],
    tags=["eu-ai-act", "classification", "fundamental-rights"],
    applies=public_status_decides_fria,
    rationale="""Bodies governed by public law and private entities providing public services must
        assess the impact on fundamental rights before they deploy an Annex III high-risk system
        (except for critical infrastructure); other deployers only for 5(b) and 5(c). Unless the
        manifest says which the organisation is, the duty cannot be checked, and silence would
        read as "not required".""",
    remediation="""Add `spec.classification.euAiAct.publicBodyOrService:` (`true` for a body
        governed by public law or a private entity providing public services, else `false`).""",
)
def public_status_stated(ctx: Context) -> Iterator[Violation]:
    # A boolean: false is a statement, only its absence is a gap.
    if ctx.get(f"{EU}.publicBodyOrService") is None:
        yield ctx.at(EU).missing(
            "publicBodyOrService",
            "the organisation deploys this high-risk system but does not state whether it is a "
            "public body or provides a public service, and the fundamental-rights impact "
            "assessment (Art. 27(1)) depends on it; add `publicBodyOrService: true` or `false`",
        )
