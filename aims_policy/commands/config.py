"""``aims-policy config``: the configuration a run would use, and where each value came from."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from aims_policy.commands._click import FILE, PATH, Command
from aims_policy.commands._options import cli_values, effective_config, evaluation_options


@click.command("config", cls=Command)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=FILE,
    metavar="FILE",
    help="As for `check`.",
)
@click.option(
    "--schema",
    "print_schema",
    is_flag=True,
    help="Print the configuration file's JSON Schema instead (for editors).",
)
@click.argument("paths", nargs=-1, type=PATH)
@evaluation_options
def config(fmt: str, print_schema: bool, paths: tuple[str, ...], **evaluation: Any) -> None:
    """Print the effective configuration: the configuration file under the flags given here,
    each value with its source (file:line:col, command line, or default)."""
    if print_schema:
        from aims_policy.validate import CONFIG, schema

        sys.stdout.write(json.dumps(schema(CONFIG), indent=2, ensure_ascii=False) + "\n")
        return
    effective = effective_config(evaluation, cli_values(evaluation, paths), os.getcwd())
    from aims_policy.config import DEFAULTS

    values = _plain({key: effective.values[key] for key in DEFAULTS})
    if evaluation.get("no_config_rules"):
        values["no-config-rules"] = True
        effective.sources["no-config-rules"] = "command line"
    if fmt == "json":
        document = {"file": effective.config.file, "values": values, "sources": effective.sources}
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    import yaml

    out = [f"# configuration file: {effective.config.file or 'none'}"]
    for key, value in values.items():
        if key == "output":
            out.append("output:")
            for sub, item in value.items():
                dumped = yaml.safe_dump({sub: item}, sort_keys=False, allow_unicode=True).rstrip()
                out.append(f"  {dumped}  # {effective.sources[f'output.{sub}']}")
            continue
        dumped = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True).rstrip()
        out.append(f"# {key}: {effective.sources.get(key, 'default')}")
        out.append(dumped)
    sys.stdout.write("\n".join(out) + "\n")


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    # Tuples from the command line print as lists in both formats.
    return json.loads(json.dumps(values))  # type: ignore[no-any-return]
