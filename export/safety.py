"""Checks a workbook file BEFORE any spreadsheet parser opens it.

Files arrive on USB drives from many hands. A parser handed a hostile file can be made to
allocate gigabytes (zip bomb, a sheet claiming a cell at row 1,048,576 × column XFD) or to
resolve XML entities; so the container is inspected here first, with hard limits, reading no
entry further than its limit (the sizes a zip header claims are not trusted):

* the extension must be one we read (.xlsx .xlsm .xls .ods) and match the magic bytes
  (zip for .xlsx/.xlsm/.ods, OLE compound file for .xls);
* an OLE compound file holding ``EncryptedPackage`` is a password-protected .xlsx;
* zip: at most ``MAX_ENTRIES`` entries, each XML part at most ``MAX_PART_BYTES`` unpacked,
  all together at most ``MAX_TOTAL_BYTES``, no part packed more than ``MAX_RATIO``:1;
* no XML part may carry a DOCTYPE or ENTITY declaration (XXE, billion laughs);
* only a regular file is opened (a FIFO or device named .xlsx would block the read forever);
* worksheets may not reach beyond ``MAX_ROWS`` rows or ``MAX_COLS`` columns, and all sheets
  together may not span more than ``MAX_CELLS`` cells (rows × columns from A1, summed over the
  sheets): the parser allocates every cell of that area, filled or not, so a 2 KB file claiming
  a far corner cell would otherwise cost gigabytes. The area is measured from the cells the file
  really holds (.xlsx references, .ods rows and columns with their repeat counts, .xls cell
  records), never from what a header claims. An .xlsx reference counts in every form the parser
  reads (``r='d12'``, ``r = "D12"``, any number of letters or digits), and so do rows and cells
  without one (numbered on from the one before); a sheet written the usual way is bounded by a
  few searches instead of reading every reference (``_check_sheet``);
* a declared count the parser allocates by (.xlsx shared strings ``uniqueCount``) must match the
  content;
* .xlsm is accepted for its values only: nothing in it is ever run (the readers here cannot
  run macros at all).

No child process is needed to contain the parser: every size the parser allocates by (declared
counts, the sheet area) is checked here against the content first, and a file that passes costs
at most ~320 MB and well under a second to read (a 1 KB .ods repeating a filled cell over exactly
``MAX_CELLS``; tests/test_hostile_files.py reads each crafted file in a child capped at 1 GiB).
A panic inside the parser on a file these checks did not foresee becomes a refusal (reader.py).

While reading the worksheet XML it also notes formula cells without a cached value (a file
written by a program that never calculated it), cells holding a formula error (``#DIV/0!``) and
cells whose formula reads an external workbook or a DDE link (.xlsx, .ods, and .xls through
its SUPBOOK/EXTERNSHEET records) — the calamine reader returns
these as empty cells or plain values; the reader puts a ``CellError`` there instead, which
``parse_input`` refuses naming the error.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from export.errors import ImportRefused
from forms.values import CellError

__all__ = ["FileCheck", "check_file", "sheet_comments", "SUPPORTED_SUFFIXES", "MAX_FILE_BYTES", "MAX_ENTRIES", "MAX_PART_BYTES",
           "MAX_TOTAL_BYTES", "MAX_RATIO", "MAX_ROWS", "MAX_COLS", "MAX_CELLS"]

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_PART_BYTES = 40 * 1024 * 1024
MAX_TOTAL_BYTES = 150 * 1024 * 1024
MAX_RATIO = 150  # only for parts over 1 MB unpacked: small XML legitimately packs very well
MAX_ROWS = 60_000
MAX_COLS = 500
MAX_CELLS = 3_000_000  # rows × columns of every sheet together: ~100 MB for the parser, whatever the file says

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# every reference the parser reads (``r="D12"``, ``r='d12'``, ``r = "D12"``: quotes, spaces and
# lower-case letters are all XML it accepts), with as many letters and digits as the file holds
_REF = re.compile(rb"\br\s*=\s*[\"']([A-Za-z]*)(\d+)[\"']")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_FORMULA_NO_VALUE = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_R_ATTR = re.compile(rb"\br\s*=\s*[\"']([A-Za-z]{1,4}\d+)[\"']")


@dataclass
class FileCheck:
    """What the checks learnt: the file kind and what the reader should know."""

    path: Path
    kind: str  # xlsx | xlsm | xls | ods
    has_macros: bool = False
    # sheet name → addresses (e.g. "D12") of formula cells that carry no calculated value
    formulas_without_value: dict[str, set[str]] = field(default_factory=dict)
    # sheet name → addresses of cells shown as a percentage (Excel stores 35 % as 0.35): from the
    # cell styles (.xlsx/.xlsm) or the cell type (.ods) here, from the cell formats (.xls) in the reader
    percent_cells: dict[str, set[str]] = field(default_factory=dict)
    percent_known: bool = True  # False: the file's number formats could not be read (.xls)
    # sheet name → its comments parts (批注, where people who fill a template in Excel or WPS
    # write a 说明) of an .xlsx/.xlsm, checked like every part; ``sheet_comments`` reads them
    comment_parts: dict[str, list[bytes]] = field(default_factory=dict)
    # sheet name → address → what the reader must return there instead of calamine's value: a
    # formula error (calamine reads it as empty) or a value taken from an external link / DDE
    cell_errors: dict[str, dict[str, CellError]] = field(default_factory=dict)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def check_file(path: Path) -> FileCheck:
    """Raise ImportRefused (one Chinese sentence) unless ``path`` is safe to hand to a parser."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportRefused(f"不支持的文件类型“{path.suffix or '无扩展名'}”：{name}（可导入 .xlsx、.xlsm、.xls、.ods）")
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(f"{name} 不是普通文件（可能是文件夹、管道或设备），已拒绝导入")
        size = info.st_size
        with open(path, "rb", opener=_open_no_block) as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise ImportRefused(f"文件不存在：{path}") from None
    except OSError as exc:
        raise ImportRefused(f"无法读取文件 {name}：{exc.strerror or exc}") from None
    if size == 0:
        raise ImportRefused(f"文件 {name} 是空文件（0 字节），可能复制时未完成")
    if size > MAX_FILE_BYTES:
        raise ImportRefused(f"文件 {name} 过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB），"
                            "不像是一份统计报表，已拒绝导入")
    if head.startswith(OLE_MAGIC):
        return _check_ole(path, suffix)
    if head.startswith(ZIP_MAGIC):
        if suffix == ".xls":
            raise ImportRefused(f"文件 {name} 的内容是 .xlsx/.ods 格式，但扩展名为 .xls：请改正扩展名后再导入")
        return _check_zip(path, suffix)
    lowered = head.lower()
    if lowered.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        raise ImportRefused(f"文件 {name} 实际是网页（HTML/XML）格式，不是 Excel 工作簿：请用 Excel 打开后另存为 .xlsx 再导入")
    raise ImportRefused(f"文件 {name} 不是 Excel/WPS/LibreOffice 工作簿（文件内容与扩展名 {suffix} 不符），已拒绝导入")


def _open_no_block(file: str, flags: int) -> int:
    """Open without blocking (a FIFO swapped in after the check must not hang) and make sure the
    file opened is still a regular one."""
    fd = os.open(file, flags | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ImportRefused(f"{os.path.basename(file)} 不是普通文件（可能是文件夹、管道或设备），已拒绝导入")
    return fd


def _refuse_area(name: str, cells: int) -> None:
    raise ImportRefused(f"文件 {name} 的工作表共占 {cells:,} 个单元格的范围（上限 {MAX_CELLS:,}），"
                        "不像是一份统计报表，已拒绝导入")


def _check_ole(path: Path, suffix: str) -> FileCheck:
    data = path.read_bytes()  # bounded by MAX_FILE_BYTES
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise ImportRefused(f"文件 {path.name} 设有打开密码（已加密），无法读取：请在 Excel 中取消密码后另存再导入")
    if suffix != ".xls":
        raise ImportRefused(f"文件 {path.name} 的内容是 Excel 97-2003（.xls）格式，但扩展名为 {suffix}："
                            "请改正扩展名后再导入")
    check = FileCheck(path, "xls")
    _scan_xls(data, path.name, check)
    return check


_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)  # some parsers take either case


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader
_LOCAL_MAGIC = b"PK\x03\x04"
_ODD_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, compressed patched data, strong encryption: zipfile decides


def _unpacked(blob: bytes, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The part ``info`` unpacked from the whole file ``blob`` in the plain case — stored or deflated,
    its local header where the directory says and naming the same part, its packed bytes all there,
    the stream ending exactly at their end within ``limit``, its CRC-32 right — else None.

    In that case ``zipfile`` returns exactly these bytes without an error (deflate decodes one way
    only), at a fraction of its cost per part (a file of this program has 33 small parts: its
    reading machinery was 40 % of the safety check); anything else goes to ``zipfile``, so every
    error and refusal stays as it was."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & _ODD_FLAGS:
        return None
    at = info.header_offset
    if at < 0 or at + 30 > len(blob):
        return None
    header = _LOCAL_HEADER.unpack_from(blob, at)
    if header[0] != _LOCAL_MAGIC:
        return None
    name_end = at + 30 + header[10]
    try:
        local_name = blob[at + 30:name_end].decode("utf-8" if header[3] & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if local_name != info.orig_filename:
        return None
    start = name_end + header[11]
    packed = blob[start:start + info.compress_size]
    if len(packed) != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        data = packed
    else:
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(packed, limit + 1)
        except zlib.error:
            return None
        if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
            return None
    if len(data) > limit or zlib.crc32(data) != info.CRC:
        return None
    return data


def _read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: list[int],
               blob: bytes | None = None) -> bytes:
    """One XML part, unpacked no further than its limit, checked for entity declarations
    (``blob``: the whole file, for ``_unpacked``)."""
    if info.file_size > MAX_PART_BYTES or info.file_size > budget[0]:
        raise ImportRefused(f"文件 {name} 中的部件 {info.filename} 解压后过大（{info.file_size / 1024 / 1024:.0f} MB），"
                            "疑似“压缩炸弹”或超大工作表，已拒绝导入")
    if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ImportRefused(f"文件 {name} 中的部件 {info.filename} 压缩比异常（{info.file_size // max(info.compress_size, 1)}:1），"
                            "疑似“压缩炸弹”，已拒绝导入")
    limit = min(MAX_PART_BYTES, budget[0])
    data = _unpacked(blob, info, limit) if blob is not None else None
    if data is None:  # not the plain case: zipfile reads it, with its own errors
        try:
            with zf.open(info) as fh:
                data = fh.read(limit + 1)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise ImportRefused(f"文件 {name} 已损坏或不完整（{info.filename}：{exc}），已拒绝导入") from None
    if len(data) > limit:
        raise ImportRefused(f"文件 {name} 中的部件 {info.filename} 解压后超过上限，疑似“压缩炸弹”，已拒绝导入")
    budget[0] -= len(data)
    text = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ImportRefused(f"文件 {name} 中的部件 {info.filename} 编码错误，已拒绝导入") from None
    # the usual part has no "!" at all: one memchr instead of a search for "<!" (identical answer)
    if b"!" in text and b"<!" in text and _DECLARATION.search(text):
        raise ImportRefused(f"文件 {name} 的 {info.filename} 含有 XML 实体声明（DOCTYPE/ENTITY），"
                            "可能是恶意构造的文件，已拒绝导入")
    return text


def _whole_file(zf: zipfile.ZipFile) -> bytes | None:
    """The bytes of the file ``zf`` read its directory from (at most MAX_FILE_BYTES, checked
    before); None when it cannot be read again (then zipfile reads each part)."""
    fh = zf.fp
    if fh is None:
        return None
    try:
        fh.seek(0)
        return fh.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError):
        return None


def _check_zip(path: Path, suffix: str) -> FileCheck:
    name = path.name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRefused(f"文件 {name} 已损坏或不完整（无法作为压缩包读取：{exc}），已拒绝导入") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ImportRefused(f"文件 {name} 内含 {len(infos)} 个部件（上限 {MAX_ENTRIES}），疑似“压缩炸弹”，已拒绝导入")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise ImportRefused(f"文件 {name} 解压后共 {total / 1024 / 1024:.0f} MB（上限 {MAX_TOTAL_BYTES // 1024 // 1024} MB），"
                                "疑似“压缩炸弹”，已拒绝导入")
        if any(i.flag_bits & 0x1 for i in infos):
            raise ImportRefused(f"文件 {name} 设有密码（压缩包已加密），无法读取：请取消密码后另存再导入")
        names = {i.filename: i for i in infos}
        budget = [MAX_TOTAL_BYTES]
        parts: dict[str, bytes] = {}
        blob = _whole_file(zf)
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels")) or info.filename == "mimetype":
                parts[info.filename] = _read_part(zf, info, name, budget, blob)

    if "mimetype" in names or "content.xml" in names:
        if parts.get("mimetype", b"").strip() != _ODS_MIME:
            raise ImportRefused(f"文件 {name} 是 OpenDocument 文件，但不是电子表格（.ods），已拒绝导入")
        if suffix != ".ods":
            raise ImportRefused(f"文件 {name} 的内容是 .ods 格式，但扩展名为 {suffix}：请改正扩展名后再导入")
        check = FileCheck(path, "ods")
        _scan_ods(parts.get("content.xml", b""), name, check)
        return check
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise ImportRefused(f"文件 {name} 是压缩包，但不是 Excel 工作簿（可能是 Word 文档或其他文件改了扩展名），已拒绝导入")
    if suffix == ".ods":
        raise ImportRefused(f"文件 {name} 的内容是 .xlsx 格式，但扩展名为 .ods：请改正扩展名后再导入")
    check = FileCheck(path, "xlsm" if suffix == ".xlsm" else "xlsx",
                      has_macros=any(n.lower().endswith("vbaproject.bin") for n in names))
    for part_name, data in parts.items():
        if part_name.lower().endswith("sharedstrings.xml"):
            _check_shared_strings(data, name, part_name)
    percent_styles = _percent_styles(parts.get("xl/styles.xml"))
    area = 0
    bounded: list[tuple[bytes, str]] = []  # sheets counted by their bound, measured only if it matters
    for sheet, part in _sheet_parts(parts, name).items():
        data = parts.get(part)
        if data is None:
            continue
        sheet_area = _check_sheet(data, sheet, name, check)
        if sheet_area is None:
            bounded.append((data, sheet))
            sheet_area = _SIMPLE_AREA
        area += sheet_area
        if area > MAX_CELLS and bounded:  # the bounds may overstate: measure those sheets after all
            area += sum(_measure(d, _PLAIN_REF.findall(d), s, name) - _SIMPLE_AREA for d, s in bounded)
            bounded.clear()
        if area > MAX_CELLS:
            _refuse_area(name, area)
        if b"comments" in parts.get(_rels_of(part), b""):
            found = _comment_parts(parts, part, name)
            if found:
                check.comment_parts[sheet] = found
        if percent_styles:
            _find_percent_cells(data, sheet, percent_styles, check)
    return check


_PERCENT_BUILTIN = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.')
_FORMAT_CODE = re.compile(rb'formatCode="([^"]*)"')
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_S_ATTR = re.compile(rb"\bs=\"(\d+)\"")


def _percent_styles(styles: bytes | None) -> set[int]:
    """Indexes of the cell formats (``s="…"``) that display a number as a percentage."""
    if not styles or (b'numFmtId="9"' not in styles and b'numFmtId="10"' not in styles
                      and not any("%" in _QUOTED.sub("", code.decode("utf-8", "replace").replace("&quot;", '"'))
                                  for code in _FORMAT_CODE.findall(styles))):
        return set()  # no percentage format at all (a literal "%" like this program's own is none)
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(styles)
    except (ElementTree.ParseError, DefusedXmlException):
        return set()
    ns = f"{{{_MAIN_NS}}}"
    percent_ids = set(_PERCENT_BUILTIN)
    for fmt in root.iter(f"{ns}numFmt"):
        code = _QUOTED.sub("", fmt.get("formatCode", ""))
        if "%" in code:
            try:
                percent_ids.add(int(fmt.get("numFmtId", "")))
            except ValueError:
                pass
    found: set[int] = set()
    xfs = root.find(f"{ns}cellXfs")
    if xfs is not None:
        for i, xf in enumerate(xfs.findall(f"{ns}xf")):
            try:
                if int(xf.get("numFmtId", "0")) in percent_ids:
                    found.add(i)
            except ValueError:
                continue
    return found


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


_ODS_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_ODS_EXTERNAL = re.compile(r"'?file:|https?:|\bDDE\s*\(", re.I)


def _scan_ods(content: bytes, name: str, check: FileCheck) -> None:
    """One streaming pass over an .ods ``content.xml`` before the parser sees it.

    It measures each sheet from the cells that hold something, following
    ``number-rows-repeated``/``number-columns-repeated`` (a 1 KB file can repeat a filled cell
    30 million times; LibreOffice's own trailing runs of empty rows and cells hold nothing and
    count for nothing), refusing beyond MAX_ROWS × MAX_COLS or MAX_CELLS before anything is
    materialised. It also notes the cells typed as percentages (``office:value-type=
    "percentage"``: the cell holds 0.35 and shows 35 %), the formula errors (LibreOffice's
    ``calcext:value-type="error"``, read by calamine as text or a number) and the formulas that
    read another file or a DDE link."""
    from defusedxml.common import DefusedXmlException
    from defusedxml.ElementTree import ParseError, iterparse

    from export.reader import cell_address

    t = f"{{{_ODS_TABLE}}}"
    table_tag, row_tag = f"{t}table", f"{t}table-row"
    cell_tags = {f"{t}table-cell", f"{t}covered-table-cell"}
    value_type, calc_type = f"{{{_ODS_OFFICE}}}value-type", f"{{{_ODS_CALCEXT}}}value-type"
    formula_attr = f"{t}formula"
    sheet, depth, row, row_span, col = "", 0, 0, 1, 0
    rows_used = cols_used = area_before = 0

    def mark(target: dict[str, set[str]] | None, error: CellError | None, span: int) -> None:
        for r in range(row + 1, row + row_span + 1):
            for c in range(col + 1, col + span + 1):
                if target is not None:
                    target.setdefault(sheet, set()).add(cell_address(r, c))
                if error is not None:
                    check.cell_errors.setdefault(sheet, {})[cell_address(r, c)] = error

    try:
        for event, elem in iterparse(BytesIO(content), events=("start", "end")):
            tag = elem.tag
            if tag == table_tag:
                depth += 1 if event == "start" else -1
                if depth == 1 and event == "start":
                    sheet, row, rows_used, cols_used = elem.get(f"{t}name", ""), 0, 0, 0
                elif depth == 0:
                    area_before += rows_used * cols_used
                    elem.clear()
                continue
            if depth != 1:
                continue  # tables nested in a cell are not sheets
            if tag == row_tag:
                if event == "start":
                    row_span, col = _repeat(elem.get(f"{t}number-rows-repeated")), 0
                else:
                    row += row_span
                    elem.clear()
            elif tag in cell_tags and event == "end":
                span = _repeat(elem.get(f"{t}number-columns-repeated"))
                kind, formula = elem.get(value_type), elem.get(formula_attr) or ""
                if kind or formula or len(elem):
                    rows_used, cols_used = max(rows_used, row + row_span), max(cols_used, col + span)
                    if rows_used > MAX_ROWS or cols_used > MAX_COLS:
                        raise ImportRefused(f"文件 {name} 的工作表“{sheet}”过大（{rows_used} 行 × {cols_used} 列，上限 "
                                            f"{MAX_ROWS} 行、{MAX_COLS} 列），不像是一份统计报表，已拒绝导入")
                    if area_before + rows_used * cols_used > MAX_CELLS:
                        _refuse_area(name, area_before + rows_used * cols_used)
                    error = None
                    if elem.get(calc_type) == "error":
                        error = CellError("".join(elem.itertext()).strip() or "#错误")
                    elif formula and _ODS_EXTERNAL.search(formula):
                        error = CellError(formula[:80], "external")
                    if kind == "percentage" or error is not None:
                        mark(check.percent_cells if kind == "percentage" else None, error, span)
                col += span
                elem.clear()
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise ImportRefused(f"文件 {name} 已损坏（content.xml 无法解析：{exc}），已拒绝导入") from None


def _repeat(text: str | None) -> int:
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1


def _find_percent_cells(data: bytes, sheet: str, styles: set[int], check: FileCheck) -> None:
    cells: set[str] = set()
    for m in _CELL_OPEN.finditer(data):
        attrs = m.group(1)
        s = _S_ATTR.search(attrs)
        if s and int(s.group(1)) in styles:
            ref = _R_ATTR.search(attrs)
            if ref:
                cells.add(ref.group(1).decode("ascii").upper())
    if cells:
        check.percent_cells[sheet] = cells


def _rels_of(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels"


_COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"


# What the small XML parts that are the same in every file of one program say, by their bytes and
# what else the answer depends on: each parse costs about as much as reading a sheet (an intake of
# 1,000 files parses the same workbook.xml 1,000 times). Only answers are kept, never refusals.
_PARSED: dict[tuple[bytes, ...], tuple[tuple[str, str], ...]] = {}
_PARSED_MAX = 256


def _remember(key: tuple[bytes, ...], answer: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[key] = answer
    return answer


def _comment_parts(parts: dict[str, bytes], part: str, name: str) -> list[bytes]:
    """The comments parts a worksheet's relationships point to."""
    rels_xml = parts[_rels_of(part)]
    targets = _PARSED.get((b"comments", part.encode("utf-8"), rels_xml))
    if targets is None:
        targets = _remember((b"comments", part.encode("utf-8"), rels_xml), _comment_targets(rels_xml, part, name))
    return [parts[target] for _, target in targets if target in parts]


def _comment_targets(rels_xml: bytes, part: str, name: str) -> tuple[tuple[str, str], ...]:
    """The parts (("", path) each) a worksheet's relationships ``rels_xml`` name as its comments."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    found = []
    try:
        rels = ElementTree.fromstring(rels_xml)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ImportRefused(f"文件 {name} 已损坏（{_rels_of(part)} 无法解析：{exc}），已拒绝导入") from None
    for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if rel.get("Type") != _COMMENTS_REL:
            continue
        target = rel.get("Target", "")
        folder = posixpath.dirname(part)
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append(("", target))
    return tuple(found)


def sheet_comments(check: FileCheck, sheet: str) -> dict[str, str]:
    """Address → comment text of one worksheet. An author line that Excel/WPS put in bold at the
    start ("张三:") is left out; what remains is the text the person typed."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    ns = f"{{{_MAIN_NS}}}"
    found: dict[str, str] = {}
    try:
        for data in check.comment_parts.get(sheet, ()):
            root = ElementTree.fromstring(data)
            for comment in root.iter(f"{ns}comment"):
                ref = comment.get("ref", "").split(":")[0].replace("$", "").upper()
                text_el = comment.find(f"{ns}text")
                if not ref or text_el is None:
                    continue
                runs = text_el.findall(f"{ns}r")
                if runs:
                    first = runs[0]
                    props = first.find(f"{ns}rPr")
                    first_text = "".join(t.text or "" for t in first.iter(f"{ns}t"))
                    if props is not None and props.find(f"{ns}b") is not None and first_text.rstrip().endswith((":", "：")):
                        runs = runs[1:]  # the author line
                    text = "".join(t.text or "" for r in runs for t in r.iter(f"{ns}t"))
                else:
                    text = "".join(t.text or "" for t in text_el.iter(f"{ns}t"))
                text = text.strip()
                if text:
                    found[ref] = text
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ImportRefused(f"文件 {check.path.name} 已损坏（工作表“{sheet}”的批注无法解析：{exc}），已拒绝导入") from None
    return found


def _sheet_parts(parts: dict[str, bytes], name: str) -> dict[str, str]:
    """Sheet name → its XML part, from xl/workbook.xml and its relationships."""
    workbook_xml, rels_xml = parts["xl/workbook.xml"], parts.get("xl/_rels/workbook.xml.rels")
    key = (b"sheets", workbook_xml, b"-" if rels_xml is None else b"+", rels_xml or b"")
    found = _PARSED.get(key)
    if found is None:
        found = _remember(key, tuple(_parse_sheet_parts(workbook_xml, rels_xml, name).items()))
    return dict(found)


def _parse_sheet_parts(workbook_xml: bytes, rels_xml: bytes | None, name: str) -> dict[str, str]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        workbook = ElementTree.fromstring(workbook_xml)
        rels = ElementTree.fromstring(rels_xml) if rels_xml else None
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ImportRefused(f"文件 {name} 已损坏（工作簿目录无法解析：{exc}），已拒绝导入") from None
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id", "")] = target
    found: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        rid = sheet.get(f"{{{_REL_NS}}}id", "")
        if rid in targets:
            found[sheet.get("name", "")] = targets[rid]
    return found


_SST_UNIQUE = re.compile(rb"<(?:\w+:)?sst\b[^>]*\buniqueCount=\"\s*(\d+)\s*\"")
_SI_TAG = re.compile(rb"<(?:\w+:)?si\b")
_SST_SLACK = 10_000  # a generator that miscounts a little costs the parser nothing worth refusing


def _check_shared_strings(data: bytes, name: str, part: str) -> None:
    """The parser reserves room for ``uniqueCount`` strings before reading one: a 2 KB file that
    claims two billion makes it allocate 51 GB and abort the whole program."""
    m = _SST_UNIQUE.search(data, 0, 4096)
    if m is None:
        return
    declared, actual = int(m.group(1)), len(_SI_TAG.findall(data))
    if declared > actual + _SST_SLACK:
        raise ImportRefused(f"文件 {name} 的 {part} 声称有 {declared:,} 个字符串，实际只有 {actual:,} 个："
                            "文件结构自相矛盾（可能是恶意构造的文件），已拒绝导入")


def _check_sheet(data: bytes, sheet: str, name: str, check: FileCheck) -> int | None:
    """Check one worksheet part; returns the cells of its area (rows × columns from A1), or None
    when it is at most ``_SIMPLE_AREA`` (the caller measures it only if that bound is too much)."""
    if not _odd_or_long_ref(data):  # the usual sheet: one search instead of two
        area = None if _plain_tags(data) else _check_sheet_size(data, sheet, name)
    elif _plain_references(data):
        area = None if _LONG_REF.search(data) is None else _measure(data, _PLAIN_REF.findall(data), sheet, name)
    else:
        area = _check_sheet_size(data, sheet, name)
    formulas = _has_formula_tag(data)  # most files of this program have none
    errors = b't="e"' in data or (b"'" in data and b"t='e'" in data)  # a sheet seldom has a "'"
    if formulas:
        _find_formulas_without_value(data, sheet, check)
    if errors or (formulas and (b"[" in data or b"|" in data)):
        _find_error_cells(data, sheet, check, errors=errors, formulas=formulas)
    return area


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f\b")  # what every formula pattern below starts its formula with


def _has_formula_tag(data: bytes) -> bool:
    """Whether the part may hold a formula (``_FORMULA_TAG``), without a regular-expression scan
    of the whole part for the usual sheet: its only "<f" are the page set-up's <firstHeader> and
    <firstFooter>, which are no formula (a scan of a 4 MB sheet costs 40 ms)."""
    if _after_a_colon(data, _COLON_F):
        return _FORMULA_TAG.search(data) is not None
    at = data.find(b"<f")
    for _ in range(64):
        if at < 0:
            return False
        after = data[at + 2:at + 3]
        if not (after.isalnum() or after == b"_"):  # \b after the "f": a formula tag
            return True
        at = data.find(b"<f", at + 2)
    return _FORMULA_TAG.search(data) is not None  # many words beginning with "f": let the scan decide


# Most sheets are written the usual way (Excel, WPS, LibreOffice, this program): every row and cell
# tag unprefixed with its reference first as ``r="…"``, and no reference anywhere in the part in
# another form the parser also accepts (single quotes, spaces around "="). Four searches prove it,
# and then every reference is a plain ``r="D12"`` (found without a word-boundary test, which costs
# several times more: an attribute merely ending in "r" can only raise the figure). Such a
# sheet whose references all have one letter and at most four digits spans at most 9,999 rows × 26
# columns whatever else it holds: one more search proves that, without reading every reference
# (the sheets so bounded are measured after all when their bounds together would pass MAX_CELLS).
# Anything else is measured by ``_check_sheet_size``, allowing for rows and cells without a reference.
_SIMPLE_AREA = 9_999 * 26
_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")
_CELL_NOT_REF_FIRST = re.compile(rb'<c(?! r="[A-Za-z])[\s/>]')
_ROW_NOT_REF_FIRST = re.compile(rb'<row(?! r="\d)[\s/>]')
_ODD_REF = re.compile(rb"r(?:='|\s+=|=\s)")
_LONG_REF = re.compile(rb'r="(?:[A-Za-z]{2,}\d|[A-Za-z]?\d{5})')
_PLAIN_REF = re.compile(rb'r="([A-Za-z]*)(\d+)"')
# ``_ODD_REF`` or ``_LONG_REF`` but for "r", white space, "=" (its matches start at an "r=", far
# fewer places than an "r")
_ODD_OR_LONG_AT_R_EQ = re.compile(rb"r=(?:'|\s|\"(?:[A-Za-z]{2,}\d|[A-Za-z]?\d{5}))")
_R_SPACE_EQ = re.compile(rb"r\s+=")
_SPACES_BUT_BLANK = (b"\t", b"\n", b"\r", b"\x0b", b"\x0c")  # what \s matches besides " "


def _odd_or_long_ref(data: bytes) -> bool:
    """Whether ``_ODD_REF`` or ``_LONG_REF`` occurs in ``data``, with less work (issue 11): a search
    for them stops at every "r" of the part, most of them letters of its text; the "r", white space, "=" form is
    looked for only where a white space character stands right before an "=" (``_space_before_eq``:
    none does in a usual sheet), the rest from each "r=" on."""
    if _ODD_OR_LONG_AT_R_EQ.search(data) is not None:
        return True
    if _space_before_eq(data):
        return _R_SPACE_EQ.search(data) is not None
    return False


def _space_before_eq(data: bytes) -> bool:
    """Whether a white space character (what ``\\s`` matches) stands right before an "=" somewhere in
    ``data`` — which every match of ``_R_SPACE_EQ`` has. Issue 16: a sheet's line break after its XML
    declaration made ``_R_SPACE_EQ`` search every "r" of every part (a third of the safety check of a
    5,000-row file); the rare characters are looked at where they are (memchr), a part with many of
    them searched for the pair as before."""
    if b" =" in data:
        return True
    for space in _SPACES_BUT_BLANK:
        at = data.find(space)
        for _ in range(_COLONS_LOOKED_AT):
            if at < 0:
                break
            if data[at + 1:at + 2] == b"=":
                return True
            at = data.find(space, at + 1)
        else:
            if at >= 0 and data.find(space + b"=", at) >= 0:
                return True
    return False


_COLON_F = re.compile(rb":f")
_AFTER_THE_COLON = {_PREFIXED_TAG: frozenset((b"c", b"r")), _COLON_F: frozenset((b"f",))}  # what each goes on with
_COLONS_LOOKED_AT = 64


def _after_a_colon(data: bytes, pattern: re.Pattern[bytes]) -> bool:
    """Whether ``pattern`` (which starts with ":") occurs in ``data``: tried only where a colon is,
    which is a memchr (a usual sheet has one or two, in its namespace), instead of a search through
    every byte — and only where the colon is followed by a character the pattern can go on with
    (``_AFTER_THE_COLON``: a sheet's colons are mostly in its namespaces and text); a part with many
    colons is searched as before (the same answer either way)."""
    firsts = _AFTER_THE_COLON.get(pattern)
    at = data.find(b":")
    for _ in range(_COLONS_LOOKED_AT):
        if at < 0:
            return False
        if (firsts is None or data[at + 1:at + 2] in firsts) and pattern.match(data, at):
            return True
        at = data.find(b":", at + 1)
    return pattern.search(data, at) is not None


def _plain_tags(data: bytes) -> bool:
    """Every row and cell tag unprefixed with its reference first (the first three searches)."""
    return not (_after_a_colon(data, _PREFIXED_TAG) or _CELL_NOT_REF_FIRST.search(data) or _ROW_NOT_REF_FIRST.search(data))


def _plain_references(data: bytes) -> bool:
    return _plain_tags(data) and not _ODD_REF.search(data)


_FAR = 10**9  # a reference beyond any limit (more digits or letters than a number is worth converting)


def _row_number(digits: bytes) -> int:
    digits = digits.lstrip(b"0")
    return int(digits) if len(digits) <= 9 else _FAR


def _col_number(letters: bytes) -> int:
    if len(letters) > 6:
        return _FAR
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _check_sheet_size(data: bytes, sheet: str, name: str) -> int:
    """Measure the area from every reference the part holds, in any form, allowing for rows and
    cells without one (the parser numbers them on from the one before)."""
    refs = _REF.findall(data)
    extra_rows = extra_cols = 0
    if _ROW_WITHOUT_REF.search(data) is not None:
        # each row without r="…" is the one after the row before it: allow one row for each
        extra_rows = len(_ROW_WITHOUT_REF.findall(data))
    cell_refs = sum(1 for cols, _ in refs if cols)
    if _cell_tags(data) > cell_refs and _CELL_WITHOUT_REF.search(data) is not None:
        # a cell without a reference follows the one before it: allow for the longest row
        extra_cols = max((len(_CELL_OPEN_ANY.findall(row)) for row in _ROW_TAG.split(data)), default=0)
    return _measure(data, refs, sheet, name, extra_rows, extra_cols)


def _measure(data: bytes, refs: list[tuple[bytes, bytes]], sheet: str, name: str, extra_rows: int = 0,
             extra_cols: int = 0) -> int:
    """rows × columns spanned by ``refs`` (letters, digits) and the allowances; refused beyond the limits."""
    # rows carry digits only (r="12"), cells letters and digits (r="D12"); the distinct row numbers
    # and column letters are few, so they are collected first and converted after
    max_row = max(map(_row_number, {digits for _, digits in refs}), default=0) + extra_rows
    max_col = max(map(_col_number, {cols for cols, _ in refs if cols}), default=0) + extra_cols
    if max_row > MAX_ROWS or max_col > MAX_COLS:
        shown_rows, shown_cols = (f"{n:,}" if n < _FAR else "逾十亿" for n in (max_row, max_col))
        raise ImportRefused(f"文件 {name} 的工作表“{sheet}”过大（{shown_rows} 行 × {shown_cols} 列，上限 {MAX_ROWS} 行、"
                            f"{MAX_COLS} 列），不像是一份统计报表，已拒绝导入")
    return max_row * max_col


def _cell_tags(data: bytes) -> int:
    """How many cell elements the part holds."""
    return len(_CELL_OPEN_ANY.findall(data))


_CELL_WITHOUT_REF = re.compile(rb"<(?:\w+:)?c(?:\s(?![^>]*\br\s*=)[^>]*)?/?>")
_ROW_WITHOUT_REF = re.compile(rb"<(?:\w+:)?row(?:\s(?![^>]*\br\s*=)[^>]*)?/?>")
_CELL_OPEN_ANY = re.compile(rb"<(?:\w+:)?c[\s/>]")


_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*\bt\s*=\s*[\"']e[\"'][^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")
_VALUE_TEXT = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_EXTERNAL_REF = re.compile(r"\[\d+\]|\|")  # [1]Sheet1!A1 (another workbook), App|Topic!Item (DDE)
_QUOTED_TEXT = re.compile(r'"[^"]*"')


def _find_error_cells(data: bytes, sheet: str, check: FileCheck, *, errors: bool = True,
                      formulas: bool = True) -> None:
    """Cells caching a formula error (t="e": calamine reads them as empty) and formula cells that
    take their value from another workbook or a DDE link (``errors``/``formulas``: the part may
    hold any of them)."""
    found: dict[str, CellError] = {}
    if errors:
        for m in _ERROR_CELL.finditer(data):
            ref, value = _R_ATTR.search(m.group(1)), _VALUE_TEXT.search(m.group(2) or b"")
            if ref:
                code = value.group(1).decode("utf-8", "replace").strip() if value else "#错误"
                found[ref.group(1).decode("ascii").upper()] = CellError(code or "#错误")
    if formulas and (b"[" in data or b"|" in data):
        for m in _FORMULA_TEXT.finditer(data):
            formula = m.group(2).decode("utf-8", "replace")
            ref = _R_ATTR.search(m.group(1))
            if ref and _EXTERNAL_REF.search(_QUOTED_TEXT.sub("", formula.replace("&quot;", '"'))):
                found[ref.group(1).decode("ascii").upper()] = CellError(formula[:80], "external")
    if found:
        check.cell_errors[sheet] = found


def _find_formulas_without_value(data: bytes, sheet: str, check: FileCheck) -> None:
    missing: set[str] = set()
    for m in _FORMULA_NO_VALUE.finditer(data):
        ref = _R_ATTR.search(m.group(1))
        if ref:
            missing.add(ref.group(1).decode("ascii").upper())
    if missing:
        check.formulas_without_value[sheet] = missing


_XLS_CELL_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x0201, 0x00D6, 0x00BD, 0x00BE}
_XLS_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
               0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


# BIFF8 formula tokens (ptg) → length in bytes, for walking a FORMULA's parsed expression; classed
# tokens (0x20–0x7F) are looked up by their base (ptg & 0x1F | 0x20). 0x17 (string) and 0x19
# (attribute) have variable lengths; anything not listed stops the walk.
_PTG_SIZES = {0x01: 5, 0x02: 5, **dict.fromkeys(range(0x03, 0x17), 1), 0x1C: 2, 0x1D: 2, 0x1E: 3, 0x1F: 9,
              0x20: 8, 0x21: 3, 0x22: 4, 0x23: 5, 0x24: 5, 0x25: 9, 0x26: 7, 0x27: 7, 0x28: 7, 0x29: 3, 0x2A: 5,
              0x2B: 9, 0x2C: 5, 0x2D: 9, 0x39: 7, 0x3A: 7, 0x3B: 11, 0x3C: 7, 0x3D: 11}
_PTG_WITH_IXTI = {0x39, 0x3A, 0x3B, 0x3C, 0x3D}  # NameX, Ref3d, Area3d, RefErr3d, AreaErr3d


def _xls_reads_external(rgce: bytes, external_xti: list[bool]) -> bool | None:
    """Whether a formula's tokens refer to another workbook or a DDE/OLE link (through an
    EXTERNSHEET entry whose SUPBOOK is not this workbook); None when a token is not understood."""
    i = 0
    while i < len(rgce):
        ptg = rgce[i]
        base = (ptg & 0x1F) | 0x20 if ptg >= 0x20 else ptg
        if base in _PTG_WITH_IXTI and i + 3 <= len(rgce):
            ixti = struct.unpack_from("<H", rgce, i + 1)[0]
            if ixti < len(external_xti) and external_xti[ixti]:
                return True
        if base == 0x17 and i + 3 <= len(rgce):  # string constant
            i += 3 + rgce[i + 1] * (2 if rgce[i + 2] & 1 else 1)
        elif base == 0x19 and i + 4 <= len(rgce):  # attribute; tAttrChoose carries a jump table
            grbit, count = rgce[i + 1], struct.unpack_from("<H", rgce, i + 2)[0]
            i += 4 + ((count + 1) * 2 if grbit & 0x04 else 0)
        elif base in _PTG_SIZES:
            i += _PTG_SIZES[base]
        else:
            return None
    return False


def _scan_xls(data: bytes, name: str, check: FileCheck) -> None:
    """Walk the BIFF records of an .xls before calamine does: each sheet's DIMENSIONS record (the
    parser sizes its buffers by it: a claim of 2³¹ rows aborts the program) must stay within the
    limits, the cells the sheet really holds must too, and cells holding an error (BOOLERR, or a
    FORMULA whose cached result is an error) are noted — calamine reads them as empty."""
    import io

    from xlrd.compdoc import CompDoc, CompDocError

    from export.reader import cell_address

    try:
        doc = CompDoc(data, logfile=io.StringIO())
        stream = doc.get_named_stream("Workbook") or doc.get_named_stream("Book")
    except (CompDocError, ValueError, IndexError, KeyError, struct.error, MemoryError) as exc:
        raise ImportRefused(f"文件 {name} 已损坏（.xls 容器无法读取：{exc}），已拒绝导入") from None
    if not stream:
        raise ImportRefused(f"文件 {name} 中没有工作簿数据（.xls），已拒绝导入")
    names: dict[int, str] = {}
    external_books: list[bool] = []  # per SUPBOOK: another workbook / DDE / OLE (not this one, not add-ins)
    external_xti: list[bool] = []  # per EXTERNSHEET entry: does it point to such a SUPBOOK
    sheet: str | None = None
    rows = cols = area = 0
    pos, end = 0, len(stream)

    def close_sheet() -> None:
        nonlocal area
        area += rows * cols
        if area > MAX_CELLS:
            _refuse_area(name, area)

    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        if kind in (0x0809, 0x0409, 0x0209, 0x0009) and len(body) >= 4:  # BOF
            if sheet is not None:
                close_sheet()
            sheet = names.get(pos, f"#{len(names)}") if struct.unpack_from("<H", body, 2)[0] == 0x0010 else None
            rows = cols = 0
        elif kind == 0x0085 and len(body) >= 8:  # BOUNDSHEET: where each sheet's records start
            cch, high = body[6], body[7] if len(body) > 7 else 0
            raw = body[8:8 + cch * (2 if high & 1 else 1)]
            names[struct.unpack_from("<I", body, 0)[0]] = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")
        elif sheet is None and kind == 0x01AE and len(body) >= 4:  # SUPBOOK
            external_books.append(body[2:4] not in (b"\x01\x04", b"\x01\x3a"))
        elif sheet is None and kind == 0x0017 and len(body) >= 2:  # EXTERNSHEET
            count = min(struct.unpack_from("<H", body, 0)[0], (len(body) - 2) // 6)
            books = [struct.unpack_from("<H", body, 2 + 6 * i)[0] for i in range(count)]
            external_xti = [b < len(external_books) and external_books[b] for b in books]
        elif sheet is not None and kind == 0x0200 and len(body) >= 14:  # DIMENSIONS (BIFF8)
            _, claimed_rows, _, claimed_cols = struct.unpack_from("<IIHH", body, 0)
            if claimed_rows > MAX_ROWS or claimed_cols > MAX_COLS or claimed_rows * claimed_cols > MAX_CELLS:
                raise ImportRefused(f"文件 {name} 的工作表“{sheet}”声称有 {claimed_rows} 行 × {claimed_cols} 列（上限 "
                                    f"{MAX_ROWS} 行、{MAX_COLS} 列、共 {MAX_CELLS:,} 个单元格），不像是一份统计报表，已拒绝导入")
        elif sheet is not None and kind == 0x00E5 and len(body) >= 2:  # MERGEDCELLS: count, then 8 bytes each
            claimed = struct.unpack_from("<H", body, 0)[0]
            if 2 + 8 * claimed > len(body):
                raise ImportRefused(f"文件 {name} 的工作表“{sheet}”声称有 {claimed} 个合并区域，实际只有 "
                                    f"{(len(body) - 2) // 8} 个：文件结构自相矛盾，已拒绝导入")
        elif sheet is not None and kind in _XLS_CELL_RECORDS and len(body) >= 6:
            row, col = struct.unpack_from("<HH", body, 0)
            last_col = struct.unpack_from("<H", body, len(body) - 2)[0] if kind in (0x00BD, 0x00BE) else col
            rows, cols = max(rows, row + 1), max(cols, last_col + 1)
            if rows > MAX_ROWS or cols > MAX_COLS:
                raise ImportRefused(f"文件 {name} 的工作表“{sheet}”过大（{rows} 行 × {cols} 列，上限 {MAX_ROWS} 行、"
                                    f"{MAX_COLS} 列），不像是一份统计报表，已拒绝导入")
            code = None
            if kind == 0x0205 and len(body) >= 8 and body[7] == 1:  # BOOLERR holding an error
                code = body[6]
            elif kind == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
                code = body[8]  # FORMULA whose cached result is an error
            error = CellError(_XLS_ERRORS.get(code, "#错误")) if code is not None else None
            if error is None and kind == 0x0006 and any(external_books) and len(body) >= 22:
                reads = _xls_reads_external(body[22:22 + struct.unpack_from("<H", body, 20)[0]], external_xti)
                if reads is not False:  # True, or not understood in a workbook that has external links
                    error = CellError("外部工作簿或 DDE 链接", "external")
            if error is not None:
                check.cell_errors.setdefault(sheet, {})[cell_address(row + 1, col + 1)] = error
        pos += 4 + length
    if sheet is not None:
        close_sheet()
