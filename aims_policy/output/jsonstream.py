"""JSON written as it is produced: the bytes of ``json.dumps(doc, indent=2, ensure_ascii=False)``
in pieces, so that a report with hundreds of thousands of findings never exists as one document
or one string.

A document is made of ordinary values, :class:`Fields` (a dict whose values are streamed one by
one) and :class:`Items` (a list given as an iterable, consumed once, each item turned into its
value only when it is written). Everything else is dumped whole, one item at a time: the layout
of an indented dump does not depend on where a value sits except for its indentation, which is
added to every line break (JSON strings carry none: a line break in a string is ``\\n``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

INDENT = "  "


class Fields(dict[str, Any]):
    """An object whose members are written one by one (any of them may be :class:`Items`)."""


class Items:
    """An array given as an iterable: read once, as it is written."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _dump(value: Any, depth: int = 0) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, indented for nesting ``depth``.

    Written out rather than asked of json: an indented json.dumps builds its encoder's functions
    anew on every call, and they refer to each other, so each call leaves a reference cycle
    behind. The program runs without the cyclic collector (aims_policy.__main__), and a report
    dumps one value per finding: the garbage would pile up until the run ends. The rules are
    json's own (tests compare the two): the same escapes, numbers, constants and key types."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    inner = "\n" + INDENT * (depth + 1)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        body = ("," + inner).join(_dump(item, depth + 1) for item in value)
        return "[" + inner + body + "\n" + INDENT * depth + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = ("," + inner).join(
            _key(key) + ": " + _dump(item, depth + 1) for key, item in value.items()
        )
        return "{" + inner + body + "\n" + INDENT * depth + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (_INFINITY, -_INFINITY):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, float):
        return _string(_float(key))
    if key is True or key is False or key is None:
        return _string(_dump(key))
    if isinstance(key, int):
        return _string(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


_string = json.encoder.encode_basestring  # what json uses with ensure_ascii=False (C if it can)
_INFINITY = float("inf")


def chunks(value: Any, depth: int = 0) -> Iterator[str]:
    """The indented dump of ``value`` at nesting ``depth``, in pieces."""
    if isinstance(value, Fields):
        yield from _object(value, depth)
    elif isinstance(value, Items):
        yield from _array(value.items, depth)
    else:
        yield _dump(value, depth)


def _object(fields: Fields, depth: int) -> Iterator[str]:
    if not fields:
        yield "{}"
        return
    inner = "\n" + INDENT * (depth + 1)
    separator = "{" + inner
    for key, value in fields.items():
        yield separator + _dump(key) + ": "
        yield from chunks(value, depth + 1)
        separator = "," + inner
    yield "\n" + INDENT * depth + "}"


def _array(items: Iterable[Any], depth: int) -> Iterator[str]:
    inner = "\n" + INDENT * (depth + 1)
    separator = "[" + inner
    for item in items:
        yield separator
        yield from chunks(item, depth + 1)
        separator = "," + inner
    # Nothing written yet: the empty array, as json.dumps writes it.
    yield "[]" if separator[0] == "[" else "\n" + INDENT * depth + "]"


def plain(value: Any) -> Any:
    """``value`` with every :class:`Fields` and :class:`Items` made a dict and a list: the
    document as one value (what the streamed text is the dump of)."""
    if isinstance(value, Fields):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, Items):
        return [plain(item) for item in value.items]
    return value
