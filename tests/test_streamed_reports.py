"""Reports are written as they are rendered, and the pieces make exactly the document an
independent serializer writes: the standard library's ``json.dumps(indent=2)`` for JSON and
SARIF, ElementTree's ``indent`` and ``tostring`` for JUnit. Hostile text (quotes, markup, line
breaks, tabs, control characters, non-ASCII, line and paragraph separators) goes through every
layer of nesting."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from _helpers import ROOT, TODAY, aims
from hypothesis import given, settings
from hypothesis import strategies as st

import aims_policy
import aims_policy.output
from aims_policy import registry
from aims_policy.model import Finding, Location, Notification, Report, Suppression, SystemInfo
from aims_policy.output import FORMATS, chunks, render, write_atomic
from aims_policy.output.jsonstream import Fields, Items
from aims_policy.output.jsonstream import chunks as json_chunks

HOSTILE = 'a "quoted" <b>&amp;</b>\n\tline\u2028sep\u2029 é 日本 \x07bell \\ end'


def _hostile_report() -> Report:
    rules = tuple(r.meta for r in registry.load().all if r.id in ("AIMS-OWN-001", "AIMS-DOC-001"))
    waiver = Suppression("exception", HOSTILE, approver=HOSTILE, expires="2027-01-31")
    findings = tuple(
        Finding(
            rule_id=rule.id,
            severity=severity,  # type: ignore[arg-type]
            message=f"{HOSTILE} #{n}",
            location=Location(f"m/{HOSTILE[:5]}.yaml", n + 1, 2, n + 1, 9),
            json_path="/spec/owner",
            ident=f"spec.owner#{n}",
            system="sys-a" if n % 3 else "elsewhere",
            item=HOSTILE if n % 2 else None,
            controls=("A.3.2",),
            state="waived" if n % 4 == 1 else "open",  # type: ignore[arg-type]
            suppression=waiver if n % 4 == 1 else None,
        )
        for n, (rule, severity) in enumerate(
            (rule, severity) for rule in rules for severity in ("error", "warning", "note") * 3
        )
    )
    notes = (
        Notification("load", "bad-yaml", f"cannot read: {HOSTILE}", Location("m/x.yaml", 2, 1)),
        Notification("rule", "crash", HOSTILE, None, rules[0].id, None),
    )
    return Report(
        tool_version=aims_policy.__version__,
        today=TODAY,
        fail_on="warning",
        rules=rules,
        systems=(SystemInfo("sys-a", Location("m/a.yaml", 1, 1), title=HOSTILE, owner=HOSTILE),),
        findings=findings,
        results=(),
        notifications=notes,
        files=("m/a.yaml",),
    )


def _reports() -> list[Report]:
    examples = aims_policy.check([str(ROOT / "manifests")], today=TODAY, cwd=str(ROOT))
    return [examples, _hostile_report()]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_formats_are_exactly_the_standard_indented_dump(fmt: str) -> None:
    for report in _reports():
        text = "".join(chunks(report, fmt))
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
        assert text == render(report, fmt)


def test_junit_is_exactly_what_elementtree_writes() -> None:
    for report in _reports():
        text = "".join(chunks(report, "junit"))
        root = ElementTree.fromstring(text.encode("utf-8"))
        ElementTree.indent(root, space="  ")
        again = ElementTree.tostring(root, encoding="unicode", short_empty_elements=True)
        assert text == '<?xml version="1.0" encoding="UTF-8"?>\n' + again + "\n"
    # a character XML cannot carry is shown, not dropped
    assert "\\x07bell" in render(_hostile_report(), "junit")


def test_the_streamed_json_writer_matches_json_dumps_at_any_nesting() -> None:
    value = {
        "empty": [],
        "none": {},
        "text": HOSTILE,
        "nested": [{"a": [1, 2.5, None, True, {"b": HOSTILE}]}, []],
    }
    streamed = Fields(
        {
            "empty": Items(iter(())),
            "none": Fields(),
            "text": HOSTILE,
            "nested": Items(iter([Fields({"a": Items([1, 2.5, None, True, {"b": HOSTILE}])}), []])),
        }
    )
    assert "".join(json_chunks(streamed)) == json.dumps(value, indent=2, ensure_ascii=False)


def test_every_format_written_to_a_file_is_what_it_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are written piece by piece, atomically; standard output gets the same bytes."""
    monkeypatch.chdir(ROOT)
    files = {fmt: tmp_path / f"out.{fmt}" for fmt in ("sarif", "junit", "json", "markdown")}
    for path in files.values():
        path.write_text("previous", "utf-8")
    args = ["check", "manifests", "--today", TODAY]
    result = aims(*args, *(x for fmt, path in files.items() for x in (f"--{fmt}", str(path))))
    assert result.exit_code == 1, result.output
    for fmt, path in files.items():
        printed = aims(*args, "--format", fmt)
        assert path.read_text("utf-8") == printed.stdout, fmt
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files.values())


def test_a_failure_while_writing_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous\n", "utf-8")

    def pieces() -> object:
        yield "{"
        raise RuntimeError("renderer broke")

    with pytest.raises(RuntimeError):
        write_atomic(str(target), pieces())  # type: ignore[arg-type]
    assert target.read_text("utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_every_format_has_both_entry_points() -> None:
    report = _hostile_report()
    for fmt in FORMATS:
        assert "".join(aims_policy.output.chunks(report, fmt)) == render(report, fmt), fmt


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)))
    | st.just(HOSTILE)
)
_KEYS = st.text(max_size=8) | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(value=_VALUES, depth=st.integers(min_value=0, max_value=3))
def test_every_value_is_dumped_as_json_dumps_would_at_any_depth(value: object, depth: int) -> None:
    # The writer dumps each value itself (json.dumps with an indent leaves a reference cycle per
    # call): byte for byte what the standard library writes, indented for its depth.
    expected = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * depth)
    assert "".join(json_chunks(value, depth)) == expected


def test_dumping_a_value_leaves_no_reference_cycle_behind() -> None:
    import gc

    value = {"a": [1, {"b": HOSTILE}], "c": 2.5}
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(200):
            "".join(json_chunks(value))
        assert gc.collect() == 0  # nothing made that only the collector could free
        assert len(gc.get_objects()) - before < 50
    finally:
        if enabled:
            gc.enable()
