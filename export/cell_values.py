"""Values as a worksheet holds them: what a cell will read back as (for the checksum), number
formats per column, literal text (never a formula), and text widths for row heights. Shared by the
submission, the template, the flat list and the 汇总 workbook."""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from typing import TYPE_CHECKING, Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from forms.spec import ColumnSpec
from forms.values import MAX_TEXT_CHARS, clean_text

if TYPE_CHECKING:
    pass


def clean_cell_text(text: str) -> str:
    """What a worksheet can hold: no control characters, at most 32767 characters. Input is
    cleaned and refused beyond that already (``forms.values``); this keeps text stored by an older
    version (a township name pasted from Word) from failing every export."""
    return clean_text(ILLEGAL_CHARACTERS_RE.sub("", text))[:MAX_TEXT_CHARS]


_EXACT = 10**16


def as_written(value: Any) -> Any:
    """The value exactly as it will read back from the file (openpyxl writes numbers as %.16g)."""
    kind = type(value)
    if kind is int and -_EXACT < value < _EXACT:
        return value  # %.16g gives every digit back
    if kind is str and value.isprintable() and len(value) <= MAX_TEXT_CHARS:
        return value or None  # nothing to clean (the common case, without the regexes)
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if kind is float and value.is_integer() and -_EXACT < value < _EXACT:
            return int(value)  # what "%.16g" reads back as, without the text
        text = f"{value:.16g}"
        return float(text) if ("." in text or "e" in text) else int(text)
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()[:10]
    text = clean_cell_text(str(value))
    return text or None


def number_format(col: ColumnSpec) -> str:
    decimals = col.decimals if col.decimals is not None else (0 if col.type == "integer" else 2)
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    if col.type == "percent" and not col.unit:
        fmt += '"%"'
    return fmt


QUOTED = ("=", "+", "-", "@")  # text beginning so gets Excel's quote prefix: it stays text


def put(cell: Cell, value: Any) -> None:
    """Store a value; text is always literal text (never a formula, never an error code) and
    holds no character a worksheet cannot (IllegalCharacterError)."""
    if isinstance(value, str):
        value = clean_cell_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True  # and Excel keeps it text if someone edits it


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    return max(1, math.ceil(display_width(text) / max(width - 1, 1)))


