"""records.record (s1, issue 16): every record class behaves as the dataclass it replaced.

Each record class of the start path is compared with a real ``dataclasses.dataclass`` built from
the same fields: construction (positional, keywords, defaults, fresh default factories, the same
TypeError texts), repr, equality, hashing, frozenness, ``dataclasses.replace``/``fields``/``asdict``
and ``records.replace``."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import records
from records import field, record

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("forms.spec", "forms.reference", "forms.values", "forms.compute", "forms.compute_context", "forms.findings", "forms.note_check",
           "forms.period_rules", "forms.incremental", "forms.validation", "forms.upgrade_steps", "storage.database",
           "storage.changes", "storage.workspace", "storage.form_upgrades", "storage.opening")


def _record_classes() -> list[type]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        found += [obj for obj in vars(module).values()
                  if isinstance(obj, type) and "__record_names__" in vars(obj) and obj.__module__ == name]
    return found


CLASSES = _record_classes()


def _twin(cls: type) -> type:
    """The dataclass ``cls`` was before: the same fields, defaults and options."""
    namespace: dict[str, Any] = {"__annotations__": {}, "__qualname__": cls.__qualname__, "__module__": cls.__module__}
    for spec in records.record_fields(cls):
        namespace["__annotations__"][spec.name] = spec.type
        namespace[spec.name] = dataclasses.field(
            default=dataclasses.MISSING if spec.default is records.MISSING else spec.default,
            default_factory=dataclasses.MISSING if spec.default_factory is records.MISSING else spec.default_factory,
            repr=spec.repr, compare=spec.compare)
    frozen = dataclasses.fields(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    return dataclasses.dataclass(frozen=bool(frozen))(type(cls.__name__, (), namespace))


def _values(cls: type, salt: str = "") -> list[Any]:
    return [f"{salt}{spec.name}-{i}" for i, spec in enumerate(records.record_fields(cls))]


def _same(a: Any, b: Any) -> None:
    assert list(vars(a).items()) == list(vars(b).items())
    assert repr(a) == repr(b)


def _error(call: Any, cls: type) -> str:
    with pytest.raises(TypeError) as caught:
        call(cls)
    return str(caught.value)


def test_the_start_path_defines_its_classes_as_records() -> None:
    assert len(CLASSES) >= 37
    assert {"FormSpec", "ColumnSpec", "RuleSpec", "Finding", "ValidationResult", "Report", "ReportData",
            "ParsedValue", "Changes", "ComputeContext"} <= {c.__name__ for c in CLASSES}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_record_is_constructed_as_its_dataclass(cls: type) -> None:
    twin = _twin(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    assert names == [f.name for f in dataclasses.fields(twin)] == list(cls.__match_args__)  # type: ignore[attr-defined]
    values = _values(cls)
    _same(cls(*values), twin(*values))
    _same(cls(**dict(zip(names, values))), twin(**dict(zip(names, values))))
    required = sum(1 for f in dataclasses.fields(twin)
                   if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    for given in range(required, len(names) + 1):
        _same(cls(*values[:given]), twin(*values[:given]))
        half = given // 2
        _same(cls(*values[:half], **dict(zip(names[half:given], values[half:given]))),
              twin(*values[:half], **dict(zip(names[half:given], values[half:given]))))
    for spec in dataclasses.fields(cls):  # the same class attributes (plain defaults only)
        assert (spec.name in vars(cls)) == (spec.name in vars(twin))
        if spec.default_factory is not dataclasses.MISSING:
            a, b = cls(*values[:required]), cls(*values[:required])
            assert getattr(a, spec.name) == spec.default_factory() and getattr(a, spec.name) is not getattr(b, spec.name)
    own_init = "__init__" in vars(cls) and cls.__init__.__qualname__ != f"{cls.__qualname__}.__init__"
    wrong = [lambda k: k(*values, "extra"), lambda k: k(*values[:required], no_such_field=1),
             lambda k: k(values[0], **{names[0]: values[0]})]
    if required:
        wrong += [lambda k: k(*values[:required - 1]), lambda k: k()]
    for call in wrong:
        message = _error(call, cls)
        if not own_init:  # (a class's own __init__ is Python's: its messages are Python's)
            assert message == _error(call, twin)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_record_compares_hashes_and_freezes_as_its_dataclass(cls: type) -> None:
    twin = _twin(cls)
    values = _values(cls)
    a, b, other = cls(*values), cls(*values), cls(*_values(cls, "x"))
    assert a == b and not (a != b) and a != other
    assert (a == twin(*values)) is False and a.__eq__(twin(*values)) is NotImplemented
    frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert frozen == twin.__dataclass_params__.frozen  # type: ignore[attr-defined]
    if frozen:
        assert hash(a) == hash(b) == hash(twin(*values))
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field"):
            setattr(a, dataclasses.fields(cls)[0].name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.anything_else = 1  # type: ignore[attr-defined]
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(a, dataclasses.fields(cls)[0].name)
    else:
        assert cls.__hash__ is None and twin.__hash__ is None
        first = dataclasses.fields(cls)[0].name
        setattr(a, first, "changed")
        assert a != b and getattr(a, first) == "changed"
    changed = {dataclasses.fields(cls)[-1].name: "new"}
    for replaced in (dataclasses.replace(b, **changed), records.replace(b, **changed)):
        _same(replaced, dataclasses.replace(twin(*values), **changed))
    assert dataclasses.asdict(b) == dataclasses.asdict(twin(*values))
    assert dataclasses.is_dataclass(cls) and dataclasses.is_dataclass(b)
    assert copy.deepcopy(b) == b and pickle.loads(pickle.dumps(b)) == b


def test_record_options_as_dataclass_options() -> None:
    made: list[str] = []

    @record(frozen=True)
    class Cell:
        """A documented class."""

        key: str
        rows: dict[str, int] = field(default_factory=dict)
        index: Any = field(default=None, repr=False, compare=False)
        width: int = 12

        def __post_init__(self) -> None:
            made.append(self.key)

    a, b = Cell("a", index=1), Cell("a", {}, 2)
    assert made == ["a", "a"] and a == b  # ``index`` is not compared
    with pytest.raises(TypeError, match="unhashable type: 'dict'"):  # as a frozen dataclass holding a dict
        hash(a)
    assert repr(a) == "test_record_options_as_dataclass_options.<locals>.Cell(key='a', rows={}, width=12)"
    assert Cell.width == 12 and "rows" not in vars(Cell) and Cell.__doc__ == "A documented class."
    assert a.rows is not Cell("c").rows

    @record
    class Node:
        name: str
        children: list[Any] = field(default_factory=list)

        def __hash__(self) -> int:  # a class's own methods are kept
            return 7

    loop = Node("x")
    loop.children.append(loop)
    assert repr(loop) == "test_record_options_as_dataclass_options.<locals>.Node(name='x', children=[...])"
    assert hash(loop) == 7

    class Lazy(Node):  # a subclass with its own properties (as storage.database.LazyReportData)
        @property
        def children(self) -> list[Any]:  # type: ignore[override]
            return ["computed"]

        @children.setter
        def children(self, value: list[Any]) -> None:
            self.seen = value

    lazy = Lazy("y", [1])
    assert lazy.children == ["computed"] and lazy.seen == [1] and repr(lazy).endswith("Lazy(name='y', children=['computed'])")

    with pytest.raises(ValueError, match="mutable default"):
        record(type("Bad", (), {"__annotations__": {"x": "list"}, "x": []}))
    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):
        record(type("Bad", (), {"__annotations__": {"x": "int", "y": "int"}, "x": 1}))
    with pytest.raises(TypeError, match="cannot inherit"):
        record(type("Bad", (Cell,), {"__annotations__": {"more": "int"}}))
    with pytest.raises(TypeError, match="ClassVar"):
        record(type("Bad", (), {"__annotations__": {"x": "ClassVar[int]"}}))


def test_no_dataclasses_module_on_a_commands_start() -> None:
    """What the records are for: the start path no longer imports ``dataclasses`` (nor ``inspect``)."""
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); from storage.workspace import Workspace; "
             "import commands, main; print(*(m in sys.modules for m in ('dataclasses', 'inspect', 'forms.loader')))")
    done = subprocess.run([sys.executable, "-c", probe, str(ROOT)], capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.split() == ["False", "False", "False"]
