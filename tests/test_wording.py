"""Suggestions for unknown names: difflib's choice, whether or not difflib is asked."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from aims_policy.wording import did_you_mean

# Short names from a small alphabet, so that near misses (the case the prefilter must never
# drop) are frequent rather than rare.
NAMES = st.text(alphabet="abcdeIO-_.x", max_size=12)


def _difflib_says(word: str, names: list[str]) -> str:
    close = difflib.get_close_matches(word, names, n=1)
    return f"; did you mean {close[0]!r}?" if close else "none"


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(NAMES, st.lists(NAMES, max_size=8))
def test_the_suggestion_is_difflibs(word: str, names: list[str]) -> None:
    assert did_you_mean(word, names, "none") == _difflib_says(word, names)


def test_schema_fields_and_rule_ids() -> None:
    fields = ["purpose", "owner", "risks", "dataSources", "evidence", "lifecycle", "suppliers"]
    for word in ("ownr", "risk", "datasources", "evidnce", "colour", "costCentre", "", "o"):
        assert did_you_mean(word, fields, "none") == _difflib_says(word, fields), word
    # At the cutoff itself (0.6, every bound equal to it) difflib still suggests.
    assert did_you_mean("abcde", ["abcxy"]) == "; did you mean 'abcxy'?"
    ids = ["AIMS-RSK-001", "AIMS-RSK-010", "AIMS-OWN-001"]
    assert did_you_mean("AIMS-RSK-01", ids, quote=False) == "; did you mean AIMS-RSK-010?"
    assert did_you_mean("colour", ids, "; none") == "; none"
