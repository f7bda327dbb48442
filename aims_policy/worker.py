"""The run: every candidate file through intake, validation, freezing and evaluation, in this
process or in a pool of worker processes, each file's result handed back as it is ready.

A :class:`Worker` holds what evaluation needs (the rules, the options, the frozen data document)
and turns one file into a :class:`FileResult`. With a pool, each worker process builds its own
Worker once, in the pool's initializer; a module-level handle is the only way a pool's task
function can reach it."""

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from aims_policy.discover import Candidate
from aims_policy.engine import (
    Context,
    Entry,
    Rule,
    evaluate_all,
    first_invalid,
    freeze_plain,
    make_context,
)
from aims_policy.findings import Trace, record
from aims_policy.intake import (
    implementation_paths,
    item_owners,
    manifests_in,
    system_info,
    system_name,
)
from aims_policy.loader import Document
from aims_policy.model import (
    EvidenceReference,
    Finding,
    Location,
    Notification,
    Organisation,
    RuleResult,
    SystemInfo,
    compact,
)
from aims_policy.options import Options
from aims_policy.paths import Path, Unreadable
from aims_policy.registry import RuleSet, for_kinds
from aims_policy.validate import API_VERSION, KIND, unreadable_parts, validate
from aims_policy.version import __version__

#: Below this many files a worker pool costs more than it saves.
PARALLEL_THRESHOLD = 48


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
        "organisations",
        "responsible",
        "results",
        "systems",
        "traces",
    )

    def __init__(self, file: str) -> None:
        self.file = file
        self.is_manifest = False
        self.systems: list[SystemInfo] = []
        self.organisations: list[Organisation] = []
        self.findings: list[Finding] = []
        self.results: list[RuleResult] = []
        self.notifications: list[Notification] = []
        self.entries: dict[str, list[Entry]] = {}  # set-rule id -> entries
        self.exceptions: list[tuple[str, Any, Location]] = []
        # (system, item id, owner) of the list items exceptions name: who may not approve them
        self.responsible: list[tuple[str, str, str]] = []
        self.traces: list[Trace] = []

    # Across the process boundary each finding (and its location) and each rule result travels
    # as a plain tuple: pickle would otherwise call a record's __getnewargs__ and __new__,
    # two Python calls each, for every one of them (about half of what pickling them costs).
    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        state = {name: getattr(self, name) for name in self.__slots__}
        state["findings"] = [(*f[:3], tuple(f[3]), *f[4:]) for f in self.findings]
        state["results"] = [tuple(r) for r in self.results]
        return None, state

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        new, slots = tuple.__new__, state[1]
        for name, value in slots.items():
            if name not in _AS_TUPLES:
                setattr(self, name, value)
        self.findings = [
            new(Finding, (*f[:3], new(Location, f[3]), *f[4:])) for f in slots["findings"]
        ]
        self.results = [new(RuleResult, r) for r in slots["results"]]


_AS_TUPLES = frozenset({"findings", "results"})


class Worker:
    """Checks one file at a time under fixed rules and options."""

    def __init__(self, ruleset: RuleSet, options: Options) -> None:
        self.ruleset = ruleset
        self.options = options
        self._frozen_data: Any = None  # frozen on first use: a run of only bad files needs none
        # The rules about each kind of manifest, in the pack's order, chosen once per run rather
        # than once per rule and manifest.
        self._rules_for: dict[Any, tuple[Rule, ...]] = {}
        self._declared: set[str] = set()  # the kinds whose waiting rules are declared
        # The built-in rules make no reference cycles; a user's pack may (a rule that keeps an
        # exception's traceback, a graph with back links), and with the collector off, as the
        # program runs, nothing would ever free them: such a run sweeps each file's leftovers.
        self._sweep = any(item.meta.pack != "builtin" for item in ruleset.all)

    def declare(self, kinds: Iterable[object]) -> RuleSet:
        """The rules, with those about ``kinds`` declared now if their modules wait
        (``registry.load(by_kind=True)``): here when a file brings a kind, and in the parent of
        a pooled run as results arrive (:func:`aims_policy.assemble.assemble`)."""
        new = {kind for kind in kinds if isinstance(kind, str)} - self._declared
        if new and self.ruleset.deferred:
            self.ruleset = for_kinds(self.ruleset, new)
        self._declared |= new
        return self.ruleset

    def process(self, candidate: Candidate) -> FileResult:
        """Load, validate and evaluate one file. An unforeseen failure on one file is reported
        against that file (exit 2) instead of ending the run for every other file."""
        import gc

        # No collection while one file is checked. Loading a manifest builds a node graph and a
        # document whose objects all live until the file is done, so each collection would sweep
        # more of them the larger the file: loading 10,000 risks cost half as much again per
        # risk as loading 1,000. What checking a file allocates is bounded by the loader's limits
        # and freed by reference counting (the pipeline makes no cycles), and a collection may
        # run again between files. A caller who disabled the collector keeps it disabled.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._process(candidate)
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
        finally:
            if collecting:
                gc.enable()
            elif self._sweep:
                gc.collect(0)  # the young generation: what this file made, cycles included

    def _process(self, candidate: Candidate) -> FileResult:
        out = FileResult(candidate.display)
        manifests = manifests_in(
            candidate, self.options.skip_non_manifests, out.notifications, self.options.root
        )
        if manifests:
            out.is_manifest = True
            for doc in manifests:
                self._document(doc, out, candidate)
        return out

    def _frozen(self) -> Any:
        if self._frozen_data is None:
            self._frozen_data = freeze_plain(dict(self.options.data))
        return self._frozen_data

    def _document(self, doc: Document, out: FileResult, candidate: Candidate) -> None:
        options, ruleset = self.options, self.ruleset
        data: dict[str, Any] = doc.data
        version = data.get("apiVersion")
        if version is not None and version != API_VERSION:  # a missing one is a schema finding
            out.notifications.append(
                Notification(
                    "load",
                    "api-version",
                    f"apiVersion {version!r} is not one this aims-policy {__version__} reads; "
                    f"write apiVersion: {API_VERSION} (see README: format versions)",
                    doc.locate(("apiVersion",)),
                )
            )
            return
        system = system_name(doc)
        kind = data.get("kind")
        if kind == KIND:
            out.systems.append(system_info(doc, system))
        else:  # the organisation's management system: not a system, the SoA's source
            out.organisations.append(Organisation(system, doc.locate(()), compact(data)))
        meta = data.get("metadata")
        if kind == KIND and isinstance(meta, dict) and isinstance(meta.get("exceptions"), list):
            for index, raw in enumerate(meta["exceptions"]):
                out.exceptions.append((system, raw, doc.locate(("metadata", "exceptions", index))))
        waived_items = {
            raw["item"]
            for owner, raw, _ in (*out.exceptions, *options.exceptions)
            if owner == system and isinstance(raw, dict) and isinstance(raw.get("item"), str)
        }
        if waived_items:
            out.responsible.extend(
                (system, item, person) for item, person in item_owners(data, waived_items)
            )

        schema_findings = validate(doc, system)
        out.findings.extend(schema_findings)
        # A value that does not match the schema, or a missing required field, is unreadable:
        # a rule that reads it is not evaluated (and says why), every other rule is.
        unreadable = unreadable_parts(data, schema_findings) if schema_findings else None

        from aims_policy.evidence import (
            control_order,
            credited_controls,
            relied_controls,
            repository_root,
            resolve,
            tracking,
            work_tree,
        )

        ctx = make_context(
            data,
            self._frozen(),
            options.day,
            trace=options.explain or bool(options.why_not),
            unreadable=unreadable,
        )
        ctx.evidence = resolve(data, candidate.path, options.root)
        evidence = ctx.evidence
        ctx.defer_tracking(
            lambda: tracking(
                data,
                evidence,
                candidate.path,
                work_tree(os.path.dirname(os.path.abspath(candidate.path))),
            )
        )
        if kind == KIND:
            info = out.systems[-1]
            if options.controls:
                credited = credited_controls(data, ctx.evidence)
                info = info._replace(
                    evidence=tuple(
                        (control, "operational" if "operational" in kinds else "policy")
                        for control, kinds in sorted(
                            credited.items(), key=lambda c: control_order(c[0])
                        )
                    ),
                    relies=relied_controls(data),
                )
            if options.references:
                info = info._replace(references=_references(doc, ctx.evidence))
            if options.discover_ai:
                info = info._replace(
                    implementation=implementation_paths(data),
                    root=os.path.abspath(options.root)
                    if options.root
                    else repository_root(os.path.dirname(os.path.abspath(candidate.path))),
                )
            out.systems[-1] = info
        elif options.references:
            out.organisations[-1] = out.organisations[-1]._replace(
                references=_references(doc, ctx.evidence)
            )
        why_not = options.why_not
        rules = self._rules_for.get(kind)
        if rules is None:
            # The first manifest of its kind. A rule about the other kind of manifest has nothing
            # to say here.
            ruleset = self.declare((kind,))
            rules = self._rules_for[kind] = tuple(r for r in ruleset.rules if kind in r.meta.kinds)
        for outcome in evaluate_all(rules, ctx):
            if outcome.status == "passed" and not why_not:
                continue  # nothing to record: no finding, no result kept, no trace asked for
            record(
                outcome,
                doc,
                system,
                explain=options.explain,
                why_not=why_not,
                findings=out.findings,
                results=out.results,
                notifications=out.notifications,
                traces=out.traces,
            )
        self._collect(ctx, doc, system, out, kind)

    def _collect(
        self, ctx: Context, doc: Document, system: str, out: FileResult, kind: Any
    ) -> None:
        """Run each cross-manifest rule's ``collect`` on this manifest: a failure is an engine
        error; a read of a part that does not match the schema leaves the manifest out of that
        rule (not evaluated, and why), as does collecting such a part whole."""
        for set_rule in self.ruleset.set_rules:
            if kind not in set_rule.meta.kinds:
                continue
            try:
                value = set_rule.gather(ctx, doc.locate)
                if type(ctx) is not Context:  # traced or guarded: the value may hold a bad part
                    invalid = first_invalid(value)
                    if invalid is not None:
                        raise invalid.unreadable()
            except Unreadable as exc:
                out.results.append(
                    RuleResult(set_rule.id, system, "not_evaluated", f"not evaluated: {exc.reason}")
                )
                continue
            except Exception as exc:
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
                continue
            out.entries.setdefault(set_rule.id, []).append(Entry(system, doc.file, value))


def _references(doc: Document, statuses: dict[Path, str]) -> tuple[EvidenceReference, ...]:
    """Every evidence reference of the document with its status, in document order (the audit
    report's evidence index)."""
    from aims_policy.paths import ident, value_at

    found = [
        EvidenceReference(
            ident(doc.data, path), str(value_at(doc.data, path)), status, doc.locate(path)
        )
        for path, status in statuses.items()
    ]
    found.sort(key=lambda r: (r.location.line, r.location.col, r.path))
    return tuple(found)


def run(
    candidates: list[Candidate],
    worker: Worker,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[FileResult]:
    """Each file's result as it is ready, in path order. A generator, so that the caller folds
    results in one at a time and memory holds what the report keeps, not every file's
    intermediate record."""
    jobs = worker.options.jobs or os.cpu_count() or 1
    total = len(candidates)
    if jobs <= 1 or total < PARALLEL_THRESHOLD:
        with _BulkCollection(total):
            yield from _reporting(map(worker.process, _drain(candidates)), total, progress)
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunk = max(1, min(64, total // (jobs * 8)))
    with (
        context.Pool(jobs, initializer=_start, initargs=(worker.ruleset, worker.options)) as pool,
        _BulkCollection(total),  # the parent: unpickling results, folding them in
    ):
        yield from _reporting(
            pool.imap(_process_here, _drain(candidates), chunksize=chunk), total, progress
        )


#: Allocations between two young collections during a bulk run (the interpreter's default is
#: 700). Checking a manifest allocates tens of thousands of short-lived objects, nearly all freed
#: by reference counting; at 700 the collector runs hundreds of times per manifest, and its
#: older generations, which hold the report growing in the parent, are swept again and again:
#: cpu per manifest rose by a third between 500 and 10,000 manifests.
BULK_THRESHOLD = 50_000


class _BulkCollection:
    """During a run: start-up's objects (modules, rules, the schema, the data
    document) moved out of the collector's sight (``gc.freeze``), and young collections made
    rarer. Both are undone afterwards: a library caller's process keeps its own settings."""

    def __init__(self, total: int) -> None:
        # One file can be large too (a register of thousands of risks): the cost is the same
        # few microseconds whatever the count.
        self.active = total > 0
        self.saved: tuple[int, int, int] = (0, 0, 0)

    def __enter__(self) -> None:
        if self.active:
            import gc

            self.saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(BULK_THRESHOLD, self.saved[0]), *self.saved[1:])

    def __exit__(self, *exc: object) -> None:
        if self.active:
            import gc

            gc.set_threshold(*self.saved)
            gc.unfreeze()


# This worker process's Worker (set by the pool's initializer; never set in the parent).
_HERE: list[Worker] = []


def _start(ruleset: RuleSet, options: Options) -> None:
    # Ctrl-C reaches the whole process group: the parent alone answers it (and ends the pool),
    # so that a worker does not print a KeyboardInterrupt traceback of its own.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _HERE[:] = [Worker(ruleset, options)]
    # The pool's process does nothing but check files: see _BulkCollection (nothing to undo).
    import gc

    gc.freeze()
    gc.set_threshold(max(BULK_THRESHOLD, gc.get_threshold()[0]), *gc.get_threshold()[1:])


def _process_here(candidate: Candidate) -> FileResult:
    return _HERE[0].process(candidate)


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
