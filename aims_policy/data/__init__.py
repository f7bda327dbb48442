"""The organisation data document: defaults shipped here, overrides from the user."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import yaml

from aims_policy.wording import describe, did_you_mean

if TYPE_CHECKING:
    from pathlib import Path

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


def load(
    files: Iterable[str | Path] = (),
    overrides: Mapping[str, Any] | None = None,
    where: Callable[[tuple[str, ...]], str] | None = None,
) -> dict[str, Any]:
    """Defaults, then each override file in order, then ``overrides`` (from configuration; ``where``
    names the place of each of its paths). Every override is checked against the data merged so
    far: known parameter, value of the default's type and in its range. A bad value would
    otherwise surface as a crash inside the rules."""
    from aims_policy.loader import load_bytes

    data = defaults()
    for file in files:
        try:
            with open(file, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise DataError(f"{file}: cannot read data file: {exc.strerror}") from None
        loaded = load_bytes(raw, str(file), json_syntax=str(file).endswith(".json"))
        if loaded.errors:
            raise DataError(str(loaded.errors[0]))
        for doc in loaded.documents:
            if not isinstance(doc.data, Mapping):
                raise DataError(f"{file}:1:1: a data file must be a mapping of parameters")
            check_keys(doc.data, data, _locator(doc))
            data = check_values(doc.data, data, _locator(doc))
    if overrides:
        data = check_values(overrides, data, where or (lambda _path: "configuration `data`"))
    return data


def _locator(doc: Any) -> Callable[[tuple[str, ...]], str]:
    def where(path: tuple[str, ...]) -> str:
        return str(doc.locate(path))

    return where


def check_keys(
    override: Mapping[str, Any],
    base: Mapping[str, Any],
    where: Callable[[tuple[str, ...]], str],
    path: tuple[str, ...] = (),
) -> None:
    """Unknown parameters are almost always typos that would silently change nothing."""
    for key, value in override.items():
        if key not in base:
            hint = did_you_mean(key, base, f"; known: {', '.join(base)}")
            raise DataError(
                f"{where((*path, key))}: unknown data parameter {'.'.join((*path, key))!r}{hint}"
            )
        if isinstance(value, Mapping) and isinstance(base[key], Mapping) and base[key]:
            check_keys(value, base[key], where, (*path, key))


# The least value a numeric parameter may take; a threshold below 0 means nothing, and an interval
# or deadline of 0 would make every system late (log retention may be 0: "no minimum").
_MINIMUM: dict[str, int] = {
    "reviews.maxIntervalMonths": 1,
    "oversight.trainingValidityMonths": 1,
    "incidents.maxReportingDays": 1,
    "exceptions.maxValidityDays": 1,
    "organisation.policyReviewMonths": 1,
    "organisation.auditCycleMonths": 1,
    "organisation.managementReviewMonths": 1,
    "organisation.contextReviewMonths": 1,
    "organisation.awarenessIntervalMonths": 1,
    "organisation.competenceReviewMonths": 1,
}
_ANNEX_A_LISTS = ("controls.annexA", "controls.requiredByRiskLevel")
_RISK_LEVEL_LISTS = ("risk.highRiskLevels",)
_ANNEX_III_LISTS = ("euAiAct.deployerNotices.",)

#: The points of Annex III of the EU AI Act (Regulation (EU) 2024/1689), the high-risk uses of
#: Art. 6(2): the manifest schema's `annexIIIPoint` values, and what the data document's lists of
#: points may name. Point 2 (critical infrastructure) has no lettered sub-points.
ANNEX_III_POINTS = (
    *("1(a)", "1(b)", "1(c)"),
    "2",
    *("3(a)", "3(b)", "3(c)", "3(d)"),
    *("4(a)", "4(b)"),
    *("5(a)", "5(b)", "5(c)", "5(d)"),
    *("6(a)", "6(b)", "6(c)", "6(d)", "6(e)"),
    *("7(a)", "7(b)", "7(c)", "7(d)"),
    *("8(a)", "8(b)"),
)

#: The controls modelled on the Act's high-risk duties that `organisationPolicy.actStyleControls`
#: may apply to systems the organisation rates high and the Act does not (rules/facts.py).
ACT_STYLE_CONTROLS = (
    "postMarketMonitoring",
    "seriousIncidentReporting",
    "logRetention",
    "instructionsForUse",
    "technicalDocumentation",
)


#: The model formats AI discovery recognises by their content (``aiDiscovery.modelFormats``).
AI_MODEL_FORMATS = ("onnx", "safetensors", "gguf", "pytorch", "keras", "tflite", "tensorflow")
# What AI discovery's names may look like: a dotted Python module (`google.generativeai`), an npm
# package (`@scope/name`, `brain.js`), each possibly ending in `*`; an extension with its dot.
_AI_NAMES = {
    "pythonImports": (r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\*?", "Python module names such as openai"),
    "pythonPackages": (r"[A-Za-z0-9][A-Za-z0-9._-]*\*?", "package names such as scikit-learn"),
    "javascriptImports": (
        r"(@[\w.-]+/)?[\w.-]+\*?|@[\w.-]+/\*",
        "npm package names such as @anthropic-ai/sdk or @scope/*",
    ),
    "modelExtensions": (r"\.[A-Za-z0-9_.-]+", "file extensions with their dot, such as .pkl"),
}
_AI_NAMES["javascriptPackages"] = _AI_NAMES["javascriptImports"]


def _check_discovery(name: str, value: list[str], refuse: Callable[[str], NoReturn]) -> None:
    key = name.rsplit(".", 1)[-1]
    if key == "modelFormats":
        unknown = [v for v in value if v not in AI_MODEL_FORMATS]
        if unknown:
            refuse(
                f"a list of model formats ({', '.join(AI_MODEL_FORMATS)}; "
                f"{describe(unknown[0])} is not one)"
            )
    elif key in _AI_NAMES:
        pattern, what = _AI_NAMES[key]
        bad = [v for v in value if not re.fullmatch(pattern, v)]
        if bad:
            refuse(f"a list of {what} ({describe(bad[0])} is not one)")


def check_values(
    override: Mapping[str, Any], base: Mapping[str, Any], where: Callable[[tuple[str, ...]], str]
) -> dict[str, Any]:
    """``base`` (the data merged so far) with ``override`` merged in; DataError unless every value
    in ``override`` has the type of its default in ``base`` and lies in its range. ``where(path)``
    names the place for a message (``file:line:col``). Keys are assumed known (``check_keys``)."""
    merged = merge(base, override)
    catalog = set(merged.get("controls", {}).get("annexA", []))
    levels = set(base.get("controls", {}).get("requiredByRiskLevel", {}))
    _check_node(override, base, (), where, catalog, levels)
    return merged


def _check_node(
    override: Mapping[str, Any],
    base: Mapping[str, Any],
    path: tuple[str, ...],
    where: Callable[[tuple[str, ...]], str],
    catalog: set[str],
    levels: set[str],
) -> None:
    for key, value in override.items():
        here = (*path, str(key))
        name = ".".join(here)
        default = base.get(key)

        def refuse(
            expected: str,
            here: tuple[str, ...] = here,
            name: str = name,
            value: Any = value,
            default: Any = default,
        ) -> NoReturn:
            raise DataError(
                f"{where(here)}: {name} must be {expected} (the default is "
                f"{describe(default)}), not {describe(value)}"
            )

        if isinstance(default, Mapping):
            if not isinstance(value, Mapping):
                refuse("a mapping")
            _check_node(value, default, here, where, catalog, levels)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                refuse("true or false")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                refuse("a whole number")
            least = _MINIMUM.get(name, 0)
            if value < least:
                refuse(f"a whole number of at least {least}")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                refuse("a number")
            if value < 0:
                refuse("a number of at least 0")
        elif isinstance(default, str):
            if not isinstance(value, str):
                refuse("text")
        elif isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                refuse("a list of text")
            if name.startswith(_ANNEX_A_LISTS):
                # The catalog itself must look like Annex A ids; the lists per risk level must
                # name controls in the catalog (as overridden in the same file, if it is).
                if name == "controls.annexA":
                    unknown = [v for v in value if not re.fullmatch(r"A\.\d+(\.\d+)+", v)]
                else:
                    unknown = [v for v in value if v not in catalog]
                if unknown:
                    refuse(
                        f"a list of ISO/IEC 42001 Annex A control ids such as A.6.2.4 "
                        f"({describe(unknown[0])} is not one)"
                    )
            if name.startswith(_ANNEX_III_LISTS):
                unknown = [v for v in value if v not in ANNEX_III_POINTS]
                if unknown:
                    refuse(
                        f"a list of EU AI Act Annex III points such as 5(b) "
                        f"({describe(unknown[0])} is not one)"
                    )
            if name == "organisationPolicy.actStyleControls":
                unknown = [v for v in value if v not in ACT_STYLE_CONTROLS]
                if unknown:
                    refuse(
                        f"a list of Act-style controls ({', '.join(ACT_STYLE_CONTROLS)}; "
                        f"{describe(unknown[0])} is not one)"
                    )
            if name in _RISK_LEVEL_LISTS and levels:
                unknown = [v for v in value if v not in levels]
                if unknown:
                    refuse(f"a list of risk levels ({', '.join(sorted(levels))})")
            if name.startswith("aiDiscovery."):
                _check_discovery(name, value, refuse)
