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
