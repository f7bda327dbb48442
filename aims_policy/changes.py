"""Hook mode (``check --changed``): from the files a change touches to the files to check.

A pre-commit hook is handed the files a commit adds or modifies; checking the manifests among
them is not enough. A commit that deletes or renames a document a manifest cites breaks that
manifest without touching it, and the hook would pass a commit CI then fails. So, given the
changed paths:

* the manifests among them are checked, as named files (whatever else is named is skipped);
* inside a git work tree, the files the index deletes count as changed too (``git diff
  --cached``: the pre-commit framework never passes a deleted file's name, and a rename is the
  deletion of its old name);
* a changed path that is gone (deleted, or turned into a link) is looked up among the manifests
  of the search area: the configuration's ``paths``, else the git work tree, else the working
  directory. Each manifest that cites it (or a folder holding it) is checked as well, and its
  evidence rules report the reference that no longer leads anywhere.

Only gone paths are looked up: a file that is added or modified cannot break a citation, so the
usual commit (a manifest edited, code changed) costs one ``git diff`` and no search. The search
reads each candidate's bytes and parses only the files that mention a gone file's name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from aims_policy.model import Notification
from aims_policy.records import Record

#: Characters a name may hold and still be found as it is in a manifest's text: YAML and JSON
#: could escape, quote or fold a name with any other character, so the search then parses every
#: candidate instead of trusting a byte search.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+=,@")


class Affected(Record):
    """What a change asks to check: ``paths`` (the named files that still exist, then the
    manifests that cite a gone file), the gone files, and why the run cannot be trusted, if it
    cannot (git could not list the deletions)."""

    paths: list[str]
    gone: list[str]
    problems: list[Notification]


def affected(paths: Sequence[str], cwd: str, search: Sequence[str] = ()) -> Affected:
    """The files to check for a change touching ``paths`` (relative to ``cwd``); ``search`` is
    where citing manifests are looked for (default: the git work tree containing ``cwd``, else
    ``cwd``)."""
    from aims_policy.discover import work_tree
    from aims_policy.git import GitError, staged_deletions

    named: list[str] = []
    gone: dict[str, None] = {}  # absolute, normalised; in order, without repeats
    problems: list[Notification] = []
    for path in paths:
        absolute = os.path.normpath(os.path.join(cwd, path))
        if os.path.islink(absolute) or not os.path.lexists(absolute):
            gone[absolute] = None
        if os.path.exists(absolute):
            named.append(path)
    top = work_tree(cwd)
    if top is not None:
        try:
            for name in staged_deletions(top):
                gone[os.path.normpath(os.path.join(top, name))] = None
        except GitError as exc:
            problems.append(
                Notification(
                    "usage",
                    "git-changes",
                    f"cannot tell which files the commit deletes: {exc}; a deleted evidence "
                    "file would go unnoticed, so the check stops here",
                )
            )
    if not gone:
        return Affected(named, [], problems)
    area = list(search) or [top or cwd]
    citing = _citing(
        area,
        cwd,
        set(gone),
        {os.path.realpath(os.path.join(cwd, p)) for p in named},
        problems,
    )
    return Affected([*named, *citing], list(gone), problems)


def _citing(
    area: list[str], cwd: str, gone: set[str], named: set[str], problems: list[Notification]
) -> list[str]:
    """The manifests under ``area`` that cite a gone file, or a folder that held one; a part of
    the area that cannot be searched is a problem (a citation there would go unnoticed)."""
    from aims_policy.discover import scan
    from aims_policy.evidence import cited_files, inside
    from aims_policy.loader import MAX_BYTES, load_bytes

    names = {os.path.basename(path) for path in gone}
    marks = (
        [os.fsencode(name) for name in names]
        if all(set(name) <= _PLAIN for name in names)
        else None
    )
    out = []
    found = scan(area, cwd)
    problems.extend(found.problems)
    for candidate in found.candidates:
        if os.path.realpath(candidate.path) in named:
            continue  # checked anyway
        try:
            with open(candidate.path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except OSError:
            continue  # the check proper reports what it cannot read, for the files it checks
        if len(raw) > MAX_BYTES or (marks is not None and not any(m in raw for m in marks)):
            continue
        loaded = load_bytes(raw, candidate.display, json_syntax=candidate.path.endswith(".json"))
        for doc in loaded.documents:
            cited = cited_files(doc.data, candidate.path)
            if any(inside(g, c) or inside(c, g) for c in cited for g in gone):
                out.append(candidate.path)
                break
    return out
