"""The evidence rules (AIMS-EVD-*) on a real file system: references are resolved against the
manifest's folder and must stay inside the repository. Their fixture cases run in
test_rule_fixtures.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _helpers import TODAY, aims, minimal_manifest

from aims_policy import check


def test_evidence_rules_on_disk(tmp_path: Path) -> None:
    """Missing files, absolute paths, `..` escapes and symbolic links out of the repository, each
    reported at the field that holds the reference; an existing file inside passes."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / "docs" / "ok.md").write_text("evidence\n")
    outside = tmp_path / "outside.md"
    outside.write_text("not under version control\n")
    (repo / "docs" / "link.md").symlink_to(outside)
    manifest = repo / "system.yaml"
    manifest.write_text("""\
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: evidence-demo
spec:
  owner: {name: Ada Example, email: ada@example.com}
  purpose: {intendedUse: Demonstrate evidence checks, requirementsRef: docs/ok.md}
  classification: {riskLevel: low}
  lifecycle: {stage: design}
  transparency:
    instructionsForUseRef: docs/missing.md
    modelCardRef: /etc/hostname
    technicalDocumentationRef: ../outside.md
    designDocumentationRef: docs/link.md
""")
    report = check([str(manifest)], today=TODAY, cwd=str(repo))
    got = sorted(
        (f.rule_id, f.location.line, f.ident)
        for f in report.findings
        if f.rule_id.startswith("AIMS-EVD-")
    )
    assert got == [
        ("AIMS-EVD-001", 11, "spec.transparency.instructionsForUseRef"),
        ("AIMS-EVD-002", 12, "spec.transparency.modelCardRef"),
        ("AIMS-EVD-002", 13, "spec.transparency.technicalDocumentationRef"),
        ("AIMS-EVD-002", 14, "spec.transparency.designDocumentationRef"),
    ]
    missing = next(f for f in report.findings if f.rule_id == "AIMS-EVD-001")
    assert (
        "evidence file docs/missing.md does not exist relative to the manifest" in missing.message
    )


def test_outside_a_git_repository_the_verdict_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The root is the git work tree containing the manifest, else --root, else the manifest's
    own folder; never the working directory. Checked from its parent folder or from its own,
    as a file or as a folder, a manifest gets the same findings."""
    parent = tmp_path / "parent"
    (parent / "evidence").mkdir(parents=True)
    (parent / "evidence" / "doc.md").write_text("evidence\n")
    (parent / "sub" / "docs").mkdir(parents=True)
    (parent / "sub" / "docs" / "ok.md").write_text("evidence\n")
    manifest = parent / "sub" / "m.yaml"
    manifest.write_text(
        minimal_manifest("rooted", last_review=None).replace(
            "    intendedUse: Summarise internal documents\n",
            "    intendedUse: Summarise internal documents\n"
            "    requirementsRef: docs/ok.md\n"
            "    designDocumentationRef: ../evidence/doc.md\n",
        )
    )
    assert not any((d / ".git").exists() for d in (tmp_path, *tmp_path.parents))

    def evidence(cwd: Path, *args: str) -> list[tuple[str, str]]:
        monkeypatch.chdir(cwd)
        done = aims("check", "--no-config", "--today", TODAY, "--format", "json", *args)
        findings = json.loads(done.stdout)["findings"]
        return sorted(
            (f["rule"], f["identity"]["path"]) for f in findings if f["rule"].startswith("EVD", 5)
        )

    escapes = [("AIMS-EVD-002", "spec.purpose.designDocumentationRef")]
    # from the parent folder and from the manifest's own, named as a file or as a folder
    assert evidence(parent, "sub/m.yaml") == escapes
    assert evidence(parent, "sub") == escapes
    assert evidence(parent / "sub", "m.yaml") == escapes
    assert evidence(parent / "sub", ".") == escapes
    # an explicit root: the same from both
    assert evidence(parent, "--root", str(parent), "sub/m.yaml") == []
    assert evidence(parent / "sub", "--root", str(parent), "m.yaml") == []
    # inside a git work tree, its top is the root, wherever the command runs
    (parent / ".git").mkdir()
    assert evidence(parent, "sub/m.yaml") == []
    assert evidence(parent / "sub", "m.yaml") == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_folder_resolves_as_realpath_resolves_it(tmp_path: Path) -> None:
    # real_directory builds on its parent's resolution (one lstat per new folder): it must give
    # what os.path.realpath gives, links in the middle, at the end, chained or missing.
    from aims_policy.evidence import clear_caches, real_directory

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "elsewhere" / "c").mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere", tmp_path / "a" / "link")
    os.symlink(tmp_path / "a" / "link", tmp_path / "chain")
    os.symlink(tmp_path / "nowhere", tmp_path / "a" / "dangling")
    os.symlink("../a/b", tmp_path / "elsewhere" / "relative")
    base = os.path.realpath(tmp_path)
    cases = [
        "a", "a/b", "a/link", "a/link/c", "a/link/c/missing/deeper", "chain", "chain/c",
        "a/dangling", "a/dangling/x", "elsewhere/relative", "a/link/relative/z", "missing/x",
    ]  # fmt: skip
    clear_caches()
    for case in cases:
        path = os.path.join(base, *case.split("/"))
        assert real_directory(path) == os.path.realpath(path), case
    assert real_directory(os.sep) == os.path.realpath(os.sep)


def test_a_reference_through_a_thousand_missing_folders_is_missing_not_a_crash(
    tmp_path: Path,
) -> None:
    from aims_policy.evidence import MISSING, clear_caches, real_directory, resolve

    clear_caches()
    deep = "a/" * 1000 + "x.md"
    statuses = resolve({"spec": {"doc": {"ref": deep}}}, str(tmp_path / "m.yaml"), str(tmp_path))
    assert statuses == {("spec", "doc", "ref"): MISSING}
    folder = os.path.join(os.path.realpath(tmp_path), *["a"] * 1000)
    assert real_directory(folder) == os.path.realpath(folder)


def test_a_manifest_in_a_very_deep_folder_is_checked(tmp_path: Path) -> None:
    folder = tmp_path.joinpath(*["d"] * 600)
    folder.mkdir(parents=True)
    (folder / "m.yaml").write_text(minimal_manifest("deep-system"), encoding="utf-8")
    report = check([str(folder / "m.yaml")], today=TODAY, cwd=str(tmp_path))
    assert [n.code for n in report.notifications] == []
    assert [s.name for s in report.systems] == ["deep-system"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_links_inside_the_repository_are_followed_to_their_verdict(tmp_path: Path) -> None:
    from aims_policy.evidence import ESCAPES, MISSING, OK, clear_caches, resolve

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "card.md").write_text("x", encoding="utf-8")
    os.symlink(tmp_path / "docs", tmp_path / "folder-link")  # a link to a folder
    os.symlink(tmp_path / "docs" / "card.md", tmp_path / "file-link")
    os.symlink(tmp_path / "docs" / "gone.md", tmp_path / "dangling")  # inside, to nothing
    os.symlink(os.path.dirname(tmp_path), tmp_path / "out")  # a folder outside
    clear_caches()
    refs = {
        "a": "folder-link",
        "b": "folder-link/card.md",
        "c": "file-link",
        "d": "dangling",
        "e": "out",
        "f": "out/whatever.md",
    }
    statuses = resolve({"spec": {k: {"ref": v} for k, v in refs.items()}}, str(tmp_path / "m.yaml"))
    verdicts = {path[1]: status for path, status in statuses.items()}
    assert verdicts == {"a": OK, "b": OK, "c": OK, "d": MISSING, "e": ESCAPES, "f": ESCAPES}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_reference_into_a_folder_that_is_not_there_keeps_its_verdict(tmp_path: Path) -> None:
    # A folder found missing once is not looked into again for its other files; what is
    # reported must still be what a look at each file would say, escapes before missing.
    from aims_policy.evidence import ESCAPES, MISSING, OK, clear_caches, resolve

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "card.md").write_text("x", encoding="utf-8")
    (tmp_path / "plain.md").write_text("a file, not a folder", encoding="utf-8")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling-folder")  # inside, to nothing
    os.symlink(tmp_path.parent / "aims-not-there", tmp_path / "out-folder")  # outside, to nothing
    refs = {
        "a": "gone/one.md",
        "b": "gone/two.md",
        "c": "gone/deeper/three.md",
        "d": "plain.md/inside.md",
        "e": "dangling-folder/x.md",
        "f": "out-folder/x.md",
        "g": "docs/card.md",
        "h": "docs/missing.md",
    }
    data = {"spec": {k: {"ref": v} for k, v in refs.items()}}
    clear_caches()
    verdicts = {p[1]: s for p, s in resolve(data, str(tmp_path / "m.yaml")).items()}
    assert verdicts == {
        "a": MISSING, "b": MISSING, "c": MISSING, "d": MISSING, "e": MISSING, "f": ESCAPES,
        "g": OK, "h": MISSING,
    }  # fmt: skip
    # Folders are remembered for one check only: the next one sees the folder written since.
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "one.md").write_text("x", encoding="utf-8")
    clear_caches()
    assert resolve(data, str(tmp_path / "m.yaml"))[("spec", "a", "ref")] == OK


@pytest.mark.skipif(os.sep != "/", reason="POSIX paths written out by hand")
@pytest.mark.parametrize(
    ("directory", "value", "expected"),
    [
        ("/repo/m", "evidence/a.md", "/repo/m/evidence/a.md"),
        ("/repo/m", "../evidence/a.md", "/repo/evidence/a.md"),
        ("/repo/m", "./a.md", "/repo/m/a.md"),
        ("/repo/m", "a//b.md", "/repo/m/a/b.md"),
        ("/repo/m", "a/./b/../c.md", "/repo/m/a/c.md"),
        ("/repo/m", "docs/", "/repo/m/docs"),
        ("/repo/m", "..", "/repo"),
        ("/repo/m", "...", "/repo/m/..."),
        ("/repo/m", "..a/.b", "/repo/m/..a/.b"),
        ("/", "a.md", "/a.md"),
        ("/", "../a.md", "/a.md"),
        ("//", "a.md", "//a.md"),  # POSIX keeps a leading "//" apart from "/"
    ],
)
def test_a_reference_is_joined_to_its_manifest_folder_and_normalised(
    directory: str, value: str, expected: str
) -> None:
    from aims_policy.evidence import _joined

    assert _joined(directory, value) == expected
