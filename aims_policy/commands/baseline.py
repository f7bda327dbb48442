"""``aims-policy baseline``: record today's open findings so that only new ones fail ``check``."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

from aims_policy.commands._click import FILE, PATH, Command
from aims_policy.commands._options import evaluation_options, fail, prepare
from aims_policy.wording import plural


@click.command(cls=Command)
@click.argument("paths", nargs=-1, type=PATH)
@click.option(
    "-o",
    "--output",
    "output_file",
    type=FILE,
    metavar="FILE",
    help="Where to write the baseline (default: the configuration's `baseline:`).",
)
@evaluation_options
def baseline(paths: tuple[str, ...], output_file: str | None, **evaluation: Any) -> None:
    """Record the current open findings of PATHS in a baseline file.

    Takes the same selection and evaluation options as `check`; `check --baseline FILE` then
    reports the recorded findings as baselined and fails only on new ones. Findings are matched
    by fingerprint (rule, system, identity path), so editing a manifest elsewhere does not bring
    them back. Waived findings are not recorded: their exceptions keep their expiry dates."""
    from aims_policy import baseline as baseline_file
    from aims_policy.api import check as run_check
    from aims_policy.output import write_atomic

    run = prepare(paths, evaluation)
    target = output_file or run.effective.values["baseline"]
    if not target:
        fail("name the baseline file with -o FILE (or `baseline:` in the configuration)")
    report = run_check(run.paths, ruleset=run.ruleset, options=run.options)
    if report.notifications:
        for note in report.notifications:
            click.echo(f"{note.location or '-'}: error {note.message}", err=True)
        fail(
            f"{plural(len(report.notifications), 'problem')} stopped checks; fix them before recording a "
            f"baseline (nothing was written to {target})"
        )
    document = baseline_file.build(report)
    previous: frozenset[str] = frozenset()
    # No earlier baseline (or an unreadable one, which we replace): nothing to compare with.
    with contextlib.suppress(baseline_file.BaselineError):
        previous = baseline_file.load(target).fingerprints
    try:
        write_atomic(target, baseline_file.dumps(document))
    except OSError as exc:
        fail(f"{target}: cannot write the baseline: {exc.strerror}")
    now = {e["fingerprint"] for e in document["entries"]}
    count = len(now)
    change = ""
    if previous:
        change = f" ({len(now - previous)} added, {len(previous - now)} removed)"
    click.echo(f"wrote {plural(count, 'finding')} to {target}{change}")
    sys.exit(0)
