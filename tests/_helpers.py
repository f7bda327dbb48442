"""Plain helpers shared by the test modules (fixtures live in conftest.py): where things are, the
demo's today, the command line run in-process, files written for a test, and manifests built
from the compliant base."""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from click.testing import Result

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "manifests"
RULES_DIR = ROOT / "rules"
EXAMPLE_PACK = ROOT / "examples" / "custom-pack"
#: The installed console script (the same environment as the running Python).
SCRIPT = Path(sys.executable).with_name("aims-policy")

#: The demo's today: the example manifests and base.yaml are written against it.
TODAY = "2026-11-22"

#: A compliant manifest: it passes every built-in rule on TODAY.
BASE = RULES_DIR / "fixtures" / "base.yaml"
BASE_TEXT = BASE.read_text(encoding="utf-8")
# One unknown field gives exactly one finding (AIMS-SCH-001, an error by default) at line TITEL,
# column 3; --severity turns it into a warning or a note, so exit codes and --fail-on can be tested
# without depending on any other rule.
GOOD = re.sub(r"^metadata:\n", "metadata:\n  titel: typo\n", BASE_TEXT, count=1, flags=re.M)
TITEL = GOOD.splitlines().index("  titel: typo") + 1  # its line (8 in today's base.yaml)


def summary(line: str) -> str:
    """A summary line with its count of rule checks not applicable as ``N``: that count changes
    with every rule added to the pack, and the tests that use this are about the rest."""
    return re.sub(r"rule checks: \d+ not applicable", "rule checks: N not applicable", line)


def aims(*args: str, **kwargs: Any) -> Result:
    """``aims-policy ARGS`` in-process. An exception other than the command's own exit is raised
    here (so a crash is never mistaken for exit 1, "findings"), and the output never holds a
    traceback."""
    from click.testing import CliRunner

    from aims_policy.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


P = TypeVar("P", str, Path)


def write(path: P, content: str | bytes) -> P:
    """Write ``content`` (UTF-8 text, or bytes as they are) at ``path``, creating its folders;
    returns ``path`` as given (relative paths are relative to the working directory)."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        file.write_text(content, encoding="utf-8")
    return path


def write_dedented(path: Path, text: str) -> Path:
    """Write an indented triple-quoted block as a file: common indentation and leading blank lines
    removed."""
    return write(path, textwrap.dedent(text).lstrip("\n"))


def minimal_manifest(
    name: str = "minimal",
    *,
    intended_use: str = "Summarise internal documents",
    last_review: str | None = "2026-01-15",
) -> str:
    """The smallest schema-valid manifest (a low-risk system in design); line 4 is ``name:``."""
    review = f"    lastReview: {last_review}\n" if last_review else ""
    return f"""\
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: {name}
spec:
  owner:
    name: Ann
    email: ann@example.com
  purpose:
    intendedUse: {intended_use}
  classification:
    riskLevel: low
  lifecycle:
    stage: design
{review}"""


def example_pack(where: Path) -> Path:
    """A copy of examples/custom-pack at ``where``/custom-pack."""
    pack = where / "custom-pack"
    shutil.copytree(EXAMPLE_PACK, pack)
    return pack


@dataclass(frozen=True)
class FixtureRun:
    """One ``aims-policy test`` run: what it printed and exited with, and the outcome it judged
    (aims_policy.commands.test.TestRun: every case's result, the coverage table, unusable files)."""

    exit_code: int
    output: str
    outcome: Any

    def results_of(self, file: Path) -> list[Any]:
        """The results of one fixture file's cases, in the file's order (the command shows files
        relative to the repository root, where it ran)."""
        return self._by_file.get(file.resolve(), [])

    @cached_property
    def _by_file(self) -> dict[Path, list[Any]]:
        by_file: dict[Path, list[Any]] = {}
        for result in self.outcome.results:
            by_file.setdefault((ROOT / result.file).resolve(), []).append(result)
        return by_file
