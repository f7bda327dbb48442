"""The first half of the built-in ISO/IEC 42001 pack: every fixture case passes, and every rule
is exercised failing, passing and (when it has `applies`) not applicable.

The fixtures are the independent reference here: each case states by hand which identity paths
must fire on a variant of the compliant base manifest.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from aims_policy import data, registry
from aims_policy.engine import Rule
from aims_policy.fixtures import CaseResult, coverage, run_file

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
MODULES = ("ownership", "governance", "classification", "risk", "impact", "use")
PREFIXES = ("AIMS-OWN-", "AIMS-GOV-", "AIMS-CLS-", "AIMS-RSK-", "AIMS-IMP-", "AIMS-USE-")


@lru_cache(maxsize=1)
def _rules() -> dict[str, Rule]:
    return {r.id: r for r in registry.load().rules}


def _fixture_files() -> list[Path]:
    return [RULES_DIR / f"{m}.fixtures.yaml" for m in MODULES if (RULES_DIR / f"{m}.fixtures.yaml").exists()]


@lru_cache(maxsize=1)
def _results() -> tuple[CaseResult, ...]:
    rules, document = _rules(), data.load()
    return tuple(r for f in _fixture_files() for r in run_file(f, rules, document))


def _pack_rules() -> list[Rule]:
    return [r for r in _rules().values() if r.id.startswith(PREFIXES)]


def test_every_module_has_fixtures() -> None:
    modules = {r.module.rsplit(".", 1)[-1] for r in _pack_rules()}
    missing = sorted(m for m in modules if not (RULES_DIR / f"{m}.fixtures.yaml").exists())
    assert missing == []


@pytest.mark.parametrize("case", _results(), ids=lambda c: f"{c.rule_id}: {c.name}")
def test_fixture_case(case: CaseResult) -> None:
    assert case.ok, f"{case.file}:{case.line}: {case.detail}"


@pytest.mark.parametrize("rule", _pack_rules(), ids=lambda r: r.id)
def test_rule_is_fully_exercised(rule: Rule) -> None:
    cov = coverage(_results(), [rule.id])[rule.id]
    assert cov.failed >= 1, "no fixture case shows the rule failing"
    assert cov.passed >= 1, "no fixture case shows the rule passing"
    if rule.applies is not None:
        assert cov.not_applicable >= 1, "the rule has `applies` but no not-applicable case"


@pytest.mark.parametrize("rule", _pack_rules(), ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule: Rule) -> None:
    meta = rule.meta
    assert meta.title and meta.rationale and meta.remediation
    assert meta.controls or meta.clauses, "a rule must name the ISO/IEC 42001 item it serves"
    catalog = set(data.load()["controls"]["annexA"])
    assert set(meta.controls) <= catalog, f"unknown Annex A controls {set(meta.controls) - catalog}"
