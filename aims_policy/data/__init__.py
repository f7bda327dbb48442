"""The organisation data document: defaults shipped here, overrides from the user."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def defaults() -> dict[str, Any]:
    with open(os.path.join(os.path.dirname(__file__), "defaults.yaml"), encoding="utf-8") as handle:
        text = handle.read()
    data: dict[str, Any] = yaml.load(text, Loader=_Loader)
    return data


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


class DataError(ValueError):
    """A data override file that cannot be used."""


def load(files: Iterable[str | Path] = (), overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then each override file in order, then ``overrides`` (from configuration)."""
    from aims_policy.loader import load_bytes

    data = defaults()
    for file in files:
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise DataError(f"{file}: cannot read data file: {exc.strerror}") from None
        loaded = load_bytes(raw, str(file), json_syntax=str(file).endswith(".json"))
        if loaded.errors:
            raise DataError(str(loaded.errors[0]))
        for doc in loaded.documents:
            if not isinstance(doc.data, Mapping):
                raise DataError(f"{file}:1:1: a data file must be a mapping of parameters")
            _check_keys(doc.data, data, str(file), doc, ())
            data = merge(data, doc.data)
    if overrides:
        data = merge(data, overrides)
    return data


def _check_keys(override: Mapping[str, Any], base: Mapping[str, Any], file: str, doc: Any,
                path: tuple[str, ...]) -> None:  # fmt: skip
    """Unknown parameters are almost always typos that would silently change nothing."""
    import difflib

    for key, value in override.items():
        if key not in base:
            close = difflib.get_close_matches(key, list(base), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(base)}"
            loc = doc.locate((*path, key))
            raise DataError(f"{loc}: unknown data parameter {'.'.join((*path, key))!r}{hint}")
        if isinstance(value, Mapping) and isinstance(base[key], Mapping) and base[key]:
            _check_keys(value, base[key], file, doc, (*path, key))
