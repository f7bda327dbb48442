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


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def chunks(value: Any, depth: int = 0) -> Iterator[str]:
    """The indented dump of ``value`` at nesting ``depth``, in pieces."""
    if isinstance(value, Fields):
        yield from _object(value, depth)
    elif isinstance(value, Items):
        yield from _array(value.items, depth)
    else:
        text = _dump(value)
        yield text.replace("\n", "\n" + INDENT * depth) if depth and "\n" in text else text


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
