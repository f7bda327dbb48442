"""Load YAML and JSON files into plain values with the position of every node.

Manifests are data, never code: nothing is constructed from a tag, every explicit tag but ``!!str``
is refused, and plain scalars are resolved with the YAML 1.2 core schema so that a value means the
same in YAML and JSON (``no`` stays a string, dates stay ``YYYY-MM-DD`` strings). Integers are
decimal whatever their leading zeros: ``012`` is twelve, as the core schema says (YAML 1.1 read
it as octal ten); octal is written ``0o12``, hexadecimal ``0x1f``. Infinity, NaN and numbers
too long to be real are refused where they stand.

Hostile input is bounded before it can hurt: file size, nesting depth (libyaml's composer recurses
in C and crashes the interpreter on very deep input, so depth is measured on the event stream
first whenever a file could be that deep) and alias expansion.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from sys import intern
from typing import Any, NoReturn

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aims_policy.model import Location, Notification

try:  # PyYAML's C loader is ~15x faster; the pure-Python one gives identical results.
    from yaml import CSafeLoader as _BaseLoader
    from yaml._yaml import CParser as _CParser

    _LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

    _LIBYAML = False

PathKey = str | int
Path = tuple[PathKey, ...]
#: (line, col, end_line, end_col), 1-based. For a mapping member the start is its key's.
Pos = tuple[int, int, int, int]
#: A document's positions are a tree beside its data. A scalar's entry is its position packed into
#: one int (:func:`_pack`); a collection's is the pair of its packed position and its members'
#: entries: a dict by key for a mapping, a list by index for a sequence. Against a dict of every
#: node's path and position tuple, a register of 10,000 risks loads into 23.3 MB instead of
#: 48.9 MB, and locating a node walks small dicts instead of hashing its whole path into a
#: table of every node.
Entry = int | tuple[int, "dict[str, Entry] | list[Entry]"]

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_DOCUMENTS = 1_000  # per file; a 5 MiB file holds a few hundred real manifests at most
MAX_NUMBER_CHARS = 100  # longer numbers are refused (an id or a hash is text: quote it)
# libyaml's composer copes with ~20,000 levels. A block collection nested in another starts at
# least one column further right, or at the same column only for a sequence that is a mapping's
# value, so block nesting is at most twice the longest line; flow nesting needs a bracket a level.
# Below this bound, which every real manifest is far from, the pre-scan is skipped: it costs
# about as much as composing.
_PRESCAN_DEPTH = 5_000
# Keys and values per document (twice the value limit). A node takes at least about half a
# character, so a text shorter than half this many characters needs no count.
_PRESCAN_NODES = 2 * MAX_NODES

_PLAIN = "tag:aims-policy:plain"
# First characters with which a plain scalar might resolve to something other than a string
# (numbers, ``.inf``/``.nan``, ``~``) or be a merge key.
_NOT_PLAIN_TEXT = frozenset("-+0123456789.~<")
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

# What the core schema reads as a number, in the order tried: one match tells a date or a version
# ("2026-05-01", "1.0.0") from a number, and its group which kind of number it is. Compiled
# when first used (re's own cache): 2.5 M instructions, and most manifests never need it.
_NUMBER = (
    r"(?P<int>[-+]?[0-9]+\Z)"
    r"|(?P<oct>0o[0-7]+\Z)"
    r"|(?P<hex>0x[0-9a-fA-F]+\Z)"
    r"|(?P<float>[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z)"
    r"|(?P<special>[-+]?\.(inf|Inf|INF)\Z|\.(nan|NaN|NAN)\Z)"
)
# Every character the pattern can match: a text with any other is no number.
_NUMBER_CHARS = "0123456789+-.abcdefABCDEFoxiInN"
# The patterns below serve only an error's message or a JSON file: left to re's own cache, they
# are compiled when first used, not at every start (a tenth to a third of a millisecond each).
_LINE_BREAK = "\r\n|[\r\n\x85\u2028\u2029]"
# What YAML 1.1 (and libyaml) accepts in a stream; anything else is a ReaderError.
_NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
# A JSON string (skipped) or a bare NaN/Infinity constant (found).
_JSON_CONSTANT = r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)'
# A UTF-16 surrogate pair written as two JSON escapes (an odd number of backslashes before it).
_JSON_SURROGATES = (
    r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
)
_INF = float("inf")
_CONSTANTS: dict[str, Any] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}


class _Loader(_BaseLoader):
    """Composes nodes only; our resolver marks untagged plain scalars so we resolve them ourselves
    with the core schema instead of PyYAML's YAML 1.1 rules."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP


class LoadError(Exception):
    """Raised inside the loader; becomes a :class:`Notification` naming file:line:col."""

    def __init__(self, code: str, message: str, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.col = col


class Document:
    """One YAML/JSON document: its plain value and the position of every node in it. Its file
    and positions do not change once it is made: the Locations it gives out are kept.

    (Plain classes here and below, not dataclasses: class creation is paid at every start-up.)"""

    __slots__ = ("_located", "data", "file", "index", "positions")

    def __init__(self, file: str, index: int, data: Any, positions: Entry | None = None):
        self.file = file
        self.index = index
        self.data = data
        self.positions = positions  # None for a document made in memory, not read from a file
        # One Location per node located: a node is often located more than once (an evidence
        # reference for the report's index and for the finding about it, a section for each
        # field it lacks), and a report of 178,000 findings then holds one copy of each.
        self._located: dict[int, Location] = {}

    def position(self, path: Path) -> Pos:
        """The position of ``path`` or, when it does not exist (a missing field), of its nearest
        existing ancestor: a missing field is reported where it should be added."""
        return _unpack(self._packed(path))

    def locate(self, path: Path) -> Location:
        """:meth:`position` as a Location in this document's file."""
        packed = self._packed(path)
        found = self._located.get(packed)
        if found is None:
            line, col, end_line, end_col = _unpack(packed)
            # tuple.__new__ skips the Python frame of the record's __new__.
            found = tuple.__new__(Location, (self.file, line, col, end_line, end_col))
            self._located[packed] = found
        return found

    def _packed(self, path: Path) -> int:
        # Classes told by identity, not isinstance: every finding is located through this.
        found = self.positions
        if found is None:
            return _NOWHERE
        for key in path:
            if type(found) is int:
                break  # a scalar has no members
            members = found[1]  # type: ignore[index]
            if type(members) is dict:
                entry = members.get(key)  # type: ignore[arg-type]
                if entry is None:
                    break
            # An index is an int (a bool is not one), and none counts from the end.
            elif type(key) is int and -1 < key < len(members):
                entry = members[key]  # type: ignore[index]
            else:
                break
            found = entry
        return _packed_of(found)

    def entries(self) -> Iterator[tuple[Path, Pos]]:
        """Every node's path and position, each collection before its members, in the order of
        the text."""
        todo: list[tuple[Path, Entry]] = [] if self.positions is None else [((), self.positions)]
        while todo:
            path, entry = todo.pop()
            yield path, _unpack(_packed_of(entry))
            if isinstance(entry, int):
                continue
            members = entry[1]
            if isinstance(members, dict):
                todo.extend(((*path, key), members[key]) for key in reversed(members))
            else:
                todo.extend(((*path, i), members[i]) for i in reversed(range(len(members))))


# A file is at most MAX_BYTES characters, so no line or column reaches 2**24.
_BITS = 24
_FIELD = (1 << _BITS) - 1


def _pack(line: int, col: int, end_line: int, end_col: int) -> int:
    """One int (40 bytes) for what a tuple of four, with its two line numbers, took 130 for."""
    return (((line << _BITS | col) << _BITS | end_line) << _BITS) | end_col


_NOWHERE = _pack(1, 1, 1, 1)  # the start of the file: where a document made in memory is


def _packed_of(entry: Entry) -> int:
    """The packed position of a node from its entry."""
    return entry if isinstance(entry, int) else entry[0]


def _unpack(packed: int) -> Pos:
    return (
        packed >> 3 * _BITS,
        packed >> 2 * _BITS & _FIELD,
        packed >> _BITS & _FIELD,
        packed & _FIELD,
    )


class LoadedFile:
    __slots__ = ("documents", "errors", "file")

    def __init__(self, file: str, documents: list[Document], errors: list[Notification]):
        self.file = file
        self.documents = documents
        self.errors = errors


def _error(file: str, exc: LoadError) -> Notification:
    loc = (
        Location(file, exc.line or 1, exc.col or 1)
        if exc.line is not None
        else Location.whole(file)
    )
    return Notification(kind="load", code=exc.code, message=exc.message, location=loc)


# UTF-32 first: its little-endian mark begins with UTF-16's.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_UTF8_BOM = codecs.BOM_UTF8


def read_text(raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM); refuse binary and other encodings with a position."""
    if len(raw) > MAX_BYTES:
        raise LoadError(
            "too-large",
            f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; "
            "split it into one manifest per system",
        )
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):  # e.g. Windows PowerShell 5's Out-File default
            raise LoadError("encoding", f"file is encoded as {name}; save it as UTF-8", 1, 1)
    if b"\x00" in raw[:8192]:
        raise LoadError(
            "binary",
            "file is binary, not YAML or JSON text; "
            "pass only manifest files or use --skip-non-manifests",
        )
    # A UTF-8 byte order mark is dropped here rather than by the utf-8-sig codec, which is one
    # more module to import on every run. Positions count from after the mark, as editors do.
    body = raw[len(_UTF8_BOM) :] if raw.startswith(_UTF8_BOM) else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        col = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(
            "encoding",
            f"byte 0x{body[exc.start]:02x} is not valid UTF-8; save the file as UTF-8",
            line,
            col,
        ) from None


def load_bytes(raw: bytes, file: str, *, json_syntax: bool = False) -> LoadedFile:
    """Load every document of a file. Errors are returned, never raised."""
    try:
        text = read_text(raw)
        moved: dict[int, list[int]] = {}
        if json_syntax:
            _check_json(text)
            # A surrogate pair is written with escapes: no backslash, no pair (and no search).
            moved = _astral_columns(text) if "\\" in text else {}
            if moved:
                text = re.sub(_JSON_SURROGATES, _astral_escape, text)
        docs = _compose_all(text, file)
        if moved:
            _restore_columns(docs, moved)
    except LoadError as exc:
        return LoadedFile(file, [], [_error(file, exc)])
    return LoadedFile(file, docs, [])


def _check_json(text: str) -> None:
    """JSON is composed by the YAML loader for positions, but judged by JSON's own grammar first."""

    import json

    def no_constants(name: str) -> Any:
        found = next((m for m in re.finditer(_JSON_CONSTANT, text) if m.group(1)), None)
        line, col = _line_col(text, found.start(1)) if found else (None, None)
        raise LoadError(
            "json-number", f"{name} is not a number in JSON; write a finite number", line, col
        )

    try:
        # Numbers are judged (and located) by the composer; only their syntax matters here.
        json.loads(text, parse_constant=no_constants, parse_int=len, parse_float=len)
    except json.JSONDecodeError as exc:
        raise LoadError("json-syntax", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        _prescan_depth(text)  # raises with the position where the nesting gets too deep
        raise LoadError("too-deep", f"nesting deeper than {MAX_DEPTH} levels") from None


def _astral_escape(match: re.Match[str]) -> str:
    """JSON writes a character beyond U+FFFF as two escapes (a UTF-16 surrogate pair), which YAML
    does not accept; rewrite the pair as YAML's single 8-digit escape (the JSON is already valid)."""
    high, low = int(match.group(2), 16), int(match.group(3), 16)
    return f"{match.group(1)}\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"


def _astral_columns(text: str) -> dict[int, list[int]]:
    """Line -> columns, in the rewritten text, of the surrogate pairs _astral_escape shortens (by
    two characters each), so that positions can be given back in the file's own columns."""
    out: dict[int, list[int]] = {}
    for match in re.finditer(_JSON_SURROGATES, text):
        line, col = _line_col(text, match.start(2) - 2)
        earlier = out.setdefault(line, [])
        earlier.append(col - 2 * len(earlier))
    return out


def _restore_columns(docs: list[Document], moved: dict[int, list[int]]) -> None:
    def fix(line: int, col: int) -> int:
        return col + 2 * sum(1 for at in moved.get(line, ()) if at < col)

    def shifted(packed: int) -> int:
        line, col, end_line, end_col = _unpack(packed)
        return _pack(line, fix(line, col), end_line, fix(end_line, end_col))

    def restored(entry: Entry) -> Entry:
        if isinstance(entry, int):
            return shifted(entry)
        packed, members = entry
        if isinstance(members, dict):
            return shifted(packed), {key: restored(m) for key, m in members.items()}
        return shifted(packed), [restored(m) for m in members]

    for doc in docs:
        if doc.positions is not None:
            doc.positions = restored(doc.positions)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _prescan_depth(text: str) -> None:
    """Measure nesting on libyaml's event stream, which keeps its own stack and never recurses,
    and count each document's nodes there too: the composer would otherwise build every node
    of a huge flat document (about 400 bytes each) before the builder's value limit applies."""
    try:
        _scan_events(text, _Loader)
    except yaml.YAMLError as exc:
        raise _first_problem(exc, text) from None


def _scan_events(text: str, loader: Any, until: tuple[int, int] | None = None) -> None:
    """Apply the depth, document and node limits to the event stream (up to the event that starts
    at ``until``, when given). yaml.YAMLError propagates."""
    depth = nodes = documents = 0
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    leaves = (yaml.ScalarEvent, yaml.AliasEvent)
    for event in yaml.parse(text, Loader=loader):
        if until is not None and _mark(event.start_mark) >= until:
            return
        if isinstance(event, leaves):
            nodes += 1
        elif isinstance(event, starts):
            depth += 1
            nodes += 1
            if depth > MAX_DEPTH:
                line, col = _mark(event.start_mark)
                raise LoadError(
                    "too-deep",
                    f"nesting deeper than {MAX_DEPTH} levels; a manifest never needs that much",
                    line,
                    col,
                )
        elif isinstance(event, ends):
            depth -= 1
        elif isinstance(event, yaml.DocumentStartEvent):
            nodes = 0
            documents += 1
            if documents > MAX_DOCUMENTS:
                line, col = _mark(event.start_mark)
                raise LoadError(
                    "too-many-documents",
                    f"file has more than {MAX_DOCUMENTS} "
                    "documents; split it into one manifest per system",
                    line,
                    col,
                )
        if nodes > _PRESCAN_NODES:
            line, col = _mark(event.start_mark)
            raise LoadError(
                "too-many-nodes",
                f"document has more than {_PRESCAN_NODES} keys "
                "and values; split it into one manifest per system",
                line,
                col,
            )


def _first_problem(exc: yaml.YAMLError, text: str) -> LoadError:
    """The first thing wrong with a text that libyaml refused.

    libyaml 0.2.6 (bundled with PyYAML 6.0.4) has a nesting limit of its own, 1,000 levels, and its
    scanner reads up to 1,024 characters ahead of the last event it hands over, so on deep flow
    nesting it fails before our lower limit is ever reached; other releases have no limit or may
    set another. The pure-Python parser has none and never recurses: re-reading the text with it
    up to libyaml's error lets our own limits, or an earlier syntax error, come first, so every
    PyYAML release gives the same message at the same place. Only refused texts pay for this."""
    theirs = _yaml_error(exc, text)
    if not _LIBYAML:  # pragma: no cover - PyYAML built without libyaml
        return theirs
    until = (
        (theirs.line, theirs.col) if theirs.line is not None and theirs.col is not None else None
    )
    try:
        _scan_events(text, yaml.SafeLoader, until)
    except LoadError as ours:
        return ours
    except yaml.YAMLError as pure:
        earlier = _yaml_error(pure, text)
        if until is None or (earlier.line or 1, earlier.col or 1) < until:
            return earlier
    return theirs


def _yaml_error(exc: yaml.YAMLError, source: str) -> LoadError:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow anywhere
        found = re.search(_NON_PRINTABLE, source)
        code = ord(found.group()) if found else exc.character
        line, col = _line_col(source, found.start()) if found else (None, None)
        return LoadError(
            "yaml-character",
            f"character U+{code:04X} is not allowed in YAML; remove "
            "it (or write it as an escape in a double-quoted string)",
            line,
            col,
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = _mark(mark)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = " ".join((f"{context}, {problem}" if context else str(problem)).split())
    hint = "fix the YAML syntax"
    # libyaml counts \r, \x85, \u2028 and \u2029 as line breaks too: split the same way.
    lines = re.split(_LINE_BREAK, source, maxsplit=line) if mark is not None else []
    offending = lines[line - 1][col - 1 : col] if len(lines) >= line else ""
    if offending == "\t" or re.search(r"\btab\b", text):
        hint = "indent with spaces: YAML does not allow tabs for indentation"
    return LoadError("yaml-syntax", f"invalid YAML: {text}; {hint}", line, col)


def _depth_bound(text: str) -> int:
    """An upper bound of the nesting depth, cheap to compute. Lines are split at \\n only, which
    can only overestimate them (YAML also breaks lines at \\r, \\x85, \\u2028 and \\u2029)."""
    longest = max(map(len, text.split("\n")))
    return 2 * (longest + 1) + text.count("[") + text.count("{")


def _compose_all(text: str, file: str) -> list[Document]:
    # The event reader needs no pre-scan: it never recurses, and it gives up at the limits.
    if _LIBYAML:
        plain = _from_events(text, file)
        if plain is not None:
            return plain
    if len(text) > _PRESCAN_NODES // 2 or _depth_bound(text) > _PRESCAN_DEPTH:
        _prescan_depth(text)
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node guarantees a node
                break
            if len(docs) == MAX_DOCUMENTS:
                line, col = _mark(node.start_mark)
                raise LoadError(
                    "too-many-documents",
                    f"file has more than {MAX_DOCUMENTS} "
                    "documents; split it into one manifest per system",
                    line,
                    col,
                )
            builder = _Builder()
            data = builder.build(node)
            docs.append(Document(file, len(docs), data, builder.where))
    except yaml.YAMLError as exc:
        raise _first_problem(exc, text) from None
    except RecursionError:  # only reachable with the pure-Python composer
        raise LoadError("too-deep", f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return docs


class _Unusual(Exception):
    """Raised by :func:`_plain_documents` on anything but plain data."""


def _from_events(text: str, file: str) -> list[Document] | None:
    """The documents of ``text`` built straight from libyaml's events, or None when the text is
    anything but plain data: an anchor, an alias, a tag, a key that is not a plain string, a limit
    reached, a value or a syntax the loader refuses. The node builder then reads the text and
    judges it, so that every refusal, and every document with an alias, has one reader.

    Most manifests are plain data; for them this skips the node tree, and the three resolver
    calls per node libyaml's composer makes into Python, at about a third of the loading cost.
    The result is what the node builder gives (tests compare the two on every example and
    fixture): the same values, and the same positions inserted in the same order."""
    parser = _CParser(text)
    try:
        return _plain_documents(parser.get_event, file)
    except (_Unusual, LoadError, yaml.YAMLError):
        return None
    finally:
        parser.dispose()


def _plain_documents(next_event: Any, file: str) -> list[Document]:
    docs: list[Document] = []
    root: Any = None
    where: Entry | None = None  # the root's entry
    # The innermost open collection in locals (this loop runs for every event of every
    # manifest): the collection, its members' position entries, whether it is a mapping, the
    # key whose value comes next (None: a key comes next, or a sequence) with that key's line and
    # column, and the collection's own line and column. ``coll`` is None outside any collection.
    # Opening a collection saves its parent's state on ``stack``: one entry per open collection.
    # (The key's line and column are not saved: the key is done with once its value ends.)
    coll: Any = None
    members: Any = None
    is_map = False
    key: Any = None
    kline = kcol = cline = ccol = 0
    stack: list[tuple[Any, Any, bool, Any, int, int]] = []
    nodes = 0
    while True:
        event = next_event()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            if is_map and key is None:  # a key
                # One object per distinct key: a manifest repeats the schema's few dozen keys
                # thousands of times (each risk has its id, owner, treatment...), and a rule's
                # lookup by a literal key (which the compiler interns) then matches the first
                # key it compares by identity, without reading that key's text. A register of
                # 10,000 risks takes 12% less memory and is read with 10% fewer cache misses.
                key = intern(event.value)
                if event.implicit[0] and (
                    not key or key[0] in _NOT_PLAIN_TEXT or key in _CONSTANTS
                ):
                    raise _Unusual  # maybe not a string: the node builder judges
                if key in coll:
                    raise _Unusual  # a duplicate key: the node builder reports it
                mark = event.start_mark
                kline, kcol = mark.line + 1, mark.column + 1
                continue
            nodes += 1
            value = event.value
            # Most plain scalars are text, seen at their first character and in one lookup.
            if event.implicit[0] and (
                not value or value[0] in _NOT_PLAIN_TEXT or value in _CONSTANTS
            ):
                value = _resolve_plain(event)
            end = event.end_mark
            # _pack written out: this is the one place that runs for every scalar.
            if is_map:
                members[key] = (
                    (kline << _BITS | kcol) << _BITS | end.line + 1
                ) << _BITS | end.column + 1
                coll[key] = value
                key = None
            elif coll is not None:
                start = event.start_mark
                members.append(
                    ((start.line + 1 << _BITS | start.column + 1) << _BITS | end.line + 1) << _BITS
                    | end.column + 1
                )
                coll.append(value)
            else:
                start = event.start_mark
                where = _pack(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
                root = value
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
                raise _Unusual
            nodes += 1
            if is_map:
                if key is None:
                    raise _Unusual  # a collection as a key
                line, col = kline, kcol
            else:
                start = event.start_mark
                line, col = start.line + 1, start.column + 1
            stack.append((coll, members, is_map, key, cline, ccol))
            is_map = kind is MappingStartEvent
            coll, members = ({}, {}) if is_map else ([], [])
            key, cline, ccol = None, line, col
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            end = event.end_mark
            entry = (_pack(cline, ccol, end.line + 1, end.column + 1), members)
            value = coll
            coll, members, is_map, key, cline, ccol = stack.pop()
            if is_map:
                coll[key] = value
                members[key] = entry
                key = None
            elif coll is not None:
                coll.append(value)
                members.append(entry)
            else:
                root, where = value, entry
        elif kind is DocumentStartEvent:
            if len(docs) == MAX_DOCUMENTS:
                raise _Unusual
            root, where, nodes = None, None, 0
        elif kind is DocumentEndEvent:
            docs.append(Document(file, len(docs), root, where))
        elif kind is StreamEndEvent:
            return docs
        elif kind is not StreamStartEvent:  # an alias
            raise _Unusual
        if nodes > MAX_NODES:
            raise _Unusual


class _Builder:
    """Turns a node tree into plain values, recording positions and enforcing the limits."""

    __slots__ = ("nodes", "root", "where")

    def __init__(self) -> None:
        self.nodes = 0
        self.root: Node | None = None
        self.where: Entry | None = None  # the root's position entry, once built

    def build(self, node: Node) -> Any:
        self.root = node
        value, self.where = self._value(node, _mark(node.start_mark), 0)
        return value

    def _value(self, node: Node, start: tuple[int, int], depth: int) -> tuple[Any, Entry]:
        """The node's value and its position entry, which starts at ``start`` (for a mapping
        member, its key's)."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            line, col = _mark(node.start_mark)
            if _distinct_nodes(self.root) > MAX_NODES:
                raise LoadError(
                    "too-many-nodes",
                    f"document has more than {MAX_NODES} values; "
                    "split it into one manifest per system",
                    line,
                    col,
                )
            raise LoadError(
                "too-many-nodes",
                f"aliases expand the document to more than {MAX_NODES} "
                "values (an alias bomb?); remove the aliases",
                line,
                col,
            )
        tag = node.tag
        packed = _pack(*start, *_mark(node.end_mark))
        if isinstance(node, ScalarNode):
            if tag == _PLAIN:
                return _resolve_plain(node), packed
            if tag == _STR:
                return node.value, packed
        elif isinstance(node, MappingNode) and tag == _MAP:
            value, members = self._mapping(node, depth + 1)
            return value, (packed, members)
        elif isinstance(node, SequenceNode) and tag == _SEQ:
            items, entries = self._sequence(node, depth + 1)
            return items, (packed, entries)
        line, col = _mark(node.start_mark)
        raise LoadError(
            "tag",
            f"tag {tag!r} is not allowed: manifests are plain data; "
            "remove the tag (quote the value if it must be a string)",
            line,
            col,
        )

    def _deeper(self, node: Node, depth: int) -> None:
        if depth > MAX_DEPTH:
            line, col = _mark(node.start_mark)
            raise LoadError(
                "too-deep",
                f"nesting deeper than {MAX_DEPTH} levels; a manifest never needs that much",
                line,
                col,
            )

    def _mapping(self, node: MappingNode, depth: int) -> tuple[dict[str, Any], dict[str, Entry]]:
        self._deeper(node, depth)
        out: dict[str, Any] = {}
        members: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            line, col = mark.line + 1, mark.column + 1
            key = key_node.value
            # The common case first, without the general checks: a plain key that cannot
            # resolve to anything but a string (not a number, bool, null or merge key).
            if (
                key_node.tag == _PLAIN
                and key
                and key[0] not in _NOT_PLAIN_TEXT
                and key not in _CONSTANTS
                and key not in out
            ):
                key = intern(key)  # as _plain_documents does
                out[key], members[key] = self._value(value_node, (line, col), depth)
                continue
            if (
                key_node.tag == "tag:yaml.org,2002:merge"
            ):  # pragma: no cover - resolver never emits it
                raise LoadError("merge-key", "merge keys (<<) are not supported", line, col)
            if not isinstance(key_node, ScalarNode):
                raise LoadError(
                    "complex-key",
                    "complex (non-scalar) mapping keys are not allowed; use a plain string key",
                    line,
                    col,
                )
            if key_node.tag == _PLAIN:
                if key == "<<":
                    raise LoadError(
                        "merge-key",
                        "merge keys (<<) are not supported; write the fields out",
                        line,
                        col,
                    )
                resolved = _resolve_plain(key_node)
                if not isinstance(resolved, str):
                    raise LoadError(
                        "key-type",
                        f"key {key!r} is not a string; quote it ('{key}') if you mean the text",
                        line,
                        col,
                    )
            elif key_node.tag != _STR:
                raise LoadError("tag", f"tag {key_node.tag!r} is not allowed on a key", line, col)
            key = intern(key)
            if key in out:
                first = _unpack(_packed_of(members[key]))[0]
                raise LoadError(
                    "duplicate-key",
                    f"duplicate key {key!r} (first at line {first}); keep one of them",
                    line,
                    col,
                )
            out[key], members[key] = self._value(value_node, (line, col), depth)
        return out, members

    def _sequence(self, node: SequenceNode, depth: int) -> tuple[list[Any], list[Entry]]:
        self._deeper(node, depth)
        out: list[Any] = []
        entries: list[Entry] = []
        for item in node.value:
            value, entry = self._value(item, _mark(item.start_mark), depth)
            out.append(value)
            entries.append(entry)
        return out, entries


def _distinct_nodes(root: Node | None) -> int:
    """How many values the document really has, counted like :class:`_Builder` counts them (keys
    aside) but each node once: an alias refers to a node already counted."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            stack.extend(value for _key, value in node.value)
    return len(seen)


def _resolve_plain(node: ScalarNode | ScalarEvent) -> Any:
    value: str = node.value
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    # Dates and whole numbers are most of the plain scalars that start like a number: both are
    # told without the pattern. A "-" inside a number only ever follows its exponent's e.
    dash = value.find("-", 1)
    if dash > 0 and value[dash - 1] not in "eE":
        return value
    if value.isdigit() and value.isascii():
        return int(value) if len(value) <= MAX_NUMBER_CHARS else _too_long(node)
    # So is most of the rest: text with a character no number is written with ("5(b)") or with
    # two dots (a version, "1.0.0"), and a plain decimal ("0.85").
    if value.strip(_NUMBER_CHARS) or value.count(".") > 1:
        return value
    whole, _, fraction = value.partition(".")
    if whole.isdigit() and fraction.isdigit():
        kind: str | None = "float"
    else:
        found = re.match(_NUMBER, value)
        if found is None:
            return value
        kind = found.lastgroup
    if kind == "int":
        return int(value) if len(value) <= MAX_NUMBER_CHARS else _too_long(node)
    if kind == "oct":
        return int(value[2:], 8) if len(value) <= MAX_NUMBER_CHARS else _too_long(node)
    if kind == "hex":
        return int(value[2:], 16) if len(value) <= MAX_NUMBER_CHARS else _too_long(node)
    if kind == "float":
        number = float(value) if len(value) <= MAX_NUMBER_CHARS else _too_long(node)
        if number not in (_INF, -_INF):
            return number
        line, col = _mark(node.start_mark)
        raise LoadError(
            "not-a-number",
            f"{value} is too large to be a number (it would be infinity); write a finite number",
            line,
            col,
        )
    # The one pattern left: .inf or .nan.
    line, col = _mark(node.start_mark)
    raise LoadError(
        "not-a-number",
        f"{value} (infinity or NaN) is not allowed; write a finite number",
        line,
        col,
    )


def reads_as_text(value: str) -> bool:
    """Would ``value``, written unquoted, be read back as this text (not as null, a boolean or a
    number)? The same rules as :func:`_resolve_plain`, for whoever writes values back."""
    return value not in _CONSTANTS and re.match(_NUMBER, value) is None


def _too_long(node: ScalarNode | ScalarEvent) -> NoReturn:
    """Python refuses to convert (or print) integers of more than 4300 digits; no manifest number
    comes near this limit, so a longer one is refused where it stands."""
    line, col = _mark(node.start_mark)
    raise LoadError(
        "number-too-long",
        f"a number of {len(node.value)} characters is not allowed; quote it if it is text",
        line,
        col,
    )
