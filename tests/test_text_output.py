"""Text output (grouping, colour, --verbose) and the progress indicator, against hand-written
expected lines."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from _helpers import BASE_TEXT, ROOT, aims, minimal_manifest, write

import aims_policy
from aims_policy.model import Finding, Location, Notification, Report, RuleMeta, SystemInfo
from aims_policy.output import RenderOptions, render
from aims_policy.output.text import Progress

RULES = (
    RuleMeta("T-OWN-001", "Own", "Owner", "error", "why", "Add `email:`.", controls=("A.3.2",)),
)


def finding(file: str, line: int, severity: str = "error") -> Finding:
    return Finding(
        "T-OWN-001",
        severity,
        "no email",
        Location(file, line, 3),
        "/spec",  # type: ignore[arg-type]
        f"spec#{file}{line}",
        "sys",
        controls=("A.3.2",),
    )


def report() -> Report:
    return Report(
        tool_version="0",
        today="2026-11-22",
        fail_on="error",
        rules=RULES,
        systems=(SystemInfo("sys", Location("a.yaml", 1, 1)),),
        findings=(finding("a.yaml", 3), finding("a.yaml", 9, "warning"), finding("b.yaml", 2)),
        results=(),
        notifications=(
            Notification("load", "yaml-syntax", "invalid YAML", Location("c.yaml", 4, 1)),
            Notification("usage", "missing-path", "nope: no such file"),
        ),
        files=("a.yaml", "b.yaml", "c.yaml"),
    )


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
        "3 files, 1 system checked: 2 errors, 1 warning, 0 notes; rule checks: 0 not applicable, "
        "0 not evaluated; 2 problems stopped checks (exit 2)",
    ]


def test_verbose_adds_the_remediation_and_colour_adds_escapes() -> None:
    lines = render(report(), "text", RenderOptions(verbose=True)).splitlines()
    assert lines[2:4] == ["a.yaml:3:3: error T-OWN-001 no email [A.3.2]", "    fix: Add `email:`."]
    coloured = render(report(), "text", RenderOptions(color=True))
    assert "\033[1ma.yaml:3:3\033[0m: \033[31merror\033[0m T-OWN-001 no email" in coloured


def test_the_check_command_colours_only_when_asked_or_on_a_terminal(tmp_path: Path) -> None:
    manifest = str(ROOT / "manifests" / "credit-scoring.yaml")
    plain = aims("check", manifest, "--today", "2026-11-22", env={"NO_COLOR": "1"})
    assert "\033[" not in plain.output
    forced = aims("check", manifest, "--today", "2026-11-22", "--color")
    assert "\033[" in forced.output


def test_progress_shows_a_rewritten_line_and_erases_it() -> None:
    stream = io.StringIO()
    progress = Progress(stream, min_total=3, interval=0)
    for done in range(1, 4):
        progress(done, 3)
    assert stream.getvalue() == (
        "\raims-policy: checked 1/3 files\raims-policy: checked 2/3 files"
        "\r" + " " * len("aims-policy: checked 2/3 files") + "\r"
    )


def test_progress_stays_quiet_on_short_runs() -> None:
    stream = io.StringIO()
    progress = Progress(stream, min_total=50, interval=0)
    progress(1, 2)
    progress(2, 2)
    assert stream.getvalue() == ""


def test_api_check_reports_progress_per_file() -> None:
    calls: list[tuple[int, int]] = []
    report = aims_policy.check(
        [str(ROOT / "manifests")],
        today="2026-11-22",
        cwd=str(ROOT),
        progress=lambda done, total: calls.append((done, total)),
    )
    total = calls[-1][1]
    assert calls == [(n, total) for n in range(1, total + 1)]
    assert total >= len(report.files)


def test_control_characters_from_manifests_are_escaped(tmp_path: Path) -> None:
    """A supplier name with an escape sequence, \\x01 and CR LF: shown as \\xNN in text, github and
    markdown output, so it can neither drive the terminal nor break the one-line format."""
    base = BASE_TEXT
    evil = base.replace(
        "      name: Lumen Language Labs GmbH\n",
        '      name: "Lumen\\e[31m Labs\\x01\\r\\nfake.yaml:1:1: error"\n',
        1,
    )
    evil = evil.replace(
        "      assessedOn: 2026-04-15\n      assessmentRef: https://docs.example.com/docbrief/"
        "supplier-assessment.md\n",
        "",
        1,
    )
    assert evil.count("\\e[31m") == 1 and "assessedOn: 2026-04-15" not in evil
    manifest = tmp_path / "m.yaml"
    manifest.write_text(evil, encoding="utf-8")
    shown = "Lumen\\x1b[31m Labs\\x01\\x0d\\x0afake.yaml:1:1: error"
    for fmt in ("text", "github", "markdown"):
        out = aims("check", str(manifest), "--format", fmt, "--select", "AIMS-SUP").stdout
        assert "\x1b" not in out and "\x01" not in out and "\r" not in out, fmt
        assert "fake.yaml" not in "".join(line[:9] for line in out.splitlines()), fmt
        if fmt == "markdown":  # as it reads: CommonMark backslash escapes undone
            out = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", out)
        assert (
            shown
            if fmt == "text"
            else shown.replace("\\x0d\\x0a", "%0D%0A" if fmt == "github" else " ")
        ) in out, (fmt, out)
    coloured = aims("check", str(manifest), "--color", "--select", "AIMS-SUP").stdout
    assert "\033[31merror\033[0m" in coloured and shown in coloured


def test_the_summary_counts_files_that_were_not_manifests_only_when_there_were_some(
    tmp_path: Path,
) -> None:
    write(tmp_path / "a.yaml", minimal_manifest("a", last_review=None))
    write(tmp_path / "b.yaml", minimal_manifest("b", last_review=None))
    for name in ("ci.yaml", "package.json", "values.yml"):
        write(tmp_path / name, "name: not a manifest\n")
    done = aims("check", "--no-config", str(tmp_path), "--today", "2026-11-22", "--format", "json")
    summary = json.loads(done.stdout)["summary"]
    assert (summary["files"], summary["notManifests"], summary["systems"]) == (2, 3, 2)
    done = aims("check", "--no-config", str(tmp_path), "--today", "2026-11-22")
    assert done.stdout.splitlines()[-1].startswith("2 files (3 not manifests), 2 systems checked: ")
    (tmp_path / "ci.yaml").unlink()
    (tmp_path / "package.json").unlink()
    done = aims("check", "--no-config", str(tmp_path), "--today", "2026-11-22")
    assert done.stdout.splitlines()[-1].startswith(
        "2 files (1 not a manifest), 2 systems checked: "
    )
    (tmp_path / "values.yml").unlink()
    done = aims("check", "--no-config", str(tmp_path), "--today", "2026-11-22")
    assert done.stdout.splitlines()[-1].startswith("2 files, 2 systems checked: ")
    # the library says the same
    assert aims_policy.check([str(tmp_path)], today="2026-11-22").not_manifests == 0
