"""Typed cell values: parsing what people type (or paste, or import) and formatting for display.

Tolerates real input: full-width digits, thousands separators, surrounding spaces, "—"/"无" as
blank. Text that is not a valid value is kept as typed (nothing is lost) and reported.

Every path (typing, paste, import, command line) goes through ``parse_input``, so the limits are
here once: a number must be finite, below its column's ``bound`` and typed with at most 15
significant digits (what Excel and a float hold exactly); a logical value (TRUE) or a formula
error (#DIV/0!, read as ``CellError``) is no number; control characters are removed from text
(``clean_text``) and text longer than an Excel cell holds (32,767 characters) is refused.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import re
from itertools import repeat
from typing import Any

from forms.choice_values import choice_for
from forms.spec import DEFAULT_BOUNDS, ColumnSpec
from records import record

__all__ = ["ParsedValue", "CellError", "parse_input", "format_value", "check_uscc", "type_problem", "clean_text",
           "clean_profile", "decimal_places", "plain_text", "plain_codes", "MAX_TEXT_CHARS", "MAX_SIGNIFICANT_DIGITS"]

MAX_TEXT_CHARS = 32_767  # what one Excel cell holds
MAX_SIGNIFICANT_DIGITS = 15  # what Excel keeps of a number; a float holds 15 digits exactly
# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; lone surrogates
# (they cannot be written as UTF-8): none of them can stand in a worksheet or mean anything in a report
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

BLANK_WORDS = {"", "—", "－", "-", "--", "——", "无", "/"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％　", "0123456789.,-+% ")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_CHARS)}  # a character's value in the check sum


@record(frozen=True)
class CellError:
    """What a workbook cell holds when it is no value: a cached formula error (``#DIV/0!``,
    ``#N/A`` …; kind "error") or a value fetched from another file or program (kind "external":
    an external link or DDE formula). Readers return it so ``parse_input`` refuses the cell."""

    code: str
    kind: str = "error"

    def __str__(self) -> str:
        return self.code


def clean_text(text: str) -> str:
    """``text`` without control characters (ESC, VT, NUL … as pasted from Word or decoded from
    an ``_x001B_`` escape): they mean nothing in a report and no worksheet can hold them."""
    return _CONTROL.sub("", text)


def clean_profile(profile: dict[str, str]) -> dict[str, str]:
    """单位信息 fields as they may be stored: control characters removed, surrounding spaces stripped."""
    return {key: clean_text(value).strip() if isinstance(value, str) else value for key, value in profile.items()}


@record(frozen=True)
class ParsedValue:
    """``value`` is what gets stored; ``error`` (Chinese) is set when it is not a valid value."""

    value: Any
    error: str | None = None

    def __init__(self, value: Any, error: str | None = None) -> None:  # (one per cell read: as dataclass's)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "error", error)


def _number_text(text: str) -> str | None:
    """The plain number in ``text`` ("1,000" → "1000"), None when it is none."""
    t = text.translate(_FULLWIDTH).strip().replace(" ", "")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    return t if _NUMBER.match(t) else None


def _significant_digits(t: str) -> int:
    """Significant digits as typed: "0.00123" → 3, "12345678901234567890" → 20, "1.500" → 2
    (trailing zeros hold no digit a float could lose: "1000000000000000" is exact)."""
    mantissa = t.lstrip("+-").lower().split("e")[0]
    return len(mantissa.replace(".", "").strip("0"))


def decimal_places(number: float | int) -> int:
    """Decimals of ``number`` as written with 15 significant digits (what was typed: the parser
    takes no more), so 16920.125 has 3 at any magnitude, and 0.1 + 0.2 (an Excel sum) has 1.

    A relative float tolerance would let a large value carry an extra decimal; the text does not."""
    if isinstance(number, int) or not math.isfinite(number):
        return 0
    # r4: read off the text itself (``decimal`` stays off the start path): ``g`` writes no trailing
    # zeros after the point, so the places are the digits after it less the exponent
    mantissa, _, exponent = f"{number:.15g}".partition("e")
    _whole, _, fraction = mantissa.partition(".")
    return max(0, len(fraction) - int(exponent or 0))


def _to_number(t: str) -> float | int:
    number = float(t)
    if number.is_integer() and "." not in t and "e" not in t.lower() and abs(number) < 2**53:
        return int(number)
    return number


def check_uscc(code: str) -> str | None:
    """None when ``code`` is a valid 统一社会信用代码 (GB 32100 check digit), else the reason."""
    if len(code) != 18:
        return f"统一社会信用代码须为18位，当前为{len(code)}位"
    value = _USCC_VALUE.get
    digits = [value(ch) for ch in code]
    if None in digits:
        return f"统一社会信用代码含非法字符 '{code[digits.index(None)]}'"
    total = sum(map(int.__mul__, digits[:17], USCC_WEIGHTS))
    expected = USCC_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（应为 {expected}）"
    return None


_USCC_FORM = re.compile(f"[{USCC_CHARS}]{{18}}")
# The weights of the check sum are 3 ** i mod 31, and 34 ≡ 3 (mod 31): with each character written
# as the base-34 digit of its value and the first 17 read last digit first, int(…, 34) is a number
# congruent to the weighted sum, computed in C
_BASE_34 = "0123456789abcdefghijklmnopqrstu"  # a character's value as a base-34 digit
_USCC_DIGITS = str.maketrans(USCC_CHARS, _BASE_34)


def plain_text(col_type: str, raw: str) -> str | None:
    """What ``parse_input`` stores for the text ``raw`` in a text or uscc column when the text needs
    none of its work (no control character, no surrounding space, not too long; a 统一社会信用代码
    in capitals with a right check digit); None when it does (then ``parse_input`` decides). The
    import reads a name and a code on every row of a list: this answers them without the general
    path, with the same result."""
    # isprintable: no control character or lone surrogate (nor some rarer characters, which take the general path)
    if not raw or not raw.isprintable() or raw[0].isspace() or raw[-1].isspace() or len(raw) > MAX_TEXT_CHARS:
        return None
    if col_type == "text":
        return raw
    if col_type == "uscc" and _USCC_FORM.fullmatch(raw):
        total = int(raw[16::-1].translate(_USCC_DIGITS), 34)  # ≡ the weighted sum (mod 31): see _USCC_DIGITS
        return raw if raw[17] == USCC_CHARS[(31 - total % 31) % 31] else None
    return None


_USCC_BYTES = USCC_CHARS.encode()
_USCC_DIGIT_BYTES = bytes.maketrans(_USCC_BYTES, _BASE_34.encode())  # ``_USCC_DIGITS`` for bytes
_CHECK_CHARACTER = [USCC_CHARS[(31 - m) % 31] for m in range(31)]  # the check character by weighted sum % 31


def plain_codes(codes: list[str]) -> bool:
    """Whether ``plain_text("uscc", code)`` answers every one of ``codes`` (texts) with the code
    itself — every one a valid 统一社会信用代码 — in a few whole-list steps in C (issue 16: a
    5,000-row list's codes at once; the import's reader and the 审核's field checks both ask)."""
    if set(map(len, codes)) - {18}:
        return False
    joined = "".join(codes)
    if not joined.isascii():  # (no character of the code's alphabet is beyond ASCII)
        return False
    data = joined.encode()
    if data.translate(None, _USCC_BYTES):  # something left once the alphabet is taken out: ``_USCC_FORM`` fails
        return False
    # r28: every code at once — the joined codes backwards are each code's check character followed by its
    # first 17 characters last first, as ``plain_text`` reads them (base-34 digits by one bytes.translate)
    backwards = data[::-1]
    digits = backwards.translate(_USCC_DIGIT_BYTES).decode()
    size = len(data)
    totals = map(int, map(digits.__getitem__, map(slice, range(1, size, 18), range(18, size + 1, 18))), repeat(34))
    return "".join(map(_CHECK_CHARACTER.__getitem__, map(operator.mod, totals, repeat(31)))) == backwards[::18].decode()


def parse_input(col: ColumnSpec, raw: Any) -> ParsedValue:
    """Turn typed/pasted/imported input into the stored value for ``col``."""
    if raw is None:
        return ParsedValue(None)
    if isinstance(raw, CellError):
        if raw.kind == "external":
            return ParsedValue(None, f"单元格的值来自外部链接或 DDE（{raw.code}），不能导入：请改为直接填写数值")
        return ParsedValue(None, f"单元格是公式错误值 {raw.code}，不是数值：请改正公式或直接填写数值")
    if isinstance(raw, bool):
        return ParsedValue(None, f"单元格是逻辑值 {'TRUE' if raw else 'FALSE'}，不是{'数值' if col.numeric else '填报内容'}")
    if isinstance(raw, str):
        raw = clean_text(raw)
        if len(raw) > MAX_TEXT_CHARS:
            return ParsedValue(raw, f"内容过长（{len(raw)} 个字符，一个单元格至多 {MAX_TEXT_CHARS} 个）")
    if col.numeric:
        if isinstance(raw, (int, float)):
            number: float | int = raw
            text = _shown_number(raw)
        else:
            text = str(raw).strip()
            if text.translate(_FULLWIDTH).strip() in BLANK_WORDS:
                return ParsedValue(None)
            if col.type == "percent" and text.endswith(("%", "％")):
                text = text[:-1]
            if re.search(r"[万千亿]", text):
                return ParsedValue(text, f"'{text}' 含数量单位（万/千/亿），请按计量单位换算后填写数字")
            plain = _number_text(text)
            if plain is None:
                return ParsedValue(text, f"'{text}' 不是数值")
            if _significant_digits(plain) > MAX_SIGNIFICANT_DIGITS:
                return ParsedValue(text, f"'{text}' 超过{MAX_SIGNIFICANT_DIGITS}位有效数字，保存时会被舍入：请核对后重新填写")
            number = _to_number(plain)
        problem = _out_of_bounds(col, number, text)
        if problem:
            return ParsedValue(text, problem)
        if col.type == "integer":
            if isinstance(number, float) and not number.is_integer():
                return ParsedValue(number, f"{number:g} 不是整数")
            number = int(number)
        return ParsedValue(number)
    if isinstance(raw, float) and (not math.isfinite(raw) or abs(raw) >= 1e15
                                   or _significant_digits(repr(raw)) > MAX_SIGNIFICANT_DIGITS):
        return ParsedValue(None, f"数值 {_shown_number(raw)} 超过{MAX_SIGNIFICANT_DIGITS}位有效数字，已被舍入：请将该单元格设为"
                                 "文本格式后重新填写")
    text = str(raw).strip() if not isinstance(raw, (_dt.date, _dt.datetime)) else raw.isoformat()[:10]
    if text in ("",):
        return ParsedValue(None)
    if col.type == "choice" and text not in col.choices:
        text = choice_for(col, text) or text  # g7: a code alone names its choice (forms.choice_values)
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


def _shown_number(number: float | int) -> str:
    if isinstance(number, int) and abs(number) >= 10**16:
        digits = str(abs(number))  # a huge int (command line): not every digit of it is worth printing
        return f"{'-' if number < 0 else ''}{digits[:6]}…（{len(digits)}位整数）"
    return f"{number:.15g}" if isinstance(number, float) else str(number)


def _out_of_bounds(col: ColumnSpec, number: float | int, text: str) -> str | None:
    """Why ``number`` may not be stored in ``col`` (not finite, or not below the column's bound)."""
    if isinstance(number, float) and not math.isfinite(number):
        return f"'{text}' 不是有限的数值"
    bound = col.bound if col.bound is not None else DEFAULT_BOUNDS.get(col.type, DEFAULT_BOUNDS["number"])
    if abs(number) >= bound:
        return f"'{text}' 超出本栏可接受的范围（绝对值须小于 {bound:g}），请核对计量单位和数值"
    return None


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
        if isinstance(value, float) and not math.isfinite(value):
            return "（无效数值）"  # an old database may hold one; 审核 reports it as an 错误
        if abs(value) >= 1e15:
            return f"{value:.6g}"
        decimals = col.decimals if col.decimals is not None else 2
        text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
        return text + ("%" if col.type == "percent" and not col.unit else "")
    return str(value)
