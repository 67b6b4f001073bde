"""The submission export: real workbooks written to disk and read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from export.atomic import atomic_write
from export.checksum import FileIdentity, MapRecord, canonical_bytes, map_checksum, values_checksum
from export.errors import ExportError
from export.submission import (
    BLOCKED_TEXT,
    CELLS_SHEET,
    META_SHEET,
    NOTES_SHEET,
    ExportBlocked,
    ExportResult,
    export_submission,
)
from forms.catalogue import FormCatalogue
from forms.loader import load_form_text
from storage.demo import DEMO_PERIODS
from storage.workspace import Workspace
from tests.cell_map import cell_map, cell_rows, checksum_from_workbook

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)
FORM = "energy_consumption"
SHEET = "永节统1表"

LIST_FORM = """
key: unit_list
code: "永节统2表/清单:测试"
name: 重点用能单位清单
authority: 重庆市永川区统计局
approval_authority: 重庆市永川区统计局
approval_no: 永统函〔2025〕1号
valid_until: 2027年12月
period_type: 年报
version: 2
order: 20
notes: ["1. 测试用清单表。"]
tables:
  - key: units
    title: 重点用能单位
    kind: list
    columns:
      - {key: name, label: 单位名称, type: text, width: 30}
      - {key: remark, label: 备注, type: text}
      - {key: energy, label: 综合能耗, type: number, unit: 吨标准煤, decimals: 2}
      - {key: share, label: 折算, type: number, decimals: 1, formula: "energy / 10"}
"""


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Export folder of its own (the test database lives in tmp_path/data)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# -- helpers -----------------------------------------------------------------------------------------

def report_id(ws: Workspace, township_id: int, period: str = "2025", form: str = FORM) -> int:
    return ws.open_report(township_id, form, period).report.id


def sheet_values(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True)]


def all_text(sheet) -> list[str]:
    return [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]


def cell_row_of(sheet, first_value) -> int:
    return next(row[0].row for row in sheet.iter_rows(min_col=1, max_col=1) if row[0].value == first_value)


def find_row(sheet, label: str) -> int:
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return row[0].row
    raise AssertionError(f"row {label!r} not found")


def meta(wb) -> dict:
    return {k: v for k, v in wb[META_SHEET].iter_rows(values_only=True)}


def body_value(wb, row_key: str, col_key: str, form: str = FORM, table: str = "energy"):
    sheet, address = cell_map(wb)[(form, table, row_key, col_key)]
    return wb[sheet][address]


# -- the demo export -----------------------------------------------------------------------------------

def test_demo_2025_exports_in_statistical_layout(workspace, demo_township, out_dir):
    out = out_dir / "演示镇2025.xlsx"
    result = export_submission(workspace, demo_township.id, "2025", out, form_keys=[FORM], now=NOW)

    assert isinstance(result, ExportResult)
    assert result.path == out and out.is_file()
    assert result.form_keys == (FORM,) and result.warning_count == 1  # W007 on 其他能源, explained by its 说明
    assert [p.name for p in out_dir.iterdir() if p.name.startswith(".")] == []  # no temporary file left

    wb = load_workbook(out)
    assert wb.sheetnames[0] == SHEET
    ws = wb[SHEET]
    texts = all_text(ws)
    assert ws["A1"].value == "镇街能源消费统计表" and ws["A1"].font.b
    title = next(r for r in ws.merged_cells.ranges if r.min_row == r.max_row == 1 and r.min_col == 1)
    assert title.max_col > 1  # the title spans the first page across (export.print_layout)
    assert any(t.startswith("表") and t.endswith("号：永节统1表") for t in texts)
    assert "制定机关：重庆市永川区统计局" in texts
    assert "批准(备案)文号：（待备案）" in texts  # never invented; the window shows the same placeholder
    assert "有效期至：2027年12月" in texts
    assert "填报单位：演示镇（示例数据）" in texts
    assert "统计代码：500118999000" in texts
    assert "2025年" in texts

    header = find_row(ws, "能源品种")
    assert [c.value for c in ws[header]][:5] == ["能源品种", "计量单位", "代码", "期初库存量", "购进量"]
    assert [c.value for c in ws[header + 1]] == ["甲", "乙", "丙", *(str(n) for n in range(1, 21))]

    power = find_row(ws, "电力")
    assert [c.value for c in ws[power]][:3] == ["电力", "万千瓦时", "34"]
    consumption = ws.cell(power, 7)  # 消费量 is column 4 (after 期初库存量, 购进量, 购进金额)
    assert consumption.value == pytest.approx(19380.9)
    assert consumption.number_format == "#,##0.00"
    assert ws.cell(power, 18).value == pytest.approx(19380.9 * 1.229, abs=0.01)  # 15 折标准煤(当量值)
    assert ws.cell(power, 16).number_format == "#,##0.0000"  # 13 参考折标系数

    total = find_row(ws, "能源合计")
    assert ws.cell(total, 7).value == BLOCKED_TEXT  # a total row has no consumption
    assert ws.cell(total, 18).value == pytest.approx(46497.85, abs=0.01)
    items = [ws.cell(r, 18).value for r in range(header + 2, total) if isinstance(ws.cell(r, 18).value, (int, float))]
    assert ws.cell(total, 18).value == pytest.approx(sum(items), abs=0.01)
    assert ws.cell(total, 20).value >= ws.cell(total, 18).value
    assert ws.cell(total, 23).value == pytest.approx(ws.cell(total, 20).value)  # 综合能源消费量: nothing to deduct
    assert ws.cell(power, 1).border.left.style == "thin"

    assert "说明：" in texts and any(t.startswith("1. 本表由镇街统计员") for t in texts)
    footer = next(t for t in texts if t.startswith("单位负责人："))
    for part in ("单位负责人：张明", "统计负责人：李华", "填表人：王芳", "联系电话：023-49800000", "报出日期：2026年01月05日"):
        assert part in footer

    # Protection and print setup.
    assert ws.protection.sheet
    assert all(ws.cell(r, c).protection.locked for r in (1, power, total) for c in (1, 4, 6))
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape"
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and 90 <= ws.page_setup.scale <= 100  # ≥ 9 pt on paper
    assert ws.print_title_cols == "$A:$C"  # the pages across repeat 甲 乙 丙
    assert ws.print_title_rows is None  # each table fits a page: no header repeated over another table
    second_title = find_row(ws, "地区生产总值与能耗")
    breaks = [b.id for b in ws.row_breaks.brk]
    assert second_title - 1 in breaks  # the second table starts a page, with its title
    assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text and "演示镇" in ws.oddHeader.left.text
    assert ws.print_area

    # Hidden machine-readable sheets.
    assert wb[META_SHEET].sheet_state == "hidden" and wb[CELLS_SHEET].sheet_state == "hidden"
    assert wb[META_SHEET].protection.sheet and wb[CELLS_SHEET].protection.sheet
    assert wb[NOTES_SHEET].sheet_state == "visible" and wb[NOTES_SHEET].protection.sheet
    info = meta(wb)
    assert info["format"] == "jnjp-submission" and info["format_version"] == 3
    assert info["township_name"] == "演示镇（示例数据）" and info["township_stat_code"] == "500118999000"
    assert info["period"] == "2025" and info["forms"] == "energy_consumption@3"
    assert info["program_version"] == __import__("version").VERSION
    assert info["export_time"] == "2026-01-05T09:30:00"
    assert info["sha256"] == result.sha256 == checksum_from_workbook(wb)
    # 13 fuels × 7 columns, less 其他煤炭/液化天然气/燃料油 (blank: consumption, both tce, both 综合能源消费量) + 4 totals;
    # indicators: GDP ×2, 可比价 GDP ×2, 综合能源消费量 ×2, 原料用能 base, 强度 ×2, 降低率
    assert info["cell_count"] == 90

    assert body_value(wb, "electricity", "consumption").coordinate == consumption.coordinate
    assert workspace.report(report_id(workspace, demo_township.id)).status == "已导出"


def test_checksum_changes_when_a_cell_is_altered(workspace, demo_township, out_dir):
    out = out_dir / "a.xlsx"
    result = export_submission(workspace, demo_township.id, "2025", out, now=NOW)
    wb = load_workbook(out)
    body_value(wb, "diesel", "consumption").value = 2015.4
    assert checksum_from_workbook(wb) != result.sha256


def test_canonical_format_is_pinned():
    entries = [
        ("f", 1, "t", "r2", "a", 3.0, None),
        ("f", 1, "t", "r1", "b", "=1+1", ""),
        ("f", 1, "t", "r1", "a", 0.1, "说明文字"),
        ("f", 1, "t", "r3", "a", None, None),  # neither value nor note: left out
        ("f", 1, "t", "r4", "a", None, "只有说明"),
    ]
    expected = ('["jnjp-values",1]\n'
                '["f",1,"t","r1","a","n","0.1","说明文字"]\n'
                '["f",1,"t","r1","b","s","=1+1",""]\n'
                '["f",1,"t","r2","a","n","3",""]\n'
                '["f",1,"t","r4","a","","","只有说明"]\n').encode()
    assert canonical_bytes(entries) == expected
    assert values_checksum(entries) == hashlib.sha256(expected).hexdigest()
    # 3 and 3.0 are the same value; the text "3" is not.
    assert values_checksum([("f", 1, "t", "r", "c", 3, None)]) == values_checksum([("f", 1, "t", "r", "c", 3.0, None)])
    assert values_checksum([("f", 1, "t", "r", "c", 3, None)]) != values_checksum([("f", 1, "t", "r", "c", "3", None)])
    assert values_checksum(reversed(entries)) == values_checksum(entries)
    for line in canonical_bytes(entries).decode("utf-8").splitlines():
        json.loads(line)


def test_format_3_canonical_text_is_pinned():
    identity = FileIdentity("jnjp-submission", "演示镇", "500118", "", "2025", "f@1")
    records = [MapRecord("S", "D9", "f", 1, "t", "r1", "a,,b", "i-c", [3.0, None, "=1+1"], ["说明", None, None]),
               MapRecord("S", "B10", "f", 1, "l", "r2", "x", "i", [0.1], [None])]
    text = ('["jnjp-file",3]\n["file","jnjp-submission","演示镇","500118","","2025","f@1"]\n'
            '["f",1,"t","r1","S","D9","a,,b","i-c",["n3","","s=1+1"],["说明","",""]]\n'
            '["f",1,"l","r2","S","B10","x","i",["n0.1"],[""]]\n')
    assert map_checksum(identity, records, with_values=True) == hashlib.sha256(text.encode()).hexdigest()
    blank = text.replace('["n3","","s=1+1"],["说明","",""]', "[],[]").replace('["n0.1"],[""]', "[],[]")
    assert map_checksum(identity, records, with_values=False) == hashlib.sha256(blank.encode()).hexdigest()
    # 3 and 3.0 are the same value, the text "3" is not; a value Excel cannot hold is no checksum
    same = [records[0]._replace(values=[3, None, "=1+1"]), records[1]]
    assert map_checksum(identity, same, with_values=True) == map_checksum(identity, records, with_values=True)
    other = [records[0]._replace(values=["3", None, "=1+1"]), records[1]]
    assert map_checksum(identity, other, with_values=True) != map_checksum(identity, records, with_values=True)
    for bad in (float("inf"), float("nan"), True):
        with pytest.raises(ValueError):
            map_checksum(identity, [records[1]._replace(values=[bad])], with_values=True)


# -- refusals --------------------------------------------------------------------------------------------

def refused_export(workspace, township_id, cell, typed, out):
    """Type ``typed`` into ``cell`` of the demo 2025 report; the export must be refused."""
    rid = report_id(workspace, township_id)
    workspace.edit(rid, cell, typed)
    with pytest.raises(ExportBlocked) as info:
        export_submission(workspace, township_id, "2025", out, form_keys=[FORM], now=NOW)
    return rid, info.value


def test_error_refuses_export_and_writes_nothing(workspace, demo_township, out_dir):
    rid, exc = refused_export(workspace, demo_township.id, ("energy", "diesel", "consumption"), "-5",
                              out_dir / "refused.xlsx")
    assert "柴油" in str(exc) and "消费量" in str(exc) and "共1条" in str(exc)
    assert [f.severity for f in exc.findings] == ["错误"] and exc.findings[0].row == "diesel"
    assert exc.problems == []
    assert list(out_dir.iterdir()) == []
    assert workspace.report(rid).status != "已导出"


def test_unexplained_warning_refuses_until_a_real_note(workspace, demo_township, out_dir):
    out = out_dir / "w.xlsx"
    rid, exc = refused_export(workspace, demo_township.id, ("energy", "electricity", "consumption"), "600000", out)
    # 600000 is both implausible (W003) and +3000 % on last year (C001): one 说明 on the cell explains both.
    assert [(f.severity, f.rule_id, f.row, f.col) for f in exc.findings] == [
        ("警告", "W003", "electricity", "consumption"), ("警告", "C001", "electricity", "consumption")]
    assert "电力" in str(exc) and "缺少说明" in str(exc)

    workspace.set_note(rid, ("energy", "electricity", "consumption"), "无误")  # not an explanation
    with pytest.raises(ExportBlocked):
        export_submission(workspace, demo_township.id, "2025", out, form_keys=[FORM], now=NOW)
    assert not out.exists()

    note = "本年新建大型数据中心投产，用电量大幅增加"
    workspace.set_note(rid, ("energy", "electricity", "consumption"), note)
    result = export_submission(workspace, demo_township.id, "2025", out, form_keys=[FORM], now=NOW)
    assert result.warning_count == 3  # and the demo's explained W007 on 其他能源

    wb = load_workbook(out)
    cell = body_value(wb, "electricity", "consumption")
    assert cell.value == 600000 and note in cell.comment.text
    rows = sheet_values(wb[NOTES_SHEET])
    listed = [r for r in rows if r[0] == 1]
    assert len(listed) == 1
    _, form_name, row_name, column_name, text, explained = listed[0]
    # named as on paper: form, row and column labels; no cell address, no rule code
    assert form_name == "镇街能源消费统计表" and "电力" in row_name and column_name == "消费量"
    assert not any(cell.coordinate in str(v) or "W003" in str(v) for v in listed[0])
    assert wb[NOTES_SHEET].cell(cell_row_of(wb[NOTES_SHEET], 1), 5).alignment.wrap_text
    assert "50亿千瓦时" in text and explained == note
    assert (note in {r[8] for r in cell_rows(wb)[1:]})
    assert meta(wb)["sha256"] == result.sha256 == checksum_from_workbook(wb)


def test_all_zero_consumption_warns_on_the_total(workspace, demo_township, out_dir):
    rid = report_id(workspace, demo_township.id)
    rows = [r.key for r in workspace.form(FORM).table("energy").item_rows]
    workspace.edit_many(rid, [(("energy", r, "consumption"), 0) for r in rows])
    with pytest.raises(ExportBlocked) as info:
        export_submission(workspace, demo_township.id, "2025", out_dir / "z.xlsx", form_keys=[FORM], now=NOW)
    found = [(f.rule_id, f.row, f.col) for f in info.value.findings]
    assert found[0] == ("W001", "total", "tce_equal")
    # Every fuel that had consumption last year now dropped by 100 %: each is a C001 警告 too.
    # (其他能源's 说明 — fuel, quantity, coefficient — explains its cell's 警告s)
    assert sorted(found[1:]) == sorted(("C001", k, "consumption") for k, v in DEMO_PERIODS["2024"].items()
                                       if v and k != "other")
    assert "能源合计" in str(info.value)


def test_unfilled_form_refuses(workspace, out_dir):
    town = next(t for t in workspace.townships() if not t.is_demo)
    with pytest.raises(ExportBlocked) as info:
        export_submission(workspace, town.id, "2025", out_dir / "empty.xlsx", now=NOW)
    assert info.value.problems == [f"《{f.name}》尚未填报" for f in workspace.catalogue]
    assert "尚未填报" in str(info.value)
    assert list(out_dir.iterdir()) == []


def test_bad_form_key_and_period(workspace, demo_township, out_dir):
    with pytest.raises(ExportError, match="没有表式"):
        export_submission(workspace, demo_township.id, "2025", out_dir / "x.xlsx", form_keys=["nope"])
    with pytest.raises(ExportError, match="季报"):
        export_submission(workspace, demo_township.id, "2025Q1", out_dir / "x.xlsx")


# -- atomic writes ------------------------------------------------------------------------------------------

def test_atomic_write_failure_leaves_previous_file(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous")

    def broken(fh):
        fh.write(b"half a file")
        raise ValueError("boom")

    with pytest.raises(ExportError) as info:
        atomic_write(target, broken)
    assert str(target) in str(info.value) and "boom" in str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]

    fresh = tmp_path / "new.xlsx"
    with pytest.raises(ExportError):
        atomic_write(fresh, broken)
    assert not fresh.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]

    atomic_write(target, lambda fh: fh.write(b"complete"))
    assert target.read_bytes() == b"complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_disk_full_gives_chinese_error(workspace, demo_township, out_dir, monkeypatch):
    target = out_dir / "full.xlsx"
    target.write_bytes(b"previous")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(ExportError) as info:
        export_submission(workspace, demo_township.id, "2025", target, now=NOW)
    assert not isinstance(info.value, ExportBlocked)
    assert "无法写入文件" in str(info.value) and "磁盘已满" in str(info.value) and str(target) in str(info.value)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in out_dir.iterdir()) == ["full.xlsx"]
    assert workspace.report(report_id(workspace, demo_township.id)).status != "已导出"


def test_read_only_folder_gives_export_error(workspace, demo_township, out_dir):
    folder = out_dir / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running with privileges that ignore folder permissions")
        with pytest.raises(ExportError) as info:
            export_submission(workspace, demo_township.id, "2025", folder / "x.xlsx", now=NOW)
        assert "没有写入权限" in str(info.value)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_file_open_elsewhere_gives_export_error(tmp_path, monkeypatch):
    """On Windows, replacing a file that Excel has open fails with PermissionError."""
    target = tmp_path / "open.xlsx"
    target.write_bytes(b"previous")

    def locked(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(ExportError, match="没有写入权限"):
        atomic_write(target, lambda fh: fh.write(b"new"))
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["open.xlsx"]


def test_missing_folder_gives_export_error(workspace, demo_township, out_dir):
    with pytest.raises(ExportError, match="文件夹不存在"):
        export_submission(workspace, demo_township.id, "2025", out_dir / "gone" / "x.xlsx", now=NOW)


# -- list tables, literal text, determinism -------------------------------------------------------------------

@pytest.fixture
def list_workspace(workspace):
    form = load_form_text(LIST_FORM, "unit_list.yaml", workspace.catalogue.reference)
    catalogue = FormCatalogue([*workspace.catalogue.forms, form], workspace.catalogue.reference)
    return Workspace(workspace.store, catalogue, user="测试员")


def test_list_table_exports_with_literal_text(list_workspace, out_dir):
    ws = list_workspace
    town = ws.store.add_township("测试镇")  # no 统计代码 yet
    rid = report_id(ws, town.id, form="unit_list")
    rows = {
        "=1+1": ("+86 023", 12.5),
        "@SUM(A1)": ("-5", 3),
        "#N/A": ("=HYPERLINK(\"http://x\")", 0.1 + 0.2),
    }
    keys = []
    for name, (remark, energy) in rows.items():
        key = ws.store.add_list_row(rid, "units", ws.user)
        keys.append(key)
        ws.edit_many(rid, [(("units", key, "name"), name), (("units", key, "remark"), remark),
                           (("units", key, "energy"), energy)])
    out = out_dir / "list.xlsx"
    result = export_submission(ws, town.id, "2025", out, form_keys=["unit_list"], now=NOW)
    assert result.form_keys == ("unit_list",)

    wb = load_workbook(out)
    assert wb.sheetnames[0] == "永节统2表_清单_测试"
    sheet = wb.worksheets[0]
    texts = all_text(sheet)
    assert "统计代码：（统计代码待定）" in texts and "填报单位：测试镇" in texts
    assert "批准(备案)文号：永统函〔2025〕1号" in texts
    header = find_row(sheet, "序号")
    assert [c.value for c in sheet[header]] == ["序号", "单位名称", "备注", "综合能耗（吨标准煤）", "折算"]
    assert [c.value for c in sheet[header + 1]] == ["甲", "1", "2", "3", "4"]
    body = [[c.value for c in sheet[header + 2 + i]] for i in range(3)]
    assert [r[0] for r in body] == [1, 2, 3]
    for (name, (remark, energy)), row in zip(rows.items(), body):
        assert row[1] == name and row[2] == remark
        assert row[3] == pytest.approx(energy) and row[4] == pytest.approx(energy / 10)
    for r in range(header + 2, header + 5):
        for c in (2, 3):
            assert sheet.cell(r, c).data_type == "s"  # text, never a formula or an error value
    assert sheet.cell(header + 2, 2).quotePrefix  # Excel keeps it text even if someone edits the cell
    assert not [c.coordinate for s in wb.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert "单位负责人：" in next(t for t in texts if t.startswith("单位负责人："))

    mapped = cell_map(wb)
    assert mapped[("unit_list", "units", keys[0], "name")] == (sheet.title, f"B{header + 2}")
    info = meta(wb)
    assert info["forms"] == "unit_list@2" and info["township_stat_code"] in ("", None)
    assert info["sha256"] == result.sha256 == checksum_from_workbook(wb)


def test_same_data_gives_same_workbook(workspace, demo_township, out_dir):
    rid = report_id(workspace, demo_township.id)
    workspace.set_note(rid, ("energy", "coke", "consumption"), "焦炭用量按实际称重")
    first = export_submission(workspace, demo_township.id, "2025", out_dir / "1.xlsx", now=NOW)
    second = export_submission(workspace, demo_township.id, "2025", out_dir / "2.xlsx",
                               now=NOW.replace(hour=17, minute=45))
    assert first.sha256 == second.sha256
    a, b = load_workbook(out_dir / "1.xlsx"), load_workbook(out_dir / "2.xlsx")
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        rows_a, rows_b = sheet_values(a[name]), sheet_values(b[name])
        if name == META_SHEET:
            rows_a = [r for r in rows_a if r[0] != "export_time"]
            rows_b = [r for r in rows_b if r[0] != "export_time"]
        assert rows_a == rows_b, name
    assert meta(a)["export_time"] != meta(b)["export_time"]


def test_existing_file_is_replaced_whole(workspace, demo_township, out_dir):
    out = out_dir / "again.xlsx"
    out.write_bytes(b"old export")
    export_submission(workspace, demo_township.id, "2025", out, now=NOW)
    assert load_workbook(out).sheetnames[0] == SHEET
    assert sorted(p.name for p in out_dir.iterdir()) == ["again.xlsx"]


def test_export_core_never_imports_qt():
    root = Path(__file__).resolve().parent.parent / "export"
    for path in root.glob("*.py"):
        assert "PySide" not in path.read_text(encoding="utf-8"), path.name
