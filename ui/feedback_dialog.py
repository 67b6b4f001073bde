"""The district's 反馈 workbook opened in the township program (导入… recognises it): each problem
with the district's remark, beside the cell it concerns (double-click goes to the cell). Nothing is
imported and no value changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from export.feedback_file import FeedbackFile
from ui.district_window import _fill, _table

__all__ = ["FeedbackDialog", "FEEDBACK_COLUMNS"]

FEEDBACK_COLUMNS = ("表号", "行代码", "行名称", "栏目", "数值", "审核结果", "问题", "本镇街说明", "区里意见")


class FeedbackDialog(QDialog):
    def __init__(self, feedback: FeedbackFile, window: Any, parent: QWidget | None = None) -> None:
        from export.import_preview import show_value
        from forms.periods import period_label

        super().__init__(parent or window)
        self.feedback = feedback
        self.window_ = window
        self.setObjectName("feedbackDialog")
        self.setWindowTitle(f"区里的审核反馈：{feedback.township} {period_label(feedback.period)}")
        self.resize(1100, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"区统计局 {feedback.sent_at} 退回的{len(feedback.items)}个问题（文件 {feedback.path.name}）。"
                                "这里只显示意见，不改动任何数值；双击一行转到该单元格，在表中修改或补充说明后重新导出报送。"))
        self.table = _table("feedbackItems", FEEDBACK_COLUMNS)
        _fill(self.table, [(i.form_code, i.row_code, i.row_label, i.col_label, show_value(None, i.value), i.severity,
                            i.finding, i.note, i.remark) for i in feedback.items])
        self.table.cellDoubleClicked.connect(self.go_to)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def go_to(self, row: int, _column: int = 0) -> None:
        item = self.feedback.items[row]
        if item.form_key and hasattr(self.window_, "open_finding"):
            self.window_.open_finding(item.form_key, item.cell)
