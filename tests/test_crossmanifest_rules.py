"""The cross-manifest rules (AIMS-SET-*) on small manifests written to a temporary directory,
against hand-written expectations of rule, file and line; their collected values cross worker
processes. Their fixture cases run in test_rule_fixtures.py, the randomised comparison with a
reference implementation is test_crossmanifest_reference.py.
"""

from __future__ import annotations

import datetime as _dt
import pickle
from pathlib import Path

import pytest
from _helpers import TODAY

from aims_policy import check, data, registry
from aims_policy.api import Options
from aims_policy.engine import SetRule

SET_RULES: list[SetRule] = [r for r in registry.load().set_rules if r.id.startswith("AIMS-SET-")]


# Line numbers in the expectations below are counted by hand from this template.
MANIFEST = """\
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: {name}
spec:
  owner: {{name: Ada Example, email: ada@example.com}}
  purpose: {{intendedUse: Demonstrate cross-manifest rules}}
  classification: {{riskLevel: low}}
  lifecycle: {{stage: design}}
  suppliers:
    - id: {supplier_id}
      name: {supplier_name}
      kind: api
{assessment}{register}  dataSources:
    - id: DS-tickets
      name: {data_name}
      purpose: training
      licence: {licence}
{uri}"""
NAME_LINE, SUPPLIER_LINE, ASSESSED_LINE = 4, 11, 14


def _manifest(
    path: Path,
    name: str,
    *,
    supplier_id: str = "SUP-lumen",
    supplier_name: str = "Lumen Language Labs GmbH",
    assessed: str | None = "2026-06-01",
    data_name: str = "Support tickets 2025",
    licence: str = "internal-owned",
    register: str | None = None,
    uri: str | None = None,
) -> Path:
    assessment = (
        f"      assessedOn: {assessed}\n      assessmentRef: https://example.com/a.md\n"
        if assessed
        else ""
    )
    path.write_text(
        MANIFEST.format(
            name=name,
            supplier_id=supplier_id,
            supplier_name=supplier_name,
            assessment=assessment,
            data_name=data_name,
            licence=licence,
            register=f"      organisationId: {register}\n" if register else "",
            uri=f"      uri: {uri}\n" if uri else "",
        )
    )
    return path


def _set_findings(paths: list[Path], rule_id: str, cwd: Path) -> list[tuple[str, str, int, str]]:
    # cwd only decides how files are displayed: findings name them relative to it.
    report = check([str(p) for p in paths], today=TODAY, cwd=str(cwd))
    assert not report.notifications, report.notifications
    return sorted(
        (f.rule_id, f.location.file, f.location.line, f.message)
        for f in report.findings
        if f.rule_id == rule_id
    )


def test_duplicate_names_reported_at_each_manifest(tmp_path: Path) -> None:
    a = _manifest(tmp_path / "a.yaml", "claims-triage")
    b = _manifest(tmp_path / "b.yaml", "claims-triage")
    c = _manifest(tmp_path / "c.yaml", "claims-summary")
    found = _set_findings([a, b, c], "AIMS-SET-001", tmp_path)
    assert [(r, f, line) for r, f, line, _ in found] == [
        ("AIMS-SET-001", "a.yaml", NAME_LINE),
        ("AIMS-SET-001", "b.yaml", NAME_LINE),
    ]
    assert "b.yaml:4" in found[0][3] and "a.yaml:4" in found[1][3]


def test_a_name_used_many_times_names_a_few_others(tmp_path: Path) -> None:
    paths = [_manifest(tmp_path / f"{n}.yaml", "twin") for n in "abcde"]
    found = _set_findings(paths, "AIMS-SET-001", tmp_path)
    assert len(found) == 5
    # c's message: the others in order, the key `name` at line 4, column 3 of each
    assert found[2][3] == (
        "the system name twin is also used by the 4 other manifests: "
        "a.yaml:4:3, b.yaml:4:3, d.yaml:4:3 and 1 more; give each system a "
        "unique `metadata.name`"
    )


def test_duplicate_names_in_one_file(tmp_path: Path) -> None:
    one = MANIFEST.format(
        name="same",
        supplier_id="SUP-x",
        supplier_name="X",
        assessment="",
        data_name="D",
        licence="MIT",
        register="",
        uri="",
    )
    path = tmp_path / "both.yaml"
    path.write_text(one + "---\n" + one)
    found = _set_findings([path], "AIMS-SET-001", tmp_path)
    second = one.count("\n") + 1 + NAME_LINE  # after the first document and the `---` line
    assert [(f, line) for _r, f, line, _m in found] == [
        ("both.yaml", NAME_LINE),
        ("both.yaml", second),
    ]


def test_unique_names_pass(tmp_path: Path) -> None:
    a = _manifest(tmp_path / "a.yaml", "one")
    b = _manifest(tmp_path / "b.yaml", "two")
    assert _set_findings([a, b], "AIMS-SET-001", tmp_path) == []


def test_supplier_assessed_in_one_manifest_only(tmp_path: Path) -> None:
    a = _manifest(tmp_path / "a.yaml", "one")
    b = _manifest(tmp_path / "b.yaml", "two", assessed=None)
    found = _set_findings([a, b], "AIMS-SET-002", tmp_path)
    assert [(r, f, line) for r, f, line, _ in found] == [("AIMS-SET-002", "b.yaml", SUPPLIER_LINE)]
    assert "a.yaml:14" in found[0][3] and "2026-06-01" in found[0][3]


def test_supplier_matched_by_name_across_different_ids(tmp_path: Path) -> None:
    a = _manifest(tmp_path / "a.yaml", "one", supplier_id="SUP-lumen")
    b = _manifest(
        tmp_path / "b.yaml",
        "two",
        supplier_id="LUMEN",
        supplier_name="lumen language labs  gmbh",
        assessed=None,
    )
    found = _set_findings([a, b], "AIMS-SET-002", tmp_path)
    assert [(f, line) for _r, f, line, _m in found] == [("b.yaml", SUPPLIER_LINE)]


def test_supplier_with_outdated_assessment_where_another_is_current(tmp_path: Path) -> None:
    a = _manifest(tmp_path / "a.yaml", "one", assessed="2026-06-01")
    b = _manifest(tmp_path / "b.yaml", "two", assessed="2025-11-21")  # one day past the interval
    c = _manifest(tmp_path / "c.yaml", "three", assessed="2025-11-22")  # due today: still current
    found = _set_findings([a, b, c], "AIMS-SET-002", tmp_path)
    assert [(f, line) for _r, f, line, _m in found] == [("b.yaml", ASSESSED_LINE)]
    assert "a.yaml:14" in found[0][3]


def test_suppliers_assessed_everywhere_pass(tmp_path: Path) -> None:
    a = _manifest(tmp_path / "a.yaml", "one", assessed="2026-06-01")
    b = _manifest(tmp_path / "b.yaml", "two", assessed="2026-02-01")
    c = _manifest(
        tmp_path / "c.yaml", "three", supplier_id="SUP-other", supplier_name="Other", assessed=None
    )
    assert _set_findings([a, b, c], "AIMS-SET-002", tmp_path) == []


def test_suppliers_are_matched_by_their_register_id_whatever_their_names(tmp_path: Path) -> None:
    """Two names, one `organisationId`: one supplier, so a's missing assessment is held against
    b's. The register id decides: the same name under another register id is another supplier."""
    a = _manifest(
        tmp_path / "a.yaml", "one", supplier_name="Lumen GmbH", assessed=None, register="V-0042"
    )
    b = _manifest(
        tmp_path / "b.yaml",
        "two",
        supplier_name="Lumen Language Labs",
        assessed="2026-06-01",
        register="V-0042",
    )
    c = _manifest(
        tmp_path / "c.yaml", "three", supplier_name="Lumen GmbH", assessed=None, register="V-0077"
    )
    found = _set_findings([a, b, c], "AIMS-SET-002", tmp_path)
    assert [(f, line) for _r, f, line, _m in found] == [("a.yaml", SUPPLIER_LINE)]
    assert "system two (b.yaml:14:7) on 2026-06-01" in found[0][3]


def test_a_list_id_shared_by_chance_makes_no_supplier_the_same(tmp_path: Path) -> None:
    """Issue "Rule pack v2", root cause D: list ids are unique only within their list."""
    a = _manifest(
        tmp_path / "a.yaml", "one", supplier_id="SUP-1", supplier_name="Alpha", assessed=None
    )
    b = _manifest(tmp_path / "b.yaml", "two", supplier_id="SUP-1", supplier_name="Beta")
    assert _set_findings([a, b], "AIMS-SET-002", tmp_path) == []


def test_the_supplier_fold_keeps_nothing_per_manifest_that_agrees() -> None:
    """A supplier assessed and current in every manifest can never be a finding: folding ten
    times as many such manifests must not take more memory (the report's own rows aside)."""
    import gc
    import tracemalloc

    from aims_policy.engine import Entry
    from aims_policy.model import Location
    from rules.crossmanifest import SupplierRecord

    rule = next(r for r in SET_RULES if r.id == "AIMS-SET-002")

    def held_after(count: int) -> int:
        fold = rule.start()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            where = Location(f"team{i}/m.yaml", 14, 19)
            fold.add(
                Entry(
                    f"system-{i}",
                    where.file,
                    (
                        SupplierRecord(
                            "SUP-x", "x", "X", "2026-06-01", False, "suppliers[SUP-x]", where
                        ),
                    ),
                )
            )
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
        assert list(fold.findings()) == []
        return held

    tracemalloc.start()
    try:
        small, large = held_after(200), held_after(2000)
    finally:
        tracemalloc.stop()
    # Holding each manifest's record would take well over 100 bytes for each of the 1,800 more.
    assert large - small < 20_000, (small, large)


def test_shared_data_set_with_conflicting_licences(tmp_path: Path) -> None:
    uri = "https://data.example.com/catalogue/support-tickets-2025"
    a = _manifest(tmp_path / "a.yaml", "one", licence="CC-BY-4.0", uri=uri)
    b = _manifest(tmp_path / "b.yaml", "two", licence="CC-BY-NC-4.0", uri=uri)
    # the same licence, spelt another way
    c = _manifest(tmp_path / "c.yaml", "three", licence="cc-by-4.0", uri=uri)
    found = _set_findings([a, b, c], "AIMS-SET-003", tmp_path)
    licence_line = 20
    assert [(f, line) for _r, f, line, _m in found] == [
        ("a.yaml", licence_line),
        ("b.yaml", licence_line),
        ("c.yaml", licence_line),
    ]
    message_b = found[1][3]
    assert "CC-BY-4.0 in system one (a.yaml:20" in message_b and "c.yaml:20" in message_b


def test_data_sets_with_equal_licences_pass(tmp_path: Path) -> None:
    a = _manifest(tmp_path / "a.yaml", "one")
    b = _manifest(tmp_path / "b.yaml", "two")
    c = _manifest(tmp_path / "c.yaml", "three", data_name="Other data", licence="MIT")
    # c shares only the list id DS-tickets, which is local to each manifest: another data set.
    assert _set_findings([a, b], "AIMS-SET-003", tmp_path) == []
    assert _set_findings([a, b, c], "AIMS-SET-003", tmp_path) == []


def test_data_sets_without_a_uri_are_not_matched_by_their_names(tmp_path: Path) -> None:
    """Two companies' "Support tickets 2025" are two data sets: a name is not a global id."""
    a = _manifest(tmp_path / "a.yaml", "one", licence="CC-BY-4.0")
    b = _manifest(tmp_path / "b.yaml", "two", licence="CC-BY-NC-4.0")
    assert _set_findings([a, b], "AIMS-SET-003", tmp_path) == []


def test_data_sets_are_matched_by_uri_whatever_their_names(tmp_path: Path) -> None:
    """One `uri`, two names and two licences: one data set declared two ways (20 is the licence
    line); another uri under the same name is another data set."""
    uri = "https://data.example.com/catalogue/support-tickets-2025"
    a = _manifest(tmp_path / "a.yaml", "one", uri=uri)
    b = _manifest(tmp_path / "b.yaml", "two", data_name="Tickets", licence="CC-BY-4.0", uri=uri)
    c = _manifest(tmp_path / "c.yaml", "three", licence="MIT", uri=uri + "-eu")
    found = _set_findings([a, b, c], "AIMS-SET-003", tmp_path)
    assert [(f, line) for _r, f, line, _m in found] == [("a.yaml", 20), ("b.yaml", 20)]


@pytest.mark.slow
def test_cross_manifest_rules_work_across_worker_processes(tmp_path: Path) -> None:
    """Entries cross process boundaries: collect() must return picklable values."""
    paths = [
        _manifest(
            tmp_path / f"m{i:02}.yaml", f"system-{i}", assessed=None if i == 7 else "2026-06-01"
        )
        for i in range(52)
    ]
    paths.append(_manifest(tmp_path / "dup.yaml", "system-3"))
    options = Options(today=_dt.date.fromisoformat(TODAY), jobs=2, data=data.load())
    report = check([str(p) for p in paths], options=options, cwd=str(tmp_path))
    assert not report.notifications, report.notifications
    got = sorted(
        (f.rule_id, f.location.file) for f in report.findings if f.rule_id.startswith("AIMS-SET-")
    )
    assert got == [
        ("AIMS-SET-001", "dup.yaml"),
        ("AIMS-SET-001", "m03.yaml"),
        ("AIMS-SET-002", "m07.yaml"),
    ]


def test_collected_values_pickle() -> None:
    from aims_policy.engine import make_context
    from aims_policy.model import Location

    manifest = {
        "metadata": {"name": "x"},
        "spec": {
            "suppliers": [{"id": "S", "name": "S", "kind": "api", "assessedOn": "2026-01-01"}],
            "dataSources": [{"id": "D", "purpose": "training", "licence": "MIT"}],
        },
    }
    ctx = make_context(manifest, data.load(), _dt.date.fromisoformat(TODAY))
    for rule in SET_RULES:
        value = rule.collect(ctx, lambda path: Location("x.yaml", len(path)))
        assert pickle.loads(pickle.dumps(value)) == value
