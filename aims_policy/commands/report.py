"""``aims-policy report``: the offline HTML audit report, from manifests, from the JSON reports of
many repositories, or both."""

from __future__ import annotations

import sys
from typing import Any

import click

from aims_policy.commands._click import FILE, PATH, Command
from aims_policy.commands._inputs import without_gc
from aims_policy.commands._options import evaluation_options, fail, prepare, say
from aims_policy.wording import plural


@click.command(cls=Command)
@click.argument("inputs", nargs=-1, type=PATH)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=FILE,
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
    type=FILE,
    metavar="FILE",
    help="Show the findings recorded in this baseline as baselined.",
)
@without_gc
def report(inputs: tuple[str, ...], output: str, origin: str | None, **evaluation: Any) -> None:
    """Write one self-contained HTML audit report an auditor opens offline: the Statement of
    Applicability (or, without an organisation manifest, the Annex A coverage), the systems x
    Annex A objectives matrix, each system's findings, exceptions, baselined findings, the
    evidence index and the status of clauses 4 to 10.

    INPUTS are manifests and folders (checked as `aims-policy check` would) and JSON reports
    (`aims-policy check --json FILE --origin NAME`, one per repository), merged into one
    report. Exits 2 if a JSON report cannot be read or a manifest could not be checked (the
    report is still written, and says so), else 0: findings are the report's content."""
    from aims_policy.commands._inputs import gather, split
    from aims_policy.commands.check import with_baseline
    from aims_policy.output import write_atomic
    from aims_policy.output.audit_html import AuditInput, chunks

    given = split(inputs)
    chosen = [f"--{name}" for name in ("select", "ignore", "severity") if evaluation.get(name)]
    if given.reports and chosen:
        # A JSON report holds what its own check found under its own selection; filtering the
        # merge would show a rule as passing in repositories where it was never evaluated, and
        # applying the flags to the manifests checked here only would mix two selections.
        fail(
            f"{'/'.join(chosen)} {'choose' if len(chosen) > 1 else 'chooses'} what a check "
            "evaluates, and JSON reports were checked "
            "already; pass them to each repository's `aims-policy check --json FILE` instead"
        )
    run = prepare(given.manifests, evaluation)

    def check(manifests: tuple[str, ...]) -> Any:
        from aims_policy.api import check as run_check

        options = with_baseline(run.options, run.effective.values["baseline"])
        return run_check(run.paths, ruleset=run.ruleset, options=options, fail_on="never")

    got = gather(given, origin, run.options.day.isoformat(), check)
    combined = got.report
    organisations = got.organisations()
    if len(organisations) > 1:
        where = ", ".join(
            f"{o.origin + ': ' if o.origin else ''}{o.location}" for o in organisations
        )
        fail(f"several organisation manifests ({where}); report on one management system at a time")
    statement = None
    if organisations:
        from aims_policy import soa
        from aims_policy.coverage import annex_a_controls

        statement = soa.build(organisations[0].manifest, got.documents(), annex_a_controls())
    data = AuditInput(combined, sources=got.sources, statement=statement)
    try:
        write_atomic(output, chunks(data))
    except OSError as exc:
        fail(f"{output}: cannot write the report: {exc.strerror}")
    for note in combined.notifications:
        say(str(note))
    merged = f", {plural(len(got.sources), 'report')} merged" if got.sources else ""
    click.echo(
        f"{output}: {plural(len(combined.systems), 'system')}, "
        f"{plural(len(combined.open_findings), 'open finding')}{merged}"
    )
    sys.exit(2 if combined.notifications else 0)
