"""``aims-policy test``: run rule fixtures and measure how well they cover the rules.

The idea is ``opa test --coverage``'s: every fixture case declares the outcome it expects
(fixtures.py judges it), and while the cases run we record which lines of each rule function
execute, so an author sees the conditions no fixture ever reaches.

The lines come from the engine's tracer, the same one that explains findings: its
:class:`~aims_policy.trace.LineCoverage` consumer traces each rule's own code while the engine
evaluates that rule.

Exit codes: 0 every case passed (and coverage is at least ``--coverage-min``), 1 a case failed or
coverage is too low, 2 a pack or fixture file could not be used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from aims_policy.commands._click import EXISTING_PATH, FILE, PATH, Command
from aims_policy.commands._options import fail, say
from aims_policy.wording import plural

if TYPE_CHECKING:
    from aims_policy.fixtures import CaseResult


# -- the run ----------------------------------------------------------------------------------


@dataclass
class RuleCoverage:
    """What the fixtures proved about one rule."""

    rule_id: str
    source: str  # the rule's module, as displayed
    scope: str = "manifest"  # "set": a cross-manifest rule (its cases list several manifests)
    has_applies: bool = False
    cases: int = 0
    failed: int = 0
    passed: int = 0
    not_applicable: int = 0
    lines: set[int] = field(default_factory=set)
    executed: set[int] = field(default_factory=set)

    @property
    def missing(self) -> list[int]:
        return sorted(self.lines - self.executed)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.lines & self.executed) / len(self.lines) if self.lines else 100.0

    @property
    def gaps(self) -> list[str]:
        if not self.cases:
            return ["no fixtures"]
        out = []
        if not self.failed:
            out.append("never fails")
        if not self.passed:
            out.append("never passes")
        if self.has_applies and not self.not_applicable:
            out.append("never not applicable")
        if self.missing:
            out.append(f"lines never executed: {self.source}:{line_ranges(self.missing)}")
        return out


@dataclass
class TestRun:
    results: list[CaseResult]
    files: list[str]  # fixture files, as displayed
    coverage: list[RuleCoverage]
    problems: list[tuple[str, str]]  # (fixture file, why it cannot be used)

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.ok]

    @property
    def line_totals(self) -> tuple[int, int]:
        return (
            sum(len(c.lines & c.executed) for c in self.coverage),
            sum(len(c.lines) for c in self.coverage),
        )

    @property
    def percent(self) -> float:
        hit, total = self.line_totals
        return 100.0 * hit / total if total else 100.0


def display(path: str | Path) -> str:
    """A path relative to the working directory when it lies inside it, POSIX separators."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        return Path(absolute).as_posix()
    return Path(absolute if relative.startswith("..") else relative).as_posix()


def line_ranges(lines: Sequence[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"``."""
    out: list[str] = []
    for line in lines:
        if out and int(out[-1].rpartition("-")[2]) == line - 1:
            out[-1] = f"{out[-1].partition('-')[0]}-{line}"
        else:
            out.append(str(line))
    return ", ".join(out)


def run(ruleset: Any, locations: Sequence[Path], data: Mapping[str, Any]) -> TestRun:
    """Run every fixture found at ``locations`` against the loaded rules and measure coverage of
    the rules defined there (and of any other rule a case names)."""
    from aims_policy.engine import Rule, SetRule
    from aims_policy.fixtures import FixtureError, fixture_files_at, in_scope, rule_source, run_file
    from aims_policy.trace import LineCoverage, executable_lines, rule_code

    rules: dict[str, Rule | SetRule] = {r.id: r for r in ruleset.all}
    files = fixture_files_at(locations)
    sources = {r.id: rule_source(r) for r in ruleset.all}
    tracer = LineCoverage()
    results: list[CaseResult] = []
    problems: list[tuple[str, str]] = []
    for file in files:
        try:
            results.extend(run_file(file, rules, data, tracer=tracer))
        # A fixture file that is not a mapping of cases, names a missing base, or has a case
        # that is not a mapping cannot be judged at all: the run cannot vouch for the pack.
        except (FixtureError, OSError, AttributeError, TypeError, ValueError) as exc:
            problems.append((display(file), _problem(exc)))
    named = {r.rule_id for r in results}
    table: list[RuleCoverage] = []
    for item in ruleset.all:
        if not (item.id in named or in_scope(sources[item.id], locations)):
            continue
        source = sources[item.id]
        cov = RuleCoverage(
            item.id,
            display(source) if source else "?",
            item.meta.scope,
            getattr(item, "applies", None) is not None,
        )
        for code in rule_code(item):
            # A set rule's collect and check usually share its module; lines elsewhere would
            # need a second file name in the table, so they are left out.
            if source is not None and Path(code.co_filename).resolve() == source:
                lines = executable_lines(code)
                cov.lines |= lines
                cov.executed |= tracer.hit.get(code.co_filename, set()) & lines
        table.append(cov)
    table.sort(key=lambda c: c.rule_id)
    by_id = {c.rule_id: c for c in table}
    for r in results:
        seen = by_id.get(r.rule_id)
        if seen is None:
            continue
        seen.cases += 1
        if r.ok and r.status in ("failed", "passed", "not_applicable"):
            setattr(seen, r.status, getattr(seen, r.status) + 1)
    shown = [replace(r, file=display(r.file)) for r in results]
    return TestRun(shown, [display(f) for f in files], table, problems)


def _problem(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot read {exc.filename or 'a file it names'}: {exc.strerror}"
    if isinstance(exc, (AttributeError, TypeError)):
        return "a case is not a mapping of rule/name/with/unset/data/expect"
    return str(exc)


# -- output -----------------------------------------------------------------------------------


def render_text(
    run: TestRun, *, verbose: bool = False, coverage_min: float | None = None, strict: bool = False
) -> str:
    lines: list[str] = []
    for file, why in run.problems:
        lines.append(f"ERROR {file}: unusable fixture file: {why}")
    for r in run.results:
        if not r.ok:
            lines.append(f"FAIL  {r.file}:{r.line}: {r.rule_id}: {r.name}")
            lines.append(f"      {r.detail}")
        elif verbose:
            lines.append(f"ok    {r.file}:{r.line}: {r.rule_id}: {r.name}")
    if lines:
        lines.append("")
    lines.append("Coverage (outcomes proved by passing cases; rule-function lines executed):")
    width = max([len(c.rule_id) for c in run.coverage] + [4])
    lines.append(f"  {'rule':<{width}}  cases  fail  pass   n/a   lines")
    for c in run.coverage:
        na = f"{c.not_applicable:>4}" if c.has_applies else "   -"
        lines.append(
            f"  {c.rule_id:<{width}}  {c.cases:>5}  {c.failed:>4}  {c.passed:>4}  {na}"
            f"  {c.percent:5.1f}%"
        )
    gaps = [(c.rule_id, g) for c in run.coverage for g in c.gaps]
    if gaps:
        lines.append("")
        lines.append("Gaps:")
        lines.extend(f"  {rid:<{width}}  {gap}" for rid, gap in gaps)
    hit, total = run.line_totals
    failed = len(run.failures)
    lines.append("")
    lines.append(
        f"{plural(len(run.results), 'case')} in {plural(len(run.files), 'fixture file')}: "
        f"{len(run.results) - failed} passed, {failed} failed"
        + (f", {plural(len(run.problems), 'unusable file')}" if run.problems else "")
        + "."
    )
    lines.append(
        f"{plural(len(run.coverage), 'rule')}; line coverage {run.percent:.1f}% ({hit}/{total} lines)"
        + (f", minimum {coverage_min:g}%" if coverage_min is not None else "")
        + "."
    )
    if coverage_min is not None and run.percent < coverage_min:
        lines.append(f"Line coverage {run.percent:.1f}% is below --coverage-min {coverage_min:g}%.")
    if strict and _strict_gaps(run):
        n = len(_strict_gaps(run))
        lines.append(
            f"--strict: {plural(n, 'rule')} {'lacks' if n == 1 else 'lack'} fixtures or an expected outcome."
        )
    return "\n".join(lines) + "\n"


def _strict_gaps(run: TestRun) -> list[RuleCoverage]:
    return [c for c in run.coverage if any(not g.startswith("lines never") for g in c.gaps)]


def render_junit(run: TestRun, *, coverage_min: float | None = None, strict: bool = False) -> str:
    """One testsuite per fixture file, one testcase per case; a final ``coverage`` suite."""
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="aims-policy test")
    by_file: dict[str, list[CaseResult]] = {f: [] for f in run.files}
    for r in run.results:
        by_file.setdefault(r.file, []).append(r)
    problems = dict(run.problems)
    total = failures = errors = 0
    for file, cases in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=file, file=file)
        n_fail = n_err = 0
        if file in problems:
            case = ET.SubElement(suite, "testcase", name="load fixture file", classname=file)
            ET.SubElement(
                case, "error", type="unusable-fixture", message=problems[file]
            ).text = f"{file}: {problems[file]}"
            n_err += 1
        for r in cases:
            case = ET.SubElement(suite, "testcase", name=r.name, classname=r.rule_id)
            if not r.ok:
                kind = "error" if r.status == "error" else "failure"
                n_err += kind == "error"
                n_fail += kind == "failure"
                body = f"{r.file}:{r.line}: {r.rule_id}: {r.name}\n{r.detail}"
                if r.fired:
                    body += f"\nfired at: {', '.join(r.fired)}"
                ET.SubElement(
                    case, kind, type=f"expected-{r.expected}", message=r.detail
                ).text = body
        count = len(cases) + (file in problems)
        suite.set("tests", str(count))
        suite.set("failures", str(n_fail))
        suite.set("errors", str(n_err))
        total, failures, errors = total + count, failures + n_fail, errors + n_err
    suite = ET.SubElement(root, "testsuite", name="coverage")
    properties = ET.SubElement(suite, "properties")
    hit, lines = run.line_totals
    ET.SubElement(properties, "property", name="line-coverage-percent", value=f"{run.percent:.1f}")
    ET.SubElement(properties, "property", name="lines-executed", value=str(hit))
    ET.SubElement(properties, "property", name="lines", value=str(lines))
    n_fail = 0
    for c in run.coverage:
        case = ET.SubElement(suite, "testcase", name="fixture coverage", classname=c.rule_id)
        if strict and c in _strict_gaps(run):
            ET.SubElement(
                case, "failure", type="coverage", message="; ".join(c.gaps)
            ).text = "\n".join(c.gaps)
            n_fail += 1
        elif c.gaps:
            ET.SubElement(case, "system-out").text = "\n".join(c.gaps)
    if coverage_min is not None:
        case = ET.SubElement(
            suite, "testcase", name=f"line coverage >= {coverage_min:g}%", classname="coverage"
        )
        if run.percent < coverage_min:
            ET.SubElement(
                case,
                "failure",
                type="coverage",
                message=f"line coverage {run.percent:.1f}% is below {coverage_min:g}%",
            )
            n_fail += 1
    count = len(run.coverage) + (coverage_min is not None)
    suite.set("tests", str(count))
    suite.set("failures", str(n_fail))
    suite.set("errors", "0")
    root.set("tests", str(total + count))
    root.set("failures", str(failures + n_fail))
    root.set("errors", str(errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def exit_code(run: TestRun, coverage_min: float | None, strict: bool) -> int:
    if run.problems:
        return 2
    if run.failures or (coverage_min is not None and run.percent < coverage_min):
        return 1
    return 1 if strict and _strict_gaps(run) else 0


# -- the command ------------------------------------------------------------------------------


@click.command(cls=Command)
@click.argument("paths", nargs=-1, type=EXISTING_PATH)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=PATH,
    help="Test the custom rule pack in this directory (its fixtures are found there).",
)
@click.option(
    "--rule-pack",
    "rule_packs",
    multiple=True,
    metavar="NAME",
    help="Test an installed rule pack (entry point in group aims_policy.packs).",
)
@click.option(
    "--builtin/--no-builtin",
    "builtin",
    default=None,
    help="Also test the built-in pack (default: only when no pack is named).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "junit"]), default="text", show_default=True
)
@click.option("--junit", "junit_path", type=FILE, help="Also write JUnit XML here.")
@click.option(
    "--coverage-min",
    type=click.FloatRange(0, 100),
    metavar="PCT",
    help="Fail (exit 1) when line coverage of the rules under test is below PCT.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail when a rule under test has no fixtures, or never fails, passes or "
    "(with an applicability condition) is never not applicable.",
)
@click.option("-v", "--verbose", is_flag=True, help="List passing cases too.")
def test(
    paths: tuple[str, ...],
    rule_dirs: tuple[str, ...],
    rule_packs: tuple[str, ...],
    builtin: bool | None,
    fmt: str,
    junit_path: str | None,
    coverage_min: float | None,
    strict: bool,
    verbose: bool,
) -> None:
    """Run rule fixtures (*.fixtures.yaml) and report failures and coverage.

    Without PATHS, the fixtures of the packs under test: the built-in pack, or the packs named
    with --rules / --rule-pack. PATHS (fixture files or directories) run only those fixtures;
    the rules they exercise must still be loaded with --rules or --rule-pack."""
    from aims_policy import data as data_document
    from aims_policy import registry

    test_builtin = builtin if builtin is not None else not (rule_dirs or rule_packs)
    try:
        # The built-in pack is always loaded, so a custom rule that reuses a built-in id fails here.
        ruleset = registry.load(directories=rule_dirs, packs=rule_packs)
        locations = registry.pack_locations(
            builtin=test_builtin, directories=rule_dirs, packs=rule_packs
        )
    except registry.RuleLoadError as exc:
        fail(str(exc))
    if paths:
        locations = [Path(p) for p in paths]
    outcome = run(ruleset, locations, data_document.load())
    if junit_path:
        from aims_policy.output import write_atomic

        try:
            write_atomic(
                junit_path, render_junit(outcome, coverage_min=coverage_min, strict=strict)
            )
        except OSError as exc:
            fail(f"{junit_path}: cannot write junit output: {exc.strerror or exc}")
    if fmt == "junit":
        sys.stdout.write(render_junit(outcome, coverage_min=coverage_min, strict=strict))
    else:
        sys.stdout.write(
            render_text(outcome, verbose=verbose, coverage_min=coverage_min, strict=strict)
        )
    for file, why in outcome.problems:
        if fmt != "text":
            say(f"error: {file}: unusable fixture file: {why}")
    sys.stdout.flush()
    sys.exit(exit_code(outcome, coverage_min, strict))
