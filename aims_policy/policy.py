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
from typing import TYPE_CHECKING, Any, NamedTuple

from aims_policy.model import Finding, Location, Notification, RuleMeta, Severity, Suppression
from aims_policy.validate import NON_BLOCKING

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
#: Rules the policy stage itself reports; the report lists them so SARIF and JUnit can too.
POLICY_RULES: tuple[RuleMeta, ...] = (EXC_EXPIRED, EXC_INCOMPLETE, EXC_UNUSED)

#: Schema rules whose findings stop a manifest from being evaluated (see api._process_document):
#: an exception on such a system cannot be judged unused.
_BLOCKING_PREFIX = "AIMS-SCH-"


class Waiver(NamedTuple):
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

    @property
    def ident(self) -> str:
        # Identity of the exception itself (exceptions have no id): what it waives, so that its
        # own findings keep their fingerprint when lines move.
        target = f"{self.rule}/{self.item}" if self.item else self.rule
        return f"{self.origin}.exceptions[{target}]"

    def matches(self, finding: Finding) -> bool:
        return (
            finding.rule_id == self.rule
            and finding.system == self.system
            and (self.item is None or finding.item == self.item)
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
    from aims_policy.selection import matches

    select, ignore = options.select, options.ignore
    return (not select or matches(meta, select)) and not (ignore and matches(meta, ignore))


def active_rules(options: Options) -> tuple[RuleMeta, ...]:
    return tuple(meta for meta in POLICY_RULES if rule_active(meta, options))


def apply(
    findings: list[Finding],
    exceptions: Sequence[tuple[str, Any, Location]],
    options: Options,
    evaluated: Collection[str] | None = None,
    checked: Collection[str] | None = None,
) -> tuple[list[Finding], list[Notification]]:
    """Set each finding's state. ``evaluated`` holds the ids of the rules this run evaluated
    (``None``: unknown, so no exception is judged unused for naming a rule that did not run);
    ``checked`` the systems this run saw: configuration exceptions for other systems are left
    alone, so a pre-commit run on one manifest does not report the rest of the configuration."""
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
    for exc in declared:
        missing = [k for k in ("justification", "approver", "expires") if getattr(exc, k) is None]
        expires = expiry_date(exc.expires)
        if missing or expires is None:
            what = (
                f"no {', no '.join(missing)}"
                if missing
                else f"an expiry date {exc.expires!r} that is not a YYYY-MM-DD date"
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
        suppression = Suppression(
            "exception", exc.justification or "", exc.approver, expires.isoformat(), exc.source
        )
        used = False
        for index, finding in enumerate(out):
            if exc.matches(finding):
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
    return out, []


def _override_severity(findings: list[Finding], levels: Mapping[str, Severity]) -> list[Finding]:
    """The one place where ``--severity`` and the configuration's ``severity:`` take effect."""
    return [
        f._replace(severity=levels[f.rule_id])
        if f.rule_id in levels and levels[f.rule_id] != f.severity
        else f
        for f in findings
    ]


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
