"""Where everything of a form goes on its worksheet: ONE function used by the export (to write)
and by the import (to find cells in a filled template that has lost its hidden ``_cells`` map).

Layout (1-based rows/columns)::

    rows 1-7   title, label block, 报告期          (HEADING_ROWS)
    per table  [title row when the form has several tables]
               header row, letter row (甲 乙 丙 1 2 …), body rows
               one blank row between tables
    grid body: columns A-C = 指标名称 / 计量单位 / 代码, values from column D
    list body: column A = 序号, values from column B
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from forms.spec import DESCRIPTIVE_LETTERS, FormSpec, TableSpec

__all__ = ["HEADING_ROWS", "TableLayout", "FormLayout", "form_layout", "first_value_column"]

HEADING_ROWS = 7


def first_value_column(table: TableSpec) -> int:
    return len(DESCRIPTIVE_LETTERS) + 1 if table.kind == "grid" else 2


@dataclass(frozen=True)
class TableLayout:
    table: TableSpec
    title_row: int | None
    header_row: int
    body: tuple[tuple[str, int], ...]  # (row key, sheet row) in print order

    @property
    def first_body_row(self) -> int:
        return self.header_row + 2

    @property
    def last_row(self) -> int:
        return self.body[-1][1] if self.body else self.header_row + 1

    def column_of(self, col_key: str) -> int:
        return first_value_column(self.table) + self.table.column_keys.index(col_key)


@dataclass(frozen=True)
class FormLayout:
    form: FormSpec
    tables: tuple[TableLayout, ...]

    @property
    def last_row(self) -> int:
        return self.tables[-1].last_row if self.tables else HEADING_ROWS

    @cached_property
    def cells(self) -> dict[tuple[str, str, str], tuple[int, int]]:
        """(table, row, col) → (r, c) of every value cell, blocked cells excluded (made on first
        use: a 5,000-row list has 70,000)."""
        cells: dict[tuple[str, str, str], tuple[int, int]] = {}
        for place in self.tables:
            table = place.table
            first = first_value_column(table)
            for key, row in place.body:
                spec = table.row(key) if table.kind == "grid" else None
                for j, col in enumerate(table.columns):
                    if not table.is_blocked(spec, col):
                        cells[(table.key, key, col.key)] = (row, first + j)
        return cells


def form_layout(form: FormSpec, list_rows: Mapping[str, list[str]]) -> FormLayout:
    """Positions of every table and value cell (blocked cells excluded) of ``form``.

    ``list_rows`` gives the row keys of each list table in print order (grid rows come from the spec).
    """
    row = HEADING_ROWS + 1
    titled = len(form.tables) > 1
    tables: list[TableLayout] = []
    for i, table in enumerate(form.tables):
        if i:
            row += 1
        title_row = None
        if titled and table.title:
            title_row = row
            row += 1
        header_row = row
        row += 2
        keys = [r.key for r in table.rows] if table.kind == "grid" else list(list_rows.get(table.key, ()))
        body = tuple((key, row + n) for n, key in enumerate(keys))
        row += len(keys)
        tables.append(TableLayout(table, title_row, header_row, body))
    return FormLayout(form, tuple(tables))
