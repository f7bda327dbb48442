"""The documentation's shell commands work as shown.

Every command in a ``sh``, ``bash``, ``shell`` or ``console`` fenced block of the README and the
other guides (``docs/``, ``hooks/README.md``, ``manifests/README.md``) is either run here, in a
fresh copy of the repository made a git work tree (its files in the index), or listed in ``NOT_RUN`` with the reason it
cannot run offline (it installs from a package registry, or it is a template whose placeholders a
reader fills in). A command that is neither fails the test, so a new command in the docs is
either proved or explicitly excused. A command that runs must end with the exit code the docs
give for it (``EXIT_CODES``, or a ``$ echo $?`` line after it in a console block; otherwise 0),
and what a console block shows after a command must be what it prints: every line, exactly,
unless the block elides with ``...``, in which case the lines shown must come in that order.

The templates are run too, filled in: the install templates build this project from a clone
at a commit and from a checkout path, offline.

And no document names a package that does not exist: aims-policy is not published, so nothing
may tell a reader to install the bare name ``aims-policy`` (from PyPI, where anyone may claim it),
and every ``rev:`` or ``@ref`` of aims-policy is a placeholder or a commit or tag this repository
has.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from _helpers import ROOT

#: The guides whose commands a reader runs (docs/rules/ is generated from rule metadata).
DOCS = sorted(
    {
        ROOT / "README.md",
        *(ROOT / "docs").rglob("*.md"),
        ROOT / "hooks" / "README.md",
        ROOT / "manifests" / "README.md",
    }
)
SHELL_BLOCKS = {"sh", "bash", "shell", "console"}
BIN = Path(sys.executable).parent

NETWORK = "network: installs packages from a package registry"
#: Commands shown in the docs that this test does not run, each with the reason. Keys are the
#: commands exactly as written; an entry the docs no longer show fails the test.
NOT_RUN: dict[str, str] = {
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/aims-policy check manifests/ "
    "--today 2026-11-22": f"{NETWORK} (the dependencies); the check itself runs below "
    "(manifests/README.md) and test_install builds and runs the wheel",
    "python3 -m venv .venv && .venv/bin/pip install -r requirements/test.lock && .venv/bin/pip "
    "install --no-deps --no-build-isolation -e . && .venv/bin/python -m pytest": f"{NETWORK}, "
    "and it runs this very suite (test_readme checks it is what .ci/run does)",
    "python3 -m venv .venv-latest && .venv-latest/bin/pip install -e '.[test]' && "
    ".venv-latest/bin/python -m pytest": f"{NETWORK} (their newest releases), and it runs this "
    "very suite",
    "bash .ci/lock              # every package to its newest release; bash .ci/lock -P NAME for "
    "one": f"{NETWORK} (uv, and every package's newest release)",
    "pip install /path/to/aims-policy                                  # a checkout of this "
    "repository": "template (a reader's path); filled in, test_install_templates_build_this_project",
    'pip install "git+https://<git-host>/<org>/aims-policy@<commit>"   # template: your copy, a '
    "full commit SHA": "template (a reader's git host and commit); filled in, "
    "test_install_templates_build_this_project",
    "pip install /path/to/aims-policy                     # a checkout of aims-policy (template: "
    "your path)": "template (a reader's path); filled in, test_install_templates_build_this_project",
    "pip install pre-commit": NETWORK,
    "pre-commit install            # once per clone: run the hooks at every `git commit`": "needs "
    "the reader's .pre-commit-config.yaml, a template (tests/test_precommit.py fills it in and "
    "runs pre-commit install and a commit)",
    "pre-commit run --all-files    # check everything now": f"{NETWORK} (pre-commit builds the "
    "hook's environment); tests/test_precommit.py runs the filled-in template",
    "aims-policy check --rules examples/custom-pack systems/": "runs on the reader's own systems/ "
    "folder; tests/test_authoring.py checks the manifest behind the output shown",
    "aims-policy check --rule-pack acme manifests/": "needs the reader's pack installed as the "
    "entry point `acme`; tests/test_authoring.py installs one and runs these three",
    "aims-policy test --rule-pack acme --strict": "needs the reader's pack installed as the entry "
    "point `acme` (tests/test_authoring.py)",
    "aims-policy rules --rule-pack acme": "needs the reader's pack installed as the entry point "
    "`acme` (tests/test_authoring.py)",
    "aims-policy import README.md                      # a manifest on standard output": "the "
    "reader's model card (this checkout's README.md is not one); tests/test_import.py imports "
    "real published cards",
    "aims-policy import bom.json -o fraud-model.aims.yaml --risk-level high --stage operation": (
        "the reader's ML-BOM; tests/test_import.py imports real published ones with these options"
    ),
    "aims-policy init fraud-model --risk-level high --from bom.cdx.xml   # the same, through "
    "init": "the reader's ML-BOM; tests/test_init.py runs init --from on real published files",
    'eval "$(_AIMS_POLICY_COMPLETE=zsh_source aims-policy)"     # ~/.zshrc': "zsh, not bash; "
    "tests/test_cli_conveniences.py checks the script is produced",
    "_AIMS_POLICY_COMPLETE=fish_source aims-policy | source     # "
    "~/.config/fish/completions/aims-policy.fish": "fish, not bash; "
    "tests/test_cli_conveniences.py checks the script is produced",
}
#: Placeholders of commands that run, and what stands for them here: a checkout of aims-policy
#: (read from, never written to).
FILLED_IN = {"/path/to/aims-policy": str(ROOT)}
#: Commands whose documented exit code is not 0, with where the docs say so (a console block's
#: `$ echo $?` says it in place).
EXIT_CODES: dict[str, tuple[int, str]] = {
    "aims-policy check manifests --today 2026-11-22": (
        1,
        "README.md: 'exit code 1 is expected: most examples carry gaps on purpose'",
    ),
    "aims-policy check manifests/support-chatbot.yaml --today 2026-11-22": (
        1,
        "README.md: the errors shown, and 'Exit codes: ... 1 at least one'",
    ),
    "aims-policy check --rules examples/custom-pack manifests/   # the pack's rules beside the "
    "built-in ones": (1, "README.md: the examples carry gaps on purpose"),
}


class Command(NamedTuple):
    doc: str  # the document, relative to the repository
    line: int  # where the command starts in it (1-based)
    text: str  # as written, continuation lines and heredocs included
    shown: tuple[str, ...] | None  # a console block's output lines after it (None: not shown)
    exit_code: int | None  # a console block's `$ echo $?` after it


def commands(doc: Path) -> Iterator[Command]:
    """The shell commands of one document, in order."""
    from markdown_it import MarkdownIt

    name = doc.relative_to(ROOT).as_posix()
    for token in MarkdownIt().parse(doc.read_text("utf-8")):
        language = token.info.split()[0] if token.info.split() else ""
        if token.type != "fence" or language not in SHELL_BLOCKS:
            continue
        assert token.map is not None
        first = token.map[0] + 2  # the line after the opening fence
        lines = token.content.splitlines()
        if language == "console":
            yield from _console(name, first, lines)
        else:
            for line, text in _script(lines):
                yield Command(name, first + line, text, None, None)


def _script(lines: list[str]) -> Iterator[tuple[int, str]]:
    """A script's commands: one per line, with continuation lines and here-documents joined;
    blank and comment lines are not commands."""
    index = 0
    while index < len(lines):
        start, text = index, lines[index]
        index += 1
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        while text.endswith("\\") and index < len(lines):
            text += "\n" + lines[index]
            index += 1
        heredoc = re.search(r"<<-?\s*(['\"]?)(\w+)\1", text)
        if heredoc:
            while index < len(lines):
                text += "\n" + lines[index]
                index += 1
                if lines[index - 1].strip() == heredoc.group(2):
                    break
        yield start, text


def _console(name: str, first: int, lines: list[str]) -> Iterator[Command]:
    """A console transcript: `$ command` lines, each followed by what it printed; a following
    `$ echo $?` and its number give its exit code."""
    entries: list[list[object]] = []  # [line, text, shown lines, exit code]
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.startswith("$ "):
            if entries:
                shown = entries[-1][2]
                assert isinstance(shown, list)
                shown.append(line)
            continue
        text = line[2:]
        if text.strip() == "echo $?":
            assert entries and index < len(lines), f"{name}:{first + index - 1}: echo $? of what?"
            entries[-1][3] = int(lines[index])
            index += 1
            continue
        entries.append([index - 1, text, [], None])
    for line_number, text, shown, code in entries:
        assert isinstance(line_number, int) and isinstance(text, str) and isinstance(shown, list)
        yield Command(name, first + line_number, text, tuple(shown), code)  # type: ignore[arg-type]


ALL = [command for doc in DOCS for command in commands(doc)]
#: The documents that show commands (most rule pages show none; a page that gains one is run).
WITH_COMMANDS = sorted({ROOT / command.doc for command in ALL})


def test_the_docs_show_commands_and_each_is_run_or_excused() -> None:
    """The parser finds what a reader sees (a guard against it silently finding nothing), and
    the list of commands not run names only commands the docs still show."""
    texts = [c.text for c in ALL]
    assert len(ALL) >= 20, texts
    assert "aims-policy check manifests --today 2026-11-22" in texts
    assert any(
        t.startswith(".venv/bin/python - manifests/*.yaml") and t.endswith("EOF") for t in texts
    )
    stale = set(NOT_RUN) - set(texts)
    assert not stale, f"NOT_RUN names commands the docs no longer show: {sorted(stale)}"
    stale = set(EXIT_CODES) - set(texts)
    assert not stale, f"EXIT_CODES names commands the docs no longer show: {sorted(stale)}"


def _copy_of_the_repository(target: Path) -> Path:
    """The files of the checkout (tracked, and new ones not ignored) in a fresh git work tree,
    with `.venv` standing for the environment the README's first command creates."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True, env=_env(target))
    # As in a clone, the files are in the index: evidence a manifest cites must be tracked
    # (AIMS-EVD-003), and a reader's checkout tracks the examples' evidence.
    subprocess.run(["git", "add", "-A"], cwd=target, check=True, env=_env(target))
    (target / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    return target


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "AIMS_POLICY")) and k not in ("NO_COLOR", "FORCE_COLOR")
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),  # git config --global, if a command used it, stays in the test
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def _mismatch(command: Command, result: subprocess.CompletedProcess[str]) -> str | None:
    expected = command.exit_code
    if expected is None:
        expected = EXIT_CODES.get(command.text, (0, ""))[0]
    where = f"{command.doc}:{command.line}: `{command.text}`"
    output = result.stdout + result.stderr
    if result.returncode != expected:
        return f"{where} exited {result.returncode}, the docs say {expected}:\n{output}"
    if command.shown is None:
        return None
    shown = [line.rstrip() for line in command.shown]
    actual = [line.rstrip() for line in output.strip("\n").splitlines()]
    if "..." not in shown:
        if shown != actual:
            return f"{where} printed\n{output}\nbut the docs show\n" + "\n".join(shown)
        return None
    rest = iter(actual)
    for line in (s for s in shown if s not in ("...", "")):
        if not any(line == seen for seen in rest):
            return f"{where}: the docs show {line!r}, which it did not print (in that order):\n{output}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize(
    "doc", WITH_COMMANDS, ids=[d.relative_to(ROOT).as_posix() for d in WITH_COMMANDS]
)
def test_every_command_runs_as_documented(doc: Path, tmp_path: Path) -> None:
    """The document's commands, in its order (a later one may use what an earlier one wrote),
    each in a copy of the repository as a reader has it."""
    repo = _copy_of_the_repository(tmp_path / "repo")
    problems = []
    for command in commands(doc):
        if command.text in NOT_RUN:
            continue
        text = command.text
        for placeholder, value in FILLED_IN.items():
            text = text.replace(placeholder, shlex.quote(value))
        result = subprocess.run(
            ["bash", "-c", text],
            cwd=repo,
            env=_env(tmp_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        problem = _mismatch(command, result)
        if problem:
            problems.append(problem)
    assert not problems, "\n\n".join(problems)


# -- the templates, filled in ---------------------------------------------------------------


def _install_templates() -> list[str]:
    """The argument of each documented `pip install` of aims-policy itself."""
    found = []
    for command in ALL:
        words = shlex.split(command.text, comments=True)
        if words[:2] == ["pip", "install"] and words[2:] != ["pre-commit"]:
            found.append(words[2])
    return sorted(set(found))


def test_the_install_templates_are_the_two_documented_forms() -> None:
    assert _install_templates() == [
        "/path/to/aims-policy",
        "git+https://<git-host>/<org>/aims-policy@<commit>",
    ]


@pytest.mark.slow
def test_install_templates_build_this_project(tmp_path: Path) -> None:
    """Each form, with its placeholders filled in as a reader would (a clone reached by a git URL
    at a full commit SHA; a checkout's path), names an installable aims-policy: pip builds its
    wheel (offline: no dependencies, the build backend of this environment)."""
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--no-local", str(ROOT), str(clone)],
        check=True,
        env=_env(tmp_path),
        timeout=300,
    )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()
    filled = {
        "/path/to/aims-policy": str(clone),
        "git+https://<git-host>/<org>/aims-policy@<commit>": f"git+{clone.as_uri()}@{commit}",
    }
    for number, template in enumerate(_install_templates()):
        wheels = tmp_path / f"wheels-{number}"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--disable-pip-version-check",
                "-w",
                str(wheels),
                filled[template],
            ],
            cwd=tmp_path,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{template}: {result.stdout}{result.stderr}"
        (wheel,) = wheels.glob("aims_policy-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
        assert {"aims_policy/cli.py", "aims_policy/rules/__init__.py"} <= names, template


# -- names that do not exist ------------------------------------------------------------------

#: Commands that install a Python package by name.
_INSTALLERS = re.compile(r"\b(?:pip3?|pipx|uv pip|uv tool|python3? -m pip) install\b|\buvx\b")
#: aims-policy as a bare requirement: a name pip would look up in a package index.
_BARE_NAME = re.compile(r"aims[-_.]policy(\[[^\]]*\])?((?:[<>=!~]=?|===)\S*)?", re.I)


def _published_text_files() -> list[Path]:
    """Everything a reader or an installed copy shows: the repository's files, but not the tests
    (which spell the forbidden forms out) and not the lock files."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    out = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if name.startswith(("tests/", "requirements/")) or not path.is_file():
            continue
        try:
            path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        out.append(path)
    return out


def _bare_installs(text: str) -> list[str]:
    """Each place that installs aims-policy by its bare name (from an index)."""
    found = []
    for line in text.splitlines():
        for match in _INSTALLERS.finditer(line):
            rest = line[match.end() :]
            rest = re.split(r"&&|\|\||;|\||#|`|\)", rest, maxsplit=1)[0]
            for word in rest.split():
                if _BARE_NAME.fullmatch(word.strip("'\"")):
                    found.append(line.strip())
        if re.search(r"\b(?:install_requires|requires|dependencies)\b", line) and re.search(
            r"(?<![\w/@.-])aims[-_.]policy(?![\w/-])(?!\s*@)", line.split("#")[0], re.I
        ):
            found.append(line.strip())
    return found


def test_the_bare_name_check_finds_what_it_must() -> None:
    """The check below means something only if it catches the forms it is about."""
    for text in (
        "pip install aims-policy",
        "  pip install -U aims-policy==0.1.0",
        "pipx install aims_policy",
        "uvx aims-policy check",
        "python -m pip install --quiet 'aims-policy[test]'",
        "install_requires = aims-policy",
        '    dependencies = ["aims-policy>=0.1"]',
        "install it (pip install aims-policy),",
    ):
        assert _bare_installs(text), text
    for text in (
        "pip install /path/to/aims-policy",
        'pip install "git+https://<git-host>/<org>/aims-policy@<commit>"',
        "pip install .",
        "pip install pre-commit && aims-policy check",
        "uses: <org>/aims-policy@<commit>",
        "install_requires = aims-policy @ git+https://example.org/aims-policy@0123",
    ):
        assert not _bare_installs(text), text


def test_nothing_installs_aims_policy_by_its_bare_name() -> None:
    """No release is published: the name on PyPI is not this project's (anyone can claim an
    unclaimed name), so no doc, hook message or script may tell a reader to install it."""
    found = [
        f"{path.relative_to(ROOT)}: {line}"
        for path in _published_text_files()
        for line in _bare_installs(path.read_text("utf-8"))
    ]
    assert not found, "\n".join(found)


def _refs_of_aims_policy(text: str) -> list[str]:
    """The revisions a text pins aims-policy to: `<something>/aims-policy@REF` (an Action, a
    git URL) and the `rev:` of a pre-commit repository entry for aims-policy."""
    refs = re.findall(r"/aims-policy(?:\.git)?@([^\s\"'`#)]+)", text)
    for block in re.findall(r"repo:\s*\S*aims-policy\S*[^\n]*\n\s*rev:\s*([^\s#]+)", text):
        refs.append(block)
    return refs


def test_every_pinned_revision_of_aims_policy_exists() -> None:
    """A pin is the `<commit>` placeholder, or a tag or commit this repository has: never a
    release tag that was not made (`v0.1.0`) or a branch that moves."""
    tags = subprocess.run(
        ["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    wrong = []
    for path in _published_text_files():
        for ref in _refs_of_aims_policy(path.read_text("utf-8")):
            if ref == "<commit>" or ref in tags:
                continue
            exists = (
                subprocess.run(
                    ["git", "cat-file", "-e", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True
                ).returncode
                == 0
            )
            if not (re.fullmatch(r"[0-9a-f]{40}", ref) and exists):
                wrong.append(f"{path.relative_to(ROOT)}: @{ref}")
    assert not wrong, "\n".join(wrong)


def test_the_revision_check_finds_what_it_must() -> None:
    assert _refs_of_aims_policy("uses: aims-policy/aims-policy@v0.1.0 # x") == ["v0.1.0"]
    assert _refs_of_aims_policy("  - repo: https://h/o/aims-policy\n    rev: v0.1.0   # x\n") == [
        "v0.1.0"
    ]
    assert _refs_of_aims_policy('pip install "git+https://h/o/aims-policy@main"') == ["main"]
