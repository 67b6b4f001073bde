"""Typed cell values: parsing what people type (or paste, or import) and formatting for display.

Tolerates real input: full-width digits, thousands separators, surrounding spaces, "—"/"无" as
blank. Text that is not a valid value is kept as typed (nothing is lost) and reported.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from forms.spec import ColumnSpec

__all__ = ["ParsedValue", "parse_input", "format_value", "check_uscc", "type_problem"]

BLANK_WORDS = {"", "—", "－", "-", "--", "——", "无", "/"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％　", "0123456789.,-+% ")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class ParsedValue:
    """``value`` is what gets stored; ``error`` (Chinese) is set when it is not a valid value."""

    value: Any
    error: str | None = None


def _to_number(text: str) -> float | int | None:
    t = text.translate(_FULLWIDTH).strip().replace(" ", "")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    if not _NUMBER.match(t):
        return None
    number = float(t)
    if number.is_integer() and "." not in t and "e" not in t.lower() and abs(number) < 2**53:
        return int(number)
    return number


def check_uscc(code: str) -> str | None:
    """None when ``code`` is a valid 统一社会信用代码 (GB 32100 check digit), else the reason."""
    if len(code) != 18:
        return f"统一社会信用代码须为18位，当前为{len(code)}位"
    bad = [ch for ch in code if ch not in USCC_CHARS]
    if bad:
        return f"统一社会信用代码含非法字符 '{bad[0]}'"
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS))
    expected = USCC_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（应为 {expected}）"
    return None


def parse_input(col: ColumnSpec, raw: Any) -> ParsedValue:
    """Turn typed/pasted/imported input into the stored value for ``col``."""
    if raw is None:
        return ParsedValue(None)
    if isinstance(raw, bool):
        raw = str(raw)
    if col.numeric:
        if isinstance(raw, (int, float)):
            number: float | int | None = raw
        else:
            text = str(raw).strip()
            if text.translate(_FULLWIDTH).strip() in BLANK_WORDS:
                return ParsedValue(None)
            if col.type == "percent" and text.endswith(("%", "％")):
                text = text[:-1]
            if re.search(r"[万千亿]", text):
                return ParsedValue(text, f"'{text}' 含数量单位（万/千/亿），请按计量单位换算后填写数字")
            number = _to_number(text)
            if number is None:
                return ParsedValue(text, f"'{text}' 不是数值")
        if col.type == "integer":
            if isinstance(number, float) and not number.is_integer():
                return ParsedValue(number, f"{number:g} 不是整数")
            number = int(number)
        return ParsedValue(number)
    text = str(raw).strip() if not isinstance(raw, (_dt.date, _dt.datetime)) else raw.isoformat()[:10]
    if text in ("",):
        return ParsedValue(None)
    if col.type == "choice" and text not in col.choices:
        return ParsedValue(text, f"'{text}' 不在可选项中（{'、'.join(col.choices)}）")
    if col.type == "date":
        normalised = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日-")
        try:
            text = _dt.date.fromisoformat("-".join(p.zfill(2) for p in normalised.split("-"))).isoformat()
        except ValueError:
            return ParsedValue(text, f"'{text}' 不是有效日期（格式 2025-06-30）")
    if col.type == "uscc":
        text = text.upper()
        problem = check_uscc(text)
        if problem:
            return ParsedValue(text, problem)
    return ParsedValue(text)


def type_problem(col: ColumnSpec, value: Any) -> str | None:
    """Why a stored value is not valid for its column (None when it is)."""
    if value is None:
        return None
    if col.numeric and isinstance(value, str):
        return parse_input(col, value).error or f"'{value}' 以文本形式保存，不是数值"
    return parse_input(col, value).error


def format_value(col: ColumnSpec, value: Any, *, grouping: bool = True) -> str:
    """Display text: numbers with thousands separators and the column's decimals."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and col.numeric:
        decimals = col.decimals if col.decimals is not None else 2
        text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
        return text + ("%" if col.type == "percent" and not col.unit else "")
    return str(value)
