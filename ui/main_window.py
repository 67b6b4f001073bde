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
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.choice_combo import ChoiceComboBox
from ui.controller import Controller, FormEntry, ReportSession, ReportState
from ui.findings_panel import FindingsPanel
from ui.form_header import FormHeader
from ui.forms_list import FormsList
from ui.grid_model import GridModel
from ui.grid_view import GridView, TablePage, step_list
from ui.operations import Operation, run_with_workspace
from version import APP_NAME

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["MainWindow", "settings_for_app"]

DEFAULT_SIZE = QSize(1280, 800)
FORMS_LIST_WIDTH = 210  # the forms list beside the grid: 表号, a short 表名, 状态
# The vertical split under the grid: 说明 and 审核结果 (issue 13.10). On a short screen (1366×768,
# or 1920×1080 at 150 %) the grid gets the height and 说明 starts folded; both are remembered.
FINDINGS_AFTER_AUDIT = 170  # logical pixels the 审核结果 pane opens to on 审核
SHORT_SCREEN = 820  # logical pixels of window height below which 说明 starts folded
DEMO_BANNER = "演示数据：示例镇街的数据，仅供熟悉操作，不是您的报表"


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
        self.validating: Operation | None = None  # r4: ``validate_later``'s last and running operations
        self.validations: list[Operation] = []
        self.first_start_page: QWidget | None = None  # shown while a new database asks who she is
        self.setWindowTitle(APP_NAME)
        self._build_toolbar()
        from ui.district_menu import add_district_menu  # 文件 → 新建区级汇总库… (W2-D)

        self.new_district_action = add_district_menu(self)
        from ui.db_password import add_password_action  # 文件 → 设置数据库密码… (s8)

        self.db_password_action = add_password_action(self)
        from ui.task_package import add_task_actions  # 文件 → 导入任务参数… (s8)

        self.import_task_action = add_task_actions(self)
        self._build_menus()
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
        self.township_combo = ChoiceComboBox()  # wheel and arrow keys never switch 镇街 or 报告期
        self.township_combo.setObjectName("townshipCombo")
        self.township_combo.setMinimumContentsLength(16)
        self.township_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.township_combo.currentIndexChanged.connect(self._township_changed)
        self.period_combo = ChoiceComboBox()
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
        from ui.help_dialog import help_actions  # the district window has the same two

        self.help_action, self.about_action = help_actions(self)
        bar.addAction(self.audit_action)
        bar.addAction(self.export_action)
        bar.addAction(self.import_action)
        # -- 撤销导入 (H1): the action and its Ctrl+Z offer live in ui.import_dialog
        from ui.import_dialog import add_undo_import_action

        bar.addAction(add_undo_import_action(self))
        from ui.print_actions import add_print_action  # -- g7: 打印… / 打印预览 (the stamped paper copy)

        bar.addAction(add_print_action(self))
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
        bar.addAction(self.help_action)
        bar.addAction(self.about_action)
        self.toolbar = bar

    def _build_menus(self) -> None:
        """Rarely used actions live in menus, so the toolbar never hides 使用说明 or 关于 behind "»"."""
        from ui.progress_action import add_progress_action, add_summary_action  # -- 汇总, 规划目标进度 (W2-E)

        file_menu = next(a.menu() for a in self.menuBar().actions() if a.text() == "文件")
        first = file_menu.actions()[0] if file_menu.actions() else None
        self.open_other_action = QAction("打开其他数据库…", self)
        self.open_other_action.setObjectName("openOtherAction")
        self.open_other_action.triggered.connect(self.open_other_database)
        file_menu.insertActions(first, [self.open_other_action, self.template_action, self.flat_action,
                                        self.backups_action])
        file_menu.insertSeparator(first)
        quit_action = QAction("退出", self)
        quit_action.setObjectName("quitAction")
        quit_action.triggered.connect(self.close)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("视图")
        self.notes_action = QAction("表式说明", self)
        self.notes_action.setObjectName("notesPaneAction")
        self.notes_action.setToolTip("展开或折叠表格下方的表式说明（也可拖动分隔条）")
        self.notes_action.triggered.connect(lambda: self.toggle_pane(1))
        self.findings_action = QAction("审核结果", self)
        self.findings_action.setObjectName("findingsPaneAction")
        self.findings_action.triggered.connect(lambda: self.toggle_pane(2))
        view_menu.addActions([self.notes_action, self.findings_action])
        tools = self.menuBar().addMenu("汇总与进度")
        tools.addActions([add_summary_action(self), add_progress_action(self)])
        help_menu = self.menuBar().addMenu("帮助")
        self.demo_action = QAction("打开演示数据", self)
        self.demo_action.setObjectName("openDemoAction")
        self.demo_action.setToolTip("打开另一个只含示例数据的数据库，熟悉操作；您自己的数据库不受影响")
        self.demo_action.triggered.connect(self.open_demo)
        help_menu.addActions([self.help_action, self.demo_action])
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    def _build_centre(self) -> None:
        self.forms_list = FormsList()
        self.forms_list.formSelected.connect(self.controller.select_form)
        self.forms_list.noDataRequested.connect(self.no_data_requested)
        self.header = FormHeader()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tableTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._table_switched)
        self.notes_label = QLabel()
        self.notes_label.setObjectName("formNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color: #555;")
        self.notes_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.notes_area = QScrollArea()  # 说明: its own pane of the splitter, shrinkable and foldable
        self.notes_area.setObjectName("notesPane")
        self.notes_area.setWidget(self.notes_label)
        self.notes_area.setWidgetResizable(True)
        self.notes_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.notes_area.setMinimumHeight(0)
        self.demo_banner = QLabel(DEMO_BANNER)
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setWordWrap(False)
        self.demo_banner.setStyleSheet("background: #fff3c4; color: #7a4b00; border: 1px solid #e0b84c;"
                                       " padding: 0px 8px; font-weight: bold;")
        self.demo_banner.setVisible(False)
        self.menuBar().setCornerWidget(self.demo_banner, Qt.Corner.TopRightCorner)  # costs the grid no height
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

        self.vsplit = QSplitter(Qt.Orientation.Vertical)  # grid | 说明 | 审核结果, each pane foldable
        self.vsplit.setObjectName("reportSplitter")
        self.vsplit.addWidget(report)
        self.vsplit.addWidget(self.notes_area)
        self.vsplit.addWidget(self.findings)
        self.vsplit.setStretchFactor(0, 1)
        self.vsplit.setStretchFactor(1, 0)
        self.vsplit.setStretchFactor(2, 0)
        self.vsplit.setChildrenCollapsible(True)
        self.vsplit.setCollapsible(0, False)
        self.vsplit.setSizes([540, 70, 160])

        self.hsplit = QSplitter(Qt.Orientation.Horizontal)
        self.hsplit.setObjectName("mainSplitter")
        self.hsplit.addWidget(self.forms_list)
        self.hsplit.addWidget(self.vsplit)
        self.hsplit.setStretchFactor(1, 1)
        self.hsplit.setCollapsible(1, False)
        self.hsplit.setSizes([FORMS_LIST_WIDTH, 1070])
        self.hsplit.setContentsMargins(6, 4, 6, 0)
        self.pages_stack = QStackedWidget()  # the report, or the first-start page of a new database
        self.pages_stack.addWidget(self.hsplit)
        self.setCentralWidget(self.pages_stack)

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
    def open_database(self, path: Path | None = None, *, demo: bool = False) -> bool:
        """Open (creating on first run) the database; a clear message instead of a crash on failure.

        A new database is the clerk's own: empty, and the first-start page asks who she is. Only
        ``demo`` (帮助 → 打开演示数据) fills a new database with the demo township."""
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
            workspace = Workspace.open(path, demo=demo)
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
        from ui.first_start import needs_first_start

        if not demo and needs_first_start(workspace):  # a new database: who is she, before any report
            self._show_first_start(workspace)
        else:
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
        if workspace is not self.workspace:
            self._close_workspace()
        self.workspace = workspace
        self._owns_workspace = owns
        path = workspace.path
        package = getattr(workspace, "task_package", "")  # s8: the 任务参数 in use (本地修改 shown)
        self.setWindowTitle(f"{APP_NAME} — {path.name}" + (f" — 任务参数：{package}" if package else ""))
        self.db_label.setText(f"数据库：{path}")
        self.db_label.setToolTip(str(path))
        self._set_enabled(True)
        self.pages_stack.setCurrentWidget(self.hsplit)
        place = workspace.remembered_place()  # kept in THIS database: another file has its own
        period, form_key = place.get("period"), place.get("form_key")
        self.controller.attach(workspace, _as_int(place.get("township_id")), str(period) if period else None,
                               str(form_key) if form_key else None)
        self.statusBar().showMessage("就绪", 3000)

    # -- e6: first start, the demo, a database that cannot be opened -----------------------------
    def _show_first_start(self, workspace: Workspace) -> None:
        """A new database: the first-start page (镇街 → 单位信息) instead of any report."""
        from ui.first_start import FirstStartPage

        self._close_workspace()
        self.workspace = workspace
        self._owns_workspace = True
        self.setWindowTitle(f"{APP_NAME} — {workspace.path.name}")
        self.db_label.setText(f"数据库：{workspace.path}")
        page = FirstStartPage(workspace, self._first_start_done, self.open_demo)
        self.first_start_page = page
        self.pages_stack.addWidget(page)
        self.pages_stack.setCurrentWidget(page)
        self._set_enabled(False)

    def _first_start_done(self, township_id: int) -> None:
        page, self.first_start_page = self.first_start_page, None
        if self.workspace is not None:
            self.attach_workspace(self.workspace, owns=self._owns_workspace)
            self.show_message(f"已设为{self.workspace.township(township_id).name}的数据库，可以开始填报")
        if page is not None:
            self.pages_stack.removeWidget(page)
            page.deleteLater()
            if page.db_password is not None and self.workspace is not None:  # q3: 第三步 (optional)
                from ui.db_password import change_password

                password = page.db_password
                change_password(self, ask=lambda *_a: password)

    def open_demo(self) -> bool:
        """帮助 → 打开演示数据: the demo's own database beside this one (created with the demo)."""
        from storage.database_file import DatabaseFile
        from ui.first_start import demo_database_path

        here = self.workspace.path if self.workspace is not None else DatabaseFile.default().path
        return self.switch_database(demo_database_path(here), demo=True)

    def open_other_database(self) -> bool:
        """文件 → 打开其他数据库…"""
        chosen, _ = QFileDialog.getOpenFileName(self, "打开其他数据库", str(self.workspace.path.parent if self.workspace
                                                                       else Path.home()), "数据库 (*.sqlite *.db)")
        return self.switch_database(Path(chosen)) if chosen else False

    def switch_database(self, path: Path, *, demo: bool = False) -> bool:
        """Close the open database (committing an open editor first) and open ``path``."""
        if self.workspace is not None and path.resolve() == self.workspace.path.resolve():
            return True
        self.commit_open_editors()
        self._close_workspace()
        c = self.controller  # nothing of the old database's choice carries over
        c.workspace, c.township, c.period, c.session = None, None, None, None
        self.show_report(None)
        self._set_enabled(False)
        return self.open_database(path, demo=demo)

    def start(self, path: Path | None = None) -> bool:
        """Start-up: open the database; when it cannot be opened (another copy of the program has
        it, it is damaged …) offer only 打开其他数据库 or 退出 — never an empty window that looks live."""
        return self.open_database(path) or self.open_other_or_quit()

    def open_other_or_quit(self) -> bool:
        """The start-up database is not open: offer 打开其他数据库 / 退出 until one opens or the
        clerk quits (the window closes). The one loop for every start-up failure (ui.app too)."""
        from ui.database_dialogs import choose_other_or_quit

        while (path := choose_other_or_quit(self)) is not None:
            if self.open_database(path):
                return True
        self.close()
        return False

    def _close_workspace(self) -> None:
        self._remember()
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
        self.tabs.blockSignals(True)  # building the tabs is no switch of sub-table by the clerk
        self.tabs.clear()
        for page in self.pages:
            page.deleteLater()
        self.pages = []
        if session is None:
            self.tabs.blockSignals(False)
            self.header.show_form(None, "", "", "")
            self.notes_label.setText("")
            self.demo_banner.setVisible(False)
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
            self._return_focus_to_grid(page)
            zoom = _as_float(self.settings.value("grid/zoom"))
            if zoom and zoom != 1.0:
                page.view.set_zoom(zoom)
            page.view.zoomChanged.connect(lambda z: self.settings.setValue("grid/zoom", float(z)))
            page.view.formStepRequested.connect(lambda step: step_list(self.forms_list, step))  # g7: Ctrl+Shift+PgDn
            self.pages.append(page)
            self.tabs.addTab(page, table.title)
        self.tabs.blockSignals(False)
        self.tabs.tabBar().setVisible(len(self.pages) > 1)
        self.notes_label.setText("说明：\n" + "\n".join(session.form.notes) if session.form.notes else "")
        self.demo_banner.setVisible(bool(session.township.is_demo))
        self.findings.set_state(session.state)
        # the place is written to the database when it closes (_close_workspace), not on every switch:
        # a settings write between edits would make the next edit validate the report in full

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

    def ask_unready_export(self, readiness: Any) -> tuple[str, str] | None:
        """Before asking where to save: what is not ready, and the choices (see ui.export_flow)."""
        from ui.export_flow import ask_unready_export

        return ask_unready_export(self, readiness)

    def show_exported(self, path: Path, sealed: Path | None = None, archive: Path | None = None) -> None:
        """After the export: where each file is (the sealed copy, the archived workbook), with 打开所在文件夹."""
        from ui.export_flow import show_exported

        self.exported_box = show_exported(self, path, sealed, archive)

    def ask_export_path(self, default_name: str) -> Path | None:
        """r1: a ``.jnjp`` default offers 密封报送文件 first and 可读工作簿 second (ui.export_flow)."""
        from ui.export_flow import chosen_export_path, export_filters

        folder = str(self.settings.value("last/export_dir") or Path.home())
        path, selected = QFileDialog.getSaveFileName(self, "导出报表", str(Path(folder) / default_name),
                                                     export_filters(default_name))
        if not path:
            return None
        chosen = chosen_export_path(path, selected)
        self.settings.setValue("last/export_dir", str(chosen.parent))
        return chosen

    def ask_passphrase(self, title: str, text: str) -> str | None:
        """s8: a passphrase, typed hidden; None when cancelled."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        value, ok = QInputDialog.getText(self, title, text, QLineEdit.EchoMode.Password)
        return value if ok else None

    def run_task(self, label: str, task: Callable[[Workspace], Any], on_done: Callable[[Any], None]) -> None:
        assert self.workspace is not None
        self.last_operation = run_with_workspace(self, label, self.workspace.path, self.workspace.catalogue,
                                                 task, on_done, user=self.workspace.user, title="导出失败")

    def validate_later(self, task: Callable[[Workspace], Any], on_done: Callable[[Any], None]) -> None:
        """r4: validate a report shown before its findings, on a pool thread with its own read-only
        Workspace (it writes nothing, not even a checkpoint at close: a write would make its result
        stale for this window), no progress dialog and no message: ``on_done`` gets the result, or
        None when it failed (the controller then validates here). ``validating``: the operation."""
        assert self.workspace is not None
        operation = run_with_workspace(self, "审核", self.workspace.path, self.workspace.catalogue, task,
                                       user=self.workspace.user, show_errors=False, progress=False, readonly=True)
        operation.finished.connect(lambda: on_done(operation.result if operation.error is None else None))
        operation.finished.connect(lambda: self.validations.remove(operation))
        self.validating = operation
        self.validations.append(operation)  # the ones running (tests wait for them)

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
        """A finding was chosen: open its form if another one is shown, then select its cell and
        give the grid the keyboard (typing goes into that cell)."""
        self.controller.open_form_of(form_key)
        self.select_cell(cell)
        view = self.grid_view()
        if view is not None:
            view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _return_focus_to_grid(self, page: TablePage) -> None:
        """After 添加行 and after Esc in the search box the keyboard is back in the grid, on the
        new row / the cell it was on (issue 13.7)."""
        view = page.view
        add = page.buttons.get("添加行")
        if add is not None:  # runs after the page's own handler has selected the new row
            add.clicked.connect(lambda: view.setFocus(Qt.FocusReason.OtherFocusReason))
        page.search.installEventFilter(self)
        page.search.setProperty("gridPage", True)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        if (event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape
                and watched.property("gridPage")):
            for page in self.pages:
                if page.search is watched:
                    page.view.setFocus(Qt.FocusReason.OtherFocusReason)
                    return True
        return super().eventFilter(watched, event)

    def no_data_requested(self, form_key: str, declare: bool) -> bool:
        """本期无数据 from the forms list: ask the reason and declare, or withdraw the declaration."""
        if not declare:
            self.controller.withdraw_no_data(form_key)
            return True
        from ui.export_flow import ask_no_data_reason

        form = self.workspace.form(form_key) if self.workspace is not None else None
        reason = ask_no_data_reason(self, f"{form.code} {form.name}" if form else form_key)
        return bool(reason) and self.controller.declare_no_data([form_key], reason or "")

    def _table_switched(self, _index: int) -> None:
        """Another sub-table: the keyboard goes to its grid, on its current cell (or the first input)."""
        page = self.current_page()
        if page is None:
            return
        view = page.view
        if not view.currentIndex().isValid():
            model, area = page.model, view.viewport().rect()
            rows, columns = model.rowCount(), model.columnCount()

            def inputs(rows: range, columns: range) -> Any:  # input cells, row by row (made lazily)
                return (i for r in rows for c in columns if model.is_input(i := model.index(r, c)))

            def in_sight(at: int, last: int) -> int:
                return last if at < 0 else at

            # the first input cell in sight, so the sub-table keeps the scroll position it had (g7
            # point 5): only the rows and columns on screen are looked at, not the whole table
            sight = inputs(range(max(view.rowAt(area.top()), 0), in_sight(view.rowAt(area.bottom()), rows - 1) + 1),
                           range(max(view.columnAt(area.left()), 0),
                                 in_sight(view.columnAt(area.right()), columns - 1) + 1))
            first = next((i for i in sight if area.contains(view.visualRect(i).center())), None)
            if first is None:  # no input in sight: a cell in sight (the arrows go on from there)
                left, top = view.columnAt(area.center().x()), view.rowAt(area.top() + 1)
                first = model.index(top, left) if left >= 0 and top >= 0 else next(
                    inputs(range(rows), range(columns)), None)
            if first is not None:
                bars = (view.horizontalScrollBar(), view.verticalScrollBar())
                kept = [bar.value() for bar in bars]
                view.setCurrentIndex(first)
                for bar, value in zip(bars, kept):  # the sub-table keeps its own scroll position
                    bar.setValue(value)
        view.setFocus(Qt.FocusReason.OtherFocusReason)

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

    # -- settings ----------------------------------------------------------------------------
    def _remember(self) -> None:
        """Township, period and form, kept in the open database (JSON setting, per database)."""
        c = self.controller
        if self.workspace is None or c.workspace is not self.workspace or c.township is None:
            return
        from storage.database import StorageError

        try:
            self.workspace.remember_place(township_id=int(c.township.id), period=c.period, form_key=c.form_key)
        except StorageError:  # a read-only or vanished file: the place is not worth an error
            pass

    def reveal_findings(self) -> None:
        """审核 (F9): the 审核结果 pane opens to a readable height when folded or shrunk small."""
        sizes = self.vsplit.sizes()
        wanted = FINDINGS_AFTER_AUDIT - sizes[2]
        if wanted > 0:
            sizes[0], sizes[2] = max(sizes[0] - wanted, 200), sizes[2] + min(wanted, max(sizes[0] - 200, 0))
            self.vsplit.setSizes(sizes)

    def toggle_pane(self, pane: int, show: bool | None = None) -> bool:
        """Fold or unfold 说明 (1) / 审核结果 (2) under the grid; returns whether it is now shown."""
        sizes = self.vsplit.sizes()
        show = sizes[pane] == 0 if show is None else show
        if show and sizes[pane] == 0:
            wanted = max(self.vsplit.widget(pane).minimumSizeHint().height(), 90 if pane == 1 else 150)
            sizes[0] = max(sizes[0] - wanted, 200)
            sizes[pane] = wanted
        elif not show:
            sizes[0] += sizes[pane]
            sizes[pane] = 0
        self.vsplit.setSizes(sizes)
        return show

    def commit_open_editors(self) -> bool:
        """A value half-typed in a cell is stored (as Enter would) before the window closes or
        switches database; true when an editor was open."""
        committed = False
        for page in self.pages:
            view = page.view
            if view.state() != QAbstractItemView.State.EditingState:
                continue
            editor = view.indexWidget(view.currentIndex())
            if editor is None:
                editor = next((w for w in view.viewport().findChildren(QWidget) if w.isVisible() and w.hasFocus()),
                              getattr(view.delegate, "last_editor", None))
            if editor is not None:
                view.commitData(editor)
                view.closeEditor(editor, view.delegate.EndEditHint.NoHint)
                committed = True
        return committed

    def _restore_geometry(self) -> None:
        """The last size, never larger than the screen's free area (1920×1080 at 150 % is 1280×720
        logical); the splitters as the user left them, or fitted to a short screen."""
        raw = self.settings.value("window/size")
        size = DEFAULT_SIZE
        if raw:
            try:
                w, h = json.loads(str(raw))
                size = QSize(max(800, int(w)), max(560, int(h)))
            except (ValueError, TypeError):
                pass
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        self.too_big_for_screen = screen is not None and (size.width() > screen.width() or
                                                          size.height() > screen.height() - 40)
        if screen is not None:
            size = size.boundedTo(QSize(screen.width(), max(400, screen.height() - 40)))
        self.resize(size)
        state = self.settings.value("window/splitters")
        try:
            sizes = json.loads(str(state)) if state else None
            if sizes and sizes.get("panes") == 3:
                self.hsplit.setSizes([int(x) for x in sizes["h"]])
                self.vsplit.setSizes([int(x) for x in sizes["v"]])
                return
        except (ValueError, TypeError, KeyError, AttributeError):
            pass
        short = screen is not None and screen.height() < SHORT_SCREEN + 100
        findings = self.findings.minimumSizeHint().height()  # its summary, a row and the 说明 box
        self.vsplit.setSizes([600, 0, findings] if short else [560, 80, 170])

    def show_fitted(self) -> None:
        """Show the window inside the screen: maximised when its size does not fit."""
        if self.too_big_for_screen:
            self.showMaximized()
        else:
            self.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.last_operation is not None and not self.last_operation.done:
            QMessageBox.information(self, "请稍候", "正在导出，请等待完成后再关闭。")
            event.ignore()
            return
        self.commit_open_editors()  # Alt+F4 with a half-typed cell: store it before the database closes
        self._remember()
        self.settings.setValue("window/size", json.dumps([self.width(), self.height()]))
        self.settings.setValue("window/splitters", json.dumps({"h": self.hsplit.sizes(), "v": self.vsplit.sizes(),
                                                               "panes": 3}))
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

