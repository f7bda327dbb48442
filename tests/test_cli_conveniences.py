"""What users of ruff or Checkov expect of a command line: report folders created on the way,
a manifest read from standard input (editors), a `docs` command that writes only where it may,
colour that follows NO_COLOR and FORCE_COLOR, a quiet mode and a display threshold, filters on
`rules`, and shell completion.

Expected lines, columns and counts are read off the manifests by hand (`line_of`), never taken
from aims-policy's own output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _helpers import BASE_TEXT, GOOD, MANIFESTS, ROOT, SCRIPT, TITEL, TODAY, aims, summary, write

COMPLIANT = MANIFESTS / "document-summariser.yaml"
#: Colour and the environment variables that decide it, cleared so that the caller's shell
#: (a developer's FORCE_COLOR, a CI's NO_COLOR) cannot decide a test.
NEUTRAL = {"NO_COLOR": None, "FORCE_COLOR": None, "TERM": None}
ESC = "\033["


def line_of(text: str, fragment: str) -> int:
    (line,) = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return line


# -- 1. output files: their folders are created -------------------------------------------------


def test_report_files_get_their_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--sarif reports/x.sarif` on a fresh checkout: the folders are made, every report written."""
    write(tmp_path / "typo.yaml", GOOD)
    monkeypatch.chdir(tmp_path)
    result = aims(
        "check", "--no-config", "--today", TODAY, "typo.yaml",
        "--sarif", "reports/code-scanning/aims.sarif",
        "--junit", "reports/junit/aims.xml",
        "--json", "out/a/b/aims.json",
        "--markdown", "out/summary.md",
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # the one finding: AIMS-SCH-001 (an error)
    sarif = json.loads((tmp_path / "reports/code-scanning/aims.sarif").read_text("utf-8"))
    (finding,) = sarif["runs"][0]["results"]
    assert finding["ruleId"] == "AIMS-SCH-001"
    assert finding["locations"][0]["physicalLocation"]["region"]["startLine"] == TITEL
    assert (tmp_path / "reports/junit/aims.xml").read_text("utf-8").startswith("<?xml")
    assert json.loads((tmp_path / "out/a/b/aims.json").read_text("utf-8"))["exitCode"] == 1
    assert (tmp_path / "out/summary.md").is_file()
    # Nothing but the reports: no temporary file left beside them.
    assert sorted(p.name for p in (tmp_path / "reports").rglob("*") if p.is_file()) == [
        "aims.sarif",
        "aims.xml",
    ]


def test_the_configurations_outputs_get_their_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "manifests" / "clean.yaml", BASE_TEXT)
    write(
        tmp_path / ".aims-policy.yaml",
        "version: 1\npaths: [manifests]\noutput:\n  sarif: reports/aims-policy.sarif\n"
        "  junit: reports/aims-policy.xml\n",
    )
    (tmp_path / ".git").mkdir()  # the repository the configuration's paths must stay inside
    monkeypatch.chdir(tmp_path / "manifests")  # relative to the configuration, not to here
    result = aims("check", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "reports/aims-policy.sarif").read_text("utf-8"))["runs"]
    assert (tmp_path / "reports/aims-policy.xml").is_file()
    assert not (tmp_path / "manifests" / "reports").exists()


def test_a_configuration_output_outside_the_repository_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    write(repo / "clean.yaml", BASE_TEXT)
    write(repo / ".aims-policy.yaml", "version: 1\noutput:\n  sarif: ../elsewhere/new/x.sarif\n")
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    result = aims("check", "--today", TODAY, "clean.yaml")
    assert result.exit_code == 2
    assert "leads outside the repository" in result.stderr
    assert not (tmp_path / "elsewhere").exists()


def test_a_folder_that_cannot_be_made_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "clean.yaml", BASE_TEXT)
    write(tmp_path / "reports", "a file where a folder would go\n")
    monkeypatch.chdir(tmp_path)
    for args in (
        ("check", "--no-config", "--today", TODAY, "clean.yaml", "--sarif", "reports/x/a.sarif"),
        ("schema", "--output", "reports/schema.json"),
    ):
        result = aims(*args)
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.splitlines()
        assert line.startswith("aims-policy: error: reports/") and "Not a directory" in line
    assert (tmp_path / "reports").read_text("utf-8") == "a file where a folder would go\n"


def test_the_other_writers_make_folders_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "clean.yaml", BASE_TEXT)
    monkeypatch.chdir(tmp_path)
    assert aims("schema", "--output", "schemas/v1/manifest.json").exit_code == 0
    schema = json.loads((tmp_path / "schemas/v1/manifest.json").read_text("utf-8"))
    assert schema["$schema"].endswith("2020-12/schema")
    args = ("baseline", "--no-config", "--today", TODAY, "clean.yaml", "-o", "b/base.json")
    assert aims(*args).exit_code == 0
    assert json.loads((tmp_path / "b/base.json").read_text("utf-8"))["entries"] == []


def test_a_failed_write_removes_the_folders_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Atomic still: the rename is the last step, and when it fails the run leaves nothing."""
    from aims_policy import output

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    (tmp_path / "kept").mkdir()
    monkeypatch.setattr(output.os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        output.write_atomic(str(tmp_path / "kept" / "new" / "deeper" / "x.sarif"), "{}")
    assert [p.name for p in tmp_path.rglob("*")] == ["kept"]


def test_folders_are_not_made_for_a_link_whose_target_is_missing(tmp_path: Path) -> None:
    """A dangling link is followed, never used to create folders where it points."""
    from aims_policy.output import write_atomic

    (tmp_path / "out.sarif").symlink_to(tmp_path / "gone" / "away" / "out.sarif")
    with pytest.raises(FileNotFoundError):
        write_atomic(str(tmp_path / "out.sarif"), "{}")
    assert not (tmp_path / "gone").exists()


# -- 2. standard input ----------------------------------------------------------------------------


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def test_dash_reads_a_manifest_from_standard_input_named_stdin(at_root: Path) -> None:
    result = aims("check", "--no-config", "--today", TODAY, "-", input=GOOD.encode())
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0].startswith(
        f"<stdin>:{TITEL}:3: error AIMS-SCH-001 unknown field 'titel'"
    )
    assert result.stdout.splitlines()[-1].startswith("1 file, 1 system checked: 1 error,")


def test_stdin_filename_names_the_manifest_and_places_its_evidence(at_root: Path) -> None:
    """The compliant example's evidence paths are relative to manifests/: named as the file it
    is, it passes; nameless, it stands in the working directory, where they do not resolve."""
    text = COMPLIANT.read_bytes()
    named = aims(
        "check", "--no-config", "--today", TODAY,
        "--stdin-filename", "manifests/document-summariser.yaml", "-", input=text,
    )  # fmt: skip
    assert named.exit_code == 0, named.output
    assert summary(named.stdout) == (
        "1 file, 1 system checked: 0 errors, 0 warnings, 0 notes; "
        "rule checks: N not applicable, 0 not evaluated\n"
    )
    nameless = aims("check", "--no-config", "--today", TODAY, "--format", "json", "-", input=text)
    assert nameless.exit_code == 1
    report = json.loads(nameless.stdout)
    missing = {
        (f["location"]["file"], f["location"]["line"])
        for f in report["findings"]
        if f["rule"] == "AIMS-EVD-001"
    }
    source = COMPLIANT.read_text("utf-8")
    assert ("<stdin>", line_of(source, "requirementsRef: evidence/")) in missing


def test_stdin_filename_alone_reads_standard_input_as_ruff_does(at_root: Path) -> None:
    result = aims(
        "check", "--no-config", "--today", TODAY, "--stdin-filename", "drafts/new.yaml",
        input=GOOD.encode(),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith(f"drafts/new.yaml:{TITEL}:3: error AIMS-SCH-001 ")


def test_json_on_standard_input_and_problems_are_located_at_stdin(at_root: Path) -> None:
    import yaml

    as_json = json.dumps(yaml.safe_load(GOOD), default=str)
    result = aims("check", "--no-config", "--today", TODAY, "--format", "json", "-", input=as_json)
    assert result.exit_code == 1, result.output
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["AIMS-SCH-001"]
    broken = aims("check", "--no-config", "--today", TODAY, "-", input='{"apiVersion": [\n')
    assert broken.exit_code == 2
    assert broken.stdout.startswith("<stdin>:2:1: error invalid JSON")
    not_ours = aims("check", "--no-config", "-", input="retries: 3\n")
    assert (
        not_ours.exit_code == 2 and "<stdin>: error not an aims-policy manifest" in not_ours.stdout
    )
    skipped = aims("check", "--no-config", "--skip-non-manifests", "-", input="retries: 3\n")
    assert skipped.exit_code == 0, skipped.output


@pytest.mark.parametrize(
    "args",
    [
        ("-", "manifests"),
        ("-", "-"),
        ("--stdin-filename", "x.yaml", "manifests"),
    ],
)
def test_stdin_goes_alone(at_root: Path, args: tuple[str, ...]) -> None:
    result = aims("check", "--no-config", *args, input=GOOD.encode())
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("aims-policy: error: ") and "standard input" in line
    assert result.stdout == ""


def test_stdin_from_the_console_script(tmp_path: Path) -> None:
    """Through a real pipe (bytes, not click's test stream), in a folder of its own."""
    result = subprocess.run(
        [str(SCRIPT), "check", "--no-config", "--today", TODAY, "--stdin-filename", "a/m.yaml"],
        input=GOOD.encode(),
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.decode().startswith(f"a/m.yaml:{TITEL}:3: error AIMS-SCH-001 ")


# -- 3. docs writes only where it may -------------------------------------------------------------


def test_docs_without_output_refuses_outside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs" / "rules").mkdir(parents=True)
    write(tmp_path / "docs" / "rules" / "mine.md", "a page of this repository's own\n")
    monkeypatch.chdir(tmp_path)
    for args in ((), ("--check",)):
        result = aims("docs", *args)
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.splitlines()
        assert line.startswith("aims-policy: error: no --output") and "--output DIR" in line
    assert [p.name for p in (tmp_path / "docs" / "rules").iterdir()] == ["mine.md"]


def test_docs_without_output_works_on_the_projects_own_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From the checkout, and from a folder inside it: the checkout's docs/rules (only read
    here, with --check: writing is what the refusal above is about)."""
    from aims_policy.commands.docs import own_reference

    assert own_reference() == str(ROOT / "docs" / "rules")
    monkeypatch.chdir(ROOT)
    result = aims("docs", "--check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("docs/rules: ") and result.stdout.endswith(" current\n")
    monkeypatch.chdir(ROOT / "manifests")
    result = aims("docs", "--check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("../docs/rules: ")


def test_docs_of_a_pack_needs_an_output_even_in_the_checkout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    result = aims("docs", "--rules", "examples/custom-pack")
    assert result.exit_code == 2
    assert "--output DIR" in result.stderr


# -- 4. colour --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "flag", "coloured"),
    [
        ({}, (), False),  # not a terminal
        ({"FORCE_COLOR": "1"}, (), True),
        ({"FORCE_COLOR": ""}, (), False),  # empty: not set
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, (), False),  # NO_COLOR wins
        ({"FORCE_COLOR": "1", "NO_COLOR": ""}, (), True),  # an empty NO_COLOR does not count
        ({"NO_COLOR": "1"}, ("--color",), True),  # the flag wins
        ({"FORCE_COLOR": "1"}, ("--no-color",), False),
        ({"FORCE_COLOR": "1"}, ("--format", "json"), False),  # colour is for text only
    ],
)
def test_colour_follows_the_flag_then_no_color_then_force_color(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    flag: tuple[str, ...],
    coloured: bool,
) -> None:
    write(tmp_path / "typo.yaml", GOOD)
    monkeypatch.chdir(tmp_path)
    result = aims("check", "--today", TODAY, "typo.yaml", *flag, env={**NEUTRAL, **env})
    assert result.exit_code == 1
    assert (ESC in result.stdout) is coloured, result.stdout
    if coloured:
        assert f"{ESC}31merror{ESC}0m AIMS-SCH-001" in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(
    ("env", "coloured"),
    [({}, True), ({"NO_COLOR": "1"}, False), ({"NO_COLOR": ""}, True), ({"TERM": "dumb"}, False)],
)
def test_on_a_terminal_colour_is_on_unless_no_color(
    tmp_path: Path, env: dict[str, str], coloured: bool
) -> None:
    import pty

    write(tmp_path / "typo.yaml", GOOD)
    primary, secondary = pty.openpty()
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base["TERM"] = "xterm"
    try:
        process = subprocess.Popen(
            [str(SCRIPT), "check", "--no-config", "--today", TODAY, "typo.yaml"],
            cwd=tmp_path,
            env={**base, **env},
            stdout=secondary,
            stderr=subprocess.DEVNULL,
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed: the process is done writing
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 1
    finally:
        os.close(primary)
    text = b"".join(chunks).decode()
    assert "AIMS-SCH-001" in text
    assert (ESC in text) is coloured, text


# -- 5. --quiet and --min-severity ----------------------------------------------------------------

#: GOOD's unknown field (AIMS-SCH-001) made a warning, and a placeholder owner email
#: (AIMS-TODO-001) made a note: one finding of each of two severities.
LEVELS = ("--severity", "AIMS-SCH-001=warning", "--severity", "AIMS-TODO-001=note")


def _two_levels(tmp_path: Path) -> str:
    assert GOOD.count("priya.raman@example.com") == 1
    text = GOOD.replace("priya.raman@example.com", "TODO@example.com")
    write(tmp_path / "two.yaml", text)
    return text


def test_quiet_prints_only_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _two_levels(tmp_path)
    write(tmp_path / "broken.yaml", "apiVersion: aims-policy/v1\nkind: AISystem\nmetadata: [\n")
    monkeypatch.chdir(tmp_path)
    result = aims("check", "--no-config", "--today", TODAY, "-q", "two.yaml")
    assert result.exit_code == 1
    assert summary(result.stdout) == (
        "1 file, 1 system checked: 2 errors, 0 warnings, 0 notes; "
        "rule checks: N not applicable, 0 not evaluated\n"
    )
    # A problem that stopped a check is not a finding: it is still shown (and exits 2).
    both = aims("check", "--no-config", "--today", TODAY, "--quiet", "two.yaml", "broken.yaml")
    assert both.exit_code == 2
    lines = both.stdout.splitlines()
    assert lines[0].startswith("broken.yaml:4:1: error invalid YAML"), lines
    assert lines[-1].startswith("2 files, 1 system checked: 2 errors, 0 warnings, 0 notes; ")
    assert "AIMS-" not in both.stdout


def test_min_severity_keeps_lines_at_and_above_it_and_counts_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _two_levels(tmp_path)
    monkeypatch.chdir(tmp_path)
    base = ("check", "--no-config", "--today", TODAY, *LEVELS, "two.yaml")
    everything = aims(*base)
    assert everything.exit_code == 0  # a warning and a note: nothing fails at --fail-on error
    assert [line.split()[1:3] for line in everything.stdout.splitlines()[:2]] == [
        ["warning", "AIMS-SCH-001"],
        ["note", "AIMS-TODO-001"],
    ]
    warnings = aims(*base, "--min-severity", "warning")
    assert warnings.exit_code == 0
    lines = warnings.stdout.splitlines()
    assert len(lines) == 3 and lines[1] == "", lines
    assert lines[0].startswith(f"two.yaml:{TITEL}:3: warning AIMS-SCH-001 unknown field 'titel'")
    assert summary(lines[2]) == (
        "1 file, 1 system checked: 0 errors, 1 warning, 1 note; rule checks: N not applicable, "
        "0 not evaluated; 1 finding below warning not shown"
    )
    assert line_of(text, "TODO@example.com") != TITEL
    hidden = aims(*base, "--min-severity", "error", "--fail-on", "note")
    assert hidden.exit_code == 1  # --fail-on decides, whatever is shown
    assert summary(hidden.stdout) == (
        "1 file, 1 system checked: 0 errors, 1 warning, 1 note; rule checks: N not applicable, "
        "0 not evaluated; 2 findings below error not shown\n"
    )


# -- 6. rules filters -----------------------------------------------------------------------------


def _listed(*args: str) -> list[dict[str, Any]]:
    result = aims("rules", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    listed: list[dict[str, Any]] = json.loads(result.stdout)
    return listed


def test_rules_select_ignore_and_min_severity_filter_the_list() -> None:
    everything = _listed()
    security = _listed("--select", "tag:security")
    assert security and {r["id"] for r in security} == {
        r["id"] for r in everything if "security" in r["tags"]
    }
    errors = _listed("--select", "tag:security", "--min-severity", "error")
    assert {r["id"] for r in errors} == {r["id"] for r in security if r["severity"] == "error"}
    assert 0 < len(errors) < len(security)
    notes_and_up = _listed("--min-severity", "note")
    assert len(notes_and_up) == len(everything)
    no_notes = _listed("--min-severity", "warning")
    assert {r["severity"] for r in no_notes} == {"error", "warning"}
    # A control pattern, and an id prefix taken out again.
    governance = _listed("--select", "A.6.2.*", "--ignore", "AIMS-VAL")
    assert governance and all(
        any(ref.startswith("A.6.2.") for ref in r["iso42001"]["controls"])
        and not r["id"].startswith("AIMS-VAL-")
        for r in governance
    )


def test_rules_text_says_how_many_were_listed() -> None:
    everything = len(_listed())
    result = aims("rules", "--select", "AIMS-OWN-001")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("AIMS-OWN-001   error    ")
    assert result.stdout.splitlines()[-1] == f"1 of {everything} rules"


def test_a_rules_pattern_that_matches_nothing_is_a_usage_error() -> None:
    result = aims("rules", "--select", "tag:securty")
    assert result.exit_code == 2
    assert result.stderr == (
        "aims-policy: error: --select tag:securty: matches no rule; did you mean tag:security?\n"
    )
    assert result.stdout == ""


# -- 7. shell completion ----------------------------------------------------------------------------


def _completion_script(shell: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_AIMS_POLICY")}
    env["_AIMS_POLICY_COMPLETE"] = f"{shell}_source"
    return subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_produced(shell: str) -> None:
    result = _completion_script(shell)
    assert result.returncode == 0, result.stderr
    assert "_AIMS_POLICY_COMPLETE" in result.stdout and "aims-policy" in result.stdout


@pytest.mark.slow
def test_bash_completes_commands_and_option_values(tmp_path: Path) -> None:
    """The documented line, sourced into a real bash: completing a command name and the values
    of --min-severity, as the shell itself asks."""
    script = tmp_path / "complete.sh"
    script.write_text(_completion_script("bash").stdout, "utf-8")
    probe = (
        f"source {script}\n"
        "COMP_WORDS=(aims-policy ch); COMP_CWORD=1; _aims_policy_completion aims-policy\n"
        'echo "${COMPREPLY[*]}"\n'
        "COMPREPLY=(); COMP_WORDS=(aims-policy check --min-severity ''); COMP_CWORD=3\n"
        '_aims_policy_completion aims-policy; echo "${COMPREPLY[*]}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("_AIMS_POLICY")}
    env["PATH"] = f"{SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["check", "error warning note"]
