"""Rule fixtures: declared expectations, checked by evaluating rules on manifest variants.

A fixture file sits beside its rule module (``risk.py`` -> ``risk.fixtures.yaml``)::

    base: fixtures/base.yaml        # a compliant manifest, relative to this file
    today: 2026-11-22
    cases:
      - rule: AIMS-OWN-001
        name: an owner without email fails
        unset: [spec.owner.email]                 # remove keys
        with: {spec.classification.riskLevel: high}   # Rego's `with input.x as y`
        data: {reviews.maxIntervalMonths: 6}      # `with data.x as y`
        expect: {fail: [spec.owner.email]}        # identity paths, exactly; or pass,
                                                  # not-applicable or not-evaluated

Evidence references resolve against the files beside the fixture. What git tracks is never
asked of the checkout: a case states it with ``git: {tracked: [...], ignored: [...]}`` (files
relative to the work tree's top, ``top:`` relative to the fixture's folder, default the folder
itself) or ``git: {error: TEXT}``; without ``git:`` the manifest lies outside a work tree.

Paths are identity paths, as findings print them: list items by id (``spec.risks[R-1].owner``),
or by position where they have none (``spec.models[0].supplier``); see aims_policy.paths.

A cross-manifest rule (``@set_rule``) sees several manifests, so its case lists them, each a
variant of the base (or of its own ``base:``, such as an organisation manifest), and names
findings by the manifest they point into::

      - rule: AIMS-SET-001
        name: two manifests with one name both fail
        manifests: [{}, {with: {metadata.title: A copy}}]
        expect: {fail: ["manifests[0].metadata.name", "manifests[1].metadata.name"]}

Every variant must still satisfy the manifest schema, so a fixture cannot test input that the
validator would never let through. The exception is what ``check`` does let through: a
cross-manifest rule collects from a manifest that does not match the schema too, so one of a
case's manifests may be marked ``valid: false`` (and must then not match it)::

      - rule: AIMS-SET-001
        name: manifests without a name are not duplicates of each other
        manifests: [{unset: [metadata.name], valid: false}, {unset: [metadata.name], valid: false}]
        expect: pass
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

from pyrsistent import freeze, thaw

from aims_policy.engine import UNSET, Entry, Rule, SetRule, evaluate, make_context, parts_disagree
from aims_policy.evidence import resolve
from aims_policy.loader import load_bytes
from aims_policy.paths import ident

if TYPE_CHECKING:
    from aims_policy.trace import Tracer

FIXTURE_SUFFIX = ".fixtures.yaml"


class FixtureError(Exception):
    """A fixture file that cannot be used."""


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    rule_id: str
    ok: bool
    status: str  # the rule's outcome: passed | failed | not_applicable | not_evaluated | error
    expected: str
    detail: str = ""
    fired: tuple[str, ...] = ()
    line: int = 1


def fixture_files(directories: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for directory in directories:
        root = Path(directory)
        if root.is_file():
            out.append(root)
        else:
            out.extend(sorted(root.rglob(f"*{FIXTURE_SUFFIX}")))
    return out


def fixture_files_at(locations: Sequence[Path]) -> list[Path]:
    """Fixture files under each location; a module file stands for the fixtures beside it."""
    out: list[Path] = []
    for location in locations:
        if location.suffix == ".py":
            sibling = location.with_name(location.stem + FIXTURE_SUFFIX)
            if sibling.is_file():
                out.append(sibling)
        else:
            out.extend(fixture_files([location]))
    return list(dict.fromkeys(out))


def rule_source(rule: Rule | SetRule) -> Path | None:
    """The file that defines a rule."""
    code = getattr(rule.check, "__code__", None)
    if isinstance(code, CodeType):
        return Path(code.co_filename).resolve()
    # A fold class has no code of its own: the module that defines it.
    module = sys.modules.get(getattr(rule, "module", "") or getattr(rule.check, "__module__", ""))
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def in_scope(source: Path | None, locations: Sequence[Path]) -> bool:
    """Is a rule defined where the fixtures were looked for (so its lack of fixtures counts)?"""
    if source is None:
        return False
    for location in locations:
        where = location.resolve()
        if where.is_dir():
            if source.is_relative_to(where):
                return True
        elif where.name.endswith(FIXTURE_SUFFIX):
            if source == where.with_name(where.name[: -len(FIXTURE_SUFFIX)] + ".py"):
                return True
        elif source == where:
            return True
    return False


def _load_yaml(path: Path) -> Any:
    loaded = load_bytes(path.read_bytes(), str(path))
    if loaded.errors:
        raise FixtureError(str(loaded.errors[0]))
    if len(loaded.documents) != 1:
        raise FixtureError(f"{path}: expected exactly one YAML document")
    return loaded.documents[0]


def _expectation(raw: Any) -> tuple[str, frozenset[str]]:
    if raw in ("pass", "passed"):
        return "passed", frozenset()
    if raw in ("not-applicable", "not_applicable", "n/a"):
        return "not_applicable", frozenset()
    if raw in ("not-evaluated", "not_evaluated"):
        return "not_evaluated", frozenset()
    if isinstance(raw, Mapping) and "fail" in raw:
        paths = raw["fail"]
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise FixtureError("expect.fail must be a non-empty list of identity paths")
        return "failed", frozenset(paths)
    raise FixtureError(
        f"expect must be pass, not-applicable, not-evaluated or {{fail: [...]}}, not {raw!r}"
    )


def run_file(
    path: Path,
    rules: Mapping[str, Rule | SetRule],
    data: Mapping[str, Any],
    *,
    tracer: Tracer | None = None,
) -> list[CaseResult]:
    """Run every case of one fixture file against ``rules`` (by id), reporting evaluation to
    ``tracer`` (the line coverage of ``aims-policy test``)."""
    from aims_policy.validate import fast_is_valid

    doc = _load_yaml(path)
    spec = doc.data
    if not isinstance(spec, Mapping) or not isinstance(spec.get("cases"), list):
        raise FixtureError(f"{path}: a fixture file is a mapping with a `cases:` list")
    base_input: Any = None
    if "base" in spec:
        base_input = _load_yaml(path.parent / spec["base"]).data
    today = _dt.date.fromisoformat(str(spec.get("today", "2026-11-22")))
    frozen_data = freeze(dict(data))
    results: list[CaseResult] = []
    for index, case in enumerate(spec["cases"]):
        line = doc.position(("cases", index))[0]
        name = str(case.get("name", f"case {index + 1}"))
        rule_id = str(case.get("rule", ""))
        try:
            expected, paths = _expectation(case.get("expect"))
        except FixtureError as exc:
            results.append(
                CaseResult(str(path), name, rule_id, False, "error", "?", str(exc), line=line)
            )
            continue
        rule = rules.get(rule_id)
        if rule is None:
            results.append(
                CaseResult(
                    str(path),
                    name,
                    rule_id,
                    False,
                    "error",
                    expected,
                    f"no rule {rule_id!r} is loaded",
                    line=line,
                )
            )
            continue
        if isinstance(rule, SetRule):
            ok, status, detail, fired = _run_set_case(
                path, case, rule, base_input, frozen_data, today, expected, paths, tracer
            )
            results.append(
                CaseResult(str(path), name, rule_id, ok, status, expected, detail, fired, line)
            )
            continue
        manifest = case.get("input", base_input)
        if manifest is None:
            results.append(
                CaseResult(
                    str(path),
                    name,
                    rule_id,
                    False,
                    "error",
                    expected,
                    "no input: give `base:` in the file or `input:` in the case",
                    line=line,
                )
            )
            continue
        overrides: dict[str, Any] = {k: v for k, v in (case.get("with") or {}).items()}
        overrides.update({k: UNSET for k in case.get("unset") or ()})
        try:
            ctx = make_context(
                manifest,
                frozen_data,
                today,
                tracer=tracer,
                with_input=overrides,
                with_data=case.get("data") or {},
            )
        except (KeyError, IndexError, ValueError) as exc:
            results.append(
                CaseResult(
                    str(path),
                    name,
                    rule_id,
                    False,
                    "error",
                    expected,
                    f"cannot apply with/unset: {exc}",
                    line=line,
                )
            )
            continue
        variant = thaw(ctx.input)
        if not fast_is_valid(variant):
            results.append(
                CaseResult(
                    str(path),
                    name,
                    rule_id,
                    False,
                    "error",
                    expected,
                    "the variant does not match the manifest schema; "
                    "fixtures must be valid manifests",
                    line=line,
                )
            )
            continue
        ctx.evidence = resolve(variant, str(path), os.path.dirname(os.path.abspath(path)))
        try:
            ctx.tracking = _tracking(case.get("git"), variant, ctx.evidence, path)
        except FixtureError as exc:
            results.append(
                CaseResult(str(path), name, rule_id, False, "error", expected, str(exc), line=line)
            )
            continue
        outcome = evaluate(rule, ctx)
        fired = tuple(sorted({ident(variant, v.target) for v in outcome.violations}))
        ok, detail = _judge(expected, paths, outcome.status, fired, outcome.reason)
        if ok and rule.each is not None:
            # Shown its list an item at a time, as a long list is: it must find the same.
            data = case.get("data") or {}
            plain = make_context(manifest, frozen_data, today, with_input=overrides, with_data=data)
            plain.evidence, plain.tracking = ctx.evidence, ctx.tracking
            disagree = parts_disagree(rule, plain)
            if disagree is not None:
                ok, detail = False, disagree
        results.append(
            CaseResult(str(path), name, rule_id, ok, outcome.status, expected, detail, fired, line)
        )
    return results


def _tracking(stated: Any, variant: Any, statuses: Any, path: Path) -> Any:
    """What a case states of git (``git:``), never what the checkout's own git says: no
    ``git:``, the manifest lies outside any work tree; ``{tracked: [...], ignored: [...],
    top: DIR}`` the files the index holds and those git ignores (relative to the work tree's
    top, ``DIR`` relative to the fixture file's folder, default the folder itself);
    ``{error: TEXT}`` git could not be asked."""
    from aims_policy.evidence import Index, Tracking, tracking

    if stated is None:
        return Tracking()
    if not isinstance(stated, Mapping) or not set(stated) <= {"tracked", "ignored", "top", "error"}:
        raise FixtureError("git: is a mapping of tracked, ignored, top or error")
    lists = [stated.get(key) or [] for key in ("tracked", "ignored")]
    if not all(isinstance(v, list) and all(isinstance(f, str) for f in v) for v in lists):
        raise FixtureError("git: tracked and ignored are lists of file paths")
    tracked, ignored = (frozenset(v) for v in lists)
    top = os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(path)), str(stated.get("top", ".")))
    )

    def index(_top: str) -> Index | str:
        if "error" in stated:
            return str(stated["error"])
        return Index(tracked, lambda files: frozenset(f for f in files if f in ignored))

    return tracking(variant, statuses, str(path), top, index)


def _run_set_case(
    path: Path,
    case: Mapping[str, Any],
    rule: SetRule,
    base_input: Any,
    data: Any,
    today: _dt.date,
    expected: str,
    paths: frozenset[str],
    tracer: Tracer | None,
) -> tuple[bool, str, str, tuple[str, ...]]:
    """A cross-manifest rule sees several manifests: ``manifests:`` lists them, each a variant of
    the base (its own ``with``/``unset``/``input``). Findings are named by the manifest they point
    into: ``manifests[1].metadata.name``.

    ``check`` lets a cross-manifest rule collect from a manifest that does not match the schema
    too (leaving the manifest out if collecting reads a part that does not), so a variant may say
    ``valid: false``: it must then not match the schema, and is collected from as ``check``
    would."""
    from aims_policy.engine import first_invalid
    from aims_policy.loader import Document
    from aims_policy.model import Location
    from aims_policy.paths import Unreadable
    from aims_policy.validate import fast_is_valid, unreadable_parts, validate

    variants = case.get("manifests")
    if not isinstance(variants, list) or not variants:
        return (
            False,
            "error",
            "a case of a cross-manifest rule lists `manifests:` (variants of the base)",
            (),
        )
    entries: list[Entry] = []
    positions: list[int] = []  # of each entry, in `manifests:`
    documents: list[Any] = []  # every variant, in order
    for index, raw in enumerate(variants):
        spec = raw if isinstance(raw, Mapping) else {}
        invalid = spec.get("valid") is False
        overrides: dict[str, Any] = dict(spec.get("with") or {})
        overrides.update({k: UNSET for k in spec.get("unset") or ()})
        where = f"manifests[{index}]"
        start = base_input
        if "base" in spec:  # another base for this variant (an organisation manifest, say)
            try:
                start = _load_yaml(path.parent / str(spec["base"])).data
            except (OSError, FixtureError) as exc:
                return False, "error", f"{where}: cannot load base {spec['base']}: {exc}", ()
        try:
            ctx = make_context(
                spec.get("input", start),
                data,
                today,
                tracer=tracer,
                with_input=overrides,
                with_data=case.get("data") or {},
            )
        except (KeyError, IndexError, ValueError) as exc:
            return False, "error", f"{where}: cannot apply with/unset: {exc}", ()
        variant = thaw(ctx.input)
        documents.append(variant)
        if fast_is_valid(variant) == invalid:
            if invalid:
                return False, "error", f"{where} says `valid: false` but matches the schema", ()
            return False, "error", f"{where} does not match the manifest schema", ()
        if invalid:  # as in `check`: the parts that do not match the schema are unreadable
            found = validate(Document(where, 0, variant), None)
            ctx = make_context(
                ctx.input,
                ctx.data,
                today,
                tracer=tracer,
                unreadable=unreadable_parts(variant, found),
            )
        ctx.evidence = resolve(variant, str(path), os.path.dirname(os.path.abspath(path)))

        def locate(_path: Any, where: str = where) -> Location:
            return Location(where)  # the case's own name for the manifest, not a file

        try:
            value = rule.gather(ctx, locate)
            invalid_part = first_invalid(value) if invalid else None
            if invalid_part is not None:
                raise invalid_part.unreadable()
        except Unreadable:
            continue  # as in `check`: the rule cannot read this manifest, which is left out
        except Exception as exc:
            return (
                False,
                "error",
                f"the rule raised {type(exc).__name__}: {exc} (collecting {where})",
                (),
            )
        name = variant.get("metadata", {}).get("name") if isinstance(variant, Mapping) else None
        entries.append(Entry(str(name or where), where, value))
        positions.append(index)
    try:
        pairs, reason = rule.judge(entries, tracer)
    except Exception as exc:
        return False, "error", f"the rule raised {type(exc).__name__}: {exc}", ()
    if reason:
        ok, detail = _judge(expected, paths, "not_applicable", (), reason)
        return ok, "not_applicable", detail, ()
    fired: set[str] = set()
    for system, violation in pairs:
        file = violation.location.file if violation.location else None
        # Without a location, the violation belongs to the first manifest of its system.
        index = positions[
            next(
                (i for i, e in enumerate(entries) if e.file == file),
                next((i for i, e in enumerate(entries) if e.system == system), 0),
            )
        ]
        fired.add(f"manifests[{index}].{ident(documents[index], violation.target)}")
    status = "failed" if pairs else "passed"
    ok, detail = _judge(expected, paths, status, sorted(fired), "")
    return ok, status, detail, tuple(sorted(fired))


def _judge(
    expected: str, paths: frozenset[str], status: str, fired: Sequence[str], reason: str
) -> tuple[bool, str]:
    if status == "error":
        return False, f"the rule raised {reason}"
    if status != expected:
        got = f"{status} at {', '.join(fired)}" if fired else status
        return False, f"expected {expected.replace('_', ' ')}, got {got.replace('_', ' ')}"
    if expected == "failed" and set(fired) != paths:
        missing = sorted(paths - set(fired))
        extra = sorted(set(fired) - paths)
        parts = ([f"not fired at {', '.join(missing)}"] if missing else []) + (
            [f"also fired at {', '.join(extra)}"] if extra else []
        )
        return False, "; ".join(parts)
    return True, ""
