"""Annex A coverage: which rules evidence each ISO/IEC 42001 control, and for the controls no
manifest rule can evidence, the reason (declared in the rule pack's ``controls.yaml``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aims_policy.model import RuleMeta

#: Annex A groupings that are not controls (objectives and the two A.6 subgroups).
_NOT_CONTROLS = frozenset({"A.6.1", "A.6.2"})


@dataclass(frozen=True)
class ControlCoverage:
    id: str
    title: str
    objective: str
    rules: tuple[str, ...]
    reason: str | None  # why no rule can exist, when the pack declares it

    @property
    def status(self) -> str:
        if self.rules:
            return "covered"
        return "not-evidenced" if self.reason else "gap"


def _yaml(path: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # a safe loader, on our own file


def annex_a_controls() -> list[tuple[str, str]]:
    """The 38 Annex A controls with their short titles, in catalog order."""
    catalog = _yaml(os.path.join(os.path.dirname(__file__), "data", "catalog.yaml"))
    return [
        (e["id"], e["title"])
        for e in catalog["iso42001"]["annex_a"]
        if e["id"].count(".") >= 2 and e["id"] not in _NOT_CONTROLS
    ]


def declared_not_evidenced() -> dict[str, str]:
    """Controls the built-in pack declares as not evidenced by a system manifest."""
    from aims_policy.registry import builtin_package

    path = os.path.join(os.path.dirname(str(builtin_package().__file__)), "controls.yaml")
    entries = _yaml(path).get("notEvidenced") or {}
    return {str(k): " ".join(str(v).split()) for k, v in entries.items()}


def matrix(rules: Iterable[RuleMeta]) -> list[ControlCoverage]:
    by_control: dict[str, list[str]] = {}
    for meta in rules:
        for control in meta.controls:
            by_control.setdefault(control, []).append(meta.id)
    reasons = declared_not_evidenced()
    out = []
    for control, title in annex_a_controls():
        objective = ".".join(control.split(".")[:2])
        out.append(
            ControlCoverage(
                control,
                title,
                objective,
                tuple(sorted(by_control.get(control, ()))),
                reasons.get(control),
            )
        )
    return out
