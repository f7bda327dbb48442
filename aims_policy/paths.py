"""Two names for a place in a document, and the one walker that follows them.

A *pointer* (``/spec/risks/2/owner``) says where a node is; an *identity path*
(``spec.risks[R-7].owner``) says what it is. List items are named by their ``id`` (or ``name``)
so that identity survives inserting, removing or reordering items; fingerprints, exceptions and
baselines are keyed on identity, never on position. Identity paths are also what people write:
fixtures name the fields they change with them (``spec.models[0].supplier`` for an item without
a name), and :func:`resolve` turns such a text back into the path of a document.

A place whose value does not match the schema (or a missing required field) is held by an
:class:`Invalid` in the frozen document rules read: using it raises :class:`Unreadable`, named
by its identity path, and the rule is not evaluated on that manifest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aims_policy.frozen import MAPPINGS, SEQUENCES

PathKey = str | int
Path = tuple[PathKey, ...]


def pointer(path: Path) -> str:
    """RFC 6901 JSON Pointer for ``path``."""
    text = "/".join(map(str, path))
    # Keys seldom hold "~" or "/": escaped one by one only when one does (a "/" in a key shows
    # as at least as many separators as the path has steps).
    if "~" in text or text.count("/") >= len(path):
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return "/" + text if path else ""


#: Fields that name a list item, in order of preference: ``id`` and ``name`` where the format
#: has them, then the natural keys of the lists that have neither (change-log entries are named
#: by version, overseers and people by role).
IDENTITY_KEYS = ("id", "name", "version", "role")


def item_name(item: Any) -> str | None:
    """The identity of a list item: its ``id`` (or another naming field, see
    :data:`IDENTITY_KEYS`), or the text itself for a list of strings; none otherwise, and only
    then is the index used."""
    if type(item) in MAPPINGS or (not isinstance(item, str) and isinstance(item, Mapping)):
        for key in IDENTITY_KEYS:
            value = item.get(key)
            if isinstance(value, str) and value:
                return value
        return None
    if isinstance(item, str):
        return item or None
    return None


def ident(data: Any, path: Path) -> str:
    """Identity path of ``path`` in ``data``; indexes are used only for items without a name."""
    return identify(data, path)[0]


def identify(data: Any, path: Path) -> tuple[str, str | None]:
    """The identity path of ``path`` in ``data``, and the name of the innermost named list item
    on it (what an exception's ``item:`` names), in one walk."""
    parts: list[str] = []
    node = data
    innermost = None
    for key in path:
        if isinstance(key, int):
            listed = type(node) in SEQUENCES or isinstance(node, Sequence)
            item = node[key] if listed and 0 <= key < len(node) else None
            name = item_name(item)
            parts.append(f"[{name}]" if name is not None else f"[{key}]")
            innermost = name or innermost
            node = item
        else:
            parts.append(f".{key}" if parts else key)
            mapped = type(node) in MAPPINGS or isinstance(node, Mapping)
            node = node.get(key) if mapped else None
    return "".join(parts), innermost


#: A place in a walk over a document: (node, its parent's entry or None at the start, its key
#: there). Walks that visit every value keep these on their stack instead of each node's path,
#: which :func:`entry_path` spells out only for the few nodes they report.
WalkEntry = tuple[Any, Any, Any]


def entry_path(entry: WalkEntry, start: Path = ()) -> Path:
    """The path of a walk's ``entry``, below ``start`` (the path of the node the walk began at)."""
    keys = []
    while entry[1] is not None:
        keys.append(entry[2])
        entry = entry[1]
    return (*start, *reversed(keys))


def value_at(data: Any, path: Path) -> Any:
    """The node at a path of ``data`` (which must be there: a path the document gave us)."""
    node = data
    for key in path:
        node = node[key]
    return node


# A key (anything but dots and brackets), or a list item by name or position in brackets. Left
# to re's cache: identity paths are read for overrides and fixtures, never in a plain check.
_SEGMENT = r"(?:^|\.)([^.\[\]]+)|\[([^\[\]]+)\]"


class PathError(ValueError):
    """An identity path that is malformed, or that names no node of the document."""


def split(text: str) -> list[tuple[str, bool]]:
    """The steps of an identity path: ``(key, False)`` for a mapping key, ``(name, True)`` for
    a list item in brackets (named by identity, or by position for an item without one)."""
    segments = list(re.finditer(_SEGMENT, text))
    if not text or "".join(m.group(0) for m in segments) != text:
        raise PathError(
            f"{text!r} is not a path; write keys with dots and list items in brackets, "
            "e.g. spec.risks[R-7].owner or spec.models[0].supplier"
        )
    return [(m.group(1), False) if m.group(2) is None else (m.group(2), True) for m in segments]


def find_item(items: Sequence[Any], selector: str) -> int | None:
    """The index of the list item ``[selector]`` names: by identity first, then by position."""
    index = next((i for i, item in enumerate(items) if item_name(item) == selector), None)
    if index is None and selector.isdigit() and int(selector) < len(items):
        index = int(selector)
    return index


def resolve(data: Any, text: str) -> Path:
    """The path of the node ``text`` names in ``data``: ``spec.risks[R-7].owner``, with list
    items named by identity or, for items without one, by position (``spec.models[0]``).
    Mapping keys need not exist (a fixture may add a field); list items must."""
    path: list[PathKey] = []
    node = data

    def here() -> str:
        return ident(data, tuple(path)) or "the document"

    for step, is_item in split(text):
        is_list = isinstance(node, Sequence) and not isinstance(node, str)
        if not is_item:
            if is_list:
                where = here()
                raise PathError(
                    f"{where} is a list: name its item in brackets, "
                    f"{where}[<id>] or {where}[<position>], not .{step}"
                )
            path.append(step)
            node = node.get(step) if isinstance(node, Mapping) else None
            continue
        if not is_list:
            raise PathError(f"{here()} is not a list, so [{step}] names nothing")
        index = find_item(node, step)
        if index is None:
            raise PathError(f"{here()} has no item [{step}]")
        path.append(index)
        node = node[index]
    return tuple(path)


def dotted(path: Path) -> str:
    """Human-readable path for messages: ``spec.risks[2].owner``."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


class Unreadable(Exception):
    """A rule read a part of the manifest that does not match the schema (or a required field
    that is missing): the rule is *not evaluated* on that manifest, for the reason given, instead
    of judging a value of a type it was never meant to see. ``engine.evaluate`` turns it into an
    outcome; a rule never catches it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason  # "spec.classification.riskLevel does not match ... (AIMS-SCH-003)"


class Invalid:
    """What stands in the frozen document for a node that does not match the schema (or a
    required field that is missing), in a context made with ``unreadable=``: any use of it (a
    comparison, truth, text, iteration, a lookup, even ``isinstance``) raises
    :class:`Unreadable`, so a rule that reaches it through a section it read as a whole (or a
    list element) stops there, before it judges the bad value. Only its ``repr`` is harmless."""

    __slots__ = ("_path", "_reason")

    def __init__(self, path: str, reason: str) -> None:
        self._path = path
        self._reason = reason

    def unreadable(self) -> Unreadable:
        return Unreadable(self._path, self._reason)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise Unreadable(self._path, self._reason)

    def __repr__(self) -> str:
        return f"<unreadable {self._path}>"

    __class__ = property(_refuse)  # isinstance() asks for it
    __getattr__ = __getitem__ = __contains__ = __iter__ = __len__ = _refuse
    __bool__ = __str__ = __format__ = __hash__ = __int__ = __float__ = __index__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __mod__ = _refuse
