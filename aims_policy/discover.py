"""Turn the paths a user gives into the files to load.

Named files are always loaded, ignored or not (and must be manifests unless
``--skip-non-manifests``); directories are searched recursively for YAML and JSON files. The
search skips what the README lists and nothing else by name: ``.git`` and every hidden folder,
virtual environments (recognised by their ``pyvenv.cfg``, whatever they are called) and
``node_modules``; and it leaves out what git ignores: the ``.gitignore`` files of the folders
searched and of the folders above them up to the git work tree's top, and the repository's
``.git/info/exclude``, matched the way git matches them (by ``pathspec``, imported only when
such a file exists). A folder named ``vendor`` or ``build`` is searched like any other: a bought
AI system's manifest is at home in ``ai-systems/vendor/``. Symbolic links to directories are not
followed, so a link loop cannot trap the walk.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any

from aims_policy.model import Location, Notification
from aims_policy.records import Record
from aims_policy.wording import escape_controls

EXTENSIONS = (".yaml", ".yml", ".json")
#: Folders never searched by name (hidden folders and virtual environments are recognised).
SKIP_DIRS = frozenset({"node_modules"})
IGNORE_FILE = ".gitignore"
#: How a manifest read from standard input without ``--stdin-filename`` is named in reports.
STDIN = "<stdin>"


class Candidate(Record):
    path: str  # as the OS should open it
    display: str  # POSIX path relative to the working directory when inside it
    explicit: bool  # named by the user (not found by searching a directory)
    # The file's bytes when they were not read from ``path`` (standard input, ``check -``):
    # ``path`` then only says where the manifest stands, for its evidence paths.
    content: bytes | None = None


def stdin_candidate(content: bytes, name: str | None, cwd: str) -> Candidate:
    """A manifest read from standard input, checked as if it were the file ``name`` (an editor's
    unsaved buffer: findings name that file, evidence paths are relative to its folder), or as
    ``<stdin>`` in the working directory when no name is given."""
    if name:
        path = os.path.join(cwd, name)
        return Candidate(path, display_path(path, cwd), True, content)
    return Candidate(os.path.join(cwd, STDIN), STDIN, True, content)


class Scan(Record):
    """What :func:`scan` found, and what it passed over while searching directories."""

    candidates: list[Candidate]
    problems: list[Notification]
    directories: tuple[str, ...] = ()  # the directories searched, as shown
    ignored: int = 0  # files and folders left out by .gitignore or .git/info/exclude
    skipped: int = 0  # folders not searched: .git, hidden, virtual environments, node_modules


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
    # (os.path, not pathlib: pathlib costs every one-file check milliseconds to import.)
    posix = rel.replace(os.sep, "/") if os.sep != "/" else rel
    shown = posix.encode("utf-8", "surrogateescape")
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
    found = scan(paths, cwd)
    return found.candidates, found.problems


def scan(paths: list[str], cwd: str | None = None) -> Scan:
    """:func:`discover`, with what the directory searches passed over (for a search that finds
    no manifest, which must say where it looked)."""
    cwd = cwd or os.getcwd()
    found: dict[str, Candidate] = {}
    problems: list[Notification] = []
    directories: list[str] = []
    counts = [0, 0]  # ignored, skipped
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
        directories.append(display)
        for file in _walk(given, problems, cwd, counts):
            _add(found, Candidate(file, display_path(file, cwd), False))
    candidates = sorted(found.values(), key=lambda c: c.display)
    return Scan(candidates, problems, tuple(directories), counts[0], counts[1])


def walk(
    directory: str, cwd: str, wanted: Callable[[str], bool]
) -> tuple[list[str], list[Notification], int, int]:
    """Every file below ``directory`` whose path ``wanted`` accepts, as a directory search for
    manifests would find it (.gitignore, hidden folders, virtual environments and
    ``node_modules`` left out; links to folders not followed), unsorted; with the problems met
    and the numbers of entries ignored by git and folders skipped."""
    problems: list[Notification] = []
    counts = [0, 0]
    files = _walk(directory, problems, cwd, counts, wanted)
    return files, problems, counts[0], counts[1]


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


# --- what git ignores --------------------------------------------------------------------------

# (folder the patterns are relative to, the compiled patterns), outermost first: git lets a
# deeper .gitignore override a shallower one, and every .gitignore override info/exclude.
_Rules = tuple[tuple[str, Any], ...]


def _read_rules(file: str, base: str) -> tuple[tuple[str, Any], ...]:
    try:
        with open(file, "rb") as handle:
            raw = handle.read(1 << 20)
    except OSError:
        return ()  # no such file (the usual case), or one we may not read: git skips it too
    lines = raw.decode("utf-8", "surrogateescape").splitlines()
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return ()
    # Imported here only: a run that meets no ignore file (a pre-commit run on named files)
    # never pays for it. pathspec implements git's wildmatch: `**`, negation with `!`, anchoring
    # by a leading or inner `/`, directory-only patterns ending in `/`, escapes and trailing
    # spaces, which a home-made glob would get subtly wrong.
    from pathspec import GitIgnoreSpec

    try:
        return ((base, GitIgnoreSpec.from_lines(lines)),)
    except Exception:  # a line git cannot read either ("!", a lone "\\", "[z-a]")
        # git passes over such a line and keeps the others: so do we.
        kept = [line for line in lines if _valid(GitIgnoreSpec, line)]
        return ((base, GitIgnoreSpec.from_lines(kept)),)


def _valid(spec: Any, line: str) -> bool:
    try:
        spec.from_lines([line])
    except Exception:
        return False
    return True


def _ignored(rules: _Rules, path: str, is_dir: bool) -> bool:
    """Whether git ignores ``path`` (absolute), given the rules of the folders above it: the
    deepest rule file with a matching pattern decides, and within it the last such pattern."""
    for base, spec in reversed(rules):
        relative = path[len(base.rstrip(os.sep)) + 1 :]  # rules come from folders above path
        if os.sep != "/":  # pragma: no cover - Windows
            relative = relative.replace(os.sep, "/")
        decided = spec.check_file(relative + "/" if is_dir else relative).include
        if decided is not None:
            return bool(decided)
    return False


def work_tree(directory: str) -> str | None:
    """The top of the git work tree ``directory`` lies in (the nearest folder above it, itself
    included, that holds a ``.git`` entry), or None outside any. Here rather than in
    :mod:`aims_policy.git`, which runs git: searches and evidence checks ask it of every folder
    they start from, and outside a work tree nothing more of git is ever needed."""
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _git_dir(top: str) -> str:
    """The repository's common git directory (a linked work tree's ``.git`` is a file naming
    its own git directory, whose ``commondir`` leads to the shared one, holding info/exclude)."""
    dot_git = os.path.join(top, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8", errors="replace") as handle:
            first = handle.readline().strip()
    except OSError:
        return dot_git
    if not first.startswith("gitdir:"):
        return dot_git
    git_dir = os.path.join(top, first[len("gitdir:") :].strip())
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except OSError:
        return git_dir


def _outer_rules(directory: str) -> _Rules:
    """The rules in force in ``directory`` from above it: info/exclude and the .gitignore files
    from the work tree's top down to its parent. A directory named on the command line is
    searched even when those rules ignore it (it was asked for); its own .gitignore, and those
    below it, apply as always."""
    top = work_tree(directory)
    if top is None:
        return ()
    rules = _read_rules(os.path.join(_git_dir(top), "info", "exclude"), top)
    folders = []
    current = directory
    while current != top:
        current = os.path.dirname(current)
        folders.append(current)
    for folder in reversed(folders):
        rules += _read_rules(os.path.join(folder, IGNORE_FILE), folder)
    if rules and _ignored(rules, directory, True):
        return ()
    return rules


def _manifest_name(path: str) -> bool:
    return path.lower().endswith(EXTENSIONS)


def _walk(
    directory: str,
    problems: list[Notification],
    cwd: str,
    counts: list[int],
    wanted: Callable[[str], bool] = _manifest_name,
) -> list[str]:
    """The files below ``directory`` that ``wanted`` accepts (given the path: a decision
    on the name alone, the folder it is in at most, as nothing else is known yet), passing over what git
    ignores and the folders never searched; also the walk behind AI discovery
    (``discover_ai``), so that both searches leave out the same things."""
    out: list[str] = []
    top = os.path.abspath(directory)
    outer = _outer_rules(top)
    stack: list[tuple[str, _Rules]] = [(directory, outer)]
    while stack:
        current, rules = stack.pop()
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
        absolute = os.path.abspath(current)
        if any(entry.name == IGNORE_FILE for entry in entries):
            rules = rules + _read_rules(os.path.join(absolute, IGNORE_FILE), absolute)
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if _skip_dir(entry):
                        counts[1] += 1
                    elif rules and _ignored(rules, os.path.join(absolute, entry.name), True):
                        counts[0] += 1
                    else:
                        stack.append((entry.path, rules))
                elif wanted(entry.path) and entry.is_file(follow_symlinks=True):
                    if rules and _ignored(rules, os.path.join(absolute, entry.name), False):
                        counts[0] += 1
                    else:
                        out.append(entry.path)
            except OSError:
                continue  # a dangling or looping link is not a manifest
    return out
