"""Helpers shared by the rule modules (the leading underscore keeps the registry from looking
for rules here)."""

from __future__ import annotations

from aims_policy.model import Reference


def eu(ref: str, confidence: str) -> Reference:
    """An EU AI Act reference from the crosswalk. The crosswalk derived its EU AI Act mappings
    itself (no official ISO/IEC 42001 to AI Act mapping exists), so the metadata says so."""
    return Reference(ref, confidence, derived=True)


def eu_refs(*pairs: tuple[str, str]) -> list[Reference]:
    """Several crosswalk EU AI Act references: ``eu_refs(("Art. 10", "high"), ...)``."""
    return [eu(ref, confidence) for ref, confidence in pairs]


def plural(count: int, unit: str) -> str:
    """A count with its unit, singular or plural: ``plural(1, "day")`` is "1 day",
    ``plural(3, "month")`` is "3 months"."""
    return f"{count} {unit}" if count in (1, -1) else f"{count} {unit}s"
