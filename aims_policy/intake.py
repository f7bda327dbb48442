"""Intake: one candidate file -> the manifest documents in it, or why there are none.

Reads the bytes, passes over files that are plainly not manifests (a directory scan meets every
YAML file in a repository), loads the rest with positions, and sorts their documents into
manifests and problems. Nothing here knows about rules."""

import os
import stat
from typing import Any

from aims_policy.discover import STDIN, Candidate
from aims_policy.loader import MAX_BYTES, Document, load_bytes
from aims_policy.model import Location, Notification, SystemInfo
from aims_policy.validate import KIND, KINDS

#: ``AISystem`` (then ``AIManagementSystem``) as UTF-8, UTF-16 and UTF-32, so that a manifest
#: saved in the wrong encoding is reported, not skipped as a non-manifest by the pre-filter.
#: A document claiming our format by its apiVersion is looked at even when its kind is misspelt.
_OUR_API_VERSION = b"aims-policy/v"
#: Written out rather than encoded at import: encoding would load four codec modules at start-up.
_KIND_MARKS = (
    b"AISystem",
    b"A\x00I\x00S\x00y\x00s\x00t\x00e\x00m\x00",
    b"\x00A\x00I\x00S\x00y\x00s\x00t\x00e\x00m",
    b"A\x00\x00\x00I\x00\x00\x00S\x00\x00\x00y\x00\x00\x00s\x00\x00\x00t\x00\x00\x00e\x00\x00\x00m\x00\x00\x00",
    b"\x00\x00\x00A\x00\x00\x00I\x00\x00\x00S\x00\x00\x00y\x00\x00\x00s\x00\x00\x00t\x00\x00\x00e\x00\x00\x00m",
    # kind: AIManagementSystem, the organisation manifest, in the same encodings
    b"AIManagementSystem",
    b"A\x00I\x00M\x00a\x00n\x00a\x00g\x00e\x00m\x00e\x00n\x00t\x00S\x00y\x00s\x00t\x00e\x00m\x00",
    b"\x00A\x00I\x00M\x00a\x00n\x00a\x00g\x00e\x00m\x00e\x00n\x00t\x00S\x00y\x00s\x00t\x00e\x00m",
    b"A\x00\x00\x00I\x00\x00\x00M\x00\x00\x00a\x00\x00\x00n\x00\x00\x00a\x00\x00\x00g\x00\x00\x00e\x00\x00\x00m\x00\x00\x00e\x00\x00\x00n\x00\x00\x00t\x00\x00\x00S\x00\x00\x00y\x00\x00\x00s\x00\x00\x00t\x00\x00\x00e\x00\x00\x00m\x00\x00\x00",
    b"\x00\x00\x00A\x00\x00\x00I\x00\x00\x00M\x00\x00\x00a\x00\x00\x00n\x00\x00\x00a\x00\x00\x00g\x00\x00\x00e\x00\x00\x00m\x00\x00\x00e\x00\x00\x00n\x00\x00\x00t\x00\x00\x00S\x00\x00\x00y\x00\x00\x00s\x00\x00\x00t\x00\x00\x00e\x00\x00\x00m",
)


def manifests_in(
    candidate: Candidate,
    skip_non_manifests: bool,
    problems: list[Notification],
    root: str | None = None,
) -> list[Document]:
    """The manifest documents of a file. What is wrong with the file is added to ``problems``
    (which arrives empty). ``root`` is the repository root (default: the enclosing git work
    tree): a symbolic link inside it may not lead outside it."""
    display = candidate.display
    given = candidate.content is not None  # standard input: no file to read, or to judge by name
    raw = _given(candidate, problems) if given else _read(candidate, root, problems)
    if raw is None:
        return []
    explicit = candidate.explicit
    mentions_kind = any(mark in raw for mark in _KIND_MARKS)
    if not explicit and not mentions_kind and _OUR_API_VERSION not in raw:
        return []  # cheap pre-filter for directory scans: not a manifest
    suffix = candidate.path.lower()
    is_json = suffix.endswith(".json")
    if given and display == STDIN:
        is_json = raw.lstrip()[:1] in (b"{", b"[")  # nameless: the content says which syntax
    elif explicit and not given and not suffix.endswith((".yaml", ".yml", ".json")):
        if not skip_non_manifests:
            problems.append(_not_manifest(display, "it is not a .yaml, .yml or .json file"))
        return []
    loaded = load_bytes(raw, display, json_syntax=is_json)
    if loaded.errors:
        # A file that cannot be read as YAML and never mentions the kind is no more a manifest
        # than a workflow file: --skip-non-manifests skips it (a Helm template must not block a
        # commit); named without the flag, it is an error.
        if mentions_kind or (explicit and not skip_non_manifests):
            problems.extend(loaded.errors)
        return []
    manifests = []
    for doc in loaded.documents:
        data = doc.data
        if isinstance(data, dict) and data.get("kind") in KINDS:
            manifests.append(doc)
        elif isinstance(data, dict) and str(data.get("apiVersion")).startswith("aims-policy/"):
            # Our format by its apiVersion, but kind misspelt or missing: never a silent skip.
            got = data.get("kind")
            what = f"kind {got!r} is not a kind aims-policy knows" if "kind" in data else "no kind"
            problems.append(
                Notification(
                    "load",
                    "kind",
                    f"the document has apiVersion "
                    f"{data['apiVersion']!r} but {what}; write kind: {KIND} (an AI system) or "
                    f"kind: {KINDS[1]} (the organisation's management system)",
                    doc.locate(("kind",)),
                )
            )
        elif (
            explicit
            and not skip_non_manifests
            and doc.data is not None
            and not isinstance(data, dict)
        ):
            kind = "a list" if isinstance(data, list) else "a single value"
            loc = doc.locate(())
            problems.append(
                Notification(
                    "load",
                    "root-type",
                    f"the document is {kind}; "
                    "a manifest is a mapping with apiVersion, kind, metadata and "
                    "spec",
                    loc,
                )
            )
    if not manifests and explicit and not skip_non_manifests and not problems:
        why = (
            "the file is empty"
            if not loaded.documents or all(d.data is None for d in loaded.documents)
            else "no document has kind: AISystem or AIManagementSystem"
        )
        problems.append(_not_manifest(display, why))
    return manifests


def organisation_documents(
    candidates: list[Candidate], root: str | None, enough: int | None = None
) -> list[Document]:
    """The organisation manifests (kind: AIManagementSystem) among ``candidates`` that match
    their schema, read ahead of the run: their authorities are part of what system rules read.
    Only files that mention the kind are parsed, and none once ``enough`` are found; what is
    wrong with any file is left for the run itself to report."""
    from aims_policy.validate import ORG_KIND, fast_is_valid

    marks = _KIND_MARKS[5:]
    found: list[Document] = []
    for candidate in candidates:
        if enough is not None and len(found) >= enough:
            break
        problems: list[Notification] = []
        given = candidate.content is not None
        raw = _given(candidate, problems) if given else _read(candidate, root, problems)
        if raw is None or not any(mark in raw for mark in marks):
            continue
        loaded = load_bytes(raw, candidate.display, json_syntax=candidate.path.endswith(".json"))
        found.extend(
            doc
            for doc in loaded.documents
            if isinstance(doc.data, dict)
            and doc.data.get("kind") == ORG_KIND
            and fast_is_valid(doc.data)
        )
    return found


def _given(candidate: Candidate, problems: list[Notification]) -> bytes | None:
    """Bytes handed over rather than read (standard input), under the same size limit."""
    raw = candidate.content or b""
    if len(raw) > MAX_BYTES:
        problems.append(
            Notification(
                "load",
                "too-large",
                f"the input is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it into one "
                "manifest per system",
                Location.whole(candidate.display),
            )
        )
        return None
    return raw


def _read(candidate: Candidate, root: str | None, problems: list[Notification]) -> bytes | None:
    """The file's bytes, never more than the size limit plus one: a regular file only (a FIFO
    would block for ever, /dev/zero never end), and not through a link that leaves the
    repository (its content is none of the repository's business, and its name and title would
    be reported)."""
    display = candidate.display

    def refuse(code: str, message: str) -> None:
        problems.append(Notification("load", code, message, Location.whole(display)))

    escapes = _escapes_repository(candidate.path, root)
    if escapes:
        refuse("outside", escapes)
        return None
    try:
        # Non-blocking, so that opening a FIFO returns at once instead of waiting for a writer;
        # it changes nothing for a regular file.
        fd = os.open(candidate.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        refuse("unreadable", f"cannot read the file: {exc.strerror}; check its permissions")
        return None
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        mode = status.st_mode
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else (
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
            )  # fmt: skip
            refuse("not-a-file", f"the path is {kind}, not a file; pass manifest files only")
            return None
        try:
            # As much as the file holds, plus one: asking for the limit itself would allocate
            # (and give back) 5 MiB for every file. A file that grows meanwhile, or one whose
            # size the system does not tell (procfs), is read on up to the limit.
            expected = min(status.st_size, MAX_BYTES) + 1
            raw = handle.read(expected)
            if len(raw) == expected:
                raw += handle.read(MAX_BYTES + 1 - len(raw))
        except OSError as exc:
            refuse("unreadable", f"cannot read the file: {exc.strerror}; check its permissions")
            return None
    if len(raw) > MAX_BYTES:
        refuse("too-large", f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; "
               "split it into one manifest per system")  # fmt: skip
        return None
    return raw


def _escapes_repository(path: str, root: str | None) -> str | None:
    """Why a file inside the repository that is reached through a symbolic link leading out of
    it may not be read, or None. A file named outside the repository is the user's to name."""
    from aims_policy.evidence import inside, real_directory, real_file, repository_root

    absolute = os.path.abspath(path)
    base = os.path.abspath(root) if root else repository_root(os.path.dirname(absolute))
    if not inside(absolute, base):
        return None
    if inside(real_file(absolute, os.path.islink(absolute)), real_directory(base)):
        return None
    return (
        "the file is a symbolic link (or lies in a linked folder) that leads outside the "
        "repository; check the file it points to where it lives, or copy it in"
    )


def _not_manifest(display: str, why: str) -> Notification:
    return Notification(
        "load",
        "not-a-manifest",
        f"not an aims-policy manifest: {why}; pass manifests only, or use --skip-non-manifests",
        Location.whole(display),
    )


def system_name(doc: Document) -> str:
    meta = doc.data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else f"{doc.file}#{doc.index + 1}"


def system_info(doc: Document, name: str) -> SystemInfo:
    """What the report lists for each system, read leniently: the document may not match the
    schema."""
    data: dict[str, Any] = doc.data
    spec = _mapping(data, "spec")
    cls = _mapping(spec, "classification")
    eu = _mapping(cls, "euAiAct")
    owner = _mapping(spec, "owner")
    meta = _mapping(data, "metadata")
    return SystemInfo(
        name,
        doc.locate(()),
        _str(meta.get("title")),
        _str(cls.get("riskLevel")),
        _str(eu.get("category")),
        _str(owner.get("name")),
        tuple(
            (section, reason)
            for section, reason in _mapping(spec, "notApplicable").items()
            if isinstance(section, str) and isinstance(reason, str)
        ),
    )


def implementation_paths(data: Any) -> tuple[str, ...]:
    """``spec.implementation.paths``, read leniently (a value the schema rejects is reported
    there, AIMS-SCH-003, and covers nothing here)."""
    spec = _mapping(data, "spec") if isinstance(data, dict) else {}
    paths = _mapping(spec, "implementation").get("paths")
    if not isinstance(paths, list):
        return ()
    return tuple(p for p in paths if isinstance(p, str) and p.strip())


def _mapping(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def item_owners(data: Any, items: set[str]) -> list[tuple[str, str]]:
    """``(item id, owner)`` of the list items named ``items`` anywhere in the document, for those
    that name an owner (a person as text, or a mapping with a name)."""
    from aims_policy.paths import item_name

    found: list[tuple[str, str]] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            for item in node:
                name = item_name(item)
                if name in items and isinstance(item, dict):
                    owner = item.get("owner")
                    owner = owner.get("name") if isinstance(owner, dict) else owner
                    if isinstance(owner, str) and owner:
                        found.append((name, owner))
                if isinstance(item, (dict, list)):
                    stack.append(item)
    return found
