"""Hostile workbooks (issue 10, points 2–6): tiny crafted files that lie about their size must be
refused before the parser allocates anything, in a real child process under a memory cap; a FIFO
named .xlsx must not hang the import; formula errors, external links, logical values and numbers
Excel would round are refused naming the cell; control characters never reach the database nor
break an export."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

import main
from export.errors import ImportRefused
from export.flat import export_flat
from export.importer import preview_import
from export.reader import read_workbook
from export.safety import MAX_CELLS, MAX_COLS, MAX_ROWS, check_file
from export.submission import export_submission, export_template
from forms.values import CellError, parse_input
from tests.cell_map import cell_rows

from . import test_import
from .hostile_files import (
    ods_bytes,
    ods_cell,
    ods_row,
    shared_strings,
    sheet_xml,
    xls_bool,
    xls_bytes,
    xls_error,
    xls_formula,
    xls_formula_error,
    xls_link_records,
    xls_merged_cells,
    xls_number,
    xls_ref3d,
    xlsx_bytes,
)

demo_file = test_import.demo_file  # the demo township's own export (fixture)
ROOT = Path(__file__).resolve().parent.parent
MEMORY_CAP = 1024**3  # the child may not map more than 1 GiB: the old reader needed 1.2–51 GB for these files
PEAK_LIMIT_MB = 250
SECONDS_LIMIT = 10.0


def _cell(address: str, value: str = "1") -> str:
    return f'<c r="{address}"><v>{value}</v></c>'


def _area_rows(rows: int, width: int) -> str:
    """A sheet spanning ``rows`` × ``width`` with two filled cells: A1 and the far corner."""
    from export.reader import cell_address

    return f'<row r="1">{_cell("A1")}</row><row r="{rows}">{_cell(cell_address(rows, width))}</row>'


# name → (file bytes, what the refusal says; None: the file is harmless and reads)
CRAFTED: dict[str, tuple[bytes, str | None]] = {
    "shared_strings_lie.xlsx": (xlsx_bytes({"S": sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')},
                                           shared_strings(["甲"], count=2_000_000_000, unique=2_000_000_000)), "声称有"),
    "far_corner.xlsx": (xlsx_bytes({"S": sheet_xml(_area_rows(MAX_ROWS, MAX_COLS))}), "单元格的范围"),
    "three_sheets.xlsx": (xlsx_bytes({f"S{i}": sheet_xml(_area_rows(MAX_CELLS // MAX_COLS // 2, MAX_COLS))
                                      for i in range(3)}), "单元格的范围"),
    "dimension_claim.xlsx": (xlsx_bytes({"S": sheet_xml(_area_rows(2, 2), dimension="A1:XFD1048576")}), None),
    "repeated.ods": (ods_bytes({"S": ods_row(ods_cell("1", repeat=MAX_COLS), repeat=MAX_ROWS)}), "单元格的范围"),
    "repeated_rows.ods": (ods_bytes({"S": ods_row(ods_cell("1")) + ods_row(ods_cell("2"), repeat=10 * MAX_ROWS)}),
                          "过大"),
    "trailing_empty.ods": (ods_bytes({"S": ods_row(ods_cell("1")) + ods_row(ods_cell("", "empty", repeat=1024),
                                                                             repeat=1_048_575)}), None),
    "dimensions_claim.xls": (xls_bytes({"S": [xls_number(0, 0, 1)]}, dimensions={"S": (2**31, 0xFFFF)}), "声称有"),
    "merged_cells_lie.xls": (xls_bytes({"S": [xls_number(0, 0, 1), xls_merged_cells(1020, [(0, 1, 0, 1)])]}),
                             "合并区域"),
    "far_corner.xls": (xls_bytes({"S": [xls_number(0, 0, 1), xls_number(MAX_ROWS - 1, 255, 1)]},
                                 dimensions={"S": (1, 1)}), "单元格的范围"),
}

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
if hasattr(resource, "RLIMIT_AS"):
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
from export.errors import ImportRefused
from export.reader import read_workbook
start = time.perf_counter()
try:
    book = read_workbook(sys.argv[1])
    outcome = {"read": {name: len(rows) for name, rows in book.grids.items()}}
except ImportRefused as exc:
    outcome = {"refused": str(exc)}
outcome["seconds"] = time.perf_counter() - start
# VmHWM: this program's own peak (ru_maxrss would include the forked parent's before exec)
status = open("/proc/self/status").read()
outcome["peak_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(outcome, ensure_ascii=False))
"""


def read_in_child(path: Path) -> dict:
    """Read ``path`` with the real reader in a child process capped at MEMORY_CAP; its outcome,
    time and peak memory (RSS)."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(ROOT), str(MEMORY_CAP)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]  # an abort (SIGABRT) or MemoryError fails here
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc/self/status: Linux")
@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_file_is_bounded_in_memory_and_time(name, tmp_path):
    data, refusal = CRAFTED[name]
    assert len(data) < 8 * 1024  # tiny files, every one
    path = tmp_path / name
    path.write_bytes(data)
    outcome = read_in_child(path)
    if refusal is None:
        assert "read" in outcome, outcome
    else:
        assert refusal in outcome.get("refused", ""), outcome
    assert outcome["peak_mb"] < PEAK_LIMIT_MB and outcome["seconds"] < SECONDS_LIMIT, outcome


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc/self/status: Linux")
def test_the_largest_file_accepted_stays_bounded(tmp_path):
    """840 bytes repeating a filled cell over exactly MAX_CELLS: the most a file that passes the
    checks can make the reader hold (measured ~320 MB, 0.3 s)."""
    path = tmp_path / "limit.ods"
    path.write_bytes(ods_bytes({"S": ods_row(ods_cell("1", repeat=MAX_COLS), repeat=MAX_CELLS // MAX_COLS)}))
    outcome = read_in_child(path)
    assert outcome.get("read") == {"S": MAX_CELLS // MAX_COLS}, outcome
    assert outcome["peak_mb"] < 500 and outcome["seconds"] < SECONDS_LIMIT, outcome


@pytest.mark.parametrize("name", sorted(n for n, (_, refusal) in CRAFTED.items() if refusal))
def test_crafted_file_refused_by_the_command_line_database_unchanged(name, workspace, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(CRAFTED[name][0])
    db = workspace.store.path
    workspace.close()
    digest = test_import.db_digest(db)
    assert main.main(["import", str(path), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "拒绝导入" in err and "Traceback" not in err
    assert test_import.db_digest(db) == digest


def test_area_limit_counts_every_sheet_exactly(tmp_path):
    rows = MAX_CELLS // MAX_COLS // 2
    path = tmp_path / "two.xlsx"
    path.write_bytes(xlsx_bytes({"A": sheet_xml(_area_rows(rows, MAX_COLS)), "B": sheet_xml(_area_rows(rows, MAX_COLS))}))
    assert check_file(path).kind == "xlsx"  # exactly MAX_CELLS
    path.write_bytes(xlsx_bytes({"A": sheet_xml(_area_rows(rows, MAX_COLS)),
                                 "B": sheet_xml(_area_rows(rows + 1, MAX_COLS))}))
    with pytest.raises(ImportRefused, match="单元格的范围"):
        check_file(path)


def test_cells_without_references_count_as_wide_as_their_longest_row(tmp_path):
    row = "<row>" + "<c><v>1</v></c>" * 400 + "</row>"
    path = tmp_path / "noref.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet_xml(row * 10)}))
    assert read_workbook(path).grids["S"][9][399] == 1
    path.write_bytes(xlsx_bytes({"S": sheet_xml(f'<row r="{MAX_CELLS // 400 + 1}">' + row[5:])}))
    with pytest.raises(ImportRefused, match="单元格的范围"):
        check_file(path)


# -- point 3: non-regular files -----------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_xlsx_is_refused_without_blocking(tmp_path, workspace):
    fifo = tmp_path / "报表.xlsx"
    os.mkfifo(fifo)
    code = ("import sys; sys.path.insert(0, sys.argv[2]); from export.safety import check_file\n"
            "from export.errors import ImportRefused\n"
            "try:\n    check_file(sys.argv[1])\nexcept ImportRefused as exc:\n    print(exc)")
    done = subprocess.run([sys.executable, "-c", code, str(fifo), str(ROOT)], capture_output=True, text=True,
                          timeout=60)  # the old check blocked here forever, waiting for a writer
    assert "不是普通文件" in done.stdout
    with pytest.raises(ImportRefused, match="不是普通文件"):
        preview_import(workspace, fifo, township_id=workspace.townships()[0].id, period="2025")


def test_a_folder_named_xlsx_is_refused(tmp_path):
    folder = tmp_path / "报表.xlsx"
    folder.mkdir()
    with pytest.raises(ImportRefused, match="不是普通文件"):
        check_file(folder)


# -- points 4 and 5: what a cell holds that is no value -----------------------------------------------

def _addresses(source: Path) -> dict[tuple[str, str], str]:
    wb = load_workbook(source, read_only=True)
    try:
        return {(r[4], r[5]): r[1] for r in cell_rows(wb)[1:]}
    finally:
        wb.close()


def _with_cells(source: Path, out: Path, cells: dict[str, str]) -> Path:
    """``source`` (a template-layout file) with the XML of some cells of its first sheet replaced."""
    with zipfile.ZipFile(source) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    part = "xl/worksheets/sheet1.xml"
    xml = parts[part].decode("utf-8")
    for address, inner in cells.items():
        xml, n = re.subn(rf'<c r="{address}"(?: [^>]*)?(?:/>|>.*?</c>)', f'<c r="{address}"{inner}</c>', xml,
                         count=1, flags=re.S)
        assert n == 1, address
    parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out


def test_formula_errors_links_logical_values_and_long_numbers_are_refused_naming_the_cell(workspace, demo_file,
                                                                                           tmp_path):
    where = _addresses(demo_file)
    plain = test_import.strip_hidden(demo_file, tmp_path / "plain.xlsx")
    crafted = {  # row key → (cell XML after the address, what the refusal must say)
        "raw_coal": (' t="e"><f>1/0</f><v>#DIV/0!</v>', "#DIV/0!"),
        "washed_coal": (' t="e"><f>VLOOKUP(1,A1:A2,2,0)</f><v>#N/A</v>', "#N/A"),
        "coke": ('><f>[1]Sheet1!$A$1</f><v>5</v>', "外部链接"),
        "natural_gas": (' t="b"><v>1</v>', "逻辑值 TRUE"),
        "lpg": ('><v>12345678901234567890</v>', "超出本栏"),
        "gasoline": (' t="inlineStr"><is><t>12345678901234567890</t></is>', "超过15位有效数字"),
        "diesel": ('><v>1E+308</v>', "超出本栏"),
        "fuel_oil": (' t="inlineStr"><is><t>1e309</t></is>', "不是有限的数值"),
    }
    path = _with_cells(plain, tmp_path / "crafted.xlsx",
                       {where[(row, "consumption")]: xml for row, (xml, _) in crafted.items()})
    preview = preview_import(workspace, path, township_id=test_import.other_township(workspace).id, period="2025")
    refused = {r.address: r.reason for r in preview.rejected}
    for row, (_, says) in crafted.items():
        assert says in refused.get(where[(row, "consumption")], ""), (row, refused)
    assert len(refused) == len(crafted)
    taken = preview.forms[0].values
    assert not [row for row in crafted if ("energy", row, "consumption") in taken]  # nothing refused is taken
    assert ("energy", "electricity", "consumption") in taken  # and the rest of the file is


def test_xlsx_error_cells_are_found_written_either_way(tmp_path):
    path = tmp_path / "e.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet_xml('<row r="1"><c r="A1" t="e"/><c r="B1"><v>5</v></c>'
                                                '<c r="C1" t="e"><v>#VALUE!</v></c><c r="D1" t="e"><f>1/0</f>'
                                                '<v>#DIV/0!</v></c><c r="E1"><f>SUM("[1]|x")</f><v>0</v></c></row>')}))
    assert read_workbook(path).grids["S"][0] == [CellError("#错误"), 5.0, CellError("#VALUE!"), CellError("#DIV/0!"), 0.0]


def test_xls_formulas_reading_another_workbook_are_external(tmp_path):
    path = tmp_path / "link.xls"
    one_plus_one = bytes([0x1E, 1, 0, 0x1E, 1, 0, 0x03])
    path.write_bytes(xls_bytes({"S": [xls_formula(0, 0, 5.0, xls_ref3d(1)), xls_formula(0, 1, 7.0, xls_ref3d(0)),
                                      xls_formula(0, 2, 2.0, one_plus_one)]},
                               global_records=xls_link_records("C:\\统计\\别的镇.xls")))
    cells = read_workbook(path).grids["S"][0]
    assert cells[0].kind == "external"  # calamine alone returns the 5 the link last fetched
    assert cells[1:] == [7.0, 2.0]  # a reference into this workbook and a plain formula stay values


def test_ods_logical_values_and_errors_and_xls_errors_are_no_numbers(tmp_path):
    from forms.spec import DEFAULT_BOUNDS, ColumnSpec

    number = ColumnSpec("a", "甲", bound=DEFAULT_BOUNDS["number"])
    ods = tmp_path / "t.ods"
    ods.write_bytes(ods_bytes({"S": ods_row(
        ods_cell("true", "boolean") + ods_cell("1") + ods_cell("#DIV/0!", "string",
                                                               extra='table:formula="of:=1/0" calcext:value-type="error"')
        + ods_cell("7", extra="table:formula=\"of:='file:///C:/x.ods'#$Sheet1.A1\""))}))
    xls = tmp_path / "t.xls"
    xls.write_bytes(xls_bytes({"S": [xls_bool(0, 0, True), xls_number(0, 1, 1), xls_error(0, 2, "#DIV/0!"),
                                     xls_formula_error(0, 3, "#N/A")]}))
    ods_row_read = read_workbook(ods).grids["S"][0]
    xls_row_read = read_workbook(xls).grids["S"][0]
    assert ods_row_read[:3] == [True, 1.0, CellError("#DIV/0!")] and ods_row_read[3].kind == "external"
    assert xls_row_read == [True, 1.0, CellError("#DIV/0!"), CellError("#N/A")]
    assert "逻辑值 TRUE" in parse_input(number, ods_row_read[0]).error
    assert "外部链接" in parse_input(number, ods_row_read[3]).error
    assert "#N/A" in parse_input(number, xls_row_read[3]).error


# -- point 6: control characters ----------------------------------------------------------------------

def test_escaped_control_characters_in_a_file_are_removed_at_input(tmp_path):
    from forms.spec import ColumnSpec

    path = tmp_path / "esc.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>永川_x001B_区_x000B__x0000_镇</t></is></c></row>')}))
    raw = read_workbook(path).grids["S"][0][0]
    assert "\x1b" in raw  # what the parser decodes
    assert parse_input(ColumnSpec("n", "单位名称", type="text"), raw).value == "永川区镇"


def test_profile_is_cleaned_in_the_core(workspace, demo_township):
    town = workspace.update_profile(demo_township.id, name="演示\x1b镇", unit_head="张\x0b三 ", note="备\x00注").township
    assert (town.name, town.unit_head, town.note) == ("演示镇", "张三", "备注")


def test_stored_control_characters_never_break_an_export(workspace, demo_township, tmp_path):
    db = workspace.store.path
    conn = sqlite3.connect(str(db))
    with conn:  # as an older version stored them: straight into the database
        conn.execute("UPDATE townships SET name = ?, unit_head = ?, filler = ?, note = ? WHERE id = ?",
                     ("演示\x1b镇\x00", "张\x0b三", "李\x07四", "备\x0c注\x85", demo_township.id))
        changed = conn.execute("UPDATE cell_values SET note = note || ? WHERE note != '' AND report_id IN "
                               "(SELECT id FROM reports WHERE township_id = ?)", ("\x1b\x0b", demo_township.id))
        assert changed.rowcount >= 3  # the 说明 of the demo's 警告
    conn.close()
    outputs = {
        "submission": lambda p: export_submission(workspace, demo_township.id, "2025", p),
        "template": lambda p: export_template(workspace, "2025", p, township_id=demo_township.id),
        "flat": lambda p: export_flat(workspace, p, township_id=demo_township.id),
    }
    for kind, write in outputs.items():
        out = tmp_path / f"{kind}.xlsx"
        write(out)
        wb = load_workbook(out)
        texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert any("演示镇" in t for t in texts), kind
        assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x85]", t) for t in texts), kind
        assert "\x1b" not in (wb.properties.title or "")
    csv = tmp_path / "flat.csv"
    export_flat(workspace, csv, township_id=demo_township.id)
    assert "演示镇" in csv.read_text(encoding="utf-8-sig") and "\x1b" not in csv.read_text(encoding="utf-8-sig")
