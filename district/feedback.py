"""退回: the district sends a township its problems back as a 反馈 workbook and marks the forms
concerned 已退回 (until the township's next file arrives).

A problem is every 错误, every 警告 (with the township's 说明, if any) and every finding the
district wrote a remark on; 提示 without a remark are left out.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING

from district.review import DistrictFinding, district_findings
from export.feedback_file import FeedbackItem, write_feedback
from user_error import UserError

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["NothingToSendBack", "feedback_items", "send_back"]


class NothingToSendBack(UserError, RuntimeError):
    """No received report, or nothing wrong in it."""


def _is_problem(f: DistrictFinding) -> bool:
    return f.severity in ("错误", "警告") or bool(f.remark)


def feedback_items(ws: Workspace, township_id: int, period: str) -> list[FeedbackItem]:
    return [FeedbackItem(f.form_key, f.form_code, f.cell, f.rule_id, f.row_code, f.row_label, f.col_label, f.value,
                         f.severity, f.text, f.note, f.remark)
            for f in district_findings(ws, period, township_id=township_id) if _is_problem(f)]


def send_back(ws: Workspace, township_id: int, period: str, out: Path) -> list[FeedbackItem]:
    """Write the 反馈 workbook to ``out`` and mark the forms with problems 已退回."""
    town = ws.township(township_id)
    if township_id not in ws.current_intake(period):
        raise NothingToSendBack(f"还没有收到{town.name}的报表，无可退回")
    items = feedback_items(ws, township_id, period)
    if not items:
        raise NothingToSendBack(f"{town.name}的报表没有错误、警告或区里意见，无需退回")
    sent = _dt.datetime.now().isoformat(timespec="minutes")
    write_feedback(out, town.name, town.stat_code or town.mca_code or "", period, sent, items)
    keys = sorted({i.form_key for i in items if i.form_key})
    if not keys:  # only a finding about the whole file (identical data): the whole report goes back
        keys = sorted({f.key for f in ws.catalogue if ws.store.find_report(township_id, f.key, period)})
    ws.set_district_mark(township_id, period, keys, "已退回")
    return items
