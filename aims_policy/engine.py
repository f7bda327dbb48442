"""A rego-style rule engine over frozen (pyrsistent) documents.

Vocabulary, borrowed from OPA:

* ``input`` is the manifest and ``data`` the organisation's policy parameters, both frozen before
  any rule sees them, so rules are pure functions and evaluation order never matters.
* A **rule** is a generator decorated with :func:`rule`: its metadata is data and its body yields
  :class:`Violation` values (Rego's ``deny`` set), each made by a :class:`Cursor`, the one way to
  report. A rule that only requires fields is declared with :func:`required`, without a body.
* A **fact** (Rego's virtual document) is a function of the context decorated with :func:`fact`;
  it is computed at most once per manifest and shared by every rule that asks for it.
* ``applies`` names the fact (or facts combined with ``~``, ``&``, ``|``, or a predicate) that
  makes a rule relevant; a rule that does not apply is *not applicable*, which is reported
  differently from *passed*.
* :func:`evaluate` takes ``with_input`` / ``with_data`` overrides, Rego's ``with`` keyword: the
  basis of rule fixtures.

A rule that raises is isolated: it becomes an engine error for that rule and manifest.

A context made with a tracer (:mod:`aims_policy.trace`) reports what evaluation does: the rule
entered, the facts computed or used, each value read, each violation yielded. ``--explain`` and
the line coverage of ``aims-policy test`` are two consumers of that one trace; without a tracer
the engine only tests ``ctx.tracer`` on each read and never imports the tracing module.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pyrsistent import PMap, discard, freeze, pvector

from aims_policy.frozen import FROZEN_MAPS, LOADED_SCALARS, MAPPINGS, VECTOR, frozen_map
from aims_policy.model import Location, Reference, RuleMeta
from aims_policy.paths import Invalid, Path, Unreadable, item_name, resolve
from aims_policy.paths import ident as ident_of
from aims_policy.records import Record

if TYPE_CHECKING:
    from aims_policy.evidence import Tracking
    from aims_policy.trace import Tracer

T = TypeVar("T")
_MISSING = object()
_UNREAD = object()


class Violation(Record):
    """One thing a rule found wrong. ``path`` is where it is (for a missing field, the parent that
    should hold it, with the field in ``missing``). Why it was found is the tracer's to say: what
    the rule read, the facts it asked, and the conditions it noted (``ctx.note``)."""

    path: Path
    message: str
    missing: str | None = None
    location: Location | None = None  # cross-manifest rules' (located()): in any manifest

    @property
    def target(self) -> Path:
        return (*self.path, self.missing) if self.missing else self.path


class Cursor(Record):
    """A place in a manifest where a rule reports what it found: ``ctx.at("spec.owner")``, a
    list element from ``ctx.each(...)``, a place below either (``risk.at("treatment")``), or for
    cross-manifest rules a place in another manifest (:func:`located`).

    Reporting is the cursor's job and nobody else's: ``fail`` says the place itself is wrong,
    ``missing`` that it lacks a field. Both return the :class:`Violation` a rule yields."""

    path: Path
    value: Any = None  # a list element's value (ctx.each); None elsewhere: read with ctx.get
    name: str = ""  # a list element's id or name, else its index as text
    ctx: Context | None = None  # set by ctx.at: missing() looks sections up through it
    location: Location | None = None  # set by located(): the place is in another manifest

    def get(self, key: str, default: Any = None) -> Any:
        value = self.value
        if type(value) in MAPPINGS or isinstance(value, Mapping):
            return value.get(key, default)
        return default

    def at(self, key: str | int, *more: str | int) -> Cursor:
        """A place below this one: ``risk.at("treatment")``, ``risk.at("residualRisk.score")``,
        ``ctx.at(EU).at("prohibitedPractices", 2)``."""
        # tuple.__new__ skips the Python frame of a record's __new__. This and the methods
        # below run once per reported violation, ctx.each once per list element: they must cost
        # no more than building the Violation directly did, hence the plain-key fast path.
        if more or type(key) is not str or "." in key:
            path = self.path
            for part in (key, *more):
                path = (*path, part) if isinstance(part, int) else (*path, *_split(part))
        else:
            path = (*self.path, key)
        return tuple.__new__(Cursor, (path, None, self.name, self.ctx, self.location))

    def fail(self, message: str) -> Violation:
        """A violation at this place."""
        return tuple.__new__(Violation, (self.path, message, None, self.location))

    def missing(self, field: str, message: str) -> Violation:
        """A violation for ``field``, which this place lacks; reported here, naming the field.

        ``field`` may be a dotted path through sections that may be absent or empty themselves
        (``ctx.at("spec").missing("monitoring.metrics", ...)``): the violation is then reported
        at the deepest section that holds something, naming the first one that does not, so that
        a missing section is named as such rather than a field inside it. Each section looked at
        is read with ``ctx.get``, so ``--explain`` shows what was found there."""
        path = self.path
        if "." in field:
            ctx = self.ctx
            if ctx is None or not all(isinstance(key, str) for key in path):
                raise ValueError(f"missing({field!r}): a dotted field needs a cursor from ctx.at")
            *sections, field = field.split(".")
            where = ".".join(str(key) for key in path)
            for section in sections:
                where = f"{where}.{section}" if where else section
                if not ctx.get(where):
                    field = section
                    break
                path = (*path, section)
        return tuple.__new__(Violation, (path, message, field, self.location))


#: Dotted paths already split: rules report at the same few places over and over. Bounded, since
#: a pack could build paths from manifest values.
_PATHS: dict[str, tuple[str, ...]] = {}


def _split(dotted_path: str) -> tuple[str, ...]:
    parts = _PATHS.get(dotted_path)
    if parts is None:
        parts = tuple(dotted_path.split("."))
        if len(_PATHS) < 4096:
            _PATHS[dotted_path] = parts
    return parts


def located(location: Location, path: str | Path) -> Cursor:
    """A place in a manifest other than the one being evaluated, for cross-manifest rules::

        yield system, located(where, ("metadata", "name")).fail("the name is taken")

    Its violations carry ``location``, which is where findings of them are reported."""
    parts = _split(path) if isinstance(path, str) else path
    return tuple.__new__(Cursor, (parts, None, "", None, location))


class Context:
    """What a rule sees: frozen ``input`` and ``data``, ``today``, and memoised facts; and the
    tracer, if anyone listens (see :mod:`aims_policy.trace`)."""

    __slots__ = (
        "_ask_tracking",
        "_facts",
        "_lists",
        "_reads",
        "_tracking",
        "_whole",
        "data",
        "evidence",
        "input",
        "today",
        "tracer",
    )

    def __init__(
        self,
        input: PMap[str, Any],
        data: PMap[str, Any],
        today: _dt.date,
        *,
        tracer: Tracer | None = None,
        evidence: Mapping[Path, str] | None = None,
    ):
        self.input = input
        self.data = data
        self.today = today
        # What the file system said about each evidence reference, resolved before evaluation
        # (see aims_policy.evidence) so that rules stay pure: path -> "ok" | "url" | a problem.
        self.evidence: Mapping[Path, str] = evidence or {}
        # Whether git tracks the evidence files that exist (aims_policy.evidence.tracking); None:
        # not asked (outside a git work tree, as far as rules know). See :attr:`tracking`.
        self._tracking: Tracking | None = None
        self._ask_tracking: Callable[[], Tracking | None] | None = None
        # Facts by Fact, and what several collectors share by (function, locator): see shared.
        self._facts: dict[Any, Any] = {}
        # Reads memoised by path: a hundred rules ask for the same few fields, and a pyrsistent
        # lookup is Python code; the documents are immutable, so a cached read never goes stale.
        self._reads: dict[str, Any] = {}
        self._lists: dict[str, tuple[Cursor, ...]] = {}  # the cursors of each list walked
        self.tracer = tracer
        # The manifest's context when this one shows a rule only a part of a list (_Part):
        # facts are computed on the whole manifest, whichever rule asks first.
        self._whole: Context | None = None

    @property
    def tracking(self) -> Tracking | None:
        """What git says of the evidence files, asked the first time a rule reads it: asking
        runs git, which a run whose rules never read it (``--select`` without AIMS-EVD-003, a
        manifest outside a git work tree) must not pay for. The answer is the same whenever it
        is asked (git is consulted once per work tree and run), so rules stay pure."""
        ask = self._ask_tracking
        if ask is not None:
            self._ask_tracking = None
            self._tracking = ask()
        return self._tracking

    @tracking.setter
    def tracking(self, value: Tracking | None) -> None:
        self._ask_tracking = None
        self._tracking = value

    def defer_tracking(self, ask: Callable[[], Tracking | None]) -> None:
        """Let :attr:`tracking` be answered by ``ask()`` when (and if) a rule first reads it."""
        self._ask_tracking = ask

    # -- reading ----------------------------------------------------------------------------
    def get(self, dotted_path: str, default: Any = None) -> Any:
        """``ctx.get("spec.classification.riskLevel")``: the value, or ``default`` if absent."""
        node = self._reads.get(dotted_path, _UNREAD)
        if node is _UNREAD:
            node = self.input
            for key in dotted_path.split("."):
                # Concrete types, not collections.abc: an ABC check costs more than the lookup.
                if type(node) not in FROZEN_MAPS and not isinstance(node, Mapping):
                    node = _MISSING
                    break
                node = node.get(key, _MISSING)
                if node is _MISSING:
                    break
            self._reads[dotted_path] = node
        if self.tracer is not None:
            if node is _MISSING:
                self.tracer.absent(dotted_path)
            else:
                self.tracer.read(dotted_path, node)
        return default if node is _MISSING else node

    def param(self, dotted_path: str) -> Any:
        """A value of the data document; a missing parameter is a bug in the rule or the data."""
        node: Any = self.data
        for key in dotted_path.split("."):
            node = node[key]
        if self.tracer is not None:
            self.tracer.param(dotted_path, node)
        return node

    def at(self, path: str | Path) -> Cursor:
        """The place at a dotted path (or a path tuple) of the manifest, to report at: it is
        not read, so whether it exists is for the rule to know (``missing`` can look further)."""
        parts = (_PATHS.get(path) or _split(path)) if type(path) is str else path
        return tuple.__new__(Cursor, (parts, None, "", self, None))

    def each(self, dotted_path: str) -> Iterator[Cursor]:
        """Iterate a list of the manifest: a cursor for each element, with its value and identity."""
        if self.tracer is None:
            # Many rules walk the same few lists: their cursors are made once per manifest.
            cursors = self._lists.get(dotted_path)
            return self._first_walk(dotted_path) if cursors is None else iter(cursors)
        return self._cursors(dotted_path)

    def _first_walk(self, dotted_path: str) -> Iterator[Cursor]:
        # A generator like _cursors: the list is read when the walk starts, not when each() is
        # called (a part that does not match the schema raises Unreadable then, traced or not).
        cursors = self._lists[dotted_path] = tuple(self._cursors(dotted_path))
        yield from cursors

    def _cursors(self, dotted_path: str) -> Iterator[Cursor]:
        base: Path = tuple(dotted_path.split("."))
        items = self.get(dotted_path)
        if type(items) is not VECTOR and (
            not isinstance(items, Sequence) or isinstance(items, str)
        ):
            return
        if self.tracer is not None:
            yield from _traced_items(self.tracer, dotted_path, base, items)
            return
        for index, value in enumerate(items):
            name = item_name(value)
            path = (*base, index)
            yield tuple.__new__(
                Cursor, (path, value, str(index) if name is None else name, None, None)
            )

    def date(self, value: Any) -> _dt.date | None:
        """Parse an ISO date field (schema-validated); None when absent."""
        return _dt.date.fromisoformat(value) if isinstance(value, str) else None

    def note(self, text: str) -> None:
        """Record a condition for ``--explain`` (free when explain is off)."""
        if self.tracer is not None:
            self.tracer.note(text)


class _TracedContext(Context):
    """A context with a tracer reports reading ``today`` too (a date rule's verdict rests on it,
    and it is no part of either document). A class of its own, made by :func:`make_context` for a
    tracer only, so that an ordinary check reads ``today`` as the plain slot it is."""

    __slots__ = ()

    @property
    def today(self) -> _dt.date:
        value: _dt.date = _TODAY.__get__(self, Context)
        if self.tracer is not None:
            self.tracer.read("today", value)
        return value

    @today.setter
    def today(self, value: _dt.date) -> None:
        _TODAY.__set__(self, value)


_TODAY: Any = Context.__dict__["today"]  # the slot's own descriptor, which stores the value


class _Guard:
    """Reads of a document with parts that do not match the schema: a read that reaches an
    :class:`Invalid` node (the node itself or anything below it) raises :class:`Unreadable`
    before the tracer or the rule sees anything. Mixed into a context class of its own, made by
    :func:`make_context` only for such documents, so that a valid manifest pays nothing."""

    __slots__ = ()

    input: Any

    def get(self, dotted_path: str, default: Any = None) -> Any:
        node = self.input
        for key in dotted_path.split("."):
            if type(node) not in FROZEN_MAPS:
                break
            node = node.get(key, _MISSING)
            if type(node) is Invalid:
                raise node.unreadable()
        return super().get(dotted_path, default)  # type: ignore[misc]


class _GuardedContext(_Guard, Context):
    __slots__ = ()


class _GuardedTracedContext(_Guard, _TracedContext):
    __slots__ = ()


class _Part(Context):
    """The manifest as a rule declared with ``each=`` sees it while :func:`evaluate_all` shows
    it a part of that list: ``each`` of the list gives the part's items (with their places in
    the whole list), everything else is the whole manifest's. Reads, walks of other lists and
    facts are the whole context's own, shared with it (a fact is computed on the whole manifest,
    whichever rule asks first: see :class:`Fact`). It counts the rule's walks of the list: a
    rule that judges each item on its own walks it once."""

    __slots__ = ("_items", "_list", "walks")

    def __init__(self, whole: Context, dotted_path: str, items: tuple[Cursor, ...]):
        # Not Context.__init__: the whole context's state is shared, not made anew.
        self.input, self.data, self.today = whole.input, whole.data, whole.today
        self.evidence, self.tracer = whole.evidence, None
        self._facts, self._reads, self._lists = whole._facts, whole._reads, whole._lists
        self._tracking = self._ask_tracking = None
        self._whole, self._list, self._items = whole, dotted_path, items
        self.walks = 0

    @property
    def tracking(self) -> Tracking | None:
        return self._whole.tracking if self._whole is not None else None

    @tracking.setter
    def tracking(self, value: Tracking | None) -> None:
        if self._whole is not None:
            self._whole.tracking = value

    def each(self, dotted_path: str) -> Iterator[Cursor]:
        if dotted_path == self._list:
            self.walks += 1
            return iter(self._items)
        return self._whole.each(dotted_path) if self._whole is not None else iter(())


class _TracedCursor(Cursor):
    """A list element's :class:`Cursor` whose reads are traced, made by :meth:`Context.each` only
    while a tracer listens (so that an ordinary check pays nothing): what a rule reads of each
    element is what explains a finding at that element."""

    # No __slots__: the tracer and the element's identity path live in the instance's __dict__.
    tracer: Tracer
    where: str

    def get(self, key: str, default: Any = None) -> Any:
        value = self.value.get(key, _MISSING) if isinstance(self.value, Mapping) else _MISSING
        if value is _MISSING:
            self.tracer.absent(f"{self.where}.{key}", self.path)
            return default
        self.tracer.read(f"{self.where}.{key}", value, self.path)
        return value


def _traced_items(
    tracer: Tracer, dotted_path: str, base: Path, items: Sequence[Any]
) -> Iterator[Cursor]:
    for index, value in enumerate(items):
        name = item_name(value)
        item = _TracedCursor((*base, index), value, name if name is not None else str(index))
        item.tracer = tracer
        item.where = f"{dotted_path}[{item.name}]"
        yield item


# -- facts ----------------------------------------------------------------------------------


class Condition:
    """What ``applies=`` takes beyond a plain predicate: a fact, or facts combined with ``~``
    (not), ``&`` (and) and ``|`` (or), e.g. ``applies=is_high_risk & in_operation``.

    A combination is evaluated like Python's ``not``/``and``/``or``, left to right and stopping as
    soon as the answer is known; each fact it asks reports itself to ``--explain``, the
    combination adds nothing of its own. Its applicability text is generated from the facts'."""

    __slots__ = ()

    def __call__(self, ctx: Context) -> Any:
        raise NotImplementedError

    @property
    def text(self) -> str:
        """Which systems the condition holds for, as the rule reference shows it."""
        raise NotImplementedError

    def __invert__(self) -> Condition:
        return _Not(self)

    def __and__(self, other: Condition) -> Condition:
        return _All(*_operands(self, _All), *_operands(other, _All))

    def __or__(self, other: Condition) -> Condition:
        return _Any(*_operands(self, _Any), *_operands(other, _Any))


def _operands(condition: Condition, kind: type[_Combined]) -> tuple[Condition, ...]:
    # a & b & c is one conjunction of three (and reads as one), not a conjunction inside another.
    if not isinstance(condition, Condition):
        raise TypeError(f"only facts combine with ~, & and |, not {condition!r}")
    return condition.parts if isinstance(condition, kind) else (condition,)


def _lower(text: str) -> str:
    """A sentence's opening made to continue another: "High-risk systems" -> "high-risk
    systems", but "EU AI Act ..." stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _operand(condition: Condition) -> str:
    text = _lower(condition.text)
    return f"({text})" if isinstance(condition, _Combined) else text


class _Not(Condition):
    __slots__ = ("part",)

    def __init__(self, part: Condition) -> None:
        self.part = part

    def __call__(self, ctx: Context) -> bool:
        return not self.part(ctx)

    @property
    def text(self) -> str:
        return f"Systems other than {_operand(self.part)}"


class _Combined(Condition):
    __slots__ = ("parts",)

    def __init__(self, *parts: Condition) -> None:
        self.parts = parts


class _All(_Combined):
    __slots__ = ()

    def __call__(self, ctx: Context) -> bool:
        # Loops, not all()/any() of a generator: applicability is asked of every rule on every
        # manifest, and a generator is one more object each time.
        for part in self.parts:  # noqa: SIM110
            if not part(ctx):
                return False
        return True

    @property
    def text(self) -> str:
        first, *rest = self.parts
        head = f"({first.text})" if isinstance(first, _Combined) else first.text
        return f"{head} that are also {' and also '.join(_operand(p) for p in rest)}"


class _Any(_Combined):
    __slots__ = ()

    def __call__(self, ctx: Context) -> bool:
        for part in self.parts:  # noqa: SIM110
            if part(ctx):
                return True
        return False

    @property
    def text(self) -> str:
        first, *rest = self.parts
        head = f"({first.text})" if isinstance(first, _Combined) else first.text
        return ", as well as ".join([head, *(_operand(p) for p in rest)])


class Fact(Condition, Generic[T]):
    """A memoised function of the context: computed once per manifest, shared by all rules."""

    def __init__(self, fn: Callable[[Context], T]):
        self.fn = fn
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self._text: str | None = None

    def __call__(self, ctx: Context) -> T:
        cache = ctx._facts
        tracer = ctx.tracer
        if self in cache:
            value: T = cache[self]
            if tracer is not None:
                tracer.fact(self, value)
        elif tracer is None:
            value = cache[self] = self.fn(ctx._whole or ctx)
        else:
            # The tracer hears what computing the fact reads, so that it can show those reads
            # wherever the fact is used later from the cache.
            tracer.enter_fact(self)
            value = cache[self] = self.fn(ctx)
            tracer.leave_fact(self, value)
        return value

    @property
    def text(self) -> str:
        # Kept once made: every rule that applies with the fact asks for it when declared.
        if self._text is None:
            self._text = _summary(self)
        return self._text

    def __repr__(self) -> str:
        return f"<fact {self.__name__}>"


def fact(fn: Callable[[Context], T]) -> Fact[T]:
    """Declare a derived fact (Rego's virtual document). Its docstring's first sentence says which
    systems it holds for: it is the applicability text of the rules that apply with it."""
    return Fact(fn)


def _summary(applies: Any) -> str:
    """The first paragraph of a docstring (the whole sentence, however many lines it takes),
    folded to one line, without its full stop."""
    doc = (getattr(applies, "__doc__", None) or "").strip()
    first = _folded(doc.split("\n\n", 1)[0])
    return first.rstrip(".") if first else getattr(applies, "__name__", "when its condition holds")


# -- crosswalk references -------------------------------------------------------------------

# The one rule for Reference.derived: a reference is derived unless an authoritative source
# states it. An article a rule enforces is the law itself, not a mapping: not derived. The
# crosswalk's NIST AI RMF rows are transcribed from the published NIST AI RMF to ISO/IEC 42001
# crosswalk: not derived. Its EU AI Act rows are its own derivation, since no authoritative
# ISO/IEC 42001 to AI Act mapping exists: derived. A link of our own is derived, whatever the
# framework. (Made with tuple.__new__: every run declares some 1,200 references.)


def eu(ref: str, confidence: str = "high", *, basis: bool = False, own: bool = False) -> Reference:
    """An EU AI Act reference of a rule: ``eu("Art. 10(2)(b)", "high")``, as the crosswalk maps
    the rule's ISO/IEC 42001 controls and clauses; ``basis=True`` for an article the rule enforces
    directly (its legal basis), ``own=True`` for a link the crosswalk does not make."""
    return tuple.__new__(Reference, (ref, confidence, not basis))


def nist(ref: str, confidence: str = "high", *, own: bool = False) -> Reference:
    """A NIST AI RMF reference of a rule: ``nist("MAP 2.3")``, as the crosswalk maps the rule's
    ISO/IEC 42001 controls and clauses; ``own=True`` for a link the crosswalk does not make."""
    return tuple.__new__(Reference, (ref, confidence, own))


def _refs(values: Iterable[str | Reference | tuple[str, str]]) -> tuple[Reference, ...]:
    # eu() and nist() are how references are written. Plain strings and (ref, confidence) pairs,
    # the spelling before them, are still accepted from packs written that way, and mean what
    # they meant then: a reference taken as given, not derived.
    out = []
    for v in values:
        if isinstance(v, Reference):
            out.append(v)
        elif isinstance(v, tuple):
            out.append(Reference(v[0], v[1]))
        else:
            out.append(Reference(v))
    return tuple(out)


# -- rules ----------------------------------------------------------------------------------

Check = Callable[[Context], Iterable[Violation]]
Applies = Callable[[Context], Any]


class Rule(Record):
    meta: RuleMeta
    check: Check
    applies: Applies | None = None
    module: str = ""
    # The list whose items the rule judges each on its own (``@rule(each="spec.risks")``): what
    # it finds at one item depends on that item and on nothing else in the list, and it reports
    # only at the items. The engine may then show it a long list a part at a time.
    each: str | None = None

    @property
    def id(self) -> str:
        return self.meta.id


def _pascal(text: str) -> str:
    """Words run together, each with a capital: SARIF's short name of a rule."""
    # The usual text, a function's name with spaces for underscores, declared on every run:
    # lower-case ASCII words, which str.title() capitalises as the general case does.
    if text.isascii() and text.islower() and text.replace(" ", "").isalpha():
        return text.title().replace(" ", "")
    return "".join([w[:1].upper() + w[1:] for w in text.replace("-", " ").split() if w.isalnum()])


def _folded(text: str) -> str:
    """Prose folded to one line: each run of whitespace one space, none at either end."""
    # Every run declares every rule, so the two usual shapes are told apart cheaply: prose whose
    # lines go on indented by eight spaces (a triple-quoted argument of @rule), joined with one
    # replace, and text already folded (most one-line remediations). Either is then folded if it
    # has no whitespace but single inner spaces: ASCII text without the other breaks has no tab,
    # newline or other space, so a run of whitespace in the original was a space or one line
    # break with its indentation, and each is now one space. (Each `in` is a memchr; isprintable
    # read the ~70,000 characters of the pack's prose one by one: 1.7 M instructions a run.)
    joined = text.replace("\n        ", " ") if "\n" in text else text
    if (
        joined.isascii()
        and "  " not in joined
        and joined[:1] != " "
        and joined[-1:] != " "
        # what str.split() breaks ASCII text at, besides the space
        and "\n" not in joined
        and "\t" not in joined
        and "\r" not in joined
        and "\x0b" not in joined
        and "\x0c" not in joined
        and "\x1c" not in joined
        and "\x1d" not in joined
        and "\x1e" not in joined
        and "\x1f" not in joined
    ):
        return joined
    return " ".join(text.split())


@overload
def rule(fn: Check) -> Rule: ...
@overload
def rule(**meta: Any) -> Callable[[Check], Rule]: ...
def rule(fn: Check | None = None, **meta: Any) -> Rule | Callable[[Check], Rule]:
    """Declare a rule::

        @rule(id="AIMS-RSK-004", title="Every risk has an owner", severity="error",
              controls=["A.3.2"], clauses=["6.1.2"], nist_ai_rmf=[nist("GOVERN 2.1")],
              applies=has_risks, rationale="...", remediation="...")
        def risk_owner(ctx):
            for risk in ctx.each("spec.risks"):
                if not risk.get("owner"):
                    yield risk.missing("owner", f"risk {risk.name} has no owner")

    ``applies`` is a fact, facts combined with ``~``, ``&`` and ``|``, or a predicate; when false
    the rule is not applicable. Crosswalk lists (``eu_ai_act``, ``nist_ai_rmf``) take
    :func:`eu` and :func:`nist` references. A rule that only requires fields is :func:`required`.
    """

    def declare(check: Check) -> Rule:
        name = _pascal(check.__name__.replace("_", " "))
        return _declare(check, getattr(check, "__module__", ""), name, meta)

    return declare(fn) if fn is not None else declare


def _declare(check: Check, module: str, name: str, meta: dict[str, Any]) -> Rule:
    applies = meta.pop("applies", None)
    title = meta["title"]
    kinds = meta.pop("kinds", None)
    each = meta.pop("each", None)
    if each is not None and (type(each) is not str or not all(each.split("."))):
        raise TypeError(f"rule {title!r}: each= takes the dotted path of a list, not {each!r}")
    # Every field, in RuleMeta's order, made by tuple.__new__ as eu() and nist() make theirs:
    # every run declares every rule, and Record.__new__ is a Python call (a record built by
    # keyword, its slow path). tests/test_rule_metadata.py reads back each field.
    info = tuple.__new__(RuleMeta, (
        meta.pop("id"),
        meta.pop("name", None) or name,
        meta.pop("title"),
        meta.pop("severity"),
        _folded(meta.pop("rationale")),
        _folded(meta.pop("remediation")),
        tuple(meta.pop("controls", ())),
        tuple(meta.pop("clauses", ())),
        _refs(meta.pop("eu_ai_act", ())),
        _refs(meta.pop("nist_ai_rmf", ())),
        tuple(meta.pop("tags", ())),
        meta.pop("applies_to", None) or _applies_text(applies, kinds),
        meta.pop("pack", "builtin"),
        "manifest",
        tuple(kinds or ("AISystem",)),
    ))  # fmt: skip
    if meta:
        raise TypeError(f"rule {title!r}: unknown metadata {sorted(meta)}")
    return tuple.__new__(Rule, (info, check, applies, module, each))


def required(
    field: str | Mapping[str, str],
    message: str | None = None,
    *,
    within: str | None = None,
    **meta: Any,
) -> Rule:
    """Declare a rule that only requires a field (when ``applies`` holds)::

        owner_contact = required(
            "spec.owner.email",
            "the system owner has no email address; add `email:`",
            within="spec.owner",
            id="AIMS-OWN-001", title="The system owner can be contacted", severity="error",
            rationale="...", remediation="...",
        )

    The rule fails when the field is absent or empty, with the violation :meth:`Cursor.missing`
    gives at ``within``: the part of the path the rule knows exists, because the schema requires
    it or ``applies`` implies it (default: the top-level section, such as ``spec``). Sections
    between it and the field may be absent themselves; a missing one is reported instead of the
    field. Several fields, each with its own message: ``required({path: message, ...}, ...)``.

    The rest is :func:`rule`'s metadata; ``name`` (SARIF's short name) defaults to the title's
    words run together."""
    fields = dict(field) if isinstance(field, Mapping) else {field: message}
    anchor = within or next(iter(fields)).split(".", 1)[0]
    checks = []
    for path, text in fields.items():
        if text is None or not path.startswith(f"{anchor}."):
            raise TypeError(f"required({path!r}): give a message, and a path below {anchor!r}")
        checks.append((path, path[len(anchor) + 1 :], text))
    # The defining module, as namedtuple finds it: rule_source() and the rule reference name it.
    module = sys._getframe(1).f_globals.get("__name__", "")
    return _declare(_Required(anchor, tuple(checks)), module, _pascal(meta["title"]), meta)


class _Required:
    """The body of a :func:`required` rule. An object rather than a function: coverage counts
    the lines of a rule's own function, and this one has none in the rule's module."""

    __slots__ = ("anchor", "checks")

    def __init__(self, anchor: str, checks: tuple[tuple[str, str, str], ...]) -> None:
        self.anchor = anchor
        self.checks = checks  # (path, path below the anchor, message)

    def __call__(self, ctx: Context) -> tuple[Violation, ...]:
        found: tuple[Violation, ...] = ()
        for path, below, message in self.checks:
            if not ctx.get(path):
                found += (ctx.at(self.anchor).missing(below, message),)
        return found


def _applies_text(applies: Applies | None, kinds: Any = None) -> str:
    if applies is None:
        if kinds and "AISystem" not in kinds:
            return "the organisation manifest"
        if kinds and len(kinds) > 1:
            return "every manifest"
        return "every system"
    return applies.text if isinstance(applies, Condition) else _summary(applies)


# -- evaluation -----------------------------------------------------------------------------


class Outcome(Record):
    """The result of one rule on one manifest. With a tracer that explains, ``trace`` is what the
    whole evaluation met and ``explanations`` what led to each violation (in order)."""

    rule: Rule
    status: str  # passed | failed | not_applicable | not_evaluated | error
    violations: tuple[Violation, ...] = ()
    reason: str = ""
    trace: tuple[str, ...] = ()
    explanations: tuple[tuple[str, ...], ...] = ()


def make_context(
    input: Any,
    data: Any,
    today: _dt.date,
    *,
    trace: bool = False,
    tracer: Tracer | None = None,
    with_input: Mapping[str, Any] | None = None,
    with_data: Mapping[str, Any] | None = None,
    unreadable: Mapping[Path, tuple[str, str]] | None = None,
) -> Context:
    """Freeze the documents (once per manifest) and apply ``with`` overrides.

    Override keys are identity paths (``spec.risks[R-7].owner``); a value of :data:`UNSET`
    removes the key. ``trace`` gives the context an :class:`~aims_policy.trace.Explanation`
    (besides ``tracer``, if given). ``unreadable`` maps the paths of the input that do not match
    the schema to (identity path, reason): each becomes an :class:`Invalid` node, and a rule that
    reads one is not evaluated."""
    frozen_input = input if isinstance(input, PMap) else freeze_plain(input)
    frozen_data = data if isinstance(data, PMap) else freeze_plain(data)
    for path, value in (with_input or {}).items():
        frozen_input = _override(frozen_input, path, value)
    for path, value in (with_data or {}).items():
        frozen_data = _override(frozen_data, path, value)
    if trace:
        from aims_policy.trace import Explanation, Tee

        tracer = Tee(Explanation(), tracer) if tracer is not None else Explanation()
    if unreadable:
        for where in sorted(unreadable, key=len):
            frozen_input = _made_invalid(frozen_input, where, Invalid(*unreadable[where]))
        if tracer is None:
            return _GuardedContext(frozen_input, frozen_data, today)
        return _GuardedTracedContext(frozen_input, frozen_data, today, tracer=tracer)
    if tracer is None:
        return Context(frozen_input, frozen_data, today)
    return _TracedContext(frozen_input, frozen_data, today, tracer=tracer)


def _made_invalid(node: Any, path: Path, invalid: Invalid) -> Any:
    """``node`` with ``invalid`` at ``path`` (set there even if absent: a missing required
    field). A path below a node made invalid already, or through a part that is not there, leaves
    ``node`` as it is."""
    if not path:
        return invalid
    if type(node) is Invalid:
        return node
    key, rest = path[0], path[1:]
    if type(node) is VECTOR and type(key) is int and 0 <= key < len(node):
        return node.set(key, _made_invalid(node[key], rest, invalid))
    if type(node) in FROZEN_MAPS and type(key) is str and (not rest or key in node):
        return node.set(key, _made_invalid(node.get(key), rest, invalid))
    return node


def first_invalid(value: Any) -> Invalid | None:
    """The first :class:`Invalid` node in ``value`` (what a cross-manifest rule collected), if
    any: such a value must not leave the manifest it came from."""
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is Invalid:
            return node  # type: ignore[no-any-return]
        if kind in FROZEN_MAPS or issubclass(kind, dict):
            stack.extend(node.values())
        elif kind is VECTOR or issubclass(kind, (list, tuple, set, frozenset)):
            stack.extend(node)
    return None


def freeze_plain(value: Any) -> Any:
    """Freeze loader output (dicts, lists, scalars) into pyrsistent structures.

    pyrsistent.freeze handles any type through isinstance checks against ABCs; the loader only
    ever produces plain dicts and lists, and this pass runs once per manifest."""
    kind = type(value)
    # Most values are scalars, which stay as they are: they are passed over without a call.
    if kind is dict:
        return frozen_map(
            {k: v if type(v) in LOADED_SCALARS else freeze_plain(v) for k, v in value.items()}
        )
    if kind is list:
        return pvector([v if type(v) in LOADED_SCALARS else freeze_plain(v) for v in value])
    if kind is tuple:
        return tuple(freeze_plain(item) for item in value)
    if isinstance(value, (dict, list)):  # subclasses: rare, take the general road
        return freeze(value)
    return value


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _override(doc: PMap[str, Any], path: str, value: Any) -> PMap[str, Any]:
    """``doc`` with the node at the identity path ``path`` set to ``value`` (or removed)."""
    keys = resolve(doc, path)
    if value is UNSET:
        return doc.transform(keys, discard)
    frozen = freeze(value)
    return doc.transform(keys, lambda _old: frozen)


def evaluate(rule: Rule, ctx: Context) -> Outcome:
    """Evaluate one rule, isolating any exception it raises."""
    if ctx.tracer is not None:
        return _traced(rule, ctx, ctx.tracer)
    try:
        if rule.applies is not None and not rule.applies(ctx):
            reason = _not_applicable(rule, ())
            return tuple.__new__(Outcome, (rule, "not_applicable", (), reason, (), ()))
        violations = tuple(rule.check(ctx))
    except Unreadable as exc:  # it read a part of the manifest that does not match the schema
        return _not_evaluated(rule, exc, ())
    except Exception as exc:  # isolation is the point: one broken rule must not stop the run
        return _error(rule, exc)
    if rule.each is not None and violations:
        stray = _outside_items(rule.each, violations)
        if stray is not None:
            return _strayed(rule, stray)
    # tuple.__new__ skips the Python frame of a record's __new__: this runs for every rule on
    # every manifest.
    status = "failed" if violations else "passed"
    return tuple.__new__(Outcome, (rule, status, violations, "", (), ()))


def _traced(rule: Rule, ctx: Context, tracer: Tracer) -> Outcome:
    """:func:`evaluate`, telling the tracer when the rule starts and ends and each violation as
    it is yielded (so that a violation is explained by what the rule had met by then)."""
    tracer.enter_rule(rule)
    unreadable: Unreadable | None = None
    try:
        violations: tuple[Violation, ...] = ()
        if rule.applies is not None and not rule.applies(ctx):
            status = "not_applicable"
        else:
            found = []
            for violation in rule.check(ctx):
                tracer.violation(violation)
                found.append(violation)
            violations = tuple(found)
            status = "failed" if violations else "passed"
    except Unreadable as exc:
        unreadable = exc
    except Exception as exc:  # isolated, as in evaluate
        return _error(rule, exc)
    finally:
        tracer.leave_rule(rule)
    if rule.each is not None and violations:
        stray = _outside_items(rule.each, violations)
        if stray is not None:
            return _strayed(rule, stray)
    trace, explanations = tracer.explain()
    if unreadable is not None:
        return _not_evaluated(rule, unreadable, trace)
    if status == "not_applicable":
        return Outcome(rule, status, reason=_not_applicable(rule, trace), trace=trace)
    return Outcome(rule, status, violations, trace=trace, explanations=explanations)


def _outside_items(each: str, violations: tuple[Violation, ...]) -> Violation | None:
    """The first violation not at or below an item of the list ``each``, if any."""
    base = _split(each)
    depth = len(base)
    for violation in violations:
        path = violation.path
        if (
            violation.location is not None
            or len(path) <= depth
            or type(path[depth]) is not int
            or path[:depth] != base
        ):
            return violation
    return None


def _strayed(rule: Rule, violation: Violation, shown: str = "") -> Outcome:
    """A rule declared to judge each item of a list on its own reported elsewhere: it does not
    do what it declares, so what it found in parts of the list cannot be trusted (an error)."""
    where = ".".join(str(part) for part in violation.target) or "the top of the manifest"
    which = (
        f"not one of the items it was shown ({shown})" if shown else "not one of the list's items"
    )
    return _undeclared(rule, f"reported at {where}, which is {which}")


def _undeclared(rule: Rule, what: str) -> Outcome:
    return Outcome(
        rule,
        "error",
        reason=f"it declares each={rule.each!r} (it judges each item of that list on its own, "
        f"walking it once with ctx.each and reporting at the item in hand) but {what}; "
        "make it so, or remove each=",
    )


#: How many items of a list the rules declared ``each=`` on it judge together before the next
#: part (:func:`evaluate_all`): the part's items then stay in a core's cache while every such rule
#: reads them, where each rule walking a long list whole reads it back from memory.
PART = 512


def evaluate_all(rules: Sequence[Rule], ctx: Context) -> Iterator[Outcome]:
    """Each rule's outcome on the manifest, in the rules' order: what :func:`evaluate` gives.

    Rules declared ``each=`` on a list longer than :data:`PART` are evaluated together a part of
    the list at a time (all of them on items 0-511, then on 512-1023...): a register of ten
    thousand risks is then read from the cache, not from memory, by all but the first of them.
    What each part gives a rule is joined in order, which is what the rule yields walking the
    whole list once, judging each item on its own. A rule that is seen not to (a violation away
    from the list's items, or at an item it was not shown; a second walk of the list) is an
    error; one that compares items without showing it is caught by its fixtures
    (:func:`parts_disagree`). A traced run, or one of a manifest with parts the schema rejects,
    evaluates each rule whole, as does any rule that does not apply."""
    parted = _in_parts(rules, ctx, PART) if type(ctx) is Context else None
    for index, rule in enumerate(rules):
        outcome = parted.get(index) if parted else None
        yield outcome if outcome is not None else evaluate(rule, ctx)


def _in_parts(rules: Sequence[Rule], ctx: Context, size: int) -> dict[int, Outcome]:
    """The outcomes of the rules (by index) evaluated in parts of ``size`` items."""
    lists: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        if rule.each is not None:
            lists.setdefault(rule.each, []).append(index)
    done: dict[int, Outcome] = {}
    for dotted_path, indices in lists.items():
        try:
            items = tuple(ctx.each(dotted_path))
        except Exception:  # the rules meet it themselves, evaluated whole
            continue
        if len(items) <= size:
            continue
        # Applicability is judged once, on the whole manifest; a rule that does not apply (or
        # whose condition fails) is left to evaluate(), which says why.
        judged = {i: rules[i]._replace(applies=None) for i in indices if _applies(rules[i], ctx)}
        found: dict[int, list[Violation]] = {i: [] for i in judged}
        depth = len(_split(dotted_path))
        for start in range(0, len(items), size):
            shown = items[start : start + size]
            part = _Part(ctx, dotted_path, shown)
            end = start + len(shown)
            for i, bare in judged.items():
                if i in done:
                    continue  # it ended on an earlier part, as it would have walking the whole
                part.walks = 0
                outcome = evaluate(bare, part)
                if outcome.status not in ("passed", "failed"):  # an error or an unreadable part
                    done[i] = outcome._replace(rule=rules[i])
                elif part.walks > 1:
                    # A second walk compares items, or reports in an order that parts would mix.
                    done[i] = _undeclared(rules[i], f"walked {dotted_path} {part.walks} times")
                else:
                    # evaluate() saw each violation at an item; one at an item not shown here
                    # reached the list another way (ctx.get, a fact): not on its own.
                    for violation in outcome.violations:
                        at = violation.path[depth]
                        if not isinstance(at, int) or not start <= at < end:
                            done[i] = _strayed(rules[i], violation, f"items {start}-{end - 1}")
                            break
                    else:
                        found[i].extend(outcome.violations)
        for i in judged:
            if i not in done:
                violations = tuple(found[i])
                status = "failed" if violations else "passed"
                done[i] = tuple.__new__(Outcome, (rules[i], status, violations, "", (), ()))
    return done


def parts_disagree(rule: Rule, ctx: Context) -> str | None:
    """For a rule declared ``each=``: how what it finds shown its list one item at a time differs
    from what it finds walking the whole list, or None when alike (``ctx`` a plain context).
    The rule fixtures ask it of every case, so that a rule that compares items is caught on a
    small manifest, not found out on a register of thousands."""
    whole = evaluate(rule, ctx)
    parted = _in_parts((rule,), ctx, 1).get(0) if type(ctx) is Context else None
    if parted is None:
        return None
    seen = (parted.status, parted.violations, parted.reason)
    if seen == (whole.status, whole.violations, whole.reason):
        return None
    if parted.status == "error" and whole.status != "error":
        return parted.reason
    return (
        f"it declares each={rule.each!r} but, shown its list one item at a time, it is "
        f"{parted.status} with {len(parted.violations)} violations where walking the whole list "
        f"it is {whole.status} with {len(whole.violations)}; a rule declared each= must judge "
        "each item on its own"
    )


def _applies(rule: Rule, ctx: Context) -> bool:
    try:
        return rule.applies is None or bool(rule.applies(ctx))
    except Exception:  # evaluate() reports it
        return False


def _not_evaluated(rule: Rule, exc: Unreadable, trace: tuple[str, ...]) -> Outcome:
    # The trace ends with why: what the rule read before it reached the invalid part, then that.
    return Outcome(
        rule, "not_evaluated", reason=f"not evaluated: {exc.reason}", trace=(*trace, exc.reason)
    )


def _error(rule: Rule, exc: Exception) -> Outcome:
    import traceback

    frame = traceback.extract_tb(exc.__traceback__)[-1]
    where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
    return Outcome(rule, "error", reason=f"{type(exc).__name__}: {exc} (at {where})")


def _not_applicable(rule: Rule, trace: tuple[str, ...]) -> str:
    because = f" ({'; '.join(trace)})" if trace else ""
    return f"applies to: {rule.meta.applies_to}{because}"


def identity(ctx: Context, path: Path) -> str:
    return ident_of(ctx.input, path)


# -- rules across manifests -----------------------------------------------------------------


class Entry(Record):
    """What a cross-manifest rule collected from one manifest (small and picklable)."""

    system: str
    file: str
    value: Any


Pairs = Iterable[tuple[str, Violation]]
SetCheck = Callable[[Sequence[Entry]], Pairs]

if TYPE_CHECKING:  # a Protocol class would cost start-up time on every run; only mypy needs it
    from typing import Protocol

    class Fold(Protocol):
        """What a cross-manifest rule keeps while the manifests' entries come in, one at a time:
        ``add`` takes each entry, ``findings`` yields ``(system, violation)`` pairs at the end."""

        def add(self, entry: Entry) -> None: ...

        def findings(self) -> Pairs: ...

    # A fold may also say, once every entry is in, why the rule does not apply to this set of
    # manifests (``not_applicable() -> str | None``): the systems then record it as such.


class _Listed:
    """The fold of a rule declared as a function over every entry: it keeps them all."""

    __slots__ = ("check", "entries")

    def __init__(self, check: SetCheck) -> None:
        self.check = check
        self.entries: list[Entry] = []

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)

    def findings(self) -> Pairs:
        return self.check(self.entries)


class SetRule(Record):
    """A rule over the whole set of manifests: ``collect`` runs per manifest (in workers, on the
    frozen context and a locator); the parent process folds what it collected into ``check``.

    ``check`` is either a function over the list of every entry, or a class whose instances are
    folds (``add(entry)``, then ``findings()``): a fold keeps only what can still matter, so that
    memory need not grow with the number of manifests. Entries arrive in path order (a file's
    documents in order), however many workers there are."""

    meta: RuleMeta
    collect: Callable[[Context, Callable[[Path], Location]], Any]
    check: SetCheck | type[Fold]

    @property
    def id(self) -> str:
        return self.meta.id

    def start(self) -> Fold:
        """A fresh fold for one run."""
        check = self.check
        return check() if isinstance(check, type) else _Listed(check)

    def run(
        self, entries: Iterable[Entry], tracer: Tracer | None = None
    ) -> list[tuple[str, Violation]]:
        """Every finding over ``entries`` (fixtures and tests; a check folds as results arrive)."""
        return self.judge(entries, tracer)[0]

    def judge(
        self, entries: Iterable[Entry], tracer: Tracer | None = None
    ) -> tuple[list[tuple[str, Violation]], str | None]:
        """Every finding over ``entries``, and why the rule does not apply to them (or None)."""
        if tracer is not None:
            tracer.enter_rule(self)
        try:
            fold = self.start()
            for entry in entries:
                fold.add(entry)
            reason = not_applicable(fold)
            return ([] if reason else list(fold.findings())), reason
        finally:
            if tracer is not None:
                tracer.leave_rule(self)

    def gather(self, ctx: Context, locate: Callable[[Path], Location]) -> Any:
        """``collect`` on one manifest, traced when the context is."""
        tracer = ctx.tracer
        if tracer is None:
            return self.collect(ctx, locate)
        tracer.enter_rule(self)
        try:
            return self.collect(ctx, locate)
        finally:
            tracer.leave_rule(self)


Collect = Callable[[Context, Callable[[Path], Location]], T]


def shared(fn: Collect[T]) -> Collect[T]:
    """Declare what several cross-manifest rules collect alike from a manifest (an organisation
    manifest's record, a system's relied controls): computed once per manifest and locator, as
    a fact is, and the same object handed to each rule. A traced run computes it for each rule
    anew, so that each rule's trace holds its own reads."""

    def once(ctx: Context, locate: Callable[[Path], Location]) -> T:
        if ctx.tracer is not None:
            return fn(ctx, locate)
        key = (fn, locate)
        cache = ctx._facts
        if key in cache:
            value: T = cache[key]
        else:
            value = cache[key] = fn(ctx, locate)
        return value

    once.__name__ = fn.__name__
    once.__doc__ = fn.__doc__
    return once


def not_applicable(fold: Fold) -> str | None:
    """Why a cross-manifest rule does not apply to the manifests its fold was given, if it says
    so (a fold without ``not_applicable`` always applies)."""
    says = getattr(fold, "not_applicable", None)
    return says() if says is not None else None


def set_rule(
    *, collect: Callable[[Context, Callable[[Path], Location]], Any], **meta: Any
) -> Callable[[SetCheck | type[Fold]], SetRule]:
    """Declare a cross-manifest rule on a check function or a fold class (see :class:`SetRule`).
    Its violations carry a :class:`Location`: they may point into any manifest."""

    def declare(check: SetCheck | type[Fold]) -> SetRule:
        # The name comes from the check, as with @rule (not from the placeholder lambda).
        named = {**meta, "name": meta.get("name") or _pascal(check.__name__.replace("_", " "))}
        info = rule(**named)(lambda ctx: ()).meta._replace(scope="set")
        return SetRule(info, collect, check)

    return declare
