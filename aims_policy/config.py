"""The configuration file ``.aims-policy.yaml``: defaults for ``check`` and ``baseline``.

Found in the working directory, else at the root of the git work tree, or named with
``--config``. Command-line flags override it. It is checked against its JSON Schema
(``schema/config-v1.schema.json``) as manifests are against theirs (``validate``): a compiled
validator for the common, valid case, and jsonschema's errors worded by the same translator when
it is not, the first of them reported at its file:line:col (an unknown key with the closest
known one).

Relative paths in the file are relative to the file's folder, so the same configuration works
from any working directory inside the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from aims_policy.model import EMPTY_MAP, Location
from aims_policy.records import Record

if TYPE_CHECKING:
    from aims_policy.discover import Candidate
    from aims_policy.loader import Document
    from aims_policy.options import Options

CONFIG_NAME = ".aims-policy.yaml"
#: Keys whose values are paths, resolved against the configuration file's folder.
_PATH_LISTS = ("paths", "data-files", "rules")
_PATHS = ("root", "baseline")
_OUTPUT_PATHS = ("sarif", "junit", "json", "markdown")

DEFAULTS: dict[str, Any] = {
    "paths": ["."],
    "include": [],
    "exclude": [],
    "select": [],
    "ignore": [],
    "severity": {},
    "fail-on": "error",
    "data": {},
    "data-files": [],
    "rules": [],
    "rule-packs": [],
    "root": None,
    "skip-non-manifests": False,
    "allow-empty": False,
    "discover-ai": False,
    "baseline": None,
    "output": {
        "format": "text",
        "sarif": None,
        "junit": None,
        "json": None,
        "markdown": None,
        "sarif-category": None,
    },
    "exceptions": [],
}


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message starts with file:line:col."""


class Config(Record):
    """A loaded configuration file: validated values (paths resolved) and where each key is."""

    file: str | None = None
    values: Mapping[str, Any] = EMPTY_MAP
    positions: Mapping[str, Location] = EMPTY_MAP  # "output.sarif" -> Location
    exceptions: tuple[tuple[str, Any, Location], ...] = ()
    base: str | None = None  # the file's folder (absolute)

    def where(self, key: str) -> str:
        loc = self.positions.get(key)
        return str(loc) if loc else (self.file or "")


class Effective(Record):
    """The configuration a run uses: file values under command-line flags, with their source."""

    values: dict[str, Any]
    sources: dict[str, str]
    config: Config


def find(cwd: str) -> str | None:
    """``.aims-policy.yaml`` in ``cwd``, else at the top of the git work tree containing it."""
    here = os.path.join(cwd, CONFIG_NAME)
    if os.path.isfile(here):
        return here
    current = os.path.abspath(cwd)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            candidate = os.path.join(current, CONFIG_NAME)
            return candidate if os.path.isfile(candidate) else None
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def load(path: str, cwd: str | None = None) -> Config:
    """Read, check and resolve a configuration file."""
    from aims_policy.loader import load_bytes

    cwd = cwd or os.getcwd()
    display = _display(path, cwd)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read the configuration: {exc.strerror}") from None
    loaded = load_bytes(raw, display, json_syntax=path.endswith(".json"))
    if loaded.errors:
        raise ConfigError(str(loaded.errors[0]))
    docs = [d for d in loaded.documents if d.data is not None]
    if len(docs) > 1:
        raise ConfigError(f"{docs[1].locate(())}: a configuration file holds one document")
    if not docs:
        return Config(display, {}, {}, (), os.path.dirname(os.path.abspath(path)))
    doc = docs[0]
    _check(doc)
    values: dict[str, Any] = dict(doc.data)
    if isinstance(values.get("data"), Mapping):
        _check_data(values["data"], doc)
    base = os.path.dirname(os.path.abspath(path))
    values = _resolve_paths(values, base, cwd)
    positions: dict[str, Location] = {}
    for key in values:
        positions[key] = doc.locate((key,))
        if key == "output":
            for sub in values[key]:
                positions[f"output.{sub}"] = doc.locate((key, sub))
    if isinstance(values.get("data"), Mapping):
        _data_positions(values["data"], doc, ("data",), positions)
    _keep_inside(values, base, positions)
    exceptions = tuple(
        (declared["system"], declared, doc.locate(("exceptions", index)))
        for index, declared in enumerate(values.get("exceptions", []))
    )
    return Config(display, values, positions, exceptions, base)


def _keep_inside(values: Mapping[str, Any], base: str, positions: Mapping[str, Location]) -> None:
    """The files a configuration makes the tool write or read as a baseline stay inside the
    repository it belongs to (its git work tree, else its own folder): a configuration arrives
    with the changes it governs, and a pull request must not point a report at ~/.bashrc or a
    baseline at a file it does not show. Links are followed: the real place counts."""
    from aims_policy.evidence import inside

    root = base
    while not os.path.exists(os.path.join(root, ".git")):
        parent = os.path.dirname(root)
        if parent == root:
            root = base
            break
        root = parent
    real_root = os.path.realpath(root)
    named = [
        (f"output.{k}", v) for k, v in (values.get("output") or {}).items() if k in _OUTPUT_PATHS
    ]
    named.append(("baseline", values.get("baseline")))
    for key, value in named:
        if not isinstance(value, str) or not value:
            continue
        target = os.path.realpath(os.path.join(base, os.path.expanduser(value)))
        if not inside(target, real_root):
            raise ConfigError(
                f"{positions[key]}: {key} is {value!r}, which leads outside the repository "
                f"({root}); name a file inside it (or give the path on the command line)"
            )


def _display(path: str, cwd: str) -> str:
    from aims_policy.discover import display_path

    return display_path(path, cwd)


def _resolve_paths(values: dict[str, Any], base: str, cwd: str) -> dict[str, Any]:
    def resolve(value: str) -> str:
        if os.path.isabs(value):
            return value
        joined = os.path.normpath(os.path.join(base, value))
        relative = os.path.relpath(joined, cwd)
        return joined if relative.startswith("..") else relative

    out = dict(values)
    for key in _PATH_LISTS:
        if key in out:
            out[key] = [resolve(v) for v in out[key]]
    for key in _PATHS:
        if key in out:
            out[key] = resolve(out[key])
    if "output" in out:
        out["output"] = {
            k: resolve(v) if k in _OUTPUT_PATHS else v for k, v in out["output"].items()
        }
    return out


# --- checking against the schema ------------------------------------------------------------


def _check(doc: Document) -> None:
    """The first violation of the schema, in the order of the file, stops the run."""
    from aims_policy import validate

    if validate.fast_is_valid(doc.data, validate.CONFIG):
        return
    first = min(validate.problems(doc, validate.CONFIG), key=lambda p: doc.position(p.path))
    raise ConfigError(f"{doc.locate(first.path)}: {first.message}")


def _check_data(overrides: Mapping[str, Any], doc: Document) -> None:
    """Unknown data parameters are typos that would silently change nothing. Values are checked
    when the data is loaded (``data.load``), once the data files they may build on are merged."""
    from aims_policy import data as data_document

    try:
        data_document.check_keys(
            overrides, data_document.defaults(), lambda path: str(doc.locate(("data", *path)))
        )
    except data_document.DataError as exc:
        raise ConfigError(str(exc)) from None


def _data_positions(
    node: Mapping[str, Any], doc: Document, path: tuple[str, ...], positions: dict[str, Location]
) -> None:
    """Where each ``data`` parameter is written, for messages about its value."""
    for key, value in node.items():
        here = (*path, key)
        positions[".".join(here)] = doc.locate(here)
        if isinstance(value, Mapping):
            _data_positions(value, doc, here, positions)


# --- the effective configuration ------------------------------------------------------------


def resolve(config: Config, cli: Mapping[str, Any]) -> Effective:
    """Merge the file under the command line. ``cli`` holds what flags gave (``None``, ``()`` or
    ``{}`` when a flag was not given), keyed like the file."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    file = config.values

    def given(value: Any) -> bool:
        return value is not None and value != () and value != [] and value != {}

    for key, default in DEFAULTS.items():
        if key in ("output", "severity", "rules", "rule-packs", "data", "data-files"):
            continue
        if given(cli.get(key)):
            value = cli[key]
            values[key] = list(value) if isinstance(value, tuple) else value
            sources[key] = "command line"
        elif key in file:
            values[key] = file[key]
            sources[key] = config.where(key)
        else:
            values[key] = default
            sources[key] = "default"
    # Severity overrides combine rule by rule: the flag wins for the rules it names.
    values["severity"] = {**file.get("severity", {}), **dict(cli.get("severity") or {})}
    sources["severity"] = _combined(config, "severity", given(cli.get("severity")))
    # Rule packs add up; the configuration's are kept apart for --no-config-rules.
    for key in ("rules", "rule-packs"):
        values[key] = _unique([*file.get(key, []), *(cli.get(key) or ())])
        sources[key] = _combined(config, key, given(cli.get(key)))
    # --data replaces the file's data and data-files (like --select replaces select).
    if given(cli.get("data-files")):
        values["data-files"], values["data"] = list(cli["data-files"]), {}
        sources["data-files"] = sources["data"] = "command line"
    else:
        for key in ("data-files", "data"):
            values[key] = file.get(key, DEFAULTS[key])
            sources[key] = config.where(key) if key in file else "default"
    output = dict(DEFAULTS["output"])
    cli_output = cli.get("output") or {}
    for key in output:
        if given(cli_output.get(key)):
            output[key] = cli_output[key]
            sources[f"output.{key}"] = "command line"
        elif key in file.get("output", {}):
            output[key] = file["output"][key]
            sources[f"output.{key}"] = config.where(f"output.{key}")
        else:
            sources[f"output.{key}"] = "default"
    values["output"] = output
    return Effective(values, sources, config)


def _combined(config: Config, key: str, from_cli: bool) -> str:
    parts = ([config.where(key)] if key in config.values else []) + (
        ["command line"] if from_cli else []
    )
    return " + ".join(parts) or "default"


def _unique(items: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def config_rule_packs(effective: Effective, cli: Mapping[str, Any]) -> list[str]:
    """Rule packs that only the configuration file asks for (code the repository supplies)."""
    named_dirs = {os.path.realpath(d) for d in cli.get("rules") or ()}
    named_packs = set(cli.get("rule-packs") or ())
    out = [
        f"rules: {d}"
        for d in effective.config.values.get("rules", [])
        if os.path.realpath(d) not in named_dirs
    ]
    out += [
        f"rule-packs: {p}"
        for p in effective.config.values.get("rule-packs", [])
        if p not in named_packs
    ]
    return out


# --- include / exclude globs ----------------------------------------------------------------


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    """Glob -> regex: ``**`` spans folders, ``*`` and ``?`` stay inside one; a pattern without
    ``/`` matches at any depth (like .gitignore), one starting with ``/`` only at the base."""
    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = ""
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif body.startswith("**", i):
            out += ".*"
            i += 2
        elif body[i] == "*":
            out += "[^/]*"
            i += 1
        elif body[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(body[i])
            i += 1
    return re.compile(("" if anchored else "(?:.*/)?") + out + r"\Z")


def glob_matches(relative: str, patterns: Sequence[str]) -> bool:
    """Whether a POSIX path (relative to the glob base) or one of its folders matches."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(_glob(p).match(prefix) for p in patterns for prefix in prefixes)


def keep_candidates(candidates: list[Candidate], options: Options, cwd: str) -> list[Candidate]:
    """Apply ``include`` (to files found in folders) and ``exclude`` (to every file)."""
    base = options.glob_base or cwd
    kept = []
    for candidate in candidates:
        absolute = os.path.abspath(os.path.join(cwd, candidate.path))
        # os.sep, not PurePath(...).as_posix(): pathlib costs a configured pre-commit run more
        # to import than the whole of reading its configuration.
        relative = os.path.relpath(absolute, base).replace(os.sep, "/")
        if options.exclude and glob_matches(relative, options.exclude):
            continue
        if (
            options.include
            and not candidate.explicit
            and not glob_matches(relative, options.include)
        ):
            continue
        kept.append(candidate)
    return kept
