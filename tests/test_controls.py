"""The rule pack accounts for every ISO/IEC 42001 Annex A control (issue: the auditor's question
"which controls does this check, and which can it not check?")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _helpers import aims

# The nine control objectives and 38 controls of Annex A, written out by hand from the standard's
# published structure so that the shipped catalog is checked against an independent list.
ANNEX_A = {
    "A.2": ["A.2.2", "A.2.3", "A.2.4"],
    "A.3": ["A.3.2", "A.3.3"],
    "A.4": ["A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6"],
    "A.5": ["A.5.2", "A.5.3", "A.5.4", "A.5.5"],
    "A.6": [
        "A.6.1.2",
        "A.6.1.3",
        "A.6.2.2",
        "A.6.2.3",
        "A.6.2.4",
        "A.6.2.5",
        "A.6.2.6",
        "A.6.2.7",
        "A.6.2.8",
    ],
    "A.7": ["A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6"],
    "A.8": ["A.8.2", "A.8.3", "A.8.4", "A.8.5"],
    "A.9": ["A.9.2", "A.9.3", "A.9.4"],
    "A.10": ["A.10.2", "A.10.3", "A.10.4"],
}


def _controls() -> dict[str, object]:
    result = aims("controls", "--format", "json")
    assert result.exit_code == 0, result.output
    doc: dict[str, object] = json.loads(result.output)
    return doc


def test_every_annex_a_control_is_covered_or_declared_with_a_reason() -> None:
    doc = _controls()
    rows = {row["id"]: row for row in doc["controls"]}  # type: ignore[attr-defined]
    expected = [c for controls in ANNEX_A.values() for c in controls]
    assert sorted(rows) == sorted(expected) and len(expected) == 38
    for control, row in rows.items():
        if row["rules"]:
            assert row["status"] == "covered" and row["reason"] is None, control
        else:
            assert row["status"] == "not-evidenced", f"{control} has neither rules nor a reason"
            assert len(row["reason"]) > 80, f"{control}: give an auditor a real reason"
    assert doc["summary"]["gaps"] == []  # type: ignore[index]
    assert doc["summary"]["covered"] >= 32  # type: ignore[index]


def test_a_declared_control_is_not_also_claimed_by_a_rule() -> None:
    from aims_policy.coverage import declared_not_evidenced

    rows = {row["id"]: row for row in _controls()["controls"]}  # type: ignore[attr-defined]
    for control in declared_not_evidenced():
        assert not rows[control]["rules"], f"{control} is declared not evidenced but rules cover it"


def test_the_pack_has_at_least_50_rules_touching_all_nine_objectives() -> None:
    result = aims("rules", "--format", "json")
    assert result.exit_code == 0
    rules = [r for r in json.loads(result.output) if not r["id"].startswith("AIMS-SCH")]
    assert len(rules) >= 50
    for rule in rules:
        assert rule["severity"] in ("error", "warning", "note")
        assert rule["iso42001"]["controls"] or rule["iso42001"]["clauses"], rule["id"]
    touched = {
        obj
        for r in rules
        for c in r["iso42001"]["controls"]
        for obj, controls in ANNEX_A.items()
        if c in controls
    }
    assert touched == set(ANNEX_A)


def test_text_matrix_names_rules_or_reasons() -> None:
    result = aims("controls")
    assert result.exit_code == 0
    assert "A.2.4    Review of the AI policy" in result.output
    # Every control is checked by a rule now (A.2.4 on the organisation manifest).
    assert "not evidenced" not in result.output
    assert result.output.rstrip().endswith("0 gaps")


def test_the_management_system_clauses_and_a_2_4_are_cited_by_real_rules() -> None:
    """Issue 19: what an auditor asks for at the management-system level is checked, by rules
    that run (not only declared): each is cited by a rule of the built-in pack that has
    fixtures which make it fail."""
    from aims_policy import registry

    wanted = {"A.2.4", "4.2", "6.1.1", "7.3", "7.4", "9.2", "9.3", "10.1", "10.2"}
    citing: dict[str, set[str]] = {}
    for rule in registry.load().all:
        for ref in (*rule.meta.controls, *rule.meta.clauses):
            citing.setdefault(ref, set()).add(rule.id)
    assert {ref for ref in wanted if not citing.get(ref)} == set()
    from aims_policy import data
    from aims_policy.fixtures import run_file

    rules = {r.id: r for r in registry.load().all}
    fixture = Path(__file__).resolve().parents[1] / "rules" / "organisation.fixtures.yaml"
    proved = {
        c.rule_id for c in run_file(fixture, rules, data.load()) if c.ok and c.status == "failed"
    }
    for ref in wanted:
        assert citing[ref] & proved, f"{ref}: no citing rule has a passing failing case"


# -- operational evidence or policy documents, per control, over given manifests -----------------

EVIDENCED = """\
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: evidenced
spec:
  owner: {name: Ann Example, email: ann@example.com}
  purpose: {intendedUse: Sort support tickets by topic}
  classification: {riskLevel: low}
  lifecycle: {stage: design}
  governance:
    aiPolicyRef: docs/ai-policy.md
  evidence:
    - {id: E-test, ref: docs/test-report.md, kind: test-report, controls: [A.6.2.4]}
    - {id: E-concerns, ref: docs/speak-up-procedure.md, kind: procedure, controls: [A.3.3]}
    - {id: E-gone, ref: docs/not-there.md, kind: record, controls: [A.8.4]}
"""


def test_controls_tells_operational_evidence_from_policy_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    for name in ("ai-policy.md", "test-report.md", "speak-up-procedure.md"):
        (tmp_path / "docs" / name).write_text("# evidence\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(EVIDENCED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = aims("controls", "m.yaml", "--root", ".", "--format", "json")
    assert result.exit_code == 0, result.output
    evidence = {c["id"]: c["evidence"] for c in json.loads(result.stdout)["controls"]}
    none: list[str] = []
    assert evidence["A.6.2.4"] == {
        "operational": ["evidenced"],
        "policyOnly": [],
        "organisation": none,
    }
    # a procedure and the AI policy (a ...PolicyRef) state intentions: policy documents only
    assert evidence["A.3.3"] == {
        "operational": [],
        "policyOnly": ["evidenced"],
        "organisation": none,
    }
    assert evidence["A.2.2"] == {
        "operational": [],
        "policyOnly": ["evidenced"],
        "organisation": none,
    }
    # evidence that does not resolve evidences nothing
    assert evidence["A.8.4"] == {"operational": [], "policyOnly": [], "organisation": none}
    text = aims("controls", "m.yaml", "--root", ".").stdout
    assert (
        "evidence in these manifests: 1 control with operational evidence, 2 with policy " in text
    )


def test_controls_of_unreadable_manifests_exits_2(tmp_path: Path) -> None:
    result = aims("controls", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2


def test_the_organisation_manifests_soa_evidence_counts_at_organisation_level() -> None:
    """The bundled examples: the policy's review (A.2.4) can only be evidenced by the organisation
    manifest, whose Statement of Applicability cites the review record; with it, no control of
    the 38 is left without evidence."""
    manifests = Path(__file__).resolve().parents[1] / "manifests"
    result = aims("controls", str(manifests), "--format", "json")
    assert result.exit_code == 0, result.output
    evidence = {c["id"]: c["evidence"] for c in json.loads(result.stdout)["controls"]}
    assert evidence["A.2.4"] == {
        "operational": [],
        "policyOnly": [],
        "organisation": ["harbour-mutual-aims"],
    }
    assert all(any(e.values()) for e in evidence.values()), [
        c for c, e in evidence.items() if not any(e.values())
    ]
    text = aims("controls", str(manifests)).stdout
    assert text.rstrip().endswith("at organisation level only, 0 with none")
