"""How rule texts show numbers, and the text of a goal rule (progress towards a district target)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forms.spec import RuleSpec

__all__ = ["fmt", "gap_unit", "goal_text"]


def fmt(value: float, decimals: int | None = 2) -> str:
    """A number as every finding text shows it: grouped digits, never an exponent (1,800,000, not
    1.8e+06); at most ``decimals`` decimals (None: as exact as the float, for a limit such as
    ``min``); a non-zero number never shows as 0. Anything else (a text typed into a number
    column and stored as typed) shows as it is."""
    if not isinstance(value, float):
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return f"{int(value):,}"
    if decimals is not None:
        text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
        if text not in ("0", "-0"):
            return text
    return f"{Decimal(repr(value)):,f}"


def gap_unit(unit: str) -> str:
    """The unit of a difference: two rates differ by 个百分点, not by a per cent."""
    return "个百分点" if unit in ("", "%", "％") else unit


def goal_text(rule: RuleSpec, value: float) -> str:
    unit = rule.unit
    gap = gap_unit(unit)
    target = rule.target if rule.target is not None else 0.0
    head = f"全区目标：{rule.goal}；{getattr(rule, 'subject', '本镇街')} {fmt(round(value, 2))}{unit}"  # d3: 全区 on a district form
    if rule.direction == "at_least":
        if value >= target:
            return head + "，已达到全区目标。"
        progress = f"，为目标的{value / target * 100:.0f}%" if target > 0 and value > 0 else ""
        return head + f"，距目标 {fmt(target)}{unit} 尚差 {fmt(round(target - value, 2))}{gap}{progress}。"
    if value <= target:
        return head + "，已达到全区目标。"
    return head + f"，高于目标 {fmt(target)}{unit} {fmt(round(value - target, 2))}{gap}。"
