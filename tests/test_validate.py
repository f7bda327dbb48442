"""Schema validation: the compiled fast validators are current and agree with jsonschema, and schema
findings say what is wrong at the right place.

The differential test walks every example manifest (and a configuration file using every key)
alongside its schema and derives mutations from the schema itself (each required field removed,
each enum and const given a bad value, wrong types, bad dates, patterns broken, unknown and ``x-``
keys added), so it grows with the schema.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from _helpers import BASE, ROOT, minimal_manifest
from hypothesis import given, settings
from hypothesis import strategies as st

from aims_policy import validate as v
from aims_policy.loader import Document, load_bytes

EXAMPLES = sorted([*ROOT.glob("manifests/*.yaml"), *ROOT.glob("manifests/*.json")])


def load_doc(path: Path) -> Document:
    loaded = load_bytes(path.read_bytes(), path.name, json_syntax=path.suffix == ".json")
    assert loaded.errors == [], [str(e) for e in loaded.errors]
    return loaded.documents[0]


def from_text(text: str) -> Document:
    loaded = load_bytes(text.encode(), "m.yaml")
    assert loaded.errors == []
    return loaded.documents[0]


def reference_is_valid(data: Any, which: v.Schema | None = None) -> bool:
    """jsonschema's Draft202012Validator as validate.py configures it (date format, ECMA ``$``),
    on the schema of the document's kind unless told."""
    validator = v._validator(which or v.schema_of(data))
    assert validator.META_SCHEMA["$id"] == "https://json-schema.org/draft/2020-12/schema"
    result: bool = validator.is_valid(data)
    return result


# --- the compiled validator is current -----------------------------------------------------------


@pytest.mark.parametrize("which", v.SCHEMAS, ids=lambda s: s.file)
def test_fast_validator_is_generated_from_the_current_schema(which: v.Schema) -> None:
    generated = v.generate_fast_validator(which)
    on_disk = (ROOT / "aims_policy" / f"{which.fast}.py").read_text(encoding="utf-8")
    assert generated == on_disk, "run `python -m aims_policy.validate` after changing the schema"


def _schema_patterns(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        for key, value in node.items():
            if key == "patternProperties":
                found |= set(value)
                value = list(value.values())
            found |= _schema_patterns(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_schema_patterns, node)) if node else set()
    return set()


def test_fast_validator_compiles_a_pattern_when_first_used() -> None:
    # In a fresh interpreter: importing compiles none; a lookup compiles that one, with the
    # schema's $ as the end of the text (a trailing newline does not match). The organisation's
    # schema keeps a pattern that no string test tells (its clause numbers).
    import subprocess
    import sys

    script = (
        "import importlib, json\n"
        "m = importlib.import_module('aims_policy._organisation_schema_fast')\n"
        "before = len(m.REGEX_PATTERNS)\n"
        "key = next(iter(m._PATTERN_SOURCES))\n"
        "pattern = m.REGEX_PATTERNS[key]\n"
        "print(json.dumps([before, len(m.REGEX_PATTERNS), pattern.pattern, key]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    before, after, compiled, key = json.loads(out.stdout)
    assert (before, after) == (0, 1)
    assert compiled == (key[:-1] + "\\Z" if key.endswith("$") else key)


@pytest.mark.parametrize("which", v.SCHEMAS, ids=lambda s: s.file)
def test_every_schema_pattern_is_a_string_test_or_compiled_when_used(which: v.Schema) -> None:
    # A pattern is never dropped: each is a string test of PLAIN_PATTERNS that the generated
    # module calls, or a regular expression it compiles when first used.
    import importlib

    module = importlib.import_module(f"aims_policy.{which.fast}")
    source = (ROOT / "aims_policy" / f"{which.fast}.py").read_text(encoding="utf-8")
    patterns = _schema_patterns(v.schema(which)) - {"^x-"}  # str.startswith (_pattern_keys)
    assert patterns
    for pattern in patterns:
        if pattern in v.PLAIN_PATTERNS:
            name = v.PLAIN_PATTERNS[pattern].__name__
            # defined once and called: only a call made in place of the pattern brings it in
            assert source.count(f"def {name}(") == 1 and source.count(f"{name}(") >= 2
            assert callable(getattr(module, name))
        else:
            assert pattern in module._PATTERN_SOURCES


# Characters that each pattern's classes treat differently: separators, ASCII letters and digits
# of both cases, Unicode spaces (re's \s and str.isspace() must agree on them), non-ASCII
# letters and digits (isalnum/isdigit say yes, [A-Za-z0-9] says no), the Kelvin sign whose
# lower() is an ASCII k, and the line ends that $ would have let through.
_TRICKY = (
    "-._@ A.aZz09\n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2028\u3000\u0663\u00df\u0130\u212a\u00b2"
)


def _near(pattern: str) -> st.SearchStrategy[str]:
    """Strings that match the pattern, and the same with one character changed, added or
    dropped: where a string test would go wrong."""
    anchored = pattern[:-1] + "\\Z" if pattern.endswith("$") else pattern
    matching = st.from_regex(anchored, fullmatch=not pattern.startswith("\\S"))

    @st.composite
    def edited(draw: st.DrawFn) -> str:
        text = draw(matching)
        at = draw(st.integers(0, len(text)))
        what = draw(st.sampled_from(("insert", "replace", "drop")))
        char = draw(st.sampled_from(_TRICKY) | st.characters())
        if what == "insert":
            return text[:at] + char + text[at:]
        if what == "replace":
            return text[:at] + char + text[at + 1 :]
        return text[:at] + text[at + 1 :]

    return matching | edited() | st.text(_TRICKY, max_size=12) | st.text(max_size=12)


@pytest.mark.parametrize("pattern", sorted(v.PLAIN_PATTERNS))
def test_string_tests_answer_as_their_patterns(pattern: str) -> None:
    import re

    anchored = pattern[:-1] + "\\Z" if pattern.endswith("$") else pattern
    test = v.PLAIN_PATTERNS[pattern]
    fixed = ["", "-", "a-", "-a", "A.5", "A.5.2", "A.5.2.1.1", "A.05.x", "2026-12-07", "2026-12-07\n",
             "2026-1-07", "a@b", "a@@b", "@b", "a@", "a @b", "x\n", " x", "AIMS-RSK-001",
             "AIMS-", "aims-rsk-001", "A-1", "1-A", "\u212a", "k", "\u0663", "\xa0", "2026-12-0\u0663",
             "\xb2026-12-07", "A.\u0663.2", "A.5.\xb2", "a\u0131", "AIMS-RSK-00\xb2", "a\xa0@b"]  # fmt: skip

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(_near(pattern))
    def agrees(text: str) -> None:
        assert test(text) == bool(re.search(anchored, text)), text

    for text in fixed:
        assert test(text) == bool(re.search(anchored, text)), text
    agrees()


@pytest.mark.parametrize(
    ("test", "rewritten"),
    [
        # fastjsonschema's spelling of an enum of strings: one set lookup
        (
            "isinstance(x, str) and x == 'a' or (isinstance(x, str) and x == 'b')",
            "isinstance(x, str) and x in {'a', 'b'}",
        ),
        # anything else is left as it is: a member that is not a string (2 == 2.0 == True) ...
        ("isinstance(x, str) and x == 'a' or (isinstance(x, int) and x == 2)", None),
        ("isinstance(x, str) and x == 'a' or (isinstance(x, str) and x == 2)", None),
        # ... two variables, a third condition, another comparison, a lone member
        ("isinstance(x, str) and x == 'a' or (isinstance(y, str) and y == 'b')", None),
        ("isinstance(x, str) and x == 'a' or (isinstance(x, str) and x == 'b' and f(x))", None),
        ("isinstance(x, str) and x == 'a' or (isinstance(x, str) and x != 'b')", None),
        ("isinstance(x, str) and x == 'a' and (isinstance(x, str) and x == 'b')", None),
        ("isinstance(x, str) and x == 'a'", None),
    ],
)
def test_only_enums_of_strings_become_set_lookups(test: str, rewritten: str | None) -> None:
    import ast

    tree = ast.parse(f"if not ({test}):\n    raise E\n")
    v._string_enums_as_sets(tree)
    assert ast.unparse(tree) == f"if not ({rewritten or test}):\n    raise E"


def test_generating_leaves_the_published_schema_untouched() -> None:
    """fastjsonschema rewrites the $refs of the dict it compiles; that must not be the cached
    schema that `aims-policy schema` prints."""
    before = json.loads((ROOT / "aims_policy" / "schema" / v.SCHEMA_FILE).read_text("utf-8"))
    v.generate_fast_validator()
    assert v.schema() == before
    assert v.schema()["properties"]["spec"]["$ref"] == "#/$defs/spec"


@pytest.mark.parametrize("which", v.SCHEMAS, ids=lambda s: s.file)
def test_schema_is_a_valid_draft_2020_12_schema(which: v.Schema) -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(v.schema(which))
    assert v.schema(which)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- differential test: fast path vs jsonschema ---------------------------------------------------


def resolve(
    node: dict[str, Any], which: v.Schema = v.MANIFEST
) -> tuple[dict[str, Any], str | None]:
    ref = node.get("$ref")
    if ref is None:
        return node, None
    name = ref.rsplit("/", 1)[-1]
    merged = {**v.schema(which)["$defs"][name], **{k: x for k, x in node.items() if k != "$ref"}}
    return merged, name


def replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def remove(data: Any, path: tuple[Any, ...]) -> Any:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return out


Mutation = tuple[str, Any, bool | None]  # (description, document, expected validity or None)

BAD_VALUES: dict[str, list[Any]] = {
    "string": [42, True, None, ["x"], {"k": "v"}],
    "integer": ["3", 2.5, True, None],
    "number": ["1.5", True, None, [1]],
    "boolean": ["yes", "true", 1, 0, None],
    "array": ["a", {"k": "v"}, 1],
    "object": ["a", ["x"], 1],
}
BAD_DATES = [
    "2026-13-45",
    "2026-02-30",
    "2025-02-29",
    "0000-01-01",
    "2026-1-2",
    "2026-01-02\n",
    "26-01-02",
    "2026-01-02T00:00:00Z",
    "2026/01/02",
]
GOOD_DATES = ["2024-02-29", "2000-02-29", "2026-12-31"]


Edit = (
    tuple[str, tuple[Any, ...]] | tuple[str, tuple[Any, ...], Any]
)  # ('set', path, value) | ('del', path)


def mutations(
    data: Any, which: v.Schema = v.MANIFEST
) -> Iterator[tuple[str, str, Edit, bool | None]]:
    """(dedupe key, description, mutated document, expected validity or None when it depends)."""

    def walk(
        value: Any, node: dict[str, Any], path: tuple[Any, ...], where: str
    ) -> Iterator[tuple[str, str, Edit, bool | None]]:
        node, name = resolve(node, which)
        where = name or where
        kind = node.get("type")
        if path:
            for bad in BAD_VALUES.get(kind, []) if isinstance(kind, str) else []:
                yield (
                    f"{where}:{kind}:{type(bad).__name__}:{bad!r}",
                    f"{path} = {bad!r}",
                    ("set", path, bad),
                    False,
                )
            if "enum" in node:
                yield f"{where}:enum", f"{path} = bogus enum", ("set", path, "bogus-value"), False
                yield (
                    f"{where}:enum-case",
                    f"{path} upper-cased",
                    ("set", path, str(value).upper()),
                    str(value).upper() in node["enum"],
                )
            if "const" in node:
                yield f"{where}:const", f"{path} = other const", ("set", path, "other/v2"), False
            if node.get("format") == "date":
                for bad in BAD_DATES:
                    yield f"date:{bad!r}", f"{path} = {bad!r}", ("set", path, bad), False
                for good in GOOD_DATES:
                    yield f"date-ok:{good}", f"{path} = {good!r}", ("set", path, good), True
            elif "pattern" in node and isinstance(value, str):
                yield f"{where}:pattern-nl", f"{path} + newline", ("set", path, value + "\n"), False
                yield f"{where}:pattern-space", f"{path} + space", ("set", path, " " + value), False
            if node.get("minLength") and isinstance(value, str):
                yield f"{where}:empty", f"{path} = ''", ("set", path, ""), False
            if "maximum" in node:
                yield f"{where}:max", f"{path} too big", ("set", path, node["maximum"] + 1), False
                yield f"{where}:max-ok", f"{path} = max", ("set", path, node["maximum"]), True
            if "minimum" in node:
                yield f"{where}:min", f"{path} too small", ("set", path, node["minimum"] - 1), False
                yield f"{where}:float", f"{path} = x.0", ("set", path, float(node["minimum"])), None
        if isinstance(value, dict) and kind == "object":
            props = node.get("properties", {})
            for key in node.get("required", []):
                if key in value:
                    yield (
                        f"{where}:required:{key}",
                        f"{path} without {key}",
                        ("del", (*path, key)),
                        False,
                    )
            for key in value:
                if key not in node.get("required", []):
                    yield (
                        f"{where}:optional:{key}",
                        f"{path} without {key}",
                        ("del", (*path, key)),
                        None,
                    )
            if node.get("additionalProperties") is False:
                typo = next(iter(props), "field") + "x"
                yield f"{where}:unknown", f"{path} + {typo}", ("set", (*path, typo), "v"), False
                yield (
                    f"{where}:x-ext",
                    f"{path} + x-extension",
                    ("set", (*path, "x-team-code"), {"any": ["thing", 1]}),
                    "^x-" in node.get("patternProperties", {}),
                )
            if "propertyNames" in node and value:
                some = next(iter(value.values()))
                yield f"{where}:key", f"{path} + bad key", ("set", (*path, "bad key"), some), False
            for key, child in value.items():
                if key in props:
                    yield from walk(child, props[key], (*path, key), f"{where}.{key}")
                elif isinstance(node.get("additionalProperties"), dict):
                    yield from walk(child, node["additionalProperties"], (*path, key), f"{where}.*")
        elif isinstance(value, list) and kind == "array" and "items" in node:
            for index, item in enumerate(value):
                yield from walk(item, node["items"], (*path, index), f"{where}[]")

    yield from walk(data, v.schema(which), (), "root")


# Deliberate schema gaps in the examples (manifests/README.md): (file, path of the misspelt key,
# the right name). The differential test mutates the repaired example, which is schema-valid.
SCHEMA_GAPS = [
    ("coding-assistant.yaml", ("spec", "monitoring"), "feedbackChanel", "feedbackChannel")
]


def repaired(name: str, data: Any) -> Any:
    for file, parent, wrong, right in SCHEMA_GAPS:
        if file == name:
            data = copy.deepcopy(data)
            node = data
            for key in parent:
                node = node[key]
            node[right] = node.pop(wrong)
    return data


@cache
def all_mutations() -> list[tuple[str, Any, bool | None]]:
    seen: set[str] = set()
    out: list[tuple[str, Any, bool | None]] = []
    for path in [*EXAMPLES, BASE]:
        data = repaired(path.name, load_doc(path).data)
        out.append((f"{path.name} as written", data, None))
        for key, text, edit, expected in mutations(data):
            if key not in seen:
                seen.add(key)
                mutated = replace(data, *edit[1:]) if edit[0] == "set" else remove(data, edit[1])
                out.append((f"{path.name}: {text}", mutated, expected))
    return out


def test_there_are_enough_examples_and_mutations() -> None:
    assert len(EXAMPLES) >= 6
    assert len(all_mutations()) > 400, len(all_mutations())
    assert sum(1 for _, _, e in all_mutations() if e is False) > 300
    assert sum(1 for _, _, e in all_mutations() if e is True) > 20


@pytest.mark.slow
def test_fast_validator_agrees_with_jsonschema() -> None:
    disagreements = []
    for text, data, expected in all_mutations():
        fast, reference = v.fast_is_valid(data), reference_is_valid(data)
        if fast != reference or (expected is not None and fast != expected):
            disagreements.append(f"{text}: fast={fast} jsonschema={reference} expected={expected}")
    assert disagreements == []


@pytest.mark.slow
def test_every_invalid_document_gets_a_finding() -> None:
    """The fast path and the detailed path must never disagree silently: an invalid document
    always yields at least one schema finding, a valid one none."""
    missing = []
    for text, data, _ in all_mutations():
        findings = v.validate(Document("m.yaml", 0, data), "sys")
        if bool(findings) == v.fast_is_valid(data):
            missing.append(text)
    assert missing == []


def test_example_manifests_have_only_their_documented_schema_gaps() -> None:
    found = []
    for path in EXAMPLES:
        for f in v.validate(load_doc(path), "x"):
            found.append((path.name, f.rule_id, f.location.line, f.location.col, f.message))
    expected = []
    for file, _parent, wrong, right in SCHEMA_GAPS:
        lines = (ROOT / "manifests" / file).read_text(encoding="utf-8").splitlines()
        line = next(n for n, text in enumerate(lines, 1) if text.strip().startswith(wrong + ":"))
        expected.append(
            (
                file,
                "AIMS-SCH-001",
                line,
                5,
                f"unknown field {wrong!r} in spec.monitoring; did you mean {right!r}? "
                "(prefix organisation-specific fields with 'x-')",
            )
        )
    assert found == expected


def test_repaired_examples_are_schema_valid() -> None:
    for path in EXAMPLES:
        assert v.fast_is_valid(repaired(path.name, load_doc(path).data)), path.name


# A configuration file that uses every key of its schema, for the same differential test.
FULL_CONFIG = """\
version: 1
paths: [manifests]
include: ["**/*.yaml"]
exclude: [drafts]
select: [A.10.*, tag:privacy]
ignore: [AIMS-DOC]
severity: {AIMS-OWN-002: error}
fail-on: warning
data: {risk: {appetite: 8}}
data-files: [org.yaml]
rules: [testpack]
rule-packs: [acme]
root: .
skip-non-manifests: true
allow-empty: false
discover-ai: true
baseline: .aims-policy-baseline.json
output: {format: json, sarif: a.sarif, junit: a.xml, json: a.json, markdown: a.md, sarif-category: x}
exceptions:
  - {system: s, rule: AIMS-OWN-001, item: R-1, justification: j, approver: a, expires: "2027-01-01"}
x-team: governance
"""


@cache
def config_mutations() -> list[tuple[str, Any, bool | None]]:
    data = from_text(FULL_CONFIG).data
    assert set(data) - {"x-team"} == set(v.schema(v.CONFIG)["properties"]), "use every key"
    out: list[tuple[str, Any, bool | None]] = [("as written", data, True)]
    seen: set[str] = set()
    for key, text, edit, expected in mutations(data, v.CONFIG):
        if key not in seen:
            seen.add(key)
            mutated = replace(data, *edit[1:]) if edit[0] == "set" else remove(data, edit[1])
            out.append((text, mutated, expected))
    return out


def test_the_configuration_schema_has_enough_mutations() -> None:
    assert sum(1 for _, _, e in config_mutations() if e is False) > 50
    assert sum(1 for _, _, e in config_mutations() if e is True) > 5


def test_fast_configuration_validator_agrees_with_jsonschema() -> None:
    disagreements = []
    for text, data, expected in config_mutations():
        fast, reference = v.fast_is_valid(data, v.CONFIG), reference_is_valid(data, v.CONFIG)
        if fast != reference or (expected is not None and fast != expected):
            disagreements.append(f"{text}: fast={fast} jsonschema={reference} expected={expected}")
    assert disagreements == []


def test_every_invalid_configuration_gets_a_worded_message() -> None:
    """config.load reports the first problem, so an invalid configuration must yield one, worded
    by the translator rather than passed on as jsonschema's own message."""
    worded = {"additionalProperties", "required", "type", "enum", "format", "pattern", "minLength"}
    missing = []
    for text, data, _ in config_mutations():
        found = list(v.problems(Document(".aims-policy.yaml", 0, data), v.CONFIG))
        if bool(found) == v.fast_is_valid(data, v.CONFIG):
            missing.append(text)
        kinds = {e.validator for e in v._validator(v.CONFIG).iter_errors(data)}
        missing += [f"{text}: {kind} is not worded" for kind in sorted(kinds - worded)]
    assert missing == []


# --- messages and locations -----------------------------------------------------------------------

MINIMAL = minimal_manifest("demo", intended_use="Summarise documents")


def findings_for(text: str) -> list[tuple[str, int, int, str, str]]:
    doc = from_text(text)
    return [
        (f.rule_id, f.location.line, f.location.col, f.json_path, f.message)
        for f in v.validate(doc, "demo")
    ]


def test_the_minimal_manifest_is_valid() -> None:
    assert findings_for(MINIMAL) == []


def test_missing_field_is_reported_at_its_parent() -> None:
    text = MINIMAL.replace("    name: Ann\n", "")
    assert findings_for(text) == [
        (
            "AIMS-SCH-002",
            6,
            3,
            "/spec/owner/name",
            "spec.owner is missing required field 'name'; add it",
        ),
    ]


def test_missing_top_level_section_is_reported_at_the_document() -> None:
    text = MINIMAL.replace("  lifecycle:\n    stage: design\n    lastReview: 2026-01-15\n", "")
    assert findings_for(text) == [
        (
            "AIMS-SCH-002",
            5,
            1,
            "/spec/lifecycle",
            "spec is missing required field 'lifecycle'; add it",
        ),
    ]


def test_unknown_key_is_reported_at_the_key_with_a_suggestion() -> None:
    text = MINIMAL.replace("  owner:", "  ownr:")
    result = findings_for(text)
    assert (
        "AIMS-SCH-001",
        6,
        3,
        "/spec/ownr",
        "unknown field 'ownr' in spec; did you mean 'owner'? "
        "(prefix organisation-specific fields with 'x-')",
    ) in result
    assert (
        "AIMS-SCH-002",
        5,
        1,
        "/spec/owner",
        "spec is missing required field 'owner'; add it",
    ) in result
    assert len(result) == 2


def test_extension_keys_are_accepted_everywhere() -> None:
    text = MINIMAL.replace("  name: demo\n", "  name: demo\n  x-cost-centre: 4711\n").replace(
        "    name: Ann\n", "    name: Ann\n    x-slack: '#ann'\n"
    )
    assert "x-team: platform\n" not in text
    assert findings_for(text + "x-team: platform\n") == []


def test_enum_value_is_reported_with_the_choices_and_a_suggestion() -> None:
    text = MINIMAL.replace("riskLevel: low", "riskLevel: hihg")
    assert findings_for(text) == [
        (
            "AIMS-SCH-003",
            12,
            5,
            "/spec/classification/riskLevel",
            'spec.classification.riskLevel is "hihg", which is not one of: low, medium, high, '
            "critical; did you mean 'high'?",
        ),
    ]


@pytest.mark.parametrize("bad", ["2026-13-45", "2026-02-30"])
def test_impossible_dates_are_reported_at_the_field(bad: str) -> None:
    text = MINIMAL.replace("lastReview: 2026-01-15", f"lastReview: {bad}")
    assert findings_for(text) == [
        (
            "AIMS-SCH-003",
            15,
            5,
            "/spec/lifecycle/lastReview",
            f'spec.lifecycle.lastReview is "{bad}", not a calendar date; write YYYY-MM-DD, '
            "e.g. 2026-03-31",
        ),
    ]


def test_quoted_and_unquoted_dates_are_the_same() -> None:
    assert findings_for(MINIMAL.replace("2026-01-15", '"2026-01-15"')) == []


def test_wrong_types_are_reported_at_the_field() -> None:
    text = MINIMAL.replace("    name: Ann\n", "    name: [Ann]\n").replace(
        "stage: design", "stage: 3"
    )
    result = findings_for(text)
    assert (
        "AIMS-SCH-003",
        7,
        5,
        "/spec/owner/name",
        'spec.owner.name must be text, not ["Ann"]',
    ) in result
    assert [r[:3] for r in result] == [("AIMS-SCH-003", 7, 5), ("AIMS-SCH-003", 14, 5)]


def test_a_section_of_the_wrong_type_is_one_finding() -> None:
    text = MINIMAL.replace(
        "  purpose:\n    intendedUse: Summarise documents\n", "  purpose: Summarise\n"
    )
    assert findings_for(text) == [
        ("AIMS-SCH-003", 9, 3, "/spec/purpose", 'spec.purpose must be a mapping, not "Summarise"'),
    ]


def test_a_name_with_a_trailing_newline_is_not_a_valid_name() -> None:
    """`$` in a JSON Schema pattern is the end of the text (ECMA-262), not "before a final newline"
    as in Python: a folded block scalar (`name: >`) must not slip through as a system name."""
    text = MINIMAL.replace("  name: demo\n", "  name: >\n    demo\n")
    assert from_text(text).data["metadata"]["name"] == "demo\n"
    result = findings_for(text)
    assert [r[:4] for r in result] == [("AIMS-SCH-003", 4, 3, "/metadata/name")]
    assert "does not match" in result[0][4]


def test_year_zero_is_not_a_date() -> None:
    text = MINIMAL.replace("lastReview: 2026-01-15", "lastReview: 0000-01-01")
    assert [r[:4] for r in findings_for(text)] == [
        ("AIMS-SCH-003", 15, 5, "/spec/lifecycle/lastReview")
    ]


def test_findings_name_items_by_id_not_index() -> None:
    text = MINIMAL + "  risks:\n    - id: R-1\n      likelihood: 9\n"
    findings = v.validate(from_text(text), "demo")
    assert [
        (f.rule_id, f.location.line, f.location.col, f.json_path, f.ident) for f in findings
    ] == [
        ("AIMS-SCH-002", 17, 7, "/spec/risks/0/description", "spec.risks[R-1].description"),
        ("AIMS-SCH-003", 18, 7, "/spec/risks/0/likelihood", "spec.risks[R-1].likelihood"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("name: Ann", "name: ''", (7, 5, "spec.owner.name is empty; write a value")),
        (
            "name: demo",
            "name: " + "a" * 64,
            (4, 3, "metadata.name is longer than 63 characters; shorten it"),
        ),
        (
            "  lifecycle:\n",
            "  logging:\n    enabled: yes\n    retentionDays: 30\n  lifecycle:\n",
            (
                14,
                5,
                'spec.logging.enabled must be true or false, not "yes" (YAML 1.1\'s yes/no/on/off '
                "are text in a manifest, as in JSON)",
            ),
        ),
        (
            "  lifecycle:\n",
            "  risks:\n    - id: R-1\n      description: d\n      likelihood: 0\n  lifecycle:\n",
            (16, 7, "spec.risks[R-1].likelihood is 0; it must be at least 1"),
        ),
        (
            "  lifecycle:\n",
            "  risks:\n    - id: R-1\n      description: d\n      impact: 9\n  lifecycle:\n",
            (16, 7, "spec.risks[R-1].impact is 9; it must be at most 5"),
        ),
    ],
)
def test_messages_say_what_to_write(old: str, new: str, expected: tuple[int, int, str]) -> None:
    assert [r[1:3] + r[4:] for r in findings_for(MINIMAL.replace(old, new, 1))] == [expected]


# --- AIMS-SCH-004: ids unique within their list ---------------------------------------------------

DUPLICATE_RISKS = (
    MINIMAL
    + """\
  risks:
    - id: R-1
      description: first
    - id: R-2
      description: second
    - id: R-1
      description: third
    - id: R-1
      description: fourth
"""
)


def test_rule_ids_are_appended_never_renumbered() -> None:
    assert [r.id for r in v.SCHEMA_RULES] == [
        "AIMS-SCH-001",
        "AIMS-SCH-002",
        "AIMS-SCH-003",
        "AIMS-SCH-004",
    ]
    meta = v.SCHEMA_RULES[3]
    assert (meta.title, meta.severity, meta.clauses) == (
        "List item ids are unique",
        "error",
        ("7.5.2",),
    )
    assert frozenset({"AIMS-SCH-001", "AIMS-SCH-004"}) == v.NON_BLOCKING


def test_duplicate_ids_are_reported_at_each_later_item() -> None:
    findings = v.validate(from_text(DUPLICATE_RISKS), "demo")
    assert [
        (f.rule_id, f.location.line, f.location.col, f.json_path, f.ident, f.message)
        for f in findings
    ] == [
        (
            "AIMS-SCH-004",
            21,
            7,
            "/spec/risks/2/id",
            "spec.risks[2].id",
            "spec.risks[2] has the id 'R-1' of spec.risks[0] (line 17); give each item its own id",
        ),
        (
            "AIMS-SCH-004",
            23,
            7,
            "/spec/risks/3/id",
            "spec.risks[3].id",
            "spec.risks[3] has the id 'R-1' of spec.risks[0] (line 17); give each item its own id",
        ),
    ]
    assert {f.severity for f in findings} == {"error"}


def test_duplicate_ids_are_reported_alongside_other_schema_findings() -> None:
    text = DUPLICATE_RISKS.replace("description: fourth", "description: fourth\n      impact: 9")
    assert [(r[0], r[1]) for r in findings_for(text)] == [
        ("AIMS-SCH-004", 21),
        ("AIMS-SCH-004", 23),
        ("AIMS-SCH-003", 25),
    ]


def test_the_same_id_in_different_lists_is_fine() -> None:
    text = (
        MINIMAL
        + "  risks:\n    - {id: X-1, description: d}\n  evidence:\n    - {id: X-1, ref: a.md}\n"
    )
    assert findings_for(text) == []


def test_duplicates_in_a_copy_of_the_reference_example() -> None:
    path = ROOT / "manifests" / "document-summariser.yaml"
    doc = load_doc(path)
    risks = doc.data["spec"]["risks"]
    risks[1]["id"] = risks[0]["id"]
    findings = v.validate(doc, "x")
    assert [(f.rule_id, f.location.line, f.json_path) for f in findings] == [
        ("AIMS-SCH-004", doc.locate(("spec", "risks", 1, "id")).line, "/spec/risks/1/id")
    ]
    first = doc.locate(("spec", "risks", 0, "id")).line
    assert f"(line {first}); give each item its own id" in findings[0].message


def id_lists(node: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    node, _ = resolve(node)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        item, _ = resolve(node["items"])
        if "id" in item.get("properties", {}):
            yield path
    for key, child in node.get("properties", {}).items():
        yield from id_lists(child, (*path, key))


ID_LISTS = sorted(id_lists(v.schema(), ()))


def test_the_schema_has_lists_with_item_ids() -> None:
    assert ("spec", "risks") in ID_LISTS and len(ID_LISTS) >= 10


@pytest.mark.parametrize("list_path", ID_LISTS, ids=".".join)
def test_duplicates_are_found_in_every_id_list(list_path: tuple[str, ...]) -> None:
    data: dict[str, Any] = {}
    node = data
    for key in list_path[:-1]:
        node = node.setdefault(key, {})
    node[list_path[-1]] = [{"id": "A"}, {"id": "B"}, {"id": "A"}]
    findings = list(v._duplicate_ids(Document("m.yaml", 0, data), "demo"))
    assert [f.json_path for f in findings] == ["/" + "/".join((*list_path, "2", "id"))]


@pytest.mark.parametrize(
    ("items", "key"),
    [
        ([{"role": "Recruiter", "trained": True}, {"role": "Recruiter"}], "role"),
        ([{"name": "Kim"}, {"name": "Lee"}, {"name": "Kim"}], "name"),
        ([{"version": "1.0"}, {"version": "1.0"}], "version"),
    ],
)
def test_items_named_by_name_role_or_version_must_differ_too(
    items: list[dict[str, str]], key: str
) -> None:
    """An overseer named by role is told apart from another by that role alone: two with one
    role would share an identity, and a baseline of one would hide a new finding on the other."""
    data = {"spec": {"humanOversight": {"overseers": items}}}
    findings = list(v._duplicate_ids(Document("m.yaml", 0, data), "demo"))
    assert len(findings) == 1
    (finding,) = findings
    assert finding.json_path.endswith(f"/{key}") and f"the {key} " in finding.message
    assert f"give each item its own {key}, or an `id` that tells them apart" in finding.message


def test_items_with_ids_are_told_apart_by_their_ids_whatever_else_they_share() -> None:
    items = [{"id": "O-1", "role": "Recruiter"}, {"id": "O-2", "role": "Recruiter"}]
    data = {"spec": {"humanOversight": {"overseers": items}}}
    assert list(v._duplicate_ids(Document("m.yaml", 0, data), "demo")) == []


def test_odd_shapes_do_not_break_the_duplicate_check() -> None:
    for spec in (
        {"risks": "x"},
        {"risks": [1, None, {"id": 3}, {"id": 3}, {"id": ["a"]}, {"id": ["a"]}]},
        {"validation": [1]},
        {"purpose": {"foreseeableMisuse": {"id": "a"}}},
    ):
        assert list(v._duplicate_ids(Document("m.yaml", 0, {"spec": spec}), "demo")) == []


def _objects(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(data, dict):
        yield path
        for key, value in data.items():
            yield from _objects(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _objects(value, (*path, index))


def _with_key(data: Any, path: tuple[Any, ...], key: str, value: Any) -> Any:
    out = copy.deepcopy(data)
    node = out
    for part in path:
        node = node[part]
    node[key] = value
    return out


def _by_jsonschema(doc: Document) -> list[Any]:
    """The findings jsonschema's complete errors give (the path taken before issue 18)."""
    found = [*v._findings(doc, "sys"), *v._duplicate_ids(doc, "sys")]
    return sorted(found, key=lambda f: f.sort_key())


@pytest.mark.slow
def test_unknown_fields_found_without_jsonschema_are_what_jsonschema_finds() -> None:
    """An unknown field at every object of every example (a misspelt key, a closed object's
    extra, an x- extension that is allowed, a value no schema describes), alone and beside a
    problem of another kind: the findings are jsonschema's, finding for finding."""
    cases = fast = 0
    for path in EXAMPLES:
        data = repaired(path.name, load_doc(path).data)
        for at in _objects(data):
            for key, value in (("ownr", {"n": 1}), ("x-team", {"a": [1]})):
                mutated = _with_key(data, at, key, value)
                variants = [mutated]
                classified = isinstance(data.get("spec", {}).get("classification"), dict)
                if classified and at != ("spec", "classification"):  # not an organisation's
                    variants.append(_with_key(mutated, ("spec", "classification"), "riskLevel", 5))
                for variant in variants:
                    doc = Document("m.yaml", 0, variant)
                    assert v.validate(doc, "sys") == _by_jsonschema(doc), (path.name, at, key)
                    cases += 1
                    fast += v._only_unknown_fields(doc) is not None
    assert cases > 500 and fast > 200, (cases, fast)


def test_a_schema_the_unknown_field_walk_cannot_follow_is_left_to_jsonschema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A keyword the walk does not follow, or a reference it cannot resolve, on the way to an
    object of the document hands the document to jsonschema: it may constrain keys."""
    base = v.schema(v.MANIFEST)
    doc = load_doc(ROOT / "manifests" / "coding-assistant.yaml")  # it has an unknown field
    assert v._only_unknown_fields(doc) is not None

    def changed(edit: Any) -> dict[str, Any]:
        out = copy.deepcopy(base)
        edit(out)
        return out

    variants = [
        changed(lambda root: root.update(oneOf=[{"required": ["spec"]}, {"required": ["kind"]}])),
        changed(lambda root: root.update({"$ref": "#/$defs/not-there"})),
        changed(lambda root: root.update({"$ref": "https://example.com/other.json"})),
        changed(lambda root: root["properties"].update(spec=True)),
    ]
    for variant in variants:
        walked = v._walked_part(variant)
        monkeypatch.setattr(v, "_walked_schema", lambda which=v.MANIFEST, s=walked: s)
        assert v._only_unknown_fields(doc) is None
    monkeypatch.undo()
    assert v._only_unknown_fields(doc) is not None


def test_a_key_that_is_not_text_is_left_to_jsonschema() -> None:
    """The walk declines a document with a key that is not a string anywhere, even after it has
    found an unknown field: jsonschema reports everything then."""
    doc = load_doc(ROOT / "manifests" / "coding-assistant.yaml")  # it has an unknown field
    assert v._only_unknown_fields(doc) is not None
    data = copy.deepcopy(doc.data)
    data[1] = "a key that is a number"  # the last key of all: walked after the unknown field
    assert list(data)[-1] == 1 and list(data)[-2] == "spec"
    assert v._only_unknown_fields(Document("m.yaml", 0, data)) is None


# Field-name patterns: plain prefixes (answered without a regex) and patterns that are not.
_PATTERNS = ["^x-", "^x", "^ab-c-", "^x_", "^x.", "^", "x-", "^x-$", "^[x]-", "^X-", "^x-y"]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.sampled_from(_PATTERNS), st.text(alphabet="xXy-_.ab\n", max_size=6))
def test_a_field_name_pattern_answers_as_its_regex(pattern: str, key: str) -> None:
    assert bool(v._key_pattern(pattern)(key)) == bool(v._ecma_pattern(pattern).search(key))


def _without_by_copy(data: Any, path: tuple[Any, ...], drop: dict[Any, set[str]]) -> Any:
    # the rule written out: a full copy less the dropped keys
    if isinstance(data, dict):
        gone = drop.get(path, set())
        return {k: _without_by_copy(x, (*path, k), drop) for k, x in data.items() if k not in gone}
    if isinstance(data, list):
        return [_without_by_copy(x, (*path, i), drop) for i, x in enumerate(data)]
    return data


def _paths_of(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        yield from _paths_of(value, (*path, key))


_DOCS = st.recursive(
    st.none() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcd"), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(_DOCS, st.data())
def test_a_document_less_its_unknown_fields_is_a_copy_less_them(data: Any, pick: Any) -> None:
    paths = [p for p in _paths_of(data) if p and isinstance(p[-1], str)]
    chosen = pick.draw(st.lists(st.sampled_from(paths), max_size=3)) if paths else []
    drop: dict[Any, set[str]] = {}
    for where in chosen:
        drop.setdefault(where[:-1], set()).add(where[-1])
    before = copy.deepcopy(data)
    assert v._without(data, (), drop) == _without_by_copy(data, (), drop)
    assert data == before  # the document itself is untouched
