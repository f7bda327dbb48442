"""The organisation manifest (kind: AIManagementSystem): its published schema, discovery, and the
check that reads it beside the systems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aims_policy import api
from aims_policy.validate import ORGANISATION, schema

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "rules" / "fixtures" / "organisation.yaml"


def _properties(node: Any, where: str = "#") -> list[tuple[str, Any]]:
    """Every property schema in ``node``, with its place."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            found.append((f"{where}/properties/{name}", sub))
        for key, sub in node.items():
            if key in ("properties", "$defs"):
                for name, inner in sub.items():
                    found.extend(_properties(inner, f"{where}/{key}/{name}"))
            elif isinstance(sub, (dict, list)):
                found.extend(_properties(sub, f"{where}/{key}"))
    elif isinstance(node, list):
        for index, sub in enumerate(node):
            found.extend(_properties(sub, f"{where}/{index}"))
    return found


def test_every_property_of_the_organisation_schema_has_a_description_and_examples() -> None:
    props = _properties(schema(ORGANISATION))
    assert len(props) > 100
    lacking = [
        where for where, sub in props if not sub.get("description") or not sub.get("examples")
    ]
    assert lacking == []


def test_the_examples_of_the_organisation_schema_are_valid_for_their_property() -> None:
    import jsonschema  # type: ignore[import-untyped]

    whole = schema(ORGANISATION)
    checker = jsonschema.FormatChecker()
    for where, sub in _properties(whole):
        probe = {**{k: v for k, v in sub.items() if k != "examples"}, "$defs": whole["$defs"]}
        validator = jsonschema.Draft202012Validator(probe, format_checker=checker)
        for example in sub["examples"]:
            errors = [e.message for e in validator.iter_errors(example)]
            assert errors == [], (where, example)


def test_the_fixture_base_is_a_valid_organisation_manifest_with_all_38_controls() -> None:
    report = api.check([str(BASE)], today="2026-11-22")
    assert [f for f in report.findings if f.rule_id.startswith("AIMS-SCH")] == []
    (org,) = report.organisations
    assert org.name == "docbrief-aims"
    assert report.systems == ()
    soa = org.manifest["spec"]["statementOfApplicability"]
    assert len({entry["id"] for entry in soa}) == 38


def test_a_directory_search_finds_the_organisation_manifest(tmp_path: Path) -> None:
    (tmp_path / "aims.yaml").write_bytes(BASE.read_bytes())
    (tmp_path / "other.yaml").write_text("name: not a manifest\n")
    report = api.check([str(tmp_path)], today="2026-11-22")
    assert [o.location.file for o in report.organisations] == [str(tmp_path / "aims.yaml")]


def test_a_schema_error_in_the_organisation_manifest_is_located(tmp_path: Path) -> None:
    text = BASE.read_text().replace("    version: '1.2'\n", "    version: 12\n", 1)
    target = tmp_path / "aims.yaml"
    target.write_text(text)
    line = text.splitlines().index("    version: 12") + 1
    report = api.check([str(target)], today="2026-11-22")
    found = [(f.rule_id, f.location.line, f.location.col, f.ident) for f in report.findings]
    assert ("AIMS-SCH-003", line, 5, "spec.policy.version") in found


def test_the_json_report_carries_organisations_and_relied_controls() -> None:
    from aims_policy.output import RenderOptions
    from aims_policy.output.json_report import render

    paths = [str(BASE), str(ROOT / "rules" / "fixtures" / "base.yaml")]
    report = api.check(paths, today="2026-11-22")
    data = json.loads(render(report, RenderOptions()))
    assert data["formatVersion"] == "1.3"
    assert [o["name"] for o in data["organisations"]] == ["docbrief-aims"]
    # whole and in document order: what PyYAML itself reads from the file (its dates as written)
    expected = json.loads(json.dumps(yaml.safe_load(BASE.read_bytes()), default=str))
    carried = data["organisations"][0]["manifest"]
    assert carried == expected and list(carried["spec"]) == list(expected["spec"])
    (system,) = data["systems"]
    # base.yaml's risk treatments name these controls (rules/fixtures/base.yaml, spec.risks)
    assert system["reliedControls"] == [
        "A.2.3", "A.6.2.4", "A.6.2.6", "A.7.3", "A.7.4", "A.8.2", "A.9.2", "A.10.2", "A.10.3"
    ]  # fmt: skip


# -- aims-policy soa ------------------------------------------------------------------------


def _soa(*args: str) -> tuple[int, str]:
    from _helpers import aims

    result = aims("soa", *args)
    return result.exit_code, result.stdout + result.stderr


FIXTURES = ["rules/fixtures/organisation.yaml", "rules/fixtures/base.yaml", "--today", "2026-11-22"]


def test_soa_json_matches_its_published_schema_and_lists_all_38_controls(
    monkeypatch: Any,
) -> None:
    import jsonschema

    monkeypatch.chdir(ROOT)
    code, out = _soa(*FIXTURES, "--format", "json")
    assert code == 0
    data = json.loads(out)
    published = json.loads((ROOT / "aims_policy" / "schema" / "soa-v1.schema.json").read_text())
    jsonschema.Draft202012Validator(published).validate(data)
    from aims_policy.coverage import annex_a_controls

    assert [c["id"] for c in data["controls"]] == [c for c, _ in annex_a_controls()]
    by_id = {c["id"]: c for c in data["controls"]}
    # organisation-level evidence only (the fixture's A.2.4 entry), no system evidences it
    assert by_id["A.2.4"]["status"] == "implemented"
    assert by_id["A.2.4"]["evidence"] == ["https://docs.example.com/aims/A.2.4.md"]
    # base.yaml's risk R-1 relies on A.6.2.4; its validation evidences it
    assert [s["name"] for s in by_id["A.6.2.4"]["reliedOnBy"]] == ["document-summariser"]
    assert [s["name"] for s in by_id["A.6.2.4"]["systems"]] == ["document-summariser"]


def test_soa_csv_reads_back_with_the_csv_module_one_row_per_control(monkeypatch: Any) -> None:
    import csv
    import io

    monkeypatch.chdir(ROOT)
    code, out = _soa(*FIXTURES, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 38
    assert {r["decision"] for r in rows} == {"included"}
    first = rows[0]
    assert (first["control"], first["title"]) == ("A.2.2", "AI policy")
    assert "privacy, security" in rows[1]["justification"]  # a comma survives quoting


def test_soa_is_deterministic_and_written_to_a_file(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    target = tmp_path / "out" / "soa.md"
    assert _soa(*FIXTURES, "-o", str(target))[0] == 0
    first = target.read_bytes()
    assert _soa(*FIXTURES, "-o", str(target))[0] == 0
    assert target.read_bytes() == first
    assert first.startswith(b"# Statement of Applicability: DocBrief Ltd AI management system\n")
    assert first.count(b"\n| A.") == 38


def test_soa_without_an_organisation_manifest_exits_2_and_says_what_to_add(
    monkeypatch: Any,
) -> None:
    monkeypatch.chdir(ROOT)
    code, out = _soa("rules/fixtures/base.yaml", "--today", "2026-11-22")
    assert code == 2
    assert "no organisation manifest (kind: AIManagementSystem)" in out


def test_soa_marks_an_included_control_nothing_shows_and_counts_open_findings() -> None:
    from aims_policy import soa

    org = {
        "metadata": {"name": "o"},
        "spec": {
            "statementOfApplicability": [
                {"id": "A.2.2", "decision": "included", "justification": "j" * 20},
                {"id": "A.2.3", "decision": "excluded", "justification": "k" * 20},
            ]
        },
    }
    report = {
        "systems": [{"name": "s", "evidencedControls": {}, "reliedControls": ["A.2.2"]}],
        "findings": [
            {"rule": "R-1", "controls": ["A.2.2"], "state": "open", "identity": {"system": "s"},
             "location": {"file": "s.yaml", "line": 3, "column": 5}, "message": "m"},
            {"rule": "R-2", "controls": ["A.2.2"], "state": "waived", "identity": {"system": "s"},
             "suppression": {"kind": "exception", "approver": "A", "expires": "2027-01-01",
                             "justification": "because"}},
        ],
    }  # fmt: skip
    controls = [("A.2.2", "AI policy"), ("A.2.3", "Alignment"), ("A.2.4", "Review")]
    rows = {r.control: r for r in soa.build(org, [("repo-a", report)], controls).rows}
    assert [rows[c].status for c in ("A.2.2", "A.2.3", "A.2.4")] == [
        "not-evidenced", "excluded", "undecided"
    ]  # fmt: skip
    assert rows["A.2.2"].open_findings == (soa.FindingRef("R-1", "s", "repo-a", "s.yaml:3:5", "m"),)
    assert [e.approver for e in rows["A.2.2"].exceptions] == ["A"]
    assert rows["A.2.2"].relied_by == (soa.SystemRef("s", "repo-a", "relied"),)


# -- reconciliation with the systems, on real files ------------------------------------------


def _pair(tmp_path: Path, org_text: str, system_text: str | None = None) -> list[str]:
    (tmp_path / ".git").mkdir(exist_ok=True)  # the repository root: evidence stays inside
    (tmp_path / "aims.yaml").write_text(org_text)
    system = system_text or (ROOT / "rules" / "fixtures" / "base.yaml").read_text()
    (tmp_path / "system.yaml").write_text(system)
    return [str(tmp_path / "aims.yaml"), str(tmp_path / "system.yaml")]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_system_outside_the_scope_is_reported_at_the_scope_list(tmp_path: Path) -> None:
    org = BASE.read_text()
    system = (
        (ROOT / "rules" / "fixtures" / "base.yaml")
        .read_text()
        .replace("name: document-summariser", "name: shadow-bot", 1)
    )
    report = api.check(_pair(tmp_path, org, system), today="2026-11-22")
    found = [f for f in report.findings if f.rule_id == "AIMS-ORG-031"]
    assert [(f.location.file, f.location.line, f.system) for f in found] == [
        (
            str(tmp_path / "aims.yaml"),
            _line_of(org, "    systems: [document-summariser]"),
            "docbrief-aims",
        )
    ]
    assert "system shadow-bot (" in found[0].message and "scope.systems" in found[0].message
    # ... and the in-scope system whose manifest is missing, at its scope entry
    (missing,) = [f for f in report.findings if f.rule_id == "AIMS-ORG-032"]
    assert missing.ident.startswith("spec.scope.systems[document-summariser]")


def test_an_excluded_control_a_treatment_relies_on_is_reported_at_its_decision(
    tmp_path: Path,
) -> None:
    org = BASE.read_text()
    at = org.index("- id: A.2.3\n")
    org = org[:at] + org[at:].replace("decision: included", "decision: excluded", 1)
    report = api.check(_pair(tmp_path, org), today="2026-11-22")
    (found,) = [f for f in report.findings if f.rule_id == "AIMS-ORG-034"]
    line = org[:at].count("\n") + 2  # the entry's decision, the line after its id
    assert (found.location.line, found.location.col) == (line, 7)
    assert "control A.2.3 is excluded" in found.message and "document-summariser" in found.message


def test_without_an_organisation_manifest_reconciliation_is_not_applicable_and_says_why() -> None:
    report = api.check([str(ROOT / "rules" / "fixtures" / "base.yaml")], today="2026-11-22")
    reasons = {r.rule_id: r.reason for r in report.results if r.rule_id.startswith("AIMS-ORG-03")}
    assert sorted(reasons) == [f"AIMS-ORG-03{n}" for n in range(7)]
    assert all("no organisation manifest (kind: AIManagementSystem)" in r for r in reasons.values())
    assert [f for f in report.findings if f.rule_id.startswith("AIMS-ORG")] == []


def test_with_five_organisation_manifests_each_is_reported_naming_three_others_and_the_rest(
    tmp_path: Path,
) -> None:
    (tmp_path / ".git").mkdir()
    org = BASE.read_text()
    names = [f"aims-{n}" for n in range(5)]
    for name in names:
        (tmp_path / f"{name}.yaml").write_text(
            org.replace("name: docbrief-aims", f"name: {name}", 1)
        )
    (tmp_path / "system.yaml").write_text((ROOT / "rules" / "fixtures" / "base.yaml").read_text())
    report = api.check([str(tmp_path)], today="2026-11-22")
    found = sorted(
        (f for f in report.findings if f.rule_id == "AIMS-ORG-030"), key=lambda f: f.system or ""
    )
    assert [f.system for f in found] == names
    for finding in found:
        named = [n for n in names if f"{n} (" in finding.message]
        assert finding.system not in named and len(named) == 3, finding.message
        assert "and 1 more" in finding.message
    # The other reconciliation rules do not judge: which management system would they judge for?
    reasons = {r.rule_id: r.reason for r in report.results if r.rule_id.startswith("AIMS-ORG-03")}
    assert sorted(reasons) == [f"AIMS-ORG-03{n}" for n in range(1, 7)]
    assert all("several organisation manifests" in r for r in reasons.values())


def test_an_organisation_manifest_the_reconciliation_cannot_read_is_not_counted_by_any_of_it(
    tmp_path: Path,
) -> None:
    # One organisation manifest's scope does not match the schema: every reconciliation rule,
    # AIMS-ORG-030 included, leaves it out (not evaluated), and judges the other one alone.
    (tmp_path / ".git").mkdir()
    org = BASE.read_text()
    (tmp_path / "aims.yaml").write_text(org)
    broken = org.replace("name: docbrief-aims", "name: other-aims", 1)
    broken = broken.replace("    systems: [document-summariser]", "    systems: 42", 1)
    assert broken.count("systems: 42") == 1
    (tmp_path / "other.yaml").write_text(broken)
    (tmp_path / "system.yaml").write_text((ROOT / "rules" / "fixtures" / "base.yaml").read_text())
    report = api.check([str(tmp_path)], today="2026-11-22")
    assert [f for f in report.findings if f.rule_id == "AIMS-ORG-030"] == []
    status = {
        (r.rule_id, r.system): r.status
        for r in report.results
        if r.rule_id.startswith("AIMS-ORG-03")
    }
    assert {status.get((f"AIMS-ORG-03{n}", "other-aims")) for n in range(7)} == {"not_evaluated"}
    assert not any(s == "not_applicable" for (_rule, system), s in status.items())


def test_a_json_report_whose_organisation_manifest_nests_too_deeply_is_refused_in_one_line() -> (
    None
):
    from aims_policy import merge
    from aims_policy.output import RenderOptions
    from aims_policy.output.json_report import render

    report = api.check([str(BASE)], today="2026-11-22")
    doc = json.loads(render(report, RenderOptions()))
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(5000):  # beyond what marshal, which keeps the manifest, takes
        node["x"] = {}
        node = node["x"]
    doc["organisations"][0]["manifest"]["spec"]["notes"] = deep
    with pytest.raises(merge.ReportError) as refused:
        merge.parse(doc, "deep.json")
    message = str(refused.value)
    assert "\n" not in message and "deep.json" in message
    assert "organisations[0].manifest" in message


def test_the_organisation_manifest_names_who_may_accept_risks_of_each_level(
    tmp_path: Path,
) -> None:
    """AIMS-RSK-018 reads the authority from the organisation manifest when one is checked."""
    system = (ROOT / "rules" / "fixtures" / "base.yaml").read_text()
    # R-2 (score 12, no residual score) accepted by Daniel Okafor, the accountable person, whose
    # role in the manifest is Head of Digital Workplace
    residual = "      residualRisk:\n        likelihood: 1\n        impact: 4\n        score: 4\n"
    at = system.index("    - id: R-2\n")
    r2 = system[at:].replace(
        residual,
        "      acceptance: {approver: Daniel Okafor, justification: Agreed with the DPO, "
        "date: 2026-06-01}\n",
        1,
    )
    system = system[:at] + r2
    org = BASE.read_text()
    paths = _pair(tmp_path, org, system)

    def rsk018(org_text: str) -> list[tuple[str, int]]:
        (tmp_path / "aims.yaml").write_text(org_text)
        report = api.check(paths, today="2026-11-22")
        return [(f.ident, f.location.line) for f in report.findings if f.rule_id == "AIMS-RSK-018"]

    # the data document's default authority words include "head of": accepted
    assert rsk018(org.replace("      low: [AIMS lead, Head of Compliance]\n", "")) == []
    # the organisation reserves low-risk acceptance to its AIMS lead: not accepted
    line = _line_of(system, "acceptance: {approver: Daniel Okafor")
    restricted = org.replace("      low: [AIMS lead, Head of Compliance]", "      low: [AIMS lead]")
    assert rsk018(restricted) == [("spec.risks[R-2].acceptance.approver", line)]


def test_aims_policy_schema_prints_the_organisation_schema_that_validates_the_example() -> None:
    import jsonschema
    import yaml
    from _helpers import aims

    result = aims("schema", "--kind", "AIManagementSystem")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == json.loads(
        (ROOT / "aims_policy" / "schema" / "organisation-v1.schema.json").read_text()
    )

    # YAML 1.1 timestamps off: dates are text, as aims-policy reads them
    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    example = yaml.load((ROOT / "manifests" / "organisation.yaml").read_text(), Loader=Loader)
    jsonschema.Draft202012Validator(printed, format_checker=jsonschema.FormatChecker()).validate(
        example
    )


@pytest.mark.parametrize(
    ("approver", "waived"),
    [("Marta Kowalski (Head of Compliance)", True), ("Sam Lee (Data Science Intern)", False)],
)
def test_the_organisation_manifest_names_who_may_approve_waivers(
    tmp_path: Path, approver: str, waived: bool
) -> None:
    """The organisation manifest's `authorities.waiverApproval` is the waiver policy's list of
    approvers: an exception approved by anyone else suppresses nothing (AIMS-EXC-004)."""
    system = (ROOT / "rules" / "fixtures" / "base.yaml").read_text()
    system = system.replace("    email: priya.raman@example.com\n", "", 1)  # AIMS-OWN-001
    exception = (
        "  exceptions:\n"
        "    - rule: AIMS-OWN-001\n"
        "      justification: The shared mailbox is being set up by IT this month.\n"
        f"      approver: {approver}\n"
        "      approvedOn: 2026-11-01\n"
        "      expires: 2026-12-31\n"
    )
    system = system.replace("  version: 2.0.1\n", "  version: 2.0.1\n" + exception, 1)
    report = api.check(_pair(tmp_path, BASE.read_text(), system), today="2026-11-22")
    (own,) = [f for f in report.findings if f.rule_id == "AIMS-OWN-001"]
    assert own.state == ("waived" if waived else "open")
    policy = [f for f in report.findings if f.rule_id == "AIMS-EXC-004"]
    assert bool(policy) is not waived
    if policy:
        assert "Head of Compliance" in policy[0].message  # who may approve, from the manifest
