"""w2 (migration 12, issues 16 and 11): values stored per column (``storage.cell_packs``).

A database written by the program before migration 12 (one ``cell_values`` row per cell) opens with
every value, type and 说明 as it held them, its revisions moved; the packs' triggers move a report's
revision as the cell rows' did (and stand aside while it is paused); edits, list rows removed and
撤销导入 (of a snapshot taken now and of one taken before migration 12) keep packs and 说明 right."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage import cell_packs
from storage import district_store as ds
from storage.database import Store
from storage.import_log import last_import, record_import, restore, snapshot
from storage.migrations import SCHEMA_VERSION
from tests.old_schema import add_report, database_at, put_old_cells
from tests.stored import as_old_snapshot, dump_cells

EXTREMES: list[Any] = [1e308, -1e308, 5e-324, -0.0, 0.0, math.inf, -math.inf, 2**63 - 1, -2**63, 0, 0.1 + 0.2,
                       12345678901234567890.0, "12345678901234567890", "控\x01制\x1f字\x7f符\x85", "a\x00b", "",
                       " 前后空格 ", "引号\"与\\反斜杠", "𠀀扩展字", b"\x00\xff", 1.0, 7]


def _typed(values: dict) -> dict:
    """Each value with its type and repr: -0.0 and 0.0, 1 and 1.0, inf and text apart."""
    return {cell: (type(v), repr(v)) for cell, v in values.items()}


def _old_values(path: Path) -> tuple[dict[int, dict], dict[int, dict], dict[int, int]]:
    """What the old file holds, read by plain SQL: values, 说明 and revision per report."""
    conn = sqlite3.connect(path)
    try:
        values: dict[int, dict] = {}
        notes: dict[int, dict] = {}
        for rid, t, r, c, v, n in conn.execute(
                "SELECT report_id, table_key, row_key, col_key, value, note FROM cell_values"):
            if v is not None:
                values.setdefault(rid, {})[(t, r, c)] = v
            if n:
                notes.setdefault(rid, {})[(t, r, c)] = n
        revisions = dict(conn.execute("SELECT id, revision FROM reports").fetchall())
    finally:
        conn.close()
    return values, notes, revisions


def test_migration_12_moves_every_value_of_an_old_database_with_its_type(tmp_path: Path) -> None:
    path = tmp_path / "v11.sqlite"
    conn = database_at(path, 11)
    grid = add_report(conn, "来苏镇", "energy_consumption", "2025")
    units = add_report(conn, "来苏镇", "key_energy_units", "2025")
    other = add_report(conn, "三教镇", "energy_consumption", "2025")
    empty = add_report(conn, "三教镇", "key_energy_units", "2025")
    put_old_cells(conn, grid, [(("energy", f"g{n}", "consumption"), v, "说明\x02" if n % 5 == 0 else "")
                               for n, v in enumerate(EXTREMES)])
    put_old_cells(conn, grid, [(("energy", "nan", "consumption"), math.nan, ""),  # SQLite kept NULL
                               (("energy", "noted", "consumption"), None, "只有说明"),
                               (("energy", "cleared", "consumption"), None, ""),  # a value and its 说明 taken away
                               (("other", "r3", "c"), 3, "")])
    rows = [(("units", f"r{n}", col), value, "") for n in range(1, 5001)
            for col, value in (("name", f"企业{n}"), ("energy", n * 0.1), ("count", n))]
    put_old_cells(conn, units, rows[::-1] + [(("units", "r4999", "energy"), 1e308, "最大"),
                                             (("units", "r5001", "name"), None, "只有说明")])
    put_old_cells(conn, other, [(("energy", "coal", "consumption"), 12.5, "")])
    put_old_cells(conn, empty, [(("units", "r1", "name"), None, "")])
    conn.close()
    values, notes, revisions = _old_values(path)
    assert len(values[units]) == 15000 and values[grid][("energy", "g3", "consumption")] == 0.0

    store = Store.open(path)
    try:
        assert store.schema_version == SCHEMA_VERSION >= 12
        for rid in (grid, units, other, empty):
            data = store.load(rid)
            assert _typed(data.values) == _typed(values.get(rid, {})), rid
            assert data.values == values.get(rid, {}) and data.notes == notes.get(rid, {})
            assert store.has_input(rid) == bool(values.get(rid))
        assert math.copysign(1, store.load(grid).values[("energy", "g3", "consumption")]) == -1  # -0.0 stays
        assert store.value_count([grid, units, other, empty]) == sum(map(len, values.values()))
        now = dict(store.conn.execute("SELECT id, revision FROM reports").fetchall())
        assert all(now[rid] > revisions[rid] for rid in (grid, units, other, empty))  # every one changed
        assert len(set(now.values())) == 4
        left = store.conn.execute("SELECT count(*), count(value), min(note) FROM cell_values").fetchone()
        assert left == (sum(map(len, notes.values())), 0, min(n for ns in notes.values() for n in ns.values()))
        chunks = store.conn.execute("SELECT col_key, count(*), sum(json_array_length(row_keys)) FROM cell_columns"
                                    " WHERE report_id = ? GROUP BY col_key ORDER BY col_key", (units,)).fetchall()
        assert chunks == [("count", 20, 5000), ("energy", 20, 5000), ("name", 20, 5000)]  # r<N>: chunk N >> 8
        assert list(store.load(units).values)[:3] == [("units", "r1", "count"), ("units", "r2", "count"),
                                                      ("units", "r3", "count")]
    finally:
        store.close()


def _report(tmp_path: Path) -> tuple[Store, int]:
    store = Store.open(tmp_path / "t.sqlite")
    town = store.add_township("测试镇", "500118100000")
    return store, store.ensure_report(town.id, "key_energy_units", 1, "2025").id


def _revision(store: Store, rid: int) -> int:
    return store.conn.execute("SELECT revision FROM reports WHERE id = ?", (rid,)).fetchone()[0]


def test_a_packs_insert_update_and_delete_move_the_revision_unless_paused(tmp_path: Path) -> None:
    store, rid = _report(tmp_path)
    try:
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                                  " AND tbl_name = 'cell_columns'")}
        assert names == {f"cell_columns_{e}_revision" for e in ("insert", "update", "delete")}
        seen = [_revision(store, rid)]
        cell = ("units", "r1", "energy")
        for value in (1.5, 2.5, None):  # inserted, updated, deleted (the pack's last value)
            with store.atomic():
                cell_packs.write_values(store.conn, rid, [(cell, value)], "2025-01-01T00:00:00")
            seen.append(_revision(store, rid))
            assert seen[-1] > seen[-2], value
        assert not store.conn.execute("SELECT 1 FROM cell_columns").fetchone()
        counter = store.conn.execute("SELECT last FROM revision_counter").fetchone()[0]
        with store.atomic():
            paused = ds.pause_revisions(store, [rid])
            cell_packs.write_values(store.conn, rid, [(cell, 3.5), (("units", "r2", "energy"), 1)], "x")
            cell_packs.write_values(store.conn, rid, [(cell, 4.5)], "x")
            assert store.conn.execute("SELECT last FROM revision_counter").fetchone()[0] == counter
            ds.resume_revisions(store, paused, [rid])
        assert _revision(store, rid) == counter + 1
    finally:
        store.close()


def test_values_of_every_kind_round_trip_through_edits(tmp_path: Path) -> None:
    store, rid = _report(tmp_path)
    try:
        cells = [(("grid", f"g{n}", "v"), v) for n, v in enumerate(EXTREMES)]
        cells += [(("grid", "nan", "v"), math.nan), (("grid", "yes", "v"), True), (("grid", "blank", "v"), None)]
        assert store.set_values(rid, cells, "镇街") == len(EXTREMES) + 2  # (NaN: a value written, stored blank)
        got = store.load(rid).values
        want = dict(cells[:len(EXTREMES)]) | {("grid", "yes", "v"): 1}
        assert _typed(got) == _typed(want)
        assert type(got[("grid", "yes", "v")]) is int and ("grid", "nan", "v") not in got
        # a pack is one JSON array per column: what SQLite's JSON reads too (the row keys)
        (text,) = store.conn.execute("SELECT row_keys FROM cell_columns WHERE report_id = ?", (rid,)).fetchone()
        assert json.loads(text) == sorted((c[1] for c, v in want.items()), key=cell_packs.row_order)
        with pytest.raises(Exception, match="未能保存"):
            store.set_values(rid, [(("grid", "g0", "v"), 2.0), (("grid", None, "v"), 1.0)], "镇街")
        assert _typed(store.load(rid).values) == _typed(want)  # nothing of the failed batch
    finally:
        store.close()


def test_edits_and_removed_rows_across_chunks(tmp_path: Path) -> None:
    store, rid = _report(tmp_path)
    try:
        rows = [store.add_list_row(rid, "units", "镇街") for _ in range(300)]
        assert rows[-1] == "r300"
        store.set_values(rid, [(("units", r, "energy"), float(n)) for n, r in enumerate(rows)], "镇街")
        store.set_note(rid, ("units", "r256", "energy"), "第二段", "镇街")
        store.set_note(rid, ("units", "r2", "name"), "没有数值", "镇街")
        packs = store.conn.execute("SELECT chunk, json_array_length(row_keys) FROM cell_columns WHERE report_id = ?"
                                   " ORDER BY chunk", (rid,)).fetchall()
        assert packs == [(0, 255), (1, 45)]  # r1..r255, r256..r300
        assert store.set_value(rid, ("units", "r256", "energy"), "改", "镇街")
        assert not store.set_value(rid, ("units", "r256", "energy"), "改", "镇街")
        assert store.set_value(rid, ("units", "r1", "energy"), None, "镇街")
        assert store._current(rid, ("units", "r256", "energy")) == ("改", "第二段")
        assert store._current(rid, ("units", "r1", "energy")) is None
        for row in ("r256", "r2", *(f"r{n}" for n in range(257, 301))):
            store.remove_list_row(rid, "units", row, "镇街")
        data = store.load(rid)
        assert data.notes == {} and len(data.values) == 253 and ("units", "r256", "energy") not in data.values
        assert store.conn.execute("SELECT chunk FROM cell_columns").fetchall() == [(0,)]  # the empty pack went
        assert [a["field"] for a in store.audit(rid, ("units", "r1", "energy"))] == ["value", "value"]
    finally:
        store.close()


def test_row_keys_decoded_once_read_as_each_pack_alone(tmp_path: Path) -> None:
    """r28: equal row-key texts (columns of one chunk with the same rows) are decoded once and shared;
    every read gives what decoding each pack by itself gives, and a column's row list is its own."""
    store, rid = _report(tmp_path)
    try:
        rows = [store.add_list_row(rid, "units", "镇街") for _ in range(600)]  # three chunks
        changes = [(("units", r, "energy"), EXTREMES[n % len(EXTREMES)]) for n, r in enumerate(rows)]
        changes += [(("units", r, "name"), f"企业{n}") for n, r in enumerate(rows) if n % 7]  # other rows
        changes += [(("units", r, "code"), n) for n, r in enumerate(rows)]  # the same rows as energy
        store.set_values(rid, changes, "镇街")
        alone: dict[tuple[str, str], tuple[list, list]] = {}
        values: dict[tuple[str, str, str], Any] = {}
        for table, col, keys, vals in store.conn.execute(
                "SELECT table_key, col_key, row_keys, vals FROM cell_columns WHERE report_id = ?"
                " ORDER BY table_key, col_key, chunk", (rid,)):
            keys, vals = cell_packs._loads(keys), cell_packs._loads(vals)
            got = alone.setdefault((table, col), ([], []))
            got[0].extend(keys)
            got[1].extend(vals)
            values.update(((table, r, col), v) for r, v in zip(keys, vals))
        read = cell_packs.read_columns(store.conn, rid)
        assert {k: (r, _typed(dict(enumerate(v)))) for k, (r, v) in read.items()} == \
            {k: (r, _typed(dict(enumerate(v)))) for k, (r, v) in alone.items()}
        assert _typed(cell_packs.read_values(store.conn, rid)) == _typed(values)
        assert _typed(cell_packs.read_values_of(store.conn, [rid])[rid]) == _typed(values)
        energy, code = read[("units", "energy")][0], read[("units", "code")][0]
        assert energy == code and energy is not code  # equal rows, lists of their own
        energy.append("r9999")
        assert read[("units", "code")][0] == rows
    finally:
        store.close()


def _dump(store: Store) -> dict[str, list]:
    return {"cells": store.conn.execute(f"SELECT * FROM {dump_cells(store.conn)} ORDER BY 1, 2, 3, 4").fetchall(),
            "packs": store.conn.execute("SELECT * FROM cell_columns ORDER BY 1, 2, 3, 4").fetchall(),
            "rows": store.conn.execute("SELECT * FROM list_rows ORDER BY 1, 2, 3").fetchall()}


@pytest.mark.parametrize("old_snapshot", [False, True])
def test_undo_import_puts_packs_and_notes_back(tmp_path: Path, old_snapshot: bool) -> None:
    store, rid = _report(tmp_path)
    try:
        town = store.get_report(rid).township_id
        rows = [store.add_list_row(rid, "units", "镇街") for _ in range(260)]
        store.set_values(rid, [(("units", r, c), v) for r in rows for c, v in (("energy", 1e308), ("name", r))], "镇街")
        store.set_note(rid, ("units", "r259", "name"), "说明\x01", "镇街")
        store.set_note(rid, ("units", "r3", "count"), "无值", "镇街")
        before = _dump(store)
        with store.atomic():
            taken = snapshot(store, town, "2025")
            if old_snapshot:  # as the program before migration 12 kept it: one list of cells
                as_old_snapshot(store.conn, taken)
            record_import(store, town, "2025", "a.xlsx", ["key_energy_units"], json.loads(json.dumps(taken)), "区")
        store.set_values(rid, [(("units", "r1", "energy"), 2.0), (("units", "r300", "x"), 1)], "区")
        store.remove_list_row(rid, "units", "r259", "区")
        store.set_note(rid, ("units", "r3", "count"), "", "区")
        assert _dump(store) != before
        assert restore(store, last_import(store, town, "2025"), "区") == [rid]
        after = _dump(store)
        if old_snapshot:  # (its cells carry each one's time: a pack takes the latest of its cells')
            after, before = ({k: [r[:6] for r in v] for k, v in d.items()} for d in (after, before))
        assert after == before
    finally:
        store.close()


def test_rows_whose_value_may_differ_from_the_first_stored_one(tmp_path: Path) -> None:
    """``changed_first_values`` reads the current values from the packs: a row is in doubt exactly
    when a compared value is gone, not a number, or differs beyond rounding — never left out when
    the ``reported`` rule could find a change (15-digit reading of the first values aside)."""
    from storage.history import changed_first_values, first_values

    store, rid = _report(tmp_path)
    try:
        firsts = {"r1": 0.1 + 0.2, "r2": 1e308, "r3": math.inf, "r4": "文本", "r5": 2**63 - 1, "r6": 12.5,
                  "r7": 7, "r8": 1 / 3, "r9": 5e-324, "r10": -0.0, "r11": 100.0, "r12": 4.0}
        store.set_values(rid, [(("units", r, "a"), v) for r, v in firsts.items()]
                         + [(("units", r, "b"), "附") for r in firsts], "镇街")
        store.set_values(rid, [(("units", "r6", "a"), 12.5 * (1 + 1e-6)), (("units", "r7", "a"), None),
                               (("units", "r11", "a"), "100"), (("units", "r12", "a"), 4)], "镇街")
        found = changed_first_values(store, rid, {"units": ["a", "b"]}, {"units": ["a"]})
        doubt = {"r3", "r4", "r6", "r7", "r11"}  # inf and text first; changed; gone; text now (4 and 4.0: the same)
        assert {k[1] for k in found} == doubt
        every = first_values(store, rid, columns={"units": ["a", "b"]})
        assert found == {k: v for k, v in every.items() if k[1] in doubt}
    finally:
        store.close()
