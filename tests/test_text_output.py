"""Text output (grouping, colour, --verbose) and the progress indicator, against hand-written
expected lines."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

import aims_policy
from aims_policy.cli import cli
from aims_policy.model import Finding, Location, Notification, Report, RuleMeta, SystemInfo
from aims_policy.output import RenderOptions, render
from aims_policy.output.text import Progress

REPO = Path(__file__).resolve().parent.parent
RULES = (RuleMeta("T-OWN-001", "Own", "Owner", "error", "why", "Add `email:`.", controls=("A.3.2",)),)


def finding(file: str, line: int, severity: str = "error") -> Finding:
    return Finding("T-OWN-001", severity, "no email", Location(file, line, 3), "/spec",  # type: ignore[arg-type]
                   f"spec#{file}{line}", "sys", controls=("A.3.2",))  # fmt: skip


def report() -> Report:
    return Report(
        tool_version="0", today="2026-11-22", fail_on="error", rules=RULES,
        systems=(SystemInfo("sys", Location("a.yaml", 1, 1)),),
        findings=(finding("a.yaml", 3), finding("a.yaml", 9, "warning"), finding("b.yaml", 2)),
        results=(),
        notifications=(Notification("load", "yaml-syntax", "invalid YAML", Location("c.yaml", 4, 1)),
                       Notification("usage", "missing-path", "nope: no such file")),
        files=("a.yaml", "b.yaml", "c.yaml"),
    )  # fmt: skip


def test_text_groups_by_file_and_keeps_the_line_format() -> None:
    assert render(report(), "text").splitlines() == [
        "-: error nope: no such file",
        "",
        "a.yaml:3:3: error T-OWN-001 no email [A.3.2]",
        "a.yaml:9:3: warning T-OWN-001 no email [A.3.2]",
        "",
        "b.yaml:2:3: error T-OWN-001 no email [A.3.2]",
        "",
        "c.yaml:4:1: error invalid YAML",
        "",
        "3 files, 1 system checked: 2 errors, 1 warning, 0 notes; 2 problems stopped checks (exit 2)",
    ]


def test_verbose_adds_the_remediation_and_colour_adds_escapes() -> None:
    lines = render(report(), "text", RenderOptions(verbose=True)).splitlines()
    assert lines[2:4] == ["a.yaml:3:3: error T-OWN-001 no email [A.3.2]", "    fix: Add `email:`."]
    coloured = render(report(), "text", RenderOptions(color=True))
    assert "\033[1ma.yaml:3:3\033[0m: \033[31merror\033[0m T-OWN-001 no email" in coloured


def test_the_check_command_colours_only_when_asked_or_on_a_terminal(tmp_path: Path) -> None:
    manifest = str(REPO / "manifests" / "credit-scoring.yaml")
    runner = CliRunner()
    plain = runner.invoke(cli, ["check", manifest, "--today", "2026-11-22"], env={"NO_COLOR": "1"})
    assert "\033[" not in plain.output
    forced = runner.invoke(cli, ["check", manifest, "--today", "2026-11-22", "--color"])
    assert "\033[" in forced.output


def test_progress_shows_a_rewritten_line_and_erases_it() -> None:
    stream = io.StringIO()
    progress = Progress(stream, min_total=3, interval=0)
    for done in range(1, 4):
        progress(done, 3)
    assert stream.getvalue() == ("\raims-policy: checked 1/3 files\raims-policy: checked 2/3 files"
                                 "\r" + " " * len("aims-policy: checked 2/3 files") + "\r")  # fmt: skip


def test_progress_stays_quiet_on_short_runs() -> None:
    stream = io.StringIO()
    progress = Progress(stream, min_total=50, interval=0)
    progress(1, 2)
    progress(2, 2)
    assert stream.getvalue() == ""


def test_api_check_reports_progress_per_file() -> None:
    calls: list[tuple[int, int]] = []
    report = aims_policy.check([str(REPO / "manifests")], today="2026-11-22", cwd=str(REPO),
                               progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    total = calls[-1][1]
    assert calls == [(n, total) for n in range(1, total + 1)]
    assert total >= len(report.files)
