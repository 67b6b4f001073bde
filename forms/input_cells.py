"""Which cells of a form a township types in: a grid's input cells (not computed, not blocked)
and a list's input columns. The import preview and the district intake walk them for every
file; they depend only on the form, so they are worked out once per form."""

from __future__ import annotations

from dataclasses import dataclass

from forms.compute import CellKey
from forms.spec import FormSpec
from forms.spec_memo import per_spec

__all__ = ["FormInputs", "form_inputs"]


@dataclass(frozen=True)
class FormInputs:
    """``grid``: each grid table's input cells in the spec's order (tables in the form's order);
    ``grid_cells``: all of them, one after the other; ``grid_others``: the grids' other cells
    (computed or blocked); ``list_columns``: each list table's input columns in column order."""

    grid: dict[str, tuple[CellKey, ...]]
    grid_cells: tuple[CellKey, ...]
    grid_others: frozenset[CellKey]
    list_columns: dict[str, tuple[str, ...]]


@per_spec(cap=256)
def form_inputs(form: FormSpec) -> FormInputs:
    """The form's input cells (kept per form object: ``forms.spec_memo``)."""
    grid: dict[str, tuple[CellKey, ...]] = {}
    others: list[CellKey] = []
    list_columns: dict[str, tuple[str, ...]] = {}
    for table in form.tables:
        if table.kind == "grid":
            cells: list[CellKey] = []
            for row in table.rows:
                for col in table.columns:
                    (cells if table.is_input(row, col) else others).append((table.key, row.key, col.key))
            grid[table.key] = tuple(cells)
        else:
            list_columns[table.key] = tuple(col.key for col in table.columns if table.cell_formula(None, col) is None)
    return FormInputs(grid, tuple(c for cells in grid.values() for c in cells), frozenset(others), list_columns)
