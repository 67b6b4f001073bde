"""Record classes: what ``@dataclass`` gives, without its cost at every start (issue 16).

``dataclasses.dataclass`` writes the source of ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``
(and ``__setattr__``/``__delattr__`` when frozen) for each class and compiles it with ``exec``:
about 0.5 ms a class, and a headless command's start defined ~37 of them before its first useful
work (and imported ``dataclasses``, which brings ``inspect``, ``dis`` and ``tokenize``). ``record``
builds the same methods from a few shared functions that read the class's field names instead.

The same behaviour: the same ``__init__`` signature (positional or keyword, defaults,
``field(default_factory=…)``, ``__post_init__``, the same TypeError texts), ``repr`` ("Name(a=1,
b='x')", fields with ``repr=False`` left out), equality (same class, then the compared fields as a
tuple), hashing (frozen: the hash of that tuple; not frozen: unhashable), frozenness
(``dataclasses.FrozenInstanceError``), class attributes for plain defaults and ``__match_args__``.
``dataclasses.fields``/``replace``/``asdict``/``is_dataclass`` work on them: the first look at
``__dataclass_fields__`` builds real ``dataclasses.Field`` objects (importing ``dataclasses``
only then). Methods a class defines itself are kept, as ``dataclass`` keeps them.
``tests/test_records.py`` compares each behaviour with a real dataclass of the same fields.

Not supported (refused with TypeError, none is used): inheriting fields from another record or
dataclass, ``ClassVar``/``InitVar`` fields, ``order``, ``slots``, keyword-only fields.
"""

from __future__ import annotations

from _thread import get_ident
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

__all__ = ["record", "field", "replace", "Field", "record_fields", "build", "MISSING"]

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """A field's declaration (``field(...)``), as ``dataclasses.field`` declares one."""

    __slots__ = ("name", "type", "default", "default_factory", "repr", "compare")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,  # noqa: A002
                 compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: Any = None
        self.default, self.default_factory, self.repr, self.compare = default, default_factory, repr, compare


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, repr: bool = True,  # noqa: A002
          compare: bool = True) -> Any:
    """A field with a default made by ``default_factory`` (a fresh one per object) or left out of
    ``repr``/equality: as ``dataclasses.field``."""
    return Field(default, default_factory, repr, compare)


def _fields_of(cls: type) -> list[Field]:
    own = cls.__dict__
    for base in cls.__mro__[1:-1]:  # (not ``object``)
        if "__dataclass_fields__" in base.__dict__ or "__record_fields__" in base.__dict__:
            raise TypeError(f"{cls.__name__}: a record cannot inherit fields")
    found: list[Field] = []
    seen_default = False
    for name, kind in own.get("__annotations__", {}).items():
        text = kind if isinstance(kind, str) else getattr(kind, "__name__", "")
        if ("Var" in text or "KW_ONLY" in text) and text.split("[")[0].rsplit(".", 1)[-1] in (
                "ClassVar", "InitVar", "KW_ONLY"):
            raise TypeError(f"{cls.__name__}.{name}: ClassVar/InitVar/KW_ONLY fields are not supported")
        declared = own.get(name, MISSING)
        spec = declared if type(declared) is Field else Field(declared)
        spec.name, spec.type = name, kind
        if spec.default is MISSING and spec.default_factory is MISSING:
            if seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
        else:
            seen_default = True
            if spec.default is not MISSING and type(spec.default).__hash__ is None:
                raise ValueError(f"mutable default {type(spec.default)} for field {name} is not allowed: "
                                 "use default_factory")
        found.append(spec)
    return found


def _plural(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + (", and " if len(quoted) > 2 else " and ") + quoted[-1]


def _make_init(cls: type, fields: list[Field], frozen: bool) -> Callable[..., None]:
    names = tuple(f.name for f in fields)
    count = len(names)
    known = frozenset(names)
    required = sum(1 for f in fields if f.default is MISSING and f.default_factory is MISSING)
    entries = tuple((f.name, f.default, f.default_factory) for f in fields)
    post_init = getattr(cls, "__post_init__", None) is not None
    qualname = cls.__qualname__
    set_one = object.__setattr__ if frozen else setattr

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if len(args) > count:
            takes = f"from {required + 1} to {count + 1}" if required < count else str(count + 1)
            raise TypeError(f"{qualname}.__init__() takes {takes} positional argument{'s' if count else ''} "
                            f"but {len(args) + 1} were given")
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key in given:
                raise TypeError(f"{qualname}.__init__() got multiple values for argument {key!r}")
            if key not in known:
                raise TypeError(f"{qualname}.__init__() got an unexpected keyword argument {key!r}")
            given[key] = value
        missing = [n for n in names[:required] if n not in given]
        if missing:
            raise TypeError(f"{qualname}.__init__() missing {len(missing)} required positional argument"
                            f"{'s' if len(missing) > 1 else ''}: {_plural(missing)}")
        values = {}
        for name, default, factory in entries:
            if name in given:
                values[name] = given[name]
            else:
                values[name] = factory() if factory is not MISSING else default
        return values

    # Each field set as dataclass sets it (``object.__setattr__`` when frozen), never through
    # ``self.__dict__``: that would turn the object's compact attribute storage into a dict of its
    # own and make every later attribute read slower (CPython 3.11).
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            for name, value in bind(args, kwargs).items():
                set_one(self, name, value)
        elif len(args) == count:
            for name, value in zip(names, args):
                set_one(self, name, value)
        elif required <= len(args) < count:
            for name, value in zip(names, args):
                set_one(self, name, value)
            for name, default, factory in entries[len(args):]:  # the fields after those given
                set_one(self, name, factory() if factory is not MISSING else default)
        else:
            bind(args, kwargs)  # (raises: too many or too few arguments)
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{qualname}.__init__"
    return __init__


_REPR_RUNNING: set[tuple[int, int]] = set()  # (object, thread) whose repr is being made


def _repr(self: Any) -> str:
    """Every record's ``__repr__`` (the shown fields are the class's): "..." for an object met
    again inside its own repr, as dataclass's."""
    running = (id(self), get_ident())
    if running in _REPR_RUNNING:
        return "..."
    _REPR_RUNNING.add(running)
    try:
        return f"{self.__class__.__qualname__}(" + ", ".join(
            f"{n}={getattr(self, n)!r}" for n in self.__record_shown__) + ")"
    finally:
        _REPR_RUNNING.discard(running)


def _key_getter(fields: list[Field]) -> Callable[[Any], tuple[Any, ...]]:
    """The compared fields of an object as one tuple (also for one field or none)."""
    compared = tuple(f.name for f in fields if f.compare)
    if len(compared) >= 2:
        return attrgetter(*compared)  # (a tuple, made in C)
    if len(compared) == 1:
        one = attrgetter(compared[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _make_eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented
    return __eq__


def _make_hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))
    return __hash__


def _frozen_error(name: str) -> Exception:
    from dataclasses import FrozenInstanceError  # only when refusing (the class the old dataclasses raised)

    return FrozenInstanceError(f"cannot assign to field {name!r}")


def _make_frozen(cls: type, names: frozenset[str]) -> tuple[Callable[..., None], Callable[..., None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise _frozen_error(name)
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise _frozen_error(name)
        super(cls, self).__delattr__(name)
    return __setattr__, __delattr__


class _DataclassFields:
    """``__dataclass_fields__`` made on first look (``dataclasses.fields``/``replace``/``asdict``),
    as real ``dataclasses.Field`` objects; the class keeps them from then on."""

    def __init__(self, cls: type, fields: list[Field], frozen: bool) -> None:
        self.cls, self.fields, self.frozen = cls, fields, frozen

    def __get__(self, obj: Any, owner: type | None = None) -> dict[str, Any]:
        import dataclasses

        made: dict[str, Any] = {}
        for spec in self.fields:
            made_field = dataclasses.field(default=spec.default if spec.default is not MISSING else dataclasses.MISSING,
                                           default_factory=(spec.default_factory if spec.default_factory is not MISSING
                                                            else dataclasses.MISSING),
                                           repr=spec.repr, compare=spec.compare)
            made_field.name, made_field.type = spec.name, spec.type
            made_field._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            made_field.kw_only = False
            made[spec.name] = made_field
        type.__setattr__(self.cls, "__dataclass_fields__", made)
        type.__setattr__(self.cls, "__dataclass_params__", dataclasses._DataclassParams(  # type: ignore[attr-defined]
            True, True, True, False, False, self.frozen))
        return made


def _set_new(cls: type, name: str, value: Any) -> None:
    if name not in cls.__dict__:
        setattr(cls, name, value)


@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = False, later: bool = False) -> Any:
    """``@record`` / ``@record(frozen=True)``: as ``@dataclass`` / ``@dataclass(frozen=True)``.
    ``later``: an object ``build`` made may get some fields' values only when first read."""

    def wrap(cls: type[T]) -> type[T]:
        fields = _fields_of(cls)
        for spec in fields:  # class attributes as dataclass leaves them: plain defaults only
            if spec.default is not MISSING:
                setattr(cls, spec.name, spec.default)
            elif isinstance(cls.__dict__.get(spec.name), Field):
                delattr(cls, spec.name)
        key = _key_getter(fields)
        own_hash = cls.__dict__.get("__hash__", MISSING)  # (before __eq__ is added below)
        explicit_hash = not (own_hash is MISSING or (own_hash is None and "__eq__" in cls.__dict__))
        cls.__record_fields__ = tuple(fields)  # type: ignore[attr-defined]
        cls.__record_names__ = tuple(f.name for f in fields)  # type: ignore[attr-defined]
        cls.__dataclass_fields__ = _DataclassFields(cls, fields, frozen)  # type: ignore[attr-defined]
        _set_new(cls, "__init__", _make_init(cls, fields, frozen))
        cls.__record_shown__ = tuple(f.name for f in fields if f.repr)  # type: ignore[attr-defined]
        _set_new(cls, "__repr__", _repr)
        _set_new(cls, "__eq__", _make_eq(key))
        if not explicit_hash:
            # as dataclass(eq=True) without a __hash__ of the class's own: frozen → the hash of the
            # compared fields; otherwise unhashable
            cls.__hash__ = _make_hash(key) if frozen else None  # type: ignore[assignment,method-assign]
        if frozen:
            if "__setattr__" in cls.__dict__ or "__delattr__" in cls.__dict__:
                raise TypeError(f"{cls.__name__}: a frozen record cannot define __setattr__/__delattr__")
            cls.__setattr__, cls.__delattr__ = _make_frozen(cls, frozenset(f.name for f in fields))  # type: ignore[method-assign,assignment]
        _set_new(cls, "__match_args__", tuple(f.name for f in fields))
        if later:
            if "__getattr__" in cls.__dict__:
                raise TypeError(f"{cls.__name__}: a record made later cannot define __getattr__")
            cls.__getattr__ = _made_later  # type: ignore[attr-defined]
        return cls

    return wrap if cls is None else wrap(cls)


def record_fields(cls_or_obj: Any) -> tuple[Field, ...]:
    """The fields of a record class or object, in order (without importing ``dataclasses``)."""
    return cls_or_obj.__record_fields__


def build(cls: type[T], values: Any, later: dict[str, tuple[Callable[[Any], Any], Any]] | None = None) -> T:
    """An object of a record class from its field values in field order, without calling
    ``__init__`` (for a decoder that has checked the values: ``forms.catalogue_cache``).

    ``later`` (a class made with ``record(later=True)``): field name → (make, data) for fields whose
    value is ``make(data)``, made when first read (their place in ``values`` is ignored). ``make``
    must be a module's function and ``data`` plain data, so the object still pickles (the district
    intake sends the catalogue to its reading processes); ``make`` must always give an equal value
    (two threads may both make it: the first one kept is the field's value)."""
    obj = object.__new__(cls)
    put = object.__setattr__  # (as ``__init__``: never through ``obj.__dict__``)
    if later:
        if any(hasattr(cls, name) for name in later):  # a default's class attribute: no __getattr__ then
            raise TypeError(f"{cls.__name__}: a field with a default cannot be made later")
        for name, value in zip(cls.__record_names__, values):  # type: ignore[attr-defined]
            if name not in later:
                put(obj, name, value)
        put(obj, _LATER, later)
    else:
        for name, value in zip(cls.__record_names__, values):  # type: ignore[attr-defined]
            put(obj, name, value)
    return obj


_LATER = "__later__"


def _made_later(self: Any, name: str) -> Any:
    """``__getattr__`` of a ``record(later=True)`` class: a field ``build`` left to be made on first
    read is made and kept (the next reads find it as any other field; two threads may both make it,
    equal values)."""
    try:
        later = object.__getattribute__(self, _LATER)
    except AttributeError:
        later = None
    if later is not None and name in later:
        make, data = later[name]
        value = make(data)
        object.__setattr__(self, name, value)
        return value
    raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of a record with some fields changed: as ``dataclasses.replace`` (which also works)."""
    names = getattr(obj.__class__, "__record_names__", None)
    if names is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    values = {n: getattr(obj, n) for n in names}
    values.update(changes)
    return obj.__class__(**values)
