"""u1 (issues 11 and 16, CPU of validation): the engine's faster paths give exactly what the
paths they replace give — computed values (in order), errors, sources (in order), list rows and
findings (in order).

The replaced paths stay reachable by monkeypatching: a grid's cells each through
``_TableEvaluator.value`` (``_grid_cells`` off), reference factors worked out at every cell (none
kept), per-formula / per-rule / per-reference facts worked out at every call (the undecorated
functions), a formula's names and cell reads through ``_Run.name`` / ``_Run.note`` (the closures
compiled as before), a long list row by row. Compared on the 23 sample townships' bundles as the
district receives them, the same with hostile grid values (1e308, -0.0, 20-digit numbers, text in
number cells, blanks), twice (the second time from what the first kept), and on a 5,000-row list."""

from __future__ import annotations

import ast
import functools
import itertools
import math
import operator
import random
from typing import Any

import pytest

import forms.compute as compute
import forms.formula as formula_module
import forms.incremental as incremental
import forms.rules as rules
import forms.validation as validation
from forms.compute import ComputeContext
from forms.field_checks import _valid_uscc
from forms.formula import BlankSkip, Formula
from forms.values import plain_codes
from tests.list_inputs_helpers import list_inputs
from tests.test_columnwise_validation import _row_path, _variant
from tests.test_speed_paths import FORM, TABLE
from tests.test_validation_spec_plans import received_bundles  # noqa: F401 - the fixture, shared

HOSTILE = (1e308, -0.0, 12345678901234567890, "文字", None, -1e308, " 12 ", "", 0, 2.5, True)


def _cell_by_cell(evaluator: Any, out: Any) -> None:
    """``compute_form``'s grid loop as it was: every cell through ``value``."""
    table, key = evaluator.table, evaluator.table.key
    alone = compute._rows_alone(table)
    for row_key in out.list_rows[key]:
        if row_key in alone and compute._blank_row(evaluator, row_key, alone[row_key], out):
            continue
        for col in table.columns:
            value = evaluator.value(row_key, col.key)
            if value is not None:
                out.values[(key, row_key, col.key)] = value


def _old_paths(m: pytest.MonkeyPatch) -> None:
    m.setattr(compute, "_grid_cells", _cell_by_cell)
    m.setattr(compute, "_FACTORS", {})  # none found …
    m.setattr(compute, "_keep_factor", lambda key, reference, value, note: (reference, value, note))  # … none kept
    m.setattr(compute, "_formula_facts", compute._formula_facts.__wrapped__)
    m.setattr(incremental, "_unverified", incremental._unverified.__wrapped__)
    m.setattr(rules, "_row_local", rules._row_local.__wrapped__)


def _snapshot(results: dict[str, Any]) -> dict[str, Any]:
    return {k: (r.findings, list(r.computed.values.items()), list(r.computed.errors.items()),
                list(r.computed.sources.items()), r.computed.list_rows) for k, r in results.items()}


def _both_ways(monkeypatch: pytest.MonkeyPatch, bundle: tuple) -> tuple[Any, Any]:
    new = _snapshot(validation.validate_bundle(*bundle))
    with monkeypatch.context() as m:
        _old_paths(m)
        old = _snapshot(validation.validate_bundle(*bundle))
    return new, old


def _with_grid_values(report: Any, offset: int) -> Any:
    """The report with its grid cells (input, computed and blocked) set to ``HOSTILE`` in turn."""
    cells = [(t.key, r.key, c.key) for t in report.form.tables if t.kind == "grid" for r in t.rows for c in t.columns]
    values = dict(report.values)
    values.update(zip(cells, itertools.islice(itertools.cycle(HOSTILE), offset, None)))
    return validation.ReportInput(report.form, values, report.notes, report.list_rows, report.history, report.reported)


def test_received_bundles_validate_as_before(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:  # noqa: F811
    findings = 0
    for bundle in received_bundles:
        for _ in range(2):  # the second time from the factors and facts kept the first time
            new, old = _both_ways(monkeypatch, bundle)
            assert new == old
        findings += sum(len(v[0]) for v in new.values())
        assert new["energy_consumption"][3]  # factor sources were compared
    assert findings > 0


def test_hostile_grid_values_validate_as_before(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:  # noqa: F811
    compared = [_both_ways(monkeypatch, ({k: _with_grid_values(r, offset) for k, r in bundle[0].items()}, *bundle[1:]))
                for offset, bundle in enumerate(received_bundles[:len(HOSTILE)])]
    assert all(new == old for new, old in compared)
    assert all(any(v[2] for v in new.values()) for new, _old in compared)  # computing errors were compared
    assert {"类型", "计算"} <= {f.rule_id for new, _old in compared for v in new.values() for f in v[0]}


def test_a_missing_factor_fails_the_same_each_time(monkeypatch: pytest.MonkeyPatch, received_bundles) -> None:  # noqa: F811
    """A year without a 等价值 figure: the cell's error (and the row left blank when it has no
    input) is the same from a kept factor as when worked out."""
    reports, context, period, only = received_bundles[0]
    year_without = ComputeContext(context.reference, 1900)
    for _ in range(2):
        new, old = _both_ways(monkeypatch, (reports, year_without, "1900", only))
        assert new == old
        assert any("1900" in message for _k, message in new["energy_consumption"][2])


# -- formula names and cell reads: inlined blank counting vs ``_Run.name`` / ``_Run.note`` ---------

def _old_compile_call(node: ast.Call) -> Any:
    fname = node.func.id  # type: ignore[attr-defined]
    if fname in formula_module.CELL_FUNCTIONS:
        keys = tuple(a.value for a in node.args)  # type: ignore[attr-defined]
        ref, read = ".".join(keys), operator.attrgetter(fname)
        return lambda run: run.note(ref, read(run)(*keys))
    return _NEW_COMPILE_CALL(node)


_NEW_COMPILE_CALL = formula_module._compile_call
TEXTS = ["a + b", "a * (b if filled(b) else c)", "cell('r', 'x') - a", "sum_rows('x') + cell('t', 'r', 'x')",
         "(a - b) / c", "filled(a) or filled(cell('r', 'x'))", "round(a, 2) > b", "a"]


@pytest.mark.parametrize("blank", [None, "skip", "zero"])
def test_inlined_name_and_cell_reads_equal_run_note(monkeypatch: pytest.MonkeyPatch, blank: str | None) -> None:
    with monkeypatch.context() as m:
        m.setattr(formula_module, "_compile_name", lambda name: lambda run: run.name(name))
        m.setattr(formula_module, "_compile_call", _old_compile_call)
        before = [Formula(t) for t in TEXTS]
    after = [Formula(t) for t in TEXTS]
    rng = random.Random(16)
    mode = None if blank is None else (lambda _ref: blank)
    for _ in range(300):
        data = {n: rng.choice(HOSTILE + (3.0, 7)) for n in ("a", "b", "c", "x")}
        data["c"] = data["c"] if data["c"] != 0 else None
        is_cell = rng.choice((lambda n: n != "c", lambda n: True, lambda n: False))
        x = functools.partial(operator.getitem, data, "x")
        readers = (data.get, lambda *_k, x=x: x(), lambda *_k, x=x: x(), is_cell)
        for old, new in zip(before, after):
            assert _outcome(old, readers, mode) == _outcome(new, readers, mode), (old.text, data)


def _outcome(formula: Formula, readers: tuple, blank: Any) -> tuple[str, Any]:
    try:
        return "value", formula.evaluate(*readers, blank=blank)
    except BlankSkip as skip:  # (evaluate turns it into None: never seen here)
        return "skip", str(skip)
    except Exception as exc:  # noqa: BLE001 - the failure is part of what is compared
        return "raised", type(exc).__name__


# -- a long list: columns read and stored in C, whole-column checks -------------------------------

def test_a_5000_row_list_with_hostile_values_equals_the_row_loop(catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    form, table = _variant(catalogue)
    rows = [f"r{i}" for i in range(1, 5001)]
    inputs = list_inputs(table, rows, random.Random(11), True)
    odd = {"energy_equal": -0.0, "value_added": 1e308, "raw_energy": 12345678901234567890, "boiler": "文字",
           "energy_equiv": True}
    for i, (col, value) in enumerate(itertools.cycle(odd.items())):
        if i >= 60:
            break
        inputs[(TABLE, rows[i * 37], col)] = value
    inputs.pop((TABLE, rows[5], "uscc"), None)  # a blank code among 5,000
    context = ComputeContext(catalogue.reference, 2025)

    def validated() -> tuple:
        result = validation.validate_bundle(
            {FORM: validation.ReportInput(form, inputs, {}, {TABLE: rows})}, context, "2025")[FORM]
        return (list(result.computed.values.items()), list(result.computed.errors.items()),
                result.computed.sources, result.findings)

    by_columns = validated()
    with monkeypatch.context() as m:
        _row_path(m)
        by_rows = validated()
    assert by_columns == by_rows
    assert by_columns[1] and {"类型", "必填"} <= {f.rule_id for f in by_columns[3]}


def test_a_clean_5000_row_list_takes_formula_columns_from_the_memo(catalogue, monkeypatch) -> None:
    """Every row computed column by column (nothing hostile): the formula columns taken whole
    from the memo give the row loop's values; ``ListColumns`` holds them in row order."""
    form, table = _variant(catalogue)
    rows = [f"r{i}" for i in range(1, 5001)]
    inputs = list_inputs(table, rows, random.Random(12), False)
    context = ComputeContext(catalogue.reference, 2025)
    by_columns = compute.compute_form(form, inputs, {TABLE: rows}, context)
    with monkeypatch.context() as m:
        _row_path(m)
        by_rows = compute.compute_form(form, inputs, {TABLE: rows}, context)
    assert list(by_columns.values.items()) == list(by_rows.values.items())
    assert by_columns.errors == by_rows.errors
    columns = by_columns.columns[TABLE]
    assert columns.values["intensity"] == [by_rows.values.get((TABLE, r, "intensity")) for r in rows]
    assert any(isinstance(v, float) and math.isfinite(v) for v in columns.values["intensity"])


def test_codes_told_by_column_equal_each_code_told_alone() -> None:
    from bench.sizes import _uscc

    codes = [_uscc(i) for i in range(200)]
    assert plain_codes(codes) and plain_codes([])
    rng = random.Random(18)
    for _ in range(2000):
        some = list(rng.sample(codes, 4))
        code = list(some[0])
        code[rng.randrange(18)] = rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZa \x00\nＡé𠀀")
        some[0] = "".join(code)[:rng.choice((18, 18, 18, 17, 5))] + ("X" if rng.random() < 0.05 else "")
        assert plain_codes(some) == all(map(_valid_uscc, some)), some
    assert plain_codes(codes * 25)  # 5,000 codes, as the largest list holds
    for at in (0, 2500, 4999):  # one wrong check character anywhere in a long column
        wrong = codes * 25
        wrong[at] = wrong[at][:17] + ("0" if wrong[at][17] != "0" else "1")
        assert not plain_codes(wrong) and not all(map(_valid_uscc, wrong))
