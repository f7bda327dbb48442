"""``--select`` imports only the built-in rule modules that hold a selected rule, found through
the pack's index (rules/_index.py): the index must describe the rules exactly, and a selection
must evaluate the same rules whether or not the other modules were imported."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from _helpers import MANIFESTS, ROOT, SCRIPT, TODAY

from aims_policy import registry


def test_the_index_lists_every_builtin_rule_where_it_is_declared() -> None:
    index = importlib.import_module("aims_policy.rules._index")
    package = registry.builtin_package()
    names = sorted(p.stem for p in (ROOT / "rules").glob("*.py") if not p.stem.startswith("_"))
    assert list(index.MODULES) == names, "regenerate: python -m aims_policy.registry"
    declared = {
        item.id: (name, tuple(item.meta.tags), item.meta.controls + item.meta.clauses)
        for name in names
        for item in registry.rules_of(importlib.import_module(f"{package.__name__}.{name}"))
    }
    assert declared == index.RULES, "regenerate: python -m aims_policy.registry"


@pytest.mark.parametrize(
    "patterns",
    [
        ("AIMS-EVD-001",),
        ("AIMS-RSK",),
        ("AIMS-RSK-*",),
        ("A.5.*",),
        ("6.1.2",),
        ("tag:security",),
        ("AIMS-EVD-003", "tag:privacy"),
    ],
)
def test_a_selection_evaluates_the_same_rules_with_or_without_the_other_modules(
    patterns: tuple[str, ...],
) -> None:
    full = registry.selected(registry.load(), patterns, ())
    lazy_set = registry.load(select=patterns)
    lazy = registry.selected(lazy_set, patterns, ())
    assert [r.id for r in lazy.all] == [r.id for r in full.all] != []
    # every built-in rule is known either way (for pattern checks and --severity)
    everything = {r.id for r in registry.load().all}
    assert {r.id for r in lazy_set.all} | {e.id for e in lazy_set.unloaded} == everything
    assert not {r.id for r in lazy_set.all} & {e.id for e in lazy_set.unloaded}


def test_a_stale_index_loads_every_module(monkeypatch: pytest.MonkeyPatch) -> None:
    real = registry._module_names
    monkeypatch.setattr(registry, "_module_names", lambda package: [*real(package), "zzz_new"])
    assert registry.builtin_index() is None


PROBE = """
import json, sys
from aims_policy import registry
ruleset = registry.load(select=tuple(sys.argv[1:]))
print(json.dumps(sorted(m for m in sys.modules if m.startswith("aims_policy.rules."))))
"""


def test_select_imports_only_the_modules_of_the_selected_rules() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "AIMS-EVD-001"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    modules = json.loads(done.stdout)
    assert "aims_policy.rules.evidence" in modules
    assert "aims_policy.rules.risk" not in modules
    assert "aims_policy.rules.placeholders" not in modules


def test_patterns_and_severities_still_know_the_rules_left_unimported() -> None:
    manifest = str(MANIFESTS / "document-summariser.yaml")
    base = [str(SCRIPT), "check", manifest, "--today", TODAY, "--no-config"]
    # a severity for a rule of a module --select leaves out is not "no such rule"
    done = subprocess.run(
        [*base, "--select", "AIMS-EVD-001", "--severity", "AIMS-RSK-001=warning"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # a misspelt pattern is still refused, with the nearest rule of any module
    done = subprocess.run(
        [*base, "--select", "AIMS-EVD-001", "--ignore", "AIMS-RSK-0001"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--ignore AIMS-RSK-0001: matches no rule" in done.stderr
    assert "AIMS-RSK-001" in done.stderr
