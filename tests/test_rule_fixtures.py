"""The built-in pack's rule fixtures: every case passes, and every rule is shown failing, passing
and (when it has `applies`) not applicable.

The fixtures are the independent reference here: each case states by hand which identity paths
must fire on a variant of the compliant base manifest (or, for a cross-manifest rule, on several).
They are found the way ``aims-policy test`` finds them, through the registry, so a new rule module's
fixtures are picked up without editing this file, and they run once per session
(``builtin_fixture_run`` in conftest.py); the tests here assert on that one run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from _helpers import ROOT, FixtureRun

from aims_policy import registry
from aims_policy.engine import Rule
from aims_policy.fixtures import FIXTURE_SUFFIX, fixture_files
from aims_policy.loader import load_bytes

RULES = registry.load().all
#: What ``aims-policy test`` runs for the built-in pack: the fixture files under its folders.
FILES = fixture_files(registry.pack_locations())


class Case(NamedTuple):
    file: Path
    index: int
    rule_id: str
    name: str


@cache
def _cases(file: Path) -> list[Case]:
    """The cases a fixture file declares, read (not run) for the test ids."""
    loaded = load_bytes(file.read_bytes(), str(file))
    spec: Any = loaded.documents[0].data if len(loaded.documents) == 1 else None
    raw = spec.get("cases") if isinstance(spec, Mapping) else None
    if not isinstance(raw, list) or not raw:  # reported by test_every_fixture_file_is_usable
        return []
    return [
        Case(
            file,
            index,
            str(case.get("rule", "")) if isinstance(case, Mapping) else "?",
            str(case.get("name", f"case {index + 1}")) if isinstance(case, Mapping) else "?",
        )
        for index, case in enumerate(raw)
    ]


CASES = [case for file in FILES for case in _cases(file)]


def test_every_builtin_rule_module_has_its_fixture_file() -> None:
    """A module that defines rules has ``<module>.fixtures.yaml`` beside it, and every fixture
    file of the pack belongs to such a module."""
    modules = {
        Path(str(module.__file__)).with_suffix("")
        for module in registry.builtin_modules()
        if registry.rules_of(module)
    }
    with_fixtures = {f.with_name(f.name[: -len(FIXTURE_SUFFIX)]) for f in FILES}
    assert modules, "no built-in rule module found"
    assert sorted(m.name for m in modules - with_fixtures) == [], "modules without fixtures"
    assert sorted(m.name for m in with_fixtures - modules) == [], "fixtures without a module"


def test_the_command_passes_strict(builtin_fixture_run: FixtureRun) -> None:
    """``aims-policy test --strict``: every case passed, every file was usable, and every rule of
    the pack has fixtures that show it failing, passing and (with `applies`) not applicable."""
    run = builtin_fixture_run
    assert run.exit_code == 0, run.output
    assert " 0 failed" in run.output
    assert "FAIL" not in run.output and "ERROR" not in run.output
    assert "no fixtures" not in run.output
    # every line of every rule runs in some case: a line no fixture reaches is an untested condition
    assert "lines never executed" not in run.output
    assert "; line coverage 100.0% (" in run.output
    assert run.outcome.problems == []
    shown = {(ROOT / file).resolve() for file in run.outcome.files}
    assert shown == {file.resolve() for file in FILES}
    assert len(run.outcome.results) == len(CASES)


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.name)
def test_every_fixture_file_is_usable(file: Path, builtin_fixture_run: FixtureRun) -> None:
    problems = [why for shown, why in builtin_fixture_run.outcome.problems if file.name in shown]
    assert problems == []
    assert _cases(file), "a fixture file is a mapping with a non-empty `cases:` list"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule_id}: {c.name}")
def test_fixture_case(case: Case, builtin_fixture_run: FixtureRun) -> None:
    results = builtin_fixture_run.results_of(case.file)
    assert len(results) == len(_cases(case.file)), f"{case.file.name} did not run case by case"
    result = results[case.index]
    assert (result.rule_id, result.name) == (case.rule_id, case.name)
    assert result.ok, f"{result.file}:{result.line}: {result.detail}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_fails_passes_and_does_not_apply(rule: Any, builtin_fixture_run: FixtureRun) -> None:
    # outcomes proved by passing cases, as `aims-policy test` counts them
    results = builtin_fixture_run.outcome.results
    shown = Counter(r.status for r in results if r.rule_id == rule.id and r.ok)
    assert shown["failed"] >= 1, "no fixture case shows the rule failing"
    assert shown["passed"] >= 1, "no fixture case shows the rule passing"
    if isinstance(rule, Rule) and rule.applies is not None:
        assert shown["not_applicable"] >= 1, "the rule has `applies` but no not-applicable case"
