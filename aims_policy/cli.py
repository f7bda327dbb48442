"""The command line: a thin shell over the library. Each command lives in its own module under
``aims_policy.commands`` and is imported only when it runs, so ``aims-policy check`` never pays
for the code of ``aims-policy test`` (or for jsonschema, unless a manifest is invalid)."""

from __future__ import annotations

import errno
import importlib
import os
import sys
from typing import NoReturn

import click

from aims_policy.commands._click import Command
from aims_policy.version import __version__
from aims_policy.wording import escape_controls

#: command name -> "module:attribute" (one module per command, loaded lazily)
COMMANDS: dict[str, str] = {
    "baseline": "aims_policy.commands.baseline:baseline",
    "check": "aims_policy.commands.check:check",
    "config": "aims_policy.commands.config:config",
    "controls": "aims_policy.commands.controls:controls",
    "import": "aims_policy.commands.import_:import_",
    "init": "aims_policy.commands.init:init",
    "explain": "aims_policy.commands.info:explain",
    "report": "aims_policy.commands.report:report",
    "rules": "aims_policy.commands.info:rules",
    "schema": "aims_policy.commands.info:schema",
    "soa": "aims_policy.commands.soa:soa",
    "test": "aims_policy.commands.test:test",
    "docs": "aims_policy.commands.docs:docs",
}


class _OutputError(Exception):
    """An OSError on its way out of a command, kept from click's own handling of it."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


class LazyGroup(Command, click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            # click's own handler turns a broken pipe into exit 1, our "findings" code: main()
            # decides instead.
            raise _OutputError(exc) from exc

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # click.version_option would ask gettext for its help text (see commands/_click.py)
    if value and not ctx.resilient_parsing:
        click.echo(f"aims-policy {__version__}", color=ctx.color)
        ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
@click.option(
    "--debug",
    is_flag=True,
    envvar="AIMS_POLICY_DEBUG",
    help="Show the traceback of an internal error (also AIMS_POLICY_DEBUG=1).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Check AI-system manifests against ISO/IEC 42001 (with EU AI Act and NIST AI RMF
    crosswalks).

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 the tool could not do its job."""
    if isinstance(ctx.obj, dict):
        ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the command line. Every way out is a documented exit code with at most one line on
    standard error: 1 is only ever "findings" (click itself would exit 1 on a broken pipe or an
    interrupt), 2 anything that kept the tool from its job, 130 an interrupt."""
    state: dict[str, bool] = {"debug": False}
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        sys.exit(_say("standard output is closed; redirect it to a file or /dev/null", 2))
    try:
        try:
            result = cli.main(args=argv, prog_name="aims-policy", standalone_mode=False, obj=state)
            code = result if isinstance(result, int) else 0  # click.exceptions.Exit (--help)
        except SystemExit as exc:  # how commands end: sys.exit(report.exit_code)
            code = exc.code if isinstance(exc.code, int) else 2
        sys.stdout.flush()  # here, so that a failed write is reported like any other
    except click.ClickException as exc:
        exc.show()
        code = 2  # a usage error, or click.FileError (which click would exit 1 on)
    except (KeyboardInterrupt, click.Abort) as exc:
        if isinstance(exc, click.Abort) and isinstance(exc.__cause__, EOFError):
            code = _say("standard input ended while a command was reading it", 2)
        else:
            code = _say("interrupted", 130)
    except (OSError, _OutputError) as exc:
        code = _output_failed(exc.error if isinstance(exc, _OutputError) else exc, state["debug"])
    except Exception as exc:
        code = _internal_error(exc, state["debug"])
    sys.exit(code)


def _internal_error(exc: BaseException, debug: bool) -> int:
    """A bug: one line, and the traceback on request."""
    if debug:
        import traceback  # only a bug pays for it

        traceback.print_exception(exc)
    return _say(
        f"internal error: {type(exc).__name__}: {exc}; please report it "
        "(aims-policy --debug, or AIMS_POLICY_DEBUG=1, shows the traceback)",
        2,
    )


def _output_failed(exc: OSError, debug: bool) -> int:
    """A write to standard output failed: the reader went away (a pipe closed by `head`), or the
    device is full. Anything else is an internal error like any other."""
    if exc.errno not in (errno.EPIPE, errno.ENOSPC, errno.EIO):
        return _internal_error(exc, debug)
    # Point standard output at nothing, so that the interpreter's own flush at exit cannot fail
    # again and print a warning of its own.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    if exc.errno == errno.EPIPE:
        return 2  # the reader chose to stop reading: nothing to tell it
    return _say(f"cannot write to standard output: {exc.strerror or exc}", 2)


def _say(message: str, code: int) -> int:
    try:
        sys.stderr.write(f"aims-policy: {escape_controls(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return code
