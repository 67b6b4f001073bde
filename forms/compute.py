"""Computed cells: 折标准煤 = 消费量 × 折标系数, 合计 = Σ rows, and so on.

Only input cells are stored; everything computed is derived here from the form spec, the
stored inputs and the reference tables, so a computed cell can never disagree with its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from itertools import chain, compress, cycle, repeat
from operator import is_not, itemgetter
from typing import Any

from forms.column_values import ColumnValues
from forms.compute_context import ComputeContext  # (s1: defined apart, off a kept start's path)
from forms.formula import Formula, evaluation_state, note_read, parsed
from forms.spec import ColumnSpec, FormSpec, RowSpec, TableSpec
from forms.spec_memo import per_spec
from records import field, record

__all__ = ["CellKey", "ComputeContext", "ComputedForm", "ListColumns", "compute_form", "find_cycle", "numeric_or_none",
           "TablePlan", "table_plan", "recompute"]

CellKey = tuple[str, str, str]  # (table key, row key, column key)
LIST_ROW = "*"  # stands for "any row" of a list table in the dependency graph


compiled = parsed  # each formula text parsed and compiled once per process, the loader's cache too


def numeric_or_none(value: Any) -> float | int | None:
    """A stored value as a number, or None for blanks and text that is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    return None


@record
class ComputedForm:
    """Every cell's value (inputs and computed), plus why a computed cell failed and where a
    reference factor came from."""

    values: dict[CellKey, Any] = field(default_factory=dict)
    errors: dict[CellKey, str] = field(default_factory=dict)
    sources: dict[CellKey, str] = field(default_factory=dict)
    list_rows: dict[str, list[str]] = field(default_factory=dict)
    # issue 16: long list tables as ``compute_form`` saw them, column by column, for the checks of
    # the same validation (not compared; a copy or a re-computation starts without them)
    columns: dict[str, ListColumns] = field(default_factory=dict, compare=False, repr=False)

    def get(self, table: str, row: str, col: str) -> Any:
        return self.values.get((table, row, col))

    def cell_reader(self) -> Callable[[CellKey], Any]:
        """One cell's value by key, as ``values.get`` gives it (``_ListCellsLater``: without making
        the cells of its long list table)."""
        return self.values.get


class _ListCellsLater(ComputedForm):
    """``compute_form``'s result when its last table is a long list computed column by column
    (issue 16): that table's cells — 75,000 keys at 5,000 rows, which a first 审核 reads by column
    (``ListColumns``) — go into ``values`` when ``values`` is first read, in the place and order
    they had there; ``get`` and ``cell_reader`` read them from the columns meanwhile. Equal to a
    ``ComputedForm`` of the same contents."""

    _later: str | None = None  # the table whose cells are not in ``values`` yet
    _positions: dict[str, int] | None = None

    @property  # type: ignore[override]
    def values(self) -> dict[CellKey, Any]:
        later = self._later
        if later is not None:
            from gc_pause import gc_paused

            self._later = None
            with gc_paused():  # (75,000 new keys at 5,000 rows, none in a cycle: as computing them was)
                self._cells.update(_list_cells(later, self.columns[later]))
        return self._cells

    @values.setter
    def values(self, cells: dict[CellKey, Any]) -> None:
        self._cells = cells

    def _later_cell(self, key: CellKey) -> Any:
        table, row, col = key
        if table != self._later:
            return self.values.get(key)
        positions = self._positions
        if positions is None:
            rows = self.columns[table].row_keys
            positions = self._positions = dict(zip(rows, range(len(rows))))
            if len(positions) != len(rows):  # a row key twice: the cells as ``values`` holds them
                return self.values.get(key)
        at = positions.get(row)
        column = self.columns[table].values.get(col) if at is not None else None
        return None if column is None else column[at]

    def get(self, table: str, row: str, col: str) -> Any:
        return self._later_cell((table, row, col)) if self._later is not None else self._cells.get((table, row, col))

    def cell_reader(self) -> Callable[[CellKey], Any]:
        return self._later_cell if self._later is not None else self._cells.get

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ComputedForm):
            return NotImplemented
        return (self.values, self.errors, self.sources, self.list_rows) == (
            other.values, other.errors, other.sources, other.list_rows)

    __hash__ = None  # type: ignore[assignment]


def _list_cells(table_key: str, columns: ListColumns) -> Iterator[tuple[CellKey, Any]]:
    """A list table's filled cells as ``ComputedForm.values`` holds them: row by row, in column
    order (keys, values and the "is filled" test zipped in C: a 5,000-row list holds 75,000 cells)."""
    order = list(columns.values)
    flat = list(chain.from_iterable(zip(*columns.values.values())))
    keys = zip(repeat(table_key), chain.from_iterable(map(repeat, columns.row_keys, repeat(len(order)))), cycle(order))
    return compress(zip(keys, flat), map(is_not, flat, repeat(None)))


@record(frozen=True)
class ListColumns:
    """One list table of one ``compute_form`` call by column: ``raw`` each input column as given
    (None: blank), ``values`` every column as ``ComputedForm.values`` holds it (None: not there),
    in the order of ``row_keys`` (the ComputedForm's own list) — for the inputs mapping ``inputs``."""

    row_keys: list[str]
    inputs: Mapping[CellKey, Any]
    raw: dict[str, list[Any]]
    values: dict[str, list[Any]]

    def of(self, inputs: Mapping[CellKey, Any], row_keys: Sequence[str]) -> ListColumns | None:
        """Itself when it describes these inputs and rows (else None: read them cell by cell)."""
        return self if inputs is self.inputs and (row_keys is self.row_keys or row_keys == self.row_keys) else None


class _CellFailed(Exception):
    """A cell read by a formula could not be computed: the formula fails with that cell's message,
    so the user reads the root cause (e.g. a missing 等价值 figure), not Python's text about None."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@per_spec(cap=4096)
def _formula_facts(formula: Formula) -> tuple[bool, tuple[str, ...]]:
    """(whether it reads its own row alone — no cell(), sum_rows() — and the reference factors it
    names), once per formula (u1: asked at every computed cell)."""
    return (not formula.cell_refs and not formula.sum_columns and not formula.table_refs,
            tuple(n for n in ("ref_equal", "ref_equiv") if n in formula.names))


_FACTORS: dict[tuple[Any, ...], tuple[Any, Any, str]] = {}  # (see ``_TableEvaluator._constant``)


def _keep_factor(key: tuple[Any, ...], reference: Any, value: Any, note: str) -> tuple[Any, Any, str]:
    if len(_FACTORS) > 4096:
        _FACTORS.clear()
    kept = _FACTORS[key] = (reference, value, note)
    return kept


@per_spec()
def _evaluator_facts(table: TableSpec) -> tuple[dict[str, RowSpec | None] | None, list[str] | None,
                                                dict[str, ColumnSpec], dict[str, bool]]:
    """What a ``_TableEvaluator`` of the table holds that depends on its spec alone: a grid's rows by
    key and its item rows (not totals; None for a list: its rows are the report's), the columns by
    key, and a list table's input columns (every row alike: never blocked, no row formulas) →
    whether each is numeric."""
    rows: dict[str, RowSpec | None] | None = {r.key: r for r in table.rows} if table.kind == "grid" else None
    items = [k for k, r in rows.items() if r is None or not r.is_total] if rows is not None else None
    list_inputs = {c.key: c.numeric for c in table.columns if c.formula is None} if table.kind == "list" else {}
    return rows, items, {c.key: c for c in table.columns}, list_inputs


class _TableEvaluator:
    """Lazily evaluates one table's computed cells with memoisation."""

    def __init__(self, table: TableSpec, inputs: Mapping[CellKey, Any], row_keys: Sequence[str],
                 context: ComputeContext, out: ComputedForm) -> None:
        self.table = table
        self.inputs = inputs
        self.row_keys = list(row_keys)
        self.context = context
        self.out = out
        # (v1: what depends on the table spec alone made once per spec; never changed, so shared)
        rows, items, self.columns, self.list_inputs = _evaluator_facts(table)
        self.rows: dict[str, RowSpec | None] = rows if rows is not None else {k: None for k in row_keys}
        self.item_keys: list[str] = items if items is not None else list(self.rows)
        self.memo: dict[tuple[str, str], Any] = {}
        self.peers: dict[str, _TableEvaluator] = {table.key: self}  # the form's other tables
        # Computed cells that read no data at all (e.g. a reference coefficient).
        self.constants: set[tuple[str, str]] = set()
        # t1: each cell's step, worked out once per table spec (``_cell_steps``)
        self.steps = _cell_steps(table)
        self.readers: tuple[Any, Any, Any, Any] | None = None  # (made when a formula first needs them)
        self.run: Any = None

    def release(self) -> None:
        """Break the evaluator's reference cycles (itself among its ``peers``, its readers' closures)
        once its form is computed: its memo and readers are then freed by reference counting as
        soon as it is dropped, instead of waiting for the cyclic collector (a 5,000-row list's
        computing left ~140,000 objects for it, and a paused collector hands them to a full
        collection: ``gc_pause``)."""
        self.peers = {}
        self.readers = self.run = None

    def value(self, row_key: str, col_key: str) -> Any:
        numeric = self.list_inputs.get(col_key)
        if numeric is not None:  # an input cell of a list row: read as stored, nothing to remember
            if row_key not in self.rows:
                return None
            raw = self.inputs.get((self.table.key, row_key, col_key))
            if not numeric:
                return raw
            kind = type(raw)
            return raw if kind is float or kind is int else numeric_or_none(raw)
        key = (row_key, col_key)
        memo = self.memo
        if key in memo:
            return memo[key]
        step = self.steps.get(key if self.table.kind == "grid" else col_key) if row_key in self.rows else None
        if step is not None:  # t1: the cell as ``_cell_steps`` worked it out (the lines below, once per spec)
            formula = step[1]
            if formula is None:
                col = step[0]
                if col is None:  # blocked
                    result = None
                else:
                    raw = self.inputs.get((self.table.key, row_key, col_key))
                    result = numeric_or_none(raw) if col.numeric else raw
            else:
                memo[key] = None  # guards against cycles that slipped past the loader
                result = self._evaluate(self.rows[row_key], row_key, step[0], formula, step[2], step[3])
            memo[key] = result
            return result
        row = self.rows.get(row_key)
        col = self.columns[col_key]
        if row_key not in self.rows or self.table.is_blocked(row, col):
            result = None
        else:
            text = self.table.cell_formula(row, col)
            if text is None:
                raw = self.inputs.get((self.table.key, row_key, col_key))
                result = numeric_or_none(raw) if col.numeric else raw
            else:
                self.memo[key] = None  # guards against cycles that slipped past the loader
                result = self._evaluate(row, row_key, col, compiled(text))
        self.memo[key] = result
        return result

    def column_sum(self, col_key: str) -> Any:
        # (v1: a cell in the memo taken from it, as ``value`` would return it — a list's input
        # columns are never in the memo — without a call per row)
        memo, value = self.memo, self.value
        values = [memo[key] if (key := (k, col_key)) in memo else value(k, col_key) for k in self.item_keys]
        failed = self.failed_cell(col_key)
        if failed is not None:  # a total that leaves out a row that could not be computed is wrong
            raise _CellFailed(failed)
        numbers = [v for v in values if isinstance(v, (int, float))]
        return sum(numbers) if numbers else None

    def failed_cell(self, col_key: str, row_keys: Sequence[str] | None = None) -> str | None:
        """Why the first of ``row_keys`` (default: the item rows) could not compute ``col_key``, if one could not."""
        errors = self.out.errors
        if not errors:
            return None
        for row_key in self.item_keys if row_keys is None else row_keys:
            message = errors.get((self.table.key, row_key, col_key))
            if message is not None:
                return message
        return None

    def _constant(self, row: RowSpec | None, row_key: str, name: str) -> Any:
        if row is None or not row.energy:
            raise NameError(name)
        ref = self.context.reference
        # u1: each factor and its note worked out once per reference object, energy, unit and year
        # (as ``_BLANK_ROWS``, the reference tables are not changed once loaded); what raises is not kept
        key = (id(ref), name, row.energy, row.unit, self.context.year)
        kept = _FACTORS.get(key)
        if kept is not None and kept[0] is not ref:
            kept = None
        if name == "ref_equal":
            if kept is None:
                coef = ref.coefficients[row.energy]
                density = ref.densities.get(row.energy) if row.unit == "升" else None  # d3: litres of vehicle fuel
                note = coef.describe() + (f"；{density.describe()}" if density else "")
                self.out.sources[(self.table.key, row_key, "ref_equal")] = note
                kept = _keep_factor(key, ref, ref.factor(row.energy, row.unit), note)
            else:
                self.out.sources[(self.table.key, row_key, "ref_equal")] = kept[2]
            return kept[1]
        if name == "ref_equiv":
            if kept is None:
                factor = ref.equivalent_factor(row.energy, row.unit, self.context.year)
                kept = _keep_factor(key, ref, factor.value, factor.note)
            value, note = kept[1], kept[2]
            if note:
                self.out.sources[(self.table.key, row_key, "ref_equiv")] = note
            if value is None:
                if not self._row_has_input(row_key):
                    return None  # no 热力 consumed: the missing 热力 figure is nothing this report must fix
                raise _CellFailed(note or f"{row.label}等价值：没有该年的折标系数")
            return value
        raise NameError(name)

    def _row_has_input(self, row_key: str) -> bool:
        table, inputs = self.table.key, self.inputs
        return any(inputs.get((table, row_key, c.key)) not in (None, "") for c in self.table.columns
                   if c.formula is None)

    def _readers(self) -> tuple[Any, Any, Any, Any]:
        """The four readers a formula evaluates with, made once per table (a 5,000-row list
        evaluates a column formula 5,000 times): ``self.where`` holds the row being computed;
        ``self.run`` the one evaluation state every formula of the table evaluates in (v1: see
        ``Formula.evaluate_in``)."""
        where = self.where = [None, None]  # row key, row spec
        columns, value, constants = self.columns, self.value, self.constants

        memo = self.memo

        def lookup(name: str) -> Any:
            if name in columns:
                key = (where[0], name)
                return memo[key] if key in memo else value(where[0], name)  # (t1: mostly computed already)
            return self._constant(where[1], where[0], name)

        def sum_rows(*args: str) -> Any:
            return (self.peers[args[0]] if len(args) == 2 else self).column_sum(args[-1])

        def cell(*args: str) -> Any:
            return value(*args) if len(args) == 2 else self.peers[args[0]].value(args[1], args[2])

        def is_data(name: str) -> bool:
            return name in columns and (where[0], name) not in constants

        def read(name: str, run: Any) -> Any:  # (v1: ``lookup``, then ``is_data`` and the count, in one call)
            if name in columns:
                key = (where[0], name)
                found = memo[key] if key in memo else value(where[0], name)
                if key in constants:
                    return found
                if found is None:
                    return note_read(run, name)
                run.cells += 1
                run.filled += 1
                return found
            return self._constant(where[1], where[0], name)

        self.readers = (lookup, cell, sum_rows, is_data)
        self.run = evaluation_state(lookup, cell, sum_rows, is_data, read=read)
        return self.readers

    def _evaluate(self, row: RowSpec | None, row_key: str, col: ColumnSpec, formula: Formula,
                  column_names: Sequence[str] | None = None, facts: tuple[bool, tuple[str, ...]] | None = None) -> Any:
        if self.readers is None:
            self._readers()
        where = self.where
        if column_names is None:
            column_names = [n for n in formula.names if n in self.columns]
        value, constants, memo = self.value, self.constants, self.memo
        for name in column_names:
            if (row_key, name) not in memo:
                value(row_key, name)  # evaluated first, so whether each is a constant is known
        own_row, refs = facts if facts is not None else _formula_facts(formula)  # (v1: in the cell's step)
        if own_row:
            for name in column_names:
                if (row_key, name) not in constants:
                    break
            else:
                constants.add((row_key, col.key))
        outer = where[0], where[1]  # a cell of another row evaluated inside this one's formula: restored after
        where[0], where[1] = row_key, row
        try:  # (v1: what ``_result`` did, in this call)
            try:
                result = formula.evaluate_in(self.run)  # (v1: ``formula.evaluate(*self.readers)`` without a new state)
            except ZeroDivisionError:
                return None
            except _CellFailed as failed:
                self.out.errors[(self.table.key, row_key, col.key)] = failed.message
                return None
            except Exception as exc:  # noqa: BLE001 - a formula failure becomes a finding, not a crash
                if self._reads_data(row_key, formula):  # a row left blank stays blank
                    cause = self._failed_input(row_key, formula)
                    self.out.errors[(self.table.key, row_key, col.key)] = cause or f"无法计算（{exc}）"
                return None
            if isinstance(result, float):
                if not math.isfinite(result):
                    # e.g. a sum of figures stored by an older version beyond any real value: a finding, never inf
                    self.out.errors[(self.table.key, row_key, col.key)] = "计算结果超出数值范围，请核对参与计算的数值"
                    return None
                if col.decimals is not None:
                    # Keep full precision but drop binary noise such as 0.30000000000000004.
                    result = round(result, max(col.decimals + 6, 10))
            for name in refs:
                if name in formula.names:
                    note = self.out.sources.get((self.table.key, row_key, name))
                    if note:
                        self.out.sources[(self.table.key, row_key, col.key)] = note
            return result
        finally:
            where[0], where[1] = outer


    def _failed_input(self, row_key: str, formula: Formula) -> str | None:
        """The message of a cell this formula read that could not be computed itself (None: no such cell)."""
        if not self.out.errors:
            return None
        for name in formula.names:
            if name in self.columns:
                message = self.failed_cell(name, (row_key,))
                if message is not None:
                    return message
        for ref_row, ref_col in formula.cell_refs:
            message = self.failed_cell(ref_col, (ref_row,))
            if message is not None:
                return message
        for ref in formula.table_refs:
            peer = self.peers.get(ref[0])
            message = peer.failed_cell(ref[2], None if ref[1] == LIST_ROW else (ref[1],)) if peer else None
            if message is not None:
                return message
        return None

    def _reads_data(self, row_key: str, formula: Formula) -> bool:
        """Whether any data cell of this row that the formula reads is filled: a blank row whose
        factor is missing stays blank instead of repeating the factor's message."""
        return any(self.value(row_key, n) not in (None, "") for n in formula.names
                   if n in self.columns and (row_key, n) not in self.constants) or bool(
            formula.cell_refs or formula.table_refs or formula.sum_columns)


# t1: a table's cells as ``_TableEvaluator.value`` treats them, worked out once per table spec (a
# district intake computes every file's seven forms against the same tables). Grid: (row key,
# column key) → step; list: column key → step (every list row is alike). A step is (None, None, (),
# None) for a blocked cell, (column, None, (), None) for an input and (column, formula, the formula's
# names that are columns of the table, in ``formula.names`` order, ``_formula_facts(formula)``) for
# a computed cell.
@per_spec()
def _cell_steps(table: TableSpec) -> dict[Any, tuple[Any, Any, tuple[str, ...], Any]]:
    names = {c.key for c in table.columns}
    steps: dict[Any, tuple[Any, Any, tuple[str, ...], Any]] = {}
    for row in table.rows if table.kind == "grid" else (None,):
        for col in table.columns:
            key = col.key if row is None else (row.key, col.key)
            if table.is_blocked(row, col):
                steps[key] = (None, None, (), None)
            elif (text := table.cell_formula(row, col)) is None:
                steps[key] = (col, None, (), None)
            else:
                formula = compiled(text)
                steps[key] = (col, formula, tuple(n for n in formula.names if n in names), _formula_facts(formula))
    return steps


def compute_form(form: FormSpec, inputs: Mapping[CellKey, Any], list_rows: Mapping[str, Sequence[str]],
                 context: ComputeContext) -> ComputedForm:
    """All cell values of one report: stored inputs plus every computed cell."""
    last = form.tables[-1] if form.tables else None
    if last is not None and last.kind == "list" and len(list_rows.get(last.key, ())) >= COLUMNWISE_FROM:
        out: ComputedForm = _ListCellsLater()  # (its cells made when ``values`` is first read)
        out.last_table = last  # type: ignore[attr-defined]
    else:
        out = ComputedForm()
    evaluators: dict[str, _TableEvaluator] = {}
    for table in form.tables:
        row_keys = [r.key for r in table.rows] if table.kind == "grid" else list(list_rows.get(table.key, ()))
        out.list_rows[table.key] = row_keys
        evaluators[table.key] = _TableEvaluator(table, inputs, row_keys, context, out)
    for evaluator in evaluators.values():
        evaluator.peers = evaluators
    values, read = out.values, inputs.get
    for table in form.tables:
        evaluator, table_key = evaluators[table.key], table.key
        if table.kind == "list" and len(out.list_rows[table_key]) >= COLUMNWISE_FROM:
            _list_by_columns(evaluator, out)
            continue
        value_of, list_inputs = evaluator.value, evaluator.list_inputs
        if table.kind == "grid":
            _grid_cells(evaluator, out)
            continue
        # A list's input cells are read here as ``value`` reads them (a 5,000-row list: 65,000 calls fewer)
        columns = [(c.key, list_inputs.get(c.key)) for c in table.columns]
        for row_key in out.list_rows[table_key]:
            for col_key, numeric in columns:
                if numeric is None:
                    value = value_of(row_key, col_key)
                    if value is not None:
                        values[(table_key, row_key, col_key)] = value
                    continue
                key = (table_key, row_key, col_key)
                value = read(key)
                if value is None:
                    continue
                if numeric:
                    kind = type(value)
                    if kind is not float and kind is not int:
                        value = numeric_or_none(value)
                        if value is None:
                            continue
                values[key] = value
    for evaluator in evaluators.values():
        evaluator.release()
    return out


def _grid_cells(evaluator: _TableEvaluator, out: ComputedForm) -> None:
    """``compute_form``'s loop for a grid: each cell as ``value`` gives it, into ``out.values``.
    u1: a blocked or input cell (the most of a grid) is read here as ``value`` reads it, memo too
    (a call fewer per cell); a computed one goes through ``value``."""
    table, values, read = evaluator.table, out.values, evaluator.inputs.get
    value_of, memo, evaluate, rows = evaluator.value, evaluator.memo, evaluator._evaluate, evaluator.rows
    kept_steps, plans = _grid_plans(table)
    if kept_steps is not evaluator.steps:  # (the steps were replaced: tests of the per-cell way)
        plans = _make_grid_plans(table, evaluator.steps)
    alone = _rows_alone(table)
    for row_key in out.list_rows[table.key]:
        if row_key in alone and _blank_row(evaluator, row_key, alone[row_key], out):
            continue
        for key, cell, step, numeric in plans[row_key]:  # (v1: the keys made once per table spec)
            if key in memo:
                value = memo[key]
            elif step is None:
                value = value_of(row_key, key[1])
            elif step[1] is not None:  # (v1: ``value``'s computed-cell branch, without the call)
                memo[key] = None  # guards against cycles that slipped past the loader
                value = evaluate(rows[row_key], row_key, step[0], step[1], step[2], step[3])
                memo[key] = value
            else:
                if step[0] is None:  # blocked
                    value = None
                else:
                    value = read(cell)
                    if numeric and value is not None and type(value) is not float and type(value) is not int:
                        value = numeric_or_none(value)  # (v1: a blank or a plain number is as read: no call)
                memo[key] = value
            if value is not None:
                values[cell] = value


@per_spec()
def _grid_plans(table: TableSpec) -> tuple[Any, dict[str, list[tuple[tuple[str, str], CellKey, Any, bool]]]]:
    """(the table's ``_cell_steps``, ``_make_grid_plans`` of them), once per table spec."""
    steps = _cell_steps(table)
    return steps, _make_grid_plans(table, steps)


def _make_grid_plans(table: TableSpec, steps: Mapping[Any, Any]) -> dict[str, list[tuple[tuple[str, str], CellKey, Any, bool]]]:
    """A grid's row key → per column, in order: (the memo's key, the cell's key, its step or None,
    whether the column is numeric) — what ``_grid_cells`` made for each cell of every report."""
    return {row.key: [((row.key, c.key), (table.key, row.key, c.key), steps.get((row.key, c.key)), c.numeric)
                      for c in table.columns] for row in table.rows}


# t1: a grid row whose cells are all blank and whose formulas read nothing but its own row (and the
# reference tables) computes the same for every report of one reference and year: most rows of a
# township's 能源消费 grid (a fuel it does not use). Worked out once, then replayed — the memo, the
# constants, the errors and the factor sources it leaves, in the order it leaves them.
_BLANK_ROWS: dict[tuple[int, str, int, int | None], tuple[Any, ...]] = {}


@per_spec()
def _rows_alone(table: TableSpec) -> dict[str, tuple[CellKey, ...]]:
    """A grid's rows whose computed cells read only their own row: row key → every cell of the row."""
    steps = _cell_steps(table)
    found: dict[str, tuple[CellKey, ...]] = {}
    for row in table.rows:
        formulas = [steps[(row.key, c.key)][1] for c in table.columns]
        if all(f is None or not (f.cell_refs or f.sum_columns or f.table_refs or f.form_refs) for f in formulas):
            found[row.key] = tuple((table.key, row.key, c.key) for c in table.columns)
    return found


def _blank_row(evaluator: _TableEvaluator, row_key: str, cells: tuple[CellKey, ...], out: ComputedForm) -> bool:
    """Compute a row of ``_rows_alone`` as ``compute_form``'s loop does when all its cells are blank
    (from the kept outcome after the first time); False (nothing done) when it has a value or when a
    cell of it was computed already (another row's formula read it)."""
    inputs, memo = evaluator.inputs, evaluator.memo
    # (v1: the cells looked up by ``map``, not a generator step per cell)
    if any(map(is_not, map(inputs.get, cells), repeat(None))) or any(
            map(memo.__contains__, zip(repeat(row_key), map(itemgetter(2), cells)))):
        return False
    context = evaluator.context
    key = (id(evaluator.table), row_key, id(context.reference), context.year)
    kept = _BLANK_ROWS.get(key)
    if kept is None or kept[0] is not evaluator.table or kept[1] is not context.reference:
        if len(_BLANK_ROWS) > 4096:
            _BLANK_ROWS.clear()
        errors, sources = len(out.errors), len(out.sources)
        for cell in cells:
            evaluator.value(row_key, cell[2])
        done = [(c[2], memo[(row_key, c[2])]) for c in cells if (row_key, c[2]) in memo]
        table_key = evaluator.table.key
        # (v1: also the memo's and ``out.values``' items as they are replayed, made once)
        kept = _BLANK_ROWS[key] = (
            evaluator.table, context.reference, done,
            [(row_key, c[2]) for c in cells if (row_key, c[2]) in evaluator.constants],
            list(out.errors.items())[errors:], list(out.sources.items())[sources:],
            [((row_key, col), value) for col, value in done],
            [((table_key, row_key, col), value) for col, value in done if value is not None])
    else:
        memo.update(kept[6])
        evaluator.constants.update(kept[3])
        out.errors.update(kept[4])
        out.sources.update(kept[5])
    out.values.update(kept[7])
    return True


_PLAIN_NUMBERS = frozenset((float, int, type(None)))  # a numeric column of these is shown as given
COLUMNWISE_FROM = 32  # a list table this long is computed column by column (``_list_by_columns``)


def _list_by_columns(evaluator: _TableEvaluator, out: ComputedForm) -> None:
    """``compute_form``'s loop for a long list table, column by column: the input columns read once
    (kept as ``ListColumns`` for the checks), the formula columns computed column by column where
    that is certain (``_formula_by_columns``) and by ``value`` where not, in the same row order;
    ``out.values`` gets the same cells in the same order as the row loop gives them."""
    table, inputs, table_key = evaluator.table, evaluator.inputs, evaluator.table.key
    row_keys = out.list_rows[table_key]
    raw: dict[str, list[Any]] = {}
    shown: dict[str, list[Any]] = {}
    get = inputs.get
    by_column = inputs.column if isinstance(inputs, ColumnValues) else None  # issue 16: read by column
    for key, numeric in evaluator.list_inputs.items():
        # u1: each cell's key made and looked up by ``zip``/``map`` (C), not a Python loop per cell
        column = raw[key] = by_column(table_key, key, row_keys) if by_column is not None else list(
            map(get, zip(repeat(table_key), row_keys, repeat(key))))
        shown[key] = column if not numeric or set(map(type, column)) <= _PLAIN_NUMBERS else [
            v if v is None or type(v) is float or type(v) is int else numeric_or_none(v) for v in column]
    formulas = [c.key for c in table.columns if c.key not in evaluator.list_inputs]
    for col in table.columns:
        if col.key not in evaluator.list_inputs:
            _formula_by_columns(evaluator, col, shown)
    if formulas:  # the rest row by row, in the row loop's order (errors are found in that order)
        memo = evaluator.memo
        # u1: a column ``_formula_by_columns`` computed for every row is taken from the memo as
        # ``value`` would return it (a cell in the memo is not changed by computing another)
        for key in formulas:
            cells = list(zip(row_keys, repeat(key)))
            if all(map(memo.__contains__, cells)):
                shown[key] = list(map(memo.__getitem__, cells))
        rest = [key for key in formulas if key not in shown]
        if rest:
            value_of = evaluator.value
            found = [[value_of(k, key) for key in rest] for k in row_keys]
            for n, key in enumerate(rest):
                shown[key] = [row[n] for row in found]
    columns = out.columns[table_key] = ListColumns(row_keys, inputs, raw, {c.key: shown[c.key] for c in table.columns})
    if isinstance(out, _ListCellsLater) and table is out.last_table:  # (issue 16: when ``values`` is read)
        out._later = table_key
        return
    # u1: out.values gets the filled cells row by row, in column order, as the row loop gives them
    out.values.update(_list_cells(table_key, columns))


def _formula_by_columns(evaluator: _TableEvaluator, col: ColumnSpec, shown: Mapping[str, list[Any]]) -> None:
    """A list formula column that reads only input columns, computed column by column
    (``forms.column_formula``) into the evaluator's memo: what ``_TableEvaluator.value`` gives, for
    the rows where that is certain — a blank read as 0 and the result blank when every cell read is
    blank, as ``Formula.evaluate`` does. A row whose formula raises, or whose result is not finite
    (an error message), or (a formula with and/or/if) that reads a blank, is left to ``value``."""
    from forms.column_formula import column_program, evaluate_rows, short_circuits

    formula = compiled(col.formula) if col.formula is not None else None
    if formula is None or not formula.names or not formula.names <= evaluator.list_inputs.keys():
        return
    program = column_program(formula)
    if program is None or {"ref_equal", "ref_equiv"} & formula.names:
        return
    row_keys = evaluator.row_keys
    read = {name: shown[name] for name in formula.names}
    blanks = [sum(1 for v in values if v is None) for values in zip(*read.values())] \
        if any(None in values for values in read.values()) else None
    rows: Sequence[int] = range(len(row_keys))
    memo, col_key, places = evaluator.memo, col.key, None if col.decimals is None else max(col.decimals + 6, 10)
    if blanks is not None:
        if short_circuits(formula):  # which blanks a row reads depends on the row: row by row
            rows = [i for i in rows if not blanks[i]]
        else:
            every = len(read)
            for i in rows:
                if blanks[i] == every:  # every cell read is blank: the cell is blank
                    memo[(row_keys[i], col_key)] = None
            rows = [i for i in rows if blanks[i] != every]
        read = {name: [0 if v is None else v for v in values] for name, values in read.items()}
    results, _failed = evaluate_rows(program, read, list(rows))
    for i, result in results.items():
        if isinstance(result, float):
            if not math.isfinite(result):
                continue  # the error message comes from ``value``
            if places is not None:
                result = round(result, places)
        memo[(row_keys[i], col_key)] = result


class _StoredTable:
    """A table a re-computation leaves as it was: its cells are read from the values already
    computed (what ``_TableEvaluator.value`` would return, since blanks are not stored)."""

    def __init__(self, table: TableSpec, row_keys: Sequence[str], values: Mapping[CellKey, Any]) -> None:
        self.key, self.values = table.key, values
        rows = {r.key: r for r in table.rows}
        self.item_keys = [k for k in row_keys if table.kind == "list" or not rows[k].is_total]

    def value(self, row_key: str, col_key: str) -> Any:
        return self.values.get((self.key, row_key, col_key))

    def column_sum(self, col_key: str) -> Any:
        numbers = [v for k in self.item_keys if isinstance(v := self.values.get((self.key, k, col_key)), (int, float))]
        return sum(numbers) if numbers else None


def _cell_formulas(table: TableSpec) -> list[Formula]:
    rows: Sequence[RowSpec | None] = table.rows if table.kind == "grid" else (None,)
    return [compiled(text) for row in rows for col in table.columns
            if (text := table.cell_formula(row, col)) is not None and not table.is_blocked(row, col)]


@record(frozen=True)
class TablePlan:
    """What a changed cell of a form can affect, known from its formulas (see ``recompute``).

    ``row_local``: list tables whose computed cells read only their own row, so an edited row
    is recomputed alone; ``readers[t]``: the tables whose formulas read table t, directly or
    through another table."""

    row_local: frozenset[str]
    readers: dict[str, frozenset[str]]


@per_spec()
def table_plan(form: FormSpec) -> TablePlan:
    """The form's ``TablePlan``, worked out once per form object."""
    direct: dict[str, set[str]] = {t.key: set() for t in form.tables}  # table → tables it reads
    row_local = set()
    for table in form.tables:
        formulas = _cell_formulas(table)
        for formula in formulas:
            direct[table.key] |= {ref[0] for ref in formula.table_refs} - {table.key}
        if table.kind == "list" and not any(f.cell_refs or f.sum_columns or f.table_refs for f in formulas):
            row_local.add(table.key)
    readers: dict[str, frozenset[str]] = {}
    for key in direct:
        found_readers: set[str] = set()
        todo = [key]
        while todo:
            read = todo.pop()
            for reader, reads in direct.items():
                if read in reads and reader not in found_readers:
                    found_readers.add(reader)
                    todo.append(reader)
        readers[key] = frozenset(found_readers - {key})
    return TablePlan(frozenset(row_local), readers)


def recompute(form: FormSpec, inputs: Mapping[CellKey, Any], previous: ComputedForm,
              rows: Mapping[str, Collection[str]], tables: Collection[str], context: ComputeContext) -> ComputedForm:
    """``previous`` with only some cells computed again: ``rows`` (table → row keys) of row-local
    list tables, and every cell of ``tables``. The caller chooses them with ``table_plan``
    (edited rows of a row-local list; any other edited table and every table that reads an
    edited one); the result is then what ``compute_form`` would give for the same inputs."""
    # ``dict.copy``, not ``dict(…)``: after an edit the dict has holes (``_forget`` pops, ``_store`` adds),
    # which ``dict(…)`` fills by inserting 75,000 keys one by one (≈ 6× slower at 5,000 rows)
    out = ComputedForm(previous.values.copy(), previous.errors.copy(), previous.sources.copy(),
                       {k: list(v) for k, v in previous.list_rows.items()})
    by_key = {t.key: t for t in form.tables}
    for table_key, row_keys in rows.items():
        table = by_key[table_key]
        present = set(out.list_rows[table_key])
        wanted = [k for k in row_keys if k in present]
        _forget(out, table, wanted)
        evaluator = _TableEvaluator(table, inputs, wanted, context, out)
        _store(out, evaluator, table, wanted)
        evaluator.release()
    if tables:
        peers: dict[str, Any] = {t.key: _StoredTable(t, out.list_rows[t.key], out.values) for t in form.tables
                                 if t.key not in tables}
        redo = [by_key[k] for k in by_key if k in tables]
        for table in redo:
            _forget(out, table, out.list_rows[table.key])
            peers[table.key] = _TableEvaluator(table, inputs, out.list_rows[table.key], context, out)
        for table in redo:
            peers[table.key].peers = peers
        for table in redo:
            _store(out, peers[table.key], table, out.list_rows[table.key])
        for table in redo:
            peers[table.key].release()
    return out


def _forget(out: ComputedForm, table: TableSpec, row_keys: Sequence[str]) -> None:
    names = [c.key for c in table.columns] + ["ref_equal", "ref_equiv"]
    for row_key in row_keys:
        for name in names:
            key = (table.key, row_key, name)
            out.values.pop(key, None)
            out.errors.pop(key, None)
            out.sources.pop(key, None)


def _store(out: ComputedForm, evaluator: _TableEvaluator, table: TableSpec, row_keys: Sequence[str]) -> None:
    for row_key in row_keys:
        for col in table.columns:
            value = evaluator.value(row_key, col.key)
            if value is not None:
                out.values[(table.key, row_key, col.key)] = value


def find_cycle(table: TableSpec) -> list[tuple[str, str]] | None:
    """A chain of computed cells that depends on itself, or None."""
    row_keys = [r.key for r in table.rows] if table.kind == "grid" else [LIST_ROW]
    rows = {r.key: r for r in table.rows}
    item_keys = [k for k in row_keys if k == LIST_ROW or not rows[k].is_total]

    def deps(row_key: str, col: ColumnSpec) -> list[tuple[str, str]]:
        row = rows.get(row_key)
        text = table.cell_formula(row, col)
        if text is None or table.is_blocked(row, col):
            return []
        formula = compiled(text)
        found = [(row_key, n) for n in formula.names if n in table.column_keys]
        found += [(r if table.kind == "grid" else LIST_ROW, c) for r, c in formula.cell_refs]
        found += [(k, c) for c in formula.sum_columns for k in item_keys]
        return found

    columns = {c.key: c for c in table.columns}
    state: dict[tuple[str, str], int] = {}
    stack: list[tuple[str, str]] = []

    def visit(node: tuple[str, str]) -> list[tuple[str, str]] | None:
        mark = state.get(node)
        if mark == 2:
            return None
        if mark == 1:
            return stack[stack.index(node):] + [node]
        state[node] = 1
        stack.append(node)
        for dep in deps(node[0], columns[node[1]]):
            found = visit(dep)
            if found:
                return found
        stack.pop()
        state[node] = 2
        return None

    for row_key in row_keys:
        for col in table.columns:
            found = visit((row_key, col.key))
            if found:
                return found
    return None
