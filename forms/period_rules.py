"""Earlier periods: which ones compare with a period, and the vs-last-period ("change") and
vs-history rule texts built from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from forms.rule_messages import fmt, gap_unit
from records import field, record

if TYPE_CHECKING:
    from forms.compute import CellKey  # (s1: not imported at run time)
    from forms.rules import Bundle
    from forms.spec import RuleSpec

__all__ = ["PeriodInputs", "last_year", "comparable_periods", "change_text", "history_text"]


@record(frozen=True)
class PeriodInputs:
    """What is stored for one earlier period of a report: its inputs and list-row order."""

    values: Mapping[CellKey, Any]
    list_rows: Mapping[str, Sequence[str]] = field(default_factory=dict)


def last_year(period: str) -> str:
    """The same period one year earlier: 2025 → 2024, 2025Q3 → 2024Q3, 2025M09 → 2024M09."""
    return f"{int(period[:4]) - 1}{period[4:]}"


def comparable_periods(period: str, periods: Iterable[str]) -> list[str]:
    """Earlier periods of the same kind and season (same quarter / month), oldest first."""
    return sorted(p for p in periods if p[4:] == period[4:] and p < period)


def change_text(rule: RuleSpec, bundle: Bundle, key: CellKey, value: Any) -> str | None:
    """vs the same period last year: relative change beyond ``threshold`` or ``points`` absolute."""
    before = bundle.history.get(last_year(bundle.period))
    old = before.get(*key) if before else None
    if not isinstance(value, (int, float)) or not isinstance(old, (int, float)):
        return None
    unit = rule.unit
    if rule.points is not None:
        diff = value - old
        if abs(diff) <= rule.points + 1e-9:
            return None
        text = (f"比上年同期变动{diff:+.1f}{gap_unit(unit)}（上年 {fmt(old)}，本期 {fmt(value)}），"
                f"超过±{fmt(rule.points, None)}{gap_unit(unit)}")
    else:
        if old == 0:
            if value == 0:
                return None
            text = f"上年同期为0，本期为 {fmt(value)}"
        else:
            rate = (value - old) / abs(old)
            if abs(rate) <= rule.threshold + 1e-9:
                return None
            text = (f"比上年同期{'增长' if rate > 0 else '下降'}{abs(rate) * 100:.1f}%（上年 {fmt(old)}，"
                    f"本期 {fmt(value)}），变化超过±{rule.threshold * 100:g}%")
    return text + "，" + (rule.message or "请核实并在说明中写明变化原因。")


def history_text(rule: RuleSpec, bundle: Bundle, key: CellKey, value: Any) -> str | None:
    """vs history: outside median ± 3·MAD of the cell's earlier periods, once ≥ min_periods exist.

    MAD is floored at 1 % of |median| so a series that never moved does not flag every change."""
    if not isinstance(value, (int, float)):
        return None
    earlier = [v for p in comparable_periods(bundle.period, bundle.history)
               if isinstance(v := bundle.history[p].get(*key), (int, float)) and not isinstance(v, bool)]
    if len(earlier) < rule.min_periods:
        return None
    import statistics  # here: only history rules need it (a few ms off every start)

    median = statistics.median(earlier)
    mad = max(statistics.median([abs(v - median) for v in earlier]), 0.01 * abs(median), 1e-9)
    low, high = median - 3 * mad, median + 3 * mad
    if low <= value <= high:
        return None
    return (f"本期 {fmt(value)} 超出以往{len(earlier)}期数值的通常范围 {fmt(low)}～{fmt(high)}"
            f"（中位数 {fmt(median)} ± 3倍绝对中位差），" + (rule.message or "请核实。"))
