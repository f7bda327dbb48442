"""The EU AI Act's duties follow the Act's category, the organisation's role and the Annex III
point; the organisation's own risk level drives only its own policy (issue 17, root cause B and
gaps 3 and 4). Each scenario is a realistic system built from the compliant base manifest, checked
through the library exactly as `aims-policy check` would:

* motor-insurance pricing, rated high by the organisation, minimal-risk under the Act: no Act duty
  is demanded, and what the organisation's policy adds is worded as its policy, citing no article;
* a deployer of a bought CV-screening service: none of the provider's duties (Art. 11, 43, 49, 72),
  but the deployer's (Art. 26(1), 26(6), 26(7), 26(11));
* a creditworthiness deployer whose intended use never says "credit": the Annex III point decides
  the fundamental-rights impact assessment, words do not.

The expected findings were worked out by hand from the Act (Art. 11, 13, 19, 26, 27, 72, 73 and
Annex III), not copied from the rules' output.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import BASE, TODAY, aims, write

from aims_policy import data as data_document
from aims_policy.api import check
from aims_policy.model import Report
from aims_policy.options import Options

#: Annex III of Regulation (EU) 2024/1689, point by point, as the Act numbers them.
ANNEX_III = [
    *("1(a)", "1(b)", "1(c)"),
    "2",
    *("3(a)", "3(b)", "3(c)", "3(d)"),
    *("4(a)", "4(b)"),
    *("5(a)", "5(b)", "5(c)", "5(d)"),
    *("6(a)", "6(b)", "6(c)", "6(d)", "6(e)"),
    *("7(a)", "7(b)", "7(c)", "7(d)"),
    *("8(a)", "8(b)"),
]

#: The rules that enforce a duty the Act places on providers only.
PROVIDER_ONLY = {"AIMS-MON-004", "AIMS-TRN-005", "AIMS-CLS-004"}
#: The rules of the organisation's own policy (data `organisationPolicy.actStyleControls`).
POLICY = {"AIMS-MON-006", "AIMS-LOG-005", "AIMS-INC-005", "AIMS-TRN-007", "AIMS-TRN-008"}


class _Plain(yaml.SafeLoader):
    """Dates stay text, as the tool's own loader keeps them."""


_Plain.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def base() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(BASE.read_text(encoding="utf-8"), Loader=_Plain)
    return copy.deepcopy(loaded)


def run(tmp_path: Path, manifest: dict[str, Any], **data: Any) -> Report:
    """Check one manifest; ``data`` overrides the data document (``section={key: value}``)."""
    file = write(tmp_path / f"{manifest['metadata']['name']}.yaml", yaml.safe_dump(manifest))
    today = _dt.date.fromisoformat(TODAY)
    options = Options(today=today, data=data_document.load([], data), jobs=1)
    return check([str(file)], options=options, cwd=str(tmp_path))


def found(report: Report) -> set[tuple[str, str]]:
    return {(f.rule_id, f.ident) for f in report.findings}


def not_applicable(report: Report) -> set[str]:
    return {r.rule_id for r in report.results if r.status == "not_applicable"}


# -- motor-insurance pricing: rated high by the organisation, minimal-risk under the Act ----------


def motor_pricing() -> dict[str, Any]:
    """A pricing model for private motor insurance that the organisation builds and runs. Motor
    insurance is not in Annex III (5(c) is life and health insurance only), so the Act rates it
    minimal-risk; the organisation rates it high for its effect on customers. It keeps what its
    ISO/IEC 42001 policy asks of a high-risk system and none of the Act's high-risk artefacts."""
    doc = base()
    doc["metadata"].update(name="motor-pricing", title="Motor insurance premium model")
    spec = doc["spec"]
    spec["purpose"]["intendedUse"] = (
        "Propose the annual premium for private motor insurance quotes from the vehicle, driving "
        "history and postcode, for pricing analysts to approve in weekly rate reviews."
    )
    spec["classification"].update(riskLevel="high", decisionsAffectIndividuals=True)
    spec["classification"]["euAiAct"] = {
        "category": "minimal-risk",
        "role": "provider-and-deployer",
        "publicBodyOrService": False,
    }
    # The organisation's high-risk ISO/IEC 42001 controls (data controls.requiredByRiskLevel).
    spec["risks"][0]["treatment"]["controls"] += ["A.5.2", "A.6.2.8"]
    # None of the Act's high-risk artefacts: no post-market plan (Art. 72), no technical
    # documentation (Art. 11) or instructions for use (Art. 13), logs kept 90 days rather than six
    # months (Art. 19), no serious-incident deadline or authority (Art. 73).
    del spec["monitoring"]["postMarketPlanRef"]
    del spec["transparency"]["technicalDocumentationRef"]
    del spec["transparency"]["instructionsForUseRef"]
    spec["logging"]["retentionDays"] = 90
    del spec["incidents"]["reportingDeadlineDays"]
    del spec["incidents"]["authority"]
    return doc


def test_the_act_demands_nothing_of_a_system_it_rates_minimal_risk(tmp_path: Path) -> None:
    report = run(tmp_path, motor_pricing())
    assert [(f.rule_id, f.message) for f in report.findings] == []
    assert {
        "AIMS-MON-004",
        "AIMS-TRN-001",
        "AIMS-TRN-005",
        "AIMS-LOG-002",
        "AIMS-INC-002",
        "AIMS-INC-003",
        *POLICY,
    } <= not_applicable(report)


def test_the_organisations_policy_is_worded_as_its_policy_and_cites_no_article(
    tmp_path: Path,
) -> None:
    every = list(data_document.ACT_STYLE_CONTROLS)
    report = run(tmp_path, motor_pricing(), organisationPolicy={"actStyleControls": every})
    assert found(report) == {
        ("AIMS-MON-006", "spec.monitoring.postMarketPlanRef"),
        ("AIMS-TRN-007", "spec.transparency.instructionsForUseRef"),
        ("AIMS-TRN-008", "spec.transparency.technicalDocumentationRef"),
        ("AIMS-LOG-005", "spec.logging.retentionDays"),
        ("AIMS-INC-005", "spec.incidents.reportingDeadlineDays"),
    }
    for finding in report.findings:
        assert "the organisation's policy" in finding.message, finding.message
        assert "organisationPolicy.actStyleControls" in finding.message, finding.message
        # An article is named only as the model the policy follows, never as a duty.
        if "EU AI Act" in finding.message:
            assert "by analogy with EU AI Act" in finding.message, finding.message
            assert "which does not require it of this minimal-risk system" in finding.message
        assert report.rule(finding.rule_id).eu_ai_act == ()  # type: ignore[union-attr]
    # The same findings in the JSON report relate to no EU AI Act article.
    out = aims("rules", "--format", "json").stdout
    assert all(r["euAiAct"] == [] for r in json.loads(out) if r["id"] in POLICY)


def test_the_acts_own_duties_apply_when_the_act_rates_the_system_high_risk(
    tmp_path: Path,
) -> None:
    """Life-insurance pricing is Annex III 5(c): the same gaps are now the Act's, by article, and
    the organisation's policy rules stand aside even when the data document enables them."""
    doc = motor_pricing()
    doc["spec"]["classification"]["euAiAct"] = {
        "category": "high-risk",
        "role": "provider-and-deployer",
        "annexIIIPoint": "5(c)",
        "publicBodyOrService": False,
    }
    every = list(data_document.ACT_STYLE_CONTROLS)
    report = run(tmp_path, doc, organisationPolicy={"actStyleControls": every})
    rules = {f.rule_id for f in report.findings}
    assert {
        "AIMS-MON-004",
        "AIMS-TRN-001",
        "AIMS-TRN-005",
        "AIMS-LOG-002",
        "AIMS-INC-002",
        "AIMS-INC-003",
        "AIMS-IMP-007",  # every 5(c) deployer owes a FRIA
        "AIMS-TRN-009",  # and tells the people priced that the system is used on them
    } <= rules
    assert not rules & POLICY
    messages = {f.rule_id: f.message for f in report.findings}
    assert "EU AI Act Art. 72" in messages["AIMS-MON-004"]
    assert "EU AI Act Art. 19 and Art. 26(6)" in messages["AIMS-LOG-002"]
    assert "EU AI Act Art. 73 and Art. 26(5)" in messages["AIMS-INC-002"]


# -- a deployer of a bought CV-screening service -----------------------------------------------


def bought_cv_screening() -> dict[str, Any]:
    """A recruitment service bought from a vendor (Annex III 4(a)); the organisation only deploys
    it, so it keeps the vendor's instructions for use and has no technical documentation,
    post-market plan, conformity assessment or registration of its own."""
    doc = base()
    doc["metadata"].update(name="cv-screening-service", title="Bought CV screening service")
    spec = doc["spec"]
    spec["purpose"]["intendedUse"] = (
        "Rank applications for customer-service roles by their match with the job profile, so "
        "that recruiters read the strongest applications first; recruiters decide."
    )
    spec["classification"].update(riskLevel="high", decisionsAffectIndividuals=True)
    spec["classification"]["euAiAct"] = {
        "category": "high-risk",
        "role": "deployer",
        "annexIIIPoint": "4(a)",
        "publicBodyOrService": False,
    }
    spec["risks"][0]["treatment"]["controls"] += ["A.5.2", "A.6.2.8"]
    del spec["monitoring"]["postMarketPlanRef"]
    del spec["transparency"]["technicalDocumentationRef"]
    spec["transparency"]["instructionsForUseRef"] = "https://vendor.example.com/ifu.md"
    spec["transparency"]["affectedPersonsInformedRef"] = "https://docs.example.com/notice.md"
    spec["transparency"]["workersRepresentativesInformedRef"] = "https://docs.example.com/wc.md"
    return doc


def test_a_deployer_owes_none_of_the_providers_duties(tmp_path: Path) -> None:
    report = run(tmp_path, bought_cv_screening())
    assert not {f.rule_id for f in report.findings} & (PROVIDER_ONLY | {"AIMS-TRN-001"})
    assert not_applicable(report) >= PROVIDER_ONLY
    # The deployer's own duties were judged, and met.
    deployer_duties = {"AIMS-TRN-001", "AIMS-TRN-009", "AIMS-TRN-010", "AIMS-LOG-002"}
    assert not deployer_duties & not_applicable(report)
    assert not deployer_duties & {f.rule_id for f in report.findings}


def test_a_deployer_that_does_not_inform_applicants_or_workers_gets_article_26_findings(
    tmp_path: Path,
) -> None:
    doc = bought_cv_screening()
    transparency = doc["spec"]["transparency"]
    for key in (
        "instructionsForUseRef",
        "affectedPersonsInformedRef",
        "workersRepresentativesInformedRef",
    ):
        del transparency[key]
    doc["spec"]["logging"]["retentionDays"] = 90
    report = run(tmp_path, doc)
    expected = {
        ("AIMS-TRN-001", "spec.transparency.instructionsForUseRef", "Art. 26(1)"),
        ("AIMS-TRN-009", "spec.transparency.affectedPersonsInformedRef", "Art. 26(11)"),
        ("AIMS-TRN-010", "spec.transparency.workersRepresentativesInformedRef", "Art. 26(7)"),
        ("AIMS-LOG-002", "spec.logging.retentionDays", "Art. 26(6)"),
    }
    act = {f for f in report.findings if f.rule_id in {e[0] for e in expected}}
    assert {(f.rule_id, f.ident) for f in act} == {e[:2] for e in expected}
    for rule_id, _ident, article in expected:
        [message] = [f.message for f in act if f.rule_id == rule_id]
        assert f"EU AI Act {article}" in message, message
    assert not any("Art. 11" in f.message or "Art. 72" in f.message for f in report.findings)


def test_the_workers_representatives_notice_follows_the_data_document(tmp_path: Path) -> None:
    doc = bought_cv_screening()
    del doc["spec"]["transparency"]["workersRepresentativesInformedRef"]
    assert ("AIMS-TRN-010", "spec.transparency.workersRepresentativesInformedRef") in found(
        run(tmp_path, doc)
    )
    narrowed = run(tmp_path, doc, euAiAct={"deployerNotices": {"workersRepresentatives": ["4(b)"]}})
    assert "AIMS-TRN-010" in not_applicable(narrowed)


# -- a creditworthiness deployer whose intended use never says "credit" ---------------------------


def affordability(**eu: Any) -> dict[str, Any]:
    doc = base()
    doc["metadata"].update(name="affordability", title="Bought affordability check")
    spec = doc["spec"]
    spec["purpose"]["intendedUse"] = (
        "Estimate whether an applicant for a personal loan can meet the monthly repayments, so "
        "that underwriters can size or decline the loan; underwriters decide."
    )
    spec["classification"].update(riskLevel="high", decisionsAffectIndividuals=True)
    spec["classification"]["euAiAct"] = {"category": "high-risk", "role": "deployer", **eu}
    return doc


def test_the_fria_follows_the_annex_iii_point_not_the_words_of_the_intended_use(
    tmp_path: Path,
) -> None:
    doc = affordability(annexIIIPoint="5(b)", publicBodyOrService=False)
    assert "credit" not in doc["spec"]["purpose"]["intendedUse"].lower()
    report = run(tmp_path, doc)
    assert ("AIMS-IMP-007", "spec.impactAssessment.fundamentalRights") in found(report)
    [fria] = [f for f in report.findings if f.rule_id == "AIMS-IMP-007"]
    assert "Art. 27" in fria.message

    # Words that used to trigger it decide nothing: emergency-call triage (5(d)) by a private
    # deployer needs no FRIA, however often its intended use says credit or insurance.
    triage = affordability(annexIIIPoint="5(d)", publicBodyOrService=False)
    triage["spec"]["purpose"]["intendedUse"] = (
        "Triage emergency calls from insurance and credit-card customers travelling abroad."
    )
    assert "AIMS-IMP-007" in not_applicable(run(tmp_path, triage))


def test_with_the_area_alone_the_point_is_asked_for_rather_than_guessed(tmp_path: Path) -> None:
    report = run(
        tmp_path, affordability(annexIIIArea="essential-services", publicBodyOrService=False)
    )
    assert "AIMS-IMP-007" in not_applicable(report)
    [ask] = [f for f in report.findings if f.rule_id == "AIMS-CLS-002"]
    assert ask.ident == "spec.classification.euAiAct.annexIIIPoint"
    assert ask.severity == "warning"
    assert "fundamental-rights impact assessment" in ask.message
    assert "5(a), 5(b), 5(c), 5(d)" in ask.message
    # A public body owes the FRIA at every point of the area, so the area is enough.
    public = run(
        tmp_path, affordability(annexIIIArea="essential-services", publicBodyOrService=True)
    )
    assert ("AIMS-IMP-007", "spec.impactAssessment.fundamentalRights") in found(public)
    assert "AIMS-CLS-002" not in {f.rule_id for f in public.findings}


# -- the schema --------------------------------------------------------------------------------


def test_the_schema_lists_exactly_the_points_of_annex_iii() -> None:
    schema = json.loads(aims("schema").stdout)
    point = schema["$defs"]["euAiAct"]["properties"]["annexIIIPoint"]
    assert [p for p in point["enum"] if isinstance(p, str)] == ANNEX_III
    assert [p for p in point["enum"] if not isinstance(p, str)] == [2]
    assert list(data_document.ANNEX_III_POINTS) == ANNEX_III
    transparency = schema["$defs"]["transparency"]["properties"]
    for field in ("affectedPersonsInformedRef", "workersRepresentativesInformedRef"):
        assert transparency[field]["$ref"] == "#/$defs/ref"
        assert transparency[field]["description"]


@pytest.mark.parametrize(("written", "accepted"), [("2", True), ('"2"', True), ("5b", False)])
def test_a_point_is_checked_against_annex_iii(tmp_path: Path, written: str, accepted: bool) -> None:
    text = BASE.read_text(encoding="utf-8").replace(
        "      role: provider-and-deployer\n",
        f"      role: provider-and-deployer\n      annexIIIPoint: {written}\n",
        1,
    )
    line = text.splitlines().index(f"      annexIIIPoint: {written}") + 1
    file = write(tmp_path / "point.yaml", text)
    report = check([str(file)], today=TODAY, cwd=str(tmp_path))
    schema = [f for f in report.findings if f.rule_id.startswith("AIMS-SCH")]
    if accepted:
        assert schema == []
    else:
        [error] = schema
        assert (error.location.line, error.location.col) == (line, 7)  # the key, indented 6
        assert error.ident == "spec.classification.euAiAct.annexIIIPoint"
