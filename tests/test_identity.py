"""Identity, not position: list items are named by id, name, version or role, and strings by
their text, so fingerprints (and with them baselines and SARIF alerts) survive inserting items."""

from __future__ import annotations

import shutil
from pathlib import Path

from _helpers import ROOT

from aims_policy import check
from aims_policy.paths import ident, item_name


def test_items_are_named_by_their_natural_keys() -> None:
    assert item_name({"id": "R-1", "name": "x"}) == "R-1"
    assert item_name({"version": "2.0.0", "date": "2026-01-01"}) == "2.0.0"
    assert item_name({"role": "Recruiter", "trained": True}) == "Recruiter"
    assert item_name("social-scoring") == "social-scoring"
    assert item_name({"trained": True}) is None and item_name(3) is None
    data = {
        "spec": {
            "lifecycle": {"changeLog": [{"version": "1.0"}, {"version": "2.0"}]},
            "steps": [{"x": 1}, {"x": 2}],
        }
    }
    assert (
        ident(data, ("spec", "lifecycle", "changeLog", 1, "date"))
        == "spec.lifecycle.changeLog[2.0].date"
    )
    assert ident(data, ("spec", "steps", 1)) == "spec.steps[1]"  # nothing names it: the index


def test_inserting_an_overseer_moves_no_other_finding(tmp_path: Path) -> None:
    work = tmp_path / "m"
    shutil.copytree(ROOT / "manifests", work)
    manifest = work / "cv-screening.yaml"
    before = check([str(manifest)], today="2026-11-22", cwd=str(work))
    assert any(".overseers[" in f.ident for f in before.findings)
    text = manifest.read_text(encoding="utf-8")
    marker = "    overseers:\n"
    assert marker in text
    manifest.write_text(
        text.replace(
            marker,
            marker + "      - role: Head of Talent\n"
            "        trained: true\n        trainingDate: 2026-01-08\n",
            1,
        ),
        encoding="utf-8",
    )
    after = check([str(manifest)], today="2026-11-22", cwd=str(work))
    assert {f.fingerprint for f in before.findings} <= {f.fingerprint for f in after.findings}


def test_a_repeated_id_is_reported_and_the_rules_still_run(tmp_path: Path) -> None:
    work = tmp_path / "m"
    shutil.copytree(ROOT / "manifests", work)
    manifest = work / "cv-screening.yaml"
    clean = check([str(manifest)], today="2026-11-22", cwd=str(work))
    text = manifest.read_text(encoding="utf-8")
    assert "    - id: R-2\n" in text
    manifest.write_text(text.replace("    - id: R-2\n", "    - id: R-1\n", 1), encoding="utf-8")
    report = check([str(manifest)], today="2026-11-22", cwd=str(work))
    assert [f.rule_id for f in report.findings if f.rule_id.startswith("AIMS-SCH")] == [
        "AIMS-SCH-004"
    ]
    # the rule findings of the clean manifest are still there (R-2's own are now R-1's)
    rules_before = {f.rule_id for f in clean.findings}
    assert rules_before <= {f.rule_id for f in report.findings}
