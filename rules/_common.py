"""Helpers shared by the rule modules (the leading underscore keeps the registry from looking
for rules here)."""

from __future__ import annotations

from aims_policy.wording import plural as plural  # re-exported: rule modules import it here
