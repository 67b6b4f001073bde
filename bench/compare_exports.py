"""Two workbooks compared as openpyxl reads them, sheet by sheet: every cell's value, type, font
(name, size, bold), alignment, border sides, protection, number format, quote prefix and comment;
merged ranges, column widths, row heights, data validations, sheet protection, page setup
(orientation, paper, fit, scale), margins, headers/footers, print titles and area, page breaks,
frozen panes, sheet states and the workbook's names and properties. Made to hold a change of the
export's writer to today's output (issue 16: the submission written without openpyxl's objects):

    .venv/bin/python bench/compare_exports.py before.xlsx after.xlsx   (exit 1 when they differ)
"""

from __future__ import annotations

import sys
from typing import Any

from openpyxl import load_workbook


def _style(c: Any) -> tuple[Any, ...]:
    f, a, b, p = c.font, c.alignment, c.border, c.protection
    return (f.name, f.sz, bool(f.b), a.horizontal, a.vertical, bool(a.wrap_text), a.indent,
            tuple(getattr(b, s).style for s in ("left", "right", "top", "bottom")), p.locked, p.hidden,
            c.number_format, bool(c.quotePrefix))


def _hf(hf: Any) -> tuple[Any, ...]:
    return tuple((part, getattr(hf, part).text, getattr(hf, part).size, getattr(hf, part).font)
                 for part in ("left", "center", "right"))


def facts(path: str) -> dict[str, Any]:
    """Everything compared, by sheet."""
    wb = load_workbook(path)
    out = {"sheets": wb.sheetnames, "active": wb.active.title, "lock": wb.security.lockStructure if wb.security else None,
           "creator": wb.properties.creator, "title": wb.properties.title, "created": wb.properties.created,
           "names": sorted((n, str(d.value)) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        s: dict[str, Any] = {}
        s["state"] = ws.sheet_state
        s["cells"] = {c.coordinate: (c.value, c.data_type, _style(c),
                                     (c.comment.text, c.comment.author, c.comment.width, c.comment.height) if c.comment else None)
                      for row in ws.iter_rows() for c in row if c.has_style or c.value is not None or c.comment}
        s["merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
        s["cols"] = {k: (d.width, d.customWidth, d.min, d.max) for k, d in ws.column_dimensions.items() if d.width or d.customWidth}
        s["rows"] = {k: (d.height, d.customHeight) for k, d in ws.row_dimensions.items() if d.height is not None}
        s["dv"] = sorted((v.type, v.operator, v.formula1, v.formula2, v.allow_blank, v.error, v.errorTitle,
                          v.showErrorMessage, v.showInputMessage, str(v.sqref)) for v in ws.data_validations.dataValidation)
        p = ws.protection
        s["protection"] = tuple(getattr(p, k) for k in ("sheet", "objects", "scenarios", "formatCells", "formatRows",
                                                        "formatColumns", "insertColumns", "insertRows", "insertHyperlinks",
                                                        "deleteColumns", "deleteRows", "selectLockedCells",
                                                        "selectUnlockedCells", "sort", "autoFilter", "pivotTables", "password"))
        ps = ws.page_setup
        s["page"] = (ps.orientation, ps.paperSize, ps.scale, ps.fitToHeight, ps.fitToWidth,
                     ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
                     ws.print_options.horizontalCentered, ws.print_options.verticalCentered)
        m = ws.page_margins
        s["margins"] = (m.left, m.right, m.top, m.bottom, m.header, m.footer)
        s["hf"] = tuple(_hf(h) for h in (ws.oddHeader, ws.oddFooter, ws.evenHeader, ws.evenFooter, ws.firstHeader, ws.firstFooter))
        s["titles"] = (ws.print_title_rows, ws.print_title_cols, str(ws.print_area))
        s["breaks"] = [(b.id, b.min, b.max, b.man) for b in ws.row_breaks.brk]
        s["colbreaks"] = [(b.id, b.min, b.max, b.man) for b in ws.col_breaks.brk]
        s["freeze"] = ws.freeze_panes
        s["dims"] = ws.dimensions
        s["names"] = sorted((n, str(d.value)) for n, d in ws.defined_names.items())
        out[ws.title] = s
    return out


def diff(a: Any, b: Any, where: str = "") -> list[str]:
    """The differences, one line each."""
    found: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                found.append(f"{where}/{k}: only in {'B' if k not in a else 'A'}: {(a.get(k) if k in a else b.get(k))!r:.200}")
            else:
                found += diff(a[k], b[k], f"{where}/{k}")
    elif a != b:
        found.append(f"{where}: {a!r:.300} != {b!r:.300}")
    return found


if __name__ == "__main__":
    d = diff(facts(sys.argv[1]), facts(sys.argv[2]))
    for line in d[:40]:
        print(line)
    print(f"{sys.argv[1]} vs {sys.argv[2]}: {len(d)} differences")
    sys.exit(1 if d else 0)
