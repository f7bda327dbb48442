"""Reconciliation of the organisation manifest with the system manifests: the checks no single
document can make (ISO/IEC 42001 4.3, 6.1.3, 9.2). Every system found is in the AIMS scope and
every system in scope has a manifest; the Statement of Applicability includes every control a
risk treatment relies on, excludes none that one relies on, and each included control is shown
implemented somewhere; each high-risk system in scope was sampled by a recent internal audit.

Each finding is located in the document that must change, which is the organisation manifest
for all but one choice: a system outside the scope could also leave the checked files, and the
message says so. Without an organisation manifest among the checked files these rules are not
applicable (and say why); with several, only AIMS-ORG-030 judges (which one is meant?).

``collect`` returns small records of strings, booleans and Locations, reading of each system
only what its rule needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from aims_policy.engine import (
    Context,
    Entry,
    Violation,
    identity,
    located,
    nist,
    set_rule,
    shared,
)
from aims_policy.model import Location
from aims_policy.paths import Path
from aims_policy.records import Record

from .facts import due_by, evidenced_controls, is_high_risk

Locate = Callable[[Path], Location]
ORG_KIND = "AIManagementSystem"
BOTH = ["AISystem", ORG_KIND]
NO_ORGANISATION = (
    "no organisation manifest (kind: AIManagementSystem) is among the checked files; check it "
    "together with the systems"
)


class Decision(Record):
    decision: str
    ident: str  # spec.statementOfApplicability[A.2.4]
    location: Location  # of the entry's decision
    evidenced: bool  # the entry lists organisation-level evidence


class OrgRecord(Record):
    name: str
    location: Location  # of metadata.name
    scope: tuple[tuple[str, str, Location], ...]  # (system, identity path, location)
    scope_location: Location
    elsewhere: frozenset[str]
    decisions: tuple[tuple[str, Decision], ...]  # (control, decision)
    soa_location: Location
    audited: frozenset[str]  # systems an audit within the cycle sampled
    audits: tuple[str, Location]  # where audits are recorded (or would be): identity, location
    cycle: int


class Relied(Record):
    control: str
    risk: str  # the risk's identity path
    location: Location


class SystemRecord(Record):
    name: str
    location: Location  # of metadata.name
    high: bool
    relied: tuple[Relied, ...]
    evidenced: frozenset[str]


def _collector(
    *, high: bool = False, relied: bool = False, evidenced: bool = False
) -> Callable[[Context, Locate], OrgRecord | SystemRecord]:
    """A collector that reads of a system only what its rule needs: a part of a manifest that
    does not match the schema leaves the manifest out of the rules that read it, and of no
    other."""

    def collect(ctx: Context, locate: Locate) -> OrgRecord | SystemRecord:
        if ctx.get("kind") == ORG_KIND:
            return _organisation(ctx, locate)
        return SystemRecord(
            str(ctx.get("metadata.name", "")),
            locate(("metadata", "name")),
            bool(is_high_risk(ctx)) if high else False,
            _relied(ctx, locate) if relied else (),
            _evidenced(ctx) if evidenced else frozenset(),
        )

    return collect


class Named(Record):
    name: str
    location: Location  # of metadata.name


def _named(ctx: Context, locate: Locate) -> Named | None:
    """An organisation manifest's name and where it is named; nothing is kept of a system. It
    reads what the other reconciliation rules read (of a system, its name), so that a manifest
    they leave out (a part that does not match the schema: not evaluated) is left out here too."""
    if ctx.get("kind") != ORG_KIND:
        ctx.get("metadata.name", "")
        return None
    record = _organisation(ctx, locate)
    return Named(record.name, record.location)


@shared
def _relied(ctx: Context, locate: Locate) -> tuple[Relied, ...]:
    out = []
    for risk in ctx.each("spec.risks"):
        controls = risk.get("treatment", {}).get("controls") or ()
        if not controls:
            continue
        named = identity(ctx, risk.path)  # the risk's, once for all its controls
        for index, control in enumerate(controls):
            out.append(
                Relied(str(control), named, locate((*risk.path, "treatment", "controls", index)))
            )
    return tuple(out)


def _evidenced(ctx: Context) -> frozenset[str]:
    # The fact, computed once per manifest: the system's own rules read it too.
    return frozenset(evidenced_controls(ctx))


@shared
def _organisation(ctx: Context, locate: Locate) -> OrgRecord:
    scope = tuple(
        (str(item.value), identity(ctx, item.path), locate(item.path))
        for item in ctx.each("spec.scope.systems")
    )
    decisions = tuple(
        (
            str(entry.get("id")),
            Decision(
                str(entry.get("decision")),
                identity(ctx, entry.path),
                locate((*entry.path, "decision")),
                bool(entry.get("evidence")),
            ),
        )
        for entry in ctx.each("spec.statementOfApplicability")
    )
    cycle: int = ctx.param("organisation.auditCycleMonths")
    audited: set[str] = set()
    for audit in ctx.each("spec.internalAudit.audits"):
        due = due_by(ctx, audit.get("date"), cycle)
        if due is not None and due >= ctx.today:
            audited.update(audit.get("systems") or ())
    where: Path = ("spec",)
    for candidate in (("spec", "internalAudit", "audits"), ("spec", "internalAudit")):
        if ctx.get(".".join(map(str, candidate))) is not None:
            where = candidate
            break
    return OrgRecord(
        str(ctx.get("metadata.name", "")),
        locate(("metadata", "name")),
        scope,
        locate(("spec", "scope", "systems")),
        frozenset(str(m.get("name")) for m in ctx.get("spec.scope.managedElsewhere") or ()),
        decisions,
        locate(("spec", "statementOfApplicability")),
        frozenset(audited),
        (".".join(map(str, where)), locate(where)),
        cycle,
    )


class _Reconcile:
    """The fold every rule here shares: the organisation manifest, and of each system only what
    the rule's judgement needs (``keep``), folded in as they arrive. A rule judges only with
    exactly one organisation manifest: from the second on it keeps nothing more, and lets go of
    what it kept (a tree of many management systems checked at once would otherwise hold each
    one's whole SoA in every rule, and every system, until the end of the run)."""

    def __init__(self) -> None:
        self.organisation: OrgRecord | None = None
        self.several = False

    def add(self, entry: Entry) -> None:
        value = entry.value
        if isinstance(value, OrgRecord):
            if self.organisation is None and not self.several:
                self.organisation = value
            else:
                self.several = True
                self.organisation = None
                self.drop()
        elif not self.several:
            self.keep(value)

    def keep(self, system: SystemRecord) -> None:
        raise NotImplementedError

    def drop(self) -> None:
        raise NotImplementedError

    def not_applicable(self) -> str | None:
        if self.several:
            return "several organisation manifests are among the checked files (AIMS-ORG-030)"
        if self.organisation is None:
            return NO_ORGANISATION
        return None

    def findings(self) -> Iterator[tuple[str, Violation]]:
        if self.organisation is not None:  # None also once a second one has arrived
            yield from self.judge(self.organisation)

    def judge(self, org: OrgRecord) -> Iterator[tuple[str, Violation]]:
        raise NotImplementedError


class _Systems(_Reconcile):
    """A fold that keeps each system's record (its name and where it is named)."""

    def __init__(self) -> None:
        super().__init__()
        self.systems: list[SystemRecord] = []

    def keep(self, system: SystemRecord) -> None:
        self.systems.append(system)

    def drop(self) -> None:
        self.systems = []


class _Strings(_Reconcile):
    """A fold that keeps a set of strings from the systems (``keep`` says which)."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: set[str] = set()

    def drop(self) -> None:
        self.kept = set()


def _where(record: SystemRecord) -> str:
    return f"{record.name} ({record.location})"


def _some(names: list[str], total: int | None = None) -> str:
    """The first three of ``names`` and how many more there are (of ``total``, when ``names``
    holds only the first few)."""
    total = len(names) if total is None else total
    shown = ", ".join(names[:3])
    return f"{shown} and {total - 3} more" if total > 3 else shown


@set_rule(
    collect=_named,
    kinds=BOTH,
    id="AIMS-ORG-030",
    title="One organisation manifest describes the AI management system",
    severity="error",
    clauses=["4.3", "4.4"],
    nist_ai_rmf=[nist("GOVERN 1.2"), nist("MAP 3.3")],
    tags=["inventory"],
    rationale="""The systems checked together are reconciled with one AIMS: its scope, its
        Statement of Applicability, its audits. With two organisation manifests nobody can say
        which scope a system belongs to, and neither is reconciled.""",
    remediation="""Keep one organisation manifest per management system, and check each
        management system with its own systems.""",
)
class OneOrganisation:
    def __init__(self) -> None:
        self.organisations: list[Named] = []

    def add(self, entry: Entry) -> None:
        if entry.value is not None:
            self.organisations.append(entry.value)

    def not_applicable(self) -> str | None:
        return NO_ORGANISATION if not self.organisations else None

    def findings(self) -> Iterator[tuple[str, Violation]]:
        organisations = self.organisations
        if len(organisations) < 2:
            return
        # The first few others by name, and how many more: a message per manifest that listed
        # every other one would grow with the square of their number.
        shown = [f"{o.name} ({o.location})" for o in organisations[:4]]
        for index, org in enumerate(organisations):
            others = [text for i, text in enumerate(shown) if i != index][:3]
            yield (
                org.name,
                located(org.location, ("metadata", "name")).fail(
                    "another organisation manifest is among the checked files: "
                    f"{_some(others, len(organisations) - 1)}; check one management system at a "
                    "time, with its own systems"
                ),
            )


@set_rule(
    collect=_collector(),
    kinds=BOTH,
    id="AIMS-ORG-031",
    title="Every system manifest found is in the AIMS scope",
    severity="error",
    clauses=["4.3"],
    nist_ai_rmf=[nist("MAP 3.3"), nist("GOVERN 1.6")],
    tags=["inventory"],
    rationale="""A system whose manifest sits among the AIMS's files but that the scope does not
        name is governed by nobody's decision: either the scope is out of date or the system is
        managed outside the AIMS and its manifest does not belong here.""",
    remediation="""Add the system to the organisation manifest's `scope.systems`, or check its
        manifest with the management system that covers it.""",
)
class SystemsInScope(_Systems):
    def judge(self, org: OrgRecord) -> Iterator[tuple[str, Violation]]:
        in_scope = {name for name, _ident, _loc in org.scope}
        for system in sorted(self.systems, key=lambda s: s.name):
            if system.name in in_scope or system.name in org.elsewhere:
                continue
            yield org.name, located(org.scope_location, ("spec", "scope", f"systems[{system.name}]")).fail(
                f"system {_where(system)} has a manifest among the checked files but is not in "
                "the AIMS scope; add it to `scope.systems`, or check its manifest with the "
                "management system that covers it"
            )  # fmt: skip


@set_rule(
    collect=_collector(),
    kinds=BOTH,
    id="AIMS-ORG-032",
    title="Every system in the AIMS scope has a manifest or is declared managed elsewhere",
    severity="error",
    clauses=["4.3"],
    nist_ai_rmf=[nist("MAP 3.3"), nist("GOVERN 1.6")],
    tags=["inventory"],
    rationale="""The scope names the AI systems the AIMS answers for; one without a manifest is
        in the inventory but governed by nothing a check can see (the gap an auditor looks for
        first), unless its manifest lives in another repository.""",
    remediation="""Add a manifest for the system beside the others, declare it under
        `scope.managedElsewhere` with where it is managed, or remove it from the scope.""",
)
class ScopeHasManifests(_Strings):
    def keep(self, system: SystemRecord) -> None:
        self.kept.add(system.name)

    def judge(self, org: OrgRecord) -> Iterator[tuple[str, Violation]]:
        found = self.kept  # the names of the systems with a manifest
        for name, ident, location in org.scope:
            if name in found or name in org.elsewhere:
                continue
            yield (
                org.name,
                located(location, tuple(ident.split("."))).fail(
                    f"system {name} is in the AIMS scope but no manifest among the checked files "
                    "describes it; add its manifest, or declare it under `scope.managedElsewhere`"
                ),
            )


class _Relying(_Reconcile):
    """A fold that keeps, by control, the systems whose risk treatment relies on it: the
    system's name, the risk's identity path and (``located``) where the treatment names it.
    Kept for every system until the organisation manifest is known, so kept small: control
    ids and risk paths (``spec.risks[R-1]``) repeat from system to system and are kept once."""

    located = True

    def __init__(self) -> None:
        super().__init__()
        self.relying: dict[str, list[tuple[str, str, Location | None]]] = {}
        self.shared: dict[str, str] = {}

    def keep(self, system: SystemRecord) -> None:
        share = self.shared.setdefault
        for relied in system.relied:
            uses = self.relying.setdefault(share(relied.control, relied.control), [])
            where = relied.location if self.located else None
            uses.append((system.name, share(relied.risk, relied.risk), where))

    def drop(self) -> None:
        self.relying = {}
        self.shared = {}


@set_rule(
    collect=_collector(relied=True),
    kinds=BOTH,
    id="AIMS-ORG-033",
    title="Every control a risk treatment relies on has a decision in the SoA",
    severity="error",
    clauses=["6.1.3"],
    nist_ai_rmf=[nist("GOVERN 1.4"), nist("MANAGE 1.2")],
    tags=["soa", "risk"],
    rationale="""The Statement of Applicability lists the controls the risk treatment needs
        (6.1.3 c, d); a control a system's treatment relies on but the SoA does not mention is
        one the organisation never decided to operate.""",
    remediation="""Add the control to `statementOfApplicability` as included, with the
        justification (the risks it treats).""",
)
class ReliedControlsDecided(_Relying):
    located = False

    def judge(self, org: OrgRecord) -> Iterator[tuple[str, Violation]]:
        decided = {control for control, _decision in org.decisions}
        for control, uses in sorted(self.relying.items()):
            if control in decided:
                continue
            names = sorted({f"{name} ({risk.split('.', 1)[1]})" for name, risk, _at in uses})
            path = ("spec", f"statementOfApplicability[{control}]")
            yield (
                org.name,
                located(org.soa_location, path).fail(
                    f"control {control} has no decision in the Statement of Applicability but the "
                    f"risk treatment of {_some(names)} relies on it; add it as included, with the "
                    "justification"
                ),
            )


@set_rule(
    collect=_collector(relied=True),
    kinds=BOTH,
    id="AIMS-ORG-034",
    title="No system's risk treatment relies on a control the SoA excludes",
    severity="error",
    clauses=["6.1.3"],
    nist_ai_rmf=[nist("GOVERN 1.4"), nist("MANAGE 1.2")],
    tags=["soa", "risk"],
    rationale="""An excluded control is one the organisation has decided not to operate; a risk
        treated by it is not treated at all, and the SoA and the risk register contradict each
        other in front of the auditor.""",
    remediation="""Include the control (with its justification and implementation), or change
        the risk treatments that name it.""",
)
class ExcludedNotRelied(_Relying):
    def judge(self, org: OrgRecord) -> Iterator[tuple[str, Violation]]:
        for control, decision in org.decisions:
            uses = self.relying.get(control)
            if decision.decision != "excluded" or not uses:
                continue
            places = sorted({f"{name} {risk.split('.', 1)[1]} ({at})" for name, risk, at in uses})
            yield org.name, located(decision.location, (*decision.ident.split(".", 1), "decision")).fail(
                f"control {control} is excluded but the risk treatment of {_some(places)} relies "
                "on it; include it, or change those treatments"
            )  # fmt: skip


@set_rule(
    collect=_collector(evidenced=True),
    kinds=BOTH,
    id="AIMS-ORG-035",
    title="Every included control is shown implemented by a system or organisation evidence",
    severity="warning",
    clauses=["6.1.3"],
    nist_ai_rmf=[nist("GOVERN 1.4"), nist("MEASURE 1.3")],
    tags=["soa", "evidence"],
    rationale="""Including a control in the SoA claims it is operated. When no system's
        resolving evidence and no organisation-level evidence shows it, the claim rests on
        nothing an auditor can sample.""",
    remediation="""Add `evidence:` to the control's SoA entry (a procedure, a record), or the
        evidence to the manifest of a system that implements it.""",
)
class IncludedEvidenced(_Strings):
    def keep(self, system: SystemRecord) -> None:
        self.kept.update(system.evidenced)

    def judge(self, org: OrgRecord) -> Iterator[tuple[str, Violation]]:
        shown = self.kept  # the controls some system's resolving evidence shows
        for control, decision in org.decisions:
            if decision.decision != "included" or decision.evidenced or control in shown:
                continue
            yield org.name, located(decision.location, tuple(decision.ident.split(".", 1))).fail(
                f"control {control} is included but neither a system's evidence nor "
                "organisation-level evidence shows it implemented; add `evidence:` to this "
                "entry, or the evidence to a system manifest"
            )  # fmt: skip


@set_rule(
    collect=_collector(high=True),
    kinds=BOTH,
    id="AIMS-ORG-036",
    title="Every high-risk system in scope was sampled by an internal audit within the cycle",
    severity="warning",
    clauses=["9.2"],
    nist_ai_rmf=[nist("MANAGE 4.1"), nist("MEASURE 4.2")],
    tags=["audit"],
    rationale="""An audit programme takes into account the importance of the processes
        concerned (9.2.2); a high-risk system that no audit of the last cycle sampled is where a
        nonconformity can grow unseen.""",
    remediation="""Include the system in the next internal audit and list it in the audit's
        `systems:`.""",
)
class HighRiskAudited(_Systems):
    def keep(self, system: SystemRecord) -> None:
        if system.high:
            self.systems.append(system)

    def judge(self, org: OrgRecord) -> Iterator[tuple[str, Violation]]:
        in_scope = {name for name, _ident, _loc in org.scope}
        where, location = org.audits
        for system in sorted(self.systems, key=lambda s: s.name):
            if system.name not in in_scope or system.name in org.audited:
                continue
            *parents, last = where.split(".")
            yield (
                org.name,
                located(location, (*parents, f"{last}[{system.name}]")).fail(
                    f"high-risk system {_where(system)} is in scope but no internal audit of the "
                    f"last {org.cycle} months sampled it; include it in the next audit's `systems:`"
                ),
            )
