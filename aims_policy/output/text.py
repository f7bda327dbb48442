"""Plain text for terminals and pre-commit.

Every finding is one line, ``file:line:col: severity RULE-ID message [controls]``, which editors,
pre-commit and problem matchers parse; lines are grouped by file (files sorted, a blank line
between them), problems that stopped checks first within their file. ``--verbose`` adds each
finding's remediation and shows waived and baselined findings; ``--quiet`` shows no finding
line and ``--min-severity`` none below a severity, and the summary says how many it left out.
Problems that stopped checks are always shown. Colour is decided by the caller (the check
command: ``--color``, ``NO_COLOR``, ``FORCE_COLOR``, a terminal).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import attrgetter
from typing import IO

from aims_policy.model import Finding, Notification, Report
from aims_policy.output import RenderOptions
from aims_policy.wording import escape_controls as _e
from aims_policy.wording import plural

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m"}
_RANK = {"error": 0, "warning": 1, "note": 2}
_DIM, _BOLD, _RESET = "\033[2m", "\033[1m", "\033[0m"


def _line(finding: Finding, report: Report, options: RenderOptions) -> str:
    """A finding's line, and with ``--verbose`` or an explanation the lines below it (one
    string: this runs for every finding of a run, which may have hundreds of thousands)."""
    sev = finding.severity
    refs = f" [{', '.join(finding.controls)}]" if finding.controls else ""
    state = "" if finding.state == "open" else f" ({finding.state})"
    # Manifest-derived strings are escaped; only the renderer's own colour codes reach the terminal.
    where, message = _e(str(finding.location)), _e(finding.message)
    if options.color:
        head = f"{_BOLD}{where}{_RESET}: {_COLORS[sev]}{sev}{_RESET}"
        text = f"{head} {finding.rule_id} {message}{_DIM}{refs}{state}{_RESET}"
    else:
        text = f"{where}: {sev} {finding.rule_id} {message}{refs}{state}"
    if not (options.verbose or finding.explanation):
        return text
    lines = [text]
    if options.verbose:
        meta = report.rule(finding.rule_id)
        if meta is not None and meta.remediation:
            lines.append(f"    fix: {_e(meta.remediation)}")
        if finding.suppression is not None:
            s = finding.suppression
            by = (
                f" (approved by {s.approver}" + (f", until {s.expires})" if s.expires else ")")
                if s.approver
                else ""
            )
            lines.append(_e(f"    {s.kind}: {s.justification}{by}"))
    for step in finding.explanation:
        lines.append(f"    because: {_e(step)}")
    return "\n".join(lines)


def _note(note: Notification, options: RenderOptions) -> str:
    tag = "error" if not options.color else f"{_COLORS['error']}error{_RESET}"
    code = f"{note.rule_id} " if note.rule_id else ""
    return f"{_e(str(note.location or '-'))}: {tag} {code}{_e(note.message)}"


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    """The report in pieces of 256 of :func:`iter_lines`' items: a run with hundreds of
    thousands of findings is written out without holding the whole text in memory at once, nor
    one write per line."""
    batch: list[str] = []
    for line in iter_lines(report, options):
        batch.append(line)
        if len(batch) == 256:
            batch.append("")
            yield "\n".join(batch)
            batch = []
    if batch:
        batch.append("")
        yield "\n".join(batch)


def iter_lines(report: Report, options: RenderOptions) -> Iterator[str]:
    """The report line by line, except that a finding comes as one item with the lines below
    it (``--verbose``, an explanation)."""
    # Problems tied to no file (usage, a crashed cross-manifest rule) come before every file.
    loose = [_note(n, options) for n in report.notifications if n.location is None]
    notes: dict[str, list[str]] = {}
    for note in report.notifications:
        if note.location is not None:
            notes.setdefault(note.location.file, []).append(_note(note, options))
    shown = (f for f in report.findings if _shown(f, options))
    # Findings are sorted by file; files with problems but no findings slot in between.
    pending = sorted(notes)
    started = bool(loose)
    yield from loose

    def block(file: str, findings: Iterable[Finding]) -> Iterator[str]:
        if started:
            yield ""
        yield from notes.get(file, ())
        for finding in findings:
            yield _line(finding, report, options)

    for file, group in groupby(shown, key=lambda f: f.location.file):
        while pending and pending[0] < file:
            yield from block(pending.pop(0), ())
            started = True
        if pending and pending[0] == file:
            pending.pop(0)
        yield from block(file, group)
        started = True
    for file in pending:
        yield from block(file, ())
        started = True
    traces: list[str] = []
    for system, rule_id, status, trace in report.traces:
        traces.append(_e(f"{system}: {rule_id} {status.replace('_', ' ')}"))
        traces.extend(f"    because: {_e(step)}" for step in trace or ("no condition recorded",))
    if traces:
        if started:
            yield ""
        yield from traces
        started = True
    stated = [
        _e(f"{s.name}: {section} stated not applicable: {reason}")
        for s in report.systems
        for section, reason in s.not_applicable
    ]
    if stated and options.verbose:
        if started:
            yield ""
        yield from stated
        started = True
    # Files AI discovery could not read or parse: not a failure of the run, but never passed
    # over in silence.
    unread = report.discovery.unread if report.discovery is not None else ()
    if unread and not options.quiet:
        if started:
            yield ""
        yield from (_e(f"{file}: AI discovery {reason}") for file, reason in unread)
        started = True
    if started:
        yield ""
    text = summary(report)
    hidden = (
        sum(1 for f in report.open_findings if not _shown(f, options))
        if options.min_severity and not options.quiet
        else 0
    )
    if hidden:
        text += f"; {plural(hidden, 'finding')} below {options.min_severity} not shown"
    yield text


def _shown(finding: Finding, options: RenderOptions) -> bool:
    if options.quiet or not (finding.state == "open" or options.verbose):
        return False
    level = options.min_severity
    return level is None or _RANK[finding.severity] <= _RANK[level]


_STATE, _SEVERITY = attrgetter("state"), attrgetter("severity")


def summary(report: Report) -> str:
    # Counted through attrgetter, in C: a run may have hundreds of thousands of findings.
    by_state = Counter(map(_STATE, report.findings))
    open_findings = report.open_findings
    by_sev = Counter(map(_SEVERITY, open_findings))
    parts = [plural(by_sev[s], s) for s in ("error", "warning", "note")]
    extra = [f"{by_state[s]} {s}" for s in ("waived", "baselined") if by_state[s]]
    # --audit: open findings that an exception or the baseline would have suppressed
    would: Counter[str] = Counter(
        f.suppression.kind for f in open_findings if f.suppression is not None
    )
    extra += [
        f"{would[kind]} would be {state} (not applied)"
        for kind, state in (("exception", "waived"), ("baseline", "baselined"))
        if would[kind]
    ]
    systems = len(report.systems)
    # Files looked at that turned out not to be manifests: said only when there were some, so
    # that the line of a run over manifests alone stays as it always was.
    n = report.not_manifests
    skipped = f" ({n} not {'a manifest' if n == 1 else 'manifests'})" if n else ""
    # The organisation manifest, said only when there is one (the line of a run over systems
    # alone stays as it was).
    orgs = len(report.organisations)
    org = f" and {plural(orgs, 'organisation manifest')}" if orgs else ""
    text = (
        f"{plural(len(report.files), 'file')}{skipped}, {plural(systems, 'system')}{org} "
        "checked: " + ", ".join(parts + extra)
    )
    # A rule check is one rule on one system. Both counts are always given: a run where many
    # rules did not apply passed fewer checks than its error count alone suggests.
    status = report.result_statuses
    unjudged = status.get("not_evaluated", 0)
    why = " (--why-not RULE says why)" if unjudged else ""
    not_applicable = status.get("not_applicable", 0)
    text += f"; rule checks: {not_applicable} not applicable, {unjudged} not evaluated{why}"
    found = report.discovery
    if found is not None:
        with_ai = len(found.files)
        uncovered = sum(1 for f in found.files if not f.covered_by)
        text += (
            f"; AI discovery: {plural(found.scanned, 'file')} read, {with_ai} with AI, "
            f"{uncovered} not covered by a manifest"
        )
        if found.unread:
            text += f", {len(found.unread)} not readable"
    if report.notifications:
        text += f"; {plural(len(report.notifications), 'problem')} stopped checks (exit 2)"
    return text


class Progress:
    """``checked 120/2000 files`` on one rewritten terminal line, for ``api.check(progress=...)``.

    Shown only for runs of at least ``min_total`` files (a short run needs none), redrawn at most
    every ``interval`` seconds, and erased when the last file is done so that the report that
    follows starts on a clean line.
    """

    def __init__(self, stream: IO[str], min_total: int = 50, interval: float = 0.1) -> None:
        self.stream = stream
        self.min_total = min_total
        self.interval = interval
        self._last = float("-inf")
        self._width = 0

    def __call__(self, done: int, total: int) -> None:
        import time

        if total < self.min_total:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        if done >= total:
            self.stream.write("\r" + " " * self._width + "\r")
        else:
            text = f"aims-policy: checked {done}/{total} files"
            self._width = max(self._width, len(text))
            self.stream.write("\r" + text)
        self.stream.flush()
