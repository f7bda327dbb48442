"""Baseline files: the findings a team accepted when it adopted the tool, by fingerprint.

A fingerprint names what a finding is about (rule, system, identity path), never where it sits,
so inserting lines, adding comments, reordering keys or inserting list items above a baselined
finding does not bring it back. The file is JSON, sorted and free of timestamps so that
re-creating an unchanged baseline gives a byte-identical file (and a fixed finding shows up as
a removed line in review).

A previous SARIF file from ``aims-policy check --sarif`` is accepted as a baseline too: its
unsuppressed results' ``partialFingerprints`` are read.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from aims_policy.model import Finding, Report

#: Layout version of the baseline file; a major bump means older tools cannot read it.
BASELINE_FORMAT_VERSION = "1.0"
KIND = "aims-policy-baseline"
#: The key the SARIF writer uses in ``results[].partialFingerprints``.
SARIF_FINGERPRINT = "aimsPolicyFinding/v1"


class BaselineError(ValueError):
    """A baseline file that cannot be used."""


#: Fields of an entry that later stages read as text (a baseline file is input like any other).
_TEXT_FIELDS = ("rule", "system", "identity", "severity", "message", "file")


@dataclass(frozen=True, slots=True)
class Baseline:
    source: str  # the file it was read from, as given
    fingerprints: frozenset[str]
    entries: tuple[dict[str, Any], ...] = ()  # the recorded context, when the file has it


def entry(finding: Finding) -> dict[str, Any]:
    return {
        "fingerprint": finding.fingerprint,
        "rule": finding.rule_id,
        "system": finding.system,
        "identity": finding.ident,
        "severity": finding.severity,
        "message": finding.message,
        # Context for people reading the file; never used for matching (files move).
        "file": finding.location.file,
    }


def build(report: Report) -> dict[str, Any]:
    """The baseline document for a report's open findings."""
    seen: dict[str, dict[str, Any]] = {}
    for finding in report.open_findings:
        seen.setdefault(finding.fingerprint, entry(finding))
    entries = sorted(
        seen.values(), key=lambda e: (e["system"] or "", e["rule"], e["identity"], e["fingerprint"])
    )
    return {
        "kind": KIND,
        "formatVersion": BASELINE_FORMAT_VERSION,
        "tool": {"name": "aims-policy", "version": report.tool_version},
        "entries": entries,
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def load(path: str) -> Baseline:
    """Read a baseline file or a previous SARIF log."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BaselineError(
            f"{path}:{line}:{col}: the baseline is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
            "re-create it with `aims-policy baseline`"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{path}:{exc.lineno}:{exc.colno}: the baseline is not valid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise BaselineError(
            f"{path}: the baseline is nested too deeply to be one; re-create it with "
            "`aims-policy baseline`"
        ) from None
    if isinstance(document, dict) and document.get("kind") == KIND:
        return _from_baseline(path, document)
    if isinstance(document, dict) and isinstance(document.get("runs"), list):
        return _from_sarif(path, document)
    raise BaselineError(
        f"{path}: neither an aims-policy baseline (create one with `aims-policy "
        "baseline PATHS -o FILE`) nor a SARIF log"
    )


def _from_baseline(path: str, document: dict[str, Any]) -> Baseline:
    version = str(document.get("formatVersion", ""))
    if version.split(".")[0] != BASELINE_FORMAT_VERSION.split(".")[0]:
        raise BaselineError(
            f"{path}: baseline format {version!r} is not one this aims-policy "
            f"reads ({BASELINE_FORMAT_VERSION}); re-create the baseline"
        )
    entries = document.get("entries")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("fingerprint"), str)
        and all(isinstance(e.get(k), (str, type(None))) for k in _TEXT_FIELDS)
        for e in entries
    ):
        raise BaselineError(
            f"{path}: `entries` must be a list of objects with a `fingerprint` (and, where "
            f"given, {', '.join(f'`{k}`' for k in _TEXT_FIELDS)} as text); re-create it with "
            "`aims-policy baseline`"
        )
    return Baseline(path, frozenset(e["fingerprint"] for e in entries), tuple(entries))


def _from_sarif(path: str, document: dict[str, Any]) -> Baseline:
    found: set[str] = set()
    entries: list[dict[str, Any]] = []
    for run in document["runs"]:
        results = run.get("results") if isinstance(run, dict) else None
        for result in results if isinstance(results, list) else ():
            if not isinstance(result, dict) or result.get("suppressions"):
                continue  # a suppressed result was already waived or baselined: not accepted here
            prints = result.get("partialFingerprints")
            value = prints.get(SARIF_FINGERPRINT) if isinstance(prints, dict) else None
            if isinstance(value, str) and value not in found:
                found.add(value)
                props = result.get("properties")
                system = props.get("system") if isinstance(props, dict) else None
                entries.append(
                    {
                        "fingerprint": value,
                        "rule": result.get("ruleId"),
                        "system": system if isinstance(system, str) else None,
                    }
                )
    return Baseline(path, frozenset(found), tuple(entries))


def stale(
    baseline: Baseline,
    findings: Iterable[Finding],
    systems: Collection[str],
    rules: Collection[str],
) -> list[str]:
    """Fingerprints recorded in the baseline that no finding has any more (fixed, or removed).

    ``systems`` and ``rules`` are what this run checked and evaluated: an entry counts only
    when the run could have found it again: an entry for a system not checked, or for a rule not
    evaluated (``--select``/``--ignore``), is not fixed, merely out of sight. An entry whose system
    and rule are unknown (a SARIF result without them) cannot be judged and is not counted."""
    present = {f.fingerprint for f in findings}
    missing = baseline.fingerprints - present
    about = {e["fingerprint"]: e for e in baseline.entries}
    out = []
    for fingerprint in missing:
        recorded = about.get(fingerprint)
        if recorded is None or not isinstance(recorded.get("rule"), str):
            continue
        if recorded["rule"] not in rules:
            continue
        system = recorded.get("system")
        if system is not None and system not in systems:
            continue
        out.append(fingerprint)
    return sorted(out)
