"""``aims-policy report``: the offline HTML audit report, from manifests, from the JSON reports of
many repositories, or both."""

from __future__ import annotations

import sys
from typing import Any

import click

from aims_policy.commands._options import evaluation_options, fail, prepare, say


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path())
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the HTML report here (missing folders are created).",
)
@click.option(
    "--origin",
    metavar="NAME",
    help="Where the manifests checked here come from, beside merged JSON reports "
    "(default: the paths given).",
)
@evaluation_options
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Show the findings recorded in this baseline as baselined.",
)
def report(inputs: tuple[str, ...], output: str, origin: str | None, **evaluation: Any) -> None:
    """Write one self-contained HTML audit report an auditor opens offline: the Statement of
    Applicability (or, without an organisation manifest, the Annex A coverage), the systems x
    Annex A objectives matrix, each system's findings, exceptions, baselined findings, the
    evidence index and the status of clauses 4 to 10.

    INPUTS are manifests and folders (checked as `aims-policy check` would) and JSON reports
    (`aims-policy check --json FILE --origin NAME`, one per repository), merged into one
    report. Exits 2 if a JSON report cannot be read or a manifest could not be checked (the
    report is still written, and says so), else 0: findings are the report's content."""
    from aims_policy import merge
    from aims_policy.commands.check import with_baseline
    from aims_policy.output import write_atomic
    from aims_policy.output.audit_html import AuditInput, render
    from aims_policy.version import __version__

    reports = [path for path in inputs if merge.is_json_report(path)]
    manifests = tuple(path for path in inputs if path not in reports)
    parts = []
    for path in reports:
        try:
            parts.append(merge.load(path))
        except merge.ReportError as exc:
            fail(str(exc))
    run = prepare(manifests, evaluation)
    checked = None
    if manifests or not reports:
        from aims_policy.api import check as run_check

        options = with_baseline(run.options, run.effective.values["baseline"])
        checked = run_check(run.paths, ruleset=run.ruleset, options=options, fail_on="never")
    today = run.options.day.isoformat()
    if parts:
        if checked is not None:
            name = origin or " ".join(manifests) or "."
            source = merge.Source(
                name,
                name,
                checked.today,
                checked.tool_version,
                len(checked.systems),
                len(checked.findings),
            )
            parts.append((merge.with_origin(checked, name), source))
        try:
            combined = merge.merge(parts, today, __version__)
        except merge.ReportError as exc:
            fail(str(exc))
        data = AuditInput(combined, sources=tuple(source for _, source in parts))
    else:
        assert checked is not None
        combined = checked
        data = AuditInput(checked)
    try:
        write_atomic(output, render(data))
    except OSError as exc:
        fail(f"{output}: cannot write the report: {exc.strerror}")
    for note in combined.notifications:
        say(str(note))
    open_count = len(combined.open_findings)
    click.echo(
        f"{output}: {len(combined.systems)} systems, {open_count} open findings"
        + (f", {len(parts)} reports merged" if parts else "")
    )
    sys.exit(2 if combined.notifications else 0)
