"""说明 written in a filled blank template as cell comments (批注), the way Excel/WPS users add
them: read from the real .xlsx, shown in the preview as 说明 changes, stored by the import."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment

from export.importer import apply_import, preview_import
from export.submission import CELLS_SHEET, META_SHEET, export_template
from tests.cell_map import cell_rows

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)
FORM = "energy_consumption"


def _input_cells(wb) -> dict[tuple[str, str, str], tuple[str, str]]:
    rows = cell_rows(wb)[1:]
    return {(r[3], r[4], r[5]): (r[0], r[1]) for r in rows if r[7] == "input" and r[2] == FORM}


def _excel_author_runs(path: Path, author: str) -> None:
    """Rewrite each comment the way Excel and WPS store one: a bold author line, then the text."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}

    def runs(m: re.Match) -> bytes:
        return (b'<text><r><rPr><b/><sz val="9"/><rFont val="Tahoma"/></rPr><t>' + author.encode() + b':</t></r>'
                b'<r><rPr><sz val="9"/><rFont val="Tahoma"/></rPr><t xml:space="preserve">\n' + m.group(1) + b'</t></r></text>')

    rewritten = 0
    for name in parts:
        if name.startswith("xl/comments/"):
            parts[name], n = re.subn(rb"<text><t>(.*?)</t></text>", runs, parts[name])
            rewritten += n
    assert rewritten == 2
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())


def _filled_template(workspace, township_id: int, folder: Path, *, keep_hidden: bool = True) -> Path:
    out = export_template(workspace, "2025", folder / "模板.xlsx", township_id=township_id, now=NOW)
    wb = load_workbook(out)
    cells = _input_cells(wb)
    sheet, address = cells[("energy", "electricity", "consumption")]
    wb[sheet][address].value = 1500
    wb[sheet][address].comment = Comment("今年新增一家数据中心，用电量上升", "张三")
    sheet, address = cells[("energy", "coke", "consumption")]
    wb[sheet][address].comment = Comment("说明：焦炭企业已停产，本年无消费", "李四")  # a comment on an empty cell
    if not keep_hidden:
        for name in (META_SHEET, CELLS_SHEET):
            wb.remove(wb[name])
    filled = folder / "已填.xlsx"
    wb.save(filled)
    _excel_author_runs(filled, "张三")
    return filled


def test_comments_in_a_filled_template_become_notes(workspace, tmp_path):
    target = next(t for t in workspace.townships() if not t.is_demo)
    filled = _filled_template(workspace, target.id, tmp_path)
    preview = preview_import(workspace, filled)
    assert preview.kind == "template" and not preview.rejected
    item = next(f for f in preview.forms if f.form.key == FORM)
    notes = {c.cell: c for c in item.changes if c.field == "note"}
    assert notes[("energy", "electricity", "consumption")].new == "今年新增一家数据中心，用电量上升"  # no "张三:" line
    assert notes[("energy", "coke", "consumption")].new == "焦炭企业已停产，本年无消费"  # no "说明：" prefix
    assert notes[("energy", "coke", "consumption")].is_new and len(notes) == 2
    text = "\n".join(preview.lines())
    assert "新增说明 永节统1表 第34行 电力 / 消费量 说明：空 → 今年新增一家数据中心，用电量上升" in text

    apply_import(workspace, preview, backup=False)
    data = workspace.find_report_data(target.id, FORM, "2025")
    assert data.values[("energy", "electricity", "consumption")] == 1500
    assert data.notes[("energy", "electricity", "consumption")] == "今年新增一家数据中心，用电量上升"
    assert data.notes[("energy", "coke", "consumption")] == "焦炭企业已停产，本年无消费"
    # importing the same file again changes nothing
    assert not [c for c in preview_import(workspace, filled).forms[0].changes if c.field == "note"]


def test_template_without_a_comment_keeps_the_stored_note(workspace, tmp_path):
    target = next(t for t in workspace.townships() if not t.is_demo)
    rid = workspace.open_report(target.id, FORM, "2025").report.id
    workspace.set_note(rid, ("energy", "diesel", "consumption"), "柴油用量按加油站票据统计")
    filled = _filled_template(workspace, target.id, tmp_path)
    apply_import(workspace, preview_import(workspace, filled), backup=False)
    notes = workspace.find_report_data(target.id, FORM, "2025").notes
    assert notes[("energy", "diesel", "consumption")] == "柴油用量按加油站票据统计"
    assert notes[("energy", "coke", "consumption")] == "焦炭企业已停产，本年无消费"


def test_comments_are_read_from_a_file_that_lost_its_hidden_sheets(workspace, tmp_path):
    target = next(t for t in workspace.townships() if not t.is_demo)
    filled = _filled_template(workspace, target.id, tmp_path, keep_hidden=False)
    preview = preview_import(workspace, filled, township_id=target.id, period="2025")
    assert preview.kind == "layout"
    item = next(f for f in preview.forms if f.form.key == FORM)
    assert {c.cell: c.new for c in item.changes if c.field == "note"} == {
        ("energy", "electricity", "consumption"): "今年新增一家数据中心，用电量上升",
        ("energy", "coke", "consumption"): "焦炭企业已停产，本年无消费"}
