"""The classes of the frozen documents rules read, and the fast way to tell them apart.

Rules read a manifest through pyrsistent structures, so that no rule can change what the next one
sees. A PMap lookup is a chain of Python calls (``get`` raises and catches ``KeyError`` for every
absent key), and a check reads a manifest's maps about a thousand times: :class:`FrozenMap` is a
PMap that answers lookups from the dict it was built from, which it keeps to itself. It is a PMap
in every other respect (equality, hashing, iteration, ``set`` and ``transform``, which return
plain PMaps), so a rule cannot tell the difference but in speed.
"""

from __future__ import annotations

from typing import Any

from pyrsistent import PMap, pmap, pvector

#: pyrsistent's vector as its C implementation makes it (``PVector`` is an ABC).
VECTOR: type[Any] = type(pvector())


class FrozenMap(PMap):  # type: ignore[type-arg]
    """A PMap whose reads go to a dict of the same items, which is never handed out."""

    __slots__ = ("_items",)
    _items: dict[Any, Any]

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def get(self, key: Any, default: Any = None) -> Any:
        return self._items.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __reduce__(self) -> tuple[Any, ...]:
        return (frozen_map, (self._items,))


def frozen_map(items: dict[Any, Any]) -> PMap:  # type: ignore[type-arg]
    """``items`` (whose values are frozen already) as a :class:`FrozenMap`, which takes the dict
    over: the caller must not keep it. A pyrsistent release whose PMap is built differently gets
    a plain PMap instead, slower but the same."""
    base = pmap(items)
    try:
        size, buckets = base._size, base._buckets  # pyrsistent's own constructor takes both
        made: FrozenMap = PMap.__new__(FrozenMap, size, buckets)  # type: ignore[call-arg]
    except (AttributeError, TypeError):  # pragma: no cover - another pyrsistent's internals
        return base
    made._items = items
    return made


#: The classes of a frozen document's maps.
FROZEN_MAPS: frozenset[type[Any]] = frozenset({PMap, FrozenMap})
# The concrete classes of the documents rules and reports read (loaded and frozen): a lookup in
# these sets answers before collections.abc's isinstance machinery, which costs more than the
# read it guards and runs on every read.
MAPPINGS: frozenset[type[Any]] = frozenset({dict, PMap, FrozenMap})
SEQUENCES: frozenset[type[Any]] = frozenset({list, tuple, VECTOR})
