"""``aims-policy init``: write a new manifest skeleton for one AI system.

The skeleton is schema-valid, so the first ``check`` talks about content rather than syntax, but
every blank a person must answer reads ``TODO: ...``. Rule AIMS-TODO-001 reports each of them at
its own line, whatever other rules exist, so a new manifest is never accidentally compliant.
"""

from __future__ import annotations

import re

import click

from aims_policy.commands._options import fail

RISK_LEVELS = ["low", "medium", "high", "critical"]
#: Where editors fetch the schema from unless told otherwise (setup.cfg's project URL, main branch).
SCHEMA_URL = (
    "https://raw.githubusercontent.com/aims-policy/aims-policy/main/"
    "aims_policy/schema/manifest-v1.schema.json"
)
# Mirrors metadata.name in the schema: checked here so that init never writes a file that the
# checker would then reject for its very first line of content.
NAME_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
NAME_MAX = 63
#: A placeholder value in the skeleton (the comments mention TODO too; they are not counted).
PLACEHOLDER_VALUE = re.compile(r'(?:: |- )"?TODO')

_HEAD = """\
# yaml-language-server: $schema={schema}
# AI-system manifest for {name}, started with `aims-policy init`.
# Every value that starts with TODO is a placeholder: `aims-policy check` reports each one
# (rule AIMS-TODO-001) until you replace it with the real information. Other rules then tell you
# what else ISO/IEC 42001 expects for a {level}-risk system; `aims-policy explain RULE-ID` says why.
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: {name}
  title: "TODO: human-readable name of the system"
  version: 0.1.0
spec:
  description: "TODO: what the system does and how, in two or three sentences"
  owner:
    name: "TODO: person answerable for the system day to day"
    email: TODO@example.com
    role: "TODO: their role"
"""

_ACCOUNTABLE = """\
  accountablePerson:
    name: "TODO: manager who answers for the system (not the owner)"
    email: TODO@example.com
    role: "TODO: their role"
"""

_PURPOSE = """\
  purpose:
    intendedUse: "TODO: what the system is for, for whom, and within which limits"
    intendedUsers:
      - "TODO: who uses the system"
    affectedPersons:
      - "TODO: who is affected by its outputs"
    outOfScopeUses:
      - "TODO: uses the system must not be put to"
  classification:
    riskLevel: {level}
    # Add the EU AI Act classification once you know it, for example:
    # euAiAct: {{category: limited-risk, role: deployer}}
  lifecycle:
    stage: design
  risks:
    - id: R-1
      description: "TODO: what could go wrong, for whom"
      owner: "TODO: person who treats this risk"
"""

_HIGH = """\
  impactAssessment:
    status: not-started
    approver: "TODO: who approves the impact assessment"
  humanOversight:
    mode: human-in-the-loop
    automationBiasMeasures:
      - "TODO: how overseers are kept from trusting outputs blindly"
"""


def skeleton(name: str, risk_level: str, schema: str = SCHEMA_URL) -> str:
    """The manifest text ``init`` writes (comments included, which is why it is text, not a dump
    of a mapping)."""
    high = risk_level in ("high", "critical")
    parts = [_HEAD, _ACCOUNTABLE if high else "", _PURPOSE, _HIGH if high else ""]
    return "".join(parts).format(name=name, level=risk_level, schema=schema)


@click.command()
@click.argument("name")
@click.option(
    "--risk-level",
    required=True,
    type=click.Choice(RISK_LEVELS),
    help="The organisation's risk level of the system.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="File to write (default: NAME.aims.yaml in the current directory).",
)
@click.option(
    "--schema",
    "schema_ref",
    default=SCHEMA_URL,
    show_default=False,
    metavar="URL|PATH",
    help="Schema for the yaml-language-server line, e.g. a vendored copy's relative "
    "path (default: the published schema).",
)
def init(name: str, risk_level: str, output: str | None, schema_ref: str) -> None:
    """Write a new manifest skeleton for the system NAME, with TODO placeholders that `check`
    reports until they are filled in. Never overwrites a file."""
    if len(name) > NAME_MAX or not NAME_PATTERN.match(name):
        suggestion = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:NAME_MAX].strip("-")
        hint = f"; try {suggestion!r}" if suggestion else ""
        fail(
            f"{name!r} is not a valid system name: use lower-case letters, digits and hyphens, "
            f"at most {NAME_MAX} characters{hint}"
        )
    path = output or f"{name}.aims.yaml"
    text = skeleton(name, risk_level, schema_ref)
    try:
        # Mode "x" refuses an existing file atomically: no window between a check and the write
        # in which another process could create it.
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        fail(
            f"{path} already exists; not overwriting it. Choose another file with -o, "
            "or delete it first"
        )
    except OSError as exc:
        fail(f"{path}: cannot write the manifest: {exc.strerror}")
    todo = len(PLACEHOLDER_VALUE.findall(text))
    click.echo(
        f"wrote {path}: a {risk_level}-risk manifest for {name} with {todo} TODO "
        "placeholders.\nFill them in, then run `aims-policy check "
        f"{path}` until it reports no findings."
    )
