"""JSON reports of many repositories read back and merged into one :class:`Report`, for the
organisation view (``aims-policy report`` and ``soa``): each repository's CI keeps its own JSON
report (``check --json FILE --origin NAME``), and a compliance lead merges them.

A report is read with the layout ``output/json_report.py`` writes. Only major version 1 is
read, from minor version 1.3 on (the first to carry the rules, the evidence references and the
origin); anything else is one :class:`ReportError` naming the file. Every system and finding of
the merged report carries its origin (the report's ``origin``, else the file's path), so the
systems of two repositories that use the same names stay apart.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Sequence
from typing import Any

from aims_policy.model import (
    EvidenceReference,
    Finding,
    Location,
    Notification,
    Organisation,
    Report,
    RuleMeta,
    RuleResult,
    Suppression,
    SystemInfo,
    compact,
)
from aims_policy.records import Record

#: The oldest layout that carries what a merge needs (rules, evidence references, origin).
MIN_MINOR = 3
MAJOR = 1
#: A JSON report larger than this is refused rather than read into memory.
MAX_BYTES = 512 * 1024 * 1024


class ReportError(Exception):
    """A JSON report that cannot be merged: one line naming the file and what to do."""


class Source(Record):
    """One merged JSON report, as the audit report lists its inputs."""

    origin: str
    file: str
    today: str
    tool_version: str
    systems: int
    findings: int


def read(path: str) -> Any:
    """The decoded JSON report at ``path``, or None when ``path`` is something else (a manifest
    written in JSON, a YAML file, a folder), to be checked as a manifest.

    A JSON report is recognised by its content, however its keys are ordered or indented (a
    report re-serialised with sorted keys stays one): a ``.json`` file holding an object with
    ``formatVersion`` at the top and either ``tool`` or ``systems`` beside it, or neither
    ``apiVersion`` nor ``kind`` (which every manifest and the baseline file have). A file that
    does not name ``formatVersion`` at all is not decoded here: manifests are parsed once, by the
    loader, which knows their positions. One that names it but is not valid JSON is a broken
    report when it opens like one or names no ``apiVersion``: a ReportError naming the file."""
    if not path.lower().endswith(".json"):
        return None
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return None  # a folder, or unreadable: the manifest loader says which
    if b'"formatVersion"' not in raw:
        return None
    if len(raw) > MAX_BYTES:
        raise ReportError(f"{path}: larger than {MAX_BYTES // 2**20} MB; not a JSON report")
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        opens = raw.lstrip().lstrip(b"{").lstrip().startswith(b'"formatVersion"')
        if not opens and b'"apiVersion"' in raw:
            return None  # a broken manifest: the loader gives the line and column
        where = f":{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ReportError(
            f"{path}{where}: not valid JSON ({getattr(exc, 'msg', exc)}); pass a JSON report "
            "written by `aims-policy check --json FILE`"
        ) from None
    return doc if is_report(doc) else None


def is_report(doc: Any) -> bool:
    """Whether a decoded JSON document is a JSON report (see :func:`read`), not a manifest."""
    return (
        isinstance(doc, dict)
        and "formatVersion" in doc
        and ("tool" in doc or "systems" in doc or not ("apiVersion" in doc or "kind" in doc))
    )


class _Reader:
    """Typed access to one decoded report: each wrong value is a ReportError naming its place."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, where: str, what: str) -> ReportError:
        return ReportError(
            f"{self.file}: {where}: {what}; regenerate it with `aims-policy check --json FILE`"
        )

    def field(self, obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if not isinstance(obj, dict):
            raise self.fail(where, "expected an object")
        if key not in obj:
            raise self.fail(f"{where}.{key}" if where else key, "missing")
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise self.fail(f"{where}.{key}" if where else key, f"expected {_kind(kind)}")
        return value

    def optional(self, obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if not isinstance(obj, dict) or obj.get(key) is None:
            return None
        return self.field(obj, key, kind, where)

    def strings(self, obj: Any, key: str, where: str) -> tuple[str, ...]:
        values = self.field(obj, key, list, where)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise self.fail(f"{where}.{key}[{index}]", "expected a string")
        return tuple(values)

    def location(self, obj: Any, where: str) -> Location:
        file = self.field(obj, "file", str, where)
        line = self.field(obj, "line", int, where)
        column = self.field(obj, "column", int, where)
        end_line = self.optional(obj, "endLine", int, where)
        end_column = self.optional(obj, "endColumn", int, where)
        return Location(file, line, column, end_line, end_column)


def _kind(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", list: "a list", dict: "an object"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def load(
    path: str, known_rules: Container[str] = (), references: bool = True
) -> tuple[Report, Source]:
    """The JSON report at ``path`` as a report whose systems and findings carry its origin.
    See :func:`parse` for ``known_rules`` and ``references``."""
    doc = read(path)
    if doc is None:
        raise ReportError(
            f"{path}: not an aims-policy JSON report; pass a report written by "
            "`aims-policy check --json FILE`"
        )
    return parse(doc, path, known_rules, references)


def parse(
    doc: Any, path: str, known_rules: Container[str] = (), references: bool = True
) -> tuple[Report, Source]:
    """A decoded JSON report as a :class:`Report`. Rules whose id is in ``known_rules`` (read
    from an earlier report of the same merge, which wins) are skipped; without ``references``
    the evidence references are left out (the Statement of Applicability does not show them).
    The rule checks that did not apply are not kept: a merged report counts what was found and
    what could not be evaluated, not every rule that had nothing to say."""
    r = _Reader(path)
    if not isinstance(doc, dict) or "formatVersion" not in doc:
        raise ReportError(
            f"{path}: not an aims-policy JSON report (no formatVersion); pass a report written "
            "by `aims-policy check --json FILE`"
        )
    version = doc["formatVersion"]
    parts = version.split(".") if isinstance(version, str) else []
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise r.fail("formatVersion", f"{version!r} is not MAJOR.MINOR")
    major, minor = int(parts[0]), int(parts[1])
    if major != MAJOR or minor < MIN_MINOR:
        raise ReportError(
            f"{path}: JSON report format {version} cannot be merged (this aims-policy reads "
            f"{MAJOR}.{MIN_MINOR} to {MAJOR}.x); regenerate it with this version's "
            "`aims-policy check --json FILE`"
        )
    origin = r.optional(doc, "origin", str, "") or path
    tool = r.field(doc, "tool", dict, "")
    tool_version = r.field(tool, "version", str, "tool")
    today = r.field(doc, "today", str, "")
    fail_on = r.field(doc, "failOn", str, "")
    if fail_on not in ("error", "warning", "note", "never"):
        raise r.fail("failOn", f"unknown threshold {fail_on!r}")

    rules = []
    for index, raw in enumerate(r.field(doc, "rules", list, "")):
        where = f"rules[{index}]"
        if isinstance(raw, dict) and raw.get("id") in known_rules:
            continue
        severity = r.field(raw, "severity", str, where)
        if severity not in ("error", "warning", "note"):
            raise r.fail(f"{where}.severity", f"unknown severity {severity!r}")
        rule_id = r.field(raw, "id", str, where)
        scope = r.optional(raw, "scope", str, where) or "manifest"
        rules.append(
            RuleMeta(
                rule_id,
                rule_id,
                r.field(raw, "title", str, where),
                severity,
                "",
                r.field(raw, "remediation", str, where),
                r.strings(raw, "controls", where),
                r.strings(raw, "clauses", where),
                scope="set" if scope == "set" else "manifest",
            )
        )

    systems = []
    for index, raw in enumerate(r.field(doc, "systems", list, "")):
        where = f"systems[{index}]"
        refs = tuple(_references(r, raw, where)) if references else ()
        evidenced = r.field(raw, "evidencedControls", dict, where)
        stated = r.field(raw, "statedNotApplicable", dict, where)
        for key, value in (*evidenced.items(), *stated.items()):
            if not isinstance(value, str):
                raise r.fail(f"{where}.{key}", "expected a string")
        systems.append(
            SystemInfo(
                r.field(raw, "name", str, where),
                r.location(r.field(raw, "location", dict, where), where + ".location"),
                r.optional(raw, "title", str, where),
                r.optional(raw, "riskLevel", str, where),
                r.optional(raw, "euAiActCategory", str, where),
                r.optional(raw, "owner", str, where),
                tuple(stated.items()),
                tuple(evidenced.items()),
                relies=r.strings(raw, "reliedControls", where),
                references=refs,
                origin=origin,
            )
        )

    organisations = []
    for index, raw in enumerate(r.field(doc, "organisations", list, "")):
        where = f"organisations[{index}]"
        try:
            document = compact(r.field(raw, "manifest", dict, where))
        except ValueError:  # marshal's depth limit: far beyond what a manifest may nest
            raise r.fail(f"{where}.manifest", "nested too deeply for a manifest") from None
        organisations.append(
            Organisation(
                r.field(raw, "name", str, where),
                r.location(r.field(raw, "location", dict, where), where + ".location"),
                document,
                references=tuple(_references(r, raw, where)) if references else (),
                origin=origin,
            )
        )

    findings = []
    for index, raw in enumerate(r.field(doc, "findings", list, "")):
        fast = _fast_finding(raw, origin)
        findings.append(fast or _finding(r, raw, f"findings[{index}]", origin))

    r.field(doc, "notApplicable", list, "")
    results = []
    for index, raw in enumerate(r.field(doc, "notEvaluated", list, "")):
        where = f"notEvaluated[{index}]"
        results.append(
            RuleResult(
                r.field(raw, "rule", str, where),
                r.field(raw, "system", str, where),
                "not_evaluated",
                r.field(raw, "reason", str, where),
            )
        )

    notes = []
    for index, raw in enumerate(r.field(doc, "problems", list, "")):
        where = f"problems[{index}]"
        kind = r.field(raw, "kind", str, where)
        loc = r.optional(raw, "location", dict, where)
        notes.append(
            Notification(
                kind if kind in ("load", "engine", "usage", "config") else "load",
                r.field(raw, "code", str, where),
                f"{origin}: {r.field(raw, 'message', str, where)}",
                r.location(loc, where + ".location") if loc is not None else None,
                r.optional(raw, "rule", str, where),
                r.optional(raw, "system", str, where),
            )
        )

    report = Report(
        tool_version,
        today,
        fail_on,
        tuple(rules),
        tuple(systems),
        tuple(findings),
        tuple(results),
        tuple(notes),
        tuple(sorted({s.location.file for s in systems})),
        organisations=tuple(organisations),
    )
    return report, Source(origin, path, today, tool_version, len(systems), len(findings))


def _fast_location(loc: Any) -> Location | None:
    """A well-formed location, else None (see :func:`_fast_reference`)."""
    try:
        file, line, column = loc["file"], loc["line"], loc["column"]
        end_line, end_column = loc.get("endLine"), loc.get("endColumn")
    except (KeyError, TypeError, AttributeError):
        return None
    if (
        type(file) is str
        and type(line) is int
        and type(column) is int
        and (end_line is None or type(end_line) is int)
        and (end_column is None or type(end_column) is int)
    ):
        return Location(file, line, column, end_line, end_column)
    return None


def _fast_finding(raw: Any, origin: str) -> Finding | None:
    """The common case, a well-formed finding with no suppression, as :func:`_fast_reference`
    does for references; None sends anything else to :func:`_finding`."""
    try:
        rule, severity, message = raw["rule"], raw["severity"], raw["message"]
        json_path, identity, controls, state = (
            raw["jsonPath"],
            raw["identity"],
            raw["controls"],
            raw["state"],
        )
        ident, system, item = identity["path"], identity.get("system"), identity.get("item")
        if raw.get("suppression") is not None:
            return None
        location = _fast_location(raw["location"])
    except (KeyError, TypeError, AttributeError):
        return None
    if not (
        location is not None
        and type(rule) is str
        and severity in ("error", "warning", "note")
        and type(message) is str
        and type(json_path) is str
        and type(ident) is str
        and (system is None or type(system) is str)
        and (item is None or type(item) is str)
        and state == "open"
        and type(controls) is list
        and all(type(c) is str for c in controls)
    ):
        return None
    return Finding(
        rule,
        severity,
        message,
        location,
        json_path,
        ident,
        system,
        item,
        tuple(controls),
        state,
        None,
        (),
        origin,
    )


def _fast_reference(ref: Any) -> EvidenceReference | None:
    """The common case, a well-formed reference, without the per-field bookkeeping of
    :class:`_Reader` (a merge of 1,000 reports reads hundreds of thousands); None sends
    anything unusual to the careful path, which names what is wrong."""
    try:
        path, text, status = ref["path"], ref["ref"], ref["status"]
        location = _fast_location(ref["location"])
    except (KeyError, TypeError, AttributeError):
        return None
    if location is None or not (type(path) is str and type(text) is str and type(status) is str):
        return None
    return EvidenceReference(path, text, status, location)


def _references(r: _Reader, raw: Any, where: str) -> list[EvidenceReference]:
    references = []
    for index, ref in enumerate(r.field(raw, "evidenceReferences", list, where)):
        fast = _fast_reference(ref)
        if fast is not None:
            references.append(fast)
            continue
        ref_where = f"{where}.evidenceReferences[{index}]"
        references.append(
            EvidenceReference(
                r.field(ref, "path", str, ref_where),
                r.field(ref, "ref", str, ref_where),
                r.field(ref, "status", str, ref_where),
                r.location(r.field(ref, "location", dict, ref_where), ref_where + ".location"),
            )
        )
    return references


def _finding(r: _Reader, raw: Any, where: str, origin: str) -> Finding:
    severity = r.field(raw, "severity", str, where)
    if severity not in ("error", "warning", "note"):
        raise r.fail(f"{where}.severity", f"unknown severity {severity!r}")
    state = r.field(raw, "state", str, where)
    if state not in ("open", "waived", "baselined"):
        raise r.fail(f"{where}.state", f"unknown state {state!r}")
    identity = r.field(raw, "identity", dict, where)
    suppression = None
    sup = r.optional(raw, "suppression", dict, where)
    if sup is not None:
        sw = where + ".suppression"
        kind = r.field(sup, "kind", str, sw)
        if kind not in ("exception", "baseline"):
            raise r.fail(sw + ".kind", f"unknown kind {kind!r}")
        source = r.optional(sup, "source", dict, sw)
        suppression = Suppression(
            kind,
            r.field(sup, "justification", str, sw),
            r.optional(sup, "approver", str, sw),
            r.optional(sup, "expires", str, sw),
            r.location(source, sw + ".source") if source is not None else None,
        )
    return Finding(
        r.field(raw, "rule", str, where),
        severity,
        r.field(raw, "message", str, where),
        r.location(r.field(raw, "location", dict, where), where + ".location"),
        r.field(raw, "jsonPath", str, where),
        r.field(identity, "path", str, where + ".identity"),
        r.optional(identity, "system", str, where + ".identity"),
        r.optional(identity, "item", str, where + ".identity"),
        r.strings(raw, "controls", where),
        state,
        suppression,
        (),
        origin,
    )


def merge(parts: Sequence[tuple[Report, Source]], today: str, tool_version: str) -> Report:
    """One report of many: systems, findings and problems side by side (each already carries its
    origin), rules united by id. Two reports of one origin are refused: their systems could not
    be told apart."""
    parts = sorted(parts, key=lambda part: (part[1].origin, part[1].file))
    seen: dict[str, str] = {}
    for _, source in parts:
        other = seen.setdefault(source.origin, source.file)
        if other != source.file:
            raise ReportError(
                f"{source.file}: origin {source.origin!r} is also the origin of {other}; give "
                "each repository's report its own `check --origin NAME`"
            )
    rules: dict[str, RuleMeta] = {}
    for report, _ in parts:
        for meta in report.rules:
            rules.setdefault(meta.id, meta)
    fail_on = parts[0][0].fail_on if parts else "error"
    return Report(
        tool_version,
        today,
        fail_on,
        tuple(rules[k] for k in sorted(rules)),
        _chain(report.systems for report, _ in parts),
        _chain(report.findings for report, _ in parts),
        _chain(report.results for report, _ in parts),
        _chain(report.notifications for report, _ in parts),
        _chain(report.files for report, _ in parts),
        organisations=_chain(report.organisations for report, _ in parts),
    )


def with_origin(report: Report, origin: str) -> Report:
    """A report from a check, its systems and findings marked with ``origin`` for a merge."""
    return report._replace(
        systems=tuple(s._replace(origin=origin) for s in report.systems),
        findings=tuple(f._replace(origin=origin) for f in report.findings),
        organisations=tuple(o._replace(origin=origin) for o in report.organisations),
    )


def _chain(groups: Iterable[Sequence[Any]]) -> tuple[Any, ...]:
    out: list[Any] = []
    for group in groups:
        out.extend(group)
    return tuple(out)
