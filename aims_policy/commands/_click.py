"""The path types and the help option the commands declare, in click's words but without asking
gettext for them.

click names each path type (``file``, ``directory``, ``path``) and words the help and version
options through gettext, and gettext's first look-up imports ``locale`` and searches the disk for
a message catalogue: about 4 M instructions of a one-file check (1% of a pre-commit run), for
words click ships no translation of. The types here judge a path as ``click.Path`` does for the
options the commands use (it need not exist; when it does, it must be of the kind the option
takes and readable), and :class:`Command` gives a command the help option click would, with the
same names, text and behaviour."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    _ParamType = click.ParamType[Any]  # generic in the click type checkers see
else:
    _ParamType = click.ParamType  # older releases of click do not subscript it


class PathType(_ParamType):
    """A path as typed (never resolved): ``file``, ``directory`` or ``path`` (either)."""

    envvar_list_splitter = os.path.pathsep

    def __init__(
        self,
        name: str,
        *,
        file_okay: bool = True,
        dir_okay: bool = True,
        exists: bool = False,
        allow_dash: bool = False,
    ) -> None:
        self.name = name
        self.file_okay = file_okay
        self.dir_okay = dir_okay
        self.exists = exists
        self.allow_dash = allow_dash

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "-" and self.allow_dash and self.file_okay:
            return value
        shown = f"{self.name.title()} {click.format_filename(value)!r}"
        try:
            mode = os.stat(value).st_mode
        except OSError:
            if self.exists:
                self.fail(f"{shown} does not exist.", param, ctx)
            return value
        if not self.file_okay and stat.S_ISREG(mode):
            self.fail(f"{shown} is a file.", param, ctx)
        if not self.dir_okay and stat.S_ISDIR(mode):
            self.fail(f"{shown} is a directory.", param, ctx)
        if not os.access(value, os.R_OK):
            self.fail(f"{shown} is not readable.", param, ctx)
        return value

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[Any]:
        from click.shell_completion import CompletionItem

        # the shell completes names of this kind itself
        kind = "dir" if self.dir_okay and not self.file_okay else "file"
        return [CompletionItem(incomplete, type=kind)]


FILE = PathType("file", dir_okay=False)
FILE_OR_DASH = PathType("file", dir_okay=False, allow_dash=True)
DIRECTORY = PathType("directory", file_okay=False)
PATH = PathType("path")
PATH_OR_DASH = PathType("path", allow_dash=True)
EXISTING_PATH = PathType("path", exists=True)


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


class Command(click.Command):
    """A command whose help option is declared here (see the module's docstring)."""

    _help: click.Option | None = None

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        # The parameters and the help option, as click's own. click (8.2 on) also counts every
        # option's names at each call, to warn of a name given twice: a check of how the
        # commands are written, made three or four times a run (half a million instructions of
        # a one-file check). tests/test_cli.py makes it once for every command instead.
        help_option = self.get_help_option(ctx)
        return self.params if help_option is None else [*self.params, help_option]

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        names = self.get_help_option_names(ctx)
        if not names or not self.add_help_option:
            return None
        # One object per command: click orders eager parameters by identity.
        if self._help is None:
            self._help = click.Option(
                names,
                is_flag=True,
                expose_value=False,
                is_eager=True,
                help="Show this message and exit.",
                callback=_show_help,
            )
        return self._help
