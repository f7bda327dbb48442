"""A small rule pack written into a test's folder, and copies of example manifests to run it on:
the exceptions, baseline and configuration tests use it so that their expectations do not move
when the built-in rules change. TST-RSK-001 fires once per risk that lacks ``x-reviewed: true``
(credit-scoring has R-1..R-6), TST-SYS-001 once per system without ``metadata.x-approved``."""

from __future__ import annotations

import shutil
from pathlib import Path

from _helpers import MANIFESTS

MANIFEST = "credit-scoring.yaml"
RISKS = ["R-1", "R-2", "R-3", "R-4", "R-5", "R-6"]

PACK = """
from aims_policy.engine import rule


@rule(id="TST-RSK-001", title="Every risk is marked reviewed", severity="error",
      controls=["A.5.2"], rationale="test rule", remediation="add x-reviewed: true")
def risk_reviewed(ctx):
    for risk in ctx.each("spec.risks"):
        if not risk.get("x-reviewed"):
            yield risk.missing("x-reviewed", f"risk {risk.name} is not marked reviewed")


@rule(id="TST-SYS-001", title="The system is approved", severity="warning",
      controls=["A.2.2"], rationale="test rule", remediation="add metadata.x-approved")
def system_approved(ctx):
    if not ctx.get("metadata.x-approved"):
        yield ctx.at("metadata").missing("x-approved", "the system is not approved")
"""


def make_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "testpack"
    pack.mkdir(exist_ok=True)
    (pack / "checks.py").write_text(PACK, encoding="utf-8")
    return pack


def copy_manifests(tmp_path: Path, names: tuple[str, ...] = (MANIFEST,)) -> Path:
    """Copies of the example manifests with their evidence, in tmp_path/manifests."""
    target = tmp_path / "manifests"
    target.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(MANIFESTS / name, target / name)
    shutil.copytree(MANIFESTS / "evidence", target / "evidence", dirs_exist_ok=True)
    return target


def insert_after(path: Path, anchor: str, text: str) -> int:
    """Insert ``text`` after the first line equal to ``anchor``; returns the first new line's
    number (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    lines[index + 1 : index + 1] = [text]
    path.write_text("".join(lines), encoding="utf-8")
    return index + 2


def add_exceptions(path: Path, block: str) -> int:
    """Add ``metadata.exceptions`` to credit-scoring; returns the line of the first item."""
    return insert_after(path, "  name: credit-scoring", "  exceptions:\n" + block) + 1
