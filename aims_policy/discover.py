"""Turn the paths a user gives into the files to load.

Named files are always loaded (and must be manifests unless ``--skip-non-manifests``); directories
are searched recursively for YAML and JSON files, skipping version-control, virtual-environment,
vendored and hidden folders. Symbolic links to directories are not followed, so a link loop cannot
trap the walk.
"""

import errno
import os
from pathlib import Path
from typing import NamedTuple

from aims_policy.model import Location, Notification
from aims_policy.wording import escape_controls

EXTENSIONS = (".yaml", ".yml", ".json")
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "site-packages",
        "vendor",
        "third_party",
        "venv",
        "env",
        "build",
        "dist",
    }
)


class Candidate(NamedTuple):
    path: str  # as the OS should open it
    display: str  # POSIX path relative to the working directory when inside it
    explicit: bool  # named by the user (not found by searching a directory)


def display_path(path: str, cwd: str) -> str:
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # pragma: no cover - other drive on Windows
        rel = absolute
    if rel.startswith(".."):
        rel = absolute
    # A name that is not UTF-8 arrives with its odd bytes as surrogate escapes (PEP 383), which
    # no UTF-8 report can hold, and a name may hold a line break, which would start a forged
    # line in a CI log: such bytes and characters are shown as \xNN (the file is still opened
    # by its real name).
    shown = Path(rel).as_posix().encode("utf-8", "surrogateescape")
    return escape_controls(shown.decode("utf-8", "backslashreplace"))


def _skip_dir(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name in SKIP_DIRS:
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def discover(
    paths: list[str], cwd: str | None = None
) -> tuple[list[Candidate], list[Notification]]:
    """Files to check, sorted and without duplicates, and the paths that could not be used."""
    cwd = cwd or os.getcwd()
    found: dict[str, Candidate] = {}
    problems: list[Notification] = []
    for given in paths:
        display = display_path(given, cwd)
        try:
            is_dir = os.path.isdir(given)
            os.stat(given)
        except OSError as exc:
            reasons = {
                errno.ELOOP: "a symbolic link loop",
                errno.ENOENT: "no such file or directory",
            }
            reason = reasons.get(exc.errno or 0, exc.strerror or "cannot be read")
            problems.append(
                Notification(
                    "usage",
                    "missing-path",
                    f"{given}: {reason}; check the path",
                    Location.whole(display),
                )
            )
            continue
        if not is_dir:
            _add(found, Candidate(given, display, True))
            continue
        for file in _walk(given, problems, cwd):
            _add(found, Candidate(file, display_path(file, cwd), False))
    return sorted(found.values(), key=lambda c: c.display), problems


def _add(found: dict[str, Candidate], candidate: Candidate) -> None:
    """One candidate per real file, whatever the order the paths were given or walked in: a file
    the user named wins over one found by searching, a file over a symbolic link to it, and
    otherwise the smallest name."""
    key = os.path.realpath(candidate.path)
    other = found.get(key)
    if other is None or _rank(candidate) < _rank(other):
        found[key] = candidate


def _rank(candidate: Candidate) -> tuple[bool, bool, str]:
    return (not candidate.explicit, os.path.islink(candidate.path), candidate.display)


def _walk(directory: str, problems: list[Notification], cwd: str) -> list[str]:
    out: list[str] = []
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except FileNotFoundError:
            continue  # vanished while we walked: nothing to check there
        except OSError as exc:
            # A folder we cannot read may hold manifests: say so rather than pass over it.
            problems.append(
                Notification(
                    "usage",
                    "unreadable-directory",
                    f"cannot read directory {display_path(current, cwd)}: "
                    f"{exc.strerror}; check its permissions",
                    Location.whole(display_path(current, cwd)),
                )
            )
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _skip_dir(entry):
                        stack.append(entry.path)
                elif entry.name.lower().endswith(EXTENSIONS) and entry.is_file(
                    follow_symlinks=True
                ):
                    out.append(entry.path)
            except OSError:
                continue  # a dangling or looping link is not a manifest
    return out
