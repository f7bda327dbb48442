"""Structure-aware fuzzing of manifests with Hypothesis: the example manifests, mutated.

Each generated file starts from one of manifests/*.yaml or *.json (read with yaml.safe_load) and
is mutated at three levels:

* the tree: keys and list items deleted, values retyped (string, number, list, mapping, null,
  bool), odd scalars (huge integers, -0.0, NaN, infinity, empty, very long, control characters,
  NUL, lone surrogates, right-to-left text, combining marks, emoji, characters beyond the BMP),
  dates at the edges (0001-01-01, 9999-12-31, 2024-02-29, the invalid 2023-02-29), odd evidence
  paths, ``x-`` extensions holding anything, added exceptions (waivers), list items repeated,
  one node shared by two places (an anchor and an alias once dumped; a cycle sometimes), and the
  good manifest's own system name;
* the text, through placeholders the dump leaves in place: YAML written by hand where a dict
  cannot say it (duplicate keys, merge keys ``<<``, ``1e999``, ``.nan``, ``"\\ud800"``, tags such
  as ``!!python/object`` and ``!custom``, undefined aliases, alias bombs large enough for the
  loader's bound on expansion to have to stop them), then lines repeated, dropped or re-indented,
  tabs, CRLF, truncation, several documents (``---``);
* the bytes: UTF-8 with a byte-order mark, UTF-16, Latin-1, bytes that are not UTF-8 inserted.

Each file is dumped as YAML (block or flow style) or as JSON (``json.dumps``, in a ``.json`` file
mostly), and checked beside an untouched good manifest (manifests/document-summariser.yaml with
its evidence) in a folder that is a git repository root. Every example must hold that:

1. nothing escapes ``aims_policy.check`` or the command line (exit 0, 1 or 2; no traceback), and
   no "engine" notification appears: an internal error or a built-in rule failing is a bug;
2. every output format renders; JSON parses, SARIF is valid against the SARIF 2.1.0 schema
   (tests/schemas/), JUnit XML is valid against Jenkins' xunit schema;
3. checking the same files twice gives byte-identical JSON;
4. the good manifest's findings (rule, location, message) are the same with the bad file beside it
   as alone, except for cross-manifest findings (AIMS-SET-*) when both claim one system name.
   The day is drawn too (mostly the demo's, sometimes one on which the good manifest has findings,
   or a day at the edge of the calendar), so that a lost finding can be seen.

Budget: CI runs a fixed, derandomized 300 examples (reproducible, never flaky). A campaign runs
more, with a fresh random seed each time, e.g. ``AIMS_FUZZ_EXAMPLES=20000 pytest
tests/test_fuzz.py -m slow -x``; ``AIMS_FUZZ_SEED=N`` repeats a campaign's seed. A failure prints the
falsifying file (name and bytes) and a ``@reproduce_failure`` blob. A defect found this way gets a
plain regression test below (``xfail(strict=True)`` until it is fixed).
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema
import pytest
import xmlschema
import yaml
from _helpers import MANIFESTS, ROOT, TODAY
from click.testing import CliRunner
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import aims_policy
from aims_policy import registry
from aims_policy.cli import cli
from aims_policy.loader import MAX_NODES
from aims_policy.model import Report
from aims_policy.output import render, sarif

# -- budget ------------------------------------------------------------------------------------

_ON_DEMAND = os.environ.get("AIMS_FUZZ_EXAMPLES", "").strip()
EXAMPLES = int(_ON_DEMAND) if _ON_DEMAND else 300
_SEED = os.environ.get("AIMS_FUZZ_SEED", "").strip()

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # CI: the same examples every run. On demand: a new exploration each campaign (or the
    # AIMS_FUZZ_SEED one).
    derandomize=not (_ON_DEMAND or _SEED),
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

GOOD_NAME = "document-summariser.yaml"
GOOD_SYSTEM = "document-summariser"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text("utf-8"))
JUNIT_XSD = ROOT / "tests" / "schemas" / "junit-10.xsd"
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
#: Days the run judges dates against: the demo's (no findings on the good manifest), a later one
#: (the good manifest has findings: reviews overdue), and the calendar's edges.
DAYS = (TODAY, "2027-12-31", "9999-12-31", "0001-01-01")


# -- the example manifests, as plain trees -------------------------------------------------------


def _plain(value: Any) -> Any:
    """yaml.safe_load reads YAML 1.1: dates become date objects; the manifests mean strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


BASES: dict[str, Any] = {
    path.name: _plain(yaml.safe_load(path.read_text("utf-8")))
    for path in sorted([*MANIFESTS.glob("*.yaml"), *MANIFESTS.glob("*.json")])
}
RULE_IDS = sorted(rule.meta.id for rule in registry.load().all)
#: What --why-not accepts: the rules evaluated on each manifest (not the cross-manifest ones).
MANIFEST_RULE_IDS = sorted(rule.meta.id for rule in registry.load().rules)

# -- values --------------------------------------------------------------------------------------

# fmt: off
ODD_STRINGS = (
    "", " ", "\t", "\n", "x" * 10_000, "y" * 50_000, "\x00", "a\x00b", "\x01\x02\x1b[31m\x7f",
    "\x85", "\u2028\u2029", "\ufeff", "\ud800", "\udfff\ud800", "\u202eevil\u202c", "שלום עולם",
    "مرحبا", "e\u0301\u0301\u0301", "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357",
    "👩\u200d💻🏳️\u200d🌈", "\U0001d54f\U0001d538\U0001d540", "\U0010ffff", "\ufffe\uffff", "null",
    "~", "yes", "no", "true", "1e999", "-0", "0x1F", ".nan", "{}", "[]", "- a", "a: b", "# comment",
    "&anchor", "*alias", "!tag", "<<", "%", "@", "`", "'", '"', "\\", "TODO", "TBD", "n/a",
    "lorem ipsum", GOOD_SYSTEM, "Document-Summariser", "a" * 64, "-leading-hyphen",
)
ODD_PATHS = (
    "../../etc/passwd", "/etc/passwd", "/", ".", "..", "evidence", "evidence/",
    "evidence/document-summariser", "evidence/document-summariser/model-card.md",
    "evidence/document-summariser/model-card.md/", "evidence/document-summariser/model-card.md\x00",
    "evidence/document-summariser/../../../../outside.md", "evidence//organisation/ai-policy.md",
    "./evidence/organisation/ai-policy.md", "evidence/organisation/ai-policy.md#section",
    "evidence/organisation/ai-policy.md?x=1", "evidence/document-summariser/*.md",
    "evidence/document-summariser/MODEL-CARD.MD", "evidence\\document-summariser\\model-card.md",
    "C:\\Windows\\system32", "~/secret.md", "$HOME/x.md", "file:///etc/passwd", "http://",
    "https://", "https://[::1", "https://example.com/" + "a" * 5000, "https://exa mple.com/x",
    "http://127.0.0.1:99999/x", "ftp://example.com/x", "mailto:a@b", "data:text/plain,hi",
    "evidence/" + "d/" * 200 + "x.md", "x" * 5000 + ".md", "évidence/ü.md", "evidence/\u202egpj.md",
    ".git", ".git/config",
)
# The last two dates are written in Arabic-Indic and fullwidth digits: \d matches them, [0-9]
# does not.
ODD_DATES = (
    "0001-01-01", "9999-12-31", "2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29",
    "0000-00-00", "2026-13-01", "2026-00-10", "2026-11-31", "9999-99-99", TODAY, "2026-11-21",
    "2026-11-23", "2027-12-31", "1970-01-01", "2026-11-22T00:00:00Z", "2026-11-22 10:00",
    "20261122", "2026-1-5", "+2026-11-22", "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0662",
    "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff12\uff12",
)
ODD_NUMBERS = (
    0, -1, 1, 2**31, 2**63, -(2**63) - 1, 2**64, 10**99, 10**100, 2**1024, -(10**300), 1e308,
    -1e308, 5e-324, -0.0, 0.1, float("nan"), float("inf"), float("-inf"), True, False,
)
# fmt: on

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(ODD_NUMBERS),
    st.integers(),
    st.floats(),
    st.sampled_from(ODD_STRINGS),
    st.sampled_from(ODD_DATES),
    st.sampled_from(ODD_PATHS),
    st.text(max_size=20),
    st.text(st.characters(exclude_categories=()) | st.characters(categories=["Cs"]), max_size=10),
)
keys = st.one_of(
    st.sampled_from(("x-extra", "x-", "x-\u202e", "id", "name", "description", "unknownField")),
    st.text(min_size=0, max_size=12),
    st.sampled_from(ODD_STRINGS[:30]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=10,
)


# -- text written by hand, through placeholders --------------------------------------------------


@dataclass
class Raw:
    """A placeholder for text the dump cannot write: YAML (and its JSON counterpart, when the
    file is dumped as JSON) put in the placeholder's place, as a value or as a key."""

    yaml_text: str
    json_text: str | None = None
    expands: int = 0  # an alias bomb: the values it expands to


# fmt: off
RAW_VALUES = (
    "1e999", "-1e999", ".nan", ".NaN", ".inf", "-.Inf", "-0.0", "+0", "0o17", "0o", "0x1F", "0xZZ",
    "0b101", "012", "1_000", "+12", "1e3", ".5", "5.", "9" * 99, "9" * 100, "9" * 101, "9" * 5000,
    "1" + "0" * 400 + ".0", "1e308", "1e-400", "~", "null", "Null", "NULL", "yes", "No", "on",
    "OFF", "TRUE", "y", '"\\ud800"', '"\\udfff\\ud800"', '"\\ud83d\\ude00"', '"\\U0010FFFF"',
    '"\\U00110000"', '"\\x00"', '"\\0"', '"a\\0b"', '"\\e\\a\\b\\v\\f"', '"\\N\\_\\L\\P"',
    '"\\x85\\u2028"', "'it''s'", "''", '""', "!!python/object:os.system {}",
    "!!python/object/apply:os.system [echo pwned]", "!!python/name:os.system",
    "!!python/tuple [1, 2]", "!custom x", "!custom {a: 1}", "!custom [a]", "!!str 12", "!!str",
    "!!int '3'", "!!float 1", "!!bool yes", "!!null ''", "!!binary aGVsbG8=",
    "!!timestamp 2024-01-01", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1, a: 2]",
    "!<tag:yaml.org,2002:str> x", "!<tag:yaml.org,2002:map> {}", "!<!> x", "! x", "!!map {}",
    "!!seq []", "&anc x", "*nope", "&a [*a]", "0001-01-01", "9999-12-31", "2024-02-29",
    "2023-02-29", "2026-11-22 10:00:00", "2026-11-22T10:00:00+01:00", "[a, [b, [c]]]",
    "{a: 1, a: 2}", "{<<: {a: 1}}", "{? [a]: b}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "'unterminated", '"unterminated', "[unclosed", "{unclosed: 1", "@reserved", "`backtick",
    "%percent", "a: b: c", "- item", "? x", "|", ">-", "\t", "#", "x #comment", "\x00", "\x01",
    "\x7f", "\ufeff", "\u2028x", "\x85", "\ud800", "\U0001f600",
)
RAW_KEYS = (
    "<<", "1", "-0", "0x1", "1e999", "true", "null", "~", "''", '""', '"\\ud800"', '"\\0"',
    "[a, b]", "{a: 1}", "!custom k", "!!str 1", "!!int 1", "!!python/object:os.system k",
    "2026-01-01", "&k key", "*k", "? k", "x-\x00",
)
# fmt: on


def alias_bomb(levels: int, width: int) -> str:
    """Billion laughs in one flow mapping: level n expands to width**(n+1) strings."""
    parts = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for n in range(1, levels):
        parts.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]")
    return "{" + ", ".join(parts) + "}"


raw_values = st.one_of(
    st.sampled_from(RAW_VALUES).map(Raw),
    # (levels, width): small ones that load, and ones far above the loader's bound.
    st.one_of(
        st.tuples(st.integers(1, 9), st.integers(1, 10)),
        st.sampled_from(((6, 10), (9, 10), (18, 2), (8, 5))),
    ).map(
        lambda shape: Raw(
            alias_bomb(*shape), expands=sum(shape[1] ** (n + 1) for n in range(shape[0]))
        )
    ),
    st.sampled_from(("NaN", "Infinity", "-Infinity", "1e999", "-0.0", '"\\ud800"', "01", "+1")).map(
        lambda text: Raw(text, text)
    ),  # JSON's own odd numbers, in JSON files too
)


# -- mutations -----------------------------------------------------------------------------------

PathT = tuple[str | int, ...]


def paths_of(tree: Any, here: PathT = (), seen: set[int] | None = None) -> Iterator[PathT]:
    """Every node's path below the root (each shared node once: the tree may hold cycles)."""
    seen = set() if seen is None else seen
    if id(tree) in seen:
        return
    if isinstance(tree, dict | list):
        seen.add(id(tree))
    items = (
        tree.items()
        if isinstance(tree, dict)
        else enumerate(tree)
        if isinstance(tree, list)
        else ()
    )
    for key, value in items:
        path = (*here, key)
        yield path
        yield from paths_of(value, path, seen)


def get(tree: Any, path: PathT) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def parent_of(tree: Any, path: PathT) -> tuple[Any, str | int]:
    return get(tree, path[:-1]), path[-1]


@dataclass
class Mutant:
    """One generated file: what was done to which example, and the bytes written."""

    name: str
    content: bytes = field(repr=False)
    steps: list[str] = field(default_factory=list)
    #: An alias bomb above the loader's bound, written intact (no text or byte edit): the run
    #: must refuse the file.
    bomb: str | None = None

    def __repr__(self) -> str:
        shown = self.content if len(self.content) <= 3000 else self.content[:3000] + b"..."
        return f"Mutant(name={self.name!r}, steps={self.steps!r}, content={shown!r})"


#: libyaml's emitter when PyYAML has it (the dump is a third of an example's time otherwise).
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dump:
    """The placeholders of one file: each Raw value or key, numbered."""

    def __init__(self) -> None:
        self.raws: list[Raw] = []

    def value(self, raw: Raw) -> str:
        self.raws.append(raw)
        return f"zzraw{len(self.raws) - 1}zz"

    def key(self, raw: Raw) -> str:
        return self.value(raw)

    def fill(self, text: str, as_json: bool) -> str:
        # Highest number first, so that zzraw1zz is not replaced inside zzraw10zz.
        for n in range(len(self.raws) - 1, -1, -1):
            raw = self.raws[n]
            new = raw.json_text if as_json and raw.json_text is not None else raw.yaml_text
            text = text.replace(f'"zzraw{n}zz"' if as_json else f"zzraw{n}zz", new)
        return text


#: Weighted: mostly changes that may keep the manifest valid, so that rules run on odd values.
# fmt: off
OPERATIONS = (
    ("same-type",) * 8 + ("delete",) * 3 + ("add-key",) * 2 + ("repeat-item",) * 2
    + ("exceptions",) * 2 + ("retype",) * 2 + ("raw",) * 2
    + ("name", "duplicate-key", "share", "merge-key", "root")
)
# fmt: on


def _mutate(draw: st.DrawFn, tree: Any, dump: _Dump, steps: list[str]) -> Any:
    """One mutation of ``tree`` (in place, or a new root)."""
    paths = list(paths_of(tree))
    op = draw(st.sampled_from(OPERATIONS))
    if op == "root" or not paths:
        new = draw(st.one_of(values, raw_values.map(dump.value)))
        steps.append(f"root <- {new!r}"[:300])
        return new
    if op == "name":
        meta = tree.get("metadata") if isinstance(tree, dict) else None
        if isinstance(meta, dict):
            meta["name"] = draw(
                st.sampled_from((GOOD_SYSTEM, f" {GOOD_SYSTEM}", GOOD_SYSTEM.upper()))
            )
            steps.append(f"metadata.name <- {meta['name']!r}")
        return tree
    if op == "exceptions":
        meta = tree.get("metadata") if isinstance(tree, dict) else None
        if isinstance(meta, dict):
            exception = st.fixed_dictionaries(
                {"rule": st.sampled_from((*RULE_IDS, "AIMS-SCH-001", "AIMS-NOPE-999")) | scalars},
                optional={
                    "item": st.sampled_from(("R-1", "MU-1", "DS-1", "x", "")) | scalars,
                    "justification": st.sampled_from(ODD_STRINGS) | st.just("Accepted"),
                    "approver": st.sampled_from(("Ann", "", "\x00")) | scalars,
                    "expires": st.sampled_from(ODD_DATES) | scalars,
                },
            )
            meta["exceptions"] = draw(st.lists(exception, max_size=3))
            steps.append(f"metadata.exceptions <- {meta['exceptions']!r}"[:500])
        return tree
    path = draw(st.sampled_from(paths))
    where, key = parent_of(tree, path)
    old = where[key]
    if op == "delete":
        del where[key]
    elif op == "retype":
        where[key] = draw(values)
    elif op == "raw":
        where[key] = dump.value(draw(raw_values))
    elif op == "same-type":
        where[key] = draw(_same_type(old))
    elif op == "add-key":
        target = old if isinstance(old, dict) else where if isinstance(where, dict) else None
        if target is not None:
            new_key = draw(
                st.one_of(keys, st.sampled_from(RAW_KEYS).map(lambda k: dump.key(Raw(k))))
            )
            target[new_key] = draw(values)
            op = f"add-key {new_key!r}"
    elif op == "duplicate-key":
        target = (
            old if isinstance(old, dict) and old else where if isinstance(where, dict) else None
        )
        if target:
            repeated = draw(st.sampled_from(sorted(target)))
            text = json.dumps(repeated)
            target[dump.key(Raw(text, text))] = draw(st.one_of(st.just(target[repeated]), values))
            op = f"duplicate-key {repeated!r}"
    elif op == "share":  # the same node in two places: an anchor and an alias in YAML
        other = draw(st.sampled_from(paths))
        where[key] = get(tree, other)
        op = f"share {other!r}"
    elif op == "merge-key":
        target = old if isinstance(old, dict) else where if isinstance(where, dict) else None
        if target is not None:
            mappings = [get(tree, p) for p in paths if isinstance(get(tree, p), dict)]
            merged = draw(
                st.one_of(
                    st.sampled_from(mappings) if mappings else st.just({}),  # <<: *alias
                    st.dictionaries(keys, values, max_size=3),
                    st.lists(st.sampled_from(mappings), max_size=2) if mappings else st.just([]),
                    values,
                )
            )
            target[dump.key(Raw("<<", '"<<"'))] = merged
    elif op == "repeat-item":
        if isinstance(where, list):
            where.insert(draw(st.integers(0, len(where))), copy.deepcopy(old))
        elif isinstance(old, list) and old:
            old.append(copy.deepcopy(draw(st.sampled_from(old))))
        else:
            where[key] = [old, old]
    steps.append(f"{op} at {path!r}"[:300])
    return tree


def _same_type(old: Any) -> st.SearchStrategy[Any]:
    """A value of the same type as ``old`` (so that the schema may still pass and rules run)."""
    if isinstance(old, bool):
        return st.booleans()
    if isinstance(old, int | float):
        return st.sampled_from(ODD_NUMBERS) | st.integers() | st.floats()
    if isinstance(old, str):
        looks_like = (
            ODD_DATES
            if len(old) == 10 and old[4:5] == "-"
            else ODD_PATHS
            if old.endswith(".md") or old.startswith(("http", "evidence"))
            else ODD_STRINGS
        )
        return st.sampled_from(looks_like) | st.text(max_size=30) | st.sampled_from(ODD_STRINGS)
    if isinstance(old, list):
        return st.one_of(
            st.just([]),
            st.just(old[::-1]),
            st.just(old + old),
            st.lists(values, max_size=3),
        )
    if isinstance(old, dict):
        return st.one_of(
            st.just({}),
            st.just({**old, "x-ext": None}),
            st.dictionaries(keys, values, max_size=3).map(lambda extra: {**old, **extra}),
            st.builds(lambda v: {**old, "x-anything": v}, values),
        )
    return values


def _dump(draw: st.DrawFn, tree: Any, dump: _Dump, steps: list[str]) -> tuple[str, str]:
    """The tree as text, and the file's suffix."""
    as_json = draw(st.sampled_from((False, False, True)))
    if as_json:
        try:
            text = json.dumps(
                tree,
                ensure_ascii=draw(st.booleans()),
                indent=draw(st.sampled_from((2, None, 0, "\t"))),
                default=str,
            )
        except (ValueError, RecursionError):  # a cycle: JSON cannot hold it, YAML can
            as_json = False
        else:
            suffix = draw(st.sampled_from((".json", ".json", ".yaml")))
            steps.append(f"json as {suffix}")
            return dump.fill(text, as_json=True), suffix
    flow = draw(st.sampled_from((False, None, True)))
    style = {
        "allow_unicode": draw(st.booleans()),
        "default_flow_style": flow,
        "sort_keys": False,
        "width": draw(st.sampled_from((80, 10**9, 20))),
        "indent": draw(st.sampled_from((2, 4))),
    }
    try:
        text = yaml.dump(tree, Dumper=_DUMPER, **style)
    except UnicodeEncodeError:  # libyaml's emitter cannot hold a lone surrogate; PyYAML's can
        text = yaml.dump(tree, Dumper=yaml.SafeDumper, **style)
    suffix = draw(st.sampled_from((".yaml",) * 6 + (".yml",) * 2 + (".json",)))
    steps.append(f"yaml (flow {flow}) as {suffix}")
    return dump.fill(text, as_json=False), suffix


# fmt: off
ODD_CHARS = (
    "\x00", "\t", "\r", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\ud800",
    "\U0001f600", "\u202e", "#", ":", "-", "&", "*", "!", "|", ">", "'", '"', "{", "[", "]", "}",
    ",", "%", "@", "`", " ", "\n", "---\n", "...\n",
)
# fmt: on


def _text_edit(draw: st.DrawFn, text: str, steps: list[str]) -> str:
    lines = text.split("\n")
    op = draw(
        st.sampled_from(
            (
                "repeat-line",
                "drop-line",
                "indent",
                "tab",
                "char",
                "truncate",
                "crlf",
                "cr",
                "documents",
                "directive",
            )
        )
    )
    at = draw(st.integers(0, max(0, len(lines) - 1)))
    if op == "repeat-line":  # a duplicate key at the text level, mostly
        lines.insert(at, lines[at])
    elif op == "drop-line":
        del lines[at]
    elif op == "indent":
        lines[at] = draw(st.sampled_from((" ", "   ", "\t", ""))) + lines[at].lstrip(" ")
    elif op == "tab":
        lines[at] = lines[at].replace("  ", "\t", 1)
    elif op == "char":
        line = lines[at]
        col = draw(st.integers(0, len(line)))
        lines[at] = line[:col] + draw(st.sampled_from(ODD_CHARS)) + line[col:]
    elif op == "truncate":
        cut = draw(st.integers(0, len(text)))
        steps.append(f"truncate at {cut}")
        return text[:cut]
    elif op == "crlf":
        steps.append(op)
        return text.replace("\n", "\r\n")
    elif op == "cr":
        steps.append(op)
        return text.replace("\n", "\r")
    elif op == "documents":
        others = draw(
            st.lists(
                st.one_of(
                    st.sampled_from(
                        ("", "42", "- a\n- b", "~", "kind: AISystem", "...", "!custom x")
                    ),
                    st.sampled_from(sorted(BASES)).map(
                        lambda name: yaml.safe_dump(BASES[name], sort_keys=False)
                    ),
                    st.just(text),  # the same system twice in one file
                ),
                min_size=1,
                max_size=3,
            )
        )
        before = draw(st.booleans())
        docs = [*others, text] if before else [text, *others]
        steps.append(f"documents {len(docs)} (mutant {'last' if before else 'first'})")
        return draw(st.sampled_from(("---\n", "\n---\n", "\n...\n---\n"))).join(docs)
    elif op == "directive":
        lines.insert(
            0,
            draw(
                st.sampled_from(
                    (
                        "%YAML 1.1\n---",
                        "%YAML 1.2\n---",
                        "%YAML 2.0\n---",
                        "%TAG !e! tag:e.com,2000:\n---",
                        "%FOO bar\n---",
                        "%YAML 1.1\n%YAML 1.1\n---",
                        "---",
                        "--- !custom",
                    )
                )
            ),
        )
    steps.append(f"{op} at line {at + 1}")
    return "\n".join(lines)


def _encode(draw: st.DrawFn, text: str, steps: list[str]) -> bytes:
    encoding = draw(
        st.sampled_from(
            ("utf-8",) * 20 + ("utf-8-sig",) * 2 + ("utf-16", "utf-32", "utf-16-be", "latin-1")
        )
    )
    # "surrogatepass": a lone surrogate written raw becomes bytes that are not UTF-8.
    errors = "replace" if encoding == "latin-1" else "surrogatepass"
    raw = text.encode(encoding, errors=errors)
    if encoding != "utf-8":
        steps.append(f"encoded {encoding}")
    if draw(st.integers(0, 9)) == 5:  # not 0: Hypothesis draws the bounds often
        at = draw(st.integers(0, len(raw)))
        junk = draw(
            st.sampled_from(
                (
                    b"\xff",
                    b"\xc3",
                    b"\xed\xa0\x80",
                    b"\xf4\x90\x80\x80",
                    b"\xc0\xaf",
                    b"\x00",
                    b"\xef\xbb\xbf",
                    b"\x80\x80",
                )
            )
            | st.binary(min_size=1, max_size=4)
        )
        raw = raw[:at] + junk + raw[at:]
        steps.append(f"bytes {junk!r} at {at}")
    return raw


# fmt: off
NAMES = (
    "mutant", "mutant", "mutant", "with space", "ü-ñ-\U0001d54f-\u202ertl", "a#b%20?c", "-dash",
    "mutant.yaml",
)
# fmt: on


@st.composite
def mutants(draw: st.DrawFn) -> Mutant:
    base = draw(st.sampled_from(sorted(BASES)))
    steps = [f"from {base}"]
    if draw(st.integers(0, 49)) == 25:  # now and then, anything at all
        content = draw(
            st.binary(max_size=200)
            | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
        )
        return Mutant(draw(st.sampled_from(NAMES)) + ".yaml", content, ["arbitrary bytes"])
    tree = copy.deepcopy(BASES[base])
    dump = _Dump()
    for _ in range(draw(st.integers(0, 4))):
        tree = _mutate(draw, tree, dump, steps)
    text, suffix = _dump(draw, tree, dump, steps)
    bombs = [
        raw.yaml_text for raw in dump.raws if raw.expands > MAX_NODES and raw.yaml_text in text
    ]
    edits = draw(st.sampled_from((0, 0, 0, 0, 1, 1, 2)))
    for _ in range(edits):
        text = _text_edit(draw, text, steps)
    content = _encode(draw, text, steps)
    bomb = bombs[0] if bombs and not edits and bombs[0].encode() in content else None
    return Mutant(draw(st.sampled_from(NAMES)) + suffix, content, steps, bomb)


# -- the properties ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository root holding the good manifest and its evidence."""
    where = tmp_path_factory.mktemp("fuzz")
    (where / ".git").mkdir()
    shutil.copy(MANIFESTS / GOOD_NAME, where / GOOD_NAME)
    for evidence in ("document-summariser", "organisation"):
        shutil.copytree(MANIFESTS / "evidence" / evidence, where / "evidence" / evidence)
    return where


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(JUNIT_XSD))


class How(NamedTuple):
    """How the files are checked: the day, and the explanations asked for."""

    day: str = TODAY
    explain: bool = False
    why_not: tuple[str, ...] = ()


class _Checker:
    """What every example asserts, with what does not depend on the example computed once."""

    def __init__(self, folder: Path, junit_schema: xmlschema.XMLSchema) -> None:
        self.folder = folder
        self.junit_schema = junit_schema
        self.sarif_schema = jsonschema.Draft202012Validator(SARIF_SCHEMA)
        self._alone: dict[How, Counter[tuple[Any, ...]]] = {}
        # SARIF's rule descriptors and taxonomies depend on the rules that ran only (those of
        # the kinds of manifest checked); they are most of the document and of the time its
        # validation takes. The first document with a set of rules is validated whole; later
        # ones with the same rules must carry the same two parts, and the rest is validated.
        self._constant: dict[tuple[str, ...], tuple[Any, Any]] = {}

    def check(self, files: list[str], how: How) -> Report:
        options = aims_policy.Options(jobs=1, explain=how.explain, why_not=how.why_not)
        return aims_policy.check(files, today=how.day, options=options, cwd=str(self.folder))

    def alone(self, how: How) -> Counter[tuple[Any, ...]]:
        if how not in self._alone:
            report = self.check([str(self.folder / GOOD_NAME)], how)
            assert not report.notifications, report.notifications
            self._alone[how] = _good_findings(report)
        return self._alone[how]

    def sarif_valid(self, doc: dict[str, Any]) -> None:
        run = doc["runs"][0]
        constant = (run["tool"], run["taxonomies"])
        rules = tuple(rule["id"] for rule in run["tool"]["driver"]["rules"])
        if rules not in self._constant:
            self._constant[rules] = constant
        else:
            assert constant == self._constant[rules], "SARIF's descriptors or taxonomies changed"
            doc = {**doc, "runs": [{**run, "tool": {"driver": {"name": "aims-policy"}}}]}
            doc["runs"][0]["taxonomies"] = []
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self.sarif_schema.iter_errors(doc)
        ]
        assert not errors, errors[:5]

    def run(self, mutant: Mutant, how: How, full_sarif: bool) -> Report:
        for old in self.folder.iterdir():
            if old.name not in (GOOD_NAME, ".git", "evidence"):
                old.unlink()
        (self.folder / mutant.name).write_bytes(mutant.content)
        files = [str(self.folder / GOOD_NAME), str(self.folder / mutant.name)]

        # 1. nothing escapes the library; no internal error, no rule that failed.
        report = self.check(files, how)
        assert report.exit_code in (0, 1, 2)
        engine = [n for n in report.notifications if n.kind == "engine"]
        assert not engine, engine
        if mutant.bomb:  # the loader bounds alias expansion, and says so
            assert any(
                n.kind == "load" and n.location and n.location.file != GOOD_NAME
                for n in report.notifications
            ), report.notifications

        # 2. every output renders, can be written as UTF-8, and parses as what it claims to be.
        # SARIF's renderer is json.dumps(as_dict(report), indent=2): the indented dump takes
        # a fifth of a second (the rule descriptors), so most examples dump the same document
        # compactly; full_sarif (a quarter of them) renders it as the command does.
        rendered = {fmt: render(report, fmt) for fmt in FORMATS if fmt != "sarif"}
        sarif_doc = sarif.as_dict(report)
        rendered["sarif"] = (
            render(report, "sarif") if full_sarif else json.dumps(sarif_doc, ensure_ascii=False)
        )
        for fmt, text in rendered.items():
            text.encode("utf-8")  # a lone surrogate could not be written to a file or a pipe
            assert "Traceback" not in text, fmt
        json.loads(rendered["json"])
        assert json.loads(rendered["sarif"]) == json.loads(json.dumps(sarif_doc))
        self.sarif_valid(sarif_doc)
        ET.fromstring(rendered["junit"])
        self.junit_schema.validate(rendered["junit"])

        # 3. determinism.
        again = render(self.check(files, how), "json")
        assert again == rendered["json"], "two runs on the same files differ"

        # 4. no finding of the good manifest lost, none added but cross-manifest ones.
        alone, together = self.alone(how), _good_findings(report)
        assert not (alone - together), f"lost: {sorted(alone - together)}"
        added = together - alone
        assert all(rule_id.startswith("AIMS-SET-") for rule_id, _, _ in added), sorted(added)
        return report

    def cli(self, mutant: Mutant, how: How, fmt: str, report: Report) -> None:
        """1 again, through the command line (in-process)."""
        files = [GOOD_NAME, mutant.name]
        before = os.getcwd()
        os.chdir(self.folder)
        try:
            result = CliRunner().invoke(
                cli,
                [
                    *("check", "--no-config", "--no-color", "--today", how.day, "--format", fmt),
                    *(("--explain",) if how.explain else ()),
                    *(f"--why-not={rule_id}" for rule_id in how.why_not),
                    *("--", *files),
                ],
                catch_exceptions=False,
            )
        finally:
            os.chdir(before)
        out = result.stdout + result.stderr
        assert result.exit_code in (0, 1, 2), out[-2000:]
        assert result.exit_code == report.exit_code, out[-2000:]
        for sign in ("Traceback", "internal error", "aims-policy failed on this file"):
            assert sign not in out, out[-2000:]
        if fmt in ("json", "sarif"):
            json.loads(result.stdout)
        elif fmt == "junit":
            ET.fromstring(result.stdout)


def _good_findings(report: Report) -> Counter[tuple[Any, ...]]:
    return Counter(
        (f.rule_id, tuple(f.location), f.message)
        for f in report.findings
        if f.location.file == GOOD_NAME
    )


@pytest.fixture(scope="module")
def checker(folder: Path, junit_schema: xmlschema.XMLSchema) -> _Checker:
    return _Checker(folder, junit_schema)


@pytest.mark.slow
@FUZZ
@given(
    mutant=mutants(),
    how=st.builds(
        How,
        day=st.sampled_from(DAYS),
        explain=st.booleans(),
        why_not=st.sampled_from(((), ("AIMS-EVD-001",)))
        | st.tuples(st.sampled_from(MANIFEST_RULE_IDS)),
    ),
    full_sarif=st.integers(0, 3).map(lambda n: n == 2),
    # The command line on a third of the examples, in each output format.
    cli_format=st.sampled_from((None,) * 12 + FORMATS),
)
def test_mutated_manifests_never_break_the_run(
    checker: _Checker,
    mutant: Mutant,
    how: How,
    full_sarif: bool,
    cli_format: str | None,
) -> None:
    report = checker.run(mutant, how, full_sarif)
    if cli_format is not None:
        checker.cli(mutant, how, cli_format, report)


if _SEED:
    test_mutated_manifests_never_break_the_run = seed(int(_SEED))(
        test_mutated_manifests_never_break_the_run
    )


# -- regression tests for what the fuzzer found --------------------------------------------------
