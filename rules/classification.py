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

from .facts import eu_category, in_operation, is_provider

EU = "spec.classification.euAiAct"


@fact
def eu_high_risk(ctx: Context) -> bool:
    """Systems classified high-risk under the EU AI Act."""
    return eu_category(ctx) == "high-risk"


@fact
def exemption_claimed(ctx: Context) -> bool:
    """Systems that claim the EU AI Act Article 6(3) exemption."""
    return bool(ctx.get(f"{EU}.article6Exemption.claimed"))


@fact
def in_annex_iii_area(ctx: Context) -> bool:
    """Systems used in an EU AI Act Annex III area."""
    return bool(ctx.get(f"{EU}.annexIIIArea"))


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


annex_iii_area = required(
    f"{EU}.annexIIIArea",
    (
        "the system is classified high-risk but no Annex III area is "
        "given; add `annexIIIArea:` (or, for an Annex I product, an exception "
        "saying so)"
    ),
    within=EU,  # it holds the high-risk category that makes the rule apply
    id="AIMS-CLS-002",
    name="AnnexIiiArea",
    title="High-risk systems state their Annex III area",
    severity="warning",
    clauses=["4.1", "4.3"],
    eu_ai_act=[eu("Art. 6(2)", "high", basis=True), eu("Art. 2, Art. 6 + Annex III", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("MAP 3.3")],
    tags=["eu-ai-act", "classification"],
    applies=eu_high_risk,
    rationale="""The Annex III area decides which obligations follow (for example the
        fundamental-rights impact assessment for credit and insurance, or registration rules for
        law enforcement); a high-risk classification without it cannot be checked or acted on.
        Systems that are high-risk as products under Annex I legislation have no Annex III area:
        record that with an exception instead.""",
    remediation="""Add `spec.classification.euAiAct.annexIIIArea:` (for example `employment` or
        `essential-services`).""",
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
        condition applies and why) and `registrationId:`; state the `annexIIIArea` the exemption
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
    if not ctx.get(f"{EU}.annexIIIArea"):
        yield ctx.at(EU).missing(
            "annexIIIArea",
            "an Article 6(3) exemption only exists for Annex III systems; add "
            "the `annexIIIArea:` it is claimed for",
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
        area = ctx.get(f"{EU}.annexIIIArea")
        yield ctx.at(f"{EU}.category").fail(
            f"the system is in Annex III area {area} but "
            f"classified {category} without an Article 6(3) exemption; classify "
            "it high-risk or document the exemption"
        )
