"""A Record behaves as the typing.NamedTuple that type checkers take it for.

Each behaviour the project relies on is checked side by side against a NamedTuple declared
with the same fields, so the reference is the standard library, not the code under test."""

from __future__ import annotations

import ast
import copy
import pickle
from typing import Generic, NamedTuple, TypeVar

import pytest
from _helpers import ROOT

from aims_policy.records import Record


class Point(Record):
    x: int
    y: int
    label: str = ""
    tags: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.x + self.y


class RefPoint(NamedTuple):
    x: int
    y: int
    label: str = ""
    tags: tuple[str, ...] = ()


T = TypeVar("T")


class Shifted(Point):
    """An ordinary subclass of a record class: same fields, its own methods."""

    __slots__ = ()

    def shifted(self) -> Shifted:
        return Shifted(self.x + 1, self.y)


CALLS = [
    ((1, 2), {}),
    ((1, 2, "a"), {}),
    ((1, 2, "a", ("t",)), {}),
    ((1,), {"y": 2}),
    ((), {"x": 1, "y": 2, "tags": ("u",)}),
    ((1, 2), {"label": "b"}),
    ((), {"tags": ("u",), "y": 2, "x": 1, "label": "c"}),
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_construction_matches_namedtuple(args: tuple, kwargs: dict) -> None:
    mine, ref = Point(*args, **kwargs), RefPoint(*args, **kwargs)
    assert tuple(mine) == tuple(ref)
    assert mine == ref and hash(mine) == hash(ref)
    assert repr(mine) == repr(ref).replace("RefPoint", "Point")
    assert mine._asdict() == ref._asdict()
    assert [mine.x, mine.y, mine.label, mine.tags] == [ref.x, ref.y, ref.label, ref.tags]
    assert mine[1] == ref[1] and mine[-1] == ref[-1] and mine[:2] == ref[:2]


BAD_CALLS = [
    ((), {}),
    ((1,), {}),
    ((1, 2, "a", (), "extra"), {}),
    ((1, 2), {"colour": "red"}),
    ((1, 2), {"x": 3}),
    ((), {"x": 1}),
    ((), {"x": 1, "y": 2, "colour": 3}),
    ((), {"x": 1, "colour": 3}),
    ((), {"y": 2, "label": "a", "tags": ()}),
]


@pytest.mark.parametrize(("args", "kwargs"), BAD_CALLS)
def test_bad_construction_raises_typeerror_as_namedtuple_does(args: tuple, kwargs: dict) -> None:
    with pytest.raises(TypeError):
        RefPoint(*args, **kwargs)
    with pytest.raises(TypeError):
        Point(*args, **kwargs)


def test_class_attributes_match_namedtuple() -> None:
    assert Point._fields == RefPoint._fields
    assert Point._field_defaults == RefPoint._field_defaults
    assert Point.__match_args__ == RefPoint.__match_args__
    assert Point(1, 2).total == 3
    assert not hasattr(Point(1, 2), "__dict__")
    assert isinstance(Point(1, 2), tuple)


def test_replace_make_and_ordering() -> None:
    p = Point(1, 2, "a")
    assert p._replace(y=5) == RefPoint(1, 2, "a")._replace(y=5)
    assert type(p._replace(y=5)) is Point
    with pytest.raises(ValueError):
        p._replace(colour=1)
    assert Point._make([1, 2, "", ()]) == Point(1, 2)
    with pytest.raises(TypeError):
        Point._make([1, 2])
    assert sorted([Point(2, 1), Point(1, 3), Point(1, 2)]) == [
        Point(1, 2),
        Point(1, 3),
        Point(2, 1),
    ]
    x, y, label, tags = p
    assert (x, y, label, tags) == (1, 2, "a", ())


def test_match_statement() -> None:
    match Point(1, 2):
        case Point(x, y):
            assert (x, y) == (1, 2)
        case _:
            pytest.fail("positional pattern did not match")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_and_copy(protocol: int) -> None:
    p = Point(1, 2, "a", ("t",))
    back = pickle.loads(pickle.dumps(p, protocol))
    assert back == p and type(back) is Point
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    s = Shifted(1, 2)
    assert pickle.loads(pickle.dumps(s, protocol)) == s
    assert type(pickle.loads(pickle.dumps(s, protocol))) is Shifted


def test_subclass_of_a_record_keeps_its_fields() -> None:
    s = Shifted(1, 2)
    assert s.shifted() == (2, 2, "", ())
    assert Shifted._fields == Point._fields
    assert repr(s) == "Shifted(x=1, y=2, label='', tags=())"


def test_declaration_errors() -> None:
    with pytest.raises(TypeError):

        class Bad(Record):  # a field without a default after one with a default
            a: int = 0
            b: int

    with pytest.raises(ValueError):

        class Hidden(Record):
            _a: int


def test_docstring_and_positional_only_parameters_as_namedtuple() -> None:
    class Bare(Record):
        cls: int
        self: int

    class RefBare(NamedTuple):
        cls: int
        self: int

    assert Bare.__doc__ == "Bare(cls, self)" and RefBare.__doc__ == "RefBare(cls, self)"
    assert Point.__doc__ == "Point(x, y, label, tags)"
    assert Bare(cls=1, self=2) == RefBare(cls=1, self=2)
    assert Bare(1, 2)._replace(self=3) == RefBare(1, 2)._replace(self=3)
    assert Point(1, 2).__replace__(y=5) == Point(1, 5)  # what copy.replace calls (3.13)


def test_a_generic_record_has_its_fields() -> None:
    class Box(Record, Generic[T]):
        item: T
        note: str = ""

    assert Box._fields == ("item", "note")
    assert Box(1) == (1, "") and Box(1).item == 1


@pytest.mark.parametrize("name", ["__new__", "__init__", "__slots__", "_replace", "_make"])
def test_a_record_cannot_overwrite_its_machinery(name: str) -> None:
    namespace: dict = {"__annotations__": {"a": "int"}, name: lambda *a: None}
    if name == "__slots__":
        namespace[name] = ("a",)
    with pytest.raises(AttributeError):
        type(Record)("Broken", (Record,), namespace)


def test_every_module_declaring_records_keeps_its_annotations_as_text() -> None:
    """A record's fields are its class body's annotations. Python 3.14 evaluates annotations
    lazily and keeps none in the class body unless the module asks for them as text."""
    missing = []
    for path in sorted([*(ROOT / "aims_policy").rglob("*.py"), *(ROOT / "rules").glob("*.py")]):
        tree = ast.parse(path.read_text("utf-8"))
        declares = any(
            isinstance(node, ast.ClassDef)
            and any(isinstance(b, ast.Name) and b.id == "Record" for b in node.bases)
            for node in ast.walk(tree)
        )
        future = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "__future__"
            and any(a.name == "annotations" for a in node.names)
            for node in tree.body
        )
        if declares and not future:
            missing.append(path.relative_to(ROOT).as_posix())
    assert missing == []
