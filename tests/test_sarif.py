"""SARIF 2.1.0 output, checked against references that are not the code under test: the SARIF
2.1.0 JSON schema (tests/schemas/), Microsoft's SARIF Multitool under the SARIF and GitHub rule sets
(pinned in tests/tools/sarif-multitool/, installed by tests/_sarif_multitool.py), setup.cfg's
project URL, and positions worked out by hand from the manifests' text."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _sarif_multitool as multitool
import jsonschema
import pytest
from _helpers import ROOT, TODAY, aims, minimal_manifest

import aims_policy
import aims_policy.output
from aims_policy import registry
from aims_policy.engine import Context, Violation, eu, nist, rule
from aims_policy.model import (
    Finding,
    Location,
    Notification,
    Report,
    RuleMeta,
    Suppression,
    SystemInfo,
)
from aims_policy.output import RenderOptions, render
from aims_policy.output.sarif import SarifLimitError
from aims_policy.registry import RuleSet

SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text("utf-8"))


@rule(
    id="TEST-RISK-001",
    title="Every risk is listed",
    severity="note",
    controls=["A.5.2"],
    clauses=["6.1.2"],
    eu_ai_act=[eu("Art. 9(2)(a)", "high", basis=True)],
    nist_ai_rmf=[nist("MAP 5.1")],
    rationale="A test rule that fires once per risk, so that fingerprints can be followed.",
    remediation="Nothing to do.",
    pack="tests",
)
def every_risk(ctx: Context) -> Iterator[Violation]:
    for risk in ctx.each("spec.risks"):
        yield risk.at("description").fail(f"risk {risk.name} is listed")


@rule(
    id="TEST-CRASH-001",
    title="Always crashes",
    severity="warning",
    controls=["A.6.2.6"],
    rationale="A test rule that raises, to produce an engine error.",
    remediation="None.",
    pack="tests",
)
def always_crashes(ctx: Context) -> Iterator[Violation]:
    raise RuntimeError("deliberate failure for the test")
    yield  # pragma: no cover - makes this a generator like every rule


def ruleset(*extra: Any) -> RuleSet:
    base = registry.load()
    return RuleSet(rules=(*base.rules, *extra), set_rules=base.set_rules)


def copy_manifests(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    return tmp_path


def check(cwd: Path, *extra: Any, paths: tuple[str, ...] = ("manifests",)) -> Report:
    # Paths are opened as given and shown relative to ``cwd``: give them absolute.
    return aims_policy.check(
        [str(cwd / p) for p in paths], today=TODAY, ruleset=ruleset(*extra), cwd=str(cwd)
    )


def sarif(report: Report, **options: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(report, "sarif", RenderOptions(**options)))
    return doc


def schema_errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]


def broken_run(tmp_path: Path) -> Report:
    """manifests/ plus a file with bad YAML and a binary one (a problem with the file as a whole,
    which has no region), and a manifest with a schema error, with a rule that crashes on every
    manifest."""
    copy_manifests(tmp_path)
    (tmp_path / "manifests" / "broken.yaml").write_text(
        "apiVersion: aims-policy/v1\nkind: AISystem\nmetadata:\n  name: broken\n  bad: [unclosed\n"
    )
    (tmp_path / "manifests" / "blob.yaml").write_bytes(b"kind: AISystem\x00\x00")
    # a schema error: the rules that read the risk level are not evaluated (notes)
    (tmp_path / "manifests" / "invalid.yaml").write_text(
        minimal_manifest("invalid").replace("riskLevel: low", "riskLevel: 5")
    )
    return check(tmp_path, every_risk, always_crashes)


def project_url() -> str:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg["metadata"]["url"].rstrip("/")


# -- schema and validator --------------------------------------------------------------------------


def test_sarif_of_manifests_matches_the_schema() -> None:
    doc = sarif(aims_policy.check([str(ROOT / "manifests")], today=TODAY, cwd=str(ROOT)))
    assert schema_errors(doc) == []
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["results"], "the sample manifests have deliberate gaps"


def test_sarif_of_a_broken_run_matches_the_schema_and_reports_problems(tmp_path: Path) -> None:
    doc = sarif(broken_run(tmp_path))
    assert schema_errors(doc) == []
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    load = sorted(
        (n for n in notes if n["descriptor"]["id"].startswith("load/")),
        key=lambda n: n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
    )
    assert len(load) == 2
    whole = load[0]["locations"][0]["physicalLocation"]
    assert whole == {"artifactLocation": {"uri": "manifests/blob.yaml", "uriBaseId": "%SRCROOT%"}}
    where = load[1]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"] == {"uri": "manifests/broken.yaml", "uriBaseId": "%SRCROOT%"}
    # PyYAML reports an unclosed flow sequence at the end of the input: line 6, column 1.
    assert where["region"]["startLine"] == 6
    crashes = [n for n in notes if n.get("associatedRule", {}).get("id") == "TEST-CRASH-001"]
    systems = {s.name for s in broken_run_systems(tmp_path)}
    assert len(crashes) == len(systems) and all(n["level"] == "error" for n in crashes)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[n["associatedRule"]["index"]]["id"] == "TEST-CRASH-001" for n in crashes)
    skipped = [n for n in notes if n["descriptor"]["id"] == "schema/not-evaluated"]
    assert skipped and all(n["level"] == "note" for n in skipped)
    assert {n["properties"]["system"] for n in skipped} == {"invalid"}
    assert all(
        rules[n["associatedRule"]["index"]]["id"] == n["associatedRule"]["id"] for n in skipped
    )


def broken_run_systems(tmp_path: Path) -> tuple[SystemInfo, ...]:
    return aims_policy.check([str(tmp_path / "manifests")], today=TODAY, cwd=str(tmp_path)).systems


@pytest.fixture(scope="module")
def sarif_multitool() -> Path:
    """Installed once per cache (see tests/_sarif_multitool.py). Required, never skipped: a skipped
    check would prove nothing, so a machine without Node.js and npm fails here saying so."""
    try:
        return multitool.install()
    except multitool.MultitoolUnavailable as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)


def _validate_under_both_rule_sets(tool: Path, *files: Path) -> list[multitool.Validation]:
    done = [multitool.validate(tool, f, kind) for f in files for kind in multitool.RULE_KINDS]
    # A broken install must not pass for a clean file: every run went to the end and said so.
    assert all(v.completed for v in done), "\n".join(map(str, done))
    assert all(multitool.RULE_ID.fullmatch(p.rule_id) for v in done for p in v.problems), "\n".join(
        map(str, done)
    )
    return done


@pytest.mark.slow
def test_microsoft_sarif_multitool_reports_no_errors_or_warnings(
    tmp_path: Path, sarif_multitool: Path
) -> None:
    """Microsoft's SARIF Multitool under the SARIF rule set (the spec, its JSON schema included)
    and the GitHub rule set (what code scanning requires on upload), on a clean and a broken run."""
    clean = tmp_path / "manifests.sarif"
    report = aims_policy.check([str(ROOT / "manifests")], today=TODAY, cwd=str(ROOT))
    clean.write_text(render(report, "sarif"))
    broken = tmp_path / "broken.sarif"
    broken.write_text(render(broken_run(tmp_path / "run"), "sarif"))
    done = _validate_under_both_rule_sets(sarif_multitool, clean, broken)
    assert [(v.file, v.rule_kind) for v in done] == [
        (clean, "Sarif"),
        (clean, "Gh"),
        (broken, "Sarif"),
        (broken, "Gh"),
    ]
    assert all(not v.errors and not v.warnings for v in done), "\n".join(map(str, done))


@pytest.mark.slow
def test_microsoft_sarif_multitool_catches_broken_documents(
    tmp_path: Path, sarif_multitool: Path
) -> None:
    """The validator and the parsing of its log are not vacuous: documents broken on purpose
    yield errors, a result without a message under both rule sets, a rule without a full
    description under GitHub's."""
    text = render(aims_policy.check([str(ROOT / "manifests")], today=TODAY, cwd=str(ROOT)), "sarif")
    no_message, no_description = json.loads(text), json.loads(text)
    del no_message["runs"][0]["results"][0]["message"]
    del no_description["runs"][0]["tool"]["driver"]["rules"][0]["fullDescription"]
    assert schema_errors(no_description) == []  # only GitHub's rules require it
    files = (tmp_path / "no-message.sarif", tmp_path / "no-full-description.sarif")
    for path, doc in zip(files, (no_message, no_description), strict=True):
        path.write_text(json.dumps(doc))
    done = _validate_under_both_rule_sets(sarif_multitool, *files)
    missing_message, missing_message_gh, _, missing_description_gh = done
    assert missing_message.errors, missing_message
    assert missing_message_gh.errors, missing_message_gh
    assert missing_description_gh.errors, missing_description_gh


# -- rules, taxonomies, tags -----------------------------------------------------------------------


def test_rule_descriptors_meet_github_requirements(tmp_path: Path) -> None:
    report = check(copy_manifests(tmp_path), every_risk)
    run = sarif(report)["runs"][0]
    driver = run["tool"]["driver"]
    base = project_url()
    assert driver["name"] == "aims-policy"
    assert driver["version"] == driver["semanticVersion"] == aims_policy.__version__
    assert driver["informationUri"] == base
    assert [r["id"] for r in driver["rules"]] == [r.id for r in report.rules]
    for descriptor, meta in zip(driver["rules"], report.rules, strict=True):
        assert descriptor["shortDescription"]["text"]
        assert 0 < len(descriptor["fullDescription"]["text"]) <= 1000
        assert meta.remediation in descriptor["help"]["text"]
        assert meta.remediation in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] == meta.severity
        tags = descriptor["properties"]["tags"]
        assert len(tags) <= 10 and len(set(tags)) == len(tags)
        if meta.pack == "builtin":
            assert descriptor["helpUri"] == f"{base}/blob/main/docs/rules/{meta.id}.md"
        has_security = "security" in tags
        assert ("security-severity" in descriptor["properties"]) == has_security
        if has_security:
            assert 0.0 <= float(descriptor["properties"]["security-severity"]) <= 10.0
        for rel in descriptor.get("relationships", []):
            component = run["taxonomies"][rel["target"]["toolComponent"]["index"]]
            assert component["name"] == rel["target"]["toolComponent"]["name"]
            assert component["taxa"][rel["target"]["index"]]["id"] == rel["target"]["id"]
    names = {t["name"]: t for t in run["taxonomies"]}
    assert set(names) == {"ISO/IEC 42001", "EU AI Act", "NIST AI RMF"}
    [supported] = [driver["supportedTaxonomies"]]
    assert [s["name"] for s in supported] == [t["name"] for t in run["taxonomies"]]


def test_relationships_and_tags_of_a_known_rule(tmp_path: Path) -> None:
    run = sarif(check(copy_manifests(tmp_path), every_risk))["runs"][0]
    [descriptor] = [r for r in run["tool"]["driver"]["rules"] if r["id"] == "TEST-RISK-001"]
    targets = {
        (r["target"]["toolComponent"]["name"], r["target"]["id"]): r["kinds"]
        for r in descriptor["relationships"]
    }
    assert targets == {
        ("ISO/IEC 42001", "A.5.2"): ["superset"],
        ("ISO/IEC 42001", "6.1.2"): ["superset"],
        ("EU AI Act", "Art. 9"): ["superset"],  # declared with high confidence
        ("NIST AI RMF", "MAP 5.1"): ["superset"],
    }
    assert descriptor["properties"]["tags"] == [
        "iso42001/A.5.2",
        "eu-ai-act/art-9",
        "iso42001/6.1.2",
        "nist-ai-rmf/map-5.1",
    ]
    assert "helpUri" not in descriptor  # not a built-in rule: its docs are not on our site
    iso = next(t for t in run["taxonomies"] if t["name"] == "ISO/IEC 42001")
    a52 = next(t for t in iso["taxa"] if t["id"] == "A.5.2")
    assert a52["name"] == "AI system impact assessment process"


def test_at_most_ten_tags_and_security_severity_on_security_rules() -> None:
    meta = RuleMeta(
        id="X-SEC-001",
        name="Wide",
        title="A rule with many references",
        severity="error",
        rationale="r",
        remediation="m",
        tags=("security", "privacy"),
        controls=(*(f"A.7.{n}" for n in range(2, 7)), "A.6.2.4", "A.6.2.5", "A.6.2.6"),
        clauses=("6.1.2", "8.2", "9.1"),
        pack="tests",
    )
    report = _report(rules=(meta,))
    [descriptor] = sarif(report)["runs"][0]["tool"]["driver"]["rules"]
    tags = descriptor["properties"]["tags"]
    assert tags == [
        "security",
        "iso42001/A.7.2",
        "iso42001/A.7.3",
        "iso42001/A.7.4",
        "iso42001/A.7.5",
        "iso42001/A.7.6",
        "iso42001/A.6.2.4",
        "iso42001/A.6.2.5",
        "iso42001/A.6.2.6",
        "iso42001/6.1.2",
    ]
    assert descriptor["properties"]["security-severity"] == "7.5"
    # The full crosswalk is kept beyond the tags.
    assert descriptor["properties"]["iso42001"]["clauses"] == ["6.1.2", "8.2", "9.1"]
    assert len(descriptor["relationships"]) == 11


def test_full_description_is_clipped_to_1000_characters() -> None:
    meta = RuleMeta(
        id="X-LONG-001",
        name="Long",
        title="Long",
        severity="note",
        rationale="word " * 400,
        remediation="m",
        pack="tests",
    )
    [descriptor] = sarif(_report(rules=(meta,)))["runs"][0]["tool"]["driver"]["rules"]
    assert len(descriptor["fullDescription"]["text"]) <= 1000
    assert ("word " * 400).strip() in descriptor["help"]["text"]


# -- results ---------------------------------------------------------------------------------------


def _risk_description_position(text: str, risk_id: str) -> tuple[int, int]:
    """Line and column of ``description:`` under ``- id: <risk_id>``, worked out from the text."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\s*- id: {risk_id}", line))
    for i in range(start + 1, len(lines)):
        if lines[i].strip().startswith("description:"):
            return i + 1, lines[i].index("description:") + 1
    raise AssertionError("no description")


def test_results_point_at_the_item_with_relative_uris(tmp_path: Path) -> None:
    copy_manifests(tmp_path)
    run = sarif(check(tmp_path, every_risk))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not physical["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
        assert set(result["partialFingerprints"]) == {"aimsPolicyFinding/v1"}
        assert result["properties"]["identityPath"]
    text = (tmp_path / "manifests" / "credit-scoring.yaml").read_text("utf-8")
    line, col = _risk_description_position(text, "R-1")
    [r1] = [
        r
        for r in run["results"]
        if r["ruleId"] == "TEST-RISK-001"
        and r["properties"].get("item") == "R-1"
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "manifests/credit-scoring.yaml"
    ]
    region = r1["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (line, col)
    assert r1["level"] == "note"
    assert r1["message"]["text"] == "risk R-1 is listed."
    assert r1["properties"]["system"] == "credit-scoring"
    assert r1["properties"]["identityPath"] == "spec.risks[R-1].description"
    assert r1["properties"]["controls"] == ["A.5.2", "6.1.2"]
    assert "suppressions" not in r1


def _fingerprints(run: dict[str, Any]) -> dict[str, tuple[str, int]]:
    out = {}
    for r in run["results"]:
        physical = r["locations"][0]["physicalLocation"]
        key = r["partialFingerprints"]["aimsPolicyFinding/v1"]
        assert key not in out, f"two results share a fingerprint: {r['ruleId']}"
        out[key] = (physical["artifactLocation"]["uri"], physical["region"]["startLine"])
    return out


def test_fingerprints_survive_lines_inserted_at_the_top_of_every_manifest(tmp_path: Path) -> None:
    copy_manifests(tmp_path)
    before = _fingerprints(sarif(check(tmp_path, every_risk))["runs"][0])
    edited = 0
    for path in sorted((tmp_path / "manifests").rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            path.write_text("# a comment\n# another\n\n" + path.read_text("utf-8"), "utf-8")
            edited += 1
        elif path.suffix == ".json":
            path.write_text("\n\n\n" + path.read_text("utf-8"), "utf-8")
            edited += 1
    assert edited >= 5
    after = _fingerprints(sarif(check(tmp_path, every_risk))["runs"][0])
    assert set(after) == set(before) and len(before) > 20
    # The lines did move: the fingerprints stayed put for another reason than nothing changing.
    assert all(after[k][1] == before[k][1] + 3 for k in before)


NEW_RISK = """\
    - id: R-0
      description: A newly identified risk inserted at the top of the register.
      category: fairness
      likelihood: 1
      impact: 1
      score: 1
      owner: Lena Hoffmann
      treatment:
        option: accept
        status: done
      residualRisk:
        likelihood: 1
        impact: 1
        score: 1
      reviewDate: 2027-03-31
"""


def test_fingerprints_survive_a_risk_inserted_at_the_top_of_the_register(tmp_path: Path) -> None:
    copy_manifests(tmp_path)
    path = tmp_path / "manifests" / "credit-scoring.yaml"
    before_run = sarif(check(tmp_path, every_risk))["runs"][0]
    before = _fingerprints(before_run)
    text = path.read_text("utf-8")
    assert text.count("\n  risks:\n") == 1
    path.write_text(text.replace("\n  risks:\n", "\n  risks:\n" + NEW_RISK), "utf-8")
    after_run = sarif(check(tmp_path, every_risk))["runs"][0]
    after = _fingerprints(after_run)
    assert set(before) <= set(after)
    new = [
        r
        for r in after_run["results"]
        if r["partialFingerprints"]["aimsPolicyFinding/v1"] not in before
    ]
    assert new and all("R-0" in r["properties"]["identityPath"] for r in new)
    moved = [
        k
        for k, (uri, line) in before.items()
        if uri == "manifests/credit-scoring.yaml" and after[k][1] != line
    ]
    assert len(moved) >= 4  # R-1 ... R-n shifted down by the inserted risk, same fingerprints


def test_two_runs_are_byte_identical_and_hold_no_absolute_path(tmp_path: Path) -> None:
    first = broken_run(tmp_path / "a")
    second = check(tmp_path / "a", every_risk, always_crashes)
    for fmt in ("sarif", "junit", "json", "markdown", "github", "text"):
        one, two = render(first, fmt), render(second, fmt)
        assert one == two, fmt
        assert str(tmp_path) not in one, fmt
    assert re.search(r"\d\d:\d\d:\d\d", render(first, "sarif")) is None  # no timestamps


# -- suppressions, category, limits ---------------------------------------------------------------


def _finding(
    rule_id: str = "AIMS-OWN-001",
    *,
    line: int = 3,
    severity: str = "error",
    state: str = "open",
    suppression: Suppression | None = None,
    item: str | None = None,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message="the owner has no email",  # type: ignore[arg-type]
        location=Location("m/a.yaml", line, 5, line, 12),
        json_path="/spec/owner",
        ident=f"spec.owner#{line}",
        system="sys-a",
        item=item,
        controls=("A.3.2",),
        state=state,
        suppression=suppression,
    )  # type: ignore[arg-type]


def _report(
    findings: tuple[Finding, ...] = (),
    rules: tuple[RuleMeta, ...] | None = None,
    notifications: tuple[Notification, ...] = (),
) -> Report:
    if rules is None:
        rules = tuple(r.meta for r in registry.load().all if r.id == "AIMS-OWN-001")
    return Report(
        tool_version=aims_policy.__version__,
        today=TODAY,
        fail_on="error",
        rules=rules,
        systems=(SystemInfo("sys-a", Location("m/a.yaml", 1, 1)),),
        findings=findings,
        results=(),
        notifications=notifications,
        files=("m/a.yaml",),
    )


def test_waived_and_baselined_findings_stay_as_suppressed_results() -> None:
    waiver = Suppression(
        "exception",
        "Shared mailbox being set up",
        approver="CISO",
        expires="2027-01-31",
        source=Location("m/a.yaml", 9, 5),
    )
    baseline = Suppression(
        "baseline",
        "accepted at adoption (baseline 2026-10-01)",
        source=Location(".aims-policy-baseline.json", 1, 1),
    )
    report = _report(
        (
            _finding(line=3, state="waived", suppression=waiver),
            _finding(line=4, state="baselined", suppression=baseline),
            _finding(line=5),
        )
    )
    doc = sarif(report)
    assert schema_errors(doc) == []
    waived, baselined, open_ = doc["runs"][0]["results"]
    assert waived["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "Shared mailbox being set up; approved by CISO; until 2027-01-31",
            "location": {
                "physicalLocation": {
                    "artifactLocation": {"uri": "m/a.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 9, "startColumn": 5},
                }
            },
            "properties": {"kind": "exception", "approver": "CISO", "expires": "2027-01-31"},
        }
    ]
    assert baselined["suppressions"][0]["kind"] == "external"
    assert baselined["suppressions"][0]["status"] == "accepted"
    assert baselined["suppressions"][0]["justification"].startswith("accepted at adoption")
    assert "suppressions" not in open_
    assert [r["properties"]["state"] for r in (waived, baselined, open_)] == [
        "waived",
        "baselined",
        "open",
    ]


def test_automation_details_id_comes_from_the_category() -> None:
    report = _report((_finding(),))
    assert sarif(report)["runs"][0]["automationDetails"]["id"] == "aims-policy/"
    run = sarif(report, sarif_category="manifests/eu")["runs"][0]
    assert run["automationDetails"]["id"] == "manifests/eu/"


def _many(count: int, errors: int) -> Report:
    findings = tuple(
        _finding(line=n + 1, severity="error" if n < errors else "warning") for n in range(count)
    )
    return _report(findings)


def test_more_results_than_github_accepts_is_refused_with_a_way_out() -> None:
    report = _many(25_001, errors=10)
    with pytest.raises(SarifLimitError) as caught:
        render(report, "sarif")
    message = str(caught.value)
    assert "25001 results" in message and "25000" in message
    assert "--sarif-min-level error would keep 10" in message
    doc = sarif(report, sarif_min_level="error")
    run = doc["runs"][0]
    assert len(run["results"]) == 10
    assert run["properties"]["omittedResults"] == 24_991
    assert schema_errors({**doc, "runs": [{**run, "results": run["results"][:2]}]}) == []


def test_the_check_command_turns_the_limit_into_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aims_policy.commands.check import _write

    assert _write(_many(25_001, errors=10), "sarif", RenderOptions(), None) is False
    out, err = capsys.readouterr()
    assert out == ""  # nothing of the refused file reaches standard output
    assert err.count("\n") == 1 and err.startswith("aims-policy: error: sarif output not written")
    assert "--sarif-min-level" in err


def test_when_sarif_is_beyond_the_limits_the_other_reports_are_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JUnit file and the job summary still tell the story when GitHub would refuse the
    SARIF file; the run ends with exit 2 (it could not do all of its job)."""
    from click.testing import CliRunner

    import aims_policy.output.sarif as sarif_output
    from aims_policy.cli import cli

    monkeypatch.setattr(sarif_output, "MAX_RESULTS", 3)
    out = {name: tmp_path / name for name in ("r.sarif", "r.xml", "r.json", "r.md")}
    result = CliRunner().invoke(
        cli,
        ["check", "--no-config", "--today", "2026-11-22", str(ROOT / "manifests"),
         "--sarif", str(out["r.sarif"]), "--junit", str(out["r.xml"]),
         "--json", str(out["r.json"]), "--markdown", str(out["r.md"])],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "sarif output not written" in result.stderr
    assert not out["r.sarif"].exists()
    assert all(out[name].stat().st_size > 0 for name in ("r.xml", "r.json", "r.md"))
    assert "1 file" not in result.stdout
    assert "10 systems and 1 organisation manifest checked" in result.stdout


# -- library API -----------------------------------------------------------------------------------


def test_library_api_renders_any_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README snippet: check, then render the same report in any format."""
    monkeypatch.chdir(ROOT)
    report = aims_policy.check(["manifests/"], today="2026-11-22")
    doc = json.loads(aims_policy.output.render(report, "sarif"))
    assert doc["runs"][0]["tool"]["driver"]["name"] == "aims-policy"
    assert aims_policy.output.render(report, "junit").startswith("<?xml")
    assert report.exit_code in (0, 1)


def test_one_check_run_writes_every_format_and_stdout_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = {fmt: tmp_path / f"out.{fmt}" for fmt in ("sarif", "junit", "json", "markdown")}
    args = [
        "check",
        "manifests",
        "--today",
        TODAY,
        "--format",
        "sarif",
        *(x for fmt, path in out.items() for x in (f"--{fmt}", str(path))),
    ]
    result = aims(*args)
    assert result.exit_code in (0, 1), result.output
    assert out["sarif"].read_text("utf-8") == result.stdout
    assert schema_errors(json.loads(result.stdout)) == []
    old_umask = os.umask(0o022)
    os.umask(old_umask)
    for path in out.values():
        assert path.stat().st_mode & 0o777 == 0o666 & ~old_umask, path
    assert not list(tmp_path.glob(".aims-policy-*"))  # no temporary file left behind


def test_a_file_too_large_for_github_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    import aims_policy.output.sarif as sarif_module

    report = _many(50, errors=50)
    text = render(report, "sarif")
    size = len(gzip.compress(text.encode("utf-8")))
    # Lower the limit just below this report's compressed size instead of building 10 MB.
    monkeypatch.setattr(sarif_module, "MAX_GZIPPED_BYTES", size - 1)
    with pytest.raises(SarifLimitError, match=r"MB gzipped.*--sarif-min-level error"):
        render(report, "sarif")


def test_a_file_found_too_large_while_written_leaves_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size is known only once the last result is written: the file written so far is
    dropped and the previous report stays, whole."""
    import gzip

    import aims_policy.output.sarif as sarif_module

    report = _many(50, errors=50)
    text = render(report, "sarif")
    size = len(gzip.compress(text.encode("utf-8"), compresslevel=6))
    target = tmp_path / "reports" / "old.sarif"
    target.parent.mkdir()
    target.write_text("previous\n", "utf-8")
    monkeypatch.setattr(sarif_module, "MAX_GZIPPED_BYTES", size - 1)
    with pytest.raises(SarifLimitError):
        aims_policy.output.write_atomic(str(target), aims_policy.output.chunks(report, "sarif"))
    assert target.read_text("utf-8") == "previous\n"
    assert [p.name for p in target.parent.iterdir()] == ["old.sarif"]  # no temporary file
    # Long enough a text to be measured, small enough gzipped to pass: written, whole.
    monkeypatch.setattr(sarif_module, "MAX_GZIPPED_BYTES", len(text) - 1)
    aims_policy.output.write_atomic(str(target), aims_policy.output.chunks(report, "sarif"))
    assert target.read_text("utf-8") == text


def test_the_way_out_offered_is_one_that_fits() -> None:
    # 24,000 warnings and 2,000 notes: dropping the notes is enough.
    notes = _report(
        tuple(
            _finding(line=n + 1, severity="warning" if n < 24_000 else "note")
            for n in range(26_000)
        )
    )
    with pytest.raises(SarifLimitError, match="--sarif-min-level warning would keep 24000"):
        render(notes, "sarif")
    # 25,001 errors: no level fits, and the message does not pretend one does.
    errors = _many(25_001, errors=25_001)
    with pytest.raises(SarifLimitError, match="even --sarif-min-level error keeps too many"):
        render(errors, "sarif")
