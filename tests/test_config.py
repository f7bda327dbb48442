"""The configuration file: discovery, checking (did-you-mean at file:line:col), flags over file,
`aims-policy config`, include/exclude, output defaults and --no-config-rules.

Uses the test pack of _testpack.py (TST-RSK-001: error per risk without ``x-reviewed``;
TST-SYS-001: warning per system without ``metadata.x-approved``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _helpers import TODAY, aims
from _testpack import MANIFEST
from click.testing import Result
from test_validate import FULL_CONFIG

from aims_policy import config


def write_config(where: Path, text: str) -> Path:
    path = where / ".aims-policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return aims(*args, "--today", TODAY, env=env)


def rules_of(result: Result) -> list[str]:
    return sorted({f["rule"] for f in json.loads(result.stdout)["findings"]})


BASE = """\
paths: [manifests]
rules: [testpack]
select: [TST, AIMS-EXC]
"""


# --- discovery --------------------------------------------------------------------------------


def test_found_in_the_working_directory_or_at_the_git_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert config.find(str(sub)) is None
    at_root = write_config(tmp_path, "fail-on: never\n")
    assert config.find(str(sub)) == str(at_root)
    here = write_config(sub, "fail-on: note\n")
    assert config.find(str(sub)) == str(here)


def test_paths_in_the_file_are_relative_to_its_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".git").mkdir()
    write_config(repo, BASE + "output:\n  format: json\n")
    sub = repo / "docs"
    sub.mkdir()
    monkeypatch.chdir(sub)
    result = invoke("check")
    assert result.exit_code == 1, result.output
    systems = {s["name"] for s in json.loads(result.stdout)["systems"]}
    assert systems == {"credit-scoring", "cv-screening"}
    # outside the working directory, so shown as an absolute path (discover.display_path)
    assert json.loads(result.stdout)["findings"][0]["location"]["file"] == str(
        repo / "manifests" / "credit-scoring.yaml"
    )


# --- checking the file -----------------------------------------------------------------------


# Worded by the translator that words manifest findings (validate.py): the file, line:col of the
# offending key or value, what is wrong and what to write.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "fail-on: error\nselct: [A.10.*]\n",
            ".aims-policy.yaml:2:1: unknown field 'selct' in the configuration; did you mean "
            "'select'? (prefix organisation-specific fields with 'x-')",
        ),
        (
            "output:\n  format: sarif\n  sarfi: out.sarif\n",
            ".aims-policy.yaml:3:3: unknown field 'sarfi' in output; did you mean 'sarif'?",
        ),
        (
            "output:\n  x-team: a\n",
            ".aims-policy.yaml:2:3: unknown field 'x-team' in output; known fields here: format, "
            "sarif, junit, json, markdown, sarif-category",
        ),
        (
            "exceptions:\n  - system: credit-scoring\n    rule: AIMS-OWN-001\n    approvr: Jo\n",
            ".aims-policy.yaml:4:5: unknown field 'approvr' in exceptions[0]; did you mean "
            "'approver'? (prefix organisation-specific fields with 'x-')",
        ),
        (
            "fail-on: errors\n",
            '.aims-policy.yaml:1:1: fail-on is "errors", which is not one of: error, warning, '
            "note, never; did you mean 'error'?",
        ),
        ("select: A.10.*\n", '.aims-policy.yaml:1:1: select must be a list, not "A.10.*"'),
        ("paths: ['']\n", ".aims-policy.yaml:1:9: paths[0] is empty; write a value"),
        (
            "skip-non-manifests: yes\n",
            '.aims-policy.yaml:1:1: skip-non-manifests must be true or false, not "yes" '
            "(YAML 1.1's yes/no/on/off are text in the configuration, as in JSON)",
        ),
        (
            "severity:\n  AIMS-OWN-001: fatal\n",
            '.aims-policy.yaml:2:3: severity.AIMS-OWN-001 is "fatal", which is not one of: '
            "error, warning, note",
        ),
        (
            "severity:\n  own-001: note\n",
            ".aims-policy.yaml:2:3: the key 'own-001' in severity is not a rule id such as "
            "AIMS-OWN-001",
        ),
        (
            "exceptions:\n  - rule: AIMS-OWN-001\n",
            ".aims-policy.yaml:2:5: exceptions[0] is missing required field 'system'; add it",
        ),
        (
            "exceptions:\n  - system: x\n    rule: own\n",
            '.aims-policy.yaml:3:5: exceptions[0].rule is "own", which does not match the '
            "pattern ^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$",
        ),
        (
            "exceptions:\n  - system: x\n    rule: AIMS-OWN-001\n    expires: 2026-02-30\n",
            '.aims-policy.yaml:4:5: exceptions[0].expires is "2026-02-30", not a calendar date; '
            "write YYYY-MM-DD, e.g. 2026-03-31",
        ),
        (
            "exceptions:\n  - system: x\n    rule: AIMS-OWN-001\n    expires: 2026-2-3\n",
            '.aims-policy.yaml:4:5: exceptions[0].expires is "2026-2-3", not a calendar date; '
            "write YYYY-MM-DD, e.g. 2026-03-31",
        ),
        (
            "data:\n  risk:\n    apetite: 6\n",
            ".aims-policy.yaml:3:5: unknown data parameter 'risk.apetite'; "
            "did you mean 'appetite'?",
        ),
        (
            "fail-on: [\n",
            ".aims-policy.yaml:2:1: invalid YAML: while parsing a flow node, did not find expected "
            "node content; fix the YAML syntax",
        ),
        ("a: 1\n---\nb: 2\n", ".aims-policy.yaml:3:1: a configuration file holds one document"),
    ],
)
def test_a_bad_configuration_is_a_usage_error_at_its_position(
    repo: Path, text: str, message: str
) -> None:
    write_config(repo, text)
    result = invoke("check", "manifests")
    assert result.exit_code == 2
    assert result.stderr == f"aims-policy: error: {message}\n"


def test_the_first_mistake_in_the_file_is_the_one_reported(repo: Path) -> None:
    """jsonschema finds mistakes in the schema's order; the file's order is the reader's."""
    write_config(repo, "output: {sarfi: x}\nfail-on: errors\nselct: []\n")
    assert invoke("check").stderr.startswith("aims-policy: error: .aims-policy.yaml:1:10: ")
    write_config(repo, "selct: []\nfail-on: errors\noutput: {sarfi: x}\n")
    assert invoke("check").stderr.startswith("aims-policy: error: .aims-policy.yaml:1:1: ")


def test_extension_keys_are_accepted_where_the_schema_allows_them(repo: Path) -> None:
    write_config(
        repo,
        BASE
        + "x-team: governance\nexceptions:\n  - {system: s, rule: AIMS-OWN-001, x-ticket: 7}\n",
    )
    assert config.load(".aims-policy.yaml").values["x-team"] == "governance"


def test_every_key_loads_and_each_kind_of_mistake_stops_the_load(repo: Path) -> None:
    """The schema itself, and its compiled validator against jsonschema, are tested with the
    manifest's in test_validate.py; this is the loading around them."""
    (repo / "org.yaml").write_text("{}\n")
    write_config(repo, FULL_CONFIG)
    assert config.load(".aims-policy.yaml").values["fail-on"] == "warning"
    for bad in (
        "selct: []\n",
        "fail-on: errors\n",
        "output: {sarfi: x}\n",
        "select: x\n",
        "exceptions: [{rule: AIMS-OWN-001}]\n",
        "severity: {own: note}\n",
    ):
        write_config(repo, bad)
        with pytest.raises(config.ConfigError, match=r"^\.aims-policy\.yaml:\d+:\d+: "):
            config.load(".aims-policy.yaml")


def test_an_empty_configuration_changes_nothing(repo: Path) -> None:
    write_config(repo, "# nothing yet\n")
    assert config.load(".aims-policy.yaml").values == {}


# --- flags over the file ---------------------------------------------------------------------


def test_fail_on_from_the_file_and_overridden_by_the_flag(repo: Path) -> None:
    write_config(repo, BASE + "fail-on: never\n")
    assert invoke("check").exit_code == 0
    assert invoke("check", "--fail-on", "error").exit_code == 1


def test_select_on_the_command_line_replaces_the_files(repo: Path) -> None:
    write_config(
        repo,
        BASE.replace("select: [TST, AIMS-EXC]", "select: [TST-SYS]") + "output: {format: json}\n",
    )
    assert rules_of(invoke("check")) == ["TST-SYS-001"]
    assert rules_of(invoke("check", "--select", "TST-RSK")) == ["TST-RSK-001"]
    by_control = rules_of(invoke("check", "--select", "A.5.*"))  # a control pattern
    assert "TST-RSK-001" in by_control and "TST-SYS-001" not in by_control


def test_ignore_from_the_file_and_overridden(repo: Path) -> None:
    write_config(repo, BASE + "ignore: [TST-RSK-001]\noutput: {format: json}\n")
    assert rules_of(invoke("check")) == ["TST-SYS-001"]
    assert rules_of(invoke("check", "--ignore", "TST-SYS")) == ["TST-RSK-001"]


def test_severity_overrides_combine_rule_by_rule_with_the_flag_winning(repo: Path) -> None:
    write_config(
        repo,
        BASE + "severity:\n  TST-RSK-001: warning\n  TST-SYS-001: error\noutput: {format: json}\n",
    )
    document = json.loads(invoke("check").stdout)
    assert {(f["rule"], f["severity"]) for f in document["findings"]} == {
        ("TST-RSK-001", "warning"),
        ("TST-SYS-001", "error"),
    }
    document = json.loads(invoke("check", "--severity", "TST-RSK-001=note").stdout)
    assert {(f["rule"], f["severity"]) for f in document["findings"]} == {
        ("TST-RSK-001", "note"),
        ("TST-SYS-001", "error"),
    }


@pytest.mark.parametrize(
    ("config_text", "args", "message"),
    [
        ("", ("--select", "TST-SSY"), "--select TST-SSY: matches no rule; did you mean TST-SYS?"),
        (
            "",
            ("--select", "AIMS-SCH-099"),
            "--select AIMS-SCH-099: matches no rule; did you mean AIMS-SCH-00",
        ),
        (
            "",
            ("--ignore", "tag:nothing-like-it"),
            "--ignore tag:nothing-like-it: matches no rule; `aims-policy rules`",
        ),
        (
            "",
            ("--severity", "TST-RSK-01=note"),
            "--severity TST-RSK-01: no such rule; did you mean TST-RSK-001?",
        ),
        (
            "ignore: [AIMS-EXC-04]\n",
            (),
            ".aims-policy.yaml:4:1: ignore AIMS-EXC-04: matches no rule; did you mean AIMS-EXC-00",
        ),
        (
            "severity:\n  TST-SYS-01: note\n",
            (),
            ".aims-policy.yaml:4:1: severity TST-SYS-01: no such rule; did you mean TST-SYS-001?",
        ),
    ],
)
def test_selection_and_severity_naming_no_rule_are_usage_errors(
    repo: Path, config_text: str, args: tuple[str, ...], message: str
) -> None:
    write_config(repo, BASE + config_text)
    for command in ("check", "baseline"):
        result = invoke(command, *args, *(("-o", "b.json") if command == "baseline" else ()))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"aims-policy: error: {message}")
        assert result.stderr.count("\n") == 1


def test_schema_and_policy_rules_are_valid_targets(repo: Path) -> None:
    write_config(repo, BASE)
    result = invoke(
        "check",
        "--select",
        "AIMS-SCH",
        "--select",
        "AIMS-EXC-003",
        "--ignore",
        "AIMS-SCH-001",
        "--severity",
        "AIMS-EXC-001=note",
        "--severity",
        "TST-SYS-001=note",
    )
    assert result.exit_code == 0, result.output


def test_data_overrides_reach_the_rules_and_data_flag_replaces_them(repo: Path) -> None:
    from aims_policy import data

    key = next(iter(data.defaults()))
    write_config(repo, BASE + f"data:\n  {key}: {{}}\n")
    result = invoke("config", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["values"]["data"] == {key: {}}
    assert document["sources"]["data"] == ".aims-policy.yaml:4:1"
    (repo / "org.yaml").write_text("{}\n")
    document = json.loads(invoke("config", "--format", "json", "--data", "org.yaml").stdout)
    assert (document["values"]["data"], document["values"]["data-files"]) == ({}, ["org.yaml"])
    assert document["sources"]["data"] == "command line"


def test_output_defaults_from_the_file(repo: Path) -> None:
    write_config(
        repo, BASE + "output:\n  format: json\n  sarif: out/report.sarif\n  sarif-category: aims\n"
    )
    (repo / "out").mkdir()
    result = invoke("check")
    assert json.loads(result.stdout)["summary"]["systems"] == 2
    sarif = json.loads((repo / "out" / "report.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"].startswith("aims")
    assert invoke("check", "--format", "text").stdout.endswith(
        "12 errors, 2 warnings, 0 notes; rule checks: 0 not applicable, 0 not evaluated\n"
    )


def test_exceptions_in_the_configuration(repo: Path) -> None:
    write_config(
        repo,
        BASE
        + """\
exceptions:
  - system: cv-screening
    rule: TST-SYS-001
    justification: Approval board meets in January.
    approver: Markus Brandt
    approvedOn: 2026-03-06
    expires: 2026-12-31
output: {format: json}
""",
    )
    document = json.loads(invoke("check").stdout)
    waived = [f for f in document["findings"] if f["state"] == "waived"]
    assert [(f["rule"], f["identity"]["system"]) for f in waived] == [
        ("TST-SYS-001", "cv-screening")
    ]
    assert waived[0]["suppression"]["source"]["file"] == ".aims-policy.yaml"
    assert waived[0]["suppression"]["source"]["line"] == 5
    result = aims("check", "--today", "2027-01-01")
    [expired] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "AIMS-EXC-001"]
    assert (expired["location"]["file"], expired["location"]["line"]) == (".aims-policy.yaml", 5)


def test_baseline_path_from_the_file_serves_both_commands(repo: Path) -> None:
    write_config(repo, BASE + "baseline: baseline.json\n")
    assert invoke("baseline").exit_code == 0
    assert (repo / "baseline.json").exists()
    result = invoke("check")
    assert result.exit_code == 0 and "14 baselined" in result.stdout


def test_include_and_exclude_globs(repo: Path) -> None:
    drafts = repo / "manifests" / "drafts"
    drafts.mkdir()
    (drafts / "draft.yaml").write_text(
        (repo / "manifests" / MANIFEST)
        .read_text()
        .replace("name: credit-scoring", "name: draft-system", 1)
    )
    write_config(repo, BASE + "output: {format: json}\n")

    def systems(*args: str) -> list[str]:
        result = invoke("check", *args)
        return sorted(s["name"] for s in json.loads(result.stdout)["systems"])

    assert systems() == ["credit-scoring", "cv-screening", "draft-system"]
    write_config(repo, BASE + "exclude: [drafts]\noutput: {format: json}\n")
    assert systems() == ["credit-scoring", "cv-screening"]
    assert systems("manifests/drafts/draft.yaml") == []  # excluded even when named
    write_config(repo, BASE + "include: ['manifests/cv-*.yaml']\noutput: {format: json}\n")
    assert systems() == ["cv-screening"]
    assert systems("manifests/credit-scoring.yaml") == ["credit-scoring"]  # named files are kept


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("manifests/drafts/a.yaml", ["drafts"], True),
        ("manifests/drafts/a.yaml", ["/drafts"], False),
        ("manifests/drafts/a.yaml", ["manifests/*.yaml"], False),
        ("manifests/a.yaml", ["manifests/*.yaml"], True),
        ("manifests/x/y/a.yaml", ["manifests/**/a.yaml"], True),
        ("manifests/a.yaml", ["manifests/**/a.yaml"], True),
        ("a.json", ["*.yaml"], False),
        ("deep/er/a.yaml", ["*.yaml"], True),
    ],
)
def test_glob_semantics(path: str, patterns: list[str], expected: bool) -> None:
    assert config.glob_matches(path, patterns) is expected


# --- aims-policy config ----------------------------------------------------------------------


def test_config_command_prints_values_with_their_sources(repo: Path) -> None:
    write_config(repo, BASE + "fail-on: warning\noutput:\n  sarif: out.sarif\n")
    result = invoke("config", "--select", "AIMS-OWN")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "# configuration file: .aims-policy.yaml"
    assert lines[lines.index("# fail-on: .aims-policy.yaml:4:1") + 1] == "fail-on: warning"
    assert lines[lines.index("# select: command line") + 1 :][:2] == ["select:", "- AIMS-OWN"]
    assert "  sarif: out.sarif  # .aims-policy.yaml:6:3" in lines
    assert "  format: text  # default" in lines
    document = json.loads(invoke("config", "--format", "json").stdout)
    assert document["file"] == ".aims-policy.yaml"
    assert document["values"]["rules"] == ["testpack"]
    assert document["sources"]["rules"] == ".aims-policy.yaml:2:1"
    assert document["sources"]["fail-on"] == ".aims-policy.yaml:4:1"
    assert document["sources"]["root"] == "default"


def test_no_config_ignores_the_file(repo: Path) -> None:
    write_config(repo, "selct: []\n")
    assert invoke("check", "manifests", "--no-config", "--fail-on", "never").exit_code == 0
    other = repo / "other.yaml"
    other.write_text(BASE + "fail-on: never\n")
    assert invoke("check", "--config", "other.yaml").exit_code == 0


# --- trust: rule packs in the configuration are code -----------------------------------------


def test_no_config_rules_refuses_packs_named_by_the_configuration(repo: Path) -> None:
    write_config(repo, BASE)
    result = invoke("check", "--no-config-rules")
    assert result.exit_code == 2
    assert "rules: testpack" in result.stderr and "--no-config-rules refuses code" in result.stderr
    env = {"AIMS_POLICY_NO_CONFIG_RULES": "1"}
    assert invoke("check", env=env).exit_code == 2
    assert invoke("baseline", "-o", "b.json", "--no-config-rules").exit_code == 2
    assert not (repo / "b.json").exists()


def test_no_config_rules_still_loads_packs_named_on_the_command_line(repo: Path) -> None:
    write_config(repo, BASE)
    result = invoke("check", "--no-config-rules", "--rules", "testpack", "--format", "json")
    assert result.exit_code == 1, result.stderr
    assert rules_of(result) == ["TST-RSK-001", "TST-SYS-001"]
    write_config(repo, "paths: [manifests]\nselect: [TST]\n")
    result = invoke(
        "check", "--no-config-rules", "--rules", os.path.abspath("testpack"), "--format", "json"
    )
    assert rules_of(result) == ["TST-RSK-001", "TST-SYS-001"]


def test_a_pack_module_named_by_the_configuration_runs_only_without_the_flag(repo: Path) -> None:
    evil = repo / "evilpack"
    evil.mkdir()
    marker = repo / "ran"
    (evil / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        + (repo / "testpack" / "checks.py").read_text().replace("TST-", "EVL-")
    )
    write_config(repo, "paths: [manifests]\nrules: [evilpack]\n")
    assert invoke("check", "--no-config-rules").exit_code == 2
    assert not marker.exists()
    invoke("check")
    assert marker.exists()


def test_config_schema_prints_the_json_schema(repo: Path) -> None:
    result = invoke("config", "--schema")
    path = Path(config.__file__).parent / "schema" / "config-v1.schema.json"
    assert json.loads(result.stdout) == json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(result.stdout)["$id"].endswith("config-v1.schema.json")
