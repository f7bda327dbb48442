"""Who is responsible: owner, accountable person (ISO/IEC 42001 A.3.2, clause 5.3)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule

from .facts import has_risks, is_high_risk, person_key


@fact
def has_contacts(ctx: Context) -> bool:
    """Systems that list contacts."""
    return bool(ctx.get("spec.contacts"))


owner_contact = required(
    "spec.owner.email",
    "the system owner has no email address; add `email:` so people can reach them",
    within="spec.owner",  # the schema requires an owner: the email is reported missing there
    id="AIMS-OWN-001",
    name="OwnerContact",
    title="The system owner can be contacted",
    severity="error",
    controls=["A.3.2"],
    clauses=["5.3"],
    eu_ai_act=[eu("Art. 17(1)(m)", "high"), eu("Art. 26(2)", "medium")],
    nist_ai_rmf=[nist("GOVERN 2.1")],
    tags=["accountability"],
    rationale="""An owner without a contact address cannot be asked about the system when an
        incident, complaint or audit question arrives; responsibility that cannot be exercised
        is not assigned.""",
    remediation="Add `email:` to `spec.owner` (a team alias is fine).",
)


@rule(
    id="AIMS-OWN-002",
    title="High-risk systems name an accountable person other than the owner",
    severity="warning",
    controls=["A.3.2"],
    clauses=["5.1", "5.3"],
    eu_ai_act=[eu("Art. 17(1)(m)", "high")],
    nist_ai_rmf=[nist("GOVERN 2.3")],
    tags=["accountability"],
    applies=is_high_risk,
    rationale="""For a high-risk system, someone with authority over budget and priorities must
        answer for it; when the accountable person is the technical owner, nobody is in a
        position to overrule delivery pressure.""",
    remediation="Add `spec.accountablePerson` naming a manager other than the owner.",
)
def accountable_person(ctx: Context) -> Iterator[Violation]:
    person = ctx.get("spec.accountablePerson")
    if person is None:
        yield ctx.at("spec").missing(
            "accountablePerson",
            "a high-risk system needs an accountable person; add "
            "`accountablePerson:` with a name and email",
        )
    elif person.get("name") == ctx.get("spec.owner.name"):
        ctx.note("accountablePerson.name == owner.name")
        yield ctx.at("spec.accountablePerson.name").fail(
            f"the accountable person ({person.get('name')}) is also the owner; name someone else",
        )


@rule(
    id="AIMS-OWN-003",
    each="spec.risks",
    title="Risk owners are people the manifest names and can reach",
    severity="warning",
    controls=["A.3.2"],
    clauses=["5.3", "6.1.2"],
    eu_ai_act=[eu("Art. 17(1)(m)", "high")],
    nist_ai_rmf=[nist("GOVERN 2.1")],
    tags=["accountability", "risk"],
    applies=has_risks,
    rationale="""A risk owner who appears nowhere else in the manifest has no recorded role or
        contact: the assignment may be a stale name, a team that no longer exists, or someone who
        does not know they own the risk.""",
    remediation="""Name each risk owner (by name, or by the role of a listed person) as the
        system owner, the accountable person or an entry in `spec.contacts` (with role and
        email), or reassign the risk.""",
)
def risk_owners_known(ctx: Context) -> Iterator[Violation]:
    listed = [
        *(p for p in (ctx.get("spec.owner"), ctx.get("spec.accountablePerson")) if p),
        *(ctx.get("spec.contacts") or ()),
    ]
    # A risk owner may be named, or given by the role of a person the manifest lists ("Vendor
    # Manager" when a contact has that role): either way someone reachable holds the risk.
    people = {person_key(p.get("name")) for p in listed}
    people |= {person_key(p.get("role")) for p in listed if p.get("role")}
    for risk in ctx.each("spec.risks"):
        owner = risk.get("owner")
        if owner and person_key(owner) not in people:
            yield risk.at("owner").fail(
                f"risk {risk.name} is owned by {owner}, who is not the owner, the "
                "accountable person or a listed contact; add them to "
                "`spec.contacts` with role and email"
            )


@rule(
    id="AIMS-OWN-004",
    title="Every listed contact has a role and an email address",
    severity="warning",
    controls=["A.3.2"],
    clauses=["5.3"],
    eu_ai_act=[eu("Art. 17(1)(m)", "high")],
    nist_ai_rmf=[nist("GOVERN 2.1")],
    tags=["accountability"],
    applies=has_contacts,
    rationale="""Listing a person without saying what they are responsible for, or how to reach
        them, assigns nothing: roles are what make responsibilities clear.""",
    remediation="Give each entry of `spec.contacts` a `role:` and an `email:`.",
)
def contacts_complete(ctx: Context) -> Iterator[Violation]:
    for contact in ctx.each("spec.contacts"):
        for field in ("role", "email"):
            if not contact.get(field):
                yield contact.missing(
                    field, f"contact {contact.name} has no {field}; add `{field}:`"
                )
