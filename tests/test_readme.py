"""The README's examples are real: the rule it shows is the pack's own, its manifest is valid
format v1, and its test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from _helpers import ROOT

from aims_policy import check

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(after: str, language: str) -> str:
    match = re.search(re.escape(after) + r".*?```" + language + r"\n(.*?)```", README, re.S)
    assert match, f"no {language} block after {after!r}"
    return match.group(1)


def test_the_rule_shown_is_a_real_rule_of_the_pack_in_under_25_lines() -> None:
    block = _block("A complete rule from the built-in pack", "python")
    assert len(block.strip().splitlines()) < 25
    assert block.strip() in (ROOT / "rules" / "ownership.py").read_text(encoding="utf-8")


def test_the_short_manifest_is_valid_and_gets_rule_findings(tmp_path: Path) -> None:
    manifest = tmp_path / "support-chatbot.yaml"
    manifest.write_text(_block("## A manifest", "yaml"), encoding="utf-8")
    report = check([str(manifest)], today="2026-11-22", cwd=str(tmp_path))
    assert report.notifications == ()
    assert [f for f in report.findings if f.rule_id.startswith("AIMS-SCH")] == []
    assert report.exit_code == 1 and [s.name for s in report.systems] == ["support-chatbot"]


def test_the_readme_test_command_is_what_ci_runs() -> None:
    """The same installs in the same order, from the lock file, then pytest."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(
        line
        for line in _block("Install the test environment", "sh").splitlines()
        if line.startswith("python3 -m venv .venv ")
    )
    readme_installs = re.findall(r"\.venv/bin/pip install (.+?)(?: &&|$)", command)
    ci_installs = re.findall(r'"\$venv/bin/pip" install --quiet (.+)', ci)
    assert (
        readme_installs
        == ci_installs
        == ["-r requirements/test.lock", "--no-deps --no-build-isolation -e ."]
    )
    assert command.endswith(".venv/bin/python -m pytest") and '/bin/python" -m pytest' in ci


def test_the_lock_file_pins_every_requirement_exactly() -> None:
    """Each line of the lock is `name==version` (with an environment marker at most), and every
    requirement of setup.cfg, test extras included, is in it."""
    import configparser

    lock = (ROOT / "requirements" / "test.lock").read_text(encoding="utf-8")
    pinned = {}
    for line in lock.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)( ; .+)?", line)
            assert match, f"not an exact pin: {line!r}"
            pinned[match.group(1).lower().replace("_", "-")] = match.group(2)
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    wanted = config["options"]["install_requires"].split("\n") + config["options.extras_require"][
        "test"
    ].split("\n")
    for requirement in filter(None, (w.split("#")[0].strip() for w in wanted)):
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower().replace("_", "-")  # type: ignore[union-attr]
        assert name in pinned, f"{name} is required by setup.cfg but not locked"
