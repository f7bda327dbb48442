"""AI discovery (``check --discover-ai``): the signs of AI in a repository, as facts.

A step beside manifest discovery, before any rule: it walks the repository the way a directory
search for manifests does (``discover.walk``: .gitignore and .git/info/exclude honoured, hidden
folders, virtual environments and ``node_modules`` skipped, links to folders not followed), leaves
out what the configuration's ``exclude`` names, and reads three kinds of file:

* sources: Python (``.py``, ``.pyi``, notebooks) and JavaScript/TypeScript imports of the
  modules the data document's ``aiDiscovery`` lists (``import x``, ``from x import``,
  ``from "x"``, ``require("x")``, ``import("x")``);
* dependency files: requirements*.txt/.in, pyproject.toml, setup.cfg, Pipfile, package.json and
  the lock files (poetry.lock, uv.lock, package-lock.json, npm-shrinkwrap.json, yarn.lock,
  pnpm-lock.yaml) naming one of its packages;
* model files, recognised by extension and content (magic bytes), and the organisation's own
  model extensions by name.

What it finds is a :class:`model.Discovery`; which of it no manifest covers is the inventory
rule's to judge (``inventory.py``). Reading is cheap and never fails the run: each file is read
once, up to :data:`READ_LIMIT` bytes (a larger file is read that far and listed as read in part),
as bytes (no decoding, so odd encodings and binary content cannot break it), and parsed with line
patterns rather than full parsers (a malformed pyproject.toml still shows its dependencies); a
file that cannot be read is listed with the reason. Nothing is imported or run.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from aims_policy.model import AIFile, Discovery, Sighting
from aims_policy.records import Record

#: Bytes read from a source or dependency file; a larger one is read that far (and listed).
READ_LIMIT = 8 << 20
#: Bytes read from a model file to recognise its format (HDF5 needs its root attributes).
_HEAD = 64
_HDF5_HEAD = 256 << 10

PYTHON_SOURCES = (".py", ".pyi")
NOTEBOOKS = (".ipynb",)
JS_SOURCES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
PYTHON_DEPENDENCIES = ("pyproject.toml", "setup.cfg", "Pipfile", "poetry.lock", "uv.lock")
JS_DEPENDENCIES = (
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
)

#: Built-in model formats (``aiDiscovery.modelFormats``): the extensions each is looked for in.
MODEL_FORMATS: Mapping[str, tuple[str, ...]] = {
    "onnx": (".onnx",),
    "safetensors": (".safetensors",),
    "gguf": (".gguf", ".ggml", ".bin"),
    "pytorch": (".pt", ".pth", ".bin", ".ckpt"),
    "keras": (".h5", ".hdf5", ".keras"),
    "tflite": (".tflite",),
    "tensorflow": (".pb",),
}


class Settings(Record):
    """The data document's ``aiDiscovery`` section, compiled once per run."""

    python_names: Names
    js_import: re.Pattern[bytes]
    python_packages: Names  # normalised
    js_packages: Names
    formats: frozenset[str]
    extensions: frozenset[str]  # the organisation's, lower case with their dot
    model_extensions: frozenset[str]  # every extension a model file is looked for under


def settings(data: Mapping[str, Any]) -> Settings:
    section: Mapping[str, Any] = data.get("aiDiscovery") or {}
    add: Mapping[str, Any] = section.get("add") or {}

    def names(key: str) -> tuple[str, ...]:
        seen = [*(section.get(key) or ()), *(add.get(key) or ())]
        return tuple(dict.fromkeys(n.strip() for n in seen if n.strip()))

    python_names = names("pythonImports")
    js_names = names("javascriptImports")
    js_alternatives = [
        re.escape(n[:-1]) + (r"[\w.-]+" if n.endswith("/*") else r"[\w.-]*")
        if n.endswith("*")
        else re.escape(n)
        for n in js_names
    ]
    js_import = re.compile(
        (
            r"(?:\bfrom|\bimport|\brequire)[ \t]*\(?[ \t]*(['\"`])((?:"
            + "|".join(js_alternatives)
            + r")(?:/[^'\"`\s]*)?)\1"
            if js_alternatives
            else r"(?!)"
        ).encode()
    )
    formats = frozenset(section.get("modelFormats") or ())
    extensions = frozenset(e.lower() for e in names("modelExtensions"))
    model_extensions = extensions.union(*(MODEL_FORMATS[f] for f in formats if f in MODEL_FORMATS))
    return Settings(
        Names.of(python_names),
        js_import,
        Names.of(_normalise(n) for n in names("pythonPackages")),
        Names.of(names("javascriptPackages")),
        formats,
        extensions,
        model_extensions,
    )


def _normalise(name: str) -> str:
    """A Python distribution name as PyPI compares them (PEP 503), keeping a trailing ``*``."""
    return re.sub(r"[-_.]+", "-", name).lower()


class Names(Record):
    """A list of names to look for, ready for fast lookup: exact names in a set, the prefixes
    of names ending in ``*`` in a tuple (``str.startswith`` takes it in one call)."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, names: Iterable[str]) -> Names:
        names = list(names)
        return cls(
            frozenset(n for n in names if not n.endswith("*")),
            tuple(n[:-1] for n in names if n.endswith("*")),
        )

    def package(self, name: str) -> bool:
        return name in self.exact or (bool(self.prefixes) and name.startswith(self.prefixes))

    def module(self, module: str) -> str | None:
        """The name looked for that covers the dotted module (``torch`` covers ``torch.nn``),
        or None."""
        parts = module.split(".")
        for n in range(1, len(parts) + 1):
            prefix = ".".join(parts[:n])
            if prefix in self.exact:
                return prefix
        if self.prefixes and module.startswith(self.prefixes):
            for prefix in self.prefixes:
                if module.startswith(prefix):
                    return module.split(".")[0] if "." not in prefix else module
        return None


# --- what kind of file ----------------------------------------------------------------------


def kind_of(name: str, conf: Settings) -> str | None:
    """``python``, ``notebook``, ``js``, a dependency file's parser, ``model``, or None (not a
    file discovery reads), from the file's name alone."""
    lower = name.lower()
    if lower.endswith(PYTHON_SOURCES):
        return "python"
    if lower.endswith(JS_SOURCES):
        return "js"
    if lower.endswith(NOTEBOOKS):
        return "notebook"
    if name in PYTHON_DEPENDENCIES or name in JS_DEPENDENCIES:
        return name
    if lower.startswith("requirements") and lower.endswith((".txt", ".in")):
        return "requirements"
    if lower == "saved_model.pb" and "tensorflow" in conf.formats:
        return "model"
    dot = lower.rfind(".")
    if dot > 0 and lower[dot:] in conf.model_extensions and lower[dot:] != ".pb":
        return "model"
    if dot > 0 and lower[dot:] in conf.extensions:
        return "model"
    return None


# --- sources ----------------------------------------------------------------------------------

# An import statement at the start of a line (matched from the line's start). In a notebook's
# JSON each source line is a string: `    "import torch\n",`.
_PY_IMPORT = re.compile(
    rb"[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]+\(?[ \t]*([\w \t,]*)"
    rb"|import[ \t]+([A-Za-z_][\w. \t,]*))"
)
_NB_IMPORT = re.compile(
    rb'[ \t]*"[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]+\(?[ \t]*([\w \t,]*)'
    rb"|import[ \t]+([A-Za-z_][\w. \t,]*))"
)


def _import_lines(raw: bytes, pattern: re.Pattern[bytes]) -> Iterable[re.Match[bytes]]:
    """The import statements of a file, each line once: found by looking for the word
    ``import`` (a fast substring search) and matching its line from the start, which is several
    times faster than a line-anchored regex over the whole file."""
    at = raw.find(b"import")
    while at >= 0:
        start = raw.rfind(b"\n", 0, at) + 1
        match = pattern.match(raw, start)
        if match is not None:
            yield match
        end = raw.find(b"\n", at)
        if end < 0:
            return
        at = raw.find(b"import", end)


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def python_imports(raw: bytes, conf: Settings, notebook: bool = False) -> list[Sighting]:
    out: list[Sighting] = []
    for match in _import_lines(raw, _NB_IMPORT if notebook else _PY_IMPORT):
        source, imported, modules = match.group(1), match.group(2), match.group(3)
        if source is not None:
            base = source.decode("ascii")
            candidates = [base] + [
                f"{base}.{n.split()[0]}" for n in imported.decode("ascii").split(",") if n.split()
            ]
        else:
            candidates = [m.split()[0] for m in modules.decode("ascii").split(",") if m.split()]
        for module in candidates:
            name = conf.python_names.module(module)
            if name is not None:
                line, col = _position(raw, match.start())
                indent = len(match.group(0)) - len(match.group(0).lstrip())
                out.append(Sighting(f"import {name}", line, col + indent))
                break
    return out


def js_imports(raw: bytes, conf: Settings) -> list[Sighting]:
    out: list[Sighting] = []
    for match in conf.js_import.finditer(raw):
        spec = match.group(2).decode("ascii", "replace")
        parts = spec.split("/")
        package = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
        line, col = _position(raw, match.start())
        out.append(Sighting(f"import {package}", line, col))
    return out


# --- dependency files -------------------------------------------------------------------------

_REQUIREMENT = re.compile(rb"^[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*)", re.MULTILINE)
_QUOTED_REQUIREMENT = re.compile(rb"""["']([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*(?=[\[<>=!~;@ \t"'])""")
_KEY = re.compile(rb"""^[ \t]*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?[ \t]*=""")
_LOCK_NAME = re.compile(rb'^name[ \t]*=[ \t]*"([^"]+)"', re.MULTILINE)
_NPM_LOCK = re.compile(rb'"(?:[^"\n]*node_modules/)?((?:@[\w.-]+/)?[\w.-]+)"[ \t]*:[ \t]*\{')
_YARN = re.compile(rb'^"?((?:@[\w.-]+/)?[\w.-]+)@', re.MULTILINE)
_PNPM = re.compile(rb"""^[ \t]+['"]?/?((?:@[\w.-]+/)?[\w.-]+)[@/]\d""", re.MULTILINE)
_NPM_NAME = re.compile(r"(?:@[\w.-]+/)?[\w.-]+", re.ASCII)
_NPM_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def _lines(raw: bytes) -> Iterable[tuple[int, bytes]]:
    return enumerate(raw.split(b"\n"), start=1)


def requirements(raw: bytes, conf: Settings) -> list[Sighting]:
    out: list[Sighting] = []
    for number, line in _lines(raw):
        text = line.split(b"#", 1)[0]
        if text.lstrip().startswith(b"-"):
            continue  # an option (-r other.txt, -e path, --index-url): no package name
        match = _REQUIREMENT.match(text)
        if match and b"://" not in text:
            _python_package(match.group(1), number, match.start(1) + 1, conf, out)
    return out


def _python_package(name: bytes, line: int, col: int, conf: Settings, out: list[Sighting]) -> None:
    normalised = _normalise(name.decode("ascii"))
    if conf.python_packages.package(normalised):
        out.append(Sighting(f"package {normalised}", line, col))


_STRINGS = re.compile(rb"\"[^\"]*\"|'[^']*'")
#: Keys whose arrays hold requirements wherever they stand (PEP 621, PEP 518, uv).
_ARRAY_KEYS = frozenset(
    {
        b"dependencies",
        b"requires",
        b"dev-dependencies",
        b"constraint-dependencies",
        b"override-dependencies",
    }
)


def toml_dependencies(raw: bytes, conf: Settings) -> list[Sighting]:
    """pyproject.toml and Pipfile, line by line: requirement strings in the arrays of dependency
    keys (``dependencies``, ``requires``..., and every array of ``optional-dependencies`` and
    ``dependency-groups``), and the keys of dependency tables (Poetry's, Pipfile's
    ``packages``). Strings elsewhere (``keywords = ["openai"]``) are not dependencies."""
    out: list[Sighting] = []
    section = b""
    depth = 0  # open brackets of the dependency array being read
    for number, line in _lines(raw):
        code = line if b"#" not in line else _uncommented(line)
        if depth == 0:
            stripped = code.strip()
            if stripped.startswith(b"["):
                section = stripped.strip(b"[] \t").lower()
                continue
            key = _KEY.match(code)
            if key is None:
                continue
            name = key.group(1).lower()
            rest = code[key.end() :].lstrip()
            if rest.startswith(b"["):
                lists = section.endswith((b"optional-dependencies", b"dependency-groups"))
                if name not in _ARRAY_KEYS and not lists:
                    continue
                start = len(code) - len(rest)
            else:
                tables = section in (b"packages", b"dev-packages") or (
                    section.endswith(b"dependencies") and section != b"project"
                )
                if tables and name != b"python":
                    _python_package(key.group(1), number, key.start(1) + 1, conf, out)
                continue
        else:
            start = 0
        for match in _QUOTED_REQUIREMENT.finditer(code, start):
            _python_package(match.group(1), number, match.start(1) + 1, conf, out)
        bare = _STRINGS.sub(b"", code[start:])
        depth += bare.count(b"[") - bare.count(b"]")
        depth = max(depth, 0)
    return out


def _uncommented(line: bytes) -> bytes:
    """The line without a comment (a ``#`` outside quotes)."""
    bare = _STRINGS.sub(lambda m: b"x" * len(m.group(0)), line)
    at = bare.find(b"#")
    return line if at < 0 else line[:at]


def setup_cfg(raw: bytes, conf: Settings) -> list[Sighting]:
    """``install_requires``, ``setup_requires`` and ``tests_require`` of ``[options]`` (their
    value and indented continuation lines) and every value of ``[options.extras_require]``."""
    out: list[Sighting] = []
    section = b""
    collecting = False
    for number, line in _lines(raw):
        if line.startswith(b"["):
            section = line.strip().strip(b"[]").lower()
            collecting = False
            continue
        if not line.strip() or line.lstrip().startswith((b"#", b";")):
            continue
        indented = line[:1] in (b" ", b"\t")
        offset = 0
        if not indented:
            key, sep, value = line.partition(b"=")
            if not sep:
                collecting = False
                continue
            name = key.strip().lower()
            collecting = section == b"options.extras_require" or (
                section == b"options"
                and name in (b"install_requires", b"setup_requires", b"tests_require")
            )
            offset = len(key) + 1
            line = value
        if collecting:
            match = _REQUIREMENT.match(line.split(b"#", 1)[0].split(b";", 1)[0])
            if match:
                _python_package(match.group(1), number, offset + match.start(1) + 1, conf, out)
    return out


def lock_names(raw: bytes, conf: Settings) -> list[Sighting]:
    """poetry.lock and uv.lock: every ``[[package]]`` name (what the project installs, direct
    or not)."""
    out: list[Sighting] = []
    for match in _LOCK_NAME.finditer(raw):
        line, col = _position(raw, match.start(1))
        _python_package(match.group(1), line, col, conf, out)
    return out


def package_json(raw: bytes, conf: Settings) -> list[Sighting]:
    document = json.loads(raw)  # a ValueError is the caller's: the file is listed as unread
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    out: list[Sighting] = []
    for section in _NPM_SECTIONS:
        deps = document.get(section)
        if not isinstance(deps, dict):
            continue
        for name in deps:
            # Only what an npm package name can be: a key with control characters or markup
            # is no dependency, and must not reach a report.
            if _NPM_NAME.fullmatch(name) and conf.js_packages.package(name):
                at = raw.find(json.dumps(name).encode())
                line, col = _position(raw, at) if at >= 0 else (1, 1)
                out.append(Sighting(f"package {name}", line, col))
    return out


def npm_lock(pattern: re.Pattern[bytes]) -> Callable[[bytes, Settings], list[Sighting]]:
    def names(raw: bytes, conf: Settings) -> list[Sighting]:
        out: list[Sighting] = []
        for match in pattern.finditer(raw):
            name = match.group(1).decode("ascii")
            if conf.js_packages.package(name):
                line, col = _position(raw, match.start(1))
                out.append(Sighting(f"package {name}", line, col))
        return out

    return names


_PARSERS: Mapping[str, Callable[[bytes, Settings], list[Sighting]]] = {
    "requirements": requirements,
    "pyproject.toml": toml_dependencies,
    "Pipfile": toml_dependencies,
    "setup.cfg": setup_cfg,
    "poetry.lock": lock_names,
    "uv.lock": lock_names,
    "package.json": package_json,
    "package-lock.json": npm_lock(_NPM_LOCK),
    "npm-shrinkwrap.json": npm_lock(_NPM_LOCK),
    "yarn.lock": npm_lock(_YARN),
    "pnpm-lock.yaml": npm_lock(_PNPM),
}


# --- model files ------------------------------------------------------------------------------

_TORCH_LEGACY = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"
_HDF5 = b"\x89HDF\r\n\x1a\n"


def model_format(name: str, head: bytes, conf: Settings) -> str | None:
    """The model format the file's first bytes show, among those looked for under its
    extension; None when they show none (a file that only bears the name)."""
    lower = name.lower()
    ext = lower[lower.rfind(".") :]
    formats = conf.formats

    def wanted(fmt: str) -> bool:
        return fmt in formats and ext in MODEL_FORMATS[fmt]

    if lower == "saved_model.pb" and "tensorflow" in formats and head[:1] in (b"\x08", b"\x12"):
        return "TensorFlow SavedModel"
    if wanted("onnx") and len(head) > 2 and head[0] == 0x08 and 1 <= head[1] <= 0x7F:
        return "ONNX model"  # field 1 (ir_version) as a small varint: how ModelProto starts
    if wanted("safetensors") and len(head) > 9:
        size = int.from_bytes(head[:8], "little")
        if 2 <= size < (1 << 32) and head[8:9] == b"{":
            return "safetensors model"
    if wanted("gguf") and head[:4] in (b"GGUF", b"lmgg", b"tjgg", b"fmgg"):
        return "GGUF model" if head[:4] == b"GGUF" else "GGML model"
    if wanted("pytorch"):
        if head.startswith(_TORCH_LEGACY):
            return "PyTorch model"
        if head[:4] == b"PK\x03\x04" and len(head) >= 30:
            size = int.from_bytes(head[26:28], "little")
            first = head[30 : 30 + size]
            if first.endswith((b"/data.pkl", b"/.format_version", b"/byteorder", b"/version")):
                return "PyTorch model"
    if wanted("keras"):
        if ext == ".keras" and head[:4] == b"PK\x03\x04":
            size = int.from_bytes(head[26:28], "little")
            if head[30 : 30 + size] in (b"config.json", b"metadata.json", b"model.weights.h5"):
                return "Keras model"
        if head.startswith(_HDF5) and any(
            marker in head for marker in (b"keras_version", b"model_config", b"model_weights")
        ):
            return "Keras model (HDF5)"
    if wanted("tflite") and head[4:8] == b"TFL3":
        return "TensorFlow Lite model"
    if ext in conf.extensions:
        return f"model file ({ext})"  # the organisation's: by name alone
    return None


# --- the walk ---------------------------------------------------------------------------------


class _Read(Record):
    data: bytes
    partly: bool


def _read(path: str, limit: int) -> _Read:
    """At most ``limit`` bytes of a regular file, without following a symbolic link (a link's
    target is read where it lies in the repository, if it does) or blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        # One read of the size the file says it has (and a byte more, to see that it ended):
        # a read of the whole limit would allocate that much for every small file.
        chunks, left = [], min(info.st_size, limit) + 1
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return _Read(data[:limit], len(data) > limit)


def discover_ai(
    root: str,
    cwd: str,
    data: Mapping[str, Any],
    exclude: Callable[[str], bool] | None = None,
) -> Discovery:
    """The signs of AI below ``root``. ``exclude(path)`` says whether the configuration
    excludes a file (given its absolute path)."""
    from aims_policy.discover import display_path, walk

    conf = settings(data)
    kinds: dict[str, str] = {}

    def wanted(path: str) -> bool:
        name = os.path.basename(path)
        kind = kinds.get(name)
        if kind is None:
            kind = kinds[name] = kind_of(name, conf) or ""
        if not kind and name.lower().endswith((".txt", ".in")):
            # requirements/base.txt, requirements/dev.in: the other common layout
            return os.path.basename(os.path.dirname(path)).lower() == "requirements"
        return bool(kind)

    paths, problems, ignored, skipped = walk(root, cwd, wanted)
    found: list[AIFile] = []
    partly: list[str] = []
    unread: list[tuple[str, str]] = [
        (n.location.file if n.location else root, n.message) for n in problems
    ]
    excluded = scanned = 0
    absolute_root = os.path.abspath(root)
    for path in sorted(paths):
        absolute = os.path.abspath(path)
        if exclude is not None and exclude(absolute):
            excluded += 1
            continue
        scanned += 1
        name = os.path.basename(path)
        kind = kinds[name] or "requirements"  # only requirements/*.txt are wanted unnamed
        try:
            if kind == "model":
                lower = name.lower()
                limit = _HDF5_HEAD if lower.endswith((".h5", ".hdf5")) else _HEAD
                read = _read(path, limit)
                what = model_format(name, read.data, conf)
                seen = [Sighting(what)] if what else []
            else:
                read = _read(path, READ_LIMIT)
                if read.partly:
                    partly.append(display_path(path, cwd))
                if kind == "python":
                    seen = python_imports(read.data, conf)
                elif kind == "notebook":
                    seen = python_imports(read.data, conf, notebook=True)
                elif kind == "js":
                    seen = js_imports(read.data, conf)
                else:
                    seen = _PARSERS[kind](read.data, conf)
        except OSError as exc:
            if os.path.islink(path):
                target = os.path.realpath(path)
                if os.path.commonpath([target, os.path.realpath(absolute_root)]) == (
                    os.path.realpath(absolute_root)
                ):
                    scanned -= 1
                    continue  # its target is read where it lies in the repository
                reason = "a symbolic link out of the repository (not followed)"
            else:
                reason = exc.strerror or "not a regular file"
            unread.append((display_path(path, cwd), f"cannot be read: {reason}"))
            continue
        except (ValueError, RecursionError) as exc:
            unread.append((display_path(path, cwd), f"cannot be parsed: {_short(exc)}"))
            continue
        if not seen:
            continue
        relative = os.path.relpath(absolute, absolute_root).replace(os.sep, "/")
        found.append(
            AIFile(
                display_path(path, cwd),
                relative,
                _FILE_KIND.get(kind, "dependencies"),
                _first_of_each(seen),
            )
        )
    return Discovery(
        display_path(root, cwd),
        scanned,
        tuple(sorted(found, key=lambda f: f.file)),
        ignored,
        skipped,
        excluded,
        tuple(partly),
        tuple(sorted(unread)),
    )


_FILE_KIND: Mapping[str, Literal["source", "dependencies", "model"]] = {
    "python": "source",
    "notebook": "source",
    "js": "source",
    "model": "model",
}


def _first_of_each(seen: list[Sighting]) -> tuple[Sighting, ...]:
    """Each thing seen once, where it was first seen, in line order."""
    first: dict[str, Sighting] = {}
    for s in sorted(seen, key=lambda s: (s.line, s.col)):
        first.setdefault(s.what, s)
    return tuple(first.values())


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
