"""Import: real workbooks (written by the export, edited with openpyxl, saved by LibreOffice) read
back into a real SQLite file; hostile files refused with the database byte-identical."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

import main
from export.errors import ImportRefused
from export.importer import MODIFIED_WARNING, apply_import, preview_import
from export.submission import CELLS_SHEET, META_SHEET, SheetReport, _build_workbook, export_submission
from export.xlsx_writer import save_workbook
from forms.catalogue import FormCatalogue
from forms.spec import FormSpec
from forms.values import USCC_CHARS, USCC_WEIGHTS, parse_input
from storage.workspace import Workspace
from tests.cell_map import cell_rows
from tests.entry_forms import form_header

from .hostile_files import zip_bytes

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)
FORM = "energy_consumption"


def db_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in (path, path.with_name(path.name + "-wal")):
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


def other_township(ws: Workspace):
    return next(t for t in ws.townships() if not t.is_demo)


@pytest.fixture
def demo_file(workspace, demo_township, tmp_path) -> Path:
    out = tmp_path / "演示镇2025.xlsx"
    export_submission(workspace, demo_township.id, "2025", out, now=NOW)
    return out


def stored(ws: Workspace, township_id: int, form: str = FORM, period: str = "2025"):
    data = ws.find_report_data(township_id, form, period)
    return (data.values, data.notes) if data else ({}, {})


# -- own submission files ------------------------------------------------------------------------------

def test_submission_imports_into_another_township_only_when_chosen(workspace, demo_township, demo_file):
    target = other_township(workspace)
    with pytest.raises(ImportRefused, match="不是“" + target.name):
        preview_import(workspace, demo_file, township_id=target.id, period="2025")
    with pytest.raises(ImportRefused, match="报告期为2025年，不是2024年"):
        preview_import(workspace, demo_file, township_id=demo_township.id, period="2024")

    preview = preview_import(workspace, demo_file, township_id=target.id, period="2025", accept_other=True)
    assert preview.warnings and "已选择仍然导入" in preview.warnings[0]
    assert not preview.rejected and not preview.modified
    assert not preview.forms[0].notices  # computed cells in the file agree with the recomputation
    assert all(c.is_new for f in preview.forms for c in f.changes)
    assert stored(workspace, target.id) == ({}, {})  # a preview writes nothing

    result = apply_import(workspace, preview)
    assert result.backup is not None and result.backup.is_file()
    assert stored(workspace, target.id)[0] == stored(workspace, demo_township.id)[0]
    # importing the same file again changes nothing
    again = preview_import(workspace, demo_file, township_id=target.id, period="2025", accept_other=True)
    assert again.change_count == 0 and again.forms[0].unchanged == len(stored(workspace, target.id)[0])


def test_changed_database_is_restored_from_own_file(workspace, demo_township, demo_file):
    rid = workspace.open_report(demo_township.id, FORM, "2025").report.id
    before = stored(workspace, demo_township.id)[0]
    workspace.edit(rid, ("energy", "electricity", "consumption"), "1")
    workspace.edit(rid, ("energy", "raw_coal", "consumption"), None)
    preview = preview_import(workspace, demo_file)
    changes = {c.cell: (c.old, c.new) for c in preview.forms[0].changes}
    assert changes[("energy", "electricity", "consumption")] == (1, pytest.approx(19380.9))
    assert changes[("energy", "raw_coal", "consumption")][0] is None
    assert any("修改" in line and "→" in line for line in preview.lines())
    apply_import(workspace, preview)
    assert stored(workspace, demo_township.id)[0] == before
    audit = workspace.store.audit(rid)
    assert any(a["field"] == "import" and a["new"] == demo_file.name for a in audit)


def test_tampered_file_is_reported_and_the_warning_audited(workspace, demo_township, demo_file, tmp_path):
    wb = load_workbook(demo_file)
    cells = cell_rows(wb)
    sheet, address = next((r[0], r[1]) for r in cells[1:] if r[5] == "consumption" and r[4] == "electricity")
    wb[sheet][address].value = 20000
    tampered = tmp_path / "tampered.xlsx"
    wb.save(tampered)
    preview = preview_import(workspace, tampered)
    assert preview.modified and MODIFIED_WARNING in preview.warnings
    assert "[警告] " + MODIFIED_WARNING in preview.lines()
    assert any("重新计算为" in n for n in preview.forms[0].notices)  # its 折标准煤 no longer fits
    apply_import(workspace, preview)
    rid = workspace.find_report_data(demo_township.id, FORM, "2025").report.id
    assert workspace.find_report_data(demo_township.id, FORM, "2025").values[("energy", "electricity", "consumption")] == 20000
    reasons = [a["reason"] for a in workspace.store.audit(rid) if a["field"] in ("import", "value")]
    assert any(MODIFIED_WARNING in r for r in reasons)

    untouched = preview_import(workspace, demo_file)
    assert not untouched.modified


def test_newer_form_version_is_refused_for_that_form(workspace, demo_file, tmp_path):
    wb = load_workbook(demo_file)
    version = workspace.form(FORM).version
    for row in wb[CELLS_SHEET].iter_rows(min_row=2):
        row[6].value = version + 1
    for row in wb[META_SHEET].iter_rows():
        if row[0].value == "forms":
            row[1].value = f"{FORM}@{version + 1}"
    newer = tmp_path / "newer.xlsx"
    wb.save(newer)
    with pytest.raises(ImportRefused, match=f"是第{version + 1}版表式，比本程序的第{version}版新.*请先升级本程序"):
        preview_import(workspace, newer)


# -- files without the hidden sheets (filled by hand / other programs) ---------------------------------

def strip_hidden(source: Path, out: Path, edits: dict[str, object] | None = None) -> Path:
    wb = load_workbook(source)
    cells = {(r[4], r[5]): r[1] for r in cell_rows(wb)[1:]}
    sheet = wb.worksheets[0]
    for (row_key, col_key), value in (edits or {}).items():
        sheet[cells[(row_key, col_key)]].value = value
    for name in (META_SHEET, CELLS_SHEET):
        wb.remove(wb[name])
    wb.save(out)
    return out


def test_file_without_hidden_sheets_imports_by_layout(workspace, demo_township, demo_file, tmp_path):
    plain = strip_hidden(demo_file, tmp_path / "plain.xlsx")
    with pytest.raises(ImportRefused, match="没有填报单位和报告期"):
        preview_import(workspace, plain)
    target = other_township(workspace)
    preview = preview_import(workspace, plain, township_id=target.id, period="2025")
    assert preview.kind == "layout" and not preview.rejected
    apply_import(workspace, preview, backup=False)
    assert stored(workspace, target.id)[0] == stored(workspace, demo_township.id)[0]


def test_real_world_quirks(workspace, demo_township, demo_file, tmp_path):
    edits = {("raw_coal", "consumption"): "１２３", ("coke", "consumption"): "1,234.5",
             ("lpg", "consumption"): " 42 ", ("gasoline", "consumption"): "—", ("diesel", "consumption"): "无",
             ("fuel_oil", "consumption"): "-", ("natural_gas", "consumption"): "3万",
             ("heat", "consumption"): "=1+2"}
    quirky = strip_hidden(demo_file, tmp_path / "quirky.xlsx", edits)
    target = other_township(workspace)
    preview = preview_import(workspace, quirky, township_id=target.id, period="2025")
    values = preview.forms[0].values
    assert values[("energy", "raw_coal", "consumption")] == 123
    assert values[("energy", "coke", "consumption")] == 1234.5
    assert values[("energy", "lpg", "consumption")] == 42
    for blank in ("gasoline", "diesel", "fuel_oil"):
        assert values.get(("energy", blank, "consumption")) is None
    rejected = {r.address: r for r in preview.rejected}
    assert len(rejected) == 2
    wan = next(r for r in rejected.values() if r.value == "3万")
    assert "万" in wan.reason and wan.sheet == preview.forms[0].sheet
    formula = next(r for r in rejected.values() if r.value == "（公式）")
    assert "公式没有计算结果" in formula.reason
    # named in the clerk's words (表号, row code and label, column), the address only after it
    assert any(line.startswith("  拒绝 永节统1表 第") and "天然气 / 消费量：3万" in line
               and line.endswith(f"（{wan.sheet}!{wan.address}）") for line in preview.lines())
    digest = db_digest(workspace.store.path)
    with pytest.raises(ImportRefused, match="有2个单元格无法导入"):
        apply_import(workspace, preview)
    assert db_digest(workspace.store.path) == digest


# -- round trip for every shipped form -------------------------------------------------------------------

def _uscc(body: str) -> str:
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARS[(31 - total % 31) % 31]


_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12).map(str.strip)


def _value_strategy(col):
    if col.type == "integer":
        return st.integers(min_value=int(col.min if col.min is not None else -10**9),
                           max_value=int(col.max if col.max is not None else 10**9))
    if col.numeric:
        low = col.min if col.min is not None else -1e9
        high = col.max if col.max is not None else 1e9
        digits = col.decimals if col.decimals is not None else 2
        return st.floats(min_value=low, max_value=high, allow_nan=False).map(lambda x: round(x, digits))
    if col.type == "choice":
        return st.sampled_from(col.choices)
    if col.type == "date":
        return st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)).map(lambda d: d.isoformat())
    if col.type == "uscc":
        return st.text(alphabet=USCC_CHARS, min_size=17, max_size=17).map(_uscc)
    return _TEXT.filter(bool)


@st.composite
def report_contents(draw, form: FormSpec):
    values, notes, rows = {}, {}, {}
    for table in form.tables:
        keys = [r.key for r in table.rows] if table.kind == "grid" else \
            [f"r{i}" for i in range(1, draw(st.integers(0, 3)) + 1)]
        if table.kind == "list":
            rows[table.key] = keys
        for key in keys:
            spec = table.row(key) if table.kind == "grid" else None
            for col in table.columns:
                if not table.is_input(spec, col) or not draw(st.booleans()):
                    continue
                value = parse_input(col, draw(_value_strategy(col)))
                if value.error is None and value.value is not None:
                    values[(table.key, key, col.key)] = value.value
                if draw(st.integers(0, 5)) == 0:
                    notes[(table.key, key, col.key)] = draw(_TEXT.filter(bool))
    return values, notes, rows


PERIOD_OF_TYPE = {"年报": "2025", "季报": "2025Q3", "月报": "2025M09"}


def _write_report(ws: Workspace, township_id: int, form: FormSpec, contents) -> None:
    values, notes, rows = contents
    report = ws.store.ensure_report(township_id, form.key, form.version, PERIOD_OF_TYPE[form.period_type])
    rename = {}
    for table_key, keys in rows.items():
        for key in keys:
            rename[(table_key, key)] = ws.store.add_list_row(report.id, table_key, "t")
    ws.store.set_values(report.id, [((t, rename.get((t, r), r), c), v) for (t, r, c), v in values.items()], "t")
    for (t, r, c), note in notes.items():
        ws.store.set_note(report.id, (t, rename.get((t, r), r), c), note, "t")


@pytest.mark.parametrize("form_key", [f.key for f in FormCatalogue.load()])  # every shipped form
def test_round_trip_random_values_and_notes(form_key, catalogue, tmp_path_factory):
    form = catalogue.get(form_key)
    period = PERIOD_OF_TYPE[form.period_type]

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(contents=report_contents(form))
    def check(contents):
        folder = tmp_path_factory.mktemp("rt")
        ws = Workspace.open(folder / "db.sqlite", catalogue=catalogue, demo=False, user="t")
        try:
            source, target = ws.townships()[:2]
            _write_report(ws, source.id, form, contents)
            data = ws.find_report_data(source.id, form.key, period)
            workbook, _sha = _build_workbook([SheetReport(form, data, ws.validate(data))], source, period, NOW)
            out = folder / "rt.xlsx"
            with open(out, "wb") as fh:
                save_workbook(workbook, fh)
            preview = preview_import(ws, out, township_id=target.id, period=period, accept_other=True)
            assert not preview.rejected and not preview.modified
            apply_import(ws, preview, backup=False)
            got = ws.find_report_data(target.id, form.key, period)
            by_position = {}  # a list row holding nothing is not created (issue 9): the others keep their order
            held = {(t, r) for (t, r, _c) in (*data.values, *data.notes)}
            for table_key, keys in data.list_rows.items():
                kept = [k for k in keys if (table_key, k) in held]
                for a, b in zip(kept, got.list_rows.get(table_key, []), strict=True):
                    by_position[(table_key, a)] = b

            def moved(d):
                return {(t, by_position.get((t, r), r), c): v for (t, r, c), v in d.items()}

            assert got.values == moved(data.values)
            assert got.notes == moved(data.notes)
        finally:
            ws.close()

    check()


# -- hostile and broken files ------------------------------------------------------------------------------

_zip = zip_bytes


_WORKBOOK = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
         b'Target="worksheets/sheet1.xml"/></Relationships>')


def _xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": _WORKBOOK,
                 "xl/_rels/workbook.xml.rels": _RELS, "xl/worksheets/sheet1.xml": sheet_xml})


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b" " * (1 << 20)
            for _ in range(60):
                fh.write(chunk)
    return buf.getvalue()


def _xxe(demo: Path) -> bytes:
    with zipfile.ZipFile(demo) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in entries if n.startswith("xl/worksheets/sheet"))
    body = entries[name].split(b"?>", 1)[-1]
    entries[name] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + body
    return _zip(entries)


_HOSTILE = {
    "zip_bomb.xlsx": (lambda demo: _zip_bomb(), "压缩炸弹"),
    "xxe.xlsx": (_xxe, "DOCTYPE/ENTITY"),
    "million_rows.xlsx": (lambda demo: _xlsx_with_sheet(
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000"><c r="XFD1000000"><v>1</v></c></row>'
        b'</sheetData></worksheet>'), "过大"),
    "picture.xlsx": (lambda demo: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "不是 Excel"),
    "word.xlsx": (lambda demo: _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
                  "不是 Excel 工作簿"),
    "truncated.xlsx": (lambda demo: demo.read_bytes()[: len(demo.read_bytes()) // 2], "损坏或不完整"),
    "empty.xlsx": (lambda demo: b"", "空文件"),
    "page.xls": (lambda demo: b"<html><body><table></table></body></html>", "网页"),
    "notes.txt": (lambda demo: b"hello", "不支持的文件类型"),
    "encrypted.xlsx": (lambda demo: _encrypted(demo), "密码"),
}


def _encrypted(demo: Path) -> bytes:
    """The export protected with an opening password, the way Excel does it (ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(demo, "rb") as fh:
        OOXMLFile(fh).encrypt("密码123", out)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(_HOSTILE))
def test_hostile_file_is_refused_and_database_untouched(name, workspace, demo_file, tmp_path, capsys):
    make, reason = _HOSTILE[name]
    bad = tmp_path / name
    bad.write_bytes(make(demo_file))
    db = workspace.store.path
    workspace.close()
    digest = db_digest(db)
    code = main.main(["import", str(bad), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert "拒绝导入" in err and reason in err
    assert db_digest(db) == digest


def test_cli_exit_codes_and_dry_run(workspace, demo_township, demo_file, tmp_path, capsys):
    db = workspace.store.path
    rid = workspace.open_report(demo_township.id, FORM, "2025").report.id
    workspace.edit(rid, ("energy", "electricity", "consumption"), "5")
    workspace.close()
    digest = db_digest(db)
    assert main.main(["import", str(demo_file), "--db", str(db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "试导入" in out and "修改 永节统1表 第34行 电力 / 消费量：5.00 → 19,380.90" in out
    assert db_digest(db) == digest

    quirky = strip_hidden(demo_file, tmp_path / "q.xlsx", {("coke", "consumption"): "3千"})
    assert main.main(["import", str(quirky), "--db", str(db), "--township", demo_township.name, "--period", "2025"]) == 1
    assert "3千" in capsys.readouterr().out
    assert db_digest(db) == digest

    assert main.main(["import", str(demo_file), "--db", str(db)]) == 0
    assert "已导入" in capsys.readouterr().out
    ws = Workspace.open(db, demo=False)
    try:
        assert ws.find_report_data(demo_township.id, FORM, "2025").values[("energy", "electricity", "consumption")] \
            == pytest.approx(19380.9)
    finally:
        ws.close()


# -- files saved by LibreOffice --------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def libreoffice_files(tmp_path_factory) -> dict[str, Path]:
    """The demo export converted by LibreOffice once per session (each conversion takes seconds)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) 未安装：./bootstrap.sh --test 会安装它；跳过 LibreOffice 另存文件的导入测试")
    folder = tmp_path_factory.mktemp("lo")
    ws = Workspace.open(folder / "db.sqlite", user="t")
    try:
        town = next(t for t in ws.townships() if t.is_demo)
        source = folder / "src" / "demo.xlsx"
        source.parent.mkdir()
        export_submission(ws, town.id, "2025", source, now=NOW)
    finally:
        ws.close()
    formula = strip_hidden(source, folder / "src" / "formula.xlsx", {("heat", "consumption"): "=1+2"})
    files = {}
    profile = folder / "profile"
    for fmt in ("xlsx", "xls", "ods"):
        out = folder / fmt
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out), str(source), str(formula)], check=True, capture_output=True, timeout=180)
        files[fmt] = out / f"demo.{fmt}"
        files[f"formula.{fmt}"] = out / f"formula.{fmt}"
    return files


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_saved_files_import(fmt, libreoffice_files, workspace, demo_township):
    path = libreoffice_files[fmt]
    preview = preview_import(workspace, path)
    assert not preview.rejected
    assert preview.change_count == 0  # same values as the database it came from
    assert preview.forms[0].unchanged == len(stored(workspace, demo_township.id)[0])


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_xlsm_is_read_for_values_only(workspace, demo_file, tmp_path):
    with zipfile.ZipFile(demo_file) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not run"
    macro = tmp_path / "带宏.xlsm"
    macro.write_bytes(_zip(entries))
    preview = preview_import(workspace, macro)
    assert any("宏不会运行" in n for n in preview.notices) and preview.change_count == 0


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_libreoffice_calculated_formula_is_imported_by_its_value(fmt, libreoffice_files, workspace, demo_township):
    preview = preview_import(workspace, libreoffice_files[f"formula.{fmt}"], township_id=demo_township.id, period="2025")
    assert not preview.rejected
    assert preview.forms[0].values[("energy", "heat", "consumption")] == 3


PERCENT_FORM = form_header("share_test", "永节统测试表", "占比测试表", 90, "重庆市永川区统计局") + """
  - key: t
    title: 占比
    kind: grid
    columns:
      - {key: share, label: 占比, type: percent, decimals: 1, min: 0, max: 100}
    rows:
      - {key: a, label: 甲项}
      - {key: b, label: 乙项}
      - {key: c, label: 丙项}
"""


def test_percent_column_takes_excel_percent_cells_and_typed_percent(workspace, tmp_path):
    from forms.loader import load_form_text

    form = load_form_text(PERCENT_FORM, "share_test.yaml", workspace.catalogue.reference)
    ws = Workspace(workspace.store, FormCatalogue([*workspace.catalogue.forms, form], workspace.catalogue.reference),
                   user="测试员")
    town = other_township(ws)
    rid = ws.open_report(town.id, "share_test", "2025").report.id
    ws.edit_many(rid, [(("t", "a", "share"), 10), (("t", "b", "share"), 20), (("t", "c", "share"), 30)])
    out = tmp_path / "share.xlsx"
    export_submission(ws, town.id, "2025", out, form_keys=["share_test"], now=NOW)
    plain = strip_hidden(out, tmp_path / "plain.xlsx")
    wb = load_workbook(plain)
    sheet = wb.worksheets[0]
    cells = {r: next(c for c in sheet["D"] if c.value == v) for r, v in (("a", 10), ("b", 20), ("c", 30))}
    cells["a"].value, cells["a"].number_format = 0.35, "0%"  # typed "35%" in Excel
    cells["b"].value = "12.5 %"  # typed as text
    wb.save(plain)
    preview = preview_import(ws, plain, township_id=town.id, period="2025")
    values = preview.forms[0].values
    assert values[("t", "a", "share")] == 35
    assert values[("t", "b", "share")] == 12.5
    assert values[("t", "c", "share")] == 30  # own export: the number itself, shown with a literal "%"


def test_apply_is_one_transaction(workspace, demo_township, demo_file, monkeypatch):
    """A failure in the middle of writing (here: on the 说明 after the values) leaves every value as it was."""
    rid = workspace.open_report(demo_township.id, FORM, "2025").report.id
    workspace.edit(rid, ("energy", "electricity", "consumption"), "1")
    workspace.set_note(rid, ("energy", "coke", "consumption"), "导入时应被清除的说明文字")
    before = stored(workspace, demo_township.id)
    preview = preview_import(workspace, demo_file, replace_blank=True)
    assert any(c.field == "note" for c in preview.forms[0].clears)

    def broken(*_args, **_kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(workspace.store, "set_note", broken)
    with pytest.raises(OSError):
        apply_import(workspace, preview, backup=False)
    assert stored(workspace, demo_township.id) == before
    assert not workspace.store.conn.in_transaction


def test_dense_million_row_sheet_is_refused(workspace, tmp_path):
    """10⁶ real rows (about 40 MB of XML, packed to a few hundred KB): refused before any parser."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            fh.write(b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 1_000_001)))
            fh.write(b"</sheetData></worksheet>")
    big = tmp_path / "rows.xlsx"
    big.write_bytes(buf.getvalue())
    digest = db_digest(workspace.store.path)
    with pytest.raises(ImportRefused, match="过大|压缩炸弹"):
        preview_import(workspace, big, township_id=other_township(workspace).id, period="2025")
    assert db_digest(workspace.store.path) == digest
