"""Where tests keep the tools they install (Microsoft's SARIF Multitool, virtual environments with
other PyYAML releases): outside the repository, reused between runs, keyed by what was installed
so that a change of pin installs afresh."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """$AIMS_TEST_CACHE, else $XDG_CACHE_HOME/aims-policy-tests, else ~/.cache/aims-policy-tests."""
    explicit = os.environ.get("AIMS_TEST_CACHE")
    if explicit:
        path = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "aims-policy-tests"
    path.mkdir(parents=True, exist_ok=True)
    return path
