"""The rule authoring toolchain: `aims-policy test` (fixtures, coverage, JUnit), custom rule packs
from a directory or an installed entry point (loaded only when named), and id collisions."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from _helpers import EXAMPLE_PACK, aims, example_pack
from _helpers import ROOT as REPO
from _helpers import write_dedented as write

JUNIT_XSD = Path(__file__).parent / "schemas" / "junit-10.xsd"


MANIFEST = """
    apiVersion: aims-policy/v1
    kind: AISystem
    metadata:
      name: invoice-classifier
      x-cost-centre: finance
    spec:
      owner:
        name: Jo Bloggs
        email: jo.bloggs@example.com
      purpose:
        intendedUse: Route incoming supplier invoices to the right queue.
      classification:
        riskLevel: low
      lifecycle:
        stage: operation
      models:
        - id: M-router
          x-model-registry-id: mr-00042
        - id: M-ocr
"""


# -- the custom example pack, end to end --------------------------------------------------------


def test_example_pack_passes_with_full_coverage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example_pack(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "custom-pack", "--strict", "--coverage-min", "100")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[:3] == [
        "Coverage (outcomes proved by passing cases; rule-function lines executed):",
        "  rule          cases  fail  pass   n/a   lines",
        "  ACME-FIN-001      4     2     1     1  100.0%",
    ]
    assert "  ACME-REG-001      4     2     1     1  100.0%" in result.stdout
    assert "8 cases in 1 fixture file: 8 passed, 0 failed." in result.stdout
    assert "2 rules; line coverage 100.0% (16/16 lines), minimum 100%." in result.stdout
    # Only the named pack is under test: no built-in rule appears in the table.
    assert "AIMS-" not in result.stdout


def test_failing_fixture_reported_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = example_pack(tmp_path)
    fixtures = pack / "acme.fixtures.yaml"
    before = fixtures.read_text(encoding="utf-8")
    line = before.count("\n") + 1  # the appended case starts on the next line
    fixtures.write_text(
        before
        + (
            "  - rule: ACME-FIN-001\n"
            "    name: a deliberately wrong expectation\n"
            "    with: {metadata.x-cost-centre: CC-1234}\n"
            "    expect: {fail: [metadata.x-cost-centre]}\n"
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "custom-pack")
    assert result.exit_code == 1, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"FAIL  custom-pack/acme.fixtures.yaml:{line}: ACME-FIN-001: "
        "a deliberately wrong expectation"
    )
    assert lines[1] == "      expected failed, got passed"
    assert "9 cases in 1 fixture file: 8 passed, 1 failed." in result.stdout


def test_check_with_custom_pack_fires_the_custom_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example_pack(tmp_path)
    write(tmp_path / "systems" / "invoice.yaml", MANIFEST)
    monkeypatch.chdir(tmp_path)
    result = aims("check", "--rules", "custom-pack", "--today", "2026-11-22", "systems")
    assert result.exit_code == 1, result.stdout
    assert (
        "systems/invoice.yaml:5:3: warning ACME-FIN-001 'finance' is not a cost centre; "
        "write CC- and four digits, e.g. CC-1234"
    ) in result.stdout
    assert (
        "systems/invoice.yaml:19:7: error ACME-REG-001 model M-ocr is not in the model registry"
        in result.stdout
    )
    # Extension fields are accepted by the schema: no AIMS-SCH finding.
    assert "AIMS-SCH" not in result.stdout
    # Without the pack, nothing of it runs.
    plain = aims("check", "--today", "2026-11-22", "systems")
    assert "ACME-" not in plain.stdout


def test_rules_lists_a_directory_pack(tmp_path: Path) -> None:
    pack = example_pack(tmp_path)
    result = aims("rules", "--rules", str(pack))
    assert result.exit_code == 0
    assert (
        "ACME-FIN-001   warning  Systems in use are charged to a cost centre [A.4.2, 7.1]"
        in result.stdout
    )


# -- line coverage ------------------------------------------------------------------------------

BRANCHY = """
    from aims_policy.engine import rule


    @rule(id="ORG-COV-001", title="Flag values", severity="note", rationale="r", remediation="m")
    def flag(ctx):
        value = ctx.get("metadata.x-flag")
        if value == "a":
            yield ctx.at("metadata.x-flag").fail("a")
        elif value == "b":
            yield ctx.at("metadata.x-flag").fail("b")
"""

BASE = """
    apiVersion: aims-policy/v1
    kind: AISystem
    metadata: {name: s}
    spec:
      owner: {name: O}
      purpose: {intendedUse: U}
      classification: {riskLevel: low}
      lifecycle: {stage: design}
"""


def branchy_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "org"
    write(pack / "flags.py", BRANCHY)
    write(pack / "base.yaml", BASE)
    write(
        pack / "flags.fixtures.yaml",
        """
        base: base.yaml
        cases:
          - rule: ORG-COV-001
            name: no flag passes
            expect: pass
          - rule: ORG-COV-001
            name: flag a fails
            with: {metadata.x-flag: a}
            expect: {fail: [metadata.x-flag]}
    """,
    )
    return pack


def test_lines_never_executed_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    branchy_pack(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "org")
    assert result.exit_code == 0, result.stdout
    # The body has five lines with code (6-10); the `elif` branch's yield (line 10) never runs.
    assert "  ORG-COV-001      2     1     1     -   80.0%" in result.stdout
    assert "  ORG-COV-001  lines never executed: org/flags.py:10" in result.stdout
    assert "1 rule; line coverage 80.0% (4/5 lines)." in result.stdout
    below = aims("test", "--rules", "org", "--coverage-min", "90")
    assert below.exit_code == 1
    assert "Line coverage 80.0% is below --coverage-min 90%." in below.stdout
    assert aims("test", "--rules", "org", "--coverage-min", "80").exit_code == 0


def test_executable_lines_and_tracer() -> None:
    from aims_policy.commands.test import line_ranges
    from aims_policy.trace import LineCoverage, executable_lines

    # fmt: off
    def sample(x: int) -> int:
        if x > 1:
            return 1
        return [i for i in range(x)
                if i > 5].count(0)  # a statement over two lines: both are executable lines
    # fmt: on

    first = sample.__code__.co_firstlineno
    assert executable_lines(sample.__code__) == {first + 1, first + 2, first + 3, first + 4}
    before = sys.gettrace()
    tracer = LineCoverage(code_of=lambda rule: [sample.__code__])
    tracer.enter_rule("a rule")
    sample(0)
    tracer.leave_rule("a rule")
    sample(2)  # after leave_rule: not recorded
    assert tracer.hit[sample.__code__.co_filename] == {first + 1, first + 3, first + 4}
    assert sys.gettrace() is before  # whoever traced before gets its tracer back
    assert line_ranges([3, 4, 5, 9, 11, 12]) == "3-5, 9, 11-12"


def test_strict_requires_every_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = branchy_pack(tmp_path)
    write(
        pack / "more.py",
        """
        from aims_policy.engine import rule


        @rule(id="ORG-COV-002", title="Untested", severity="note", rationale="r", remediation="m")
        def untested(ctx):
            return ()
    """,
    )
    monkeypatch.chdir(tmp_path)
    loose = aims("test", "--rules", "org")
    assert loose.exit_code == 0
    assert "  ORG-COV-002  no fixtures" in loose.stdout
    strict = aims("test", "--rules", "org", "--strict")
    assert strict.exit_code == 1
    assert "--strict: 1 rule lacks fixtures or an expected outcome." in strict.stdout


# -- unusable fixtures and packs ----------------------------------------------------------------


def test_unusable_fixture_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = branchy_pack(tmp_path)
    write(pack / "broken.fixtures.yaml", "base: missing.yaml\ncases: []\n")
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "org")
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0].startswith(
        "ERROR org/broken.fixtures.yaml: unusable fixture file: cannot read"
    )


def test_case_naming_an_unknown_rule_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = branchy_pack(tmp_path)
    write(
        pack / "other.fixtures.yaml",
        """
        base: base.yaml
        cases:
          - rule: ORG-NOPE-001
            name: a typo in the rule id
            expect: pass
    """,
    )
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "org")
    assert result.exit_code == 1
    assert "FAIL  org/other.fixtures.yaml:3: ORG-NOPE-001: a typo in the rule id" in result.stdout
    assert "no rule 'ORG-NOPE-001' is loaded" in result.stdout


def test_broken_pack_module_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "bad" / "oops.py", "def broken(:\n")
    result = aims("test", "--rules", str(tmp_path / "bad"))
    assert result.exit_code == 2
    assert "rule pack failed to load: SyntaxError" in result.stderr


# -- id collisions ------------------------------------------------------------------------------

CLASH = """
    from aims_policy.engine import rule


    @rule(id="{id}", title="Clash", severity="note", rationale="r", remediation="m")
    def clash(ctx):
        return ()
"""


def test_collision_with_builtin_is_an_error(tmp_path: Path) -> None:
    pack = write(tmp_path / "clash" / "own.py", CLASH.format(id="AIMS-OWN-001")).parent
    write(tmp_path / "systems" / "s.yaml", MANIFEST)
    for command in (
        ["check", "--rules", str(pack), str(tmp_path / "systems")],
        ["test", "--rules", str(pack)],
        ["rules", "--rules", str(pack)],
    ):
        result = aims(*command)
        assert result.exit_code == 2, command
        assert (
            "aims-policy: error: rule id AIMS-OWN-001 is defined twice (builtin and clash); "
            "rule ids must be unique"
        ) in result.stderr


def test_collision_between_two_packs_is_an_error(tmp_path: Path) -> None:
    one = write(tmp_path / "one" / "a.py", CLASH.format(id="ORG-X-001")).parent
    two = write(tmp_path / "two" / "b.py", CLASH.format(id="ORG-X-001")).parent
    result = aims("check", "--rules", str(one), "--rules", str(two), str(tmp_path))
    assert result.exit_code == 2
    assert "rule id ORG-X-001 is defined twice (one and two)" in result.stderr


# -- installed packs: loaded only when named ----------------------------------------------------


def fake_distribution(site: Path) -> None:
    """An installed distribution without installing anything: a *.dist-info directory with an
    entry point, and the package it names, on a directory we put on sys.path."""
    write(
        site / "acme_aims_pack-1.0.dist-info" / "METADATA",
        "Metadata-Version: 2.1\nName: acme-aims-pack\nVersion: 1.0\n",
    )
    write(
        site / "acme_aims_pack-1.0.dist-info" / "entry_points.txt",
        "[aims_policy.packs]\nacme = acme_aims_pack\n",
    )
    shutil.copytree(EXAMPLE_PACK, site / "acme_aims_pack")
    write(site / "acme_aims_pack" / "__init__.py", '"""Example Co rule pack."""\n')


def test_installed_pack_is_loaded_only_when_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_distribution(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in [m for m in sys.modules if m.startswith("acme_aims_pack")]:
        monkeypatch.delitem(sys.modules, name)
    from importlib.metadata import entry_points

    assert [ep.name for ep in entry_points(group="aims_policy.packs")] == ["acme"]

    default = aims("rules")
    assert default.exit_code == 0
    assert "ACME-" not in default.stdout
    assert "acme_aims_pack" not in sys.modules  # not even imported

    named = aims("rules", "--rule-pack", "acme")
    assert named.exit_code == 0
    assert "ACME-REG-001   error    Every model is entered in the model registry" in named.stdout
    assert "acme_aims_pack" in sys.modules

    write(tmp_path / "systems" / "s.yaml", MANIFEST)
    checked = aims(
        "check", "--rule-pack", "acme", "--today", "2026-11-22", str(tmp_path / "systems")
    )
    assert "ACME-FIN-001" in checked.stdout

    tested = aims("test", "--rule-pack", "acme", "--strict")
    assert tested.exit_code == 0, tested.stdout
    assert "8 cases in 1 fixture file: 8 passed, 0 failed." in tested.stdout

    documented = aims("docs", "--rule-pack", "acme", "--output", str(tmp_path / "ref"))
    assert documented.exit_code == 0
    page = (tmp_path / "ref" / "ACME-REG-001.md").read_text(encoding="utf-8")
    assert "| Pack | acme |\n| Source | `acme_aims_pack/acme.py` |" in page
    assert "(`acme_aims_pack/acme.fixtures.yaml`, line 22)" in page

    missing = aims("rules", "--rule-pack", "nope")
    assert missing.exit_code == 2
    assert "rule pack 'nope' is not installed" in missing.stderr


# -- JUnit --------------------------------------------------------------------------------------


def test_junit_is_valid_and_reports_each_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xmlschema

    pack = example_pack(tmp_path)
    fixtures = pack / "acme.fixtures.yaml"
    fixtures.write_text(
        fixtures.read_text(encoding="utf-8")
        + (
            "  - rule: ACME-REG-001\n"
            "    name: wrong on purpose\n"
            "    expect: {fail: [spec.models]}\n"
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = aims(
        "test",
        "--rules",
        "custom-pack",
        "--format",
        "junit",
        "--coverage-min",
        "50",
        "--junit",
        "out.xml",
    )
    assert result.exit_code == 1
    assert (tmp_path / "out.xml").read_text(encoding="utf-8") == result.stdout
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(tmp_path / "out.xml"))
    root = ET.fromstring(result.stdout)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("12", "1", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["custom-pack/acme.fixtures.yaml", "coverage"]
    cases = suites[0].findall("testcase")
    assert len(cases) == 9
    failed = [c for c in cases if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [
        ("ACME-REG-001", "wrong on purpose")
    ]
    failure = failed[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "expected failed, got passed"
    assert (
        failure.text
        == "custom-pack/acme.fixtures.yaml:37: ACME-REG-001: wrong on purpose\nexpected failed, got passed"
    )
    coverage = {p.get("name"): p.get("value") for p in suites[1].iter("property")}
    assert coverage == {"line-coverage-percent": "100.0", "lines-executed": "16", "lines": "16"}
    assert [c.get("name") for c in suites[1].findall("testcase")] == [
        "fixture coverage",
        "fixture coverage",
        "line coverage >= 50%",
    ]


# -- cross-manifest rules -----------------------------------------------------------------------

SET_RULE = """
    from aims_policy.engine import located, set_rule


    def _collect(ctx, locate):
        return ctx.get("metadata.x-team"), locate(("metadata", "x-team"))


    @set_rule(collect=_collect, id="ORG-SET-001", title="Teams are unique", severity="note",
              rationale="r", remediation="m")
    def unique_team(entries):
        seen = {}
        for entry in entries:
            team, where = entry.value
            if team is None:
                continue
            if team in seen:
                yield entry.system, located(where, "metadata.x-team").fail("taken")
            seen[team] = entry
"""


def test_cross_manifest_rule_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "org"
    write(pack / "teams.py", SET_RULE)
    write(pack / "base.yaml", BASE)
    write(
        pack / "teams.fixtures.yaml",
        """
        base: base.yaml
        cases:
          - rule: ORG-SET-001
            name: two teams pass
            manifests: [{with: {metadata.x-team: a}}, {with: {metadata.x-team: b, metadata.name: t}}]
            expect: pass
          - rule: ORG-SET-001
            name: the second manifest reusing a team fails there
            manifests:
              - with: {metadata.x-team: a}
              - with: {metadata.x-team: a, metadata.name: t}
            expect: {fail: ["manifests[1].metadata.x-team"]}
          - rule: ORG-SET-001
            name: the wrong manifest is named
            manifests: [{with: {metadata.x-team: a}}, {with: {metadata.x-team: a}}]
            expect: {fail: ["manifests[0].metadata.x-team"]}
          - rule: ORG-SET-001
            name: no manifests listed
            expect: pass
    """,
    )
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "org")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:4] == [
        "FAIL  org/teams.fixtures.yaml:13: ORG-SET-001: the wrong manifest is named",
        "      not fired at manifests[0].metadata.x-team; also fired at manifests[1].metadata.x-team",
        "FAIL  org/teams.fixtures.yaml:17: ORG-SET-001: no manifests listed",
        "      a case of a cross-manifest rule lists `manifests:` (variants of the base)",
    ]
    # collect (1 line) and check (8 lines): only `continue` (no manifest without a team) never runs.
    assert "  ORG-SET-001      4     1     1     -   88.9%" in result.stdout
    assert "  ORG-SET-001  lines never executed: org/teams.py:15" in result.stdout


FOLD_RULE = """
    from aims_policy.engine import located, set_rule


    def _collect(ctx, locate):
        return ctx.get("metadata.x-team"), locate(("metadata", "x-team"))


    @set_rule(collect=_collect, id="ORG-SET-002", title="Teams are unique", severity="note",
              rationale="r", remediation="m")
    class UniqueTeam:
        def __init__(self):
            self.seen, self.clashes = set(), []

        def add(self, entry):
            team, where = entry.value
            if team == "boom":
                raise ValueError("no team may be called boom")
            if team in self.seen:
                self.clashes.append((entry.system, where))
            self.seen.add(team)

        def findings(self):
            for system, where in self.clashes:
                yield system, located(where, "metadata.x-team").fail("taken")
"""


def test_cross_manifest_rule_as_a_fold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fold class is a cross-manifest rule too: fixtures run it, coverage counts its methods,
    and a check reports its findings at the manifest they point into."""
    pack = tmp_path / "org"
    write(pack / "teams.py", FOLD_RULE)
    write(pack / "base.yaml", BASE)
    write(
        pack / "teams.fixtures.yaml",
        """
        base: base.yaml
        cases:
          - rule: ORG-SET-002
            name: the second manifest reusing a team fails there
            manifests:
              - with: {metadata.x-team: a}
              - with: {metadata.x-team: a, metadata.name: t}
            expect: {fail: ["manifests[1].metadata.x-team"]}
    """,
    )
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "org")
    assert result.exit_code == 0, result.stdout
    # collect (1 line), __init__ (1), add (6), findings (2): only the `raise` never runs.
    assert "  ORG-SET-002  lines never executed: org/teams.py:17" in result.stdout
    base = textwrap.dedent(BASE).lstrip("\n")
    write(tmp_path / "a.yaml", base.replace("{name: s}", "{name: a, x-team: red}"))
    write(tmp_path / "b.yaml", base.replace("{name: s}", "{name: b, x-team: red}"))
    checked = aims(
        "check",
        "a.yaml",
        "b.yaml",
        "--rules",
        "org",
        "--select",
        "ORG-",
        "--today",
        "2026-11-22",
        "--fail-on",
        "note",
    )
    assert checked.exit_code == 1
    # `x-team` starts in column 21 of line 3: "metadata: {name: b, x-team: red}"
    assert checked.stdout.splitlines()[0] == "b.yaml:3:21: note ORG-SET-002 taken"


def test_a_fold_that_raises_is_an_engine_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "org" / "teams.py", FOLD_RULE)
    base = textwrap.dedent(BASE).lstrip("\n")
    write(tmp_path / "a.yaml", base.replace("{name: s}", "{name: a, x-team: boom}"))
    write(tmp_path / "b.yaml", base.replace("{name: s}", "{name: b, x-team: red}"))
    monkeypatch.chdir(tmp_path)
    checked = aims("check", "a.yaml", "b.yaml", "--rules", "org", "--today", "2026-11-22")
    assert checked.exit_code == 2
    assert "rule ORG-SET-002 failed: ValueError: no team may be called boom" in checked.output
    # the other rules still report (the base manifests lack an owner e-mail, for one)
    assert "AIMS-OWN-001" in checked.stdout


NAMES_RULE = """
    from aims_policy.engine import Violation, set_rule


    def _collect(ctx, locate):
        # raises on a manifest without a name
        return ctx.get("metadata.name").upper(), locate(("metadata", "name"))


    @set_rule(collect=_collect, id="ORG-SET-003", title="Names are unique", severity="note",
              rationale="r", remediation="m")
    def unique(entries):
        names = [e.value[0] for e in entries]
        for e in entries:
            if names.count(e.value[0]) > 1:
                yield e.system, Violation(("metadata", "name"), "taken", location=e.value[1])
"""


def test_a_cross_manifest_case_may_list_a_manifest_that_does_not_match_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` lets cross-manifest rules collect from manifests with schema errors (and leaves a
    manifest out when collecting from it fails); `valid: false` lets a fixture say so."""
    pack = tmp_path / "org"
    write(pack / "names.py", NAMES_RULE)
    write(pack / "base.yaml", BASE)
    write(
        pack / "names.fixtures.yaml",
        """
        base: base.yaml
        cases:
          - rule: ORG-SET-003
            name: a manifest the rule cannot read is left out, the others still named by position
            manifests: [{}, {unset: [metadata.name], valid: false}, {}]
            expect: {fail: ["manifests[0].metadata.name", "manifests[2].metadata.name"]}
          - rule: ORG-SET-003
            name: a manifest marked invalid that is valid
            manifests: [{}, {valid: false}]
            expect: pass
          - rule: ORG-SET-003
            name: an invalid manifest not marked so
            manifests: [{}, {unset: [metadata.name]}]
            expect: pass
    """,
    )
    monkeypatch.chdir(tmp_path)
    result = aims("test", "--rules", "org")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:4] == [
        "FAIL  org/names.fixtures.yaml:7: ORG-SET-003: a manifest marked invalid that is valid",
        "      manifests[1] says `valid: false` but matches the schema",
        "FAIL  org/names.fixtures.yaml:11: ORG-SET-003: an invalid manifest not marked so",
        "      manifests[1] does not match the manifest schema",
    ]
    assert "3 cases in 1 fixture file: 1 passed, 2 failed." in result.stdout


def test_the_documented_fold_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/custom-rules.md's cross-manifest example, run as written."""
    doc = (REPO / "docs" / "custom-rules.md").read_text(encoding="utf-8")
    section = doc[doc.index("#### Rules across manifests") :]
    code = section[section.index("```python\n") + 10 :]
    write(tmp_path / "acme" / "costs.py", code[: code.index("```")])
    base = textwrap.dedent(BASE).lstrip("\n")
    for name, centre in (("a", "CC-1"), ("b", "CC-2"), ("c", "CC-1")):
        write(
            tmp_path / f"{name}.yaml",
            base.replace("{name: s}", f"{{name: {name}, x-cost-centre: {centre}}}"),
        )
    monkeypatch.chdir(tmp_path)
    checked = aims("check", ".", "--rules", "acme", "--select", "ACME-", "--today", "2026-11-22")
    assert checked.exit_code == 0  # a warning does not fail the run by default
    # "metadata: {name: c, x-cost-centre: CC-1}": the key starts in column 21
    assert checked.stdout.splitlines()[0] == (
        "c.yaml:3:21: warning ACME-SET-001 cost centre "
        "already used by system a; give this system its own"
    )


def test_pack_modules_share_helpers_with_relative_imports(tmp_path: Path) -> None:
    pack = tmp_path / "org"
    write(pack / "_common.py", 'PREFIX = "ORG"\n')  # underscore: a helper, not searched for rules
    write(
        pack / "named.py",
        """
        from aims_policy.engine import rule

        from . import _common


        @rule(id=f"{_common.PREFIX}-HLP-001", title="Uses a helper", severity="note",
              rationale="r", remediation="m")
        def helped(ctx):
            return ()
    """,
    )
    result = aims("rules", "--rules", str(pack))
    assert result.exit_code == 0, result.stderr
    assert "ORG-HLP-001    note     Uses a helper []" in result.stdout


def test_paths_run_only_those_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = aims("test", "rules/ownership.fixtures.yaml")
    assert result.exit_code == 0, result.stdout
    table = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  AIMS-")]
    # Only the rules of the module beside the fixture file (ownership.py), whatever it grows to.
    assert table[:2] == ["AIMS-OWN-001", "AIMS-OWN-002"]
    assert all(rule_id.startswith("AIMS-OWN-") for rule_id in table)
    assert "in 1 fixture file:" in result.stdout
