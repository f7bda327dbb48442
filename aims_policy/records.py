"""Records: immutable tuples with named fields, declared as classes::

    class Violation(Record):
        path: Path
        message: str
        hint: str = ""

Type checkers see :class:`typing.NamedTuple` itself. At run time a record class is built by a
small metaclass instead, because ``typing.NamedTuple`` costs about 0.8 M instructions per class:
it compiles a constructor from source text for each class and wraps every annotation in a
``ForwardRef``. Every check, even of one file, creates some forty record classes, so that was a
large part of its start-up. Here the constructor and the helper methods are written once, on
:class:`Record`, and a class only gets its fields' accessors (the C accessor ``namedtuple``
itself uses).

One difference: every call goes through one generic ``__new__(cls, /, *args, **kwargs)``,
where a ``NamedTuple`` has a constructor of its own: by position about a quarter slower, by
keyword two to three times slower. Code that makes records by the thousand passes every field
by position, or calls ``tuple.__new__`` itself as the engine does.

What a record does, as a ``NamedTuple`` does: construction by position or keyword with
defaults; fields by name and by index; tuple equality, hashing, ordering and unpacking;
``_fields``, ``_field_defaults``, ``_make``, ``_replace``, ``_asdict``; the same ``repr``;
pickling and copying. A subclass of a record class is an ordinary class (no new fields), as
with ``NamedTuple``. tests/test_records.py checks each of these against ``typing.NamedTuple``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    from collections import _tuplegetter  # namedtuple's own field accessor (C)

    # What a record class may not define itself, as typing.NamedTuple forbids them too.
    _PROHIBITED = frozenset(
        ("__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
         "_make", "_replace", "_asdict", "__replace__", "_template", "_tail", "_required")
    )  # fmt: skip

    class _RecordType(type):
        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
            root = globals().get("Record")
            # Record itself, or an ordinary subclass of a record class: no fields of its own
            if root is None or root not in bases:
                return type.__new__(mcls, name, bases, namespace)
            if "__annotations__" not in namespace and "__annotate__" in namespace:
                # Python 3.14 evaluates class annotations lazily unless the module says
                # otherwise (tests/test_records.py checks that every record module does).
                raise TypeError(
                    f"{name}: declare records under `from __future__ import annotations`"
                )
            fields = tuple(namespace.get("__annotations__", ()))
            defaults = {f: namespace[f] for f in fields if f in namespace}
            if tuple(defaults) != fields[len(fields) - len(defaults) :]:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            for key in _PROHIBITED.intersection(namespace):
                raise AttributeError(f"{name}: cannot overwrite record attribute {key}")
            for index, field in enumerate(fields):
                if field.startswith("_"):
                    raise ValueError(f"{name}: a field name cannot start with '_': {field!r}")
                namespace[field] = _tuplegetter(index, f"Alias for field number {index}")
            namespace.setdefault("__doc__", f"{name}({', '.join(fields)})")
            namespace.update(
                __slots__=(),
                _fields=fields,
                _field_defaults=defaults,
                __match_args__=fields,
                _template={field: defaults.get(field) for field in fields},
                _tail=tuple(defaults.values()),
                _required=frozenset(fields[: len(fields) - len(defaults)]),
            )
            return type.__new__(mcls, name, bases, namespace)

    class Record(tuple, metaclass=_RecordType):
        __slots__ = ()
        _fields: ClassVar[tuple[str, ...]] = ()
        _field_defaults: ClassVar[dict[str, Any]] = {}
        _template: ClassVar[dict[str, Any]] = {}  # every field in order, defaults filled in
        _tail: ClassVar[tuple[Any, ...]] = ()  # the defaults, in order
        _required: ClassVar[frozenset[str]] = frozenset()  # the fields without a default

        def __new__(cls, /, *args: Any, **kwargs: Any) -> Any:
            fields = cls._fields
            if not kwargs:
                missing = len(fields) - len(args)
                if not missing:
                    return tuple.__new__(cls, args)
                if 0 < missing <= len(cls._tail):  # the rest from the defaults
                    return tuple.__new__(cls, args + cls._tail[-missing:])
            elif not args:
                # All by keyword: the given values over the class's template, read out by C
                # code. Anything amiss (a field without a default not given, a name unknown:
                # one key too many) falls through to _arguments, which says what.
                given = cls._template | kwargs
                if len(given) == len(fields) and kwargs.keys() >= cls._required:
                    return tuple.__new__(cls, given.values())
            return tuple.__new__(cls, _arguments(cls, args, kwargs))

        @classmethod
        def _make(cls, iterable: Any) -> Any:
            made = tuple.__new__(cls, iterable)
            if len(made) != len(cls._fields):
                raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(made)}")
            return made

        def _replace(self, /, **changes: Any) -> Any:
            made = self._make(map(changes.pop, self._fields, self))
            if changes:
                raise ValueError(f"Got unexpected field names: {list(changes)!r}")
            return made

        __replace__ = _replace  # copy.replace (Python 3.13)

        def _asdict(self) -> dict[str, Any]:
            return dict(zip(self._fields, self, strict=True))

        def __getnewargs__(self) -> tuple[Any, ...]:
            return tuple(self)

        def __repr__(self) -> str:
            pairs = ", ".join(
                f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True)
            )
            return f"{type(self).__name__}({pairs})"

    def _arguments(cls: type[Record], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple:
        fields, defaults = cls._fields, cls._field_defaults
        if len(args) > len(fields):
            raise TypeError(
                f"{cls.__name__}() takes {len(fields)} positional arguments but {len(args)} "
                "were given"
            )
        try:
            rest = [kwargs.pop(f) if f in kwargs else defaults[f] for f in fields[len(args) :]]
        except KeyError as missing:
            raise TypeError(f"{cls.__name__}() missing required argument: {missing}") from None
        for field in kwargs:
            said = "got multiple values for" if field in fields else "got an unexpected keyword"
            raise TypeError(f"{cls.__name__}() {said} argument {field!r}")
        return (*args, *rest)


__all__ = ["Record"]
