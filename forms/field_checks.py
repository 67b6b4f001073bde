"""Field checks of one report: each cell against its column (type, 必填, decimals, format, range),
unique columns of a list, and figures resting on unverified reference values."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from forms.compute import CellKey, compiled
from forms.findings import FindingCollector
from forms.spec import TableSpec
from forms.values import type_problem

__all__ = ["field_checks", "unique_checks", "reference_checks"]


def field_checks(table: TableSpec, inputs: Mapping[CellKey, Any], row_keys: Sequence[str],
                  out: FindingCollector, only: Collection[str] | None = None) -> None:
    """Each cell against its column; ``only``: just these rows (after an edit of them)."""
    rows = {r.key: r for r in table.rows}
    numbered = enumerate(row_keys, start=1) if only is None else [
        (row_keys.index(k) + 1, k) for k in only if k in row_keys]
    for index, row_key in sorted(numbered) if only is not None else numbered:
        row = rows.get(row_key)
        for col in (table.cell_column(row, c) for c in table.columns):
            key = (table.key, row_key, col.key)
            if key in out.computed.errors:
                out.add("错误", "计算", table, row_key, index, col, out.computed.errors[key])
            if not table.is_input(row, col):
                continue
            value = inputs.get(key)
            problem = type_problem(col, value)
            if problem:
                out.add("错误", "类型", table, row_key, index, col, f"{problem}，请核对后重新填写。")
                out.invalid.add(key)
                continue
            if value is None:
                if col.required or (row is not None and col.key in row.required):
                    out.add("错误", "必填", table, row_key, index, col, "为必填项，请填写（确无数据填0）。")
                continue
            if col.numeric and col.check_decimals and isinstance(value, float) and col.decimals is not None:
                scaled = value * 10 ** col.decimals
                if abs(scaled - round(scaled)) > 1e-6 * max(1.0, abs(scaled)):
                    out.add("错误", "小数", table, row_key, index, col,
                            f"小数位数不得超过{col.decimals}位，请核对后重新填写。")
                    out.invalid.add(key)
                    continue
            if col.pattern and isinstance(value, str) and not re.fullmatch(col.pattern, value):
                out.add("错误", "格式", table, row_key, index, col,
                        (col.pattern_message or f"'{value}' 格式不符合要求") + "，请核对后重新填写。")
                out.invalid.add(key)
                continue
            limits = dict(min=col.min, max=col.max)
            if row is not None:
                limits.update(row.limits.get(col.key, {}))
            if col.numeric and limits["min"] is not None and value < limits["min"]:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≥{limits['min']:g}，请核对后重新填写。")
                out.invalid.add(key)
            elif col.numeric and limits["max"] is not None and value > limits["max"]:
                out.add("错误", "范围", table, row_key, index, col, f"数值须≤{limits['max']:g}，请核对后重新填写。")
                out.invalid.add(key)


def unique_checks(table: TableSpec, inputs: Mapping[CellKey, Any], row_keys: Sequence[str],
                   out: FindingCollector) -> None:
    """``unique: true`` columns of a list: a value may appear on one row only (e.g. 信用代码)."""
    for col in table.columns:
        if not col.unique:
            continue
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


def reference_checks(table: TableSpec, inputs: Mapping[CellKey, Any], out: FindingCollector,
                      unverified: Mapping[str, str]) -> None:
    """Say so when a figure rests on an unverified or missing reference value (on the factor cell).

    Only rows with reported data: a blank fuel row uses no factor."""
    for index, row in enumerate(table.rows, start=1):
        if not row.energy or not any(inputs.get((table.key, row.key, c.key)) is not None for c in table.columns):
            continue
        for col in table.columns:
            text = table.cell_formula(row, col)
            key = (table.key, row.key, col.key)
            if text is None or out.computed.get(*key) is None:
                continue
            names = compiled(text).names
            if names == {"ref_equal"} and row.energy in unverified:
                out.add("提示", "参考", table, row.key, index, col, f"所用折标系数未经核实：{unverified[row.energy]}")
            if names == {"ref_equiv"} and "缺失" in out.computed.sources.get(key, ""):
                out.add("提示", "参考", table, row.key, index, col, out.computed.sources[key])
