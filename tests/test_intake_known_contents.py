"""u3 (issues 11 and 16): the intake writes a file's forms with their revisions paused together,
reuses the import snapshot's reading of each report and validates with the contents it has just
written (not read again); ``Store.load`` finds a report's tables by index seeks. Each is compared
with the path it replaced on a real database: the same stored rows, audit trail, first values,
revisions, statuses, findings and register lines, and contents equal — in the same order — to what
``Store.load`` reads, with hostile values (1e308, -0.0, 64-bit extremes, 20-digit text, control
characters, NaN, a bool), list rows removed and added again, and 说明."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import storage.district_store as ds
from district.intake import intake_files
from storage.database import Store
from storage.import_log import snapshot
from storage.workspace import Workspace
from tests.district_helpers import reexport
from tests.old_schema import add_report, database_at, put_old_cells
from tests.stored import dump_cells
from tests.test_intake_writes import FORM, TABLE, _dump, _stored_report

HOSTILE: list[Any] = [1e308, -0.0, 2**63 - 1, -2**63, "12345678901234567890", "控\x01制\x1f字\x7f符", "a\x00b", 0.1 + 0.2]


def _loaded(ws: Workspace, report_id: int) -> tuple:
    data = ws.store.load(report_id)
    return (list(data.values.items()), list(data.notes.items()), list(data.list_rows.items()))


def _as_lists(contents: tuple) -> tuple:
    values, notes, list_rows = contents
    return (list(values.items()), list(notes.items()), list(list_rows.items()))


def _file(rows: int, shift: int, notes: dict[tuple[int, str], str]) -> tuple:
    """A file's form with ``rows`` units keyed f1 … (every input cell), hostile values rotating by ``shift``."""
    values: dict[tuple[str, str, str], Any] = {}
    for n in range(1, rows + 1):
        row = f"f{n}"
        values[(TABLE, row, "name")] = HOSTILE[(n + shift) % len(HOSTILE)] if n % 2 else f"企业{n}"
        values[(TABLE, row, "energy_equal")] = HOSTILE[(n + shift + 3) % len(HOSTILE)]
        values[(TABLE, row, "value_added")] = None if n == 2 else 0.0  # 0.0 where -0.0 may be stored: unchanged
        values[(TABLE, row, "uscc")] = None
    return values, {(TABLE, f"f{n}", col): text for (n, col), text in notes.items()}, {TABLE: [f"f{n}" for n in range(1, rows + 1)]}


FILES = [  # fewer rows, then more (removed rows' keys never come back), as many with other values, none
    _file(2, 0, {(1, "energy_equal"): "  新投产 ", (2, "uscc"): "无代码"}),
    _file(5, 1, {(4, "name"): "\t", (5, "value_added"): "停产\x02半年"}),
    _file(5, 4, {}),
    _file(3, 2, {(3, "name"): "更名"}),
    _file(0, 0, {}),
]


def test_rewritten_contents_are_what_load_reads_and_the_snapshot_reading_writes_the_same(
        tmp_path: Path, catalogue) -> None:
    reading = tmp_path / "reading.sqlite"
    report_id = _stored_report(reading, catalogue)
    known = Path(shutil.copy(reading, tmp_path / "known.sqlite"))
    for values, notes, list_rows in FILES:
        for path, from_snapshot in ((reading, False), (known, True)):
            ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
            try:
                with ws.store.atomic():
                    report = ws.store.get_report(report_id)
                    stored = ds.stored_reports(snapshot(ws.store, report.township_id, report.period))[report_id] \
                        if from_snapshot else None
                    paused = ds.pause_revisions(ws.store, [report_id])
                    wrote, contents = ds.rewrite_report(ws.store, report_id, values, notes, list_rows, ws.user,
                                                        "收件 a.xlsx", stored)
                    ds.resume_revisions(ws.store, paused, [report_id] if wrote else [])
                assert wrote
                assert contents is not None and _as_lists(contents) == _loaded(ws, report_id)
            finally:
                ws.close()
        assert _dump(known) == _dump(reading)
    assert _dump(known)["rows"] == []  # the last file lists no unit


@pytest.mark.parametrize("odd", [float("nan"), True, b"bytes"])
def test_a_value_that_would_read_back_otherwise_leaves_the_contents_unknown(tmp_path: Path, catalogue, odd) -> None:
    path = tmp_path / "d.sqlite"
    report_id = _stored_report(path, catalogue)
    values, notes, list_rows = _file(2, 0, {})
    values[(TABLE, "f1", "energy_equal")] = odd
    ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
    try:
        with ws.store.atomic():
            paused = ds.pause_revisions(ws.store, [report_id])
            wrote, contents = ds.rewrite_report(ws.store, report_id, values, notes, list_rows, ws.user, "收件")
            ds.resume_revisions(ws.store, paused, [report_id] if wrote else [])
        assert wrote and contents is None  # (validated from what is read back)
    finally:
        ws.close()


def _revisions(path: Path) -> tuple[list[tuple], int]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, revision FROM reports ORDER BY id").fetchall(), \
            conn.execute("SELECT last FROM revision_counter").fetchone()[0]
    finally:
        conn.close()


def test_revisions_paused_together_are_numbered_as_one_form_after_another(tmp_path: Path, catalogue) -> None:
    """Three forms (the second written twice, the third unchanged): the same revisions and rows as
    ``replace_report`` form by form gives."""
    one_by_one = tmp_path / "one.sqlite"
    report_id = _stored_report(one_by_one, catalogue)
    ws = Workspace.open(one_by_one, catalogue=catalogue, demo=False, user="镇街")
    try:
        town = ws.store.get_report(report_id).township_id
        other = ws.store.ensure_report(town, "agriculture", ws.form("agriculture").version, "2025").id
        empty = ws.store.ensure_report(town, "coal_vocs", ws.form("coal_vocs").version, "2025").id
    finally:
        ws.close()
    together = Path(shutil.copy(one_by_one, tmp_path / "together.sqlite"))
    item = ("agriculture", "items", "biogas", "value")
    writes = [(report_id, *FILES[1]), (other, {item[1:]: 1e308}, {item[1:]: " 说明 "}, {}),
              (report_id, *FILES[0]), (empty, {}, {}, {})]
    for path, paused_together in ((one_by_one, False), (together, True)):
        ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
        try:
            with ws.store.atomic():
                if paused_together:
                    paused, changed = ds.pause_revisions(ws.store, [w[0] for w in writes]), []
                    for rid, values, notes, list_rows in writes:
                        if ds.rewrite_report(ws.store, rid, values, notes, list_rows, ws.user, "收件")[0]:
                            changed.append(rid)
                    ds.resume_revisions(ws.store, paused, changed)
                else:
                    for rid, values, notes, list_rows in writes:
                        ds.replace_report(ws.store, rid, values, notes, list_rows, ws.user, "收件")
        finally:
            ws.close()
    assert _revisions(together) == _revisions(one_by_one)
    assert _dump(together) == _dump(one_by_one)
    revisions, last = _revisions(together)
    assert dict(revisions)[report_id] == last and dict(revisions)[other] == last - 1


def _old_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake's writes as before u3: ``replace_report`` form by form (each reading its report
    and pausing its own revision), and the validation reading every report again."""
    def one_by_one(store, forms, who, reason, before, after):  # noqa: ANN001, ANN202
        for report_id, values, notes, list_rows in forms:
            ds.replace_report(store, report_id, values, notes, list_rows, who, reason)
            after(report_id)
        return {}

    monkeypatch.setattr(ds, "replace_reports", one_by_one)


def _everything(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        dump_cells(conn)
        return {name: conn.execute(sql).fetchall() for name, sql in {
            "cells": "SELECT report_id, table_key, row_key, col_key, value, typeof(value), note FROM stored_cells"
                     " ORDER BY 1, 2, 3, 4",
            "rows": "SELECT * FROM list_rows ORDER BY 1, 2, 4",
            "first": "SELECT * FROM first_values ORDER BY 1, 2, 3, 4",
            "audit": "SELECT id, who, report_id, table_key, row_key, col_key, field, old, new, typeof(new), reason"
                     " FROM audit ORDER BY id",
            "reports": "SELECT id, township_id, form_key, period, status, revision FROM reports ORDER BY id",
            "counter": "SELECT last FROM revision_counter",
            "cache": "SELECT report_id, marker, findings FROM validation_cache ORDER BY report_id",
            "register": "SELECT id, file_name, township_id, period, verdict, reasons, applied, replaced_by"
                        " FROM intake_register ORDER BY id",
            "imports": "SELECT id, township_id, period, file, forms, before FROM imports ORDER BY id",
            "no_data": "SELECT township_id, period, form_key, reason FROM no_data ORDER BY 1, 2, 3",
        }.items()}
    finally:
        conn.close()


def test_the_intake_stores_and_finds_what_it_did_before(tmp_path: Path, township_files, catalogue,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Real files into two district databases, the second through the path before u3: a township's
    file, another township's, the first one's again with fewer forms (the others emptied) and
    changed figures, and the first file once more (its figures back)."""
    first = township_files["三教镇"]
    edits = {("key_energy_units", "units", "r1", "name"): "改名后的企业有限公司"}
    again = reexport(first, tmp_path / "三教镇_补报.xlsx", catalogue, edits=edits,
                     form_keys=[f.key for f in catalogue if f.key != "agriculture"])
    files = [first, township_files["仙龙镇"], again, first]
    for name, old in (("new", False), ("old", True)):
        with monkeypatch.context() as patch:
            if old:
                _old_path(patch)
            ws = Workspace.create_district(tmp_path / f"{name}.sqlite", catalogue=catalogue, user="区统计局")
            try:
                results = intake_files(ws, files, backup=False, workers=0).results
                assert [r.applied for r in results] == [True, True, True, True]
            finally:
                ws.close()
    new, old = _everything(tmp_path / "new.sqlite"), _everything(tmp_path / "old.sqlite")
    for found in (new, old):  # the import log's snapshots, timestamps aside
        found["imports"] = [(*line[:5], _untimed(json.loads(line[5]))) for line in found["imports"]]
    for part in old:
        assert new[part] == old[part], part
    assert len(new["cache"]) == 14 and any(json.loads(f) for _r, _m, f in new["cache"])  # findings to compare


def _untimed(before: dict[str, Any]) -> dict[str, Any]:
    return {"period": before["period"], "reports": [
        {**{k: v for k, v in report.items() if not k.endswith("_at")}, "packs": [p[:5] for p in report["packs"]],
         "notes": [n[:4] for n in report["notes"]]}
        for report in before["reports"]]}


def _load_before_u3(store, report_id: int) -> tuple:
    """``Store.load``'s values as read before u3 (``SELECT DISTINCT table_key`` over every cell)."""
    values: dict = {}
    cells = dump_cells(store.conn)  # (w2: the cells as ``cell_values`` held them before migration 12)
    for (table,) in store.conn.execute(f"SELECT DISTINCT table_key FROM {cells} WHERE report_id = ?",
                                       (report_id,)).fetchall():
        values.update(((table, row, col), value) for row, col, value in store.conn.execute(
            f"SELECT row_key, col_key, value FROM {cells} WHERE report_id = ? AND table_key = ?"
            " AND value IS NOT NULL", (report_id, table)))
    return values


def test_load_finds_every_table_of_a_report(tmp_path: Path, catalogue) -> None:
    """Several tables, one holding only 说明 (no value), values of every kind: the same values in
    the DISTINCT reading gave (w2: the order is the packs', table by table); a report without cells reads empty."""
    ws = Workspace.open(tmp_path / "t.sqlite", catalogue=catalogue, user="镇街")
    try:
        town = next(t for t in ws.townships() if t.is_demo)
        for report in ws.store.reports_for(town.id, "2025"):
            assert ws.store.load(report.id).values == _load_before_u3(ws.store, report.id)
        report = ws.store.ensure_report(town.id, FORM, ws.form(FORM).version, "2031")
        assert not ws.store.load(report.id).values
        cells = [(("zz_last", "r1", "c"), HOSTILE[n % len(HOSTILE)]) for n in range(3)]
        cells += [(("a_first", f"r{n}", f"c{n % 3}"), v) for n, v in enumerate(HOSTILE)]
        ws.store.set_values(report.id, cells + [(("m_blank", "r1", "c"), None)], "镇街")
        ws.store.set_note(report.id, ("n_notes", "r1", "c"), "只有说明", "镇街")
        loaded = ws.store.load(report.id)
        assert loaded.values == _load_before_u3(ws.store, report.id)
        assert [k[0] for k in loaded.values] == ["a_first"] * len(HOSTILE) + ["zz_last"]
        assert loaded.notes == {("n_notes", "r1", "c"): "只有说明"}
    finally:
        ws.close()


def test_migration_11_indexes_the_cells_with_a_note_of_an_existing_database(tmp_path: Path, catalogue,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A database the program wrote at schema 10 (values, 说明 with control characters, a 说明 on a
    cell without a value, a 说明 taken away) opens at 11 with the 说明 index; every report reads
    the same 说明 as the whole-report query found them, in the same order, before and after."""
    from storage.migrations import SCHEMA_VERSION

    path = tmp_path / "v10.sqlite"
    conn = database_at(path, 10)  # (w2: cells written as the program at schema 10 wrote them)
    report, other = add_report(conn, "测试镇", FORM, "2025"), add_report(conn, "测试镇", "agriculture", "2025")
    notes = {(TABLE, f"r{n * 2}", "name"): text for n, text in enumerate(["新投产", "控\x02制", "停产\n半年", "x"])}
    put_old_cells(conn, report, [((TABLE, f"r{n}", "name"), v, notes.get((TABLE, f"r{n}", "name"), ""))
                                 for n, v in enumerate(HOSTILE)])
    put_old_cells(conn, report, [(("zz", "r1", "c"), None, "无值\x01的说明\x7f")])
    put_old_cells(conn, other, [(("aa", "r9", "c"), None, "")])  # a 说明 taken away
    conn.close()

    def notes_by_scan(store) -> dict[int, list]:  # noqa: ANN001
        return {rid: store.conn.execute("SELECT table_key, row_key, col_key, note FROM cell_values"
                                        " WHERE report_id = ? AND note <> ''", (rid,)).fetchall()
                for (rid,) in store.conn.execute("SELECT id FROM reports").fetchall()}

    conn = sqlite3.connect(path)
    before = notes_by_scan(type("S", (), {"conn": conn})())
    conn.close()
    store = Store.open(path)
    try:
        assert store.schema_version == SCHEMA_VERSION >= 11
        assert store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'cell_values_noted'").fetchone()
        assert notes_by_scan(store) == before and sum(map(len, before.values())) > 3
        for rid, rows in before.items():
            assert list(store.notes(rid).items()) == [((t, r, c), n) for t, r, c, n in rows]
            assert store.load(rid).notes == store.notes(rid)
        assert ("zz", "r1", "c") in store.notes(report) and ("aa", "r9", "c") not in store.notes(other)
        kept = {rid: store.notes(rid) for rid in before}
        store.conn.execute("DROP INDEX cell_values_noted")  # taken away by hand: the same notes, read slower
        assert {rid: store.notes(rid) for rid in before} == kept
        assert store.load(report).notes == kept[report]
    finally:
        store.close()
