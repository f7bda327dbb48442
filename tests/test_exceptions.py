"""Exceptions (waivers): declared in a manifest or in the configuration, active through their
expiry day (UTC), and findings of their own when expired, incomplete or matching nothing.

The rules under test come from a small pack written into tmp_path, so that the expectations here
do not move when the built-in rules change: TST-RSK-001 fires once per risk that lacks
``x-reviewed: true`` (credit-scoring has R-1..R-6), TST-SYS-001 once per system without
``metadata.x-approved``.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import aims_policy
from aims_policy import registry
from aims_policy.api import Options
from aims_policy.cli import cli
from aims_policy.model import Report

REPO = Path(__file__).resolve().parent.parent
MANIFEST = "credit-scoring.yaml"
RISKS = ["R-1", "R-2", "R-3", "R-4", "R-5", "R-6"]

PACK = """
from aims_policy.engine import rule


@rule(id="TST-RSK-001", title="Every risk is marked reviewed", severity="error",
      controls=["A.5.2"], rationale="test rule", remediation="add x-reviewed: true")
def risk_reviewed(ctx):
    for risk in ctx.each("spec.risks"):
        if not risk.get("x-reviewed"):
            yield risk.missing("x-reviewed", f"risk {risk.name} is not marked reviewed")


@rule(id="TST-SYS-001", title="The system is approved", severity="warning",
      controls=["A.2.2"], rationale="test rule", remediation="add metadata.x-approved")
def system_approved(ctx):
    if not ctx.get("metadata.x-approved"):
        yield ctx.at("metadata").missing("x-approved", "the system is not approved")
"""


def make_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "testpack"
    pack.mkdir(exist_ok=True)
    (pack / "checks.py").write_text(PACK, encoding="utf-8")
    return pack


def copy_manifests(tmp_path: Path, names: tuple[str, ...] = (MANIFEST,)) -> Path:
    """Copies of the example manifests with their evidence, in tmp_path/manifests."""
    target = tmp_path / "manifests"
    target.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(REPO / "manifests" / name, target / name)
    shutil.copytree(REPO / "manifests" / "evidence", target / "evidence", dirs_exist_ok=True)
    return target


def insert_after(path: Path, anchor: str, text: str) -> int:
    """Insert ``text`` after the first line equal to ``anchor``; returns the first new line's
    number (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    lines[index + 1 : index + 1] = [text]
    path.write_text("".join(lines), encoding="utf-8")
    return index + 2


def add_exceptions(path: Path, block: str) -> int:
    """Add ``metadata.exceptions`` to credit-scoring; returns the line of the first item."""
    return insert_after(path, "  name: credit-scoring", "  exceptions:\n" + block) + 1


def run(tmp_path: Path, today: str, **changes: Any) -> Report:
    ruleset = registry.load(builtin=False, directories=[make_pack(tmp_path)])
    options = Options(today=_dt.date.fromisoformat(today), jobs=1, **changes)
    return aims_policy.check(
        [str(tmp_path / "manifests")], ruleset=ruleset, options=options, cwd=str(tmp_path)
    )


def by_rule(report: Report, rule_id: str) -> list[Any]:
    return [f for f in report.findings if f.rule_id == rule_id]


EXCEPTION_R2 = """\
    - rule: TST-RSK-001
      item: R-2
      justification: Compensating manual review of every decline until the v4 model ships.
      approver: Aylin Demir
      expires: 2026-12-31
"""


def test_an_active_exception_waives_the_item_it_names_and_nothing_else(tmp_path: Path) -> None:
    line = add_exceptions(copy_manifests(tmp_path) / MANIFEST, EXCEPTION_R2)
    report = run(tmp_path, "2026-11-22")
    states = {f.item: f.state for f in by_rule(report, "TST-RSK-001")}
    assert states == {
        "R-1": "open",
        "R-2": "waived",
        "R-3": "open",
        "R-4": "open",
        "R-5": "open",
        "R-6": "open",
    }
    waived = next(f for f in report.findings if f.state == "waived")
    s = waived.suppression
    assert s is not None
    assert (s.kind, s.approver, s.expires) == ("exception", "Aylin Demir", "2026-12-31")
    assert (
        s.justification == "Compensating manual review of every decline until the v4 model ships."
    )
    assert s.source is not None and (s.source.file, s.source.line) == (
        "manifests/credit-scoring.yaml",
        line,
    )
    assert not [f for f in report.findings if f.rule_id.startswith("AIMS-EXC")]
    assert {"AIMS-EXC-001", "AIMS-EXC-002", "AIMS-EXC-003"} <= {r.id for r in report.rules}


def test_an_exception_is_active_on_its_expiry_day_and_a_finding_the_day_after(
    tmp_path: Path,
) -> None:
    line = add_exceptions(copy_manifests(tmp_path) / MANIFEST, EXCEPTION_R2)
    last_day = run(tmp_path, "2026-12-31")
    assert [f.state for f in by_rule(last_day, "TST-RSK-001") if f.item == "R-2"] == ["waived"]
    assert by_rule(last_day, "AIMS-EXC-001") == []

    day_after = run(tmp_path, "2027-01-01")
    assert [f.state for f in by_rule(day_after, "TST-RSK-001") if f.item == "R-2"] == ["open"]
    [expired] = by_rule(day_after, "AIMS-EXC-001")
    assert (expired.location.file, expired.location.line) == ("manifests/credit-scoring.yaml", line)
    assert expired.severity == "error" and expired.state == "open"
    assert "expired on 2026-12-31" in expired.message and "Aylin Demir" in expired.message
    assert expired.system == "credit-scoring" and expired.item == "R-2"
    assert day_after.exit_code == 1


def test_an_exception_without_approver_or_justification_suppresses_nothing(tmp_path: Path) -> None:
    line = add_exceptions(
        copy_manifests(tmp_path) / MANIFEST,
        """\
    - rule: TST-RSK-001
      item: R-3
      expires: 2027-06-30
""",
    )
    report = run(tmp_path, "2026-11-22")
    assert [f.state for f in by_rule(report, "TST-RSK-001") if f.item == "R-3"] == ["open"]
    [incomplete] = by_rule(report, "AIMS-EXC-002")
    assert incomplete.location.line == line
    assert "no justification, no approver" in incomplete.message


def test_an_exception_without_an_expiry_date_is_incomplete(tmp_path: Path) -> None:
    add_exceptions(
        copy_manifests(tmp_path) / MANIFEST,
        """\
    - rule: TST-SYS-001
      justification: Approval board meets in January.
      approver: Aylin Demir
""",
    )
    report = run(tmp_path, "2026-11-22")
    assert [f.state for f in by_rule(report, "TST-SYS-001")] == ["open"]
    [incomplete] = by_rule(report, "AIMS-EXC-002")
    assert "no expires" in incomplete.message


def test_an_exception_that_matches_nothing_is_reported_where_it_is_declared(tmp_path: Path) -> None:
    line = add_exceptions(
        copy_manifests(tmp_path) / MANIFEST,
        """\
    - rule: TST-RSK-001
      item: R-99
      justification: Typo in the item id.
      approver: Aylin Demir
      expires: 2027-06-30
    - rule: TST-RSK-404
      justification: Typo in the rule id.
      approver: Aylin Demir
      expires: 2027-06-30
""",
    )
    report = run(tmp_path, "2026-11-22")
    unused = by_rule(report, "AIMS-EXC-003")
    assert [(f.location.line, f.severity) for f in unused] == [
        (line, "warning"),
        (line + 5, "warning"),
    ]
    assert "TST-RSK-001 item R-99 on credit-scoring matches no finding" in unused[0].message
    assert "TST-RSK-404, which no loaded rule pack defines" in unused[1].message
    assert all(f.state == "open" for f in by_rule(report, "TST-RSK-001"))
    assert (
        report.exit_code == 1
    )  # the six open TST-RSK-001 errors; the warnings alone would not fail


def test_an_exception_without_item_waives_every_finding_of_its_rule_on_that_system(
    tmp_path: Path,
) -> None:
    copy_manifests(tmp_path, (MANIFEST, "cv-screening.yaml"))
    add_exceptions(
        tmp_path / "manifests" / MANIFEST,
        """\
    - rule: TST-RSK-001
      justification: Risk register migration in progress.
      approver: Aylin Demir
      expires: 2027-01-15
""",
    )
    report = run(tmp_path, "2026-11-22")
    states = {(f.system, f.state) for f in by_rule(report, "TST-RSK-001")}
    assert states == {("credit-scoring", "waived"), ("cv-screening", "open")}


def test_configuration_exceptions_name_their_system(tmp_path: Path) -> None:
    from aims_policy.model import Location

    copy_manifests(tmp_path, (MANIFEST, "cv-screening.yaml"))
    declared = {
        "system": "cv-screening",
        "rule": "TST-SYS-001",
        "justification": "Board in May.",
        "approver": "Sophie Laurent",
        "expires": "2027-05-31",
    }
    where = Location(".aims-policy.yaml", 7, 5)
    report = run(tmp_path, "2026-11-22", exceptions=(("cv-screening", declared, where),))
    states = {f.system: f.state for f in by_rule(report, "TST-SYS-001")}
    assert states == {"credit-scoring": "open", "cv-screening": "waived"}
    waived = next(f for f in report.findings if f.state == "waived")
    assert waived.suppression is not None and waived.suppression.source == where

    expired = run(tmp_path, "2027-06-01", exceptions=(("cv-screening", declared, where),))
    [finding] = by_rule(expired, "AIMS-EXC-001")
    assert finding.location == where and finding.ident == "config.exceptions[TST-SYS-001]"


def test_deselected_policy_rules_are_not_reported(tmp_path: Path) -> None:
    add_exceptions(copy_manifests(tmp_path) / MANIFEST, EXCEPTION_R2)
    report = run(tmp_path, "2027-01-01", ignore=("AIMS-EXC",))
    assert by_rule(report, "AIMS-EXC-001") == []
    assert "AIMS-EXC-001" not in {r.id for r in report.rules}
    # ...but an expired exception still suppresses nothing
    assert [f.state for f in by_rule(report, "TST-RSK-001") if f.item == "R-2"] == ["open"]


def test_exception_findings_keep_their_fingerprint_when_lines_move(tmp_path: Path) -> None:
    manifest = copy_manifests(tmp_path) / MANIFEST
    add_exceptions(manifest, EXCEPTION_R2)
    before = by_rule(run(tmp_path, "2027-01-01"), "AIMS-EXC-001")[0]
    manifest.write_text("# a comment\n# and another\n" + manifest.read_text("utf-8"), "utf-8")
    after = by_rule(run(tmp_path, "2027-01-01"), "AIMS-EXC-001")[0]
    assert after.location.line == before.location.line + 2
    assert after.fingerprint == before.fingerprint


@pytest.mark.parametrize(
    ("today", "exit_code", "state"), [("2026-12-31", 0, "waived"), ("2027-01-01", 1, "open")]
)
def test_cli_json_report_shows_the_suppression_and_fails_after_expiry(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    today: str,
    exit_code: int,
    state: str,
) -> None:
    manifest = copy_manifests(tmp_path) / MANIFEST
    line = add_exceptions(manifest, EXCEPTION_R2)
    make_pack(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "check",
            "manifests",
            "--rules",
            "testpack",
            "--select",
            "TST-RSK",
            "--select",
            "AIMS-EXC",
            "--format",
            "json",
            "--today",
            today,
            "--no-config",
        ],
    )
    document = json.loads(result.stdout)
    r2 = [
        f
        for f in document["findings"]
        if f["rule"] == "TST-RSK-001" and f["identity"]["item"] == "R-2"
    ]
    assert [f["state"] for f in r2] == [state]
    if state == "waived":
        assert r2[0]["suppression"] == {
            "kind": "exception",
            "justification": "Compensating manual review of every decline until the v4 model ships.",
            "approver": "Aylin Demir",
            "expires": "2026-12-31",
            "source": r2[0]["suppression"]["source"],
        }
        source = r2[0]["suppression"]["source"]
        assert (source["file"], source["line"], source["column"]) == (
            "manifests/credit-scoring.yaml",
            line,
            7,
        )
    else:
        assert [f["rule"] for f in document["findings"] if f["rule"].startswith("AIMS-EXC")] == [
            "AIMS-EXC-001"
        ]
    # Exit code: with the rule lowered to a note the other five open risks do not fail the run,
    # so only the expired exception (an error of its own) does.
    result = CliRunner().invoke(
        cli,
        [
            "check",
            "manifests",
            "--rules",
            "testpack",
            "--select",
            "TST-RSK-001",
            "--select",
            "AIMS-EXC",
            "--ignore",
            "TST-SYS",
            "--today",
            today,
            "--no-config",
            "--severity",
            "TST-RSK-001=note",
        ],
    )
    assert result.exit_code == exit_code, result.output


def test_configuration_exceptions_for_systems_not_in_this_run_are_left_alone(
    tmp_path: Path,
) -> None:
    from aims_policy.model import Location

    copy_manifests(tmp_path)
    expired = {
        "system": "cv-screening",
        "rule": "TST-SYS-001",
        "justification": "Board in May.",
        "approver": "Sophie Laurent",
        "expires": "2026-05-31",
    }
    typo = dict(expired, rule="TST-NOPE-001", expires="2027-05-31")
    where = Location(".aims-policy.yaml", 7, 5)
    report = run(
        tmp_path,
        "2026-11-22",
        exceptions=(("cv-screening", expired, where), ("cv-screening", typo, where)),
    )
    assert [f for f in report.findings if f.rule_id.startswith("AIMS-EXC")] == []


def test_a_full_run_reports_a_configuration_exception_for_a_system_that_does_not_exist(
    tmp_path: Path,
) -> None:
    """A run over the configuration's own paths has seen every system, so an exception naming
    another system (a typo, or a system since renamed) is reported at its declaration."""
    from aims_policy.model import Location

    copy_manifests(tmp_path)
    typo = {
        "system": "credit-scorring",
        "rule": "TST-SYS-001",
        "justification": "Board in May.",
        "approver": "Sophie Laurent",
        "expires": "2027-05-31",
    }
    where = Location(".aims-policy.yaml", 7, 5)
    partial = run(tmp_path, "2026-11-22", exceptions=(("credit-scorring", typo, where),))
    assert [f for f in partial.findings if f.rule_id.startswith("AIMS-EXC")] == []
    full = run(
        tmp_path, "2026-11-22", exceptions=(("credit-scorring", typo, where),), full_run=True
    )
    (problem,) = [f for f in full.findings if f.rule_id.startswith("AIMS-EXC")]
    assert problem.rule_id == "AIMS-EXC-003" and str(problem.location) == ".aims-policy.yaml:7:5"
    assert "names a system that no manifest in the configured paths declares" in problem.message
