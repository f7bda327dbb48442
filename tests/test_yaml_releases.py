"""Every PyYAML release that setup.cfg admits gives the same verdict on hostile YAML.

PyYAML 6.0.4 bundles libyaml 0.2.6, which has a nesting limit of its own (1,000 levels) and used
to fire before the loader's 64-level bound, with its own message and position; a new PyYAML
release overnight turned main red. Here the command line runs under the lowest release setup.cfg
admits and under the releases on either side of that change, each in a virtual environment of its
own (cached between runs), on the same files: every release must name the same files with the
same line, column and message, exit 2, and still check the good file beside them. The expected
positions are worked out by hand from the texts below."""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _cache import cache_dir
from _helpers import ROOT

LOCK = ROOT / "requirements" / "test.lock"
RELEASES = ("6.0", "6.0.3", "6.0.4")
GOOD = (ROOT / "manifests" / "document-summariser.yaml").read_text("utf-8")

# name -> (text, "line:col" of the first collection deeper than 64 levels, or of the syntax error)
DEEP = 3000
FILES = {
    "flow.yaml": ("kind: AISystem\nspec: " + "[" * DEEP + "]" * DEEP + "\n", "2:70"),
    "block.yaml": ("kind: AISystem\nspec:\n" + "- " * DEEP + "x\n", "3:127"),
    "deep.json": ('{"kind": "AISystem", "spec":\n' + "[" * DEEP + "]" * DEEP + "}", "2:64"),
    "flow-in-block.yaml": (
        "kind: AISystem\nspec:\n  k: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n",
        "3:254",
    ),
    # A syntax error before the deep part comes first, on every release.
    "syntax-first.yaml": (
        "kind: AISystem\nspec: [a, b\nx: " + "[" * DEEP + "]" * DEEP + "\n",
        "3:2",
    ),
}


def lowest_admitted() -> str:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    requirement = next(
        line
        for line in config["options"]["install_requires"].split()
        if line.lower().startswith("pyyaml")
    )
    match = re.fullmatch(r"(?i)pyyaml>=([\d.]+)", requirement)
    assert match, f"setup.cfg's PyYAML requirement is not a plain lower bound: {requirement}"
    return match.group(1)


def test_the_lowest_release_admitted_is_tested() -> None:
    assert lowest_admitted() == RELEASES[0]


def environment(release: str) -> Path:
    """A virtual environment with this PyYAML and the other runtime dependencies at their locked
    versions; aims-policy itself runs from this checkout (PYTHONPATH)."""
    others = [
        line
        for line in LOCK.read_text("utf-8").splitlines()
        if re.match(
            r"(pyrsistent|click|jsonschema|attrs|referencing|rpds-py|"
            r"jsonschema-specifications|typing-extensions|colorama)==",
            line,
        )
    ]
    key = hashlib.sha256("\n".join([release, sys.version, *others]).encode()).hexdigest()[:12]
    venv = cache_dir() / f"pyyaml-{release}-{key}"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    building = venv.with_name(venv.name + f".tmp{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True, timeout=300)
    env = {**os.environ, "PIP_CONSTRAINT": "", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        [
            str(building / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--only-binary=:all:",
            f"PyYAML=={release}",
            *others,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"could not install PyYAML {release}:\n{result.stdout}{result.stderr}"
    )
    try:
        building.rename(venv)  # atomic: a concurrent run either sees a whole environment or none
    except OSError:
        shutil.rmtree(building, ignore_errors=True)  # another run finished first
    # The interpreter path is recorded by the venv's pyvenv.cfg, not by its folder name.
    return python


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("yaml-releases")
    (folder / "good.yaml").write_text(GOOD, "utf-8")
    shutil.copytree(ROOT / "manifests" / "evidence", folder / "evidence")
    for name, (text, _) in FILES.items():
        (folder / name).write_text(text, "utf-8")
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True)  # as in a clone: all tracked
    return folder


def run_check(python: Path, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHON"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [
            str(python),
            "-m",
            "aims_policy",
            "check",
            "--today",
            "2026-11-22",
            "--jobs",
            "1",
            "good.yaml",
            *FILES,
        ],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_every_admitted_pyyaml_release_gives_the_same_verdict(workspace: Path) -> None:
    outputs = {}
    for release in RELEASES:
        python = environment(release)
        version = subprocess.run(
            [str(python), "-c", "import yaml; print(yaml.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert version.stdout.strip() == release
        run = run_check(python, workspace)
        assert "Traceback" not in run.stdout + run.stderr, run.stderr
        assert run.returncode == 2, (
            f"PyYAML {release}: exit {run.returncode}\n{run.stdout}{run.stderr}"
        )
        for name, (_, where) in FILES.items():
            lines = [
                line
                for line in (run.stdout + run.stderr).splitlines()
                if line.startswith(name + ":")
            ]
            assert len(lines) == 1, f"PyYAML {release}, {name}: {lines}"
            assert lines[0].startswith(f"{name}:{where}: "), f"PyYAML {release}: {lines[0]}"
            if name != "syntax-first.yaml":
                assert "nesting deeper than 64 levels" in lines[0], f"PyYAML {release}: {lines[0]}"
        # The good file beside them is still checked: one system, with its own result.
        assert re.search(r"^\d+ files?, 1 system checked", run.stdout, re.M), run.stdout
        outputs[release] = (run.stdout, run.stderr)
    first = outputs[RELEASES[0]]
    for release in RELEASES[1:]:
        assert outputs[release] == first, f"PyYAML {release} differs from {RELEASES[0]}"
