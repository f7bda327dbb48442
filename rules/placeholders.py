"""Placeholders left in a manifest (ISO/IEC 42001 clause 7.5.2).

``aims-policy init`` writes skeletons whose blanks read ``TODO: ...``. This rule reports every
one of them, whatever other rules exist, so that a new manifest can never pass by accident: it
stays red until a person has written something real in each blank.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from aims_policy.engine import Context, Violation, identity, nist, rule
from aims_policy.frozen import LOADED_SCALARS, MAPPINGS, SEQUENCES
from aims_policy.paths import Path, WalkEntry, entry_path

#: "TODO" as a word at the start of a value: ``TODO``, ``TODO: name``, ``TODO@example.com``, but
#: not ``TODOist`` (a product name is not a placeholder).
PLACEHOLDER = r"TODO\b"  # compiled (re's cache) when a value starts with TODO


def _placeholders(node: Any, path: Path) -> Iterator[tuple[Path, str]]:
    # An explicit stack rather than recursion: the loader bounds depth, but a rule should not
    # depend on that bound to stay within Python's recursion limit. This rule visits every value
    # of every manifest, so it tests a string for "TODO" before building anything, tells
    # containers by their concrete class before asking collections.abc, keeps on the stack each
    # container's parent entry and key instead of its path (spelt out only for a match), and
    # sorts the (rare) matches afterwards instead of keeping the walk in document order.
    found: list[tuple[Path, str]] = []
    stack: list[WalkEntry] = [(node, None, None)]
    while stack:
        entry = stack.pop()
        value = entry[0]
        kind = type(value)
        if kind in MAPPINGS:
            children: Iterable[tuple[Any, Any]] = value.items()
        elif kind in SEQUENCES:
            children = enumerate(value)
        elif isinstance(value, str):  # the start itself, or a subclass of str
            if value.startswith("TODO") and re.match(PLACEHOLDER, value):
                found.append((entry_path(entry, path), value))
            continue
        elif isinstance(value, Mapping):
            children = value.items()
        elif isinstance(value, Sequence):
            children = enumerate(value)
        else:
            continue
        for key, child in children:
            if type(child) is str:
                if child.startswith("TODO") and re.match(PLACEHOLDER, child):
                    found.append(((*entry_path(entry, path), key), child))
            elif type(child) in _CONTAINERS or (
                type(child) not in LOADED_SCALARS and not isinstance(child, _SCALARS)
            ):
                stack.append((child, entry, key))
    yield from sorted(
        found, key=lambda item: [str(p) if isinstance(p, str) else f"{p:08d}" for p in item[0]]
    )


_CONTAINERS = MAPPINGS | SEQUENCES
_SCALARS = (int, float, bool, type(None))


@rule(
    id="AIMS-TODO-001",
    kinds=["AISystem", "AIManagementSystem"],
    title="Placeholders are filled in",
    severity="error",
    clauses=["7.5.2"],
    # The crosswalk maps no NIST subcategory to 7.5.2: by the rule above engine.eu this is a link
    # of our own (derived), but it has always been published as not derived; the mapping review
    # decides which it is.
    nist_ai_rmf=[nist("GOVERN 1.4", "medium")],
    tags=["completeness"],
    rationale="""A value that still reads `TODO` looks like documentation but says nothing: an
        auditor, a reviewer or another rule would otherwise take the field as answered. New
        manifests from `aims-policy init` start with such placeholders so that they fail until
        a person has filled them in.""",
    remediation="""Replace each `TODO: ...` value with the real information (the placeholder
        text says what belongs there), or delete the field if it truly does not apply.""",
)
def placeholders_filled_in(ctx: Context) -> Iterator[Violation]:
    for path, value in _placeholders(ctx.input, ()):
        # "TODO: what belongs here" carries its own hint; any other placeholder is shown as is.
        hint = value.partition(":")[2].strip() if value[4:].lstrip().startswith(":") else value
        what = f" ({hint})" if hint else ""
        yield ctx.at(path).fail(
            f"{identity(ctx, path)} is still a placeholder{what}; write the real value"
        )
