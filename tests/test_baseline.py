"""Baselines: record today's findings, fail only on new ones, survive edits that move lines.

Uses the test pack of _testpack.py (TST-RSK-001 once per risk without ``x-reviewed``,
TST-SYS-001 once per system without ``metadata.x-approved``) on copies of the example manifests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _helpers import TODAY, aims
from _testpack import MANIFEST, RISKS, add_exceptions, insert_after
from click.testing import Result

from aims_policy import baseline

NEW_RISK = """\
    - id: R-0
      description: Applicants are scored on stale bureau data after a supplier outage.
      category: robustness
"""


def invoke(*args: str) -> Result:
    """The CLI with only the test pack (so built-in rule changes do not move expectations)."""
    return aims(
        *args,
        "--no-config",
        "--rules",
        "testpack",
        "--select",
        "TST",
        "--select",
        "AIMS-EXC",
        "--today",
        TODAY,
    )


def states(result: Result) -> dict[tuple[str, str], str]:
    document = json.loads(result.stdout)
    return {
        (f["identity"]["system"], f["identity"]["path"]): f["state"] for f in document["findings"]
    }


def test_baseline_records_open_findings_sorted_and_deterministic(repo: Path) -> None:
    result = invoke("baseline", "manifests", "-o", "base.json")
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote 14 findings to base.json\n"
    first = (repo / "base.json").read_bytes()
    document = json.loads(first)
    assert document["kind"] == "aims-policy-baseline"
    assert document["formatVersion"] == "1.0"
    assert document["tool"]["name"] == "aims-policy"
    entries = document["entries"]
    # 2 systems x (6 risks + 1 system finding); cv-screening's risks are R-1..R-6 too
    assert [(e["system"], e["rule"], e["identity"]) for e in entries[:7]] == [
        ("credit-scoring", "TST-RSK-001", f"spec.risks[{r}].x-reviewed") for r in RISKS
    ] + [("credit-scoring", "TST-SYS-001", "metadata.x-approved")]
    assert entries[0] == {
        "fingerprint": entries[0]["fingerprint"],
        "rule": "TST-RSK-001",
        "system": "credit-scoring",
        "identity": "spec.risks[R-1].x-reviewed",
        "severity": "error",
        "message": "risk R-1 is not marked reviewed",
        "file": "manifests/credit-scoring.yaml",
    }
    assert len(entries[0]["fingerprint"]) == 32
    assert (
        invoke("baseline", "manifests", "-o", "base.json").stdout
        == "wrote 14 findings to base.json (0 added, 0 removed)\n"
    )
    assert (repo / "base.json").read_bytes() == first


def test_check_with_a_baseline_reports_baselined_findings_and_passes(repo: Path) -> None:
    invoke("baseline", "manifests", "-o", "base.json")
    result = invoke("check", "manifests", "--baseline", "base.json")
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings, 0 notes, 14 baselined" in result.stdout
    document = json.loads(
        invoke("check", "manifests", "--baseline", "base.json", "--format", "json").stdout
    )
    suppression = document["findings"][0]["suppression"]
    assert suppression["kind"] == "baseline" and "base.json" in suppression["justification"]
    assert {f["state"] for f in document["findings"]} == {"baselined"}


def test_inserted_lines_comments_and_reordered_keys_resurrect_nothing(repo: Path) -> None:
    invoke("baseline", "manifests", "-o", "base.json")
    manifest = repo / "manifests" / MANIFEST
    text = manifest.read_text("utf-8")
    # Lines at the top, a comment in the middle, and metadata moved below spec (key order).
    head, _, rest = text.partition("apiVersion:")
    metadata_start = rest.index("metadata:")
    spec_start = rest.index("spec:")
    moved = rest[:metadata_start] + rest[spec_start:] + rest[metadata_start:spec_start]
    shifted = "# line one\n# line two\n\n# line four\n" + head + "apiVersion:" + moved
    shifted = shifted.replace("  risks:\n", "  risks:\n    # reviewed quarterly\n", 1)
    manifest.write_text(shifted, "utf-8")
    result = invoke("check", "manifests", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 0, result.output
    found = states(result)
    assert len(found) == 14 and set(found.values()) == {"baselined"}


def test_a_new_risk_inserted_above_the_baselined_ones_is_new_and_only_it(repo: Path) -> None:
    invoke("baseline", "manifests", "-o", "base.json")
    insert_after(repo / "manifests" / MANIFEST, "  risks:", NEW_RISK)
    result = invoke("check", "manifests", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 1
    found = states(result)
    assert [key for key, state in found.items() if state == "open"] == [
        ("credit-scoring", "spec.risks[R-0].x-reviewed")
    ]
    assert sum(state == "baselined" for state in found.values()) == 14
    text = invoke("check", "manifests", "--baseline", "base.json").stdout
    assert "error TST-RSK-001 risk R-0 is not marked reviewed" in text
    assert "1 error, 0 warnings, 0 notes, 14 baselined" in text


def test_fixing_a_finding_is_reported_and_recreating_the_baseline_shrinks_it(repo: Path) -> None:
    invoke("baseline", "manifests", "-o", "base.json")
    manifest = repo / "manifests" / MANIFEST
    insert_after(manifest, "    - id: R-3", "      x-reviewed: true\n")
    result = invoke("check", "manifests", "--baseline", "base.json")
    assert result.exit_code == 0
    assert (
        result.stdout.splitlines()[-1]
        == "1 baselined finding fixed; re-create the baseline to shrink it (base.json)"
    )
    result = invoke("baseline", "manifests", "-o", "base.json")
    assert result.stdout == "wrote 13 findings to base.json (0 added, 1 removed)\n"
    identities = [e["identity"] for e in json.loads((repo / "base.json").read_text())["entries"]]
    assert "spec.risks[R-3].x-reviewed" in identities  # cv-screening's R-3 is still there
    assert identities.count("spec.risks[R-3].x-reviewed") == 1
    assert "1 baselined" not in invoke("check", "manifests", "--baseline", "base.json").stdout


@pytest.mark.parametrize("kind", ["baseline", "sarif"])
def test_entries_out_of_sight_are_not_fixed(repo: Path, kind: str) -> None:
    # Systems not checked in this run, and rules not evaluated, cannot tell us anything is fixed.
    if kind == "baseline":
        invoke("baseline", "manifests", "-o", "base.json")
    else:
        invoke("check", "manifests", "--sarif", "base.json")
    one = invoke("check", f"manifests/{MANIFEST}", "--baseline", "base.json")
    assert one.exit_code == 0, one.output
    assert "fixed" not in one.output
    rules = invoke("check", "manifests", "--baseline", "base.json", "--ignore", "TST-RSK")
    assert rules.exit_code == 0, rules.output
    assert "fixed" not in rules.output
    # ... while a finding fixed in a system checked, under a rule evaluated, still counts.
    insert_after(repo / "manifests" / MANIFEST, "    - id: R-3", "      x-reviewed: true\n")
    fixed = invoke("check", f"manifests/{MANIFEST}", "--baseline", "base.json")
    assert (
        fixed.stdout.splitlines()[-1]
        == "1 baselined finding fixed; re-create the baseline to shrink it (base.json)"
    )


def test_a_previous_sarif_file_is_accepted_as_a_baseline(repo: Path) -> None:
    add_exceptions(
        repo / "manifests" / MANIFEST,
        """\
    - rule: TST-SYS-001
      justification: Approval board meets in January.
      approver: Aylin Demir
      approvedOn: 2026-04-06
      expires: 2027-01-31
""",
    )
    first = invoke("check", "manifests", "--sarif", "previous.sarif")
    assert first.exit_code == 1
    sarif = json.loads((repo / "previous.sarif").read_text())
    results = sarif["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["TST-SYS-001"]  # the waived finding
    assert suppressed[0]["suppressions"][0]["justification"].startswith(
        "Approval board meets in January."
    )
    loaded = baseline.load(str(repo / "previous.sarif"))
    assert len(loaded.fingerprints) == 13  # suppressed results do not count

    insert_after(repo / "manifests" / MANIFEST, "  risks:", NEW_RISK)
    result = invoke("check", "manifests", "--baseline", "previous.sarif", "--format", "json")
    found = states(result)
    assert [key for key, state in found.items() if state == "open"] == [
        ("credit-scoring", "spec.risks[R-0].x-reviewed")
    ]
    assert found[("credit-scoring", "metadata.x-approved")] == "waived"
    assert sum(state == "baselined" for state in found.values()) == 13


def test_sarif_results_with_suppressions_are_not_a_baseline(tmp_path: Path) -> None:
    key = baseline.SARIF_FINGERPRINT
    log = {
        "version": "2.1.0",
        "runs": [
            {
                "results": [
                    {"ruleId": "A", "partialFingerprints": {key: "a" * 32}},
                    {
                        "ruleId": "B",
                        "partialFingerprints": {key: "b" * 32},
                        "suppressions": [{"kind": "external", "justification": "waived"}],
                    },
                    {"ruleId": "C", "partialFingerprints": {"other/v1": "c" * 32}},
                ]
            }
        ],
    }
    path = tmp_path / "old.sarif"
    path.write_text(json.dumps(log))
    assert baseline.load(str(path)).fingerprints == frozenset({"a" * 32})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "the baseline is not valid JSON"),
        ('{"kind": "something"}', "neither an aims-policy baseline"),
        (
            '{"kind": "aims-policy-baseline", "formatVersion": "9.0", "entries": []}',
            "re-create the baseline",
        ),
        (
            '{"kind": "aims-policy-baseline", "formatVersion": "1.0", "entries": [{}]}',
            "fingerprint",
        ),
    ],
)
def test_an_unusable_baseline_is_a_usage_error(repo: Path, content: str, message: str) -> None:
    (repo / "bad.json").write_text(content)
    result = invoke("check", "manifests", "--baseline", "bad.json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert invoke("check", "manifests", "--baseline", "missing.json").exit_code == 2


def test_baseline_needs_a_target_and_refuses_broken_manifests(repo: Path) -> None:
    result = invoke("baseline", "manifests")
    assert result.exit_code == 2 and "-o FILE" in result.stderr
    (repo / "manifests" / "broken.yaml").write_text(
        "apiVersion: aims-policy/v1\nkind: AISystem\nmetadata: [\n"
    )
    result = invoke("baseline", "manifests", "-o", "base.json")
    assert result.exit_code == 2
    assert "broken.yaml" in result.stderr and "nothing was written" in result.stderr
    assert not (repo / "base.json").exists()
