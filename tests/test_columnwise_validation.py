"""A long list validated column by column (issue 16: ``forms.column_formula``, ``compute_form``'s
list path, the row rules' ``_columnwise``, whole-column field checks, the ``reported`` rule reading
only changed rows) gives exactly what the row-by-row path gives: the same computed values (in the
same order), errors, sources and findings (in order), at 0, 1, 33 and 5,000 rows, on hostile values
(blanks, 0, 1e308, inf, nan, text in number columns, bools) and on rules with and/or/if, chained
comparisons, text operations and divisions that raise on some rows."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import replace

import pytest

import forms.compute as compute_module
import forms.rules as rules_module
from forms.column_formula import column_program, evaluate_rows
from forms.column_values import ColumnValues
from forms.compute import ComputeContext
from forms.formula import Formula
from forms.spec import RuleSpec
from forms.validation import ReportInput, validate_bundle
from storage.history import changed_first_values, first_values
from storage.workspace import Workspace
from tests.list_inputs_helpers import list_inputs
from tests.test_speed_paths import FORM, TABLE

ODD = [None, 0, 0.0, -1.5, 1e308, -1e308, math.inf, -math.inf, math.nan, 7, 2.5, True, "", "abc", "是", 10**20]
TEXTS = [
    "a + b * c - d", "a / b", "(a - b) / c", "a ** 2", "a % b", "-a + +b", "not a", "a and b or c",
    "a or b and not c", "a if b else c", "a < b <= c", "a == b != c", "a in (1, 2, 'abc')", "a not in [0, b]",
    "round(a, 2) + abs(b)", "min(a, b, c) * max(a, 1)", "filled(a) and approx(b, c)", "round(a)",
    "a >= 10000 and b == '是'", "(a, b)", "b + c if a > 0 else 'x' * 3",
]


def _row_by_row(formula: Formula, columns: dict[str, list], i: int) -> tuple[bool, object]:
    """(raised, result) of the row evaluator on row i (names read as given: no blank counting)."""
    try:
        return False, formula.evaluate(lambda n: columns[n][i], lambda *a: None, lambda *a: None, lambda n: False)
    except Exception as exc:  # noqa: BLE001 - the row evaluator's failure is part of what is compared
        return True, type(exc)


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


@pytest.mark.parametrize("text", TEXTS)
def test_column_program_equals_the_row_evaluator(text: str) -> None:
    formula = Formula(text)
    program = column_program(formula)
    assert program is not None
    rng = random.Random(text)
    n = 400
    columns = {name: [rng.choice(ODD) if rng.random() < 0.3 else rng.choice((1.5, 3, 250.25, 10000.0))
                      for _ in range(n)] for name in "abcd"}
    results, failed = evaluate_rows(program, columns, list(range(n)))
    assert set(results) | set(failed) == set(range(n)) and not set(results) & set(failed)
    for i in range(n):
        raised, expected = _row_by_row(formula, columns, i)
        if i in results:  # evaluated by column: the row evaluator gives the same and does not raise
            assert not raised and _same(results[i], expected), (text, i, results[i], expected)
    raising = [i for i in range(n) if _row_by_row(formula, columns, i)[0]]
    assert set(raising) <= set(failed)
    assert len(failed) <= max(8, 8 * 2 * len(raising) * math.ceil(math.log2(n)))  # found by halving, not all


def test_cell_reading_formulas_stay_row_by_row() -> None:
    assert column_program(Formula("cell('r1', 'a') + 1")) is None
    assert column_program(Formula("sum_rows('a')")) is None
    assert evaluate_rows(column_program(Formula("a + 1")), {"a": []}, []) == ({}, [])


def _inputs(table, rows: list[str], seed: int, hostile: bool = True) -> dict:
    """Plausible enterprises, with hostile values in places (``hostile``) or none at all."""
    inputs = list_inputs(table, rows, random.Random(seed), hostile)
    inputs[(TABLE, "gone", "name")] = "不在清单中的行"  # a stored cell of no listed row: not computed
    return inputs


def _by_column(inputs: dict) -> ColumnValues:
    """``inputs`` held by column (each column's rows in the order given: a blank is no entry, a
    row of no list is one more), as ``Store.column_values`` holds a report's values."""
    columns: dict = {}
    for (table, row, col), value in inputs.items():
        rows, values = columns.setdefault((table, col), ([], []))
        rows.append(row)
        values.append(value)
    held = ColumnValues(columns)
    assert held == inputs and dict(held.items()) == inputs and len(held) == len(inputs)
    assert all(held.get(k) == v or v != v for k, v in list(inputs.items())[:50])
    return ColumnValues(columns)  # (a fresh one: the cell dict not made yet)


def _variant(catalogue):  # noqa: ANN202 - (form, table)
    """The enterprise list with more formula columns (a short-circuit one, one reading another
    formula column) and rules of every shape the column path handles or hands back."""
    form = catalogue.get(FORM)
    table = form.table(TABLE)
    extra = [replace(table.column("intensity"), key="ratio", label="比", formula="energy_equal / value_added if value_added else raw_energy"),
             replace(table.column("intensity"), key="twice", label="两倍", formula="intensity * 2", decimals=None),
             replace(table.column("intensity"), key="gap", label="差", formula="energy_equiv - energy_equal - boiler")]
    table = replace(table, columns=table.columns + tuple(extra))

    def rule(n: int, expr: str, **more: object) -> RuleSpec:
        return RuleSpec(f"T{n:03d}", more.pop("severity", "警告"), TABLE, "row", expr, f"测试规则{n}",
                        more.pop("anchor_column", "energy_equal"), **more)  # type: ignore[arg-type]

    rules = form.rules + (
        rule(1, "energy_equal / value_added < 10 or boiler > 1"),
        rule(2, "name + uscc == name", when="two_high == '是' and energy_equal > 100"),
        rule(3, "round(intensity, 2) <= max(raw_energy, 1) * 1000", blank={"intensity": "zero"}),
        rule(4, "1 < energy_equal < 5000", severity="提示"),
        rule(5, "industry in ('C30 非金属矿物制品业', '其他行业') if key_unit == '是' else filled(boiler)",
             blank_default="zero"),
        rule(6, "gap > -1e300 and twice >= 0", when="ratio > 0.01"),
        rule(7, "energy_equal - raw_energy", kind="goal", severity="提示", goal="测试目标"),
        rule(8, "value_added < 0", rows=tuple(f"r{i}" for i in range(2, 30))),
    )
    return replace(form, tables=(table,), rules=rules), table


def _row_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compute_module, "COLUMNWISE_FROM", 10**9)
    monkeypatch.setattr(rules_module, "_COLUMNWISE_FROM", 10**9)


@pytest.mark.parametrize(("n", "hostile"), [(0, True), (1, True), (33, True), (40, False), (41, False),
                                                   (5000, True)])
def test_list_by_columns_equals_the_row_loop(catalogue, monkeypatch, n: int, hostile: bool) -> None:
    form, table = _variant(catalogue)
    rows = [f"r{i}" for i in range(1, n + 1)]
    inputs = _inputs(table, rows, n, hostile)
    if n == 40:  # one code again, written otherwise: the unique check's repeat, found row by row
        inputs[(TABLE, "r40", "uscc")] = " " + inputs[(TABLE, "r2", "uscc")].lower()
    context = ComputeContext(catalogue.reference, 2025)
    # first stored values: some as now, some changed (numbers as a number column stores them)
    reported = {k: (v + 1 if isinstance(v, float) and i % 3 else v) for i, (k, v) in enumerate(inputs.items())
                if i % 2 and (k[2] == "source" or (k[2] in ("energy_equal", "value_added")
                                                   and type(v) in (int, float) and math.isfinite(v)))}
    notes = {(TABLE, r, "energy_equal"): "企业更正后的报表，已核实" for r in rows[::7]}

    def validated(given: Mapping = inputs) -> tuple:
        bundle = {FORM: ReportInput(form, given, notes, {TABLE: rows}, {}, reported)}
        result = validate_bundle(bundle, context, "2025")[FORM]
        return result.computed, result.findings

    by_columns, findings = validated()
    assert (n >= 33) == (TABLE in by_columns.columns)
    # the inputs held by column as storage reads them (``ColumnValues``): the same, in the same order
    stored, stored_findings = validated(_by_column(inputs))
    assert list(stored.values.items()) == list(by_columns.values.items())
    assert list(stored.errors.items()) == list(by_columns.errors.items()) and stored.sources == by_columns.sources
    assert stored_findings == findings
    with monkeypatch.context() as patched:
        _row_path(patched)
        by_rows, row_findings = validated()
    assert list(by_columns.values.items()) == list(by_rows.values.items())
    assert list(by_columns.errors.items()) == list(by_rows.errors.items())
    assert by_columns.sources == by_rows.sources and by_columns.list_rows == by_rows.list_rows
    assert findings == row_findings
    if not hostile:  # (41: every code differs, told by the whole-column check)
        assert [f.row for f in findings if f.rule_id == "唯一"] == (["r40"] if n == 40 else [])
    if n == 5000:  # the hostile values reach every path: errors, each rule, the row-by-row hand-back
        ids = {f.rule_id for f in findings}
        assert by_rows.errors and {"类型", "必填", "K001", "K007", "T001", "T002", "T004", "T007", "T008"} <= ids
        assert "审核规则 T001 无法执行（float division by zero）" in {f.text for f in findings}


def _listed(workspace: Workspace, township, rows: int) -> int:  # noqa: ANN001
    """The demo's enterprise list grown to ``rows`` rows, stored, then some figures changed since."""
    from bench.sizes import enterprise

    data = workspace.open_report(township.id, FORM, "2025")
    rid = data.report.id
    cells = []
    with workspace.store.atomic():
        for i in range(len(data.list_rows[TABLE]), rows):
            key = workspace.store.add_list_row(rid, TABLE, workspace.user)
            cells += [((TABLE, key, col), value) for col, value in enterprise(i, 2025).items()]
        workspace.edit_many(rid, cells, reason="测试数据")
    keys = workspace.store.load(rid).list_rows[TABLE]
    workspace.edit(rid, (TABLE, keys[3], "value_added"), "9999.5")  # changed
    workspace.edit(rid, (TABLE, keys[5], "energy_equal"), None)  # deleted
    workspace.edit(rid, (TABLE, keys[8], "boiler"), "0")  # stored again, same figure (0.0 → 0)
    workspace.edit(rid, (TABLE, keys[9], "source"), "镇街核实")  # only the source: when reads the first one
    workspace.edit(rid, (TABLE, keys[9], "energy_equiv"), "1.5")
    return rid


def test_reported_rule_reads_only_changed_rows_with_the_same_findings(workspace, demo_township) -> None:
    from forms.validation import compared_columns, reported_columns

    rid = _listed(workspace, demo_township, 40)
    form = workspace.form(FORM)
    every = first_values(workspace.store, rid, columns=reported_columns(form))
    some = changed_first_values(workspace.store, rid, reported_columns(form), compared_columns(form))
    keys = workspace.store.load(rid).list_rows[TABLE]
    assert {k[1] for k in some} == {keys[3], keys[5], keys[9]}  # (keys[8]: 0 and 0.0 are the same figure)
    assert some == {k: v for k, v in every.items() if k[1] in {keys[3], keys[5], keys[9]}}
    data = workspace.store.load(rid)
    context = workspace.context("2025")

    def findings(reported: dict) -> list:
        return validate_bundle({FORM: ReportInput(form, data.values, data.notes, data.list_rows, {}, reported)},
                               context, "2025")[FORM].findings

    assert findings(some) == findings(every)
    assert sum(f.rule_id == "K007" for f in findings(every)) >= 3
    fresh = Workspace(workspace.store, workspace.catalogue, workspace.user)
    assert fresh.validate_period(demo_township.id, "2025")[FORM][1].findings == findings(every)


def test_an_edit_after_a_reduced_read_gives_the_full_validation(workspace, demo_township) -> None:
    """An edited row whose first values a full validation did not read (nothing had changed there):
    the edit reads them, so the incremental result is the full validation's."""
    rid = _listed(workspace, demo_township, 40)
    keys = workspace.store.load(rid).list_rows[TABLE]
    state = workspace.open_state(demo_township.id, FORM, "2025")
    base = state.data
    for cell, raw in [((TABLE, keys[20], "value_added"), "1.5"), ((TABLE, keys[21], "source"), "镇街核实"),
                      ((TABLE, keys[21], "boiler"), "3"), ((TABLE, keys[3], "value_added"), None)]:
        changes = workspace.change_cells(rid, [(cell, raw)], base=base)
        assert changes.state is not None and changes.state.result.index.recomputed is not None  # incremental
        base, incremental = changes.state.data, changes.state.result
        full = Workspace(workspace.store, workspace.catalogue, workspace.user).validate(workspace.store.load(rid))
        assert incremental.findings == full.findings
    assert {f.row for f in full.findings if f.rule_id == "K007"} >= {keys[20], keys[21]}
