"""The organisation data document: `--data` overrides are checked against the defaults (known
parameter, the default's type, a sensible range) before any rule runs, with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import MANIFESTS, aims

from aims_policy import data

REFERENCE = str(MANIFESTS / "document-summariser.yaml")


def run_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[int, str]:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = aims("check", "--today", "2026-11-22", REFERENCE, "--data", "bad.yaml")
    return result.exit_code, result.output


def load_error(tmp_path: Path, text: str) -> str:
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(data.DataError) as info:
        data.load([file])
    return str(info.value).replace(str(file), "bad.yaml")


def test_a_value_of_the_wrong_type_is_one_clear_line_before_any_rule_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run_check(tmp_path, monkeypatch, 'reviews: {maxIntervalMonths: "x"}\n')
    assert code == 2
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == [
        "aims-policy: error: bad.yaml:1:11: reviews.maxIntervalMonths must be a whole "
        'number (the default is 12), not "x"'
    ]
    assert "TypeError" not in output and "bug in the rule" not in output


def test_a_negative_risk_appetite_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run_check(tmp_path, monkeypatch, "risk:\n  appetite: -1\n")
    assert code == 2
    assert (
        "bad.yaml:2:3: risk.appetite must be a whole number of at least 0 (the default is 6), "
        "not -1" in output
    )


def test_good_overrides_are_used(tmp_path: Path) -> None:
    file = tmp_path / "good.yaml"
    file.write_text(
        "reviews: {maxIntervalMonths: 6}\nrisk: {appetite: 0, highRiskLevels: [critical]}\n"
        "logging: {minRetentionDays: 0}\nsuppliers: {approved: [SUP-a]}\n"
        "controls: {requiredByRiskLevel: {low: [A.6.2.6]}}\n",
        encoding="utf-8",
    )
    loaded = data.load([file])
    assert loaded["reviews"]["maxIntervalMonths"] == 6
    assert loaded["risk"]["appetite"] == 0
    assert loaded["risk"]["treatmentThreshold"] == 10
    assert loaded["controls"]["requiredByRiskLevel"]["low"] == ["A.6.2.6"]
    assert loaded["controls"]["requiredByRiskLevel"]["high"][0] == "A.5.2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "reviews: {maxIntervalMonths: true}\n",
            "bad.yaml:1:11: reviews.maxIntervalMonths must be a whole number (the default is 12), not true",
        ),
        (
            "reviews: {maxIntervalMonths: 1.5}\n",
            "bad.yaml:1:11: reviews.maxIntervalMonths must be a whole number (the default is 12), not 1.5",
        ),
        (
            "reviews: {maxIntervalMonths: 0}\n",
            "bad.yaml:1:11: reviews.maxIntervalMonths must be a whole number of at least 1 (the default "
            "is 12), not 0",
        ),
        (
            "incidents: {maxReportingDays: 0}\n",
            "bad.yaml:1:13: incidents.maxReportingDays must be a whole number of at least 1 (the default "
            "is 15), not 0",
        ),
        (
            "oversight: {trainingValidityMonths: -3}\n",
            "bad.yaml:1:13: oversight.trainingValidityMonths must be a whole number of at least 1 (the "
            "default is 12), not -3",
        ),
        (
            "risk: {treatmentThreshold: -0}\nlogging: {minRetentionDaysHighRisk: -1}\n",
            "bad.yaml:2:11: logging.minRetentionDaysHighRisk must be a whole number of at least 0 (the "
            "default is 183), not -1",
        ),
        (
            "risk: {acceptanceRequiresDistinctApprover: yes}\n",
            "bad.yaml:1:8: risk.acceptanceRequiresDistinctApprover must be true or false (the default "
            'is true), not "yes"',
        ),
        (
            "reviews: 3\n",
            "bad.yaml:1:1: reviews must be a mapping (the default is "
            '{"maxIntervalMonths": 12, "afterSigni...), not 3',
        ),
        (
            "suppliers: {approved: SUP-a}\n",
            'bad.yaml:1:13: suppliers.approved must be a list of text (the default is []), not "SUP-a"',
        ),
        (
            "suppliers: {approved: [1]}\n",
            "bad.yaml:1:13: suppliers.approved must be a list of text (the default is []), not [1]",
        ),
        (
            "risk: {highRiskLevels: [hgh]}\n",
            "bad.yaml:1:8: risk.highRiskLevels must be a list of risk levels (critical, high, low, "
            'medium) (the default is ["high", "critical"]), not ["hgh"]',
        ),
        (
            "controls: {requiredByRiskLevel: {high: [A.99.1]}}\n",
            "bad.yaml:1:34: controls.requiredByRiskLevel.high must be a list of ISO/IEC 42001 Annex A "
            'control ids such as A.6.2.4 ("A.99.1" is not one) (the default is ["A.5.2", "A.6.2.4", '
            '"A.6.2.6", "A.6....), not ["A.99.1"]',
        ),
        (
            "controls: {annexA: [A.2.2, X]}\n",
            "bad.yaml:1:12: controls.annexA must be a list of ISO/IEC 42001 Annex A control ids such as "
            'A.6.2.4 ("X" is not one) (the default is ["A.2.2", "A.2.3", "A.2.4", "A.3.2", ...), '
            'not ["A.2.2", "X"]',
        ),
        (
            "euAiAct: {deployerNotices: {workersRepresentatives: [4(a), 4]}}\n",
            "bad.yaml:1:29: euAiAct.deployerNotices.workersRepresentatives must be a list of text "
            '(the default is ["4(a)", "4(b)"]), not ["4(a)", 4]',
        ),
        (
            "euAiAct: {deployerNotices: {workersRepresentatives: [4(a), 4c]}}\n",
            "bad.yaml:1:29: euAiAct.deployerNotices.workersRepresentatives must be a list of EU AI "
            'Act Annex III points such as 5(b) ("4c" is not one) (the default is ["4(a)", "4(b)"]), '
            'not ["4(a)", "4c"]',
        ),
        (
            "organisationPolicy: {actStyleControls: [logRetention, postMarketPlan]}\n",
            "bad.yaml:1:22: organisationPolicy.actStyleControls must be a list of Act-style controls "
            "(postMarketMonitoring, seriousIncidentReporting, logRetention, instructionsForUse, "
            'technicalDocumentation; "postMarketPlan" is not one) (the default is []), not '
            '["logRetention", "postMarketPlan"]',
        ),
    ],
)
def test_bad_values_are_refused_at_their_place(tmp_path: Path, text: str, expected: str) -> None:
    assert load_error(tmp_path, text) == expected


def test_the_fria_keyword_parameters_are_gone(tmp_path: Path) -> None:
    """The FRIA follows the Annex III point and the deployer, never words in the intended use: a
    data file that still sets the old keywords is refused rather than silently ignored."""
    assert load_error(tmp_path, "impactAssessment: {friaPurposeKeywords: [credit]}\n") == (
        "bad.yaml:1:1: unknown data parameter 'impactAssessment'; known: reviews, risk, logging, "
        "oversight, incidents, suppliers, euAiAct, organisationPolicy, objectives, declarations, "
        "controls, exceptions, aiDiscovery, organisation"
    )


def test_deployer_notice_points_and_act_style_controls_are_accepted(tmp_path: Path) -> None:
    file = tmp_path / "ok.yaml"
    file.write_text(
        'euAiAct: {deployerNotices: {workersRepresentatives: ["2", 4(a), 4(b)]}}\n'
        "organisationPolicy: {actStyleControls: [logRetention, technicalDocumentation]}\n",
        encoding="utf-8",
    )
    loaded = data.load([file])
    assert loaded["euAiAct"]["deployerNotices"]["workersRepresentatives"] == ["2", "4(a)", "4(b)"]
    assert loaded["euAiAct"]["deployerNotices"]["affectedPersons"][:3] == ["1(a)", "1(b)", "1(c)"]
    assert loaded["organisationPolicy"]["actStyleControls"] == [
        "logRetention",
        "technicalDocumentation",
    ]


def test_a_required_control_may_come_from_an_extended_catalog(tmp_path: Path) -> None:
    file = tmp_path / "ext.yaml"
    file.write_text(
        "controls:\n  annexA: [A.2.2, A.99.1]\n  requiredByRiskLevel: {high: [A.99.1]}\n",
        encoding="utf-8",
    )
    assert data.load([file])["controls"]["requiredByRiskLevel"]["high"] == ["A.99.1"]


def test_unknown_parameters_are_still_refused(tmp_path: Path) -> None:
    assert load_error(tmp_path, "risk: {apetite: 3}\n") == (
        "bad.yaml:1:8: unknown data parameter 'risk.apetite'; did you mean 'appetite'?"
    )


def test_configuration_overrides_are_checked_too() -> None:
    with pytest.raises(data.DataError, match=r"risk\.appetite must be a whole number"):
        data.load([], {"risk": {"appetite": "low"}})
    assert data.load([], {"risk": {"appetite": 3}})["risk"]["appetite"] == 3


def test_the_generated_defaults_are_defaults_yaml_as_it_is() -> None:
    """aims_policy/data/_defaults.py is regenerated with `python -m aims_policy.data`."""
    generated = Path(data.__file__).with_name("_defaults.py").read_text(encoding="utf-8")
    assert generated == data.generated_source()
    assert data.defaults() == data.defaults_from_yaml()


def test_each_caller_gets_defaults_of_its_own() -> None:
    first = data.defaults()
    first["risk"]["appetite"] = 99
    first["controls"]["annexA"].append("A.99")
    again = data.defaults()
    assert again["risk"]["appetite"] != 99 and "A.99" not in again["controls"]["annexA"]


def test_the_defaults_pass_their_own_check() -> None:
    defaults = data.defaults()
    data.check_values(defaults, defaults, lambda _path: "defaults.yaml")


def test_a_bad_value_in_the_configuration_file_is_located_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".aims-policy.yaml").write_text(
        'data:\n  reviews:\n    maxIntervalMonths: "x"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = aims("check", "--today", "2026-11-22", REFERENCE)
    assert result.exit_code == 2
    # line 3, column 5: where `maxIntervalMonths:` is written
    assert (
        ".aims-policy.yaml:3:5: reviews.maxIntervalMonths must be a whole number (the default "
        'is 12), not "x"' in result.output
    )


def test_configuration_data_may_build_on_its_data_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A control that a configured data file adds to the catalog may be required in the
    configuration's own `data`: values are judged against the data files merged in."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "org.yaml").write_text("controls:\n  annexA: [A.2.2, A.99.1]\n", encoding="utf-8")
    (tmp_path / ".aims-policy.yaml").write_text(
        "data-files: [org.yaml]\ndata:\n  controls:\n    requiredByRiskLevel:\n      high: [A.99.1]\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = aims("check", "--today", "2026-11-22", REFERENCE)
    assert result.exit_code == 0, result.output
    # Without the data file the same value is refused, at the line where it is written.
    (tmp_path / ".aims-policy.yaml").write_text(
        "data:\n  controls:\n    requiredByRiskLevel:\n      high: [A.99.1]\n", encoding="utf-8"
    )
    result = aims("check", "--today", "2026-11-22", REFERENCE)
    assert result.exit_code == 2
    assert ".aims-policy.yaml:4:7: controls.requiredByRiskLevel.high must be" in result.output
