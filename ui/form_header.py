"""The label block of a statistics form above its grid: 表名, 表号, 制定机关, 批准文号, 有效期至,
填报单位 and 报告期, laid out as on the printed form."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from export.print_layout import label_block
from forms.periods import period_label
from forms.spec import FormSpec

__all__ = ["FormHeader"]


class FormHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formHeader")
        self.title = QLabel()
        self.title.setObjectName("formTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.title.setFont(font)
        self.unit = QLabel()
        self.period = QLabel()
        self.period.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.labels = QLabel()
        self.labels.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.labels.setObjectName("formLabels")
        self.labels.setStyleSheet("color: #333;")
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 2, 6, 4)
        layout.setHorizontalSpacing(12)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.title, 0, 0, 1, 3)
        layout.addWidget(self.labels, 0, 2, 2, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.unit, 1, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.period, 1, 1, Qt.AlignmentFlag.AlignBottom)
        layout.setColumnStretch(0, 1)
        layout.setColumnStretch(1, 1)
        layout.setColumnStretch(2, 1)
        self.show_form(None, "", "", "")

    def show_form(self, form: FormSpec | None, township_name: str, township_code: str, period: str) -> None:
        """Fill the block; an empty block when no report is open."""
        if form is None:
            self.title.setText("（未打开报表）")
            self.labels.setText("")
            self.unit.setText("")
            self.period.setText("")
            return
        self.title.setText(form.name)
        code, authority, approver, approval, valid = label_block(form)  # as printed, same placeholder
        self.labels.setText(  # two lines, so the grid keeps the height on a 768-pixel screen (issue 13.10)
            f"{code}　{authority}　{valid}\n{approver}　{approval}")
        self.unit.setText(f"填报单位：{township_name}　　统计代码：{township_code}")
        self.period.setText(f"报告期：{period_label(period)}" if period else "")
