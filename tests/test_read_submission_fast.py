"""t2 (issue 11, intake speed): a submission file is read with less work — the safety check takes a
plain zip part straight from the file's bytes and remembers what the same small XML parts say; the
cell map's rows are planned once across files — and every file reads exactly as before.

"Before" is the old way, still in the code and forced here (``old_paths``): zipfile reads every
part, every workbook.xml and relationships part is parsed, every record is read cell by cell.
Each file is read both ways in the same run and the results compared whole: values, 说明,
addresses, computed cells, rejected cells, notices, verdict, checksum, and every refusal's words."""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import export.safety as safety
import export.submission_file as submission_file
from export.errors import ImportRefused
from export.submission_file import read_submission
from tests.cell_map import as_old_format, map_records, meta_row
from tests.district_helpers import copy_as, set_cells
from tests.hostile_files import MAIN_NS, sheet_xml, xlsx_bytes

RAW_COAL = ("energy_consumption", "energy", "raw_coal", "stock_begin")


@contextlib.contextmanager
def old_paths() -> Iterator[None]:
    """The reading as it was before: no part from the file's bytes, nothing remembered across
    files, every record of the map read cell by cell."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(safety, "_whole_file", lambda zf: None)
        mp.setattr(safety, "_PARSED", {})
        mp.setattr(safety, "_remember", lambda key, answer: answer)
        mp.setattr(submission_file._MapReader, "row_plan", lambda self, *args: None)
        mp.setattr(submission_file, "_SHAPES", _Forgetful())
        yield


class _Forgetful(dict):
    """A cache that keeps nothing (each file's shapes checked afresh, as before)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        return None


def outcome(path: Path, catalogue) -> Any:
    """Everything ``read_submission`` says of ``path``, dict orders included; a refusal's type and words."""
    try:
        read = read_submission(path, catalogue)
    except ImportRefused as exc:
        return ("refused", type(exc).__name__, str(exc))
    forms = [(f.key, f.form.version, f.sheet, list(f.values.items()), list(f.notes.items()), f.list_rows,
              list(f.addresses.items()), f.rejected, f.notices, list(f.file_computed.items()), f.take_comments)
             for f in read.forms]
    return (read.kind, read.format_version, read.township_name, read.township_stat_code, read.township_mca_code,
            read.period, read.form_versions, read.check, read.notices, read.has_macros, read.program_version,
            read.no_data, repr(read.signature), forms)


def assert_read_as_before(paths: list[Path], catalogue) -> list[Any]:
    """Each file read the new way (twice: the second time from what the first remembered) and the
    old way give the same outcome; the outcomes, for the caller's own checks."""
    new = [outcome(p, catalogue) for p in paths]
    again = [outcome(p, catalogue) for p in paths]
    with old_paths():
        old = [outcome(p, catalogue) for p in paths]
    for path, n, a, o in zip(paths, new, again, old):
        assert n == o, path.name
        assert a == o, path.name
    return new


def _edited(source: Path, out: Path, edit) -> Path:
    wb = load_workbook(source)
    edit(wb)
    wb.save(out)
    return out


def _duplicate_record(wb) -> None:
    sheet = wb["_cells"]
    sheet.append([c.value for c in next(sheet.iter_rows(min_row=2))])


def _column_twice_and_unknown(wb) -> None:
    """One record lists a column twice, another names a column and a table this program lacks."""
    rows = list(wb["_cells"].iter_rows(min_row=2))
    first = next(r for r in rows if "," in (r[5].value or "") and "-" not in (r[7].value or ""))
    keys = first[5].value.split(",")
    first[5].value = ",".join([keys[0], keys[0], *keys[2:]])
    second = next(r for r in rows if r is not first and "," in (r[5].value or ""))
    second[5].value = "no_such_column," + second[5].value.split(",", 1)[1]
    rows[-1][3].value = "no_such_table"


def _noted(wb) -> None:
    record = next(r for r in wb["_cells"].iter_rows(min_row=2) if "i" in (r[7].value or ""))
    record[8].value = "说明：本行数据为估算"


def _form_sheet_deleted(wb) -> None:
    wb.remove(wb["永节统3表"])


def _hidden_sheets_deleted(wb) -> None:  # a filled template that lost them: read by the layout
    wb.remove(wb["_cells"])
    wb.remove(wb["_meta"])


@pytest.fixture(scope="module")
def variants(township_files, catalogue, tmp_path_factory) -> list[Path]:
    """The 23 sample files and what a township, a tamperer or a broken copy makes of them."""
    folder = tmp_path_factory.mktemp("variants")
    source = township_files["仙龙镇"]
    made = [copy_as(township_files["吉安镇"], folder, "仙龙镇_抄的.xlsx"),
            set_cells(source, folder / "改了数.xlsx", {RAW_COAL: 123456.789}),
            _edited(source, folder / "重复行.xlsx", _duplicate_record),
            _edited(source, folder / "栏目重复.xlsx", _column_twice_and_unknown),
            _edited(source, folder / "有说明.xlsx", _noted),
            _edited(source, folder / "删了表.xlsx", _form_sheet_deleted),
            _edited(source, folder / "无隐藏表.xlsx", _hidden_sheets_deleted),
            _edited(source, folder / "改成模板.xlsx", lambda wb: setattr(meta_row(wb, "format")[1], "value",
                                                                            "jnjp-template"))]
    for version in (1, 2):
        made.append(_edited(source, folder / f"第{version}版格式.xlsx", lambda wb, v=version: as_old_format(wb, v)))
    return [*township_files.values(), *made]


def test_every_sample_and_altered_file_reads_as_before(variants, catalogue) -> None:
    outcomes = dict(zip((p.name for p in variants), assert_read_as_before(variants, catalogue)))
    # the comparison covers each way of reading: trusted, modified, cell by cell, layout, old formats
    checks = {name: o[7] for name, o in outcomes.items() if o[0] != "refused"}
    assert checks["仙龙镇_2025.xlsx"] == "一致" and checks["改了数.xlsx"] == "已被修改"
    assert checks["重复行.xlsx"] == "已被修改" and checks["第1版格式.xlsx"] == "一致"
    assert outcomes["无隐藏表.xlsx"][0] == "layout" and outcomes["改成模板.xlsx"][0] == "template"
    notices = [n for f in outcomes["栏目重复.xlsx"][13] for n in f[8]]
    assert any("no_such_column" in n for n in notices) and any("no_such_table" in n for n in notices)


def test_a_blank_template_and_an_older_form_version_read_as_before(workspace, township_files, tmp_path) -> None:
    from export.submission import export_template
    from tests.test_district_intake import _agriculture_v3

    blank = tmp_path / "空白模板.xlsx"
    export_template(workspace, "2025", blank)
    older = _agriculture_v3(tmp_path / "forms")  # the district's 永节统5表 is a version newer than the files'
    (template,) = assert_read_as_before([blank], workspace.catalogue)
    assert template[0] == "template"
    read = assert_read_as_before([township_files["红炉镇"], township_files["朱沱镇"]], older)
    assert any("第2版表式" in n for n in read[0][8])


def test_the_rows_of_one_form_are_planned_once_for_every_file(township_files, catalogue, monkeypatch) -> None:
    planned: list[str] = []
    plan = submission_file._MapReader.plan
    monkeypatch.setattr(submission_file._MapReader, "plan",
                        lambda self, table, *args: planned.append(table.key) or plan(self, table, *args))
    monkeypatch.setattr(submission_file, "_ROW_PLANS", {})
    first, second = township_files["仙龙镇"], township_files["吉安镇"]
    read_submission(first, catalogue)
    assert planned
    planned.clear()
    read_submission(second, catalogue)
    assert not planned  # every record of the second file read from the plans the first one made


def test_a_long_lists_later_rows_are_read_cell_by_cell_as_before(variants, catalogue, monkeypatch) -> None:
    monkeypatch.setattr(submission_file, "_LIST_ROWS_KEPT", 2)  # the sample lists are longer than this
    monkeypatch.setattr(submission_file, "_ROW_PLANS", {})
    assert_read_as_before(variants[:3], catalogue)


def test_a_plain_part_is_taken_from_the_files_bytes_exactly_as_zipfile_reads_it(township_files) -> None:
    path = township_files["仙龙镇"]
    blob = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            assert safety._unpacked(blob, info, safety.MAX_PART_BYTES) == zf.read(info), info.filename
            assert safety._unpacked(blob, info, info.file_size - 1) is None or info.file_size == 0  # over: zipfile


def _damaged(source: Path, out: Path, part: str, how: str) -> Path:
    """``source`` with one part's packed bytes or local header damaged (the directory left as it is)."""
    blob = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo(part)
    name_length, extra_length = int.from_bytes(blob[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(blob[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    if how == "crc":
        blob[info.header_offset + 14:info.header_offset + 18] = b"\0\0\0\0"  # the local CRC: not what zipfile checks
        blob[start + info.compress_size // 2] ^= 0x55  # a packed byte
    elif how == "name":
        blob[info.header_offset + 30] ^= 0x01  # the local header names another part
    elif how == "magic":
        blob[info.header_offset] = ord("Q")
    elif how == "cut":
        del blob[start + info.compress_size // 2:]
    out.write_bytes(bytes(blob))
    return out


@pytest.mark.parametrize("how", ["crc", "name", "magic", "cut"])
def test_a_damaged_part_is_refused_in_the_same_words(township_files, catalogue, tmp_path, how) -> None:
    path = _damaged(township_files["仙龙镇"], tmp_path / f"坏了_{how}.xlsx", "xl/worksheets/sheet2.xml", how)
    (refused,) = assert_read_as_before([path], catalogue)
    assert refused[0] == "refused" and ("已损坏" in refused[2] or "不完整" in refused[2]), refused


def test_hostile_parts_are_refused_as_before_whatever_was_remembered(tmp_path, catalogue) -> None:
    """A file that shares its workbook.xml with one read before still has its own relationships
    parsed and its own parts checked: a remembered answer never stands in for a refusal."""
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
    plain = tmp_path / "正常.xlsx"
    plain.write_bytes(xlsx_bytes({"S": sheet}))
    with zipfile.ZipFile(plain) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
    variants = {
        "坏目录.xlsx": {**parts, "xl/_rels/workbook.xml.rels": b"<Relationships"},
        "无目录.xlsx": {k: v for k, v in parts.items() if k != "xl/_rels/workbook.xml.rels"},
        "实体.xlsx": {**parts, "docProps/app.xml": entity + f'<Properties xmlns="{MAIN_NS}"/>'.encode()},
        "批注目录坏.xlsx": {**parts, "xl/worksheets/_rels/sheet1.xml.rels": b"<comments"},
    }
    paths = [plain]
    for name, entries in variants.items():
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for part, data in entries.items():
                zf.writestr(part, data)
        paths.append(path)
    outcomes = dict(zip((p.name for p in paths), assert_read_as_before(paths + paths, catalogue)))
    assert outcomes["坏目录.xlsx"][0] == outcomes["实体.xlsx"][0] == outcomes["批注目录坏.xlsx"][0] == "refused"
    assert "实体声明" in outcomes["实体.xlsx"][2]


def test_the_map_records_read_are_those_the_file_holds(township_files, catalogue) -> None:
    """The checksum's records (what the verdict is taken over) are the file's own, row for row."""
    captured: list[Any] = []
    original = submission_file.map_checksum

    def keep(identity, records, *, with_values):
        captured.append(list(records))
        return original(identity, records, with_values=with_values)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(submission_file, "map_checksum", keep)
        read_submission(township_files["仙龙镇"], catalogue)
    expected = map_records(load_workbook(township_files["仙龙镇"]))
    assert [(r.sheet, r.cell, r.form_key, r.table_key, r.row_key, r.columns, r.kinds) for r in captured[0]] == \
        [(r.sheet, r.cell, r.form_key, r.table_key, r.row_key, r.columns, r.kinds) for r in expected]


@pytest.mark.parametrize("data", [
    b'<worksheet xmlns="http://x"><sheetData><row r="1"><c r="A1"/></row></sheetData></worksheet>',
    b'<x:worksheet xmlns:x="http://x"><x:sheetData><x:row r="1"><x:c r="A1"/></x:row></x:sheetData></x:worksheet>',
    b"a:b " * 100 + b"<x:c r='A1'/>",  # the prefixed tag after more colons than are looked at one by one
    b"a:b " * 100,
    b":c>", b":row", b":row/", b":f", b"<x:f>1</x:f>", b"", b":" * 200 + b"f",
])
def test_a_pattern_after_a_colon_is_found_as_a_search_finds_it(data: bytes) -> None:
    for pattern in (safety._PREFIXED_TAG, safety._COLON_F):
        assert safety._after_a_colon(data, pattern) == (pattern.search(data) is not None), (pattern, data[:40])


def _area_before(data: bytes) -> Any:
    """``_check_sheet``'s area as it was worked out before (four searches, then the long references)."""
    if safety._plain_references(data):
        return None if safety._LONG_REF.search(data) is None else safety._measure(
            data, safety._PLAIN_REF.findall(data), "S", "f.xlsx")
    return safety._check_sheet_size(data, "S", "f.xlsx")


def _area(how, data: bytes) -> Any:
    try:
        return how(data)
    except ImportRefused as exc:
        return str(exc)


@pytest.mark.parametrize("cells", [
    '<c r="A1"><v>1</v></c><c r="Z9999"><v>2</v></c>', '<c r="AA1"><v>1</v></c>', '<c r="A10000"><v>1</v></c>',
    "<c r='A1'><v>1</v></c><c r='AB70000'/>", '<c r = "A1"><v>1</v></c>', '<c r= "B2"/>', '<c r ="C3"/>',
    '<c><v>1</v></c><c><v>2</v></c>', '<c s="1" r="A1"/>', '<x:c r="A1"/>', '<c r="SZ2"/><c r="A70000"/>',
    '<c r="a12345"/>', '<c r="SS1"/>',
])
def test_a_sheets_area_is_worked_out_as_before(cells: str) -> None:
    data = sheet_xml(f'<row r="1">{cells}</row>') + b'<pageMargins header="0.3" footer="0.3"/>'
    assert _area(lambda d: safety._check_sheet(d, "S", "f.xlsx", safety.FileCheck(Path("f.xlsx"), "xlsx")), data) \
        == _area(_area_before, data)
