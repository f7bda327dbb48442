"""The README's examples are real: the rule it shows is the pack's own, its manifest is valid
format v1, and its test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from aims_policy import check

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(after: str, language: str) -> str:
    match = re.search(re.escape(after) + r".*?```" + language + r"\n(.*?)```", README, re.S)
    assert match, f"no {language} block after {after!r}"
    return match.group(1)


def test_the_rule_shown_is_a_real_rule_of_the_pack_in_under_20_lines() -> None:
    block = _block("A complete rule from the built-in pack", "python")
    assert len(block.strip().splitlines()) < 20
    assert block.strip() in (ROOT / "rules" / "ownership.py").read_text(encoding="utf-8")


def test_the_short_manifest_is_valid_and_gets_rule_findings(tmp_path: Path) -> None:
    manifest = tmp_path / "support-chatbot.yaml"
    manifest.write_text(_block("## A manifest", "yaml"), encoding="utf-8")
    report = check([str(manifest)], today="2026-11-22", cwd=str(tmp_path))
    assert report.notifications == ()
    assert [f for f in report.findings if f.rule_id.startswith("AIMS-SCH")] == []
    assert report.exit_code == 1 and [s.name for s in report.systems] == ["support-chatbot"]


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && .venv/bin/python -m pytest" in README
    assert "pip install --quiet -e '.[test]'" in ci and "-m pytest" in ci
