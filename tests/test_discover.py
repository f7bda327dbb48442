"""Discovery: which files a check looks at, in which order, and what it refuses to walk into."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _helpers import aims, minimal_manifest, write

from aims_policy.api import check
from aims_policy.discover import Candidate, discover, scan


def manifest(path: Path, name: str) -> Path:
    return write(path, minimal_manifest(name, last_review=None))


def shown(candidates: list[Candidate]) -> list[str]:
    return [c.display for c in candidates]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    manifest(root / "systems" / "b.yaml", "b")
    manifest(root / "systems" / "deep" / "er" / "a.yml", "a")
    write(root / "systems" / "c.json", '{"kind": "AISystem", "apiVersion": "aims-policy/v1"}')
    manifest(root / "top.yaml", "top")
    write(root / "notes.txt", "kind: AISystem\n")  # not a YAML/JSON name: never looked at
    manifest(root / ".git" / "x.yaml", "git")
    manifest(root / ".hidden" / "x.yaml", "hidden")
    manifest(root / "node_modules" / "pkg" / "x.yaml", "node")
    manifest(root / "somevenv" / "lib" / "x.yaml", "venv")
    write(root / "somevenv" / "pyvenv.cfg", "home = /usr/bin\n")
    manifest(root / ".venv" / "lib" / "x.yaml", "dotvenv")
    write(root / ".venv" / "pyvenv.cfg", "home = /usr/bin\n")
    manifest(root / "sub" / "venv" / "x.yaml", "venv-by-name")
    manifest(root / "sub" / ".github" / "workflows" / "x.yaml", "workflow")
    return root


def test_directories_are_searched_recursively_and_hidden_and_venv_dirs_skipped(tree: Path) -> None:
    candidates, problems = discover([str(tree)], cwd=str(tree.parent))
    assert problems == []
    # a folder merely called `venv` (no pyvenv.cfg) is searched like any other
    assert shown(candidates) == [
        "repo/sub/venv/x.yaml",
        "repo/systems/b.yaml",
        "repo/systems/c.json",
        "repo/systems/deep/er/a.yml",
        "repo/top.yaml",
    ]
    assert not any(c.explicit for c in candidates)


def test_order_is_sorted_and_independent_of_argument_order(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    cwd = str(tree)
    one, _ = discover(["top.yaml", "systems"], cwd=cwd)
    two, _ = discover([str(tree / "systems"), str(tree / "top.yaml")], cwd=cwd)
    assert (
        shown(one)
        == shown(two)
        == [
            "systems/b.yaml",
            "systems/c.json",
            "systems/deep/er/a.yml",
            "top.yaml",
        ]
    )


def test_explicitly_named_files_are_always_loaded(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    cwd = str(tree)
    names = [".git/x.yaml", "node_modules/pkg/x.yaml", "notes.txt", "somevenv/lib/x.yaml"]
    candidates, problems = discover(names, cwd=cwd)
    assert problems == []
    assert shown(candidates) == names
    assert all(c.explicit for c in candidates)


def test_an_explicitly_named_skipped_directory_is_searched(tree: Path) -> None:
    candidates, _ = discover([str(tree / ".hidden")], cwd=str(tree))
    assert shown(candidates) == [".hidden/x.yaml"]


def test_the_same_file_through_two_paths_is_checked_once(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    os.symlink(tree / "systems" / "b.yaml", tree / "link-to-b.yaml")
    cwd = str(tree)
    candidates, _ = discover(
        ["systems", "systems/b.yaml", "./systems/b.yaml", str(tree / "systems" / "b.yaml"), "."],
        cwd=cwd,
    )
    assert shown(candidates) == [
        "sub/venv/x.yaml",
        "systems/b.yaml",
        "systems/c.json",
        "systems/deep/er/a.yml",
        "top.yaml",
    ]
    # the named file wins over the same file found by searching (and over a link to it)
    assert [c.explicit for c in candidates] == [False, True, False, False, False]


def test_a_file_found_through_a_link_and_directly_is_shown_by_its_real_name(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    os.symlink(tree / "systems" / "deep" / "er" / "a.yml", tree / "a-link.yaml")
    candidates, _ = discover(["."], cwd=str(tree))
    assert "systems/deep/er/a.yml" in shown(candidates)
    assert "a-link.yaml" not in shown(candidates)


def test_symlink_loops_terminate_and_other_files_are_still_found(tmp_path: Path) -> None:
    root = tmp_path / "loops"
    manifest(root / "a" / "m.yaml", "m")
    manifest(root / "b" / "n.yaml", "n")
    os.symlink("..", root / "a" / "up")  # a directory containing a link to its parent
    os.symlink(".", root / "b" / "self")  # ... to itself
    os.symlink("../b", root / "a" / "to-b")  # a -> b -> a
    os.symlink("../a", root / "b" / "to-a")
    os.symlink("loop.yaml", root / "loop.yaml")  # a file link to itself
    os.symlink("missing.yaml", root / "dangling.yaml")
    candidates, problems = discover([str(root)], cwd=str(tmp_path))
    assert problems == []
    assert shown(candidates) == ["loops/a/m.yaml", "loops/b/n.yaml"]


def test_missing_paths_and_link_loops_named_explicitly_are_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    manifest(tmp_path / "ok.yaml", "ok")
    os.symlink("loop.yaml", tmp_path / "loop.yaml")
    candidates, problems = discover(["nope.yaml", "loop.yaml", "ok.yaml"], cwd=str(tmp_path))
    assert shown(candidates) == ["ok.yaml"]
    assert [str(p) for p in problems] == [
        "nope.yaml: nope.yaml: no such file or directory; check the path",
        "loop.yaml: loop.yaml: a symbolic link loop; check the path",
    ]


def test_yaml_files_without_kind_aisystem_are_skipped_silently(tmp_path: Path) -> None:
    root = tmp_path / "r"
    manifest(root / "m.yaml", "m")
    write(root / "ci.yaml", "jobs:\n  test:\n    runs-on: ubuntu-latest\n")
    write(root / "package.json", '{"name": "x"}')
    write(root / "broken.yaml", "a: [1,\n")  # not a manifest, so not our business either
    write(root / "values.yml", "- 1\n- 2\n")
    report = check([str(root)], today="2026-11-22", cwd=str(tmp_path))
    assert report.notifications == ()
    assert report.files == ("r/m.yaml",)
    assert [s.name for s in report.systems] == ["m"]
    assert report.exit_code == 0


def test_a_searched_file_that_declares_aisystem_but_is_broken_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "r"
    write(root / "bad.yaml", "kind: AISystem\nmetadata: [\n")
    report = check([str(root)], today="2026-11-22", cwd=str(tmp_path))
    assert len(report.notifications) == 1
    assert str(report.notifications[0]).startswith("r/bad.yaml:3:1: invalid YAML")
    assert report.exit_code == 2


def test_paths_outside_the_working_directory_are_shown_absolute(tmp_path: Path) -> None:
    path = manifest(tmp_path / "elsewhere" / "m.yaml", "m")
    inside = tmp_path / "cwd"
    inside.mkdir()
    candidates, _ = discover([str(path)], cwd=str(inside))
    assert shown(candidates) == [path.as_posix()]


def test_upper_case_extensions_are_manifests_too(tmp_path: Path) -> None:
    manifest(tmp_path / "found" / "LOUD.YAML", "loud")
    named = manifest(tmp_path / "Named.Yml", "named")
    found, problems = discover([str(tmp_path / "found")], str(tmp_path))
    assert shown(found) == ["found/LOUD.YAML"] and problems == []
    report = check([str(tmp_path / "found"), str(named)], today="2026-11-22", cwd=str(tmp_path))
    assert sorted(s.name for s in report.systems) == ["loud", "named"]
    assert report.notifications == ()


def test_the_directory_prefilter_knows_both_kinds_in_every_unicode_encoding() -> None:
    from aims_policy.intake import _KIND_MARKS

    encodings = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    expected = tuple(k.encode(e) for k in ("AISystem", "AIManagementSystem") for e in encodings)
    assert expected == _KIND_MARKS


def test_an_unreadable_subdirectory_is_reported_not_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root here, where permissions do not stop reading: simulate the refusal.
    manifest(tmp_path / "ok" / "a.yaml", "a")
    locked = tmp_path / "locked"
    manifest(locked / "b.yaml", "b")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.abspath(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found, problems = discover([str(tmp_path)], str(tmp_path))
    assert shown(found) == ["ok/a.yaml"]
    assert [str(p) for p in problems] == [
        "locked: cannot read directory locked: Permission denied; check its permissions"
    ]


# --- no folder skipped by name; what git ignores is left out -----------------------------------


def test_a_manifest_under_vendor_third_party_build_or_dist_is_found(tmp_path: Path) -> None:
    root = tmp_path / "ai-systems"
    for folder in ("vendor", "third_party", "build", "dist", "env"):
        manifest(root / folder / "bought.yaml", folder)
    candidates, problems = discover([str(root)], cwd=str(tmp_path))
    assert problems == []
    assert shown(candidates) == [
        f"ai-systems/{folder}/bought.yaml"
        for folder in ("build", "dist", "env", "third_party", "vendor")
    ]
    report = check([str(root)], today="2026-11-22", cwd=str(tmp_path))
    assert len(report.systems) == 5


def git_tree(tmp_path: Path) -> Path:
    """A work tree (``.git`` is enough to mark one) with root and nested ignore files."""
    root = tmp_path / "repo"
    (root / ".git" / "info").mkdir(parents=True)
    write(root / ".git" / "info" / "exclude", "# local\nscratch/\n")
    write(root / ".gitignore", "generated/\n*.tmp.yaml\n/top-only.yaml\n")
    write(root / "systems" / ".gitignore", "drafts/\n*.yaml\n!keep.yaml\n!wanted/\n")
    for name in (
        "generated/g.yaml",  # ignored folder (root .gitignore): never walked into
        "scratch/s.yaml",  # .git/info/exclude
        "a.tmp.yaml",
        "sub/b.tmp.yaml",  # a pattern without a slash matches at any depth
        "top-only.yaml",  # anchored: only at the top
        "sub/top-only.yaml",
        "systems/drafts/d.yaml",
        "systems/x.yaml",  # *.yaml in systems/.gitignore
        "systems/keep.yaml",  # ... re-included by negation
        "systems/wanted/w.json",  # not a .yaml: the nested patterns do not touch it
        "systems/generated/n.yaml",  # the root's `generated/` applies at any depth
        "main.yaml",
    ):
        manifest(root / name, name.replace("/", "-").replace(".", "-"))
    return root


def test_gitignore_files_nested_and_negated_and_info_exclude_are_honoured(
    tmp_path: Path,
) -> None:
    root = git_tree(tmp_path)
    found = scan([str(root)], cwd=str(root))
    assert found.problems == []
    assert shown(found.candidates) == [
        "main.yaml",
        "sub/top-only.yaml",
        "systems/keep.yaml",
        "systems/wanted/w.json",
    ]
    # generated/, scratch/, systems/drafts/, systems/generated/ (folders) and a.tmp.yaml,
    # sub/b.tmp.yaml, top-only.yaml, systems/x.yaml (files)
    assert found.ignored == 8
    assert found.skipped == 1  # .git


def test_a_file_in_an_ignored_folder_cannot_be_re_included_as_with_git(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / ".gitignore", "vendor/\n!vendor/keep.yaml\n")
    manifest(root / "vendor" / "keep.yaml", "keep")
    manifest(root / "main.yaml", "main")
    assert shown(discover([str(root)], cwd=str(root))[0]) == ["main.yaml"]


def test_the_ignore_files_above_a_searched_folder_apply_up_to_the_work_tree(
    tmp_path: Path,
) -> None:
    root = git_tree(tmp_path)
    # searching systems/ alone: the root's patterns and systems/.gitignore both apply
    found = scan([str(root / "systems")], cwd=str(root))
    assert shown(found.candidates) == ["systems/keep.yaml", "systems/wanted/w.json"]


def test_files_and_folders_named_on_the_command_line_are_checked_ignored_or_not(
    tmp_path: Path,
) -> None:
    root = git_tree(tmp_path)
    named = ["a.tmp.yaml", "systems/x.yaml", "generated"]
    candidates, _ = discover([str(root / n) for n in named], cwd=str(root))
    assert shown(candidates) == ["a.tmp.yaml", "generated/g.yaml", "systems/x.yaml"]
    assert [c.explicit for c in candidates] == [True, False, True]


def test_outside_a_work_tree_the_gitignore_files_of_the_searched_folder_apply(
    tmp_path: Path,
) -> None:
    root = tmp_path / "plain"
    write(root / ".gitignore", "old/\n")
    manifest(root / "old" / "o.yaml", "old")
    manifest(root / "new" / "n.yaml", "new")
    assert shown(discover([str(root)], cwd=str(root))[0]) == ["new/n.yaml"]


# --- a search that finds no manifest ----------------------------------------------------------


def test_a_search_that_finds_no_manifest_exits_2_saying_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "ai-systems" / ".gitignore", "generated/\n*.bak.yaml\n")
    manifest(root / "ai-systems" / "generated" / "m.yaml", "generated")
    manifest(root / "ai-systems" / "old.bak.yaml", "old")
    for name in ("ci.yaml", "values.yml", "package.json"):
        write(root / "ai-systems" / "x" / name, "name: not a manifest\n")
    monkeypatch.chdir(root)
    done = aims("check", "--no-config", "ai-systems", "--today", "2026-11-22")
    assert done.exit_code == 2
    assert done.stdout == ""
    assert done.stderr == (
        "aims-policy: error: no manifest found in ai-systems (3 files looked at: 3 not "
        "manifests; 2 ignored by .gitignore); name manifests, or allow an empty result with "
        "--allow-empty (configuration: allow-empty: true)\n"
    )
    allowed = aims("check", "--no-config", "ai-systems", "--today", "2026-11-22", "--allow-empty")
    assert allowed.exit_code == 0, allowed.stdout + allowed.stderr
    assert allowed.stdout.splitlines()[-1].startswith("0 files (3 not manifests), 0 systems")
    write(root / ".aims-policy.yaml", "allow-empty: true\n")
    assert aims("check", "ai-systems", "--today", "2026-11-22").exit_code == 0
    # the library gives the same verdict
    report = check(["ai-systems"], today="2026-11-22", cwd=str(root))
    assert report.exit_code == 2
    assert [n.code for n in report.notifications] == ["no-manifest"]


def test_an_empty_folder_likewise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden").mkdir()
    monkeypatch.chdir(tmp_path)
    done = aims("check", "--no-config", "empty")
    assert done.exit_code == 2
    assert done.stderr.startswith(
        "aims-policy: error: no manifest found in empty (0 files looked at; "
        "1 hidden, virtualenv or node_modules folder skipped); name manifests"
    )
    assert aims("check", "--no-config", "empty", "--allow-empty").exit_code == 0
    # machine-readable formats carry the problem in the report itself
    as_json = aims("check", "--no-config", "empty", "--format", "json")
    assert as_json.exit_code == 2
    assert '"code": "no-manifest"' in as_json.stdout


def test_include_and_exclude_are_counted_and_named_files_are_not_a_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest(tmp_path / "systems" / "drafts" / "d.yaml", "d")
    write(tmp_path / ".aims-policy.yaml", "exclude: [drafts]\n")
    write(tmp_path / "ci.yaml", "name: not a manifest\n")
    monkeypatch.chdir(tmp_path)
    done = aims("check", "systems")
    assert done.exit_code == 2
    assert "(0 files looked at; 1 left out by include/exclude)" in done.stderr
    write(tmp_path / "systems" / "ci.yaml", "name: not a manifest\n")
    assert "(1 file looked at: 1 not a manifest; 1 left out" in aims("check", "systems").stderr
    # a file named on the command line is not a search: a hook passing a non-manifest passes
    assert aims("check", "--skip-non-manifests", "ci.yaml").exit_code == 0


def test_a_gitignore_line_git_cannot_read_is_passed_over_and_the_others_kept(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    write(root / ".gitignore", "!\n\\\n[z-a]\nold/\n")
    manifest(root / "old" / "o.yaml", "old")
    manifest(root / "new" / "n.yaml", "new")
    assert shown(discover([str(root)], cwd=str(root))[0]) == ["new/n.yaml"]
