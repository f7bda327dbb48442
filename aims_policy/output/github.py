"""GitHub Actions workflow commands (``--format github``): each finding becomes an annotation
that GitHub shows inline on the pull request's diff.

``::error file=F,line=L,col=C,endLine=E,title=T::message`` (``warning`` and ``notice`` for lower
severities). Waived and baselined findings are not annotated: they have been dealt with. Problems
that stopped checks are annotated as errors. A plain summary line ends the output.
"""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.model import Finding, Location, Notification, Report
from aims_policy.output import RenderOptions
from aims_policy.wording import escape_controls

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
_EOL = "\r\n"


def escape_data(text: str) -> str:
    """The message part: the runner decodes %25, %0D and %0A (and nothing else)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value, where ``:`` and ``,`` would end the value early."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, location: Location | None, title: str) -> str:
    props: list[tuple[str, str]] = []
    if location is not None:
        props.append(("file", location.file))
        if location.line > 0:
            props.append(("line", str(location.line)))
            props.append(("col", str(location.col)))
        if (
            location.line > 0
            and location.end_line is not None
            and location.end_line >= location.line
        ):
            props.append(("endLine", str(location.end_line)))
            # GitHub only honours a column range on a single line.
            if location.end_line == location.line and location.end_col is not None:
                props.append(("endColumn", str(location.end_col)))
    props.append(("title", title))
    # Control characters in manifest strings (escape sequences) are shown as \xNN; CR and LF are
    # the runner's to decode (%0D, %0A), so a message may span lines inside its annotation.
    joined = ",".join(
        f"{key}={escape_property(escape_controls(value, keep=_EOL))}" for key, value in props
    )
    return f"::{level} {joined}::{escape_data(escape_controls(message, keep=_EOL))}"


def _finding(f: Finding, report: Report) -> str:
    meta = report.rule(f.rule_id)
    title = f"{f.rule_id} {meta.title}" if meta else f.rule_id
    refs = f" [{', '.join(f.controls)}]" if f.controls else ""
    where = f.location if f.location.file != "?" else None  # a cross-manifest finding with no place
    return command(COMMAND[f.severity], f"{f.message}{refs}", where, title)


def _notification(n: Notification) -> str:
    title = f"aims-policy: {n.rule_id} failed" if n.rule_id else f"aims-policy: {n.code}"
    return command("error", n.message, n.location, title)


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    """The workflow commands line by line, written as they are rendered."""
    from aims_policy.output.text import summary

    for n in report.notifications:
        yield _notification(n) + "\n"
    for f in report.findings:
        if f.state == "open":
            yield _finding(f, report) + "\n"
    yield summary(report) + "\n"
