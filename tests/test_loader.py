"""The loader: positions of every node, YAML and JSON meaning the same, and hostile input bounded.

Every expected line and column below is counted by hand from the literal text in the test.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aims_policy import loader
from aims_policy.loader import MAX_DEPTH, Document, LoadedFile, load_bytes

YAML_TEXT = """\
# a comment line
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: demo
spec:
  owner:
    name: Ann
  risks:
    - id: R-1
      owner: Bob
    -   id: R-2
        likelihood: 3
  tags: [a, "b", {k: v}]
"""


def load(text: str | bytes, file: str = "m.yaml", json_syntax: bool = False) -> LoadedFile:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return load_bytes(raw, file, json_syntax=json_syntax)


def one(text: str | bytes, file: str = "m.yaml", json_syntax: bool = False) -> Document:
    loaded = load(text, file, json_syntax)
    assert loaded.errors == [], [str(e) for e in loaded.errors]
    assert len(loaded.documents) == 1
    return loaded.documents[0]


def error(text: str | bytes, file: str = "m.yaml", json_syntax: bool = False) -> str:
    loaded = load(text, file, json_syntax)
    assert loaded.documents == []
    assert len(loaded.errors) == 1
    note = loaded.errors[0]
    assert note.kind == "load"
    message = str(note)
    assert "\n" not in message, "a load error is one line"
    return message


# --- positions ----------------------------------------------------------------------------------


def start(doc: Document, *path: str | int) -> tuple[int, int]:
    loc = doc.locate(tuple(path))
    return loc.line, loc.col


def test_mapping_keys_are_located_at_the_key() -> None:
    doc = one(YAML_TEXT)
    assert start(doc, "apiVersion") == (2, 1)
    assert start(doc, "kind") == (3, 1)
    assert start(doc, "metadata") == (4, 1)
    assert start(doc, "metadata", "name") == (5, 3)
    assert start(doc, "spec", "owner", "name") == (8, 5)


def test_list_items_and_their_fields_are_located() -> None:
    doc = one(YAML_TEXT)
    assert start(doc, "spec", "risks") == (9, 3)
    assert start(doc, "spec", "risks", 0) == (10, 7)
    assert start(doc, "spec", "risks", 0, "owner") == (11, 7)
    assert start(doc, "spec", "risks", 1) == (12, 9)  # extra spaces after the dash
    assert start(doc, "spec", "risks", 1, "likelihood") == (13, 9)


def test_flow_collections_are_located() -> None:
    doc = one(YAML_TEXT)
    assert start(doc, "spec", "tags", 0) == (14, 10)
    assert start(doc, "spec", "tags", 1) == (14, 13)
    assert start(doc, "spec", "tags", 2) == (14, 18)
    assert start(doc, "spec", "tags", 2, "k") == (14, 19)


def test_a_member_spans_from_its_key_to_the_end_of_its_value() -> None:
    doc = one(YAML_TEXT)
    loc = doc.locate(("metadata", "name"))
    assert (loc.line, loc.col, loc.end_line, loc.end_col) == (5, 3, 5, 13)
    assert doc.locate(("kind",)).end_col == 15


def test_a_missing_field_is_located_at_its_nearest_existing_parent() -> None:
    doc = one(YAML_TEXT)
    assert start(doc, "spec", "owner", "email") == (7, 3)
    assert start(doc, "spec", "risks", 0, "treatment", "option") == (10, 7)
    assert start(doc, "spec", "risks", 7) == (9, 3)
    assert start(doc, "spec", "purpose") == (6, 1)
    assert start(doc) == (2, 1)  # the document itself starts at its first node, after the comment
    assert doc.locate(("nowhere",)).file == "m.yaml"


def test_a_path_that_does_not_fit_the_data_is_located_at_its_deepest_fitting_part() -> None:
    doc = one(YAML_TEXT)
    assert start(doc, "spec", "risks", -1) == (9, 3)  # no index counts from the end
    assert start(doc, "spec", "risks", "id") == (9, 3)  # a key into a list
    assert start(doc, "spec", "risks", True) == (9, 3)  # a bool is no index
    assert start(doc, "metadata", 0) == (4, 1)  # an index into a mapping
    assert start(doc, "kind", "x") == (3, 1)  # below a scalar
    assert start(doc, "spec", "tags", 2, "k", "deeper") == (14, 19)


def test_every_node_has_its_own_position_in_the_order_of_the_text() -> None:
    doc = one("a: 1\nb:\n  - x\n  - {c: 2}\nd: [3]\n")
    assert list(doc.entries()) == [
        ((), (1, 1, 6, 1)),
        (("a",), (1, 1, 1, 5)),
        (("b",), (2, 1, 5, 1)),
        (("b", 0), (3, 5, 3, 6)),
        (("b", 1), (4, 5, 4, 11)),
        (("b", 1, "c"), (4, 6, 4, 10)),
        (("d",), (5, 1, 5, 7)),
        (("d", 0), (5, 5, 5, 6)),
    ]


def test_a_node_located_twice_is_one_location() -> None:
    # A large report locates many nodes more than once (an evidence reference for the index and
    # for its finding, a section for each field it lacks): one object each keeps it small.
    doc = one(YAML_TEXT)
    assert doc.locate(("spec", "owner", "email")) is doc.locate(("spec", "owner", "phone"))
    assert doc.locate(("kind",)) is doc.locate(("kind",))
    assert doc.locate(("kind",)) != doc.locate(("metadata",))


def test_a_document_made_in_memory_is_located_at_its_start() -> None:
    doc = Document("m.yaml", 0, {"a": 1})
    assert doc.position(("a",)) == (1, 1, 1, 1)
    assert list(doc.entries()) == []


def test_positions_as_far_as_a_file_can_reach_are_kept_exactly() -> None:
    # Positions are packed into one int each: the largest line and column a file of the size
    # limit can have must come back as they went in.
    assert loader.MAX_BYTES < 2**loader._BITS
    big = loader.MAX_BYTES
    assert loader._unpack(loader._pack(big, big - 1, big, big)) == (big, big - 1, big, big)
    wide = '{"a": [' + "1, " * 40_000 + '"end"]}'
    doc = one(wide, "m.json", json_syntax=True)
    assert start(doc, "a", 40_000) == (1, len(wide) - 6)  # the quote before end


def test_json_keeps_positions() -> None:
    text = '{\n  "kind": "AISystem",\n  "spec": {\n    "risks": [\n      {"id": "R-1", "n": 1.5}\n    ]\n  }\n}\n'
    doc = one(text, "m.json", json_syntax=True)
    assert doc.data == json.loads(text)
    assert start(doc, "kind") == (2, 3)
    assert start(doc, "spec", "risks") == (4, 5)
    assert start(doc, "spec", "risks", 0) == (5, 7)
    assert start(doc, "spec", "risks", 0, "n") == (5, 21)
    assert start(doc, "spec", "risks", 0, "owner") == (5, 7)


def test_windows_line_endings_keep_line_numbers() -> None:
    doc = one("a: 1\r\nb:\r\n  c: 2\r\n")
    assert doc.data == {"a": 1, "b": {"c": 2}}
    assert start(doc, "b", "c") == (3, 3)


# --- scalars mean the same in YAML and JSON (YAML 1.2 core schema) -------------------------------

CORE = """\
no: no
yes: yes
on: on
off: off
NO: NO
y: y
leading_zero: 012
octal: 0o17
hex: 0x1f
exp: 1e3
half: .5
neg: -.5
plus: +12
tilde: ~
null_word: null
empty:
true_word: true
False_word: False
date: 2026-01-02
timestamp: 2026-01-02T10:00:00Z
underscored: 1_000
binary: 0b101
sexagesimal: 1:20
quoted_int: "012"
"""


def test_yaml_scalars_follow_the_core_schema() -> None:
    data = one(CORE).data
    # YAML 1.1 would turn these into booleans; the core schema (and JSON) keeps them as text.
    assert data["no"] == "no" and data["yes"] == "yes"
    assert data["on"] == "on" and data["off"] == "off"
    assert data["NO"] == "NO" and data["y"] == "y"
    # Core schema integers are decimal: 012 is twelve (YAML 1.1 would read octal ten). Octal must
    # be written 0o17. This is documented here on purpose: a leading zero does not mean octal.
    assert data["leading_zero"] == 12
    assert data["octal"] == 15
    assert data["hex"] == 31
    assert data["exp"] == 1000.0 and isinstance(data["exp"], float)
    assert data["half"] == 0.5
    assert data["neg"] == -0.5
    assert data["plus"] == 12
    assert data["tilde"] is None and data["null_word"] is None and data["empty"] is None
    assert data["true_word"] is True and data["False_word"] is False
    # Dates stay the text written, in YAML as in JSON; validation judges them as calendar dates.
    assert data["date"] == "2026-01-02"
    assert data["timestamp"] == "2026-01-02T10:00:00Z"
    # YAML 1.1 only forms stay text.
    assert data["underscored"] == "1_000"
    assert data["binary"] == "0b101"
    assert data["sexagesimal"] == "1:20"
    assert data["quoted_int"] == "012"


def test_yaml_and_json_give_the_same_values() -> None:
    yaml_text = """\
s: no
b: true
n: null
i: 12
f: 1.0e+3
g: -0.25
d: "2026-03-31"
d2: 2026-03-31
lst: [1, two, 3.5]
m: {k: v}
u: "caf\\u00e9 \\U0001F600"
"""
    json_text = """{"s": "no", "b": true, "n": null, "i": 12, "f": 1.0e+3, "g": -0.25,
 "d": "2026-03-31", "d2": "2026-03-31", "lst": [1, "two", 3.5], "m": {"k": "v"},
 "u": "caf\\u00e9 \\ud83d\\ude00"}"""
    from_yaml = one(yaml_text).data
    from_json = one(json_text, "m.json", json_syntax=True).data
    assert from_yaml == from_json == json.loads(json_text)
    assert from_json["u"] == "café \U0001f600"
    assert [type(v) for v in from_yaml.values()] == [type(v) for v in from_json.values()]


def test_json_escapes_agree_with_the_json_module() -> None:
    text = (
        r'{"a": "\ud83d\ude00!", "b": "\\ud83d\\ude00", "c": "\\\ud83d\ude00", "d": "\/\b\f\n\r\t"}'
    )
    assert one(text, "m.json", json_syntax=True).data == json.loads(text)


def test_json_file_indented_with_tabs_loads() -> None:
    text = '{\n\t"a": 1,\n\t"b": [\n\t\t2\n\t]\n}\n'
    doc = one(text, "m.json", json_syntax=True)
    assert doc.data == {"a": 1, "b": [2]}
    assert start(doc, "b", 0) == (4, 3)


def test_several_documents_per_file() -> None:
    loaded = load("a: 1\n---\nb: 2\n---\n- 3\n")
    assert loaded.errors == []
    assert [d.data for d in loaded.documents] == [{"a": 1}, {"b": 2}, [3]]
    assert [d.index for d in loaded.documents] == [0, 1, 2]
    assert start(loaded.documents[1], "b") == (3, 1)
    assert start(loaded.documents[2], 0) == (5, 3)


def test_utf8_with_and_without_bom() -> None:
    plain = one("name: café\n")
    bom = one(b"\xef\xbb\xbfname: caf\xc3\xa9\n")
    assert plain.data == bom.data == {"name": "café"}
    assert start(bom, "name") == (1, 1)
    bom_json = one(b'\xef\xbb\xbf{"name": "caf\xc3\xa9"}', "m.json", json_syntax=True)
    assert bom_json.data == {"name": "café"}


def test_empty_and_comment_only_files_have_no_documents() -> None:
    assert load("").documents == [] and load("").errors == []
    assert load("# only a comment\n").documents == []


def test_anchors_and_aliases_work() -> None:
    doc = one("base: &who {name: Ann}\nowner: *who\nlist: [&x 1, *x]\n")
    assert doc.data == {"base": {"name": "Ann"}, "owner": {"name": "Ann"}, "list": [1, 1]}
    assert start(doc, "owner", "name") == (1, 13)  # an alias is located at its anchor's node


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["kind: AISystem", "a: &a [" + ", ".join(['"lol"'] * width) + "]"]
    previous = "a"
    for n in range(1, levels):
        name = f"l{n}"
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_alias_bomb_fails_cleanly_and_quickly() -> None:
    """9**9 values if expanded; the loader stops at the value limit, after 200,000."""
    message = error(billion_laughs())
    assert message.startswith("m.yaml:")
    assert "aliases expand the document to more than 200000 values (an alias bomb?)" in message


@pytest.mark.slow
def test_a_document_with_too_many_values_is_not_called_an_alias_bomb() -> None:
    message = error("a: [" + ",".join(["1"] * 200_001) + "]\n")
    assert message.startswith("m.yaml:1:")
    assert "document has more than 200000 values; split it" in message
    assert "alias" not in message


def test_recursive_alias_is_refused() -> None:
    assert "nesting deeper than" in error("a: &a [*a]\n")


# --- refusals ------------------------------------------------------------------------------------


def test_duplicate_keys_name_the_key_and_both_lines() -> None:
    message = error("kind: AISystem\nspec:\n  owner: a\n  owner: b\n")
    assert message.startswith("m.yaml:4:3: duplicate key 'owner' (first at line 3)")
    assert error('{"a": 1,\n "a": 2}', "m.json", json_syntax=True).startswith(
        "m.json:2:2: duplicate key 'a' (first at line 1)"
    )


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("a: !foo x\n", "1:4", "tag '!foo' is not allowed"),
        ("a: !!python/object/apply:os.system [ls]\n", "1:4", "python/object/apply:os.system"),
        ("a: !!int 3\n", "1:4", "is not allowed"),
        ("? [a, b]\n: 1\n", "1:3", "complex (non-scalar) mapping keys"),
        ("1: one\n", "1:1", "key '1' is not a string"),
        ("<<: {a: 1}\n", "1:1", "merge keys (<<) are not supported"),
        ("a: .nan\n", "1:4", "is not allowed; write a finite number"),
        ("a: -.inf\n", "1:4", "is not allowed; write a finite number"),
        ("a:\n\tb: 1\n", "2:1", "indent with spaces"),
        ("a: [1, 2\nb: 3\n", "2:2", "invalid YAML"),
        ("a: *nowhere\n", "1:4", "undefined alias"),
    ],
)
def test_refused_yaml_is_one_located_line(text: str, where: str, fragment: str) -> None:
    message = error(text)
    assert message.startswith(f"m.yaml:{where}: "), message
    assert fragment in message


def test_nothing_is_ever_constructed_from_a_tag() -> None:
    message = error("a: !!python/object/apply:builtins.exec ['raise SystemExit(9)']\n")
    assert "is not allowed" in message


def test_a_control_character_is_located_and_the_message_is_one_line() -> None:
    message = error('a: 1\nb: "x\x07"\n')
    assert message.startswith("m.yaml:2:6: character U+0007 is not allowed in YAML")
    assert "tab" not in message  # not mistaken for a tab problem


def test_old_mac_line_endings_do_not_crash_error_reporting() -> None:
    message = error("a: 1\rb: [\rc: 2\r")
    assert message.startswith("m.yaml:4:1: invalid YAML")


@pytest.mark.parametrize(
    ("text", "where", "name"),
    [
        ('{"a": NaN}', "1:7", "NaN"),
        ('{"name": "NaN or Infinity",\n "x": [1, Infinity]}', "2:11", "Infinity"),
        ('{"a": -Infinity}', "1:7", "-Infinity"),
    ],
)
def test_json_nan_and_infinity_are_located(text: str, where: str, name: str) -> None:
    message = error(text, "m.json", json_syntax=True)
    assert message == f"m.json:{where}: {name} is not a number in JSON; write a finite number"


def test_json_syntax_is_judged_by_json_rules() -> None:
    assert error('{"a": 1,}', "m.json", json_syntax=True).startswith("m.json:1:9: invalid JSON")
    assert error("{'a': 1}", "m.json", json_syntax=True).startswith("m.json:1:2: invalid JSON")


@pytest.mark.parametrize("depth", [10_000, 200_000])
@pytest.mark.parametrize("style", ["flow", "block", "json"])
def test_deep_nesting_is_refused_at_its_position(depth: int, style: str) -> None:
    if style == "flow":
        text, file, where = "a: " + "[" * depth + "]" * depth + "\n", "m.yaml", (1, 3 + MAX_DEPTH)
    elif style == "block":
        text, file, where = "- " * depth + "x\n", "m.yaml", (1, 1 + 2 * MAX_DEPTH)
    else:
        text, file, where = '{"a":\n' + "[" * depth + "]" * depth + "}", "m.json", (2, MAX_DEPTH)
    message = error(text, file, json_syntax=style == "json")
    assert message.startswith(
        f"{file}:{where[0]}:{where[1]}: nesting deeper than {MAX_DEPTH} levels"
    )


def test_nesting_up_to_the_limit_loads() -> None:
    depth = MAX_DEPTH - 1  # the root mapping is one level
    doc = one("a: " + "[" * depth + "]" * depth + "\n")
    value = doc.data["a"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize(
    ("raw", "fragment", "where"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file is binary", "m.yaml"),
        (b"a: 1\x00\x00\n", "file is binary", "m.yaml"),
        (
            b"kind: AISystem\nname: caf\xe9\n",
            "byte 0xe9 is not valid UTF-8; save the file as UTF-8",
            "m.yaml:2:10",
        ),
        # after a UTF-8 byte order mark: the byte and place as an editor shows them
        (
            b"\xef\xbb\xbfkind: AISystem\nname: caf\xe9\n",
            "byte 0xe9 is not valid UTF-8; save the file as UTF-8",
            "m.yaml:2:10",
        ),
        (b"\xef\xbb\xbf\xe9: 1\n", "byte 0xe9 is not valid UTF-8", "m.yaml:1:1"),
    ],
)
def test_binary_and_non_utf8_files(raw: bytes, fragment: str, where: str) -> None:
    message = error(raw)
    assert message.startswith(where + ": ")
    assert fragment in message


@pytest.mark.parametrize(
    ("text", "json_syntax", "message"),
    [
        (
            "a: " + "1" * 5000 + "\n",
            False,
            "m.yaml:1:4: a number of 5000 characters is not allowed",
        ),
        (
            '{"a": ' + "1" * 5000 + "}",
            True,
            "m.json:1:7: a number of 5000 characters is not allowed",
        ),
        (
            "a: 0x" + "f" * 5000 + "\n",
            False,
            "m.yaml:1:4: a number of 5002 characters is not allowed",
        ),
        (
            "a: 1e999\n",
            False,
            "m.yaml:1:4: 1e999 is too large to be a number (it would be infinity)",
        ),
        (
            '{"a":\n -1e999}',
            True,
            "m.json:2:2: -1e999 is too large to be a number (it would be infinity)",
        ),
    ],
)
def test_numbers_too_large_are_refused_where_they_stand(
    text: str, json_syntax: bool, message: str
) -> None:
    """Python cannot convert integers of more than 4300 digits (it raised ValueError out of the
    loader), and 1e999 silently became infinity."""
    assert error(text, "m.json" if json_syntax else "m.yaml", json_syntax).startswith(message)


def test_large_but_reasonable_numbers_load() -> None:
    doc = one("a: 12345678901234567890\nb: -1.5e300\nc: 1e-999\n")
    assert doc.data == {"a": 12345678901234567890, "b": -1.5e300, "c": 0.0}


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2026-03-10", "2026-03-10"),  # a date stays text (YAML 1.2's core schema has no dates)
        ("10-20", "10-20"),
        ("1.2.0", "1.2.0"),
        ("1e-5", 1e-5),
        ("2E-3", 2e-3),
        ("-7", -7),
        ("+7", 7),
        ("0042", 42),
        ("42", 42),
        ("0o17", 15),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("1e-5-2", "1e-5-2"),
        ("\u0662", "\u0662"),  # a digit, but not an ASCII one: text
        ("1\u00b2", "1\u00b2"),
    ],
)
def test_plain_scalars_that_start_like_numbers(written: str, value: object) -> None:
    doc = one(f"a: {written}\n")
    assert doc.data == {"a": value}
    assert type(doc.data["a"]) is type(value)


# The YAML 1.2 core schema's tag resolution (spec section 10.3.2), written out here from the
# spec, as the reference the loader's shortcuts are held to.
_CORE_INT = r"[-+]?[0-9]+"
_CORE_OCT = r"0o[0-7]+"
_CORE_HEX = r"0x[0-9a-fA-F]+"
_CORE_FLOAT = r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"


def _core_number(text: str) -> object:
    import re

    if re.fullmatch(_CORE_INT, text):
        return int(text)
    if re.fullmatch(_CORE_OCT, text):
        return int(text[2:], 8)
    if re.fullmatch(_CORE_HEX, text):
        return int(text[2:], 16)
    if re.fullmatch(_CORE_FLOAT, text):
        number = float(text)
        return "refused" if number in (float("inf"), float("-inf")) else number  # 1e999
    if re.fullmatch(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)", text):
        return "refused"
    return text


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(
    st.text(alphabet=st.sampled_from("0123456789+-.eExoabfinINF_:()/ \u0662\u00b2"), max_size=8)
    | st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{0,3}){0,3}\Z")
    | st.sampled_from(["1e999", "-1e999", ".5", "1.", "+0.5", "0o17", "0x1F", "1_000", "5(b)"])
    | st.sampled_from([".nan", ".NaN", ".NAN", "-.inf", "+.Inf", ".INF", "-.nan", "0xfF", "0o8"])
)
def test_plain_scalars_resolve_as_the_core_schema_says(text: str) -> None:
    from types import SimpleNamespace

    from aims_policy.loader import LoadError, _resolve_plain

    if text in ("", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"):
        return  # the constants: test_yaml_scalars_follow_the_core_schema
    try:
        got: object = _resolve_plain(SimpleNamespace(value=text, start_mark=None))
    except LoadError:
        got = "refused"
    expected = _core_number(text)
    assert got == expected and type(got) is type(expected)


def event_depth(text: str) -> int:
    """The real depth, measured by the pure-Python parser: it has no nesting limit of its own
    (libyaml 0.2.6 stops at 1,000 levels) and keeps its own stack."""
    import yaml

    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return deepest


def nested(style: str, n: int) -> str:
    if style == "compact-seq":
        return "- " * n + "x\n"
    if style == "map-in-map":
        return "".join(" " * i + "k:\n" for i in range(n)) + " " * n + "k: v\n"
    if style == "seq-as-map-value":  # a sequence may sit at its mapping's column: 2 levels/2 cols
        return "k:\n" + "".join(" " * (2 * i) + "- k:\n" for i in range(n // 2)) + " " * n + "- x\n"
    if style == "complex-keys":
        return "? " * n + "x\n"
    if style == "flow-in-block":
        return (
            "".join(" " * i + "k:\n" for i in range(n // 2))
            + " " * (n // 2)
            + "k: "
            + "[" * (n // 2)
            + "]" * (n // 2)
            + "\n"
        )
    return "[" * n + "]" * n + "\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    "style",
    ["compact-seq", "map-in-map", "seq-as-map-value", "complex-keys", "flow-in-block", "flow"],
)
def test_the_cheap_depth_bound_is_an_upper_bound(style: str) -> None:
    """The pre-scan that protects libyaml's recursive composer is skipped when this bound is small;
    it must never be below the real depth, whatever the layout."""
    from aims_policy.loader import _depth_bound

    text = nested(style, 3000)
    depth = event_depth(text)
    assert depth >= 1500
    assert _depth_bound(text) >= depth
    assert "nesting deeper than" in error(text)


@pytest.mark.parametrize(
    "text",
    [
        "x: [" + "1," * 2_000_000 + "1]\n",  # flow: 2 characters a value
        "x:\n" + "- 1\n" * 1_100_000,  # block
        "x: {"
        + "a," * 2_000_000
        + "b}\n",  # flow mapping of keys without values: 1 character a node
    ],
)
def test_a_huge_flat_document_is_refused_before_it_is_composed(text: str) -> None:
    """libyaml's composer builds every node (hundreds of bytes each) before our value limit can
    apply; a 4-5 MB flat list used to take ~10 s and ~1 GB. Only the event-stream pre-scan says
    "keys and values", so this message shows the composer never ran."""
    message = error(text)
    assert "document has more than 400000 keys and values; split it" in message


def test_a_thousand_documents_load_and_one_more_is_refused() -> None:
    assert len(load("a: 1\n" + "---\nb: 2\n" * 999).documents) == 1000
    assert error("a: 1\n" + "---\nb: 2\n" * 1000).startswith(
        "m.yaml:2001:1: file has more than 1000 documents; split it"
    )


def test_a_huge_number_of_documents_is_refused_before_composing() -> None:
    """800,000 one-line documents were composed one by one and each reported (8 s, 860 MB)."""
    assert error("kind: AISystem\n" + "--- 1\n" * 800_000).startswith(
        "m.yaml:1001:1: file has more than 1000 documents"
    )


def test_json_positions_after_a_surrogate_pair_escape_are_the_files_own() -> None:
    """The pair (12 characters) is rewritten as a YAML escape of 10 for the composer; the
    columns after it on the same line must still be those of the file."""
    text = r'{"a": "\ud83d\ude00 x \ud83d\ude01", "b": 1, "c": ["\ud83d\ude00", 2]}'
    doc = one(text, "m.json", json_syntax=True)
    assert doc.data == json.loads(text)
    assert start(doc, "b") == (1, text.index('"b"') + 1) == (1, 38)
    assert start(doc, "c", 1) == (1, text.index("2]") + 1) == (1, 68)
    assert doc.locate(("a",)).end_col == text.index(', "b"') + 1
