"""Two names for a place in a document.

A *pointer* (``/spec/risks/2/owner``) says where a node is; an *identity path*
(``spec.risks[R-7].owner``) says what it is. List items are named by their ``id`` (or ``name``)
so that identity survives inserting, removing or reordering items; fingerprints, exceptions and
baselines are keyed on identity, never on position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

PathKey = str | int
Path = tuple[PathKey, ...]


def pointer(path: Path) -> str:
    """RFC 6901 JSON Pointer for ``path``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


#: Fields that name a list item, in order of preference: ``id`` and ``name`` where the format
#: has them, then the natural keys of the lists that have neither (change-log entries are named
#: by version, overseers and people by role).
IDENTITY_KEYS = ("id", "name", "version", "role")


def item_name(item: Any) -> str | None:
    """The identity of a list item: its ``id`` (or another naming field, see
    :data:`IDENTITY_KEYS`), or the text itself for a list of strings; none otherwise, and only
    then is the index used."""
    if isinstance(item, str):
        return item or None
    if isinstance(item, (dict, Mapping)):  # dict first: it answers without the ABC machinery
        for key in IDENTITY_KEYS:
            value = item.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def ident(data: Any, path: Path) -> str:
    """Identity path of ``path`` in ``data``; indexes are used only for items without a name."""
    parts: list[str] = []
    node = data
    for key in path:
        if isinstance(key, int):
            item = node[key] if isinstance(node, Sequence) and 0 <= key < len(node) else None
            name = item_name(item)
            parts.append(f"[{name}]" if name is not None else f"[{key}]")
            node = item
        else:
            parts.append(f".{key}" if parts else key)
            node = node.get(key) if isinstance(node, Mapping) else None
    return "".join(parts)
