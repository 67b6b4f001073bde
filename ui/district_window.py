"""The district window (区级汇总库): 报送进度 matrix, 收件登记 register, 审核结果 with remarks,
区级部门指标 (the district's own forms, ui.department_page).

Shown instead of the township entry layout when the opened database is a district database
(told by the file itself). Layout and forwarding only: the states, verdicts, findings and the
反馈 workbook come from ``district/``; intake and 审核 run in the background through
``ui.operations`` with their own Workspace, and the window re-reads its views afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from district.completeness import Completeness, completeness, deadline, set_deadline
from district.intake import Verdict
from district.register_file import REGISTER_HEADER
from ui.district_models import RECEIVED_STATES, STATE_COLOURS, CompletenessModel
from ui.operations import Operation, run_with_workspace
from version import APP_NAME

_NOT_RECEIVED = frozenset({Verdict.REFUSED, Verdict.MODIFIED, Verdict.VERSION, Verdict.BAD_SIGNATURE,
                           Verdict.WRONG_KEY, Verdict.UNSIGNED_REFUSED})

if TYPE_CHECKING:
    from district.intake import IntakeBatch
    from district.review import DistrictFinding
    from storage.workspace import Workspace

__all__ = ["DistrictWindow", "ReportDialog", "FINDING_HEADER"]

FINDING_HEADER = ("镇街", "表号", "审核结果", "规则", "位置", "数值", "问题", "镇街说明", "区里意见")
REMARK_COLUMN = FINDING_HEADER.index("区里意见")
ALL = "（全部）"


class DistrictWindow(QMainWindow):
    """The district's layout; ``workspace`` is a district database's, ``lock`` its instance lock."""

    intake_done = Signal(object)  # IntakeBatch, after the views are refreshed
    findings_done = Signal()

    def __init__(self, workspace: Workspace, *, lock: Any = None, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._lock = lock
        self.settings = settings
        self.matrix: Completeness | None = None
        self.findings: list[DistrictFinding] = []
        self.last_operation: Operation | None = None
        self.last_batch: IntakeBatch | None = None
        self.district_key: Any = None  # s8: the unlocked district key, to open sealed .jnjp files
        self._filling = False
        self.setWindowTitle(f"{APP_NAME}（区级汇总库）— {workspace.path.name}")
        self.resize(QSize(1280, 760))
        self._build_toolbar()
        self._build_tabs()
        from ui.district_keys import add_key_menu

        add_key_menu(self)  # q3: 区密钥 → 新建区密钥… / 签发镇街密钥… / 发布任务参数包…
        from ui.help_dialog import add_help_menu

        self.help_action, self.about_action = add_help_menu(self)  # r5: 帮助 → 使用说明 / 关于, as the township window
        self.statusBar().showMessage(f"区级汇总库：{workspace.path}")
        self.refresh(self._fill_periods())

    # -- layout --------------------------------------------------------------------------------
    def _action(self, text: str, name: str, slot: Any, tip: str = "", shortcut: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setToolTip(tip or text)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_toolbar(self) -> None:
        bar = QToolBar("区级工具栏")
        bar.setObjectName("districtToolBar")
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addWidget(QLabel(" 报告期："))
        self.period_combo = QComboBox()
        self.period_combo.setObjectName("districtPeriodCombo")
        self.period_combo.setMinimumContentsLength(8)
        self.period_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.addWidget(self.period_combo)
        self.intake_action = self._action("收件…", "intakeAction", lambda: self.ask_intake(folder=False),
                                          "选择镇街报送的文件（可多选）收件：每个文件进入它自己的镇街和报告期", "Ctrl+O")
        self.intake_folder_action = self._action("收件（文件夹）…", "intakeFolderAction",
                                                 lambda: self.ask_intake(folder=True), "收取整个文件夹（如U盘）中的全部报表文件")
        self.deadline_action = self._action("截止日期…", "deadlineAction", self.ask_deadline, "设置本期报送截止日期")
        self.review_action = self._action("审核", "districtReviewAction", self.load_findings,
                                          "用区里的表式审核全部已收报表（含跨镇街规则）", "F9")
        self.accept_action = self._action("标记已审核", "acceptAction", self.mark_current_audited,
                                          "把所选镇街本期已收报表标记为已审核（之后替换须确认）")
        self.return_action = self._action("退回…", "returnAction", self.ask_send_back,
                                          "把所选镇街的问题写成反馈表（Excel）退回，并标记为已退回")
        self.register_action = self._action("导出登记簿…", "registerExportAction", self.ask_export_register,
                                            "把收件登记导出为 Excel")
        self.key_action = self._action("区密钥…", "districtKeyAction", self.ask_district_key,
                                       "选择区密钥并输入口令：用于打开密封报送文件（.jnjp）和验证签名")
        for action in (self.intake_action, self.intake_folder_action, self.deadline_action, self.review_action,
                       self.accept_action, self.return_action, self.register_action, self.key_action):
            bar.addAction(action)
        from ui.progress_action import add_progress_action, add_summary_action  # the district's 汇总 and 进度

        bar.addSeparator()
        bar.addActions([add_summary_action(self), add_progress_action(self)])  # type: ignore[arg-type]

    def _build_tabs(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("districtTabs")
        # 报送进度
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("matrixSummary")
        layout.addWidget(self.summary_label)
        self.matrix_view = QTableView()
        self.matrix_view.setObjectName("completenessMatrix")
        self.matrix_model = CompletenessModel(self)
        self.matrix_view.setModel(self.matrix_model)
        self.matrix_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.matrix_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix_view.verticalHeader().setDefaultSectionSize(22)
        self.matrix_view.doubleClicked.connect(self.open_cell)
        layout.addWidget(self.matrix_view, 1)
        layout.addWidget(_legend())
        self.tabs.addTab(page, "报送进度")
        # 收件登记
        from district.register_file import REGISTER_HEADER

        self.register_table = _table("registerTable", REGISTER_HEADER)
        self.tabs.addTab(self.register_table, "收件登记")
        # 审核结果
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        filters = QHBoxLayout()
        self.severity_filter = _combo("severityFilter", [ALL, "错误", "警告", "提示"])
        self.form_filter = _combo("formFilter", [ALL] + [f.code for f in self.workspace.catalogue] + ["全部"])
        self.rule_filter = _combo("ruleFilter", [ALL])
        self.township_filter = _combo("townshipFilter", [ALL] + [t.name for t in self.workspace.townships()])
        for label, combo in (("审核结果", self.severity_filter), ("表", self.form_filter), ("规则", self.rule_filter),
                             ("镇街", self.township_filter)):
            filters.addWidget(QLabel(label + "："))
            filters.addWidget(combo)
            combo.currentIndexChanged.connect(lambda _i: self._show_findings())
        filters.addStretch(1)
        layout.addLayout(filters)
        self.findings_table = _table("districtFindings", FINDING_HEADER)
        self.findings_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                            | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.findings_table.itemChanged.connect(self._remark_changed)
        layout.addWidget(self.findings_table, 1)
        self.tabs.addTab(page, "审核结果")
        # 区级部门指标 (d3): the district's own forms, filled here (built when first shown)
        from ui.department_page import DepartmentPage

        self.department_page = DepartmentPage(self.workspace)
        self.tabs.addTab(self.department_page, "区级部门指标")
        self.tabs.currentChanged.connect(lambda _i: self._show_departments())
        self.setCentralWidget(self.tabs)

    # -- views -----------------------------------------------------------------------------------
    @property
    def period(self) -> str:
        return str(self.period_combo.currentData() or "")

    def _fill_periods(self) -> list[Any]:
        """The periods the register knows (and last year's); returns every register line read for
        it, so ``refresh`` shows the register without reading the refused log a second time."""
        import datetime as _dt

        from forms.periods import period_label

        lines = self.workspace.intake_lines()
        periods = {line.period for line in lines if line.period}
        periods.add(str(_dt.date.today().year - 1))  # the annual report being collected
        self.period_combo.blockSignals(True)
        current = self.period
        self.period_combo.clear()
        for p in sorted(periods, reverse=True):
            self.period_combo.addItem(period_label(p), p)
        found = self.period_combo.findData(current) if current else -1
        self.period_combo.setCurrentIndex(max(found, 0))
        self.period_combo.blockSignals(False)
        return lines

    def refresh(self, lines: list[Any] | None = None) -> None:
        """Re-read the matrix and the register (fast: a few queries); ``lines``: the register's
        lines when just read (``_fill_periods``)."""
        if not self.period:
            return
        if self.tabs.currentWidget() is self.department_page:
            self._show_departments()
        self.matrix = completeness(self.workspace, self.period)
        self.matrix_model.set_matrix(self.matrix)
        totals = self.matrix.totals()
        due = f"截止日期 {self.matrix.deadline.isoformat()}" if self.matrix.deadline else "未设截止日期"
        if self.matrix.overdue:
            due += "（已逾期）"
        self.summary_label.setText(
            f"{self.period_combo.currentText()}：已报送{len(self.matrix.reported())}个镇街 / 共{len(self.matrix.townships)}个；"
            + "，".join(f"{s}{n}" for s, n in totals.items() if n) + f"；{due}。双击单元格查看该镇街的报表和审核结果。")
        self._fill_register(lines)

    def _show_departments(self) -> None:
        """The district's own forms of the chosen period (opened when the tab is shown)."""
        if self.tabs.currentWidget() is self.department_page and self.period \
                and self.department_page.period != self.period:
            self.department_page.show_period(self.period)

    def _fill_register(self, lines: list[Any] | None = None) -> None:
        from district.register_file import register_rows

        rows = register_rows(self.workspace, self.period, lines)
        verdict_column = REGISTER_HEADER.index("结论")
        table = self.register_table
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c == verdict_column:
                    item.setForeground(QColor("#b71c1c") if text in _NOT_RECEIVED
                                       else QColor("#1b5e20") if text.startswith(Verdict.ACCEPTED) else QColor("#555555"))
                table.setItem(r, c, item)
        table.resizeColumnsToContents()

    # -- 收件 ------------------------------------------------------------------------------------
    def ask_intake(self, folder: bool) -> None:
        if folder:
            chosen = QFileDialog.getExistingDirectory(self, "选择要收件的文件夹（如U盘）")
            paths = [Path(chosen)] if chosen else []
        else:
            names, _ = QFileDialog.getOpenFileNames(self, "选择镇街报送的文件", "",
                                                    "报表文件 (*.jnjp *.xlsx *.xlsm *.xls *.ods)")
            paths = [Path(n) for n in names]
        if paths:
            self.receive(paths)

    def receive(self, paths: Sequence[Path], *, confirm_replace: bool = False, cancel_after: int | None = None) -> Operation:
        """Receive files in the background: a progress bar, cancel between files; then refresh.
        ``cancel_after`` (tests) presses 取消 once that many files are done."""
        from district.intake import intake_files, submission_files

        files = submission_files(paths)
        self._key_for_sealed(files)
        district_key = self.district_key
        dialog = QProgressDialog("正在收件…", "取消", 0, max(len(files), 1), self)
        dialog.setObjectName("intakeProgress")
        dialog.setWindowTitle("收件")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        stop = threading.Event()
        dialog.canceled.connect(stop.set)
        self.intake_progress = dialog
        relay = _ProgressRelay(self)
        relay.moved.connect(lambda i, name: (dialog.setValue(i), dialog.setLabelText(f"正在收件（{i + 1}/{len(files)}）：{name}")))

        def progress(i: int, _n: int, path: Path) -> None:
            if cancel_after is not None and i + 1 >= cancel_after:  # 取消 pressed while this file is received
                stop.set()
            relay.moved.emit(i, path.name)

        def task(ws: Workspace) -> IntakeBatch:
            return intake_files(ws, files, confirm_replace=confirm_replace, progress=progress, cancelled=stop.is_set,
                                district_key=district_key)

        self.last_operation = run_with_workspace(self, "正在收件…", self.workspace.path, self.workspace.catalogue, task,
                                                 self._intake_finished, user=self.workspace.user, title="收件失败",
                                                 progress=False)
        self.last_operation.finished.connect(dialog.close)
        dialog.show()
        return self.last_operation

    # -- s8: the district key ----------------------------------------------------------------------
    def _key_for_sealed(self, files: Sequence[Path]) -> None:
        """Sealed files need the district key: asked once per window (declined: they are refused,
        each saying why)."""
        from security.sealed import is_sealed

        if self.district_key is None and any(is_sealed(f) for f in files):
            self.ask_district_key()

    def ask_district_key(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "选择区密钥文件（keys new-district 生成的私钥文件）")
        if not path:
            return False
        passphrase = self.ask_passphrase("区密钥口令", f"请输入区密钥 {Path(path).name} 的口令：")
        return passphrase is not None and self.use_district_key(Path(path), passphrase)

    def ask_passphrase(self, title: str, text: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        value, ok = QInputDialog.getText(self, title, text, QLineEdit.EchoMode.Password)
        return value if ok else None

    def use_district_key(self, path: Path, passphrase: str) -> bool:
        """Unlock the key and pin its public part in this district database (another key is refused)."""
        from security.keys import load_district_key
        from security.suite import SecurityError

        try:
            key = load_district_key(path, passphrase)
            self.workspace.pin_district_public_key(key.public)
        except SecurityError as exc:
            QMessageBox.warning(self, "区密钥", str(exc))
            return False
        self.district_key = key
        self.statusBar().showMessage(f"已使用区密钥（编号 {key.public.key_id}）：可收密封文件并验证签名", 15_000)
        return True

    def _intake_finished(self, batch: IntakeBatch) -> None:
        self.last_batch = batch
        self.refresh(self._fill_periods())  # the register (and its refused log) read once
        self.tabs.setCurrentWidget(self.register_table)
        self.statusBar().showMessage(batch.summary(), 20_000)
        confirm = [r.path for r in batch.results if r.needs_confirmation]
        self.intake_done.emit(batch)
        if confirm and _ask_yes(self, "替换已审核的报表",
                                f"{len(confirm)}个文件将替换区里已审核的报表：\n"
                                + "\n".join(p.name for p in confirm[:10]) + "\n\n确认替换吗？（两份文件都记入收件登记）"):
            self.receive(confirm, confirm_replace=True)

    # -- matrix actions ----------------------------------------------------------------------------
    def selected_township(self) -> int | None:
        index = self.matrix_view.currentIndex()
        if self.matrix is None or not index.isValid() or index.row() >= len(self.matrix.townships):
            return None
        return self.matrix.townships[index.row()].id

    def open_cell(self, index: QModelIndex) -> ReportDialog | None:
        cell = self.matrix_model.cell(index.row(), index.column())
        if cell is None:
            return None
        dialog = ReportDialog(self.workspace, cell[0], cell[1], self.period, self)
        dialog.show()
        self.report_dialog = dialog
        return dialog

    def ask_deadline(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("报送截止日期")
        layout = QVBoxLayout(dialog)
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        current = deadline(self.workspace, self.period)
        edit.setDate(QDate(current.year, current.month, current.day) if current else QDate.currentDate())
        layout.addWidget(QLabel(f"{self.period_combo.currentText()}报送截止日期（过后未收到的显示为逾期）："))
        layout.addWidget(edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_deadline(edit.date().toPython())

    def set_deadline(self, day: Any) -> None:
        set_deadline(self.workspace, self.period, day)
        self.refresh()

    def mark_current_audited(self) -> None:
        town = self.selected_township()
        if town is None:
            QMessageBox.information(self, "标记已审核", "请先在报送进度中选择一个镇街")
            return
        received = [k for k, _ in self.matrix.forms if self.matrix.state(town, k) in RECEIVED_STATES] if self.matrix else []
        if not received:
            QMessageBox.information(self, "标记已审核", "还没有收到该镇街本期的报表")
            return
        self.workspace.set_district_mark(town, self.period, received, "已审核")
        self.refresh()

    def ask_send_back(self) -> None:
        town = self.selected_township()
        if town is None:
            QMessageBox.information(self, "退回", "请先在报送进度中选择一个镇街")
            return
        name = self.workspace.township(town).name
        out, _ = QFileDialog.getSaveFileName(self, "保存反馈表", f"{name}_{self.period}_反馈.xlsx", "Excel 工作簿 (*.xlsx)")
        if out:
            self.send_back(town, Path(out))

    def send_back(self, township_id: int, out: Path) -> Operation:
        from district.feedback import send_back

        period = self.period

        def done(items: list) -> None:
            self.refresh()
            self.statusBar().showMessage(f"已写出反馈：{out}（{len(items)}个问题），已标记为已退回", 20_000)

        self.last_operation = run_with_workspace(self, "正在写出反馈表…", self.workspace.path, self.workspace.catalogue,
                                                 lambda ws: send_back(ws, township_id, period, out), done,
                                                 user=self.workspace.user, title="退回失败")
        return self.last_operation

    def ask_export_register(self) -> None:
        out, _ = QFileDialog.getSaveFileName(self, "导出收件登记簿", f"收件登记_{self.period}.xlsx", "Excel 工作簿 (*.xlsx)")
        if out:
            from district.register_file import export_register

            period = self.period
            self.last_operation = run_with_workspace(
                self, "正在导出登记簿…", self.workspace.path, self.workspace.catalogue,
                lambda ws: export_register(ws, Path(out), period),
                lambda n: self.statusBar().showMessage(f"已导出收件登记簿：{out}（{n}条）", 20_000),
                user=self.workspace.user, title="导出失败")

    # -- 审核结果 --------------------------------------------------------------------------------
    def load_findings(self) -> Operation:
        """审核 every received report in the background, then show the findings."""
        from district.review import district_findings

        period = self.period

        def done(found: list[DistrictFinding]) -> None:
            self.findings = found
            rules = sorted({f.rule_id for f in found})
            self.rule_filter.blockSignals(True)
            self.rule_filter.clear()
            self.rule_filter.addItems([ALL, *rules])
            self.rule_filter.blockSignals(False)
            self._show_findings()
            self.tabs.setCurrentIndex(2)
            self.findings_done.emit()

        self.last_operation = run_with_workspace(self, "正在审核全部已收报表…", self.workspace.path,
                                                 self.workspace.catalogue, lambda ws: district_findings(ws, period),
                                                 done, user=self.workspace.user, title="审核失败")
        return self.last_operation

    def shown_findings(self) -> list[DistrictFinding]:
        def chosen(combo: QComboBox) -> str | None:
            text = combo.currentText()
            return None if text in ("", ALL) else text

        severity, form, rule, town = (chosen(c) for c in (self.severity_filter, self.form_filter, self.rule_filter,
                                                          self.township_filter))
        return [f for f in self.findings if (severity is None or f.severity == severity)
                and (form is None or f.form_code == form) and (rule is None or f.rule_id == rule)
                and (town is None or f.township == town)]

    def _show_findings(self) -> None:
        from export.import_preview import show_value
        from ui.theme import SEVERITY_TEXT

        shown = self.shown_findings()
        self._filling = True
        table = self.findings_table
        table.setRowCount(len(shown))
        for r, f in enumerate(shown):
            texts = (f.township, f.form_code, f.severity, f.rule_id, f.location, show_value(None, f.value), f.text,
                     f.note, f.remark)
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c != REMARK_COLUMN:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                else:
                    item.setData(Qt.ItemDataRole.UserRole, r)
                    item.setToolTip("双击填写区里意见（随反馈表退回镇街）")
                if c == 2 and f.severity in SEVERITY_TEXT:
                    item.setForeground(SEVERITY_TEXT[f.severity])
                table.setItem(r, c, item)
        self._shown = shown
        self._filling = False
        self.statusBar().showMessage(f"审核结果：显示{len(shown)}条 / 共{len(self.findings)}条", 10_000)

    def _remark_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != REMARK_COLUMN:
            return
        f = self._shown[item.row()]
        self.workspace.set_district_remark(f.township_id, self.period, f.form_key, f.rule_id, f.cell, item.text())
        from dataclasses import replace

        updated = replace(f, remark=item.text().strip())
        self.findings = [updated if x is f else x for x in self.findings]
        self._shown[item.row()] = updated

    # -- closing ---------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.workspace.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        super().closeEvent(event)


class ReportDialog(QDialog):
    """One township's report of one form, read-only: its values with 说明, and its findings."""

    def __init__(self, workspace: Workspace, township_id: int, form_key: str, period: str,
                 parent: QWidget | None = None) -> None:
        from export.import_preview import cell_label, show_value
        from forms.periods import period_label

        super().__init__(parent)
        form = workspace.form(form_key)
        town = workspace.township(township_id)
        self.setObjectName("districtReportDialog")
        self.setWindowTitle(f"{town.name} {period_label(period)} 《{form.name}》（只读）")
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        data = workspace.find_report_data(township_id, form_key, period)
        self.values_table = _table("reportValues", ("位置", "数值", "说明"))
        rows = []
        if data is not None:
            positions = {(t, r): i for t, keys in data.list_rows.items() for i, r in enumerate(keys, start=1)}
            for cell, value in sorted(data.values.items(), key=lambda kv: (kv[0][0], positions.get(kv[0][:2], 0))):
                col = form.table(cell[0]).column(cell[2])
                rows.append((cell_label(form, cell, positions.get(cell[:2])), show_value(col, value),
                             data.notes.get(cell, "")))
        _fill(self.values_table, rows)
        if not rows:
            layout.addWidget(QLabel("该镇街本期没有这张表的数据（未收到或本期无数据）。"))
        result = workspace.validate(data) if data is not None else None
        self.findings_table = _table("reportFindings", ("审核结果", "规则", "位置", "问题", "镇街说明"))
        _fill(self.findings_table, [(str(f.severity), f.rule_id, f.location, f.text, data.notes.get(f.cell, ""))
                                    for f in (result.findings if result else [])])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.values_table)
        splitter.addWidget(self.findings_table)
        layout.addWidget(splitter, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class _ProgressRelay(QWidget):
    """Carries the worker thread's progress to the UI thread (a queued signal)."""

    moved = Signal(int, str)


def _table(name: str, header: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(header))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(header))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setDefaultSectionSize(22)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()


def _combo(name: str, items: list[str]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItems(items)
    return combo


def _legend() -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(QLabel("图例："))
    for state, colour in STATE_COLOURS.items():
        label = QLabel(f" {state} ")
        label.setStyleSheet(f"background:{colour.name()}; border:1px solid #bbb; padding:1px 4px;")
        row.addWidget(label)
    row.addStretch(1)
    return box


def _ask_yes(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def show_district_window(owner: QMainWindow, workspace: Workspace, lock: Any) -> DistrictWindow:
    """Open the district layout for ``workspace`` in place of ``owner`` (the township window),
    which hides and closes with it."""
    window = DistrictWindow(workspace, lock=lock, settings=getattr(owner, "settings", None))
    window.destroyed.connect(owner.close)
    owner.district_window = window  # type: ignore[attr-defined]
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    owner.hide()
    return window
