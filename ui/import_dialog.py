"""导入…: choose a workbook, see the dry-run preview, confirm, import — all core work off the UI thread.

Flow: file dialog → ``export.importer.preview_import`` on a worker (own Workspace) → this
preview dialog (per form: changed old → new, new, rejected with sheet/cell/value/reason,
metadata warnings) → on 导入 ``apply_import`` on a worker (backup + one transaction) → the
window reloads the report. A file for another township or period asks first whether to import
it into the current selection anyway. Nothing is written before the user confirms.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.operations import Operation, run_with_workspace

if TYPE_CHECKING:
    from export.importer import ImportPreview
    from storage.workspace import Workspace

__all__ = ["ImportPreviewDialog", "start_import", "IMPORT_FILTER"]

IMPORT_FILTER = "Excel/WPS/LibreOffice 工作簿 (*.xlsx *.xlsm *.xls *.ods)"
_REJECT = QColor("#b3261e")
_WARN = QColor("#8a5a00")


def _text(value: Any) -> str:
    return "（空）" if value is None or value == "" else str(value)


class ImportPreviewDialog(QDialog):
    """Shows one ImportPreview; 导入 is disabled while cells are rejected."""

    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(f"导入预览 — {preview.path.name}")
        self.resize(820, 520)
        layout = QVBoxLayout(self)
        from forms.periods import period_label

        head = QLabel(f"文件：{preview.path.name}　镇街：{preview.township.name}　报告期：{period_label(preview.period)}"
                      f"\n将改动 {preview.change_count} 处，拒绝 {len(preview.rejected)} 处。确认前数据库不会有任何改动，"
                      "导入前会自动备份数据库。")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.warning_label = QLabel("\n".join([f"警告：{w}" for w in preview.warnings] +
                                              [f"提示：{n}" for n in preview.notices]))
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(f"color: {_WARN.name()};")
        self.warning_label.setVisible(bool(preview.warnings or preview.notices))
        layout.addWidget(self.warning_label)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["类别", "单元格", "原值", "新值 / 原因"])
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 130)
        self.tree.setColumnWidth(2, 140)
        for form in preview.forms:
            new = sum(1 for c in form.changes if c.is_new)
            top = QTreeWidgetItem([f"《{form.form.name}》 修改{len(form.changes) - new} 新增{new} "
                                   f"拒绝{len(form.rejected)} 不变{form.unchanged}", "", "", ""])
            self.tree.addTopLevelItem(top)
            for r in form.rejected:
                item = QTreeWidgetItem(["拒绝", f"{r.sheet}!{r.address}", _text(r.value), r.reason])
                for col in range(4):
                    item.setForeground(col, QBrush(_REJECT))
                top.addChild(item)
            for c in form.changes:
                kind = ("新增" if c.is_new else "修改") + ("说明" if c.field == "note" else "")
                top.addChild(QTreeWidgetItem([kind, f"{c.sheet}!{c.address}", _text(c.old), _text(c.new)]))
            for n in form.notices:
                top.addChild(QTreeWidgetItem(["提示", "", "", n]))
            top.setExpanded(True)
        layout.addWidget(self.tree, 1)

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("confirmImport")
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        if preview.rejected:
            self.import_button.setEnabled(False)
            self.import_button.setToolTip("有单元格被拒绝：请先在文件中改正后重新导入")
        elif preview.change_count == 0:
            self.import_button.setToolTip("文件与数据库中的数据相同，导入不会改动任何数值")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


def start_import(window: Any, path: Path | None = None, *, accept_other: bool = False) -> Operation | None:
    """Preview ``path`` (asking for it when None) for the window's current township and period."""
    controller = window.controller
    workspace: Workspace | None = window.workspace
    if workspace is None or controller.township is None or controller.period is None:
        return None
    if path is None:
        folder = str(window.settings.value("last/import_dir") or Path.home())
        chosen, _filter = QFileDialog.getOpenFileName(window, "导入 Excel 文件", folder, IMPORT_FILTER)
        if not chosen:
            return None
        path = Path(chosen)
        window.settings.setValue("last/import_dir", str(path.parent))
    township_id, period = controller.township.id, controller.period

    def task(ws: Workspace) -> Any:
        from export.importer import preview_import

        return preview_import(ws, path, township_id=township_id, period=period, accept_other=accept_other)

    def finished() -> None:
        error = operation.error
        if error is None:
            window.import_dialog = dialog = ImportPreviewDialog(operation.result, window)
            dialog.setModal(True)
            dialog.accepted.connect(lambda: _apply(window, operation.result))
            dialog.open()
            return
        from export.errors import ImportRefused
        from ui.operations import error_text

        text = error_text(error)
        if isinstance(error, ImportRefused) and "仍然导入" in text and not accept_other:
            answer = QMessageBox.question(window, "文件不是当前镇街/报告期", text + "\n\n是否仍然导入到当前镇街和报告期？",
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
            if answer == QMessageBox.StandardButton.Yes:
                window.last_operation = start_import(window, path, accept_other=True)
            return
        QMessageBox.warning(window, "无法导入", text)

    operation = run_with_workspace(window, f"正在读取 {path.name} …", workspace.store.path, workspace.catalogue, task,
                                   None, user=workspace.user, title="无法导入", show_errors=False)
    operation.finished.connect(finished)
    window.last_operation = operation
    return operation


def _apply(window: Any, preview: ImportPreview) -> None:
    workspace = window.workspace

    def task(ws: Workspace) -> Any:
        from export.importer import apply_import

        return apply_import(ws, preview)

    def done(result: Any) -> None:
        controller = window.controller
        if controller.form_key:
            controller.select_form(controller.form_key, force=True)
        refresh = getattr(controller, "_show_forms", None)  # the statuses in the forms list changed too
        if refresh is not None:
            refresh()
        window.show_message(f"已导入 {preview.path.name}：改动{result.changed}处；导入前的数据库已备份到 {result.backup}")

    window.last_operation = run_with_workspace(window, f"正在导入 {preview.path.name} …", workspace.store.path,
                                               workspace.catalogue, task, done, user=workspace.user, title="导入失败")
