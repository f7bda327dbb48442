"""Helpers shared by the rule modules (the leading underscore keeps the registry from looking
for rules here)."""

from __future__ import annotations


def plural(count: int, unit: str) -> str:
    """A count with its unit, singular or plural: ``plural(1, "day")`` is "1 day",
    ``plural(3, "month")`` is "3 months"."""
    return f"{count} {unit}" if count in (1, -1) else f"{count} {unit}s"
