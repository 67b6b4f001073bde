"""Tab-separated blocks as Excel and WPS put them on the clipboard, and as they take them back.

Excel quotes a cell that holds a tab, a line break or a quote ("a""b"), ends the block with a
line break, and uses CRLF; WPS sometimes adds a BOM or non-breaking spaces. The values
themselves (full-width digits, thousands separators, "—") are parsed later by
``forms.values.parse_input``, exactly as for an import.
"""

from __future__ import annotations

__all__ = ["parse_block", "format_block"]


def parse_block(text: str) -> list[list[str]]:
    """Rows of cells from clipboard text; a trailing line break does not make an empty row."""
    text = text.replace("\ufeff", "").replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_cell_start = True
    while i < n:
        ch = text[i]
        if at_cell_start and ch == '"':
            # a quoted cell: up to the closing quote, "" is a quote
            j = i + 1
            buf: list[str] = []
            closed = False
            while j < n:
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    closed = True
                    j += 1
                    break
                buf.append(text[j])
                j += 1
            if closed and (j == n or text[j] in "\t\n"):
                cell = buf
                i = j
                at_cell_start = False
                continue
            # not a well-formed quoted cell: take the quote literally
        at_cell_start = False
        if ch == "\t":
            row.append("".join(cell))
            cell = []
            at_cell_start = True
        elif ch == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell = [], []
            at_cell_start = True
        else:
            cell.append(ch)
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


def _quote(cell: str) -> str:
    if any(ch in cell for ch in '\t\n\r"'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def format_block(rows: list[list[str]]) -> str:
    """The clipboard text for a block (CRLF line ends and a final one, as Excel writes)."""
    return "".join("\t".join(_quote(c) for c in row) + "\r\n" for row in rows)
