"""The main window: toolbar (镇街, 报告期, 审核, 导出), forms list, label block, grid, findings.

Only layout and forwarding: every slot calls the ``Controller``; the controller calls back the
``show_*`` methods below (this class is its view).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.controller import Controller, FormEntry, ReportSession, ReportState
from ui.findings_panel import FindingsPanel
from ui.form_header import FormHeader
from ui.forms_list import FormsList
from ui.grid_model import GridModel
from ui.grid_view import GridView, TablePage
from ui.operations import Operation, run_with_workspace
from version import APP_NAME, version_text

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["MainWindow", "settings_for_app"]

DEFAULT_SIZE = QSize(1280, 800)


def settings_for_app() -> QSettings:
    """The per-user settings store (registry on Windows, an ini file elsewhere)."""
    return QSettings("Yongchuan", "JNJP")


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else settings_for_app()
        self.controller = Controller(self)
        self.workspace: Workspace | None = None
        self._owns_workspace = False
        self._instance_lock: Any = None  # storage.instance_lock.InstanceLock while a database is open
        self.pages: list[TablePage] = []
        self.last_operation: Operation | None = None
        self.setWindowTitle(APP_NAME)
        self._build_toolbar()
        from ui.district_menu import add_district_menu  # 文件 → 新建区级汇总库… (W2-D)

        self.new_district_action = add_district_menu(self)
        from ui.db_password import add_password_action  # 文件 → 设置数据库密码… (s8)

        self.db_password_action = add_password_action(self)
        from ui.task_package import add_task_actions  # 文件 → 导入任务参数… (s8)

        self.import_task_action = add_task_actions(self)
        self._build_centre()
        self._build_status_bar()
        self._restore_geometry()
        self._set_enabled(False)

    # -- layout ------------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("主工具栏")
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(18, 18))
        icon = self.style().standardIcon
        self.addToolBar(bar)
        self.township_combo = QComboBox()
        self.township_combo.setObjectName("townshipCombo")
        self.township_combo.setMinimumContentsLength(16)
        self.township_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.township_combo.currentIndexChanged.connect(self._township_changed)
        self.period_combo = QComboBox()
        self.period_combo.setObjectName("periodCombo")
        self.period_combo.setMinimumContentsLength(10)
        self.period_combo.currentIndexChanged.connect(self._period_changed)
        bar.addWidget(_padded_label("镇街："))
        bar.addWidget(self.township_combo)
        bar.addWidget(_padded_label("  报告期："))
        bar.addWidget(self.period_combo)
        bar.addSeparator()
        self.audit_action = QAction(icon(QStyle.StandardPixmap.SP_DialogApplyButton), "审核", self)
        self.audit_action.setObjectName("auditAction")
        self.audit_action.setShortcut(QKeySequence("F9"))
        self.audit_action.setToolTip("审核本表（F9）：检查全部审核关系并更新状态")
        self.audit_action.triggered.connect(self.controller.audit)
        self.export_action = QAction(icon(QStyle.StandardPixmap.SP_DialogSaveButton), "导出报表…", self)
        self.export_action.setObjectName("exportAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("导出本镇街本期报表为 Excel 文件（Ctrl+E）")
        self.export_action.triggered.connect(self.controller.export)
        self.import_action = QAction(icon(QStyle.StandardPixmap.SP_DialogOpenButton), "导入…", self)
        self.import_action.setObjectName("importAction")
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setToolTip("从 Excel/WPS/LibreOffice 文件导入本镇街本期数据，先预览再确认（Ctrl+I）")
        self.import_action.triggered.connect(self.start_import)
        self.template_action = QAction("导出空白模板…", self)
        self.template_action.setObjectName("templateAction")
        self.template_action.setToolTip("导出本期各表的空白模板（Excel），供在 Excel/WPS 中填写后导入")
        self.template_action.triggered.connect(lambda: self._excel_export("export_template_from"))
        self.flat_action = QAction("导出数据清单…", self)
        self.flat_action.setObjectName("flatAction")
        self.flat_action.setToolTip("把本镇街本期全部数值导出为一张清单（.xlsx 或 .csv），供自己汇总使用")
        self.flat_action.triggered.connect(lambda: self._excel_export("export_flat_from"))
        self.about_action = QAction(icon(QStyle.StandardPixmap.SP_MessageBoxInformation), "关于", self)
        self.about_action.setObjectName("aboutAction")
        self.about_action.triggered.connect(self.show_about)
        self.help_action = QAction(icon(QStyle.StandardPixmap.SP_DialogHelpButton), "使用说明", self)
        self.help_action.setObjectName("helpAction")
        self.help_action.setShortcut(QKeySequence("F1"))
        self.help_action.triggered.connect(self.show_help)
        bar.addAction(self.audit_action)
        bar.addAction(self.export_action)
        bar.addAction(self.import_action)
        # -- 撤销导入 (H1): the action and its Ctrl+Z offer live in ui.import_dialog
        from ui.import_dialog import add_undo_import_action

        bar.addAction(add_undo_import_action(self))
        bar.addAction(self.template_action)
        bar.addAction(self.flat_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.profile_action = QAction("单位信息…", self)
        self.profile_action.setObjectName("profileAction")
        self.profile_action.triggered.connect(self.show_profile)
        self.periods_action = QAction("报告期…", self)
        self.periods_action.setObjectName("periodsAction")
        self.periods_action.triggered.connect(self.show_periods_dialog)
        bar.addAction(self.profile_action)
        bar.addAction(self.periods_action)
        self.backups_action = QAction("备份与恢复…", self)
        self.backups_action.setObjectName("backupsAction")
        self.backups_action.triggered.connect(self.show_backups)
        bar.addAction(self.backups_action)
        from ui.progress_action import add_progress_action, add_summary_action  # -- 汇总, 规划目标进度 (W2-E)

        bar.addActions([add_summary_action(self), add_progress_action(self)])
        bar.addAction(self.help_action)
        bar.addAction(self.about_action)
        self.toolbar = bar

    def _build_centre(self) -> None:
        self.forms_list = FormsList()
        self.forms_list.formSelected.connect(self.controller.select_form)
        self.header = FormHeader()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tableTabs")
        self.tabs.setDocumentMode(True)
        self.notes_label = QLabel()
        self.notes_label.setObjectName("formNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color: #555;")
        self.findings = FindingsPanel()
        self.findings.provider = self.controller.period_findings  # every filled form of the period
        self.findings.findingRequested.connect(self.open_finding)
        self.findings.noteSaveRequested.connect(self.save_note)

        report = QWidget()
        report_layout = QVBoxLayout(report)
        report_layout.setContentsMargins(0, 0, 0, 0)
        report_layout.setSpacing(4)
        report_layout.addWidget(self.header)
        report_layout.addWidget(self.tabs, 1)
        report_layout.addWidget(self.notes_label)

        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.setObjectName("reportSplitter")
        self.vsplit.addWidget(report)
        self.vsplit.addWidget(self.findings)
        self.vsplit.setStretchFactor(0, 3)
        self.vsplit.setStretchFactor(1, 1)
        self.vsplit.setSizes([540, 200])
        self.vsplit.setChildrenCollapsible(False)

        self.hsplit = QSplitter(Qt.Orientation.Horizontal)
        self.hsplit.setObjectName("mainSplitter")
        self.hsplit.addWidget(self.forms_list)
        self.hsplit.addWidget(self.vsplit)
        self.hsplit.setStretchFactor(1, 1)
        self.hsplit.setSizes([270, 1010])
        self.hsplit.setContentsMargins(6, 4, 6, 0)
        self.setCentralWidget(self.hsplit)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.db_label = QLabel("数据库：未打开")
        self.db_label.setObjectName("dbLabel")
        self.saved_label = QLabel("")
        self.saved_label.setObjectName("savedLabel")
        self.locked_label = QLabel("")
        self.locked_label.setObjectName("lockedLabel")
        self.locked_label.setStyleSheet("color: #a15c00;")
        status.addPermanentWidget(self.locked_label)
        status.addPermanentWidget(self.saved_label)
        status.addPermanentWidget(self.db_label)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.township_combo, self.period_combo, self.forms_list, self.findings):
            widget.setEnabled(enabled)
        self.audit_action.setEnabled(enabled)
        self.export_action.setEnabled(enabled)
        self.import_action.setEnabled(enabled)
        self.template_action.setEnabled(enabled)
        self.flat_action.setEnabled(enabled)

    # -- database ----------------------------------------------------------------------------
    def open_database(self, path: Path | None = None) -> bool:
        """Open (creating on first run) the database; a clear message instead of a crash on failure."""
        from forms.loader import FormDefinitionError
        from forms.reference import ReferenceError
        from storage.database import StorageError
        from storage.database_file import DatabaseFile
        from storage.workspace import Workspace

        file = DatabaseFile(path) if path else DatabaseFile.default()
        path = file.path
        self.statusBar().showMessage(f"正在打开数据库 {path} …")
        from ui.database_dialogs import prepare_database

        lock = prepare_database(self, path)  # one window per file; damaged file → offer a backup
        if lock is None:
            self.statusBar().showMessage("数据库未打开")
            return False
        try:
            workspace = Workspace.open(path)
        except (StorageError, FormDefinitionError, ReferenceError) as exc:
            lock.release()
            self.statusBar().showMessage("数据库未打开")
            QMessageBox.critical(self, "无法打开数据库", f"{exc}\n\n请检查文件位置和权限，或联系区统计局。")
            return False
        if workspace.is_district:  # a district database shows the district layout (W2-D)
            from storage.backup import BackupError
            from ui.district_window import show_district_window

            self._close_workspace()
            show_district_window(self, workspace, lock)
            try:
                file.backup_on_start()
            except BackupError as exc:
                self.district_window.statusBar().showMessage(f"启动备份失败：{exc}")
            return True
        self.attach_workspace(workspace, owns=True)
        self._instance_lock = lock
        from storage.backup import BackupError

        try:
            file.backup_on_start()
        except BackupError as exc:
            self.show_message(f"启动备份失败：{exc}")
        return True

    def attach_workspace(self, workspace: Workspace, *, owns: bool = False) -> None:
        """Show an open workspace (the window closes it on exit when it ``owns`` it)."""
        self._close_workspace()
        self.workspace = workspace
        self._owns_workspace = owns
        path = workspace.path
        package = getattr(workspace, "task_package", "")  # s8: the 任务参数 in use (本地修改 shown)
        self.setWindowTitle(f"{APP_NAME} — {path.name}" + (f" — 任务参数：{package}" if package else ""))
        self.db_label.setText(f"数据库：{path}")
        self.db_label.setToolTip(str(path))
        self._set_enabled(True)
        township_id = self.settings.value("last/township_id")
        period = self.settings.value("last/period")
        form_key = self.settings.value("last/form_key")
        self.controller.attach(workspace, _as_int(township_id), str(period) if period else None,
                               str(form_key) if form_key else None)
        self.statusBar().showMessage("就绪", 3000)

    def _close_workspace(self) -> None:
        if self.workspace is not None and self._owns_workspace:
            self.workspace.close()
        self.workspace = None
        if self._instance_lock is not None:
            self._instance_lock.release()
            self._instance_lock = None

    # -- view interface for the controller ---------------------------------------------------
    def show_townships(self, townships: list[Township], current_id: int | None) -> None:
        self.township_combo.blockSignals(True)
        self.township_combo.clear()
        for t in townships:
            self.township_combo.addItem(t.name, t.id)
            self.township_combo.setItemData(self.township_combo.count() - 1,
                                            f"{t.name}\n统计代码：{t.code_text}", Qt.ItemDataRole.ToolTipRole)
        index = self.township_combo.findData(current_id)
        self.township_combo.setCurrentIndex(max(index, 0))
        self.township_combo.blockSignals(False)

    def show_periods(self, periods: list[tuple[str, str]], current: str | None) -> None:
        self.period_combo.blockSignals(True)
        self.period_combo.clear()
        for period, label in periods:
            self.period_combo.addItem(label, period)
        index = self.period_combo.findData(current)
        self.period_combo.setCurrentIndex(max(index, 0))
        self.period_combo.blockSignals(False)

    def show_forms(self, forms: list[FormEntry], current_key: str | None) -> None:
        self.forms_list.show_forms(forms, current_key)

    def show_report(self, session: ReportSession | None) -> None:
        """Build one grid per table of the opened report."""
        self.tabs.clear()
        for page in self.pages:
            page.deleteLater()
        self.pages = []
        if session is None:
            self.header.show_form(None, "", "", "")
            self.notes_label.setText("")
            self.findings.set_state(None)
            return
        self.header.show_form(session.form, session.township.name, session.township.code_text, session.period)
        locked = session.workspace.period_locked(session.township.id, session.period)
        self.locked_label.setText("本期已锁定（已上报），修改须填写原因" if locked else "")
        self.undo_stack = QUndoStack(self)  # one undo history per opened report, shared by its tables
        for table in session.form.tables:
            model = GridModel(session.workspace, session.form, table, session.state)
            model.undo_stack = self.undo_stack
            model.edited.connect(self.controller.report_edited)
            model.editFailed.connect(lambda text: self.show_error("保存失败", text))
            page = TablePage(model)
            zoom = _as_float(self.settings.value("grid/zoom"))
            if zoom and zoom != 1.0:
                page.view.set_zoom(zoom)
            page.view.zoomChanged.connect(lambda z: self.settings.setValue("grid/zoom", float(z)))
            self.pages.append(page)
            self.tabs.addTab(page, table.title)
        self.tabs.tabBar().setVisible(len(self.pages) > 1)
        self.notes_label.setText("\n".join(session.form.notes))
        self.notes_label.setVisible(bool(session.form.notes))
        self.findings.set_state(session.state)
        self._remember()

    def save_note(self, cell: tuple[str, str, str], note: str) -> None:
        """A 说明 from the findings panel: through the grid showing the cell (so a locked period
        asks for the reason as for any edit), or the controller when no grid shows it."""
        for page in self.pages:
            index = page.model.index_for_cell(cell)
            if index.isValid():
                page.model.set_note(index, note)
                return
        self.controller.save_note(cell, note)

    def show_state(self, state: ReportState) -> None:
        for page in self.pages:
            if page.model.report_id == state.report_id:
                page.model.set_state(state)
        self.findings.set_state(state)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def show_saved(self, when: str) -> None:
        self.saved_label.setText(f"已自动保存 {when}")

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def ask_export_path(self, default_name: str) -> Path | None:
        folder = str(self.settings.value("last/export_dir") or Path.home())
        path, _filter = QFileDialog.getSaveFileName(self, "导出报表", str(Path(folder) / default_name),
                                                    "Excel 工作簿 (*.xlsx)")
        if not path:
            return None
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        self.settings.setValue("last/export_dir", str(Path(path).parent))
        return Path(path)

    def ask_passphrase(self, title: str, text: str) -> str | None:
        """s8: a passphrase, typed hidden; None when cancelled."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        value, ok = QInputDialog.getText(self, title, text, QLineEdit.EchoMode.Password)
        return value if ok else None

    def run_task(self, label: str, task: Callable[[Workspace], Any], on_done: Callable[[Any], None]) -> None:
        assert self.workspace is not None
        self.last_operation = run_with_workspace(self, label, self.workspace.path, self.workspace.catalogue,
                                                 task, on_done, user=self.workspace.user, title="导出失败")

    # -- slots -------------------------------------------------------------------------------
    def _township_changed(self, index: int) -> None:
        township_id = self.township_combo.itemData(index)
        if township_id is not None:
            self.controller.select_township(int(township_id))

    def _period_changed(self, index: int) -> None:
        period = self.period_combo.itemData(index)
        if period:
            self.controller.select_period(str(period))

    def current_page(self) -> TablePage | None:
        page = self.tabs.currentWidget()
        return page if isinstance(page, TablePage) else None

    def grid_view(self, table_key: str | None = None) -> GridView | None:
        """The grid of a table (the current one when ``table_key`` is None)."""
        for page in self.pages:
            if table_key is None or page.model.table.key == table_key:
                if table_key is None:
                    current = self.current_page()
                    return current.view if current else page.view
                return page.view
        return None

    def open_finding(self, form_key: str, cell: tuple[str, str, str]) -> None:
        """A finding was chosen: open its form if another one is shown, then select its cell."""
        self.controller.open_form_of(form_key)
        self.select_cell(cell)

    def select_cell(self, cell: tuple[str, str, str]) -> None:
        """Jump to a cell of the report (from a finding)."""
        for page in self.pages:
            index = page.model.index_for_cell(cell)
            if index.isValid():
                self.tabs.setCurrentWidget(page)
                page.view.select_cell(index)
                return

    def _excel_export(self, name: str) -> None:
        """导出空白模板… / 导出数据清单… (see ui.excel_exports)."""
        import ui.excel_exports

        getattr(ui.excel_exports, name)(self)

    def start_import(self) -> None:
        """导入…: file → preview dialog → confirm (see ui.import_dialog)."""
        from ui.import_dialog import start_import

        start_import(self)

    def _reshow(self, period: str | None = None) -> None:
        """Rebuild the chooser and the report after a profile / period change."""
        c = self.controller
        if self.workspace is None or c.township is None:
            return
        township_id, period = c.township.id, period or c.period
        c.township = None
        c.attach(self.workspace, township_id, period, c.form_key)

    def show_profile(self) -> None:
        """单位信息 of the current township (printed on exports)."""
        if self.workspace is None or self.controller.township is None:
            return
        from ui.profile_dialogs import ProfileDialog

        if ProfileDialog(self.workspace, self.controller.township.id, self).exec():
            self._reshow()

    def show_periods_dialog(self) -> None:
        """报告期: create the next period, lock a submitted one."""
        if self.workspace is None or self.controller.township is None:
            return
        from ui.profile_dialogs import PeriodsDialog

        dialog = PeriodsDialog(self.workspace, self.controller.township.id, parent=self)
        dialog.exec()
        self._reshow(dialog.created)

    def show_backups(self) -> None:
        """备份与恢复: list the backups, back up now, or restore one (reopening the database)."""
        if self.workspace is None:
            return
        from ui.database_dialogs import BackupListDialog, restore_into_window

        dialog = BackupListDialog(self.workspace.path, self)
        if dialog.exec() and dialog.restore_path is not None:
            restore_into_window(self, dialog.restore_path)

    def show_help(self) -> None:
        from ui.help_dialog import HelpDialog

        HelpDialog(self).exec()

    def show_about(self) -> None:
        QMessageBox.about(self, f"关于 {APP_NAME}",
                          f"<h3>{APP_NAME}</h3><p>版本 {version_text()}</p>"
                          "<p>重庆市永川区镇街节能减排统计数据离线填报、审核与导出。</p>"
                          "<p>数据保存在本机数据库文件中，每次修改即自动保存。</p>")

    # -- settings ----------------------------------------------------------------------------
    def _remember(self) -> None:
        c = self.controller
        if c.township is not None:
            self.settings.setValue("last/township_id", int(c.township.id))
        if c.period:
            self.settings.setValue("last/period", str(c.period))
        if c.form_key:
            self.settings.setValue("last/form_key", str(c.form_key))

    def _restore_geometry(self) -> None:
        raw = self.settings.value("window/size")
        size = DEFAULT_SIZE
        if raw:
            try:
                w, h = json.loads(str(raw))
                size = QSize(max(800, int(w)), max(560, int(h)))
            except (ValueError, TypeError):
                pass
        self.resize(size)
        state = self.settings.value("window/splitters")
        if state:
            try:
                sizes = json.loads(str(state))
                self.hsplit.setSizes([int(x) for x in sizes["h"]])
                self.vsplit.setSizes([int(x) for x in sizes["v"]])
            except (ValueError, TypeError, KeyError):
                pass

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.last_operation is not None and not self.last_operation.done:
            QMessageBox.information(self, "请稍候", "正在导出，请等待完成后再关闭。")
            event.ignore()
            return
        self._remember()
        self.settings.setValue("window/size", json.dumps([self.width(), self.height()]))
        self.settings.setValue("window/splitters", json.dumps({"h": self.hsplit.sizes(), "v": self.vsplit.sizes()}))
        self.settings.sync()
        self._close_workspace()
        super().closeEvent(event)


def _padded_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setContentsMargins(4, 0, 2, 0)
    return label


def _as_float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None

