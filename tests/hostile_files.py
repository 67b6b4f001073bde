"""Crafted hostile workbooks, built in memory (no binary blobs in the repository): tiny files that
lie about their size or content, for the reader's limits (issue 10, points 2–6).

Each builder returns the bytes of a complete file that the parsers accept as well-formed.
"""

from __future__ import annotations

import io
import struct
import zipfile

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="xml" ContentType="application/xml"/></Types>')
_ROOT_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              b'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '{sheets}<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_SHEET_REL = ('<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'worksheet" Target="worksheets/sheet{n}.xml"/>')


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def sheet_xml(rows: str, dimension: str | None = None) -> bytes:
    """A worksheet part around ``rows`` (``<row>`` elements), with an optional ``<dimension ref>``."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}">{dim}<sheetData>{rows}</sheetData></worksheet>'.encode()


def xlsx_bytes(sheets: dict[str, bytes], shared_strings: bytes | None = None,
               extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx: sheet name → worksheet part, optional sharedStrings part and other parts."""
    names = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(sheets, start=1))
    workbook = (f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships"><sheets>{names}</sheets></workbook>').encode()
    rels = _WB_RELS.format(sheets="".join(_SHEET_REL.format(n=n) for n in range(1, len(sheets) + 1))).encode()
    entries = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS, "xl/workbook.xml": workbook,
               "xl/_rels/workbook.xml.rels": rels}
    for n, data in enumerate(sheets.values(), start=1):
        entries[f"xl/worksheets/sheet{n}.xml"] = data
    entries["xl/sharedStrings.xml"] = shared_strings if shared_strings is not None else (
        f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}" count="0" uniqueCount="0"/>'.encode())
    entries.update(extra or {})
    return zip_bytes(entries)


def shared_strings(strings: list[str], count: int | None = None, unique: int | None = None) -> bytes:
    """A sharedStrings part; ``count``/``unique`` may lie about how many strings it holds."""
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    count = len(strings) if count is None else count
    unique = len(strings) if unique is None else unique
    return f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{unique}">{items}</sst>'.encode()


_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
           'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"')


def ods_bytes(tables: dict[str, str]) -> bytes:
    """A minimal .ods: table name → its ``<table:table-row>`` elements."""
    body = "".join(f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in tables.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
               f'<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>'
               f'</office:document-content>').encode()
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                b'<manifest:file-entry manifest:full-path="/" '
                b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                b'</manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def ods_cell(value: str, value_type: str = "float", repeat: int = 1, extra: str = "") -> str:
    attr = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    kind = {"float": f'office:value-type="float" office:value="{value}"',
            "boolean": f'office:value-type="boolean" office:boolean-value="{value}"',
            "string": 'office:value-type="string"', "empty": ""}[value_type]
    text = f"<text:p>{value}</text:p>" if value_type != "empty" else ""
    return f"<table:table-cell {kind}{attr} {extra}>{text}</table:table-cell>"


def ods_row(cells: str, repeat: int = 1) -> str:
    attr = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attr}>{cells}</table:table-row>"


# -- .xls: BIFF8 records in a compound file -----------------------------------------------------------

XLS_ERRORS = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D, "#NUM!": 0x24,
              "#N/A": 0x2A}


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def xls_number(row: int, col: int, value: float) -> bytes:
    """A NUMBER cell record (0-based row and column)."""
    return _record(0x0203, struct.pack("<HHHd", row, col, 15, value))


def xls_bool(row: int, col: int, value: bool) -> bytes:
    return _record(0x0205, struct.pack("<HHHBB", row, col, 15, int(value), 0))


def xls_error(row: int, col: int, code: str) -> bytes:
    return _record(0x0205, struct.pack("<HHHBB", row, col, 15, XLS_ERRORS[code], 1))


def xls_formula_error(row: int, col: int, code: str) -> bytes:
    """A FORMULA record (=1/0) whose cached result is the error ``code``."""
    cached = bytes([2, 0, XLS_ERRORS[code], 0, 0, 0, 0xFF, 0xFF])
    rgce = bytes([0x1E, 1, 0, 0x1E, 0, 0, 0x06])  # 1 / 0
    return _record(0x0006, struct.pack("<HHH", row, col, 15) + cached + struct.pack("<HIH", 0, 0, len(rgce)) + rgce)


def xls_merged_cells(claimed: int, ranges: list[tuple[int, int, int, int]]) -> bytes:
    """A MERGEDCELLS record claiming ``claimed`` merged ranges and holding ``ranges`` (first row,
    last row, first column, last column): calamine reads as many as claimed and panics past the end."""
    return _record(0x00E5, struct.pack("<H", claimed) + b"".join(struct.pack("<HHHH", *r) for r in ranges))


def xls_formula(row: int, col: int, cached: float, rgce: bytes) -> bytes:
    """A FORMULA record with the parsed expression ``rgce`` and the cached number ``cached``."""
    return _record(0x0006, struct.pack("<HHHdHIH", row, col, 15, cached, 0, 0, len(rgce)) + rgce)


def xls_ref3d(ixti: int, row: int = 0, col: int = 0) -> bytes:
    """The tokens of ``=<sheet of EXTERNSHEET entry ixti>!A1`` (PtgRef3d)."""
    return struct.pack("<BHHH", 0x3A, ixti, row, col)


def xls_link_records(external_path: str) -> list[bytes]:
    """Globals records: SUPBOOK 0 is this workbook, SUPBOOK 1 another file (``external_path``, one
    sheet "Sheet1"); EXTERNSHEET entry 0 points into this workbook, entry 1 into the other file."""
    def text(value: str) -> bytes:
        return struct.pack("<HB", len(value), 1) + value.encode("utf-16-le")

    own = _record(0x01AE, struct.pack("<HH", 1, 0x0401))
    other = _record(0x01AE, struct.pack("<H", 1) + text(external_path) + text("Sheet1"))
    xti = _record(0x0017, struct.pack("<HHHHHHH", 2, 0, 0, 0, 1, 0, 0))
    return [own, other, xti]


def xls_bytes(sheets: dict[str, list[bytes]], dimensions: dict[str, tuple[int, int]] | None = None,
              global_records: list[bytes] | None = None) -> bytes:
    """A minimal BIFF8 .xls: sheet name → its cell records; ``dimensions`` (rows, columns) is what
    each sheet's DIMENSIONS record claims (default: what the cells span); ``global_records`` go
    into the workbook globals (e.g. external links)."""
    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6)
    sheet_streams = []
    for name, cells in sheets.items():
        rows, cols = (dimensions or {}).get(name, (0, 0))
        for rec in cells:
            if struct.unpack_from("<H", rec)[0] == 0x00E5:
                continue  # not a cell
            rw, col = struct.unpack_from("<HH", rec, 4)
            if not (dimensions and name in dimensions):
                rows, cols = max(rows, rw + 1), max(cols, col + 1)
        body = _record(0x0809, bof[:2] + struct.pack("<H", 0x0010) + bof[4:])
        body += _record(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0)) + b"".join(cells) + _record(0x000A)
        sheet_streams.append((name, body))
    def globals_for(offsets: list[int]) -> bytes:
        out = _record(0x0809, bof) + _record(0x0042, struct.pack("<H", 1200))
        for (name, _), offset in zip(sheet_streams, offsets):
            encoded = name.encode("utf-16-le")
            out += _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + encoded)
        return out + b"".join(global_records or ()) + _record(0x000A)
    size = len(globals_for([0] * len(sheet_streams)))
    offsets = []
    for _, body in sheet_streams:
        offsets.append(size)
        size += len(body)
    stream = globals_for(offsets) + b"".join(body for _, body in sheet_streams)
    return compound_file({"Workbook": stream})


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (version 3, 512-byte sectors) holding ``streams`` in its root storage.
    Streams are padded with zeros to 4096 bytes at least (a shorter one would live in the mini
    stream), which BIFF readers skip after the last EOF record."""
    sectors: list[bytes] = []
    starts, sizes = [], []
    fat: list[int] = [0xFFFFFFFD]  # sector 0 is the FAT itself
    for data in streams.values():
        padded = data + b"\0" * (max(4096, -(-len(data) // 512) * 512) - len(data))
        first = len(fat)
        count = len(padded) // 512
        starts.append(first)
        sizes.append(max(len(data), 4096))
        for i in range(count):
            sectors.append(padded[i * 512:(i + 1) * 512])
            fat.append(first + i + 1 if i < count - 1 else 0xFFFFFFFE)
    directory_sector = len(fat)
    fat.append(0xFFFFFFFE)
    assert len(fat) <= 128, "one FAT sector holds 128 entries: keep test streams under 60 KB"

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1 if kind else 0)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 36 + struct.pack("<IQ", start, size))

    names = list(streams)
    entries = entry("Root Entry", 5, 1 if names else 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE, 0)
    for i, name in enumerate(names):
        entries += entry(name, 2, 0xFFFFFFFF, i + 2 if i + 1 < len(names) else 0xFFFFFFFF, starts[i], sizes[i])
    assert len(names) <= 3
    entries = entries.ljust(512, b"\0")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, directory_sector, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + b"\xff" * 4 * 108)
    fat_sector = struct.pack(f"<{len(fat)}I", *fat) + b"\xff" * 4 * (128 - len(fat))
    return header + fat_sector + b"".join(sectors) + entries
