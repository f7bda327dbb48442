"""``aims-policy import FILE``: a manifest from a Hugging Face model card, a CycloneDX ML-BOM or
an SPDX 3 AI/Dataset document, the format recognised from the content. Standard output unless
``-o FILE`` is given; a problem with the source is one line naming the file (and the line and
field where known) and exit 2."""

from __future__ import annotations

import click

from aims_policy.commands._click import FILE, FILE_OR_DASH, Command
from aims_policy.commands.init import (
    PLACEHOLDER_VALUE,
    choices,
    import_source,
    manifest_options,
    resolved_name,
    write,
)
from aims_policy.importers.manifest import RISK_LEVELS


@click.command(name="import", cls=Command)
@click.argument("source", metavar="FILE", type=FILE)
@click.option(
    "-o",
    "--output",
    default="-",
    type=FILE_OR_DASH,
    help="File to write (never overwritten), or - for standard output (the default).",
)
@click.option(
    "--risk-level",
    type=click.Choice(RISK_LEVELS),
    help="The organisation's risk level of the system (default: high, with a placeholder "
    "asking to confirm it).",
)
@manifest_options
def import_(
    source: str,
    output: str,
    risk_level: str | None,
    name_option: str | None,
    stage: str | None,
    eu_category: str | None,
    role: str | None,
    schema_ref: str,
) -> None:
    """Write a manifest for the AI system a model card, ML-BOM or SPDX 3 document describes:
    every field the source states, with a comment naming where it came from, and TODO
    placeholders (which `check` reports) for what only people can say."""
    from aims_policy.importers.manifest import render

    picked = choices(
        name=name_option,
        risk_level=risk_level,
        stage=stage,
        eu_category=eu_category,
        role=role,
        schema=schema_ref,
        command="import",
    )
    draft = import_source(source)
    picked.name = resolved_name(draft, picked, source)
    text = render(draft, picked)
    write(text, output)
    if output != "-":
        todo = len(PLACEHOLDER_VALUE.findall(text))
        click.echo(
            f"wrote {output}: {picked.name} from {source} ({draft.kind}), with {todo} TODO "
            f"placeholders.\nFill them in, then run `aims-policy check {output}`."
        )
