"""``aims-policy init``: write a new manifest for one AI system, and the options it shares with
``aims-policy import``.

The manifest is schema-valid, so the first ``check`` talks about content rather than syntax, but
every blank a person must answer reads ``TODO: ...``. Rule AIMS-TODO-001 reports each of them at
its own line, whatever other rules exist, so a new manifest is never accidentally compliant.
What the command line can say (name, stage, EU AI Act category and role) and what a model card,
ML-BOM or SPDX document says (``--from``) is filled in instead of asked for.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from aims_policy.commands._click import FILE, FILE_OR_DASH, Command
from aims_policy.commands._options import fail
from aims_policy.importers.manifest import (
    EU_CATEGORIES,
    EU_ROLES,
    NAME_MAX,
    NAME_PATTERN,
    RISK_LEVELS,
    SCHEMA_URL,
    STAGES,
    Choices,
    system_name,
)

if TYPE_CHECKING:
    from aims_policy.importers.manifest import Draft

F = TypeVar("F", bound=Callable[..., Any])
#: A placeholder value in the manifest (the comments mention TODO too; they are not counted).
PLACEHOLDER_VALUE = re.compile(r'(?:: |- )"?TODO')


def manifest_options(func: F) -> F:
    """What init and import both let the command line decide."""
    for option in reversed(
        [
            click.option(
                "--name",
                "name_option",
                metavar="NAME",
                help="The system's name (lower-case letters, digits and hyphens).",
            ),
            click.option(
                "--stage",
                type=click.Choice(STAGES),
                help="Lifecycle stage (default: design).",
            ),
            click.option(
                "--eu-category",
                type=click.Choice(EU_CATEGORIES),
                help="EU AI Act category (give --role too).",
            ),
            click.option(
                "--role",
                type=click.Choice(EU_ROLES),
                help="The organisation's EU AI Act role (give --eu-category too).",
            ),
            click.option(
                "--schema",
                "schema_ref",
                default=SCHEMA_URL,
                show_default=False,
                metavar="URL|PATH",
                help="Schema for the yaml-language-server line, e.g. a vendored copy's relative "
                "path (default: the published schema).",
            ),
        ]
    ):
        func = option(func)
    return func


def check_name(name: str) -> str:
    if len(name) > NAME_MAX or not NAME_PATTERN.match(name):
        suggestion = system_name(name)
        hint = f"; try {suggestion!r}" if suggestion else ""
        fail(
            f"{name!r} is not a valid system name: use lower-case letters, digits and hyphens, "
            f"at most {NAME_MAX} characters{hint}"
        )
    return name


def choices(
    *,
    name: str | None,
    risk_level: str | None,
    stage: str | None,
    eu_category: str | None,
    role: str | None,
    schema: str,
    command: str,
) -> Choices:
    if (eu_category is None) != (role is None):
        fail("--eu-category and --role go together (the schema needs both); give both or neither")
    return Choices(
        name=check_name(name) if name is not None else None,
        risk_level=risk_level,
        stage=stage,
        eu_category=eu_category,
        role=role,
        schema=schema,
        command=command,
    )


def import_source(path: str) -> Draft:
    """The draft of an import source, or one line and exit 2."""
    from aims_policy.importers import load_draft
    from aims_policy.importers.manifest import ImportProblem

    try:
        return load_draft(path)
    except ImportProblem as problem:
        fail(str(problem))


def resolved_name(draft: Draft | None, picked: Choices, path: str | None) -> str:
    """The system name the manifest gets: the command line's, else one derived from the source."""
    if picked.name:
        return picked.name
    derived = system_name(str(draft.name.value)) if draft is not None and draft.name else ""
    if not derived:
        fail(f"{path}: no system name can be derived from the source; give one with --name")
    return derived


def write(text: str, output: str) -> None:
    """Write a new manifest; ``-`` is standard output. Never overwrites a file."""
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        # Mode "x" refuses an existing file atomically: no window between a check and the write
        # in which another process could create it.
        with open(output, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        fail(
            f"{output} already exists; not overwriting it. Choose another file with -o, "
            "or delete it first"
        )
    except OSError as exc:
        fail(f"{output}: cannot write the manifest: {exc.strerror}")


@click.command(cls=Command)
@click.argument("name", required=False)
@click.option(
    "--risk-level",
    required=True,
    type=click.Choice(RISK_LEVELS),
    help="The organisation's risk level of the system.",
)
@click.option(
    "--from",
    "source",
    type=FILE,
    metavar="FILE",
    help="Fill in what a Hugging Face model card, CycloneDX ML-BOM or SPDX 3 AI document says "
    "(as `aims-policy import` does).",
)
@click.option(
    "-o",
    "--output",
    type=FILE_OR_DASH,
    help="File to write, or - for standard output (default: NAME.aims.yaml in the current "
    "directory).",
)
@manifest_options
def init(
    name: str | None,
    risk_level: str,
    source: str | None,
    output: str | None,
    name_option: str | None,
    stage: str | None,
    eu_category: str | None,
    role: str | None,
    schema_ref: str,
) -> None:
    """Write a new manifest for the system NAME (or --name), with TODO placeholders that `check`
    reports until they are filled in. Never overwrites a file."""
    from aims_policy.importers.manifest import render

    if name and name_option and name != name_option:
        fail(f"two names given ({name!r} and --name {name_option!r}); give one")
    given = name or name_option
    if given is None and source is None:
        fail("give the system a name: aims-policy init NAME (or --name NAME, or --from FILE)")
    picked = choices(
        name=given,
        risk_level=risk_level,
        stage=stage,
        eu_category=eu_category,
        role=role,
        schema=schema_ref,
        command="init --from" if source else "init",
    )
    draft = import_source(source) if source else None
    picked.name = resolved_name(draft, picked, source)
    text = render(draft, picked)
    path = output or f"{picked.name}.aims.yaml"
    write(text, path)
    if path != "-":
        todo = len(PLACEHOLDER_VALUE.findall(text))
        click.echo(
            f"wrote {path}: a {risk_level}-risk manifest for {picked.name} with {todo} TODO "
            "placeholders.\nFill them in, then run `aims-policy check "
            f"{path}` until it reports no findings."
        )
    sys.stdout.flush()
