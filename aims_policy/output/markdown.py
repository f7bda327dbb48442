"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment (``--markdown PATH``).

Counts by severity (open, waived, baselined), counts by ISO/IEC 42001 control objective (A.2 ...
A.10) and clause, then the open findings as a table, then the rules not evaluated (a part of a
manifest they read does not match the schema), then problems that stopped checks. Every
manifest-derived string is escaped so that it cannot break the table or inject HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from aims_policy.model import SEVERITIES, Finding, Report
from aims_policy.output import RenderOptions
from aims_policy.wording import escape_controls, plural

#: A PR comment holds at most 65,536 characters; beyond this many rows, point to the full report.
MAX_ROWS = 300


# Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped one
# is always literal: no link, image, emphasis, heading, HTML tag, entity, autolink (`http\://`
# and `www\.` are not recognised) or table column can start from manifest text.
_PUNCTUATION = {ord(c): "\\" + c for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"}
_ZERO_WIDTH_SPACE = "\u200b"


def escape(text: str) -> str:
    """Manifest text as it reads, one line, and nothing but text: GitHub renders no link, image,
    HTML or mention from it (a mention is not markup, so a zero-width space follows each @)."""
    text = escape_controls(" ".join(text.split())).translate(_PUNCTUATION)
    return text.replace("@", "@" + _ZERO_WIDTH_SPACE)


def _code(text: str) -> str:
    """A code span that no backtick in ``text`` can close early: its fence is one backtick longer
    than the longest run inside (CommonMark), and a pipe is escaped, since GitHub's table parser
    splits cells on it even inside code."""
    text = escape_controls(" ".join(text.split())).replace("|", "\\|")
    longest = max(map(len, re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if "`" in text or text.startswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _objective_rows(findings: list[Finding]) -> list[tuple[str, str, Counter[str]]]:
    from aims_policy.output.taxonomy import iso_group, iso_title

    counts: dict[str, Counter[str]] = {}
    for f in findings:
        groups = {iso_group(c) for c in f.controls} or {""}
        for group in groups:
            counts.setdefault(group, Counter())[f.severity] += 1

    def order(group: str) -> tuple[int, int, str]:
        # Annex A objectives first (A.2 ... A.10), then clauses 4 ... 10, then unmapped.
        if group.startswith("A."):
            return (0, int(group[2:]) if group[2:].isdigit() else 99, group)
        if group.isdigit():
            return (1, int(group), group)
        return (2, 0, group)

    rows = []
    for group in sorted(counts, key=order):
        if not group:
            label, title = "(none)", "no ISO/IEC 42001 reference"
        elif group.startswith("A."):
            label, title = group, iso_title(group) or ""
        else:
            label, title = f"Clause {group}", iso_title(group) or ""
        rows.append((label, title, counts[group]))
    return rows


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    """The summary line by line: a run with many problems is written as it is rendered."""
    for line in _lines(report):
        yield line + "\n"


def _lines(report: Report) -> Iterator[str]:
    open_findings = list(report.open_findings)
    sev = Counter(f.severity for f in open_findings)
    state = Counter((f.state, f.severity) for f in report.findings)
    failing = len(report.failing)
    if report.notifications:
        verdict = f"problems stopped some checks ({plural(len(report.notifications), 'problem')})"
    elif failing:
        verdict = f"{plural(failing, 'finding')} at or above `{report.fail_on}` fail the check"
    else:
        verdict = "passed"
    yield from [
        f"## aims-policy: {verdict}",
        "",
        f"{plural(len(report.files), 'file')}, {plural(len(report.systems), 'system')}"
        + (
            f" and {plural(len(report.organisations), 'organisation manifest')}"
            if report.organisations
            else ""
        )
        + f" checked as of {report.today}; failing at: `{report.fail_on}`.",
        "",
        "| Severity | Open | Waived | Baselined |",
        "| --- | ---: | ---: | ---: |",
    ]
    for s in SEVERITIES:
        yield (f"| {s} | {sev[s]} | {state[('waived', s)]} | {state[('baselined', s)]} |")
    total_waived = sum(v for (st, _), v in state.items() if st == "waived")
    total_baselined = sum(v for (st, _), v in state.items() if st == "baselined")
    yield (f"| **total** | **{len(open_findings)}** | **{total_waived}** | **{total_baselined}** |")
    status = report.result_statuses
    yield from [
        "",
        f"Rule checks (a rule on a system): {status.get('not_applicable', 0)} not applicable, "
        f"{status.get('not_evaluated', 0)} not evaluated.",
    ]
    stated = [(s.name, sec, why) for s in report.systems for sec, why in s.not_applicable]
    if stated:
        yield from [
            "",
            "### Sections stated not applicable",
            "",
            "| System | Section | Reason |",
            "| --- | --- | --- |",
        ]
        for name, sec, why in stated[:MAX_ROWS]:
            yield (f"| {escape(name)} | {escape(sec)} | {escape(why)} |")
        if len(stated) > MAX_ROWS:
            yield from ["", f"… and {plural(len(stated) - MAX_ROWS, 'more')}: see the JSON report."]

    if open_findings:
        yield from [
            "",
            "### Open findings by control objective",
            "",
            "| Objective | Title | Errors | Warnings | Notes |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for label, title, counts in _objective_rows(open_findings):
            cells = " | ".join(str(counts[s]) for s in SEVERITIES)
            yield (f"| {escape(label)} | {escape(title)} | {cells} |")

        yield from [
            "",
            "### Findings",
            "",
            "| Location | Rule | Severity | Message |",
            "| --- | --- | --- | --- |",
        ]
        for f in open_findings[:MAX_ROWS]:
            yield (
                f"| {_code(str(f.location))} | {escape(f.rule_id)} | {f.severity} | "
                f"{escape(f.message)} |"
            )
        if len(open_findings) > MAX_ROWS:
            rest = len(open_findings) - MAX_ROWS
            yield from ["", f"… and {plural(rest, 'more finding')}: see the SARIF or JSON report."]

    skipped = [r for r in report.results if r.status == "not_evaluated"]
    if skipped:
        yield from [
            "",
            "### Rules not evaluated",
            "",
            "A part of the manifest they read does not match the schema (see the AIMS-SCH "
            "findings).",
            "",
            "| System | Rule | Reason |",
            "| --- | --- | --- |",
        ]
        for r in skipped[:MAX_ROWS]:
            yield (f"| {escape(r.system)} | {escape(r.rule_id)} | {escape(r.reason)} |")
        if len(skipped) > MAX_ROWS:
            rest = len(skipped) - MAX_ROWS
            yield from ["", f"… and {plural(rest, 'more rule')}: see the JSON report."]

    if report.notifications:
        yield from ["", "### Problems that stopped checks", ""]
        for n in report.notifications:
            where = _code(str(n.location)) + " " if n.location else ""
            yield (f"- {where}{escape(n.message)}")
