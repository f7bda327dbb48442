"""JUnit XML output, checked against Jenkins' xunit schema (tests/schemas/junit-10.xsd) with
xmlschema, and read back with junitparser as a CI dashboard would read it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xmlschema
from _helpers import ROOT, TODAY
from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite

import aims_policy
from aims_policy import registry
from aims_policy.model import (
    Finding,
    Location,
    Notification,
    Report,
    RuleMeta,
    RuleResult,
    Suppression,
    SystemInfo,
)
from aims_policy.output import render

XSD = ROOT / "tests" / "schemas" / "junit-10.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def write(tmp_path: Path, report: Report, name: str = "out.xml") -> Path:
    path = tmp_path / name
    path.write_text(render(report, "junit"), "utf-8")
    return path


def suites(path: Path) -> dict[str, TestSuite]:
    xml = JUnitXml.fromfile(str(path))
    return {suite.name: suite for suite in xml}


def test_manifests_give_one_valid_suite_per_system(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    report = aims_policy.check([str(ROOT / "manifests")], today=TODAY, cwd=str(ROOT))
    path = write(tmp_path, report)
    schema.validate(str(path))
    found = suites(path)
    assert sorted(found) == sorted(
        [*(s.name for s in report.systems), *(o.name for o in report.organisations)]
    )
    # A system's suite has a case for each rule that reads systems, the organisation manifest's
    # for each rule that reads it: a rule that never ran on a manifest is never shown passed.
    system_rules = {r.id for r in report.rules if "AISystem" in r.kinds}
    org_rules = {r.id for r in report.rules if "AIManagementSystem" in r.kinds}
    schema_rules = {r.id for r in report.rules if r.id.startswith("AIMS-SCH-")}
    (org,) = report.organisations
    org_cases = {c.name.split(" ", 1)[0] for c in found[org.name]}
    assert org_cases == org_rules | schema_rules
    assert "AIMS-ORG-001" in org_cases and "AIMS-RSK-001" not in org_cases
    for info in report.systems:
        suite = found[info.name]
        cases = list(suite)
        assert len(cases) == len(system_rules | schema_rules) == suite.tests
        assert {c.classname for c in cases} == {f"aims-policy.{info.name}"}
        assert {c.name.split(" ", 1)[0] for c in cases} == system_rules | schema_rules
        props = {p.name: p.value for p in suite.properties()}
        assert props["file"] == info.location.file
        assert props.get("riskLevel") == info.risk_level
        assert props.get("euAiActCategory") == info.eu_category
        assert props.get("owner") == info.owner
    # Every failing finding is a failure in its system's case for its rule.
    for f in report.failing:
        assert f.system is not None
        case = next(c for c in found[f.system] if c.name.startswith(f.rule_id + " "))
        assert any(
            isinstance(r, Failure) and str(f.location) in (r.text or "") for r in case.result
        )


def test_a_broken_file_gets_its_own_suite_with_an_error(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "broken.yaml").write_text("kind: AISystem\nmetadata: {name: [x\n")
    report = aims_policy.check([str(tmp_path / "manifests")], today=TODAY, cwd=str(tmp_path))
    path = write(tmp_path, report)
    schema.validate(str(path))
    found = suites(path)
    broken = found["manifests/broken.yaml"]
    [case] = list(broken)
    assert case.is_error
    [error] = case.result
    assert isinstance(error, Error)
    assert "invalid YAML" in (error.message or "")
    assert len(found) == len(report.systems) + len(report.organisations) + 1


# -- statuses on a hand-made report ----------------------------------------------------------------

RULES = (
    RuleMeta(
        "T-ERR-001",
        "Err",
        "Fails at error",
        "error",
        "why",
        "fix it like this",
        controls=("A.3.2",),
        clauses=("5.3",),
    ),
    RuleMeta("T-WRN-001", "Wrn", "Warns only", "warning", "why", "fix"),
    RuleMeta("T-NA-001", "Na", "Not for this system", "error", "why", "fix"),
    RuleMeta("T-WVD-001", "Wvd", "Waived here", "error", "why", "fix"),
    RuleMeta("T-CRS-001", "Crs", "Crashes", "error", "why", "fix"),
    RuleMeta("T-OK-001", "Ok", "Passes", "error", "why", "fix"),
)


def finding(
    rule_id: str,
    severity: str,
    line: int,
    message: str = "something is missing",
    state: str = "open",
    suppression: Suppression | None = None,
    system: str = "loan-bot",
) -> Finding:
    return Finding(
        rule_id,
        severity,
        message,
        Location("m/loan.yaml", line, 3),  # type: ignore[arg-type]
        "/spec",
        f"spec#{line}",
        system,
        controls=("A.3.2", "5.3"),
        state=state,  # type: ignore[arg-type]
        suppression=suppression,
    )


def statuses_report(
    fail_on: str = "error", message: str = "something is missing", system: str = "loan-bot"
) -> Report:
    waiver = Suppression("exception", "accepted until the new model ships", approver="CRO")
    return Report(
        tool_version="0",
        today=TODAY,
        fail_on=fail_on,
        rules=RULES,  # type: ignore[arg-type]
        systems=(
            SystemInfo(
                system, Location("m/loan.yaml", 1, 1), "Loan bot", "high", "high-risk", "Ada"
            ),
        ),
        findings=(
            finding("T-ERR-001", "error", 10, message, system=system),
            finding("T-ERR-001", "error", 12, system=system),
            finding("T-WRN-001", "warning", 20, system=system),
            finding("T-WVD-001", "error", 30, state="waived", suppression=waiver, system=system),
        ),
        results=(
            RuleResult("T-NA-001", system, "not_applicable", "applies to: chatbots"),
            RuleResult("T-CRS-001", system, "error", "KeyError: 'x'"),
        ),
        notifications=(
            Notification(
                "engine",
                "rule-error",
                "rule T-CRS-001 failed: KeyError: 'x'",
                Location("m/loan.yaml", 1, 1),
                "T-CRS-001",
                system,
            ),
        ),
        files=("m/loan.yaml",),
    )


def cases_by_rule(path: Path) -> dict[str, object]:
    [suite] = list(JUnitXml.fromfile(str(path)))
    return {case.name.split(" ", 1)[0]: case for case in suite}


def test_each_outcome_maps_to_its_junit_element(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    path = write(tmp_path, statuses_report())
    schema.validate(str(path))
    [suite] = list(JUnitXml.fromfile(str(path)))
    assert (suite.name, suite.tests, suite.failures, suite.errors, suite.skipped) == (
        "loan-bot",
        6,
        1,
        1,
        2,
    )
    cases = {case.name: case for case in suite}
    err = cases["T-ERR-001 Fails at error"]
    [failure] = err.result
    assert isinstance(failure, Failure)
    assert failure.message == "m/loan.yaml:10:3: something is missing (and 1 more)"
    assert failure.text == (
        "m/loan.yaml:10:3: error T-ERR-001 something is missing [A.3.2, 5.3]\n"
        "m/loan.yaml:12:3: error T-ERR-001 something is missing [A.3.2, 5.3]\n"
        "How to fix: fix it like this\n"
        "ISO/IEC 42001: A.3.2, 5.3"
    )
    wrn = cases["T-WRN-001 Warns only"]
    assert wrn.is_passed
    assert wrn.system_out == "m/loan.yaml:20:3: warning T-WRN-001 something is missing [A.3.2, 5.3]"
    [skip] = cases["T-NA-001 Not for this system"].result
    assert isinstance(skip, Skipped) and skip.message == "not applicable: applies to: chatbots"
    [waived] = cases["T-WVD-001 Waived here"].result
    assert isinstance(waived, Skipped)
    assert waived.message == "waived: accepted until the new model ships"
    assert "(waived: accepted until the new model ships)" in (
        cases["T-WVD-001 Waived here"].system_out or ""
    )
    [crash] = cases["T-CRS-001 Crashes"].result
    assert isinstance(crash, Error) and "KeyError" in (crash.message or "")
    assert cases["T-OK-001 Passes"].is_passed and not cases["T-OK-001 Passes"].system_out


def test_findings_below_the_threshold_never_fail(tmp_path: Path) -> None:
    path = write(tmp_path, statuses_report(fail_on="never"))
    cases = cases_by_rule(path)
    err = cases["T-ERR-001"]
    assert err.is_passed  # type: ignore[attr-defined]
    assert "m/loan.yaml:10:3: error T-ERR-001" in (err.system_out or "")  # type: ignore[attr-defined]


def test_control_characters_in_manifest_strings_stay_valid_xml(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    report = statuses_report(message='bell \x07 nul \x00 esc \x1b & <tag> "q"', system="bot\x0b1")
    path = write(tmp_path, report)
    schema.validate(str(path))
    [suite] = list(JUnitXml.fromfile(str(path)))
    assert suite.name == "bot\\x0b1"
    failure = next(r for c in suite for r in c.result if isinstance(r, Failure))
    assert (
        failure.message
        == 'm/loan.yaml:10:3: bell \\x07 nul \\x00 esc \\x1b & <tag> "q" (and 1 more)'
    )


def test_junit_is_deterministic(tmp_path: Path) -> None:
    report = aims_policy.check([str(ROOT / "manifests")], today=TODAY, cwd=str(ROOT))
    again = aims_policy.check([str(ROOT / "manifests")], today=TODAY, cwd=str(ROOT))
    text = render(report, "junit")
    assert text == render(again, "junit")
    assert "timestamp=" not in text and "hostname=" not in text and "time=" not in text


def test_stray_problems_go_to_a_run_suite(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    report = Report(
        tool_version="0",
        today=TODAY,
        fail_on="error",
        rules=tuple(r.meta for r in registry.load().set_rules)[:1] or RULES[:1],
        systems=(),
        findings=(),
        results=(),
        notifications=(
            Notification("engine", "rule-error", "rule X failed: boom", None, "X-SET-001"),
        ),
        files=(),
    )
    path = write(tmp_path, report)
    schema.validate(str(path))
    found = suites(path)
    [case] = list(found["aims-policy"])
    [error] = case.result
    assert isinstance(error, Error) and error.message == "rule X failed: boom"
