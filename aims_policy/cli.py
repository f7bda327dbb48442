"""The command line: a thin shell over the library. Each command lives in its own module under
``aims_policy.commands`` and is imported only when it runs, so ``aims-policy check`` never pays
for the code of ``aims-policy test`` (or for jsonschema, unless a manifest is invalid)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from aims_policy import __version__

#: command name -> "module:attribute" (one module per command, loaded lazily)
COMMANDS: dict[str, str] = {
    "baseline": "aims_policy.commands.baseline:baseline",
    "check": "aims_policy.commands.check:check",
    "config": "aims_policy.commands.config:config",
    "controls": "aims_policy.commands.controls:controls",
    "init": "aims_policy.commands.init:init",
    "explain": "aims_policy.commands.info:explain",
    "rules": "aims_policy.commands.info:rules",
    "schema": "aims_policy.commands.info:schema",
    "test": "aims_policy.commands.test:test",
    "docs": "aims_policy.commands.docs:docs",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aims-policy", message="%(prog)s %(version)s")
def cli() -> None:
    """Check AI-system manifests against ISO/IEC 42001 (with EU AI Act and NIST AI RMF
    crosswalks).

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 the tool could not do its job."""


def main(argv: list[str] | None = None) -> Any:
    # Usage errors exit 2 (click's own convention, which matches ours).
    try:
        return cli.main(args=argv, prog_name="aims-policy", standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.stderr.write("interrupted\n")
        sys.exit(130)
