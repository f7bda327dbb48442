"""The command-line contract: exit codes, --fail-on, --today, the JSON report, the info commands,
and byte-identical output from run to run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import BASE_TEXT as BASE
from _helpers import GOOD, ROOT, SCRIPT, TITEL, aims, summary
from click.testing import CliRunner

from aims_policy import __version__

# clean.yaml is base.yaml, which passes every built-in rule on 2026-11-22; typo.yaml is GOOD, with
# exactly one finding (_helpers.py), which is how the --fail-on thresholds are tested without
# depending on any other rule.


def invoke(*args: str) -> tuple[int, str, str]:
    result = aims(*args)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "typo.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


# --- exit codes -----------------------------------------------------------------------------------


def test_exit_0_when_clean() -> None:
    code, out, err = invoke("check", "--today", "2026-11-22", "clean.yaml")
    assert (code, err) == (0, "")
    assert summary(out) == (
        "1 file, 1 system checked: 0 errors, 0 warnings, 0 notes; "
        "rule checks: N not applicable, 0 not evaluated\n"
    )


def test_exit_1_with_a_finding_and_the_line_format() -> None:
    code, out, _ = invoke("check", "--today", "2026-11-22", "--no-color", "typo.yaml")
    assert code == 1
    assert out.splitlines()[0] == (
        f"typo.yaml:{TITEL}:3: error AIMS-SCH-001 unknown field 'titel' in metadata; did you mean "
        "'title'? (prefix organisation-specific fields with 'x-') [7.5.2]"
    )


def test_exit_2_when_a_file_cannot_be_checked_even_with_fail_on_never() -> None:
    Path("broken.yaml").write_text("kind: AISystem\nspec: [\n", encoding="utf-8")
    code, out, _ = invoke(
        "check", "--today", "2026-11-22", "--fail-on", "never", "broken.yaml", "clean.yaml"
    )
    assert code == 2
    assert out.splitlines()[-1].endswith("1 problem stopped checks (exit 2)")


@pytest.mark.parametrize(
    ("level", "fail_on", "expected"),
    [
        ("error", None, 1),
        ("error", "error", 1),
        ("error", "warning", 1),
        ("error", "note", 1),
        ("error", "never", 0),
        ("warning", None, 0),
        ("warning", "error", 0),
        ("warning", "warning", 1),
        ("warning", "note", 1),
        ("warning", "never", 0),
        ("note", None, 0),
        ("note", "warning", 0),
        ("note", "note", 1),
        ("note", "never", 0),
    ],
)
def test_fail_on_threshold(level: str, fail_on: str | None, expected: int) -> None:
    args = ["check", "--today", "2026-11-22", "--severity", f"AIMS-SCH-001={level}", "typo.yaml"]
    if fail_on:
        args += ["--fail-on", fail_on]
    code, out, _ = invoke(*args)
    assert code == expected
    assert f"typo.yaml:{TITEL}:3: {level} AIMS-SCH-001" in out


def test_usage_errors_exit_2() -> None:
    assert invoke("check", "--fail-on", "sometimes", "clean.yaml")[0] == 2
    code, _, err = invoke("check", "--today", "2026-02-30", "clean.yaml")
    assert code == 2
    assert "'2026-02-30' is not a date; write YYYY-MM-DD" in err
    assert invoke("no-such-command")[0] == 2


# --- --today ------------------------------------------------------------------------------------


def test_today_changes_date_judgements() -> None:
    """base.yaml's next system review is due on 2027-06-15 (line 77 today): on time that day,
    late the next."""
    line = BASE.splitlines().index("    nextReview: 2027-06-15") + 1
    args = ["check", "--select", "AIMS-GOV-005", "--no-color", "clean.yaml"]
    assert invoke(*args, "--today", "2027-06-15")[0] == 0
    code, out, _ = invoke(*args, "--today", "2027-06-16")
    assert code == 1
    assert out.startswith(
        f"clean.yaml:{line}:5: error AIMS-GOV-005 the system review was due on 2027-06-15 and is 1 "
    )
    report = json.loads(invoke(*args, "--today", "2027-06-16", "--format", "json")[1])
    assert report["today"] == "2027-06-16"


# --- the JSON report ------------------------------------------------------------------------------


def test_json_report_fields() -> None:
    code, out, _ = invoke("check", "--today", "2026-11-22", "--format", "json", "typo.yaml")
    assert code == 1
    report = json.loads(out)
    assert report["formatVersion"] == "1.3"
    assert report["tool"] == {"name": "aims-policy", "version": __version__}
    assert report["today"] == "2026-11-22"
    assert report["failOn"] == "error"
    assert report["exitCode"] == 1
    assert report["summary"]["files"] == 1 and report["summary"]["systems"] == 1
    assert report["problems"] == []
    [finding] = report["findings"]
    assert finding["rule"] == "AIMS-SCH-001"
    assert finding["severity"] == "error"
    assert finding["message"].startswith("unknown field 'titel' in metadata; did you mean 'title'?")
    assert finding["location"] == {
        "file": "typo.yaml",
        "line": TITEL,
        "column": 3,
        "endLine": TITEL,
        "endColumn": 14,
    }
    assert finding["jsonPath"] == "/metadata/titel"
    assert finding["identity"] == {
        "system": "document-summariser",
        "item": None,
        "path": "metadata.titel",
    }
    assert finding["state"] == "open"
    assert len(finding["fingerprint"]) == 32


def test_json_report_names_list_items_by_id() -> None:
    text = BASE.replace("reviewDate: 2027-04-15", "reviewDate: 2027-04-31")  # risk R-4
    Path("item.yaml").write_text(text, encoding="utf-8")
    report = json.loads(
        invoke("check", "--today", "2026-11-22", "--format", "json", "item.yaml")[1]
    )
    [finding] = report["findings"]
    assert finding["rule"] == "AIMS-SCH-003"
    assert finding["identity"]["path"] == "spec.risks[R-4].reviewDate"
    assert finding["jsonPath"] == "/spec/risks/3/reviewDate"
    assert (
        finding["location"]["line"] == text.splitlines().index("      reviewDate: 2027-04-31") + 1
    )


def test_json_report_problems_have_a_location() -> None:
    Path("broken.json").write_text('{"kind": "AISystem",\n "spec": [}', encoding="utf-8")
    code, out, _ = invoke("check", "--format", "json", "broken.json")
    assert code == 2
    [problem] = json.loads(out)["problems"]
    assert problem["kind"] == "load"
    assert problem["location"] == {"file": "broken.json", "line": 2, "column": 11}
    assert problem["message"].startswith("invalid JSON")


# --- version, schema, rules, explain --------------------------------------------------------------


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert (code, out) == (0, f"aims-policy {__version__}\n")


# --- help and path checks (aims_policy/commands/_click.py declares them, as click would) --------


@pytest.mark.parametrize(
    "args",
    [("-h",), ("--help",), ("check", "-h"), ("check", "--help"), ("soa", "-h"), ("test", "-h")],
)
def test_help_shows_the_usage_and_exits_0(args: tuple[str, ...]) -> None:
    code, out, _ = invoke(*args)
    assert code == 0
    assert out.startswith("Usage: ")
    assert re.search(r"^  -h, --help +Show this message and exit\.$", out, re.M), out


def test_no_command_gives_an_option_or_a_name_twice() -> None:
    # Command.get_params leaves out click's warning about a duplicate option or parameter name
    # (commands/_click.py): click's own method, with its warnings made errors, checks them here
    # for the group and every command, and lists the same parameters.
    import warnings

    import click

    from aims_policy.cli import cli

    group_ctx = click.Context(cli, info_name="aims-policy")
    commands = [cli, *(cli.get_command(group_ctx, name) for name in cli.list_commands(group_ctx))]
    assert len(commands) > 10
    for command in commands:
        assert command is not None
        ctx = click.Context(command, info_name=command.name, parent=group_ctx)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert click.Command.get_params(command, ctx) == command.get_params(ctx), command.name
        # the same, whichever click is installed (8.1 does not warn)
        spelt = [o for p in command.get_params(ctx) for o in (*p.opts, *p.secondary_opts)]
        assert len(spelt) == len(set(spelt)), command.name


def test_help_is_read_before_anything_else_is_judged() -> None:
    code, out, _ = invoke("check", "--fail-on", "nonsense", "--help")
    assert code == 0 and re.match(r"Usage: \S+ check \[OPTIONS\]", out), out


def test_a_usage_error_says_where_the_help_is() -> None:
    code, _, err = invoke("check", "--no-such-option")
    assert code == 2
    assert re.search(r"^Try '\S+ check --help' for help\.$", err, re.M), err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        # a report file that is a folder, where check would have to replace it
        (("check", "clean.yaml", "--sarif", "folder"), "'folder' is a directory"),
        (("check", "clean.yaml", "--config", "folder"), "'folder' is a directory"),
        # a folder option given a file
        (("check", "clean.yaml", "--root", "clean.yaml"), "'clean.yaml' is a file"),
        # `test` reads fixtures that must exist
        (("test", "no-such-pack"), "'no-such-pack' does not exist"),
    ],
)
def test_a_path_of_the_wrong_kind_is_a_usage_error_naming_it(
    in_tmp: Path, args: tuple[str, ...], named: str
) -> None:
    (in_tmp / "folder").mkdir()
    code, _, err = invoke(*args)
    assert code == 2
    assert named in err


def test_shells_complete_file_and_folder_names_where_paths_are_taken() -> None:
    import click

    from aims_policy.commands._click import DIRECTORY, FILE, PATH
    from aims_policy.commands.check import check

    ctx = click.Context(check)
    param = click.Option(["--x"])
    kinds = [t.shell_complete(ctx, param, "ma")[0].type for t in (FILE, DIRECTORY, PATH)]
    assert kinds == ["file", "dir", "file"]


def test_dash_is_standard_input_where_a_command_reads_it() -> None:
    result = aims("check", "-", "--today", "2026-11-22", input=BASE)
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_python_dash_m_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aims_policy", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT.parent,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"aims-policy {__version__}\n", "")


@pytest.mark.slow
def test_console_script_version() -> None:
    done = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"aims-policy {__version__}\n")


def test_schema_prints_a_valid_json_schema() -> None:
    import jsonschema

    code, out, _ = invoke("schema")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["apiVersion"]["const"] == "aims-policy/v1"
    packaged = json.loads(
        (ROOT / "aims_policy" / "schema" / "manifest-v1.schema.json").read_text("utf-8")
    )
    assert schema == packaged
    # The $id is the raw file (the URL README gives editors), not GitHub's HTML page for it.
    raw = "https://raw.githubusercontent.com/aims-policy/aims-policy/main/aims_policy/schema/manifest-v1.schema.json"
    assert schema["$id"] == raw
    assert f"$schema={raw}" in (ROOT / "README.md").read_text("utf-8")


def test_rules_json_lists_rules_with_severity_and_iso_refs() -> None:
    code, out, _ = invoke("rules", "--format", "json")
    assert code == 0
    rules = json.loads(out)
    by_id = {r["id"]: r for r in rules}
    assert len(by_id) == len(rules), "rule ids are unique"
    assert {"AIMS-SCH-001", "AIMS-SCH-002", "AIMS-SCH-003", "AIMS-OWN-001"} <= set(by_id)
    own = by_id["AIMS-OWN-001"]
    assert own["severity"] == "error"
    assert "A.3.2" in own["iso42001"]["controls"]
    assert "5.3" in own["iso42001"]["clauses"]
    for rule in rules:
        assert rule["severity"] in ("error", "warning", "note"), rule["id"]
        refs = rule["iso42001"]["controls"] + rule["iso42001"]["clauses"]
        assert refs, f"{rule['id']} maps to no ISO/IEC 42001 control or clause"
        assert rule["title"] and rule["rationale"] and rule["remediation"], rule["id"]


def test_explain_prints_a_rules_documentation() -> None:
    code, out, _ = invoke("explain", "AIMS-OWN-001")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "AIMS-OWN-001  The system owner can be contacted"
    assert "severity:     error" in lines
    assert any(line.startswith("ISO/IEC 42001:") and "A.3.2" in line for line in lines)
    assert "Why it matters:" in lines


def test_explain_unknown_rule_exits_2_with_did_you_mean() -> None:
    code, _, err = invoke("explain", "AIMS-OWN-01")
    assert code == 2
    assert "no rule 'AIMS-OWN-01'; did you mean AIMS-OWN-001?" in err


# --- determinism --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_two_runs_are_byte_identical(fmt: str, in_tmp: Path) -> None:
    """Separate processes with different hash seeds: no set or dict ordering leaks into output."""
    import os

    shutil.copytree(ROOT / "manifests", in_tmp / "manifests")
    args = [
        str(SCRIPT),
        "check",
        "--today",
        "2026-11-22",
        "--format",
        fmt,
        "--no-color",
        "manifests",
        "typo.yaml",
    ]
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(args, capture_output=True, timeout=120, env=env)
        assert done.returncode == 1, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"AIMS-SCH-001") >= 1


@pytest.mark.slow
def test_parallel_and_serial_runs_give_the_same_report(in_tmp: Path) -> None:
    for n in range(60):
        text = GOOD.replace("name: document-summariser", f"name: system-{n:02d}")
        if n % 7 == 0:
            text = text.replace("riskLevel: low", "riskLevel: lowish")
        (in_tmp / "many").mkdir(exist_ok=True)
        (in_tmp / "many" / f"m{n:02d}.yaml").write_text(text, encoding="utf-8")
    args = ["check", "--today", "2026-11-22", "--format", "json", "many"]
    serial = invoke(*args, "-j", "1")
    parallel = invoke(*args, "-j", "3")
    assert serial[0] == parallel[0] == 1
    assert serial[1] == parallel[1]
    report = json.loads(serial[1])
    assert report["summary"]["systems"] == 60
    assert sum(1 for f in report["findings"] if f["rule"] == "AIMS-SCH-003") == 9


def test_explain_marks_crosswalk_confidence_and_derived_mappings() -> None:
    from aims_policy.cli import cli

    result = CliRunner().invoke(cli, ["explain", "AIMS-RSK-010"])
    assert result.exit_code == 0
    # rules/risk.py declares Art. 9(2)(d) as a derived mapping and MANAGE 1.4 at medium confidence
    assert "EU AI Act:    Art. 9(2)(d), 9(3)-(5) (derived)" in result.output
    assert "MANAGE 1.4 (medium, derived)" in result.output


def test_every_rule_has_a_pascal_case_name() -> None:
    """SARIF's rule `name`: cross-manifest rules used to get "" (from their placeholder lambda)."""
    code, out, _ = invoke("rules", "--format", "json")
    assert code == 0
    rules = json.loads(out)
    bad = [
        (r["id"], r["name"])
        for r in rules
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", r["name"] or "")
    ]
    assert bad == []
    assert {r["id"] for r in rules} >= {"AIMS-SET-001", "AIMS-EXC-001", "AIMS-SCH-001"}


def test_set_rule_name_from_check_function_unless_given() -> None:
    from aims_policy.engine import set_rule

    meta = {"title": "t", "severity": "note", "rationale": "r", "remediation": "m"}

    def shared_data_licence(entries: object) -> tuple[()]:
        return ()

    assert (
        set_rule(collect=lambda ctx, at: None, id="X-SET-2", **meta)(shared_data_licence).meta.name
        == "SharedDataLicence"
    )
    assert (
        set_rule(collect=lambda ctx, at: None, id="X-SET-3", name="Given", **meta)(
            shared_data_licence
        ).meta.name
        == "Given"
    )
