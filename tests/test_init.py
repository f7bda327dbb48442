"""`aims-policy init`: a schema-valid skeleton that fails `check` until every placeholder is filled
in, and that never overwrites a file.

Expectations are independent of the code under test: the packaged JSON Schema checked with
jsonschema itself, and the placeholder lines found by reading the written file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import ROOT
from jsonschema import Draft202012Validator

SCHEMA = json.loads((ROOT / "aims_policy/schema/manifest-v1.schema.json").read_text("utf-8"))
FINDING = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>\w+) (?P<rule>[A-Z0-9-]+) ", re.M
)


def aims(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aims_policy", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=120,
    )


def placeholder_lines(text: str) -> set[int]:
    """Lines whose value (after `key:` or `- `) starts with TODO, read off the file by hand."""
    return {
        n
        for n, line in enumerate(text.splitlines(), 1)
        if re.match(r'^\s*(?:- |[\w-]+: )"?TODO\b', line)
    }


@pytest.mark.slow
@pytest.mark.parametrize("level", ["low", "medium", "high", "critical"])
def test_init_writes_a_schema_valid_skeleton_that_check_rejects(tmp_path: Path, level: str) -> None:
    result = aims("init", "loan-advisor", "--risk-level", level, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "loan-advisor.aims.yaml"
    text = path.read_text("utf-8")
    assert text.startswith(
        "# yaml-language-server: $schema=https://raw.githubusercontent.com/"
        "aims-policy/aims-policy/main/aims_policy/schema/manifest-v1.schema.json\n"
    )
    data = yaml.safe_load(text)
    assert sorted(e.message for e in Draft202012Validator(SCHEMA).iter_errors(data)) == []
    assert data["metadata"]["name"] == "loan-advisor"
    assert data["spec"]["classification"]["riskLevel"] == level
    assert ("accountablePerson" in data["spec"]) == (level in ("high", "critical"))

    check = aims("check", path.name, cwd=tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    found = [m.groupdict() for m in FINDING.finditer(check.stdout)]
    todo_lines = {int(f["line"]) for f in found if f["rule"] == "AIMS-TODO-001"}
    assert todo_lines == placeholder_lines(text)
    assert len(todo_lines) >= 10
    # Syntax is right from the start: the first check talks about content only.
    assert not [f for f in found if f["rule"].startswith("AIMS-SCH")]
    assert f"{len(todo_lines)} TODO placeholders" in result.stdout


@pytest.mark.slow
def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "custom.yaml"
    assert (
        aims(
            "init", "chat-helper", "--risk-level", "low", "-o", str(target), cwd=tmp_path
        ).returncode
        == 0
    )
    before = target.read_bytes()
    again = aims("init", "other-name", "--risk-level", "high", "-o", str(target), cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr and "not overwriting" in again.stderr
    assert target.read_bytes() == before
    assert not (tmp_path / "chat-helper.aims.yaml").exists()


@pytest.mark.slow
def test_init_rejects_a_name_the_schema_would_reject(tmp_path: Path) -> None:
    result = aims("init", "Loan Advisor", "--risk-level", "low", cwd=tmp_path)
    assert result.returncode == 2
    assert "'loan-advisor'" in result.stderr  # the suggestion
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_init_requires_a_known_risk_level(tmp_path: Path) -> None:
    result = aims("init", "loan-advisor", "--risk-level", "extreme", cwd=tmp_path)
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_init_schema_line_can_point_at_a_vendored_copy(tmp_path: Path) -> None:
    result = aims(
        "init",
        "loan-advisor",
        "--risk-level",
        "low",
        "--schema",
        "schemas/manifest-v1.schema.json",
        cwd=tmp_path,
    )
    assert result.returncode == 0
    first = (tmp_path / "loan-advisor.aims.yaml").read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=schemas/manifest-v1.schema.json"


@pytest.mark.slow
def test_filling_in_the_placeholders_clears_the_placeholder_findings(tmp_path: Path) -> None:
    assert aims("init", "loan-advisor", "--risk-level", "high", cwd=tmp_path).returncode == 0
    path = tmp_path / "loan-advisor.aims.yaml"
    text = path.read_text("utf-8")
    filled = re.sub(r'"TODO: ([^"]*)"', lambda m: f'"Filled in: {m.group(1)}"', text)
    filled = filled.replace("TODO@example.com", "owner@example.com")
    path.write_text(filled, "utf-8")
    check = aims("check", path.name, cwd=tmp_path)
    rules = {m.group("rule") for m in FINDING.finditer(check.stdout)}
    assert "AIMS-TODO-001" not in rules
    assert not {r for r in rules if r.startswith("AIMS-SCH")}


# -- editors: the published schema ------------------------------------------------------------


@pytest.mark.slow
def test_schema_output_writes_the_packaged_schema_as_a_valid_json_schema(tmp_path: Path) -> None:
    target = tmp_path / "vendored" / "manifest-v1.schema.json"
    target.parent.mkdir()
    result = aims("schema", "--output", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = json.loads(target.read_text("utf-8"))
    Draft202012Validator.check_schema(written)
    assert written == SCHEMA
    # A manifest written by init validates against the vendored copy, as an editor would check it.
    assert (
        aims(
            "init",
            "loan-advisor",
            "--risk-level",
            "medium",
            "--schema",
            "vendored/manifest-v1.schema.json",
            cwd=tmp_path,
        ).returncode
        == 0
    )
    data = yaml.safe_load((tmp_path / "loan-advisor.aims.yaml").read_text("utf-8"))
    assert list(Draft202012Validator(written).iter_errors(data)) == []


def test_default_schema_line_is_the_raw_file_of_the_project_repository() -> None:
    import configparser

    from aims_policy.commands.init import SCHEMA_URL

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    owner_repo = config["metadata"]["url"].removeprefix("https://github.com/")
    schema_path = "aims_policy/schema/manifest-v1.schema.json"
    assert (ROOT / schema_path).is_file()
    assert f"https://raw.githubusercontent.com/{owner_repo}/main/{schema_path}" == SCHEMA_URL


# -- init asks nothing it can read ----------------------------------------------------------------

IMPORT_DATA = ROOT / "tests" / "data" / "import"


def run_init(*args: str) -> Any:
    from _helpers import aims as in_process

    return in_process("init", *args)


def test_init_writes_stage_and_eu_classification_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_init(
        "--name",
        "loan-advisor",
        "--risk-level",
        "high",
        "--stage",
        "operation",
        "--eu-category",
        "high-risk",
        "--role",
        "deployer",
    )
    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load((tmp_path / "loan-advisor.aims.yaml").read_text("utf-8"))
    assert data["spec"]["lifecycle"]["stage"] == "operation"
    assert data["spec"]["classification"]["euAiAct"] == {
        "category": "high-risk",
        "role": "deployer",
    }
    assert list(Draft202012Validator(SCHEMA).iter_errors(data)) == []


def test_init_to_standard_output_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_init("loan-advisor", "--risk-level", "low", "-o", "-")
    assert result.exit_code == 0
    assert list(tmp_path.iterdir()) == []
    data = yaml.safe_load(result.stdout)
    assert data["metadata"]["name"] == "loan-advisor"
    assert list(Draft202012Validator(SCHEMA).iter_errors(data)) == []


@pytest.mark.parametrize(
    "source",
    [
        "huggingface/distilbert-base-uncased-README.md",
        "cyclonedx/valid-machine-learning-1.6.xml",
        "spdx/ai-example02-sbom.spdx3.json",
    ],
)
def test_init_from_an_import_format_fills_in_what_the_source_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_init("--from", str(IMPORT_DATA / source), "--risk-level", "medium", "-o", "-")
    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert list(Draft202012Validator(SCHEMA).iter_errors(data)) == []
    assert data["spec"]["models"]  # what the source says...
    assert data["spec"]["owner"]["name"].startswith("TODO")  # ...and what it cannot
    assert data["spec"]["classification"]["riskLevel"] == "medium"
    assert "x-todo" not in data["spec"]["classification"]  # init's risk level is a decision
    named = run_init(
        "chosen-name", "--from", str(IMPORT_DATA / source), "--risk-level", "low", "-o", "-"
    )
    assert yaml.safe_load(named.stdout)["metadata"]["name"] == "chosen-name"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("a-name", "--name", "b-name", "--risk-level", "low"), "two names given"),
        (("--risk-level", "low"), "give the system a name"),
        (("x", "--risk-level", "low", "--eu-category", "high-risk"), "go together"),
        (("x", "--risk-level", "low", "--stage", "later"), "Invalid value for '--stage'"),
    ],
)
def test_init_refuses_what_it_cannot_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_init(*args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_from_a_malformed_source_names_the_file_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = IMPORT_DATA / "cyclonedx/bom-examples-opensource-bert.bom.json"
    result = run_init("--from", str(bad), "--risk-level", "low")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"aims-policy: error: {bad}:9:5: ")
    assert list(tmp_path.iterdir()) == []
    card = tmp_path.parent / f"{tmp_path.name}-card.md"
    card.write_text("---\nlicense: mit\n---\nno heading here\n", "utf-8")
    nameless = run_init("--from", str(card), "--risk-level", "low")
    assert nameless.exit_code == 2 and "--name" in nameless.stderr
    assert list(tmp_path.iterdir()) == []
