"""文件 → 新建区级汇总库… in the township window: kept apart from ui.district_window so the
township window's start-up imports nothing of the district's."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

__all__ = ["add_district_menu", "new_district_database"]


def new_district_database(owner: QMainWindow, path: Path | None = None) -> Path | None:
    """文件 → 新建区级汇总库…: ask where, create it (all 24 镇街, no demo), open it."""
    from storage.database import StorageError
    from storage.workspace import Workspace

    if path is None:
        chosen, _ = QFileDialog.getSaveFileName(owner, "新建区级汇总库", "区级汇总库.sqlite", "数据库 (*.sqlite)")
        if not chosen:
            return None
        path = Path(chosen)
    try:
        Workspace.create_district(path).close()
    except StorageError as exc:
        QMessageBox.warning(owner, "无法新建区级汇总库", str(exc))
        return None
    owner.statusBar().showMessage(f"已新建区级汇总库：{path}", 10_000)
    owner.open_database(path)  # type: ignore[attr-defined]
    return path


def add_district_menu(owner: QMainWindow) -> QAction:
    """The 文件 menu's 新建区级汇总库… of the township window."""
    menu = owner.menuBar().addMenu("文件")
    action = QAction("新建区级汇总库…", owner)
    action.setObjectName("newDistrictAction")
    action.setToolTip("区统计局使用：新建收取各镇街报表的区级汇总库")
    action.triggered.connect(lambda: new_district_database(owner))
    menu.addAction(action)
    return action
