"""Test data for the 汇总 and progress tests (and bench/summary_bench.py): many townships'
reports in one real database, each a copy of the demo township's with its own figures."""

from __future__ import annotations

from typing import Any

from storage.database import Township
from storage.demo import _uscc
from storage.workspace import Workspace

__all__ = ["factor_of", "copy_demo", "fill_townships", "add_townships"]


def factor_of(index: int) -> float:
    """Township ``index``'s figures are the demo's times this (all different, none round)."""
    return 0.5 + 0.137 * index


def _scaled(ws: Workspace, form_key: str, cell: tuple[str, str, str], value: Any, factor: float) -> Any:
    """A summed quantity scaled; everything else (coefficients, text, choices, dates) as the demo's."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    table = ws.form(form_key).table(cell[0])
    row = table.row(cell[1]) if table.kind == "grid" else None
    col = table.cell_column(row, table.column(cell[2]))
    if (row is not None and table.aggregate_mode(row, col) != "sum") or col.type not in ("number", "integer"):
        return value
    decimals = 0 if col.type == "integer" else (col.decimals if col.decimals is not None else 2)
    scaled = round(value * factor, decimals)
    return int(scaled) if decimals == 0 else scaled


def copy_demo(ws: Workspace, town: Township, factor: float, periods: tuple[str, ...],
              forms: tuple[str, ...] | None = None) -> None:
    """The demo township's reports of ``periods`` copied to ``town`` with figures × ``factor``;
    list rows renamed per township (a credit code made unique by the township's id)."""
    demo = next(t for t in ws.townships() if t.is_demo)
    store = ws.store
    for period in periods:
        for report in store.reports_for(demo.id, period):
            if forms is not None and report.form_key not in forms:
                continue
            data = store.load(report.id)
            target = store.ensure_report(town.id, report.form_key, report.form_version, period)
            rename = {(t, r): store.add_list_row(target.id, t, ws.user) for t, rows in data.list_rows.items()
                      for r in rows}
            values = []
            for (table, row, col), value in data.values.items():
                value = _scaled(ws, report.form_key, (table, row, col), value, factor)
                if col == "name" and (table, row) in rename:
                    value = f"{town.name}{value}"
                elif col == "uscc" and isinstance(value, str):
                    value = _uscc(f"{value[:10]}{town.id:04d}{len(values):03d}")  # one enterprise, one township
                values.append(((table, rename.get((table, row), row), col), value))
            store.set_values(target.id, values, ws.user, "测试数据")


def fill_townships(ws: Workspace, count: int, periods: tuple[str, ...] = ("2025",),
                   skip: tuple[int, ...] = ()) -> list[Township]:
    """The first ``count`` real townships of the catalogue get data (except the indexes in
    ``skip``); returns the townships filled, in catalogue order."""
    real = [t for t in ws.townships() if not t.is_demo][:count]
    filled = []
    with ws.store.atomic():
        for i, town in enumerate(real):
            if i in skip:
                continue
            copy_demo(ws, town, factor_of(i), periods)
            filled.append(town)
    return filled


def add_townships(ws: Workspace, count: int) -> list[Township]:
    """``count`` more townships (a municipality's), alternately 镇 and 街道."""
    with ws.store.atomic():
        return [ws.store.add_township(f"测试镇街{i:04d}", stat_code=f"5099{i:08d}", kind="镇" if i % 2 else "街道")
                for i in range(count)]
