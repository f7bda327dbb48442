"""GitHub workflow commands and the Markdown summary, against hand-written expected strings (the
escaping rules are those of the GitHub Actions runner: %25 %0D %0A in data, plus %3A %2C in
properties)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from aims_policy.model import (
    Finding,
    Location,
    Notification,
    Report,
    RuleMeta,
    Suppression,
    SystemInfo,
)
from aims_policy.output import render
from aims_policy.output.github import command, escape_data, escape_property
from aims_policy.output.markdown import escape

TODAY = "2026-11-22"
RULES = (
    RuleMeta(
        "T-OWN-001",
        "Own",
        "The owner can be contacted",
        "error",
        "why",
        "add email",
        controls=("A.3.2",),
        clauses=("5.3",),
    ),
    RuleMeta(
        "T-DAT-001", "Dat", "Data has a source", "warning", "why", "add source", controls=("A.7.5",)
    ),
    RuleMeta("T-DOC-001", "Doc", "Docs are current", "note", "why", "update", clauses=("7.5.2",)),
)


def finding(
    rule_id: str,
    severity: str,
    file: str,
    line: int,
    message: str,
    controls: tuple[str, ...],
    state: str = "open",
) -> Finding:
    suppression = Suppression("exception", "agreed") if state == "waived" else None
    return Finding(
        rule_id,
        severity,
        message,
        Location(file, line, 5, line, 9),
        "/spec",  # type: ignore[arg-type]
        f"spec#{line}",
        "sys",
        controls=controls,
        state=state,  # type: ignore[arg-type]
        suppression=suppression,
    )


def report(notifications: tuple[Notification, ...] = ()) -> Report:
    return Report(
        tool_version="0",
        today=TODAY,
        fail_on="error",
        rules=RULES,
        systems=(SystemInfo("sys", Location("a.yaml", 1, 1)),),
        findings=(
            finding(
                "T-OWN-001", "error", "a.yaml", 3, "no email for owner | team", ("A.3.2", "5.3")
            ),
            finding("T-DAT-001", "warning", "a.yaml", 8, "source <unknown>", ("A.7.5",)),
            finding("T-DOC-001", "note", "b,c.yaml", 2, "stale: 100% old\nsecond line", ("7.5.2",)),
            finding("T-OWN-001", "error", "b,c.yaml", 9, "waived one", ("A.3.2", "5.3"), "waived"),
        ),
        results=(),
        notifications=notifications,
        files=("a.yaml", "b,c.yaml"),
    )


# -- workflow commands -----------------------------------------------------------------------------


def test_escaping_follows_the_runner() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"


def test_command_with_a_single_line_range() -> None:
    line = command("error", "50% done\nnext", Location("dir,a/b:c.yaml", 3, 5, 3, 9), "T: x, y")
    assert (
        line
        == "::error file=dir%2Ca/b%3Ac.yaml,line=3,col=5,endLine=3,endColumn=9,title=T%3A x%2C y::50%25 done%0Anext"
    )


def test_command_with_a_multi_line_range_has_no_end_column() -> None:
    line = command("warning", "m", Location("a.yaml", 3, 5, 7, 2), "t")
    assert line == "::warning file=a.yaml,line=3,col=5,endLine=7,title=t::m"


def test_github_format_annotates_open_findings_and_problems() -> None:
    problem = Notification("load", "yaml-syntax", "invalid YAML: x, y", Location("d.yaml", 4, 1))
    out = render(report((problem,)), "github").splitlines()
    assert out == [
        "::error file=d.yaml,line=4,col=1,title=aims-policy%3A yaml-syntax::invalid YAML: x, y",
        "::error file=a.yaml,line=3,col=5,endLine=3,endColumn=9,title=T-OWN-001 The owner can be "
        "contacted::no email for owner | team [A.3.2, 5.3]",
        "::warning file=a.yaml,line=8,col=5,endLine=8,endColumn=9,title=T-DAT-001 Data has a "
        "source::source <unknown> [A.7.5]",
        "::notice file=b%2Cc.yaml,line=2,col=5,endLine=2,endColumn=9,title=T-DOC-001 Docs are "
        "current::stale: 100%25 old%0Asecond line [7.5.2]",
        "2 files, 1 system checked: 1 error, 1 warning, 1 note, 1 waived; rule checks: 0 not "
        "applicable, 0 not evaluated; 1 problem stopped checks (exit 2)",
    ]


# -- Markdown --------------------------------------------------------------------------------------
# Checked as GitHub shows it: rendered by a CommonMark parser with GFM tables and bare-URL
# autolinks (markdown-it-py with linkify), never against the escaped source text.


def html(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"]).render(markdown)


def table_rows(markdown: str) -> list[list[str]]:
    """The text of every table cell, row by row, as a reader sees it."""
    root = ET.fromstring(f"<root>{html(markdown)}</root>")
    return [["".join(cell.itertext()) for cell in row] for row in root.iter("tr")]


def test_markdown_summary() -> None:
    text = render(report(), "markdown")
    assert text.startswith("## aims-policy: 1 finding at or above `error` fail the check\n")
    assert "2 files, 1 system checked as of 2026-11-22; failing at: `error`." in text
    assert table_rows(text) == [
        ["Severity", "Open", "Waived", "Baselined"],
        ["error", "1", "1", "0"],
        ["warning", "1", "0", "0"],
        ["note", "1", "0", "0"],
        ["total", "3", "1", "0"],
        ["Objective", "Title", "Errors", "Warnings", "Notes"],
        ["A.3", "Internal organization", "1", "0", "0"],
        ["A.7", "Data for AI systems", "0", "1", "0"],
        ["Clause 5", "Leadership", "1", "0", "0"],
        ["Clause 7", "Support", "0", "0", "1"],
        ["Location", "Rule", "Severity", "Message"],
        ["a.yaml:3:5", "T-OWN-001", "error", "no email for owner | team"],
        ["a.yaml:8:5", "T-DAT-001", "warning", "source <unknown>"],
        ["b,c.yaml:2:5", "T-DOC-001", "note", "stale: 100% old second line"],
    ]


HOSTILE = [
    "![pixel](https://tracker.example/p.png)",
    "[Approve](https://evil.example/login)",
    "<img src=x onerror=alert(1)> <script>alert(1)</script> <b>bold</b>",
    "visit https://evil.example/a or www.evil.example now",
    "<https://evil.example/auto> and &lt;entity&gt; &amp;",
    "*emph* __strong__ ~~gone~~ `code` # heading > quote",
    "[ref]: https://evil.example/ref and [ref]",
]


def hostile_report(message: str, file: str = "a.yaml") -> Report:
    base = report()
    bad = finding("T-OWN-001", "error", file, 3, message, ("A.3.2",))
    return base._replace(findings=(bad,), files=(file,))


def last_row(markdown: str) -> list[ET.Element]:
    root = ET.fromstring(f"<root>{html(markdown)}</root>")
    return list(list(root.iter("tr"))[-1])


@pytest.mark.parametrize("payload", HOSTILE)
def test_manifest_text_renders_as_text_and_nothing_else(payload: str) -> None:
    text = render(hostile_report(payload), "markdown")
    location, *_, message = last_row(text)
    assert list(message) == [], ET.tostring(message, "unicode")  # no element at all: only text
    assert "".join(message.itertext()) == payload
    assert [child.tag for child in location] == ["code"] and list(location[0]) == []
    # and nothing anywhere else in the summary came from the payload
    assert "<a " not in html(text) and "<img" not in html(text) and "<script" not in html(text)


def test_mentions_do_not_notify_anyone() -> None:
    rendered = html(render(hostile_report("ping @octocat and @org/team"), "markdown"))
    assert "@octocat" not in rendered and "@org/team" not in rendered
    assert "@\u200boctocat" in rendered  # still readable


@pytest.mark.parametrize("file", ["a``<img src=x>``.yaml", "odd`name.yaml", "``", "x|y.yaml"])
def test_file_names_cannot_break_out_of_their_code_span(file: str) -> None:
    text = render(hostile_report("m", file), "markdown")
    rendered = html(text)
    assert "<img" not in rendered
    location = table_rows(text)[-1][0]
    assert location == f"{file}:3:5"


def test_markdown_lists_problems_that_stopped_checks() -> None:
    problem = Notification("load", "yaml-syntax", "invalid | YAML", Location("d.yaml", 4, 1))
    text = render(report((problem,)), "markdown")
    assert text.startswith("## aims-policy: problems stopped some checks (1 problem)\n")
    rendered = html(text.split("### Problems that stopped checks")[1])
    assert "<li><code>d.yaml:4:1</code> invalid | YAML</li>" in rendered


def test_control_characters_are_shown_not_passed_through() -> None:
    rendered = html(escape("a\x01b\x1b[31mc\x9b"))
    assert rendered == "<p>a\\x01b\\x1b[31mc\\x9b</p>\n"
    assert (
        command("error", "x\x1b[2Jy\r\nz", None, "T\x07")
        == "::error title=T\\x07::x\\x1b[2Jy%0D%0Az"
    )
