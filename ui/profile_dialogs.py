"""单位信息 (the township's profile printed on every export) and 报告期 (create the next period,
see all periods, lock one once submitted). Both write through the core API at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forms.periods import period_label
from storage.profile import PROFILE_LABELS
from user_error import UserError

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["ProfileDialog", "PeriodsDialog", "PROFILE_LABELS"]

class ProfileDialog(QDialog):
    """单位信息 of one township: used in the label block of every exported table."""

    def __init__(self, workspace: Workspace, township_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.township_id = township_id
        township = workspace.township(township_id)
        self.setWindowTitle("单位信息")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for key, label in PROFILE_LABELS:
            edit = QLineEdit(str(getattr(township, key) or ""))
            edit.setObjectName(f"profile_{key}")
            form.addRow(label + "：", edit)
            self.fields[key] = edit
        self.fields["stat_code"].setPlaceholderText("12位统计用区划代码")
        layout.addLayout(form)
        hint = QLabel("以上信息打印在导出报表的表头和表尾。")
        hint.setStyleSheet("color: #666;")
        layout.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.fields.items()}

    def save(self) -> bool:
        values = self.values()
        if not values.get("name"):  # the dialog always sends every field: the name too
            values["name"] = ""
        try:
            self.workspace.update_profile(self.township_id, **values)
        except UserError as exc:
            QMessageBox.warning(self, "无法保存", str(exc))
            return False
        self.accept()
        return True


class PeriodsDialog(QDialog):
    """All periods of a township: 新建下一期, and 锁定 / 解锁 (a locked period asks a reason per edit)."""

    def __init__(self, workspace: Workspace, township_id: int, period_type_hint: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.township_id = township_id
        self.created: str | None = None
        self.setWindowTitle("报告期")
        self.setMinimumSize(560, 360)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("periodsTable")
        self.table.setHorizontalHeaderLabels(["报告期", "状态", "已导出", "报表"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox()
        self.next_button = QPushButton("新建下一期")
        self.next_button.clicked.connect(self.create_next)
        self.lock_button = QPushButton("锁定")
        self.lock_button.clicked.connect(self.toggle_lock)
        buttons.addButton(self.next_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.lock_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText("关闭")
        buttons.rejected.connect(self.accept)
        layout.addWidget(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()
        if self.periods:
            self.table.selectRow(0)

    def refresh(self) -> None:
        self.periods = self.workspace.period_infos(self.township_id)
        self.table.setRowCount(len(self.periods))
        for r, info in enumerate(self.periods):
            reports = "、".join(f"{self.workspace.form(k).code} {s}" for k, s in sorted(info.reports.items())
                               if k in {f.key for f in self.workspace.catalogue}) or "—"
            for c, text in enumerate((period_label(info.period), "已锁定" if info.locked else "可编辑",
                                      "是" if info.exported else "否", reports)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, info.period)
                self.table.setItem(r, c, item)
        self._update_buttons()

    def selected_period(self) -> str | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.periods[min(rows)].period if rows else None

    def select(self, period: str) -> None:
        for r, info in enumerate(self.periods):
            if info.period == period:
                self.table.selectRow(r)

    def _update_buttons(self) -> None:
        period = self.selected_period()
        info = next((p for p in self.periods if p.period == period), None)
        self.lock_button.setEnabled(info is not None)
        self.lock_button.setText("解锁" if info and info.locked else "锁定")
        self.next_button.setEnabled(bool(self.periods))

    def create_next(self) -> str | None:
        """The period after the newest one of the selected period's kind (年报 / 季报 / 月报)."""
        period = self.selected_period() or (self.periods[0].period if self.periods else None)
        if period is None:
            return None
        same_kind = [p.period for p in self.periods if len(p.period) == len(period)]
        created = self.workspace.create_next_period(self.township_id, max(same_kind)).period
        self.created = created
        self.refresh()
        self.select(created)
        return created

    def toggle_lock(self) -> None:
        period = self.selected_period()
        info = next((p for p in self.periods if p.period == period), None)
        if info is None:
            return
        if info.locked:
            reason, ok = QInputDialog.getText(self, "解锁报告期", f"解锁 {period_label(info.period)}：请填写原因")
            if not ok or not reason.strip():
                return
            self.workspace.set_period_locked(self.township_id, info.period, False, reason)
        else:
            if not info.exported:
                answer = QMessageBox.question(self, "锁定报告期",
                                              f"{period_label(info.period)} 的报表尚未导出上报，仍要锁定吗？")
                if answer != QMessageBox.StandardButton.Yes:
                    return
            self.workspace.set_period_locked(self.township_id, info.period, True, "上报后锁定")
        self.refresh()
        self.select(info.period)
