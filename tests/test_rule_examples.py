"""Every rule's documented examples give the stated result.

`aims-policy explain RULE` and `docs/rules/RULE.md` show a complete manifest that passes the rule
and one that fails it (aims_policy/examples.py; kept in `rules/<module>.examples.yaml` and, for
the schema, exception and discovery checks and the rules that read the git index,
`aims_policy/builtin.examples.yaml`). Each is saved to a file of its own in an empty folder, with
the files the example puts beside it and, when it says so, a real `git init` and `git add` of
what it tracks, and put through the whole check (every rule, the schema, exceptions, AI discovery
when its flags ask) with the example's --today: the passing one gets no finding of its rule and
the rule is evaluated (not "not applicable", not "not evaluated"); the failing one gets the rule's
findings at the places the fixture case it comes from expects (a hand-written expectation, not a
copy of the output) and the page states. Every rule `aims-policy rules` lists has one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _helpers import ROOT, aims

from aims_policy import derive_examples, docs, examples, registry
from aims_policy.api import check
from aims_policy.fixtures import fixture_files_at
from aims_policy.model import Report
from aims_policy.options import Options

REGENERATE = "run `python -m aims_policy.derive_examples {rule}` and commit the examples file"


def _rule_ids() -> list[str]:
    """Every rule a report can name, as `aims-policy rules` lists them (pack, schema, exception
    and discovery checks)."""
    from aims_policy.commands.info import report_rules

    return sorted({m.id for m in report_rules(r.meta for r in registry.load().all)})


RULES = _rule_ids()
EXAMPLES = examples.load(registry.pack_locations())
CASES = docs.read_cases(fixture_files_at(registry.pack_locations()), registry.pack_locations())


def _check(tmp_path: Path, example: examples.Example, shown: examples.Shown) -> Report:
    """The example as a user would check it: a file of its own, in a folder with nothing else
    (so no evidence file of this checkout can make it pass), with the data document, the files
    beside it, the git index and the options it states."""
    from aims_policy import data as data_document

    (tmp_path / "example.yaml").write_text(shown.manifest, encoding="utf-8")
    files = []
    if shown.data:
        (tmp_path / "org-data.yaml").write_text(examples.data_text(shown), encoding="utf-8")
        files.append(tmp_path / "org-data.yaml")
    for path, body in shown.files.items():
        target = tmp_path / examples.inside(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    if shown.git is not None:
        _git(tmp_path, "init", "-q")
        if shown.git:
            _git(tmp_path, "add", "--", *shown.git)
    unknown = set(shown.flags) - {"--discover-ai"}
    assert not unknown, f"the test cannot give these options yet: {unknown}"
    return check(
        [str(tmp_path / "example.yaml")],
        options=Options(data=data_document.load(files), discover_ai="--discover-ai" in shown.flags),
        today=example.today,
        cwd=str(tmp_path),
    )


def _git(folder: Path, *args: str) -> None:
    """Real git, as the user of the example runs it (no identity needed: nothing is committed)."""
    git = shutil.which("git")
    assert git is not None, "these examples need git, as the rules they show do"
    subprocess.run([git, *args], cwd=folder, check=True, capture_output=True)


def _problems(report: Report, rule_id: str) -> list[str]:
    """What makes a check unfit to judge a rule: the tool could not do its job, or the manifest
    breaks the schema other than by the schema rule exemplified."""
    out = [str(n) for n in report.notifications]
    out += [
        f"{f.rule_id} {f.ident}: {f.message}"
        for f in report.findings
        if f.rule_id.startswith("AIMS-SCH-") and f.rule_id != rule_id
    ]
    return out


def test_every_rule_has_an_example() -> None:
    missing = [rule for rule in RULES if rule not in EXAMPLES]
    assert missing == [], (
        "rules without examples: "
        + ", ".join(missing)
        + "; "
        + (REGENERATE.format(rule=" ".join(missing)))
    )


@pytest.mark.parametrize("rule_id", RULES)
def test_the_passing_example_passes(rule_id: str, tmp_path: Path) -> None:
    example = EXAMPLES.get(rule_id)
    assert example is not None, REGENERATE.format(rule=rule_id)
    report = _check(tmp_path, example, example.passes)
    assert _problems(report, rule_id) == []
    found = [f"{f.ident}: {f.message}" for f in report.findings if f.rule_id == rule_id]
    assert found == [], f"{rule_id}'s passing example fails it; " + REGENERATE.format(rule=rule_id)
    # Passed, not merely silent: a rule that does not apply or could not be read says nothing too.
    other = [(r.status, r.reason) for r in report.results if r.rule_id == rule_id]
    assert other == [], f"{rule_id} was not evaluated as passing: {other}"


@pytest.mark.parametrize("rule_id", RULES)
def test_the_failing_example_fails_where_stated(rule_id: str, tmp_path: Path) -> None:
    example = EXAMPLES.get(rule_id)
    assert example is not None, REGENERATE.format(rule=rule_id)
    report = _check(tmp_path, example, example.fails)
    assert _problems(report, rule_id) == []
    found = sorted(f.ident for f in report.findings if f.rule_id == rule_id)
    assert found, f"{rule_id}'s failing example does not fail it; " + REGENERATE.format(
        rule=rule_id
    )
    assert found == sorted(example.fails.reported_at), "the page states other places"
    case = _case(rule_id, example.fails.case)
    if case is not None and not case.manifests:
        # The fixture's own expectation, written by hand: the example keeps the case's point.
        assert found == sorted(case.paths)
    elif case is not None:
        # A cross-manifest case names the manifest of each place; the example holds them all in
        # one file, which each finding names instead (`path@example.yaml`, `#2` for its 2nd).
        assert sorted(f.rsplit("@", 1)[0] for f in found) == sorted(
            docs._in_manifest(p) for p in case.paths
        )
        assert {f.rsplit("@", 1)[-1].split("#")[0] for f in found} == {"example.yaml"}


def _case(rule_id: str, name: str) -> Any:
    return next((c for c in CASES.get(rule_id, ()) if c.name == name), None)


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_examples_come_from_cases_that_still_exist(rule_id: str) -> None:
    """A renamed or removed fixture case leaves its example stale."""
    if rule_id.startswith(("AIMS-SCH-", "AIMS-EXC-", "AIMS-INV-")):
        return  # written by hand: these checks have no fixtures
    example = EXAMPLES[rule_id]
    for shown, expect in ((example.passes, "passed"), (example.fails, "failed")):
        case = _case(rule_id, shown.case)
        assert case is not None and case.expect == expect, REGENERATE.format(rule=rule_id)


def test_the_rule_reference_shows_the_same_examples() -> None:
    for rule_id, example in EXAMPLES.items():
        page = (ROOT / "docs" / "rules" / f"{rule_id}.md").read_text(encoding="utf-8")
        for shown in (example.passes, example.fails):
            assert f"```yaml\n{shown.manifest}```" in page, rule_id
            assert f"`{examples.command(example, shown)}`" in page, rule_id
            for path, body in shown.files.items():
                assert f"With `{path}`:" in page and f"\n{body}```" in page, (rule_id, path)
        assert f"--today {example.today}" in page


def test_explain_shows_a_passing_and_a_failing_manifest() -> None:
    result = aims("explain", "AIMS-MON-001")
    assert result.exit_code == 0, result.output
    example = EXAMPLES["AIMS-MON-001"]
    indented = "\n".join("    " + line for line in example.fails.manifest.rstrip("\n").split("\n"))
    assert (
        "Passing example (aims-policy check example.yaml --today 2026-11-22: "
        "no AIMS-MON-001 finding):\n    apiVersion: aims-policy/v1\n" in result.output
    )
    assert (
        "Failing example (aims-policy check example.yaml --today 2026-11-22: AIMS-MON-001 at "
        "spec.monitoring.metrics[MM-injection-hits].frequency, "
        "spec.monitoring.metrics[MM-thumbs-down].comparison):\n" in result.output
    )
    assert indented in result.output


def test_minimise_keeps_only_what_the_outcome_needs() -> None:
    """Independent of any rule: the outcome "has key b.c" keeps exactly that path and the
    required envelope of lists (one item), in order."""
    document = {"a": 1, "b": {"x": [1, 2, 3], "c": 2, "d": {"e": 3}}, "f": [{"g": 1}, {"c": 5}]}

    def holds(docs: list[Any]) -> bool:
        doc = docs[0]
        return doc.get("b", {}).get("c") == 2 and len(doc.get("f", [])) >= 1

    documents = [document]
    derive_examples.minimise(documents, holds)
    assert documents == [{"b": {"c": 2}, "f": [{}]}]


def test_explain_shows_the_files_and_git_an_example_needs() -> None:
    """An example that needs a repository prints how to build it: the git commands in the
    command line, each file beside the manifest under its own name."""
    result = aims("explain", "AIMS-EVD-003")
    assert result.exit_code == 0, result.output
    assert (
        "Failing example (git init -q && git add example.yaml && aims-policy check example.yaml "
        "--today 2026-11-22: AIMS-EVD-003 at spec.transparency.instructionsForUseRef):\n"
        "  docs/instructions-for-use.md:\n"
        "    # Invoice router: instructions for use\n" in result.output
    )
    assert "\n  example.yaml:\n    apiVersion: aims-policy/v1\n" in result.output
    inventory = aims("explain", "AIMS-INV-001")
    assert inventory.exit_code == 0, inventory.output
    assert "aims-policy check example.yaml --today 2026-11-22 --discover-ai" in inventory.output
    assert "  router/classify.py:\n    from openai import OpenAI\n" in inventory.output


def test_an_example_cannot_name_a_file_outside_its_folder(tmp_path: Path) -> None:
    """Examples files come with custom packs too: one naming a path outside the example's
    folder (or inside .git) is not read, so neither the test nor a reader writes there."""
    manifest = "    manifest: |\n      apiVersion: aims-policy/v1\n"
    for bad in ("../escape.txt", "/etc/passwd", ".git/hooks/pre-commit", "a/../../b"):
        path = tmp_path / "x.examples.yaml"
        path.write_text(
            "AIMS-X-001:\n  today: 2026-11-22\n"
            f"  passes:\n    case: p\n    files: {{'{bad}': 'x'}}\n{manifest}"
            f"  fails:\n    case: f\n{manifest}",
            encoding="utf-8",
        )
        assert examples.read(path) == {}, bad
    path.write_text(
        path.read_text(encoding="utf-8").replace("a/../../b", "ok/in.txt"), encoding="utf-8"
    )
    assert examples.read(path)["AIMS-X-001"].passes.files == {"ok/in.txt": "x"}
