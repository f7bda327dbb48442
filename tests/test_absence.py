"""Absence is a statement (issue "No pass by omission", point 2): a deployed high-risk system that
leaves out its data sources, models and suppliers gets findings until it declares them or says
why they do not apply, and the reports show the reasons given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _helpers import TODAY, aims, summary, write

# A CV-ranking system in operation, high risk under the EU AI Act, that lists no data sources,
# models or suppliers. ``spec:`` is on line 5: the three findings are reported there.
CV_RANKING = """\
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: cv-ranking
spec:
  owner:
    name: Ann Example
    email: ann@example.com
  purpose:
    intendedUse: Rank applications for advertised jobs for a recruiter to review
  classification:
    riskLevel: high
    euAiAct:
      category: high-risk
      role: provider-and-deployer
      annexIIIArea: employment
    decisionsAffectIndividuals: true
  lifecycle:
    stage: operation
"""

STATEMENTS = """\
  notApplicable:
    dataSources: The ranking model is a supplier's service used as delivered; we keep no data.
    models: Ranking is done by fixed scoring rules agreed with the works council, not a model.
    suppliers: Scoring rules run in our own applicant tracking system, built in-house.
"""

DEC = ("AIMS-DEC-001", "AIMS-DEC-002", "AIMS-DEC-003")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _check(*args: str) -> tuple[int, str]:
    result = aims("check", "--today", TODAY, *args)
    return result.exit_code, result.stdout


def test_leaving_out_data_models_and_suppliers_is_a_finding_at_spec() -> None:
    write("cv.yaml", CV_RANKING)
    code, out = _check("cv.yaml", *(f"--select={r}" for r in DEC))
    assert code == 1
    lines = out.splitlines()
    assert lines[:3] == [
        "cv.yaml:5:1: error AIMS-DEC-001 this system in operation declares no models; list them "
        "under `models:`, or if there are none say why under `notApplicable: {models: ...}` "
        "[A.4.4, A.6.2.3]",
        "cv.yaml:5:1: error AIMS-DEC-002 this system in operation declares no data sources; list "
        "them under `dataSources:`, or if there are none say why under "
        "`notApplicable: {dataSources: ...}` [A.4.3, A.7.2]",
        "cv.yaml:5:1: warning AIMS-DEC-003 this system in operation declares no suppliers; list "
        "them under `suppliers:`, or if there are none say why under "
        "`notApplicable: {suppliers: ...}` [A.10.3, A.4.2]",
    ]


def test_the_whole_pack_no_longer_passes_it_silently() -> None:
    """Before: 0 errors and 0 warnings from the data, model and supplier rules, which all did
    not apply. Now the omission itself is reported, mapped to the sections' controls."""
    write("cv.yaml", CV_RANKING)
    code, out = _check("cv.yaml", "--format", "json")
    assert code == 1
    report = json.loads(out)
    fired = {f["rule"]: f for f in report["findings"]}
    for rule_id in DEC:
        assert fired[rule_id]["location"]["line"] == 5
        assert fired[rule_id]["identity"]["path"] == f"spec.{_section(rule_id)}"
    # the data rules still do not apply (there is nothing to check), and the count says so
    not_applicable = {r["rule"] for r in report["notApplicable"]}
    assert {"AIMS-DAT-001", "AIMS-DAT-008", "AIMS-SUP-001"} <= not_applicable
    assert report["summary"]["notApplicable"] == len(report["notApplicable"])


def _section(rule_id: str) -> str:
    return {"AIMS-DEC-001": "models", "AIMS-DEC-002": "dataSources"}.get(rule_id, "suppliers")


def test_a_reason_for_each_section_clears_the_findings_and_is_reported() -> None:
    write("cv.yaml", CV_RANKING + STATEMENTS)
    _, out = _check("cv.yaml", "--format", "json")
    report = json.loads(out)
    assert not {f["rule"] for f in report["findings"]} & {*DEC, "AIMS-DEC-004"}
    assert report["systems"][0]["statedNotApplicable"] == {
        "dataSources": "The ranking model is a supplier's service used as delivered; we keep "
        "no data.",
        "models": "Ranking is done by fixed scoring rules agreed with the works council, not a "
        "model.",
        "suppliers": "Scoring rules run in our own applicant tracking system, built in-house.",
    }
    # Markdown (a pull request's summary) lists them, escaped
    _, markdown = _check("cv.yaml", "--format", "markdown")
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<h3>Sections stated not applicable</h3>" in html
    assert (
        "<td>cv-ranking</td>\n<td>suppliers</td>\n<td>Scoring rules run in our own applicant "
        "tracking system, built in-house.</td>"
    ) in html
    # and the verbose text output
    _, text = _check("cv.yaml", "--verbose")
    assert (
        "cv-ranking: models stated not applicable: Ranking is done by fixed scoring rules agreed "
        "with the works council, not a model."
    ) in text.splitlines()


def test_a_reason_is_a_sentence_not_a_shrug() -> None:
    write("cv.yaml", CV_RANKING + "  notApplicable:\n    models: n/a\n")
    code, out = _check("cv.yaml", "--select=AIMS-DEC-001")
    assert code == 1
    assert any(
        line.startswith("cv.yaml:21:5: error AIMS-SCH-003 spec.notApplicable.models")
        for line in out.splitlines()
    ), out


def test_a_statement_does_not_lift_a_requirement_that_applies_anyway() -> None:
    """Logging is required of a system in use whatever the manifest says (AIMS-LOG-001)."""
    write(
        "cv.yaml",
        CV_RANKING + "  notApplicable:\n    logging: We would rather not keep logs of this one.\n",
    )
    code, out = _check("cv.yaml", "--select=AIMS-LOG-001")
    assert code == 1
    assert "cv.yaml:5:1: error AIMS-LOG-001" in out


def test_a_section_both_declared_and_stated_not_applicable_is_a_contradiction() -> None:
    manifest = CV_RANKING + (
        "  suppliers:\n"
        "    - {id: S-1, name: Example Cloud, kind: platform}\n"
        "  notApplicable:\n"
        "    suppliers: Everything is built and hosted in-house by our own team.\n"
    )
    write("cv.yaml", manifest)
    code, out = _check("cv.yaml", "--select=AIMS-DEC-004", "--select=AIMS-DEC-003")
    assert code == 1
    assert out.splitlines()[0] == (
        "cv.yaml:23:5: error AIMS-DEC-004 `suppliers` is stated not applicable but the manifest "
        "declares it; remove one of the two [7.5.2]"
    )


def test_the_text_summary_counts_rule_checks_not_applicable_and_not_evaluated() -> None:
    write("cv.yaml", CV_RANKING + STATEMENTS)
    _, out = _check("cv.yaml", "--format", "json")
    report = json.loads(out)
    _, text = _check("cv.yaml")
    na = report["summary"]["notApplicable"]
    assert na > 0
    assert text.splitlines()[-1].endswith(f"; rule checks: {na} not applicable, 0 not evaluated")
    assert summary(text.splitlines()[-1]).endswith("rule checks: N not applicable, 0 not evaluated")
