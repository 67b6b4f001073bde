"""v4 (issue 11): a received file's audit rows are written in runs that bind what their rows share
(time, who, report, kind, reason) once per statement (``storage.database.insert_runs``), and a
fresh report's values make only their audit rows. Compared here with the plain ways: the same
rows, ids, values and types. (The whole intake and the hostile writer are compared with the
writer before u4 in ``tests/test_intake_lean_writes.py``, which these paths run through.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import storage.district_store as ds
from storage import cell_packs
from storage.database import Store, insert_runs
from storage.import_log import snapshot
from storage.workspace import Workspace
from tests.test_intake_known_contents import HOSTILE, _everything

_HEAD = "INSERT INTO t (at, who, n, a, b) VALUES {}"


def _runs(sizes: list[int], shared: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], list[list[Any]]]]:
    """Runs of ``sizes`` rows, the n-th sharing ``shared[n % len(shared)]``, with hostile own values."""
    values = [*HOSTILE, None, float("nan")]
    return [(shared[n % len(shared)], [[f"{n}-{i}", values[(n + i) % len(values)]] for i in range(size)])
            for n, size in enumerate(sizes)]


@pytest.mark.parametrize("sizes", [[], [0], [1], [2, 1, 3], [63, 64, 65], [200], [1, 127, 1, 135, 7]])
@pytest.mark.parametrize("nothing_shared", [False, True])
def test_runs_give_the_rows_and_ids_of_one_statement_a_row(tmp_path: Path, sizes: list[int],
                                                           nothing_shared: bool) -> None:
    shared = [("2026-12-02T06:00:00", "区统计局", 7), ("2026-12-02T06:00:01", "控\x01制", -2**63), ("", "", 0)]
    store = Store.open(tmp_path / "runs.sqlite")
    try:
        for table in ("t", "u"):
            store.conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, at, who, n, a, b)")
        runs = _runs(sizes, shared)
        if nothing_shared:  # (every value a row's own)
            runs = [((), [[*front, *row] for row in rows]) for front, rows in runs]
        insert_runs(store, _HEAD, 5, runs)
        store.conn.executemany("INSERT INTO u (at, who, n, a, b) VALUES (?, ?, ?, ?, ?)",
                               [(*whole[:4], None if whole[4] != whole[4] else whole[4])  # (NaN: NULL)
                                for whole in ([*front, *row] for front, rows in runs for row in rows)])
        got, want = ({*store.conn.execute(f"SELECT id, at, who, n, a, b, typeof(b) FROM {table} ORDER BY id")}
                     for table in ("t", "u"))
        assert got == want and len(got) == sum(sizes)
    finally:
        store.close()


def test_a_fresh_reports_values_make_only_their_audit_rows_and_write_what_the_cell_by_cell_path_writes(
        tmp_path: Path, catalogue) -> None:
    """A fresh report written by the fresh path and the same report written over one stored cell
    (the cell-by-cell path), that cell then given back: the same cells, 说明 (on a written cell, on
    a blank one), first values and value audit rows apart from that one cell's."""
    from tests.test_intake_writes import FORM, TABLE

    values = {(TABLE, f"f{n}", col): [*HOSTILE, float("nan"), None][(n + i) % 10]
              for n in range(1, 30) for i, col in enumerate(("name", "energy_equal", "value_added"))}
    notes = {(TABLE, "f1", "name"): "名称说明", (TABLE, "f2", "uscc"): " 空格说明\x01 "}
    rows = {TABLE: [f"f{n}" for n in range(1, 30)]}
    dumps = []
    for stored_first in (False, True):
        ws = Workspace.open(tmp_path / f"{stored_first}.sqlite", catalogue=catalogue, demo=False, user="区统计局")
        try:
            report = ws.store.ensure_report(ws.townships()[0].id, FORM, ws.form(FORM).version, "2025")
            with ws.store.atomic():
                if stored_first:  # a stored cell outside the file's rows: the report is not fresh
                    ds.replace_values(ws.store, report.id, [((TABLE, "zz", "name"), "旧")], ws.user, "先前")
                writes = ds._RowWrites()
                before = snapshot(ws.store, report.township_id, "2025")
                ds.rewrite_report(ws.store, report.id, values, notes, rows, ws.user, "收件", ds.stored_reports(
                    before)[report.id], writes)
                assert (report.id in writes.fresh_values) is not stored_first
                writes.flush(ws.store)
                cell_packs.remove_rows(ws.store.conn, report.id, TABLE, ["zz"], "")
                ws.store.conn.execute("DELETE FROM first_values WHERE row_key = 'zz'")
        finally:
            ws.close()
        found = _everything(tmp_path / f"{stored_first}.sqlite")
        found["audit"] = [a[3:] for a in found["audit"] if a[4] != "zz" and a[6] in ("value", "note")]
        dumps.append(found)
    for part in ("cells", "first", "audit"):
        assert dumps[0][part] == dumps[1][part], part
    assert any(c[6] == "空格说明\x01" and c[4] is None for c in dumps[0]["cells"])
    assert any(c[6] == "名称说明" and c[4] is not None for c in dumps[0]["cells"])
