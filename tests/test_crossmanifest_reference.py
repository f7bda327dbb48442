"""The cross-manifest rules fold entries in one at a time, keeping only what can still matter.
Here they are checked against a plain reference written from the rules' documented meaning, which
sees every record at once: groups are the transitive closure of "shares a global id, or has none
and shares a name", and a
finding is decided over the whole group. Seeded random inputs exercise groups that are joined
late, ties between equally recent assessments and the same data set under several licences; the
folds must agree with the reference whatever order the manifests arrive in."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from aims_policy import registry
from aims_policy.engine import Entry, SetRule
from aims_policy.model import Location
from rules.crossmanifest import DataRecord, SupplierRecord

Found = set[tuple[str, str, str]]  # (system, location, message)


def _rule(rule_id: str) -> SetRule:
    return next(r for r in registry.load().set_rules if r.id == rule_id)


def _run(rule_id: str, entries: Iterable[Entry]) -> Found:
    return {(system, str(v.location), v.message) for system, v in _rule(rule_id).run(entries)}


def _groups(keys: list[set[str]]) -> list[list[int]]:
    """Indexes of records, grouped by the transitive closure of sharing a key (a plain search)."""
    left, groups = set(range(len(keys))), []
    while left:
        group: set[int] = set()
        todo = [min(left)]
        while todo:
            i = todo.pop()
            if i not in group:
                group.add(i)
                todo.extend(j for j in left if keys[i] & keys[j])
        left -= group
        groups.append(sorted(group))
    return groups


def _where(system: str, location: Location) -> str:
    return f"system {system} ({location})"


def _path_order(location: Location) -> tuple[str, int, int]:
    return location.file, location.line, location.col


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


# -- random manifests -------------------------------------------------------------------------


def _supplier_entries(rng: random.Random, count: int) -> list[Entry]:
    entries = []
    for m in range(count):
        file, system = f"m{m:02}.yaml", f"s{m % (count - 2)}"  # two systems share a name
        records = []
        for k in range(rng.randint(0, 3)):
            # a register id (or none), a name (or none); list ids repeat across manifests
            sid, name = rng.choice("ABCD"), rng.choice(["Alpha", "beta  Labs", "Gamma", ""])
            if rng.random() < 0.4:
                sid = ""
            assessed = rng.choice([None, "2026-01-10", "2026-03-01", "2026-03-01", "2025-02-02"])
            stale = assessed is not None and rng.random() < 0.3
            records.append(
                SupplierRecord(
                    sid,
                    _norm(name),
                    name or f"S{k}",
                    assessed,
                    stale,
                    f"spec.suppliers[S{k}]",
                    Location(file, 10 + 4 * k, 7),
                )
            )
        entries.append(Entry(system, file, tuple(records)))
    return entries


def _data_entries(rng: random.Random, count: int) -> list[Entry]:
    entries = []
    for m in range(count):
        file, system = f"m{m:02}.yaml", f"s{m}"
        records = []
        for k in range(rng.randint(0, 3)):
            # Only data sets with a uri are collected (matched by uri alone); the names vary
            # within one uri and repeat across uris, and neither may change the grouping.
            did, name = rng.choice("PQRS"), rng.choice(["Tickets", "tickets ", "Images", ""])
            licence = rng.choice(["MIT", "mit", "CC-BY-4.0", "CC-BY-4.0", "internal"])
            records.append(
                DataRecord(
                    did,
                    name or f"D{k}",
                    licence,
                    f"spec.dataSources[D{k}]",
                    Location(file, 30 + 5 * k, 9),
                )
            )
        entries.append(Entry(system, file, tuple(records)))
    return entries


# -- the reference ----------------------------------------------------------------------------


def _flatten(entries: list[Entry]) -> tuple[list[tuple[str, Any]], list[set[str]]]:
    """Every record with its system, and each record's keys: its global id if it has one, else
    (suppliers only; data records always have one) its matched name. A list id is local to one
    manifest and never a key."""
    flat = [(e.system, r) for e in entries for r in e.value]
    return flat, [
        {f"id:{r.gid}"} if r.gid else ({f"name:{r.key}"} if r.key else set()) for _s, r in flat
    ]


def _reference_suppliers(entries: list[Entry]) -> Found:
    flat, keys = _flatten(entries)
    found: Found = set()
    for group in _groups(keys):
        for i in group:
            system, record = flat[i]
            if record.assessed and not record.stale:
                continue
            mine = (record.location.file, system)
            current = [
                flat[j]
                for j in group
                if flat[j][1].assessed
                and not flat[j][1].stale
                and (flat[j][1].location.file, flat[j][0]) != mine
            ]
            if not current:
                continue
            newest = max(str(r.assessed) for _s, r in current)
            other_system, other = min(
                (c for c in current if str(c[1].assessed) == newest),
                key=lambda c: _path_order(c[1].location),
            )
            where = f"{_where(other_system, other.location)} on {other.assessed}"
            if not record.assessed:
                text = (
                    f"supplier {record.name} is assessed for {where} but not here; record that "
                    "assessment (`assessedOn`, `assessmentRef`) or assess the supplier"
                )
            else:
                text = (
                    f"supplier {record.name} was assessed on {record.assessed} here, which is "
                    f"out of date, but again for {where}; record the current assessment here"
                )
            found.add((system, str(record.location), text))
    return found


def _reference_data(entries: list[Entry]) -> Found:
    flat, keys = _flatten(entries)
    found: Found = set()
    for group in _groups(keys):
        members = sorted((flat[i] for i in group), key=lambda sr: _path_order(sr[1].location))
        if len({_norm(r.licence) for _s, r in members}) < 2:
            continue
        if len({(r.location.file, s) for s, r in members}) < 2:
            continue
        for system, record in members:
            others = [
                f"{r.licence} in {_where(s, r.location)}"
                for s, r in members
                if _norm(r.licence) != _norm(record.licence)
            ]
            shown = "; ".join(others[:3]) + (
                f" and {len(others) - 3} more" if len(others) > 3 else ""
            )
            found.add(
                (
                    system,
                    str(record.location),
                    f"data set {record.name} is licensed as "
                    f"{record.licence} here but as {shown}; find out the real licence and state "
                    "it the same way everywhere",
                )
            )
    return found


# -- the comparisons --------------------------------------------------------------------------


SEEDS = range(40)


def _case(make: Callable[[random.Random, int], list[Entry]], seed: int, low: int) -> list[Entry]:
    rng = random.Random(seed)
    return make(rng, rng.randint(low, 14))


#: rule -> (random manifests, the reference, the fewest manifests in a case)
CASES: dict[
    str, tuple[Callable[[random.Random, int], list[Entry]], Callable[[list[Entry]], Found], int]
] = {
    "AIMS-SET-002": (_supplier_entries, _reference_suppliers, 3),
    "AIMS-SET-003": (_data_entries, _reference_data, 2),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
@pytest.mark.parametrize("seed", SEEDS)
def test_fold_agrees_with_the_reference(rule_id: str, seed: int) -> None:
    make, reference, low = CASES[rule_id]
    entries = _case(make, seed, low)
    expected = reference(entries)
    assert _run(rule_id, entries) == expected
    random.Random(seed).shuffle(entries)
    assert _run(rule_id, entries) == expected


def test_the_random_inputs_reach_the_cases_that_matter() -> None:
    """The seeds above must include findings of each kind, not only clean runs."""
    suppliers = [
        m for s in SEEDS for _s, _l, m in _reference_suppliers(_case(_supplier_entries, s, 3))
    ]
    assert sum("but not here" in m for m in suppliers) >= 10
    assert sum("out of date" in m for m in suppliers) >= 10
    data = [m for s in SEEDS for _s, _l, m in _reference_data(_case(_data_entries, s, 2))]
    assert len(data) >= 20 and any(" more; " in m for m in data)


@pytest.mark.parametrize("seed", range(10))
def test_duplicate_names_do_not_depend_on_arrival_order(seed: int) -> None:
    """Whichever order the manifests arrive in, a message names the other places in path order."""
    rng = random.Random(seed)
    entries = [
        Entry(
            f"s{m}",
            f"m{m:02}.yaml",
            (rng.choice("abc"), Location(f"m{m:02}.yaml", 3 + 40 * (m % 3), 3)),
        )
        for m in range(12)
    ]
    expected = _run("AIMS-SET-001", entries)
    assert len(expected) == 12  # three names among twelve manifests: every one is repeated
    for _ in range(5):
        rng.shuffle(entries)
        assert _run("AIMS-SET-001", entries) == expected
