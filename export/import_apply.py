"""Applying an import preview, and undoing the last import (撤销导入).

``apply_import`` backs the database up, then writes the chosen forms of the preview in ONE
transaction through ``Workspace.write_import`` (which also logs the state before, for undo),
then refreshes the statuses. Nothing is written while a chosen form has rejected cells.
``undo_import`` backs up, then restores the township-period exactly as it was before its last
import, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from export.errors import ImportRefused
from export.file_upgrade import upgrade_notices
from export.import_preview import ImportPreview
from forms.periods import period_label

if TYPE_CHECKING:
    from storage.import_log import ImportRecord
    from storage.workspace import Workspace

__all__ = ["ApplyResult", "UndoResult", "apply_import", "undo_import"]


@dataclass(frozen=True)
class ApplyResult:
    changed: int
    backup: Path | None
    statuses: dict[str, str]


@dataclass(frozen=True)
class UndoResult:
    record: ImportRecord
    backup: Path | None
    statuses: dict[str, str]

    def text(self) -> str:
        return (f"已撤销导入 {self.record.file}（{self.record.at}，{period_label(self.record.period)}）："
                f"恢复到导入前的数据；撤销前备份：{self.backup}")


def apply_import(ws: Workspace, preview: ImportPreview, *, backup: bool = True) -> ApplyResult:
    """Back up the database, then write the chosen forms in ONE transaction, then refresh statuses.

    Refused (ImportRefused, nothing written) while a chosen form has rejected cells or no form is
    chosen. Blank cells clear stored values only with ``preview.replace_blank``.
    """
    from storage.import_log import ImportWrite

    if preview.rejected:
        raise ImportRefused(f"有{len(preview.rejected)}个单元格无法导入，请先在文件中改正后重新导入；数据库未改动")
    chosen = preview.chosen
    if not chosen:
        raise ImportRefused("没有选择要导入的表，数据库未改动")
    backup_path = _backup(ws, "导入前") if backup else None
    reason = f"导入 {preview.path.name}"
    said = preview.warnings + upgrade_notices(preview.notices)  # r5: an older form version upgraded as read
    if said:
        reason += "（" + "；".join(said) + "）"
    writes = []
    for item in chosen:
        changes = item.writes(preview.replace_blank)
        writes.append(ImportWrite(item.form.key, item.form.version, item.add_rows,
                                  [(c.cell, c.new) for c in changes if c.field == "value"],
                                  [(c.cell, c.new or "") for c in changes if c.field == "note"]))
    # a database failure (disk full …) is a StorageError: the transaction rolled back, nothing changed
    changed, report_ids = ws.write_import(preview.township.id, preview.period, preview.path.name, writes, reason)
    statuses = {key: ws.refresh_status(rid)[0] for key, rid in report_ids.items()}
    return ApplyResult(changed, backup_path, statuses)


def undo_import(ws: Workspace, township_id: int | None = None, period: str | None = None, *,
                backup: bool = True) -> UndoResult:
    """Restore the state before the last import (of that township and period, when given).
    ImportRefused when there is none to undo."""
    record = ws.last_import(township_id, period)
    if record is None:
        where = ""
        if township_id is not None:
            where = ws.township(township_id).name
        if period is not None:
            where += f"{period_label(period)}"
        raise ImportRefused(f"{where or '数据库中'}没有可撤销的导入")
    backup_path = _backup(ws, "撤销导入前") if backup else None
    ws.undo_import(record)
    statuses = ws.statuses(record.township_id, record.period)
    return UndoResult(record, backup_path, {k: statuses[k] for k in record.forms if k in statuses})


def _backup(ws: Workspace, label: str) -> Path:
    """A failure is the BackupError itself (a UserError: "could not complete", nothing changed),
    not a refused file."""
    from storage.backup import BackupError
    from storage.database_file import DatabaseFile

    try:
        return DatabaseFile(ws.path).backup(label)
    except BackupError as exc:
        raise BackupError(f"{label}无法备份数据库，未改动：{exc}") from None
