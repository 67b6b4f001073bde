"""The intake register exported as a workbook (收件登记簿), written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from storage.district_store import RegisterLine
    from storage.workspace import Workspace

__all__ = ["REGISTER_HEADER", "register_rows", "export_register"]

REGISTER_HEADER = ("收件时间", "文件名", "镇街", "报告期", "结论", "原因", "程序版本", "表式及版本", "文件SHA-256",
                   "镇街和报告期由收件人指定", "收件人", "签名")  # 签名: s8's signature verdict


def register_rows(ws: Workspace, period: str | None = None,
                  lines: Sequence[RegisterLine] | None = None) -> list[tuple[str, ...]]:
    """The register as the window and the workbook show it, newest first. ``lines``: every
    period's lines when the caller has just read them (``ws.intake_lines()``), so the refused log
    is not read again; a line without a period belongs to every period, as in ``intake_lines``."""
    from forms.periods import period_label

    names = {t.id: t.name for t in ws.townships()}
    if lines is None:
        lines = ws.intake_lines(period)
    elif period is not None:
        lines = [line for line in lines if line.period in (period, None)]
    return [(line.received_at.replace("T", " "), line.file_name, names.get(line.township_id, "") if line.township_id
             else "", period_label(line.period) if line.period else "", line.shown_verdict, "；".join(line.reasons),
             line.program_version, line.forms, line.sha256, "是" if line.given else "", line.who, line.signature)
            for line in lines]


def export_register(ws: Workspace, out: Path, period: str | None = None) -> int:
    """Write the register to ``out`` (.xlsx); returns the number of lines."""
    from openpyxl import Workbook

    from export.atomic import atomic_write
    from export.xlsx_writer import save_workbook

    rows = register_rows(ws, period)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "收件登记"
    sheet.append(list(REGISTER_HEADER))
    for row in rows:
        sheet.append(list(row))
    for column, width in zip("ABCDEFGHIJKL", (19, 28, 12, 9, 22, 60, 10, 40, 66, 10, 10, 40)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    atomic_write(Path(out), lambda fh: save_workbook(wb, fh))
    return len(rows)
