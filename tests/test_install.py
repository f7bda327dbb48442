"""A non-editable install finds everything: built-in rules, their fixtures, the schema, the data
document. The wheel is built offline from a copy of the source (so the shared tree stays clean),
installed into a plain directory and run from another working directory with ``python -S``, so
neither the editable install nor the source tree can stand in for a missing file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from _helpers import ROOT, SCRIPT

# Every test uses the wheel built (pip, setuptools) and installed by the module fixture.
pytestmark = pytest.mark.slow

SOURCES = [
    "aims_policy",
    "rules",
    "setup.cfg",
    "pyproject.toml",
    "README.md",
    "MANIFEST.in",
    "LICENSE",
]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".*")


class Installed:
    def __init__(self, source: Path, target: Path, wheel: Path, elsewhere: Path):
        self.source, self.target, self.wheel, self.elsewhere = source, target, wheel, elsewhere

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python -S -m aims_policy ...`` seeing only the install and the third-party libraries."""
        purelib = sysconfig.get_paths()["purelib"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PYTHONPATH"] = os.pathsep.join([str(self.target), purelib])
        return subprocess.run(
            [sys.executable, "-S", "-m", "aims_policy", *args],
            cwd=self.elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=IGNORE)
        elif path.exists():
            shutil.copy2(path, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    wheels = base / "wheels"
    subprocess.run(
        [
            *pip,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        timeout=120,
    )
    [wheel] = wheels.glob("aims_policy-*.whl")
    target = base / "target"
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        check=True,
        timeout=120,
    )
    elsewhere = base / "elsewhere"
    shutil.copytree(ROOT / "manifests", elsewhere / "manifests")
    return Installed(source, target, wheel, elsewhere)


def editable(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_install_is_what_runs(installed: Installed) -> None:
    probe = installed.run("--version")
    assert probe.returncode == 0, probe.stderr
    code = "import aims_policy, aims_policy.rules; print(aims_policy.__file__); print(aims_policy.rules.__file__)"
    purelib = sysconfig.get_paths()["purelib"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(installed.target), purelib])
    done = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=installed.elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for line in done.stdout.splitlines():
        assert Path(line).is_relative_to(installed.target), line


def test_wheel_contains_rules_fixtures_schema_and_data(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {
        "aims_policy/py.typed",
        "aims_policy/_schema_fast.py",
        "aims_policy/schema/manifest-v1.schema.json",
        "aims_policy/data/defaults.yaml",
        "aims_policy/rules/__init__.py",
        "aims_policy/rules/fixtures/base.yaml",
    }
    # every file of the package and of the rule pack (mapped to aims_policy.rules) is installed
    # (in the copy the wheel was built from: the shared tree may change while the test runs)
    source = installed.source
    for base, prefix in (
        (source / "aims_policy", "aims_policy"),
        (source / "rules", "aims_policy/rules"),
    ):
        for path in base.rglob("*"):
            parts = path.relative_to(base).parts
            if (
                path.is_file()
                and "__pycache__" not in parts
                and not any(p.startswith(".") for p in parts)
            ):
                expected.add(f"{prefix}/{path.relative_to(base).as_posix()}")
    assert len([n for n in expected if n.endswith(".fixtures.yaml")]) >= 1
    assert sorted(expected - names) == []
    assert not any(n.startswith(("rules/", "tests/")) for n in names), (
        "no top-level 'rules' package"
    )
    assert (installed.target / "aims_policy" / "rules" / "fixtures" / "base.yaml").is_file()


def test_installed_rules_match_the_source_tree(installed: Installed) -> None:
    done = installed.run("rules", "--format", "json")
    assert done.returncode == 0, done.stderr
    mine = editable("rules", "--format", "json", cwd=ROOT)
    assert mine.returncode == 0, mine.stderr
    installed_ids = [r["id"] for r in json.loads(done.stdout)]
    assert installed_ids == [r["id"] for r in json.loads(mine.stdout)]
    assert len(installed_ids) > 3  # the built-in pack, not just the schema rules


def test_installed_schema_and_check_of_copied_manifests(installed: Installed) -> None:
    schema = installed.run("schema")
    assert schema.returncode == 0, schema.stderr
    assert json.loads(schema.stdout)["title"].startswith("aims-policy AISystem manifest v1")

    args = ("check", "--today", "2026-11-22", "--format", "json", "manifests")
    done = installed.run(*args)
    assert done.returncode in (0, 1), (
        done.stdout + done.stderr
    )  # the examples carry gaps on purpose
    report = json.loads(done.stdout)
    assert report["problems"] == []
    assert report["summary"]["systems"] >= 6
    # the same verdict, byte for byte, as the development install on the same files
    mine = editable(*args, cwd=installed.elsewhere)
    assert (done.returncode, done.stdout) == (mine.returncode, mine.stdout)


def test_installed_rule_fixtures_run(installed: Installed) -> None:
    done = installed.run("test")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_an_installed_copy_writes_a_rule_reference_only_where_told(installed: Installed) -> None:
    """An installed copy has no docs/rules of its own: without --output it writes nothing, not
    even into a docs/rules/ of the working directory."""
    (installed.elsewhere / "docs" / "rules").mkdir(parents=True, exist_ok=True)
    refused = installed.run("docs")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr.startswith("aims-policy: error: no --output")
    assert list((installed.elsewhere / "docs" / "rules").iterdir()) == []
    told = installed.run("docs", "--output", "reference")
    assert told.returncode == 0, told.stderr
    assert (installed.elsewhere / "reference" / "README.md").is_file()


LIBRARY_SNIPPET = (
    "import aims_policy; report = aims_policy.check(['manifests/'], today='2026-11-22'); "
    "print(report.exit_code, len(report.findings))"
)


def test_library_and_python_m_work_from_the_checkout_root_after_a_plain_install(
    installed: Installed,
) -> None:
    """Run in a checkout's root, Python imports the source folder aims_policy/ before the installed
    package, and the source has no aims_policy/rules (an install maps rules/ onto it)."""
    checkout = installed.source
    shutil.copytree(ROOT / "manifests", checkout / "manifests", dirs_exist_ok=True)
    purelib = sysconfig.get_paths()["purelib"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(installed.target), purelib])
    library = subprocess.run(
        [sys.executable, "-S", "-c", LIBRARY_SNIPPET],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert library.returncode == 0, library.stderr
    module = subprocess.run(
        [
            sys.executable,
            "-S",
            "-m",
            "aims_policy",
            "check",
            "--today",
            "2026-11-22",
            "--format",
            "json",
            "manifests/",
        ],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert module.returncode == 1, module.stderr  # the examples carry gaps on purpose
    report = json.loads(module.stdout)
    assert report["problems"] == [] and report["summary"]["systems"] >= 6
    assert library.stdout.split() == ["1", str(len(report["findings"]))]


def test_library_and_python_m_work_from_the_repository_root_with_the_editable_install() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    library = subprocess.run(
        [sys.executable, "-c", LIBRARY_SNIPPET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert library.returncode == 0, library.stderr
    module = subprocess.run(
        [sys.executable, "-m", "aims_policy", "check", "--today", "2026-11-22", "manifests/"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert module.returncode == 1 and "Traceback" not in module.stderr, module.stderr
