"""u4 (issue 11): the intake's main process outside validation does less for each file — a file's
value, 说明, first-value and audit rows gathered over its forms and written by a few multi-row
statements (a fresh report's cells and first values read back from what was just written), NULL
bound as NaN, the time text made once a second, and a file read ahead travels without what the
main process never uses. Each is compared with the path it replaced on real databases: the same
stored rows, audit trail (its ids), first values, revisions, statuses, findings kept, register lines,
import log and 本期无数据 declarations, for the 23 sample files, a resubmission with fewer forms and
changed figures, a declared form, and the first file again."""

from __future__ import annotations

import copy
import datetime as _dt
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

import storage.database
import storage.district_store as ds
from district import read_ahead
from district.intake import _file_write, intake_files, receive_file
from storage.database import insert_rows, now_text
from storage.import_log import snapshot
from storage.workspace import Workspace
from tests.district_helpers import reexport
from tests.intake_lean_helpers import replace_reports_before_u4
from tests.test_intake_known_contents import HOSTILE, _everything, _untimed

DECLARED = "agriculture"


def _declared(path: Path, catalogue) -> read_ahead.PreRead:
    """``path`` read, with its agriculture form empty and declared 本期无数据 (as a township sends it)."""
    pre = read_ahead.read_one(path, catalogue)
    assert pre.read is not None
    form = pre.read.form(DECLARED)
    form.values, form.notes, form.list_rows = {}, {}, {}
    pre.read.no_data[DECLARED] = "本镇无农业生产"
    return pre


def _intake_everything(ws: Workspace, files: list[Path], declared: tuple[Path, read_ahead.PreRead]) -> list[str]:
    verdicts = [str(r.verdict) for r in intake_files(ws, files[:-1], backup=False, workers=0).results]
    verdicts.append(str(receive_file(ws, declared[0], pre=copy.deepcopy(declared[1])).verdict))
    verdicts += [str(r.verdict) for r in intake_files(ws, files[-1:], backup=False, workers=0).results]
    return verdicts


def test_the_intake_stores_what_it_stored_before_u4(tmp_path: Path, township_files, catalogue,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = township_files["三教镇"]
    edits = {("key_energy_units", "units", "r1", "name"): "改名后的企业有限公司"}
    again = reexport(first, tmp_path / "三教镇_补报.xlsx", catalogue, edits=edits,
                     form_keys=[f.key for f in catalogue if f.key != "coal_vocs"])
    declared = (township_files["仙龙镇"], _declared(township_files["仙龙镇"], catalogue))
    files = [*(p for name, p in township_files.items() if name != "仙龙镇"), again, first]
    found, verdicts = {}, {}
    for name in ("new", "old"):
        with monkeypatch.context() as patch:
            if name == "old":
                patch.setattr(ds, "replace_reports", replace_reports_before_u4)
            ws = Workspace.create_district(tmp_path / f"{name}.sqlite", catalogue=catalogue, user="区统计局")
            try:
                verdicts[name] = _intake_everything(ws, files, declared)
            finally:
                ws.close()
        found[name] = _everything(tmp_path / f"{name}.sqlite")
        found[name]["imports"] = [(*line[:5], _untimed(json.loads(line[5]))) for line in found[name]["imports"]]
        found[name]["stamps"] = _stamps(tmp_path / f"{name}.sqlite")
    assert verdicts["new"] == verdicts["old"] and all(v.startswith("已接收") for v in verdicts["new"])
    for part in found["old"]:
        assert found["new"][part] == found["old"][part], part
    new = found["new"]
    assert len(new["register"]) == 25 and any(r[7] for r in new["register"])  # the first file was replaced
    assert (DECLARED,) in {(k,) for _t, _p, k, _r in new["no_data"]}
    assert sum(1 for a in new["audit"] if a[6] == "value" and a[7] is not None) > 10  # values changed, not only new


def _stamps(path: Path) -> list[tuple]:
    """Which rows carry which of the file's stamps: every 说明's updated_at is one of its audit rows'
    times, every pack's (w2: a column's values, written together) one of its table's audit times."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT count(*), sum(EXISTS (SELECT 1 FROM audit a WHERE a.report_id = c.report_id AND a.table_key ="
            " c.table_key AND a.row_key = c.row_key AND a.col_key = c.col_key AND a.at = c.updated_at))"
            " FROM cell_values c").fetchall() + conn.execute(
            "SELECT count(*), sum(EXISTS (SELECT 1 FROM audit a WHERE a.report_id = p.report_id AND a.table_key ="
            " p.table_key AND a.at = p.updated_at)) FROM cell_columns p").fetchall()
    finally:
        conn.close()


def test_hostile_values_and_notes_through_the_batched_writer_and_the_one_before(tmp_path: Path, catalogue) -> None:
    """Extreme values (1e308, 64-bit ends, 20 digits, control characters, NaN, a bool, -0.0) and 说明
    on new and stored cells, into a fresh report and over stored ones, two forms in one file and one
    form twice: the same rows, audit ids, first values and revisions as the writer before u4."""
    from tests.test_intake_writes import FORM, TABLE

    def form_file(shift: int, rows: int) -> tuple[dict, dict, dict]:
        values = {(TABLE, f"f{n}", col): ([*HOSTILE, float("nan"), True, None][(n * 3 + i + shift) % 11])
                  for n in range(1, rows + 1) for i, col in enumerate(("name", "energy_equal", "value_added"))}
        notes = {(TABLE, f"f{n}", "uscc"): f" 说明{n + shift}\x01 " for n in range(1, rows + 1, 2)}
        notes[(TABLE, "f1", "name")] = "" if shift else "名称说明"
        return values, notes, {TABLE: [f"f{n}" for n in range(1, rows + 1)]}

    dumps = []
    for writer in (ds.replace_reports, replace_reports_before_u4):
        ws = Workspace.open(tmp_path / f"{len(dumps)}.sqlite", catalogue=catalogue, demo=False, user="区统计局")
        try:
            town = ws.townships()[0].id
            ids = [ws.store.ensure_report(town, key, ws.form(key).version, "2025").id for key in (FORM, "agriculture")]
            item = ("items", "biogas", "value")
            for shift, rows in ((0, 70), (1, 40), (5, 90)):
                with ws.store.atomic():
                    before = snapshot(ws.store, town, "2025")
                    forms = [(ids[0], *form_file(shift, rows)), (ids[1], {item: HOSTILE[shift]}, {item: "说明"}, {}),
                             (ids[0], *form_file(shift + 2, rows // 2))]
                    writer(ws.store, forms, ws.user, "收件 测试.xlsx", before,
                           ds.FormAudit(ws.store, ws.user, "intake", "测试.xlsx", "收件 测试.xlsx"))
        finally:
            ws.close()
        dumps.append(_everything(tmp_path / f"{len(dumps)}.sqlite"))
    for part in ("cells", "rows", "first", "audit", "reports", "counter"):
        assert dumps[0][part] == dumps[1][part], part
    assert any(row[5] == "null" for row in dumps[0]["cells"]) and len(dumps[0]["audit"]) > 300


def test_a_file_read_ahead_travels_lean_and_writes_the_same(township_files, catalogue,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sample file: what travels has no cell addresses, computed cells nor blanks, and gives the
    same writes (every input cell, in order), 说明, list rows and data hash as the whole reading."""
    monkeypatch.setattr(read_ahead, "_catalogue", catalogue)  # (as a reading process holds it)
    for path in township_files.values():
        whole, lean = read_ahead.read_one(path, catalogue), read_ahead._work(path)
        assert whole.read is not None and lean.read is not None and lean.sha256 == whole.sha256
        assert lean.data_sha256 == read_ahead.data_sha256(whole.read) != ""
        assert any(v is None for f in whole.read.forms for v in f.values.values())
        for full, item in zip(whole.read.forms, lean.read.forms, strict=True):
            assert not item.addresses and not item.file_computed and None not in item.values.values()
            assert full.addresses and item.notes == full.notes and item.list_rows == full.list_rows
            item.form = catalogue.get(item.form)
            assert _file_write(item) == _file_write(full)
            assert list(_file_write(item).values) == list(_file_write(full).values)


def test_rows_are_written_in_order_whatever_their_number(tmp_path: Path) -> None:
    """``insert_rows``: 0 … 200 rows (every chunk boundary) give the rows and ids executemany gives."""
    store = storage.database.Store.open(tmp_path / "rows.sqlite")
    try:
        store.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")
        for count in (0, 1, 2, 7, 63, 64, 65, 127, 135, 161, 200):
            rows = [(f"{count}-{n}", [*HOSTILE, None, float("nan")][n % 10]) for n in range(count)]
            start = store.conn.execute("SELECT coalesce(max(id), 0) FROM t").fetchone()[0]
            insert_rows(store, "INSERT INTO t (a, b) VALUES {}", 2, rows)
            got = store.conn.execute("SELECT id, a, b, typeof(b) FROM t WHERE id > ? ORDER BY id", (start,)).fetchall()
            store.conn.execute("CREATE TEMP TABLE u (id INTEGER PRIMARY KEY, a, b)")
            store.conn.executemany("INSERT INTO u (a, b) VALUES (?, ?)", [(a, None if b != b else b) for a, b in rows])
            want = store.conn.execute("SELECT id + ?, a, b, typeof(b) FROM u ORDER BY id", (start,)).fetchall()
            store.conn.execute("DROP TABLE u")
            assert got == want, count
    finally:
        store.close()


def test_now_text_is_the_time_now_and_moves_on_each_second(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _dt.datetime.now().isoformat(timespec="seconds")
    made = now_text()
    assert before <= made <= _dt.datetime.now().isoformat(timespec="seconds")
    clock = [1_780_000_000.999]
    monkeypatch.setattr(storage.database.time, "time", lambda: clock[0])
    assert now_text() == _dt.datetime.fromtimestamp(1_780_000_000).isoformat(timespec="seconds")
    clock[0] += 0.002  # the next second
    assert now_text() == _dt.datetime.fromtimestamp(1_780_000_001).isoformat(timespec="seconds")
    clock[0] = time.mktime((2026, 12, 31, 23, 59, 59, 0, 0, -1))
    assert now_text() == "2026-12-31T23:59:59"


@pytest.mark.parametrize("values", [[None, "a", 1, 2.5, -0.0], [True], [float("nan")], [2**63], [-2**63 - 1],
                                    [2**63 - 1, -2**63], [1e308, float("inf"), float("-inf")], [], [b"x"],
                                    ["控\x01", 7, float("nan")], [_dt.date(2026, 1, 1)]])
def test_the_kinds_check_answers_as_each_value_asked_alone(values: list[Any]) -> None:
    assert ds._all_read_back(values) == all(map(ds._reads_back, values))


def test_forms_without_an_earlier_report_read_no_history_and_lose_none(tmp_path: Path, catalogue,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``validate_period`` skips the earlier inputs of a form with no report of an earlier period:
    each one skipped reads nothing when asked (so the findings are those of asking), and those with
    earlier years are still read (the demo holds 2023–2025)."""
    import storage.history as history
    from forms.validation_kept import needs_history
    from storage import validation_cache

    ws = Workspace.open(tmp_path / "years.sqlite", catalogue=catalogue, user="测试员")
    try:
        town = next(t for t in ws.townships() if t.is_demo)
        real, asked = history.earlier_inputs, []
        monkeypatch.setattr(history, "earlier_inputs", lambda store, t, k, p: asked.append((k, p)) or real(store, t, k, p))
        for period in ("2023", "2024", "2025"):
            validation_cache.forget_all(ws.store)
            ws._validated.clear()
            ws.validate_period(town.id, period)
        history_forms = {(r.form_key, r.period) for p in ("2023", "2024", "2025")
                         for r in ws.store.reports_for(town.id, p) if needs_history(ws.form(r.form_key))}
        skipped = history_forms - set(asked)
        assert skipped and all(p == "2023" for _k, p in skipped)
        assert all(real(ws.store, town.id, k, p) == {} for k, p in skipped)
        assert any(real(ws.store, town.id, k, p) for k, p in asked)
    finally:
        ws.close()
