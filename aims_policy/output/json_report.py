"""The JSON report (``--format json``): a documented, versioned layout for other programs.

``formatVersion`` follows semantic versioning: fields are only ever added within a major version.
See README "JSON report" for the field list.

The report is written as it is rendered (:mod:`aims_policy.output.jsonstream`): each finding
becomes a small dict only when its turn comes, so memory does not grow with the report's text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aims_policy.model import REPORT_FORMAT_VERSION, Finding, Location, Report
from aims_policy.output import RenderOptions
from aims_policy.output.jsonstream import Fields, Items
from aims_policy.output.jsonstream import chunks as json_chunks


def _location(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    out: dict[str, Any] = {"file": loc.file, "line": loc.line, "column": loc.col}
    if loc.end_line is not None:
        out["endLine"] = loc.end_line
        out["endColumn"] = loc.end_col
    return out


def _finding(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": f.rule_id,
        "severity": f.severity,
        "message": f.message,
        "location": _location(f.location),
        "jsonPath": f.json_path,
        "identity": {"system": f.system, "item": f.item, "path": f.ident},
        "controls": list(f.controls),
        "state": f.state,
        "fingerprint": f.fingerprint,
    }
    if f.suppression is not None:
        s = f.suppression
        out["suppression"] = {
            "kind": s.kind,
            "justification": s.justification,
            "approver": s.approver,
            "expires": s.expires,
            "source": _location(s.source),
        }
    if f.explanation:
        out["explanation"] = list(f.explanation)
    return out


def document(report: Report) -> Fields:
    """The report as a JSON document whose long lists are read as they are written."""
    return Fields(
        {
            "formatVersion": REPORT_FORMAT_VERSION,
            "tool": {"name": "aims-policy", "version": report.tool_version},
            "today": report.today,
            "failOn": report.fail_on,
            "exitCode": report.exit_code,
            "summary": {
                "files": len(report.files),
                "notManifests": report.not_manifests,
                "systems": len(report.systems),
                "findings": len(report.findings),
                "open": len(report.open_findings),
                "failing": len(report.failing),
                "problems": len(report.notifications),
                "notEvaluated": sum(1 for r in report.results if r.status == "not_evaluated"),
                # 1.2: rule checks (a rule on a system) that did not apply
                "notApplicable": sum(1 for r in report.results if r.status == "not_applicable"),
            },
            "systems": Items(
                {
                    "name": s.name,
                    "title": s.title,
                    "riskLevel": s.risk_level,
                    "euAiActCategory": s.eu_category,
                    "owner": s.owner,
                    "location": _location(s.location),
                    # 1.2: sections the manifest states not applicable, with its reasons
                    "statedNotApplicable": dict(s.not_applicable),
                    # 1.2: Annex A control -> "operational" or "policy" (only policies, procedures
                    # or plans), for the controls that resolving references evidence
                    "evidencedControls": dict(s.evidence),
                }
                for s in report.systems
            ),
            "findings": Items(_finding(f) for f in report.findings),
            "notApplicable": Items(
                {"rule": r.rule_id, "system": r.system, "reason": r.reason}
                for r in report.results
                if r.status == "not_applicable"
            ),
            # Rules that read a part of a manifest that does not match the schema (format 1.1).
            "notEvaluated": Items(
                {"rule": r.rule_id, "system": r.system, "reason": r.reason}
                for r in report.results
                if r.status == "not_evaluated"
            ),
            "problems": Items(
                {
                    "kind": n.kind,
                    "code": n.code,
                    "message": n.message,
                    "location": _location(n.location),
                    "rule": n.rule_id,
                    "system": n.system,
                }
                for n in report.notifications
            ),
        }
    )


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    yield from json_chunks(document(report))
    yield "\n"


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))
