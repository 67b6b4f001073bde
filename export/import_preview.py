"""The dry-run preview of an import: what reading a file (``export.submission_file``) would change
in the database, in the clerk's words. The database is only read.

Rules a clerk relies on (issue 9):

* a blank cell in the file never erases a stored value or 说明: such cells are listed apart as
  ``clears`` and written only when the user chooses "以文件为准" (``replace_blank``);
* each form of the file can be left out (``FormImport.chosen``; CLI ``--forms``); a form whose
  sheet was deleted from the file is not in the preview at all;
* a list row is created only when the file's row holds at least one value or 说明 (a template's
  blank numbered rows never become rows); file rows are matched to stored rows by position;
* every change is named by 表号, row code and label and column label ("永节统1表 第01行 原煤 /
  消费量：16,920.00 → 空"); the sheet address follows only as a hint.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Container, Mapping
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_
from pathlib import Path
from typing import TYPE_CHECKING, Any

from export.errors import FeedbackGiven, ImportRefused
from export.reader import gc_paused, parse_address
from export.submission_file import (
    CHECK_MODIFIED,
    CHECK_NONE,
    MODIFIED_WARNING,
    FileForm,
    Rejected,
    SubmissionFile,
    read_submission,
)
from forms.column_values import ColumnValues
from forms.compute import compute_form
from forms.input_cells import form_inputs
from forms.periods import parse_period, period_label
from forms.spec import ColumnSpec, FormSpec

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["CellChange", "FormImport", "ImportPreview", "preview_import", "open_for_import", "cell_label", "show_value", "BLANK_TEXT"]

CellKey = tuple[str, str, str]
BLANK_TEXT = "空"


@dataclass(frozen=True)
class CellChange:
    """One value or 说明 the import would write (``cell`` in the database's row keys)."""

    form_key: str
    cell: CellKey
    sheet: str
    address: str
    old: Any
    new: Any
    field: str = "value"  # value | note
    where: str = ""  # "永节统1表 第01行 原煤 / 消费量"
    old_text: str = BLANK_TEXT
    new_text: str = BLANK_TEXT

    @property
    def is_new(self) -> bool:
        return self.old is None or self.old == ""

    @property
    def is_clear(self) -> bool:
        return self.new is None or self.new == ""

    @property
    def kind(self) -> str:
        what = "说明" if self.field == "note" else ""
        return ("清空" if self.is_clear else "新增" if self.is_new else "修改") + what

    def text(self) -> str:
        """"永节统1表 第01行 原煤 / 消费量：16,920.00 → 空"."""
        what = " 说明" if self.field == "note" else ""
        return f"{self.where}{what}：{self.old_text} → {self.new_text}"


@dataclass
class FormImport:
    """What importing one form would do."""

    file: FileForm
    changes: list[CellChange] = field(default_factory=list)  # values/说明 the file sets
    clears: list[CellChange] = field(default_factory=list)  # stored values/说明 blank in the file
    add_rows: dict[str, list[str]] = field(default_factory=dict)  # list table → "+n" rows to create, in order
    unchanged: int = 0
    notices: list[str] = field(default_factory=list)
    chosen: bool = True

    @property
    def form(self) -> FormSpec:
        return self.file.form

    @property
    def sheet(self) -> str:
        return self.file.sheet

    @property
    def rejected(self) -> list[Rejected]:
        return self.file.rejected

    @property
    def values(self) -> dict[CellKey, Any]:
        return self.file.values

    def writes(self, replace_blank: bool) -> list[CellChange]:
        return self.changes + self.clears if replace_blank else list(self.changes)

    def counts(self) -> str:
        new = sum(1 for c in self.changes if c.is_new)
        return (f"修改{len(self.changes) - new}处，新增{new}处，文件中为空{len(self.clears)}处，"
                f"不变{self.unchanged}处，拒绝{len(self.rejected)}处")


@dataclass
class ImportPreview:
    path: Path
    kind: str  # submission | template | layout
    township: Township
    period: str
    check: str = CHECK_NONE
    forms: list[FormImport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # recorded in the audit when applied
    notices: list[str] = field(default_factory=list)
    replace_blank: bool = False  # 以文件为准：文件中为空的单元格清空

    @property
    def modified(self) -> bool:
        return self.check == CHECK_MODIFIED

    @property
    def chosen(self) -> list[FormImport]:
        return [f for f in self.forms if f.chosen]

    @property
    def rejected(self) -> list[Rejected]:
        return [r for f in self.chosen for r in f.rejected]

    @property
    def change_count(self) -> int:
        return sum(len(f.writes(self.replace_blank)) for f in self.chosen)

    @property
    def clear_count(self) -> int:
        return sum(len(f.clears) for f in self.chosen)

    def choose(self, form_keys: Collection[str]) -> None:
        """Import only these forms (只导入这些表); the others stay as they are in the database."""
        for item in self.forms:
            item.chosen = item.form.key in form_keys

    def rejected_where(self, rejected: Rejected) -> str:
        """Where a rejected cell is, in the clerk's words ("永节统1表 第05行 天然气 / 消费量")."""
        item = next((f for f in self.forms if f.form.key == rejected.form_key), None)
        where = _file_cell_label(item.file, rejected.cell) if item is not None and rejected.cell else ""
        return where or rejected.sheet

    def rejected_text(self, rejected: Rejected) -> str:
        return (f"{self.rejected_where(rejected)}：{show_value(None, rejected.value)} — {rejected.reason}"
                f"（{rejected.sheet}!{rejected.address}）")

    def lines(self) -> list[str]:
        """The preview as plain text (the headless command prints it)."""
        out = [f"导入预览：{self.path.name}", f"镇街：{self.township.name}；报告期：{period_label(self.period)}；"
               f"校验：{self.check}"]
        out += [f"[警告] {w}" for w in self.warnings]
        out += [f"[提示] {n}" for n in self.notices]
        for f in self.forms:
            chosen = "" if f.chosen else "（未选择，不导入）"
            out.append(f"\n《{f.form.name}》（{f.form.code}）{chosen}：{f.counts()}")
            for c in f.changes:
                out.append(f"  {c.kind} {c.text()}（{c.sheet}!{c.address}）" if c.address else f"  {c.kind} {c.text()}")
            if f.clears:
                head = "将清空" if self.replace_blank else "文件中为空、保留原值（选择“以文件为准”才清空）"
                out.append(f"  {head}：")
                out += [f"    {c.text()}" for c in f.clears]
            out += [f"  拒绝 {self.rejected_text(r)}" for r in f.rejected]
            out += [f"  [提示] {n}" for n in f.notices]
        return out


# -- labels in the clerk's words --------------------------------------------------------------------------

def show_value(col: ColumnSpec | None, value: Any) -> str:
    """A value as the clerk reads it: 16,920.00; 空 for none."""
    if value is None or value == "":
        return BLANK_TEXT
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if col is None:
        return f"{value:,}" if isinstance(value, int) else f"{value:,.10g}"
    decimals = col.decimals if col.decimals is not None else (0 if col.type == "integer" else 2)
    text = f"{value:,.{decimals}f}"
    if float(text.replace(",", "")) != value:  # more digits than the column shows: never hide them
        text = f"{value:,.10g}" if abs(value) >= 1e-4 else repr(value)
    return text + ("%" if col.type == "percent" and not col.unit else "")


def cell_label(form: FormSpec, cell: CellKey, position: int | None = None) -> str:
    """"永节统1表 第01行 原煤 / 消费量" (grid), "永节统3表 重点用能单位 第2行 / 单位名称" (list)."""
    table_key, row_key, col_key = cell
    try:
        table = form.table(table_key)
        col = table.column(col_key).label
    except KeyError:
        return f"{form.code} {table_key}/{row_key}/{col_key}"
    if table.kind == "grid":
        try:
            row = table.row(row_key)
        except KeyError:
            return f"{form.code} {row_key} / {col}"
        code = f"第{row.code}行 " if row.code else ""
        return f"{form.code} {code}{row.label} / {col}"
    title = f"{table.title} " if table.title and len(form.tables) > 1 else ""
    number = f"第{position}行" if position else "新增行"
    return f"{form.code} {title}{number} / {col}"


def _file_cell_label(item: FileForm, cell: CellKey) -> str:
    rows = item.list_rows.get(cell[0], [])
    position = rows.index(cell[1]) + 1 if cell[1] in rows else None
    return cell_label(item.form, cell, position)


# -- the preview ---------------------------------------------------------------------------------------------

def _find_township(ws: Workspace, read: SubmissionFile) -> Township | None:
    for text in (read.township_stat_code, read.township_mca_code, read.township_name):
        if text:
            found = ws.find_township(text)
            if found:
                return found
    return None


def preview_import(ws: Workspace, path: Path, *, township_id: int | None = None, period: str | None = None,
                   accept_other: bool = False, forms: Collection[str] | None = None,
                   replace_blank: bool = False) -> ImportPreview:
    """Read ``path`` and say what importing it would do; the database is only read.

    ``township_id``/``period``: where the data should go (the window's current selection, or the
    command line's). A file for another township or period raises ImportRefused unless
    ``accept_other`` (the user chose it explicitly). Without them the file's own are used.
    ``forms``: import only these form keys; ``replace_blank``: blank cells clear stored values.
    """
    with gc_paused():  # the file's cells and the stored report as Python objects: see gc_paused
        return _preview(ws, Path(path), township_id, period, accept_other, forms, replace_blank)


def open_for_import(ws: Workspace, path: Path, **options: Any) -> ImportPreview | Any:
    """What the township program's 导入… shows for ``path``: the preview of importing it
    (``preview_import``, same options), or — for the district's 反馈 workbook, which is not data —
    its problems (an ``export.feedback_file.FeedbackFile``), read from the one reading of the file."""
    try:
        return preview_import(ws, path, **options)
    except FeedbackGiven as given:
        return given.feedback


def _preview(ws: Workspace, path: Path, township_id: int | None, period: str | None, accept_other: bool,
             forms: Collection[str] | None, replace_blank: bool) -> ImportPreview:
    read = read_submission(path, ws.catalogue)
    has_meta = read.kind != "layout"
    file_town = _find_township(ws, read) if has_meta else None
    target_period = parse_period(period) if period else read.period
    if township_id is not None:
        target = ws.township(township_id)
    elif file_town is not None:
        target = file_town
    elif read.township_name:
        raise ImportRefused(f"文件中的填报单位“{read.township_name}”（统计代码 {read.township_stat_code or '无'}）"
                            "不在本数据库中；如确要导入，请明确指定镇街和报告期")
    else:
        raise ImportRefused(f"文件 {path.name} 中没有填报单位和报告期信息，请指定要导入的镇街和报告期")
    if target_period is None:
        raise ImportRefused(f"文件 {path.name} 中没有报告期信息，请指定报告期")

    preview = ImportPreview(path, read.kind, target, target_period, read.check, replace_blank=replace_blank)
    if has_meta:
        other = []
        if read.township_name and (file_town is None or file_town.id != target.id):
            other.append(f"填报单位为“{read.township_name}”，不是“{target.name}”")
        if read.period and read.period != target_period:
            other.append(f"报告期为{period_label(read.period)}，不是{period_label(target_period)}")
        if other:
            message = f"文件 {path.name} 的" + "，".join(other)
            if not accept_other:
                raise ImportRefused(message + "。如确要导入到当前镇街和报告期，请明确选择“仍然导入”")
            preview.warnings.append(message + "（已选择仍然导入）")
    if read.modified:
        preview.warnings.append(MODIFIED_WARNING)
    if read.has_macros:
        preview.notices.append("文件含有宏：宏不会运行，只读取单元格中的数值")
    preview.notices += read.notices
    if not read.forms:
        if read.notices:  # e.g. every form in it is of a newer version: say exactly that
            raise ImportRefused(f"文件 {path.name} 中没有可导入的表：" + "；".join(read.notices))
        raise ImportRefused(f"文件 {path.name} 中没有找到本程序的任何表式（工作表名应为表号，如“{next(iter(ws.catalogue)).code}”）")
    for item in read.forms:
        preview.forms.append(_diff(ws, preview, item))
    if forms is not None:
        missing = [k for k in forms if k not in {f.form.key for f in preview.forms}]
        if missing:
            raise ImportRefused(f"文件 {path.name} 中没有可导入的表式：{'、'.join(missing)}")
        preview.choose(forms)
    if read.modified:
        for imp in preview.forms:
            _compare_computed(ws, preview, imp)
    return preview


def _compare_computed(ws: Workspace, preview: ImportPreview, imp: FormImport) -> None:
    """Computed cells are never imported; say where the file's figure differs from the recomputation.

    Only done for a modified file (checksum mismatch): recomputing a whole form costs more than
    reading it, and an untouched file's computed cells were written from the same inputs."""
    item = imp.file
    if not item.file_computed:
        return
    values = {k: v for k, v in item.values.items() if v is not None}
    computed = compute_form(item.form, values, item.list_rows, ws.context(preview.period))
    for cell, (address, in_file) in sorted(item.file_computed.items()):
        mine = computed.get(*cell)
        if isinstance(in_file, (int, float)) and isinstance(mine, (int, float)):
            if math.isclose(in_file, mine, rel_tol=1e-9, abs_tol=1e-9):
                continue
        elif in_file == mine or (in_file is None and mine == ""):
            continue
        col = item.form.table(cell[0]).column(cell[2])
        imp.notices.append(f"{_file_cell_label(item, cell)} 是计算得出的单元格，文件中为 {show_value(col, in_file)}，"
                           f"按导入的数值重新计算为 {show_value(col, mine)}：以重新计算的结果为准（{item.sheet}!{address}）")


def _position(change: CellChange) -> tuple[int, int]:
    try:
        return parse_address(change.address)
    except ValueError:
        return (10**9, 0)


def _diff(ws: Workspace, preview: ImportPreview, item: FileForm) -> FormImport:
    """Compare one form of the file with the stored report (list rows matched by position)."""
    imp = FormImport(item, notices=list(item.notices))
    form = item.form
    data = ws.find_report_lazily(preview.township.id, form.key, preview.period)
    # (y4) the stored values by column, with the list rows: the cell dict is made only if the usual
    # comparison below cannot be made by column (``_same_as_stored``)
    stored_values = data.input_values if data else {}
    old_notes = data.notes if data else {}
    old_rows = data.list_rows if data else {}
    # file row → stored row (list tables, by position); "+n" = a row to create, only when it holds something
    rename: dict[tuple[str, str], str] = {}
    positions: dict[tuple[str, str], int] = {}  # stored or new row → its number in the list
    # the file's rows that hold something: needed only when the file has more rows than the database
    more = any(len(keys) > len(old_rows.get(table_key, [])) for table_key, keys in item.list_rows.items())
    holding = ({(t, r) for (t, r, _c), v in item.values.items() if v is not None} | {(t, r) for t, r, _c in item.notes}
               if more else set())
    for table_key, keys in item.list_rows.items():
        stored = old_rows.get(table_key, [])
        added = imp.add_rows.setdefault(table_key, [])
        rename.update(zip(zip(repeat(table_key), keys), stored))  # the rows the database has (zip: in C)
        for key in keys[len(stored):]:
            if (table_key, key) in holding:
                new_key = f"+{len(stored) + len(added) + 1}"
                added.append(new_key)
                rename[(table_key, key)] = new_key
        rows = [*stored, *added]
        positions.update(zip(zip(repeat(table_key), rows), range(1, len(rows) + 1)))
    list_tables = {t.key for t in form.tables if t.kind == "list"}

    def to_db(cell: CellKey) -> CellKey | None:
        if cell[0] not in list_tables:
            return cell
        row = rename.get((cell[0], cell[1]))
        return (cell[0], row, cell[2]) if row else None

    # the file's list rows are the stored ones under the same keys (a file exported from this
    # database): every cell keeps its key, nothing to rename
    same_keys = all(list(map(rename.get, zip(repeat(table_key), keys))) == keys for table_key, keys in item.list_rows.items())

    def in_db(source: dict[CellKey, Any]) -> dict[CellKey, Any]:
        """``source`` with its cells in the database's row keys (``to_db`` inlined: 70,000 cells
        at 5,000 list rows), cells of a row not imported left out. Only read, never changed."""
        if not list_tables or same_keys:
            return source
        target: dict[CellKey, Any] = {}
        get = rename.get
        for cell, v in source.items():
            table = cell[0]
            if table in list_tables:
                row = get((table, cell[1]))
                if row:
                    target[(table, row, cell[2])] = v
            else:
                target[cell] = v
        return target

    # the file's values and addresses in the database's row keys, made only when asked for: the
    # usual preview of an unchanged file compares the file's columns as read (``FileForm.column``)
    made: dict[str, dict[CellKey, Any]] = {}

    def file_values() -> dict[CellKey, Any]:
        if "values" not in made:
            made["values"] = in_db(item.values)
        return made["values"]

    def address_of(cell: CellKey) -> str:
        if "addresses" not in made:
            made["addresses"] = in_db(item.addresses)
        return made["addresses"].get(cell, "")

    notes: dict[CellKey, str] = in_db(item.notes)
    as_read = not list_tables or same_keys  # the file's own row keys are the database's
    rejected_cells = {c for c in (to_db(r.cell) for r in item.rejected if r.cell) if c is not None}
    # every input cell the file covers: grid input cells of the spec, list rows stored or created
    inputs = form_inputs(form)
    list_inputs = inputs.list_columns

    def covered_cells() -> list[CellKey]:
        covered = list(inputs.grid_cells)
        for table_key, columns in list_inputs.items():
            rows = [*old_rows.get(table_key, []), *imp.add_rows.get(table_key, [])]
            covered += [(table_key, r, c) for r in rows for c in columns]
        return covered

    def change(cell: CellKey, old: Any, new: Any, what: str = "value") -> CellChange:
        col = form.table(cell[0]).column(cell[2])
        shown = (lambda v: show_value(col, v)) if what == "value" else (lambda v: v or BLANK_TEXT)
        return CellChange(form.key, cell, item.sheet, address_of(cell), old, new, what,
                          cell_label(form, cell, positions.get((cell[0], cell[1]))), shown(old), shown(new))

    check_values = True
    covered: list[CellKey] | None = None
    if not rejected_cells:
        # the usual preview of an unchanged file: every covered value equal (equality: 3 == 3.0 as
        # in _same; parse_input never gives a bool, SQLite never stores one), so only the 说明
        # remain to compare, on the cells that have one on either side. First as whole dicts (a
        # copy keeps each key's hash, and dict equality looks up with it: no tuple is hashed
        # again), which proves it when the file's values are all on covered cells
        if as_read:  # compared as the file's columns, its cell dict not made (issue 16)
            filled, column, present_test = item.filled(), item.column, _Present(item.value_of)
        else:
            values = file_values()
            filled = len(values) - list(values.values()).count(None)  # the file's non-blank cells
            column, present_test = _dict_column(values.get), _Present(values.get)
        same = _same_as_stored(column, filled, stored_values, old_rows)
        if same is None:
            values = file_values()
            present = values.copy()
            for cell in compress(values, map(is_, values.values(), repeat(None))):  # the blank ones (found in C)
                del present[cell]
            same = present == _cell_dict(stored_values)
        if same and _on_covered(form, present_test, positions, column):
            imp.unchanged = filled
            check_values = False
        else:
            values = file_values()
            old_values = _cell_dict(stored_values)
            covered = covered_cells()
            new_values = list(map(values.get, covered))  # map and list equality: no Python loop at all
            if new_values == list(map(old_values.get, covered)):
                imp.unchanged = len(new_values) - new_values.count(None)
                check_values = False
        if not check_values:
            if old_notes or notes:  # every list row stored or to create, as ``covered_cells`` has them
                rows = {(t, r): i for t in list_inputs for i, r in enumerate([*old_rows.get(t, []), *imp.add_rows.get(t, [])])}
                covered = _noted_cells(form, old_notes, notes, inputs.grid_cells, list_inputs, rows)
            else:
                covered = []
    if covered is None:
        covered = covered_cells()
    if check_values:
        values = file_values()
        old_values = _cell_dict(stored_values)
    for cell in covered:
        if check_values:
            if rejected_cells and cell in rejected_cells:
                continue
            old, new = old_values.get(cell), values.get(cell)
            if old is new or (type(old) is type(new) and old == new) or _same(old, new):  # the first two: _same, fast
                imp.unchanged += new is not None
            elif new is None:
                imp.clears.append(change(cell, old, None))  # blank in the file: kept unless 以文件为准
            else:
                imp.changes.append(change(cell, old, new))
        # a submission carries every 说明 (one missing from it is blank there); a template or layout
        # file only the 说明 someone wrote into it as a comment (no comment: nothing to say)
        if not (old_notes or notes):
            continue
        old_note, new_note = old_notes.get(cell, ""), notes.get(cell, "")
        if old_note != new_note:
            if new_note:
                imp.changes.append(change(cell, old_note or None, new_note, "note"))
            elif preview.kind == "submission":
                imp.clears.append(change(cell, old_note, None, "note"))
    imp.changes.sort(key=_position)  # in reading order of the sheet, as the user will look for them
    imp.clears.sort(key=_position)
    return imp


def _cell_dict(stored: Mapping[CellKey, Any]) -> dict[CellKey, Any]:
    """The stored values as the cell dict ``Store.load`` gives (made from the columns once read)."""
    return stored.as_dict() if isinstance(stored, ColumnValues) else stored  # type: ignore[return-value]


def _dict_column(get: Callable[[CellKey], Any]) -> Callable[[str, list[str], str], list[Any]]:
    """``FileForm.column`` of a cell dict's ``get``."""
    def column(table: str, rows: list[str], col: str) -> list[Any]:
        return list(map(get, zip(repeat(table), rows, repeat(col))))
    return column


def _same_as_stored(column: Callable[[str, list[str], str], list[Any]] | dict[CellKey, Any], filled: int,
                    stored: Mapping[CellKey, Any], list_rows: dict[str, list[str]]) -> bool | None:
    """Whether the file's non-blank values (``values`` in the database's row keys) are exactly the
    stored ones — ``{c: v for c, v in values.items() if v is not None} == stored``; ``filled``: how
    many are not None; ``column(table, rows, col)``: the file's values of those cells (None for
    blank or absent; a dict: its ``get``) — found column by
    column (y4, issue 16: no cell dict of the stored report, each file value looked up once and the
    columns compared as lists, the same ``==`` in the same order as dict equality). None when that
    cannot be told so (a blank stored, a column whose rows may repeat, values not read by column):
    the caller compares the dicts."""
    if not isinstance(stored, ColumnValues):
        return None
    if isinstance(column, dict):
        column = _dict_column(column.get)
    count = 0
    for (table, col), (rows, vals) in stored.columns.items():
        if None in vals:  # (never stored: a blank is no entry) the dict would hold it, the file never does
            return None
        if rows != list_rows.get(table) and len(set(rows)) != len(rows):  # list rows are unique (primary key)
            return None
        if column(table, rows, col) != vals:
            return False
        count += len(vals)
    return count == filled


class _Present:
    """The file's non-blank cells as ``_on_covered`` asks about them (``cell in``), without the dict."""

    __slots__ = ("_get",)

    def __init__(self, get: Callable[[CellKey], Any]) -> None:
        self._get = get

    def __contains__(self, cell: object) -> bool:
        return self._get(cell) is not None


def _on_covered(form: FormSpec, present: Container[CellKey], positions: dict[tuple[str, str], int],
                column: Callable[[str, list[str], str], list[Any]] | None = None) -> bool:
    """Whether every cell of ``present`` (the file's values in the database's row keys) is one the
    preview compares. The reader keeps only the form's tables, grid rows and columns, and
    ``_diff`` only stored rows or rows to create (``positions``): so it is, unless one is a
    computed cell — looked up for those few instead of walking 70,000 cells (a list's computed
    columns whole by ``column``, as ``_same_as_stored`` takes it, when given)."""
    inputs = form_inputs(form)
    if any(cell in present for cell in inputs.grid_others):
        return False
    for table in form.tables:
        if table.kind == "list":
            computed = [col.key for col in table.columns if col.key not in inputs.list_columns[table.key]]
            if not computed:
                continue
            rows = [row for table_key, row in positions if table_key == table.key]
            if column is not None:
                if any(len(found) != found.count(None) for found in (column(table.key, rows, col) for col in computed)):
                    return False
            elif any(any(map(present.__contains__, zip(repeat(table.key), rows, repeat(col)))) for col in computed):
                return False
    return True


def _noted_cells(form: FormSpec, old_notes: dict[CellKey, str], notes: dict[CellKey, str],
                 grid_cells: tuple[CellKey, ...], list_inputs: dict[str, tuple[str, ...]], rows: dict[tuple[str, str], int]) -> list[CellKey]:
    """The covered cells with a 说明 on either side, in the order ``_diff`` walks the covered
    cells (grids' cells as the spec lists them, then each list row by row: ``rows``), found from
    the few notes instead of walking every cell."""
    grid_order = {cell: i for i, cell in enumerate(grid_cells)}
    table_order = {table.key: i for i, table in enumerate(form.tables)}
    column_order = {(table.key, col.key): i for table in form.tables for i, col in enumerate(table.columns)}
    found: list[tuple[tuple[int, ...], CellKey]] = []
    for cell in old_notes.keys() | notes.keys():
        table, row, col = cell
        if cell in grid_order:
            found.append(((0, grid_order[cell]), cell))
        elif table in list_inputs and col in list_inputs[table] and (table, row) in rows:
            found.append(((1, table_order[table], rows[(table, row)], column_order[(table, col)]), cell))
    found.sort()
    return [cell for _, cell in found]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    return a == b and type(a) is type(b)
