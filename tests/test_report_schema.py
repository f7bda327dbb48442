"""The published JSON Schema of the JSON report (aims_policy/schema/report-v1.schema.json)
holds real reports: each property the report writes is declared (the schema admits no other)
and described, checked with the jsonschema validator, not with the code that writes them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from _helpers import MANIFESTS, ROOT, TODAY, aims

SCHEMA = ROOT / "aims_policy" / "schema" / "report-v1.schema.json"


def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _described(node: Any, where: str = "") -> list[str]:
    """Places in the schema where a property lacks a description or examples."""
    missing: list[str] = []
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            if not (isinstance(sub, dict) and sub.get("description") and "examples" in sub):
                missing.append(f"{where}.{name}")
        for key, sub in node.items():
            missing += _described(sub, f"{where}.{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for item in node:
            missing += _described(item, where)
    return missing


def test_every_property_is_described() -> None:
    assert _described(json.loads(SCHEMA.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("case", ["with-organisation", "without-organisation", "discover-ai"])
def test_real_reports_match_the_schema(tmp_path: Path, case: str) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(MANIFESTS, repo)
    (repo / ".git").mkdir()
    if case == "without-organisation":
        (repo / "organisation.yaml").unlink()
    extra = ["--discover-ai"] if case == "discover-ai" else []
    if case == "discover-ai":
        (repo / "src").mkdir()
        (repo / "src" / "chat.py").write_text("import openai\n", encoding="utf-8")
    result = aims(
        "check", str(repo), "--today", TODAY, "--no-config", "--format", "json",
        "--origin", "git.example.com/repo", "--explain", *extra,
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr  # the examples' deliberate findings
    doc = json.loads(result.stdout)
    errors = [f"{e.json_path}: {e.message}" for e in _validator().iter_errors(doc)]
    assert errors == []
    assert bool(doc["organisations"]) == (case != "without-organisation")
    assert (doc["aiDiscovery"] is not None) == (case == "discover-ai")


def test_the_schema_refuses_what_a_report_does_not_hold() -> None:
    """The schema is not vacuous: a wrong type, an unknown field, a missing field fail."""
    validator = _validator()
    result = aims("check", str(MANIFESTS), "--today", TODAY, "--no-config", "--format", "json")
    good = json.loads(result.stdout)
    assert list(validator.iter_errors(good)) == []
    for change in (
        lambda d: d.update(exitCode=3),
        lambda d: d.update(surprise=1),
        lambda d: d.pop("systems"),
        lambda d: d["tool"].update(name="other"),
    ):
        bad = json.loads(json.dumps(good))
        change(bad)
        assert list(validator.iter_errors(bad)), change


def test_json_reports_list_the_controls_systems_rely_on_and_evidence(tmp_path: Path) -> None:
    # `check` leaves these out of the report when it writes no JSON report; both ways of asking
    # for one keep them. The risk treatments of credit-scoring.yaml (lines 264-361) rely on these,
    # in Annex A order.
    relied = ["A.5.2", "A.5.4", "A.6.1.2", "A.6.2.4", "A.6.2.6", "A.6.2.8", "A.7.4", "A.8.2",
              "A.8.5", "A.9.2", "A.9.3", "A.9.4"]  # fmt: skip
    manifest = str(MANIFESTS / "credit-scoring.yaml")
    out = tmp_path / "r.json"
    written = aims("check", manifest, "--today", TODAY, "--no-config", "--json", str(out), "-q")
    printed = aims("check", manifest, "--today", TODAY, "--no-config", "--format", "json")
    assert written.exit_code == printed.exit_code == 1, (written.stderr, printed.stderr)
    for report in (json.loads(out.read_text(encoding="utf-8")), json.loads(printed.stdout)):
        (system,) = report["systems"]
        assert system["reliedControls"] == relied
        # the bias examination (an operational record) shows A.7.4
        assert system["evidencedControls"]["A.7.4"] == "operational"
