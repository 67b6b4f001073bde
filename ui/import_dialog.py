"""导入…: choose a workbook, see the dry-run preview, confirm, import — all core work off the UI thread;
撤销导入 (action, and Ctrl+Z right after an import) puts back what the import changed.

Flow: file dialog → ``export.importer.preview_import`` on a worker (own Workspace) → this
preview dialog (per form, with a tick box — 只导入这些表 — its counts and every change in the
clerk's words: "永节统1表 第01行 原煤 / 消费量：16,920.00 → 空", the sheet address in grey;
rejected cells with the reason; cells blank in the file listed apart and kept unless
"以文件为准：文件中为空的单元格清空" is ticked) → on 导入 ``apply_import`` on a worker (backup +
one transaction) → the window reloads the report. A file for another township or period asks
first whether to import it into the current selection anyway. Nothing is written before the
user confirms.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
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
    from export.import_preview import CellChange
    from export.importer import ImportPreview
    from storage.workspace import Workspace

__all__ = ["ImportPreviewDialog", "start_import", "start_undo_import", "add_undo_import_action", "IMPORT_FILTER",
           "REPLACE_BLANK_TEXT"]

IMPORT_FILTER = "Excel/WPS/LibreOffice 工作簿 (*.xlsx *.xlsm *.xls *.ods)"
REPLACE_BLANK_TEXT = "以文件为准：文件中为空的单元格清空"
_REJECT = QColor("#b3261e")
_WARN = QColor("#8a5a00")
_GREY = QColor("#808080")
_ADDRESS = 4  # the grey sheet-address column


class ImportPreviewDialog(QDialog):
    """Shows one ImportPreview; 导入 is disabled while a chosen form has rejected cells or none is chosen."""

    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(f"导入预览 — {preview.path.name}")
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        self.head = QLabel()
        self.head.setWordWrap(True)
        layout.addWidget(self.head)
        self.warning_label = QLabel("\n".join([f"警告：{w}" for w in preview.warnings] +
                                              [f"提示：{n}" for n in preview.notices]))
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(f"color: {_WARN.name()};")
        self.warning_label.setVisible(bool(preview.warnings or preview.notices))
        layout.addWidget(self.warning_label)

        layout.addWidget(QLabel("只导入这些表（去掉勾选的表不会改动）："))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["类别", "位置", "原值", "新值 / 原因", "单元格"])
        for col, width in enumerate((300, 260, 110, 160)):
            self.tree.setColumnWidth(col, width)
        self.form_items: dict[str, QTreeWidgetItem] = {}
        self.clear_items: dict[str, QTreeWidgetItem] = {}
        for form in preview.forms:
            top = QTreeWidgetItem([form.form.name, "", "", "", ""])
            top.setFlags(top.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            top.setCheckState(0, Qt.CheckState.Checked if form.chosen else Qt.CheckState.Unchecked)
            top.setData(0, Qt.ItemDataRole.UserRole, form.form.key)
            self.tree.addTopLevelItem(top)
            self.form_items[form.form.key] = top
            for r in form.rejected:
                item = QTreeWidgetItem(["拒绝", preview.rejected_where(r), _text(r.value), r.reason,
                                        f"{r.sheet}!{r.address}"])
                for col in range(4):
                    item.setForeground(col, QBrush(_REJECT))
                item.setForeground(_ADDRESS, QBrush(_GREY))
                top.addChild(item)
            for c in form.changes:
                top.addChild(_change_item(c.kind, c))
            if form.clears:
                group = QTreeWidgetItem(["", "", "", "", ""])
                for c in form.clears:
                    group.addChild(_change_item(c.kind, c))
                top.addChild(group)
                self.clear_items[form.form.key] = group
            for n in form.notices:
                top.addChild(QTreeWidgetItem(["提示", "", "", n, ""]))
            top.setExpanded(True)
        layout.addWidget(self.tree, 1)

        self.replace_blank = QCheckBox(REPLACE_BLANK_TEXT)
        self.replace_blank.setObjectName("replaceBlank")
        self.replace_blank.setChecked(preview.replace_blank)
        self.replace_blank.setToolTip("不勾选时，文件中为空的单元格保留数据库中的原值（推荐）")
        layout.addWidget(self.replace_blank)

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("confirmImport")
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.tree.itemChanged.connect(self._changed)
        self.replace_blank.toggled.connect(self._changed)
        self._changed()

    def _changed(self, *_args: Any) -> None:
        """Take the tick boxes into the preview and update every count and the 导入 button."""
        from forms.periods import period_label

        preview = self.preview
        preview.choose([key for key, item in self.form_items.items() if item.checkState(0) == Qt.CheckState.Checked])
        preview.replace_blank = self.replace_blank.isChecked()
        self.tree.blockSignals(True)
        for form in preview.forms:
            self.form_items[form.form.key].setText(0, f"{form.form.code}《{form.form.name}》")
            self.form_items[form.form.key].setText(1, form.counts())
            group = self.clear_items.get(form.form.key)
            if group is not None:
                group.setText(0, f"文件中为空（{len(form.clears)}处）："
                                 + ("将清空" if preview.replace_blank else "保留原值"))
        self.tree.blockSignals(False)
        self.head.setText(f"文件：{preview.path.name}　镇街：{preview.township.name}　报告期：{period_label(preview.period)}"
                          f"　校验：{preview.check}\n将改动 {preview.change_count} 处"
                          f"（文件中为空 {preview.clear_count} 处{'将清空' if preview.replace_blank else '保留原值'}），"
                          f"拒绝 {len(preview.rejected)} 处。确认前数据库不会有任何改动，导入前会自动备份数据库，"
                          "导入后可以撤销。")
        if not preview.chosen:
            self.import_button.setEnabled(False)
            self.import_button.setToolTip("没有选择要导入的表")
        elif preview.rejected:
            self.import_button.setEnabled(False)
            self.import_button.setToolTip("有单元格被拒绝：请先在文件中改正后重新导入，或不选择该表")
        else:
            self.import_button.setEnabled(True)
            self.import_button.setToolTip("文件与数据库中的数据相同，导入不会改动任何数值"
                                          if preview.change_count == 0 else "")


def _change_item(kind: str, change: CellChange) -> QTreeWidgetItem:
    where = change.where + (" 说明" if change.field == "note" else "")
    item = QTreeWidgetItem([kind, where, change.old_text, change.new_text,
                            f"{change.sheet}!{change.address}" if change.address else ""])
    item.setForeground(_ADDRESS, QBrush(_GREY))
    return item


def _text(value: Any) -> str:
    return "空" if value is None or value == "" else str(value)


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

    def task(ws: Workspace) -> Any:  # a preview, or the district's 反馈 workbook's remarks (W2-D)
        from export.import_preview import open_for_import

        return open_for_import(ws, path, township_id=township_id, period=period, accept_other=accept_other)

    def finished() -> None:
        error = operation.error
        from export.feedback_file import FeedbackFile

        if error is None and isinstance(operation.result, FeedbackFile):
            from ui.feedback_dialog import FeedbackDialog

            window.feedback_dialog = FeedbackDialog(operation.result, window)
            window.feedback_dialog.open()
            return
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

    operation = run_with_workspace(window, f"正在读取 {path.name} …", workspace.path, workspace.catalogue, task,
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
        _reload(window)
        window.show_message(f"已导入 {preview.path.name}：改动{result.changed}处；导入前的数据库已备份到 {result.backup}"
                            "；按 Ctrl+Z 或“撤销导入”可恢复导入前的数据")
        _offer_ctrl_z(window)

    window.last_operation = run_with_workspace(window, f"正在导入 {preview.path.name} …", workspace.path,
                                               workspace.catalogue, task, done, user=workspace.user, title="导入失败")


def _reload(window: Any) -> None:
    controller = window.controller
    if controller.form_key:
        controller.select_form(controller.form_key, force=True)
    refresh = getattr(controller, "_show_forms", None)  # the statuses in the forms list changed too
    if refresh is not None:
        refresh()


# -- 撤销导入 ---------------------------------------------------------------------------------------------

def add_undo_import_action(window: Any) -> QAction:
    """The window's 撤销导入 action (the main window adds it next to 导入…)."""
    action = QAction("撤销导入", window)
    action.setObjectName("undoImportAction")
    action.setToolTip("恢复到最近一次导入本镇街本期数据之前的状态（导入前的数值、说明和单位列表）")
    action.triggered.connect(lambda: start_undo_import(window))
    window.undo_import_action = action
    return action


def _offer_ctrl_z(window: Any) -> None:
    """Right after an import (until the next edit), Ctrl+Z offers 撤销导入."""
    old = getattr(window, "import_undo_shortcut", None)
    if old is not None:
        old.setEnabled(False)
        old.deleteLater()
    shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), window)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)

    def pressed() -> None:
        stack = getattr(window, "undo_stack", None)
        shortcut.setEnabled(False)
        window.import_undo_shortcut = None
        shortcut.deleteLater()
        if stack is not None and stack.count():  # edited since the import: Ctrl+Z undoes that edit
            stack.undo()
            return
        start_undo_import(window)

    shortcut.activated.connect(pressed)
    window.import_undo_shortcut = shortcut


def start_undo_import(window: Any, *, confirm: bool = True) -> Operation | None:
    """Ask, then restore the current township and period as they were before their last import."""
    controller = window.controller
    workspace: Workspace | None = window.workspace
    if workspace is None or controller.township is None or controller.period is None:
        return None
    township_id, period = controller.township.id, controller.period
    record = workspace.last_import(township_id, period)
    if record is None:
        QMessageBox.information(window, "撤销导入", "本镇街本期没有可撤销的导入。")
        return None
    if confirm:
        answer = QMessageBox.question(
            window, "撤销导入", f"撤销 {record.at} 导入的 {record.file}？\n本镇街本期导入的表将恢复到导入前的数值、说明和单位列表"
            "（导入后在这些表中的修改也会一并撤销）。撤销前会自动备份数据库。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return None

    def task(ws: Workspace) -> Any:
        from export.importer import undo_import

        return undo_import(ws, township_id, period)

    def done(result: Any) -> None:
        _reload(window)
        window.show_message(result.text())

    window.last_operation = run_with_workspace(window, f"正在撤销导入 {record.file} …", workspace.path,
                                               workspace.catalogue, task, done, user=workspace.user,
                                               title="无法撤销导入")
    return window.last_operation
