"""Third parties and customers: supplier assessment, approval, contracts, responsibilities,
provider documentation and customer terms (ISO/IEC 42001 A.10.2-A.10.4; EU AI Act Art. 25, 53)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Cursor, Violation, eu, fact, nist, required, rule

from .facts import due_by, has_models, has_suppliers, in_operation, serves_others

_A103_NIST = [
    nist("GOVERN 1.2"),
    nist("GOVERN 4.1"),
    nist("GOVERN 6.1"),
    nist("GOVERN 6.2"),
    nist("MAP 4.2"),
    nist("MANAGE 3.1"),
]
_A103_EU = [eu("Art. 25(4)", "high"), eu("Art. 53(1)(b) + Annex XII", "high")]
MODEL_KINDS = ("model", "api")


@fact
def has_model_suppliers(ctx: Context) -> bool:
    """Systems with a supplier of a model or a model API."""
    return any(s.get("kind") in MODEL_KINDS for s in ctx.get("spec.suppliers", ()))


@fact
def approved_list_kept(ctx: Context) -> bool:
    """Systems with suppliers, when the organisation keeps a list of approved suppliers."""
    return has_suppliers(ctx) and bool(ctx.param("suppliers.approved"))


@fact
def built_on_supplied_gpai(ctx: Context) -> bool:
    """Systems built on a general-purpose model obtained from a supplier."""
    return bool(ctx.get("spec.classification.generalPurposeModel")) and has_model_suppliers(ctx)


@rule(
    id="AIMS-SUP-001",
    title="Every supplier has a recorded, recent assessment",
    severity="error",
    controls=["A.10.3"],
    eu_ai_act=_A103_EU,
    nist_ai_rmf=_A103_NIST,
    tags=["third-party", "eu-ai-act"],
    applies=has_suppliers,
    rationale="""Models, data and services from suppliers carry their risks into the system;
        they must be assessed before use and again at the review interval, and the assessment
        kept, or the organisation is relying on a supplier it has not looked at.""",
    remediation="""Assess the supplier and record `assessedOn:` (within the review interval) and
        `assessmentRef:` pointing to the assessment.""",
)
def supplier_assessed(ctx: Context) -> Iterator[Violation]:
    for supplier in ctx.each("spec.suppliers"):
        assessed = supplier.get("assessedOn")
        if assessed is None and not supplier.get("assessmentRef"):
            # One finding, not two, for a supplier nobody has looked at.
            yield supplier.missing(
                "assessedOn",
                f"supplier {supplier.name} ({supplier.get('name')}) has never "
                "been assessed; assess it and add `assessedOn:` and "
                "`assessmentRef:`",
            )
            continue
        if assessed is None:
            yield supplier.missing(
                "assessedOn",
                f"supplier {supplier.name} has an assessment on record but "
                "no date; add `assessedOn:`",
            )
        else:
            due = due_by(ctx, assessed)
            if due is not None and due < ctx.today:
                ctx.note(f"due {due} < today {ctx.today}")
                yield supplier.at("assessedOn").fail(
                    f"supplier {supplier.name} was last assessed on {assessed}; "
                    f"the next assessment was due by {due}; reassess it and "
                    "update `assessedOn:`",
                )
        if not supplier.get("assessmentRef"):
            yield supplier.missing(
                "assessmentRef",
                f"the assessment of supplier {supplier.name} is not on record; "
                "add `assessmentRef:`",
            )


@rule(
    id="AIMS-SUP-002",
    title="Suppliers are on the organisation's approved list",
    severity="error",
    controls=["A.10.3"],
    eu_ai_act=_A103_EU,
    nist_ai_rmf=_A103_NIST,
    tags=["third-party"],
    applies=approved_list_kept,
    rationale="""Where procurement keeps a list of approved suppliers, a system that buys from
        someone else bypasses the organisation's due diligence and contract standards.""",
    remediation="""Have procurement approve the supplier (add its id or name to the data
        document's `suppliers.approved`), or replace it with an approved one.""",
)
def supplier_approved(ctx: Context) -> Iterator[Violation]:
    approved = set(ctx.param("suppliers.approved"))
    for supplier in ctx.each("spec.suppliers"):
        if supplier.get("id") not in approved and supplier.get("name") not in approved:
            yield supplier.fail(
                f"supplier {supplier.name} ({supplier.get('name')}) is not on "
                "the approved supplier list; get it approved or use an "
                "approved supplier"
            )


@rule(
    id="AIMS-SUP-003",
    title="Contracts with model suppliers carry AI-specific terms",
    severity="warning",
    controls=["A.10.3", "A.10.2"],
    eu_ai_act=[eu("Art. 25(4)", "high"), eu("Art. 25", "high")],
    nist_ai_rmf=_A103_NIST,
    tags=["third-party", "legal", "eu-ai-act"],
    applies=has_model_suppliers,
    rationale="""A supplier of a model or model API must be bound to tell us about incidents
        and changes, to give the information we need, and to limit what it does with our data;
        a generic software contract says none of this.""",
    remediation="""Agree AI terms with the supplier and record under `contract:` that
        `aiTerms`, `incidentNotification` and `dataUseRestrictions` are in place.""",
)
def supplier_contract(ctx: Context) -> Iterator[Violation]:
    for supplier in ctx.each("spec.suppliers"):
        if supplier.get("kind") in MODEL_KINDS:
            yield from _ai_terms(supplier, str(supplier.get("kind")))


_AI_TERMS = (
    ("aiTerms", "AI-specific terms"),
    ("incidentNotification", "incident notification"),
    ("dataUseRestrictions", "limits on the use of our data"),
)


def _ai_terms(supplier: Cursor, kind: str) -> Iterator[Violation]:
    contract = supplier.get("contract")
    if not contract:
        yield supplier.missing(
            "contract",
            f"no contract terms are recorded for {kind} supplier {supplier.name}; add "
            "`contract:` with aiTerms, incidentNotification and dataUseRestrictions",
        )
        return
    for key, what in _AI_TERMS:
        if key not in contract:
            yield supplier.at("contract").missing(
                key,
                f"the contract with supplier {supplier.name} does not say "
                f"whether it has {what}; add `{key}: true` once agreed",
            )
        elif not contract.get(key):
            yield supplier.at("contract", key).fail(
                f"the contract with supplier {supplier.name} lacks "
                f"{what}; negotiate them and set `{key}: true`"
            )


def _ai_service_suppliers(ctx: Context) -> Iterator[Cursor]:
    """Suppliers of other kinds than model and api that provide AI: marked `providesAI`, or
    named as the supplier of a declared model."""
    of_models = {m.get("supplier") for m in ctx.each("spec.models")}
    for supplier in ctx.each("spec.suppliers"):
        if supplier.get("kind") in MODEL_KINDS:
            continue
        if supplier.get("providesAI") or (
            supplier.get("providesAI") is None and supplier.name in of_models
        ):
            yield supplier


@fact
def has_ai_service_suppliers(ctx: Context) -> bool:
    """Systems with a supplier of an AI service, platform or tool (other than a model or API)."""
    return any(True for _ in _ai_service_suppliers(ctx))


@rule(
    id="AIMS-SUP-008",
    title="Contracts with suppliers of AI services carry AI-specific terms",
    severity="warning",
    controls=["A.10.3", "A.10.2"],
    eu_ai_act=[eu("Art. 25(4)", "medium")],
    nist_ai_rmf=_A103_NIST,
    tags=["third-party", "legal"],
    applies=has_ai_service_suppliers,
    rationale="""A bought AI service (a screening platform, an AI feature in a SaaS product) is
        a model supplier by another name: it must tell us about incidents and changes and may
        only use our data as agreed. AIMS-SUP-003 asks this of suppliers of kind model and api;
        this rule asks it of every other supplier that provides AI.""",
    remediation="""Agree AI terms with the supplier and record under `contract:` that
        `aiTerms`, `incidentNotification` and `dataUseRestrictions` are in place. If the
        supplier provides no AI, set `providesAI: false`.""",
)
def ai_service_contract(ctx: Context) -> Iterator[Violation]:
    for supplier in _ai_service_suppliers(ctx):
        yield from _ai_terms(supplier, f"AI {supplier.get('kind')}")


@rule(
    id="AIMS-SUP-004",
    title="Responsibilities are split explicitly between each supplier and us",
    severity="warning",
    controls=["A.10.2"],
    eu_ai_act=[eu("Art. 25", "high"), eu("Art. 16, 22-24, 26", "medium")],
    nist_ai_rmf=[nist("GOVERN 6.1"), nist("GOVERN 6.2"), nist("MANAGE 3.1")],
    tags=["third-party", "eu-ai-act"],
    applies=has_suppliers,
    rationale="""When a supplier runs part of the system, duties such as security, monitoring,
        logging and incident handling fall between the parties unless the split is written
        down; under the EU AI Act the split also decides who is the provider.""",
    remediation="""Add `responsibilities:` to the supplier saying what it does and what the
        organisation does (operation, security, monitoring, incidents, user information).""",
)
def supplier_responsibilities(ctx: Context) -> Iterator[Violation]:
    for supplier in ctx.each("spec.suppliers"):
        if supplier.get("kind") != "tooling" and not supplier.get("responsibilities"):
            yield supplier.missing(
                "responsibilities",
                f"it is not recorded how responsibilities are split with "
                f"supplier {supplier.name}; add `responsibilities:`",
            )


@rule(
    id="AIMS-SUP-005",
    title="Suppliers of a general-purpose model provide its documentation",
    severity="warning",
    controls=["A.10.3"],
    eu_ai_act=[eu("Art. 53(1)(b) + Annex XII", "high"), eu("Art. 25(4)", "high")],
    nist_ai_rmf=_A103_NIST,
    tags=["third-party", "generative-ai", "eu-ai-act"],
    applies=built_on_supplied_gpai,
    rationale="""Providers of general-purpose AI models must give downstream providers the
        information of Annex XII (capabilities, limits, intended tasks, training data
        summary); without it the system built on the model cannot be documented or assessed.""",
    remediation="""Obtain the provider's model documentation and reference it as
        `documentationRef:` on the supplier.""",
)
def supplier_documentation(ctx: Context) -> Iterator[Violation]:
    for supplier in ctx.each("spec.suppliers"):
        if supplier.get("kind") in MODEL_KINDS and not supplier.get("documentationRef"):
            yield supplier.missing(
                "documentationRef",
                f"the general-purpose model documentation of supplier "
                f"{supplier.name} is not on record; obtain it and add "
                "`documentationRef:`",
            )


@rule(
    id="AIMS-SUP-006",
    title="A model's supplier is a declared supplier",
    severity="error",
    controls=["A.10.3"],
    eu_ai_act=_A103_EU,
    nist_ai_rmf=_A103_NIST,
    tags=["third-party"],
    applies=has_models,
    rationale="""A model whose supplier is not in the supplier list escapes supplier assessment
        and contract checks entirely; the reference is also usually a typo or a stale entry.""",
    remediation="""Make the model's `supplier:` the id of an entry in `spec.suppliers`, or add
        the supplier there.""",
)
def model_supplier_declared(ctx: Context) -> Iterator[Violation]:
    known = {s.get("id") for s in ctx.get("spec.suppliers", ())}
    for model in ctx.each("spec.models"):
        supplier = model.get("supplier")
        if supplier and supplier not in known:
            ctx.note(f"{supplier!r} not in {sorted(known)}")
            yield model.at("supplier").fail(
                f"model {model.name} names supplier {supplier}, which is not in "
                "spec.suppliers; add the supplier there or correct the id",
            )


customer_terms = required(
    "spec.governance.customerTermsRef",
    (
        "the system is provided to others but no customer terms are "
        "referenced; add `governance.customerTermsRef:`"
    ),
    id="AIMS-SUP-007",
    name="CustomerTerms",
    title="A system provided to others comes with customer terms",
    severity="warning",
    controls=["A.10.4"],
    eu_ai_act=[eu("Art. 13", "medium"), eu("Art. 26", "medium"), eu("Art. 25(1)", "low")],
    nist_ai_rmf=[nist("GOVERN 5.1"), nist("GOVERN 5.2"), nist("MANAGE 4.1")],
    tags=["third-party", "transparency"],
    # Terms go with the system when it is released to the people it serves; before that, what
    # customers expect is part of the requirements (AIMS-USE-005).
    applies=serves_others & in_operation,
    rationale="""Those who receive a system from us (customers, or the people an in-house system
        serves or decides about) need to know its intended use, limits and their own duties;
        terms that state this are how the organisation meets its customers' expectations. A tool
        built and used by the same team, that decides about nobody, has no customers. The terms
        are owed from deployment on: a system in design, development or validation has been
        given to nobody yet.""",
    remediation="""Write the customer terms or information (intended use, limits, who does
        what) and reference them as `governance.customerTermsRef`.""",
)
