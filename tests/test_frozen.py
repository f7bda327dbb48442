"""FrozenMap: a PMap in every respect a rule can see, whose lookups read a private dict."""

import pickle

import pytest
from pyrsistent import PMap, pmap

from aims_policy.engine import freeze_plain
from aims_policy.frozen import FrozenMap, frozen_map

ITEMS = {"id": "R-1", "owner": "risk-team", "score": 12, "tags": ("a", "b")}


def test_a_frozen_document_is_made_of_frozen_maps_equal_to_pmaps() -> None:
    frozen = freeze_plain({"spec": {"risks": [dict(ITEMS)]}, "kind": "AISystem"})
    risk = frozen["spec"]["risks"][0]
    assert type(frozen) is FrozenMap and type(risk) is FrozenMap
    assert isinstance(risk, PMap)
    assert risk == pmap(ITEMS) and pmap(ITEMS) == risk
    assert hash(risk) == hash(pmap(ITEMS))
    assert sorted(risk.items()) == sorted(ITEMS.items()) and len(risk) == len(ITEMS)


def test_lookups_answer_as_a_pmap_would() -> None:
    frozen, reference = frozen_map(dict(ITEMS)), pmap(ITEMS)
    for key in (*ITEMS, "absent", 0, None):
        assert frozen.get(key) == reference.get(key)
        assert frozen.get(key, "default") == reference.get(key, "default")
        assert (key in frozen) is (key in reference)
    assert frozen["owner"] == "risk-team"
    with pytest.raises(KeyError):
        frozen["absent"]


def test_it_cannot_be_changed_and_changes_make_new_maps() -> None:
    frozen = frozen_map(dict(ITEMS))
    with pytest.raises((TypeError, AttributeError)):
        frozen["owner"] = "someone else"  # type: ignore[index]
    with pytest.raises(AttributeError):
        frozen.extra = 1  # type: ignore[attr-defined]
    changed = frozen.set("owner", "someone else").discard("score")
    assert changed["owner"] == "someone else" and "score" not in changed
    assert frozen["owner"] == "risk-team" and frozen["score"] == 12  # the original is intact
    assert changed.get("owner") == "someone else"  # the new map reads its own items


def test_it_survives_pickling_with_its_fast_reads() -> None:
    frozen = freeze_plain({"spec": {"owner": "x"}})
    copy = pickle.loads(pickle.dumps(frozen))
    assert copy == frozen and type(copy) is FrozenMap and copy["spec"].get("owner") == "x"


def test_it_iterates_in_the_documents_order_and_builds_pmap_state_when_asked() -> None:
    keys = [f"key{n}" for n in range(50)]
    frozen = frozen_map({key: n for n, key in enumerate(keys)})
    assert list(frozen) == keys and list(frozen.keys()) == keys
    assert list(frozen.values()) == list(range(50))
    assert list(frozen.items()) == list(zip(keys, range(50), strict=True))
    evolver = frozen.evolver()  # PMap's own machinery, on buckets built on demand
    evolver["key0"] = -1
    assert evolver.persistent()["key0"] == -1 and frozen["key0"] == 0
    assert frozen.transform(["key1"], 7)["key1"] == 7
    assert frozen == pmap(dict(zip(keys, range(50), strict=True)))


def test_nothing_can_be_set_on_a_frozen_map_and_its_reads_stay_its_own() -> None:
    # get, items and values are the dict's own bound methods, held in slots: a rule that assigned
    # one would change what every later rule reads.
    doc = frozen_map({"a": 1, "b": 2})
    for name in ("get", "items", "values", "_items", "anything"):
        with pytest.raises(AttributeError):
            setattr(doc, name, None)
        with pytest.raises(AttributeError):
            delattr(doc, name)
    assert doc.get("a") == 1 and list(doc.items()) == [("a", 1), ("b", 2)]
    assert list(doc.values()) == [1, 2] and hash(doc) == hash(pmap({"a": 1, "b": 2}))


def test_freezing_loader_output_gives_what_pyrsistent_freeze_gives() -> None:
    # freeze_plain passes scalars over without a call; every value must still come out as
    # pyrsistent.freeze makes it: maps and vectors at every depth, scalars as they were.
    from _helpers import MANIFESTS
    from pyrsistent import PVector, freeze

    from aims_policy.loader import load_bytes

    class Sub(dict):  # type: ignore[type-arg]
        pass

    def same(a: object, b: object) -> None:
        assert type(a) is type(b) or (isinstance(a, PMap) and isinstance(b, PMap)), (a, b)
        if isinstance(a, PMap):
            assert isinstance(b, PMap) and set(a) == set(b)
            for key in a:
                same(a[key], b[key])
        elif isinstance(a, (PVector, tuple)):
            assert isinstance(b, (PVector, tuple)) and len(a) == len(b)
            for x, y in zip(a, b, strict=True):
                same(x, y)
        else:
            assert a == b

    odd = {"a": [[1, [2.5, None]], {"b": True}], "t": (1, [2]), "s": Sub(x=[1]), "n": None}
    same(freeze_plain(odd), freeze(odd))
    files = sorted(p for p in MANIFESTS.rglob("*") if p.suffix in (".yaml", ".json"))
    assert len(files) > 5
    for path in files:
        loaded = load_bytes(path.read_bytes(), str(path), json_syntax=path.suffix == ".json")
        assert loaded.documents and not loaded.errors, path
        for doc in loaded.documents:
            same(freeze_plain(doc.data), freeze(doc.data))
