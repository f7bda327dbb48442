"""Fixtures shared by the test modules (plain helpers are in _helpers.py and _testpack.py).

The built-in pack's rule fixtures run once per test session (``builtin_fixture_run``), as
``aims-policy test --strict`` runs them; test_rule_fixtures.py asserts on each case and rule of
that one run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _helpers import MANIFESTS, ROOT, TODAY, FixtureRun, aims
from _testpack import MANIFEST, copy_manifests, make_pack

from aims_policy.model import Report


@pytest.fixture(scope="session")
def builtin_fixture_run() -> FixtureRun:
    """``aims-policy test --strict --coverage-min 100`` on the built-in pack, in-process, once per
    session. The
    command finds every built-in rule module's fixtures through the registry; the outcome it
    rendered is kept (by wrapping the command's ``run``) for the tests to assert on."""
    from aims_policy.commands import test as test_command

    kept: list[Any] = []
    real_run = test_command.run

    def keeping(*args: Any, **kwargs: Any) -> Any:
        outcome = real_run(*args, **kwargs)
        kept.append(outcome)
        return outcome

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setattr(test_command, "run", keeping)
        result = aims("test", "--strict", "--coverage-min", "100")
    assert len(kept) == 1, "aims-policy test did not run the fixtures exactly once"
    return FixtureRun(result.exit_code, result.stdout, kept[0])


@pytest.fixture(scope="session")
def examples_report() -> Report:
    """The example manifests checked on the demo's today, files shown relative to the root."""
    from aims_policy.api import check

    return check([str(MANIFESTS)], today=TODAY, cwd=str(ROOT))


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
