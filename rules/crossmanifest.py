"""Rules over the whole set of manifests: duplicate system names, suppliers assessed in one
manifest and not in another, shared data sets declared with different licences.

Suppliers and data sets are matched across manifests by an identifier meant to be global (a
supplier's `organisationId` in the organisation's register, a data set's `uri`); never by their
list `id`, which the schema makes unique only within one list, so that two unrelated ``DS-1`` in
two manifests are two data sets. Suppliers without an `organisationId` are matched by name (the
rule is a note: a supplier's name names a company). Data sets are matched by `uri` only: names
such as "Historical applications" are reused for unrelated data, and a licence conflict between
two different data sets would be a false alarm that teaches people to waive the rule.

``collect`` runs once per manifest (in worker processes) and returns small picklable tuples of
strings, dates as text and Locations. Each rule is a fold: the parent process hands it each
manifest's entry as it arrives (``add``) and asks for the findings at the end. A fold keeps what
can still become a finding or decide one, not everything it was given: a supplier assessed and
current everywhere costs one record however many manifests use it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, Generic, TypeVar

from aims_policy.engine import Context, Entry, Violation, eu, identity, located, nist, set_rule
from aims_policy.model import Location
from aims_policy.paths import Path
from aims_policy.records import Record

from .facts import due_by

Locate = Callable[[Path], Location]
G = TypeVar("G")


def _key(text: Any) -> str:
    return " ".join(str(text).lower().split()) if text else ""


class _Groups(Generic[G]):
    """Records that share any key (an id or a name), transitively, each group folded into one
    state as its records come in: a small union-find whose merges combine the two states."""

    def __init__(self, new: Callable[[], G], merge: Callable[[G, G], None]) -> None:
        self._new, self._merge = new, merge
        self._parent: list[int] = []
        self._states: list[G | None] = []  # by group; None once merged into another
        self._by_key: dict[str, int] = {}

    def _root(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def of(self, keys: Iterable[str]) -> G:
        """The state of the group that a record with ``keys`` belongs to, joining any groups
        the record links."""
        keys = [k for k in keys if k]
        roots = sorted({self._root(self._by_key[k]) for k in keys if k in self._by_key})
        if not roots:
            roots = [len(self._parent)]
            self._parent.append(roots[0])
            self._states.append(self._new())
        target = roots[0]
        state = self._states[target]
        assert state is not None  # a root's state is never merged away
        for other in roots[1:]:
            merged = self._states[other]
            assert merged is not None
            self._merge(state, merged)
            self._states[other], self._parent[other] = None, target
        for k in keys:
            self._by_key.setdefault(k, target)
        return state

    def __iter__(self) -> Iterator[G]:
        return (state for state in self._states if state is not None)


def _keys(record: Any) -> tuple[str, ...]:
    """What makes two supplier records the same supplier: the global id when the record has
    one (two records with different global ids are different, whatever their names), else the
    name as matched. Records with neither match nothing."""
    if record.gid:
        return (f"id:{record.gid}",)
    return (f"name:{record.key}",) if record.key else ()


def _where(system: str, location: Location) -> str:
    return f"system {system} ({location})"


def _order(location: Location) -> tuple[str, int, int]:
    """Where a record is, as a sort key: messages list other manifests in path order."""
    return location.file, location.line, location.col


#: How many other places a message names before it says "and N more": a name shared by
#: thousands of manifests must not make every finding list all of them (quadratic output).
SHOWN = 3


def _some(places: Iterable[str], count: int, sep: str = ", ") -> str:
    """The first few of ``count`` places (read lazily: a name used by thousands of manifests
    gives each of them a finding, and none must walk the whole list)."""
    shown = sep.join(islice(places, SHOWN))
    rest = count - SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


# -- duplicate system names -----------------------------------------------------------------


def _collect_name(ctx: Context, locate: Locate) -> tuple[str, Location]:
    return str(ctx.get("metadata.name", "")), locate(("metadata", "name"))


@set_rule(
    collect=_collect_name,
    id="AIMS-SET-001",
    title="Every system has a name of its own across all manifests",
    severity="error",
    clauses=["4.3", "7.5.3"],
    eu_ai_act=[eu("Art. 17(1)(m)", "high")],
    nist_ai_rmf=[nist("GOVERN 2.1"), nist("MAP 1.3")],
    tags=["inventory"],
    rationale="""The system name is how findings, exceptions, baselines and owners are tied to a
        system; two manifests with the same name make the inventory ambiguous and let one
        system's waivers apply to the other.""",
    remediation="""Rename one of the systems (`metadata.name`), or merge the manifests if they
        describe the same system.""",
)
class DuplicateNames:
    """Each name's first manifest, and every manifest of a name used more than once."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, Location]] = {}
        self.repeated: dict[str, list[tuple[str, Location]]] = {}

    def add(self, entry: Entry) -> None:
        # A manifest whose name is missing or not a name is not collected from (its name does
        # not match the schema: the rule is not evaluated there), so every name here is one.
        name, location = entry.value
        seen = (entry.system, location)
        if name in self.repeated:
            self.repeated[name].append(seen)
        elif name in self.first:
            self.repeated[name] = [self.first.pop(name), seen]
        else:
            self.first[name] = seen

    def findings(self) -> Iterator[tuple[str, Violation]]:
        for name, arrived in sorted(self.repeated.items()):
            found = sorted(arrived, key=lambda seen: _order(seen[1]))
            places = [str(loc) for _s, loc in found]
            for index, (system, location) in enumerate(found):
                others = _some((p for i, p in enumerate(places) if i != index), len(found) - 1)
                where = "manifest at" if len(found) == 2 else f"{len(found) - 1} other manifests:"
                yield (
                    system,
                    located(location, ("metadata", "name")).fail(
                        f"the system name {name} is also used by the {where} "
                        f"{others}; give each system a unique `metadata.name`"
                    ),
                )


# -- suppliers ------------------------------------------------------------------------------


class SupplierRecord(Record):
    gid: str  # organisationId, the supplier's id across manifests; "" if none
    key: str  # the name, normalised for matching
    name: str
    assessed: str | None
    stale: bool
    ident: str
    location: Location


def _collect_suppliers(ctx: Context, locate: Locate) -> tuple[SupplierRecord, ...]:
    out = []
    for item in ctx.each("spec.suppliers"):
        assessed = item.get("assessedOn")
        due = due_by(ctx, assessed)
        stale = due is not None and due < ctx.today
        field: Path = (*item.path, "assessedOn") if assessed else item.path
        out.append(
            SupplierRecord(
                str(item.get("organisationId") or ""),
                _key(item.get("name")),
                str(item.get("name")),
                assessed,
                stale,
                identity(ctx, item.path),
                locate(field),
            )
        )
    return tuple(out)


class _Held(Record):
    """A supplier record kept by the fold, with the system that declared it."""

    system: str
    record: SupplierRecord

    @property
    def manifest(self) -> tuple[str, str]:
        return self.record.location.file, self.system

    @property
    def assessed(self) -> str:
        return str(self.record.assessed)

    @property
    def order(self) -> tuple[str, int, int]:
        return _order(self.record.location)


class _Supplier:
    """What the fold keeps of one supplier (a group of records).

    ``newest`` is the most recent current assessment (the first in path order among equals) and
    ``runner_up`` the same among manifests other than ``newest``'s: between them they answer "the
    newest assessment recorded for another manifest" for any manifest. ``lacking`` holds the
    records without a current assessment, the only ones that can become findings."""

    __slots__ = ("lacking", "newest", "runner_up")

    def __init__(self) -> None:
        self.newest: _Held | None = None
        self.runner_up: _Held | None = None
        self.lacking: list[_Held] = []

    def rank(self, *candidates: _Held | None) -> None:
        pool = sorted(
            (c for c in (self.newest, self.runner_up, *candidates) if c is not None),
            key=lambda h: h.order,
        )
        pool.sort(key=lambda h: h.assessed, reverse=True)  # stable: path order among equals
        self.newest = newest = pool[0] if pool else None
        self.runner_up = next((h for h in pool if newest and h.manifest != newest.manifest), None)

    def merge(self, joined: _Supplier) -> None:
        self.rank(joined.newest, joined.runner_up)
        self.lacking.extend(joined.lacking)

    def assessed_elsewhere(self, held: _Held) -> _Held | None:
        """The newest current assessment of this supplier in a manifest other than ``held``'s."""
        if self.newest is not None and self.newest.manifest == held.manifest:
            return self.runner_up
        return self.newest


@set_rule(
    collect=_collect_suppliers,
    id="AIMS-SET-002",
    title="A supplier shared by several systems is assessed for all of them",
    # A note: the gap itself (no current assessment here) is AIMS-SUP-001's, on the same supplier;
    # this adds only where a current assessment of it can be found. As a warning it reported one
    # gap twice whenever a folder was checked as a whole.
    severity="note",
    controls=["A.10.3"],
    eu_ai_act=[eu("Art. 25(4)", "high")],
    nist_ai_rmf=[nist("GOVERN 6.1"), nist("GOVERN 6.2"), nist("MANAGE 3.1")],
    tags=["third-party"],
    rationale="""When one system's team has assessed a supplier and another system relies on
        the same supplier without an assessment, or with an outdated one, the organisation's
        view of that supplier is inconsistent; usually one assessment can serve both, but it
        must be recorded for each. AIMS-SUP-001 reports the missing or outdated assessment; this
        note points to the current one recorded for another system.""",
    remediation="""Record the current assessment (`assessedOn` and `assessmentRef`) for the
        supplier in every manifest that uses it, or reassess it.""",
)
class SupplierConsistency:
    def __init__(self) -> None:
        self.suppliers = _Groups(_Supplier, _Supplier.merge)

    def add(self, entry: Entry) -> None:
        for record in entry.value:
            supplier = self.suppliers.of(_keys(record))
            held = _Held(entry.system, record)
            if record.assessed and not record.stale:
                supplier.rank(held)
            else:
                supplier.lacking.append(held)

    def findings(self) -> Iterator[tuple[str, Violation]]:
        for supplier in self.suppliers:
            for held in supplier.lacking:
                found = supplier.assessed_elsewhere(held)
                if found is None:
                    continue
                record = held.record
                where = f"{_where(found.system, found.record.location)} on {found.assessed}"
                # Identity, not position, so that fingerprints survive reordering the suppliers.
                path: Path = ("spec", record.ident.split(".", 1)[1])
                if not record.assessed:
                    text = (
                        f"supplier {record.name} is assessed for {where} but not here; record "
                        "that assessment (`assessedOn`, `assessmentRef`) or assess the supplier"
                    )
                else:
                    text = (
                        f"supplier {record.name} was assessed on {record.assessed} here, which "
                        f"is out of date, but again for {where}; record the current "
                        "assessment here"
                    )
                    path = (*path, "assessedOn")
                yield held.system, located(record.location, path).fail(text)


# -- shared data sets -----------------------------------------------------------------------


class DataRecord(Record):
    gid: str  # uri, the data set's id across manifests (records without one are not collected)
    name: str
    licence: str
    ident: str
    location: Location


def _collect_data(ctx: Context, locate: Locate) -> tuple[DataRecord, ...]:
    out = []
    for item in ctx.each("spec.dataSources"):
        licence, uri = item.get("licence"), item.get("uri")
        if licence and uri:
            out.append(
                DataRecord(
                    str(uri),
                    str(item.get("name") or item.name),
                    str(licence),
                    identity(ctx, item.path),
                    locate((*item.path, "licence")),
                )
            )
    return tuple(out)


class _Use(Record):
    """One manifest's declaration of a data set, as a finding would need it."""

    system: str
    location: Location
    name: str
    licence: str
    ident: str


#: What the fold keeps of one data set (a group of records): for each way of declaring it
#: (name, licence, identity), the systems and positions that do so.
_Uses = dict[tuple[str, str, str], list[tuple[str, Location]]]


def _merge_uses(into: _Uses, joined: _Uses) -> None:
    for variant, places in joined.items():
        into.setdefault(variant, []).extend(places)


@set_rule(
    collect=_collect_data,
    id="AIMS-SET-003",
    title="A data set shared by several systems has one licence",
    severity="warning",
    controls=["A.7.3"],
    eu_ai_act=[eu("Art. 10(2)(b)", "high"), eu("Art. 53(1)(c)-(d)", "medium")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.10")],
    tags=["data", "legal"],
    rationale="""A data set has one set of terms; when two systems declare the same data with
        different licences, at least one of them is wrong about what it may do with it.""",
    remediation="""Check the data set's actual licence and state it identically in every
        manifest that uses it (or, if they are different data sets, give each its own `uri`).
        Data sets are matched by `uri` only: give a shared data set the same `uri` everywhere
        so that this rule can compare its licences.""",
)
class SharedDataLicence:
    """Every use is kept to the end, since a licence declared differently by any later manifest
    makes findings of them all; what is kept of each is its system and position."""

    def __init__(self) -> None:
        self.data_sets: _Groups[_Uses] = _Groups(dict, _merge_uses)

    def add(self, entry: Entry) -> None:
        for record in entry.value:
            uses = self.data_sets.of((f"id:{record.gid}",))
            places = uses.setdefault((record.name, record.licence, record.ident), [])
            places.append((entry.system, record.location))

    def findings(self) -> Iterator[tuple[str, Violation]]:
        for uses in self.data_sets:
            if len({_key(licence) for _name, licence, _ident in uses}) < 2:
                continue
            found = sorted(
                (
                    _Use(system, location, *variant)
                    for variant, places in uses.items()
                    for system, location in places
                ),
                key=lambda u: _order(u.location),
            )
            if len({(u.location.file, u.system) for u in found}) < 2:
                continue  # one manifest contradicting itself: not this rule's concern
            others: dict[str, str] = {}  # licence -> the places that state another
            for use in found:
                key = _key(use.licence)
                if key not in others:
                    differ = [
                        f"{u.licence} in {_where(u.system, u.location)}"
                        for u in found
                        if _key(u.licence) != key
                    ]
                    others[key] = _some(differ, len(differ), "; ")
                yield (
                    use.system,
                    located(use.location, ("spec", use.ident.split(".", 1)[1], "licence")).fail(
                        f"data set {use.name} is "
                        f"licensed as {use.licence} here but as {others[key]}; find out the real "
                        "licence and state it the same way everywhere"
                    ),
                )
