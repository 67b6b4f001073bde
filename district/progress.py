"""Progress toward one plan target from the district figures received so far.

The path is the straight line from the base (the plan's base year and value; without one, the
first year received) to the target in the target year. For the latest year received:
完成程度 = how far from the base toward the target the figure has come; 还差 = what remains;
每年需 = what remains per year left. On track when the figure is at least where the path is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from district.targets import PlanTarget

__all__ = ["Progress", "ProgressState", "number_text", "plan_progress", "township_progress"]


class ProgressState(str, Enum):
    REACHED = "已达到"
    ON_TRACK = "进度正常"
    BEHIND = "落后"
    NO_DATA = "无数据"
    UNMEASURED = "未纳入报表"
    SHARE = "本镇街贡献"  # a township's own figure against a district target the plan does not split


@dataclass(frozen=True)
class Progress:
    target: PlanTarget
    values: dict[int, float] = field(default_factory=dict)  # year → district figure
    state: ProgressState = ProgressState.NO_DATA
    year: int | None = None  # the latest year received
    value: float | None = None
    start: tuple[int, float] | None = None  # where the path starts
    done_share: float | None = None  # 0..1 (and beyond) of the way from the start to the target
    remaining: float | None = None  # still to go (0 once reached), in the target's unit
    per_year: float | None = None  # remaining per year left (None in or after the target year)

    def path_value(self, year: int) -> float | None:
        """Where the straight path from the start to the target stands in ``year``."""
        if self.start is None:
            return None
        y0, v0 = self.start
        span = self.target.target_year - y0
        if span <= 0:
            return self.target.target
        return v0 + (self.target.target - v0) * (year - y0) / span

    def text(self) -> str:
        """已完成 x% / 还差 y（每年需 z） in the target's unit."""
        if self.state in (ProgressState.UNMEASURED, ProgressState.NO_DATA):
            return self.state.value + (f"：{self.target.unmeasured}" if self.target.unmeasured else "")
        unit = self.target.unit
        if self.state is ProgressState.SHARE:
            share = f"{self.done_share * 100:.1f}%" if self.done_share is not None else "—"
            return (f"{self.year}年 本镇街 {number_text(self.value)}{unit}，占全区目标 {number_text(self.target.target)}{unit} 的"
                    f" {share}（全区目标未分解到镇街，不判断本镇街进度）")
        gap_unit = "个百分点" if unit == "%" else unit  # a gap between two rates is in points
        parts = []
        if self.done_share is not None:
            parts.append(f"已完成 {self.done_share * 100:.1f}%")
        if self.remaining:
            need = f"（每年需 {number_text(self.per_year)}{gap_unit}）" if self.per_year else ""
            parts.append(f"还差 {number_text(self.remaining)}{gap_unit}{need}")
        return f"{self.year}年 {number_text(self.value)}{unit}，{self.state.value}：" + "，".join(parts or ["已达到目标"])


def number_text(value: float | None) -> str:
    """A figure as the progress texts print it: 2,133.3 / 180.0万 (never 1.8e+06)."""
    if value is None:
        return "—"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value / 1e4:,.1f}万"


def _received(target: PlanTarget, values: Mapping[int, float | None]) -> tuple[dict[int, float], Progress | None]:
    """The years with a figure, and the Progress to return at once when there is nothing to measure."""
    if target.measure is None:
        return {}, Progress(target, state=ProgressState.UNMEASURED)
    known = {y: float(v) for y, v in sorted(values.items()) if v is not None}
    return known, (None if known else Progress(target, known))


def plan_progress(target: PlanTarget, values: Mapping[int, float | None]) -> Progress:
    """Progress of ``target`` given the district figure of each year received (None = not received)."""
    known, empty = _received(target, values)
    if empty is not None:
        return empty
    year = max(known)
    value = known[year]
    if target.base_year is not None and target.base_value is not None:
        start = (target.base_year, target.base_value)
    else:
        first = min(known)
        start = (first, known[first])
    sign = 1 if target.direction == "at_least" else -1
    distance = (target.target - start[1]) * sign
    done_share = (value - start[1]) * sign / distance if distance > 0 else None
    remaining = max(0.0, (target.target - value) * sign)
    years_left = target.target_year - year
    per_year = remaining / years_left if remaining and years_left > 0 else None
    progress = Progress(target, known, ProgressState.NO_DATA, year, value, start, done_share, remaining, per_year)
    expected = progress.path_value(year)
    if target.reached(value):
        state = ProgressState.REACHED
    elif expected is not None and (value - expected) * sign >= -1e-9:
        state = ProgressState.ON_TRACK
    else:
        state = ProgressState.BEHIND
    return Progress(target, known, state, year, value, start, done_share, remaining, per_year)


def township_progress(target: PlanTarget, values: Mapping[int, float | None]) -> Progress:
    """A township's own figures toward a district target it contributes to (a ledger's reductions,
    its PV area): each year's figure and its share of the district target, with no path, gap or
    on-track verdict, since the plan sets the target for the district only, not per township."""
    known, empty = _received(target, values)
    if empty is not None:
        return empty
    year = max(known)
    share = known[year] / target.target if target.target else None
    return Progress(target, known, ProgressState.SHARE, year, known[year], None, share)
