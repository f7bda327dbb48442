"""Reading an import's source: bounded bytes, JSON and YAML with positions (through the manifest
loader), XML without a DTD, and typed access to fields that names the field and its line when a
value is not what the format says it is."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import Any

from aims_policy.importers.manifest import ImportProblem
from aims_policy.loader import Document


def read_source(path: str) -> bytes:
    """The bytes of a regular file, at most the loader's bound (a larger file is refused before
    it is read whole)."""
    from aims_policy.loader import MAX_BYTES

    try:
        info = os.stat(path)
    except OSError as exc:
        raise ImportProblem(path, f"cannot read the file: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ImportProblem(path, "not a regular file; name a model card, BOM or SPDX document")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ImportProblem(path, f"cannot read the file: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ImportProblem(
            path, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; import a smaller document"
        )
    return raw


def load_json(text: str, file: str, first_line: int = 1, *, yaml: bool = False) -> Document:
    """One JSON (or, for front matter, YAML) document with positions, through the manifest
    loader and its bounds."""
    from aims_policy.loader import load_bytes

    loaded = load_bytes(text.encode("utf-8"), file, json_syntax=not yaml)
    if loaded.errors:
        problem = loaded.errors[0]
        where = problem.location
        # The loader words its bounds for manifests; the bound itself is what matters here.
        message = problem.message.split("; a manifest", 1)[0]
        if where is None or where.line <= 0:
            raise ImportProblem(file, message)
        raise ImportProblem(file, message, where.line + first_line - 1, where.col)
    if len(loaded.documents) != 1:
        raise ImportProblem(file, "expected exactly one document", first_line, 1)
    return loaded.documents[0]


def position(document: Any, path: tuple[Any, ...], first_line: int = 1) -> tuple[int, int]:
    """Line and column of ``path`` (or of its nearest ancestor) in a loaded document."""
    line, col, _, _ = document.position(path)
    return line + first_line - 1, col


def dotted(path: tuple[Any, ...]) -> str:
    """``("components", 0, "name")`` -> ``components[0].name``, as the messages name fields."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class Fields:
    """Typed reads of a parsed source: a value of the wrong kind is an ImportProblem naming the
    field and its line, never a TypeError deep inside an importer."""

    def __init__(self, file: str, data: Any, positions: Any, first_line: int = 1):
        self.file = file
        self.data = data
        self._positions = positions  # a loader Document, or {path: (line, col)}
        self._first = first_line

    def at(self, path: tuple[Any, ...]) -> tuple[int, int]:
        if isinstance(self._positions, Document):
            line, col, _, _ = self._positions.position(path)
            return line + self._first - 1, col
        for cut in range(len(path), -1, -1):
            found = self._positions.get(path[:cut])
            if found is not None:
                return found  # type: ignore[no-any-return]
        return 1, 1

    def problem(self, path: tuple[Any, ...], message: str) -> ImportProblem:
        line, col = self.at(path)
        return ImportProblem(self.file, f"`{dotted(path)}` {message}", line, col)

    def get(self, path: tuple[Any, ...]) -> Any:
        node = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return None
            elif not isinstance(node, dict):
                return None
            node = node[part] if isinstance(part, int) else node.get(part)
        return node

    def text(self, path: tuple[Any, ...]) -> str | None:
        """Text at ``path`` with runs of whitespace collapsed (a number reads as its digits);
        ``None`` when absent or empty."""
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.problem(path, f"should be text, not {_kind(value)}; correct the source")
        return " ".join(str(value).split()) or None

    def mapping(self, path: tuple[Any, ...]) -> dict[str, Any] | None:
        value = self.get(path)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.problem(path, f"should be an object, not {_kind(value)}; correct the source")
        return value

    def each(self, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """The paths of the items of the list at ``path`` (none when it is absent)."""
        value = self.get(path)
        if value is None:
            return
        if not isinstance(value, list):
            raise self.problem(path, f"should be a list, not {_kind(value)}; correct the source")
        for index in range(len(value)):
            yield (*path, index)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


# -- XML -----------------------------------------------------------------------------------------


class Element:
    """An XML element: namespace, local name, attributes, children, text and where it starts."""

    __slots__ = ("attrs", "children", "col", "line", "name", "ns", "text")

    def __init__(self, ns: str, name: str, attrs: dict[str, str], line: int, col: int):
        self.ns = ns
        self.name = name
        self.attrs = attrs
        self.children: list[Element] = []
        self.text: list[str] = []
        self.line = line
        self.col = col


class _Refused(Exception):
    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def parse_xml(text: str, file: str) -> Element:
    """The root element of an XML document, parsed by expat with no DTD allowed.

    An ML-BOM has no use for a document type declaration, and without one no entity can be
    declared: billion-laughs expansion and external entities cannot happen, whatever the expat
    release. (The standard library's ElementTree would accept an internal DTD, and defusedxml is
    not needed for a parser that refuses DTDs outright.) Depth and element count are bounded
    like the manifest loader's."""
    from xml.parsers import expat

    from aims_policy.loader import MAX_DEPTH, MAX_NODES

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    roots: list[Element] = []
    count = 0

    def where() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def refuse_dtd(*_: Any) -> None:
        raise _Refused(
            "the document has a DOCTYPE declaration, which an import never accepts "
            "(entities could be declared in it); remove it",
            *where(),
        )

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} elements", *where())
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", *where())
        ns, _, local = name.rpartition(" ")
        element = Element(ns, local, {k.rpartition(" ")[2]: v for k, v in attrs.items()}, *where())
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text.append(data)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text, True)
    except _Refused as exc:
        raise ImportProblem(file, exc.message, exc.line, exc.col) from None
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, "malformed XML")
        raise ImportProblem(
            file, f"invalid XML: {message}", exc.lineno, (exc.offset or 0) + 1
        ) from None
    return roots[0]
