"""aims-policy: policy-as-code compliance checks for AI systems against ISO/IEC 42001.

The public entry point is :func:`aims_policy.check`, which returns a :class:`Report` that any
output format renders. Nothing heavy is imported here: a pre-commit run pays only for what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aims_policy.version import __version__

__all__ = ["Options", "Report", "__version__", "check"]

if TYPE_CHECKING:
    from aims_policy.api import check
    from aims_policy.model import Report
    from aims_policy.options import Options


def __getattr__(name: str) -> Any:
    # Lazy attributes keep `import aims_policy` free of the loader, engine and jsonschema.
    if name == "check":
        from aims_policy.api import check

        return check
    if name == "Report":
        from aims_policy.model import Report

        return Report
    if name == "Options":
        from aims_policy.options import Options

        return Options
    raise AttributeError(f"module 'aims_policy' has no attribute {name!r}")
