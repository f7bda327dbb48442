"""``aims-policy check``: the main job."""

from __future__ import annotations

import sys
from typing import Any

import click

from aims_policy.commands._click import FILE, PATH_OR_DASH, Command
from aims_policy.commands._options import color_wanted, evaluation_options, fail, prepare, say
from aims_policy.wording import plural

FORMAT_CHOICES = ["text", "json", "sarif", "junit", "github", "markdown"]
LEVELS = ["error", "warning", "note"]


@click.command(cls=Command)
@click.argument("paths", nargs=-1, type=PATH_OR_DASH)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="Name of the manifest read from standard input (`-`): findings carry it, and its "
    "evidence paths are relative to its folder (default: <stdin>, in the working directory).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    default=None,
    help="What to print on standard output (default: text, or the configuration's output.format).",
)
@click.option("--sarif", "sarif_path", type=FILE, help="Also write SARIF 2.1.0 here.")
@click.option("--junit", "junit_path", type=FILE, help="Also write JUnit XML here.")
@click.option("--json", "json_path", type=FILE, help="Also write the JSON report here.")
@click.option(
    "--markdown",
    "markdown_path",
    type=FILE,
    help="Also write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).",
)
@click.option("--sarif-category", help="SARIF automationDetails.id, to tell uploads apart.")
@click.option(
    "--origin",
    metavar="NAME",
    help="The JSON report records this as where it comes from (a repository's name or URL), "
    "so that `aims-policy report` and `soa` can merge many repositories' reports.",
)
@click.option(
    "--sarif-min-level",
    type=click.Choice(LEVELS),
    default=None,
    help="SARIF keeps only results at or above this severity (to stay within GitHub's 25,000 results).",
)
@click.option(
    "--changed",
    is_flag=True,
    help="Hook mode: PATHS are the files a change touches (none: only what git's index "
    "deletes). Check the manifests among them, skip the rest, and also check every manifest "
    "(under the configuration's paths, else the git work tree) that cites a file the change "
    "deletes or renames, or that git's index deletes.",
)
@evaluation_options  # shared with `baseline` and `config` (commands/_options.py)
@click.option(
    "--baseline",
    "baseline_file",
    type=FILE,
    metavar="FILE",
    help="Report findings recorded in this baseline (or a previous SARIF file) as baselined; fail only on new ones.",
)
@click.option(
    "--audit",
    is_flag=True,
    help="Report every finding as open: exceptions and the baseline are judged and shown, "
    "but suppress nothing.",
)
@click.option("--explain", is_flag=True, help="Show the facts and conditions behind each finding.")
@click.option(
    "--why-not",
    multiple=True,
    metavar="RULE-ID",
    help="Explain this rule's outcome on every system, fired or not.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show remediation and suppressed findings.")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Text output: only the summary (and problems that stopped checks).",
)
@click.option(
    "--min-severity",
    type=click.Choice(LEVELS),
    default=None,
    help="Text output: show only findings at or above this severity (the summary still counts "
    "the others; --fail-on still decides the exit code).",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour text output (default: when standard output is a terminal; a non-empty "
    "NO_COLOR turns it off, a non-empty FORCE_COLOR on).",
)
def check(
    paths: tuple[str, ...],
    stdin_filename: str | None,
    fmt: str | None,
    sarif_path: str | None,
    junit_path: str | None,
    json_path: str | None,
    markdown_path: str | None,
    sarif_category: str | None,
    origin: str | None,
    sarif_min_level: str | None,
    verbose: bool,
    quiet: bool,
    min_severity: str | None,
    color: bool | None,
    changed: bool,
    **evaluation: Any,
) -> None:
    """Check AI-system manifests (files or directories; default: the current directory; `-`:
    one manifest from standard input)."""
    from aims_policy.api import check as run_check
    from aims_policy.output import RenderOptions

    stdin = _stdin(paths, stdin_filename)
    if changed and stdin is not None:
        fail("--changed takes the paths a change touches, not a manifest on standard input")
    if stdin is not None:
        paths = ("-",)  # named, so that the configuration's paths are not checked as well
    # Configuration file under flags (commands/_options.py): flags given here win.
    run = prepare(
        paths,
        evaluation,
        {
            "format": fmt,
            "sarif": sarif_path,
            "junit": junit_path,
            "json": json_path,
            "markdown": markdown_path,
            "sarif-category": sarif_category,
        },
    )
    out = run.effective.values["output"]
    fmt, sarif_path, junit_path, json_path = out["format"], out["sarif"], out["junit"], out["json"]
    markdown_path, sarif_category = out["markdown"], out["sarif-category"]
    options = with_baseline(run.options, run.effective.values["baseline"])
    if changed:
        # The paths named are the change, all of it: no path is not "the current directory".
        # Citing manifests are looked for where the configuration says manifests are.
        search = run.effective.config.values.get("paths") or ()
        options = options._replace(changed=True, search=tuple(search))
    # The JSON report lists every evidence reference and each system's evidenced and relied-on
    # controls (for `report` and `soa` to merge later); no other format shows them.
    json_report = bool(json_path) or fmt == "json"
    options = options._replace(references=json_report, controls=json_report)
    report = run_check(
        [] if stdin is not None else list(paths) if changed else run.paths,
        ruleset=run.ruleset,
        options=options,
        progress=None if quiet else _progress(),
        stdin=stdin,
        stdin_filename=stdin_filename,
    )

    render_options = RenderOptions(
        color=fmt == "text" and color_wanted(color, sys.stdout),
        verbose=verbose,
        sarif_category=sarif_category,
        sarif_min_level=sarif_min_level,
        quiet=quiet,
        min_severity=min_severity,
        origin=origin,
    )
    # Every output is written that can be: a SARIF file beyond GitHub's limits is reported and
    # left out, but the JUnit file and the job summary still tell the story; the run then ends
    # with exit 2 (it could not do all of its job), after the others are written.
    incomplete = False
    file_options = RenderOptions(
        sarif_category=sarif_category, sarif_min_level=sarif_min_level, origin=origin
    )
    for path, file_fmt in (
        (sarif_path, "sarif"),
        (junit_path, "junit"),
        (json_path, "json"),
        (markdown_path, "markdown"),
    ):
        if path:
            incomplete |= not _write(report, file_fmt, file_options, path)
    if fmt == "text" and _only_nothing_found(report):
        fail(report.notifications[0].message)  # one line: there is nothing else to report
    incomplete |= not _write(report, fmt, render_options, None)
    report_fixed(report, options, fmt)
    sys.stdout.flush()
    sys.exit(2 if incomplete else report.exit_code)


def _stdin(paths: tuple[str, ...], name: str | None) -> bytes | None:
    """The manifest on standard input when `-` is the path (or --stdin-filename is given without
    paths, as ruff takes it), read up to one byte past the size limit; None otherwise."""
    if "-" not in paths and (name is None or paths):
        if name is not None:
            fail("--stdin-filename names the manifest read from standard input; pass `-` as the "
                 "only path")  # fmt: skip
        return None
    if paths != ("-",) and paths:
        fail("`-` reads one manifest from standard input; name no other path with it "
             "(a file called - is ./-)")  # fmt: skip
    from aims_policy.loader import MAX_BYTES

    if sys.stdin is None:
        fail("standard input is closed; pipe the manifest into `aims-policy check -`")
    binary = getattr(sys.stdin, "buffer", None)  # bytes as they come: the loader decodes them
    if binary is not None:
        data: bytes = binary.read(MAX_BYTES + 1)
        return data
    return sys.stdin.read(MAX_BYTES + 1).encode("utf-8", "surrogateescape")


def _only_nothing_found(report: Any) -> bool:
    """The run's one problem is that the directories searched held no manifest (api.check)."""
    from aims_policy.api import NO_MANIFEST

    return len(report.notifications) == 1 and report.notifications[0].code == NO_MANIFEST


def _write(report: Any, fmt: str, options: Any, path: str | None) -> bool:
    """Write the format to ``path`` (atomically) or to standard output, as it is rendered: a very
    large report is never held as one string. False (with one line on standard error) when the
    format refuses: SARIF beyond GitHub's limits, found before the file is replaced."""
    from aims_policy.output import chunks, render, write_atomic

    if fmt != "sarif":  # only SARIF refuses to render; the others need not import it
        refused: tuple[type[Exception], ...] = ()
    else:
        from aims_policy.output.sarif import SarifLimitError

        refused = (SarifLimitError,)
    try:
        if path is not None:
            try:
                write_atomic(path, chunks(report, fmt, options))
            except OSError as exc:
                fail(f"{path}: cannot write {fmt} output: {exc.strerror}")
        elif fmt == "sarif":  # refused at its end: printed only once whole, or not at all
            sys.stdout.write(render(report, fmt, options))
        else:
            sys.stdout.writelines(chunks(report, fmt, options))
    except refused as exc:
        say(f"error: {fmt} output not written: {exc}")
        return False
    return True


def _progress() -> Any:
    """A progress line on standard error for long runs, only when it is a terminal."""
    if not sys.stderr.isatty():
        return None
    from aims_policy.output.text import Progress

    return Progress(sys.stderr)


# --- baseline (aims_policy/baseline.py) --------------------------------------------------------


def with_baseline(options: Any, path: str | None) -> Any:
    if not path:
        return options
    from aims_policy import baseline

    try:
        return options._replace(baseline=baseline.load(path))
    except baseline.BaselineError as exc:
        fail(str(exc))


def report_fixed(report: Any, options: Any, fmt: str) -> None:
    """Baseline entries nothing matches any more: good news, and a hint to shrink the file."""
    if options.baseline is None:
        return
    from aims_policy import baseline

    # Only what this run could have found again: its systems, under the rules it evaluated.
    fixed = len(
        baseline.stale(
            options.baseline,
            report.findings,
            systems={s.name for s in report.systems},
            rules={r.id for r in report.rules},
        )
    )
    if fixed:
        line = (
            f"{plural(fixed, 'baselined finding')} fixed; re-create the "
            f"baseline to shrink it ({options.baseline.source})\n"
        )
        (sys.stdout if fmt == "text" else sys.stderr).write(line)
