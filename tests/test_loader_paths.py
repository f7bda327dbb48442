"""The loader's two readers agree: plain data is built straight from libyaml's events, anything
else (anchors, aliases, tags, keys that are not plain strings, limits, errors) by the node
builder. Whatever a text holds, the loader must give what the node builder alone gives: the
same documents with the same positions (inserted in the same order), or the same refusal at the
same place. The node builder is the reference here; the event reader is the fast path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _helpers import MANIFESTS, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aims_policy import loader

pytestmark = pytest.mark.skipif(not loader._LIBYAML, reason="PyYAML without libyaml")

Outcome = tuple[Any, ...]


def read(text: str, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(loader, "_from_events", lambda text, file: None)
        try:
            docs = loader._compose_all(text, "m.yaml")
        except loader.LoadError as exc:
            return ("refused", exc.code, exc.message, exc.line, exc.col)
    # repr as well as the value: 1 == 1.0 == True, and dict equality ignores key order.
    return ("read", [(d.file, d.index, repr(d.data), list(d.entries())) for d in docs])


def data_files() -> Iterator[Path]:
    for folder in (MANIFESTS, ROOT / "rules", ROOT / "tests", ROOT / "aims_policy"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".yaml", ".yml", ".json") and "node_modules" not in path.parts:
                yield path


def test_every_example_manifest_is_read_from_events_as_the_node_builder_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    examples = [p for p in MANIFESTS.rglob("*") if p.suffix in (".yaml", ".json")]
    assert len(examples) >= 10
    for path in examples:
        text = loader.read_text(path.read_bytes())
        # The fast path is taken for them (else this test would compare the builder with itself).
        assert loader._from_events(text, str(path)) is not None, path
        assert read(text, fast=True, monkeypatch=monkeypatch) == read(
            text, fast=False, monkeypatch=monkeypatch
        ), path


def test_every_data_file_of_the_project_is_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    files = list(data_files())
    assert len(files) > 50
    for path in files:
        try:
            text = loader.read_text(path.read_bytes())
        except loader.LoadError:
            continue
        fast = read(text, fast=True, monkeypatch=monkeypatch)
        assert fast == read(text, fast=False, monkeypatch=monkeypatch), path


# Hand-picked texts, each at one of the event reader's edges: expected to be read alike, and
# for the first group to be left to the node builder.
LEFT_TO_THE_NODE_BUILDER = [
    "a: &x 1\nb: *x\n",  # anchor and alias
    "a: *x\n",  # undefined alias
    "a: !!str 5\n",  # explicit tag
    "a: ! 5\n",  # non-specific tag
    "a: !custom x\n",
    "!!map {a: 1}\n",
    "1: one\n",  # a key that is a number
    "null: x\n",
    "~: x\n",
    ": x\n",  # an empty plain key
    "<<: {a: 1}\n",  # merge key
    "a: 1\na: 2\n",  # duplicate plain key
    "'a': 1\na: 2\n",  # duplicate, once quoted
    "? [a, b]\n: c\n",  # a collection as a key
    "? {a: 1}\n: c\n",
    "a: 1e999\n",  # refused values
    "a: .nan\n",
    "a: -.inf\n",
    "a: " + "1" * 200 + "\n",
    "a: [1, 2\n",  # syntax errors
    "a: 1\n b: 2\n",
    "a:\n\t- 1\n",
    "- a\nb: c\n",
    "a: 1\n---\nb: [\n",  # an error in a later document
    "a: " + "[" * (loader.MAX_DEPTH + 1) + "]" * (loader.MAX_DEPTH + 1) + "\n",
    # one level too deep, exactly: the root mapping and MAX_DEPTH sequences
    "a: " + "[" * loader.MAX_DEPTH + "]" * loader.MAX_DEPTH + "\n",
]
READ_FROM_EVENTS = [
    "",
    "---\n",
    "--- \n...\n",
    "a: 1\n---\nb: 2\n...\n---\n- c\n",
    "plain scalar\n",
    "'quoted root'\n",
    "- 1\n- [2, {x: y}]\n- {}\n- []\n-\n- ''\n",
    "a:\n  b:\n    c: [1, 0o17, 0x1F, 012, -3, +4, 1.5, .5, -1.e3, true, False, NULL, ~, '']\n",
    "'0': zero\n\"1\": one\n'null': n\n'': empty\n",  # quoted keys are text, even empty
    "a: |\n  block\n  text\nb: >-\n  folded\n  text\nc: 'x'\n",
    "a: {b: [c, {d: e}], f: g}\nh: [[[]]]\n",
    "k: v # comment\n# trailing\n",
    "a: 2026-01-01\nb: yes\nc: no\nd: on\n",  # strings in the core schema
    "\u00e9t\u00e9: \U0001f600\nr\u00e9sum\u00e9: [\u4e2d\u6587]\n",
    "a: " + "[" * (loader.MAX_DEPTH - 1) + "]" * (loader.MAX_DEPTH - 1) + "\n",
    '{"a": [1, 2.5, true, null, "x"], "b": {"c": "d"}}\n',  # JSON
]


@pytest.mark.parametrize("text", LEFT_TO_THE_NODE_BUILDER)
def test_what_is_not_plain_data_is_left_to_the_node_builder(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert loader._from_events(text, "m.yaml") is None
    assert read(text, fast=True, monkeypatch=monkeypatch) == read(
        text, fast=False, monkeypatch=monkeypatch
    )


@pytest.mark.parametrize("text", READ_FROM_EVENTS)
def test_plain_data_is_read_from_events_as_the_node_builder_reads_it(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert loader._from_events(text, "m.yaml") is not None
    assert read(text, fast=True, monkeypatch=monkeypatch) == read(
        text, fast=False, monkeypatch=monkeypatch
    )


def test_the_value_limit_is_left_to_the_node_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_NODES", 5)
    assert loader._from_events("[1, 2, 3, 4]\n", "m.yaml") is not None  # five values
    assert loader._from_events("[1, 2, 3, 4, 5]\n", "m.yaml") is None
    assert read("[1, 2, 3, 4, 5]\n", fast=True, monkeypatch=monkeypatch)[:2] == (
        "refused",
        "too-many-nodes",
    )


def test_the_document_limit_is_left_to_the_node_builder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loader, "MAX_DOCUMENTS", 2)
    assert loader._from_events("a: 1\n---\nb: 2\n", "m.yaml") is not None
    assert loader._from_events("a: 1\n---\nb: 2\n---\nc: 3\n", "m.yaml") is None


# -- generated texts ---------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        *("name", "id", "a b", "x-ext", "'q'", '"dq"', "1", "-k", ".5", "~", "null", "True"),
        *("''", "<<", "name", "id", "k\u00e9", "'1'", "? c", "&k key", "!!str key", "*k"),
    ]
)
SCALARS = st.sampled_from(
    [
        *("plain", "012", "0o17", "0x1F", "1.5", "+3", "-0", ".5", "1e3", "1e999", ".nan"),
        *("-.inf", "null", "~", "", "yes", "'q'", '"d\\u00e9"', "'it''s'", "2026-01-01"),
        *("a: b", "[", "x #c", "!!str 5", "!custom x", "! 12", "&a v", "*a", "&b [1]", "*b"),
        *("1" * 120, "\t1", "\u00e9"),
    ]
)


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> Any:
    kind = draw(
        st.sampled_from(["scalar", "map", "seq", "flow"]) if depth < 4 else st.just("scalar")
    )
    if kind == "scalar":
        return ("scalar", draw(SCALARS))
    if kind == "flow":
        items = draw(st.lists(st.tuples(KEYS, SCALARS), max_size=3))
        return ("scalar", "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}")
    children = draw(st.lists(trees(depth + 1), min_size=0 if kind == "seq" else 1, max_size=4))
    if kind == "seq":
        return ("seq", children)
    return ("map", [(draw(KEYS), child) for child in children])


def render(tree: Any, indent: int, anchor: str) -> str:
    kind, body = tree
    pad = " " * indent
    if kind == "scalar":
        return f"{pad}{body}\n"
    out = []
    for item in body:
        key, child = item if kind == "map" else ("-", item)
        lead = f"{pad}{key}:" if kind == "map" else f"{pad}-"
        if child[0] == "scalar":
            out.append(f"{lead} {child[1]}\n")
        elif not child[1]:
            out.append(f"{lead} {'{}' if child[0] == 'map' else '[]'}\n")
        else:
            out.append(f"{lead}{anchor}\n{render(child, indent + 2, '')}")
    return "".join(out)


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    documents=st.lists(
        st.tuples(trees(), st.sampled_from(["", " &c", " !!map"])), min_size=1, max_size=3
    ),
    crlf=st.booleans(),
)
def test_generated_texts_are_read_alike(
    documents: list[tuple[Any, str]], crlf: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "---\n".join(render(tree, 0, anchor) for tree, anchor in documents)
    if crlf:
        text = text.replace("\n", "\r\n")
    fast = read(text, fast=True, monkeypatch=monkeypatch)
    assert fast == read(text, fast=False, monkeypatch=monkeypatch), text


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("risks:\n- {id: R-1, owner: a}\n- {id: R-2, owner: b}\n", True),
        # An alias sends the text to the node builder; the quoted key takes its general road.
        ("x: &o {id: R-1}\nrisks:\n- {id: R-1, 'owner': a}\n- {id: R-2, 'owner': b}\n", False),
    ],
)
def test_equal_keys_are_one_object(text: str, fast: bool) -> None:
    """Each key is kept once per run, whichever reader builds the document: rules look keys up by
    literals, which then match by identity, and a register of thousands of risks holds one
    ``owner`` string instead of thousands."""
    assert (loader._from_events(text, "m.yaml") is not None) is fast
    (doc,) = loader._compose_all(text, "m.yaml")
    first, second = doc.data["risks"]
    for a, b in zip(first, second, strict=True):
        assert a == b and a is b
    assert next(iter(first)) is "id"  # noqa: F632 - identity is the point: the literal's object
