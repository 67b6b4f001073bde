"""Import of a workbook into the database: a dry-run preview first, then one transaction.

Accepts the program's own submission files and blank templates (found through their hidden
``_meta``/``_cells`` sheets) and filled templates that lost those sheets (cells found through
``export.layout.form_layout``, the same function the export writes with, after checking the row
labels). Values are parsed by ``forms.values.parse_input`` exactly like typed input; computed
cells are never imported (a difference from the recomputed value is reported as a notice).

A preview says, per form, which cells change (old → new), which are new, which are rejected
and why (sheet, address, value, reason), and the metadata problems: a checksum mismatch
(文件已被修改 — may still be imported; the warning is written to the audit trail), a file for
another township or period (refused unless chosen explicitly), a newer form version (refused
for that form). ``apply_import`` takes a backup copy of the database, then writes everything
in ONE transaction; a preview with rejected cells is not applied at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from export.checksum import values_checksum
from export.errors import ImportRefused
from export.layout import form_layout
from export.reader import Book, cell_address, read_workbook
from forms.compute import compute_form
from forms.periods import PeriodError, parse_period, period_label
from forms.spec import FormSpec, TableSpec
from forms.values import parse_input

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["CellChange", "Rejected", "FormImport", "ImportPreview", "ApplyResult", "preview_import",
           "apply_import", "MODIFIED_WARNING"]

META_SHEET, CELLS_SHEET = "_meta", "_cells"
MODIFIED_WARNING = "文件已被修改：校验码与文件中的数值/说明不符，数据可能在导出后被改动过"
_FORMATS = ("jnjp-submission", "jnjp-template")

CellKey = tuple[str, str, str]


@dataclass(frozen=True)
class CellChange:
    form_key: str
    cell: CellKey
    sheet: str
    address: str
    old: Any
    new: Any
    field: str = "value"  # value | note

    @property
    def is_new(self) -> bool:
        return self.old is None or self.old == ""


@dataclass(frozen=True)
class Rejected:
    form_key: str
    sheet: str
    address: str
    value: Any
    reason: str

    def text(self) -> str:
        return f"{self.sheet}!{self.address}：{self.value!r} — {self.reason}"


@dataclass
class FormImport:
    """What importing one form would do."""

    form: FormSpec
    sheet: str = ""
    values: dict[CellKey, Any] = field(default_factory=dict)  # every input cell read from the file
    notes: dict[CellKey, str] = field(default_factory=dict)
    changes: list[CellChange] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    list_rows: dict[str, list[str]] = field(default_factory=dict)  # list table → file row order
    add_rows: dict[str, list[str]] = field(default_factory=dict)  # list table → "+n" rows to create, in order
    addresses: dict[CellKey, str] = field(default_factory=dict)  # file cell → "D12" (from _cells or the layout)
    unchanged: int = 0
    file_computed: dict[CellKey, tuple[str, Any]] = field(default_factory=dict)  # computed cell → (address, value)
    # 说明 from cell comments (批注): filled templates and layout files; a submission's 说明 are
    # its ``_cells`` notes, which its checksum covers
    take_comments: bool = True


@dataclass
class ImportPreview:
    path: Path
    kind: str  # submission | template | layout
    township: Township
    period: str
    forms: list[FormImport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # recorded in the audit when applied
    notices: list[str] = field(default_factory=list)
    modified: bool = False

    @property
    def rejected(self) -> list[Rejected]:
        return [r for f in self.forms for r in f.rejected]

    @property
    def change_count(self) -> int:
        return sum(len(f.changes) for f in self.forms)

    def lines(self) -> list[str]:
        """The preview as plain text (the headless command prints it)."""
        out = [f"导入预览：{self.path.name}", f"镇街：{self.township.name}；报告期：{period_label(self.period)}"]
        out += [f"[警告] {w}" for w in self.warnings]
        out += [f"[提示] {n}" for n in self.notices]
        for f in self.forms:
            new = sum(1 for c in f.changes if c.is_new)
            out.append(f"\n《{f.form.name}》（{f.form.code}）：修改{len(f.changes) - new}处，新增{new}处，"
                       f"不变{f.unchanged}处，拒绝{len(f.rejected)}处")
            for c in f.changes:
                what = "说明" if c.field == "note" else "数值"
                if c.is_new:
                    out.append(f"  新增 {c.sheet}!{c.address} {what}：{_show(c.new)}")
                else:
                    out.append(f"  修改 {c.sheet}!{c.address} {what}：{_show(c.old)} → {_show(c.new)}")
            out += [f"  拒绝 {r.text()}" for r in f.rejected]
            out += [f"  [提示] {n}" for n in f.notices]
        return out


@dataclass(frozen=True)
class ApplyResult:
    changed: int
    backup: Path | None
    statuses: dict[str, str]


def _show(value: Any) -> str:
    return "（空）" if value is None or value == "" else str(value)


# -- reading the file ----------------------------------------------------------------------------

def _meta(book: Book) -> dict[str, Any]:
    rows = book.rows(META_SHEET)
    return {str(r[0]): (r[1] if len(r) > 1 else None) for r in rows[1:] if r and r[0] not in ("", None)}


def _normalise(raw: Any) -> Any:
    """calamine's value as parse_input should see it: 3.0 → 3, "" → None."""
    if raw == "" or raw is None:
        return None
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer() and abs(raw) < 2**53:
        return int(raw)
    return raw


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    return a == b and type(a) is type(b)


def _find_township(ws: Workspace, meta: dict[str, Any]) -> Township | None:
    for key in ("township_stat_code", "township_mca_code", "township_name"):
        text = str(meta.get(key) or "").strip()
        if text:
            found = ws.store.find_township(text)
            if found:
                return found
    return None


def preview_import(ws: Workspace, path: Path, *, township_id: int | None = None, period: str | None = None,
                   accept_other: bool = False) -> ImportPreview:
    """Read ``path`` and say what importing it would do; the database is only read.

    ``township_id``/``period``: where the data should go (the window's current selection, or the
    command line's). A file for another township or period raises ImportRefused unless
    ``accept_other`` (the user chose it explicitly). Without them the file's own are used.
    """
    path = Path(path)
    book = read_workbook(path)
    meta = _meta(book) if META_SHEET in book.grids else {}
    if meta and meta.get("format") not in _FORMATS:
        raise ImportRefused(f"文件 {path.name} 的隐藏信息表格式不明（{meta.get('format')!r}），不是本程序导出的文件")
    try:
        fmt_version = int(float(meta.get("format_version") or 1))
    except (TypeError, ValueError):
        fmt_version = 1
    if fmt_version > 1:
        raise ImportRefused(f"文件 {path.name} 由更新版本的程序导出（格式第{fmt_version}版），请先升级本程序再导入")

    file_town = _find_township(ws, meta) if meta else None
    file_period = str(meta.get("period") or "").strip() or None
    if file_period:
        try:
            file_period = parse_period(file_period)
        except PeriodError:
            file_period = None
    target_period = parse_period(period) if period else file_period
    if township_id is not None:
        target = ws.store.township(township_id)
    elif file_town is not None:
        target = file_town
    elif meta.get("township_name"):
        raise ImportRefused(f"文件中的填报单位“{meta.get('township_name')}”（统计代码 {meta.get('township_stat_code') or '无'}）"
                            "不在本数据库中；如确要导入，请明确指定镇街和报告期")
    else:
        raise ImportRefused(f"文件 {path.name} 中没有填报单位和报告期信息，请指定要导入的镇街和报告期")
    if target_period is None:
        raise ImportRefused(f"文件 {path.name} 中没有报告期信息，请指定报告期")

    preview = ImportPreview(path, "layout", target, target_period)
    if meta:
        preview.kind = "submission" if meta.get("format") == "jnjp-submission" else "template"
        other = []
        if meta.get("township_name") and (file_town is None or file_town.id != target.id):
            other.append(f"填报单位为“{meta.get('township_name') or '未知'}”，不是“{target.name}”")
        if file_period and file_period != target_period:
            other.append(f"报告期为{period_label(file_period)}，不是{period_label(target_period)}")
        if other:
            message = f"文件 {path.name} 的" + "，".join(other)
            if not accept_other:
                raise ImportRefused(message + "。如确要导入到当前镇街和报告期，请明确选择“仍然导入”")
            preview.warnings.append(message + "（已选择仍然导入）")
    if book.check.has_macros:
        preview.notices.append("文件含有宏：宏不会运行，只读取单元格中的数值")

    if CELLS_SHEET in book.grids:
        _from_cells_map(ws, book, meta, preview)
    else:
        _from_layout(ws, book, preview)
    if not preview.forms:
        if preview.notices:  # e.g. every form in it is of a newer version: say exactly that
            raise ImportRefused(f"文件 {path.name} 中没有可导入的表：" + "；".join(preview.notices))
        raise ImportRefused(f"文件 {path.name} 中没有找到本程序的任何表式（工作表名应为表号，如“{next(iter(ws.catalogue)).code}”）")
    for item in preview.forms:
        _diff(ws, preview, item)
    return preview


def _check_version(ws: Workspace, key: str, version: int, preview: ImportPreview) -> FormSpec | None:
    try:
        form = ws.form(key)
    except KeyError:
        preview.notices.append(f"文件中的表式“{key}”本程序没有，已跳过")
        return None
    if version > form.version:
        preview.notices.append(f"文件中的《{form.name}》是第{version}版表式，比本程序的第{form.version}版新，"
                               "无法导入该表：请先升级本程序")
        return None
    if version < form.version:
        preview.notices.append(f"文件中的《{form.name}》是第{version}版表式（本程序为第{form.version}版），"
                               "按表中各单元格的代码导入，请导入后重新审核")
    return form


def _read_cell(book: Book, item: FormImport, table: TableSpec, row_key: str, col_key: str, sheet: str,
               address: str, value: Any = None) -> None:
    """Parse one input cell (``value``: what the book holds there, when the caller has read it)."""
    col = table.column(col_key)
    if item.take_comments:
        note = _note_from_comment(book.comment(sheet, address))
        if note:
            item.notes[(table.key, row_key, col_key)] = note
    if book.formula_without_value(sheet, address):
        item.rejected.append(Rejected(item.form.key, sheet, address, "（公式）",
                                      "公式没有计算结果（文件保存前未计算），请在 Excel 中重新计算并保存，或直接填写数值"))
        return
    raw = _normalise(book.value(sheet, address) if value is None else value)
    if col.type == "percent" and isinstance(raw, (int, float)):
        shown = book.shown_as_percent(sheet, address)
        if shown:
            raw = _normalise(round(raw * 100, 10))  # a percent column holds 35 for 35 %; Excel stores 0.35
        elif shown is None and 0 < abs(raw) <= 1:
            # the file cannot tell whether 0.35 is "0.35 %" or a cell formatted as 35 %: take the
            # number as written (as the export writes it) and make the user look before confirming
            item.notices.append(f"{sheet}!{address} 在百分数栏中为 {raw:g}，已按 {raw:g}% 读取；该文件无法判断此单元格"
                                f"是否设为百分比格式，如原意为 {raw * 100:g}%，请在文件中改填 {raw * 100:g} 后重新导入")
    parsed = parse_input(col, raw)
    if parsed.error:
        item.rejected.append(Rejected(item.form.key, sheet, address, raw, parsed.error))
        return
    item.values[(table.key, row_key, col_key)] = parsed.value


def _note_from_comment(text: str | None) -> str | None:
    """A comment's text as a 说明: without the "说明：" this program's own export puts first."""
    if not text:
        return None
    for prefix in ("说明：", "说明:"):
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
    return text or None


def _from_cells_map(ws: Workspace, book: Book, meta: dict[str, Any], preview: ImportPreview) -> None:
    """Own files: every cell is listed in ``_cells``; the checksum covers values and notes."""
    rows = book.rows(CELLS_SHEET)
    header = [str(v) for v in rows[0]] if rows else []
    needed = ("sheet", "cell", "form_key", "table_key", "row_key", "col_key", "form_version", "kind", "note")
    if any(h not in header for h in needed):
        raise ImportRefused(f"文件 {preview.path.name} 的隐藏单元格表不完整，无法可靠导入")
    pick = itemgetter(*(header.index(h) for h in needed))
    width = len(header)
    entries: list[tuple[str, int, str, str, str, Any, str | None]] = []
    items: dict[str, FormImport | None] = {}
    grid_rows: dict[int, set[str]] = {}  # id(table) → its row keys
    for raw_row in rows[1:]:
        row = raw_row if len(raw_row) >= width else list(raw_row) + [""] * (width - len(raw_row))
        sheet, address, form_key, table_key, row_key, col_key, version_text, kind, note_raw = pick(row)
        if not sheet:
            continue
        sheet, address = str(sheet), str(address)
        form_key, table_key, row_key, col_key = str(form_key), str(table_key), str(row_key), str(col_key)
        try:
            version = int(float(version_text))
        except (TypeError, ValueError):
            raise ImportRefused(f"文件 {preview.path.name} 的隐藏单元格表有错误（表式版本 {version_text!r}）") from None
        note = str(note_raw) if note_raw not in ("", None) else None
        raw = book.value(sheet, address)
        entries.append((form_key, version, table_key, row_key, col_key, raw, note))
        if form_key not in items:
            form = _check_version(ws, form_key, version, preview)
            items[form_key] = FormImport(form, sheet, take_comments=preview.kind != "submission") if form else None
            if form:
                preview.forms.append(items[form_key])  # type: ignore[arg-type]
        item = items[form_key]
        if item is None:
            continue
        try:
            table = item.form.table(table_key)
            table.column(col_key)
        except KeyError:
            item.notices.append(f"{sheet}!{address} 对应的栏目 {table_key}/{col_key} 在本程序的表式中不存在，已跳过")
            continue
        if table.kind == "list":
            order = item.list_rows.setdefault(table_key, [])
            if row_key not in order:
                order.append(row_key)
        elif row_key not in (grid_rows.get(id(table)) or grid_rows.setdefault(id(table), {r.key for r in table.rows})):
            item.notices.append(f"{sheet}!{address} 对应的行 {row_key} 在本程序的表式中不存在，已跳过")
            continue
        item.addresses[(table_key, row_key, col_key)] = address
        if note:
            item.notes[(table_key, row_key, col_key)] = note
        if str(kind) == "input":
            _read_cell(book, item, table, row_key, col_key, sheet, address, raw)
        else:
            item.file_computed[(table_key, row_key, col_key)] = (address, _normalise(raw))
    # forms the file lists but has no cell of (e.g. an empty list of units): they import as empty
    for entry in str(meta.get("forms") or "").split(","):
        key, _, version_text = entry.strip().partition("@")
        if not key or key in items:
            continue
        try:
            version = int(version_text)
        except ValueError:
            continue
        form = _check_version(ws, key, version, preview)
        items[key] = FormImport(form, _sheet_for(book, form) or form.code) if form else None
        if form:
            preview.forms.append(items[key])  # type: ignore[arg-type]
    expected = str(meta.get("sha256") or "")
    if preview.kind == "submission" and expected:
        try:
            actual = values_checksum(entries)
        except ValueError:
            actual = ""
        if actual != expected:
            preview.modified = True
            preview.warnings.append(MODIFIED_WARNING)
    if preview.modified:
        # an untouched file's computed cells came from these very inputs; a modified one may disagree
        for item in preview.forms:
            _compare_computed(ws, preview, item)


def _compare_computed(ws: Workspace, preview: ImportPreview, item: FormImport) -> None:
    """Computed cells are never imported; say where the file's figure differs from the recomputation.

    Only done for a modified file (checksum mismatch): recomputing a whole form costs more than
    reading it, and an untouched file's computed cells were written from the same inputs."""
    if not item.file_computed:
        return
    computed = compute_form(item.form, item.values, item.list_rows, ws.context(preview.period))
    for cell, (address, in_file) in sorted(item.file_computed.items()):
        mine = computed.get(*cell)
        if isinstance(in_file, (int, float)) and isinstance(mine, (int, float)):
            if math.isclose(in_file, mine, rel_tol=1e-9, abs_tol=1e-9):
                continue
        elif in_file == mine or (in_file is None and mine == ""):
            continue
        item.notices.append(f"{item.sheet}!{address} 是计算得出的单元格，文件中为 {_show(in_file)}，按导入的数值重新计算为"
                            f" {_show(mine)}：以重新计算的结果为准")


def _sheet_for(book: Book, form: FormSpec) -> str | None:
    from export.submission import _SHEET_NAME_BAD

    wanted = "".join("_" if ch in _SHEET_NAME_BAD else ch for ch in form.code).strip().strip("'")[:31]
    for name in book.sheet_names:
        if name.strip() == wanted:
            return name
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _from_layout(ws: Workspace, book: Book, preview: ImportPreview) -> None:
    """Filled templates without ``_cells``: sheets named by 表号, cells where the layout puts them."""
    for form in ws.catalogue:
        sheet = _sheet_for(book, form)
        if sheet is None:
            continue
        item = FormImport(form, sheet)
        grid = book.rows(sheet)

        def at(r: int, c: int, grid: list[list[Any]] = grid) -> Any:
            return grid[r - 1][c - 1] if r <= len(grid) and c <= len(grid[r - 1]) else None

        # list tables: their length is read from the 序号 column, one table after the other
        counts: dict[str, list[str]] = {}
        for table in form.tables:
            if table.kind != "list":
                continue
            place = next(t for t in form_layout(form, counts).tables if t.table.key == table.key)
            n, r = 0, place.first_body_row
            while isinstance(_normalise(at(r, 1)), int) and n < table.max_rows:
                n, r = n + 1, r + 1
            counts[table.key] = [f"r{i}" for i in range(1, n + 1)]
        layout = form_layout(form, counts)
        problem = None
        for place in layout.tables:
            if place.table.kind == "grid":
                for key, r in place.body:
                    label = _text(at(r, 1))
                    if label != place.table.row(key).label:
                        problem = (f"第{r}行应为“{place.table.row(key).label}”，文件中为“{label or '空'}”")
                        break
            if problem:
                break
        if problem:
            preview.notices.append(f"工作表“{sheet}”的格式与本程序的《{form.name}》不符（{problem}），未导入该表")
            continue
        preview.forms.append(item)
        item.list_rows = {k: list(v) for k, v in counts.items()}
        for (table_key, row_key, col_key), (r, c) in layout.cells.items():
            table = form.table(table_key)
            spec = table.row(row_key) if table.kind == "grid" else None
            if table.is_input(spec, table.column(col_key)):
                _read_cell(book, item, table, row_key, col_key, sheet, cell_address(r, c))


# -- comparing with the database ----------------------------------------------------------------------

def _position(change: CellChange) -> tuple[int, int]:
    from export.reader import parse_address

    try:
        return parse_address(change.address)
    except ValueError:
        return (10**9, 0)


def _address_map(form: FormSpec, list_rows: dict[str, list[str]]) -> dict[CellKey, str]:
    return {k: cell_address(r, c) for k, (r, c) in form_layout(form, list_rows).cells.items()}


def _diff(ws: Workspace, preview: ImportPreview, item: FormImport) -> None:
    """Changes against the stored report; list rows are matched by position."""
    data = ws.find_report_data(preview.township.id, item.form.key, preview.period)
    old_values = data.values if data else {}
    old_notes = data.notes if data else {}
    old_rows = data.list_rows if data else {}
    sheet = item.sheet
    addresses = item.addresses or _address_map(item.form, item.list_rows)
    # file row key → stored row key (list tables, by position; "+n" = a row to add)
    rename: dict[tuple[str, str], str] = {}
    for table_key, keys in item.list_rows.items():
        stored = old_rows.get(table_key, [])
        # rows are kept up to the last one holding anything (blank rows in between keep their place;
        # a template's trailing blank rows are not created)
        filled = {(k[0], k[1]) for k in (*item.values, *item.notes)}
        used = [i for i, key in enumerate(keys) if (table_key, key) in filled]
        last = used[-1] + 1 if used else 0
        for i, key in enumerate(keys):
            rename[(table_key, key)] = stored[i] if i < len(stored) else f"+{i + 1}"
        item.add_rows[table_key] = [f"+{i + 1}" for i in range(len(stored), last)]
    values = {(t, rename.get((t, r), r), c): v for (t, r, c), v in item.values.items()}
    notes = {(t, rename.get((t, r), r), c): v for (t, r, c), v in item.notes.items()}
    # every input cell the file covers: grid cells of the spec, list rows of the file
    covered: set[CellKey] = set()
    for table in item.form.tables:
        if table.kind == "grid":
            for row in table.rows:
                for col in table.columns:
                    if table.is_input(row, col):
                        covered.add((table.key, row.key, col.key))
        else:
            stored = old_rows.get(table.key, [])
            n = max(len(item.list_rows.get(table.key, [])), len(stored))
            for i in range(n):
                key = stored[i] if i < len(stored) else f"+{i + 1}"
                for col in table.columns:
                    if table.cell_formula(None, col) is None:
                        covered.add((table.key, key, col.key))
    rejected_cells = {(r.sheet, r.address) for r in item.rejected}
    back = {v: k for k, v in rename.items()}
    item.values = values
    item.notes = notes
    for cell in sorted(covered):
        file_key = (cell[0], back.get((cell[0], cell[1]), cell[1]), cell[2])
        address = addresses.get(file_key, "")
        if (sheet, address) in rejected_cells:
            continue
        old, new = old_values.get(cell), values.get(cell)
        if _same(old, new):
            if new is not None:
                item.unchanged += 1
            continue
        item.changes.append(CellChange(item.form.key, cell, sheet, address or f"{cell[1]}/{cell[2]}", old, new))
    item.changes.sort(key=_position)  # in reading order of the sheet, as the user will look for them
    # a submission carries every 说明 (one missing from it was removed); a template or layout file
    # only the 说明 someone wrote into it as a comment (no comment: the stored 说明 stays)
    note_cells = set(notes) | set(old_notes) if preview.kind == "submission" else set(notes)
    if note_cells:
        for cell in sorted(note_cells):
            old, new = old_notes.get(cell, ""), notes.get(cell, "")
            if old != new:
                file_key = (cell[0], back.get((cell[0], cell[1]), cell[1]), cell[2])
                item.changes.append(CellChange(item.form.key, cell, sheet, addresses.get(file_key, ""), old or None,
                                               new or None, "note"))


# -- applying -------------------------------------------------------------------------------------------

def apply_import(ws: Workspace, preview: ImportPreview, *, backup: bool = True) -> ApplyResult:
    """Back up the database, then write the preview in ONE transaction, then refresh statuses.

    Refused (ImportRefused, nothing written) while the preview has rejected cells.
    """
    if preview.rejected:
        raise ImportRefused(f"有{len(preview.rejected)}个单元格无法导入，请先在文件中改正后重新导入；数据库未改动")
    backup_path = _backup(ws) if backup else None
    reason = f"导入 {preview.path.name}"
    if preview.warnings:
        reason += "（" + "；".join(preview.warnings) + "）"
    from storage.database import now_text

    store = ws.store
    changed = 0
    report_ids: dict[str, int] = {}
    with store.atomic():
        for item in preview.forms:
            report = store.ensure_report(preview.township.id, item.form.key, item.form.version, preview.period)
            report_ids[item.form.key] = report.id
            added: dict[tuple[str, str], str] = {}
            for table, rows in item.add_rows.items():
                for row in rows:
                    added[(table, row)] = store.add_list_row(report.id, table, ws.user)
            values = [((t, added.get((t, r), r), c), ch.new) for ch in item.changes if ch.field == "value"
                      for (t, r, c) in [ch.cell]]
            changed += store.set_values(report.id, values, ws.user, reason)
            for ch in item.changes:
                if ch.field == "note":
                    t, r, c = ch.cell
                    changed += store.set_note(report.id, (t, added.get((t, r), r), c), ch.new or "", ws.user)
            # one audit row per imported form, with the file name and its warnings (e.g. 文件已被修改)
            store.conn.execute("INSERT INTO audit (at, who, report_id, field, new, reason) VALUES (?, ?, ?, 'import', ?, ?)",
                               (now_text(), ws.user, report.id, preview.path.name, reason))
    statuses = {key: ws.refresh_status(rid)[0] for key, rid in report_ids.items()}
    return ApplyResult(changed, backup_path, statuses)


def _backup(ws: Workspace) -> Path:
    from storage.backup import BackupError, make_backup

    try:
        return make_backup(ws.store.path, "导入前")
    except BackupError as exc:
        raise ImportRefused(f"导入前无法备份数据库，未导入：{exc}") from None

