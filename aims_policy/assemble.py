"""Results -> report: each file's result is folded in as it arrives (findings, systems, rule
results, the entries of cross-manifest rules), then the cross-manifest rules give their findings,
the policy stage sets each finding's state and severity, and the report is sorted."""

from collections.abc import Iterable
from itertools import repeat
from typing import TYPE_CHECKING, Any, TypeVar

from aims_policy import policy
from aims_policy.engine import SetRule
from aims_policy.engine import not_applicable as engine_not_applicable
from aims_policy.findings import Trace, set_findings
from aims_policy.model import (
    Discovery,
    EvidenceReference,
    Finding,
    Location,
    Notification,
    Organisation,
    Report,
    ResultTable,
    RuleMeta,
    SystemInfo,
    rows_of,
)
from aims_policy.options import Options
from aims_policy.validate import KIND, ORG_KIND, SCHEMA_RULES
from aims_policy.version import __version__
from aims_policy.worker import FileResult, Worker

if TYPE_CHECKING:
    from aims_policy.engine import Fold


T = TypeVar("T")


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

    def each(self, values: tuple[T, ...]) -> tuple[T, ...]:
        """The tuple, and each of its items, kept once."""
        shared = self.get(values)
        if shared is None:
            shared = self[values] = tuple(map(self, values))
        return shared

    def system(self, info: SystemInfo) -> SystemInfo:
        # A system's evidenced controls, each a (control, kind) pair, and the controls its risk
        # treatment relies on repeat from system to system (the same few dozen Annex A controls).
        return info._replace(
            risk_level=self(info.risk_level),
            eu_category=self(info.eu_category),
            owner=self(info.owner),
            evidence=self.each(info.evidence),
            relies=self.each(info.relies),
            references=tuple(map(self.reference, info.references)),
        )

    def reference(self, r: EvidenceReference) -> EvidenceReference:
        # Its identity path and the text written repeat as findings' messages do (a template's
        # "evidence/model-card.md" at spec.documentation.modelCard in every copy).
        return EvidenceReference(self(r.path), self(r.ref), self(r.status), r.location)

    def finding(self, f: Finding, own: bool = True) -> Finding:
        # A message, its JSON pointer, identity path and item mostly repeat across manifests
        # (the same gap in each copy of a template: "evidence file evidence/x/model-card.md does
        # not exist ..."); kept once, they take a fraction of a large report's memory. With
        # ``own`` false they are kept as they are, and only the rule's values (id, severity,
        # control list) once: the first file's findings, whose own values repeat nothing yet (a
        # worker process sends each file its own copies of the rule's values).
        # Unpacked and rebuilt, not _replace: this runs for every finding of a run, and
        # _replace's keyword handling costs more than all the lookups.
        # setdefault called directly: a Python call of __call__ per value would double the cost.
        rule_id, severity, message, location, json_path, ident, system, item, controls, *rest = f
        keep = self.setdefault
        if own:
            message, json_path = keep(message, message), keep(json_path, json_path)
            ident, item = keep(ident, ident), keep(item, item)
        shared = (
            keep(rule_id, rule_id),
            keep(severity, severity),
            message,
            location,
            json_path,
            ident,
            system,
            item,
            self.each(controls),
            *rest,
        )
        return tuple.__new__(Finding, shared)


def assemble(
    results: Iterable[FileResult],
    notifications: list[Notification],
    worker: Worker,
    options: Options,
    discovery: tuple[Discovery, str] | None = None,
) -> Report:
    """``worker``: the one that checked the files, or in a pooled run the parent's copy, which
    declares the rules of each kind of manifest a result brings (``Worker.declare``).
    ``discovery``: what AI discovery found and the folder it searched (absolute), judged here
    against the systems' implementation paths (``inventory.judge``)."""
    ruleset = worker.ruleset
    findings: list[Finding] = []
    result_rows: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []
    files: list[str] = []
    not_manifests = 0
    systems: list[SystemInfo] = []
    organisations: list[Organisation] = []
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

    def start(set_rules: Iterable[SetRule]) -> None:
        for set_rule in set_rules:
            try:
                folds[set_rule.id] = set_rule.start()
            except Exception as exc:
                failed[set_rule.id] = _failure(exc)

    start(ruleset.set_rules)
    first = True
    for r in results:
        if ruleset.deferred:
            # Rules whose modules wait for a kind of manifest (registry.load(by_kind=True)) are
            # declared here too when a file brings one: the workers of a pooled run declared
            # them in their own processes, and the report describes every rule that ran.
            before = ruleset
            ruleset = worker.declare(_kinds(r))
            if ruleset is not before:
                begun = {s.id for s in before.set_rules}
                start(s for s in ruleset.set_rules if s.id not in begun)
        if r.is_manifest or r.notifications:
            files.append(r.file)
        else:
            not_manifests += 1
        # A finding's own values repeat from file to file, seldom within one: the first file's
        # are kept as they come, so that a run of one file (a hook's, or a register of thousands
        # of risks) fills no table with values that never repeat.
        findings.extend(map(share.finding, r.findings, repeat(not first)))
        first = False
        result_rows.extend(
            (system, share(status), share.each(ids), share.each(why))
            for system, status, ids, why in rows_of(r.results)
        )
        systems.extend(share.system(s) for s in r.systems)
        organisations.extend(r.organisations)
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
    not_applicable: list[tuple[str, str]] = []  # (set rule, why) of the rules that do not apply
    for set_rule in ruleset.set_rules:
        if set_rule.id in folds:
            try:
                fold = folds.pop(set_rule.id)
                reason = engine_not_applicable(fold)
                if reason:  # recorded for every manifest checked, as a rule on a system is
                    # A manifest it could not collect from (not evaluated) is no matter now.
                    why = share(f"applies to: {set_rule.meta.applies_to} ({reason})")
                    not_applicable.append((set_rule.id, why))
                    continue
                pairs = fold.findings()
                findings.extend(set_findings(set_rule, pairs, share.each(set_rule.meta.iso_refs)))
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
    found_ai = None
    inventory_rules: tuple[RuleMeta, ...] = ()
    if discovery is not None:
        from aims_policy import inventory  # only --discover-ai runs judge an inventory

        found_ai, unregistered = inventory.judge(discovery[0], discovery[1], systems)
        inventory_rules = tuple(
            m for m in inventory.INVENTORY_RULES if policy.rule_active(m, options)
        )
        if inventory_rules:
            findings.extend(unregistered)
    if not_applicable:
        result_rows = _with_not_applicable(
            result_rows, not_applicable, [*systems, *organisations], share
        )
    findings = _distinct_identities(findings)
    # A deferred rule was evaluated as much as a loaded one: no manifest of its kind came.
    evaluated = {r.id for r in (*SCHEMA_RULES, *(r.meta for r in ruleset.all), *inventory_rules)}
    evaluated.update(entry.id for entry in ruleset.deferred)
    responsible.update(((s.name, None), s.owner) for s in systems if s.owner)
    findings, extra_notes = policy.apply(
        findings,
        exceptions,
        options,
        evaluated,
        checked={s.name for s in systems} | {o.name for o in organisations},
        responsible=responsible,
    )
    notes.extend(extra_notes)
    return Report(
        tool_version=__version__,
        today=options.day.isoformat(),
        fail_on=options.fail_on,
        rules=(
            *SCHEMA_RULES,
            *(r.meta for r in ruleset.all),
            *inventory_rules,
            *policy.active_rules(options),
        ),
        systems=tuple(sorted(systems, key=lambda s: (s.location.file, s.location.line))),
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        results=ResultTable(result_rows),
        notifications=tuple(sorted(notes, key=_note_key)),
        files=tuple(sorted(files)),
        traces=tuple(sorted(traces)),
        not_manifests=not_manifests,
        discovery=found_ai,
        organisations=tuple(
            sorted(organisations, key=lambda o: (o.location.file, o.location.line))
        ),
    )


def _kinds(result: FileResult) -> tuple[str, ...]:
    """The kinds of manifest a file brought to the run."""
    return (KIND,) * bool(result.systems) + (ORG_KIND,) * bool(result.organisations)


Row = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def _with_not_applicable(
    rows: list[Row],
    rules: list[tuple[str, str]],
    manifests: list[SystemInfo | Organisation],
    share: _Shared,
) -> list[Row]:
    """``rows`` with a not-applicable row for each manifest checked (one per manifest, even
    when two share a name, as the rules on each manifest are counted) for the cross-manifest
    ``rules`` that do not apply. A manifest such a rule could not collect from (not evaluated)
    is no matter now: that result goes."""
    moot = {rule_id for rule_id, _why in rules}
    out: list[Row] = []
    for system, status, ids, reasons in rows:
        if status == "not_evaluated" and moot.intersection(ids):
            kept = [(i, r) for i, r in zip(ids, reasons, strict=True) if i not in moot]
            if kept:
                kept_ids = share.each(tuple(i for i, _r in kept))
                out.append((system, status, kept_ids, share.each(tuple(r for _i, r in kept))))
            continue
        out.append((system, status, ids, reasons))
    ordered = sorted(rules)
    ids = share.each(tuple(rule_id for rule_id, _why in ordered))
    whys = share.each(tuple(why for _rule, why in ordered))
    out.extend((manifest.name, "not_applicable", ids, whys) for manifest in manifests)
    return out


def _distinct_identities(findings: list[Finding]) -> list[Finding]:
    """No two findings share a fingerprint. Two can share rule, system and identity when two
    list items share an identity (AIMS-SCH-004 reports that) or a rule reports one place twice;
    a baseline or an exception for the first would then also cover the second, so a new finding
    could pass for an accepted one. The second and later, in file order, are told apart by
    their occurrence (``#2``...), which keeps the first one's fingerprint as it was."""
    # A dict filled in a loop, not a set of C-made keys: the set was quicker, but its table and
    # keys left the report formats' peak memory 5% higher (bench/memory.py, 178,000 findings).
    seen: dict[tuple[str, str | None, str], None] = {}
    for f in findings:
        key = (f.rule_id, f.system, f.ident)
        if key in seen:
            break
        seen[key] = None
    else:
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
