"""The library does the whole job: ``aims_policy.check`` with options gives the report the
command line gives with the same flags (selection, severity overrides, today, fail-on), and no
argument is silently ignored."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import aims_policy
from aims_policy.cli import cli
from aims_policy.output import render

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = str(ROOT / "manifests")


def cli_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(
        cli, ["check", "--no-config", "--format", "json", *args, MANIFESTS], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def library_json(**kwargs: object) -> dict[str, object]:
    report = aims_policy.check([MANIFESTS], **kwargs)  # type: ignore[arg-type]
    parsed: dict[str, object] = json.loads(render(report, "json"))
    return parsed


def test_selection_through_the_library() -> None:
    options = aims_policy.Options(select=("AIMS-EVD-001",))
    report = aims_policy.check([MANIFESTS], options=options, today="2026-11-22")
    rules = {f.rule_id for f in report.findings}
    # Schema rules always run: they decide whether a manifest can be evaluated at all.
    assert "AIMS-EVD-001" in rules and rules - {"AIMS-EVD-001"} <= {"AIMS-SCH-001"}
    assert {r.id for r in report.rules if not r.id.startswith("AIMS-SCH")} == {"AIMS-EVD-001"}
    assert library_json(options=options, today="2026-11-22") == cli_json(
        "--today", "2026-11-22", "--select", "AIMS-EVD-001"
    )


def test_ignore_severity_and_fail_on_through_the_library_match_the_cli() -> None:
    options = aims_policy.Options(
        ignore=("AIMS-TRN",), severity={"AIMS-LOG-003": "error", "AIMS-VAL-005": "note"}
    )
    library = library_json(options=options, today="2026-11-22", fail_on="warning")
    cli = cli_json(
        "--today",
        "2026-11-22",
        "--fail-on",
        "warning",
        "--ignore",
        "AIMS-TRN",
        "--severity",
        "AIMS-LOG-003=error",
        "--severity",
        "AIMS-VAL-005=note",
    )
    assert library == cli
    findings = library["findings"]
    assert isinstance(findings, list)
    assert not [f for f in findings if f["rule"].startswith("AIMS-TRN")]
    levels = {f["rule"]: f["severity"] for f in findings}
    assert levels["AIMS-LOG-003"] == "error" and levels["AIMS-VAL-005"] == "note"
    assert library["failOn"] == "warning"


def test_today_and_fail_on_arguments_win_over_the_options() -> None:
    options = aims_policy.Options(today=_dt.date(2020, 1, 1), fail_on="error")
    report = aims_policy.check([MANIFESTS], options=options, today="2026-11-22", fail_on="never")
    assert report.today == "2026-11-22"
    assert report.fail_on == "never" and report.exit_code == 0
    # and the options' own are used when no argument is given
    report = aims_policy.check([MANIFESTS], options=options)
    assert report.today == "2020-01-01" and report.fail_on == "error"


def test_an_options_today_left_unset_is_the_current_utc_date() -> None:
    report = aims_policy.check([MANIFESTS], options=aims_policy.Options())
    assert report.today == _dt.datetime.now(_dt.timezone.utc).date().isoformat()


def test_a_severity_override_is_applied_to_every_kind_of_finding(tmp_path: Path) -> None:
    """Schema findings, rule findings and cross-manifest findings all take the override."""
    text = (ROOT / "manifests" / "document-summariser.yaml").read_text("utf-8")
    for name in ("a.yaml", "b.yaml"):  # the same system name twice: AIMS-SET-001
        (tmp_path / name).write_text(text.replace("priya.raman@", "TODO@"), "utf-8")
    (tmp_path / "c.yaml").write_text(text.replace("apiVersion", "apiVersoin", 1), "utf-8")
    levels = {"AIMS-SET-001": "warning", "AIMS-TODO-001": "note", "AIMS-SCH-001": "note"}
    report = aims_policy.check(
        [str(tmp_path)], options=aims_policy.Options(severity=levels), today="2026-11-22"
    )
    seen = {f.rule_id: f.severity for f in report.findings if f.rule_id in levels}
    assert seen == levels


def test_the_data_document_of_the_options_is_used() -> None:
    base = aims_policy.check([MANIFESTS], today="2026-11-22")
    assert any(f.rule_id == "AIMS-LOG-003" for f in base.findings)
    from aims_policy import data as data_document

    relaxed = dict(data_document.load())
    logging = dict(relaxed.get("logging", {}))
    if "minRetentionDays" not in logging:
        pytest.fail(f"the data document's logging thresholds changed: {sorted(logging)}")
    logging["minRetentionDays"] = 1
    relaxed["logging"] = logging
    report = aims_policy.check(
        [MANIFESTS], options=aims_policy.Options(data=relaxed), today="2026-11-22"
    )
    assert not any(f.rule_id == "AIMS-LOG-003" for f in report.findings)
