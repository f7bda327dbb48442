"""The built-in ISO/IEC 42001 rule pack (installed as ``aims_policy.rules``).

One module per area; each declares its rules with :func:`aims_policy.engine.rule` and keeps its
fixtures beside it in ``<module>.fixtures.yaml``. Shared derived facts live in :mod:`.facts`.
Rule IDs are permanent: rules are added, never renumbered; a retired ID is never reused.
"""
