"""Information for users and affected people: instructions for use, AI disclosure, marking of
generated content, explanations, technical documentation, model cards and the deployer's notices
to affected people and workers' representatives (ISO/IEC 42001 A.8.2, A.8.5, A.6.2.7; EU AI Act
Art. 11, 13, 26(7), 26(11), 50, 86)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule

from .facts import (
    EMOTION_OR_CATEGORISATION_POINTS,
    EU,
    affects_individuals,
    annex_iii_point,
    by_organisation_policy,
    eu_high_risk,
    has_models,
    in_house,
    in_operation,
    interacts_with_people,
    is_deployer,
    is_generative,
    is_provider,
    point_in,
    policy_basis,
)

# A.8.2's NIST rows as the crosswalk gives them; MANAGE 1.4 is marked uncertain there.
_A82_NIST = [
    nist("GOVERN 4.3"),
    nist("MAP 2.2"),
    nist("MAP 3.5"),
    nist("MAP 4.2"),
    nist("MEASURE 2.5"),
    nist("MEASURE 2.9"),
    nist("MEASURE 3.3"),
    nist("MEASURE 4.2"),
    nist("MANAGE 1.4", "low"),
    nist("MANAGE 2.4"),
]


@fact
def decisions_with_legal_effect(ctx: Context) -> bool:
    """Systems whose decisions about people have legal or similarly significant effects."""
    return affects_individuals(ctx) and bool(ctx.get("spec.classification.legalOrSimilarEffect"))


@fact
def policy_instructions(ctx: Context) -> bool:
    """Systems the organisation rates high although the EU AI Act does not classify them
    high-risk, when its policy asks for instructions for use (data
    `organisationPolicy.actStyleControls: [instructionsForUse]`)."""
    return by_organisation_policy(ctx, "instructionsForUse")


@fact
def policy_technical_documentation(ctx: Context) -> bool:
    """Systems the organisation develops and rates high although the EU AI Act does not classify
    them high-risk, when its policy asks for technical documentation (data
    `organisationPolicy.actStyleControls: [technicalDocumentation]`)."""
    return by_organisation_policy(ctx, "technicalDocumentation") and in_house(ctx)


@fact
def informs_affected_persons(ctx: Context) -> bool:
    """Deployers of EU AI Act high-risk systems in use at an Annex III point of the data document's
    `euAiAct.deployerNotices.affectedPersons`, unless the manifest says their outputs are not used
    in decisions about people (`decisionsAffectIndividuals: false`)."""
    if not (eu_high_risk(ctx) and is_deployer(ctx) and in_operation(ctx)):
        return False
    if ctx.get("spec.classification.decisionsAffectIndividuals") is False:
        return False
    return point_in(ctx, ctx.param("euAiAct.deployerNotices.affectedPersons")) is True


@fact
def informs_workers_representatives(ctx: Context) -> bool:
    """Deployers of EU AI Act high-risk systems in use at an Annex III point of the data document's
    `euAiAct.deployerNotices.workersRepresentatives` (by default the employment points 4(a), 4(b))."""
    if not (eu_high_risk(ctx) and is_deployer(ctx) and in_operation(ctx)):
        return False
    return point_in(ctx, ctx.param("euAiAct.deployerNotices.workersRepresentatives")) is True


@fact
def recognises_emotions_or_categorises(ctx: Context) -> bool:
    """Deployers of emotion recognition or biometric categorisation systems (Annex III 1(b), 1(c)),
    whatever their EU AI Act category."""
    return is_deployer(ctx) and point_in(ctx, EMOTION_OR_CATEGORISATION_POINTS) is True


def _point(ctx: Context) -> str:
    point = annex_iii_point(ctx)
    return f"point {point}" if point else f"area {ctx.get(f'{EU}.annexIIIArea')}"


@rule(
    id="AIMS-TRN-001",
    name="InstructionsForUse",
    title="A high-risk system comes with instructions for use",
    severity="error",
    controls=["A.8.2"],
    eu_ai_act=[eu("Art. 13(1)-(3)", "high", basis=True), eu("Art. 26(1)", "medium", basis=True)],
    nist_ai_rmf=_A82_NIST,
    tags=["transparency", "eu-ai-act"],
    applies=eu_high_risk & (is_provider | is_deployer),
    rationale="""Deployers and overseers can only use a high-risk system as intended when they
        know its purpose, accuracy, limits and the oversight it needs; the instructions for use
        are where that is written down. The provider writes them (EU AI Act Art. 13); a deployer
        must use the system in accordance with them (Art. 26(1)), so it keeps the provider's. A
        system the organisation rates high but the Act does not is covered by its own policy
        (AIMS-TRN-007).""",
    remediation="""Write instructions for use (purpose, performance and its limits, input
        requirements, oversight measures, maintenance), or obtain the provider's, and reference
        them as `transparency.instructionsForUseRef`.""",
)
def instructions_for_use(ctx: Context) -> Iterator[Violation]:
    if ctx.get("spec.transparency.instructionsForUseRef"):
        return
    if is_provider(ctx):
        message = (
            "this high-risk system's provider has written no instructions for use (EU AI Act "
            "Art. 13); write them and add `transparency.instructionsForUseRef:`"
        )
    else:
        message = (
            "the provider's instructions for use of this high-risk system are not referenced, "
            "and a deployer must use the system in accordance with them (EU AI Act Art. 26(1)); "
            "obtain them and add `transparency.instructionsForUseRef:`"
        )
    yield ctx.at("spec").missing("transparency.instructionsForUseRef", message)


@rule(
    id="AIMS-TRN-007",
    title="The organisation's policy: a system it rates high comes with instructions for use",
    severity="error",
    controls=["A.8.2"],
    nist_ai_rmf=_A82_NIST,
    tags=["transparency", "organisation-policy"],
    applies=policy_instructions,
    rationale="""An organisation may choose, as its own policy, to give a system it rates high
        instructions for use as the EU AI Act asks of high-risk systems (Art. 13, 26(1)),
        although the Act does not classify the system high-risk. The finding is the
        organisation's policy, not a legal duty.""",
    remediation="""Write (or obtain) the instructions for use and reference them as
        `transparency.instructionsForUseRef`, or take `instructionsForUse` out of
        `organisationPolicy.actStyleControls`.""",
)
def policy_instructions_for_use(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.transparency.instructionsForUseRef"):
        basis = policy_basis(ctx, "instructions for use", "Art. 13")
        yield ctx.at("spec").missing(
            "transparency.instructionsForUseRef",
            f"{basis}; write them and add `transparency.instructionsForUseRef:`",
        )


@rule(
    id="AIMS-TRN-002",
    title="People are told that they are interacting with an AI system",
    severity="error",
    controls=["A.8.2"],
    eu_ai_act=[eu("Art. 50(1)", "high", basis=True), eu("Art. 13", "low")],
    nist_ai_rmf=_A82_NIST,
    tags=["transparency", "eu-ai-act"],
    applies=interacts_with_people,
    rationale="""Someone chatting or talking with a machine has a right to know it is one
        (EU AI Act Art. 50(1)) unless that is obvious; without the notice people may trust or
        disclose more than they would to software.""",
    remediation="""Tell people at the start of the interaction that they are dealing with an AI
        system and set `transparency.userNotice: true`.""",
)
def ai_interaction_notice(ctx: Context) -> Iterator[Violation]:
    notice = ctx.get("spec.transparency.userNotice")
    if notice is None:
        yield ctx.at("spec").missing(
            "transparency.userNotice",
            "people interact with this system directly but it is not stated "
            "that they are told it is AI; add `transparency.userNotice: true`",
        )
    elif not notice:
        yield ctx.at("spec.transparency.userNotice").fail(
            "people interacting with this system "
            "are not told that it is AI (userNotice: false); add the notice and "
            "set `userNotice: true`"
        )


@rule(
    id="AIMS-TRN-003",
    title="Content generated by a generative AI system is marked as such",
    severity="warning",
    controls=["A.8.2"],
    eu_ai_act=[eu("Art. 50(2)", "medium", basis=True)],
    nist_ai_rmf=_A82_NIST,
    tags=["transparency", "generative-ai", "eu-ai-act"],
    applies=is_generative,
    rationale="""Synthetic text, images, audio or video that is not recognisable as such can
        mislead readers and be reused as if a person wrote it; providers must mark it
        (EU AI Act Art. 50(2)), in a machine-readable way where feasible.""",
    remediation="""Label generated output (visible label, metadata or watermark) and set
        `transparency.generatedContentMarked: true`.""",
)
def generated_content_marked(ctx: Context) -> Iterator[Violation]:
    marked = ctx.get("spec.transparency.generatedContentMarked")
    if marked is None:
        yield ctx.at("spec").missing(
            "transparency.generatedContentMarked",
            "this generative system does not say whether its output is "
            "marked as AI-generated; mark it and add "
            "`transparency.generatedContentMarked: true`",
        )
    elif not marked:
        yield ctx.at("spec.transparency.generatedContentMarked").fail(
            "generated output is not "
            "marked as AI-generated; label it and set "
            "`generatedContentMarked: true`"
        )


@rule(
    id="AIMS-TRN-004",
    title="People affected by a significant decision can get an explanation",
    severity="error",
    controls=["A.8.5", "A.8.2"],
    eu_ai_act=[
        eu("Art. 86(1)", "high", basis=True),
        eu("Art. 13", "low"),
        eu("Art. 17(1)(j)", "low"),
    ],
    nist_ai_rmf=[
        nist("GOVERN 4.2"),
        nist("GOVERN 4.3"),
        nist("MANAGE 4.3"),
        nist("MAP 2.2"),
        nist("MEASURE 2.9"),
    ],
    tags=["transparency", "eu-ai-act", "gdpr"],
    applies=decisions_with_legal_effect,
    rationale="""A person refused credit, a job or a benefit with the help of an AI system needs a
        clear account of the system's role in the decision, or the decision cannot be contested.
        The EU AI Act makes it a right against the deployer of an Annex III high-risk system
        (Art. 86), the GDPR for solely automated decisions (Art. 22); the organisation gives it
        for every decision with legal or similar effect.""",
    remediation="""Provide a way for affected people to obtain an explanation of the decision
        and the system's part in it, and set `transparency.explanationAvailable: true`.""",
)
def explanation_available(ctx: Context) -> Iterator[Violation]:
    available = ctx.get("spec.transparency.explanationAvailable")
    if available is None:
        yield ctx.at("spec").missing(
            "transparency.explanationAvailable",
            "the system contributes to decisions with legal or similar "
            "effect on people but no explanation is offered; add "
            "`transparency.explanationAvailable: true`",
        )
    elif not available:
        yield ctx.at("spec.transparency.explanationAvailable").fail(
            "people affected by the "
            "system's decisions cannot obtain an explanation; provide one and set "
            "`explanationAvailable: true`"
        )


technical_documentation = required(
    "spec.transparency.technicalDocumentationRef",
    (
        "this high-risk system's provider has no technical documentation (EU AI Act Art. 11); "
        "reference it with `transparency.technicalDocumentationRef:`"
    ),
    id="AIMS-TRN-005",
    name="TechnicalDocumentation",
    title="A high-risk system has technical documentation",
    severity="error",
    controls=["A.6.2.7"],
    clauses=["7.5"],
    eu_ai_act=[
        eu("Art. 11(1) + Annex IV", "high", basis=True),
        eu("Art. 18(1)", "medium"),
        eu("Art. 13", "low"),
    ],
    nist_ai_rmf=[
        nist("GOVERN 4.3"),
        nist("MAP 2.2"),
        nist("MAP 2.3"),
        nist("MAP 3.5"),
        nist("MAP 4.2"),
        nist("MEASURE 2.1"),
        nist("MEASURE 2.5"),
        nist("MEASURE 2.9"),
        nist("MEASURE 4.3"),
        nist("MANAGE 1.4"),
        nist("MANAGE 2.4"),
    ],
    tags=["documentation", "eu-ai-act"],
    applies=eu_high_risk & is_provider,
    rationale="""Technical documentation is how a provider shows that a high-risk system meets
        its requirements, and what authorities and notified bodies examine; it must exist before
        the system is placed on the market and be kept up to date (EU AI Act Art. 11). It is the
        provider's duty: a deployer of a bought system keeps the provider's instructions for use
        (AIMS-TRN-001) instead. A system the organisation rates high but the Act does not is
        covered by its own policy (AIMS-TRN-008).""",
    remediation="""Reference the technical documentation (covering the Annex IV contents) as
        `transparency.technicalDocumentationRef`.""",
)


@rule(
    id="AIMS-TRN-006",
    title="Every model has a model card",
    severity="warning",
    controls=["A.6.2.7", "A.8.2"],
    eu_ai_act=[eu("Art. 11 + Annex IV", "high"), eu("Art. 13", "high")],
    nist_ai_rmf=[nist("MAP 2.2"), nist("MEASURE 2.9"), nist("MANAGE 2.4"), nist("MAP 4.2")],
    tags=["documentation", "transparency"],
    applies=has_models,
    rationale="""A model card records what a model is for, how it was trained and evaluated and
        where it fails; for supplied models it is the provider's statement that due diligence
        relies on, for in-house models the team's own.""",
    remediation="""Add `modelCardRef:` to each model, pointing to its model card (the provider's
        for supplied models, your own for in-house ones). For a supplied model, the provider's
        documentation referenced as its supplier's `documentationRef` counts as its card.""",
)
def model_card(ctx: Context) -> Iterator[Violation]:
    # The provider's documentation referenced at the supplier (`documentationRef`: its model card,
    # Annex XII information) is the supplied model's card; asking for it twice helps nobody.
    documented = {
        supplier.get("id")
        for supplier in ctx.get("spec.suppliers", ())
        if supplier.get("documentationRef")
    }
    for model in ctx.each("spec.models"):
        if model.get("modelCardRef"):
            continue
        supplier = model.get("supplier")
        if supplier and supplier in documented:
            ctx.note(f"supplier {supplier} documentationRef")
            continue
        origin = "supplied" if supplier else "in-house"
        fix = (
            "add `modelCardRef:`, or the provider's documentation as the supplier's "
            "`documentationRef:`"
            if supplier
            else "add `modelCardRef:`"
        )
        yield model.missing("modelCardRef", f"{origin} model {model.name} has no model card; {fix}")


@rule(
    id="AIMS-TRN-008",
    title="The organisation's policy: a system it develops and rates high has technical documentation",
    severity="error",
    controls=["A.6.2.7"],
    clauses=["7.5"],
    nist_ai_rmf=[nist("GOVERN 4.3"), nist("MAP 2.2"), nist("MAP 2.3"), nist("MEASURE 2.9")],
    tags=["documentation", "organisation-policy"],
    applies=policy_technical_documentation,
    rationale="""An organisation may choose, as its own policy, to document a system it develops
        and rates high as the EU AI Act asks of high-risk systems (Art. 11, Annex IV), although
        the Act does not classify the system high-risk. The finding is the organisation's policy,
        not a legal duty.""",
    remediation="""Write the technical documentation and reference it as
        `transparency.technicalDocumentationRef`, or take `technicalDocumentation` out of
        `organisationPolicy.actStyleControls`.""",
)
def policy_technical_docs(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.transparency.technicalDocumentationRef"):
        basis = policy_basis(ctx, "technical documentation", "Art. 11")
        yield ctx.at("spec").missing(
            "transparency.technicalDocumentationRef",
            f"{basis}; write it and add `transparency.technicalDocumentationRef:`",
        )


@rule(
    id="AIMS-TRN-009",
    title="A deployer tells the people its Annex III system decides about that it is used on them",
    severity="error",
    controls=["A.8.2"],
    eu_ai_act=[eu("Art. 26(11)", "high", basis=True), eu("Art. 13", "medium")],
    nist_ai_rmf=_A82_NIST,
    tags=["transparency", "eu-ai-act", "deployer"],
    applies=informs_affected_persons,
    rationale="""A deployer of an Annex III high-risk system that makes, or helps make, decisions
        about natural persons must tell them that they are subject to its use (EU AI Act
        Art. 26(11)): an applicant screened by a bought recruitment service or a borrower scored
        by a bought affordability model is otherwise unaware of the system, and cannot ask for an
        explanation or contest the decision. The duty is the deployer's, whoever built the
        system; the data document says at which Annex III points it applies.""",
    remediation="""Tell the people concerned (in the application form, the decision letter or the
        privacy notice) and reference that notice as
        `transparency.affectedPersonsInformedRef`.""",
)
def affected_persons_informed(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.transparency.affectedPersonsInformedRef"):
        yield ctx.at("spec").missing(
            "transparency.affectedPersonsInformedRef",
            f"this deployer's Annex III high-risk system ({_point(ctx)}) makes or helps make "
            "decisions about people, but nothing records that they are told it is used on them "
            "(EU AI Act Art. 26(11)); inform them and add "
            "`transparency.affectedPersonsInformedRef:`",
        )


@rule(
    id="AIMS-TRN-010",
    title="A deployer informs workers' representatives before using a high-risk system at work",
    severity="error",
    controls=["A.8.2"],
    eu_ai_act=[eu("Art. 26(7)", "high", basis=True)],
    nist_ai_rmf=_A82_NIST,
    tags=["transparency", "eu-ai-act", "deployer"],
    applies=informs_workers_representatives,
    rationale="""Before an employer puts a high-risk system into service or uses it at the
        workplace, it must inform the workers' representatives and the workers affected (EU AI
        Act Art. 26(7)), following the rules and practice on informing workers. Recruitment and
        work-management systems (Annex III 4(a), 4(b)) are where this bites; the data document
        says which points it covers.""",
    remediation="""Inform the workers' representatives (works council, staff representatives) and
        the workers concerned, and reference the letter or the minutes as
        `transparency.workersRepresentativesInformedRef`.""",
)
def workers_representatives_informed(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.transparency.workersRepresentativesInformedRef"):
        yield ctx.at("spec").missing(
            "transparency.workersRepresentativesInformedRef",
            f"this deployer uses a high-risk system ({_point(ctx)}) at the workplace, but "
            "nothing records that the workers' representatives and the workers concerned were "
            "informed first (EU AI Act Art. 26(7)); inform them and add "
            "`transparency.workersRepresentativesInformedRef:`",
        )


@rule(
    id="AIMS-TRN-011",
    title="People exposed to emotion recognition or biometric categorisation are told",
    severity="error",
    controls=["A.8.2"],
    eu_ai_act=[eu("Art. 50(3)", "high", basis=True)],
    nist_ai_rmf=_A82_NIST,
    tags=["transparency", "eu-ai-act", "deployer"],
    applies=recognises_emotions_or_categorises,
    rationale="""A deployer of an emotion recognition or biometric categorisation system must
        inform the people exposed to it that it operates on them (EU AI Act Art. 50(3)), high-risk
        or not; only uses permitted by law to detect, prevent or investigate criminal offences
        are exempt, which an exception records.""",
    remediation="""Tell the people exposed to the system that it operates on them and set
        `transparency.userNotice: true`.""",
)
def exposed_persons_told(ctx: Context) -> Iterator[Violation]:
    notice = ctx.get("spec.transparency.userNotice")
    message = (
        f"this deployer's emotion recognition or biometric categorisation system ({_point(ctx)}) "
        "must tell the people exposed to it that it operates on them (EU AI Act Art. 50(3)); "
        "inform them and set `transparency.userNotice: true`"
    )
    if notice is None:
        yield ctx.at("spec").missing("transparency.userNotice", message)
    elif not notice:
        yield ctx.at("spec.transparency.userNotice").fail(message)
