"""A report's status and the rule that derives it from its data and its 审核 result.

The enum's members are the Chinese words stored in ``reports.status`` (unchanged text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from forms.findings import Severity, TextEnum

if TYPE_CHECKING:
    from forms.findings import ValidationResult
    from storage.database import ReportData

__all__ = ["ReportStatus", "STATUSES", "status_for", "rederived_status"]


class ReportStatus(TextEnum):
    """In the order a report moves through them."""

    EMPTY = "未填"
    IN_PROGRESS = "填报中"
    ERRORS = "有错误"
    WARNINGS = "有警告"
    AUDITED = "已审核"
    EXPORTED = "已导出"


STATUSES = tuple(ReportStatus)


def status_for(data: ReportData, result: ValidationResult, audited: bool) -> ReportStatus:
    """The status a report has after an edit (audited=False) or after 审核 (audited=True)."""
    if not data.has_input:
        return ReportStatus.EMPTY
    if result.count(Severity.ERROR):
        return ReportStatus.ERRORS
    if any(f.severity == Severity.WARNING and not f.explained for f in result.findings):
        return ReportStatus.WARNINGS
    return ReportStatus.AUDITED if audited else ReportStatus.IN_PROGRESS


def rederived_status(data: ReportData, result: ValidationResult, stored: str) -> ReportStatus:
    """The status of a report after a form it reads changed: an 已审核/已导出 report keeps that
    status while it stays clean; otherwise as after an edit."""
    kept = stored in (ReportStatus.AUDITED, ReportStatus.EXPORTED)
    status = status_for(data, result, audited=kept)
    if status == ReportStatus.AUDITED and stored == ReportStatus.EXPORTED:
        return ReportStatus.EXPORTED
    return status
