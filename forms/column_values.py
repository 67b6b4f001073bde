"""A report's inputs held by column, as storage packs them (issue 16): the (table, row, column) →
value mapping that ``compute_form`` and the checks read, without making a key per cell.

A 5,000-row list holds 70,000 values: making a 3-tuple key for each and a dict of them, only for
``compute_form`` to turn them back into columns, was a third of a first 审核. ``ColumnValues``
keeps the columns; a long list table is computed from them directly (``column``), a single cell
is looked up in its column's row → value dict (made when first asked), and the whole cell dict is
made only when something wants it whole (iteration, length, equality: ``as_dict``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any

__all__ = ["ColumnValues", "Columns"]

CellKey = tuple[str, str, str]
# (table, column) → (row keys, their values): the stored cells of a column (a blank is no entry)
Columns = dict[tuple[str, str], tuple[list[str], list[Any]]]


class ColumnValues(Mapping[CellKey, Any]):
    """The cells of ``columns`` as a read-only mapping; iterated in the columns' order (the order
    ``storage.cell_packs.read_values`` gives the same cells in)."""

    __slots__ = ("columns", "_by_column", "_cells")

    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self._by_column: dict[tuple[str, str], dict[str, Any]] = {}
        self._cells: dict[CellKey, Any] | None = None

    def as_dict(self) -> dict[CellKey, Any]:
        """Every cell → value, as one dict (made once)."""
        if self._cells is None:
            from gc_pause import gc_paused

            cells: dict[CellKey, Any] = {}
            update = cells.update
            with gc_paused():  # (70,000 new keys at 5,000 rows, none in a cycle: ``gc_pause``)
                for (table, col), (rows, vals) in self.columns.items():
                    update(zip(zip(repeat(table), rows, repeat(col)), vals))
            self._cells = cells
        return self._cells

    def _column(self, table: str, col: str) -> dict[str, Any] | None:
        found = self._by_column.get((table, col))
        if found is None:
            stored = self.columns.get((table, col))
            if stored is None:
                return None
            found = self._by_column[(table, col)] = dict(zip(*stored))
        return found

    def column(self, table: str, col: str, row_keys: Sequence[str]) -> list[Any]:
        """The column's values in the order of ``row_keys`` (None: blank): what looking each cell
        up gives, made without a key per cell (the stored rows are most often ``row_keys`` itself)."""
        stored = self.columns.get((table, col))
        if stored is None:
            return [None] * len(row_keys)
        if stored[0] == row_keys:
            return list(stored[1])
        return list(map(self._column(table, col).get, row_keys))  # type: ignore[union-attr]

    def get(self, key: CellKey, default: Any = None) -> Any:  # type: ignore[override]
        if self._cells is not None:
            return self._cells.get(key, default)
        try:
            table, row, col = key
        except (TypeError, ValueError):
            return default
        found = self._column(table, col)
        return default if found is None else found.get(row, default)

    def __getitem__(self, key: CellKey) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[CellKey]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return sum(len(rows) for rows, _vals in self.columns.values()) if self._cells is None else len(self._cells)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ColumnValues):
            other = other.as_dict()
        return self.as_dict() == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ColumnValues({self.as_dict()!r})"


_MISSING = object()
