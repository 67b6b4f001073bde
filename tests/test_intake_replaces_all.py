"""Issue 11 leftovers on real files: a refused file leaves the district database FILE
byte-identical yet stands in the register (拒收 with its reason, from the refused log beside the
database: Workspace, CLI, register workbook, the window's register table); a later file of the
same township and period replaces everything the earlier one brought — a form it leaves out is
emptied (its old figures stay in the audit trail) and shows as 未收到."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from district.completeness import CellState, completeness
from district.intake import Verdict, intake_files
from main import main
from storage.district_store import refused_log_path
from storage.workspace import Workspace
from tests.district_helpers import copy_as, reexport
from tests.hostile_files import sheet_xml, xlsx_bytes, zip_bytes
from tests.stored import dump_cells

BIOGAS = ("agriculture", "items", "biogas", "value")
LEFT_OUT = ("agriculture", "key_energy_units")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def district_db(tmp_path: Path, township_files, catalogue) -> Path:
    """A closed district database that has received one township's file."""
    db = tmp_path / "区库.sqlite"
    ws = Workspace.create_district(db, catalogue=catalogue, user="区统计局")
    try:
        intake_files(ws, [township_files["仙龙镇"]], backup=False)
    finally:
        ws.close()
    return db


def _hostile_files(folder: Path, township_files) -> dict[str, Path]:
    """Unreadable, hostile and wrong-kind files, and one already received (a duplicate)."""
    folder.mkdir(parents=True, exist_ok=True)
    far = sheet_xml("<row r='1'><c r='A1'><v>1</v></c><c r='XFD1048576'><v>2</v></c></row>")
    crafted = {"空文件.xlsx": b"", "不是压缩包.xlsx": b"PK\x03\x04 not a zip at all",
               "远角.xlsx": xlsx_bytes({"S": far}), "Word文档.xlsx": zip_bytes({"word/document.xml": b"<w/>"})}
    files = {name: folder / name for name in crafted}
    for name, data in crafted.items():
        files[name].write_bytes(data)
    files["重复.xlsx"] = copy_as(township_files["仙龙镇"], folder, "重复.xlsx")
    return files


def test_refused_files_leave_the_database_file_byte_identical(district_db: Path, township_files, catalogue,
                                                              tmp_path: Path) -> None:
    files = _hostile_files(tmp_path / "U盘", township_files)
    before = _sha(district_db)
    ws = Workspace.open(district_db, catalogue=catalogue, demo=False, user="区统计局")
    try:
        batch = intake_files(ws, list(files.values()))  # with the batch's backup, as the window does
    finally:
        ws.close()
    assert _sha(district_db) == before
    assert [r.verdict for r in batch.results] == [Verdict.REFUSED] * 4 + [Verdict.DUPLICATE]
    # the register still shows each of them, newest first, with its reason
    ws = Workspace.open(district_db, catalogue=catalogue, demo=False)
    try:
        lines = ws.intake_lines("2025")
    finally:
        ws.close()
    assert [line.file_name for line in lines] == [*reversed(list(files)), "仙龙镇_2025.xlsx"]
    assert [line.shown_verdict for line in lines] == ["与已接收文件相同（重复）"] + ["拒收"] * 4 + ["已接收"]
    reasons = {line.file_name: "；".join(line.reasons) for line in lines}
    assert "空文件" in reasons["空文件.xlsx"] and "过大" in reasons["远角.xlsx"]
    assert "不是 Excel 工作簿" in reasons["Word文档.xlsx"] and "完全相同" in reasons["重复.xlsx"]
    assert all(line.sha256 == _sha(files[line.file_name]) for line in lines[:5])


def test_the_command_line_keeps_the_database_file_and_the_register_workbook_lists_the_refusal(
        district_db: Path, tmp_path: Path, capsys) -> None:
    import openpyxl

    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"\x00" * 64)
    before = _sha(district_db)
    assert main(["intake", str(bad), "--db", str(district_db), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [f["verdict"] for f in report["files"]] == ["拒收"] and report["files"][0]["reasons"]
    assert _sha(district_db) == before
    assert refused_log_path(district_db).exists()
    from district.register_file import export_register

    ws = Workspace.open(district_db, demo=False)
    try:
        assert export_register(ws, tmp_path / "登记簿.xlsx", "2025") == 2
    finally:
        ws.close()
    rows = list(openpyxl.load_workbook(tmp_path / "登记簿.xlsx").active.iter_rows(values_only=True))
    assert [(r[1], r[4]) for r in rows[1:]] == [("坏.xlsx", "拒收"), ("仙龙镇_2025.xlsx", "已接收")]
    assert "不是 Excel/WPS/LibreOffice 工作簿" in rows[1][5]


def test_a_line_torn_by_a_crash_is_skipped_and_the_next_one_reads(district_db: Path, tmp_path: Path) -> None:
    log = refused_log_path(district_db)
    log.write_bytes(b'{"received_at": "2026-01-01T00:00:00", "file_name": "\xe5\x8d')  # cut mid-line
    bad = tmp_path / "空.xlsx"
    bad.write_bytes(b"")
    ws = Workspace.open(district_db, demo=False)
    try:
        intake_files(ws, [bad], backup=False)
        assert [line.file_name for line in ws.intake_lines()] == ["空.xlsx", "仙龙镇_2025.xlsx"]
    finally:
        ws.close()
    assert log.read_bytes().count(b"\n") == 2


def test_the_window_register_shows_the_refused_file(qtbot, district_db: Path, tmp_path: Path, catalogue) -> None:
    from district.register_file import REGISTER_HEADER
    from ui.district_window import DistrictWindow

    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"")
    ws = Workspace.open(district_db, catalogue=catalogue, demo=False, user="区统计局")
    intake_files(ws, [bad], backup=False)
    window = DistrictWindow(ws)
    qtbot.addWidget(window)
    window.period_combo.setCurrentIndex(window.period_combo.findData("2025"))
    window.refresh()
    table = window.register_table
    shown = [(table.item(r, REGISTER_HEADER.index("文件名")).text(), table.item(r, REGISTER_HEADER.index("结论")).text(),
              table.item(r, REGISTER_HEADER.index("原因")).text()) for r in range(table.rowCount())]
    assert [s[:2] for s in shown] == [("坏.xlsx", "拒收"), ("仙龙镇_2025.xlsx", "已接收")]
    assert "空文件" in shown[0][2]
    window.close()


def _value(ws: Workspace, town: str, key: tuple[str, str, str, str]):
    data = ws.find_report_data(ws.find_township(town).id, key[0], "2025")
    return None if data is None else data.values.get(key[1:])


def test_a_form_the_later_file_leaves_out_is_emptied_and_shows_as_not_received(
        tmp_path: Path, township_files, catalogue) -> None:
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        first = township_files["三教镇"]
        intake_files(ws, [first], backup=False)
        town = ws.find_township("三教镇")
        old = _value(ws, "三教镇", BIOGAS)
        units = ws.find_report_data(town.id, "key_energy_units", "2025")
        assert old is not None and any(units.list_rows.values())
        kept = [f.key for f in catalogue if f.key not in LEFT_OUT]
        second = reexport(first, tmp_path / "三教镇_补报.xlsx", catalogue, form_keys=kept)
        result = intake_files(ws, [second], backup=False).results[0]
        assert result.applied and result.replaced == 1 and sorted(result.cleared) == sorted(LEFT_OUT)
        assert any("此前收到的数据已清除" in r for r in result.reasons)
        for key in LEFT_OUT:  # nothing of the earlier file's figures is in force
            data = ws.find_report_data(town.id, key, "2025")
            assert not data.values and not data.notes and not any(data.list_rows.values())
        assert _value(ws, "三教镇", ("energy_consumption", "energy", "raw_coal", "consumption")) is not None
        # the old figures stay in the audit trail
        report = ws.find_report_data(town.id, "agriculture", "2025").report
        trail = [a for a in ws.cell_changes(report.id, BIOGAS[1:]) if a["field"] == "value"]
        assert trail[-1]["old"] == old and trail[-1]["new"] is None
        matrix = completeness(ws, "2025")
        assert {key: matrix.state(town.id, key) for key in LEFT_OUT} == dict.fromkeys(LEFT_OUT, CellState.MISSING)
        assert all(matrix.state(town.id, key) != CellState.MISSING for key in kept)
        assert [line.shown_verdict for line in ws.intake_lines("2025", town.id)] == ["已接收", "已被替代"]
    finally:
        ws.close()


def test_emptying_an_audited_form_needs_confirmation(tmp_path: Path, township_files, catalogue) -> None:
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        first = township_files["永荣镇"]
        intake_files(ws, [first], backup=False)
        town = ws.find_township("永荣镇")
        ws.set_district_mark(town.id, "2025", ["agriculture"], "已审核")
        kept = [f.key for f in catalogue if f.key != "agriculture"]
        second = reexport(first, tmp_path / "永荣镇_补报.xlsx", catalogue, form_keys=kept)
        refused = intake_files(ws, [second], backup=False).results[0]
        assert refused.verdict == Verdict.REFUSED and refused.needs_confirmation
        assert _value(ws, "永荣镇", BIOGAS) is not None
        confirmed = intake_files(ws, [second], backup=False, confirm_replace=True).results[0]
        assert confirmed.applied and confirmed.cleared == ["agriculture"]
        assert _value(ws, "永荣镇", BIOGAS) is None and ws.district_mark(town.id, "2025", "agriculture") is None
    finally:
        ws.close()


def test_the_intake_bulk_writer_stores_what_set_values_stores(tmp_path: Path, catalogue) -> None:
    """``replace_values`` (one query, executemany) against ``Store.set_values`` (cell by cell) on two
    copies of one database: the same values, audit trail and first values, timestamps aside."""
    import shutil
    import sqlite3

    from storage.district_store import replace_values

    original = tmp_path / "a.sqlite"
    ws = Workspace.open(original, catalogue=catalogue, user="测试员")
    town = next(t for t in ws.townships() if t.is_demo)
    data = ws.find_report_data(town.id, "energy_consumption", "2025")
    report_id, stored = data.report.id, sorted(data.values.items())
    ws.close()
    (cell0, v0), (cell1, v1), (cell2, _v2) = stored[:3]
    changes = [(cell0, v0), (cell1, None), (cell2, 1e308), (("energy", "raw_coal", "note_free"), 3),
               (("energy", "new_row", "consumption"), 3.0), (stored[3][0], "文字"), (stored[4][0], float(7))]
    copy = Path(shutil.copy(original, tmp_path / "b.sqlite"))
    for path, bulk in ((original, False), (copy, True)):
        ws = Workspace.open(path, catalogue=catalogue, demo=False, user="测试员")
        with ws.store.atomic():
            if bulk:
                assert replace_values(ws.store, report_id, changes, "测试员", "收件")[0] == 6
            else:
                assert ws.store.set_values(report_id, changes, "测试员", "收件") == 6
        ws.close()

    def dump(path: Path) -> dict[str, list[tuple]]:
        conn = sqlite3.connect(path)
        try:
            dump_cells(conn)
            return {"cells": conn.execute("SELECT report_id, table_key, row_key, col_key, value, typeof(value), note"
                                          " FROM stored_cells ORDER BY 1, 2, 3, 4").fetchall(),
                    "audit": conn.execute("SELECT id, who, report_id, table_key, row_key, col_key, field, old, new,"
                                          " typeof(new), reason FROM audit ORDER BY id").fetchall(),
                    "first": conn.execute("SELECT * FROM first_values ORDER BY 1, 2, 3, 4").fetchall(),
                    "updated": conn.execute("SELECT id, updated_at IS NOT NULL FROM reports ORDER BY id").fetchall()}
        finally:
            conn.close()

    assert dump(copy) == dump(original)


def test_a_new_database_does_not_inherit_an_old_refused_log(tmp_path: Path, catalogue) -> None:
    db = tmp_path / "区库.sqlite"
    log = refused_log_path(db)
    log.write_text('{"file_name": "旧库的文件.xlsx", "verdict": "拒收", "after_id": 0}\n', encoding="utf-8")
    ws = Workspace.create_district(db, catalogue=catalogue)
    try:
        assert ws.intake_lines() == []
    finally:
        ws.close()
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(log.name) and p != log]
    assert len(kept) == 1 and "旧库的文件" in kept[0].read_text(encoding="utf-8")  # set aside, not deleted
