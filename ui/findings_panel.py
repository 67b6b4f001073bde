"""审核 results under the grid, grouped by form and severity, and a 说明 editor for the selected finding.

The tree shows every filled form of the township and period (the open form first): form →
错误 / 警告 / 提示 → findings. Selecting a finding asks the window to open its form and jump to its
cell (``findingRequested``); saving a 说明 is forwarded (``noteSaveRequested``) to the controller,
which stores it on the open report and re-validates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from forms.note_check import note_problem
from forms.spec import SEVERITIES
from forms.validation import Finding, note_is_acceptable
from ui import theme
from ui.controller import FormFindings, ReportState, summary_text

__all__ = ["FindingsModel", "FindingsPanel", "note_state"]

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("级别", "位置 / 内容", "说明状态")
_Key = tuple[str, str, tuple[str, str, str]]  # form, rule, cell: a finding across re-validations


def note_state(finding: Finding, note: str) -> str:
    """What the 说明 column says for one finding."""
    if finding.severity == "错误":
        return "须修改数据"
    if finding.severity == "提示":
        return "已说明" if note else "—"
    if finding.explained:
        return "已说明"
    return "说明不充分" if note.strip() else "需填写说明"


def _key(finding: Finding) -> _Key:
    return (finding.form_key, finding.rule_id, finding.cell)


@dataclass(eq=False)
class _Node:
    kind: str  # form | severity | finding
    group: FormFindings
    parent: _Node | None = None
    severity: str = ""
    finding: Finding | None = None
    children: list[_Node] = field(default_factory=list)
    row: int = 0


class FindingsModel(QAbstractItemModel):
    """Form → severity → finding. ``finding(i)`` counts findings in display order (all forms)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._roots: list[_Node] = []
        self._flat: list[_Node] = []

    # -- contents ----------------------------------------------------------------------------
    def set_groups(self, groups: list[FormFindings]) -> None:
        self.beginResetModel()
        self._roots, self._flat = [], []
        for i, group in enumerate(groups):
            root = _Node("form", group, row=i)
            for severity in SEVERITIES:
                items = [f for f in group.findings if f.severity == severity]
                if not items:
                    continue
                node = _Node("severity", group, root, severity, row=len(root.children))
                node.children = [_Node("finding", group, node, severity, f, row=j) for j, f in enumerate(items)]
                self._flat += node.children
                root.children.append(node)
            self._roots.append(root)
        self.endResetModel()

    def set_state(self, state: ReportState | None) -> None:
        """Only the open report (no other forms known)."""
        if state is None:
            self.set_groups([])
            return
        key = state.data.report.form_key
        name = next((f.form_name for f in state.result.findings if f.form_name), key)
        self.set_groups([FormFindings(key, "", name, tuple(state.result.findings), dict(state.data.notes), True)])

    def groups(self) -> list[FormFindings]:
        return [r.group for r in self._roots]

    def findings(self) -> list[Finding]:
        return [n.finding for n in self._flat if n.finding is not None]

    def finding(self, i: int) -> Finding | None:
        return self._flat[i].finding if 0 <= i < len(self._flat) else None

    def finding_at(self, index: _Index) -> Finding | None:
        node = self._node(index)
        return node.finding if node is not None else None

    def note(self, finding: Finding | None) -> str:
        if finding is None:
            return ""
        group = next((r.group for r in self._roots if r.group.key == finding.form_key), None)
        return group.notes.get(finding.cell, "") if group else ""

    def index_of(self, finding: Finding | _Key | None, column: int = 0) -> QModelIndex:
        if finding is None:
            return QModelIndex()
        wanted = finding if isinstance(finding, tuple) else _key(finding)
        for node in self._flat:
            if node.finding is not None and _key(node.finding) == wanted:
                return self.createIndex(node.row, column, node)
        return QModelIndex()

    def severity_index(self, form_key: str, severity: str) -> QModelIndex:
        for root in self._roots:
            if root.group.key == form_key:
                for node in root.children:
                    if node.severity == severity:
                        return self.createIndex(node.row, 0, node)
        return QModelIndex()

    def _node(self, index: _Index) -> _Node | None:
        return index.internalPointer() if index.isValid() else None

    # -- Qt model ----------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS):
            return QModelIndex()
        siblings = self._node(parent).children if parent.isValid() else self._roots
        if 0 <= row < len(siblings):
            return self.createIndex(row, column, siblings[row])
        return QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self._node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if not parent.isValid():
            return len(self._roots)
        if parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        column = index.column()
        if node.kind == "form":
            return self._form_data(node, column, role)
        if node.kind == "severity":
            return self._severity_data(node, column, role)
        f = node.finding
        assert f is not None
        note = node.group.notes.get(f.cell, "")
        if role == Qt.ItemDataRole.DisplayRole:
            return (f.severity, f.message, note_state(f, note))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f.message + (f"\n说明：{note}" if note else "") + f"\n规则：{f.rule_id}"
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return theme.EXPLAINED_WARNING if f.explained else theme.SEVERITY_COLOURS[f.severity]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0:
                return theme.SEVERITY_TEXT[f.severity]
            if column == 2:
                return theme.STATUS_COLOURS["已审核"] if note_state(f, note) == "已说明" else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column != 1:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def _form_data(self, node: _Node, column: int, role: int) -> Any:
        group = node.group
        if role == Qt.ItemDataRole.DisplayRole and column == 0:
            counts = "  ".join(f"{s}{sum(1 for f in group.findings if f.severity == s)}" for s in SEVERITIES)
            mark = "（当前表）" if group.current else ""
            return f"《{group.name}》{group.code}{mark}    {counts}"
        if role == Qt.ItemDataRole.FontRole and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return "点击其中一条问题，打开该表并定位到单元格"
        return None

    def _severity_data(self, node: _Node, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and column == 0:
            open_ = sum(1 for c in node.children if c.finding is not None and c.finding.blocks_export)
            extra = f"，其中{open_}条未说明" if node.severity == "警告" and open_ else ""
            return f"{node.severity}（{len(node.children)}条{extra}）"
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.SEVERITY_TEXT[node.severity]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        if node.kind != "finding":
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class FindingsPanel(QWidget):
    """The grouped findings plus the 说明 editor."""

    cellRequested = Signal(object)  # (table, row, column) of a selected finding of the open form
    findingRequested = Signal(str, object)  # form key, cell: open that form and select the cell
    noteSaveRequested = Signal(object, str)  # cell, 说明 text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider: Callable[[], list[FormFindings]] | None = None  # all forms of the period
        self.model = FindingsModel(self)
        self.summary = QLabel("审核结果：—")
        self.summary.setObjectName("findingsSummary")
        self.view = QTreeView()
        self.view.setObjectName("findingsView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.setUniformRowHeights(True)
        self.view.setIndentation(14)
        self.view.setMinimumHeight(40)  # the pane can be shrunk to its summary and a row (issue 13.10)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 84)
        header.resizeSection(2, 96)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)

        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("noteEdit")
        self.note_edit.setPlaceholderText("选中一条警告后，在此写明数据变化的原因（写明原因：新投产、停产、统计口径变化……不能只写“经核实无误”）")
        self.note_edit.textChanged.connect(self._note_changed)
        self.note_edit.returnPressed.connect(self._save_note)
        self.save_button = QPushButton("保存说明")
        self.save_button.setObjectName("saveNoteButton")
        self.save_button.clicked.connect(self._save_note)
        self.note_status = QLabel("")
        self.note_status.setObjectName("noteStatus")
        self.note_status.setMinimumWidth(170)

        note_row = QHBoxLayout()
        note_row.addWidget(QLabel("说明："))
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_status)
        note_row.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(note_row)
        self._current_form: str | None = None
        self._set_note_target(None)

    # -- state -------------------------------------------------------------------------------
    def set_state(self, state: ReportState | None) -> None:
        """Show the findings of the period (or of this report only, without a provider), keeping
        the selected finding selected when it remains."""
        current = self.selected_finding()
        self._current_form = state.data.report.form_key if state else None
        groups = self.provider() if (self.provider and state is not None) else None
        self.view.selectionModel().blockSignals(True)
        if groups is not None:
            self.model.set_groups(groups)
        else:
            self.model.set_state(state)
        self.view.selectionModel().blockSignals(False)
        self._expand()
        if state is None:
            self.summary.setText("审核结果：—")
        else:
            own = f"本表 {summary_text(state.result)}" + ("（无问题）" if not state.result.findings else "")
            if state.result.pending:  # r4: shown before it is validated (findings a moment later)
                own = "本表 审核中…"
            everything = self.model.findings()
            if groups is not None and len(groups) > 1:
                counts = "  ".join(f"{s}{sum(1 for f in everything if f.severity == s)}" for s in SEVERITIES)
                own += f"；本期已填 {len(groups)} 张表合计 {counts}"
            self.summary.setText(f"审核结果：{own}")
        index = self.model.index_of(_key(current)) if current else QModelIndex()
        if index.isValid():
            self.view.selectionModel().blockSignals(True)
            self.view.setCurrentIndex(index)
            self.view.selectionModel().blockSignals(False)
            self._set_note_target(self.model.finding_at(index))
        else:
            self._set_note_target(None)

    def _expand(self) -> None:
        """Forms open; 提示 of forms other than the open one folded (they are many and only inform)."""
        for root_row in range(self.model.rowCount()):
            root = self.model.index(root_row, 0)
            self.view.setFirstColumnSpanned(root_row, QModelIndex(), True)
            self.view.expand(root)
            group = self.model.groups()[root_row]
            for row in range(self.model.rowCount(root)):
                child = self.model.index(row, 0, root)
                self.view.setFirstColumnSpanned(row, root, True)
                if group.current or child.internalPointer().severity != "提示":
                    self.view.expand(child)

    def selected_finding(self) -> Finding | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.finding_at(rows[0]) if rows else None

    def select_finding(self, finding: Finding) -> None:
        """Select a finding (as a click would): its form opens and its cell is selected."""
        index = self.model.index_of(finding)
        if index.isValid():
            self.view.scrollTo(index)
            self.view.setCurrentIndex(index)

    # -- slots -------------------------------------------------------------------------------
    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        finding = self.selected_finding()
        self._set_note_target(finding)
        if finding is not None:
            self._request(finding)

    def _activated(self, index: QModelIndex) -> None:
        finding = self.model.finding_at(index)
        if finding is not None:
            self._request(finding)

    def _request(self, finding: Finding) -> None:
        self.findingRequested.emit(finding.form_key, finding.cell)
        if finding.form_key == self._current_form:
            self.cellRequested.emit(finding.cell)

    def _set_note_target(self, finding: Finding | None) -> None:
        self._target = finding if finding is not None and finding.severity in ("警告", "提示") else None
        enabled = self._target is not None
        self.note_edit.blockSignals(True)
        self.note_edit.setText(self.model.note(self._target) if self._target else "")
        self.note_edit.blockSignals(False)
        self.note_edit.setEnabled(enabled)
        self.save_button.setEnabled(enabled)
        self._note_changed(self.note_edit.text())

    def _note_changed(self, text: str) -> None:
        if self._target is None:
            self.note_status.setText("")
        elif note_is_acceptable(text):
            self.note_status.setText("✓ 说明可接受")
            self.note_status.setStyleSheet(f"color: {theme.STATUS_COLOURS['已审核'].name()};")
        else:
            self.note_status.setText(note_problem(text) or "")
            self.note_status.setStyleSheet(f"color: {theme.STATUS_COLOURS['有警告'].name()};")

    def _save_note(self) -> None:
        if self._target is None:
            return
        if self._target.form_key != self._current_form:  # the form was not opened: open it first
            self.findingRequested.emit(self._target.form_key, self._target.cell)
        self.noteSaveRequested.emit(self._target.cell, self.note_edit.text())
