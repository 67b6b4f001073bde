"""汇总…: choose the period and the kind (全区 / 镇 / 街道 / chosen townships), write the 汇总
workbook in the background (a progress bar after 300 ms), then show who is in it and who is
missing. Only choices and display: the 汇总 is ``district.summary`` through the Workspace."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from forms.periods import period_label
from ui.progress_action import fit_to_screen

if TYPE_CHECKING:
    from storage.workspace import Workspace
    from ui.operations import Operation

__all__ = ["SummaryDialog", "KINDS"]

KINDS = (("全区汇总", None), ("分类汇总：镇", "镇"), ("分类汇总：街道", "街道"), ("选择汇总", "choose"))


class SummaryDialog(QDialog):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("汇总")
        self.workspace = workspace
        self.operation: Operation | None = None
        self.period = QComboBox()
        self.period.setObjectName("summaryPeriod")
        for period in reversed(workspace.report_periods()):
            self.period.addItem(period_label(period), period)
        self.kinds = QButtonGroup(self)
        kinds = QHBoxLayout()
        for i, (label, _value) in enumerate(KINDS):
            button = QRadioButton(label)
            button.setObjectName(f"summaryKind{i}")
            self.kinds.addButton(button, i)
            kinds.addWidget(button)
        self.kinds.button(0).setChecked(True)
        self.townships = QListWidget()
        self.townships.setObjectName("summaryTownships")
        for town in workspace.townships():
            item = QListWidgetItem(f"{town.name}（{town.kind or '—'}）")
            item.setData(Qt.ItemDataRole.UserRole, town.stat_code or town.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.townships.addItem(item)
        self.townships.setEnabled(False)
        self.kinds.idToggled.connect(lambda i, on: on and self.townships.setEnabled(KINDS[i][1] == "choose"))
        self.result = QLabel("汇总只计入已收到该表的镇街；结果写明纳入与缺报的镇街。")
        self.result.setObjectName("summaryResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_button = QPushButton("汇总并导出…")
        self.run_button.setObjectName("summaryRun")
        self.run_button.clicked.connect(lambda: self.run_summary())
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("报告期：", self.period)
        form.addRow("汇总方式：", kinds)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("选择汇总的镇街："))
        layout.addWidget(self.townships, 1)
        layout.addWidget(self.result)
        layout.addLayout(buttons)
        fit_to_screen(self, 720, 560)

    def chosen(self) -> tuple[list[str] | None, str | None]:
        """(townships, group) as ``district_summary`` takes them."""
        value = KINDS[self.kinds.checkedId()][1]
        if value != "choose":
            return None, value
        items = [self.townships.item(i) for i in range(self.townships.count())]
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked], None

    def run_summary(self, out: Path | None = None) -> None:
        from PySide6.QtWidgets import QMessageBox

        from ui.operations import run_with_workspace

        period = self.period.currentData()
        townships, group = self.chosen()
        if period is None:
            QMessageBox.information(self, "汇总", "数据库中还没有任何报表。")
            return
        if townships == []:
            QMessageBox.information(self, "汇总", "选择汇总：请至少勾选一个镇街。")
            return
        if out is None:
            name = f"永川区{period_label(period)}{KINDS[self.kinds.checkedId()][0]}.xlsx".replace("：", "_")
            chosen, _ = QFileDialog.getSaveFileName(self, "导出汇总", name, "Excel 文件 (*.xlsx)")
            if not chosen:
                return
            out = Path(chosen)
        if out.suffix.lower() != ".xlsx":
            out = out.with_name(out.name + ".xlsx")

        def task(ws: Workspace) -> list[str]:
            from district.summary import district_summary
            from district.summary_export import write_summary_workbook

            summary = district_summary(ws, period, townships=townships, group=group)
            write_summary_workbook(summary, out)
            return [*summary.coverage_lines(), f"已导出：{out}"]

        self.run_button.setEnabled(False)
        ws = self.workspace
        self.operation = run_with_workspace(self, "正在汇总……", ws.path, ws.catalogue, task, self._done,
                                            user=ws.user, title="汇总失败")
        self.operation.finished.connect(lambda: self.run_button.setEnabled(True))

    def _done(self, lines: list[str]) -> None:
        self.result.setText("\n".join(lines))
