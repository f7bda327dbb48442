"""Assembling the files' results: no two findings share a fingerprint, and equal values of
different findings are kept once without changing any finding."""

from __future__ import annotations

import shutil
from pathlib import Path

from _helpers import ROOT

from aims_policy import check
from aims_policy.assemble import _distinct_identities, _Shared
from aims_policy.model import Finding, Location


def _finding(message: str, ident: str, line: int, controls: tuple[str, ...]) -> Finding:
    return Finding(
        "AIMS-RSK-005",
        "error",
        message,
        Location("a.yaml", line, 7),
        "/spec/risks/0/score",
        ident,
        "sys",
        "R-1",
        controls,
    )


def _copy(text: str) -> str:
    """An equal string that is another object (as a value from another file is)."""
    return "".join(list(text))


def test_two_findings_alike_get_distinct_identities_in_file_order(tmp_path: Path) -> None:
    # Two risks with one id, each with a wrong score: AIMS-RSK-005 names "spec.risks[R-1].score"
    # twice. A baseline or exception for the first must not cover the second.
    work = tmp_path / "m"
    shutil.copytree(ROOT / "manifests", work)
    manifest = work / "cv-screening.yaml"
    text = manifest.read_text(encoding="utf-8")
    for old, new in (
        (
            "      score: 12\n      owner: Sophie Laurent",
            "      score: 13\n      owner: Sophie Laurent",
        ),
        ("    - id: R-2\n      description: CVs", "    - id: R-1\n      description: CVs"),
        ("      score: 6\n      owner: Ravi Menon", "      score: 7\n      owner: Ravi Menon"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    manifest.write_text(text, encoding="utf-8")
    report = check([str(manifest)], today="2026-11-22", cwd=str(work))
    scores = [f for f in report.findings if f.rule_id == "AIMS-RSK-005"]
    # The lines of the two scores, found in the text (the example may gain lines above them).
    lines = text.splitlines()
    wrong = [n for n, line in enumerate(lines, 1) if line in ("      score: 13", "      score: 7")]
    assert len(wrong) == 2
    assert [(f.location.line, f.ident) for f in scores] == [
        (wrong[0], "spec.risks[R-1].score"),
        (wrong[1], "spec.risks[R-1].score#2"),
    ]
    assert scores[0].fingerprint != scores[1].fingerprint
    assert len({f.fingerprint for f in report.findings}) == len(report.findings)


def test_distinct_findings_are_returned_as_they_are() -> None:
    findings = [_finding("a", "spec.risks[R-1].score", 3, ()), _finding("b", "spec.x", 1, ())]
    assert _distinct_identities(findings) is findings
    # The same identity under another system, or from another rule, is another finding; so is
    # another identity of the same rule and system. Nothing is renamed, and the list (in its
    # order, not sorted) is the one given.
    first = findings[0]
    for other in (
        first._replace(system="other"),
        first._replace(system=None),
        first._replace(rule_id="AIMS-RSK-004"),
        first._replace(ident="spec.risks[R-2].score"),
    ):
        pair = [first._replace(location=Location("a.yaml", 9, 1)), other]
        assert _distinct_identities(pair) is pair


def test_a_repeat_is_numbered_after_the_first_in_file_order() -> None:
    first = _finding("a", "spec.risks[R-1].score", 9, ())
    second = _finding("b", "spec.risks[R-1].score", 4, ())
    third = _finding("c", "spec.risks[R-1].score", 12, ())
    out = _distinct_identities([first, second, third])
    assert [(f.location.line, f.ident) for f in out] == [
        (4, "spec.risks[R-1].score"),
        (9, "spec.risks[R-1].score#2"),
        (12, "spec.risks[R-1].score#3"),
    ]


def test_equal_values_of_findings_are_kept_once() -> None:
    share = _Shared()
    controls = ("6.1.2", "A.5.2")
    first = share.finding(_finding("risk R-1: wrong score", "spec.risks[R-1].score", 3, controls))
    # From another file: equal values, other objects; the finding keeps the first one's.
    second = _finding(_copy(first.message), _copy(first.ident), 40, _copy_tuple(controls))._replace(
        json_path=_copy(first.json_path), item=_copy("R-1")
    )
    assert second.message is not first.message
    again = share.finding(second)
    assert again == second
    assert again.location == second.location
    assert again.message is first.message
    assert again.ident is first.ident
    assert again.json_path is first.json_path
    assert again.item is first.item
    assert again.controls is first.controls


def test_the_first_files_findings_share_their_rules_values_only() -> None:
    """The first file's own values (message, paths, item) go in as they are, the rule's (id,
    severity, control list) are kept once; a later file's equal values are then kept once with
    the rule's, and its own with each other's from then on."""
    share = _Shared()
    controls = ("6.1.2", "A.5.2")
    made = _finding("risk R-1: wrong score", "spec.risks[R-1].score", 3, controls)
    first = share.finding(made, own=False)
    assert first == made
    assert first.message is made.message and first.ident is made.ident
    assert _copy(first.message) not in share and _copy(first.json_path) not in share
    later = _finding(_copy(made.message), _copy(made.ident), 9, _copy_tuple(controls))._replace(
        rule_id=_copy(made.rule_id), severity=_copy(made.severity)
    )
    again = share.finding(later)
    assert again == later
    assert again.rule_id is first.rule_id and again.severity is first.severity
    assert again.controls is first.controls
    assert share.finding(_finding(_copy(made.message), "x", 12, controls)).message is again.message


def test_the_items_of_a_kept_tuple_are_kept_once_too() -> None:
    share = _Shared()
    control = share(_copy("A.5.2"))  # an equal control met before, as another object
    controls = ("6.1.2", "A.5.2")
    shared = share.each(controls)
    assert shared == controls
    assert shared[1] is control
    assert share.each(_copy_tuple(controls)) is shared


def _copy_tuple(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_copy(v) for v in values)
