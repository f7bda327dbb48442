"""Waivers that must not hide anything: each test reproduces a way a finding could be hidden
(issue "Hostile pull requests and hostile files", items 1-3), with the built-in pack on copies of
the example manifests."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

import aims_policy
from aims_policy.model import Report

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-22"


def repo(tmp_path: Path, *names: str) -> Path:
    shutil.copytree(ROOT / "manifests" / "evidence", tmp_path / "evidence")
    for name in names:
        shutil.copy(ROOT / "manifests" / name, tmp_path / name)
    (tmp_path / ".git").mkdir()
    return tmp_path


def with_exceptions(path: Path, *exceptions: dict[str, str], **metadata: str) -> None:
    document = yaml.safe_load(path.read_text("utf-8"))
    document["metadata"].update(metadata)
    document["metadata"]["exceptions"] = list(exceptions)
    path.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")


def check(folder: Path, **options: object) -> Report:
    return aims_policy.check(
        [str(folder)],
        today=TODAY,
        cwd=str(folder),
        options=aims_policy.Options(**options),  # type: ignore[arg-type]
    )


def waiver(rule: str, **fields: str) -> dict[str, str]:
    return {
        "rule": rule,
        "justification": "Accepted until the next release.",
        "approver": "Anna Richter (CISO)",
        "approvedOn": "2026-10-01",
        "expires": "2027-06-30",
        **fields,
    }


def states(report: Report, file: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in report.findings:
        if f.location.file == file:
            out.setdefault(f.rule_id, set()).add(f.state)
    return out


def test_a_new_manifest_cannot_waive_another_manifests_findings(tmp_path: Path) -> None:
    folder = repo(tmp_path, "cv-screening.yaml", "document-summariser.yaml")
    before = states(check(folder), "cv-screening.yaml")
    assert "AIMS-HUM-001" in before
    impostor = folder / "document-summariser.yaml"
    with_exceptions(
        impostor,
        waiver("AIMS-HUM-001"),
        waiver("AIMS-SET-001"),
        name="cv-screening",
    )
    report = check(folder)
    after = states(report, "cv-screening.yaml")
    assert {rule: s for rule, s in after.items() if rule != "AIMS-SET-001"} == before
    assert all(s == {"open"} for s in after.values()), after
    # the name clash is reported in both files and cannot be waived
    clash = [f for f in report.findings if f.rule_id == "AIMS-SET-001"]
    assert {f.location.file for f in clash} == {"cv-screening.yaml", "document-summariser.yaml"}
    assert {f.state for f in clash} == {"open"}
    refused = [f for f in report.findings if f.rule_id == "AIMS-EXC-004"]
    assert any("AIMS-SET-001, which no exception may waive" in f.message for f in refused)
    assert report.exit_code == 1


def test_a_schema_finding_that_stops_the_rules_cannot_be_waived(tmp_path: Path) -> None:
    folder = repo(tmp_path, "document-summariser.yaml")
    path = folder / "document-summariser.yaml"
    document = yaml.safe_load(path.read_text("utf-8"))
    document["spec"]["classification"]["riskLevel"] = 5
    path.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    with_exceptions(path, waiver("AIMS-SCH-003"))
    report = check(folder)
    schema = [f for f in report.findings if f.rule_id == "AIMS-SCH-003"]
    assert schema and {f.state for f in schema} == {"open"}
    assert any(f.rule_id == "AIMS-EXC-004" for f in report.findings)
    assert report.exit_code == 1


def test_a_waiver_approved_by_the_system_owner_suppresses_nothing(tmp_path: Path) -> None:
    folder = repo(tmp_path, "cv-screening.yaml")
    with_exceptions(folder / "cv-screening.yaml", waiver("AIMS-HUM-001", approver="Sophie Laurent"))
    report = check(folder)
    assert states(report, "cv-screening.yaml")["AIMS-HUM-001"] == {"open"}
    (refused,) = [f for f in report.findings if f.rule_id == "AIMS-EXC-004"]
    assert "Sophie Laurent, who is the system owner" in refused.message
    # someone independent may
    with_exceptions(folder / "cv-screening.yaml", waiver("AIMS-HUM-001"))
    assert states(check(folder), "cv-screening.yaml")["AIMS-HUM-001"] == {"waived"}


def test_a_waiver_approved_by_the_owner_of_the_waived_item_suppresses_nothing(
    tmp_path: Path,
) -> None:
    folder = repo(tmp_path, "cv-screening.yaml")
    document = yaml.safe_load((folder / "cv-screening.yaml").read_text("utf-8"))
    owner = document["spec"]["owner"]["name"]
    risk = next(r for r in document["spec"]["risks"] if r.get("owner") not in (None, owner))
    report = check(folder)
    on_risk = [f for f in report.findings if f.item == risk["id"]]
    if not on_risk:  # make one: a risk without a review date is a finding of the pack
        risk.pop("treatment", None)
        (folder / "cv-screening.yaml").write_text(
            yaml.safe_dump(document, sort_keys=False), "utf-8"
        )
        on_risk = [f for f in check(folder).findings if f.item == risk["id"]]
    assert on_risk, "the test needs a finding on a risk with an owner"
    rule = on_risk[0].rule_id
    with_exceptions(
        folder / "cv-screening.yaml", waiver(rule, item=risk["id"], approver=risk["owner"])
    )
    report = check(folder)
    assert {f.state for f in report.findings if f.item == risk["id"] and f.rule_id == rule} == {
        "open"
    }
    (refused,) = [f for f in report.findings if f.rule_id == "AIMS-EXC-004"]
    assert f"who is the owner of {risk['id']}" in refused.message


def test_a_waiver_that_runs_longer_than_the_policy_allows_suppresses_nothing(
    tmp_path: Path,
) -> None:
    folder = repo(tmp_path, "cv-screening.yaml")
    with_exceptions(folder / "cv-screening.yaml", waiver("AIMS-HUM-001", expires="2099-12-31"))
    report = check(folder)
    assert states(report, "cv-screening.yaml")["AIMS-HUM-001"] == {"open"}
    (refused,) = [f for f in report.findings if f.rule_id == "AIMS-EXC-004"]
    assert "longer than the 365 days the waiver policy allows" in refused.message
    # the organisation decides the limit in its data document
    from aims_policy import data

    document = dict(data.load())
    document["exceptions"] = {**document["exceptions"], "maxValidityDays": 40000}
    assert states(check(folder, data=document), "cv-screening.yaml")["AIMS-HUM-001"] == {"waived"}


def test_a_waiver_without_an_approval_date_is_incomplete(tmp_path: Path) -> None:
    folder = repo(tmp_path, "cv-screening.yaml")
    incomplete = waiver("AIMS-HUM-001")
    del incomplete["approvedOn"]
    with_exceptions(folder / "cv-screening.yaml", incomplete)
    report = check(folder)
    assert states(report, "cv-screening.yaml")["AIMS-HUM-001"] == {"open"}
    (finding,) = [f for f in report.findings if f.rule_id == "AIMS-EXC-002"]
    assert "no approvedOn" in finding.message


def test_only_the_people_the_organisation_names_may_waive_errors(tmp_path: Path) -> None:
    from aims_policy import data

    document = dict(data.load())
    document["exceptions"] = {
        **document["exceptions"],
        "approversBySeverity": {"error": ["CISO"], "warning": [], "note": []},
    }
    folder = repo(tmp_path, "cv-screening.yaml")
    with_exceptions(
        folder / "cv-screening.yaml",
        waiver("AIMS-HUM-001", approver="Tim Intern (Working student)"),
    )
    report = check(folder, data=document)
    assert states(report, "cv-screening.yaml")["AIMS-HUM-001"] == {"open"}
    (refused,) = [f for f in report.findings if f.rule_id == "AIMS-EXC-004"]
    assert "not among those who may waive error findings (CISO)" in refused.message
    # the CISO, by role
    with_exceptions(folder / "cv-screening.yaml", waiver("AIMS-HUM-001"))
    assert states(check(folder, data=document), "cv-screening.yaml")["AIMS-HUM-001"] == {"waived"}


def test_audit_mode_reports_every_finding_open_and_shows_what_would_be_suppressed(
    tmp_path: Path,
) -> None:
    import json

    from click.testing import CliRunner

    from aims_policy.cli import cli

    folder = repo(tmp_path, "cv-screening.yaml")
    with_exceptions(folder / "cv-screening.yaml", waiver("AIMS-HUM-001"))
    normal = check(folder)
    audit = check(folder, audit=True)
    assert states(normal, "cv-screening.yaml")["AIMS-HUM-001"] == {"waived"}
    assert {f.state for f in audit.findings} == {"open"}
    would = [f for f in audit.findings if f.suppression is not None]
    assert [f.rule_id for f in would] == ["AIMS-HUM-001"]
    assert audit.exit_code == 1
    runner = CliRunner()
    args = ["check", "--no-config", "--today", TODAY, "--audit", str(folder)]
    text = runner.invoke(cli, args)
    assert "1 would be waived (not applied)" in text.stdout
    sarif = json.loads(runner.invoke(cli, [*args, "--format", "sarif"]).stdout)
    assert not [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    report = json.loads(runner.invoke(cli, [*args, "--format", "json"]).stdout)
    shown = [f for f in report["findings"] if f.get("suppression")]
    assert [(f["rule"], f["state"]) for f in shown] == [("AIMS-HUM-001", "open")]


def test_a_baseline_never_hides_a_new_finding_on_an_item_that_reuses_an_identity(
    tmp_path: Path,
) -> None:
    """Baseline cv-screening.yaml (its recruiter's training record is missing), then add a second
    overseer with the role already used and a competence file that was never written: the new
    item's finding must not pass for the baselined one."""
    from aims_policy import baseline

    folder = repo(tmp_path, "cv-screening.yaml")
    first = check(folder)
    recorded = baseline.build(first)
    path = folder / "baseline.json"
    path.write_text(baseline.dumps(recorded), "utf-8")
    accepted = baseline.load(str(path))
    assert check(folder, baseline=accepted).exit_code == 0  # everything baselined

    document = yaml.safe_load((folder / "cv-screening.yaml").read_text("utf-8"))
    overseers = document["spec"]["humanOversight"]["overseers"]
    overseers.append({**overseers[0], "competenceRef": "evidence/cv-screening/never-written.md"})
    (folder / "cv-screening.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    report = check(folder, baseline=accepted)
    new = [f for f in report.open_findings]
    assert report.exit_code == 1
    assert {f.rule_id for f in new} >= {"AIMS-SCH-004", "AIMS-EVD-001"}, new
    prints = [f.fingerprint for f in report.findings]
    assert len(prints) == len(set(prints)), "two findings share a fingerprint"
