"""报送进度: who has reported what, for one period — 镇街 × forms, one state per cell.

A cell's state comes from the file in force for the township-period (the intake register), the
stored report's status and the district's own mark on it:

* 未收到 — no received file carries the form (逾期 once the deadline has passed);
* 本期无数据 — the received file declares the form empty for the period (``storage.no_data``, kept
  at intake with the township's reason); a file of an older program that carries a form empty
  counts as declaring it;
* 有错误 / 警告未说明 — the stored report's status after 审核 with the district's catalogue;
* 已接收 — received and clean; 已审核 / 已退回 — the district's mark, which wins over the rest.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from forms.findings import TextEnum
from forms.periods import period_label, period_type_of

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["CellState", "Completeness", "completeness", "deadline", "set_deadline", "DEADLINE_SETTING"]

DEADLINE_SETTING = "intake_deadlines"  # JSON {period: "YYYY-MM-DD"}


class CellState(TextEnum):
    MISSING = "未收到"
    OVERDUE = "逾期"
    RECEIVED = "已接收"
    ERRORS = "有错误"
    UNEXPLAINED = "警告未说明"
    AUDITED = "已审核"
    RETURNED = "已退回"
    NO_DATA = "本期无数据"


_FROM_STATUS = {"有错误": CellState.ERRORS, "有警告": CellState.UNEXPLAINED, "未填": CellState.NO_DATA}
_FROM_MARK = {"已审核": CellState.AUDITED, "已退回": CellState.RETURNED}


@dataclass
class Completeness:
    period: str
    townships: list[Township]
    forms: list[tuple[str, str]]  # (key, 表号)
    cells: dict[tuple[int, str], CellState]  # (township id, form key) → state
    reports: dict[tuple[int, str], int] = field(default_factory=dict)  # → report id when stored
    deadline: _dt.date | None = None
    overdue: bool = False

    def state(self, township_id: int, form_key: str) -> CellState:
        return self.cells[(township_id, form_key)]

    def row_counts(self, township_id: int) -> dict[CellState, int]:
        return _count(self.cells[(township_id, k)] for k, _ in self.forms)

    def column_counts(self, form_key: str) -> dict[CellState, int]:
        return _count(self.cells[(t.id, form_key)] for t in self.townships)

    def totals(self) -> dict[CellState, int]:
        return _count(self.cells.values())

    def reported(self) -> list[Township]:
        """Townships with at least one form received."""
        return [t for t in self.townships
                if any(self.cells[(t.id, k)] not in (CellState.MISSING, CellState.OVERDUE) for k, _ in self.forms)]

    def as_dict(self) -> dict:
        """The matrix as JSON-ready data (the CLI's --json)."""
        return {
            "period": self.period, "period_label": period_label(self.period),
            "deadline": self.deadline.isoformat() if self.deadline else None, "overdue": self.overdue,
            "forms": [{"key": k, "code": c} for k, c in self.forms],
            "townships": [{"name": t.name, "code": t.stat_code or t.mca_code or "",
                           "cells": {k: str(self.cells[(t.id, k)]) for k, _ in self.forms},
                           "counts": {str(s): n for s, n in self.row_counts(t.id).items()}} for t in self.townships],
            "columns": {k: {str(s): n for s, n in self.column_counts(k).items()} for k, _ in self.forms},
            "totals": {str(s): n for s, n in self.totals().items()},
        }

    def lines(self) -> list[str]:
        """The matrix as text (the CLI prints it)."""
        head = f"报送进度：{period_label(self.period)}"
        if self.deadline:
            head += f"；截止日期 {self.deadline.isoformat()}" + ("（已逾期）" if self.overdue else "")
        out = [head, "镇街\t" + "\t".join(c for _, c in self.forms) + "\t已收"]
        for t in self.townships:
            states = [self.cells[(t.id, k)] for k, _ in self.forms]
            done = sum(s not in (CellState.MISSING, CellState.OVERDUE) for s in states)
            out.append(f"{t.name}\t" + "\t".join(map(str, states)) + f"\t{done}/{len(states)}")
        out.append("合计：" + "，".join(f"{s}{n}" for s, n in self.totals().items() if n))
        return out


def _count(states: object) -> dict[CellState, int]:
    counts = dict.fromkeys(CellState, 0)
    for s in states:  # type: ignore[attr-defined]
        counts[s] += 1
    return counts


def deadline(ws: Workspace, period: str) -> _dt.date | None:
    raw = (ws.setting(DEADLINE_SETTING, {}) or {}).get(period)
    try:
        return _dt.date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def set_deadline(ws: Workspace, period: str, day: _dt.date | None) -> None:
    """The reporting deadline of ``period`` (None removes it)."""
    stored = dict(ws.setting(DEADLINE_SETTING, {}) or {})
    if day is None:
        stored.pop(period, None)
    else:
        stored[period] = day.isoformat()
    ws.set_setting(DEADLINE_SETTING, stored)


def completeness(ws: Workspace, period: str, today: _dt.date | None = None) -> Completeness:
    """The matrix for ``period`` (every 镇街 but a demo one × the period's forms)."""
    kind = period_type_of(period)
    forms = [(f.key, f.code) for f in ws.catalogue if f.period_type == kind]
    townships = [t for t in ws.townships() if not t.is_demo]
    current = ws.current_intake(period)
    statuses = ws.report_statuses(period)
    marks = ws.district_marks(period)
    declared = ws.period_no_data(period)
    due = deadline(ws, period)
    overdue = due is not None and (today or _dt.date.today()) > due
    cells: dict[tuple[int, str], CellState] = {}
    reports: dict[tuple[int, str], int] = {}
    for town in townships:
        line = current.get(town.id)
        carried = {entry.partition("@")[0] for entry in line.forms.split(",")} if line else set()
        for key, _code in forms:
            stored = statuses.get((town.id, key))
            if stored:
                reports[(town.id, key)] = stored[0]
            if key not in carried:
                cells[(town.id, key)] = CellState.OVERDUE if overdue else CellState.MISSING
            elif (town.id, key) in marks:
                cells[(town.id, key)] = _FROM_MARK.get(marks[(town.id, key)], CellState.RECEIVED)
            elif (town.id, key) in declared:
                cells[(town.id, key)] = CellState.NO_DATA
            else:
                cells[(town.id, key)] = _FROM_STATUS.get(stored[1] if stored else "未填", CellState.RECEIVED)
    return Completeness(period, townships, forms, cells, reports, due, overdue)
