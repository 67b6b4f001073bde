"""Report periods as stable strings: "2025" (年报), "2025Q3" (季报), "2025M09" (月报)."""

from __future__ import annotations

import datetime as _dt
import re

from user_error import UserError

__all__ = ["PeriodError", "parse_period", "period_label", "period_year", "recent_periods", "default_period"]

_PATTERNS = {
    "年报": re.compile(r"^(\d{4})$"),
    "季报": re.compile(r"^(\d{4})Q([1-4])$"),
    "月报": re.compile(r"^(\d{4})M(0[1-9]|1[0-2])$"),
}


class PeriodError(UserError, ValueError):
    pass


def parse_period(text: str, period_type: str | None = None) -> str:
    """Normalise a period string; raises PeriodError with a Chinese message."""
    t = str(text).strip().upper().replace("年", "")
    kinds = [period_type] if period_type else list(_PATTERNS)
    for kind in kinds:
        m = _PATTERNS[kind].match(t)
        if m and 2000 <= int(m.group(1)) <= 2100:
            return t
    examples = {"年报": "2025", "季报": "2025Q3", "月报": "2025M09"}
    wanted = "、".join(examples[k] for k in kinds)
    raise PeriodError(f"报告期 '{text}' 格式不正确，应写作 {wanted}")


def period_type_of(period: str) -> str:
    for kind, pattern in _PATTERNS.items():
        if pattern.match(period):
            return kind
    raise PeriodError(f"报告期 '{period}' 格式不正确")


def period_year(period: str) -> int:
    return int(period[:4])


def period_label(period: str) -> str:
    """Chinese display: 2025年 / 2025年第3季度 / 2025年9月."""
    kind = period_type_of(period)
    year = period[:4]
    if kind == "年报":
        return f"{year}年"
    if kind == "季报":
        return f"{year}年第{period[5]}季度"
    return f"{year}年{int(period[5:])}月"


def default_period(period_type: str, today: _dt.date | None = None) -> str:
    """The period a township is most likely reporting now: the last complete one."""
    today = today or _dt.date.today()
    if period_type == "年报":
        return str(today.year - 1)
    if period_type == "季报":
        q = (today.month - 1) // 3
        return f"{today.year}Q{q}" if q else f"{today.year - 1}Q4"
    m = today.month - 1
    return f"{today.year}M{m:02d}" if m else f"{today.year - 1}M12"


def recent_periods(period_type: str, count: int = 6, today: _dt.date | None = None) -> list[str]:
    """Newest first, starting at the default period."""
    first = default_period(period_type, today)
    out = [first]
    while len(out) < count:
        p = out[-1]
        year = int(p[:4])
        if period_type == "年报":
            out.append(str(year - 1))
        elif period_type == "季报":
            q = int(p[5])
            out.append(f"{year}Q{q - 1}" if q > 1 else f"{year - 1}Q4")
        else:
            m = int(p[5:])
            out.append(f"{year}M{m - 1:02d}" if m > 1 else f"{year - 1}M12")
    return out
