"""One cell over time: its value in each period of the same form and township, and its change log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.database import CellKey
    from storage.workspace import Workspace

__all__ = ["PeriodValue", "cell_history", "cell_changes"]


@dataclass(frozen=True)
class PeriodValue:
    period: str
    value: Any  # the stored input, or the computed value for a computed cell; None when blank


def cell_history(workspace: Workspace, report_id: int, cell: CellKey) -> list[PeriodValue]:
    """The cell in every period (of the same kind) up to this report's, oldest first."""
    report = workspace.report(report_id)
    rows = workspace.store.conn.execute(
        "SELECT id, period FROM reports WHERE township_id = ? AND form_key = ? AND length(period) = ?"
        " AND period <= ? ORDER BY period", (report.township_id, report.form_key, len(report.period), report.period)
    ).fetchall()
    out = []
    for rid, period in rows:
        data = workspace.store.load(rid)
        value = data.values.get(cell)
        if value is None:
            value = workspace.validate(data).computed.values.get(cell)
        out.append(PeriodValue(period, value))
    return out


def cell_changes(workspace: Workspace, report_id: int, cell: CellKey) -> list[dict[str, Any]]:
    """Who changed the cell (value or 说明), when, from what to what, and why; oldest first."""
    return workspace.store.audit(report_id, cell)
