"""``aims-policy soa``: the Statement of Applicability, from the organisation manifest and the
systems checked beside it."""

from __future__ import annotations

import sys

import click

from aims_policy.commands._options import fail, parse_today, say


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "csv", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--today", help="Judge dates as of this day (YYYY-MM-DD; default today in UTC).")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    help="Repository root for the evidence of PATHS (default: the git work tree).",
)
@click.argument("paths", nargs=-1, type=click.Path())
def soa(
    fmt: str, output: str | None, today: str | None, root: str | None, paths: tuple[str, ...]
) -> None:
    """Write the Statement of Applicability: for each of the 38 Annex A controls, the
    organisation's decision (included or excluded) and justification, its implementation
    status, the systems and evidence that implement it, the open findings against it and the
    exceptions in force. PATHS (default: the working directory) must hold exactly one
    organisation manifest (kind: AIManagementSystem) besides the system manifests.

    A control that is included but that neither a system nor organisation-level evidence shows
    is 'not-evidenced'; one without a decision is 'undecided'. Exits 2 when the manifests cannot
    all be read (the statement would be incomplete)."""
    import os

    from aims_policy import api
    from aims_policy import soa as statement
    from aims_policy.coverage import annex_a_controls
    from aims_policy.options import Options
    from aims_policy.output import write_atomic
    from aims_policy.output.json_report import as_dict

    day = parse_today(today)
    options = Options(root=os.path.abspath(root) if root else None)
    report = api.check(list(paths) or ["."], options=options, today=day, fail_on="never")
    if report.notifications:
        for note in report.notifications:
            say(str(note))
        fail("the manifests could not all be read; the statement would be incomplete")
    if len(report.organisations) != 1:
        where = ", ".join(str(o.location) for o in report.organisations)
        fail(
            "no organisation manifest (kind: AIManagementSystem) among the files checked; "
            "add one (see manifests/organisation.yaml)"
            if not report.organisations
            else f"several organisation manifests ({where}); check one management system at a time"
        )
    built = statement.build(
        report.organisations[0].manifest, [("", as_dict(report))], annex_a_controls()
    )
    text = statement.RENDERERS[fmt](built)
    if output:
        write_atomic(output, text)
    else:
        sys.stdout.write(text)
