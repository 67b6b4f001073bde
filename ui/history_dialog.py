"""单元格历史: a cell's values over the earlier periods (a small chart) and its change log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCharts import QBarCategoryAxis, QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forms.periods import period_label

if TYPE_CHECKING:
    from storage.database import CellKey
    from storage.workspace import Workspace

__all__ = ["HistoryDialog"]

FIELD_NAMES = {"value": "数值", "note": "说明"}


def _text(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class HistoryDialog(QDialog):
    def __init__(self, workspace: Workspace, report_id: int, cell: CellKey, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"单元格历史 — {title}")
        self.resize(720, 600)
        layout = QVBoxLayout(self)
        self.history = workspace.cell_history(report_id, cell)
        self.changes = [c for c in workspace.cell_changes(report_id, cell) if c["field"] in FIELD_NAMES]
        layout.addWidget(QLabel(f"<b>{title}</b> 各期数值"))
        self.chart_view = QChartView(self._chart())
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(240)
        layout.addWidget(self.chart_view, 1)
        layout.addWidget(QLabel("本期修改记录"))
        self.table = QTableWidget(len(self.changes), 6)
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels(["时间", "修改人", "内容", "原值", "新值", "原因"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for r, change in enumerate(reversed(self.changes)):  # newest first
            cells = [str(change["at"]).replace("T", " "), change["who"], FIELD_NAMES[change["field"]],
                     _text(change["old"]), _text(change["new"]), change["reason"] or ""]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (3, 4) and isinstance(change["old" if c == 3 else "new"], (int, float)):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def numeric_points(self) -> list[tuple[str, float]]:
        return [(p.period, float(p.value)) for p in self.history
                if isinstance(p.value, (int, float)) and not isinstance(p.value, bool)]

    def _chart(self) -> QChart:
        chart = QChart()
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setFont(self.font())
        periods = [p.period for p in self.history]
        points = dict(self.numeric_points())
        line = QLineSeries()
        dots = QScatterSeries()
        dots.setMarkerSize(9)
        for i, period in enumerate(periods):
            if period in points:
                line.append(QPointF(i, points[period]))
                dots.append(QPointF(i, points[period]))
        chart.addSeries(line)
        chart.addSeries(dots)
        axis_x = QBarCategoryAxis()
        axis_x.append([period_label(p) for p in periods] or ["—"])
        axis_x.setLabelsFont(self.font())
        axis_y = QValueAxis()
        values = list(points.values()) or [0.0]
        low, high = min(values + [0.0]), max(values)
        axis_y.setRange(low, high * 1.1 if high > 0 else 1.0)
        axis_y.setLabelFormat("%.0f" if high >= 100 else "%.2f")
        axis_y.setLabelsFont(self.font())
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        for series in (line, dots):
            series.attachAxis(axis_x)
            series.attachAxis(axis_y)
        if not points:
            chart.setTitle("各期均无数值")
        return chart
