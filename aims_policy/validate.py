"""Validate documents against the published JSON Schemas: manifests, whose violations become
findings, and the configuration file, whose first violation stops the run.

Two validators for each schema. Valid documents, the common case at a pre-commit prompt, go through
a validator compiled ahead of time from the schema (``_schema_fast.py``, ``_config_schema_fast.py``:
plain Python, no import cost beyond their own). Only when that says no do we import jsonschema
(~150 ms) for its precise, complete errors, which one translator turns into messages that say what
is wrong and what to write. Tests prove the compiled modules are current and that both validators
agree.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from operator import methodcaller
from typing import Any

from aims_policy.frozen import LOADED_CONTAINERS, LOADED_SCALARS
from aims_policy.loader import Document
from aims_policy.model import Finding, RuleMeta
from aims_policy.paths import IDENTITY_KEYS, Path, WalkEntry, entry_path, ident, pointer
from aims_policy.wording import describe, did_you_mean

API_VERSION = "aims-policy/v1"
KIND = "AISystem"
#: The organisation's AI management system (scope, policy, audits, Statement of Applicability).
ORG_KIND = "AIManagementSystem"
#: Every kind a manifest may have, system first.
KINDS = (KIND, ORG_KIND)
SCHEMA_FILE = "manifest-v1.schema.json"


# Schema and Problem are plain classes, not records: nothing compares, unpacks or pickles them,
# and only a handful of each is ever made.
class Schema:
    """A JSON Schema shipped in ``schema/``, the validator compiled from it, and how messages
    name the kind of document it describes."""

    __slots__ = ("fast", "file", "kind", "whole")

    def __init__(self, file: str, fast: str, whole: str, kind: str) -> None:
        self.file = file
        self.fast = fast  # the module generated from it (``python -m aims_policy.validate``)
        self.whole = whole  # the document as a whole, where a message has no field to name
        self.kind = kind  # what such a document is, for hints


MANIFEST = Schema(SCHEMA_FILE, "_schema_fast", "the document", "a manifest")
ORGANISATION = Schema(
    "organisation-v1.schema.json",
    "_organisation_schema_fast",
    "the document",
    "an organisation manifest",
)
CONFIG = Schema(
    "config-v1.schema.json", "_config_schema_fast", "the configuration", "the configuration"
)
SCHEMAS = (MANIFEST, ORGANISATION, CONFIG)


def schema_of(data: Any) -> Schema:
    """The schema a manifest document is validated against, chosen by its ``kind`` (a system
    manifest's, unless it says it is the organisation's)."""
    return ORGANISATION if isinstance(data, dict) and data.get("kind") == ORG_KIND else MANIFEST


_DOC = (
    "The manifest format v1 is published as a JSON Schema (`aims-policy schema`); editors that "
    "read the `yaml-language-server` comment complete and check fields as you type."
)
SCHEMA_RULES: tuple[RuleMeta, ...] = (
    RuleMeta(
        id="AIMS-SCH-001",
        name="UnknownField",
        title="Manifest fields are known to format v1",
        severity="error",
        rationale="A misspelt field is silently ignored by every rule that looks for the right "
        "name, so a control that is documented can look missing and one that is missing can go "
        "unnoticed. " + _DOC,
        remediation="Rename the field to the suggested name, or prefix organisation-specific "
        "fields with `x-` (for example `x-cost-centre`).",
        clauses=("7.5.2",),
        tags=("schema",),
    ),
    RuleMeta(
        id="AIMS-SCH-002",
        name="MissingRequiredField",
        title="Required manifest fields are present",
        severity="error",
        rationale="Rules can only judge what the manifest states; a required field that is "
        "absent leaves the system's governance undocumented. " + _DOC,
        remediation="Add the field under the parent shown in the finding.",
        clauses=("7.5.2",),
        tags=("schema",),
    ),
    RuleMeta(
        id="AIMS-SCH-003",
        name="InvalidFieldValue",
        title="Manifest values have the type and form format v1 expects",
        severity="error",
        rationale="A value of the wrong type or outside the allowed vocabulary cannot be "
        "interpreted the same way by people and tools. " + _DOC,
        remediation="Change the value to the form named in the finding.",
        clauses=("7.5.2",),
        tags=("schema",),
    ),
    RuleMeta(
        id="AIMS-SCH-004",
        name="DuplicateItemId",
        title="List item ids are unique",
        severity="error",
        rationale="Fingerprints, exceptions and baselines name list items by their `id`; two "
        "items with the same id in one list cannot be told apart, so a waiver or baseline entry "
        "meant for one silently covers the other. " + _DOC,
        remediation="Give each item its own id (ids need only be unique within their list).",
        clauses=("7.5.2",),
        tags=("schema",),
    ),
)
_UNKNOWN, _MISSING, _INVALID, _DUPLICATE = (r.id for r in SCHEMA_RULES)

# Schema findings that leave every value readable: an unknown field changes no value a rule
# reads, and a duplicate id leaves every item readable (only its identity is ambiguous). The
# others make a part of the manifest unreadable (see unreadable_parts): rules that read it are not
# evaluated, the rest are.
NON_BLOCKING: frozenset[str] = frozenset({_UNKNOWN, _DUPLICATE})

#: The ISO/IEC 42001 Annex A controls a section of the manifest documents: a required field
#: missing there (AIMS-SCH-002) is a gap in those controls too, besides 7.5.2 (documented
#: information). Keys are identity paths; a list's key covers each of its items.
SECTION_CONTROLS: dict[str, tuple[str, ...]] = {
    "spec.owner": ("A.3.2",),  # AI roles and responsibilities
    "spec.accountablePerson": ("A.3.2",),
    "spec.contacts": ("A.3.2",),
    "spec.purpose": ("A.9.4",),  # intended use of the AI system
    "spec.dataSources": ("A.7.2",),  # data for development and enhancement of AI systems
    "spec.suppliers": ("A.10.3",),  # suppliers
    "spec.impactAssessment": ("A.5.2",),  # AI system impact assessment process
    "spec.humanOversight": ("A.9.2",),  # processes for responsible use of AI systems
    "spec.logging": ("A.6.2.8",),  # AI system recording of event logs
}


def missing_controls(ident_path: str) -> tuple[str, ...]:
    """The controls of an AIMS-SCH-002 finding about the field at ``ident_path``: those of its
    section (:data:`SECTION_CONTROLS`), then 7.5.2."""
    for section, controls in SECTION_CONTROLS.items():
        if ident_path.startswith(section) and ident_path[len(section) : len(section) + 1] in (
            "",
            ".",
            "[",
        ):
            return (*controls, "7.5.2")
    return ("7.5.2",)


def unreadable_parts(data: Any, findings: list[Finding]) -> dict[Path, tuple[str, str]]:
    """The parts of a manifest that rules cannot read, from its schema findings: path ->
    (identity path, why). A value of the wrong type or form is unreadable; so is a required field
    that is missing (a rule may take the schema's word that it is there). Empty for a manifest
    whose values all match the schema."""
    out: dict[Path, tuple[str, str]] = {}
    for finding in findings:
        if finding.rule_id in NON_BLOCKING:
            continue
        path = _path_of(data, finding.json_path)
        if path is None or path in out:
            continue
        what = "is missing" if finding.rule_id == _MISSING else "does not match the schema"
        where = finding.ident or "the document"
        out[path] = (where, f"{where} {what} ({finding.rule_id})")
    return out


def _path_of(data: Any, json_pointer: str) -> Path | None:
    """The path a JSON Pointer names in ``data`` (list indexes as ints); None if it cannot."""
    path: list[str | int] = []
    node = data
    for raw in json_pointer.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                return None
            path.append(int(key))
            node = node[int(key)]
        elif isinstance(node, dict):
            path.append(key)
            node = node.get(key)
        else:
            return None
    return tuple(path)


@cache
def schema(which: Schema = MANIFEST) -> dict[str, Any]:
    """A JSON Schema shipped inside the package (the manifest's unless told)."""
    # A plain path beside the module: importlib.resources costs more to import than this read.
    import json

    path = os.path.join(os.path.dirname(__file__), "schema", which.file)
    with open(path, encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    return result


def is_date(value: Any) -> bool:
    """A real calendar date in ``YYYY-MM-DD`` form (``2026-02-30`` is not)."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def fast_is_valid(data: Any, which: Schema | None = None) -> bool:
    """The compiled fast path: True when ``data`` satisfies the schema (by default, the schema of
    its kind)."""
    fast = _fast_module(which or schema_of(data))
    try:
        fast.validate(data, custom_formats={"date": is_date})
    except fast.JsonSchemaValueException:
        return False
    return True


def _fast_module(which: Schema) -> Any:
    # Imported on first use (only the schemas a run meets), then read from sys.modules: this runs
    # for every manifest, and import_module's own lookup costs more than a dict's.
    name = f"aims_policy.{which.fast}"
    fast: Any = sys.modules.get(name)
    if fast is None:
        # importlib is loaded by the interpreter itself, so naming the module costs nothing.
        import importlib

        fast = importlib.import_module(name)
    return fast


@cache
def _walked_schema(which: Schema) -> dict[str, Any]:
    # The schema as _unknown_fields reads it, from the generated module: reading the JSON file
    # would import json and parse 130 KB for a run whose only finding is a misspelt field.
    walked: dict[str, Any] = _fast_module(which).walked_schema()
    return walked


def validate(doc: Document, system: str | None) -> list[Finding]:
    """Schema findings for one manifest document, located at the offending field (a missing field
    at its parent). Empty when the document is valid."""
    duplicates = list(_duplicate_ids(doc, system))
    if fast_is_valid(doc.data, schema_of(doc.data)):
        return duplicates
    problems_ = _only_unknown_fields(doc, schema_of(doc.data))
    found = _findings(doc, system) if problems_ is None else _distinct(doc, system, problems_)
    return sorted([*found, *duplicates], key=Finding.sort_key)


# The schema keywords _unknown_fields understands; a schema using any other (oneOf, if, ...)
# is left to jsonschema, as is any document whose other problems remain.
_WALKED = frozenset(
    ("$ref", "properties", "patternProperties", "additionalProperties", "items", "$defs",
     "$schema", "$id", "title", "description", "type", "required", "enum", "const", "format",
     "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
     "examples", "default", "markdownDescription", "x-form")
)  # fmt: skip


def _only_unknown_fields(doc: Document, which: Schema = MANIFEST) -> list[Problem] | None:
    """The problems of a document whose only faults are unknown fields (a misspelt key, a field
    of a later format version), found without jsonschema: the fields no ``properties`` or
    ``patternProperties`` of a closed object allows, when the document without them passes the
    compiled validator. None when anything else is wrong, or the schema uses keywords this
    walk does not follow: jsonschema then reports everything."""
    root = _walked_schema(which)
    unknown: dict[Path, tuple[dict[str, Any], list[str]]] = {}
    if not _unknown_fields(doc.data, root, root, (), unknown):
        return None
    if not unknown:
        return None
    keep = {path: set(keys) for path, (_node, keys) in unknown.items()}
    if not fast_is_valid(_without(doc.data, (), keep), which):
        return None
    out: list[Problem] = []
    for path, (node, keys) in unknown.items():
        out.extend(_unknown_problems(doc, which, path, keys, node))
    return out


def _unknown_fields(
    data: Any, node: dict[str, Any], root: dict[str, Any], path: Path,
    found: dict[Path, tuple[dict[str, Any], list[str]]],
) -> bool:  # fmt: skip
    """Collect, for each closed object in ``data``, its keys the schema ``node`` does not know;
    False when the schema holds a keyword this walk does not follow (or a ``$ref`` it cannot
    resolve), or a key is not text. Only objects and lists are walked into: a plain value holds
    no key to find, whatever its schema says of it (the compiled validator judges it after)."""
    if not _WALKED.issuperset(node):
        return False
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return False
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict) or not _unknown_fields(data, target, root, path, found):
            return False
    if isinstance(data, dict):
        properties = node.get("properties", {})
        patterns = node.get("patternProperties", {})
        extra = node.get("additionalProperties", True)
        for key, value in data.items():
            if not isinstance(key, str):
                return False  # whatever was found so far is dropped with the walk
            known = properties.get(key)
            container = isinstance(value, (dict, list))
            if known is not None and not container:
                continue  # a known field with a plain value: nothing to find in it
            schemas = [] if known is None else [known]
            for name, sub in patterns.items():
                if _key_pattern(name)(key):
                    schemas.append(sub)
            if not schemas:
                if extra is False:
                    found.setdefault(path, (node, []))[1].append(key)
                    continue
                schemas = [extra] if isinstance(extra, dict) else []
            if not container:
                continue
            for sub in schemas:
                if not isinstance(sub, dict) or not _unknown_fields(
                    value, sub, root, (*path, key), found
                ):
                    return False
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(data):
            if isinstance(item, (dict, list)) and not _unknown_fields(
                item, node["items"], root, (*path, index), found
            ):
                return False
    return True


# The keywords of _WALKED that hold sub-schemas or names the walk reads; the others only need
# to be absent from _WALKED's complement, so they are left out of the generated copy.
_STRUCTURE = ("$ref", "properties", "patternProperties", "additionalProperties", "items", "$defs")


def _walked_part(node: Any) -> Any:
    """``node`` with only what _unknown_fields and _unknown_problems read: the structural
    keywords (sub-schemas reduced the same way) and any keyword the walk does not follow, kept
    so that the walk still declines where the full schema would make it decline."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "$defs") and isinstance(value, dict):
            out[key] = {name: _walked_part(sub) for name, sub in value.items()}
        elif key in _STRUCTURE:
            out[key] = _walked_part(value)
        elif key not in _WALKED:
            out[key] = value
    return out


def _without(
    data: Any, path: Path, drop: dict[Path, set[str]], on_the_way: set[Path] | None = None
) -> Any:
    """``data`` less the keys ``drop`` names under each path; ``data`` is untouched. Only the
    objects and lists on the way to a dropped key are copied: the rest is shared, since the
    compiled validator only reads (copying a whole manifest cost more than validating it)."""
    if on_the_way is None:
        on_the_way = {where[:end] for where in drop for end in range(len(where) + 1)}
    if path not in on_the_way:
        return data
    if isinstance(data, dict):
        gone = drop.get(path, ())
        return {
            k: _without(v, (*path, k), drop, on_the_way) for k, v in data.items() if k not in gone
        }
    if isinstance(data, list):
        return [_without(v, (*path, i), drop, on_the_way) for i, v in enumerate(data)]
    return data


def _duplicate_ids(doc: Document, system: str | None) -> Iterator[Finding]:
    """AIMS-SCH-004 at the second and later item of any list that reuses an identity: the ``id``
    of items that have one, else the field that names them (``name``, ``version``, ``role``;
    see aims_policy.paths). Identity is what exceptions, baselines and fingerprints name an item
    by, so two items with one identity would share a fingerprint: a new finding on the second
    would pass for a baselined one on the first. Defensive about shapes the schema rejects."""
    # Each entry is (node, its parent's entry, its key there): a node's path is spelt out only
    # for a duplicate, not for each of the hundreds of collections walked past.
    # The loader's own dict and list are told by identity first (every value of every manifest
    # passes here), the rare subclass by isinstance.
    stack: list[WalkEntry] = [(doc.data, None, None)]
    while stack:
        entry = stack.pop()
        node = entry[0]
        if type(node) is dict or isinstance(node, dict):
            for k, v in node.items():
                kind = type(v)
                if kind in LOADED_CONTAINERS or (
                    kind not in LOADED_SCALARS and isinstance(v, (dict, list))
                ):
                    stack.append((v, entry, k))
            continue
        if not isinstance(node, list):
            continue
        first: dict[str, int] = {}
        for index, item in enumerate(node):
            if type(item) is not dict and not isinstance(item, dict):
                continue
            stack.append((item, entry, index))
            for key in IDENTITY_KEYS:  # a loop, not next() over a generator: every list item
                value = item.get(key)
                if value and isinstance(value, str):
                    break
            else:
                continue
            if value not in first:
                first[value] = index
                continue
            path = entry_path(entry)
            at: Path = (*path, index, key)
            line = doc.locate((*path, first[value], key)).line
            where = ident(doc.data, path)
            what = "the id" if key == "id" else f"the {key}"
            advice = (
                "give each item its own id"
                if key == "id"
                else f"give each item its own {key}, or an `id` that tells them apart"
            )
            yield Finding(
                rule_id=_DUPLICATE,
                severity="error",
                message=(
                    f"{where}[{index}] has {what} {value!r} of {where}[{first[value]}] "
                    f"(line {line}); {advice}"
                ),
                location=doc.locate(at),
                json_path=pointer(at),
                # The identity path by index: by identity it would name the first item too.
                ident=f"{where}[{index}].{key}",
                system=system,
                controls=("7.5.2",),
            )


@cache
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    """JSON Schema patterns are ECMA-262 regexes, where ``$`` matches only at the very end; in
    Python it also matches before a final newline (``"demo\\n"`` would pass ``^[a-z]+$``). The
    compiled validator makes the same substitution, so both judge ``pattern`` alike."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


# The characters of a pattern that only anchors a literal prefix (``^x-``): none of them means
# anything to a regular expression outside a class.
_LITERAL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def _literal_prefix(pattern: str) -> str | None:
    """The prefix ``pattern`` only anchors, if that is all it does: such a pattern is answered by
    ``str.startswith``, in the compiled validator (:func:`_pattern_keys`) and by the unknown-field
    walk (:func:`_key_pattern`). Told by string methods, without compiling a regex for it."""
    prefix = pattern[1:]
    return prefix if pattern[:1] == "^" and prefix and not prefix.strip(_LITERAL) else None


@cache
def _key_pattern(pattern: str) -> Callable[[str], object]:
    """What ``_ecma_pattern(pattern).search`` answers for a field name: a literal prefix (the
    schemas' ``^x-`` for organisation-specific fields) by ``str.startswith``, so that a run
    whose only finding is an unknown field compiles no regular expression."""
    prefix = _literal_prefix(pattern)
    if prefix is not None:
        return methodcaller("startswith", prefix)
    return _ecma_pattern(pattern).search


@cache
def _validator(which: Schema = MANIFEST) -> Any:
    import jsonschema  # type: ignore[import-untyped]

    def pattern(validator: Any, regex: str, instance: Any, _schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and not _ecma_pattern(regex).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {regex!r}")

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date")(is_date)
    cls = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": pattern})
    return cls(schema(which), format_checker=checker)


class Problem:
    """One violation of a schema, worded: the AIMS-SCH rule it falls under, where it is reported
    (a missing field at its parent), the message, and the path it is about when that differs."""

    __slots__ = ("ident_path", "message", "path", "rule")

    def __init__(self, rule: str, path: Path, message: str, ident_path: Path | None = None):
        self.rule = rule
        self.path = path
        self.message = message
        self.ident_path = ident_path


def problems(doc: Document, which: Schema | None = None) -> Iterator[Problem]:
    """Every violation of ``which`` (by default the schema of the document's kind) in ``doc``
    (jsonschema's complete errors, translated); call it only when :func:`fast_is_valid` said
    no, as it imports jsonschema."""
    which = which or schema_of(doc.data)
    for error in _validator(which).iter_errors(doc.data):
        yield from _translate(doc, which, error)


def _findings(doc: Document, system: str | None) -> Iterator[Finding]:
    return _distinct(doc, system, problems(doc))


def _distinct(doc: Document, system: str | None, found: Iterable[Problem]) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for problem in found:
        finding = _finding(doc, system, problem)
        key = (finding.rule_id, finding.ident)
        if key not in seen:
            seen.add(key)
            yield finding


def _finding(doc: Document, system: str | None, problem: Problem) -> Finding:
    about = problem.ident_path or problem.path
    identity = ident(doc.data, about)
    return Finding(
        rule_id=problem.rule,
        severity="error",
        message=problem.message,
        location=doc.locate(problem.path),
        json_path=pointer(about),
        ident=identity,
        system=system,
        controls=missing_controls(identity) if problem.rule == _MISSING else ("7.5.2",),
    )


_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}


_YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})


#: The schema keyword that words a pattern for error messages ("which does not match <form>"):
#: short, where ``description`` teaches at length in editors. An unknown keyword is an annotation
#: to every JSON Schema validator and editor, so the published schema stays standard.
FORM = "x-form"


def _translate(doc: Document, which: Schema, error: Any) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    where = ident(doc.data, path) or which.whole  # list items by id: spec.risks[R-7].impact
    kind = error.validator
    sub = error.schema
    if "propertyNames" in error.relative_schema_path:
        # Reported at the offending key, which jsonschema gives as the instance.
        what = sub.get(FORM) or f"of the form {sub.get('pattern')}"
        yield Problem(
            _UNKNOWN,
            (*path, error.instance),
            f"the key {error.instance!r} in {where} is not {what}",
        )
    elif kind == "additionalProperties":
        yield from _unknown_problems(doc, which, path, error.instance, sub)
    elif kind == "required":
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                yield Problem(
                    _MISSING,
                    path,
                    f"{where} is missing required field {name!r}; add it",
                    (*path, name),
                )
    elif kind == "type":
        expected = sub.get("type")
        names = [
            _TYPE_NAMES.get(t, t) for t in ([expected] if isinstance(expected, str) else expected)
        ]
        hint = ""
        if expected == "boolean" and str(error.instance).lower() in _YAML11_BOOLEANS:
            hint = f" (YAML 1.1's yes/no/on/off are text in {which.kind}, as in JSON)"
        yield Problem(
            _INVALID,
            path,
            f"{where} must be {' or '.join(names)}, not {describe(error.instance)}{hint}",
        )
    elif kind == "enum":
        choices = sub["enum"]
        yield Problem(
            _INVALID,
            path,
            f"{where} is {describe(error.instance)}, which is not one of: "
            f"{', '.join(map(str, choices))}{did_you_mean(str(error.instance), choices)}",
        )
    elif kind == "const":
        yield Problem(_INVALID, path, f"{where} must be {describe(sub['const'])}")
    elif kind in ("format", "pattern") and "date" in (
        sub.get("format"),
        path[-1] if path else None,
    ):
        yield Problem(
            _INVALID,
            path,
            f"{where} is {describe(error.instance)}, not a calendar date; "
            "write YYYY-MM-DD, e.g. 2026-03-31",
        )
    elif kind in ("format", "pattern"):
        what = sub.get(FORM) or f"the pattern {sub.get('pattern')}"
        yield Problem(
            _INVALID, path, f"{where} is {describe(error.instance)}, which does not match {what}"
        )
    elif kind == "minLength" and error.instance == "":
        yield Problem(_INVALID, path, f"{where} is empty; write a value")
    elif kind == "minItems":
        least = sub["minItems"]
        yield Problem(
            _INVALID,
            path,
            f"{where} is empty; list at least {least} item{'s' if least > 1 else ''}",
        )
    elif kind == "maxLength":
        yield Problem(
            _INVALID, path, f"{where} is longer than {sub['maxLength']} characters; shorten it"
        )
    elif kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        yield Problem(
            _INVALID,
            path,
            f"{where} is {describe(error.instance)}; it must be {bound} {sub[kind]}",
        )
    else:
        yield Problem(_INVALID, path, f"{where}: {error.message}")


def _unknown_problems(
    doc: Document, which: Schema, path: Path, keys: Iterable[str], node: dict[str, Any]
) -> Iterator[Problem]:
    """AIMS-SCH-001 for each of ``keys`` of the object at ``path`` that its schema ``node``
    does not allow (jsonschema's additionalProperties error, or _only_unknown_fields)."""
    where = ident(doc.data, path) or which.whole
    allowed = list(node.get("properties", {}))
    patterns = node.get("patternProperties", {})
    for key in sorted(keys):
        if key in allowed or any(_key_pattern(p)(key) for p in patterns):
            continue
        hint = did_you_mean(key, allowed) or (
            f"; known fields here: {', '.join(allowed)}" if 0 < len(allowed) <= 12 else ""
        )
        if "^x-" in patterns:
            hint += " (prefix organisation-specific fields with 'x-')"
        yield Problem(_UNKNOWN, (*path, key), f"unknown field {key!r} in {where}{hint}")


def generate_fast_validator(which: Schema = MANIFEST) -> str:
    """Source of the module compiled from a schema (``_schema_fast.py`` for the manifest's);
    needs fastjsonschema (a development dependency only).

    fastjsonschema implements draft-07; the schemas use nothing whose meaning differs in
    2020-12, and the tests check that both validators agree."""
    import copy

    import fastjsonschema

    # ``date`` is judged by is_date (a real calendar date), not fastjsonschema's own regex, which
    # accepts year 0000; the generated code calls ``custom_formats["date"]``.
    # compile_to_code rewrites every $ref in the dict it is given: give it a copy, never the
    # cached schema that `aims-policy schema` prints and jsonschema validates with.
    code: str = fastjsonschema.compile_to_code(
        copy.deepcopy(schema(which)), formats={"date": is_date}
    )
    # Only ever caught (by fast_is_valid), never inspected: its message and name are not those
    # of fastjsonschema's own errors (see _trimmed).
    local = (
        "class JsonSchemaValueException(ValueError):\n"
        "    def __init__(self, message, value=None, name=None, definition=None, rule=None):\n"
        "        super().__init__(message)\n"
        "        self.value, self.name, self.rule = value, name, rule\n\n\n"
        "JsonSchemaValuesException = JsonSchemaValueException\n"
    )
    code = code.replace(
        "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n", local
    )
    # Our loader never produces decimal.Decimal; importing decimal would only cost start-up time.
    code = code.replace("from decimal import Decimal\n", "Decimal = float\n")
    code = _trimmed(code)
    entry = re.search(r"^def (\w+)\(", code, re.M)
    assert entry is not None, "fastjsonschema generated no function"
    code += f"\n\nvalidate = {entry.group(1)}\n"
    import pprint

    walked = pprint.pformat(_walked_part(schema(which)), width=96, sort_dicts=False)
    code += (
        "\n\ndef walked_schema():\n"
        "    # The schema less what _only_unknown_fields never reads (built when called).\n"
        "    return " + walked.replace("\n", "\n    ") + "\n"
    )
    header = (
        "# Generated by aims_policy.validate.generate_fast_validator() from "
        f"schema/{which.file}.\n# Do not edit: run `python -m aims_policy.validate` after "
        "changing the schema.\n# ruff: noqa\n# mypy: ignore-errors\n"
    )
    return header + code


def _trimmed(code: str) -> str:
    """The generated code without what a yes-or-no answer never uses, and with its slowest
    tests made plain. fast_is_valid only catches the exception a failed check raises, never reads
    it: a failed fast check is re-run through jsonschema for the precise error. So:

    - the message of every error it can raise goes, with the schema fragment embedded in it;
    - nested validators are no longer handed their value's name (built for every value);
    - a list item's name is formatted from its one variable, not ``**locals()``;
    - prefix patterns become ``str.startswith`` (:func:`_pattern_keys`), the common patterns
      string tests (:func:`_plain_patterns`), and patterns nothing looks up are not compiled
      (:func:`_used_patterns_only`);
    - an enum of strings is one set lookup (:func:`_string_enums_as_sets`)."""
    import ast
    import string

    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            # A nested validator is handed its value's name ('data.spec.risks[3]') for an error
            # message that fast_is_valid never reads: built for every value checked, valid or
            # not, it was a fifth of validating a valid manifest. Left out, the callee names
            # its value 'data'.
            if (
                isinstance(node.func, ast.Name)
                and node.func.id.startswith("validate_")
                and len(node.args) == 3
                and ast.unparse(node.args[1]) == "custom_formats"
            ):
                del node.args[2]
            for keyword in node.keywords:
                if keyword.arg == "definition":
                    keyword.value = ast.Constant(None)
            # Each list item's name ('.risks[{data__risks_x}]'.format(**locals())) is built for
            # every item, valid or not: naming the one variable it uses spares a dict of all the
            # function's locals per item (a twentieth of a bulk check's time).
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "format"
                and isinstance(func.value, ast.Constant)
                and isinstance(func.value.value, str)
                and [(k.arg, ast.unparse(k.value)) for k in node.keywords] == [(None, "locals()")]
            ):
                fields = {f for _, f, _, _ in string.Formatter().parse(func.value.value) if f}
                node.keywords = [ast.keyword(f, ast.Name(f, ast.Load())) for f in sorted(fields)]
    for node in ast.walk(tree):
        # What fails is raised without its message: fast_is_valid only catches it (a failed fast
        # check is re-run through jsonschema for the precise error). Building the messages took
        # more than half of the module's code, read by the interpreter at every start.
        if (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and ast.unparse(node.exc.func) == "JsonSchemaValueException"
        ):
            node.exc.args = [ast.Constant("")]
            node.exc.keywords = []
    _pattern_keys(tree)
    _plain_patterns(tree)
    _used_patterns_only(tree)
    _string_enums_as_sets(tree)
    return ast.unparse(tree) + "\n"


# The schemas' common patterns told by string methods. Compiling a regular expression costs more
# than validating a manifest with it: the five a check of the examples met were 1.5 M
# instructions, a fortieth of a one-file check above the interpreter's own start. Each function is
# what ``re.search(pattern, s)`` answers for a string ``s``, with ``$`` read as the end of the text
# (``\Z``, as the generated code has it); tests/test_validate.py checks each against re. re's
# ``\s`` and str.isspace()/str.split() ask the same Unicode property; ``[0-9]`` and ``[a-z]`` are
# ASCII, hence the isascii() before isdigit(), isalnum() and lower().


def _is_date_shape(s: str) -> bool:
    digits = s[:4] + s[5:7] + s[8:]
    return len(s) == 10 and s[4] == s[7] == "-" and digits.isascii() and digits.isdigit()


def is_annex_a_control(s: str) -> bool:
    parts = s.split(".")
    return (
        3 <= len(parts) <= 4
        and parts[0] == "A"
        and all(p.isascii() and p.isdigit() for p in parts[1:])
    )


def _is_plain_id(s: str) -> bool:
    return (
        s.isascii()
        and s[:1].isalnum()
        and s.replace(".", "").replace("_", "").replace("-", "").isalnum()
    )


def _is_email_shape(s: str) -> bool:
    local, at, domain = s.partition("@")
    return bool(local and at and domain) and "@" not in domain and s.split() == [s]


def _is_dns_label(s: str) -> bool:
    letters = s.replace("-", "")
    return (
        s.isascii()
        and s[:1] != "-"
        and s[-1:] != "-"
        and letters.isalnum()
        and letters == letters.lower()
    )


def _is_rule_id(s: str) -> bool:
    parts = s.split("-")
    return (
        len(parts) >= 2
        and s.isascii()
        and parts[0][:1].isalpha()
        and all(p.isalnum() and p == p.upper() for p in parts)
    )


def _has_non_space(s: str) -> bool:
    return s != "" and not s.isspace()


def _starts_with_non_space(s: str) -> bool:
    return s[:1] != "" and not s[0].isspace()


#: A schema pattern -> the function that answers for it.
PLAIN_PATTERNS = {
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": _is_date_shape,
    "^A\\.[0-9]+(\\.[0-9]+){1,2}$": is_annex_a_control,
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": _is_plain_id,
    "^[^@\\s]+@[^@\\s]+$": _is_email_shape,
    "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$": _is_dns_label,
    "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$": _is_rule_id,
    "\\S": _has_non_space,
    "^[^\\s]": _starts_with_non_space,
}


def _plain_patterns(tree: Any) -> None:
    """``REGEX_PATTERNS[p].search(value)`` becomes a call of ``PLAIN_PATTERNS[p]``, whose source
    the generated module gets (once, and only if it uses it)."""
    import ast
    import inspect

    used: dict[str, Any] = {}
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "search"
            and isinstance(node.func.value, ast.Subscript)
            and isinstance(node.func.value.value, ast.Name)
            and node.func.value.value.id == "REGEX_PATTERNS"
            and isinstance(node.func.value.slice, ast.Constant)
            and node.func.value.slice.value in PLAIN_PATTERNS
            and len(node.args) == 1
        ):
            continue
        function = PLAIN_PATTERNS[node.func.value.slice.value]
        used[function.__name__] = function
        node.func = ast.Name(function.__name__, ast.Load())
    for name in sorted(used):
        tree.body.extend(ast.parse(inspect.getsource(used[name])).body)


def _string_enums_as_sets(tree: Any) -> None:
    """fastjsonschema tests an enum of strings one member at a time (``isinstance(v, str) and
    v == 'a' or (isinstance(v, str) and v == 'b') or ...``); for a string, equality with a member
    is membership of the set of members, which Python compiles to one frozenset lookup."""
    import ast

    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.BoolOp):
                setattr(node, field, _as_set_test(value) or value)
            elif isinstance(value, list):
                value[:] = [
                    (_as_set_test(item) or item) if isinstance(item, ast.BoolOp) else item
                    for item in value
                ]


def _as_set_test(node: Any) -> Any:
    """``isinstance(v, str) and v in {...}`` for a chain of ``isinstance(v, str) and v == 'x'``
    tests joined by ``or`` (two or more, all of one variable), else None."""
    import ast

    if not isinstance(node.op, ast.Or) or len(node.values) < 2:
        return None
    names, members = set(), []
    for test in node.values:
        if not (
            isinstance(test, ast.BoolOp)
            and isinstance(test.op, ast.And)
            and len(test.values) == 2
            and isinstance(test.values[1], ast.Compare)
            and len(test.values[1].ops) == 1
            and isinstance(test.values[1].ops[0], ast.Eq)
            and isinstance(test.values[1].comparators[0], ast.Constant)
            and isinstance(test.values[1].comparators[0].value, str)
        ):
            return None
        variable = ast.unparse(test.values[1].left)
        if ast.unparse(test.values[0]) != f"isinstance({variable}, str)":
            return None
        names.add(variable)
        members.append(test.values[1].comparators[0])
    if len(names) != 1:
        return None
    (variable,) = names
    return ast.parse(
        f"isinstance({variable}, str) and {variable} in "
        f"{{{', '.join(repr(m.value) for m in members)}}}",
        mode="eval",
    ).body


def _used_patterns_only(tree: Any) -> None:
    """fastjsonschema compiles every pattern of the schema at import (``REGEX_PATTERNS``). Once
    _pattern_keys has made the prefix patterns ``str.startswith``, those are never looked up:
    they go. The others are compiled the first time a value is checked against them, not at
    every start (a check of the examples uses five of the manifest's eight; the configuration's
    two serve only files that set severities or exceptions)."""
    import ast

    used = {
        node.slice.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "REGEX_PATTERNS"
        and isinstance(node.slice, ast.Constant)
    }
    for index, node in enumerate(tree.body):
        if not (
            isinstance(node, ast.Assign)
            and [ast.unparse(target) for target in node.targets] == ["REGEX_PATTERNS"]
            and isinstance(node.value, ast.Dict)
        ):
            continue
        sources = {}
        for key, value in zip(node.value.keys, node.value.values, strict=True):
            if not (isinstance(key, ast.Constant) and key.value in used):
                continue
            # re.compile('<the pattern, with $ as \\Z>'), and nothing else
            if not (
                isinstance(value, ast.Call)
                and ast.unparse(value.func) == "re.compile"
                and len(value.args) == 1
                and not value.keywords
                and isinstance(value.args[0], ast.Constant)
            ):
                raise ValueError(f"unexpected pattern code: {ast.unparse(value)}")
            sources[key.value] = value.args[0].value
        if not sources:  # every pattern told by a string test (_plain_patterns)
            del tree.body[index]
            return
        tree.body[index : index + 1] = ast.parse(
            "class _Patterns(dict):\n"
            "    def __missing__(self, pattern):\n"
            "        compiled = self[pattern] = re.compile(_PATTERN_SOURCES[pattern])\n"
            "        return compiled\n"
            f"_PATTERN_SOURCES = {sources!r}\n"
            "REGEX_PATTERNS = _Patterns()\n"
        ).body
        return


def _pattern_keys(tree: Any) -> None:
    """The loop fastjsonschema writes for ``patternProperties`` tries every key of an object
    against each pattern, a regular expression search per key, to strike off the keys a pattern
    allows from those still unknown. Every object of a manifest allows ``^x-`` keys: a search for
    each of its keys was a third of the validator's time. A pattern that is only a literal prefix
    becomes ``str.startswith``, and a loop that only strikes keys off runs when some are left."""
    import ast

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "search"
                and isinstance(func.value, ast.Subscript)
                and ast.unparse(func.value.value) == "REGEX_PATTERNS"
                and isinstance(func.value.slice, ast.Constant)
                and isinstance(func.value.slice.value, str)
                and (prefix := _literal_prefix(func.value.slice.value)) is not None
                and len(node.args) == 1
            ):
                node.func = ast.Attribute(node.args[0], "startswith", ast.Load())
                node.args = [ast.Constant(prefix)]
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            if isinstance(statements, list):
                for index, statement in enumerate(statements):
                    left = _struck_off(statement) if isinstance(statement, ast.For) else None
                    if left is not None:
                        statements[index] = ast.If(ast.Name(left, ast.Load()), [statement], [])


def _struck_off(loop: Any) -> str | None:
    """The name of the set of unknown keys, if all ``loop`` does is strike keys off it."""
    import ast

    if not (len(loop.body) == 1 and isinstance(loop.body[0], ast.If) and not loop.orelse):
        return None
    outer = loop.body[0]
    if not (len(outer.body) == 1 and isinstance(outer.body[0], ast.If) and not outer.orelse):
        return None
    inner = outer.body[0]
    test = ast.unparse(inner.test)
    if inner.orelse or len(inner.body) != 1 or " in " not in test:
        return None
    key, _, keys = test.partition(" in ")
    if ast.unparse(inner.body[0]) != f"{keys}.remove({key})" or not keys.isidentifier():
        return None
    return keys


if __name__ == "__main__":  # pragma: no cover - developer tool
    from pathlib import Path as _P

    for each in SCHEMAS:
        target = _P(__file__).with_name(f"{each.fast}.py")
        target.write_text(generate_fast_validator(each), encoding="utf-8")
        print(f"wrote {target}")
