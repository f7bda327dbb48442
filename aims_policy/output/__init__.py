"""Output formats. Each is a module with ``chunks(report, options)``, the output in pieces as it
is rendered, and ``render(report, options) -> str``, the same pieces joined: pure functions of
the report, so the same inputs give byte-identical output. Files are written atomically, piece by
piece, so that a report with hundreds of thousands of findings is never held as one string.

From Python (the CLI is a thin shell over the same two calls)::

    import aims_policy
    import aims_policy.output

    report = aims_policy.check(["manifests/"], today="2026-11-22")
    sarif = aims_policy.output.render(report, "sarif")      # or text, json, junit, github, markdown
    aims_policy.output.write_atomic("aims-policy.sarif", sarif)
    # or, without holding the text: write it as it is rendered
    aims_policy.output.write_atomic("report.json", aims_policy.output.chunks(report, "json"))
    print(aims_policy.output.render(report, "text", aims_policy.output.RenderOptions(verbose=True)))
    raise SystemExit(report.exit_code)                        # 0 clean, 1 findings, 2 problems

``render(report, "sarif")`` raises ``aims_policy.output.sarif.SarifLimitError`` rather than return
a file GitHub code scanning would reject (over 25,000 results or 10 MB gzipped); pass
``RenderOptions(sarif_min_level="error")`` to keep only the severe results.
"""

from __future__ import annotations

import errno
import importlib
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from aims_policy.records import Record

if TYPE_CHECKING:
    from typing import IO

    from aims_policy.model import Report

FORMATS: dict[str, str] = {
    "text": "aims_policy.output.text",
    "json": "aims_policy.output.json_report",
    "sarif": "aims_policy.output.sarif",
    "junit": "aims_policy.output.junit",
    "github": "aims_policy.output.github",
    "markdown": "aims_policy.output.markdown",
}


class RenderOptions(Record):
    color: bool = False
    verbose: bool = False
    sarif_category: str | None = None
    sarif_min_level: str | None = None  # SARIF keeps only results at or above this severity
    # Text only: the lines shown. The summary still counts every finding, and the exit code is
    # the report's whatever is shown.
    quiet: bool = False  # the summary (and problems that stopped checks), no finding lines
    min_severity: str | None = None  # finding lines at or above this severity
    # JSON only: where the report comes from (a repository's name, URL or path), recorded so
    # that `aims-policy report` and `soa` can merge the reports of many repositories
    origin: str | None = None


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    module = importlib.import_module(FORMATS[fmt])
    text: str = module.render(report, options or RenderOptions())
    return text


def chunks(report: Report, fmt: str, options: RenderOptions | None = None) -> Iterator[str]:
    """The output of :func:`render` in pieces, rendered as they are read. A format that refuses
    to render (SARIF beyond GitHub's limits) raises when the pieces are read, at the latest with
    the last one: a file written from them by :func:`write_atomic` is then never replaced."""
    module = importlib.import_module(FORMATS[fmt])
    pieces: Iterator[str] = module.chunks(report, options or RenderOptions())
    return pieces


def write_atomic(path: str, text: str | Iterable[str]) -> None:
    """Write ``text`` (a string, or pieces of one read as they are written) through a temporary
    file in the same directory, then rename: readers never see a half-written report, and a failed run leaves the previous file intact.

    Missing folders on the way are created (``reports/aims-policy.sarif`` on a fresh checkout),
    only those the path names, and removed again when the write fails. What is not a regular
    file is never replaced by one: a symbolic link is followed (its target is replaced, the link
    stays; folders are never created for a link whose target is missing), and a device or a
    FIFO (``/dev/stdout``, a pipe to another program) is written to directly; a FIFO nobody
    reads is an error, not a wait. ``text`` may come in pieces, written as they come (a large
    report need not be held in memory whole)."""
    import stat

    try:
        mode: int | None = os.stat(path).st_mode  # through links: what a write would reach
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if mode is not None and not stat.S_ISREG(mode):
        # A /proc/self/fd link names the writer's own descriptor: open the path itself.
        _write_through(path, text, fifo=stat.S_ISFIFO(mode))
        return
    link = os.path.islink(path)
    target = os.path.realpath(path) if link else path
    directory = os.path.dirname(os.path.abspath(target))
    created = [] if link else _make_folders(directory)
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=".aims-policy-", suffix=".tmp", dir=directory)
    except BaseException:
        _remove_folders(created)
        raise
    try:
        # mkstemp makes the file private (0600); a report is an ordinary file: honour the umask.
        if hasattr(os, "fchmod"):  # not on Windows, where mkstemp's mode does not apply anyway
            umask = os.umask(0o022)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            _write(handle, text)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        _remove_folders(created)
        raise


def _make_folders(directory: str) -> list[str]:
    """Create ``directory`` and the missing folders above it; return those created, outermost
    first. A part of the path that exists but is not a folder stops it with the OSError a write
    would give (``Not a directory``)."""
    missing = []
    current = directory
    while not os.path.isdir(current):
        if os.path.lexists(current):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), current)
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    created: list[str] = []
    try:
        for folder in reversed(missing):
            os.mkdir(folder)
            created.append(folder)
    except BaseException:
        _remove_folders(created)
        raise
    return created


def _remove_folders(created: list[str]) -> None:
    """Undo :func:`_make_folders` after a failed write: a failed run leaves nothing behind."""
    for folder in reversed(created):
        try:
            os.rmdir(folder)
        except OSError:
            break  # something else was put there meanwhile: leave it, and the folders above


def _write(handle: IO[str], text: str | Iterable[str]) -> None:
    if isinstance(text, str):
        handle.write(text)
    else:
        handle.writelines(text)


def _write_through(target: str, text: str | Iterable[str], *, fifo: bool) -> None:
    flags = os.O_WRONLY
    if fifo:
        # Opening a FIFO for writing waits for a reader; non-blocking, it fails at once (ENXIO)
        # when there is none. Blocking again once open, so that a slow reader is waited for.
        flags |= os.O_NONBLOCK
    fd = os.open(target, flags)
    if fifo:
        os.set_blocking(fd, True)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        _write(handle, text)
