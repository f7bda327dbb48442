"""How messages word counts and suggestions, in one place so that every message agrees.

Library modules, rule packs and commands all import it; it imports nothing of the package, so
any module may use it without creating an import circle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def noun(count: int, word: str) -> str:
    """``word`` in the number ``count`` asks for: "day" for 1 (and -1), "days" otherwise."""
    return word if count in (1, -1) else f"{word}s"


def plural(count: int, word: str) -> str:
    """A count with its unit, singular or plural: ``plural(1, "day")`` is "1 day",
    ``plural(3, "month")`` is "3 months"."""
    return f"{count} {noun(count, word)}"


def describe(value: Any) -> str:
    """A value as a message quotes it: as JSON, the way the user could have written it in YAML or
    JSON, cut short past 40 characters."""
    import json  # only a message pays for it

    try:
        text = json.dumps(value, default=str)
    except ValueError:  # pragma: no cover - circular structures cannot come from the loader
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def did_you_mean(
    word: str, choices: Iterable[object], otherwise: str = "", *, quote: bool = True
) -> str:
    """The end of a message about an unknown name: ``"; did you mean 'select'?"`` naming the
    closest of ``choices``, else ``otherwise``. ``quote=False`` names it bare, as rule ids and
    patterns are written on the command line."""
    names = [str(c) for c in choices]
    if not _any_within_reach(word, names):
        return otherwise
    import difflib  # only a name that may be a slip pays for it

    close = difflib.get_close_matches(word, names, n=1)
    if not close:
        return otherwise
    return f"; did you mean {close[0]!r}?" if quote else f"; did you mean {close[0]}?"


# difflib.get_close_matches' default cutoff: a name is suggested only if it is that similar.
_CUTOFF = 0.6


def _any_within_reach(word: str, names: list[str]) -> bool:
    """Whether any of ``names`` could be close enough to ``word`` for difflib to suggest it.
    get_close_matches keeps a name only if its ``quick_ratio`` reaches the cutoff: twice the
    characters the two have in common, counted as multisets, over their total length (an upper
    bound of the similarity it then computes). Counting that here answers the usual unknown
    field, an organisation's own name rather than a slip, without importing difflib (about 1%
    of a one-file check); when a name passes, difflib decides as before."""
    from collections import Counter  # loaded at start-up already (click, yaml and typing use it)

    letters = Counter(word)
    for name in names:
        total = len(word) + len(name)
        shared = sum((letters & Counter(name)).values())
        if (2.0 * shared / total if total else 1.0) >= _CUTOFF:
            return True
    return False


#: C0 controls (tab, CR and LF included), DEL and C1 controls -> ``\\xNN``.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


def escape_controls(text: str, keep: str = "") -> str:
    """Text from outside (manifest values, file names, paths from a configuration) with its
    control characters shown as ``\\xNN``: they would otherwise drive the terminal (escape
    sequences) or start a new line, which a CI runner may read as a workflow command
    (``::error ...``). ``keep``: characters a format encodes itself (GitHub's ``%0A``)."""
    if text.isascii() and text.isprintable():  # nothing to escape: answered without a table
        return text
    table = {c: v for c, v in _CONTROLS.items() if chr(c) not in keep} if keep else _CONTROLS
    return text.translate(table)
