"""``aims-policy soa``: the Statement of Applicability, from the organisation manifest and the
systems checked beside it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from aims_policy.commands._click import DIRECTORY, FILE, PATH, Command
from aims_policy.commands._inputs import without_gc
from aims_policy.commands._options import fail, parse_today, say

if TYPE_CHECKING:
    from aims_policy.model import Report


@click.command(cls=Command)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "csv", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("-o", "--output", type=FILE, help="Write to FILE.")
@click.option("--today", help="Judge dates as of this day (YYYY-MM-DD; default today in UTC).")
@click.option(
    "--root",
    type=DIRECTORY,
    help="Repository root for the evidence of PATHS (default: the git work tree).",
)
@click.option(
    "--origin",
    metavar="NAME",
    help="Where the manifests checked here come from, beside merged JSON reports "
    "(default: the paths given).",
)
@click.argument("paths", nargs=-1, type=PATH)
@without_gc
def soa(
    fmt: str,
    output: str | None,
    today: str | None,
    root: str | None,
    origin: str | None,
    paths: tuple[str, ...],
) -> None:
    """Write the Statement of Applicability: for each of the 38 Annex A controls, the
    organisation's decision (included or excluded) and justification, its implementation
    status, the systems and evidence that implement it, the open findings against it and the
    exceptions in force. PATHS (default: the working directory) must hold exactly one
    organisation manifest (kind: AIManagementSystem) besides the system manifests.

    A control that is included but that neither a system nor organisation-level evidence shows
    is 'not-evidenced'; one without a decision is 'undecided'. Exits 2 when the manifests cannot
    all be read (the statement would be incomplete).

    PATHS may also be JSON reports of other repositories (`aims-policy check --json FILE
    --origin NAME`): their systems join the statement, each named with its origin, and the
    organisation manifest may come from one of them."""
    import os

    from aims_policy import api
    from aims_policy import soa as statement
    from aims_policy.commands._inputs import gather, split
    from aims_policy.coverage import annex_a_controls
    from aims_policy.options import Options
    from aims_policy.output import write_atomic

    day = parse_today(today)
    options = Options(root=os.path.abspath(root) if root else None, references=False)

    def check(manifests: tuple[str, ...]) -> Report:
        return api.check(list(manifests) or ["."], options=options, today=day, fail_on="never")

    got = gather(split(paths, references=False), origin, day.isoformat(), check)
    report = got.report
    if report.notifications:
        for note in report.notifications:
            say(str(note))
        fail("the manifests could not all be read; the statement would be incomplete")
    organisations = got.organisations()  # copies of one manifest in several repositories: one
    if len(organisations) != 1:
        where = ", ".join(
            f"{o.origin + ': ' if o.origin else ''}{o.location}" for o in organisations
        )
        fail(
            "no organisation manifest (kind: AIManagementSystem) among the files checked; "
            "add one (see manifests/organisation.yaml)"
            if not organisations
            else f"several organisation manifests ({where}); check one management system at a time"
        )
    built = statement.build(organisations[0].manifest, got.documents(), annex_a_controls())
    text = statement.RENDERERS[fmt](built)
    if output:
        write_atomic(output, text)
    else:
        sys.stdout.write(text)
