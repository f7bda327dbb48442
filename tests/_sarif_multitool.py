"""Microsoft's SARIF Multitool (the reference validator of the SARIF SDK) for the tests.

The npm project in tests/tools/sarif-multitool/ pins the package and locks it by integrity hash.
``install()`` runs ``npm ci`` on a copy of it once, into the tests' cache outside the repository
(tests/_cache.py: ``$AIMS_TEST_CACHE``, else ``$XDG_CACHE_HOME/aims-policy-tests``, else
``~/.cache/aims-policy-tests``), in a folder named after the pinned version and a hash of the npm
project (so changing the pin installs afresh). The install is built in a temporary folder beside it
and renamed into place only once the tool has run, so concurrent test runs never see (or leave) a
half-installed tool. ``validate()`` runs it under one rule set (``Sarif``: the SARIF spec's rules,
JSON schema included; ``Gh``: what GitHub code scanning requires on upload), configured by
tests/tools/sarif-multitool/validate.config.xml, and returns the errors and warnings read from the
SARIF log it writes, and whether it ran to the end.

Node.js and npm are needed to install, not to run: the tool is a self-contained Linux x86-64 binary.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _cache import cache_dir

PROJECT = Path(__file__).resolve().parent / "tools" / "sarif-multitool"
PROJECT_FILES = ("package.json", "package-lock.json", ".npmrc")
PACKAGE = "@microsoft/sarif-multitool-linux"
EXECUTABLE = Path("node_modules", *PACKAGE.split("/"), "Sarif.Multitool")
# Turns off SARIF2006 (UrisShouldBeReachable), a note-level rule that fetches every URI over the
# network; see the file.
CONFIG = PROJECT / "validate.config.xml"
RULE_KINDS = ("Sarif", "Gh")
COMPLETED = "Analysis completed successfully"
RULE_ID = re.compile(r"[A-Z]+[0-9]+")
STALE_SECONDS = 24 * 3600  # a temporary install folder this old was left by a killed run
ENV = {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1"}
NEEDS = (
    "Node.js and npm (e.g. `apt-get install nodejs npm`, or https://nodejs.org/) and access "
    "to the npm registry"
)


class MultitoolUnavailable(Exception):
    """The Multitool could not be installed or does not run here; the message says what to do."""


@dataclass(frozen=True)
class Problem:
    level: str  # "error" or "warning"
    rule_id: str  # e.g. JSON1002, SARIF1001, GH2012
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.level} {self.rule_id}: {self.message}"


@dataclass(frozen=True)
class Validation:
    file: Path
    rule_kind: str
    # Exit code 0, "Analysis completed successfully", executionSuccessful: true and no tool error.
    completed: bool
    problems: tuple[Problem, ...]
    output: str  # the console output, for failure messages

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def __str__(self) -> str:
        head = f"{self.file.name} [{self.rule_kind}]"
        if not self.completed:
            return f"{head}: the validator did not complete:\n{self.output.strip()}"
        return "\n".join(
            [
                f"{head}: {len(self.errors)} errors, {len(self.warnings)} warnings",
                *(f"  {p}" for p in self.problems),
            ]
        )


def pinned_version() -> str:
    lock = json.loads((PROJECT / "package-lock.json").read_text("utf-8"))
    version: str = lock["packages"][f"node_modules/{PACKAGE}"]["version"]
    return version


def install_dir() -> Path:
    digest = hashlib.sha256()
    for name in PROJECT_FILES:
        digest.update(name.encode() + b"\0" + (PROJECT / name).read_bytes() + b"\0")
    return cache_dir() / f"sarif-multitool-{pinned_version()}-{digest.hexdigest()[:12]}"


def _is_installed(folder: Path) -> bool:
    return (folder / ".installed").is_file() and os.access(folder / EXECUTABLE, os.X_OK)


def _run(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=timeout
    )


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _remove_stale(root: Path, prefix: str) -> None:
    for old in root.glob(f".{prefix}*"):
        with contextlib.suppress(OSError):  # gone meanwhile: removed by another run
            if time.time() - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)


def install() -> Path:
    """The Multitool executable, installed with ``npm ci`` into the cache if not there yet."""
    target = install_dir()
    if _is_installed(target):
        return target / EXECUTABLE
    version = pinned_version()
    what = f"{PACKAGE}@{version}"
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        raise MultitoolUnavailable(
            f"cannot install {what} (Microsoft's SARIF validator): {' and '.join(missing)} not "
            f"found on PATH. Install {NEEDS}, then run the tests again."
        )
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root, target.name)
    if target.exists():  # an incomplete install (files deleted by hand?): set it aside, start over
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=root))
        with contextlib.suppress(OSError):  # another run may have set it aside first
            target.rename(aside / "incomplete")
        shutil.rmtree(aside, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=root))
    try:
        for name in PROJECT_FILES:
            shutil.copy2(PROJECT / name, work / name)
        # --ignore-scripts: the package's only script is `chmod u+x Sarif.Multitool`, done below.
        npm = _run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--no-update-notifier"],
            work,
            timeout=900,
        )
        tool = work / EXECUTABLE
        if npm.returncode != 0 or not tool.is_file():
            raise MultitoolUnavailable(
                f"`npm ci` could not install {what} (Microsoft's SARIF validator) from "
                f"{PROJECT} (exit code {npm.returncode}). It needs {NEEDS}.\n"
                f"{_tail(npm.stdout + npm.stderr)}"
            )
        tool.chmod(tool.stat().st_mode | 0o100)
        probe = _run([str(tool), "--version"], work, timeout=120)
        said = probe.stdout + probe.stderr  # the version goes to stderr
        if probe.returncode != 0 or version not in said:
            raise MultitoolUnavailable(
                f"{what} was installed but does not run on this machine ({platform.system()} "
                f"{platform.machine()}; Microsoft publishes it on npm for Linux x86-64, and it "
                f"needs libicu). `{tool.name} --version` exited with {probe.returncode}:\n"
                f"{_tail(said)}"
            )
        (work / ".installed").write_text(said, "utf-8")
        try:
            work.rename(target)  # atomic; fails if another run has put its install there first
        except OSError:
            if not _is_installed(target):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / EXECUTABLE


def _message(result: dict[str, Any], rule: dict[str, Any]) -> str:
    message = result.get("message", {})
    if "text" in message:
        return str(message["text"])
    template = rule.get("messageStrings", {}).get(message.get("id"), {}).get("text")
    if template is None:
        return json.dumps(message)
    arguments = message.get("arguments", [])
    return re.sub(
        r"\{(\d+)\}",
        lambda m: str(arguments[int(m[1])]) if int(m[1]) < len(arguments) else m[0],
        template,
    )


def _problems(log: dict[str, Any]) -> tuple[Problem, ...]:
    problems = []
    for run in log.get("runs", []):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        by_id = {r.get("id"): r for r in rules}
        for result in run.get("results", []) or []:
            index = result.get("ruleIndex", -1)
            rule = rules[index] if 0 <= index < len(rules) else by_id.get(result.get("ruleId"), {})
            # SARIF 3.27.10: no level means the rule's default level, else "warning".
            level = result.get("level") or rule.get("defaultConfiguration", {}).get(
                "level", "warning"
            )
            if level not in ("error", "warning"):
                continue
            region = (
                (result.get("locations") or [{}])[0].get("physicalLocation", {}).get("region", {})
            )
            problems.append(
                Problem(
                    level,
                    str(result.get("ruleId", "?")),
                    region.get("startLine"),
                    _message(result, rule),
                )
            )
    return tuple(problems)


def validate(tool: Path, file: Path, rule_kind: str) -> Validation:
    """Runs ``Sarif.Multitool validate --rule-kind <rule_kind>`` on one file. Its results are
    read from the SARIF log it writes (``--output``), not from its console output."""
    assert rule_kind in RULE_KINDS, rule_kind
    with tempfile.TemporaryDirectory(prefix="sarif-validate-") as tmp:
        log_path = Path(tmp) / "validation.sarif"
        done = _run(
            [
                str(tool),
                "validate",
                "--rule-kind",
                rule_kind,
                "--level",
                "Error;Warning",
                "--config",
                str(CONFIG),
                "--log",
                "ForceOverwrite",
                "--output",
                str(log_path),
                str(file.resolve()),
            ],
            Path(tmp),
            timeout=600,
        )
        output = done.stdout + done.stderr
        try:
            log: dict[str, Any] = json.loads(log_path.read_text("utf-8-sig"))
        except (OSError, ValueError) as exc:
            output += f"\n(no readable validation log: {exc})"
            log = {}
    invocations = [i for run in log.get("runs", []) for i in run.get("invocations", [])]
    notifications = [
        n
        for i in invocations
        for key in ("toolConfigurationNotifications", "toolExecutionNotifications")
        for n in i.get(key, [])
    ]
    completed = (
        done.returncode == 0
        and COMPLETED in output
        and bool(invocations)
        and all(i.get("executionSuccessful") is True for i in invocations)
        and not any(n.get("level") == "error" for n in notifications)
    )
    return Validation(file, rule_kind, completed, _problems(log), output)
