"""Progress toward every quantified target of the plan, from the database's figures.

A district database: for each target the district value of every year 2021–2025 received (the
汇总 of that year's measuring cell over all townships), the target, the straight path,
已完成/还差/每年需 and on track / behind (district.progress), and each township's contribution
per year for targets where townships' figures add up (``township_share``). A township database
shows the same for its own figures, only for those ``township_share`` targets, and as its share
of the district target (no path, gap or verdict: the plan does not split targets by township).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from district.progress import Progress, plan_progress, township_progress
from district.summary import district_summary
from district.targets import PlanTarget, load_targets
from forms.compute import numeric_or_none

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["YEARS", "TargetProgress", "ProgressReport", "progress_report", "write_progress_workbook"]

YEARS = tuple(range(2021, 2026))  # the 十四五 years


@dataclass
class TargetProgress:
    progress: Progress
    contributions: dict[int, list[tuple[str, float]]] = field(default_factory=dict)  # year → (township, value)

    @property
    def target(self) -> PlanTarget:
        return self.progress.target

    def as_dict(self) -> dict[str, Any]:
        p, t = self.progress, self.target
        return {"id": t.id, "name": t.name, "plan": t.plan, "unit": t.unit, "direction": t.direction,
                "target": t.target, "target_year": t.target_year, "base_year": t.base_year, "base_value": t.base_value,
                "values": {str(y): v for y, v in p.values.items()},
                "path": {str(y): p.path_value(y) for y in YEARS} if p.start else {},
                "state": p.state.value, "year": p.year, "value": p.value, "done_share": p.done_share,
                "remaining": p.remaining, "per_year": p.per_year, "text": p.text(),
                "township_share": t.township_share,
                "contributions": {str(y): [{"township": n, "value": v} for n, v in rows]
                                  for y, rows in self.contributions.items()}}


@dataclass
class ProgressReport:
    scope: str  # 全区 or the township's name
    district: bool
    years: list[int]  # the years with figures
    items: list[TargetProgress]

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "district": self.district, "years": self.years,
                "targets": [i.as_dict() for i in self.items]}


def _own_townships(workspace: Workspace) -> list[str]:
    """A township database's own township(s): the real ones with figures, else the demo."""
    periods = [p for p in workspace.report_periods() if p.isdigit()]
    with_data: dict[int, str] = {}
    for period in periods:
        for (town_id, _form), data in workspace.period_reports(period).items():
            if data.has_input:
                with_data[town_id] = workspace.township(town_id).name
    towns = [workspace.township(i) for i in with_data]
    real = [t.name for t in towns if not t.is_demo]
    return real or [t.name for t in towns]


def progress_report(workspace: Workspace, targets: list[PlanTarget] | None = None) -> ProgressReport:
    """Progress toward each target (module docstring) from what the database holds."""
    targets = targets if targets is not None else load_targets(workspace.catalogue)
    district = workspace.is_district
    chosen: list[str] | None = None
    scope = "全区"
    if not district:
        chosen = _own_townships(workspace)
        targets = [t for t in targets if t.township_share]
        scope = "、".join(chosen) or "本镇街"
    forms = sorted({t.measure.form for t in targets if t.measure})
    stored = {p for p in workspace.report_periods() if p.isdigit()}
    values: dict[str, dict[int, float | None]] = {t.id: {} for t in targets}
    contributions: dict[str, dict[int, list[tuple[str, float]]]] = {t.id: {} for t in targets}
    years = []
    for year in YEARS:
        if str(year) not in stored or not forms or (chosen is not None and not chosen):
            continue
        summary = district_summary(workspace, str(year), townships=chosen, form_keys=forms, checks=False,
                                   validate=False)
        if not any(f.members for f in summary.forms.values()):
            continue
        years.append(year)
        for target in targets:
            m = target.measure
            if m is None or m.form not in summary.forms or not summary.forms[m.form].members:
                continue
            form_summary = summary.forms[m.form]
            values[target.id][year] = numeric_or_none(form_summary.computed.get(m.table, m.row, m.column))
            if target.township_share:
                contributions[target.id][year] = [
                    (town.name, v) for town, c in zip(form_summary.members, form_summary.member_computed)
                    if (v := numeric_or_none(c.get(m.table, m.row, m.column))) is not None]
    measure = plan_progress if district else township_progress
    items = [TargetProgress(measure(t, values[t.id]), contributions[t.id]) for t in targets]
    return ProgressReport(scope, district, years, items)


def write_progress_workbook(report: ProgressReport, out_path: Path, *, now: _dt.datetime | None = None) -> Path:
    """规划目标进度 (one row per target, the values of every year) and 镇街贡献, written atomically."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from export.atomic import atomic_write
    from export.xlsx_writer import save_workbook

    now = now or _dt.datetime.now()
    wb = Workbook()
    ws = wb.active
    ws.title = "规划目标进度"
    bold, wrap = Font(name="宋体", bold=True), Alignment(wrap_text=True, vertical="center")
    ws.append([f"《重庆市永川区“十四五”节能减排工作实施方案》量化目标进度（{report.scope}）"])
    ws.append([f"生成时间：{now:%Y-%m-%d %H:%M}；已有数据的年份：{'、'.join(map(str, report.years)) or '无'}"])
    heads = ["序号", "指标", "单位", "方向", "基期年份", "基期值", *[f"{y}年" for y in YEARS], "目标值", "目标年份",
             "最新年份路径值", "已完成%", "还差", "每年需", "状态", "进度说明", "方案原文"]
    ws.append(heads)
    for cell in ws[3]:
        cell.font, cell.alignment = bold, wrap
    for n, item in enumerate(report.items, start=1):
        p, t = item.progress, item.target
        ws.append([n, t.name, t.unit, "不低于" if t.direction == "at_least" else "不高于", t.base_year, t.base_value,
                   *[p.values.get(y) for y in YEARS], t.target, t.target_year,
                   p.path_value(p.year) if p.year is not None else None,
                   p.done_share * 100 if p.done_share is not None else None, p.remaining, p.per_year,
                   p.state.value, _text(p.text()), _text(t.plan)])
    for letter, width in zip("ABCDEFGHIJKLMNOPQRSTUV", (6, 34, 10, 8, 8, 8, 12, 12, 12, 12, 12, 10, 8, 12, 10, 10,
                                                         10, 10, 60, 60)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C4"
    share = wb.create_sheet("镇街贡献")
    share.append(["指标", "单位", "镇街", *[f"{y}年" for y in YEARS]])
    for cell in share[1]:
        cell.font = bold
    for item in report.items:
        names = list(dict.fromkeys(n for rows in item.contributions.values() for n, _ in rows))
        for name in names:
            by_year = {y: dict(rows).get(name) for y, rows in item.contributions.items()}
            share.append([item.target.name, item.target.unit, _text(name), *[by_year.get(y) for y in YEARS]])
    for letter, width in zip("ABC", (34, 8, 18)):
        share.column_dimensions[letter].width = width
    for sheet in (ws, share):
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # literal text, never a formula
    atomic_write(Path(out_path), lambda fh: save_workbook(wb, fh))
    return Path(out_path)


def _text(value: str) -> str:
    """Text as a worksheet can hold it."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)
