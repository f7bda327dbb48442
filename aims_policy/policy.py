"""After evaluation: exceptions (waivers) and the baseline decide each finding's state.

An exception is a recorded decision to accept a finding for a while: it names a rule, a system
and optionally the list item concerned (by its ``id``, never by an index, so inserting an item
elsewhere changes nothing), and must carry who approved it, why, and until when. Only a complete,
unexpired exception suppresses; every other one becomes a finding of its own at the place it is
declared, so a waiver can never silently outlive its approval.

A baseline is the set of fingerprints of findings that existed when a team adopted the tool;
matching findings are reported as baselined and do not fail the run.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aims_policy.model import Finding, Location, Notification, RuleMeta, Severity, Suppression
from aims_policy.records import Record
from aims_policy.validate import NON_BLOCKING, SCHEMA_RULES

if TYPE_CHECKING:
    from aims_policy.options import Options

_WHY = (
    "An exception is a risk-acceptance decision (ISO/IEC 42001 clause 6.1.3): it is only "
    "auditable while it says who accepted the risk, why, and until when."
)

EXC_EXPIRED = RuleMeta(
    id="AIMS-EXC-001",
    name="ExpiredException",
    title="Exceptions are renewed or removed when they expire",
    severity="error",
    rationale="An expired exception no longer suppresses its finding: the acceptance it records "
    "has run out, so the finding is open again and the exception itself is reported until "
    "someone renews the decision or fixes the finding. " + _WHY,
    remediation="Fix the finding and remove the exception, or have the approver renew it with a "
    "new `expires:` date (an exception is active through its expiry day, UTC).",
    clauses=("6.1.3",),
    tags=("exceptions",),
)
EXC_INCOMPLETE = RuleMeta(
    id="AIMS-EXC-002",
    name="IncompleteException",
    title="Exceptions name their justification, approver and expiry date",
    severity="error",
    rationale="An exception without a justification, an approver or an expiry date is not a "
    "decision anyone can review or revisit, so it does not suppress anything. " + _WHY,
    remediation="Add `justification:`, `approver:` and `expires: YYYY-MM-DD` to the exception.",
    clauses=("6.1.3",),
    tags=("exceptions",),
)
EXC_UNUSED = RuleMeta(
    id="AIMS-EXC-003",
    name="UnusedException",
    title="Exceptions match a finding",
    severity="warning",
    rationale="An exception that matches no finding is either stale (the finding was fixed) or "
    "mistyped (a wrong rule id or item), and a mistyped one hides nothing while looking as if it "
    "did. " + _WHY,
    remediation="Remove the exception if the finding was fixed; otherwise correct its `rule:` "
    "or `item:` (the `id` of the list item, as shown in the finding's identity).",
    clauses=("6.1.3",),
    tags=("exceptions",),
)
EXC_POLICY = RuleMeta(
    id="AIMS-EXC-004",
    name="ExceptionAgainstPolicy",
    title="Exceptions follow the organisation's waiver policy",
    severity="error",
    rationale="A waiver is only as good as the decision behind it: one its own beneficiary "
    "approved, one that runs for years, one approved by someone without the authority, or one "
    "that would switch off the checks that decide whether a manifest can be evaluated at all "
    "(or hide that two manifests claim one system) is not a decision an auditor can accept, so "
    "it suppresses nothing. " + _WHY,
    remediation="Have someone other than the system owner and the item's owner (and, where the "
    "data document names them, someone entitled to) approve it, with `approvedOn:` and an "
    "`expires:` within the data document's exceptions.maxValidityDays; fix schema errors and "
    "duplicate system names instead of waiving them.",
    clauses=("6.1.3", "5.3"),
    controls=("A.3.2",),
    tags=("exceptions",),
)
#: Rules the policy stage itself reports; the report lists them so SARIF and JUnit can too.
POLICY_RULES: tuple[RuleMeta, ...] = (EXC_EXPIRED, EXC_INCOMPLETE, EXC_UNUSED, EXC_POLICY)
#: Findings no exception may waive: those that decide whether the rules could run at all (a
#: manifest that does not match the schema is only partly evaluated) and a system name claimed
#: twice (which would let one manifest's exceptions pass for another's).
_UNWAIVABLE_EXTRA = frozenset({"AIMS-SET-001"})

#: Schema rules whose findings stop a manifest from being evaluated (see api._process_document):
#: an exception on such a system cannot be judged unused.
_BLOCKING_PREFIX = "AIMS-SCH-"


class Waiver(Record):
    """One declared exception, read defensively: manifest exceptions reach us even when the
    manifest broke the schema (the schema finding reports that)."""

    system: str
    rule: str
    item: str | None
    justification: str | None
    approver: str | None
    expires: str | None
    source: Location
    origin: str = "metadata"  # "metadata" (a manifest) or "config" (the configuration file)
    approved_on: str | None = None

    @property
    def ident(self) -> str:
        # Identity of the exception itself (exceptions have no id): what it waives, so that its
        # own findings keep their fingerprint when lines move.
        target = f"{self.rule}/{self.item}" if self.item else self.rule
        return f"{self.origin}.exceptions[{target}]"

    def matches(self, finding: Finding) -> bool:
        """A manifest's exception belongs to its document: it waives findings located in the
        file that declares it, never those of another manifest that claims the same system
        name. A configuration exception covers the system it names."""
        return (
            finding.rule_id == self.rule
            and finding.system == self.system
            and (self.item is None or finding.item == self.item)
            and (self.origin == "config" or finding.location.file == self.source.file)
        )


def parse_exception(
    system: str,
    raw: Any,
    source: Location,
    origin: str = "metadata",
) -> Waiver | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("rule"), str) or not raw["rule"]:
        return None

    def text(key: str) -> str | None:
        value = raw.get(key)
        if isinstance(value, (_dt.date, int, float)) and not isinstance(value, bool):
            value = str(value)
        return (value.strip() or None) if isinstance(value, str) else None

    return Waiver(
        system,
        raw["rule"],
        text("item"),
        text("justification"),
        text("approver"),
        text("expires"),
        source,
        origin,
        text("approvedOn"),
    )


def expiry_date(value: str | None) -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        return None


def rule_active(meta: RuleMeta, options: Options) -> bool:
    """Whether a policy rule survives ``select``/``ignore`` like any other rule."""
    select, ignore = options.select, options.ignore
    if not select and not ignore:
        return True  # without importing the pattern matcher (and fnmatch): most runs
    from aims_policy.selection import matches

    return (not select or matches(meta, select)) and not (ignore and matches(meta, ignore))


def active_rules(options: Options) -> tuple[RuleMeta, ...]:
    return tuple(meta for meta in POLICY_RULES if rule_active(meta, options))


def apply(
    findings: list[Finding],
    exceptions: Sequence[tuple[str, Any, Location]],
    options: Options,
    evaluated: Collection[str] | None = None,
    checked: Collection[str] | None = None,
    responsible: Mapping[tuple[str, str | None], str] | None = None,
) -> tuple[list[Finding], list[Notification]]:
    """Set each finding's state. ``evaluated`` holds the ids of the rules this run evaluated
    (``None``: unknown, so no exception is judged unused for naming a rule that did not run);
    ``checked`` the systems this run saw: configuration exceptions for other systems are left
    alone, so a pre-commit run on one manifest does not report the rest of the configuration.
    ``responsible`` names who answers for what: ``(system, None)`` the system's owner,
    ``(system, item)`` the owner of a list item an exception names."""
    parsed = [parse_exception(*x) for x in exceptions]
    parsed += [
        parse_exception(*x, origin="config")
        for x in options.exceptions
        if checked is None or x[0] in checked
    ]
    declared = [e for e in parsed if e is not None]
    out = list(findings)
    problems: list[Finding] = []
    if options.full_run and checked is not None:
        # A run over the configuration's own paths has seen every system it knows of, so a
        # configuration exception for any other system names one that does not exist.
        for system, raw, where in options.exceptions:
            unknown = system not in checked and parse_exception(system, raw, where, origin="config")
            if unknown:
                problems.append(
                    _problem(
                        EXC_UNUSED,
                        unknown,
                        options,
                        f"the exception for "
                        f"{_what(unknown)} names a system that no manifest in "
                        "the configured paths declares; correct `system:` or "
                        "remove it",
                    )
                )
    blocked = {
        f.system
        for f in findings
        if f.rule_id.startswith(_BLOCKING_PREFIX) and f.rule_id not in NON_BLOCKING
    }
    filtered = bool(options.select or options.ignore)
    waivers = options.data.get("exceptions") or {}
    unwaivable = _UNWAIVABLE_EXTRA | {
        meta.id for meta in SCHEMA_RULES if meta.id not in NON_BLOCKING
    }
    for exc in declared:
        missing = [
            field
            for field, value in (
                ("justification", exc.justification),
                ("approver", exc.approver),
                ("approvedOn", exc.approved_on),
                ("expires", exc.expires),
            )
            if value is None
        ]
        expires = expiry_date(exc.expires)
        approved = expiry_date(exc.approved_on)
        if missing or expires is None or approved is None:
            what = (
                f"no {', no '.join(missing)}"
                if missing
                else f"a date {exc.expires if expires is None else exc.approved_on!r} that is "
                "not a YYYY-MM-DD date"
            )
            problems.append(
                _problem(
                    EXC_INCOMPLETE,
                    exc,
                    options,
                    f"the exception for {_what(exc)} "
                    f"has {what}, so it suppresses nothing; add the missing "
                    "fields",
                )
            )
            continue
        if options.day > expires:
            problems.append(
                _problem(
                    EXC_EXPIRED,
                    exc,
                    options,
                    f"the exception for {_what(exc)} "
                    f"expired on {expires.isoformat()} (approved by "
                    f"{exc.approver}); its findings count again: renew it or "
                    "fix them",
                )
            )
            continue
        against = _against_policy(exc, approved, expires, options, waivers, unwaivable, responsible)
        if against:
            problems.append(
                _problem(
                    EXC_POLICY,
                    exc,
                    options,
                    f"the exception for {_what(exc)} {against}, so it suppresses nothing",
                )
            )
            continue
        suppression = Suppression(
            "exception", exc.justification or "", exc.approver, expires.isoformat(), exc.source
        )
        used = False
        allowed = _allowed_approvers(waivers)
        for index, finding in enumerate(out):
            if exc.matches(finding):
                entitled = allowed.get(finding.severity)
                if entitled and not _is_one_of(exc.approver, entitled):
                    problems.append(
                        _problem(
                            EXC_POLICY,
                            exc,
                            options,
                            f"the exception for {_what(exc)} was approved by {exc.approver}, "
                            f"who is not among those who may waive {finding.severity} "
                            f"findings ({', '.join(entitled)}), so it suppresses nothing",
                        )
                    )
                    used = True
                    break
                used = True
                if finding.state == "open":
                    out[index] = finding._replace(state="waived", suppression=suppression)
        if used or exc.system in blocked:
            continue
        if evaluated is not None and exc.rule not in evaluated:
            if filtered:
                continue  # the rule was deselected for this run: nothing to judge
            problems.append(
                _problem(
                    EXC_UNUSED,
                    exc,
                    options,
                    f"the exception names rule "
                    f"{exc.rule}, which no loaded rule pack defines; correct the "
                    "rule id or load its pack",
                )
            )
        else:
            problems.append(
                _problem(
                    EXC_UNUSED,
                    exc,
                    options,
                    f"the exception for {_what(exc)} "
                    "matches no finding; remove it if the finding was fixed, or "
                    "correct `rule:`/`item:`",
                )
            )
    wanted = {meta.id for meta in active_rules(options)}
    out.extend(p for p in problems if p.rule_id in wanted)
    if options.severity:
        out = _override_severity(out, options.severity)
    if options.baseline is not None:
        out = _apply_baseline(out, options)
    if options.audit:
        # Open again, each keeping the suppression it would have had: shown, not applied.
        out = [f._replace(state="open") if f.state != "open" else f for f in out]
    return out, []


def _override_severity(findings: list[Finding], levels: Mapping[str, Severity]) -> list[Finding]:
    """The one place where ``--severity`` and the configuration's ``severity:`` take effect."""
    return [
        f._replace(severity=levels[f.rule_id])
        if f.rule_id in levels and levels[f.rule_id] != f.severity
        else f
        for f in findings
    ]


def _person(text: str | None) -> str:
    """A person for comparison: people are often written "Name (Role)"."""
    return " ".join(str(text or "").split("(", 1)[0].split()).casefold()


def _is_one_of(approver: str | None, entitled: Sequence[str]) -> bool:
    """Whether "Name (Role)" is a person or a role among ``entitled``."""
    text = str(approver or "")
    role = text.split("(", 1)[1].rsplit(")", 1)[0] if "(" in text else ""
    names = {_person(e) for e in entitled}
    return _person(text) in names or (bool(role) and " ".join(role.split()).casefold() in names)


def _allowed_approvers(waivers: Mapping[str, Any]) -> dict[str, list[str]]:
    by_severity = waivers.get("approversBySeverity") or {}
    return {str(k): [str(v) for v in vs] for k, vs in by_severity.items() if vs}


def _against_policy(
    exc: Waiver,
    approved: _dt.date,
    expires: _dt.date,
    options: Options,
    waivers: Mapping[str, Any],
    unwaivable: Collection[str],
    responsible: Mapping[tuple[str, str | None], str] | None,
) -> str | None:
    """Why an otherwise complete exception breaks the waiver policy, or None."""
    if exc.rule in unwaivable:
        return (
            f"names {exc.rule}, which no exception may waive (it decides whether the rules "
            "could judge the manifest at all, or which manifest a system is); fix it instead"
        )
    if approved > options.day:
        return f"was approved on {approved.isoformat()}, a day that has not come yet"
    if expires < approved:
        return f"expires ({expires.isoformat()}) before it was approved ({approved.isoformat()})"
    longest = int(waivers.get("maxValidityDays") or 0)
    if longest and (expires - approved).days > longest:
        return (
            f"runs {(expires - approved).days} days from its approval on "
            f"{approved.isoformat()}, longer than the {longest} days the waiver policy allows "
            "(data: exceptions.maxValidityDays); renew it within that"
        )
    if waivers.get("requireIndependentApprover", True) and responsible:
        owners = [("the system owner", responsible.get((exc.system, None)))]
        if exc.item:
            owners.append((f"the owner of {exc.item}", responsible.get((exc.system, exc.item))))
        for role, person in owners:
            if person and _person(person) == _person(exc.approver):
                return (
                    f"was approved by {exc.approver}, who is {role}: nobody waives their own "
                    "finding; have someone independent approve it"
                )
    return None


def _what(exc: Waiver) -> str:
    item = f" item {exc.item}" if exc.item else ""
    return f"{exc.rule}{item} on {exc.system}"


def _problem(meta: RuleMeta, exc: Waiver, options: Options, message: str) -> Finding:
    return Finding(
        rule_id=meta.id,
        severity=meta.severity,
        message=message,
        location=exc.source,
        json_path="",
        ident=exc.ident,
        system=exc.system,
        item=exc.item,
        controls=meta.controls + meta.clauses,
    )


def _apply_baseline(findings: list[Finding], options: Options) -> list[Finding]:
    baseline = options.baseline
    assert baseline is not None
    suppression = Suppression(
        "baseline", f"recorded in the baseline {baseline.source}", source=Location(baseline.source)
    )
    known = baseline.fingerprints
    return [
        f._replace(state="baselined", suppression=suppression)
        if f.state == "open" and f.fingerprint in known
        else f
        for f in findings
    ]
