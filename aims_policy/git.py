"""Asking git, the few times a check needs to: which files the index tracks, which of some
untracked files it ignores, and which files the index deletes (hook mode).

git is run without a shell, with a fixed argument list, in a given folder, with an environment
that cannot point it elsewhere: the ``GIT_DIR``, ``GIT_WORK_TREE`` and similar variables a git
hook inherits are dropped (they name the repository the hook runs for, relative to its folder,
not the one a manifest lies in), and ``GIT_INDEX_FILE`` is kept only when it is an index of that
very repository (``git commit -a`` and ``git commit PATH`` hand their hook a temporary index,
which is what the commit will contain). ``core.fsmonitor`` is turned off: a repository's own
configuration must not make a check run a program. Nothing is written (``GIT_OPTIONAL_LOCKS=0``).

Every function answers with what git said or with a :class:`GitError` saying why git could not
be asked (not installed, a repository git refuses to read...): never with a guess."""

from __future__ import annotations

import os
from collections.abc import Sequence

#: Variables that tell git which repository, work tree or objects to use: a hook inherits them
#: from the git that runs it, and they would redirect a query about another folder.
_LOCATION_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_INDEX_FILE",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    }
)
#: A hung git (a network file system, a stuck lock) must not hang a commit for ever.
TIMEOUT = 60.0


class GitError(Exception):
    """git could not be asked; the message says why, in one line."""


def own_git_dir(top: str) -> str:
    """The git directory of the work tree at ``top``: ``.git`` itself, or for a linked work
    tree or a submodule the folder its ``.git`` file names."""
    dot_git = os.path.join(top, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8", errors="surrogateescape") as handle:
            first = handle.readline(4096).strip()
    except OSError:
        return dot_git
    if first.startswith("gitdir:"):
        return os.path.normpath(os.path.join(top, first[len("gitdir:") :].strip()))
    return dot_git


def environment(top: str) -> dict[str, str]:
    """The environment git runs in for the work tree at ``top`` (see the module's notes)."""
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
    index = os.environ.get("GIT_INDEX_FILE")
    if index:
        # git hands a hook the index path relative to the work tree's top, or absolute.
        index = os.path.abspath(index)
        if os.path.realpath(os.path.dirname(index)) == os.path.realpath(own_git_dir(top)):
            env["GIT_INDEX_FILE"] = index
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def run(top: str, args: Sequence[str], stdin: bytes | None = None) -> tuple[int, bytes]:
    """``git ARGS`` in ``top``: its exit status and standard output. Raises :class:`GitError`
    when git cannot be started, or ends with a status above 1 (git's "fatal")."""
    # Imported here: finding the work tree (every check) is os calls; only asking git needs it.
    import subprocess

    command = ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=false", *args]
    try:
        done = subprocess.run(
            command,
            cwd=top,
            env=environment(top),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (no `git` on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {args[0]}` did not answer within {TIMEOUT:.0f} seconds") from None
    except OSError as exc:
        raise GitError(f"git could not be run: {exc.strerror or exc}") from None
    if done.returncode > 1:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = said[0] if said else f"exit status {done.returncode}"
        raise GitError(f"`git {args[0]}` failed in {top}: {first}")
    return done.returncode, done.stdout


def _names(output: bytes) -> list[str]:
    # NUL-separated names, as the OS spells them (odd bytes as surrogate escapes, as os.* do).
    return [os.fsdecode(name) for name in output.split(b"\0") if name]


def tracked_files(top: str) -> frozenset[str]:
    """Every file the index of the work tree at ``top`` holds (and those of its checked-out
    submodules), relative to ``top`` with ``/`` separators: one ``git ls-files`` for the lot."""
    _, output = run(top, ["ls-files", "-z", "--cached", "--recurse-submodules"])
    return frozenset(_names(output))


def ignored(top: str, files: Sequence[str]) -> frozenset[str]:
    """Which of ``files`` (untracked, relative to ``top``) git ignores: its own answer, from
    every ``.gitignore``, ``info/exclude`` and ``core.excludesFile``, in one call."""
    if not files:
        return frozenset()
    stdin = b"".join(os.fsencode(name) + b"\0" for name in files)
    _, output = run(top, ["check-ignore", "-z", "--stdin"], stdin)
    return frozenset(_names(output))


def staged_deletions(top: str) -> list[str]:
    """Files the index deletes or turns into something else (a link), relative to ``top``: a
    rename is the deletion of its old name (``--no-renames``). On a branch with no commit yet
    nothing is deleted."""
    _, output = run(
        top,
        [
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--diff-filter=DT",
        ],
    )
    return _names(output)
