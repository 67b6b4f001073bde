"""One submission-file reader: ``read_submission(path, catalogue) -> SubmissionFile``.

Reads the program's own submission files and blank templates (found through their hidden
``_meta``/``_cells`` sheets, see ``export.file_format``) and filled templates that lost those
sheets (cells found through ``export.layout.form_layout``, the function the export writes with,
after checking the row labels). Values are parsed by ``forms.values.parse_input`` exactly like
typed input; what cannot be parsed is listed as ``Rejected`` with its sheet, cell and reason.

Needs neither Qt nor a database, so the window's import, the command line and the district's
intake (many files at once) share it; comparing with stored data is ``export.import_preview``.
The checksum verdict (``CHECK_OK``/``CHECK_MODIFIED``/``CHECK_NONE``) says whether the file is
the one the program wrote: format versions 2 and 3 cover the kind, the township, the period, the
forms and the whole cell map as well as the values (version 3 has the compact map, one record
per body row, and its own canonical text); version 1 files are checked the old way (values and
说明 of a submission). A missing or malformed checksum in a file that has ``_meta`` counts as
modified, never as clean. Reading is linear in the size of the file: nothing searches a list.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from itertools import chain, product, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from export.checksum import FileIdentity, MappedCell, MapRecord, file_checksum, map_checksum, values_checksum
from export.errors import FeedbackGiven, ImportRefused
from export.file_format import (
    BLOCKED_LETTER,
    CELLS_HEADER,
    CELLS_HEADER_V2,
    CELLS_SHEET,
    FORMAT,
    FORMAT_VERSION,
    FORMATS,
    META_SHEET,
    NO_DATA_META,
    sheet_base_name,
)
from export.file_upgrade import upgrade_file_forms
from export.layout import form_layout
from export.reader import Book, cell_address, gc_paused, parse_address, read_workbook
from export.safety import MAX_CELLS, MAX_COLS
from forms.catalogue import FormCatalogue
from forms.periods import PeriodError, parse_period
from forms.spec import DEFAULT_BOUNDS, ColumnSpec, FormSpec, TableSpec
from forms.values import MAX_TEXT_CHARS, ParsedValue, parse_input, plain_codes, plain_text

__all__ = ["SubmissionFile", "FileForm", "Rejected", "read_submission", "CHECK_OK", "CHECK_MODIFIED", "CHECK_NONE",
           "MODIFIED_WARNING", "PERCENT_FRACTION_REASON", "normalise"]

CHECK_OK, CHECK_MODIFIED, CHECK_NONE = "一致", "已被修改", "无校验码"
MODIFIED_WARNING = "文件已被修改：校验码与文件中的数值/说明/文件信息不符，数据可能在导出后被改动过"

CellKey = tuple[str, str, str]


def PERCENT_FRACTION_REASON(value: float) -> str:  # noqa: N802 - a message template, named like a constant
    """Why a bare fraction in a percent column is refused."""
    return f"百分数列：请填写 {_plain(value * 100)} 而不是 {_plain(value)}"


def _plain(number: float) -> str:
    return f"{round(number, 10):g}"


@dataclass(frozen=True)
class Rejected:
    """A cell that cannot be imported: where (sheet, address), what it holds, why."""

    form_key: str
    sheet: str
    address: str
    value: Any
    reason: str
    cell: tuple[str, str, str] | None = None  # (table, file row, column) when known

    def text(self) -> str:
        return f"{self.sheet}!{self.address}：{self.value!r} — {self.reason}"


class _Run:
    """A run of a long list's later rows as read by ``_MapReader.read_columns``, kept as columns
    (issue 16): its entries of ``FileForm.values``/``addresses``/``file_computed`` are made only
    when one of those dicts is first asked for, at the place they would have had in it (``marks``:
    each raw dict's length when the run was read; ``done``: merged into that dict already)."""

    __slots__ = ("marks", "done", "table_key", "row_keys", "addressed", "computed", "inputs", "lookups")

    def __init__(self, marks: list[int], table_key: str, row_keys: list[str], addressed: list[tuple[str, list[str]]],
                 computed: list[tuple[str, list[tuple[str, Any]]]], inputs: list[tuple[str, list[Any]]]) -> None:
        self.marks, self.done = marks, [False, False, False]
        self.table_key, self.row_keys = table_key, row_keys
        self.addressed, self.computed, self.inputs = addressed, computed, inputs
        self.lookups: dict[str, dict[str, Any]] = {}  # column key → row key → value (``FileForm.value_of``)

    def entries(self, kind: int) -> Any:
        """The run's (cell, entry) pairs of dict ``kind`` (0 values, 1 addresses, 2 computed), row by
        row and in each row column by column — the order ``read_inputs`` would have given them."""
        columns = (self.inputs, self.addressed, self.computed)[kind]
        if not columns:
            return ()
        cells = map((self.table_key,).__add__, product(self.row_keys, [key for key, _ in columns]))
        return zip(cells, _row_major([entries for _, entries in columns]))


_VALUES, _ADDRESSES_KIND, _COMPUTED_KIND = 0, 1, 2


class _Made:
    """One of ``FileForm``'s dicts, made on first use (``FileForm._merged``); set as a whole, it
    replaces the runs' part of it too."""

    def __init__(self, kind: int) -> None:
        self.kind = kind

    def __get__(self, item: Any, owner: Any = None) -> Any:
        return self if item is None else item._merged(self.kind)

    def __set__(self, item: Any, value: dict[CellKey, Any]) -> None:
        item._replace(self.kind, value)


@dataclass
class FileForm:
    """One form as read from the file (its cells in the file's own row keys).

    ``values`` (every input cell read, None for blank), ``addresses`` (file cell → "D12") and
    ``file_computed`` (computed cell → (address, value)) are dicts made on first use: a long list's
    later rows stay columns until then (issue 16), which the import preview compares as columns
    (``column``, ``value_of``, ``filled``) without making 70,000 cells of a 5,000-row list."""

    form: FormSpec
    sheet: str = ""
    notes: dict[CellKey, str] = field(default_factory=dict)
    list_rows: dict[str, list[str]] = field(default_factory=dict)  # list table → file row order
    rejected: list[Rejected] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # 说明 from cell comments (批注): filled templates and layout files; a submission's 说明 are
    # its ``_cells`` notes, which its checksum covers
    take_comments: bool = True
    # the reader's dicts so far (values, addresses, computed) and its runs kept as columns
    raw: list[dict[CellKey, Any]] = field(default_factory=lambda: [{}, {}, {}], repr=False)
    runs: list[_Run] = field(default_factory=list, repr=False)

    @property
    def key(self) -> str:
        return self.form.key

    def _merged(self, kind: int) -> dict[CellKey, Any]:
        """Dict ``kind`` with every run's entries in their places (made once, then kept)."""
        raw = self.raw[kind]
        waiting = [run for run in self.runs if not run.done[kind]]
        if not waiting:
            return raw
        items = list(raw.items())
        out: dict[CellKey, Any] = {}
        at = 0
        for run in waiting:
            mark = run.marks[kind]
            out.update(items[at:mark])
            out.update(run.entries(kind))
            run.done[kind] = True
            at = mark
        out.update(items[at:])
        self.raw[kind] = out
        self.runs = [run for run in self.runs if not all(run.done)]
        return out

    def _replace(self, kind: int, value: dict[CellKey, Any]) -> None:
        for run in self.runs:
            run.done[kind] = True
        self.runs = [run for run in self.runs if not all(run.done)]
        self.raw[kind] = value

    values = _Made(_VALUES)  # every input cell read (None for blank)
    addresses = _Made(_ADDRESSES_KIND)  # file cell → "D12"
    file_computed = _Made(_COMPUTED_KIND)  # computed cell → (address, value)

    def _value_runs(self) -> list[_Run]:
        return [run for run in self.runs if not run.done[_VALUES] and run.inputs]

    def filled(self) -> int:
        """How many of ``values`` are not None (without making the dict)."""
        raw = self.raw[_VALUES]
        count = len(raw) - list(raw.values()).count(None)
        for run in self._value_runs():
            count += sum(len(values) - values.count(None) for _, values in run.inputs)
        return count

    def value_of(self, cell: CellKey) -> Any:
        """``values.get(cell)`` without making the dict."""
        raw = self.raw[_VALUES]
        if cell in raw:
            return raw[cell]
        table_key, row_key, col_key = cell
        for run in self._value_runs():
            if run.table_key == table_key:
                for key, values in run.inputs:
                    if key == col_key:
                        lookup = run.lookups.get(key)
                        if lookup is None:
                            lookup = run.lookups[key] = dict(zip(run.row_keys, values))
                        found = lookup.get(row_key, _UNSEEN)
                        if found is not _UNSEEN:
                            return found
        return None

    def column(self, table_key: str, row_keys: list[str], col_key: str) -> list[Any]:
        """``[values.get((table_key, r, col_key)) for r in row_keys]`` (``row_keys`` unique) without
        making the dict: when they end with the runs' rows of that column, their values as read."""
        tail_rows: list[str] = []
        tail_values: list[Any] = []
        for run in self._value_runs():
            if run.table_key == table_key:
                for key, values in run.inputs:
                    if key == col_key:
                        tail_rows += run.row_keys
                        tail_values += values
        head = len(row_keys) - len(tail_rows)
        if tail_rows and head >= 0 and row_keys[head:] == tail_rows:
            raw = self.raw[_VALUES]
            return list(map(raw.get, zip(repeat(table_key), row_keys[:head], repeat(col_key)))) + tail_values
        if not tail_rows:
            return list(map(self.raw[_VALUES].get, zip(repeat(table_key), row_keys, repeat(col_key))))
        return list(map(self.values.get, zip(repeat(table_key), row_keys, repeat(col_key))))


@dataclass
class SubmissionFile:
    """Everything a workbook says, read without a database."""

    path: Path
    kind: str  # submission | template | layout (no hidden sheets)
    format_version: int = 0
    township_name: str = ""
    township_stat_code: str = ""
    township_mca_code: str = ""
    period: str | None = None
    form_versions: dict[str, int] = field(default_factory=dict)  # as the file lists them
    forms: list[FileForm] = field(default_factory=list)  # the forms this program can import
    check: str = CHECK_NONE
    notices: list[str] = field(default_factory=list)
    has_macros: bool = False
    program_version: str = ""  # the exporting program's version (``_meta``), for the district's register
    no_data: dict[str, str] = field(default_factory=dict)  # e6: form key → 本期无数据 reason (``_meta``)
    signature: Any = None  # s8: the ``_meta`` signature fields (security.signing.SignatureBlock), None: unsigned

    @property
    def modified(self) -> bool:
        return self.check == CHECK_MODIFIED

    @property
    def rejected(self) -> list[Rejected]:
        return [r for f in self.forms for r in f.rejected]

    def form(self, key: str) -> FileForm | None:
        return next((f for f in self.forms if f.key == key), None)


_EXACT_INT = 2**53
_new_tuple = tuple.__new__
_UNSEEN = object()  # a form key not met before in the map


def normalise(raw: Any) -> Any:
    """calamine's value as parse_input should see it: 3.0 → 3, "" → None."""
    if raw == "" or raw is None:
        return None
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer() and abs(raw) < 2**53:
        return int(raw)
    return raw


def _exact_text(value: Any) -> str:
    """A ``_meta`` value as the checksum saw it when written (text as it is; 3.0 read back as "3")."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return str(value)


def _text(value: Any) -> str:
    return _exact_text(value).strip()


def read_submission(path: Path, catalogue: FormCatalogue) -> SubmissionFile:
    """Read ``path`` (see the module docstring). Raises ImportRefused for a file that is not a
    readable workbook of this program's forms; cells that cannot be parsed are ``Rejected``."""
    with gc_paused():
        return _read_submission(Path(path), catalogue)


def _read_submission(path: Path, catalogue: FormCatalogue) -> SubmissionFile:
    book = read_workbook(path)
    if META_SHEET not in book.grids and CELLS_SHEET not in book.grids:
        from export.feedback_file import feedback_from_book, is_feedback_book

        if is_feedback_book(book):  # the district's 反馈 workbook: not data (its remarks, read once)
            raise FeedbackGiven(feedback_from_book(book, path), path.name)
    meta = _meta(book) if META_SHEET in book.grids else {}
    result = SubmissionFile(path, "layout", has_macros=book.check.has_macros)
    if meta:
        _identify(result, meta)
        result.signature = _signature_block(meta)
    if CELLS_SHEET in book.grids:
        _from_cells_map(catalogue, book, meta, result)
    else:
        if meta:  # the hidden map was deleted: whatever the file is now, it is not as written
            result.check = CHECK_MODIFIED
        _from_layout(catalogue, book, result)
    return result


def _meta(book: Book) -> dict[str, Any]:
    rows = book.rows(META_SHEET)
    return {str(r[0]): (r[1] if len(r) > 1 else None) for r in rows[1:] if r and r[0] not in ("", None)}


def _identify(result: SubmissionFile, meta: dict[str, Any]) -> None:
    name = result.path.name
    if meta.get("format") not in FORMATS:
        raise ImportRefused(f"文件 {name} 的隐藏信息表格式不明（{meta.get('format')!r}），不是本程序导出的文件")
    try:
        version = float(meta.get("format_version") or 1)
        result.format_version = int(version) if math.isfinite(version) else 0
    except (TypeError, ValueError):
        result.format_version = 0
    if result.format_version > FORMAT_VERSION:
        raise ImportRefused(f"文件 {name} 由更新版本的程序导出（格式第{result.format_version}版），请先升级本程序再导入")
    result.kind = "submission" if meta.get("format") == FORMAT else "template"
    result.township_name = _text(meta.get("township_name"))
    result.township_stat_code = _text(meta.get("township_stat_code"))
    result.township_mca_code = _text(meta.get("township_mca_code"))
    result.program_version = _text(meta.get("program_version"))
    result.no_data = _no_data(meta.get(NO_DATA_META))
    period = _text(meta.get("period"))
    if period:
        try:
            result.period = parse_period(period)
        except PeriodError:
            result.period = None
    for entry in _text(meta.get("forms")).split(","):
        key, _, version_text = entry.strip().partition("@")
        try:
            result.form_versions[key] = int(version_text)
        except ValueError:
            continue


def _no_data(raw: Any) -> dict[str, str]:
    """The 本期无数据 declarations of ``_meta`` (e6); anything malformed reads as none."""
    try:
        value = json.loads(_exact_text(raw) or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): " ".join(str(v).split())[:200] for k, v in value.items() if isinstance(k, str)}


def _signature_block(meta: dict[str, Any]) -> Any:
    """s8: the signature fields of ``_meta`` as written (``security.signing``); None when unsigned."""
    from security.signing import META_FIELDS, SignatureBlock

    if not any(meta.get(key) not in (None, "") for key in META_FIELDS):
        return None
    suite, signature, certificate = (_exact_text(meta.get(key)) for key in META_FIELDS)
    return SignatureBlock(suite, signature, certificate, _text(meta.get("sha256")).lower(),
                          _exact_text(meta.get("export_time")))


def _identity(meta: dict[str, Any]) -> FileIdentity:
    return FileIdentity(*(_exact_text(meta.get(key)) for key in (
        "format", "township_name", "township_stat_code", "township_mca_code", "period", "forms")))


def _verdict(result: SubmissionFile, meta: dict[str, Any], entries: list[MappedCell] | None,
             records: list[MapRecord] | None) -> str:
    """一致 only when the stored checksum is present, well formed and matches (``entries``: a
    format 1/2 map read cell by cell; ``records``: a format 3 map)."""
    expected = _text(meta.get("sha256")).lower()
    if len(expected) != 64 or any(ch not in "0123456789abcdef" for ch in expected):
        return CHECK_MODIFIED
    with_values = result.kind == "submission"
    try:
        if result.format_version >= 3 and records is not None:
            actual = map_checksum(_identity(meta), records, with_values=with_values)
        elif result.format_version == 2 and entries is not None:
            actual = file_checksum(_identity(meta), entries, with_values=with_values)
        elif result.format_version == 1 and entries is not None:
            # version 1 covered a submission's values and 说明; its templates were blank, so their
            # checksum is that of no values at all (a relabelled submission does not have it)
            values = entries if with_values else []
            actual = values_checksum((e.form_key, e.form_version, e.table_key, e.row_key, e.col_key, e.value, e.note)
                                     for e in values)
        else:  # an unknown version, or a map of another version than _meta says
            return CHECK_MODIFIED
    except ValueError:
        return CHECK_MODIFIED
    return CHECK_OK if actual == expected else CHECK_MODIFIED


def _check_version(catalogue: FormCatalogue, key: str, version: int, result: SubmissionFile) -> FormSpec | None:
    try:
        form = catalogue.get(key)
    except KeyError:
        result.notices.append(f"文件中的表式“{key}”本程序没有，已跳过")
        return None
    if version > form.version:
        result.notices.append(f"文件中的《{form.name}》是第{version}版表式，比本程序的第{form.version}版新，"
                              "无法导入该表：请先升级本程序")
        return None
    if version < form.version:
        result.notices.append(f"文件中的《{form.name}》是第{version}版表式（本程序为第{form.version}版），"
                              "按表中各单元格的代码导入，请导入后重新审核")
    return form


def _note_from_comment(text: str | None) -> str | None:
    """A comment's text as a 说明: without the "说明：" this program's own export puts first."""
    if not text:
        return None
    for prefix in ("说明：", "说明:"):
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
    return text or None


class _Parser:
    """``parse_input`` for one file, remembering its answer for text read again in the same column
    (a choice column's 是/否, an industry code: the same few texts on every row). ``parse_input``
    depends only on the column and the value. (A finite number within a numeric column's bound —
    nearly every cell of a file — is taken as ``parse_input`` would take it, without its text
    work, in ``_MapReader.records_v3``: see ``_bound``.)"""

    def __init__(self) -> None:
        self.texts: dict[int, dict[str, ParsedValue]] = {}  # id(column) → text → its answer

    def column_texts(self, col: ColumnSpec) -> dict[str, ParsedValue]:
        """The answers kept for one column (its text → ``parse_input``'s answer)."""
        known = self.texts.get(id(col))
        if known is None:
            known = self.texts[id(col)] = {}
        return known

    def parse(self, col: ColumnSpec, raw: Any) -> ParsedValue:
        if type(raw) is not str:
            return parse_input(col, raw)
        known = self.column_texts(col)
        parsed = known.get(raw)
        if parsed is None:
            parsed = known[raw] = parse_input(col, raw)
        return parsed


def _bound(col: ColumnSpec) -> float:
    """The magnitude ``parse_input`` refuses a number from (0: not a numeric column, never the fast
    path). Below it a finite int — or float, but in an integer column — is stored as it is."""
    if not col.numeric:
        return 0.0
    return col.bound if col.bound is not None else DEFAULT_BOUNDS.get(col.type, DEFAULT_BOUNDS["number"])


def _read_cell(book: Book, item: FileForm, table: TableSpec, row_key: str, col: ColumnSpec, sheet: str,
               address: str, value: Any = None, *, trusted: bool = False, parser: _Parser | None = None) -> None:
    """Parse one input cell (``value``: what the book holds there, when the caller has read it;
    ``trusted``: the file is unchanged since this program wrote it)."""
    col_key = col.key
    if item.take_comments:
        note = _note_from_comment(book.comment(sheet, address))
        if note:
            item.notes[(table.key, row_key, col_key)] = note
    if book.check.formulas_without_value and book.formula_without_value(sheet, address):
        item.rejected.append(Rejected(item.form.key, sheet, address, "（公式）",
                                      "公式没有计算结果（文件保存前未计算），请在 Excel 中重新计算并保存，或直接填写数值",
                                      (table.key, row_key, col_key)))
        return
    raw = normalise(book.value(sheet, address) if value is None else value)
    if col.type == "percent" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        shown = book.shown_as_percent(sheet, address)
        if shown:
            raw = normalise(round(raw * 100, 10))  # a percent column holds 41.2 for 41.2 %; Excel stores 0.412
        elif not trusted and 0 < abs(raw) <= 1:
            # 0.412 in a percent column is almost always 41.2 % typed as a fraction: never guess
            item.rejected.append(Rejected(item.form.key, sheet, address, raw, PERCENT_FRACTION_REASON(raw),
                                          (table.key, row_key, col_key)))
            return
    parsed = parse_input(col, raw) if parser is None else parser.parse(col, raw)
    if parsed.error:
        item.rejected.append(Rejected(item.form.key, sheet, address, raw, parsed.error, (table.key, row_key, col_key)))
        return
    item.raw[0][(table.key, row_key, col_key)] = parsed.value  # a cell of no run: ``FileForm``


class _MapReader:
    """Turns the ``_cells`` map (either layout) into the file's forms: one pass, each lookup a
    dict or set (a 5,000-row list is 70,000 cells)."""

    def __init__(self, catalogue: FormCatalogue, book: Book, result: SubmissionFile) -> None:
        self.catalogue, self.book, self.result = catalogue, book, result
        self.items: dict[str, FileForm | None] = {}
        self.grid_rows: dict[int, set[str]] = {}  # id(table) → its row keys
        self.rows_seen: dict[tuple[str, str], set[str]] = {}  # (form, table) → its row keys so far
        self.shaped: dict[tuple[int, str, str, int], tuple[Any, ...] | None] = {}  # _MapReader.row_shape
        # the row ``table`` was last asked for is met for the first time: no cell of it is mapped yet
        self.new_row = True
        self.pending: list[tuple[FileForm, TableSpec, str, ColumnSpec, str, str, Any]] = []
        self.plans: dict[tuple[int, str, str], list[tuple[int, str, str, ColumnSpec | None, float, bool, str]]] = {}
        self.shapes = _SHAPES  # kept across files (a pure function of the two texts)
        self.parser = _Parser()
        self.plain = not book.check.formulas_without_value  # no cell needs more than its value parsed
        self.duplicate = False  # a cell mapped twice: not a file this program wrote
        self.missing_tables: set[tuple[str, str]] = set()
        # a run of a long list's later rows met for the first time, all of one shape, read column by
        # column when the run ends (``read_run``): (form, table, known cells, parse now, table key)
        # and the rows' (row key, row number, values, 说明 or None)
        self.run_of: tuple[Any, ...] | None = None
        self.run: list[tuple[str, int, list[Any], list[str | None] | None]] = []

    def refuse(self, what: str) -> ImportRefused:
        return ImportRefused(f"文件 {self.result.path.name} 的隐藏单元格表有错误（{what}）")

    def version(self, text: Any) -> int:
        try:
            version = float(text)
            if not math.isfinite(version) or not version.is_integer():
                raise ValueError
        except (TypeError, ValueError):
            raise self.refuse(f"表式版本 {text!r}") from None
        return int(version)

    def item(self, form_key: str, version: int, sheet: str) -> FileForm | None:
        """The file's form ``form_key`` (None: skipped, with the reason in the notices)."""
        if form_key in self.items:
            return self.items[form_key]
        result = self.result
        form = _check_version(self.catalogue, form_key, version, result)
        item = FileForm(form, sheet, take_comments=result.kind != "submission") if form else None
        if item is not None and sheet not in self.book.grids:
            # the user deleted this form's sheet: the form is not touched, whatever _cells says
            result.notices.append(f"文件中没有工作表“{sheet}”（已删除），《{form.name}》不导入，数据库中该表不变")
            item = None
        self.items[form_key] = item
        if item is not None:
            result.forms.append(item)
        return item

    def table(self, item: FileForm, table_key: str, row_key: str, sheet: str, address: str) -> TableSpec | None:
        """The table of a mapped row (at ``sheet!address``), noting the file's list row order; None
        (noted) when this program's form has no such table or grid row."""
        try:
            table = item.form.table(table_key)
        except KeyError:
            if (item.key, table_key) not in self.missing_tables:  # said once, not once per row
                self.missing_tables.add((item.key, table_key))
                item.notices.append(f"{sheet}!{address} 对应的表 {table_key} 在本程序的表式中不存在，已跳过")
            return None
        is_list = table.kind == "list"
        if not is_list:
            keys = self.grid_rows.get(id(table))
            if keys is None:
                keys = self.grid_rows[id(table)] = {r.key for r in table.rows}
            if row_key not in keys:
                item.notices.append(f"{sheet}!{address} 对应的行 {row_key} 在本程序的表式中不存在，已跳过")
                return None
        seen = self.rows_seen.get((item.key, table_key))
        if seen is None:
            seen = self.rows_seen[(item.key, table_key)] = set()
        self.new_row = row_key not in seen
        if self.new_row:
            seen.add(row_key)
            if is_list:
                item.list_rows.setdefault(table_key, []).append(row_key)
        return table

    def cell(self, item: FileForm, table: TableSpec, row_key: str, col: ColumnSpec, address: str, kind: str,
             raw: Any, note: str | None) -> None:
        """One mapped cell of a known table: remembered, and an input cell queued for parsing."""
        cell = (table.key, row_key, col.key)
        if cell in item.addresses:
            self.duplicate = True
            return
        item.addresses[cell] = address
        if note:
            item.notes[cell] = note
        if kind == "input":
            self.pending.append((item, table, row_key, col, item.sheet, address, raw))
        else:
            item.file_computed[cell] = (address, normalise(raw))

    def cells_v2(self, rows: list[list[Any]], header: list[str]) -> list[MappedCell]:
        """A format 1/2 map: one row per cell."""
        pick = itemgetter(*(header.index(h) for h in CELLS_HEADER_V2))
        width = len(header)
        entries: list[MappedCell] = []
        book = self.book
        for raw_row in rows[1:]:
            row = raw_row if len(raw_row) >= width else list(raw_row) + [""] * (width - len(raw_row))
            sheet, address, form_key, table_key, row_key, col_key, version_text, kind, note_raw = pick(row)
            if not sheet:
                continue
            sheet, address = str(sheet), str(address)
            form_key, table_key, row_key, col_key, kind = str(form_key), str(table_key), str(row_key), str(col_key), str(kind)
            version = self.version(version_text)
            note = str(note_raw) if note_raw not in ("", None) else None
            try:
                raw, is_address = book.value(sheet, address), True
            except ValueError:  # not an A1 address
                raw, is_address = None, False
            entries.append(MappedCell(sheet, address, form_key, version, table_key, row_key, col_key, kind, raw, note))
            item = self.item(form_key, version, sheet)
            if item is None:
                continue
            if sheet != item.sheet or not is_address:
                raise self.refuse(f"单元格 {sheet}!{address}")
            table = self.table(item, table_key, row_key, sheet, address)
            if table is None:
                continue
            try:
                col = table.column(col_key)
            except KeyError:
                item.notices.append(f"{sheet}!{address} 对应的栏目 {table_key}/{col_key} 在本程序的表式中不存在，已跳过")
                continue
            self.cell(item, table, row_key, col, address, kind, raw, note)
        return entries

    def records_v3(self, rows: list[list[Any]], header: list[str]) -> list[MapRecord]:
        """A format 3 map: one record per body row (``export.file_format``)."""
        pick = itemgetter(*(header.index(h) for h in CELLS_HEADER[:-1]))
        notes_at = header.index(CELLS_HEADER[-1])
        width = len(header)
        records: list[MapRecord] = []
        letters: list[str] = [""]
        positions = 0  # all records' together: a few kilobytes of "a,a,a…" must not become a gigabyte
        versions: dict[float, int] = {}
        items = self.items
        lane: tuple[Any, ...] | None = None  # the run's record fields, its rows so far, column, shape, …
        for raw_row in rows[1:]:
            row = raw_row if len(raw_row) >= width else list(raw_row) + [""] * (width - len(raw_row))
            sheet, first, form_key, table_key, row_key, columns, version_text, kinds = pick(row)
            if lane is not None:
                # the next row of a run (issue 16): the same fields as the run's record before it, a
                # row key not met before, no 说明 — what the general way below would find of it is
                # known: only its row, values and row key are its own (anything else: that way)
                fields, seen, list_rows, c, n, blocked, version, grid = lane
                noted = row[notes_at:notes_at + n]
                if (type(row_key) is str and type(first) is str and row_key not in seen
                        and (sheet, form_key, table_key, columns, version_text, kinds) == fields
                        and noted.count("") + noted.count(None) == len(noted)):
                    try:
                        r, at = parse_address(first)
                    except ValueError:
                        at = 0
                    if at == c:
                        positions += n
                        if positions > MAX_CELLS:
                            raise self.refuse(f"映射的单元格超过 {MAX_CELLS:,} 个")
                        # (``record_values`` inlined: one step less on each of 5,000 rows)
                        values = (grid[r - 1] if r <= len(grid) else [])[c - 1:c - 1 + n]
                        if "" in values:
                            values = [None if v == "" else v for v in values]
                        if len(values) < n:
                            values += [None] * (n - len(values))
                        for j in blocked:
                            values[j] = None
                        records.append(_new_tuple(MapRecord, (fields[0], first, fields[1], version, fields[2], row_key,
                                                              columns, kinds, values, [None] * n)))
                        seen.add(row_key)
                        list_rows.append(row_key)
                        self.new_row = True
                        self.run.append((row_key, r, values, None))
                        continue
                lane = None
            if not sheet:
                continue
            sheet, first, form_key, table_key, row_key = str(sheet), str(first), str(form_key), str(table_key), str(row_key)
            columns, kinds = str(columns), str(kinds)
            version = versions.get(version_text) if type(version_text) is float else None
            if version is None:  # (every record of a form has the same version: worked out once)
                version = self.version(version_text)
                if type(version_text) is float:
                    versions[version_text] = version
            shape = self.shapes.get((columns, kinds))
            if shape is None:
                shape = self.shape(columns, kinds, f"{sheet}!{first}")
            keys, blocked = shape
            n = len(keys)
            positions += n
            if positions > MAX_CELLS:
                raise self.refuse(f"映射的单元格超过 {MAX_CELLS:,} 个")
            try:
                r, c = parse_address(first)
            except ValueError:
                raise self.refuse(f"单元格 {sheet}!{first}") from None
            if c + n - 1 > MAX_COLS:  # no sheet the import reads is wider
                raise self.refuse(f"单元格 {sheet}!{first}")
            values = self.record_values(sheet, r, c, n, blocked)
            noted = row[notes_at:notes_at + n]
            noted_row = noted.count("") + noted.count(None) != len(noted)  # a 说明 on the row (few rows have one)
            if noted_row:
                notes = [None if v in ("", None) else str(v) for v in noted] + [None] * (n - len(noted))
            else:
                notes = [None] * n
            for j in blocked:
                notes[j] = None  # a blocked cell ("—") is not mapped (its value: ``record_values``)
            # MapRecord(...) without its Python-level __new__ (the same tuple)
            records.append(_new_tuple(MapRecord, (sheet, first, form_key, version, table_key, row_key, columns, kinds,
                                                  values, notes)))
            item = items.get(form_key, _UNSEEN)
            if item is _UNSEEN:
                item = self.item(form_key, version, sheet)
            if item is None:
                continue
            if sheet != item.sheet:
                raise self.refuse(f"单元格 {sheet}!{first}")
            table = self.table(item, table_key, row_key, sheet, first)
            if table is None:
                continue
            parse_now = self.plain and not item.take_comments  # else every input cell waits for the verdict
            planned = self.row_plan(item, table, table_key, row_key, first, columns, kinds, r, c)
            if planned is not None and planned[1] is None and not planned[2]:
                # a long list's later row met for the first time, every column known: kept for the
                # run of such rows, read column by column when it ends (``read_run``)
                ran = self.run_of
                if ran is None or ran[0] is not item or ran[1] is not table or ran[2] is not planned[3] or ran[3] is not parse_now:
                    self.read_run()
                    self.run_of = (item, table, planned[3], parse_now, table_key)  # (the table says its key)
                self.run.append((row_key, r, values, notes if noted_row else None))
                if not noted_row:  # the rows after it may take the lane
                    lane = ((sheet, form_key, table_key, columns, version_text, kinds),
                            self.rows_seen[(item.key, table_key)], item.list_rows[table_key], c, n, blocked, version,
                            self.book.grids.get(sheet, ()))
                continue
            if self.run:
                self.read_run()  # the cells of the rows before are mapped before this one's are looked at
            if planned is None or (not self.new_row and not item.addresses.keys().isdisjoint(planned[1])):
                # a row mapped in an unusual way, or a cell mapped before: cell by cell (a row met for
                # the first time has no cell mapped before: its cells are its table's, row's and columns')
                self.cells_of(item, table, sheet, table_key, row_key, r, c, n, columns, kinds, values, notes, noted_row,
                              letters)
                continue
            if planned[1] is None:  # a long list's later row met for the first time: in one pass
                _, _, unknown, known = planned
                suffix = str(r)
                for letter, key in unknown:
                    item.notices.append(f"{sheet}!{letter}{suffix} 对应的栏目 {table_key}/{key} 在本程序的表式中不存在，已跳过")
                self.read_inputs(item, table, sheet, row_key, values, known, parse_now,
                                 (table_key, suffix, notes if noted_row else None))
                continue
            _, adds, unknown, noted_cells, computed_cells, input_cells = planned
            # the reader's own dicts: no cell of this row is in a run kept as columns (``FileForm``)
            (_, addresses, computed), read_notes = item.raw, item.notes
            for address, key in unknown:
                item.notices.append(f"{sheet}!{address} 对应的栏目 {table_key}/{key} 在本程序的表式中不存在，已跳过")
            addresses.update(adds)
            if noted_row:
                for j, cell in noted_cells:
                    if notes[j]:
                        read_notes[cell] = notes[j]
            for j, cell, address in computed_cells:
                computed[cell] = (address, normalise(values[j]))
            self.read_inputs(item, table, sheet, row_key, values, input_cells, parse_now)
        self.read_run()
        return records

    def record_values(self, sheet: str, r: int, c: int, n: int, blocked: tuple[int, ...]) -> list[Any]:
        """The values of a record's ``n`` cells from ``sheet``!(``r``, ``c``) on (None for a blank, and
        for the ``blocked`` positions when given)."""
        grid = self.book.grids.get(sheet, ())
        line = grid[r - 1] if r <= len(grid) else []
        values = line[c - 1:c - 1 + n]
        if "" in values:  # (a row of figures has no blank: its slice as it is, without a step per value)
            values = [None if v == "" else v for v in values]
        values += [None] * (n - len(values))
        for j in blocked:
            values[j] = None
        return values

    def read_run(self) -> None:
        """The run of a long list's later rows kept by ``records_v3``: column by column
        (``read_columns``), or — when a cell of it needs more than its value taken as it is — row by
        row as each would have been read in its turn (``read_inputs``), the same result either way."""
        rows = self.run
        if not rows:
            return
        item, table, known, parse_now, table_key = self.run_of  # type: ignore[misc]
        self.run = []
        if parse_now and self.read_columns(item, table_key, known, rows):
            return
        for row_key, r, values, notes in rows:
            self.read_inputs(item, table, item.sheet, row_key, values, known, parse_now, (table_key, str(r), notes))

    def read_columns(self, item: FileForm, table_key: str, known: tuple[Any, ...],
                     rows: list[tuple[str, int, list[Any], list[str | None] | None]]) -> bool:
        """``read_inputs`` (with ``build``) of every row of a run at once, a column at a time (issue
        16: the cells, addresses and values made by ``zip``/``map`` in C, each column's values
        checked together): False, changing nothing, when a cell needs more than ``read_inputs``'s
        quick answers (a refusal, a text ``plain_text`` does not answer, a number out of its column's
        bound, a mixture of types) — the caller then reads the run row by row. Each dict gets its
        entries in the order reading row by row gives them."""
        row_keys = [row[0] for row in rows]
        numbers = [row[1] for row in rows]
        first = numbers[0]
        # the rows one below the other (as the export writes them): each column's addresses a slice
        # of its kept ones
        below = first > 0 and first + len(numbers) <= _ADDRESSES_KEPT and numbers == list(range(first, first + len(numbers)))
        suffixes = None if below else list(map(str, numbers))
        by_position = list(zip(*[row[2] for row in rows]))
        addressed, computed, inputs = [], [], []
        for j, col_key, letter, code, col, bound, whole, text_type in known:
            addresses = (_column_addresses(letter, first + len(numbers))[first:first + len(numbers)] if below else
                         list(map(letter.__add__, suffixes)))  # type: ignore[arg-type]
            addressed.append((col_key, addresses))
            if code is _COMPUTED:
                computed.append((col_key, list(zip(addresses, map(normalise, by_position[j])))))
                continue
            if code is not _INPUT:
                return False
            read = self.column_values(col, bound, whole, text_type, by_position[j])
            if read is None:
                return False
            inputs.append((col_key, read))
        raw = item.raw  # the cells are made only when a dict of them is asked for (``FileForm``)
        item.runs.append(_Run([len(raw[0]), len(raw[1]), len(raw[2])], table_key, row_keys, addressed, computed, inputs))
        if any(row[3] is not None for row in rows):
            read_notes = item.notes
            for row in rows:
                notes = row[3]
                if notes is not None:
                    for j, col_key, *_ in known:
                        if notes[j]:
                            read_notes[(table_key, row[0], col_key)] = notes[j]
        return True

    def column_values(self, col: ColumnSpec, bound: float, whole: bool, text_type: str,
                      raw: tuple[Any, ...]) -> list[Any] | None:
        """What ``read_inputs`` stores for each of one column's values ``raw`` (None for a blank)
        when every one of them is a quick answer there (a finite number within the column's bound,
        an int for an integral one; a text ``plain_text`` answers; a text the column's kept
        ``parse_input`` answers accept); None when one is not."""
        kinds = set(map(type, raw))
        if not kinds <= (_FLOAT_OR_NONE if bound else _TEXT_OR_NONE):
            return None
        present = [v for v in raw if v is not None] if type(None) in kinds else raw
        if not present:
            return list(raw)
        if bound:  # floats: within the bound, and an integral one below 2**53 (stored as int)
            if not all(map(math.isfinite, present)):
                return None
            limit = min(bound, _EXACT_INT)
            if not (-limit < min(present) and max(present) < limit):
                return None
            if all(map(float.is_integer, present)):
                return [None if v is None else int(v) for v in raw]
            if whole:
                return None  # a fraction in an integer column: parse_input says so
            return [v if v is None or not v.is_integer() else int(v) for v in raw]
        if text_type == "text":  # plain_text's test, for the whole column
            if (all(map(str.isprintable, present)) and list(map(str.strip, present)) == list(present)
                    and max(map(len, present)) <= MAX_TEXT_CHARS):
                return list(raw)
            return None
        if text_type == "uscc":
            return list(raw) if plain_codes(present) else None
        known = self.parser.column_texts(col)
        answers: dict[Any, Any] = {None: None}
        for text in set(present):
            parsed = known.get(text)
            if parsed is None:
                parsed = known[text] = parse_input(col, text)
            if parsed.error:
                return None
            answers[text] = parsed.value
        return list(map(answers.__getitem__, raw))

    def row_plan(self, item: FileForm, table: TableSpec, table_key: str, row_key: str, first: str, columns: str,
                 kinds: str, r: int, c: int) -> tuple[Any, ...] | None:
        """What one record of the map means whatever the file's values: (table, {cell: address} of
        its known cells, (address, key) of its unknown columns, (position, cell) of its known cells,
        (position, cell, address) of its computed cells, (position, cell, address, kind, column,
        bound, integer column, text type) of its input cells) — the same in every file of these
        forms, so kept across files (``_ROW_PLANS``). None: a column listed twice in the record (it
        is read cell by cell, which notices the second one), or a row of a long list after its
        first ``_LIST_ROWS_KEPT`` met before (read cell by cell, as before); such a row met for the
        first time gives (table, None, its unknown and known cells of ``row_shape``), read in one pass."""
        if table.kind == "list" and len(item.list_rows.get(table_key, ())) > _LIST_ROWS_KEPT:
            # a long list's later rows: planning each once would cost more than it saves; a new one is
            # read in one pass from its columns' shape (``later_cells``), one met before cell by cell
            if not self.new_row:
                return None
            key = (id(table), columns, kinds, c)
            shape = self.shaped.get(key, _UNSEEN)
            if shape is _UNSEEN:
                shape = self.row_shape(table, columns, kinds, c)
                if len(self.shaped) < 256:
                    self.shaped[key] = shape
            return None if shape is None else (table, None, *shape)
        key = (id(table), table_key, row_key, first, columns, kinds)
        planned = _ROW_PLANS.get(key)
        if planned is not None and planned[0] is table:
            return planned
        plan = self.plan(table, columns, kinds)
        if len({entry[1] for entry in plan}) != len(plan):
            return None
        suffix = str(r)
        adds: dict[CellKey, str] = {}
        unknown, noted_cells, computed_cells, input_cells = [], [], [], []
        for j, col_key, code, col, bound, whole, text_type in plan:
            address = cell_address(1, c + j)[:-1] + suffix
            if col is None:
                unknown.append((address, col_key))
                continue
            cell = (table_key, row_key, col_key)
            adds[cell] = address
            noted_cells.append((j, cell))
            if code is _COMPUTED:
                computed_cells.append((j, cell, address))
            else:
                input_cells.append((j, cell, address, code, col, bound, whole, text_type))
        planned = (table, adds, tuple(unknown), tuple(noted_cells), tuple(computed_cells), tuple(input_cells))
        if len(_ROW_PLANS) >= _ROW_PLANS_MAX:
            _ROW_PLANS.clear()
        _ROW_PLANS[key] = planned
        return planned

    def row_shape(self, table: TableSpec, columns: str, kinds: str, c: int) -> tuple[Any, ...] | None:
        """What every row of a long list mapped with these columns from column ``c`` shares: its
        unknown positions' (letter, key) and its known ones' (position, key, letter, kind, column,
        bound, integer column, text type) — ``read_inputs``'s cells to build. None: a column
        listed twice (read cell by cell)."""
        plan = self.plan(table, columns, kinds)
        if len({entry[1] for entry in plan}) != len(plan):
            return None
        unknown, known = [], []
        for j, col_key, code, col, bound, whole, text_type in plan:
            letter = cell_address(1, c + j)[:-1]
            if col is None:
                unknown.append((letter, col_key))
            else:
                known.append((j, col_key, letter, code, col, bound, whole, text_type))
        return tuple(unknown), tuple(known)

    def cells_of(self, item: FileForm, table: TableSpec, sheet: str, table_key: str, row_key: str, r: int, c: int,
                 n: int, columns: str, kinds: str, values: list[Any], notes: list[str | None], noted_row: bool,
                 letters: list[str]) -> None:
        """One record's cells one by one (``records_v3`` without a row plan)."""
        addresses, computed, read_notes = item.addresses, item.file_computed, item.notes
        parse_now = self.plain and not item.take_comments
        inputs: list[tuple[Any, ...]] = []
        while len(letters) < c + n:
            letters.append(cell_address(1, len(letters))[:-1])
        suffix = str(r)
        for j, key, code, col, bound, whole, text_type in self.plan(table, columns, kinds):  # self.cell
            address = letters[c + j] + suffix
            if col is None:
                item.notices.append(f"{sheet}!{address} 对应的栏目 {table_key}/{key} 在本程序的表式中不存在，已跳过")
                continue
            cell = (table_key, row_key, key)
            if addresses.setdefault(cell, address) is not address:  # mapped before: one look-up
                self.duplicate = True
                continue
            if noted_row and notes[j]:
                read_notes[cell] = notes[j]
            if code is _COMPUTED:
                computed[cell] = (address, normalise(values[j]))
                continue
            inputs.append((j, cell, address, code, col, bound, whole, text_type))
        self.read_inputs(item, table, sheet, row_key, values, inputs, parse_now)

    def read_inputs(self, item: FileForm, table: TableSpec, sheet: str, row_key: str, values: list[Any],
                    input_cells: Any, parse_now: bool, build: tuple[str, str, list[str | None] | None] | None = None
                    ) -> None:
        """A record's input cells ((position, cell, address, kind, column, bound, integer column, text
        type) each, in the record's order): parsed now, or left for the verdict.

        ``build`` (table key, row number, the row's 说明 or None): a long list's later row met for the
        first time (issue 16), whose ``input_cells`` are ``row_shape``'s known cells — with the column
        key for the cell and the column letter for the address — computed ones too: each cell is
        made, mapped and its 说明 and computed value taken here, in the one pass over the row."""
        texts, exact = self.parser.texts, _EXACT_INT
        # the reader's own dicts (a run kept as columns has no cell of these rows: ``FileForm``)
        pending, read_values = self.pending, item.raw[0]
        if build is not None:
            table_key, suffix, notes = build
            (_, addresses, computed), read_notes = item.raw, item.notes
        for j, cell, address, code, col, bound, whole, text_type in input_cells:
            if build is not None:  # (cells_of and read_inputs in one; no cell of the row is mapped yet)
                cell = (table_key, row_key, cell)
                address += suffix
                addresses[cell] = address
                if notes is not None and notes[j]:
                    read_notes[cell] = notes[j]
                if code is _COMPUTED:
                    computed[cell] = (address, normalise(values[j]))
                    continue
            if code is not _INPUT or not parse_now:
                # the cell waits for the verdict (a percent cell's fraction is trusted only in an
                # unchanged file; a cell with more than its value needs _read_cell)
                pending.append((item, table, row_key, col, sheet, address, values[j]))
                continue
            # a cell with nothing but its value, parsed here (_read_cell inlined: its verdict
            # cannot change how it reads). _Parser.number inlined: a number within a numeric
            # column's bound is taken as it is, an integral float as int (normalise(); bound 0:
            # not a numeric column); an integer column's fraction and all else go the long way
            raw = values[j]
            kind_of = type(raw)
            if kind_of is float:
                if raw.is_integer() and -exact < raw < exact:
                    raw = int(raw)
                    if -bound < raw < bound:
                        read_values[cell] = raw
                        continue
                elif not whole and -bound < raw < bound:
                    read_values[cell] = raw
                    continue
            elif raw is None:
                read_values[cell] = None
                continue
            elif kind_of is int and -bound < raw < bound:
                read_values[cell] = raw
                continue
            elif kind_of is str and text_type:  # a name, a code: unique per row, never worth caching
                text = plain_text(text_type, raw)
                if text is not None:
                    read_values[cell] = text
                    continue
            if kind_of is str:  # _Parser.parse inlined: its kept answer for a text read before in this column
                known = texts.get(id(col))
                if known is None:
                    known = texts[id(col)] = {}
                parsed = known.get(raw)
                if parsed is None:
                    parsed = known[raw] = parse_input(col, raw)
            else:
                parsed = parse_input(col, raw)
            if parsed.error:
                item.rejected.append(Rejected(item.form.key, sheet, address, raw, parsed.error, cell))
                continue
            read_values[cell] = parsed.value

    def shape(self, columns: str, kinds: str, where: str) -> tuple[list[str], tuple[int, ...]]:
        """A record's column keys and its blocked positions, checked (the rows of one table share it)."""
        keys = columns.split(",")
        if len(keys) > MAX_COLS or len(kinds) != len(keys):
            raise self.refuse(f"{where} 的栏目与类型不符")
        for j, letter in enumerate(kinds):
            if (letter == BLOCKED_LETTER) == bool(keys[j]) or (letter != BLOCKED_LETTER and letter not in _KIND_NAMES):
                raise self.refuse(f"{where} 的栏目与类型不符")  # a blocked cell has no key, a mapped one has
        shape = keys, tuple(j for j, letter in enumerate(kinds) if letter == BLOCKED_LETTER)
        if len(self.shapes) >= 1024:  # a crafted file may vary every row
            self.shapes.clear()
        self.shapes[(columns, kinds)] = shape
        return shape

    def plan(self, table: TableSpec, columns: str, kinds: str) -> list[tuple[int, str, str, Any, float, bool, str]]:
        """(position, column key, kind, column or None when unknown, the column's bound for a plain
        number (``_bound``), integer column, text/uscc column's type for ``plain_text`` or "") of each
        mapped position of a record; the rows of one table share it."""
        key = (id(table), columns, kinds)
        plan = self.plans.get(key)
        if plan is None:
            by_key = {col.key: col for col in table.columns}
            plan = [(j, k, _kind_code(kinds[j], col), col, _bound(col) if col else 0.0,
                     bool(col and col.type == "integer"), col.type if col and col.type in _PLAIN_TEXT_TYPES else "")
                    for j, k in enumerate(columns.split(",")) if k for col in (by_key.get(k),)]
            if len(self.plans) < 256:  # a file of this program has one per table; a crafted one may vary each row
                self.plans[key] = plan
        return plan


_SHAPES: dict[tuple[str, str], tuple[list[str], tuple[int, ...]]] = {}  # _MapReader.shape
_ROW_PLANS: dict[tuple[int, str, str, str, str, str], tuple[Any, ...]] = {}  # _MapReader.row_plan
_ROW_PLANS_MAX = 4096
_LIST_ROWS_KEPT = 256  # a list's first rows (its later rows, a few files have, are read cell by cell)
_KIND_NAMES = {"i": "input", "c": "computed"}
_FLOAT_OR_NONE = frozenset((float, type(None)))  # what a numeric column of a run is read at once from
_TEXT_OR_NONE = frozenset((str, type(None)))  # what another column of a run is read at once from
_ADDRESSES_KEPT = 10_001  # a column's addresses kept down to this row (a 5,000-row list)
_ADDRESSES: dict[str, list[str]] = {}  # column letter → its addresses so far, [""] + ["B1", "B2", …]


def _column_addresses(letter: str, rows: int) -> list[str]:
    """The addresses of column ``letter`` by row number, at least down to row ``rows`` (kept across
    files: the same on every row of every long list; made down to a row only when a list reaches it)."""
    found = _ADDRESSES.get(letter)
    if found is None:
        if len(_ADDRESSES) >= 64:
            _ADDRESSES.clear()
        found = _ADDRESSES[letter] = [""]
    if len(found) <= rows:
        found += map(letter.__add__, map(str, range(len(found), rows + 1)))
    return found


def _row_major(columns: list[list[Any]]) -> Any:
    """The items of equally long columns row by row (in C)."""
    return chain.from_iterable(zip(*columns))


_PLAIN_TEXT_TYPES = ("text", "uscc")  # the column types ``plain_text`` answers for
_COMPUTED, _INPUT, _PERCENT = "computed", "input", "percent input"  # a plan's kinds (compared by identity)


def _kind_code(letter: str, col: ColumnSpec | None) -> str:
    """A mapped position's kind in a plan: computed, input, or input of a percent column (which
    waits for the checksum verdict)."""
    if _KIND_NAMES[letter] == "computed":
        return _COMPUTED
    return _PERCENT if col is not None and col.type == "percent" else _INPUT


def _from_cells_map(catalogue: FormCatalogue, book: Book, meta: dict[str, Any], result: SubmissionFile) -> None:
    """Own files: every cell is listed in ``_cells``; the checksum verdict is taken over all of them
    before the input cells are parsed (an untouched submission's numbers are taken as written)."""
    rows = book.rows(CELLS_SHEET)
    header = [str(v) for v in rows[0]] if rows else []
    reader = _MapReader(catalogue, book, result)
    entries: list[MappedCell] | None = None
    records: list[MapRecord] | None = None
    if all(h in header for h in CELLS_HEADER):
        records = reader.records_v3(rows, header)
    elif all(h in header for h in CELLS_HEADER_V2):
        entries = reader.cells_v2(rows, header)
    else:
        raise ImportRefused(f"文件 {result.path.name} 的隐藏单元格表不完整，无法可靠导入")
    items = reader.items
    # forms the file lists but has no cell of (e.g. an empty list of units): they import as empty
    for key, version in result.form_versions.items():
        if not key or key in items:
            continue
        form = _check_version(catalogue, key, version, result)
        sheet = _sheet_for(book, form) if form else None
        items[key] = FileForm(form, sheet) if form and sheet else None
        if items[key] is not None:
            result.forms.append(items[key])  # type: ignore[arg-type]
    if meta:
        result.check = CHECK_MODIFIED if reader.duplicate else _verdict(result, meta, entries, records)
    trusted = result.kind == "submission" and result.check == CHECK_OK
    waited = set()  # forms with cells parsed after the verdict
    for item, table, row_key, col, sheet, address, raw in reader.pending:
        before = len(item.rejected)
        _read_cell(book, item, table, row_key, col, sheet, address, raw, trusted=trusted, parser=reader.parser)
        if len(item.rejected) > before:
            waited.add(id(item))
    for item in result.forms:
        if id(item) in waited and len(item.rejected) > 1:  # in the sheet's order, as if read in one pass
            item.rejected.sort(key=lambda r: _position(r.address))
    upgrade_file_forms(result, records, entries)  # r5: an older form version read into the current layout


def _position(address: str) -> tuple[int, int]:
    try:
        return parse_address(address)
    except ValueError:
        return (0, 0)


def _sheet_for(book: Book, form: FormSpec) -> str | None:
    wanted = sheet_base_name(form.code)
    for name in book.sheet_names:
        if name.strip() == wanted:
            return name
    return None


def _from_layout(catalogue: FormCatalogue, book: Book, result: SubmissionFile) -> None:
    """Filled templates without ``_cells``: sheets named by 表号, cells where the layout puts them."""
    for form in catalogue:
        sheet = _sheet_for(book, form)
        if sheet is None:
            continue
        item = FileForm(form, sheet)
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
            while isinstance(normalise(at(r, 1)), int) and n < table.max_rows:
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
            result.notices.append(f"工作表“{sheet}”的格式与本程序的《{form.name}》不符（{problem}），未导入该表")
            continue
        result.forms.append(item)
        item.list_rows = {k: list(v) for k, v in counts.items()}
        for (table_key, row_key, col_key), (r, c) in layout.cells.items():
            table = form.table(table_key)
            spec = table.row(row_key) if table.kind == "grid" else None
            if table.is_input(spec, table.column(col_key)):
                address = cell_address(r, c)
                item.addresses[(table_key, row_key, col_key)] = address
                _read_cell(book, item, table, row_key, table.column(col_key), sheet, address)
