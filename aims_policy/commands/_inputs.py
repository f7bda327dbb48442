"""What ``report`` and ``soa`` read: manifests and folders (checked here) and JSON reports of
other repositories (``check --json FILE --origin NAME``), merged into one organisation view."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from aims_policy.commands._options import fail

if TYPE_CHECKING:
    from aims_policy.merge import Source
    from aims_policy.model import Organisation, Report


class Inputs(NamedTuple):
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
        """(origin, JSON report) of each part, one at a time, with the fields ``soa.build``
        reads (systems' names, evidenced and relied-on controls; findings)."""
        from aims_policy.output.json_report import finding_dict

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
                    "findings": [finding_dict(f) for f in report.findings],
                },
            )


def split(paths: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    """(JSON reports, manifests and folders) among the paths given."""
    from aims_policy.merge import is_json_report

    reports = [path for path in paths if is_json_report(path)]
    return reports, tuple(path for path in paths if path not in reports)


def gather(
    paths: tuple[str, ...],
    origin: str | None,
    today: str,
    check: Callable[[tuple[str, ...]], Report],
    references: bool = True,
) -> Inputs:
    """Load the JSON reports among ``paths`` (a bad one: one line naming it, exit 2), check the
    rest with ``check`` (when there is any, or when no JSON report is given), and merge.
    Without ``references``, the reports' evidence references are not read."""
    from aims_policy import merge
    from aims_policy.version import __version__

    reports, manifests = split(paths)
    parts = []
    known: set[str] = set()  # rule ids read already: the first report's description wins
    for path in reports:
        try:
            parts.append(merge.load(path, known, references))
            known.update(meta.id for meta in parts[-1][0].rules)
        except merge.ReportError as exc:
            fail(str(exc))
    live = check(manifests) if manifests or not reports else None
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
