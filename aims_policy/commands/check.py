"""``aims-policy check``: the main job."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from typing import Any

import click

FORMAT_CHOICES = ["text", "json", "sarif", "junit", "github", "markdown"]
LEVELS = ["error", "warning", "note"]


def parse_today(value: str | None) -> _dt.date:
    if not value:
        return _dt.datetime.now(_dt.timezone.utc).date()
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


def parse_severity(values: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in values:
        rule_id, sep, level = value.partition("=")
        if not sep or level not in LEVELS:
            raise click.BadParameter(f"{value!r}: write RULE-ID=error|warning|note")
        out[rule_id] = level
    return out


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text",
              show_default=True, help="What to print on standard output.")
@click.option("--sarif", "sarif_path", type=click.Path(dir_okay=False), help="Also write SARIF 2.1.0 here.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Also write JUnit XML here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the JSON report here.")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False),
              help="Also write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).")
@click.option("--sarif-category", help="SARIF automationDetails.id, to tell uploads apart.")
@click.option("--today", "today", metavar="YYYY-MM-DD", help="Judge dates as of this day (default: today, UTC).")
@click.option("--fail-on", type=click.Choice([*LEVELS, "never"]), default=None,
              help="Lowest severity that fails the run (default: error).")
@click.option("--skip-non-manifests", is_flag=True,
              help="Silently skip named files that are not manifests (for hooks that pass every YAML file).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes for many files (0: every core).")
@click.option("--explain", is_flag=True, help="Show the facts and conditions behind each finding.")
@click.option("--why-not", multiple=True, metavar="RULE-ID", help="Explain this rule's outcome on every system, fired or not.")
@click.option("--root", type=click.Path(file_okay=False), help="Repository root for evidence paths (default: the git work tree).")
@click.option("--data", "data_files", multiple=True, type=click.Path(dir_okay=False),
              help="Organisation data document overriding rule thresholds (repeatable).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(), help="Load a custom rule pack directory (repeatable).")
@click.option("--rule-pack", "rule_packs", multiple=True, help="Load an installed rule pack by entry-point name.")
@click.option("--select", multiple=True, metavar="PATTERN", help="Only these rules: id, id prefix or control (e.g. A.7.*).")
@click.option("--ignore", multiple=True, metavar="PATTERN", help="Not these rules: id, id prefix or control.")
@click.option("--severity", "severity", multiple=True, metavar="RULE=LEVEL", help="Override a rule's severity.")
@click.option("-v", "--verbose", is_flag=True, help="Show remediation and suppressed findings.")
@click.option("--color/--no-color", default=None, help="Colour text output (default: when a terminal; NO_COLOR respected).")
def check(paths: tuple[str, ...], fmt: str, sarif_path: str | None, junit_path: str | None,
          json_path: str | None, markdown_path: str | None, sarif_category: str | None,
          today: str | None, fail_on: str | None, skip_non_manifests: bool, jobs: int,
          explain: bool, why_not: tuple[str, ...], root: str | None, data_files: tuple[str, ...],
          rule_dirs: tuple[str, ...], rule_packs: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], severity: tuple[str, ...], verbose: bool,
          color: bool | None) -> None:  # fmt: skip
    """Check AI-system manifests (files or directories; default: the current directory)."""
    from aims_policy import data as data_document
    from aims_policy import registry
    from aims_policy.api import Options
    from aims_policy.api import check as run_check
    from aims_policy.output import RenderOptions, render, write_atomic

    day = parse_today(today)
    try:
        data = data_document.load(data_files)
    except data_document.DataError as exc:
        _fail(str(exc))
    try:
        ruleset = registry.load(directories=rule_dirs, packs=rule_packs)
    except registry.RuleLoadError as exc:
        _fail(str(exc))
    ruleset = _filter(ruleset, select, ignore)
    options = Options(today=day, fail_on=fail_on or "error",  # type: ignore[arg-type]
                      skip_non_manifests=skip_non_manifests, jobs=jobs, explain=explain,
                      why_not=why_not, root=root, data=data,
                      severity=parse_severity(severity))  # fmt: skip
    report = run_check(list(paths) or ["."], ruleset=ruleset, options=options)

    use_color = color if color is not None else (sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    render_options = RenderOptions(color=use_color and fmt == "text", verbose=verbose,
                                   sarif_category=sarif_category)  # fmt: skip
    for path, file_fmt in ((sarif_path, "sarif"), (junit_path, "junit"), (json_path, "json"),
                           (markdown_path, "markdown")):  # fmt: skip
        if path:
            try:
                write_atomic(path, render(report, file_fmt, RenderOptions(sarif_category=sarif_category)))
            except OSError as exc:
                _fail(f"{path}: cannot write {file_fmt} output: {exc.strerror}")
    sys.stdout.write(render(report, fmt, render_options))
    sys.stdout.flush()
    sys.exit(report.exit_code)


def _filter(ruleset: Any, select: tuple[str, ...], ignore: tuple[str, ...]) -> Any:
    if not select and not ignore:
        return ruleset
    from aims_policy.registry import select as keep_only
    from aims_policy.selection import matches

    kept = [r.id for r in ruleset.all
            if (not select or matches(r.meta, select)) and not matches(r.meta, ignore)]  # fmt: skip
    return keep_only(ruleset, kept)


def _fail(message: str) -> None:
    click.echo(f"aims-policy: error: {message}", err=True)
    sys.exit(2)
