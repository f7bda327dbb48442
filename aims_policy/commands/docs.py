"""``aims-policy docs``: write (or ``--check``) the rule reference generated from rule metadata."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aims_policy.commands._options import fail


@click.command()
@click.option(
    "-o",
    "--output",
    default="docs/rules",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory of the rule reference (one page per rule and README.md).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 when the pages in --output differ from freshly generated ones.",
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(),
    help="Document the custom rule pack in this directory.",
)
@click.option(
    "--rule-pack",
    "rule_packs",
    multiple=True,
    metavar="NAME",
    help="Document an installed rule pack.",
)
@click.option(
    "--builtin/--no-builtin",
    "builtin",
    default=None,
    help="Also document the built-in pack (default: only when no pack is named).",
)
def docs(
    output: str,
    check_only: bool,
    rule_dirs: tuple[str, ...],
    rule_packs: tuple[str, ...],
    builtin: bool | None,
) -> None:
    """Generate the rule reference (Markdown) from rule metadata and fixture examples."""
    from aims_policy import docs as reference
    from aims_policy import registry

    with_builtin = builtin if builtin is not None else not (rule_dirs or rule_packs)
    try:
        sources, cases = reference.collect(
            builtin=with_builtin, directories=rule_dirs, packs=rule_packs
        )
    except registry.RuleLoadError as exc:
        fail(str(exc))
    pages = reference.generate(sources, cases)
    directory = Path(output)
    if check_only:
        problems = reference.stale(directory, pages)
        for problem in problems:
            click.echo(f"{directory.as_posix()}/{problem}")
        if problems:
            click.echo(
                f"the rule reference is stale; run `aims-policy docs --output {output}`", err=True
            )
            sys.exit(1)
        click.echo(f"{directory.as_posix()}: {len(pages)} pages, current")
        return
    try:
        changed = reference.write(directory, pages)
    except OSError as exc:
        click.echo(
            f"aims-policy: error: {output}: cannot write the rule reference: {exc.strerror}",
            err=True,
        )
        sys.exit(2)
    click.echo(f"{directory.as_posix()}: {len(pages)} pages, {len(changed)} changed")
