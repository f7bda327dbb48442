"""Rules over the whole set of manifests: duplicate system names, suppliers assessed in one
manifest and not in another, shared data sets declared with different licences.

``collect`` runs once per manifest (in worker processes) and returns small picklable tuples of
strings, dates as text and Locations; ``check`` runs once over everything collected."""

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from aims_policy.engine import Context, Entry, Violation, identity, set_rule
from aims_policy.model import Location
from aims_policy.paths import Path

from ._common import eu_refs
from .facts import due_by

Locate = Callable[[Path], Location]



def _key(text: Any) -> str:
    return " ".join(str(text).lower().split()) if text else ""


def _groups(records: list[tuple[Entry, Any]], keys: Callable[[Any], tuple[str, ...]]) -> list[list[tuple[Entry, Any]]]:
    """Records that share any key (an id or a name), transitively: a small union-find."""
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for index, (_entry, record) in enumerate(records):
        for key in keys(record):
            if not key:
                continue
            if key in seen:
                parent[root(index)] = root(seen[key])
            else:
                seen[key] = index
    grouped: dict[int, list[tuple[Entry, Any]]] = {}
    for index, item in enumerate(records):
        grouped.setdefault(root(index), []).append(item)
    return [g for g in grouped.values() if len({(e.file, e.system) for e, _ in g}) > 1]


def _where(entry: Entry, location: Location) -> str:
    return f"system {entry.system} ({location})"


#: How many other places a message names before it says "and N more": a name shared by
#: thousands of manifests must not make every finding list all of them (quadratic output).
SHOWN = 3


def _some(places: Sequence[str], sep: str = ", ") -> str:
    shown = sep.join(places[:SHOWN])
    rest = len(places) - SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


# -- duplicate system names -----------------------------------------------------------------


def _collect_name(ctx: Context, locate: Locate) -> tuple[str, Location]:
    return str(ctx.get("metadata.name", "")), locate(("metadata", "name"))


@set_rule(
    collect=_collect_name,
    id="AIMS-SET-001",
    title="Every system has a name of its own across all manifests",
    severity="error",
    controls=["A.3.2"],
    clauses=["7.5.3"],
    eu_ai_act=eu_refs(("Art. 17(1)(m)", "high")),
    nist_ai_rmf=["GOVERN 2.1", "MAP 1.3"],
    tags=["inventory"],
    rationale="""The system name is how findings, exceptions, baselines and owners are tied to a
        system; two manifests with the same name make the inventory ambiguous and let one
        system's waivers apply to the other.""",
    remediation="""Rename one of the systems (`metadata.name`), or merge the manifests if they
        describe the same system.""",
)
def duplicate_names(entries: Sequence[Entry]) -> Iterator[tuple[str, Violation]]:
    by_name: dict[str, list[tuple[Entry, Location]]] = {}
    for entry in entries:
        name, location = entry.value
        if name:
            by_name.setdefault(name, []).append((entry, location))
    for name, found in sorted(by_name.items()):
        if len(found) < 2:
            continue
        places = [str(loc) for _e, loc in found]
        for index, (entry, location) in enumerate(found):
            others = _some([p for i, p in enumerate(places) if i != index])
            where = "manifest at" if len(found) == 2 else f"{len(found) - 1} other manifests:"
            yield entry.system, Violation(
                ("metadata", "name"), f"the system name {name} is also used by the {where} "
                f"{others}; give each system a unique `metadata.name`", location=location)  # fmt: skip


# -- suppliers ------------------------------------------------------------------------------


class SupplierRecord(NamedTuple):
    id: str
    key: str  # the name, normalised for matching
    name: str
    assessed: str | None
    stale: bool
    ident: str
    location: Location


class DataRecord(NamedTuple):
    id: str
    key: str
    name: str
    licence: str
    ident: str
    location: Location


def _collect_suppliers(ctx: Context, locate: Locate) -> tuple[SupplierRecord, ...]:
    out = []
    for item in ctx.each("spec.suppliers"):
        assessed = item.get("assessedOn")
        due = due_by(ctx, assessed)
        stale = due is not None and due < ctx.today
        field: Path = (*item.path, "assessedOn") if assessed else item.path
        out.append(SupplierRecord(item.name, _key(item.get("name")), str(item.get("name")),
                                  assessed, stale, identity(ctx, item.path), locate(field)))  # fmt: skip
    return tuple(out)


@set_rule(
    collect=_collect_suppliers,
    id="AIMS-SET-002",
    title="A supplier shared by several systems is assessed for all of them",
    severity="warning",
    controls=["A.10.3"],
    eu_ai_act=eu_refs(("Art. 25(4)", "high")),
    nist_ai_rmf=["GOVERN 6.1", "GOVERN 6.2", "MANAGE 3.1"],
    tags=["third-party"],
    rationale="""When one system's team has assessed a supplier and another system relies on
        the same supplier without an assessment, or with an outdated one, the organisation's
        view of that supplier is inconsistent; usually one assessment can serve both, but it
        must be recorded for each.""",
    remediation="""Record the current assessment (`assessedOn` and `assessmentRef`) for the
        supplier in every manifest that uses it, or reassess it.""",
)
def supplier_consistency(entries: Sequence[Entry]) -> Iterator[tuple[str, Violation]]:
    records = [(entry, record) for entry in entries for record in entry.value]
    for group in _groups(records, lambda r: (f"id:{r.id}", f"name:{r.key}" if r.key else "")):
        current = sorted(((e, r) for e, r in group if r.assessed and not r.stale),
                         key=lambda er: str(er[1].assessed), reverse=True)  # fmt: skip
        for entry, record in group:
            if record.assessed and not record.stale:
                continue
            # The most recent assessment recorded for another manifest (sorted newest first, so
            # the scan stops at once unless the newest is this manifest's own).
            mine = (entry.file, entry.system)
            found = next(((e, r) for e, r in current if (e.file, e.system) != mine), None)
            if found is None:
                continue
            other_entry, other = found
            where = f"{_where(other_entry, other.location)} on {other.assessed}"
            # Identity, not position, so that fingerprints survive reordering the supplier list.
            path: Path = ("spec", record.ident.split(".", 1)[1])
            if not record.assessed:
                text = (f"supplier {record.name} is assessed for {where} but not here; record that "
                        "assessment (`assessedOn`, `assessmentRef`) or assess the supplier")
            else:
                text = (f"supplier {record.name} was assessed on {record.assessed} here, which is "
                        f"out of date, but again for {where}; record the current assessment here")
                path = (*path, "assessedOn")
            yield entry.system, Violation(path, text, location=record.location)


# -- shared data sets -----------------------------------------------------------------------


def _collect_data(ctx: Context, locate: Locate) -> tuple[DataRecord, ...]:
    out = []
    for item in ctx.each("spec.dataSources"):
        licence = item.get("licence")
        if licence:
            out.append(DataRecord(item.name, _key(item.get("name")), str(item.get("name") or item.name),
                                  str(licence), identity(ctx, item.path),
                                  locate((*item.path, "licence"))))  # fmt: skip
    return tuple(out)


@set_rule(
    collect=_collect_data,
    id="AIMS-SET-003",
    title="A data set shared by several systems has one licence",
    severity="warning",
    controls=["A.7.3"],
    eu_ai_act=eu_refs(("Art. 10(2)(b)", "high"), ("Art. 53(1)(c)-(d)", "medium")),
    nist_ai_rmf=["MAP 2.3", "MEASURE 2.10"],
    tags=["data", "legal"],
    rationale="""A data set has one set of terms; when two systems declare the same data with
        different licences, at least one of them is wrong about what it may do with it.""",
    remediation="""Check the data set's actual licence and state it identically in every
        manifest that uses it (or give different data sets different ids and names).""",
)
def shared_data_licence(entries: Sequence[Entry]) -> Iterator[tuple[str, Violation]]:
    records = [(entry, record) for entry in entries for record in entry.value]
    for group in _groups(records, lambda r: (f"id:{r.id}", f"name:{r.key}" if r.key else "")):
        if len({_key(r.licence) for _e, r in group}) < 2:
            continue
        for entry, record in group:
            others = _some([f"{o.licence} in {_where(e, o.location)}" for e, o in group
                            if _key(o.licence) != _key(record.licence)], "; ")  # fmt: skip
            yield entry.system, Violation(
                ("spec", record.ident.split(".", 1)[1], "licence"), f"data set {record.name} is "
                f"licensed as {record.licence} here but as {others}; find out the real licence and "
                "state it the same way everywhere", location=record.location)  # fmt: skip
