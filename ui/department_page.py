"""区级部门指标 (d3, issue 17): the district's own forms (``scope: district``, 永节统8表) filled in
the district window with the township window's grid widgets — one grid per table and the
findings panel. Layout and forwarding only: the report, its edits and its 审核 go through the
Workspace (``district_report``, the grid model's edits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from ui.findings_panel import FindingsPanel
from ui.grid_model import GridModel
from ui.grid_view import TablePage

if TYPE_CHECKING:
    from storage.changes import Changes, ReportState
    from storage.workspace import Workspace

__all__ = ["DepartmentPage"]


class DepartmentPage(QWidget):
    """Every ``scope: district`` form of one period, each in its own tab."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("departmentPage")
        self.workspace = workspace
        self.period = ""
        self.pages: list[TablePage] = []
        self._state: ReportState | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel()
        self.title.setObjectName("departmentTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.forms = QTabWidget()
        self.forms.setObjectName("departmentForms")
        splitter.addWidget(self.forms)
        self.findings = FindingsPanel()
        self.findings.noteSaveRequested.connect(self._save_note)
        self.findings.cellRequested.connect(self._select_cell)
        splitter.addWidget(self.findings)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)

    def show_period(self, period: str) -> None:
        """Open (creating when first opened) the district's reports of ``period``."""
        from forms.periods import period_label, period_type_of

        self.period = period
        self.forms.clear()
        for page in self.pages:
            page.deleteLater()
        self.pages = []
        forms = [f for f in self.workspace.district_forms() if f.period_type == period_type_of(period)]
        if not forms:
            self.title.setText("本报告期没有区级部门指标表。")
            self.findings.set_state(None)
            return
        undo = QUndoStack(self)
        state = None
        for form in forms:
            state = self.workspace.district_report(form.key, period)
            for table in form.tables:
                model = GridModel(self.workspace, form, table, state)
                model.undo_stack = undo
                model.edited.connect(self._edited)
                page = TablePage(model)
                self.pages.append(page)
                self.forms.addTab(page, f"{form.code} {table.title}")
        form = forms[0]
        self.title.setText(f"{period_label(period)}　《{form.name}》（{form.code}）：由区里汇总各部门提供的数据后填报一次，"
                           "不由镇街汇总；进入全区汇总和规划目标进度。")
        self.notes.setText("\n".join(form.notes))
        self._state = state
        self.findings.set_state(state)

    def findings_state(self) -> ReportState | None:
        """The report state the findings panel shows (the last one after an edit)."""
        return self._state

    def _edited(self, changes: Changes) -> None:
        if changes.state is not None:
            self._show_state(changes.state)

    def _show_state(self, state: ReportState) -> None:
        self._state = state
        for page in self.pages:
            if page.model.report_id == state.report_id:
                page.model.set_state(state)
        self.findings.set_state(state)

    def _save_note(self, cell: tuple[str, str, str], note: str) -> None:
        for page in self.pages:
            index = page.model.index_for_cell(cell)
            if index.isValid():
                page.model.set_note(index, note)
                return

    def _select_cell(self, cell: tuple[str, str, str]) -> None:
        for i, page in enumerate(self.pages):
            index = page.model.index_for_cell(cell)
            if index.isValid():
                self.forms.setCurrentIndex(i)
                page.view.select_cell(index)
                return
