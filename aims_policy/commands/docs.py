"""``aims-policy docs``: write (or ``--check``) the rule reference generated from rule metadata.

Without ``--output`` it works on this project's own ``docs/rules/`` only: the folder of the
aims-policy checkout the command runs from, and only when the working directory is inside that
checkout. Anywhere else (an installed copy, another repository) the folder to write is the
user's to name: ``docs/rules`` of whatever directory a command happens to run in may hold pages
of its own, and writing removes generated pages it does not recognise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from aims_policy.commands._click import DIRECTORY, PATH, Command
from aims_policy.commands._options import fail


@click.command(cls=Command)
@click.option(
    "-o",
    "--output",
    default=None,
    type=DIRECTORY,
    help="Directory of the rule reference (one page per rule and README.md). Without it: "
    "aims-policy's own docs/rules/, from inside its checkout only.",
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
    type=PATH,
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
    output: str | None,
    check_only: bool,
    rule_dirs: tuple[str, ...],
    rule_packs: tuple[str, ...],
    builtin: bool | None,
) -> None:
    """Generate the rule reference (Markdown) from rule metadata and fixture examples."""
    from aims_policy import docs as reference
    from aims_policy import registry

    if output is None:
        output = _own_reference(os.getcwd(), custom=bool(rule_dirs or rule_packs))
    with_builtin = builtin if builtin is not None else not (rule_dirs or rule_packs)
    try:
        sources, cases = reference.collect(
            builtin=with_builtin, directories=rule_dirs, packs=rule_packs
        )
        examples = reference.collect_examples(
            builtin=with_builtin, directories=rule_dirs, packs=rule_packs
        )
    except registry.RuleLoadError as exc:
        fail(str(exc))
    pages = reference.generate(sources, cases, examples)
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


def own_reference() -> str | None:
    """``docs/rules`` of the aims-policy checkout this code runs from (an editable install or
    ``python -m aims_policy`` in a checkout), or None for an installed copy: a checkout is the
    folder above the package that also holds setup.cfg, the built-in ``rules/`` and ``docs/``."""
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    reference = os.path.join(checkout, "docs", "rules")
    marks = (os.path.join(checkout, "setup.cfg"), os.path.join(checkout, "rules", "__init__.py"))
    if all(os.path.isfile(mark) for mark in marks) and os.path.isdir(reference):
        return reference
    return None


def _own_reference(cwd: str, *, custom: bool) -> str:
    """The folder ``docs`` works on when no --output names one, shown relative to ``cwd``; a
    usage error (exit 2) when there is none to take."""
    if custom:
        fail(
            "name the folder for the pack's reference with --output DIR (without it, "
            "`aims-policy docs` writes only aims-policy's own docs/rules/)"
        )
    reference = own_reference()
    if reference is None:
        fail(
            "no --output: this aims-policy is not a checkout, and without --output `aims-policy "
            "docs` writes only the checkout's own docs/rules/; name the folder with --output DIR"
        )
    from aims_policy.evidence import inside

    checkout = os.path.dirname(os.path.dirname(reference))
    if not inside(os.path.realpath(cwd), os.path.realpath(checkout)):
        fail(
            f"no --output: without it `aims-policy docs` writes only aims-policy's own "
            f"docs/rules/, from inside its checkout ({checkout}); name the folder with "
            "--output DIR"
        )
    return os.path.relpath(reference, cwd)
