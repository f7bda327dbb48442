"""JUnit XML for CI dashboards (the Jenkins xunit ``junit-10.xsd`` layout, read by GitLab, Azure
DevOps, junitparser...).

One ``<testsuite>`` per AI system (and per organisation manifest), one ``<testcase>`` per rule
that reads that kind of manifest:

* ``<failure>``: open findings at or above the failure threshold (``--fail-on``);
* ``<skipped>``: the rule does not apply, it was not evaluated (a part of the manifest it reads
  does not match the schema; the message says which), or all its findings are waived or
  baselined;
* ``<error>``: the rule crashed on this system;
* passed otherwise. Findings below the threshold (and suppressed ones) are listed in the case's
  ``<system-out>``, so a green case never hides what was found.

A file that could not be loaded gets its own suite with an ``<error>`` case per problem; problems
tied to no file (a crashed cross-manifest rule, a usage error) go to a final ``aims-policy`` suite.
No timestamps or host names: the same report gives the same bytes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aims_policy.model import Finding, Notification, Report, RuleMeta, at_or_above
from aims_policy.output import RenderOptions

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

#: Characters XML 1.0 cannot carry, even escaped (C0 controls but tab/LF/CR, lone surrogates,
#: U+FFFE/U+FFFF). Manifest strings may contain them; they are shown as \\xNN instead.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

RUN_SUITE = "aims-policy"


def clean(text: str) -> str:
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass
class _Case:
    name: str
    classname: str
    failure: tuple[str, str, str] | None = None  # (type, message, text)
    error: tuple[str, str, str] | None = None
    skipped: str | None = None
    out: list[str] = field(default_factory=list)


def finding_line(f: Finding) -> str:
    refs = f" [{', '.join(f.controls)}]" if f.controls else ""
    state = ""
    if f.state != "open":
        why = f.suppression.justification if f.suppression else "no justification recorded"
        state = f" ({f.state}: {why})"
    return f"{f.location}: {f.severity} {f.rule_id} {f.message}{refs}{state}"


def _rule_case(
    system: str,
    meta: RuleMeta,
    findings: list[Finding],
    status: str | None,
    reason: str,
    errors: list[Notification],
    report: Report,
) -> _Case:
    case = _Case(f"{meta.id} {meta.title}", f"aims-policy.{system}")
    failing: list[Finding] = []
    rest: list[Finding] = []
    for f in findings:  # one pass: comparing findings for membership is quadratic on big runs
        fails = f.state == "open" and at_or_above(f.severity, report.fail_on)
        (failing if fails else rest).append(f)
    if errors or status == "error":
        text = "\n".join(str(n) for n in errors) or reason
        message = errors[0].message if errors else reason
        case.error = ("rule-error", message, text)
    if failing:
        first = failing[0]
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        lines = [finding_line(f) for f in failing]
        if meta.remediation:
            lines.append(f"How to fix: {meta.remediation}")
        controls = ", ".join(meta.controls + meta.clauses)
        if controls:
            lines.append(f"ISO/IEC 42001: {controls}")
        case.failure = (
            first.severity,
            f"{first.location}: {first.message}{more}",
            "\n".join(lines),
        )
    elif status == "not_applicable":
        case.skipped = f"not applicable: {reason}" if reason else "not applicable"
    elif status == "not_evaluated":
        # Skipped, not an error: nothing broke (the schema finding is the failure, in its own
        # test case), and dashboards show a skipped case's reason without counting it as a crash.
        case.skipped = reason or "not evaluated"
    elif rest and all(f.state != "open" for f in rest) and case.error is None:
        f = rest[0]
        why = f.suppression.justification if f.suppression else "no justification recorded"
        more = f" (and {len(rest) - 1} more)" if len(rest) > 1 else ""
        case.skipped = f"{f.state}: {why}{more}"
    case.out = [finding_line(f) for f in rest]
    return case


def _suites(report: Report) -> list[tuple[str, dict[str, str], list[_Case]]]:
    by_system: dict[tuple[str | None, str], list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_system[(f.system, f.rule_id)].append(f)
    results = {(r.system, r.rule_id): r for r in report.results}
    names = {s.name for s in report.systems} | {o.name for o in report.organisations}
    rule_errors: dict[tuple[str, str], list[Notification]] = defaultdict(list)
    file_notes: dict[str, list[Notification]] = defaultdict(list)
    run_notes: list[Notification] = []
    for n in report.notifications:
        if n.system is not None and n.system in names and n.rule_id is not None:
            rule_errors[(n.system, n.rule_id)].append(n)
        elif n.location is not None:
            file_notes[n.location.file].append(n)
        else:
            run_notes.append(n)

    suites: list[tuple[str, dict[str, str], list[_Case]]] = []
    # A rule that never reads a kind of manifest has no case there: it would show as passed.
    by_kind = {
        kind: [m for m in report.rules if kind in m.kinds or m.id.startswith("AIMS-SCH-")]
        for kind in ("AISystem", "AIManagementSystem")
    }
    documents: list[tuple[str, str, dict[str, str | None]]] = [
        (
            info.name,
            "AISystem",
            {
                "file": info.location.file,
                "title": info.title,
                "riskLevel": info.risk_level,
                "euAiActCategory": info.eu_category,
                "owner": info.owner,
            },
        )
        for info in report.systems
    ]
    documents.extend(
        (org.name, "AIManagementSystem", {"file": org.location.file, "kind": "AIManagementSystem"})
        for org in report.organisations
    )
    for name, kind, props in documents:
        cases = []
        for meta in by_kind[kind]:
            result = results.get((name, meta.id))
            cases.append(
                _rule_case(
                    name,
                    meta,
                    by_system.get((name, meta.id), []),
                    result.status if result else None,
                    result.reason if result else "",
                    rule_errors.get((name, meta.id), []),
                    report,
                )
            )
        given = {k: v for k, v in props.items() if v is not None}
        suites.append((name, given, cases))
    for file in sorted(file_notes):
        cases = [_note_case(n, f"aims-policy.load.{file}") for n in file_notes[file]]
        suites.append((file, {"file": file}, cases))
    stray = [f for f in report.findings if f.system not in names]
    run_cases = [_note_case(n, "aims-policy.run") for n in run_notes]
    for rule_id in sorted({f.rule_id for f in stray}):
        meta = report.rule(rule_id) or RuleMeta(rule_id, "", rule_id, "error", "", "")
        run_cases.append(
            _rule_case(
                RUN_SUITE, meta, [f for f in stray if f.rule_id == rule_id], None, "", [], report
            )
        )
    if run_cases:
        suites.append((RUN_SUITE, {}, run_cases))
    return suites


def _note_case(n: Notification, classname: str) -> _Case:
    where = f"{n.location}" if n.location else n.kind
    name = f"{n.rule_id} {where}" if n.rule_id else f"{n.code} {where}"
    return _Case(name, classname, error=(n.code, n.message, str(n)))


def _element(parent: Element, tag: str, attrib: dict[str, str], text: str | None = None) -> Element:
    from xml.etree.ElementTree import SubElement

    node = SubElement(parent, tag, {k: clean(v) for k, v in attrib.items()})
    if text:
        node.text = clean(text)
    return node


def render(report: Report, options: RenderOptions) -> str:
    from xml.etree.ElementTree import Element, indent, tostring

    suites = _suites(report)
    root = Element("testsuites", {"name": "aims-policy"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for name, props, cases in suites:
        counts = _counts(cases)
        for key in totals:
            totals[key] += counts[key]
        attrib = {"name": name, **{k: str(v) for k, v in counts.items()}}
        if "file" in props:
            attrib["file"] = props["file"]
        suite = _element(root, "testsuite", attrib)
        if props:
            holder = _element(suite, "properties", {})
            for prop, value in props.items():
                _element(holder, "property", {"name": prop, "value": value})
        for case in cases:
            _case(suite, case)
    for key, total in totals.items():
        root.set(key, str(total))
    indent(root, space="  ")
    body = tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _counts(cases: Iterable[_Case]) -> dict[str, int]:
    out = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for c in cases:
        out["tests"] += 1
        out["errors"] += c.error is not None
        out["failures"] += c.failure is not None and c.error is None
        out["skipped"] += c.skipped is not None and c.failure is None and c.error is None
    return out


def _case(suite: Element, case: _Case) -> None:
    node = _element(suite, "testcase", {"name": case.name, "classname": case.classname})
    # A case has one outcome: an error outranks a failure, which outranks a skip.
    if case.error is not None:
        kind, message, text = case.error
        _element(node, "error", {"type": kind, "message": message}, text)
    elif case.failure is not None:
        kind, message, text = case.failure
        _element(node, "failure", {"type": kind, "message": message}, text)
    elif case.skipped is not None:
        _element(node, "skipped", {"message": case.skipped})
    lines = list(case.out)
    if case.error is not None and case.failure is not None:
        lines = case.failure[2].splitlines() + lines
    if lines:
        _element(node, "system-out", {}, "\n".join(lines))
