"""Deriving each rule's example manifests from its fixture cases (``python -m
aims_policy.derive_examples``), kept in ``<module>.examples.yaml`` beside the fixtures and shown
by :mod:`aims_policy.examples`.

A case's manifest (the base with the case's changes) has, part after part, every mapping entry
and list item removed whose removal keeps the outcome, as a whole check (``aims_policy.check``,
the schema included, in an empty folder so that no evidence file passes by accident) confirms:
what is left is what the rule needs. What the case sets is never removed: it is the case's point.
About a second a rule, which is why the results are kept rather than derived on every call.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aims_policy.examples import (
    BUILTIN,
    Example,
    Shown,
    dump_documents,
    read,
    render_file,
    sibling,
)

if TYPE_CHECKING:
    from aims_policy.docs import Case
    from aims_policy.model import Report
    from aims_policy.registry import RuleSet

#: The date an example is judged on when its fixture file names none (as ``aims-policy test``).
DEFAULT_TODAY = "2026-11-22"


class Outcome:
    """What a check of one example says about one rule."""

    def __init__(self, report: Report, rule_id: str) -> None:
        # The manifest matches the schema, or fails it only by the schema rule exemplified.
        self.schema_ok = not any(
            f.rule_id.startswith("AIMS-SCH-") and f.rule_id != rule_id for f in report.findings
        )
        self.clean_run = not report.notifications
        self.findings = tuple(f for f in report.findings if f.rule_id == rule_id)
        self.other_status = next((r.status for r in report.results if r.rule_id == rule_id), None)

    @property
    def passed(self) -> bool:
        return self.schema_ok and self.clean_run and not self.findings and not self.other_status

    @property
    def failed(self) -> bool:
        return self.schema_ok and self.clean_run and bool(self.findings)

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(f.ident for f in self.findings)


def outcome(
    manifest: str,
    rule_id: str,
    *,
    today: str,
    data: Mapping[str, Any] | None = None,
    ruleset: RuleSet | None = None,
    cwd: str | None = None,
) -> Outcome:
    """Check ``manifest`` (YAML text) as the file ``example.yaml`` through ``aims_policy.check``
    and say what happened to ``rule_id``. ``cwd`` is where evidence paths are looked for: give
    an empty folder, so that no file of the checkout makes an example pass by accident."""
    from aims_policy import data as data_document
    from aims_policy.api import check
    from aims_policy.options import Options

    options = Options(data=data_document.load(overrides=data) if data else {})
    report = check(
        [],
        options=options,
        today=today,
        ruleset=ruleset,
        stdin=manifest.encode("utf-8"),
        stdin_filename="example.yaml",
        cwd=cwd,
    )
    return Outcome(report, rule_id)


def nested(dotted: Mapping[str, Any]) -> dict[str, Any]:
    """A fixture's ``data`` (``{"a.b": 1}``) as a data document (``{"a": {"b": 1}}``)."""
    out: dict[str, Any] = {}
    for path, value in dotted.items():
        node = out
        *parents, last = str(path).split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = copy.deepcopy(value)
    return out


def derive(rule_id: str, cases: Sequence[Case], ruleset: RuleSet, cwd: str) -> Example | None:
    """The example of ``rule_id`` from the first passing and the first failing case whose
    outcome a whole check confirms (cases without organisation data of their own first), each
    cut down to what the outcome needs; None when there is no such pair."""
    from aims_policy import registry

    one = registry.selected(ruleset, (rule_id,), ())
    # Cases that need no organisation data of their own first: they show the rule as it ships.
    ordered = sorted(cases, key=lambda c: bool(c.data))
    today = next((c.today for c in ordered if c.today), DEFAULT_TODAY)
    passing = [c for c in ordered if c.expect == "passed"]
    failing = [c for c in ordered if c.expect == "failed"]
    passes = _first(passing, lambda o, _c: o.passed, rule_id, today, one, cwd)
    if passes is None:
        return None
    fails = _first(failing, _fails_as_stated, rule_id, today, one, cwd)
    return Example(rule_id, today, passes, fails) if fails else None


def _fails_as_stated(result: Outcome, case: Case) -> bool:
    """Failed, at exactly the places the case expects (a cross-manifest case's places, each in
    the manifest it names, are all in the one example file)."""
    if not result.failed:
        return False
    if not case.manifests:
        return result.paths == frozenset(case.paths)
    from aims_policy.docs import _in_manifest

    return sorted(_in_file(f.ident) for f in result.findings) == sorted(
        _in_manifest(p) for p in case.paths
    )


def _in_file(ident: str) -> str:
    """A cross-manifest finding's path without the file it is in (``spec.x@example.yaml``)."""
    return ident.rsplit("@", 1)[0]


def _first(
    cases: Iterable[Case],
    good: Callable[[Outcome, Case], bool],
    rule_id: str,
    today: str,
    ruleset: RuleSet,
    cwd: str,
) -> Shown | None:
    from aims_policy.docs import _parts, _variant

    for case in cases:
        data = nested(case.data)
        documents = [_variant(part) for part in _parts(case)]

        # A change that renames what its own path selects (``[A.2.3].id: A.5.1``) cannot be
        # found by that path afterwards: the outcome alone keeps its point.
        kept = [
            (i, path, value)
            for i, part in enumerate(_parts(case))
            for path, value in part.with_.items()
            if _value_at(documents[i], path) == value
        ]

        def holds(docs: list[Any], case: Case = case, kept: Any = kept, data: Any = data) -> bool:
            # What the case sets is its point: an example that drops it proves something else.
            if any(_value_at(docs[i], path) != value for i, path, value in kept):
                return False
            result = outcome(
                dump_documents(docs), rule_id, today=today, data=data, ruleset=ruleset, cwd=cwd
            )
            return good(result, case)

        if not holds(documents):
            continue
        minimise(documents, holds)
        text = dump_documents(documents)
        final = outcome(text, rule_id, today=today, data=data, ruleset=ruleset, cwd=cwd)
        at = sorted(f.ident for f in final.findings) if final.failed else []
        return Shown(case.name, text, tuple(at), data)
    return None


def _value_at(document: Any, path: str) -> Any:
    from aims_policy.paths import PathError, resolve

    try:
        keys = resolve(document, path)
    except (PathError, ValueError):
        return _MISSING
    node = document
    for key in keys:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return node


_MISSING = object()


def minimise(documents: list[Any], holds: Callable[[list[Any]], bool]) -> None:
    """Remove, in document order, every mapping entry and list item whose removal keeps
    ``holds(documents)`` true; a part that must stay is searched in turn. Deterministic: the
    same documents give the same result."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in list(node):
                saved = list(node.items())
                del node[key]
                if holds(documents):
                    continue
                node.clear()
                node.update(saved)
                walk(node[key])
        elif isinstance(node, list):
            for index in reversed(range(len(node))):
                if len(node) == 1:  # an empty list says something else than a short one
                    walk(node[0])
                    break
                item = node.pop(index)
                if holds(documents):
                    continue
                node.insert(index, item)
                walk(item)

    for document in documents:
        walk(document)


def regenerate(
    *,
    directories: Sequence[str | Path] = (),
    builtin: bool = True,
    only: Sequence[str] = (),
    progress: Callable[[str], None] = lambda _rule: None,
) -> tuple[list[Path], list[str]]:
    """Derive the examples of every rule with fixtures (or of the rules in ``only``) and write
    each pack module's examples file. Returns the files written and the rules left without an
    example (no pair of cases whose outcome a whole check confirms)."""
    import tempfile

    from aims_policy import registry
    from aims_policy.docs import read_cases
    from aims_policy.fixtures import fixture_files_at
    from aims_policy.output import write_atomic

    ruleset = registry.load(directories=directories)
    locations = registry.pack_locations(builtin=builtin, directories=directories)
    written: list[Path] = []
    missing: list[str] = []
    # Rules whose outcome needs more than a manifest (a git index, source files) are written by
    # hand with the files they need (aims_policy/builtin.examples.yaml).
    handwritten = read(BUILTIN) if builtin else {}
    with tempfile.TemporaryDirectory() as empty:
        for fixtures in fixture_files_at(locations):
            cases = read_cases([fixtures], locations)
            target = sibling(fixtures)
            kept = read(target)
            for rule_id in sorted(cases):
                if (only and rule_id not in only) or rule_id in handwritten:
                    continue
                progress(rule_id)
                found = derive(rule_id, cases[rule_id], ruleset, empty)
                if found is None:
                    kept.pop(rule_id, None)
                    missing.append(rule_id)
                else:
                    kept[rule_id] = found
            kept = {k: v for k, v in kept.items() if k in cases}
            text = render_file(kept.values()) if kept else ""
            current = target.read_text("utf-8") if target.is_file() else None
            if text and text != current:
                write_atomic(str(target), text)
                written.append(target)
    return written, missing


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - developer tool
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m aims_policy.derive_examples",
        description="Regenerate the rule examples (<module>.examples.yaml) from the fixtures.",
    )
    parser.add_argument("rules", nargs="*", help="only these rule ids (default: every rule)")
    parser.add_argument("--rules-dir", action="append", default=[], help="a custom rule pack")
    parser.add_argument(
        "--no-builtin", action="store_true", help="only the packs named with --rules-dir"
    )
    args = parser.parse_args(argv)
    written, missing = regenerate(
        directories=args.rules_dir,
        builtin=not args.no_builtin,
        only=[r.upper() for r in args.rules],
        progress=lambda rule: print(rule, file=sys.stderr),
    )
    for path in written:
        print(f"wrote {path}")
    for rule_id in missing:
        print(f"{rule_id}: no passing and failing case pair gives an example", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":  # pragma: no cover - developer tool
    raise SystemExit(main())
