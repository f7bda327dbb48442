"""The git integrations, run for real: the pre-commit framework with this repository's
`.pre-commit-hooks.yaml`, and the plain `hooks/pre-commit` script installed into a temporary
repository.

The framework tests write the `.pre-commit-config.yaml` a user would (`repo:` this repository,
`rev:` its HEAD commit) and let pre-commit build the hook's virtual environment, pip-installing
this project into it (dependencies from PyPI): the first test of a session pays for that, the
others reuse it through PRE_COMMIT_HOME, which points into the session's temporary directory so
nothing is shared with the user's cache. (`pre-commit try-repo` would take the working tree, but
it builds a fresh environment on every call.) Being a commit, HEAD also keeps half-finished
changes in the working tree out of the hook: commit before expecting a change to
`.pre-commit-hooks.yaml` to show here.

Expected lines are read off the test manifests by hand (`line_of`), not from aims-policy."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import ROOT

# Every test runs git, the hook script or the pre-commit framework in subprocesses.
pytestmark = pytest.mark.slow

COMPLIANT = ROOT / "manifests" / "document-summariser.yaml"
EVIDENCE = ("document-summariser", "organisation")
HOOK = ROOT / "hooks" / "pre-commit"
# Where the pre-commit framework runs: the test environment's own scripts directory.
BIN = Path(sys.executable).parent
FINDING = re.compile(
    r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): error (?P<rule>[A-Z0-9-]+) ", re.M
)


def clean_env(**extra: str) -> dict[str, str]:
    # A test run from inside a git hook inherits GIT_DIR, GIT_INDEX_FILE...: they would point
    # the temporary repositories at the outer one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    # The hook's environment takes the locked versions, as the test environment does: a release
    # of a dependency must not turn these tests red by itself.
    env["PIP_CONSTRAINT"] = str(ROOT / "requirements" / "test.lock")
    env.update(extra)
    return env


def run(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=dict(env or clean_env()),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=timeout,
    )


def git(repo: Path, *args: str) -> str:
    result = run(["git", *args], repo)
    assert result.returncode == 0, result.stdout
    return result.stdout


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    for key, value in (
        ("user.name", "Test"),
        ("user.email", "test@example.com"),
        ("commit.gpgsign", "false"),
    ):
        git(path, "config", key, value)
    return path


def add_evidence(repo: Path, manifest_dir: str) -> None:
    """The evidence files the compliant manifest references, at the same relative place."""
    for name in EVIDENCE:
        shutil.copytree(
            ROOT / "manifests" / "evidence" / name, repo / manifest_dir / "evidence" / name
        )


def line_of(text: str, fragment: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(lines) == 1, f"{fragment!r} occurs on lines {lines}"
    return lines[0]


def with_gaps() -> str:
    """The compliant manifest with two gaps left open: placeholders for the owner's email and role.
    (Placeholders rather than a schema error: rules only judge schema-valid manifests.)"""
    text = COMPLIANT.read_text("utf-8")
    for done, gap in (
        ("priya.raman@example.com", "TODO@example.com"),
        ("role: Product Owner, DocBrief", 'role: "TODO: role of the owner"'),
    ):
        assert text.count(done) == 1
        text = text.replace(done, gap)
    return text


def expected_gaps(text: str, file: str) -> set[tuple[str, int, str]]:
    return {
        (file, line_of(text, "TODO@example.com"), "AIMS-TODO-001"),
        (file, line_of(text, '"TODO: role of the owner"'), "AIMS-TODO-001"),
    }


def findings(output: str, rule: str = "AIMS-TODO-001") -> set[tuple[str, int, str]]:
    """The findings of one rule: rules written later may find more in a changed manifest, but
    the placeholders are reported whatever else is."""
    return {
        (m["file"], int(m["line"]), m["rule"])
        for m in FINDING.finditer(output)
        if m["rule"] == rule
    }


# -- the pre-commit framework ---------------------------------------------------------------


@pytest.fixture(scope="session")
def framework(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    head = run(["git", "rev-parse", "HEAD"], ROOT)
    assert head.returncode == 0, f"{ROOT} must be a git checkout: {head.stdout}"
    return {"env": clean_env(PRE_COMMIT_HOME=str(home)), "ref": head.stdout.strip()}


#: The placeholders of the documented configuration (docs/integrations.md): where the user's copy
#: of aims-policy lives, and the commit they pin (no release is tagged).
REPO_TEMPLATE, REV_TEMPLATE = "https://<git-host>/<org>/aims-policy", "<commit>"


def documented_config() -> str:
    """The `.pre-commit-config.yaml` snippet users copy from docs/integrations.md, as written."""
    text = (ROOT / "docs" / "integrations.md").read_text("utf-8")
    (snippet,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("repos:")]
    return snippet


def filled_in(snippet: str, repo: str, rev: str) -> str:
    """The documented template with its two placeholders replaced, as a user does."""
    assert snippet.count(REPO_TEMPLATE) == 1 and snippet.count(REV_TEMPLATE) == 1, snippet
    return snippet.replace(REPO_TEMPLATE, repo).replace(REV_TEMPLATE, rev)


def use_framework(framework: Mapping[str, Any], repo: Path) -> None:
    """The configuration a user writes (docs/integrations.md, filled in), pointing at this
    repository's HEAD commit."""
    config = filled_in(documented_config(), str(ROOT), framework["ref"])
    (repo / ".pre-commit-config.yaml").write_text(config, "utf-8")
    git(repo, "add", ".pre-commit-config.yaml")


def pre_commit(
    framework: Mapping[str, Any], repo: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    # Installing the hook environment (pip, from PyPI) dominates the first call of a session.
    return run([str(BIN / "pre-commit"), *args], repo, framework["env"], timeout=900)


def test_hook_definition_is_valid_for_pre_commit() -> None:
    result = run(
        [str(BIN / "pre-commit"), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")], ROOT
    )
    assert result.returncode == 0, result.stdout
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "aims-policy" and hook["language"] == "python"
    assert hook["entry"] == "aims-policy check --changed --no-discover-ai"
    assert hook["pass_filenames"] is True
    # A commit that only deletes or renames evidence passes no file name: the hook runs anyway.
    assert hook["always_run"] is True
    pattern = re.compile(hook["files"])
    assert all(pattern.search(f) for f in ("a.yaml", "b/c.yml", "d.json"))
    assert not any(pattern.search(f) for f in ("a.md", "yaml.txt", "b.yaml.bak"))


def test_framework_blocks_a_manifest_with_gaps_and_passes_a_compliant_one(
    framework: Mapping[str, Any], tmp_path: Path
) -> None:
    repo = new_repo(tmp_path / "repo")
    (repo / "manifests").mkdir()
    add_evidence(repo, "manifests")
    shutil.copy(COMPLIANT, repo / "manifests" / "good.yaml")
    bad = with_gaps()
    (repo / "manifests" / "bad.yaml").write_text(bad, "utf-8")
    # Not a manifest: offered to the hook by the files pattern, skipped by aims-policy.
    (repo / "config.yaml").write_text("retries: 3\n", "utf-8")
    use_framework(framework, repo)
    git(repo, "add", ".")

    blocked = pre_commit(
        framework, repo, "run", "--color", "never", "--files", "manifests/bad.yaml", "config.yaml"
    )
    assert blocked.returncode == 1, blocked.stdout
    assert "Failed" in blocked.stdout
    assert findings(blocked.stdout) == expected_gaps(bad, "manifests/bad.yaml")

    passed = pre_commit(
        framework, repo, "run", "--color", "never", "--files", "manifests/good.yaml", "config.yaml"
    )
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"^aims-policy .*Passed$", passed.stdout, re.M), passed.stdout


def test_init_walkthrough_ends_in_a_green_pre_commit(
    framework: Mapping[str, Any], tmp_path: Path
) -> None:
    """docs/integrations.md, step by step: init, the hook installed, a commit blocked by the
    placeholders, the placeholders filled in, the commit goes through."""
    repo = new_repo(tmp_path / "repo")
    use_framework(framework, repo)
    installed = pre_commit(framework, repo, "install")
    assert installed.returncode == 0, installed.stdout
    init = run(
        [sys.executable, "-m", "aims_policy", "init", "document-summariser", "--risk-level", "low"],
        repo,
    )
    assert init.returncode == 0, init.stdout
    manifest = repo / "document-summariser.aims.yaml"
    skeleton = manifest.read_text("utf-8")
    git(repo, "add", ".")

    blocked = run(["git", "commit", "-m", "new system"], repo, framework["env"], timeout=900)
    assert blocked.returncode == 1, blocked.stdout
    assert "aims-policy" in blocked.stdout and "Failed" in blocked.stdout
    todo = {line for _, line, _ in findings(blocked.stdout)}
    assert todo == {
        n
        for n, line in enumerate(skeleton.splitlines(), 1)
        if re.match(r'^\s*(?:- |[\w-]+: )"?TODO', line)
    }
    assert (
        run(["git", "rev-parse", "--verify", "-q", "HEAD"], repo).returncode != 0
    )  # nothing committed

    # Filling in: every placeholder gets the reference system's real value (each one has a
    # counterpart there, so the skeleton asks only for things a real manifest states), and the
    # sections the reference adds come along with their evidence.
    reference = yaml.safe_load(COMPLIANT.read_text("utf-8"))
    filled = yaml.safe_load(skeleton)
    for path in placeholder_paths(filled):
        set_at(filled, path, get_at(reference, path))
    merged = deep_merge(filled, reference)
    schema_line = skeleton.splitlines()[0]
    manifest.write_text(
        schema_line + "\n" + yaml.safe_dump(merged, sort_keys=False, allow_unicode=True), "utf-8"
    )
    add_evidence(repo, ".")
    git(repo, "add", ".")

    green = run(["git", "commit", "-m", "new system"], repo, framework["env"], timeout=900)
    assert green.returncode == 0, green.stdout
    assert re.search(r"^aims-policy .*Passed$", green.stdout, re.M), green.stdout
    assert "document-summariser.aims.yaml" in git(repo, "show", "--name-only", "HEAD")


# -- parity with CI: what the commit holds, not what the working tree has ---------------------

#: The compliant manifest's references to its model card (spec.models and spec.transparency).
MODEL_CARD = "evidence/document-summariser/model-card.md"


def cited_lines(text: str, reference: str) -> set[int]:
    """The lines of ``text`` whose value is ``reference`` (read off the manifest by hand)."""
    return {n for n, line in enumerate(text.splitlines(), 1) if line.endswith(f": {reference}")}


def located(output: str, rule: str) -> set[tuple[str, int]]:
    return {(file, line) for file, line, _ in findings(output, rule)}


@pytest.fixture
def framework_repo(framework: Mapping[str, Any], tmp_path: Path) -> Path:
    """A repository using the documented pre-commit configuration, with the hook installed and a
    committed compliant manifest with its evidence."""
    repo = new_repo(tmp_path / "repo")
    use_framework(framework, repo)
    installed = pre_commit(framework, repo, "install")
    assert installed.returncode == 0, installed.stdout
    (repo / "ai").mkdir()
    add_evidence(repo, "ai")
    shutil.copy(COMPLIANT, repo / "ai" / "system.yaml")
    git(repo, "add", ".")
    first = run(["git", "commit", "-m", "compliant start"], repo, framework["env"], timeout=900)
    assert first.returncode == 0, first.stdout
    return repo


def framework_commit(framework: Mapping[str, Any], repo: Path) -> subprocess.CompletedProcess[str]:
    return run(["git", "commit", "-m", "change"], repo, framework["env"], timeout=900)


def test_framework_blocks_a_manifest_whose_evidence_is_not_staged(
    framework: Mapping[str, Any], framework_repo: Path
) -> None:
    """The new model card exists in the working tree, so a check of the files passes; the
    commit would not hold it, so CI would fail: the hook blocks it."""
    repo = framework_repo
    manifest = repo / "ai" / "system.yaml"
    text = manifest.read_text("utf-8").replace(MODEL_CARD, "evidence/model-card-v3.md")
    manifest.write_text(text, "utf-8")
    (repo / "ai" / "evidence" / "model-card-v3.md").write_text("# Model card v3\n", "utf-8")
    git(repo, "add", "ai/system.yaml")  # the new model card is left untracked
    head = git(repo, "rev-parse", "HEAD")
    blocked = framework_commit(framework, repo)
    assert blocked.returncode == 1, blocked.stdout
    lines = cited_lines(text, "evidence/model-card-v3.md")
    assert len(lines) == 2
    assert located(blocked.stdout, "AIMS-EVD-003") == {("ai/system.yaml", n) for n in lines}
    assert "git add ai/evidence/model-card-v3.md" in blocked.stdout
    assert git(repo, "rev-parse", "HEAD") == head

    git(repo, "add", "ai/evidence/model-card-v3.md")
    passed = framework_commit(framework, repo)
    assert passed.returncode == 0, passed.stdout


def test_framework_blocks_a_commit_that_deletes_cited_evidence(
    framework: Mapping[str, Any], framework_repo: Path
) -> None:
    repo = framework_repo
    text = (repo / "ai" / "system.yaml").read_text("utf-8")
    git(repo, "rm", "-q", f"ai/{MODEL_CARD}")  # no YAML file is staged at all
    blocked = framework_commit(framework, repo)
    assert blocked.returncode == 1, blocked.stdout
    assert "no files to check" not in blocked.stdout
    expected = {("ai/system.yaml", n) for n in cited_lines(text, MODEL_CARD)}
    assert len(expected) == 2
    assert located(blocked.stdout, "AIMS-EVD-001") == expected


def test_framework_blocks_a_rename_until_the_manifest_follows_it(
    framework: Mapping[str, Any], framework_repo: Path
) -> None:
    repo = framework_repo
    manifest = repo / "ai" / "system.yaml"
    text = manifest.read_text("utf-8")
    renamed = "evidence/document-summariser/model-card-2026.md"
    git(repo, "mv", f"ai/{MODEL_CARD}", f"ai/{renamed}")
    blocked = framework_commit(framework, repo)
    assert blocked.returncode == 1, blocked.stdout
    expected = {("ai/system.yaml", n) for n in cited_lines(text, MODEL_CARD)}
    assert located(blocked.stdout, "AIMS-EVD-001") == expected

    manifest.write_text(text.replace(MODEL_CARD, renamed), "utf-8")
    git(repo, "add", "ai/system.yaml")
    passed = framework_commit(framework, repo)
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"^aims-policy .*Passed$", passed.stdout, re.M), passed.stdout
    assert f"ai/{renamed}" in git(repo, "show", "--name-only", "HEAD")


def placeholder_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, str):
        return [path] if node.startswith("TODO") else []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    return [p for key, child in items for p in placeholder_paths(child, (*path, key))]


def get_at(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]  # a KeyError here: the skeleton asks for something the reference lacks
    return node


def set_at(node: Any, path: tuple[Any, ...], value: Any) -> None:
    get_at(node, path[:-1])[path[-1]] = value


def deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: deep_merge(base.get(k), v) for k, v in over.items()}}
    return over


# -- the plain git hook (hooks/pre-commit) ---------------------------------------------------


@pytest.fixture
def hooked_repo(tmp_path: Path) -> Path:
    """A repository with the plain hook installed the first documented way (a copy in
    .git/hooks) and a committed compliant manifest with its evidence."""
    repo = new_repo(tmp_path / "repo")
    (repo / "manifests").mkdir()
    add_evidence(repo, "manifests")
    shutil.copy(COMPLIANT, repo / "manifests" / "system.yaml")
    hook = repo / ".git" / "hooks" / "pre-commit"
    shutil.copy(HOOK, hook)
    hook.chmod(0o755)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "compliant start")
    return repo


def commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(["git", "commit", "-m", "change", *args], repo)


def test_plain_hook_judges_the_staged_version_not_the_working_tree(hooked_repo: Path) -> None:
    manifest = hooked_repo / "manifests" / "system.yaml"
    good = manifest.read_text("utf-8")
    bad = with_gaps()
    head = git(hooked_repo, "rev-parse", "HEAD")

    # Staged: the version with gaps; working tree: compliant again. The commit is blocked, and
    # the findings point into the staged text.
    manifest.write_text(bad, "utf-8")
    git(hooked_repo, "add", "manifests/system.yaml")
    manifest.write_text(good + "# a comment nobody staged\n", "utf-8")
    blocked = commit(hooked_repo)
    assert blocked.returncode != 0, blocked.stdout
    assert findings(blocked.stdout) == expected_gaps(bad, "manifests/system.yaml")
    assert "commit blocked" in blocked.stdout
    assert git(hooked_repo, "rev-parse", "HEAD") == head

    # Staged: compliant (the running version and its change log entry renamed together, so the
    # release in use keeps its approval); working tree: gaps. The commit goes through.
    manifest.write_text(good.replace("version: 2.0.1", "version: 2.0.2"), "utf-8")
    git(hooked_repo, "add", "manifests/system.yaml")
    manifest.write_text(bad, "utf-8")
    passed = commit(hooked_repo)
    assert passed.returncode == 0, passed.stdout
    assert "version: 2.0.2" in git(hooked_repo, "show", "HEAD:manifests/system.yaml")


def test_plain_hook_resolves_evidence_against_the_index(hooked_repo: Path) -> None:
    """Evidence that exists only in the working tree would be missing from the commit."""
    manifest = hooked_repo / "manifests" / "system.yaml"
    text = manifest.read_text("utf-8").replace(
        "\n    modelCardRef: evidence/document-summariser/model-card.md\n",  # spec.transparency
        "\n    modelCardRef: evidence/model-card-v3.md\n",
    )
    manifest.write_text(text, "utf-8")
    (hooked_repo / "manifests" / "evidence" / "model-card-v3.md").write_text(
        "# Model card v3\n", "utf-8"
    )
    git(hooked_repo, "add", "manifests/system.yaml")  # the new model card is left unstaged
    blocked = commit(hooked_repo)
    assert blocked.returncode != 0, blocked.stdout
    assert (
        "manifests/system.yaml",
        line_of(text, "evidence/model-card-v3.md"),
        "AIMS-EVD-001",
    ) in findings(blocked.stdout, "AIMS-EVD-001")
    git(hooked_repo, "add", "manifests/evidence/model-card-v3.md")
    passed = commit(hooked_repo)
    assert passed.returncode == 0, passed.stdout


def test_plain_hook_blocks_deleting_or_renaming_cited_evidence(hooked_repo: Path) -> None:
    manifest = hooked_repo / "manifests" / "system.yaml"
    text = manifest.read_text("utf-8")
    expected = {("manifests/system.yaml", n) for n in cited_lines(text, MODEL_CARD)}
    assert len(expected) == 2

    git(hooked_repo, "rm", "-q", f"manifests/{MODEL_CARD}")
    deleted = commit(hooked_repo)
    assert deleted.returncode != 0, deleted.stdout
    assert located(deleted.stdout, "AIMS-EVD-001") == expected
    git(hooked_repo, "reset", "-q", "--hard")

    renamed = "evidence/document-summariser/model-card-2026.md"
    git(hooked_repo, "mv", f"manifests/{MODEL_CARD}", f"manifests/{renamed}")
    moved = commit(hooked_repo)
    assert moved.returncode != 0, moved.stdout
    assert located(moved.stdout, "AIMS-EVD-001") == expected

    manifest.write_text(text.replace(MODEL_CARD, renamed), "utf-8")
    git(hooked_repo, "add", "manifests/system.yaml")
    followed = commit(hooked_repo)
    assert followed.returncode == 0, followed.stdout


def test_plain_hook_checks_what_commit_a_would_commit(hooked_repo: Path) -> None:
    # `git commit -a` stages into a temporary index that the hook must read.
    (hooked_repo / "manifests" / "system.yaml").write_text(with_gaps(), "utf-8")
    blocked = commit(hooked_repo, "-a")
    assert blocked.returncode != 0, blocked.stdout
    assert findings(blocked.stdout) == expected_gaps(with_gaps(), "manifests/system.yaml")


def test_plain_hook_ignores_files_that_are_not_manifests_and_other_changes(
    hooked_repo: Path,
) -> None:
    (hooked_repo / "ci config.yml").write_text("jobs: {}\n", "utf-8")
    (hooked_repo / "notes.md").write_text("not checked\n", "utf-8")
    git(hooked_repo, "add", ".")
    assert commit(hooked_repo).returncode == 0
    # Nothing that could be a manifest is staged: the hook does not even need aims-policy.
    (hooked_repo / "notes.md").write_text("still not checked\n", "utf-8")
    git(hooked_repo, "add", "notes.md")
    result = run(
        ["git", "commit", "-m", "notes"], hooked_repo, clean_env(AIMS_POLICY="no-such-command")
    )
    assert result.returncode == 0, result.stdout


def test_plain_hook_blocks_with_advice_when_aims_policy_is_missing(hooked_repo: Path) -> None:
    manifest = hooked_repo / "manifests" / "system.yaml"
    manifest.write_text(manifest.read_text("utf-8") + "# touched\n", "utf-8")
    git(hooked_repo, "add", ".")
    result = run(
        ["git", "commit", "-m", "x"], hooked_repo, clean_env(AIMS_POLICY="no-such-command")
    )
    assert result.returncode != 0
    assert "'no-such-command' not found" in result.stdout and "--no-verify" in result.stdout


def test_plain_hook_via_core_hooks_path(tmp_path: Path) -> None:
    """The second documented installation: the hook committed in the repository's hooks/ and
    `git config core.hooksPath hooks`. Evidence must be staged too: the hook exports the index."""
    repo = new_repo(tmp_path / "repo")
    (repo / "hooks").mkdir()
    shutil.copy(HOOK, repo / "hooks" / "pre-commit")
    (repo / "hooks" / "pre-commit").chmod(0o755)
    git(repo, "config", "core.hooksPath", "hooks")
    (repo / "ai").mkdir()
    add_evidence(repo, "ai")
    bad = with_gaps()
    (repo / "ai" / "system.yaml").write_text(bad, "utf-8")
    git(repo, "add", ".")
    blocked = commit(repo)
    assert blocked.returncode != 0
    assert findings(blocked.stdout) == expected_gaps(bad, "ai/system.yaml")
    shutil.copy(COMPLIANT, repo / "ai" / "system.yaml")
    git(repo, "add", ".")
    assert commit(repo).returncode == 0


def test_documented_pre_commit_configuration_is_valid(tmp_path: Path) -> None:
    """The snippet users copy from docs/integrations.md is a template (no release is tagged, and
    where a team keeps aims-policy is theirs to say); filled in with a clone's path and a commit
    SHA, it passes pre-commit's own config check without the warning a movable `rev:` earns, and
    names this repository's hook."""
    head = run(["git", "rev-parse", "HEAD"], ROOT).stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", head), head
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(filled_in(documented_config(), str(ROOT), head), "utf-8")
    result = run([str(BIN / "pre-commit"), "validate-config", str(config)], tmp_path)
    assert result.returncode == 0, result.stdout
    assert "mutable reference" not in result.stdout, result.stdout
    (repo,) = yaml.safe_load(config.read_text("utf-8"))["repos"]
    assert (repo["repo"], repo["rev"]) == (str(ROOT), head)
    assert [h["id"] for h in repo["hooks"]] == ["aims-policy"]
