"""Fixtures shared by the test modules (plain helpers are in _helpers.py and _testpack.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _testpack import MANIFEST, copy_manifests, make_pack


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding the test pack (_testpack.py) and copies of credit-scoring and
    cv-screening with their evidence; the test runs in it, with no inherited opt-out of the
    configuration's rules."""
    copy_manifests(tmp_path, (MANIFEST, "cv-screening.yaml"))
    make_pack(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIMS_POLICY_NO_CONFIG_RULES", raising=False)
    return tmp_path
