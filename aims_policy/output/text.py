"""Plain text for terminals and pre-commit: ``file:line:col: severity RULE message [controls]``."""

from __future__ import annotations

from collections import Counter

from aims_policy.model import Finding, Report
from aims_policy.output import RenderOptions

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m"}
_DIM, _BOLD, _RESET = "\033[2m", "\033[1m", "\033[0m"


def _line(finding: Finding, report: Report, options: RenderOptions) -> list[str]:
    sev = finding.severity
    refs = f" [{', '.join(finding.controls)}]" if finding.controls else ""
    state = "" if finding.state == "open" else f" ({finding.state})"
    if options.color:
        head = f"{_BOLD}{finding.location}{_RESET}: {_COLORS[sev]}{sev}{_RESET}"
        text = f"{head} {finding.rule_id} {finding.message}{_DIM}{refs}{state}{_RESET}"
    else:
        text = f"{finding.location}: {sev} {finding.rule_id} {finding.message}{refs}{state}"
    lines = [text]
    if options.verbose:
        meta = report.rule(finding.rule_id)
        if meta is not None:
            lines.append(f"    fix: {meta.remediation}")
        if finding.suppression is not None:
            s = finding.suppression
            by = f" (approved by {s.approver}" + (f", until {s.expires})" if s.expires else ")") \
                if s.approver else ""  # fmt: skip
            lines.append(f"    {s.kind}: {s.justification}{by}")
    for step in finding.explanation:
        lines.append(f"    because: {step}")
    return lines


def render(report: Report, options: RenderOptions) -> str:
    out: list[str] = []
    for note in report.notifications:
        tag = "error" if not options.color else f"{_COLORS['error']}error{_RESET}"
        code = f"{note.rule_id} " if note.rule_id else ""
        out.append(f"{note.location or '-'}: {tag} {code}{note.message}")
    shown = [f for f in report.findings if f.state == "open" or options.verbose]
    for finding in shown:
        out.extend(_line(finding, report, options))
    for system, rule_id, status, trace in report.traces:
        if status == "failed" and report.findings:
            continue  # already explained under its findings
        out.append(f"{system}: {rule_id} {status.replace('_', ' ')}")
        out.extend(f"    because: {step}" for step in trace or ("no condition recorded",))
    out.append(summary(report))
    return "\n".join(out) + "\n"


def summary(report: Report) -> str:
    by_state = Counter(f.state for f in report.findings)
    by_sev = Counter(f.severity for f in report.open_findings)
    parts = [f"{by_sev[s]} {s}{'s' if by_sev[s] != 1 else ''}" for s in ("error", "warning", "note")]
    extra = [f"{by_state[s]} {s}" for s in ("waived", "baselined") if by_state[s]]
    systems = len(report.systems)
    text = (f"{len(report.files)} file{'s' if len(report.files) != 1 else ''}, "
            f"{systems} system{'s' if systems != 1 else ''} checked: " + ", ".join(parts + extra))  # fmt: skip
    if report.notifications:
        n = len(report.notifications)
        text += f"; {n} problem{'s' if n != 1 else ''} stopped checks (exit 2)"
    return text
