"""Evidence and git, on real repositories: AIMS-EVD-003 (a cited file that exists must be in the
index) and hook mode (`check --changed`: a change that deletes or renames a cited file checks the
manifests that cite it). Expected lines are read off the test manifests by hand (`line_of`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _helpers import TODAY, aims, minimal_manifest

from aims_policy import check
from aims_policy.options import Options

# Every test runs git.
pytestmark = pytest.mark.slow

REFS = "    requirementsRef: docs/tracked.md\n"
MORE = """\
  transparency:
    modelCardRef: docs/untracked.md
    technicalDocumentationRef: private/ignored.md
"""


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def clean_env() -> dict[str, str]:
    # A test run from inside a git hook inherits GIT_DIR, GIT_INDEX_FILE...
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    git(path, "config", "user.name", "Test")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def manifest_text(name: str, refs: str = REFS, more: str = "") -> str:
    return (
        minimal_manifest(name, last_review=None).replace(
            "    intendedUse: Summarise internal documents\n",
            "    intendedUse: Summarise internal documents\n" + refs,
        )
        + more
    )


def line_of(text: str, fragment: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(lines) == 1, f"{fragment!r} occurs on lines {lines}"
    return lines[0]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose manifest cites a tracked, an untracked and an ignored file."""
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    repo = new_repo(tmp_path / "repo")
    write(repo / ".gitignore", "private/\n")
    write(repo / "docs" / "tracked.md", "evidence\n")
    write(repo / "docs" / "untracked.md", "evidence\n")
    write(repo / "private" / "ignored.md", "evidence\n")
    write(repo / "system.yaml", manifest_text("tracking-demo", REFS, MORE))
    git(repo, "add", ".gitignore", "docs/tracked.md", "system.yaml")
    monkeypatch.chdir(repo)
    return repo


def evd3(report: object) -> list[tuple[int, str]]:
    return sorted(
        (f.location.line, f.message)
        for f in report.findings  # type: ignore[attr-defined]
        if f.rule_id == "AIMS-EVD-003"
    )


def status_of(report: object, rule_id: str) -> tuple[str, str] | None:
    for result in report.results:  # type: ignore[attr-defined]
        if result.rule_id == rule_id:
            return result.status, result.reason
    return None


EVIDENCE_RULES = Options(select=("AIMS-EVD",))


def test_untracked_and_ignored_evidence_are_findings_at_their_references(repo: Path) -> None:
    text = (repo / "system.yaml").read_text("utf-8")
    report = check(["system.yaml"], options=EVIDENCE_RULES, today=TODAY, cwd=str(repo))
    found = evd3(report)
    assert [line for line, _ in found] == [
        line_of(text, "docs/untracked.md"),
        line_of(text, "private/ignored.md"),
    ]
    untracked, ignored = (message for _, message in found)
    assert "not tracked by git" in untracked and "`git add docs/untracked.md`" in untracked
    assert "ignored by git" in ignored and "`git add -f private/ignored.md`" in ignored
    assert report.exit_code == 1

    # Staged, both pass; CI's clone would now hold them.
    git(repo, "add", "docs/untracked.md")
    git(repo, "add", "-f", "private/ignored.md")
    report = check(["system.yaml"], options=EVIDENCE_RULES, today=TODAY, cwd=str(repo))
    assert evd3(report) == [] and report.exit_code == 0


def test_a_file_reached_through_a_linked_folder_and_the_work_tree_itself_count_as_tracked(
    repo: Path,
) -> None:
    (repo / "linked").symlink_to("docs", target_is_directory=True)
    git(repo, "add", "linked")
    write(
        repo / "system.yaml",
        manifest_text(
            "linked",
            "    requirementsRef: linked/tracked.md\n",
            "  transparency:\n    modelCardRef: .\n",  # the work tree as a whole
        ),
    )
    report = check(["system.yaml"], today=TODAY, cwd=str(repo))
    assert evd3(report) == []
    assert status_of(report, "AIMS-EVD-003") is None  # applicable and passed


def test_outside_a_git_work_tree_the_rule_does_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plain"
    write(folder / "docs" / "tracked.md", "evidence\n")
    write(folder / "system.yaml", manifest_text("plain", "    requirementsRef: docs/tracked.md\n"))
    monkeypatch.chdir(folder)
    report = check(["system.yaml"], today=TODAY, cwd=str(folder))
    status, reason = status_of(report, "AIMS-EVD-003") or ("", "")
    assert status == "not_applicable" and "git work tree" in reason
    result = aims("check", "system.yaml", "--today", TODAY, "--why-not", "AIMS-EVD-003")
    assert result.exit_code == 0, result.stdout
    assert "in_git_work_tree = false" in result.stdout


def test_without_git_the_rule_is_not_evaluated_and_says_why(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = aims(
        "check",
        "system.yaml",
        "--today",
        TODAY,
        "--select",
        "AIMS-EVD",
        "--why-not",
        "AIMS-EVD-003",
    )
    assert result.exit_code == 0, result.stdout  # nothing else is wrong; nothing was judged
    assert "1 not evaluated" in result.stdout
    assert "git is not installed" in result.stdout


def test_a_hooks_git_variables_do_not_redirect_the_question(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook inherits GIT_DIR and GIT_INDEX_FILE from the git that runs it: they name that
    repository, and must not answer for the manifest's own."""
    other = new_repo(tmp_path / "other")
    write(other / "docs" / "untracked.md", "x\n")
    write(other / "private" / "ignored.md", "x\n")
    git(other, "add", "-f", ".")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    report = check(["system.yaml"], today=TODAY, cwd=str(repo))
    assert len(evd3(report)) == 2


def test_the_index_a_commit_hands_its_hook_is_the_one_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`git commit -a` and `git commit PATH` give their hook a temporary index of the same
    repository (relative to the work tree, as git writes it for a plain commit)."""
    env = {**clean_env(), "GIT_INDEX_FILE": ".git/next-index.lock"}
    shutil.copy(repo / ".git" / "index", repo / ".git" / "next-index.lock")
    git(repo, "add", "docs/untracked.md", env=env)
    git(repo, "add", "-f", "private/ignored.md", env=env)
    assert len(evd3(check(["system.yaml"], today=TODAY, cwd=str(repo)))) == 2
    monkeypatch.setenv("GIT_INDEX_FILE", ".git/next-index.lock")
    assert evd3(check(["system.yaml"], today=TODAY, cwd=str(repo))) == []


# -- hook mode: check --changed ------------------------------------------------------------------


@pytest.fixture
def committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed repository: ai/a.yaml cites docs/a.md, ai/b.yaml cites docs/b.md, and
    elsewhere/c.yaml (outside the configuration's paths) cites docs/a.md too."""
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    repo = new_repo(tmp_path / "repo")
    write(repo / "docs" / "a.md", "a\n")
    write(repo / "docs" / "b.md", "b\n")
    write(repo / "ai" / "a.yaml", manifest_text("a", "    requirementsRef: ../docs/a.md\n"))
    write(repo / "ai" / "b.yaml", manifest_text("b", "    requirementsRef: ../docs/b.md\n"))
    write(repo / "elsewhere" / "c.yaml", manifest_text("c", "    requirementsRef: ../docs/a.md\n"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    monkeypatch.chdir(repo)
    return repo


def changed(*paths: str, search: tuple[str, ...] = (), root: str | None = None) -> object:
    options = Options(changed=True, search=search, root=root)
    return check(list(paths), options=options, today=TODAY)


def evd1(report: object) -> list[tuple[str, int]]:
    return sorted(
        (f.location.file, f.location.line)
        for f in report.findings  # type: ignore[attr-defined]
        if f.rule_id == "AIMS-EVD-001"
    )


def test_a_staged_deletion_checks_every_manifest_that_cites_the_file(committed: Path) -> None:
    text = (committed / "ai" / "a.yaml").read_text("utf-8")
    nothing = changed()
    assert nothing.files == () and nothing.exit_code == 0  # type: ignore[attr-defined]
    git(committed, "rm", "-q", "docs/a.md")
    report = changed()  # no file named: what git's index deletes is the change
    line = line_of(text, "../docs/a.md")
    assert evd1(report) == [("ai/a.yaml", line), ("elsewhere/c.yaml", line)]
    assert report.files == ("ai/a.yaml", "elsewhere/c.yaml")  # type: ignore[attr-defined]
    assert report.exit_code == 1  # type: ignore[attr-defined]
    # Only where the configuration says manifests are.
    assert evd1(changed(search=("ai",))) == [("ai/a.yaml", line)]


def test_a_rename_blocks_until_the_manifest_follows(committed: Path) -> None:
    git(committed, "mv", "docs/b.md", "docs/b-v2.md")
    assert evd1(changed("docs/b-v2.md")) == [
        ("ai/b.yaml", line_of((committed / "ai" / "b.yaml").read_text("utf-8"), "docs/b.md"))
    ]
    manifest = committed / "ai" / "b.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("docs/b.md", "docs/b-v2.md"))
    git(committed, "add", "ai/b.yaml")
    report = changed("ai/b.yaml", "docs/b-v2.md")
    assert evd1(report) == [] and report.exit_code == 0  # type: ignore[attr-defined]
    assert report.files == ("ai/b.yaml",)  # type: ignore[attr-defined]


def test_a_named_deleted_file_is_looked_up_outside_git_too(
    committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plain hook runs in an export of the index (no git there) and names the deleted files
    itself; a file other manifests merely mention is no citation."""
    export = tmp_path / "export"
    shutil.copytree(committed, export, ignore=shutil.ignore_patterns(".git"))
    (export / "docs" / "a.md").unlink()
    write(export / "notes.yaml", "about: docs/a.md is the old requirements file\n")
    monkeypatch.chdir(export)
    report = changed("docs/a.md", root=".")  # as the plain hook runs it: --root .
    assert [f for f, _ in evd1(report)] == ["ai/a.yaml", "elsewhere/c.yaml"]
    assert "notes.yaml" not in report.files  # type: ignore[attr-defined]
    # Modifying a file breaks no citation: nothing is looked up.
    assert changed("docs/b.md", root=".").files == ()  # type: ignore[attr-defined]


def test_the_command_line_takes_the_change_and_the_configurations_paths(committed: Path) -> None:
    write(committed / ".aims-policy.yaml", "paths: [ai]\n")
    git(committed, "rm", "-q", "docs/a.md")
    result = aims("check", "--changed", "--today", TODAY)
    assert result.exit_code == 1, result.stdout
    assert "ai/a.yaml:" in result.stdout and "elsewhere/c.yaml" not in result.stdout
    assert "AIMS-EVD-001" in result.stdout


def test_when_git_cannot_list_the_deletions_the_hook_stops_with_one_line(
    committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deletion nobody could see would pass unnoticed: exit 2, never a silent pass."""
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = aims("check", "--changed", "ai/a.yaml", "--today", TODAY)
    assert result.exit_code == 2, result.stdout
    problem = [line for line in result.stdout.splitlines() if "commit deletes" in line]
    assert len(problem) == 1 and "git is not installed" in problem[0], result.stdout


def test_a_search_area_that_cannot_be_searched_is_a_problem(committed: Path) -> None:
    write(committed / ".aims-policy.yaml", "paths: [ai, gone-folder]\n")
    git(committed, "rm", "-q", "docs/b.md")
    result = aims("check", "--changed", "--today", TODAY)
    assert result.exit_code == 2, result.stdout
    assert "gone-folder: no such file or directory" in result.stdout + result.stderr
