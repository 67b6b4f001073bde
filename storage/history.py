"""Earlier periods of a report, as plain data for the vs-last-period and vs-history rules.

Kept apart from ``storage.database`` (one query, read-only): the validation engine receives
these values and never touches the database itself.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from itertools import compress
from typing import TYPE_CHECKING

from forms.period_rules import PeriodInputs, comparable_periods
from storage import cell_packs

if TYPE_CHECKING:
    from storage.database import CellKey, Store

__all__ = ["earlier_inputs", "first_values", "changed_first_values", "mark_doubts"]


def earlier_inputs(store: Store, township_id: int, form_key: str, period: str) -> dict[str, PeriodInputs]:
    """Stored inputs of this township's form for every earlier comparable period (same kind and
    season: 2022, 2023, 2024 for 2025; 2024Q3, 2023Q3 … for 2025Q3), keyed by period."""
    found = store.conn.execute(
        "SELECT id, period FROM reports WHERE township_id = ? AND form_key = ? AND period < ?",
        (township_id, form_key, period)).fetchall()
    wanted = set(comparable_periods(period, [p for _, p in found]))
    ids = {rid: p for rid, p in found if p in wanted}
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    values: dict[str, dict] = {p: {} for p in ids.values()}
    rows: dict[str, dict[str, list[str]]] = {p: {} for p in ids.values()}
    for rid, found_values in cell_packs.read_values_of(store.conn, ids).items():
        values[ids[rid]] = found_values
    for rid, table, row in store.conn.execute(
            f"SELECT report_id, table_key, row_key FROM list_rows WHERE report_id IN ({marks})"
            " ORDER BY report_id, table_key, position", tuple(ids)):
        rows[ids[rid]].setdefault(table, []).append(row)
    return {p: PeriodInputs(values[p], rows[p]) for p in ids.values() if values[p]}


def first_values(store: Store, report_id: int, cells: Iterable[CellKey] | None = None, *,
                 columns: Mapping[str, Collection[str]] | None = None) -> dict[CellKey, object]:
    """Each cell's first stored value (kept with every write since the audit trail began): what
    the enterprise reported when a list row was copied or imported from its report, before any
    later change by the township. ``cells``: only these (after an edit of them); ``columns``:
    only these columns (table → column keys: what the form's rules read, ``reported_columns``)."""
    if cells is None and columns is not None:
        found_all: dict[CellKey, object] = {}
        for table, cols in columns.items():
            marks = ",".join("?" * len(cols))
            found_all.update(((table, r, c), v) for r, c, v in store.conn.execute(
                f"SELECT row_key, col_key, value FROM first_values WHERE report_id = ? AND table_key = ?"
                f" AND col_key IN ({marks})", (report_id, table, *cols)))
        return found_all
    if cells is None:
        return {(t, r, c): v for t, r, c, v in store.conn.execute(
            "SELECT table_key, row_key, col_key, value FROM first_values WHERE report_id = ?", (report_id,))}
    found: dict[CellKey, object] = {}
    for cell in cells:
        row = store.conn.execute("SELECT value FROM first_values WHERE report_id = ? AND table_key = ?"
                                 " AND row_key = ? AND col_key = ?", (report_id, *cell)).fetchone()
        if row is not None:
            found[cell] = row[0]
    return found


_NUMBERS = {int, float}
# The compared columns' first values (numbers only: text, a BLOB or ±inf is NULL) with their rows and
# columns, as three JSON arrays in the table's own order (y1: no GROUP BY, so no sort of 25,000 rows).
# SQLite prints a REAL with 15 significant digits: a first value read so differs from the stored one by
# less than 1e-15 of it, far inside the ``reported`` rule's tolerance (``forms.rules._same``: 1e-9).
# (y6: abs() only of a REAL — SQLite's abs(-9223372036854775808) is an "integer overflow" error.)
_FIRSTS = (
    "SELECT json_group_array(row_key), json_group_array(col_key), json_group_array(CASE typeof(value) WHEN"
    " 'integer' THEN value WHEN 'real' THEN CASE WHEN abs(value) <= 1.7976931348623157e308 THEN value END END)"
    " FROM first_values"
    " WHERE report_id = ? AND table_key = ? AND col_key IN ({})")


def _in_doubt(first: object, value: object) -> bool:
    """Whether a row may differ from its first stored value: the first value is not a (finite)
    number, the value is gone or not a number, or the two differ by more than 1e-12 of the larger
    (a difference the rule's 1e-9 tolerance could still report; 15-digit reading error aside)."""
    if first is None or value is None or type(value) not in _NUMBERS:
        return True
    if value == first:
        return False
    return not abs(value - first) <= 1e-12 * max(1.0, abs(value), abs(first))  # type: ignore[operator]


def changed_first_values(store: Store, report_id: int, columns: Mapping[str, Collection[str]],
                         compared: Mapping[str, Collection[str]],
                         stored: Mapping[tuple[str, str], tuple[list[str], list[object]]] | None = None,
                         ) -> dict[CellKey, object]:
    """``first_values(columns=columns)`` of only the rows where a ``compared`` column's value now
    may differ from its first stored value (issue 16: the ``reported`` rule's look-up; a 5,000-row
    list has 30,000 first values, nearly all still as stored). A row left out has every compared
    cell still holding its first value, same type, so the rule finds nothing there; a row in doubt
    (a value deleted, changed, or not a number now) is in, with all its ``columns``. An edit's
    re-validation reads the edited rows' first values itself (``Workspace._validate_change``).
    ``stored``: the report's values by column as ``cell_packs.read_columns`` reads them now (y1: a
    validation read them already), not read again.

    y6: only the suspects' first values are read — the rows ``first_value_doubts`` marks (a value
    written again or removed since: migration 13) and the rows whose value now is not a plain number
    (a first value of such a value may not read back equal) — usually none, so nothing is read."""
    found: dict[CellKey, object] = {}
    for table, cols in columns.items():
        checked = [c for c in compared.get(table, ()) if c in cols]
        if not checked:
            continue  # the rule compares nothing here: nothing to report
        now = stored if stored is not None else cell_packs.read_columns(store.conn, report_id, table, checked)
        packs = [now.get((table, col), ((), ())) for col in checked]
        suspects = {row for row, in store.conn.execute(_DOUBTS, (report_id, table))}
        for rows, vals in packs:
            suspects.update(_odd_rows(rows, vals))
        if not suspects:
            continue  # every first value still the value stored, a plain number: nothing to report
        # w2: the first values of the compared columns are read in one pass and compared here
        # (``_in_doubt``); y1: each first value's current one looked up by ``map`` (C), the usual
        # case (every value still its first) told by one ``==``; y6: of the suspects only, when few
        # (and only their current values kept for the look-up, picked by ``compress``: in C)
        sql, args = _FIRSTS.format(",".join("?" * len(checked))), (report_id, table, *checked)
        if len(suspects) <= _FEW:
            sql, args = sql + f" AND row_key IN ({','.join('?' * len(suspects))})", (*args, *sorted(suspects))
            current = {col: dict(compress(zip(*pack), map(suspects.__contains__, pack[0])))
                       for col, pack in zip(checked, packs)}
        else:
            current = {col: dict(zip(*pack)) for col, pack in zip(checked, packs)}
        keys, cols_of, firsts = map(json.loads, store.conn.execute(sql, args).fetchone())
        values = list(map(dict.get, map(current.__getitem__, cols_of), keys))
        if values == firsts and set(map(type, values)) <= _NUMBERS:
            continue  # every first value still stored, every value a number: nothing to report
        doubt = {row for row, first, value in zip(keys, firsts, values) if _in_doubt(first, value)}
        doubt_rows = sorted(doubt)
        marks = ",".join("?" * len(cols))
        for some in cell_packs.in_batches(doubt_rows):
            found.update(((table, r, c), v) for r, c, v in store.conn.execute(
                f"SELECT row_key, col_key, value FROM first_values WHERE report_id = ? AND table_key = ?"
                f" AND col_key IN ({marks}) AND row_key IN ({','.join('?' * len(some))})",
                (report_id, table, *cols, *some)))
    return found


_DOUBTS = "SELECT row_key FROM first_value_doubts WHERE report_id = ? AND table_key = ?"
_FEW = 500  # more suspects than this: the table's first values are read whole, as before y6
_INT64 = (-(1 << 63), (1 << 63) - 1)  # what SQLite stores as an INTEGER (and prints exactly)
_FINITE = 1.7976931348623157e308


def _plain(value: object) -> bool:
    """Whether a first value of ``value`` stored in SQLite reads back through ``_FIRSTS`` as a number
    equal to it (within its 15 printed digits): an int SQLite holds as an INTEGER, a finite float."""
    kind = type(value)
    if kind is int:
        return _INT64[0] <= value <= _INT64[1]  # type: ignore[operator]
    return kind is float and abs(value) <= _FINITE  # type: ignore[arg-type]


def _odd_rows(rows: list[str], vals: list[object]) -> list[str]:
    """The rows of a column whose value is not ``_plain`` (one pass in C when all are)."""
    if not vals or (set(map(type, vals)) <= _NUMBERS
                    and _INT64[0] <= min(vals) and max(vals) <= _INT64[1]):  # type: ignore[type-var,operator]
        return []
    return [row for row, value in zip(rows, vals) if not _plain(value)]


def mark_doubts(conn: sqlite3.Connection, report_id: int) -> None:
    """``first_value_doubts`` of the report made exact from what is stored: every row with a first
    value that its cell no longer holds (gone, another value or another type). For what was written
    without the audit (migration 13: every report; an undo of an import: the reports put back)."""
    values = cell_packs.read_values(conn, report_id)
    doubts = {(table, row) for table, row, col, first in conn.execute(
        "SELECT table_key, row_key, col_key, value FROM first_values WHERE report_id = ?", (report_id,))
        if not _same_stored(values.get((table, row, col)), first)}
    conn.execute("DELETE FROM first_value_doubts WHERE report_id = ?", (report_id,))
    conn.executemany("INSERT INTO first_value_doubts (report_id, table_key, row_key) VALUES (?, ?, ?)",
                     [(report_id, table, row) for table, row in sorted(doubts)])


def _same_stored(value: object, first: object) -> bool:
    return value is not None and cell_packs.same_value(value, first)
