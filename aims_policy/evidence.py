"""Resolve evidence references once, before evaluation, so that rules stay pure.

Every field named ``...Ref`` and every ``evidence[].ref`` is either an http(s) URL (accepted as
is: we never touch the network) or a path relative to the manifest. A relative path must exist and
stay inside the repository root: ``--root`` when given, else the git work tree containing the
manifest, else the manifest's own folder (never the working directory: see
``repository_root``). Absolute paths, ``..`` escapes and symbolic links that lead outside are
refused, and so is any other URL scheme (``file:``, ``ftp:``, ``s3:``...): such a reference is
not a controlled document we can check.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from aims_policy.frozen import LOADED, LOADED_CONTAINERS
from aims_policy.paths import Path, Unreadable
from aims_policy.records import Record

OK = "ok"
URL = "url"
MISSING = "missing"
ABSOLUTE = "absolute"
ESCAPES = "escapes"
SCHEME = "scheme"  # a URL scheme other than http(s): file:, ftp:, s3:...

# RFC 3986 scheme. One letter followed by a colon is a Windows drive (C:\...), handled as absolute.
# A pattern string (re's cache compiles it), asked only of values with a colon: most references
# are relative paths, and a one-file check would otherwise compile it for nothing.
_SCHEME = r"^[a-zA-Z][a-zA-Z0-9+.-]*:"


def _scheme(value: str) -> str:
    """The value's URL scheme with its colon (``s3:``), or "" when it has none."""
    found = re.match(_SCHEME, value) if ":" in value else None
    return found.group() if found else ""


@lru_cache(maxsize=256)
def work_tree(directory: str) -> str | None:
    """The top of the git work tree ``directory`` lies in, or None (cached: every manifest of a
    folder asks)."""
    from aims_policy.discover import work_tree as find

    return find(directory)


@lru_cache(maxsize=256)
def repository_root(directory: str) -> str:
    """The root evidence paths must stay inside, for a manifest in ``directory`` (when no
    ``--root`` names one): the git work tree containing it, else ``directory`` itself.

    Never the working directory: the verdict on a manifest must not depend on where the command
    is run. Everything here follows from where the manifest lies, so checking ``sub/m.yaml``
    from ``sub/`` or from its parent gives the same findings; outside a git repository, a
    manifest whose evidence lies beside its folder names that wider root with ``--root`` (or
    ``root:`` in the configuration, which is relative to the configuration's folder)."""
    return work_tree(directory) or os.path.abspath(directory)


def check_reference(value: str, manifest_dir: str, root: str) -> str:
    """What the file system says of one reference of a manifest in ``manifest_dir`` (absolute)
    whose evidence must stay inside ``root`` (absolute)."""
    if value[:8].lower().startswith(("https://", "http://")):
        return URL
    if len(_scheme(value)) > 2:
        return SCHEME
    if os.path.isabs(value) or value.startswith("~") or (len(value) > 1 and value[1] == ":"):
        return ABSOLUTE
    target = _joined(manifest_dir, value)
    if not inside(target, root):
        return ESCAPES
    if "\0" in value:  # no file system has such a name (and os calls refuse it outright)
        return MISSING
    # One lstat says whether the target is there and whether it is a link. Resolving links
    # costs a system call per path component; directories are shared by many references, so
    # their resolution is cached and only the last component is looked at anew. A folder that
    # is not there (a whole evidence folder not yet written) is known once for all its files.
    try:
        folder = is_directory(os.path.dirname(target))
        mode: int | None = os.lstat(target).st_mode if folder else None
    except (OSError, ValueError):
        mode = None
    link = mode is not None and stat.S_ISLNK(mode)
    if not inside(real_file(target, link), real_directory(root)):
        return ESCAPES
    if mode is None:
        return MISSING
    return OK if not link or os.path.exists(target) else MISSING  # a link: is its target there?


def _joined(directory: str, value: str) -> str:
    """``normpath(join(directory, value))`` for an absolute, normalised ``directory``. Most
    references are plain relative paths (no empty, ``.`` or ``..`` step), which need no
    normalising: they are joined as they are (every reference of every manifest comes here)."""
    # Not for the file-system root, "/" (or "//", which POSIX keeps apart): "/" + value would
    # double its separator.
    if os.altsep is None and len(directory) > 1 and directory[1] != os.sep:
        steps = value.split(os.sep)
        if "" not in steps and "." not in steps and ".." not in steps:
            return directory + os.sep + value
    return os.path.normpath(os.path.join(directory, value))


def real_file(path: str, link: bool) -> str:
    """The real path of ``path`` (absolute, normalised), ``link`` saying whether it is a
    symbolic link: a link is resolved in full, anything else joined to its folder's cached
    resolution (the folder is shared with every other file in it)."""
    if link:
        return os.path.realpath(path)
    head, tail = os.path.split(path)
    real = real_directory(head)
    # Mostly no folder on the way is a link: the path is then its own real path.
    return path if real == head else os.path.join(real, tail)


# Bounded small: directories are met in the order of the walk, so recent ones are what repeats.
@lru_cache(maxsize=256)
def real_directory(path: str) -> str:
    """``os.path.realpath`` of ``path``, built on its parent's (cached): a folder met for the
    first time costs one lstat, not one per component of its path. A path deeper than any real
    repository's (a reference may name a thousand folders) is resolved by realpath itself, so
    that the recursion stays shallow."""
    path = os.path.abspath(path)
    head, tail = os.path.split(path)
    if not tail or head == path or path.count(os.sep) > _DEEP or os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(real_directory(head), tail)


_DEEP = 64  # folders below the root


@lru_cache(maxsize=256)
def is_directory(path: str) -> bool:
    """Whether ``path`` is a folder (a link to one counts), asked once per folder and run."""
    return os.path.isdir(path)


def clear_caches() -> None:
    """Forget resolved directories (called at the start of each check: the tree may change)."""
    real_directory.cache_clear()
    is_directory.cache_clear()
    repository_root.cache_clear()
    work_tree.cache_clear()
    _tracked.cache_clear()


def inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def references(data: Any) -> Iterator[tuple[Path, str]]:
    """Every evidence reference in ``data`` (plain loader output): its path and its text."""
    # This walks every value of every manifest: the loader's own classes are told by identity
    # first, and isinstance (which the rare subclass still passes) is asked only of the rest.
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        kind = type(node)
        if kind is dict or (kind is not list and isinstance(node, dict)):
            for key, value in node.items():
                kind = type(value)
                if kind is str or (kind not in LOADED and isinstance(value, str)):
                    if key.endswith("Ref") or key == "ref":  # a reference field
                        yield (*path, key), value
                elif kind in LOADED_CONTAINERS or (kind not in LOADED and isinstance(value, _BOTH)):
                    stack.append(((*path, key), value))
        elif kind is list or isinstance(node, list):
            for index, value in enumerate(node):
                kind = type(value)
                if kind in LOADED_CONTAINERS or (kind not in LOADED and isinstance(value, _BOTH)):
                    stack.append(((*path, index), value))


_BOTH = (dict, list)


def resolve(data: Any, manifest_path: str, root: str | None = None) -> dict[Path, str]:
    """Status of every evidence reference in ``data``, keyed by its path."""
    manifest_dir = os.path.dirname(os.path.abspath(manifest_path))
    base = os.path.abspath(root) if root else repository_root(manifest_dir)
    return {where: check_reference(value, manifest_dir, base) for where, value in references(data)}


def cited_files(data: Any, manifest_path: str) -> set[str]:
    """The files (absolute, normalised) that the local references of ``data`` name, whether
    they exist or not: what a change that deletes a file is compared with."""
    manifest_dir = os.path.dirname(os.path.abspath(manifest_path))
    out = set()
    for _, value in references(data):
        if value[:8].lower().startswith(("https://", "http://")) or "\0" in value:
            continue
        if _scheme(value) or os.path.isabs(value) or value.startswith("~"):
            continue
        out.add(os.path.normpath(os.path.join(manifest_dir, value)))
    return out


# -- whether git tracks the evidence ------------------------------------------------------------

#: Why an evidence file that exists would not be in a commit.
UNTRACKED = "untracked"  # not in the index: a clone, and CI, lack it
IGNORED = "ignored"  # not in the index, and git ignores it (`git add` refuses it)
OUTSIDE = "outside"  # outside the git work tree the manifest lies in: no commit of it holds it


class Untracked(Record):
    reference: Path  # where the manifest cites the file
    file: str  # the file, from the top of the work tree (`/` separators): what to `git add`
    why: str  # UNTRACKED, IGNORED or OUTSIDE


class Unknown(Unreadable):
    """What a rule needs to know lies outside the manifest and could not be found out (git
    could not be asked): the rule is not evaluated, for the reason given."""


class Tracking(Record):
    """Whether git tracks the local evidence files of one manifest: asked before evaluation,
    like the references' statuses, so that rules stay pure.

    ``work_tree`` is the top of the git work tree the manifest lies in (None outside one: then
    nothing is asked); ``untracked`` the references to files that exist but that a commit would
    not hold; ``problem`` why git could not tell (the rules that ask are then not evaluated)."""

    work_tree: str | None = None
    untracked: tuple[Untracked, ...] = ()
    problem: str = ""

    def untracked_files(self) -> tuple[Untracked, ...]:
        if self.problem:
            raise Unknown("", f"git could not tell which evidence files it tracks: {self.problem}")
        return self.untracked


class Index(Record):
    """What git says of a work tree: the files its index holds, and which of some untracked
    files it ignores (a function: asked only when there are untracked files)."""

    files: frozenset[str]
    ignored: Callable[[Sequence[str]], frozenset[str]]


@lru_cache(maxsize=16)
def _tracked(top: str) -> frozenset[str] | str:
    # Once per work tree and run (clear_caches): one `git ls-files` answers every manifest.
    from aims_policy.git import GitError, tracked_files

    try:
        return tracked_files(top)
    except GitError as exc:
        return str(exc)


def git_index(top: str) -> Index | str:
    """The index of the work tree at ``top``, or why git could not list it."""
    from aims_policy.git import GitError, ignored

    files = _tracked(top)
    if isinstance(files, str):
        return files

    def ask(paths: Sequence[str]) -> frozenset[str]:
        try:
            return ignored(top, paths)
        except GitError:
            return frozenset()  # the file is untracked all the same; only the advice differs

    return Index(files, ask)


def tracking(
    data: Any,
    statuses: Mapping[Path, str],
    manifest_path: str,
    top: str | None,
    index: Callable[[str], Index | str] = git_index,
) -> Tracking:
    """Which of the manifest's evidence files that exist (status ``ok``) git does not track.
    ``top`` is the top of the git work tree the manifest lies in (:func:`work_tree`), or None;
    ``index`` answers for it (git itself; rule fixtures state what it holds)."""
    manifest_dir = os.path.dirname(os.path.abspath(manifest_path))
    if top is None:
        return Tracking()
    local = [(path, value) for path, value in references(data) if statuses.get(path) == OK]
    if not local:
        return Tracking(top)  # nothing to ask git about
    found = index(top)
    if isinstance(found, str):
        return Tracking(top, problem=found)
    real_top = real_directory(top)
    out: list[tuple[Path, str, bool]] = []  # reference, file from the top, inside the top
    for path, value in sorted(local, key=lambda item: [str(k) for k in item[0]]):
        target = os.path.normpath(os.path.join(manifest_dir, value))
        if target == top:
            continue  # the work tree as a whole: whatever it holds is what a commit holds
        file = _relative(target, top)
        if file is not None and _held(file, target, found.files):
            continue
        # The path may pass through a linked folder: the index holds the real one.
        real = _relative(os.path.realpath(target), real_top)
        if real is not None and _held(real, target, found.files):
            continue
        shown = file if file is not None else real
        out.append((path, shown if shown is not None else target, shown is not None))
    if not out:
        return Tracking(top)
    asked = found.ignored([file for _, file, inside_top in out if inside_top])
    return Tracking(
        top,
        tuple(
            Untracked(
                path, file, (IGNORED if file in asked else UNTRACKED) if inside_top else OUTSIDE
            )
            for path, file, inside_top in out
        ),
    )


def _relative(target: str, top: str) -> str | None:
    if not inside(target, top) or target == top:
        return None
    relative = target[len(top.rstrip(os.sep)) + 1 :]
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _held(file: str, target: str, files: frozenset[str]) -> bool:
    if file in files:
        return True
    if os.path.isdir(target):  # a folder cited as a whole: tracked when a file in it is
        prefix = file + "/"
        return any(name.startswith(prefix) for name in files)
    return False


# -- what the references evidence ---------------------------------------------------------------

#: Kinds of ``spec.evidence`` entry that state an intention (a policy, a procedure, a plan)
#: rather than show that something was done.
POLICY_KINDS = ("policy", "procedure", "plan")

#: The Annex A controls a reference in each part of a manifest shows to be in operation (longest
#: matching prefix wins; list indexes are left out). A reference whose key names a policy
#: (``aiPolicyRef``, ``responsibleUsePolicyRef``) states an intention instead.
REFERENCE_CONTROLS: dict[str, tuple[str, ...]] = {
    "spec.purpose": ("A.6.2.2", "A.9.4"),
    "spec.classification.euAiAct": ("A.6.2.5",),
    "spec.dataSources": ("A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6"),
    "spec.dataSources.dpiaRef": ("A.7.3", "A.2.3", "A.5.4"),
    "spec.models": ("A.6.2.7", "A.4.4"),
    "spec.suppliers": ("A.10.2", "A.10.3"),
    "spec.impactAssessment": ("A.5.2", "A.5.3", "A.5.4", "A.5.5"),
    "spec.humanOversight": ("A.9.2", "A.9.3"),
    "spec.humanOversight.overseers": ("A.4.6", "A.9.2", "A.9.3"),
    "spec.transparency": ("A.8.2", "A.8.5", "A.6.2.7", "A.9.4"),
    "spec.validation": ("A.6.2.4", "A.6.2.5"),
    "spec.monitoring": ("A.6.2.6",),
    "spec.logging": ("A.6.2.8",),
    "spec.incidents": ("A.8.3", "A.8.4"),
    "spec.resources": ("A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6"),
    "spec.governance": ("A.2.2",),
    "spec.governance.responsibleUsePolicyRef": ("A.9.2", "A.9.3"),
    "spec.governance.customerTermsRef": ("A.10.4", "A.8.5"),
    "spec.governance.externalReportingRef": ("A.8.3", "A.8.5"),
}


def control_order(control: str) -> tuple[int, ...]:
    """A sort key that puts A.4.2 before A.10.2 (Annex A order)."""
    return tuple(int(p) for p in control.split(".") if p.isdigit())


def _section_controls(keys: tuple[str, ...]) -> tuple[str, ...]:
    for end in range(len(keys), 1, -1):
        found = REFERENCE_CONTROLS.get(".".join(keys[:end]))
        if found is not None:
            return found
    return ()


def credited_controls(data: Any, statuses: Mapping[Path, str]) -> dict[str, frozenset[str]]:
    """Annex A controls shown by references that resolve (a file that exists, or a URL), each
    with the kinds of evidence behind it: ``operational`` (a record, test, assessment...) or
    ``policy`` (a policy, procedure or plan). From ``spec.evidence`` entries (by their
    ``controls`` and ``kind``), from the references in each section (by the section's
    controls), and from what the manifest records of the system's operation (logs kept,
    monitoring metrics, measured validation results). ``data`` may be plain or frozen, and need
    not match the schema."""
    found: dict[str, set[str]] = {}
    spec: Any = data.get("spec") if isinstance(data, Mapping) else None
    entries: Any = spec.get("evidence") if isinstance(spec, Mapping) else None
    for path, status in statuses.items():
        if status not in (OK, URL):
            continue
        controls: Any
        if path[:2] == ("spec", "evidence") and len(path) > 2 and isinstance(path[2], int):
            # plain lists and pyrsistent vectors alike (rules pass the frozen document)
            ok = isinstance(entries, Sequence) and not isinstance(entries, str)
            entry: Any = entries[path[2]] if ok and path[2] < len(entries) else None
            if not isinstance(entry, Mapping):
                continue
            kind = "policy" if entry.get("kind") in POLICY_KINDS else "operational"
            controls = entry.get("controls") or ()
        else:
            keys = tuple(k for k in path if isinstance(k, str))
            kind = "policy" if keys and keys[-1].endswith("PolicyRef") else "operational"
            controls = _section_controls(keys)
        listed = isinstance(controls, Sequence) and not isinstance(controls, str)
        for control in controls if listed else ():
            if isinstance(control, str):
                found.setdefault(control, set()).add(kind)
    # What the manifest records of the system's own operation counts too: logs it keeps,
    # monitoring metrics it watches, validation results it measured (other rules check each).
    if isinstance(spec, Mapping):
        measured = _get(spec, "validation", "metrics")
        if not isinstance(measured, Sequence) or isinstance(measured, str):
            measured = ()
        for control, shown in (
            ("A.6.2.8", _get(spec, "logging", "enabled") is True),
            ("A.6.2.6", bool(_get(spec, "monitoring", "metrics"))),
            (
                "A.6.2.4",
                any(isinstance(m, Mapping) and m.get("result") is not None for m in measured),
            ),
        ):
            if shown:
                found.setdefault(control, set()).add("operational")
    return {control: frozenset(kinds) for control, kinds in found.items()}


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def relied_controls(data: Any) -> tuple[str, ...]:
    """The Annex A controls a system's risk treatment relies on (``spec.risks[].treatment
    .controls``), each once, in Annex A order; read leniently (the manifest may not match the
    schema, and what does not look like a control id is left out, as the schema says)."""
    from aims_policy.validate import is_annex_a_control

    spec: Any = data.get("spec") if isinstance(data, Mapping) else None
    risks = spec.get("risks") if isinstance(spec, Mapping) else None
    found: set[str] = set()
    for risk in risks if isinstance(risks, list) else ():
        controls = _get(risk, "treatment", "controls")
        for control in controls if isinstance(controls, list) else ():
            if isinstance(control, str) and is_annex_a_control(control):
                found.add(control)
    return tuple(sorted(found, key=control_order))
