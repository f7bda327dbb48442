"""The library entry point: ``aims_policy.check(paths, ...) -> Report``.

discover -> load (positions) -> validate -> freeze -> evaluate -> policy (exceptions, baseline,
severity) -> Report. Each manifest is evaluated independently, in worker processes when there are
many; rules across manifests fold in what the workers collected as each file's result arrives.
"""

import datetime as _dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from aims_policy import __version__
from aims_policy.discover import Candidate, discover
from aims_policy.engine import Context, Entry, Outcome, SetRule, evaluate, make_context
from aims_policy.loader import Document, load_bytes
from aims_policy.model import (
    EMPTY_MAP,
    FailOn,
    Finding,
    Location,
    Notification,
    Report,
    ResultTable,
    RuleMeta,
    RuleResult,
    Severity,
    SystemInfo,
    rows_of,
)
from aims_policy.paths import ident, pointer
from aims_policy.registry import RuleSet
from aims_policy.validate import API_VERSION, KIND, NON_BLOCKING, SCHEMA_RULES, validate

if TYPE_CHECKING:
    from aims_policy.baseline import Baseline
    from aims_policy.engine import Fold

#: Below this many files a worker pool costs more than it saves.
PARALLEL_THRESHOLD = 48


class Options(NamedTuple):
    """Everything a check depends on besides the files themselves."""

    today: _dt.date
    fail_on: FailOn = "error"
    skip_non_manifests: bool = False
    jobs: int = 0  # 0: every core
    explain: bool = False
    why_not: tuple[str, ...] = ()  # rule ids whose non-firing is explained too
    root: str | None = None  # repository root for evidence paths (default: git work tree)
    data: Mapping[str, Any] = EMPTY_MAP
    severity: Mapping[str, Severity] = EMPTY_MAP  # rule id -> override
    # Exceptions and baseline (aims_policy.policy, aims_policy.config, aims_policy.baseline):
    select: tuple[str, ...] = ()  # also decides whether the policy's own rules (AIMS-EXC-*) run
    ignore: tuple[str, ...] = ()
    include: tuple[str, ...] = ()  # globs for files found in directories
    exclude: tuple[str, ...] = ()  # globs for every file, named or found
    glob_base: str | None = None  # what the globs are relative to (the configuration's folder)
    exceptions: tuple[tuple[str, Any, Location], ...] = ()  # from the configuration file
    baseline: "Baseline | None" = None
    # The run covers the configuration's own paths (none were named on the command line), so a
    # configuration exception for a system it did not see names no system at all.
    full_run: bool = False


class FileResult:
    """What one file contributed. Small and picklable: it crosses process boundaries.

    A plain class rather than a dataclass: class creation is paid at every start-up."""

    __slots__ = (
        "entries",
        "exceptions",
        "file",
        "findings",
        "is_manifest",
        "notifications",
        "results",
        "systems",
        "traces",
    )

    def __init__(self, file: str) -> None:
        self.file = file
        self.is_manifest = False
        self.systems: list[SystemInfo] = []
        self.findings: list[Finding] = []
        self.results: list[RuleResult] = []
        self.notifications: list[Notification] = []
        self.entries: dict[str, list[Entry]] = {}  # set-rule id -> entries
        self.exceptions: list[tuple[str, Any, Location]] = []
        self.traces: list[tuple[str, str, str, tuple[str, ...]]] = []


# The worker state: set once per process (inherited on fork, rebuilt by the pool initializer).
_STATE: dict[str, Any] = {}


def _set_state(ruleset: RuleSet, options: Options, cwd: str) -> None:
    _STATE.update(ruleset=ruleset, options=options, cwd=cwd, frozen_data=None)


def _worker_init(ruleset: RuleSet, options: Options, cwd: str) -> None:
    # Ctrl-C reaches the whole process group: the parent alone answers it (and ends the pool),
    # so that a worker does not print a KeyboardInterrupt traceback of its own.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _set_state(ruleset, options, cwd)


def check(
    paths: Sequence[str],
    *,
    today: _dt.date | str | None = None,
    fail_on: FailOn = "error",
    ruleset: RuleSet | None = None,
    options: Options | None = None,
    cwd: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check manifests and return the report. ``today`` defaults to the current UTC date.
    ``progress(done, total)`` is called after each file (the CLI's progress indicator).

    >>> report = check(["manifests/"], today="2026-11-22")   # doctest: +SKIP
    >>> report.exit_code                                       # doctest: +SKIP
    """
    from aims_policy import data as data_document
    from aims_policy import registry

    if options is None:
        day = _dt.date.fromisoformat(today) if isinstance(today, str) else today
        options = Options(
            today=day or _dt.datetime.now(_dt.timezone.utc).date(),
            fail_on=fail_on,
            data=data_document.load(),
        )
    elif not options.data:
        options = options._replace(data=data_document.load())
    ruleset = ruleset if ruleset is not None else registry.load()
    cwd = cwd or os.getcwd()
    from aims_policy.evidence import clear_caches

    clear_caches()
    candidates, notifications = discover(list(paths), cwd)
    if options.include or options.exclude:
        from aims_policy.config import keep_candidates

        candidates = keep_candidates(candidates, options, cwd)
    return _assemble(
        _run(candidates, ruleset, options, cwd, progress), notifications, ruleset, options
    )


def _run(
    candidates: list[Candidate],
    ruleset: RuleSet,
    options: Options,
    cwd: str,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[FileResult]:
    """Each file's result as it is ready. A generator, so that the caller folds results in one at
    a time and memory holds what the report keeps, not every file's intermediate record."""
    _set_state(ruleset, options, cwd)
    jobs = options.jobs or os.cpu_count() or 1
    total = len(candidates)
    if jobs <= 1 or total < PARALLEL_THRESHOLD:
        yield from _reporting(map(process, _drain(candidates)), total, progress)
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunk = max(1, min(64, total // (jobs * 8)))
    with context.Pool(jobs, initializer=_worker_init, initargs=(ruleset, options, cwd)) as pool:
        yield from _reporting(
            pool.imap(process, _drain(candidates), chunksize=chunk), total, progress
        )


def _drain(items: list[Candidate]) -> Iterator[Candidate]:
    """The items in order, each let go of as it is handed out: the list of every file to check
    must not outlive its use (the report keeps only what the files contributed)."""
    items.reverse()
    while items:
        yield items.pop()


def _reporting(
    results: Iterable[FileResult], total: int, progress: Callable[[int, int], None] | None
) -> Iterator[FileResult]:
    for done, result in enumerate(results, 1):
        yield result
        if progress is not None:
            progress(done, total)


#: ``AISystem`` as UTF-8, UTF-16 and UTF-32, so that a manifest saved in the wrong encoding is
#: reported, not skipped as a non-manifest by the directory pre-filter.
#: A document claiming our format by its apiVersion is looked at even when its kind is misspelt.
_OUR_API_VERSION = b"aims-policy/v"
#: Written out rather than encoded at import: encoding would load four codec modules at start-up.
_KIND_MARKS = (
    b"AISystem",
    b"A\x00I\x00S\x00y\x00s\x00t\x00e\x00m\x00",
    b"\x00A\x00I\x00S\x00y\x00s\x00t\x00e\x00m",
    b"A\x00\x00\x00I\x00\x00\x00S\x00\x00\x00y\x00\x00\x00s\x00\x00\x00t\x00\x00\x00e\x00\x00\x00m\x00\x00\x00",
    b"\x00\x00\x00A\x00\x00\x00I\x00\x00\x00S\x00\x00\x00y\x00\x00\x00s\x00\x00\x00t\x00\x00\x00e\x00\x00\x00m",
)


def process(candidate: Candidate) -> FileResult:
    """Load, validate and evaluate one file (runs in a worker). An unforeseen failure on one file
    is reported against that file (exit 2) instead of ending the run for every other file."""
    try:
        return _process(candidate)
    except Exception as exc:
        out = FileResult(candidate.display)
        out.notifications.append(
            Notification(
                "engine",
                "internal-error",
                f"aims-policy failed "
                f"on this file: {type(exc).__name__}: {exc}; this is a bug, "
                "please report it",
                Location.whole(candidate.display),
            )
        )
        return out


def _process(candidate: Candidate) -> FileResult:
    display = candidate.display
    out = FileResult(display)
    try:
        with open(candidate.path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        out.notifications.append(
            Notification(
                "load",
                "unreadable",
                f"cannot read the file: {exc.strerror}; check its permissions",
                Location.whole(display),
            )
        )
        return out
    explicit = candidate.explicit
    mentions_kind = any(mark in raw for mark in _KIND_MARKS)
    if not explicit and not mentions_kind and _OUR_API_VERSION not in raw:
        return out  # cheap pre-filter for directory scans: not a manifest
    suffix = candidate.path.lower()
    is_json = suffix.endswith(".json")
    if explicit and not suffix.endswith((".yaml", ".yml", ".json")):
        if not _STATE["options"].skip_non_manifests:
            out.notifications.append(
                _not_manifest(display, "it is not a .yaml, .yml or .json file")
            )
        return out
    loaded = load_bytes(raw, display, json_syntax=is_json)
    if loaded.errors:
        # A file that cannot be read as YAML and never mentions the kind is no more a manifest
        # than a workflow file: --skip-non-manifests skips it (a Helm template must not block a
        # commit); named without the flag, it is an error.
        if mentions_kind or (explicit and not _STATE["options"].skip_non_manifests):
            out.notifications.extend(loaded.errors)
        return out
    manifests = []
    for doc in loaded.documents:
        data = doc.data
        if isinstance(data, dict) and data.get("kind") == KIND:
            manifests.append(doc)
        elif isinstance(data, dict) and str(data.get("apiVersion")).startswith("aims-policy/"):
            # Our format by its apiVersion, but kind misspelt or missing: never a silent skip.
            got = data.get("kind")
            what = f"kind {got!r} is not a kind aims-policy knows" if "kind" in data else "no kind"
            out.notifications.append(
                Notification(
                    "load",
                    "kind",
                    f"the document has apiVersion "
                    f"{data['apiVersion']!r} but {what}; write kind: {KIND}",
                    doc.locate(("kind",)),
                )
            )
        elif (
            explicit
            and not _STATE["options"].skip_non_manifests
            and doc.data is not None
            and not isinstance(data, dict)
        ):
            kind = "a list" if isinstance(data, list) else "a single value"
            loc = doc.locate(())
            out.notifications.append(
                Notification(
                    "load",
                    "root-type",
                    f"the document is {kind}; "
                    "a manifest is a mapping with apiVersion, kind, metadata and "
                    "spec",
                    loc,
                )
            )
    if not manifests:
        if explicit and not _STATE["options"].skip_non_manifests and not out.notifications:
            why = (
                "the file is empty"
                if not loaded.documents or all(d.data is None for d in loaded.documents)
                else "no document has kind: AISystem"
            )
            out.notifications.append(_not_manifest(display, why))
        return out
    out.is_manifest = True
    for doc in manifests:
        _process_document(doc, out, candidate)
    return out


def _not_manifest(display: str, why: str) -> Notification:
    return Notification(
        "load",
        "not-a-manifest",
        f"not an aims-policy manifest: {why}; pass manifests only, or use --skip-non-manifests",
        Location.whole(display),
    )


def _system_name(doc: Document) -> str:
    meta = doc.data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else f"{doc.file}#{doc.index + 1}"


def _process_document(doc: Document, out: FileResult, candidate: Candidate) -> None:
    state = _STATE
    options: Options = state["options"]
    ruleset: RuleSet = state["ruleset"]
    data: dict[str, Any] = doc.data
    version = data.get("apiVersion")
    if version is not None and version != API_VERSION:  # a missing one is a schema finding
        where = doc.locate(("apiVersion",))
        out.notifications.append(
            Notification(
                "load",
                "api-version",
                f"apiVersion {version!r} is not one this aims-policy {__version__} reads; "
                f"write apiVersion: {API_VERSION} (see README: format versions)",
                where,
            )
        )
        return
    system = _system_name(doc)
    spec = _mapping(data, "spec")
    cls = _mapping(spec, "classification")
    eu = _mapping(cls, "euAiAct")
    owner = _mapping(spec, "owner")
    meta = _mapping(data, "metadata")
    out.systems.append(
        SystemInfo(
            system,
            doc.locate(()),
            _str(meta.get("title")),
            _str(cls.get("riskLevel")),
            _str(eu.get("category")),
            _str(owner.get("name")),
        )
    )
    if isinstance(meta.get("exceptions"), list):
        for index, raw in enumerate(meta["exceptions"]):
            out.exceptions.append((system, raw, doc.locate(("metadata", "exceptions", index))))

    schema_findings = validate(doc, system)
    out.findings.extend(_override_severity(f, options) for f in schema_findings)
    # A misspelt field or a repeated id leaves the rest of the manifest readable; a wrong type or
    # a missing required field does not, and rules only ever see schema-valid input.
    blocking = [f for f in schema_findings if f.rule_id not in NON_BLOCKING]
    if state.get("frozen_data") is None:
        from pyrsistent import freeze

        state["frozen_data"] = freeze(dict(options.data))
    if blocking:
        reason = "not evaluated: the manifest does not match the schema (see AIMS-SCH findings)"
        out.results.extend(
            RuleResult(r.id, system, "not_applicable", reason) for r in ruleset.rules
        )
        # Rules across manifests still hear of it where they can (a duplicate system name is no
        # less a duplicate because one of the two manifests has a typing error elsewhere); what
        # cannot be collected from an invalid document is skipped, since the schema findings
        # already stop the run from passing.
        ctx = make_context(data, state["frozen_data"], options.today)
        _collect(ruleset, ctx, doc, system, out, strict=False)
        return

    from aims_policy.evidence import resolve

    evidence = resolve(data, candidate.path, options.root)
    ctx = make_context(
        data, state["frozen_data"], options.today, trace=options.explain or bool(options.why_not)
    )
    ctx.evidence = evidence
    for rule in ruleset.rules:
        outcome = evaluate(rule, ctx)
        _record(outcome, doc, system, out, options)
    _collect(ruleset, ctx, doc, system, out, strict=True)


def _collect(
    ruleset: RuleSet, ctx: Context, doc: Document, system: str, out: FileResult, *, strict: bool
) -> None:
    """Run each cross-manifest rule's ``collect`` on this manifest (``strict``: a failure is an
    engine error; otherwise the manifest is left out of that rule)."""
    for set_rule in ruleset.set_rules:
        try:
            value = set_rule.gather(ctx, doc.locate)
        except Exception as exc:
            if strict:
                out.notifications.append(
                    Notification(
                        "engine",
                        "rule-error",
                        f"rule {set_rule.id} failed: {type(exc).__name__}: {exc}",
                        doc.locate(()),
                        set_rule.id,
                        system,
                    )
                )
            else:
                out.results.append(
                    RuleResult(
                        set_rule.id,
                        system,
                        "not_applicable",
                        "not evaluated: the manifest does not match the schema",
                    )
                )
            continue
        out.entries.setdefault(set_rule.id, []).append(Entry(system, doc.file, value))


def _mapping(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _override_severity(finding: Finding, options: Options) -> Finding:
    level = options.severity.get(finding.rule_id)
    if level is None or level == finding.severity:
        return finding
    return finding._replace(severity=level)


def _record(
    outcome: Outcome, doc: Document, system: str, out: FileResult, options: Options
) -> None:
    meta = outcome.rule.meta
    if outcome.status == "error":
        out.notifications.append(
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
        out.results.append(RuleResult(meta.id, system, "error", outcome.reason))
        return
    if outcome.status == "not_applicable":
        reason = outcome.reason if options.explain else _applies_reason(meta)
        out.results.append(RuleResult(meta.id, system, "not_applicable", reason))
    explain = options.explain or meta.id in options.why_not
    if meta.id in options.why_not and outcome.status != "failed":
        # Findings carry their own explanation; the trace explains a rule that did not fire.
        out.traces.append((system, meta.id, outcome.status, outcome.trace))
    severity = options.severity.get(meta.id, meta.severity)
    for index, v in enumerate(outcome.violations):
        target = v.target
        out.findings.append(
            Finding(
                rule_id=meta.id,
                severity=severity,
                message=v.message,
                location=v.location or doc.locate(target),
                json_path=pointer(target),
                ident=ident(doc.data, target),
                system=system,
                item=_item_of(doc.data, target),
                controls=meta.iso_refs,
                explanation=(*_explained(outcome, index), *v.because) if explain else (),
            )
        )


def _explained(outcome: Outcome, index: int) -> tuple[str, ...]:
    """What led the rule to its ``index``-th violation (the whole trace, if the tracer did not
    say per violation)."""
    each = outcome.explanations
    return each[index] if index < len(each) else outcome.trace


# The reason is formatted once per rule, not once per manifest the rule does not apply to (the
# parent's _Shared then keeps one copy across workers, as it does for control lists).
_REASONS: dict[str, str] = {}


def _applies_reason(meta: RuleMeta) -> str:
    reason = _REASONS.get(meta.id)
    if reason is None or reason[12:] != meta.applies_to:
        reason = _REASONS[meta.id] = f"applies to: {meta.applies_to}"
    return reason


def _item_of(data: Any, path: tuple[Any, ...]) -> str | None:
    """The id of the innermost list item on ``path`` (what an exception may name)."""
    from aims_policy.paths import item_name

    node, found = data, None
    for key in path:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
            found = item_name(node) or found
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            break
    return found


class _Shared(dict[Any, Any]):
    """One copy of each equal value in the report. Results from worker processes arrive as fresh
    copies (unpickling shares nothing between files), and a rule id, a reason, a control list or a
    risk level repeated across ten thousand manifests would otherwise be kept ten thousand
    times. Within one file's result pickling already shares (its file name, its system names),
    and values particular to one system are not worth an entry here. What cross-manifest rules
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
        return f._replace(
            rule_id=self(f.rule_id), severity=self(f.severity), controls=self.strings(f.controls)
        )


def _assemble(
    results: Iterable[FileResult],
    notifications: list[Notification],
    ruleset: RuleSet,
    options: Options,
) -> Report:
    findings: list[Finding] = []
    result_rows: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []
    files: list[str] = []
    systems: list[SystemInfo] = []
    notes = list(notifications)
    exceptions: list[tuple[str, Any, Location]] = []
    traces: list[tuple[str, str, str, tuple[str, ...]]] = []
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
        findings.extend(share.finding(f) for f in r.findings)
        result_rows.extend(
            (system, share(status), share.strings(ids), share.strings(why))
            for system, status, ids, why in rows_of(r.results)
        )
        systems.extend(share.system(s) for s in r.systems)
        notes.extend(r.notifications)
        exceptions.extend(r.exceptions)
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
                findings.extend(_set_findings(set_rule, folds.pop(set_rule.id), options, share))
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
    from aims_policy import policy

    evaluated = {r.id for r in (*SCHEMA_RULES, *(r.meta for r in ruleset.all))}
    findings, extra_notes = policy.apply(
        findings, exceptions, options, evaluated, checked={s.name for s in systems}
    )
    notes.extend(extra_notes)
    return Report(
        tool_version=__version__,
        today=options.today.isoformat(),
        fail_on=options.fail_on,
        rules=(*SCHEMA_RULES, *(r.meta for r in ruleset.all), *policy.active_rules(options)),
        systems=tuple(sorted(systems, key=lambda s: (s.location.file, s.location.line))),
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        results=ResultTable(result_rows),
        notifications=tuple(sorted(notes, key=_note_key)),
        files=tuple(sorted(files)),
        traces=tuple(sorted(traces)),
    )


def _failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _set_findings(
    set_rule: SetRule, fold: "Fold", options: Options, share: _Shared
) -> list[Finding]:
    meta = set_rule.meta
    severity = options.severity.get(meta.id, meta.severity)
    out = []
    for system, v in fold.findings():
        # A cross-manifest finding concerns one manifest among several that may even share a
        # system name, so its identity names the file too: two duplicates must not share a
        # fingerprint.
        ident_path = ".".join(str(p) for p in v.target) or system
        if v.location is not None:
            ident_path = f"{ident_path}@{v.location.file}"
        out.append(
            Finding(
                rule_id=meta.id,
                severity=severity,
                message=v.message,
                location=v.location or Location("?"),
                json_path=pointer(v.target),
                ident=ident_path,
                system=system,
                controls=share.strings(meta.iso_refs),
                explanation=v.because,
            )
        )
    return out


def _note_key(n: Notification) -> tuple[str, int, int, str]:
    loc = n.location
    return (loc.file, loc.line, loc.col, n.message) if loc else ("", 0, 0, n.message)
