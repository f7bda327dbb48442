"""The values that flow between stages: locations, rule metadata, findings and the report.

Every output format is a pure function of :class:`Report`; nothing here does I/O.

The records here are :class:`aims_policy.records.Record` classes (``NamedTuple`` to a type
checker, built more cheaply at run time: a pre-commit run creates every one of them).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, overload

from pyrsistent import pmap

from aims_policy.records import Record

Severity = Literal["error", "warning", "note"]
FailOn = Literal["error", "warning", "note", "never"]
State = Literal["open", "waived", "baselined"]
Status = Literal["passed", "failed", "not_applicable", "not_evaluated", "error"]

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")
SEVERITY_RANK: Mapping[str, int] = {"note": 1, "warning": 2, "error": 3, "never": 4}

#: The default for mapping fields of these immutable values (shared, so it must never change).
EMPTY_MAP: Mapping[str, Any] = pmap()

#: Version of the JSON report layout (``--format json``). Bump the major part on breaking changes.
REPORT_FORMAT_VERSION = "1.3"


def at_or_above(severity: str, threshold: str) -> bool:
    """True when ``severity`` meets the failure threshold (``never`` is met by nothing)."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


class Location(Record):
    """A place in a file. Lines and columns are 1-based; ``file`` is a POSIX path relative to the
    report's root (or as given when outside it)."""

    file: str
    line: int = 1
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        if self.line <= 0:  # a problem with the file as a whole: no position to give
            return self.file
        return f"{self.file}:{self.line}:{self.col}"

    @classmethod
    def whole(cls, file: str) -> Location:
        """The file as a whole (missing, unreadable, not a manifest): line and column 0."""
        return cls(file, 0, 0)


class Reference(Record):
    """A crosswalk entry: ``ref`` such as ``Art. 9(2)`` or ``MAP 1.1``; ``confidence`` carries the
    crosswalk's own judgement (``high``, ``medium``, ``low``) and ``derived`` marks mappings the
    reference material itself derived rather than took from an authoritative source."""

    ref: str
    confidence: str = "high"
    derived: bool = False


class RuleMeta(Record):
    """Everything about a rule that is data: documentation, SARIF descriptors, JUnit cases and
    the coverage matrix are generated from it."""

    id: str
    name: str  # PascalCase short name, used as SARIF ``name``
    title: str
    severity: Severity
    rationale: str
    remediation: str
    controls: tuple[str, ...] = ()  # ISO/IEC 42001 Annex A controls, e.g. "A.5.2"
    clauses: tuple[str, ...] = ()  # ISO/IEC 42001 clauses, e.g. "6.1.2"
    eu_ai_act: tuple[Reference, ...] = ()
    nist_ai_rmf: tuple[Reference, ...] = ()
    tags: tuple[str, ...] = ()  # free tags such as "security", "privacy"
    applies_to: str = "every system"  # human-readable applicability, for docs
    pack: str = "builtin"
    scope: Literal["manifest", "set"] = "manifest"  # "set": evaluated across all manifests
    # The manifest kinds the rule reads: AI systems (the default), the organisation's
    # AIManagementSystem, or both (evidence references, cross-document reconciliation).
    kinds: tuple[str, ...] = ("AISystem",)

    @property
    def iso_refs(self) -> tuple[str, ...]:
        return self.controls + self.clauses


class Suppression(Record):
    """Why a finding does not count: an exception (waiver) or a baseline entry."""

    kind: Literal["exception", "baseline"]
    justification: str
    approver: str | None = None
    expires: str | None = None  # ISO date, inclusive
    source: Location | None = None  # where the exception is declared


class Finding(Record):
    rule_id: str
    severity: Severity
    message: str
    location: Location
    json_path: str  # JSON Pointer into the document, e.g. "/spec/risks/2/owner"
    ident: str  # identity path, e.g. "spec.risks[R-7].owner": stable under reordering
    system: str | None  # metadata.name of the system concerned
    item: str | None = None  # the id of the list item concerned, when there is one
    controls: tuple[str, ...] = ()
    state: State = "open"
    suppression: Suppression | None = None
    explanation: tuple[str, ...] = ()  # facts and conditions that produced it (``--explain``)
    # the repository the finding comes from, in a report merged from several JSON reports
    origin: str | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule_id, self.system, self.ident)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.col, self.rule_id, self.ident)


def fingerprint(rule_id: str, system: str | None, ident: str) -> str:
    """A digest of what a finding is about, never of where it sits: line numbers and list indexes
    are deliberately absent so that edits elsewhere in a file do not change it."""
    import hashlib  # only reports that show fingerprints pay for it

    raw = f"{rule_id}\x1f{system or ''}\x1f{ident}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


class RuleResult(Record):
    """The outcome of one rule on one system (JUnit's test case)."""

    rule_id: str
    system: str
    status: Status
    reason: str = ""  # why not applicable, why not evaluated, or the engine error


def rows_of(
    results: Iterable[RuleResult],
) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """Group results into :class:`ResultTable` rows: (system, status, rule ids, reasons)."""
    grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in results:
        grouped.setdefault((r.system, r.status), []).append((r.rule_id, r.reason))
    rows = []
    for (system, status), pairs in grouped.items():
        pairs.sort()
        rows.append((system, status, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)))
    return rows


class ResultTable(Sequence[RuleResult]):
    """Rule outcomes other than passed and failed (not applicable, not evaluated, engine error),
    stored as one row per system and status: a tuple of rule ids and a tuple of reasons. The
    strings are shared between systems, so a run over ten thousand manifests keeps a few hundred
    bytes per system instead of an object per (rule, system); iterating yields
    :class:`RuleResult` values, sorted by system, status and rule."""

    __slots__ = ("_ends", "_rows")

    def __init__(self, rows: Iterable[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = ()):
        self._rows = tuple(sorted(rows))
        ends, total = [], 0
        for _system, _status, rule_ids, _reasons in self._rows:
            total += len(rule_ids)
            ends.append(total)
        self._ends = tuple(ends)

    @property
    def rows(self) -> tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]:
        """The rows: (system, status, rule ids, reasons), sorted."""
        return self._rows

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def statuses(self) -> dict[str, int]:
        """How many results have each status, counted by rows (no result is made)."""
        counts: dict[str, int] = {}
        for _system, status, rule_ids, _reasons in self._rows:
            counts[status] = counts.get(status, 0) + len(rule_ids)
        return counts

    def __iter__(self) -> Iterator[RuleResult]:
        for system, status, rule_ids, reasons in self._rows:
            for rule_id, reason in zip(rule_ids, reasons, strict=True):
                yield RuleResult(rule_id, system, status, reason)  # type: ignore[arg-type]

    @overload
    def __getitem__(self, index: int) -> RuleResult: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[RuleResult, ...]: ...
    def __getitem__(self, index: int | slice) -> RuleResult | tuple[RuleResult, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        from bisect import bisect_right  # only indexing by position needs it

        row = bisect_right(self._ends, index)
        start = self._ends[row - 1] if row else 0
        system, status, rule_ids, reasons = self._rows[row]
        return RuleResult(rule_ids[index - start], system, status, reasons[index - start])  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(self._rows)

    def __repr__(self) -> str:
        return f"ResultTable({list(self)!r})"


class Notification(Record):
    """A problem that stopped the tool from doing part of its job (exit 2): a file that could not
    be loaded, a rule that crashed, a usage error."""

    kind: Literal["load", "engine", "usage", "config"]
    code: str
    message: str
    location: Location | None = None
    rule_id: str | None = None
    system: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message}"


class EvidenceReference(Record):
    """One evidence reference of a manifest as it was resolved (``evidence.py``): its identity
    path (``spec.impactAssessment.reportRef``), the text written, and ``ok``, ``url``,
    ``missing``, ``absolute``, ``escapes`` or ``scheme``."""

    path: str
    ref: str
    status: str
    location: Location


class SystemInfo(Record):
    name: str
    location: Location  # the document's start
    title: str | None = None
    risk_level: str | None = None
    eu_category: str | None = None
    owner: str | None = None
    # (section, reason) the manifest states not applicable (``spec.notApplicable``)
    not_applicable: tuple[tuple[str, str], ...] = ()
    # (Annex A control, "operational" | "policy") for each control that references resolving
    # to files or URLs evidence: "policy" when only policies, procedures or plans do
    evidence: tuple[tuple[str, str], ...] = ()
    # ``spec.implementation.paths``: globs relative to ``root``, the manifest's repository root
    # (absolute), naming the files that implement the system (AI discovery's coverage)
    implementation: tuple[str, ...] = ()
    root: str = ""
    # Annex A controls the system's risk treatment relies on (``spec.risks[].treatment.controls``),
    # in Annex A order: the Statement of Applicability must include each
    relies: tuple[str, ...] = ()
    # every evidence reference, resolved or not, in document order
    references: tuple[EvidenceReference, ...] = ()
    # the repository the system comes from, in a report merged from several JSON reports
    origin: str | None = None


class Sighting(Record):
    """One sign of AI in a file: what was seen (``import openai``, ``package torch``, ``ONNX
    model``) and where (1-based line and column; a model file's sighting is at 1:1)."""

    what: str
    line: int = 1
    col: int = 1


class AIFile(Record):
    """A file in which AI discovery saw AI, with everything it saw there (in line order)."""

    file: str  # as shown: POSIX, relative to the working directory when inside it
    relative: str  # POSIX, relative to the discovery root: what implementation paths match
    kind: Literal["source", "dependencies", "model"]
    seen: tuple[Sighting, ...]
    covered_by: tuple[str, ...] = ()  # systems whose spec.implementation.paths match it

    @property
    def location(self) -> Location:
        first = self.seen[0]
        return Location(self.file, first.line, first.col)


class Discovery(Record):
    """What ``--discover-ai`` found in the repository, and what it could not read."""

    root: str  # the folder searched, as shown
    scanned: int  # files looked at (sources, dependency files, model files)
    files: tuple[AIFile, ...]  # sorted by file
    ignored: int = 0  # entries left out by .gitignore or .git/info/exclude
    skipped: int = 0  # folders not searched: hidden, virtual environments, node_modules
    excluded: int = 0  # files left out by the configuration's `exclude`
    # files read only in part (larger than the discovery's read limit), as shown
    partly_read: tuple[str, ...] = ()
    # (file, reason) for files that could not be read or parsed (a symbolic link, no
    # permission, a package.json that is not JSON): the report lists them, none is passed over
    # in silence
    unread: tuple[tuple[str, str], ...] = ()


class Organisation(Record):
    """An organisation manifest (``kind: AIManagementSystem``) among the checked files: what the
    Statement of Applicability is built from. ``document`` is the document as loaded, whole and
    serialised (:func:`compact`), so that a JSON report carries it to a later merge;
    ``manifest`` decodes it. Serialised, because a tree of many management systems holds one
    per organisation manifest until the end of the run: the bytes take a fifth of the memory of
    the decoded data, and cross from a worker process as one object."""

    name: str
    location: Location  # the document's start
    document: bytes = marshal.dumps({})
    # every evidence reference, resolved or not (the audit report's evidence index)
    references: tuple[EvidenceReference, ...] = ()
    # the repository it comes from, in a report merged from several JSON reports
    origin: str | None = None

    @property
    def manifest(self) -> dict[str, Any]:
        """The document as loaded (plain data), decoded afresh at each call."""
        decoded: dict[str, Any] = marshal.loads(self.document)
        return decoded


def compact(document: Mapping[str, Any]) -> bytes:
    """A loaded document (plain data: what a manifest's YAML or JSON gives) serialised for
    :class:`Organisation`. marshal, not JSON: built in (nothing to import on a one-file run), a
    fifteenth of the time, and the bytes never leave the process that made them but for a
    worker's parent, which runs the same interpreter."""
    return marshal.dumps(dict(document))


class Report(Record):
    """The complete, immutable outcome of a check."""

    tool_version: str
    today: str  # ISO date the run judged dates against
    fail_on: FailOn
    rules: tuple[RuleMeta, ...]
    systems: tuple[SystemInfo, ...]
    findings: tuple[Finding, ...]
    # not applicable, not evaluated and errors only (a ResultTable from a check)
    results: Sequence[RuleResult]
    notifications: tuple[Notification, ...]
    files: tuple[str, ...]  # every file looked at (relative to the working directory if in it)
    # (system, rule id, status, trace) for ``--explain`` / ``--why-not``
    traces: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()
    # files found or named that turned out not to be manifests (not in ``files``)
    not_manifests: int = 0
    # what ``--discover-ai`` found (None: discovery did not run)
    discovery: Discovery | None = None
    # organisation manifests (kind: AIManagementSystem) among the checked files
    organisations: tuple[Organisation, ...] = ()

    @property
    def result_statuses(self) -> dict[str, int]:
        """How many rule results have each status (a status no result has is absent)."""
        results = self.results
        table = results if isinstance(results, ResultTable) else ResultTable(rows_of(results))
        return table.statuses()

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.state == "open")

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.open_findings if at_or_above(f.severity, self.fail_on))

    @property
    def exit_code(self) -> int:
        if self.notifications:
            return 2
        return 1 if self.failing else 0

    def rule(self, rule_id: str) -> RuleMeta | None:
        for meta in self.rules:
            if meta.id == rule_id:
                return meta
        return None
