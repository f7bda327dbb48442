"""Results -> report: each file's result is folded in as it arrives (findings, systems, rule
results, the entries of cross-manifest rules), then the cross-manifest rules give their findings,
the policy stage sets each finding's state and severity, and the report is sorted."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aims_policy import policy
from aims_policy.findings import Trace, set_findings
from aims_policy.model import (
    Finding,
    Location,
    Notification,
    Report,
    ResultTable,
    SystemInfo,
    rows_of,
)
from aims_policy.options import Options
from aims_policy.registry import RuleSet
from aims_policy.validate import SCHEMA_RULES
from aims_policy.version import __version__
from aims_policy.worker import FileResult

if TYPE_CHECKING:
    from aims_policy.engine import Fold


class _Shared(dict[Any, Any]):
    """One copy of each equal value in the report. Results from worker processes arrive as fresh
    copies (unpickling shares nothing between files), and a rule id, a reason, a control list or a
    risk level repeated across ten thousand manifests would otherwise be kept ten thousand
    times. Within one file's result pickling already shares (its file name, its system names),
    and values particular to one system are not worth an entry here (a finding's message, path
    and item are: most repeat from manifest to manifest). What cross-manifest rules
    collect is theirs to keep or drop (see ``rules/crossmanifest.py``)."""

    def __call__(self, value: Any) -> Any:
        return self.setdefault(value, value)

    def strings(self, values: tuple[str, ...]) -> tuple[str, ...]:
        shared = self.get(values)
        if shared is None:
            shared = self[values] = tuple(map(self, values))
        return shared

    def system(self, info: SystemInfo) -> SystemInfo:
        return info._replace(
            risk_level=self(info.risk_level),
            eu_category=self(info.eu_category),
            owner=self(info.owner),
        )

    def finding(self, f: Finding) -> Finding:
        # A message, its JSON pointer, identity path and item mostly repeat across manifests
        # (the same gap in each copy of a template: "evidence file evidence/x/model-card.md does
        # not exist ..."); kept once, they take a fraction of a large report's memory.
        return f._replace(
            rule_id=self(f.rule_id),
            severity=self(f.severity),
            message=self(f.message),
            json_path=self(f.json_path),
            ident=self(f.ident),
            item=self(f.item),
            controls=self.strings(f.controls),
        )


def assemble(
    results: Iterable[FileResult],
    notifications: list[Notification],
    ruleset: RuleSet,
    options: Options,
) -> Report:
    findings: list[Finding] = []
    result_rows: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []
    files: list[str] = []
    not_manifests = 0
    systems: list[SystemInfo] = []
    notes = list(notifications)
    exceptions: list[tuple[str, Any, Location]] = []
    responsible: dict[tuple[str, str | None], str] = {}
    traces: list[Trace] = []
    share = _Shared()
    # Cross-manifest rules fold each manifest's entries in as results arrive, so that nothing
    # collected outlives the rule's need for it. A rule that raises is left out from then on; what
    # went wrong is kept as text, since the exception's traceback would keep the fold alive.
    folds: dict[str, Fold] = {}
    failed: dict[str, str] = {}
    for set_rule in ruleset.set_rules:
        try:
            folds[set_rule.id] = set_rule.start()
        except Exception as exc:
            failed[set_rule.id] = _failure(exc)
    for r in results:
        if r.is_manifest or r.notifications:
            files.append(r.file)
        else:
            not_manifests += 1
        findings.extend(share.finding(f) for f in r.findings)
        result_rows.extend(
            (system, share(status), share.strings(ids), share.strings(why))
            for system, status, ids, why in rows_of(r.results)
        )
        systems.extend(share.system(s) for s in r.systems)
        notes.extend(r.notifications)
        exceptions.extend(r.exceptions)
        responsible.update(((system, item), person) for system, item, person in r.responsible)
        traces.extend(r.traces)
        for rule_id, items in r.entries.items():
            fold = folds.get(rule_id)
            if fold is None:
                continue
            try:
                for entry in items:
                    fold.add(entry)
            except Exception as exc:
                failed[rule_id] = _failure(exc)
                del folds[rule_id]
    for set_rule in ruleset.set_rules:
        if set_rule.id in folds:
            try:
                pairs = folds.pop(set_rule.id).findings()
                findings.extend(
                    set_findings(set_rule, pairs, share.strings(set_rule.meta.iso_refs))
                )
            except Exception as exc:  # including pairs that are not (system, Violation)
                failed[set_rule.id] = _failure(exc)
        if set_rule.id in failed:
            notes.append(
                Notification(
                    "engine",
                    "rule-error",
                    f"rule {set_rule.id} failed: {failed[set_rule.id]}",
                    None,
                    set_rule.id,
                )
            )
    findings = _distinct_identities(findings)
    evaluated = {r.id for r in (*SCHEMA_RULES, *(r.meta for r in ruleset.all))}
    responsible.update(((s.name, None), s.owner) for s in systems if s.owner)
    findings, extra_notes = policy.apply(
        findings,
        exceptions,
        options,
        evaluated,
        checked={s.name for s in systems},
        responsible=responsible,
    )
    notes.extend(extra_notes)
    return Report(
        tool_version=__version__,
        today=options.day.isoformat(),
        fail_on=options.fail_on,
        rules=(*SCHEMA_RULES, *(r.meta for r in ruleset.all), *policy.active_rules(options)),
        systems=tuple(sorted(systems, key=lambda s: (s.location.file, s.location.line))),
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        results=ResultTable(result_rows),
        notifications=tuple(sorted(notes, key=_note_key)),
        files=tuple(sorted(files)),
        traces=tuple(sorted(traces)),
        not_manifests=not_manifests,
    )


def _distinct_identities(findings: list[Finding]) -> list[Finding]:
    """No two findings share a fingerprint. Two can share rule, system and identity when two
    list items share an identity (AIMS-SCH-004 reports that) or a rule reports one place twice;
    a baseline or an exception for the first would then also cover the second, so a new finding
    could pass for an accepted one. The second and later, in file order, are told apart by
    their occurrence (``#2``...), which keeps the first one's fingerprint as it was."""
    seen: dict[tuple[str, str | None, str], int] = {}
    repeated = False
    for f in findings:
        key = (f.rule_id, f.system, f.ident)
        repeated |= key in seen
        seen[key] = seen.get(key, 0) + 1
    if not repeated:
        return findings
    count: dict[tuple[str, str | None, str], int] = {}
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.rule_id, f.system, f.ident)
        count[key] = n = count.get(key, 0) + 1
        out.append(f if n == 1 else f._replace(ident=f"{f.ident}#{n}"))
    return out


def _failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _note_key(n: Notification) -> tuple[str, int, int, str]:
    loc = n.location
    return (loc.file, loc.line, loc.col, n.message) if loc else ("", 0, 0, n.message)
