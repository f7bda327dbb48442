"""The classes of the frozen documents rules read, and the fast way to tell them apart.

Rules read a manifest through pyrsistent structures, so that no rule can change what the next one
sees. A PMap lookup is a chain of Python calls (``get`` raises and catches ``KeyError`` for every
absent key), a check reads a manifest's maps about a thousand times, and building a PMap's hash
buckets is most of what freezing a manifest costs. :class:`FrozenMap` is a PMap that keeps the
dict it was built from to itself, answers lookups and iteration from it (in the document's order),
and builds its buckets only when a PMap method needs them (equality with another PMap, ``set``,
``transform``, which return plain PMaps). A rule cannot tell it from a PMap but by speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MemberDescriptorType
from typing import Any

from pyrsistent import PMap, pmap, pvector

#: pyrsistent's vector as its C implementation makes it (``PVector`` is an ABC).
VECTOR: type[Any] = type(pvector())


# PMap keeps its size and hash buckets in slots; a FrozenMap fills the size at once and the
# buckets only when a PMap method needs them (equality with another PMap, set, transform):
# building them is most of what freezing a manifest costs, and a check seldom needs them.
_SIZE: Any = PMap.__dict__.get("_size")
_BUCKETS: Any = PMap.__dict__.get("_buckets")
_PMAP_SLOTS = frozenset(getattr(PMap, "__slots__", ()))
_SLOTS = all(isinstance(slot, MemberDescriptorType) for slot in (_SIZE, _BUCKETS))


class FrozenMap(PMap):  # type: ignore[type-arg]
    """A PMap whose reads go to a dict of the same items, which is never handed out."""

    # ``get``, ``items`` and ``values`` are slots holding the dict's own bound methods: rules and
    # identity paths read maps by ``get`` millions of times in a run, and walks iterate them by
    # ``items``; a method written here would add a Python frame to each (PMap's ``items`` builds
    # a view object of its own, in Python, on every call). The views are the dict's: read-only,
    # in the document's order. Special methods such as ``__getitem__`` must stay methods of the
    # class.
    __slots__ = ("_items", "get", "items", "values")
    _items: dict[Any, Any]
    get: Any
    items: Any
    values: Any

    @property
    def _buckets(self) -> Any:
        try:
            return _BUCKETS.__get__(self, PMap)
        except AttributeError:  # not built yet
            buckets = pmap(self._items)._buckets
            _BUCKETS.__set__(self, buckets)
            return buckets

    # Nothing is set on a FrozenMap once made (frozen_map fills the slots through their
    # descriptors): a rule that assigned ``m.get`` would change what every later rule reads.
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PMAP_SLOTS:  # PMap's own state, such as the cache of its hash
            super().__setattr__(name, value)
            return
        raise AttributeError(f"a frozen document cannot be changed (setting {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a frozen document cannot be changed (deleting {name!r})")

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # In the document's order, where a PMap iterates in its keys' hash order (which changes from
    # one process to the next).
    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def iterkeys(self) -> Iterator[Any]:
        return iter(self._items)

    def itervalues(self) -> Iterator[Any]:
        return iter(self._items.values())

    def iteritems(self) -> Iterator[tuple[Any, Any]]:
        return iter(self._items.items())

    def __reduce__(self) -> tuple[Any, ...]:
        return (frozen_map, (self._items,))


def frozen_map(items: dict[Any, Any]) -> PMap:  # type: ignore[type-arg]
    """``items`` (whose values are frozen already) as a :class:`FrozenMap`, which takes the dict
    over: the caller must not keep it. A pyrsistent release whose PMap keeps its data otherwise
    gets a plain PMap instead, slower but the same."""
    if not _SLOTS:  # pragma: no cover - another pyrsistent's internals
        return pmap(items)
    made = object.__new__(FrozenMap)
    # Each slot set through its descriptor, spelt out: this runs for every map of every manifest.
    _SIZE.__set__(made, len(items))
    _SET_DICT(made, items)
    _SET_GET(made, items.get)
    _SET_ITEMS(made, items.items)
    _SET_VALUES(made, items.values)
    return made


_SET_DICT = FrozenMap.__dict__["_items"].__set__
_SET_GET = FrozenMap.__dict__["get"].__set__
_SET_ITEMS = FrozenMap.__dict__["items"].__set__
_SET_VALUES = FrozenMap.__dict__["values"].__set__


#: The classes of a frozen document's maps.
FROZEN_MAPS: frozenset[type[Any]] = frozenset({PMap, FrozenMap})
# The concrete classes of the documents rules and reports read (loaded and frozen): a lookup in
# these sets answers before collections.abc's isinstance machinery, which costs more than the
# read it guards and runs on every read.
MAPPINGS: frozenset[type[Any]] = frozenset({dict, PMap, FrozenMap})
SEQUENCES: frozenset[type[Any]] = frozenset({list, tuple, VECTOR})
#: The classes of the values the loader makes (a frozen document keeps its scalars as they are).
#: Walks over every value of a loaded document tell these by identity and ask isinstance only
#: of anything else: a subclass a caller handed in.
LOADED_SCALARS: frozenset[type[Any]] = frozenset({str, int, float, bool, type(None)})
LOADED_CONTAINERS: frozenset[type[Any]] = frozenset({dict, list})
LOADED: frozenset[type[Any]] = LOADED_SCALARS | LOADED_CONTAINERS
