"""Helpers shared by the rule modules (the leading underscore keeps the registry from looking
for rules here)."""

from __future__ import annotations

from aims_policy.engine import Context, Violation
from aims_policy.model import Reference
from aims_policy.wording import plural as plural  # re-exported: rule modules import it here


def eu(ref: str, confidence: str) -> Reference:
    """An EU AI Act reference from the crosswalk. The crosswalk derived its EU AI Act mappings
    itself (no official ISO/IEC 42001 to AI Act mapping exists), so the metadata says so."""
    return Reference(ref, confidence, derived=True)


def eu_refs(*pairs: tuple[str, str]) -> list[Reference]:
    """Several crosswalk EU AI Act references: ``eu_refs(("Art. 10", "high"), ...)``."""
    return [eu(ref, confidence) for ref, confidence in pairs]


def in_block(ctx: Context, block: str, field: str) -> tuple[str, str]:
    """Where a missing ``spec.<block>.<field>`` is reported, as (parent, missing field): in the
    block, or at ``spec`` naming the block when the block itself is absent or empty."""
    return (f"spec.{block}", field) if ctx.get(f"spec.{block}") else ("spec", block)


def missing_in_block(ctx: Context, block: str, field: str, message: str) -> Violation:
    """A violation for a missing ``spec.<block>.<field>``, placed as :func:`in_block` says."""
    where, missing = in_block(ctx, block, field)
    return ctx.violation(where, message, missing=missing)


def absent(ctx: Context, parent: str, field: str, message: str) -> Violation:
    """A violation for a missing field, reported at the deepest parent that exists (so that a
    missing section names the section, not a field inside it)."""
    parts = parent.split(".")
    while len(parts) > 1 and ctx.get(".".join(parts)) is None:
        field = parts.pop()
    return ctx.violation(".".join(parts), message, missing=field)
