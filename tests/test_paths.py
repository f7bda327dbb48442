"""One path syntax: what a finding prints (``spec.risks[R-7].owner``) is what a fixture writes to
change that field, and one walker resolves it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyrsistent import freeze

from aims_policy.engine import UNSET, make_context
from aims_policy.fixtures import run_file
from aims_policy.paths import PathError, ident, identify, pointer, resolve

DOC = {
    "spec": {
        "risks": [{"id": "R-1", "owner": "Ann"}, {"id": "R-2"}],
        "models": [{"supplier": "SUP-a"}, {"supplier": "SUP-b"}],
        "changeLog": [{"version": "1.0.0"}],
    }
}


@pytest.mark.parametrize("document", [DOC, freeze(DOC)], ids=["plain", "frozen"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spec.risks[R-2].owner", ("spec", "risks", 1, "owner")),
        ("spec.models[1].supplier", ("spec", "models", 1, "supplier")),
        ("spec.changeLog[1.0.0].version", ("spec", "changeLog", 0, "version")),
        ("spec.newSection.field", ("spec", "newSection", "field")),  # may not exist yet
        ("spec.risks[R-1]", ("spec", "risks", 0)),
    ],
)
def test_resolve_names_items_by_identity_or_position(
    document: object, text: str, expected: tuple[object, ...]
) -> None:
    assert resolve(document, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "spec.risks.[R-1].owner",
            "is not a path; write keys with dots and list items in brackets",
        ),
        ("spec.models.0.supplier", "spec.models is a list: name its item in brackets"),
        ("spec.risks[R-9]", "spec.risks has no item [R-9]"),
        ("spec[0]", "spec is not a list, so [0] names nothing"),
        ("", "is not a path"),
        ("spec..risks", "is not a path"),
    ],
)
def test_a_path_that_names_nothing_says_what_to_write(text: str, message: str) -> None:
    with pytest.raises(PathError, match=message.replace("[", r"\[").replace("]", r"\]")):
        resolve(DOC, text)


def test_a_findings_identity_path_resolves_back_to_its_node() -> None:
    """The round trip a fixture author relies on: copy the path from a finding, change it."""
    for path in [("spec", "risks", 1, "owner"), ("spec", "models", 0, "supplier")]:
        assert resolve(DOC, ident(DOC, path)) == path


def test_identify_gives_the_identity_and_the_innermost_named_item() -> None:
    assert identify(DOC, ("spec", "risks", 0, "owner")) == ("spec.risks[R-1].owner", "R-1")
    assert identify(DOC, ("spec", "models", 1)) == ("spec.models[1]", None)


def test_with_overrides_use_the_same_syntax() -> None:
    ctx = make_context(
        DOC, {}, __import__("datetime").date(2026, 1, 1),
        with_input={"spec.risks[R-2].owner": "Bo", "spec.models[0].supplier": UNSET},
    )  # fmt: skip
    assert ctx.get("spec.risks")[1]["owner"] == "Bo"
    assert "supplier" not in ctx.get("spec.models")[0]


def test_a_fixture_in_the_old_dotted_syntax_is_an_error_that_says_how_to_write_it(
    tmp_path: Path,
) -> None:
    base = Path(__file__).resolve().parents[1] / "rules" / "fixtures" / "base.yaml"
    (tmp_path / "base.yaml").write_text(base.read_text("utf-8"), "utf-8")
    fixture = tmp_path / "x.fixtures.yaml"
    fixture.write_text(
        "base: base.yaml\ntoday: 2026-11-22\ncases:\n"
        "  - rule: AIMS-RSK-003\n    name: old syntax\n"
        "    unset: ['spec.risks.[R-1].owner']\n    expect: pass\n",
        "utf-8",
    )
    from aims_policy import registry

    rules = {r.id: r for r in registry.load().all}
    (result,) = run_file(fixture, rules, {})
    assert not result.ok
    assert "write keys with dots and list items in brackets" in result.detail


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), ""),
        (("spec", "risks", 2, "owner"), "/spec/risks/2/owner"),
        (("",), "/"),
        (("a", ""), "/a/"),
        (("a/b", "c"), "/a~1b/c"),
        (("~", "x"), "/~0/x"),
        (("~1",), "/~01"),
        (("/", "//"), "/~1/~1~1"),
        (("x~/y", 0), "/x~0~1y/0"),
    ],
)
def test_a_pointer_escapes_tilde_and_slash_as_rfc_6901_says(
    path: tuple[str | int, ...], expected: str
) -> None:
    # Written out by hand from RFC 6901 section 3: "~" is "~0", "/" is "~1", "~" first.
    assert pointer(path) == expected
