"""The engine's one tracer, and its consumers: explanations (``--explain``, ``--why-not``) and the
line coverage of ``aims-policy test``.

OPA serves ``--explain`` and ``opa test --coverage`` from one trace of evaluation; so does this
engine. A :class:`Context` made with a tracer reports to it, in the order they happen:

* ``enter_rule(rule)`` / ``leave_rule(rule)`` around a rule's evaluation (its applicability, its
  check, a cross-manifest rule's collect or fold);
* ``enter_fact(fact)`` / ``leave_fact(fact, value)`` around the computation of a fact, and
  ``fact(fact, value)`` when a rule uses one already computed;
* ``read(path, value, item)`` and ``absent(path, item)`` for each value of the manifest a rule
  or fact reads (``item``: the list item it was read through, if any) and for ``today`` (path
  ``"today"``), ``param(path, value)`` for each value of the data document, ``note(text)`` for a
  condition a rule states;
* ``violation(violation)`` for each violation, as the rule yields it.

Without a tracer (every ordinary check) the engine tests one attribute per read and calls
nothing, and this module is not even imported.

A consumer overrides the events it needs (:class:`Tracer` ignores them all); :class:`Tee` passes
events to several. :class:`Explanation` turns them into the lines under a finding;
:class:`LineCoverage` switches ``sys.settrace`` line tracing on for exactly the code of the rule
being evaluated, from ``enter_rule`` to ``leave_rule``.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import CodeType, FrameType
from typing import Any

from aims_policy.loader import reads_as_text
from aims_policy.paths import Invalid, Path, dotted

#: What a consumer says of one evaluation: every line, and the lines behind each violation.
Explained = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]


class Tracer:
    """The events of evaluation (see the module's documentation); each does nothing here.

    ``rule`` is a :class:`~aims_policy.engine.Rule` or :class:`~aims_policy.engine.SetRule`,
    ``fact`` a :class:`~aims_policy.engine.Fact` (typed loosely: the engine imports this module,
    not the other way round)."""

    def enter_rule(self, rule: Any) -> None:
        pass

    def leave_rule(self, rule: Any) -> None:
        pass

    def enter_fact(self, fact: Any) -> None:
        pass

    def leave_fact(self, fact: Any, value: Any) -> None:
        pass

    def fact(self, fact: Any, value: Any) -> None:
        pass

    def read(self, path: str, value: Any, item: Path | None = None) -> None:
        pass

    def absent(self, path: str, item: Path | None = None) -> None:
        pass

    def param(self, path: str, value: Any) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def violation(self, violation: Any) -> None:
        pass

    def explain(self) -> Explained:
        """What this consumer says of the evaluation that just ended: nothing, unless it is an
        :class:`Explanation`."""
        return (), ()


class Tee(Tracer):
    """Passes every event to each of several consumers, in order."""

    def __init__(self, *tracers: Tracer) -> None:
        self.tracers = tracers

    def enter_rule(self, rule: Any) -> None:
        for t in self.tracers:
            t.enter_rule(rule)

    def leave_rule(self, rule: Any) -> None:
        # In reverse, so that consumers nest: the first one in is the last one out.
        for t in reversed(self.tracers):
            t.leave_rule(rule)

    def enter_fact(self, fact: Any) -> None:
        for t in self.tracers:
            t.enter_fact(fact)

    def leave_fact(self, fact: Any, value: Any) -> None:
        for t in self.tracers:
            t.leave_fact(fact, value)

    def fact(self, fact: Any, value: Any) -> None:
        for t in self.tracers:
            t.fact(fact, value)

    def read(self, path: str, value: Any, item: Path | None = None) -> None:
        for t in self.tracers:
            t.read(path, value, item)

    def absent(self, path: str, item: Path | None = None) -> None:
        for t in self.tracers:
            t.absent(path, item)

    def param(self, path: str, value: Any) -> None:
        for t in self.tracers:
            t.param(path, value)

    def note(self, text: str) -> None:
        for t in self.tracers:
            t.note(text)

    def violation(self, violation: Any) -> None:
        for t in self.tracers:
            t.violation(violation)

    def explain(self) -> Explained:
        for t in self.tracers:
            said = t.explain()
            if said != ((), ()):
                return said
        return (), ()


# -- explanations -----------------------------------------------------------------------------

_Line = tuple[str, "Path | None"]  # a line and the list item it concerns, if any


class Explanation(Tracer):
    """The facts, values and conditions a rule met, one line each, in the order first met.

    One per context, like the facts' cache: a fact computed for one rule is used from the cache by
    the next, and what its computation read is remembered so that every rule using the fact
    shows it, whichever rule happened to compute it first.

    A violation's own explanation is what the rule had met when it yielded the violation, less
    what it read of *other* items of the list the violation is in (``spec.risks[R-2]`` says
    nothing about a finding at ``spec.risks[R-4]``)."""

    def __init__(self) -> None:
        self._lines: dict[str, Path | None] = {}  # insertion-ordered: the order first met
        self._open: list[list[_Line]] = []  # facts being computed, innermost last
        self._facts: dict[Any, list[_Line]] = {}  # what computing each fact met
        self._yielded: list[tuple[int, Path]] = []  # per violation: lines met by then, target

    def enter_rule(self, rule: Any) -> None:
        self._lines = {}
        self._open = []  # a fact that raised in the previous rule never left
        self._yielded = []

    def _add(self, line: str, item: Path | None = None) -> None:
        if self._open:
            self._open[-1].append((line, item))
        self._lines.setdefault(line, item)

    def enter_fact(self, fact: Any) -> None:
        self._open.append([])

    def leave_fact(self, fact: Any, value: Any) -> None:
        self._facts[fact] = self._open.pop() if self._open else []
        self.fact(fact, value)

    def fact(self, fact: Any, value: Any) -> None:
        for line, item in self._facts.get(fact, ()):
            self._add(line, item)
        self._add(f"{getattr(fact, '__name__', fact)} = {show(value)}")

    def read(self, path: str, value: Any, item: Path | None = None) -> None:
        self._add(f"{path} = {show(value)}", item)

    def absent(self, path: str, item: Path | None = None) -> None:
        self._add(f"{path} = (absent)", item)

    def param(self, path: str, value: Any) -> None:
        self._add(f"data.{path} = {show(value)}")

    def note(self, text: str) -> None:
        self._add(text)

    def violation(self, violation: Any) -> None:
        self._yielded.append((len(self._lines), tuple(violation.target)))

    def explain(self) -> Explained:
        met = list(self._lines.items())
        each = tuple(
            tuple(line for line, item in met[:count] if not _sibling(item, target))
            for count, target in self._yielded
        )
        return tuple(line for line, _item in met), each


def _sibling(item: Path | None, target: Path) -> bool:
    """Is ``item`` another element of a list that ``target`` lies in?"""
    if not item:
        return False
    n = len(item)
    return len(target) >= n and target[: n - 1] == item[:-1] and target[n - 1] != item[-1]


# -- values in the manifest's own notation ----------------------------------------------------

#: A value shown in an explanation is cut short after this many characters.
SHOWN_CHARS = 80

# Characters that cannot start a plain YAML scalar, and those that cannot appear in one within
# a flow collection (where every value here may end up).
_NOT_FIRST = frozenset(",[]{}#&*!|>'\"%@`")
_NOT_IN_FLOW = frozenset(",[]{}")


def show(value: Any) -> str:
    """``value`` as a manifest would write it, in YAML flow style and cut short when long:
    ``{explanationAvailable: false, userNotice: true}``, ``[a, b]``, ``null``, text unquoted
    unless it needs quotes. Mapping keys are sorted: a frozen map iterates in hash order, which
    differs from one process to the next, and explanations must be the same on every run."""
    text = flow(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def flow(value: Any) -> str:
    """``value`` in YAML flow style, in full."""
    if type(value) is Invalid:  # a part that does not match the schema: shown, never used
        return "(unreadable)"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return scalar(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, Mapping):
        pairs = sorted(((str(key), item) for key, item in value.items()), key=lambda p: p[0])
        return "{" + ", ".join(f"{scalar(key)}: {flow(item)}" for key, item in pairs) + "}"
    if _is_item(value):
        # An element met while iterating a list (what facts such as significant_changes hold):
        # named by its identity path, as findings name places.
        return f"{dotted(value.path[:-1])}[{value.name}]"
    if isinstance(value, (set, frozenset)):
        return "[" + ", ".join(sorted(flow(item) for item in value)) + "]"
    if isinstance(value, Sequence):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return scalar(str(value))


def scalar(text: str) -> str:
    """Text unquoted when a manifest could hold it so, else single-quoted (double-quoted, with
    escapes, when it holds characters a single-quoted scalar cannot show)."""
    if _plain(text):
        return text
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    import json

    return json.dumps(text, ensure_ascii=False)


def _plain(text: str) -> bool:
    if not text or text != text.strip() or not text.isprintable():
        return False
    first = text[0]
    if first in _NOT_FIRST or (first in "-?:" and (len(text) == 1 or text[1] == " ")):
        return False
    if any(c in _NOT_IN_FLOW for c in text) or ": " in text or " #" in text:
        return False
    return not text.endswith(":") and reads_as_text(text)


def _is_item(value: Any) -> bool:
    # A list element's aims_policy.engine.Cursor, recognised by shape (this module cannot import
    # the engine): a cursor that carries an element's name.
    fields = getattr(value, "_fields", None)
    return (
        isinstance(value, tuple)
        and fields is not None
        and fields[:3] == ("path", "value", "name")
        and bool(value[2])
    )


# -- line coverage ----------------------------------------------------------------------------


def _nested(code: CodeType) -> Iterable[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _nested(const)


def executable_lines(code: CodeType) -> set[int]:
    """Lines of a function that hold byte code, nested comprehensions and functions included.
    The first line is left out: it carries only the frame's set-up instructions (for a decorated
    function it is the decorator's line), which never report a line event."""
    lines = {line for c in _nested(code) for _, _, line in c.co_lines() if line is not None}
    lines.discard(code.co_firstlineno)
    return lines


def rule_code(rule: Any) -> list[CodeType]:
    """The functions whose lines count for a rule: its check (a fold's methods) and a
    cross-manifest rule's collect."""
    check = rule.check
    functions = [*vars(check).values()] if isinstance(check, type) else [check]
    functions.append(getattr(rule, "collect", None))
    codes = [getattr(f, "__code__", None) for f in functions]
    return [c for c in codes if isinstance(c, CodeType)]


class LineCoverage(Tracer):
    """Records the lines executed in each rule's own code while it is evaluated.

    Line events come from ``sys.settrace`` (Python 3.10 has no ``sys.monitoring``), switched on
    by ``enter_rule`` for the rule's code objects only (other frames get no local tracer, which
    keeps the overhead small) and off again by ``leave_rule``. Lines of a multi-line condition are
    reported separately, so a short-circuited ``and``/``or`` operand that never runs shows up as
    a missed line: the nearest thing to branch coverage the interpreter reports without
    instrumenting the byte code."""

    def __init__(self, code_of: Callable[[Any], Iterable[CodeType]] = rule_code) -> None:
        self.hit: dict[str, set[int]] = {}  # file -> lines
        self._code_of = code_of
        # id(rule) -> the rule (kept, so that its id is not reused) and its code, nested
        self._watched: dict[int, tuple[Any, frozenset[CodeType]]] = {}
        self._current: frozenset[CodeType] = frozenset()
        self._previous: list[tuple[Any, frozenset[CodeType]]] = []

    def enter_rule(self, rule: Any) -> None:
        known = self._watched.get(id(rule))
        if known is None:
            codes = frozenset(c for code in self._code_of(rule) for c in _nested(code))
            known = self._watched[id(rule)] = (rule, codes)
        watched = known[1]
        # Whoever traced before us (a debugger, coverage.py) gets its tracer back on leaving.
        self._previous.append((sys.gettrace(), self._current))
        self._current = watched
        sys.settrace(self._global)

    def leave_rule(self, rule: Any) -> None:
        previous, self._current = self._previous.pop()
        sys.settrace(previous)

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        return self._local if frame.f_code in self._current else None

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.hit.setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
        return self._local
