"""Outcomes -> findings: what a rule's evaluation on one manifest, or a cross-manifest rule's
fold, adds to the report (findings with their location and identity, rule results, engine errors,
traces). Severity overrides are not applied here: the policy stage applies them once, to every
finding."""

from collections.abc import Iterable

from aims_policy.engine import Outcome, SetRule, Violation
from aims_policy.loader import Document
from aims_policy.model import Finding, Location, Notification, RuleMeta, RuleResult
from aims_policy.paths import identify, pointer

# (system, rule id, status, trace): why a rule named by --why-not did not fire.
Trace = tuple[str, str, str, tuple[str, ...]]


def record(
    outcome: Outcome,
    doc: Document,
    system: str,
    *,
    explain: bool,
    why_not: tuple[str, ...],
    findings: list[Finding],
    results: list[RuleResult],
    notifications: list[Notification],
    traces: list[Trace],
) -> None:
    """Add one rule's outcome on one manifest to what its file contributes."""
    meta = outcome.rule.meta
    if outcome.status == "error":
        notifications.append(
            Notification(
                "engine",
                "rule-error",
                f"rule {meta.id} failed on this manifest: {outcome.reason}; "
                "this is a bug in the rule, please report it",
                doc.locate(()),
                meta.id,
                system,
            )
        )
        results.append(RuleResult(meta.id, system, "error", outcome.reason))
        return
    if outcome.status == "not_applicable":
        reason = outcome.reason if explain else applies_reason(meta)
        # tuple.__new__ skips the Python frame of the record's __new__: most rules on most
        # manifests end here.
        results.append(tuple.__new__(RuleResult, (meta.id, system, "not_applicable", reason)))
    elif outcome.status == "not_evaluated":
        results.append(RuleResult(meta.id, system, "not_evaluated", outcome.reason))
    explained = explain or meta.id in why_not
    if meta.id in why_not and outcome.status != "failed":
        # Findings carry their own explanation; the trace explains a rule that did not fire.
        traces.append((system, meta.id, outcome.status, outcome.trace))
    violations = outcome.violations
    if not violations:  # most outcomes recorded here: not applicable
        return
    controls = meta.iso_refs  # one tuple for the outcome's findings, not one each
    for index, v in enumerate(violations):
        target = v.target
        identity, item = identify(doc.data, target)
        # By position, in Finding's field order: a record made by keyword takes a slower path,
        # and this runs for every finding of a run.
        findings.append(
            Finding(
                meta.id,  # rule_id
                meta.severity,
                v.message,
                v.location or doc.locate(target),
                pointer(target),  # json_path
                identity,  # ident
                system,
                item,
                controls,
                "open",  # state
                None,  # suppression
                _explained(outcome, index) if explained else (),  # explanation
                None,  # origin
            )
        )


def _explained(outcome: Outcome, index: int) -> tuple[str, ...]:
    """What led the rule to its ``index``-th violation (the whole trace, if the tracer did not
    say per violation)."""
    each = outcome.explanations
    return each[index] if index < len(each) else outcome.trace


# The reason is formatted once per rule, not once per manifest the rule does not apply to (the
# report then keeps one copy across workers, as it does for control lists).
_REASONS: dict[str, tuple[str, str]] = {}


def applies_reason(meta: RuleMeta) -> str:
    cached = _REASONS.get(meta.id)
    if cached is None or cached[0] != meta.applies_to:  # a custom pack may reuse an id in tests
        cached = _REASONS[meta.id] = (meta.applies_to, f"applies to: {meta.applies_to}")
    return cached[1]


def set_findings(
    set_rule: SetRule, pairs: Iterable[tuple[str, Violation]], controls: tuple[str, ...]
) -> list[Finding]:
    """The findings of a cross-manifest rule's ``(system, violation)`` pairs (anything else
    raises, and the caller reports the rule as failed)."""
    meta = set_rule.meta
    out = []
    for system, v in pairs:
        # A cross-manifest finding concerns one manifest among several that may even share a
        # system name, so its identity names the file too: two duplicates must not share a
        # fingerprint.
        ident_path = ".".join(str(p) for p in v.target) or system
        if v.location is not None:
            ident_path = f"{ident_path}@{v.location.file}"
        out.append(
            Finding(
                rule_id=meta.id,
                severity=meta.severity,
                message=v.message,
                location=v.location or Location("?"),
                json_path=pointer(v.target),
                ident=ident_path,
                system=system,
                controls=controls,
            )
        )
    return out
