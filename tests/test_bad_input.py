"""Bad input through the command line: one clear line naming file:line:col, exit 2 (exit 1 for
schema findings), never a traceback, and every other file of the run still checked.

Most cases run in-process through click's CliRunner; the deep-nesting cases run the installed
console script in a subprocess, because a C-level crash (exit 139) must be seen as an exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from _helpers import GOOD, SCRIPT, TITEL, TODAY, aims, minimal_manifest, summary, write

# GOOD (_helpers.py) is schema-valid with one deliberate, non-blocking schema finding at a known
# place, so that "its findings still appear" is checkable.
GOOD_FINDING = (
    f"good.yaml:{TITEL}:3: error AIMS-SCH-001 unknown field 'titel' in metadata; did you mean 'title'? "
    "(prefix organisation-specific fields with 'x-') [7.5.2]"
)

MINIMAL = minimal_manifest()


class Run:
    def __init__(self, code: int, stdout: str, stderr: str):
        self.code, self.stdout, self.stderr = code, stdout, stderr

    @property
    def lines(self) -> list[str]:
        return (self.stdout + self.stderr).splitlines()

    def about(self, name: str) -> list[str]:
        return [line for line in self.lines if line.startswith(name + ":")]

    def schema(self, name: str) -> list[str]:
        """The schema findings about ``name`` (the rules still run on what they can read)."""
        return [line for line in self.about(name) if " AIMS-SCH-" in line]


def check(*args: str) -> Run:
    result = aims("check", "--today", TODAY, "--no-color", *args)
    return Run(result.exit_code, result.stdout, result.stderr)


def check_subprocess(*args: str) -> Run:
    done = subprocess.run(
        [str(SCRIPT), "check", "--today", TODAY, "--no-color", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    run = Run(done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in run.stdout + run.stderr
    return run


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def one_error(run: Run, name: str, where: str | None, *fragments: str) -> str:
    """Exactly one line names the bad file; it is an error at ``where`` and says what is wrong."""
    lines = run.about(name)
    assert len(lines) == 1, run.lines
    line = lines[0]
    # ``where`` "": a problem with the file as a whole, which has no position to name;
    # None: a position is not asserted
    if where == "":
        prefix = f"{name}: error "
    else:
        prefix = f"{name}:{where}: error " if where else f"{name}:"
    assert line.startswith(prefix), line
    for fragment in fragments:
        assert fragment in line, line
    assert run.code == 2, run.lines
    return line


def good_still_checked(run: Run, files: int = 2, skipped: str = "") -> None:
    """``skipped``: what the summary says of files that were not manifests, e.g. " (1 not a
    manifest)"."""
    assert GOOD_FINDING in run.lines, run.lines
    summary = run.lines[-1]
    plural = "s" if files != 1 else ""
    assert summary.startswith(f"{files} file{plural}{skipped}, 1 system checked: 1 error"), summary
    assert summary.endswith("stopped checks (exit 2)"), summary


# --- syntax -------------------------------------------------------------------------------------


def test_the_good_manifest_alone_exits_1_with_its_finding() -> None:
    run = check("good.yaml")
    assert run.code == 1
    assert GOOD_FINDING in run.lines
    assert summary(run.lines[-1]) == (
        "1 file, 1 system checked: 1 error, 0 warnings, 0 notes; "
        "rule checks: N not applicable, 0 not evaluated"
    )


def test_yaml_syntax_error() -> None:
    write("bad.yaml", "apiVersion: aims-policy/v1\nkind: AISystem\nmetadata: {name: x\nspec: {}\n")
    run = check("bad.yaml", "good.yaml")
    one_error(run, "bad.yaml", "4:5", "invalid YAML", "fix the YAML syntax")
    good_still_checked(run)


def test_duplicate_key_names_the_key_and_both_lines() -> None:
    text = MINIMAL.replace("  name: minimal\n", "  name: minimal\n  name: other\n")
    write("dup.yaml", text)
    run = check("dup.yaml", "good.yaml")
    one_error(
        run, "dup.yaml", "5:3", "duplicate key 'name'", "(first at line 4)", "keep one of them"
    )
    good_still_checked(run)


def test_tab_indentation() -> None:
    write("tabs.yaml", MINIMAL.replace("    stage: design", "\tstage: design"))
    run = check("tabs.yaml")
    one_error(run, "tabs.yaml", "14:1", "indent with spaces: YAML does not allow tabs")


@pytest.mark.parametrize(
    ("value", "where", "fragment"),
    [
        ("!foo minimal", "4:9", "tag '!foo' is not allowed"),
        ("!!python/object/apply:os.system ['touch pwned']", "4:9", "python/object/apply:os.system"),
        ("!!binary aGVsbG8=", "4:9", "tag 'tag:yaml.org,2002:binary' is not allowed"),
    ],
)
def test_tags_are_refused_and_nothing_runs(value: str, where: str, fragment: str) -> None:
    write("tag.yaml", MINIMAL.replace("name: minimal", f"name: {value}"))
    run = check("tag.yaml", "good.yaml")
    one_error(run, "tag.yaml", where, fragment, "manifests are plain data")
    assert not Path("pwned").exists()
    good_still_checked(run)


def test_alias_bomb() -> None:
    lines = [
        "apiVersion: aims-policy/v1",
        "kind: AISystem",
        'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    previous = "a"
    for level in "bcdefghi":
        lines.append(f"x-{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = level
    write("bomb.yaml", "\n".join(lines) + "\n")
    run = check("bomb.yaml", "good.yaml")
    one_error(run, "bomb.yaml", None, "alias bomb", "remove the aliases")
    good_still_checked(run)


@pytest.mark.slow
@pytest.mark.parametrize("depth", [10_000, 200_000])
@pytest.mark.parametrize(
    ("style", "name"), [("flow", "deep.yaml"), ("block", "deep.yaml"), ("json", "deep.json")]
)
def test_deep_nesting_never_crashes(depth: int, style: str, name: str) -> None:
    if style == "flow":
        text, where = "kind: AISystem\nspec: " + "[" * depth + "]" * depth + "\n", "2:70"
    elif style == "block":
        text, where = "kind: AISystem\nspec:\n" + "- " * depth + "x\n", "3:127"
    else:
        text, where = '{"kind": "AISystem", "spec":\n' + "[" * depth + "]" * depth + "}", "2:64"
    write(name, text)
    run = check_subprocess(name, "good.yaml")
    assert run.code == 2, f"exit {run.code}: the loader must bound depth, not crash"
    one_error(run, name, where, "nesting deeper than 64 levels")
    good_still_checked(run)


# --- not text, not a manifest -------------------------------------------------------------------


def test_empty_file() -> None:
    write("empty.yaml", "")
    run = check("empty.yaml", "good.yaml")
    one_error(run, "empty.yaml", "", "the file is empty", "--skip-non-manifests")
    good_still_checked(run)


@pytest.mark.parametrize(
    "raw",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", b"kind: AISystem\n\x00\x00\x00\n"],
)
def test_binary_file(raw: bytes) -> None:
    write("image.yaml", raw)
    run = check("image.yaml", "good.yaml")
    one_error(run, "image.yaml", "", "file is binary, not YAML or JSON text")
    good_still_checked(run)


def test_non_utf8_file() -> None:
    write("latin1.yaml", MINIMAL.replace("name: Ann", "name: Ren\xe9e").encode("latin-1"))
    run = check("latin1.yaml", "good.yaml")
    one_error(run, "latin1.yaml", "7:14", "byte 0xe9 is not valid UTF-8; save the file as UTF-8")
    good_still_checked(run)


def test_scalar_at_the_root() -> None:
    write("scalar.yaml", "just some text\n")
    one_error(
        check("scalar.yaml"),
        "scalar.yaml",
        "1:1",
        "the document is a single value",
        "a manifest is a mapping",
    )


def test_list_at_the_root() -> None:
    write("list.yaml", "- apiVersion: aims-policy/v1\n  kind: AISystem\n")
    run = check("list.yaml", "good.yaml")
    one_error(run, "list.yaml", "1:1", "the document is a list")
    good_still_checked(run)


def test_complex_key() -> None:
    write("complex.yaml", MINIMAL + "  ? [a, b]\n  : value\n")
    one_error(check("complex.yaml"), "complex.yaml", "16:5", "complex (non-scalar) mapping keys")


@pytest.mark.parametrize(
    ("name", "text", "where", "fragment"),
    [
        (
            "nan.yaml",
            "kind: AISystem\nspec:\n  score: .nan\n",
            "3:10",
            ".nan (infinity or NaN) is not allowed",
        ),
        ("inf.yaml", "kind: AISystem\nspec:\n  score: -.inf\n", "3:10", "-.inf (infinity or NaN)"),
        (
            "nan.json",
            '{"kind": "AISystem",\n "spec": {"score": NaN}}',
            "2:20",
            "NaN is not a number in JSON",
        ),
        (
            "inf.json",
            '{"kind": "AISystem",\n "spec": {"score": Infinity}}',
            "2:20",
            "Infinity is not a number in JSON",
        ),
    ],
)
def test_nan_and_infinity(name: str, text: str, where: str, fragment: str) -> None:
    write(name, text)
    run = check(name, "good.yaml")
    one_error(run, name, where, fragment, "write a finite number")
    good_still_checked(run)


def test_a_huge_number_is_refused_not_a_crash() -> None:
    write(
        "huge.yaml",
        MINIMAL + "  logging:\n    enabled: true\n    retentionDays: " + "9" * 5000 + "\n",
    )
    run = check("huge.yaml", "good.yaml")
    one_error(run, "huge.yaml", "18:20", "a number of 5000 characters is not allowed")
    good_still_checked(run)


def test_a_number_that_overflows_to_infinity_is_refused() -> None:
    write("inf.json", '{"kind": "AISystem", "spec": {"score": 1e400}}')
    one_error(check("inf.json"), "inf.json", "1:40", "1e400 is too large to be a number")


def test_a_metric_threshold_of_nan_is_refused_where_a_number_is_expected() -> None:
    text = (
        MINIMAL
        + "  validation:\n    metrics:\n      - id: acc\n        threshold: .NaN\n        comparison: '>='\n"
    )
    write("metric.yaml", text)
    one_error(check("metric.yaml"), "metric.yaml", "19:20", ".NaN (infinity or NaN) is not allowed")


def test_missing_path() -> None:
    run = check("nowhere.yaml", "good.yaml")
    one_error(run, "nowhere.yaml", "", "no such file or directory")
    good_still_checked(run, files=1)


def test_symlink_loops_in_a_directory(in_tmp: Path) -> None:
    write("repo/a/one.yaml", GOOD.replace("name: document-summariser", "name: one"))
    write("repo/b/two.yaml", MINIMAL)
    os.symlink(".", "repo/a/self")
    os.symlink("../b", "repo/a/to-b")
    os.symlink("../a", "repo/b/to-a")
    os.symlink("loop.yaml", "repo/loop.yaml")
    run = check("repo")
    assert run.code == 1, run.lines
    assert any(
        line.startswith(f"repo/a/one.yaml:{TITEL}:3: error AIMS-SCH-001") for line in run.lines
    )
    assert run.lines[-1].startswith("2 files, 2 systems checked: ")


def test_an_explicit_non_manifest_is_an_error_unless_skipped() -> None:
    write("ci.yaml", "jobs:\n  build:\n    runs-on: ubuntu-latest\n")
    write("notes.txt", "kind: AISystem\n")
    run = check("ci.yaml", "notes.txt", "good.yaml")
    one_error(run, "ci.yaml", "", "not an aims-policy manifest: no document has kind: AISystem")
    one_error(run, "notes.txt", "", "it is not a .yaml, .yml or .json file")
    good_still_checked(run, files=3)

    skipped = check("--skip-non-manifests", "ci.yaml", "notes.txt", "good.yaml")
    assert skipped.code == 1
    assert skipped.about("ci.yaml") == [] and skipped.about("notes.txt") == []
    assert GOOD_FINDING in skipped.lines
    # the files skipped as not manifests are counted, never silently dropped
    assert summary(skipped.lines[-1]) == (
        "1 file (2 not manifests), 1 system checked: 1 error, 0 warnings, 0 notes; "
        "rule checks: N not applicable, 0 not evaluated"
    )

    alone = check("--skip-non-manifests", "ci.yaml")
    assert (alone.code, alone.stderr) == (0, "")
    assert alone.lines[-1].startswith("0 files (1 not a manifest), 0 systems checked")


def test_unknown_api_version_is_an_error_never_a_silent_skip() -> None:
    write("v9.yaml", MINIMAL.replace("aims-policy/v1", "aims-policy/v9"))
    run = check("v9.yaml", "good.yaml")
    one_error(
        run,
        "v9.yaml",
        "1:1",
        "apiVersion 'aims-policy/v9' is not one this aims-policy",
        "write apiVersion: aims-policy/v1",
    )
    good_still_checked(run)
    # the same when found by searching a directory, where non-manifests are skipped silently
    write("dir/v9.yaml", MINIMAL.replace("aims-policy/v1", "aims-policy/v9"))
    one_error(check("dir", "--skip-non-manifests"), "dir/v9.yaml", "1:1", "apiVersion")


def test_missing_api_version_is_a_schema_finding() -> None:
    write("noversion.yaml", MINIMAL.replace("apiVersion: aims-policy/v1\n", ""))
    run = check("noversion.yaml")
    assert run.code == 1
    assert run.schema("noversion.yaml") == [
        "noversion.yaml:1:1: error AIMS-SCH-002 the document is missing required field "
        "'apiVersion'; add it [7.5.2]"
    ]
    # the rules still run; only AIMS-TODO-001, which reads every field, reaches the missing one
    assert any(" warning AIMS-RSK-002 the system has no risk register" in x for x in run.lines)
    assert summary(run.lines[-1]) == (
        "1 file, 1 system checked: 1 error, 9 warnings, 0 notes; "
        "rule checks: N not applicable, 1 not evaluated (--why-not RULE says why)"
    )


# --- schema findings are findings, not crashes --------------------------------------------------


@pytest.mark.parametrize("bad", ["2026-13-45", "2026-02-30"])
def test_invalid_calendar_date_is_a_finding_at_the_field(bad: str) -> None:
    write("date.yaml", MINIMAL.replace("lastReview: 2026-01-15", f"lastReview: {bad}"))
    run = check("date.yaml", "good.yaml")
    assert run.code == 1
    assert run.schema("date.yaml") == [
        f'date.yaml:15:5: error AIMS-SCH-003 spec.lifecycle.lastReview is "{bad}", not a '
        "calendar date; write YYYY-MM-DD, e.g. 2026-03-31 [7.5.2]"
    ]
    assert GOOD_FINDING in run.lines
    # the two rules that read the review date are not evaluated; the others are
    assert summary(run.lines[-1]) == (
        "2 files, 2 systems checked: 2 errors, 8 warnings, 0 notes; "
        "rule checks: N not applicable, 2 not evaluated (--why-not RULE says why)"
    )


def test_wrong_types_and_missing_fields_are_findings_at_the_field() -> None:
    text = (
        MINIMAL.replace("    email: ann@example.com\n", "    email: [ann@example.com]\n")
        .replace("riskLevel: low", "riskLevel: 3")
        .replace("    intendedUse: Summarise internal documents\n", "    intendedUsers: [staff]\n")
    )
    write("types.yaml", text)
    run = check("types.yaml")
    assert run.code == 1
    assert run.schema("types.yaml") == [
        'types.yaml:8:5: error AIMS-SCH-003 spec.owner.email must be text, not ["ann@example.com"] [7.5.2]',
        # a missing required field is a gap in its section's control too (A.9.4: intended use)
        "types.yaml:9:3: error AIMS-SCH-002 spec.purpose is missing required field 'intendedUse'; add it [A.9.4, 7.5.2]",
        "types.yaml:12:5: error AIMS-SCH-003 spec.classification.riskLevel is 3, which is not one of: low, medium, high, critical [7.5.2]",
    ]


def test_an_empty_section_is_a_finding() -> None:
    write(
        "empty-section.yaml",
        MINIMAL.replace(
            "  purpose:\n    intendedUse: Summarise internal documents\n", "  purpose:\n"
        ),
    )
    run = check("empty-section.yaml")
    assert run.code == 1
    assert run.schema("empty-section.yaml") == [
        "empty-section.yaml:9:3: error AIMS-SCH-003 spec.purpose must be a mapping, not null [7.5.2]"
    ]


def test_unknown_key_with_did_you_mean() -> None:
    write("typo.yaml", MINIMAL.replace("  owner:", "  ownr:"))
    run = check("typo.yaml", "--format", "json")
    assert run.code == 1
    report = json.loads(run.stdout)
    found = {
        (f["rule"], f["location"]["line"], f["location"]["column"], f["message"])
        for f in report["findings"]
        if f["rule"].startswith("AIMS-SCH-")
    }
    assert found == {
        (
            "AIMS-SCH-001",
            6,
            3,
            "unknown field 'ownr' in spec; did you mean 'owner'? "
            "(prefix organisation-specific fields with 'x-')",
        ),
        ("AIMS-SCH-002", 5, 1, "spec is missing required field 'owner'; add it"),
    }


def test_several_bad_files_and_a_good_one_in_one_run() -> None:
    write("a-syntax.yaml", "kind: AISystem\nspec: [\n")
    write("b-empty.yaml", "")
    write("c-binary.json", b"\x00\x01\x02")
    write("d-date.yaml", MINIMAL.replace("2026-01-15", "2026-13-45"))
    run = check("a-syntax.yaml", "b-empty.yaml", "c-binary.json", "d-date.yaml", "good.yaml")
    assert run.code == 2
    assert list(dict.fromkeys(line.split(":")[0] for line in run.lines[:-1] if line)) == [
        "a-syntax.yaml",
        "b-empty.yaml",
        "c-binary.json",
        "d-date.yaml",
        "good.yaml",
    ]
    assert summary(run.lines[-1]) == (
        "5 files, 2 systems checked: 2 errors, 8 warnings, 0 notes; rule checks: N not "
        "applicable, 2 not evaluated (--why-not RULE says why); 3 problems stopped checks (exit 2)"
    )


# --- two manifests declaring the same system name (cross-manifest rule AIMS-SET-001) -------------


def set_001(run: Run) -> list[str]:
    return [line for line in run.lines if " AIMS-SET-001 " in line]


def test_two_files_declaring_the_same_system_name_report_both_locations() -> None:
    write("one.yaml", MINIMAL)
    write("two.yaml", "# the same system again\n" + MINIMAL)
    run = check("one.yaml", "two.yaml", "good.yaml")
    assert run.code == 1
    assert set_001(run) == [
        "one.yaml:4:3: error AIMS-SET-001 the system name minimal is also used by the manifest at "
        "two.yaml:5:3; give each system a unique `metadata.name` [4.3, 7.5.3]",
        "two.yaml:5:3: error AIMS-SET-001 the system name minimal is also used by the manifest at "
        "one.yaml:4:3; give each system a unique `metadata.name` [4.3, 7.5.3]",
    ]
    assert GOOD_FINDING in run.lines


def test_two_documents_of_one_file_declaring_the_same_name() -> None:
    write("both.yaml", MINIMAL + "---\n" + MINIMAL)
    run = check("both.yaml")
    assert run.code == 1
    assert [line.split(" AIMS-SET-001 ")[0] for line in set_001(run)] == [
        "both.yaml:4:3: error",
        "both.yaml:20:3: error",
    ]


@pytest.mark.slow
def test_duplicate_names_are_found_across_worker_processes() -> None:
    for n in range(60):
        write(f"many/m{n:02d}.yaml", MINIMAL.replace("name: minimal", f"name: system-{n:02d}"))
    write("many/m59.yaml", MINIMAL.replace("name: minimal", "name: system-07"))
    run = check("-j", "2", "many")
    assert run.code == 1
    assert [line.split(": error")[0] for line in set_001(run)] == [
        "many/m07.yaml:4:3",
        "many/m59.yaml:4:3",
    ]
    assert run.lines[-1].startswith("60 files, 60 systems checked: 2 errors")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_manifest_saved_as_utf16_is_reported_named_or_found(encoding: str) -> None:
    write("wide.yaml", MINIMAL.encode(encoding))
    name = encoding.upper()
    one_error(
        check("wide.yaml"), "wide.yaml", "1:1", f"file is encoded as {name}; save it as UTF-8"
    )
    write("dir/wide.yaml", MINIMAL.encode(encoding))
    run = check("dir", "good.yaml")
    one_error(run, "dir/wide.yaml", "1:1", f"file is encoded as {name}")
    good_still_checked(run)


def test_an_unforeseen_failure_on_one_file_does_not_end_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: whatever the loader or validator misses must not become a traceback."""
    import aims_policy.intake

    real = aims_policy.intake.load_bytes

    def fragile(raw: bytes, file: str, **kwargs: bool) -> object:
        if file == "trigger.yaml":
            raise ValueError("simulated")
        return real(raw, file, **kwargs)

    monkeypatch.setattr(aims_policy.intake, "load_bytes", fragile)
    write("trigger.yaml", MINIMAL)
    run = check("trigger.yaml", "good.yaml")
    one_error(run, "trigger.yaml", "", "aims-policy failed on this file: ValueError: simulated")
    good_still_checked(run)


@pytest.mark.parametrize(
    "content",
    ["x: {{ .Values.image }}\n", "a: [1, 2\n", b"\x89PNG\r\n\x1a\n\x00\x00", b"caf\xe9: 1\n"],
)
def test_skip_non_manifests_skips_unreadable_files_that_are_not_manifests(
    content: str | bytes,
) -> None:
    """A pre-commit hook passes every YAML file of a commit: a Helm template or a broken config
    that never mentions AISystem is not ours to judge."""
    write("chart.yaml", content)
    run = check("--skip-non-manifests", "chart.yaml", "good.yaml")
    assert run.code == 1, run.lines
    assert run.about("chart.yaml") == []
    assert GOOD_FINDING in run.lines
    # without the flag a named file that cannot be read is an error
    one_error(check("chart.yaml"), "chart.yaml", None)


def test_skip_non_manifests_still_reports_a_broken_manifest() -> None:
    write("broken.yaml", MINIMAL.replace("  name: minimal\n", "  name: [minimal\n"))
    run = check("--skip-non-manifests", "broken.yaml", "good.yaml")
    one_error(run, "broken.yaml", None, "invalid YAML")
    good_still_checked(run)


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        (
            MINIMAL.replace("kind: AISystem", "kind: AiSystem"),
            "2:1",
            "but kind 'AiSystem' is not a kind",
        ),
        (MINIMAL.replace("kind: AISystem\n", ""), "1:1", "but no kind; write kind: AISystem"),
    ],
)
def test_a_misspelt_or_missing_kind_is_never_a_silent_skip(
    text: str, where: str, fragment: str
) -> None:
    """The apiVersion says the document is ours: found in a directory, or named under
    --skip-non-manifests, it is reported, not passed over as someone else's YAML."""
    write("dir/typo.yaml", text)
    write(
        "dir/workflow.yaml", "uses: aims-policy/aims-policy@v1\nwith: [\n"
    )  # not ours, and broken
    for args in (("dir",), ("--skip-non-manifests", "dir/typo.yaml", "dir/workflow.yaml")):
        run = check(*args, "good.yaml")
        one_error(
            run, "dir/typo.yaml", where, "the document has apiVersion 'aims-policy/v1'", fragment
        )
        assert run.about("dir/workflow.yaml") == []
        good_still_checked(run, files=2, skipped=" (1 not a manifest)")
