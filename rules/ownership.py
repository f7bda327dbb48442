"""Who is responsible: owner, accountable person (ISO/IEC 42001 A.3.2, clause 5.3)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, rule

from .facts import is_high_risk


@rule(
    id="AIMS-OWN-001",
    title="The system owner can be contacted",
    severity="error",
    controls=["A.3.2"],
    clauses=["5.3"],
    eu_ai_act=[("Art. 17(1)(m)", "high"), ("Art. 26(2)", "medium")],
    nist_ai_rmf=["GOVERN 2.1"],
    rationale="""An owner without a contact address cannot be asked about the system when an
        incident, complaint or audit question arrives; responsibility that cannot be exercised
        is not assigned.""",
    remediation="Add `email:` to `spec.owner` (a team alias is fine).",
)
def owner_contact(ctx: Context) -> Iterator[Violation]:
    if not ctx.get("spec.owner.email"):
        yield ctx.violation("spec.owner", "the system owner has no email address; add "
                            "`email:` so people can reach them", missing="email")


@rule(
    id="AIMS-OWN-002",
    title="High-risk systems name an accountable person other than the owner",
    severity="warning",
    controls=["A.3.2"],
    clauses=["5.1", "5.3"],
    eu_ai_act=[("Art. 17(1)(m)", "high")],
    nist_ai_rmf=["GOVERN 2.3"],
    applies=is_high_risk,
    rationale="""For a high-risk system, someone with authority over budget and priorities must
        answer for it; when the accountable person is the technical owner, nobody is in a
        position to overrule delivery pressure.""",
    remediation="Add `spec.accountablePerson` naming a manager other than the owner.",
)
def accountable_person(ctx: Context) -> Iterator[Violation]:
    person = ctx.get("spec.accountablePerson")
    if person is None:
        yield ctx.violation("spec", "a high-risk system needs an accountable person; add "
                            "`accountablePerson:` with a name and email", missing="accountablePerson")
    elif person.get("name") == ctx.get("spec.owner.name"):
        yield ctx.violation("spec.accountablePerson.name", f"the accountable person "
                            f"({person.get('name')}) is also the owner; name someone else",
                            because=["accountablePerson.name == owner.name"])
