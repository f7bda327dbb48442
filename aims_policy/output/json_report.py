"""The JSON report (``--format json``): a documented, versioned layout for other programs.

``formatVersion`` follows semantic versioning: fields are only ever added within a major version.
See README "JSON report" for the field list.

The report is written as it is rendered (:mod:`aims_policy.output.jsonstream`): each finding
becomes a small dict only when its turn comes, so memory does not grow with the report's text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aims_policy.model import (
    REPORT_FORMAT_VERSION,
    Discovery,
    EvidenceReference,
    Finding,
    Location,
    Report,
    RuleMeta,
)
from aims_policy.output import RenderOptions
from aims_policy.output.jsonstream import Fields, Items, plain
from aims_policy.output.jsonstream import chunks as json_chunks


def _location(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    out: dict[str, Any] = {"file": loc.file, "line": loc.line, "column": loc.col}
    if loc.end_line is not None:
        out["endLine"] = loc.end_line
        out["endColumn"] = loc.end_col
    return out


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding as the JSON report writes it."""
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


def _reference(r: EvidenceReference) -> dict[str, Any]:
    return {"path": r.path, "ref": r.ref, "status": r.status, "location": _location(r.location)}


def _rule(meta: RuleMeta) -> dict[str, Any]:
    return {
        "id": meta.id,
        "title": meta.title,
        "severity": meta.severity,
        "controls": list(meta.controls),
        "clauses": list(meta.clauses),
        "remediation": meta.remediation,
        "scope": meta.scope,
    }


def as_dict(report: Report, origin: str | None = None) -> dict[str, Any]:
    """The report as one document (the file holds its indented dump)."""
    doc: dict[str, Any] = plain(document(report, origin))
    return doc


def document(report: Report, origin: str | None = None) -> Fields:
    """The report as a JSON document whose long lists are read as they are written."""
    return Fields(
        {
            "formatVersion": REPORT_FORMAT_VERSION,
            "tool": {"name": "aims-policy", "version": report.tool_version},
            # 1.3: where the report comes from (``check --origin``), for merged reports
            "origin": origin,
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
                    # 1.3: every evidence reference, resolved or not (the audit report's index)
                    "evidenceReferences": [_reference(r) for r in s.references],
                    # 1.3: Annex A controls the system's risk treatment relies on
                    "reliedControls": list(s.relies),
                }
                for s in report.systems
            ),
            # 1.3: organisation manifests (kind: AIManagementSystem) among the checked files, each
            # whole, so that a Statement of Applicability can be built from JSON reports later
            # (each decoded only when its turn comes: a tree of many management systems has many)
            "organisations": Items(
                {
                    "name": o.name,
                    "location": _location(o.location),
                    "manifest": o.manifest,
                    "evidenceReferences": [_reference(r) for r in o.references],
                }
                for o in report.organisations
            ),
            # 1.3: the rules that ran, so that a merged report can name their controls, clauses and
            # remediation without the rule pack at hand
            "rules": [_rule(meta) for meta in report.rules],
            "findings": Items(finding_dict(f) for f in report.findings),
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
            # 1.3: what `--discover-ai` found (null when it did not run)
            "aiDiscovery": _discovery(report.discovery),
        }
    )


def _discovery(found: Discovery | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "root": found.root,
        "filesScanned": found.scanned,
        "ignored": found.ignored,
        "skippedFolders": found.skipped,
        "excluded": found.excluded,
        "files": [
            {
                "file": f.file,
                "kind": f.kind,
                "seen": [{"what": s.what, "line": s.line, "column": s.col} for s in f.seen],
                "coveredBy": list(f.covered_by),
            }
            for f in found.files
        ],
        "partlyRead": list(found.partly_read),
        "unread": [{"file": file, "reason": reason} for file, reason in found.unread],
    }


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    yield from json_chunks(document(report, options.origin))
    yield "\n"


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))
