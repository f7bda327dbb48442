"""Rule selection patterns shared by ``--select``/``--ignore`` and the configuration file.

A pattern matches a rule by exact id (``AIMS-RSK-003``), id prefix (``AIMS-RSK``), control or
clause with ``*`` wildcards (``A.10.*``, ``6.1.*``), or tag (``tag:security``)."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Protocol


class Selectable(Protocol):
    """What a pattern matches a rule by: a rule's metadata, or the pack index's entry for it."""

    @property
    def id(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def iso_refs(self) -> tuple[str, ...]: ...


def matches(meta: Selectable, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if pattern.startswith("tag:"):
            if pattern[4:] in meta.tags:
                return True
        elif (
            pattern == meta.id
            or meta.id.startswith(pattern.rstrip("*").rstrip("-") + "-")
            or any(fnmatchcase(ref, pattern) for ref in meta.iso_refs)
        ):
            return True
    return False
