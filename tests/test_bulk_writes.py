"""Many values written at once (a paste, an import; ``Store.set_values``) and many list rows added at
once (``Store.add_list_rows``) store exactly what writing them one by one stores — values and their
types, the audit trail in order, first values, the rows in doubt, list rows, keys never reused — while
each pack is read and written once (a 5,000-row import re-wrote a 256-row pack per value: ≈ 40 s).
On real SQLite files, two databases made alike, one written each way."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from storage import cell_packs
from storage.database import Store
from storage.workspace import Workspace
from tests.test_speed_paths import FORM, TABLE

ODD = [None, float("nan"), True, False, 1, 1.0, 0, -0.0, 0.0, 1e308, -1e308, 5e-324, 2**63 - 1, -(2**63),
       "12345678901234567890", "", " ", "a\x00b", "\x07\t\n\r", "=1+2", "一二三", 7, 7.5]


def _state(store: Store, rid: int) -> dict[str, Any]:
    """Everything a value write leaves in the database, stamps left out (the two runs' clocks differ)."""
    conn = store.conn
    packs = sorted((t, c, k, rows, [(type(v).__name__, repr(v)) for v in vals])
                   for t, c, k, rows, vals, _at in cell_packs.read_packs(conn, rid))
    audit = [(who, t, r, c, f, repr(o), type(o).__name__, repr(n), type(n).__name__, why) for who, t, r, c, f, o, n, why
             in conn.execute("SELECT who, table_key, row_key, col_key, field, old, new, reason FROM audit"
                             " WHERE report_id = ? ORDER BY id", (rid,))]
    firsts = [(t, r, c, repr(v), type(v).__name__) for t, r, c, v in conn.execute(
        "SELECT table_key, row_key, col_key, value FROM first_values WHERE report_id = ? ORDER BY 1, 2, 3", (rid,))]
    doubts = sorted(conn.execute("SELECT table_key, row_key FROM first_value_doubts WHERE report_id = ?", (rid,)))
    rows = list(conn.execute("SELECT table_key, row_key, position FROM list_rows WHERE report_id = ? ORDER BY 1, 3",
                             (rid,)))
    keys = list(conn.execute("SELECT table_key, last FROM list_row_keys WHERE report_id = ? ORDER BY 1", (rid,)))
    return {"packs": packs, "audit": audit, "firsts": firsts, "doubts": doubts, "rows": rows, "keys": keys}


def _grown(path: Path, catalogue: Any, rows: int) -> tuple[Workspace, int, list[str]]:
    """A database whose demo township's enterprise list is grown to ``rows`` rows (some values)."""
    ws = Workspace.open(path, catalogue=catalogue, user="测试员")
    town = next(t for t in ws.townships() if t.is_demo)
    data = ws.open_report(town.id, FORM, "2025")
    rid = data.report.id
    for _ in range(rows - len(data.list_rows.get(TABLE, []))):
        ws.store.add_list_row(rid, TABLE, "测试员")
    return ws, rid, ws.find_report_data(town.id, FORM, "2025").list_rows[TABLE]


def _two(tmp_path: Path, catalogue: Any, rows: int) -> list[tuple[Workspace, int, list[str]]]:
    """Two databases alike (``_grown``): one written one by one, one at once."""
    return [_grown(tmp_path / f"{name}.sqlite", catalogue, rows) for name in ("one_by_one", "at_once")]


def _changes(seed: int, keys: list[str], columns: list[str], count: int) -> list[tuple[tuple[str, str, str], Any]]:
    """Random writes over a few cells (so that cells are written many times: over a value, back, away)."""
    rng = random.Random(seed)
    cells = [(TABLE, rng.choice(keys), rng.choice(columns)) for _ in range(max(3, count // 4))]
    return [(rng.choice(cells), rng.choice(ODD)) for _ in range(count)]


@pytest.mark.parametrize("seed", range(3))
def test_many_values_at_once_store_what_one_by_one_stores(tmp_path, catalogue, seed):
    (one, rid1, keys), (many, rid2, keys2) = _two(tmp_path, catalogue, 300)
    assert keys == keys2 and rid1 == rid2
    columns = [c.key for c in one.form(FORM).table(TABLE).columns]
    try:
        for round_ in range(3):  # (the second and third rounds write over what the earlier ones stored)
            changes = _changes(seed * 10 + round_, keys, columns, 400)
            with one.store.atomic():
                changed_one = sum(one.store.set_values(rid1, [change], "测试员", "逐个") for change in changes)
            before = many.store.conn.execute("SELECT revision FROM reports WHERE id = ?", (rid2,)).fetchone()[0]
            changed_many = many.store.set_values(rid2, changes, "测试员", "逐个")
            after = many.store.conn.execute("SELECT revision FROM reports WHERE id = ?", (rid2,)).fetchone()[0]
            assert changed_many == changed_one > 0
            assert after > before  # (the report's content marker moved: cached validations are not reused)
            assert _state(many.store, rid2) == _state(one.store, rid1)
            assert many.store.column_values(rid2) is not None
            assert cell_packs.read_values(many.store.conn, rid2) == cell_packs.read_values(one.store.conn, rid1)
    finally:
        one.close()
        many.close()


def test_writing_what_is_stored_changes_nothing_not_even_the_revision(tmp_path, catalogue):
    ws, rid, keys = _grown(tmp_path / "same.sqlite", catalogue, 40)
    column = ws.form(FORM).table(TABLE).columns[3].key
    writes = [((TABLE, k, column), 1.5) for k in keys]
    ws.store.set_values(rid, writes, "测试员")

    def stored() -> tuple[Any, ...]:
        return _state(ws.store, rid), ws.store.conn.execute("SELECT revision, updated_at FROM reports WHERE id = ?",
                                                            (rid,)).fetchone()
    before = stored()
    assert ws.store.set_values(rid, [*writes, ((TABLE, keys[-1], "energy_equal"), None)], "测试员") == 0
    assert stored() == before
    ws.close()


def test_a_failed_bulk_write_changes_nothing(tmp_path, catalogue):
    ws, rid, keys = _grown(tmp_path / "failed.sqlite", catalogue, 10)
    column = ws.form(FORM).table(TABLE).columns[2].key
    ws.store.set_values(rid, [((TABLE, k, column), 3) for k in keys], "测试员")
    before = _state(ws.store, rid)
    with pytest.raises(Exception, match="NOT NULL"):
        ws.store.set_values(rid, [((TABLE, keys[0], column), 9), ((TABLE, None, column), 1)], "测试员")
    assert _state(ws.store, rid) == before
    ws.close()


def test_rows_added_at_once_are_the_rows_added_one_by_one_and_keys_are_never_reused(tmp_path, catalogue):
    (one, rid1, keys1), (many, rid2, keys2) = _two(tmp_path, catalogue, 5)
    try:
        for ws, rid, keys in ((one, rid1, keys1), (many, rid2, keys2)):
            ws.store.remove_list_row(rid, TABLE, keys[-1], "测试员")  # the highest key: never issued again
        added1 = [one.store.add_list_row(rid1, TABLE, "测试员") for _ in range(300)]
        added2 = many.store.add_list_rows(rid2, TABLE, 300, "测试员")
        assert added1 == added2 and keys1[-1] not in added2 and len(set(added2)) == 300
        assert many.store.add_list_rows(rid2, TABLE, 0, "测试员") == []
        assert _state(many.store, rid2) == _state(one.store, rid1)
        got = many.find_report_data(many.store.get_report(rid2).township_id, FORM, "2025").list_rows[TABLE]
        assert got == [*keys2[:-1], *added2]  # appended in order after the rows there
    finally:
        one.close()
        many.close()


def test_a_paste_of_many_rows_through_the_window_path_stores_every_value(tmp_path, catalogue):
    """``Workspace.add_list_row(count)`` + ``change_cells`` (a paste of 1,000 enterprises): every value
    stored with its type, each once in the audit, each a first value."""
    from bench.sizes import enterprise

    ws = Workspace.open(tmp_path / "paste.sqlite", catalogue=catalogue, user="测试员")
    try:
        town = next(t for t in ws.townships() if not t.is_demo)
        rid = ws.open_report(town.id, FORM, "2025").report.id
        keys = ws.add_list_row(rid, TABLE, 1000).row_keys
        cells = [((TABLE, key, col), value) for i, key in enumerate(keys) for col, value in enterprise(i, 2025).items()]
        ws.change_cells(rid, [(cell, str(value)) for cell, value in cells], reason="粘贴")
        stored = cell_packs.read_values(ws.store.conn, rid)
        for cell, value in cells:
            got = stored[cell]
            assert got == value or (isinstance(value, float) and math.isclose(got, value)), cell
        assert ws.store.conn.execute("SELECT count(*) FROM audit WHERE report_id = ? AND field = 'value'",
                                     (rid,)).fetchone()[0] == len(stored)
        assert ws.store.conn.execute("SELECT count(*) FROM first_values WHERE report_id = ?",
                                     (rid,)).fetchone()[0] == len(stored)
    finally:
        ws.close()
