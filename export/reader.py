"""Reads any supported workbook (.xlsx .xlsm .xls .ods — written by this program, Excel, WPS or
LibreOffice) into plain cell grids, after ``export.safety.check_file`` has passed it.

python-calamine does the reading: it handles all four kinds (openpyxl reads only .xlsx), is
many times faster, never runs macros and resolves no XML entities. It returns the cached
value of a formula cell. It returns an empty string both for an empty cell and for a formula
that was never calculated; for .xlsx/.xlsm the safety check finds the latter in the sheet XML
(``formulas_without_value``), for .xls/.ods they cannot be told apart and read as empty.
Numbers come back as float (3.0 for 3), dates as ``datetime.date``/``datetime``, logical values
as bool. Where the safety check found a formula error or a value fetched from an external link or
DDE formula (``FileCheck.cell_errors``), the grid holds a ``forms.values.CellError`` instead of
what calamine returned (an empty string, or the last value the link fetched), so the import
refuses that cell naming it. calamine gives
no number formats either, yet a cell shown as a percentage holds the fraction (35 % is stored as
0.35), so ``shown_as_percent`` asks the file itself: the cell styles of .xlsx/.xlsm and the cell
types of .ods (both found by the safety check), the cell formats of .xls (read with xlrd, only
when a percent column asks). When an .xls file's formats cannot be read it answers None
("cannot tell") and the import says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from export.errors import ImportRefused
from export.safety import MAX_CELLS, MAX_COLS, MAX_ROWS, FileCheck, check_file, sheet_comments
from forms.values import CellError
from gc_pause import gc_paused  # (re-exported: the readers' pause, see gc_pause)

__all__ = ["Book", "read_workbook", "cell_address", "parse_address", "gc_paused"]


def cell_address(row: int, col: int) -> str:
    """1-based (row, col) → "D12"."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


@lru_cache(maxsize=65536)
def parse_address(address: str) -> tuple[int, int]:
    """"D12" → (12, 4), 1-based; ValueError when it is not an A1 address."""
    letters = "".join(ch for ch in address if ch.isalpha()).upper()
    digits = address[len(letters):]
    if not letters or not digits.isdigit() or letters + digits != address.upper() or not int(digits):
        raise ValueError(address)  # (row 0 is no row: it would read the last one)
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits), col


@dataclass
class Book:
    """The sheets of one workbook as grids (row lists from A1), plus what the checks found."""

    path: Path
    check: FileCheck
    sheet_names: list[str]
    hidden: set[str]
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    _xls_formats_read: bool = False
    _comments: dict[str, dict[str, str]] = field(default_factory=dict)  # read on first use

    @property
    def kind(self) -> str:
        return self.check.kind

    def value(self, sheet: str, address: str) -> Any:
        """The value at ``sheet!address``; None when empty (or outside the used area)."""
        grid = self.grids.get(sheet)
        if grid is None:
            return None
        row, col = parse_address(address)
        if row > len(grid) or col > len(grid[row - 1]):
            return None
        value = grid[row - 1][col - 1]
        return None if value == "" else value

    def shown_as_percent(self, sheet: str, address: str) -> bool | None:
        """True when the file displays the cell as a percentage (the value 0.35 shows as 35%);
        None when the file's number formats cannot be read."""
        if self.kind == "xls" and not self._xls_formats_read:
            self._xls_formats_read = True
            _read_xls_percent_cells(self.path, self.check)
        if not self.check.percent_known:
            return None
        return address in self.check.percent_cells.get(sheet, ())

    def comment(self, sheet: str, address: str) -> str | None:
        """The cell comment (批注) at ``sheet!address`` (.xlsx/.xlsm only; calamine reads none)."""
        if sheet not in self._comments:
            self._comments[sheet] = sheet_comments(self.check, sheet) if sheet in self.check.comment_parts else {}
        return self._comments[sheet].get(address)

    def formula_without_value(self, sheet: str, address: str) -> bool:
        return address in self.check.formulas_without_value.get(sheet, ())

    def rows(self, sheet: str) -> list[list[Any]]:
        return self.grids.get(sheet, [])


def read_workbook(path: Path) -> Book:
    """Check, then read every sheet. Raises ImportRefused with one Chinese sentence."""
    import python_calamine as pc

    path = Path(path)
    check = check_file(path)
    name = path.name
    try:
        workbook = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise ImportRefused(f"文件 {name} 设有打开密码（已加密），无法读取：请在 Excel 中取消密码后另存再导入") from None
    except BaseException as exc:  # noqa: BLE001 - calamine raises several unrelated types for broken files
        _reraise_interrupts(exc)
        raise ImportRefused(f"文件 {name} 已损坏或格式无法识别（{_short(exc)}），已拒绝导入") from None
    try:
        book = Book(path, check, [], set())
        area = 0
        for meta in workbook.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue  # chart sheets, macro sheets: nothing to read
            book.sheet_names.append(meta.name)
            if meta.visible != pc.SheetVisibleEnum.Visible:
                book.hidden.add(meta.name)
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                if sheet.height > MAX_ROWS or sheet.width > MAX_COLS:
                    raise ImportRefused(f"文件 {name} 的工作表“{meta.name}”过大（{sheet.height} 行 × {sheet.width} 列），"
                                        "不像是一份统计报表，已拒绝导入")
                area += sheet.height * sheet.width  # the safety check measured it; this is the parser's word
                if area > MAX_CELLS:
                    raise ImportRefused(f"文件 {name} 的工作表共占 {area:,} 个单元格的范围（上限 {MAX_CELLS:,}），"
                                        "不像是一份统计报表，已拒绝导入")
                book.grids[meta.name] = _with_errors(sheet.to_python(skip_empty_area=False),
                                                     check.cell_errors.get(meta.name, {}))
            except ImportRefused:
                raise
            except pc.PasswordError:
                raise ImportRefused(f"文件 {name} 设有密码（已加密），无法读取：请取消密码后另存再导入") from None
            except BaseException as exc:  # noqa: BLE001
                _reraise_interrupts(exc)
                raise ImportRefused(f"文件 {name} 的工作表“{meta.name}”无法读取（{_short(exc)}），已拒绝导入") from None
    finally:
        workbook.close()
    return book


def _with_errors(grid: list[list[Any]], errors: dict[str, CellError]) -> list[list[Any]]:
    """``grid`` with each formula error / external value in place of what calamine read there."""
    for address, error in errors.items():
        row, col = parse_address(address)
        while len(grid) < row:
            grid.append([])
        line = grid[row - 1]
        if len(line) < col:
            line.extend([""] * (col - len(line)))
        line[col - 1] = error
    return grid


def _read_xls_percent_cells(path: Path, check: FileCheck) -> None:
    """The numeric cells of an .xls file whose number format shows a percentage (xlrd reads the
    BIFF cell formats calamine skips); on any failure the formats count as unknown."""
    import re

    try:
        import xlrd
    except ImportError:
        check.percent_known = False
        return
    literal = re.compile(r'"[^"]*"|\\.')  # quoted text and \-escaped characters are not number formats
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        try:
            percent_xf = set()
            for i, xf in enumerate(book.xf_list):
                fmt = book.format_map.get(xf.format_key)
                if fmt is not None and "%" in literal.sub("", fmt.format_str):
                    percent_xf.add(i)
            if not percent_xf:
                return
            for index in range(book.nsheets):
                sheet = book.get_sheet(index)
                cells = set()
                for r in range(min(sheet.nrows, MAX_ROWS)):
                    for c, kind in enumerate(sheet.row_types(r)[:MAX_COLS]):
                        if kind == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(r, c) in percent_xf:
                            cells.add(cell_address(r + 1, c + 1))
                if cells:
                    check.percent_cells[sheet.name] = cells
                book.unload_sheet(index)
        finally:
            book.release_resources()
    except Exception:  # noqa: BLE001 - xlrd raises many types for files it cannot follow
        check.percent_known = False
        check.percent_cells.clear()


def _reraise_interrupts(exc: BaseException) -> None:
    """A hostile file can make calamine's Rust code panic (an index out of range in an .xls
    MERGEDCELLS record): pyo3 raises that as ``PanicException``, a BaseException, which must
    become a refusal of the file like any other parse error — but Ctrl+C and exit stay what they are."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
