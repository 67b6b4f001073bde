"""Migration 13's ``first_value_doubts`` (issue 16): the rows whose stored values were changed or
removed since they were written, kept by ``storage.cell_packs`` on every write path, so that a
period's first 审核 reads only those rows' first values. On real databases (a schema-12 file
migrated; a workspace written through every path that changes values) the rows it names always
cover the rows whose first value differs, and ``changed_first_values`` gives exactly what reading
every first value gave — hence the ``reported`` rule's findings are the same."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from forms.validation import ReportInput, compared_columns, reported_columns, validate_bundle
from storage import cell_packs
from storage.database import Store
from storage.history import changed_first_values, first_values
from storage.migrations import SCHEMA_VERSION
from storage.workspace import Workspace
from tests.old_schema import add_report, database_at
from tests.test_speed_paths import FORM, TABLE
from tests.test_validate_by_columns import _hostile_list


def _marks(store: Store, rid: int) -> set[tuple[str, str]]:
    return set(store.conn.execute("SELECT table_key, row_key FROM first_value_doubts WHERE report_id = ?", (rid,)))


def _differing(store: Store, rid: int) -> set[tuple[str, str]]:
    """The definition: rows with a first value that the cell no longer holds, same type."""
    values = cell_packs.read_values(store.conn, rid)
    return {(t, r) for t, r, c, first in store.conn.execute(
        "SELECT table_key, row_key, col_key, value FROM first_values WHERE report_id = ?", (rid,))
        if not (type(values.get((t, r, c))) is type(first) and values.get((t, r, c)) == first)}


def _reading_all(store: Store, rid: int, columns: Any, compared: Any, stored: Any = None) -> dict:
    """``changed_first_values`` as before migration 13: every row with a first value looked at
    (all marked for the call, the marks then put back as they were)."""
    with store.atomic():
        kept = store.conn.execute("SELECT * FROM first_value_doubts WHERE report_id = ?", (rid,)).fetchall()
        store.conn.execute("INSERT OR IGNORE INTO first_value_doubts SELECT DISTINCT report_id, table_key, row_key"
                           " FROM first_values WHERE report_id = ?", (rid,))
        found = changed_first_values(store, rid, columns, compared, stored)
        store.conn.execute("DELETE FROM first_value_doubts WHERE report_id = ?", (rid,))
        store.conn.executemany("INSERT INTO first_value_doubts VALUES (?, ?, ?)", kept)
    return found


def _same_as_reading_all(workspace: Workspace, rid: int) -> dict:
    """The marks cover every differing row; the look-up (from the packs and from the validation's
    columns) equals reading every first value, item by item in order; the findings are the same."""
    store, form = workspace.store, workspace.form(FORM)
    assert _differing(store, rid) <= _marks(store, rid)
    columns, compared = reported_columns(form), compared_columns(form)
    found = changed_first_values(store, rid, columns, compared)
    assert list(found.items()) == list(_reading_all(store, rid, columns, compared).items())
    held = store.column_values(rid).columns
    assert list(changed_first_values(store, rid, columns, compared, held).items()) == list(found.items())
    data = store.load(rid)

    def findings(reported: dict) -> list:
        return validate_bundle({FORM: ReportInput(form, data.values, data.notes, data.list_rows, {}, reported)},
                               workspace.context("2025"), "2025")[FORM].findings

    assert findings(found) == findings(first_values(store, rid, columns=columns))
    fresh = Workspace(store, workspace.catalogue, workspace.user)
    assert fresh.validate_period(data.report.township_id, "2025")[FORM][1].findings == \
        Workspace(store, workspace.catalogue, workspace.user).validate(data).findings
    return found


def test_every_write_path_keeps_the_doubts_covering_the_changed_rows(workspace, demo_township) -> None:
    store, who = workspace.store, workspace.user
    rid = _hostile_list(workspace, demo_township, 300)
    assert _marks(store, rid) and _same_as_reading_all(workspace, rid)  # (edits, raw pack writes over values)
    keys = store.list_rows(rid)[TABLE]
    # an edit back to the first value, one to another type of the same figure, a blank
    workspace.edit(rid, (TABLE, keys[20], "energy_equal"), "123.5")
    workspace.edit(rid, (TABLE, keys[21], "boiler"), "")
    first = first_values(store, rid, [(TABLE, keys[22], "raw_energy")])[(TABLE, keys[22], "raw_energy")]
    store.set_values(rid, [((TABLE, keys[22], "raw_energy"), int(first) if float(first).is_integer() else first)], who)
    _same_as_reading_all(workspace, rid)
    # a paste of many cells (merged: > 8 in one pack), some unchanged, across chunks
    rng = random.Random(5)
    paste = [((TABLE, k, c), rng.choice([1e308, -0.0, 7, "文字", None, 0.1 + 0.2, 2**63 - 1]))
             for k in keys[100:290:3] for c in ("energy_equal", "value_added", "boiler")]
    paste += [((TABLE, k, "energy_equiv"), store.load(rid).values.get((TABLE, k, "energy_equiv"))) for k in keys[30:60]]
    store.set_values(rid, paste, who, "粘贴")
    _same_as_reading_all(workspace, rid)
    # undo and redo of an edit, a row removed and a row moved
    workspace.edit(rid, (TABLE, keys[40], "value_added"), "9.25")
    workspace.edit(rid, (TABLE, keys[40], "value_added"), str(first_values(store, rid)[(TABLE, keys[40], "value_added")]))
    store.remove_list_row(rid, TABLE, keys[41], who)
    from storage.list_ops import move_list_row
    move_list_row(store, rid, TABLE, keys[42], 5, who)
    _same_as_reading_all(workspace, rid)


def test_a_received_file_replacing_the_report_keeps_the_doubts(workspace, demo_township) -> None:
    from storage.district_store import replace_report

    store = workspace.store
    rid = _hostile_list(workspace, demo_township, 300)
    data = store.load(rid)
    rows = data.list_rows[TABLE][:-20]  # the file lacks the last 20 rows
    values = {c: v for c, v in data.values.items() if c[0] != TABLE or c[1] in rows}
    for n, key in enumerate(rows[::7]):
        values[(TABLE, key, "value_added")] = [12.0, "改", None, 1e308][n % 4]
    with store.atomic():
        replace_report(store, rid, values, {}, {**data.list_rows, TABLE: rows}, workspace.user, "收件 a.xlsx")
    assert len(_marks(store, rid)) > 30
    _same_as_reading_all(workspace, rid)


def _json_safe_list(workspace: Workspace, township: Any, rows: int) -> int:
    """A list with the extremes an import's snapshot can hold (JSON without ±inf; an int the
    audit can bind), some of them changed after they were first stored."""
    store = workspace.store
    rid = workspace.open_report(township.id, FORM, "2025").report.id
    with store.atomic():
        keys = [store.add_list_row(rid, TABLE, workspace.user) for _ in range(rows)]
    odd = [1e308, -0.0, 2**63 - 1, -2**63, "一千", 0.1 + 0.2, 5e-324]
    store.set_values(rid, [((TABLE, k, c), odd[n % 7] if n % 11 == 0 else n * 1.25 + len(c))
                           for n, k in enumerate(keys) for c in ("energy_equal", "value_added", "boiler")]
                     + [((TABLE, k, "name"), f"企业{n}") for n, k in enumerate(keys)], workspace.user, "测试数据")
    store.set_values(rid, [((TABLE, k, "value_added"), [7, None, "改", 3.5][n % 4]) for n, k in enumerate(keys[::13])],
                     workspace.user, "镇街核实")
    return rid


@pytest.mark.parametrize("old_snapshot", [False, True])
def test_undo_import_makes_the_doubts_from_what_it_put_back(workspace, demo_township, old_snapshot: bool) -> None:
    from storage.import_log import last_import, record_import, restore, snapshot
    from tests.stored import as_old_snapshot

    store, town = workspace.store, demo_township.id
    rid = _json_safe_list(workspace, demo_township, 300)
    with store.atomic():
        taken = snapshot(store, town, "2025")
        if old_snapshot:  # as the program before migration 12 kept it: one list of cells
            as_old_snapshot(store.conn, taken)
        record_import(store, town, "2025", "a.xlsx", [FORM], json.loads(json.dumps(taken)), "区")
    keys = store.list_rows(rid)[TABLE]
    store.set_values(rid, [((TABLE, k, "value_added"), 1.5) for k in keys[50:80]]
                     + [((TABLE, k, "name"), "新") for k in keys[90:95]], "区")
    store.remove_list_row(rid, TABLE, keys[100], "区")
    before = _marks(store, rid)
    assert restore(store, last_import(store, town, "2025"), "区") == [rid]
    assert _marks(store, rid) == _differing(store, rid) != before  # made anew from what is stored
    _same_as_reading_all(workspace, rid)


# values as a schema-12 program stored them: first values bound by sqlite3, values in packs by ``json``
_FIRST_AND_NOW: list[tuple[Any, Any]] = [
    (1e308, 1e308), (-0.0, -0.0), (2**63 - 1, 2**63 - 1), (-2**63, -2**63), (1 / 3, 1 / 3), (0.1 + 0.2, 0.1 + 0.2),
    (5e-324, 5e-324), (math.inf, math.inf), ("文本\x01", "文本\x01"), ("", ""), (7, 7),  # unchanged
    (4.0, 4), (12.5, 12.5 * (1 + 1e-6)), (100.0, "100"), (3, None), (1e19, 10**19), (2.5, 10**20),  # changed
    (None, 10**20), (None, "一千"), (None, 1e308), (None, -0.0),  # no first value
]


def test_migration_13_marks_the_rows_of_a_schema_12_database_exactly(tmp_path: Path, catalogue) -> None:
    path = tmp_path / "v12.sqlite"
    conn = database_at(path, 12)
    rid = add_report(conn, "来苏镇", FORM, "2025")
    other = add_report(conn, "三教镇", FORM, "2025")
    cols = ("energy_equal", "value_added", "boiler")
    firsts, now = [], []
    for n, (first, value) in enumerate(_FIRST_AND_NOW * 3):
        cell = (TABLE, f"r{n + 1}", cols[n % 3])
        if first is not None:
            firsts.append((rid, *cell, first))
        if value is not None:
            now.append((cell, value))
    firsts += [(rid, TABLE, f"r{n}", "name", f"企业{n}") for n in range(1, 70)]  # other columns: unchanged
    now += [((TABLE, f"r{n}", "name"), f"企业{n}") for n in range(1, 70)]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO list_rows (report_id, table_key, row_key, position) VALUES (?, ?, ?, ?)",
                     [(rid, TABLE, f"r{n}", n) for n in range(1, 70)])
    conn.executemany("INSERT INTO first_values (report_id, table_key, row_key, col_key, value) VALUES (?, ?, ?, ?, ?)",
                     firsts + [(other, TABLE, "r1", "value_added", 5.0)])
    cell_packs.write_values(conn, rid, now, "2025-01-02T03:04:05", fresh=True)
    conn.execute("COMMIT")

    def dump(connection: Any) -> list:
        return [(*row[:-1], type(row[-1]).__name__, repr(row[-1])) for row in connection.execute(
            "SELECT report_id, table_key, row_key, col_key, value FROM first_values ORDER BY 1, 2, 3, 4")] + \
            [tuple(row) for row in connection.execute("SELECT * FROM cell_columns ORDER BY 1, 2, 3, 4")]

    old = dump(conn)
    conn.close()
    store = Store.open(path)
    try:
        assert store.schema_version == SCHEMA_VERSION >= 13 and dump(store.conn) == old  # values and first values as they were
        changed = {f"r{n + 1}" for n, (first, value) in enumerate(_FIRST_AND_NOW * 3)
                   if first is not None and not (type(first) is type(value) and first == value)}
        assert len(changed) == 18
        assert _marks(store, rid) == {(TABLE, r) for r in changed} == _differing(store, rid)
        assert _marks(store, other) == {(TABLE, "r1")}  # a first value with no value now
        form = catalogue.get(FORM)
        columns, compared = reported_columns(form), compared_columns(form)
        found = changed_first_values(store, rid, columns, compared)
        assert found and list(found.items()) == list(_reading_all(store, rid, columns, compared).items())
        assert {k[1] for k in found} <= changed | {f"r{n + 1}" for n, (_f, v) in enumerate(_FIRST_AND_NOW * 3)
                                                  if type(v) not in (int, float) or math.isinf(v)}
    finally:
        store.close()


def test_a_period_s_first_validate_reads_no_first_value_when_none_changed(workspace, demo_township,
                                                                       monkeypatch) -> None:
    """The usual case: nothing marked, every compared value a plain number — no first value read."""
    store = workspace.store
    data = workspace.open_report(demo_township.id, FORM, "2025")
    rid = data.report.id
    with store.atomic():
        keys = [store.add_list_row(rid, TABLE, workspace.user) for _ in range(300)]
    store.set_values(rid, [((TABLE, k, c), float(n)) for n, k in enumerate(keys)
                           for c in ("energy_equal", "energy_equiv", "raw_energy", "value_added", "boiler")],
                     workspace.user, "测试数据")
    form = workspace.form(FORM)
    marked = {r for _t, r in _marks(store, rid)}
    assert marked.isdisjoint(keys)  # (the demo's own rows may be marked: edited after they were stored)
    read: list[str] = []
    store.conn.set_trace_callback(lambda sql: read.append(sql) if "FROM first_values" in sql else None)
    try:
        found = changed_first_values(store, rid, reported_columns(form), compared_columns(form))
    finally:
        store.conn.set_trace_callback(None)
    assert {k[1] for k in found} <= marked and all("row_key IN" in sql for sql in read)
    _same_as_reading_all(workspace, rid)
