"""The Statement of Applicability (ISO/IEC 42001 6.1.3 d): one row per Annex A control, built from
the organisation manifest's decisions and what the systems show.

A pure function of plain data, so that it serves a live check and JSON reports merged from many
repositories alike: ``organisation`` is the organisation manifest as loaded (or as a JSON
report's ``organisations[].manifest`` carries it), ``reports`` are JSON reports (``--format
json``, format 1.3 or later: ``systems[].reliedControls``, ``systems[].evidencedControls`` and
``findings``), each optionally named by its origin (a repository). Nothing here reads files."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aims_policy.records import Record

#: Version of the SoA layout (``aims-policy soa --format json``); fields only added within 1.x.
SOA_FORMAT_VERSION = "1.0"


class SystemRef(Record):
    """A system that implements a control: by name, with where its report came from."""

    name: str
    origin: str  # the report's origin (a repository), "" for a live check
    evidence: str  # "operational", "policy", or "relied" (named by a treatment, no evidence)


class FindingRef(Record):
    rule: str
    system: str
    origin: str
    location: str  # file:line:col
    message: str


class ExceptionRef(Record):
    rule: str
    system: str
    origin: str
    approver: str
    expires: str
    justification: str


class Row(Record):
    control: str
    title: str
    decision: str  # included | excluded | undecided (no SoA entry)
    justification: str
    declared: str  # the manifest's implementation: implemented | partial | planned | ""
    status: str  # implemented | partial | planned | not-evidenced | excluded | undecided
    systems: tuple[SystemRef, ...]
    evidence: tuple[str, ...]  # organisation-level evidence references
    relied_by: tuple[SystemRef, ...]  # systems whose risk treatment names the control
    open_findings: tuple[FindingRef, ...]
    exceptions: tuple[ExceptionRef, ...]


class Statement(Record):
    organisation: str  # metadata.name of the organisation manifest
    title: str
    rows: tuple[Row, ...]
    systems: tuple[tuple[str, str], ...]  # (origin, name) of every system considered

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row.status] = out.get(row.status, 0) + 1
        return out


_by_origin = operator.attrgetter("origin", "name")  # a system's place in a row


def _order(control: str) -> tuple[int, ...]:
    return tuple(int(p) for p in control.split(".") if p.isdigit())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _where(location: Any) -> str:
    loc = _map(location)
    file = _text(loc.get("file"))
    line, col = loc.get("line"), loc.get("column")
    return f"{file}:{line}:{col}" if isinstance(line, int) and line > 0 else file


def build(
    organisation: Mapping[str, Any],
    reports: Iterable[tuple[str, Mapping[str, Any]]],
    controls: Sequence[tuple[str, str]],
) -> Statement:
    """The Statement of Applicability: ``controls`` are the Annex A controls with their titles
    (``coverage.annex_a_controls()``), ``reports`` pairs of (origin, JSON report). Every control
    has a row, decided or not; rows, systems and findings come out in a fixed order."""
    spec = _map(organisation.get("spec"))
    meta = _map(organisation.get("metadata"))
    decisions: dict[str, Mapping[str, Any]] = {}
    for entry in _list(spec.get("statementOfApplicability")):
        entry = _map(entry)
        control = _text(entry.get("id"))
        if control and control not in decisions:  # a repeated id is AIMS-SCH-004's to report
            decisions[control] = entry
    implementing: dict[str, set[SystemRef]] = {}
    relied: dict[str, set[SystemRef]] = {}
    findings: dict[str, set[FindingRef]] = {}
    waived: dict[str, set[ExceptionRef]] = {}
    systems: set[tuple[str, str]] = set()
    for origin, report in reports:
        for system in _list(report.get("systems")):
            system = _map(system)
            name = _text(system.get("name"))
            systems.add((origin, name))
            for control, kind in _map(system.get("evidencedControls")).items():
                implementing.setdefault(control, set()).add(SystemRef(name, origin, _text(kind)))
            for control in _list(system.get("reliedControls")):
                if isinstance(control, str):
                    relied.setdefault(control, set()).add(SystemRef(name, origin, "relied"))
        for finding in _list(report.get("findings")):
            finding = _map(finding)
            who = _text(_map(finding.get("identity")).get("system"))
            state = finding.get("state")
            suppression = _map(finding.get("suppression"))
            # one reference per finding, filed under each of its controls
            against = [c for c in _list(finding.get("controls")) if isinstance(c, str)]
            if state == "open":
                found = FindingRef(
                    _text(finding.get("rule")),
                    who,
                    origin,
                    _where(finding.get("location")),
                    _text(finding.get("message")),
                )
                for control in against:
                    findings.setdefault(control, set()).add(found)
            elif state == "waived" and suppression.get("kind") == "exception":
                exception = ExceptionRef(
                    _text(finding.get("rule")),
                    who,
                    origin,
                    _text(suppression.get("approver")),
                    _text(suppression.get("expires")),
                    _text(suppression.get("justification")),
                )
                for control in against:
                    waived.setdefault(control, set()).add(exception)
    rows = []
    for control, title in sorted(controls, key=lambda c: _order(c[0])):
        entry = decisions.get(control, {})
        decision = _text(entry.get("decision")) or "undecided"
        declared = _text(entry.get("implementation"))
        evidence = tuple(
            _text(_map(e).get("ref")) for e in _list(entry.get("evidence")) if _map(e).get("ref")
        )
        by = tuple(sorted(implementing.get(control, ()), key=_by_origin))
        if decision != "included":
            status = decision
        elif not by and not evidence:
            status = "not-evidenced"  # included, yet nothing shows it in place
        else:
            status = declared or "implemented"
        rows.append(
            Row(
                control,
                title,
                decision,
                _text(entry.get("justification")),
                declared,
                status,
                by,
                evidence,
                tuple(sorted(relied.get(control, ()), key=_by_origin)),
                tuple(sorted(findings.get(control, ()))),
                tuple(sorted(waived.get(control, ()))),
            )
        )
    return Statement(
        _text(meta.get("name")),
        _text(meta.get("title")),
        tuple(rows),
        tuple(sorted(systems)),
    )


# -- renderings: each a pure function of the Statement ------------------------------------------


def _system_names(refs: Iterable[SystemRef]) -> str:
    return "; ".join(f"{r.origin}:{r.name}" if r.origin else r.name for r in refs)


CSV_COLUMNS = (
    "control",
    "title",
    "decision",
    "justification",
    "implementation",
    "status",
    "systems",
    "evidence",
    "reliedOnBy",
    "openFindings",
    "exceptions",
)


def render_csv(statement: Statement) -> str:
    """One row per control; lists joined with ``; ``; counts of findings and exceptions (the
    JSON form lists them). Cells that a spreadsheet would run as a formula are quoted with a
    leading apostrophe (CSV injection)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in statement.rows:
        cells = (
            row.control,
            row.title,
            row.decision,
            row.justification,
            row.declared,
            row.status,
            _system_names(row.systems),
            "; ".join(row.evidence),
            _system_names(row.relied_by),
            str(len(row.open_findings)),
            str(len(row.exceptions)),
        )
        writer.writerow([_cell(c) for c in cells])
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_dict(statement: Statement) -> dict[str, Any]:
    def system(ref: SystemRef) -> dict[str, str]:
        return {"name": ref.name, "origin": ref.origin, "evidence": ref.evidence}

    return {
        "formatVersion": SOA_FORMAT_VERSION,
        "organisation": statement.organisation,
        "title": statement.title,
        "summary": {
            "controls": len(statement.rows),
            "systems": len(statement.systems),
            **{status: n for status, n in sorted(statement.counts.items())},
        },
        "controls": [
            {
                "id": row.control,
                "title": row.title,
                "decision": row.decision,
                "justification": row.justification,
                "implementation": row.declared or None,
                "status": row.status,
                "systems": [system(s) for s in row.systems],
                "evidence": list(row.evidence),
                "reliedOnBy": [system(s) for s in row.relied_by],
                "openFindings": [f._asdict() for f in row.open_findings],
                "exceptions": [e._asdict() for e in row.exceptions],
            }
            for row in statement.rows
        ],
    }


def render_json(statement: Statement) -> str:
    import json

    return json.dumps(as_dict(statement), indent=2, ensure_ascii=False) + "\n"


def render_markdown(statement: Statement) -> str:
    from aims_policy.output.markdown import escape

    def names(refs: Iterable[SystemRef]) -> str:
        return escape(_system_names(refs)) or "-"

    counts = statement.counts
    head = escape(statement.title or statement.organisation)
    lines = [
        f"# Statement of Applicability: {head}",
        "",
        f"{len(statement.rows)} Annex A controls: "
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        + f"; {len(statement.systems)} system{'' if len(statement.systems) == 1 else 's'}.",
        "",
        "| Control | Title | Decision | Justification | Status | Systems | Evidence "
        "| Open findings | Exceptions |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in statement.rows:
        lines.append(
            "| "
            + " | ".join(
                (
                    row.control,
                    escape(row.title),
                    row.decision,
                    escape(row.justification) or "-",
                    row.status,
                    names(row.systems),
                    escape(", ".join(row.evidence)) or "-",
                    str(len(row.open_findings)),
                    str(len(row.exceptions)),
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


RENDERERS = {"markdown": render_markdown, "csv": render_csv, "json": render_json}
