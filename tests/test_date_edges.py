"""Dates at the edges of the calendar: 0001-01-01 and 9999-12-31 are valid dates, in a manifest
and as ``--today``, and no rule may crash on them (a crash is exit 2 with an engine problem, which
hides every finding the rule should have reported).

Date arithmetic that would leave the calendar is clamped: a review due after 9999-12-31 is never
due, since no today comes after it. The expected outcomes below are written by hand from the
rules' documented meaning, not taken from their output.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _helpers import BASE, MANIFESTS, ROOT, TODAY, aims

from aims_policy.api import check
from aims_policy.loader import load_bytes
from aims_policy.model import Report

SCHEMA = ROOT / "aims_policy" / "schema" / "manifest-v1.schema.json"
FIRST, LAST = "0001-01-01", "9999-12-31"
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _date_fields() -> frozenset[str]:
    """Every property the manifest schema declares a date: what "every date field" means."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get("$ref") == "#/$defs/date":
                    found.add(name)
            for sub in node.values():
                walk(sub)
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    walk(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return frozenset(found)


DATE_FIELDS = _date_fields()


def _redate(node: Any, day: str, seen: set[str]) -> Any:
    """``node`` with every date field set to ``day``; ``seen`` collects the fields met."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in DATE_FIELDS and isinstance(value, str) and DATE.match(value):
                seen.add(key)
                out[key] = day
            else:
                out[key] = _redate(value, day, seen)
        return out
    if isinstance(node, list):
        return [_redate(item, day, seen) for item in node]
    return node


def _documents(path: Path) -> list[Any]:
    loaded = load_bytes(path.read_bytes(), path.name, json_syntax=path.suffix == ".json")
    return [doc.data for doc in loaded.documents]


def _manifest_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml", ".json") and "evidence" not in p.relative_to(folder).parts
    )


def _write(path: Path, documents: list[Any]) -> None:
    # JSON is YAML, so a multi-document YAML file stays one file (its evidence paths are relative
    # to it); a .json file holds exactly one document.
    path.write_text(
        "\n---\n".join(json.dumps(doc, indent=1) for doc in documents) + "\n", encoding="utf-8"
    )


def _edge_base(day: str) -> dict[str, Any]:
    """The compliant base manifest with every date field the schema has present and set to
    ``day``: the fields base.yaml leaves out (an exception's expiry, the notification of the
    fundamental rights assessment, a data snapshot's date) are added."""
    (base,) = _documents(BASE)
    base["metadata"]["exceptions"] = [
        {
            "rule": "AIMS-GOV-003",
            "justification": "edge test",
            "approver": "Daniel Okafor",
            "approvedOn": TODAY,
            "expires": TODAY,
        }
    ]
    rights = base["spec"]["impactAssessment"].setdefault("fundamentalRights", {})
    rights["notifiedOn"] = TODAY
    base["spec"]["dataSources"][0]["frozenOn"] = TODAY
    seen: set[str] = set()
    edged: dict[str, Any] = _redate(base, day, seen)
    assert seen == DATE_FIELDS, f"date fields the edge manifest lacks: {sorted(DATE_FIELDS - seen)}"
    return edged


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example manifests as written and with every date field set to each edge, each set in a
    copy of manifests/ (evidence included) plus the base manifest with every date field."""
    folders = {"as written": MANIFESTS}
    for day in (FIRST, LAST):
        folder = tmp_path_factory.mktemp(f"manifests-{day}") / "manifests"
        shutil.copytree(MANIFESTS, folder)
        seen: set[str] = set()
        for path in _manifest_files(folder):
            _write(path, [_redate(doc, day, seen) for doc in _documents(path)])
        _write(folder / "every-date-field.yaml", [_edge_base(day)])
        assert len(seen) > 10, "the rewrite missed the example manifests' dates"
        folders[f"every date {day}"] = folder
    return folders


def _problems(report: Report) -> list[str]:
    return [f"{n.kind} {n.rule_id}: {n.message}" for n in report.notifications]


@pytest.mark.parametrize("today", [FIRST, LAST, TODAY])
@pytest.mark.parametrize("variant", ["as written", f"every date {FIRST}", f"every date {LAST}"])
def test_every_example_checks_without_a_rule_crash(
    examples: dict[str, Path], variant: str, today: str
) -> None:
    folder = examples[variant]
    report = check([str(folder)], today=today, cwd=str(folder.parent))
    assert _problems(report) == []
    assert report.exit_code in (0, 1)
    checked = {Path(folder.parent, file).resolve() for file in report.files}
    assert {p.resolve() for p in _manifest_files(folder)} <= checked


@pytest.mark.parametrize("today", [FIRST, LAST])
def test_the_command_line_runs_at_the_edges(examples: dict[str, Path], today: str) -> None:
    folder = examples[f"every date {LAST}"]
    result = aims(
        "check",
        "--no-config",
        "--no-color",
        "--today",
        today,
        "--root",
        str(folder),
        str(folder),
    )
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 1), output
    assert "Traceback" not in output and "failed on this manifest" not in output


@pytest.mark.parametrize("value", ["notadate", "2026-02-30", "0000-01-01", "10000-01-01", "", " "])
def test_a_today_that_is_not_a_date_is_refused(value: str) -> None:
    result = aims("check", "--no-config", "--today", value, str(BASE))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: Invalid value for '--today': {value!r} is not a date; write YYYY-MM-DD"
    ]


# -- outcomes at the edges, by hand ---------------------------------------------------------


def _manifest(tmp_path: Path, changes: dict[str, Any], *, drop: tuple[str, ...] = ()) -> Path:
    """base.yaml with ``changes`` ({"spec.lifecycle.lastReview": ...}) applied and ``drop``
    removed, written as a file in ``tmp_path``."""
    (base,) = _documents(BASE)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node = base
        for key in parents:
            node = node[key]
        node[leaf] = value
    for dotted in drop:
        *parents, leaf = dotted.split(".")
        node = base
        for key in parents:
            node = node[key]
        del node[leaf]
    path = tmp_path / "system.yaml"
    _write(path, [base])
    return path


def _fired(path: Path, today: str, rule_id: str) -> list[str]:
    report = check([str(path)], today=today, cwd=str(path.parent))
    assert _problems(report) == []
    return [f"{f.ident}: {f.message}" for f in report.findings if f.rule_id == rule_id]


def test_a_review_last_held_on_the_last_day_is_never_overdue(tmp_path: Path) -> None:
    # Without nextReview the due day is lastReview + 12 months, past the end of the calendar.
    path = _manifest(
        tmp_path, {"spec.lifecycle.lastReview": LAST}, drop=("spec.lifecycle.nextReview",)
    )
    assert _fired(path, TODAY, "AIMS-GOV-005") == []
    assert _fired(path, LAST, "AIMS-GOV-005") == []


def test_a_review_from_2026_is_overdue_on_the_last_day() -> None:
    assert _fired(BASE, LAST, "AIMS-GOV-005") == [
        f"spec.lifecycle.nextReview: the system review was due on 2027-06-15 and is "
        f"{(_dt.date.max - _dt.date(2027, 6, 15)).days} days overdue; hold it and record the new "
        "`lastReview` and `nextReview`"
    ]


def test_a_review_due_on_the_last_day_is_still_on_time(tmp_path: Path) -> None:
    path = _manifest(
        tmp_path, {"spec.lifecycle.lastReview": "9999-06-30", "spec.lifecycle.nextReview": LAST}
    )
    assert _fired(path, LAST, "AIMS-GOV-005") == []


def test_a_review_on_the_first_day_is_due_a_year_later(tmp_path: Path) -> None:
    path = _manifest(
        tmp_path, {"spec.lifecycle.lastReview": FIRST}, drop=("spec.lifecycle.nextReview",)
    )
    assert _fired(path, FIRST, "AIMS-GOV-005") == []
    assert _fired(path, "0002-01-01", "AIMS-GOV-005") == []
    assert _fired(path, "0002-01-02", "AIMS-GOV-005") == [
        "spec.lifecycle.lastReview: the system review was due on 0002-01-01 and is 1 day overdue; "
        "hold it and record the new `lastReview` and `nextReview`"
    ]


@pytest.mark.parametrize(
    ("last", "fires"),
    [
        (
            "9999-01-01",
            False,
        ),  # lastReview + 12 months is past the calendar: any nextReview is within it
        ("9998-12-31", False),  # exactly 12 months
        ("9998-12-30", True),  # 12 months and a day
    ],
)
def test_the_next_review_is_capped_up_to_the_last_day(
    tmp_path: Path, last: str, fires: bool
) -> None:
    path = _manifest(
        tmp_path, {"spec.lifecycle.lastReview": last, "spec.lifecycle.nextReview": LAST}
    )
    found = _fired(path, "9998-12-31", "AIMS-GOV-004")
    assert bool(found) == fires, found


def test_a_supplier_assessed_on_the_last_day_is_never_due(tmp_path: Path) -> None:
    (base,) = _documents(BASE)
    suppliers = [{**supplier, "assessedOn": LAST} for supplier in base["spec"]["suppliers"]]
    path = _manifest(tmp_path, {"spec.suppliers": suppliers})
    for today in (FIRST, TODAY, LAST):
        assert _fired(path, today, "AIMS-SUP-001") == []
        assert _fired(path, today, "AIMS-SET-002") == []
    assert _fired(BASE, LAST, "AIMS-SUP-001") != []  # assessed in 2026: long due by the last day


def test_overseer_training_from_the_last_day_never_expires(tmp_path: Path) -> None:
    # Training is only judged for high-risk systems.
    (base,) = _documents(BASE)
    high = {"spec.classification.riskLevel": "high"}
    assert _fired(_manifest(tmp_path, high), LAST, "AIMS-HUM-003") != []  # trained in 2026
    overseers = [
        {**person, "trainingDate": LAST} for person in base["spec"]["humanOversight"]["overseers"]
    ]
    path = _manifest(tmp_path, {**high, "spec.humanOversight.overseers": overseers})
    assert _fired(path, LAST, "AIMS-HUM-003") == []


def _months_later() -> Iterator[tuple[_dt.date, int, _dt.date]]:
    yield _dt.date(2026, 1, 31), 1, _dt.date(2026, 2, 28)  # ordinary dates keep the month-end clamp
    yield _dt.date(9999, 1, 31), 11, _dt.date(9999, 12, 31)
    yield _dt.date(9999, 2, 1), 11, _dt.date.max  # 10000-01-01
    yield _dt.date(9999, 12, 31), 12, _dt.date.max
    yield _dt.date(1, 1, 1), 10**30, _dt.date.max  # an absurd --data interval is no crash either
    yield _dt.date(1, 1, 31), -1, _dt.date.min  # before 0001-01-01


@pytest.mark.parametrize(("day", "months", "expected"), list(_months_later()))
def test_add_months_stays_in_the_calendar(day: _dt.date, months: int, expected: _dt.date) -> None:
    from rules.facts import add_months

    assert add_months(day, months) == expected
