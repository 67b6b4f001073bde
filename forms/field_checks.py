"""Field checks of one report: each cell against its column (type, 必填, decimals, format, range),
unique columns of a list, and figures resting on unverified reference values."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Collection, Mapping, Sequence
from itertools import compress, repeat
from operator import is_not
from typing import Any

from forms.compute import CellKey, ListColumns, compiled
from forms.findings import FindingCollector
from forms.reference import PROVISIONAL_MARK
from forms.rule_messages import fmt
from forms.spec import DEFAULT_BOUNDS, ColumnSpec, RowSpec, TableSpec
from forms.spec_memo import per_spec
from forms.values import (
    _USCC_DIGITS,
    _USCC_FORM,
    MAX_TEXT_CHARS,
    USCC_CHARS,
    decimal_places,
    plain_codes,
    type_problem,
)

__all__ = ["field_checks", "unique_checks", "reference_checks"]


# -- s4: the cell plans of a table, worked out once per table and row ---------------------------
# A district intake validates every file's seven forms against the same tables: building each
# row's plan again for every file was about 2 ms of each file's validation. The entry holds the
# table (and each row), so an id is not reused while kept; the plans depend on the spec alone.
@per_spec()
def _plans_by_row(table: TableSpec) -> dict[str | None, tuple[RowSpec | None, list[Any]]]:
    return {}  # filled by ``_cell_plans`` as rows are asked for


def _cell_plans(table: TableSpec, row: RowSpec | None) -> list[tuple[ColumnSpec, bool, bool, Any, Any]]:
    """``_table_cell_plans``, kept per table and row (the callers only read it)."""
    kept = _plans_by_row(table)
    key = None if row is None else row.key
    found = kept.get(key)
    if found is None or found[0] is not row:
        found = kept[key] = (row, _table_cell_plans(table, row))
    return found[1]


@per_spec()
def _row_plans(table: TableSpec) -> dict[str, list[tuple[ColumnSpec, bool, bool, Any, Any]]]:
    """A grid's row key → ``_cell_plans`` of its row (the last row of a key, as a dict of the rows
    by key gives it), once per table."""
    return {row.key: _cell_plans(table, row) for row in {r.key: r for r in table.rows}.values()}


@per_spec()
def _row_cells(table: TableSpec) -> dict[str, tuple[tuple[CellKey, ...], tuple[CellKey, ...], bool]]:
    """A grid's row key → (every cell of the row, its input cells, whether an input cell of it is
    required), by the row's ``_row_plans``, once per table."""
    return {key: (tuple((table.key, key, p[0].key) for p in plans), tuple((table.key, key, p[0].key) for p in plans if p[1]),
                  any(p[2] for p in plans if p[1])) for key, plans in _row_plans(table).items()}


def _table_cell_plans(table: TableSpec, row: RowSpec | None) -> list[tuple[ColumnSpec, bool, bool, Any, Any]]:
    """Per column, as it applies to ``row`` (None: a list row): the column, whether the cell is
    input, whether it is required, its minimum and maximum."""
    plans = []
    for spec in table.columns:
        col = table.cell_column(row, spec)
        limits = dict(min=col.min, max=col.max)
        if row is not None:
            limits.update(row.limits.get(col.key, {}))
        required = col.required or (row is not None and col.key in row.required)
        plans.append((col, table.is_input(row, col), required, limits["min"], limits["max"]))
    return plans


def field_checks(table: TableSpec, inputs: Mapping[CellKey, Any], row_keys: Sequence[str],
                 out: FindingCollector, only: Collection[str] | None = None) -> None:
    """Each cell against its column; ``only``: just these rows (after an edit of them)."""
    numbered = enumerate(row_keys, start=1) if only is None else sorted(
        (row_keys.index(k) + 1, k) for k in only if k in row_keys)
    list_plans = _cell_plans(table, None) if table.kind == "list" else None  # every list row is alike
    by_row = _row_plans(table) if list_plans is None else None  # (v1: a grid's row plans in one look-up)
    errors, table_key = out.computed.errors, table.key
    if list_plans is not None and only is None:  # only the rows that can add a finding (p2: speed)
        known = out.computed.columns.get(table_key)  # the inputs by column, as computed (issue 16)
        loud = _loud_rows(table_key, list_plans, inputs, row_keys, errors,
                          known.of(inputs, row_keys) if known is not None else None)
        numbered = [(i, k) for i, k in numbered if k in loud]
    row_cells = _row_cells(table) if by_row is not None else None
    for index, row_key in numbered:
        if row_cells is not None and (cells := row_cells.get(row_key)) is not None and not cells[2] and not any(
                map(is_not, map(inputs.get, cells[1]), repeat(None))) and not (
                errors and any(map(errors.__contains__, cells[0]))):
            continue  # (v1: every input cell blank, none required, no computing error: the loop finds nothing)
        plans = list_plans or (by_row.get(row_key) if by_row is not None else None) or _cell_plans(table, None)
        for col, is_input, required, low, high in plans:
            key = (table_key, row_key, col.key)
            if errors and key in errors:
                out.add("错误", "计算", table, row_key, index, col, errors[key])
            if not is_input:
                continue
            value = inputs.get(key)
            if value is None:
                if required:
                    out.add("错误", "必填", table, row_key, index, col, "为必填项，请填写（确无数据填0）。")
                continue
            problem = None if _plainly_valid(col, value) else type_problem(col, value)
            if problem:
                out.add("错误", "类型", table, row_key, index, col, f"{problem}，请核对后重新填写。")
                out.invalid.add(key)
                continue
            if col.numeric and col.check_decimals and isinstance(value, float) and col.decimals is not None:
                if decimal_places(value) > col.decimals:
                    out.add("错误", "小数", table, row_key, index, col,
                            f"小数位数不得超过{col.decimals}位，请核对后重新填写。")
                    out.invalid.add(key)
                    continue
            if col.pattern and isinstance(value, str) and not re.fullmatch(col.pattern, value):
                out.add("错误", "格式", table, row_key, index, col,
                        (col.pattern_message or f"'{value}' 格式不符合要求") + "，请核对后重新填写。")
                out.invalid.add(key)
                continue
            if col.numeric and low is not None and value < low:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≥{fmt(low, None)}，请核对后重新填写。")
                out.invalid.add(key)
            elif col.numeric and high is not None and value > high:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≤{fmt(high, None)}，请核对后重新填写。")
                out.invalid.add(key)


def _loud_rows(table_key: str, plans: list[tuple[ColumnSpec, bool, bool, Any, Any]], inputs: Mapping[CellKey, Any],
               row_keys: Sequence[str], errors: Mapping[CellKey, str], columns: ListColumns | None = None) -> set[str]:
    """The rows of a list table where ``field_checks`` may add a finding, found column by column
    (a 5,000-row list holds 70,000 cells): a row left out is one where every cell passes the same
    checks the row loop makes. Conservative: a row in doubt is in (the row loop then decides), so
    the findings are exactly the row loop's. A column whose values all pass is recognised with a
    few whole-column operations (``_column_passes``); only the others are looked at value by value.
    ``columns``: the same inputs by column (``compute_form`` read them already)."""
    loud = {k[1] for k in errors if k[0] == table_key} if errors else set()
    for col, is_input, required, low, high in plans:
        if not is_input:
            continue
        key = col.key
        values = columns.raw[key] if columns is not None and key in columns.raw else [
            inputs.get((table_key, row_key, key)) for row_key in row_keys]
        blank = None in values
        present = list(compress(values, map(is_not, values, repeat(None)))) if blank else values  # (u1: in C)
        if _column_passes(col, present, low, high):
            if blank and required:
                loud.update(row_key for row_key, value in zip(row_keys, values) if value is None)
            continue
        if col.numeric:
            bound = col.bound if col.bound is not None else DEFAULT_BOUNDS.get(col.type, DEFAULT_BOUNDS["number"])
            whole = col.type == "integer"
            scale = 10 ** col.decimals if col.check_decimals and col.decimals is not None else None
            for row_key, value in zip(row_keys, values):
                if value is None:
                    if required:
                        loud.add(row_key)
                    continue
                kind = type(value)
                if kind is float:
                    if whole or not -bound < value < bound:
                        loud.add(row_key)
                        continue
                    if scale is not None:
                        scaled = value * scale
                        if abs(scaled - round(scaled)) > 1e-6 * max(1.0, abs(scaled)):
                            loud.add(row_key)
                            continue
                elif kind is not int or not -bound < value < bound:
                    loud.add(row_key)
                    continue
                if (low is not None and value < low) or (high is not None and value > high):
                    loud.add(row_key)
            continue
        pattern = re.compile(col.pattern) if col.pattern else None
        text = col.type == "text"
        choices = _valid_choices(col) if col.type == "choice" else None
        for row_key, value in zip(row_keys, values):
            if value is None:
                if required:
                    loud.add(row_key)
                continue
            if text and type(value) is str and len(value) <= MAX_TEXT_CHARS:  # as _plainly_valid, inlined
                valid = True
            elif choices is not None and type(value) is str:
                valid = value in choices or type_problem(col, value) is None
            else:
                valid = _plainly_valid(col, value) or type_problem(col, value) is None
            if not valid:
                loud.add(row_key)
            elif pattern is not None and isinstance(value, str) and not pattern.fullmatch(value):
                loud.add(row_key)
    return loud


def _column_passes(col: ColumnSpec, present: list[Any], low: Any, high: Any) -> bool:
    """Whether every value of ``present`` (a list column's filled cells) certainly passes the row
    loop's checks, told by whole-column operations (the common case: nothing to report); False
    means "look value by value", never "invalid"."""
    if not present or col.pattern:
        return not present
    kinds = set(map(type, present))
    if col.numeric:
        if not kinds <= {float, int} or (col.type == "integer" and float in kinds):
            return False
        bound = col.bound if col.bound is not None else DEFAULT_BOUNDS.get(col.type, DEFAULT_BOUNDS["number"])
        try:
            if not math.isfinite(sum(present)):  # an inf or nan among them (or a sum beyond a float)
                return False
        except OverflowError:
            return False
        smallest, largest = min(present), max(present)
        if not -bound < smallest <= largest < bound:
            return False
        if (low is not None and smallest < low) or (high is not None and largest > high):
            return False
        if float in kinds and col.check_decimals and col.decimals is not None:
            scale = 10 ** col.decimals
            scaled = list(map(operator.mul, present, repeat(scale)))  # (u1: in C)
            if kinds == {float} and all(map(float.is_integer, scaled)):
                return True  # (r28: every one a whole number, as figures of few decimals often are: one pass)
            # within 1e-6 of a whole number everywhere: within the row loop's tolerance too
            return max(map(abs, map(operator.sub, scaled, map(round, scaled)))) <= 1e-6
        return True
    if kinds != {str}:
        return False
    if col.type == "text":
        return max(map(len, present)) <= MAX_TEXT_CHARS
    if col.type == "choice":
        return set(present) <= _valid_choices(col)
    if col.type == "uscc":
        return plain_codes(present)  # (forms.values: the import's reader asks the same)
    return False


_VALID_CHOICES: dict[int, tuple[ColumnSpec, frozenset[str]]] = {}


def _valid_uscc(code: str) -> bool:
    """``check_uscc(code) is None``, faster (a 5,000-row list holds 5,000 codes): the form's 18
    characters, and the check character computed as ``forms.values.plain_text`` does (a test
    holds it to ``check_uscc``)."""
    if len(code) != 18 or not _USCC_FORM.fullmatch(code):
        return False
    total = int(code[16::-1].translate(_USCC_DIGITS), 34)  # ≡ the weighted sum (mod 31): see forms.values
    return USCC_CHARS[(31 - total % 31) % 31] == code[17]


def _plainly_valid(col: ColumnSpec, value: Any) -> bool:
    """True for the common values ``type_problem`` accepts, recognised without parsing them again
    (a 5,000-row list holds 70,000 of them): a finite number within the column's bound, one of
    the choices, text that is not too long. False means "ask ``type_problem``", not "invalid". A test holds the two together."""
    kind = type(value)
    if col.numeric:
        if kind is float and (col.type == "integer" or not math.isfinite(value)):
            return False
        if kind is not float and kind is not int:
            return False
        bound = col.bound if col.bound is not None else DEFAULT_BOUNDS.get(col.type, DEFAULT_BOUNDS["number"])
        return abs(value) < bound
    if col.type == "text" and kind is str:  # parsing only drops control characters: too long is the one problem
        return len(value) <= MAX_TEXT_CHARS
    if col.type == "uscc" and kind is str:  # a valid code as stored: what parsing it gives back unchanged
        return _valid_uscc(value)
    if col.type == "choice" and kind is str:
        return value in _valid_choices(col)
    return False


def _valid_choices(col: ColumnSpec) -> frozenset[str]:
    """The choices of a choice column that ``type_problem`` accepts, worked out once per column."""
    found = _VALID_CHOICES.get(id(col))
    if found is None or found[0] is not col:
        found = (col, frozenset(c for c in col.choices if type_problem(col, c) is None))
        _VALID_CHOICES[id(col)] = found
    return found[1]


def unique_checks(table: TableSpec, inputs: Mapping[CellKey, Any], row_keys: Sequence[str],
                   out: FindingCollector) -> None:
    """``unique: true`` columns of a list: a value may appear on one row only (e.g. 信用代码)."""
    known = out.computed.columns.get(table.key) if table.kind == "list" else None
    known = known.of(inputs, row_keys) if known is not None else None
    for col in table.columns:
        if not col.unique:
            continue
        if known is not None and col.key in known.raw and _all_different(known.raw[col.key]):
            continue  # (issue 16: a 5,000-row list, told at once; a blank or a repeat: row by row)
        first: dict[Any, int] = {}
        for index, row_key in enumerate(row_keys, start=1):
            value = inputs.get((table.key, row_key, col.key))
            if value is None or (table.key, row_key, col.key) in out.invalid:
                continue
            norm = value.strip().upper() if isinstance(value, str) else value
            if norm in first:
                out.add("错误", "唯一", table, row_key, index, col,
                        f"与第{first[norm]}行重复（同一{col.label}只能填报一行），请核对后删除或改正。")
            else:
                first[norm] = index


def _all_different(values: list[Any]) -> bool:
    """Whether ``unique_checks`` finds no repeat among ``values`` (one list column): all filled
    texts that differ once trimmed and upper-cased. (Cells that failed their field check are left
    out there, which only removes repeats.)"""
    if None in values or set(map(type, values)) != {str}:
        return False
    return len({v.strip().upper() for v in values}) == len(values)


def reference_checks(table: TableSpec, inputs: Mapping[CellKey, Any], out: FindingCollector,
                      unverified: Mapping[str, str]) -> None:
    """Say so when a figure rests on an unverified or missing reference value (on the factor cell).

    Only rows with reported data: a blank fuel row uses no factor."""
    for index, row, cells, factors in _factor_cells(table):
        if not any(map(is_not, map(inputs.get, cells), repeat(None))):  # (v1: by map, not a generator)
            continue
        for col, key, names in factors:
            if out.computed.values.get(key) is None:
                continue
            if names == {"ref_equal"} and row.energy in unverified:
                out.add("提示", "参考", table, row.key, index, col, f"所用折标系数未经核实：{unverified[row.energy]}")
            if names == {"ref_equiv"} and PROVISIONAL_MARK in out.computed.sources.get(key, ""):
                out.add("提示", "参考", table, row.key, index, col, out.computed.sources[key])


# t1: a grid's rows tied to an energy, each with its cells and its cells computed by a formula that
# reads a reference factor alone (the only ones ``reference_checks`` speaks of), once per table
@per_spec()
def _factor_cells(table: TableSpec) -> list[tuple[int, RowSpec, tuple[CellKey, ...], list[Any]]]:
    found = []
    for index, row in enumerate(table.rows, start=1):
        if not row.energy:
            continue
        factors = []
        for col in table.columns:
            text = table.cell_formula(row, col)
            names = compiled(text).names if text is not None else frozenset()
            if names in ({"ref_equal"}, {"ref_equiv"}):
                factors.append((col, (table.key, row.key, col.key), names))
        found.append((index, row, tuple((table.key, row.key, c.key) for c in table.columns), factors))
    return found
