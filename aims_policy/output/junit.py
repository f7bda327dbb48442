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

The XML is written as it is rendered, one suite at a time (the layout of ElementTree's
``indent`` and ``tostring``, byte for byte): a run with hundreds of thousands of findings never
exists as one tree or one string. The totals on ``<testsuites>`` come first in the file, so the
suites' outcomes are counted in a first pass that builds no text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from aims_policy.model import (
    Finding,
    Notification,
    Report,
    ResultTable,
    RuleMeta,
    at_or_above,
    rows_of,
)
from aims_policy.output import RenderOptions
from aims_policy.records import Record

#: Characters XML 1.0 cannot carry, even escaped (C0 controls but tab/LF/CR, lone surrogates,
#: U+FFFE/U+FFFF). Manifest strings may contain them; they are shown as \\xNN instead.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

RUN_SUITE = "aims-policy"


def clean(text: str) -> str:
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass
class _Case:
    """A test case's outcome. The texts of a failure and of ``<system-out>`` are made from the
    findings only when the case is written (counting outcomes needs none of them)."""

    name: str
    classname: str
    error: tuple[str, str, str] | None = None  # (type, message, text)
    skipped: str | None = None
    failing: list[Finding] = field(default_factory=list)  # open, at or above the threshold
    rest: list[Finding] = field(default_factory=list)  # listed in <system-out>
    meta: RuleMeta | None = None


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
    case = _Case(f"{meta.id} {meta.title}", f"aims-policy.{system}", meta=meta)
    for f in findings:  # one pass: comparing findings for membership is quadratic on big runs
        fails = f.state == "open" and at_or_above(f.severity, report.fail_on)
        (case.failing if fails else case.rest).append(f)
    if errors or status == "error":
        text = "\n".join(str(n) for n in errors) or reason
        message = errors[0].message if errors else reason
        case.error = ("rule-error", message, text)
    if case.failing:
        return case  # the failure's text is made when the case is written (_failure)
    if status == "not_applicable":
        case.skipped = f"not applicable: {reason}" if reason else "not applicable"
    elif status == "not_evaluated":
        # Skipped, not an error: nothing broke (the schema finding is the failure, in its own
        # test case), and dashboards show a skipped case's reason without counting it as a crash.
        case.skipped = reason or "not evaluated"
    elif case.rest and all(f.state != "open" for f in case.rest) and case.error is None:
        f = case.rest[0]
        why = f.suppression.justification if f.suppression else "no justification recorded"
        more = f" (and {len(case.rest) - 1} more)" if len(case.rest) > 1 else ""
        case.skipped = f"{f.state}: {why}{more}"
    return case


def _failure(case: _Case) -> tuple[str, str, str] | None:
    """The ``<failure>`` of a case: (type, message, text)."""
    if not case.failing:
        return None
    first = case.failing[0]
    more = f" (and {len(case.failing) - 1} more)" if len(case.failing) > 1 else ""
    lines = [finding_line(f) for f in case.failing]
    meta = case.meta
    if meta is not None and meta.remediation:
        lines.append(f"How to fix: {meta.remediation}")
    controls = ", ".join(meta.controls + meta.clauses) if meta is not None else ""
    if controls:
        lines.append(f"ISO/IEC 42001: {controls}")
    return (first.severity, f"{first.location}: {first.message}{more}", "\n".join(lines))


_Row = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # a ResultTable row


class _Index(Record):
    """The report's findings, results and problems by system: made once, read by both passes
    over the suites. Results stay in their compact rows (model.ResultTable); a suite unpacks its
    own when its turn comes."""

    findings: dict[str | None, list[Finding]]
    results: dict[str, list[_Row]]
    names: set[str]
    rule_errors: dict[tuple[str, str], list[Notification]]
    file_notes: dict[str, list[Notification]]
    run_notes: list[Notification]


def _index(report: Report) -> _Index:
    findings: dict[str | None, list[Finding]] = defaultdict(list)
    for f in report.findings:
        findings[f.system].append(f)
    table = report.results
    rows = table.rows if isinstance(table, ResultTable) else rows_of(table)
    results: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        results[row[0]].append(row)
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
    return _Index(findings, results, names, rule_errors, file_notes, run_notes)


_Suite = tuple[str, dict[str, str], list[_Case]]


def _suites(report: Report, index: _Index) -> Iterator[_Suite]:
    """The suites one at a time: only one suite's cases exist at once."""
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
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in index.findings.get(name, ()):
            by_rule[f.rule_id].append(f)
        outcomes = {
            rule_id: (status, reason)
            for _, status, rule_ids, reasons in index.results.get(name, ())
            for rule_id, reason in zip(rule_ids, reasons, strict=True)
        }
        cases = []
        for meta in by_kind[kind]:
            status, reason = outcomes.get(meta.id, (None, ""))
            cases.append(
                _rule_case(
                    name,
                    meta,
                    by_rule.get(meta.id, []),
                    status,
                    reason,
                    index.rule_errors.get((name, meta.id), []),
                    report,
                )
            )
        yield name, {k: v for k, v in props.items() if v is not None}, cases
    for file in sorted(index.file_notes):
        cases = [_note_case(n, f"aims-policy.load.{file}") for n in index.file_notes[file]]
        yield file, {"file": file}, cases
    stray = [f for f in report.findings if f.system not in index.names]
    run_cases = [_note_case(n, "aims-policy.run") for n in index.run_notes]
    for rule_id in sorted({f.rule_id for f in stray}):
        meta = report.rule(rule_id) or RuleMeta(rule_id, "", rule_id, "error", "", "")
        run_cases.append(
            _rule_case(
                RUN_SUITE, meta, [f for f in stray if f.rule_id == rule_id], None, "", [], report
            )
        )
    if run_cases:
        yield RUN_SUITE, {}, run_cases


def _note_case(n: Notification, classname: str) -> _Case:
    where = f"{n.location}" if n.location else n.kind
    name = f"{n.rule_id} {where}" if n.rule_id else f"{n.code} {where}"
    return _Case(name, classname, error=(n.code, n.message, str(n)))


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    index = _index(report)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for _, _, cases in _suites(report, index):  # first pass: the outcomes only
        counts = _counts(cases)
        for key in totals:
            totals[key] += counts[key]
    root = {"name": "aims-policy", **{k: str(v) for k, v in totals.items()}}
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield from _xml(_Node("testsuites", root, None, map(_suite, _suites(report, index))), 0)
    yield "\n"


def _counts(cases: Iterable[_Case]) -> dict[str, int]:
    out = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for c in cases:
        out["tests"] += 1
        out["errors"] += c.error is not None
        out["failures"] += bool(c.failing) and c.error is None
        out["skipped"] += c.skipped is not None and not c.failing and c.error is None
    return out


class _Node(Record):
    """An element to write: its children are read (once) as it is written."""

    tag: str
    attrib: dict[str, str]
    text: str | None
    children: Iterable[_Node] = ()


def _suite(suite: _Suite) -> _Node:
    name, props, cases = suite
    attrib = {"name": name, **{k: str(v) for k, v in _counts(cases).items()}}
    if "file" in props:
        attrib["file"] = props["file"]
    children: list[_Node] = []
    if props:
        held = [
            _Node("property", {"name": prop, "value": value}, None) for prop, value in props.items()
        ]
        children.append(_Node("properties", {}, None, held))
    return _Node("testsuite", attrib, None, [*children, *map(_case, cases)])


def _case(case: _Case) -> _Node:
    children: list[_Node] = []
    failure = _failure(case)
    # A case has one outcome: an error outranks a failure, which outranks a skip.
    if case.error is not None:
        kind, message, text = case.error
        children.append(_Node("error", {"type": kind, "message": message}, text))
    elif failure is not None:
        kind, message, text = failure
        children.append(_Node("failure", {"type": kind, "message": message}, text))
    elif case.skipped is not None:
        children.append(_Node("skipped", {"message": case.skipped}, None))
    lines = [finding_line(f) for f in case.rest]
    if case.error is not None and failure is not None:
        lines = failure[2].splitlines() + lines
    if lines:
        children.append(_Node("system-out", {}, "\n".join(lines)))
    return _Node("testcase", {"name": case.name, "classname": case.classname}, None, children)


def _attr(value: str) -> str:
    """An attribute value as ElementTree writes it (after :func:`clean`)."""
    value = clean(value)
    for char, entity in _ATTRIBUTE_ENTITIES:
        if char in value:
            value = value.replace(char, entity)
    return value


def _text(value: str) -> str:
    """Character data as ElementTree writes it (after :func:`clean`)."""
    value = clean(value)
    for char, entity in _ATTRIBUTE_ENTITIES[:3]:
        if char in value:
            value = value.replace(char, entity)
    return value


# In this order ("&" first); character data escapes the first three only. Line breaks and tabs
# in attributes are written as references, or a reader would normalise them to spaces.
_ATTRIBUTE_ENTITIES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\r", "&#13;"),
    ("\n", "&#10;"),
    ("\t", "&#09;"),
)


def _xml(node: _Node, level: int) -> Iterator[str]:
    """``node`` as ``ElementTree.tostring(indent(node))`` writes it at nesting ``level``: an
    element without text or children is self-closed, children each start on a line of their
    own, indented two spaces a level. (No element with children has text of its own.)"""
    head = "<" + node.tag + "".join(f' {k}="{_attr(v)}"' for k, v in node.attrib.items())
    children = iter(node.children)
    child = next(children, None)
    if child is None:
        if node.text:
            yield f"{head}>{_text(node.text)}</{node.tag}>"
        else:
            yield head + " />"
        return
    inner = "\n" + "  " * (level + 1)
    yield head + ">" + inner
    for following in children:
        yield from _xml(child, level + 1)
        yield inner
        child = following
    yield from _xml(child, level + 1)
    yield "\n" + "  " * level + "</" + node.tag + ">"
