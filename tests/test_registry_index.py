"""``--select`` imports only the built-in rule modules that hold a selected rule, found through
the pack's index (rules/_index.py): the index must describe the rules exactly, and a selection
must evaluate the same rules whether or not the other modules were imported."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import MANIFESTS, ROOT, SCRIPT, TODAY

from aims_policy import registry


def test_the_index_lists_every_builtin_rule_where_it_is_declared() -> None:
    index = importlib.import_module("aims_policy.rules._index")
    package = registry.builtin_package()
    names = sorted(p.stem for p in (ROOT / "rules").glob("*.py") if not p.stem.startswith("_"))
    assert list(index.MODULES) == names, "regenerate: python -m aims_policy.registry"
    attributes = {row[0]: row[5] for row in index.RULES}
    declared = []
    for name in names:
        module = importlib.import_module(f"{package.__name__}.{name}")
        for item in registry.rules_of(module):
            # the name the index gives is bound to the rule in its module
            attribute = attributes[item.id]
            assert getattr(module, attribute) is item
            declared.append(
                (
                    item.id,
                    tuple(item.meta.tags),
                    item.meta.controls + item.meta.clauses,
                    name,
                    tuple(item.meta.kinds),
                    attribute,
                )
            )
    assert tuple(sorted(declared)) == index.RULES, "regenerate: python -m aims_policy.registry"


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


def test_an_index_of_another_layout_loads_every_module(monkeypatch: pytest.MonkeyPatch) -> None:
    # An older release's index (a dict of rule id -> 5 fields) is not read as records.
    index = importlib.import_module("aims_policy.rules._index")
    older = {row[0]: (row[3], row[5], row[1], row[2], row[4]) for row in index.RULES}
    monkeypatch.setattr(index, "RULES", older)
    assert registry.builtin_index() is None
    monkeypatch.setattr(index, "RULES", tuple(row[:5] for row in index.RULES))
    assert registry.builtin_index() is None


def test_each_indexed_record_names_its_rule_by_field() -> None:
    # The rows' column order is Indexed's field order: each field read by name is the rule's.
    index = registry.builtin_index()
    assert index is not None and len(index) > 100
    package = registry.builtin_package()
    for entry in index:
        rule = getattr(
            importlib.import_module(f"{package.__name__}.{entry.module}"), entry.attribute
        )
        assert rule.id == entry.id
        assert entry.tags == tuple(rule.meta.tags)
        assert entry.iso_refs == rule.meta.controls + rule.meta.clauses
        assert entry.kinds == tuple(rule.meta.kinds)


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


# --- each built-in module is imported when the run meets a manifest its rules read ---------------

KINDS_PROBE = """
import json, sys
from aims_policy.cli import main
sys.argv = ["aims-policy", "check", *sys.argv[1:], "--today", "2026-11-22", "--no-config"]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("aims_policy.rules."))))
"""


def _rule_modules(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", KINDS_PROBE, *args], capture_output=True, text=True, check=True
    )
    return {m.rsplit(".", 1)[1] for m in json.loads(done.stdout.strip().splitlines()[-1])}


def test_a_check_imports_the_rule_modules_of_the_kinds_it_meets() -> None:
    # organisation.py holds only rules about the organisation's manifest, risk.py only rules
    # about AI systems; evidence.py has rules about both.
    systems = _rule_modules(str(MANIFESTS / "credit-scoring.yaml"))
    assert {"risk", "evidence"} <= systems and "organisation" not in systems
    organisation = _rule_modules(str(MANIFESTS / "organisation.yaml"))
    assert {"organisation", "evidence"} <= organisation and "risk" not in organisation
    both = _rule_modules(
        str(MANIFESTS / "credit-scoring.yaml"), str(MANIFESTS / "organisation.yaml")
    )
    assert {"organisation", "risk", "evidence"} <= both


def _json(report: object) -> dict[str, object]:
    from aims_policy.output import RenderOptions, render

    return dict(json.loads("".join(render(report, "json", RenderOptions()))))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "names", [("credit-scoring.yaml",), ("organisation.yaml",), ("credit-scoring.yaml", "teams")]
)
def test_rules_declared_by_kind_give_the_report_of_every_rule_declared(
    names: tuple[str, ...],
) -> None:
    """The same findings, results and problems as a run that declares every rule up front; the
    report's rule list holds the rules of the kinds met (every rule that could have run)."""
    from aims_policy import check

    paths = [str(MANIFESTS / name) for name in names]
    eager = _json(check(paths, today=TODAY, ruleset=registry.load()))
    by_kind = _json(check(paths, today=TODAY))
    everything = eager.pop("rules")
    ran = by_kind.pop("rules")
    assert by_kind == eager
    kinds = {"AIManagementSystem"} if names == ("organisation.yaml",) else {"AISystem"}
    builtin = {r.id: r.meta.kinds for r in registry.load().all}
    assert {r["id"] for r in ran if r["id"] in builtin} == {
        rule_id for rule_id, read in builtin.items() if kinds & set(read)
    }
    # the schema's, the exceptions' and the inventory's rules are listed as before
    assert [r for r in ran if r["id"] not in builtin] == [
        r for r in everything if r["id"] not in builtin
    ]


def test_a_kind_written_with_escapes_still_gets_its_rules(tmp_path: Path) -> None:
    """The kind is read from the parsed document, never from the text: an organisation manifest
    whose kind is spelt with an escape is checked by the organisation's rules all the same."""
    from aims_policy import check

    text = (MANIFESTS / "organisation.yaml").read_text(encoding="utf-8")
    assert "\nkind: AIManagementSystem\n" in text
    escaped = tmp_path / "organisation.yaml"
    escaped.write_text(
        text.replace("\nkind: AIManagementSystem\n", '\nkind: "AIManagement\\x53ystem"\n', 1),
        encoding="utf-8",
    )
    shutil.copytree(MANIFESTS / "evidence", tmp_path / "evidence")
    plain = check([str(MANIFESTS / "organisation.yaml")], today=TODAY, cwd=str(MANIFESTS))
    spelt = check([str(escaped)], today=TODAY, cwd=str(tmp_path))
    assert [f.rule_id for f in spelt.findings] == [f.rule_id for f in plain.findings] != []
    assert any(f.rule_id.startswith("AIMS-ORG-") for f in spelt.findings)


def test_a_pooled_run_reports_what_one_process_does(tmp_path: Path) -> None:
    """Workers declare the rules of the kinds they meet in their own processes; the parent those
    of the kinds the results bring: the report is the same as with one process."""
    from aims_policy import Options, check

    for copy in range(25):  # 50 systems and 25 organisations: above the pool's threshold
        for name in ("credit-scoring.yaml", "organisation.yaml", "cv-screening.yaml"):
            shutil.copy(MANIFESTS / name, tmp_path / f"{copy:02d}-{name}")
    shutil.copytree(MANIFESTS / "evidence", tmp_path / "evidence")
    one = check([str(tmp_path)], today=TODAY, options=Options(jobs=1), cwd=str(tmp_path))
    pooled = check([str(tmp_path)], today=TODAY, options=Options(jobs=2), cwd=str(tmp_path))
    assert _json(pooled) == _json(one)
    assert len(one.systems) == 50 and one.findings


@pytest.mark.parametrize(
    "change",
    [{"id": "AIMS-GHOST-001"}, {"attribute": "no_such_rule"}, {"module": "no_such_module"}],
)
def test_a_rule_the_index_names_but_its_module_does_not_declare_is_an_error(
    change: dict[str, str],
) -> None:
    ruleset = registry.load(by_kind=True)
    first = ruleset.deferred[0]
    wrong = first._replace(**change)
    with pytest.raises(registry.RuleLoadError, match=wrong.id):
        registry.for_kinds(ruleset._replace(deferred=(wrong,)), first.kinds)
