"""The audit report (``aims-policy report -o audit.html``): one self-contained HTML file an
auditor opens offline.

A pure function of its inputs, like every output format: the report (of one check, or merged
from many repositories' JSON reports), the inputs it was made from, and the Statement of
Applicability when an organisation manifest is present. ``view`` turns them into plain values
(sorted, counted); the Jinja2 template only lays them out. Jinja2 is imported here only, so
only this command pays for it.

Nothing in the file reaches the network: the style sheet is inline, there is no script and no
font, and a Content-Security-Policy (``default-src 'none'``, the style allowed by its hash)
forbids any request even if something slipped through. Every manifest value is escaped by
Jinja2's autoescaping; only ``http(s)`` evidence URLs become links, so a ``javascript:``
reference stays text. Control characters but tab and line feed are shown as ``\\xNN``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aims_policy.model import EvidenceReference, Finding, Report, RuleMeta, SystemInfo
from aims_policy.records import Record

if TYPE_CHECKING:
    from aims_policy.soa import Statement

#: What each evidence status means to an auditor.
REFERENCE_STATUS: Mapping[str, str] = {
    "ok": "resolves to a file in the repository",
    "url": "URL (not fetched)",
    "missing": "missing: no such file",
    "absolute": "refused: absolute path",
    "escapes": "refused: outside the repository",
    "scheme": "refused: not an http(s) URL or a path",
}


class AuditInput(Record):
    """Everything the audit report shows."""

    report: Report
    # (origin, file, date checked, tool version, systems, findings) of each JSON report merged;
    # empty for a report made from manifests directly
    sources: Sequence[Any] = ()
    # The Statement of Applicability (``soa.build``) when an organisation manifest is present;
    # None: the Annex A coverage from the systems instead
    statement: Statement | None = None


def _key(system: SystemInfo) -> tuple[str, str]:
    return (system.origin or "", system.name)


def _finding_key(finding: Finding) -> tuple[str, str]:
    return (finding.origin or "", finding.system or "")


def _loc(finding_or_ref: Finding | EvidenceReference) -> str:
    return str(finding_or_ref.location)


def _finding_row(f: Finding, rules: Mapping[str, RuleMeta]) -> dict[str, Any]:
    meta = rules.get(f.rule_id)
    s = f.suppression
    return {
        "rule": f.rule_id,
        "title": meta.title if meta else "",
        "severity": f.severity,
        "message": f.message,
        "location": _loc(f),
        "path": f.ident,
        "controls": ", ".join(f.controls),
        "clauses": ", ".join(meta.clauses) if meta else "",
        "remediation": meta.remediation if meta else "",
        "state": f.state,
        "system": f.system or "(across systems)",
        "origin": f.origin,
        "approver": s.approver if s else None,
        "justification": s.justification if s else None,
        "expires": s.expires if s else None,
        "declared": str(s.source) if s and s.source else None,
    }


def _link(r: EvidenceReference) -> bool:
    """Whether the reference is shown as a link: only http(s) URLs, so that a javascript: or
    data: reference stays text."""
    return r.status == "url" and r.ref[:8].lower().startswith(("https://", "http://"))


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _annex_a() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(objectives, controls) of Annex A with their short titles, in catalogue order."""
    from aims_policy.output.taxonomy import ISO, catalogue

    objectives, controls = [], []
    for taxon in catalogue(ISO).taxa:
        if taxon.id.startswith("A.") and taxon.kind == "objective" and taxon.id.count(".") == 1:
            objectives.append((taxon.id, taxon.title or ""))
        elif taxon.id.startswith("A.") and taxon.kind == "control":
            controls.append((taxon.id, taxon.title or ""))
    return objectives, controls


def _clauses() -> list[tuple[str, str]]:
    from aims_policy.output.taxonomy import ISO, catalogue

    return [(t.id, t.title or "") for t in catalogue(ISO).taxa if t.kind == "clause"]


def view(data: AuditInput) -> dict[str, Any]:
    """The report's content as plain values, in a fixed order."""
    from aims_policy.coverage import matrix
    from aims_policy.output.taxonomy import iso_group

    report = data.report
    rules = {meta.id: meta for meta in report.rules}
    systems = sorted(report.systems, key=_key)
    findings = sorted(
        report.findings, key=lambda f: (f.origin or "", f.system or "", *f.sort_key())
    )
    open_findings = [f for f in findings if f.state == "open"]
    multi = len({s.origin for s in systems}) > 1 or bool(data.sources)

    by_system: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        by_system.setdefault(_finding_key(f), []).append(f)
    group: dict[str, str] = {}  # control -> objective, worked out once per control

    def objective_of(control: str) -> str:
        found = group.get(control)
        if found is None:
            found = group[control] = iso_group(control)
        return found

    open_by_control: dict[str, int] = {}
    open_by_cell: dict[tuple[tuple[str, str], str], int] = {}
    for f in open_findings:
        for control in f.controls:
            open_by_control[control] = open_by_control.get(control, 0) + 1
        for objective in {objective_of(c) for c in f.controls if c.startswith("A.")}:
            cell = (_finding_key(f), objective)
            open_by_cell[cell] = open_by_cell.get(cell, 0) + 1

    def label(system: SystemInfo) -> str:
        return f"{system.origin} / {system.name}" if multi and system.origin else system.name

    # Annex A coverage from the systems (the SoA's place when there is no organisation manifest),
    # gathered in one pass over the systems: a merge of 1,000 reports has 10,000 of them
    labels = [label(s) for s in systems]
    evidenced_in: dict[tuple[str, str], list[str]] = {}
    for system, shown in zip(systems, labels, strict=True):
        for pair in dict.fromkeys(system.evidence):
            evidenced_in.setdefault(pair, []).append(shown)
    coverage = []
    for row in matrix(report.rules):
        operational = evidenced_in.get((row.id, "operational"), [])
        policy = evidenced_in.get((row.id, "policy"), [])
        coverage.append(
            {
                "id": row.id,
                "title": row.title,
                "rules": len(row.rules),
                "reason": row.reason,
                "operational": operational,
                "policy": policy,
                "open": open_by_control.get(row.id, 0),
            }
        )

    objectives, _ = _annex_a()
    grid = []
    for system, shown in zip(systems, labels, strict=True):
        evidenced = {objective_of(control) for control, _ in system.evidence}
        cells = []
        for objective, _title in objectives:
            count = open_by_cell.get((_key(system), objective), 0)
            if count:
                cells.append({"state": "open", "text": f"{count} open"})
            elif objective in evidenced:
                cells.append({"state": "evidenced", "text": "evidenced"})
            else:
                cells.append({"state": "none", "text": "no evidence"})
        grid.append({"system": shown, "risk": system.risk_level or "", "cells": cells})

    per_system: list[dict[str, Any]] = []
    organisations = sorted(report.organisations, key=lambda o: (o.origin or "", o.name))
    for organisation in organisations:
        key = (organisation.origin or "", organisation.name)
        own = by_system.get(key, [])
        shown = f"{organisation.origin} / {organisation.name}" if multi else organisation.name
        per_system.append(
            {
                "anchor": f"organisation-{len(per_system) + 1}",
                "label": f"organisation {shown}",
                "kind": "organisation",
                "origin": organisation.origin,
                "title": _text(_get(organisation.manifest, "metadata", "title")),
                "location": str(organisation.location),
                "file": organisation.location.file,
                "findings": [f for f in own if f.state == "open"],
                "stated": [],
                "references": organisation.references,
            }
        )
    for system, shown in zip(systems, labels, strict=True):
        own = by_system.get(_key(system), [])
        per_system.append(
            {
                "anchor": f"system-{len(per_system) + 1}",
                "label": shown,
                "kind": "system",
                "origin": system.origin,
                "title": system.title or "",
                "risk": system.risk_level or "",
                "eu": system.eu_category or "",
                "owner": system.owner or "",
                "location": str(system.location),
                "file": system.location.file,
                "findings": [f for f in own if f.state == "open"],
                "stated": system.not_applicable,
                "references": system.references,
            }
        )
    known = {_key(s) for s in systems} | {(o.origin or "", o.name) for o in organisations}
    stray = [f for f in open_findings if _finding_key(f) not in known]

    clause_rules: dict[str, list[str]] = {}
    for meta in report.rules:
        for clause in meta.clauses:
            clause_rules.setdefault(clause, []).append(meta.id)
    clause_open: dict[str, int] = {}
    for f in open_findings:
        rule_meta = rules.get(f.rule_id)
        for clause in rule_meta.clauses if rule_meta else ():
            clause_open[clause] = clause_open.get(clause, 0) + 1
    clauses = []
    for clause, title in _clauses():
        cited = sorted(clause_rules.get(clause, ()))
        count = clause_open.get(clause, 0)
        top = "." not in clause
        if top:
            state, text = "heading", ""
        elif count:
            state, text = "open", f"{count} open finding{'s' if count != 1 else ''}"
        elif cited:
            state, text = "checked", "checked, no open finding"
        else:
            state, text = "none", "not checked by any rule"
        clauses.append({"id": clause, "title": title, "rules": cited, "state": state, "text": text})

    references = [r for o in organisations for r in o.references]
    references += [r for s in systems for r in s.references]
    unresolved = sum(1 for r in references if r.status not in ("ok", "url"))
    exceptions = [
        _finding_row(f, rules)
        for f in findings
        if f.suppression is not None and f.suppression.kind == "exception"
    ]
    baselined = [
        _finding_row(f, rules)
        for f in findings
        if f.suppression is not None and f.suppression.kind == "baseline"
    ]
    return {
        "today": report.today,
        "tool_version": report.tool_version,
        "organisation": (data.statement.title or data.statement.organisation)
        if data.statement is not None
        else None,
        "multi": multi,
        "sources": [
            {
                "origin": s.origin,
                "file": s.file,
                "today": s.today,
                "tool_version": s.tool_version,
                "systems": s.systems,
                "findings": s.findings,
            }
            for s in data.sources
        ],
        "counts": {
            "origins": len({s.origin for s in systems if s.origin}),
            "systems": len(systems),
            "open": len(open_findings),
            "errors": sum(1 for f in open_findings if f.severity == "error"),
            "warnings": sum(1 for f in open_findings if f.severity == "warning"),
            "notes": sum(1 for f in open_findings if f.severity == "note"),
            "exceptions": len(exceptions),
            "baselined": len(baselined),
            "references": len(references),
            "unresolved": unresolved,
            "problems": len(report.notifications),
            "not_evaluated": sum(1 for r in report.results if r.status == "not_evaluated"),
            "controls": len(coverage),
        },
        "soa": _soa_rows(data.statement, multi) if data.statement is not None else None,
        "coverage": coverage,
        "objectives": [{"id": o, "title": t} for o, t in objectives],
        "grid": grid,
        "systems": per_system,
        "stray": [_finding_row(f, rules) for f in stray],
        "exceptions": exceptions,
        "baselined": baselined,
        "clauses": clauses,
        "problems": [str(n) for n in report.notifications],
    }


def _soa_rows(statement: Statement, multi: bool) -> list[dict[str, Any]]:
    def name(origin: str, system: str) -> str:
        return f"{origin} / {system}" if multi and origin else system

    rows = []
    for row in statement.rows:
        rows.append(
            {
                "control": row.control,
                "title": row.title,
                "decision": row.decision,
                "justification": row.justification,
                "status": row.status,
                "systems": [name(s.origin, s.name) for s in row.systems if s.evidence != "policy"],
                "policy": [name(s.origin, s.name) for s in row.systems if s.evidence == "policy"],
                "relied": [name(s.origin, s.name) for s in row.relied_by],
                "evidence": list(row.evidence),
                "open": len(row.open_findings),
                "exceptions": [
                    f"{name(e.origin, e.system)}: {e.rule}, approved by {e.approver or 'nobody'}, "
                    f"expires {e.expires or 'never'}"
                    for e in row.exceptions
                ],
            }
        )
    return rows


def _h(value: object) -> str:
    """``value`` escaped exactly as Jinja2's autoescaping (markupsafe) escapes it, as a plain
    string: the parts below are built in Python, where a Markup object per value would cost
    more than the rest of the page (a merged report holds millions of values)."""
    text = value if type(value) is str else str(value)
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


# The parts of the page repeated per system, finding and reference, written in Python rather
# than as template loops: Jinja2 looks up and escapes each value through several calls, which
# made a merge of 1,000 reports spend most of its time in the template. Each function lays out
# exactly what the template's loop did (trim_blocks: a block tag's line break disappears).


def _grid_html(grid: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    for row in grid:
        cells = "".join(f'<td class="{c["state"]}">{c["text"]}</td>\n' for c in row["cells"])
        yield f"<tr>\n<td>{_h(row['system'])}</td><td>{_h(row['risk'])}</td>\n{cells}</tr>\n"


def _findings_html(findings: Sequence[Finding], rules: Mapping[str, RuleMeta]) -> str:
    out = [
        '<table class="findings">\n<thead><tr><th>Severity</th><th>Rule</th>'
        "<th>Finding and remediation</th><th>Location</th><th>Controls and clauses</th></tr>"
        "</thead>\n<tbody>\n"
    ]
    for f in findings:
        meta = rules.get(f.rule_id)
        title = _h(meta.title) if meta else ""
        remediation = (
            f'<div class="remediation">How to fix: {_h(meta.remediation)}</div>'
            if meta and meta.remediation
            else ""
        )
        severity = _h(f.severity)
        out.append(
            f'<tr class="finding">\n<td class="sev-{severity}">{severity}</td>\n'
            f"<td><code>{_h(f.rule_id)}</code><br>{title}</td>\n"
            f"<td>{_h(f.message)}{remediation}</td>\n"
            f'<td><span class="path">{_h(f.location)}</span><br>'
            f'<span class="path">{_h(f.ident)}</span></td>\n'
            f"<td>{_h(', '.join(f.controls))}</td>\n</tr>\n"
        )
    out.append("</tbody>\n</table>\n")
    return "".join(out)


def _systems_html(
    systems: Sequence[Mapping[str, Any]], rules: Mapping[str, RuleMeta]
) -> Iterator[str]:
    for s in systems:
        out = []
        title = f": {_h(s['title'])}" if s["title"] else ""
        origin = f' · origin <span class="path">{_h(s["origin"])}</span>' if s["origin"] else ""
        where = f'<span class="path">{_h(s["location"])}</span>{origin}</p>\n'
        out.append(
            f'<article class="{s["kind"]}" id="{s["anchor"]}">\n<h3>{_h(s["label"])}{title}</h3>\n'
        )
        if s["kind"] == "system":
            out.append(
                f'<p class="meta">Risk level {_h(s["risk"] or "not stated")} · EU AI Act '
                f"{_h(s['eu'] or 'not stated')} · owner {_h(s['owner'] or 'not stated')} · {where}"
            )
        else:
            out.append(
                f'<p class="meta">Organisation manifest (kind: AIManagementSystem) · {where}'
            )
        if s["findings"]:
            out.append(_findings_html(s["findings"], rules))
        else:
            out.append('<p class="checked">No open finding.</p>\n')
        if s["stated"]:
            out.append("<p>Sections the manifest states not applicable:</p>\n<ul>\n")
            out.extend(
                f"<li><code>{_h(section)}</code>: {_h(reason)}</li>\n"
                for section, reason in s["stated"]
            )
            out.append("</ul>\n")
        out.append("</article>\n")
        yield "".join(out)


def _evidence_html(systems: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    # the fields and statuses repeat from system to system: escaped once each
    paths: dict[str, str] = {}
    statuses: dict[str, str] = {}
    for s in systems:
        if not s["references"]:
            continue
        out = [
            f'<tr class="group"><th colspan="4">{_h(s["label"])} '
            f'<span class="path">{_h(s["file"])}</span></th></tr>\n'
        ]
        for r in s["references"]:
            ref = _h(r.ref)
            shown = f'<a href="{ref}" rel="noopener noreferrer">{ref}</a>' if _link(r) else ref
            path = paths.get(r.path)
            if path is None:
                path = paths[r.path] = _h(r.path)
            status = statuses.get(r.status)
            if status is None:
                meaning = REFERENCE_STATUS.get(r.status, r.status)
                status = statuses[r.status] = (
                    f'<td class="ref-{_h(r.status)}">{_h(meaning)}</td><td class="num">'
                )
            out.append(
                f'<tr class="reference"><td class="path">{path}</td><td class="path">'
                f"{shown}</td>{status}{r.location.line}</td></tr>\n"
            )
        yield "".join(out)


def _who(f: Mapping[str, Any], multi: bool) -> str:
    origin = f"{_h(f['origin'])} / " if multi and f["origin"] else ""
    return f"<td>{origin}{_h(f['system'])}</td>\n"


def _exceptions_html(rows: Sequence[Mapping[str, Any]], multi: bool) -> Iterator[str]:
    return (
        f'<tr class="exception">\n{_who(f, multi)}'
        f"<td><code>{_h(f['rule'])}</code> {_h(f['message'])}<br>"
        f'<span class="path">{_h(f["location"])}</span></td>\n'
        f"<td>{_h(f['approver'] or 'none')}</td>\n<td>{_h(f['justification'])}</td>\n"
        f"<td>{_h(f['expires'] or 'none')}</td>\n"
        f'<td><span class="path">{_h(f["declared"] or "")}</span></td>\n</tr>\n'
        for f in rows
    )


def _baselined_html(rows: Sequence[Mapping[str, Any]], multi: bool) -> Iterator[str]:
    return (
        f'<tr class="baselined">\n{_who(f, multi)}'
        f"<td><code>{_h(f['rule'])}</code> {_h(f['message'])}</td>\n"
        f'<td><span class="path">{_h(f["location"])}</span></td>\n'
        f"<td>{_h(f['justification'])}</td>\n</tr>\n"
        for f in rows
    )


def _sources_html(rows: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    return (
        f'<tr><td>{_h(s["origin"])}</td><td><span class="path">{_h(s["file"])}</span></td>'
        f"<td>{_h(s['today'])}</td><td>{_h(s['tool_version'])}</td>"
        f'<td class="num">{s["systems"]}</td><td class="num">{s["findings"]}</td></tr>\n'
        for s in rows
    )


def _style() -> str:
    from importlib import resources

    return resources.files("aims_policy.output.templates").joinpath("audit.css").read_text("utf-8")


def render(data: AuditInput) -> str:
    """The audit report as one HTML document (byte-identical for the same inputs)."""
    return "".join(chunks(data))


def chunks(data: AuditInput) -> Iterator[str]:
    """The audit report in pieces, in order, to be written as they come rather than joined
    into one string first (a merge of 1,000 reports makes a page of over 100 MB)."""
    import base64
    import hashlib
    from importlib import resources

    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    source = (
        resources.files("aims_policy.output.templates").joinpath("audit.html.j2").read_text("utf-8")
    )
    css = _style()
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    template = env.from_string(source)
    v = view(data)
    rules = {meta.id: meta for meta in data.report.rules}
    html = {  # pieces escaped by _h value by value, made as the template reaches them
        "grid": map(Markup, _grid_html(v["grid"])),
        "systems": map(Markup, _systems_html(v["systems"], rules)),
        "exceptions": map(Markup, _exceptions_html(v["exceptions"], v["multi"])),
        "baselined": map(Markup, _baselined_html(v["baselined"], v["multi"])),
        "evidence": map(Markup, _evidence_html(v["systems"])),
        "sources": map(Markup, _sources_html(v["sources"])),
    }
    # Control characters from manifest text shown as \xNN, piece by piece (the template itself
    # holds none but line breaks; a value's line break is mere white space)
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    buffered: list[str] = []
    size = 0
    for piece in template.generate(
        v=v,
        html=html,
        css=Markup(css),  # our own file, not manifest text
        style_hash=f"sha256-{digest}",
    ):
        buffered.append(piece)
        size += len(piece)
        if size >= 1 << 20:  # the template yields many small pieces: substitute in batches
            yield control.sub(_shown, "".join(buffered))
            buffered, size = [], 0
    yield control.sub(_shown, "".join(buffered))


def _shown(match: re.Match[str]) -> str:
    return f"\\x{ord(match[0]):02x}"
