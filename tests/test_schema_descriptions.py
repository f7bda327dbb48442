"""The published schemas teach: every property says what it means, its values and an example.

Editors (the VS Code YAML extension through `yaml-language-server: $schema=...`) show a
property's `description` (or `markdownDescription`) on hover and offer its `examples` on
completion, so an empty one leaves the user guessing. The walk covers every schema file under
aims_policy/schema/ (a new one is covered without touching this test) and every place a property
can be declared: `properties`, `patternProperties`, `$defs`, and everything below `items`,
`additionalProperties`, `allOf`/`anyOf`/`oneOf`, `if`/`then`/`else`, `not`. A failure names the
JSON pointer of each property concerned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _helpers import ROOT

SCHEMA_DIR = ROOT / "aims_policy" / "schema"
SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.json"))
#: Shorter than this, a description cannot say what a field means and give an example.
MIN_DESCRIPTION = 40
#: Enumerations up to this size name every allowed value in their description (larger ones, such
#: as the Annex III points, describe the pattern of their values).
ENUM_NAMED_UP_TO = 12

SUBSCHEMA_KEYS = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
PROPERTY_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def declared(node: Any, pointer: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(pointer, kind, schema) of every property, pattern property and definition below node."""
    if not isinstance(node, dict):
        return
    for kind in PROPERTY_MAPS:
        for key, sub in (node.get(kind) or {}).items():
            where = f"{pointer}/{kind}/{_escape(key)}"
            if isinstance(sub, dict):
                yield where, kind, sub
                yield from declared(sub, where)
    for key in SUBSCHEMA_KEYS:
        if isinstance(node.get(key), dict):
            yield from declared(node[key], f"{pointer}/{key}")
    for key in SUBSCHEMA_LISTS:
        for index, sub in enumerate(node.get(key) or []):
            yield from declared(sub, f"{pointer}/{key}/{index}")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local $refs to the schema that says what kind of value this is."""
    seen = 0
    while "$ref" in node and str(node["$ref"]).startswith("#/") and seen < 20:
        target: Any = schema
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def _is_object(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    resolved = _resolve(schema, node)
    return resolved.get("type") == "object" or "properties" in resolved


def _judge(schema_file: Path, problems: list[str], what: str) -> None:
    """Fail naming the JSON pointer of every problem found: no schema is exempt."""
    assert problems == [], f"{schema_file.name}: {what}:\n" + "\n".join(problems)


def _load(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@pytest.fixture(params=SCHEMA_FILES, ids=[p.name for p in SCHEMA_FILES])
def schema_file(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


def test_the_schemas_are_found() -> None:
    names = {p.name for p in SCHEMA_FILES}
    assert {"manifest-v1.schema.json", "config-v1.schema.json"} <= names


def test_the_walk_reaches_every_kind_of_declaration() -> None:
    """The walker itself, on a schema written for it: nothing hides from it."""
    schema = {
        "properties": {"a": {"type": "array", "items": {"properties": {"b": {}}}}},
        "patternProperties": {"^x-": {}},
        "$defs": {"d": {"allOf": [{"properties": {"e": {}}}], "then": {"properties": {"f": {}}}}},
        "additionalProperties": {"properties": {"g": {}}},
    }
    assert sorted(p for p, _k, _s in declared(schema)) == [
        "/$defs/d",
        "/$defs/d/allOf/0/properties/e",
        "/$defs/d/then/properties/f",
        "/additionalProperties/properties/g",
        "/patternProperties/^x-",
        "/properties/a",
        "/properties/a/items/properties/b",
    ]


def test_every_property_has_a_description(schema_file: Path) -> None:
    schema = _load(schema_file)
    problems = []
    for pointer, _kind, node in declared(schema):
        text = node.get("description")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{pointer}: no description")
        elif len(text.strip()) < MIN_DESCRIPTION:
            problems.append(f"{pointer}: description shorter than {MIN_DESCRIPTION} characters")
        markdown = node.get("markdownDescription")
        if markdown is not None and (not isinstance(markdown, str) or len(markdown) < len(text)):
            problems.append(f"{pointer}: markdownDescription says less than the description")
    _judge(schema_file, problems, "describe each field")


def test_every_enumeration_names_its_values(schema_file: Path) -> None:
    schema = _load(schema_file)
    problems = []
    for pointer, _kind, node in declared(schema):
        values = _resolve(schema, node).get("enum")
        if not values or len(values) > ENUM_NAMED_UP_TO:
            continue
        text = str(node.get("description", "")) + str(node.get("markdownDescription", ""))
        missing = [v for v in values if f"`{v}`" not in text and json.dumps(v) not in text]
        if missing:
            problems.append(f"{pointer}: allowed values not named: {missing}")
    _judge(schema_file, problems, "name the allowed values")


def test_every_value_property_has_examples(schema_file: Path) -> None:
    """Objects are described by their own properties; every other property shows values."""
    schema = _load(schema_file)
    problems = []
    for pointer, kind, node in declared(schema):
        if kind != "properties" or _is_object(schema, node):
            continue
        examples = node.get("examples")
        if not isinstance(examples, list) or not examples:
            problems.append(f"{pointer}: no examples")
    _judge(schema_file, problems, "give examples")


def test_every_example_validates_against_its_property(schema_file: Path) -> None:
    """An example an editor offers must be one the checker accepts: each is validated against
    the schema of its own property (its $refs resolved in the whole schema), with formats."""
    import jsonschema
    from referencing import Registry, Resource

    schema = _load(schema_file)
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    cls = jsonschema.validators.validator_for(schema)
    problems: list[str] = []
    count = 0
    for pointer, _kind, node in declared(schema):
        for index, example in enumerate(node.get("examples") or []):
            count += 1
            validator = cls(
                {"$ref": f"{schema['$id']}#{pointer}"},
                registry=registry,
                format_checker=cls.FORMAT_CHECKER,
            )
            errors = [e.message for e in validator.iter_errors(example)]
            if errors:
                problems.append(f"{pointer}/examples/{index}: {example!r:.200}: {errors[0]:.200}")
    _judge(schema_file, problems, "examples must validate")
    assert count or "examples" not in schema_file.read_text(encoding="utf-8")


def test_a_bad_example_is_caught() -> None:
    """The validation above can fail: an enum example outside the enum is reported."""
    import jsonschema
    from referencing import Registry, Resource

    schema = _load(SCHEMA_DIR / "manifest-v1.schema.json")
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    cls = jsonschema.validators.validator_for(schema)
    pointer = "/$defs/classification/properties/riskLevel"
    validator = cls({"$ref": f"{schema['$id']}#{pointer}"}, registry=registry)
    assert not validator.is_valid("severe")
    assert validator.is_valid("medium")
    date = cls(
        {"$ref": f"{schema['$id']}#/$defs/date"},
        registry=registry,
        format_checker=cls.FORMAT_CHECKER,
    )
    assert not date.is_valid("2026-02-30")
