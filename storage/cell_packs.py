"""A report's stored values, one pack per column (migration 12, issue 16): every SQL on values is here.

A value is no longer one row of ``cell_values`` (report, table, row, column → value): a 5,000-row
list is 70,000 rows, and reading them was most of reading the report. ``cell_columns`` holds, per
report, table, column and chunk, the row keys and their values as two JSON arrays of the same length
(only cells holding a value: a blank is no entry). A list row ``r<N>`` belongs to chunk ``N >> 8``
(an edit rewrites ≤ 256 values, not the whole column); any other row key to chunk 0. Within a pack
the rows are in ``row_order``, so the same cells always make the same pack.

JSON through Python's ``json``: an int stays an int (any size), a float its shortest repr (1e308,
-0.0, ±inf as ``Infinity``), text any character. A NaN is stored as nothing, as SQLite stored a NaN
double as NULL; a bool as 0/1, as SQLite stored it; bytes (a BLOB) as ``{"$bytes": base64}``. ``cell_values`` keeps only the 说明 (note <> '').
"""

from __future__ import annotations

import base64
import bisect
import functools
import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import repeat
from typing import Any

__all__ = ["CHUNK_BITS", "same_value", "in_batches", "chunk_of", "row_order", "load_order", "read_values", "read_values_of", "read_columns", "read_cells",
           "read_packs", "read_notes", "read_notes_of", "read_note_rows", "cell_of", "pack_key", "read_pack", "value_in", "note_of", "write_values", "write_packs", "remove_rows", "delete_report", "value_count",
           "has_values", "value_of", "write_notes", "NOTE_UPSERT", "encode"]

CHUNK_BITS = 8
_BYTES = "$bytes"  # a BLOB (SQLite kept bytes as bytes): {"$bytes": base64} — no other value is a JSON object


def _tagged(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"无法保存类型为 {type(value).__name__} 的值")


def _untagged(obj: dict[str, Any]) -> Any:
    return base64.b64decode(obj[_BYTES]) if set(obj) == {_BYTES} else obj


_loads = json.JSONDecoder(object_hook=_untagged).decode
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_tagged).encode
_encode = encode

_SELECT_PACKS = "SELECT table_key, col_key, row_keys, vals FROM cell_columns WHERE report_id = ?"
NOTE_UPSERT = ("INSERT INTO cell_values (report_id, table_key, row_key, col_key, value, note, updated_at)"
               " VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (report_id, table_key, row_key, col_key)"
               " DO UPDATE SET value = NULL, note = excluded.note, updated_at = excluded.updated_at")


@functools.lru_cache(maxsize=1 << 16)
def _place(row_key: str) -> tuple[int, tuple[int, int, str]]:
    """(chunk, order within the pack) of a row key — kept: the same keys come again and again."""
    digits = row_key[1:]
    if row_key[:1] == "r" and digits.isascii() and digits.isdigit():
        return int(digits) >> CHUNK_BITS, (0, int(digits), row_key)
    return 0, (1, 0, row_key)


def chunk_of(row_key: str) -> int:
    """The chunk a row's values are packed in: ``r<N>`` → N >> 8, any other key → 0."""
    return _place(row_key)[0]


def row_order(row_key: str) -> tuple[int, int, str]:
    """Rows within a pack: list rows by number, then any other key as text."""
    return _place(row_key)[1]


def load_order(cell: tuple[str, str, str]) -> tuple[str, str, tuple[int, tuple[int, int, str]]]:
    """Where a cell comes in ``read_values``: by table, column, chunk, then row."""
    return (cell[0], cell[2], _place(cell[1]))


def _kept(value: Any) -> Any:
    """The value as stored (None: nothing stored — a blank, or a NaN, which SQLite stored as NULL)."""
    if value is None or value != value:
        return None
    if value is True or value is False:
        return int(value)
    return value


# -- reading -------------------------------------------------------------------------------------------
def read_values(conn: Any, report_id: int) -> dict[tuple[str, str, str], Any]:
    """The report's values as ``Store.load`` gives them: (table, row, column) → value, by table, column, rows."""
    values: dict[tuple[str, str, str], Any] = {}
    update, row_keys = values.update, _row_keys_once()
    for table, col, rows, vals in conn.execute(_SELECT_PACKS, (report_id,)):
        update(zip(zip(repeat(table), row_keys(rows), repeat(col)), _loads(vals)))
    return values


def _row_keys_once() -> Callable[[str], list[str]]:
    """Decodes packs' row-key texts, each distinct text once (r28): the columns of one table and
    chunk mostly hold the same rows, so their texts are equal — at 5,000 rows a third of the read was
    decoding the same row keys once per column. The lists are shared: read them, never change them."""
    seen: dict[str, list[str]] = {}

    def row_keys(text: str) -> list[str]:
        found = seen.get(text)
        if found is None:
            found = seen[text] = _loads(text)
        return found
    return row_keys


def in_batches(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """``items`` in slices of ``size``: each bound as the parameters of one ``IN (…)`` (well under
    SQLite's limit of parameters in one statement)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def read_values_of(conn: Any, report_ids: Iterable[int]) -> dict[int, dict[tuple[str, str, str], Any]]:
    """``read_values`` of several reports in one query: report id → values (every id given is there)."""
    ids = list(report_ids)
    found: dict[int, dict[tuple[str, str, str], Any]] = {rid: {} for rid in ids}
    row_keys = _row_keys_once()
    for some in in_batches(ids):
        for rid, table, col, rows, vals in conn.execute(
                "SELECT report_id, table_key, col_key, row_keys, vals FROM cell_columns"
                f" WHERE report_id IN ({','.join('?' * len(some))})", some):
            found[rid].update(zip(zip(repeat(table), row_keys(rows), repeat(col)), _loads(vals)))
    return found


def read_columns(conn: Any, report_id: int, table: str | None = None, cols: Iterable[str] | None = None,
                 ) -> dict[tuple[str, str], tuple[list[str], list[Any]]]:
    """(table, column) → (row keys, values) of the report (of one table, of these columns of it, when
    given): the columns as stored, rows in chunk order."""
    sql, args = _SELECT_PACKS, [report_id]
    if table is not None:
        sql, args = sql + " AND table_key = ?", [report_id, table]
        if cols is not None:
            cols = list(cols)
            sql, args = sql + f" AND col_key IN ({','.join('?' * len(cols))})", [*args, *cols]
    sql += " ORDER BY table_key, col_key, chunk"
    columns: dict[tuple[str, str], tuple[list[str], list[Any]]] = {}
    row_keys = _row_keys_once()
    for table_key, col, rows, vals in conn.execute(sql, args):
        got = columns.get((table_key, col))
        if got is None:
            columns[(table_key, col)] = (list(row_keys(rows)), _loads(vals))  # (a list of its own: extended)
        else:
            got[0].extend(row_keys(rows))
            got[1].extend(_loads(vals))
    return columns


def read_notes(conn: Any, report_id: int) -> dict[tuple[str, str, str], str]:
    """The report's 说明, by table, row, column (``Store.notes``)."""
    query = ("SELECT table_key, row_key, col_key, note FROM cell_values {} WHERE report_id = ? AND note <> ''"
             " ORDER BY table_key, row_key, col_key")
    try:  # (u3: migration 11's index, named: the planner would take the primary key)
        rows = conn.execute(query.format("INDEXED BY cell_values_noted"), (report_id,)).fetchall()
    except Exception as exc:  # a file whose index was dropped by hand: the same rows, slower
        if "no such index" not in str(exc):
            raise
        rows = conn.execute(query.format(""), (report_id,)).fetchall()
    return {(table, row, col): note for table, row, col, note in rows}


def read_notes_of(conn: Any, report_ids: Iterable[int]) -> dict[int, dict[tuple[str, str, str], str]]:
    """``read_notes`` of several reports: report id → 说明 (every id given is there)."""
    ids = list(report_ids)
    found: dict[int, dict[tuple[str, str, str], str]] = {rid: {} for rid in ids}
    for some in in_batches(ids):
        for rid, table, row, col, note in conn.execute(
                "SELECT report_id, table_key, row_key, col_key, note FROM cell_values"
                f" WHERE report_id IN ({','.join('?' * len(some))}) AND note <> ''", some):
            found[rid][(table, row, col)] = note
    return found


def read_note_rows(conn: Any, report_id: int) -> list[list[Any]]:
    """The report's 说明 as stored: [table, row, column, 说明, updated_at] each (``import_log.snapshot``)."""
    return [list(r) for r in conn.execute("SELECT table_key, row_key, col_key, note, updated_at FROM cell_values"
                                          " WHERE report_id = ? AND note <> ''", (report_id,))]


def cell_of(conn: Any, report_id: int, cell: tuple[str, str, str]) -> tuple[Any, str] | None:
    """One cell's (value, 说明) as stored; None when it holds neither."""
    value = value_of(conn, report_id, cell)
    noted = conn.execute("SELECT note FROM cell_values WHERE report_id = ? AND table_key = ? AND row_key = ?"
                         " AND col_key = ?", (report_id, *cell)).fetchone()
    if value is None and noted is None:
        return None
    return value, noted[0] if noted else ""


def read_cells(conn: Any, report_id: int) -> dict[tuple[str, str, str], tuple[Any, str]]:
    """Every stored cell of the report → (value, 说明): a value, a 说明, or both."""
    cells: dict[tuple[str, str, str], tuple[Any, str]] = {
        cell: (value, "") for cell, value in read_values(conn, report_id).items()}
    for cell, note in read_notes(conn, report_id).items():
        cells[cell] = (cells.get(cell, (None, ""))[0], note)
    return cells


def read_packs(conn: Any, report_id: int) -> list[list[Any]]:
    """The report's packs as they are stored: [table, column, chunk, row keys, values, updated_at] each."""
    return [[t, c, k, _loads(rows), _loads(vals), at] for t, c, k, rows, vals, at in conn.execute(
        "SELECT table_key, col_key, chunk, row_keys, vals, updated_at FROM cell_columns WHERE report_id = ?",
        (report_id,))]


def value_count(conn: Any, report_ids: list[int]) -> int:
    """How many values these reports hold."""
    marks = ",".join("?" * len(report_ids))
    return conn.execute(f"SELECT coalesce(sum(json_array_length(row_keys)), 0) FROM cell_columns"
                        f" WHERE report_id IN ({marks})", report_ids).fetchone()[0]


def has_values(conn: Any, report_id: int) -> bool:
    """Whether the report holds any value (a pack is never empty)."""
    return conn.execute("SELECT EXISTS (SELECT 1 FROM cell_columns WHERE report_id = ?)", (report_id,)).fetchone()[0] == 1


def value_of(conn: Any, report_id: int, cell: tuple[str, str, str]) -> Any:
    """One cell's stored value (None: none)."""
    return value_in(read_pack(conn, report_id, cell), cell[1])


# -- writing -------------------------------------------------------------------------------------------
_Key = tuple[str, str, int]  # table, column, chunk


def _put(conn: Any, report_id: int, packs: dict[_Key, tuple[list[str], list[Any], str | None]], existing: set[_Key],
         stamp: str) -> None:
    """Each pack (its rows in order, their values, its rows' text when unchanged) written as it now is:
    updated, inserted or deleted (no row left)."""
    updates, inserts, deletes = [], [], []
    for key, (rows, vals, rows_text) in packs.items():
        if not rows:
            if key in existing:
                deletes.append((report_id, *key))
            continue
        texts = (rows_text or _encode(rows), _encode(vals), stamp)
        if key in existing:
            updates.append((*texts, report_id, *key))
        else:
            inserts.append((report_id, *key, *texts))
    if deletes:
        conn.executemany("DELETE FROM cell_columns WHERE report_id = ? AND table_key = ? AND col_key = ? AND chunk = ?",
                         deletes)
    if updates:
        conn.executemany("UPDATE cell_columns SET row_keys = ?, vals = ?, updated_at = ?"
                         " WHERE report_id = ? AND table_key = ? AND col_key = ? AND chunk = ?", updates)
    if inserts:
        conn.executemany("INSERT INTO cell_columns (report_id, table_key, col_key, chunk, row_keys, vals, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", inserts)


def _sorted(cells: dict[str, Any]) -> tuple[list[str], list[Any], None]:
    rows = sorted((r for r, v in cells.items() if v is not None), key=row_order)
    return rows, [cells[r] for r in rows], None


def _merged(stored: tuple[str, str], cells: dict[str, Any], again: list[str]) -> tuple[list[str], list[Any], str | None]:
    """A stored pack (its two texts) with ``cells`` (row → value, None: none) written into it. A few
    cells (an edit) go in place — the rows' text kept when no row comes or goes; many are merged.
    ``again``: gets the rows whose value is changed or removed (``first_value_doubts``)."""
    rows, vals = _loads(stored[0]), _loads(stored[1])
    if len(cells) > 8:
        merged = dict(zip(rows, vals))
        again += [row for row, value in cells.items() if row in merged and not same_value(merged[row], value)]
        merged.update(cells)
        return _sorted(merged)
    same_rows = True
    for row, value in cells.items():
        try:
            at = rows.index(row)
        except ValueError:
            at = -1
        if at >= 0:
            if not same_value(vals[at], value):
                again.append(row)
            if value is None:
                del rows[at], vals[at]
                same_rows = False
            else:
                vals[at] = value
        elif value is not None:
            at = bisect.bisect(rows, row_order(row), key=row_order)
            rows.insert(at, row)
            vals.insert(at, value)
            same_rows = False
    return rows, vals, stored[0] if same_rows else None


def same_value(old: Any, new: Any) -> bool:
    """Whether a cell written with ``new`` still holds ``old``: the same value and type (1 is not 1.0)."""
    return type(old) is type(new) and old == new


def _doubt(conn: Any, report_id: int, rows: Iterable[tuple[str, str]]) -> None:
    """(table, row)s whose stored values changed or went: their first values may now differ
    (migration 13's ``first_value_doubts``, read by ``storage.history.changed_first_values``)."""
    conn.executemany("INSERT OR IGNORE INTO first_value_doubts (report_id, table_key, row_key) VALUES (?, ?, ?)",
                     [(report_id, table, row) for table, row in rows])


def pack_key(cell: tuple[str, str, str]) -> _Key | None:
    """The pack a cell's value is in (None: not a cell key)."""
    table, row, col = cell
    return (table, col, _place(row)[0]) if type(row) is str else None


def read_pack(conn: Any, report_id: int, cell: tuple[str, str, str]) -> tuple[str, str] | None:
    """The stored texts (row keys, values) of the pack the cell's value is in; None: none."""
    key = pack_key(cell)
    if key is None:
        return None
    return conn.execute("SELECT row_keys, vals FROM cell_columns WHERE report_id = ? AND table_key = ? AND col_key = ?"
                        " AND chunk = ?", (report_id, *key)).fetchone()


def value_in(pack: tuple[str, str] | None, row: str) -> Any:
    """The row's value in a pack as ``read_pack`` gave it (None: none)."""
    if pack is None:
        return None
    rows = _loads(pack[0])
    try:
        return _loads(pack[1])[rows.index(row)]
    except ValueError:
        return None


def note_of(conn: Any, report_id: int, cell: tuple[str, str, str]) -> str:
    """One cell's 说明 ('' when none)."""
    noted = conn.execute("SELECT note FROM cell_values WHERE report_id = ? AND table_key = ? AND row_key = ?"
                         " AND col_key = ?", (report_id, *cell)).fetchone()
    return noted[0] if noted else ""


def _grouped(changes: Iterable[tuple[tuple[str, str, str], Any]]) -> dict[_Key, dict[str, Any]]:
    groups: dict[_Key, dict[str, Any]] = {}
    for (table, row, col), value in changes:
        if type(table) is not str or type(row) is not str or type(col) is not str:  # (as the NOT NULL key columns did)
            raise sqlite3.IntegrityError(f"NOT NULL constraint failed: a cell key {(table, row, col)!r}")
        key = (table, col, _place(row)[0])
        group = groups.get(key)
        if group is None:
            group = groups[key] = {}
        group[row] = _kept(value)
    return groups


def write_values(conn: Any, report_id: int, changes: Iterable[tuple[tuple[str, str, str], Any]], stamp: str, *,
                 fresh: bool = False, stored: dict[_Key, tuple[str, str] | None] | None = None) -> None:
    """Each cell of ``changes`` holds its value (None or NaN: none) — the packs they fall in read,
    changed and written back, stamped ``stamp``. ``fresh``: the report holds no value yet (nothing
    read); ``stored``: packs already read (``read_pack``; None: there is none), not read again."""
    groups = _grouped(changes)
    if not groups:
        return
    found = {} if fresh else _stored_packs(conn, report_id, groups, stored or {})
    again = _write_groups(conn, report_id, groups, found, stamp)
    if again:
        _doubt(conn, report_id, again)


def _stored_packs(conn: Any, report_id: int, keys: Collection[_Key],
                  known: dict[_Key, tuple[str, str] | None]) -> dict[_Key, tuple[str, str]]:
    """The stored texts of the packs ``keys`` (those with none left out); ``known``: already read."""
    found = {key: pack for key, pack in known.items() if pack is not None and key in keys}
    missing = [key for key in keys if key not in known]
    if len(missing) <= 32:  # (a few look-ups by key; more: the report's packs read in one query)
        for key in missing:
            got = conn.execute("SELECT row_keys, vals FROM cell_columns WHERE report_id = ? AND table_key = ?"
                               " AND col_key = ? AND chunk = ?", (report_id, *key)).fetchone()
            if got is not None:
                found[key] = got
    else:
        wanted = set(missing)
        found.update(((t, c, k), (rows, vals)) for t, c, k, rows, vals in conn.execute(
            "SELECT table_key, col_key, chunk, row_keys, vals FROM cell_columns WHERE report_id = ?", (report_id,))
            if (t, c, k) in wanted)
    return found


def _write_groups(conn: Any, report_id: int, groups: dict[_Key, dict[str, Any]], found: dict[_Key, tuple[str, str]],
                  stamp: str) -> list[tuple[str, str]]:
    """Each group (pack → row → value) merged into its stored pack (``found``) and written; returns
    the (table, row)s whose stored value changed or went."""
    packs, again = {}, []
    for key, cells in groups.items():
        if key in found:
            rows: list[str] = []
            packs[key] = _merged(found[key], cells, rows)
            again += [(key[0], row) for row in rows]
        else:
            packs[key] = _sorted(cells)
    _put(conn, report_id, packs, set(found), stamp)
    return again


def write_changes(conn: Any, report_id: int, changes: Iterable[tuple[tuple[str, str, str], Any]],
                  stamp: str) -> list[tuple[tuple[str, str, str], Any, Any]]:
    """Many cells written as writing them one by one would (a later write of a cell sees the earlier
    one; a value written as the cell holds it — same value and type — changes nothing), but each pack
    read and written once: a paste or import of 70,000 values read and re-wrote a 256-row pack per
    value. Returns (cell, old, new) of each write that changed its cell, in order (the caller's audit)."""
    changes = list(changes)
    keys = {pack_key(cell) for cell, _new in changes} - {None}
    found = _stored_packs(conn, report_id, keys, {})
    decoded: dict[_Key, dict[str, Any]] = {}
    written: dict[tuple[str, str, str], Any] = {}  # cell → its last value written here
    done, again = [], []
    for cell, new in changes:
        if cell in written:  # (as stored: NaN none, True 1, through the pack's encoding)
            old = _loads(_encode([_kept(written[cell])]))[0]
        else:
            key = pack_key(cell)
            rows = None if key is None else decoded.get(key)
            if rows is None and key is not None:
                pack = found.get(key)
                rows = decoded[key] = {} if pack is None else dict(zip(_loads(pack[0]), _loads(pack[1])))
            old = None if rows is None else rows.get(cell[1])
        if same_value(old, new):
            continue
        if old is not None and not same_value(old, _kept(new)):
            again.append((cell[0], cell[1]))
        written[cell] = new
        done.append((cell, old, new))
    groups = _grouped(written.items())
    if groups:
        _write_groups(conn, report_id, groups, found, stamp)
    if again:
        _doubt(conn, report_id, list(dict.fromkeys(again)))
    return done


def write_packs(conn: Any, report_id: int, packs: Iterable[list[Any]]) -> None:
    """Packs as ``read_packs`` gave them written back (the report holds none now: 撤销导入)."""
    conn.executemany("INSERT INTO cell_columns (report_id, table_key, col_key, chunk, row_keys, vals, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(report_id, t, c, k, _encode(rows), _encode(vals), at) for t, c, k, rows, vals, at in packs])


def remove_rows(conn: Any, report_id: int, table: str, rows: Iterable[str], stamp: str) -> None:
    """The values and 说明 of these rows of the table removed (a list row deleted)."""
    by_chunk: dict[int, set[str]] = {}
    for row in rows:
        by_chunk.setdefault(chunk_of(row), set()).add(row)
    for chunk, gone in by_chunk.items():
        packs: dict[_Key, tuple[list[str], list[Any], str | None]] = {}
        for col, keys, vals in conn.execute("SELECT col_key, row_keys, vals FROM cell_columns WHERE report_id = ?"
                                            " AND table_key = ? AND chunk = ?", (report_id, table, chunk)).fetchall():
            keys = _loads(keys)
            if not gone.isdisjoint(keys):
                kept = [(r, v) for r, v in zip(keys, _loads(vals)) if r not in gone]
                packs[(table, col, chunk)] = ([r for r, _v in kept], [v for _r, v in kept], None)
        _put(conn, report_id, packs, set(packs), stamp)
    conn.executemany("DELETE FROM cell_values WHERE report_id = ? AND table_key = ? AND row_key = ?",
                     [(report_id, table, row) for gone in by_chunk.values() for row in gone])
    _doubt(conn, report_id, [(table, row) for gone in by_chunk.values() for row in sorted(gone)])


def delete_report(conn: Any, report_id: int) -> None:
    """Every value and 说明 of the report removed (each row with a first value now in doubt)."""
    conn.execute("INSERT OR IGNORE INTO first_value_doubts (report_id, table_key, row_key)"
                 " SELECT DISTINCT report_id, table_key, row_key FROM first_values WHERE report_id = ?", (report_id,))
    conn.execute("DELETE FROM cell_columns WHERE report_id = ?", (report_id,))
    conn.execute("DELETE FROM cell_values WHERE report_id = ?", (report_id,))


def write_notes(conn: Any, report_id: int, notes: Iterable[tuple[tuple[str, str, str], str, str]]) -> None:
    """Each (cell, 说明, stamp): the cell's 说明 stored ('' removes it)."""
    upserts, deletes = [], []
    for cell, note, stamp in notes:
        if note:
            upserts.append((report_id, *cell, note, stamp))
        else:
            deletes.append((report_id, *cell))
    if deletes:
        conn.executemany("DELETE FROM cell_values WHERE report_id = ? AND table_key = ? AND row_key = ? AND col_key = ?",
                         deletes)
    if upserts:
        conn.executemany(NOTE_UPSERT, upserts)
