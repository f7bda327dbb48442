"""What ``report`` and ``soa`` read: manifests and folders (checked here) and JSON reports of
other repositories (``check --json FILE --origin NAME``), merged into one organisation view."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aims_policy.commands._options import fail
from aims_policy.records import Record

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from aims_policy.merge import Source
    from aims_policy.model import Finding, Organisation, Report


class Inputs(Record):
    report: Report  # the live check's, or the merged report
    sources: tuple[Source, ...]  # the reports merged (the live check among them); () if none
    parts: tuple[tuple[Report, str], ...]  # each report with its origin ("" for a lone check)

    def organisations(self) -> list[Organisation]:
        """The organisation manifests, those identical to one met before left out: each
        repository may carry a copy of the one organisation manifest."""
        kept: list[Organisation] = []
        for found in self.report.organisations:
            if not any(found.manifest == other.manifest for other in kept):
                kept.append(found)
        return kept

    def documents(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(origin, JSON report) of each part, one at a time, with only the fields ``soa.build``
        reads, laid out as the JSON report has them: the systems' names, evidenced and relied-on
        controls; the findings that count against a control (open, or under an exception), with
        rule, system, location, message and the exception. A merge of 1,000 reports holds tens
        of thousands of findings: writing each out whole would cost more than the statement."""
        for report, origin in self.parts:
            yield (
                origin,
                {
                    "systems": [
                        {
                            "name": s.name,
                            "evidencedControls": dict(s.evidence),
                            "reliedControls": list(s.relies),
                        }
                        for s in report.systems
                    ],
                    "findings": [_finding(f) for f in report.findings if _counts(f)],
                },
            )


def _counts(finding: Finding) -> bool:
    s = finding.suppression
    return bool(finding.controls) and (
        finding.state == "open"
        or (finding.state == "waived" and s is not None and s.kind == "exception")
    )


def _finding(f: Finding) -> dict[str, Any]:
    loc = f.location
    out: dict[str, Any] = {
        "rule": f.rule_id,
        "message": f.message,
        "location": {"file": loc.file, "line": loc.line, "column": loc.col},
        "identity": {"system": f.system},
        "controls": list(f.controls),
        "state": f.state,
    }
    s = f.suppression
    if s is not None:
        out["suppression"] = {
            "kind": s.kind,
            "justification": s.justification,
            "approver": s.approver,
            "expires": s.expires,
        }
    return out


def without_gc(command: F) -> F:
    """Run ``command`` with the cyclic garbage collector paused. A merge of 1,000 reports keeps
    millions of small tuples alive, none in a cycle; each full collection walks them all, and
    collections come the more often the more is allocated: half of a merge's time went there."""
    import functools

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        import gc

        enabled = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return cast(F, run)


class Split(Record):
    """The paths given, sorted out: the JSON reports among them, read, and the rest."""

    reports: tuple[tuple[Report, Source], ...]
    manifests: tuple[str, ...]  # manifests and folders, to be checked


def split(paths: tuple[str, ...], references: bool = True) -> Split:
    """Read the JSON reports among ``paths`` (recognised by content: ``merge.read``; a bad one
    is one line naming it, exit 2); the rest are manifests and folders. Each report is decoded
    once, and only its :class:`Report` is kept. Without ``references``, the reports' evidence
    references are not read."""
    from aims_policy import merge

    parts: list[tuple[Report, Source]] = []
    manifests = []
    known: set[str] = set()  # rule ids read already: the first report's description wins
    for path in paths:
        try:
            doc = merge.read(path)
            if doc is None:
                manifests.append(path)
                continue
            parts.append(merge.parse(doc, path, known, references))
        except merge.ReportError as exc:
            fail(str(exc))
        known.update(meta.id for meta in parts[-1][0].rules)
    return Split(tuple(parts), tuple(manifests))


def gather(
    given: Split,
    origin: str | None,
    today: str,
    check: Callable[[tuple[str, ...]], Report],
) -> Inputs:
    """Check the manifests and folders of ``given`` with ``check`` (when there is any, or when
    no JSON report is given) and merge the result with its JSON reports."""
    from aims_policy import merge
    from aims_policy.version import __version__

    parts = list(given.reports)
    manifests = given.manifests
    live = check(manifests) if manifests or not parts else None
    if not parts:
        assert live is not None
        return Inputs(live, (), ((live, ""),))
    if live is not None:
        name = origin or " ".join(manifests)
        source = merge.Source(
            name, name, live.today, live.tool_version, len(live.systems), len(live.findings)
        )
        parts.append((merge.with_origin(live, name), source))
    try:
        combined = merge.merge(parts, today, __version__)
    except merge.ReportError as exc:
        fail(str(exc))
    ordered = sorted(parts, key=lambda part: (part[1].origin, part[1].file))
    return Inputs(
        combined,
        tuple(source for _, source in ordered),
        tuple((report, source.origin) for report, source in ordered),
    )
