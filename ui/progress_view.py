"""规划目标进度: per target a line chart (the figure of each year, the target, the straight path
from the base to the target), its 已完成/还差/每年需 text, and a bar chart of each township's
contribution for the chosen year. Colours say on track (green) / behind (red) / no data (grey).
Exports: the charts as PNG, the values as an xlsx sheet.

Only display: the figures come from ``district.progress_data.progress_report`` (through the
Workspace); nothing here computes a rule.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from district.progress import ProgressState
from district.progress_data import YEARS, ProgressReport, TargetProgress
from ui.progress_action import fit_to_screen
from ui.theme import apply_cjk_font

__all__ = ["ProgressView", "ProgressDialog", "STATE_COLOURS", "TOP_TOWNSHIPS"]

STATE_COLOURS = {
    ProgressState.REACHED: QColor("#2e7d32"),
    ProgressState.ON_TRACK: QColor("#2e7d32"),
    ProgressState.BEHIND: QColor("#c62828"),
    ProgressState.NO_DATA: QColor("#7a7a7a"),
    ProgressState.UNMEASURED: QColor("#7a7a7a"),
    ProgressState.SHARE: QColor("#1f5fbf"),  # a township's own figure: no verdict, a neutral colour
}
PATH_COLOUR = QColor("#1f5fbf")
TARGET_COLOUR = QColor("#c56a00")
TOP_TOWNSHIPS = 10  # bars shown by name; the rest are one bar 其他镇街


def _font(size: float, bold: bool = False) -> QFont:
    font = apply_cjk_font(QFont())
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


class ProgressView(QWidget):
    """Targets on the left; the chosen target's charts and text on the right."""

    def __init__(self, report: ProgressReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.targets = QListWidget()
        self.targets.setObjectName("progressTargets")
        for item in report.items:
            entry = QListWidgetItem(f"● {item.target.name}")
            entry.setForeground(QBrush(STATE_COLOURS[item.progress.state]))
            entry.setToolTip(f"{item.progress.state.value}：{item.progress.text()}")
            self.targets.addItem(entry)
        self.title = QLabel()
        self.title.setObjectName("progressTitle")
        self.title.setFont(_font(12, bold=True))
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setObjectName("progressText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.line_chart = QChartView()
        self.line_chart.setObjectName("progressLineChart")
        self.line_chart.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.line_chart.setMinimumHeight(220)
        self.bar_chart = QChartView()
        self.bar_chart.setObjectName("progressBarChart")
        self.bar_chart.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.bar_chart.setMinimumHeight(200)
        self.year = QComboBox()
        self.year.setObjectName("progressYear")
        for year in reversed(report.years):
            self.year.addItem(f"{year}年", year)
        self.year_row = QWidget()
        year_layout = QHBoxLayout(self.year_row)
        year_layout.setContentsMargins(0, 0, 0, 0)
        year_layout.addWidget(QLabel("各镇街贡献，年份：" if report.district else "占全区目标的比例，年份："))
        year_layout.addWidget(self.year)
        year_layout.addStretch(1)

        self.charts = QWidget()  # what the PNG export shows: title, text and both charts
        self.charts.setObjectName("progressCharts")
        charts_layout = QVBoxLayout(self.charts)
        charts_layout.setContentsMargins(6, 6, 6, 6)
        charts_layout.addWidget(self.title)
        charts_layout.addWidget(self.text)
        bars = QWidget()
        bars_layout = QVBoxLayout(bars)
        bars_layout.setContentsMargins(0, 0, 0, 0)
        bars_layout.addWidget(self.year_row)
        bars_layout.addWidget(self.bar_chart, 1)
        side_by_side = QHBoxLayout()
        side_by_side.addWidget(self.line_chart, 3)
        side_by_side.addWidget(bars, 2)
        charts_layout.addLayout(side_by_side, 1)
        splitter = QSplitter()
        splitter.addWidget(self.targets)
        splitter.addWidget(self.charts)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([270, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        legend = ("（绿色：进度正常或已达到；红色：落后；灰色：无数据或尚未纳入报表）" if report.district else
                  "（镇街数据库只列出可按镇街分解的目标：本镇街的数值及其占全区目标的比例；"
                  "全区目标未分解到镇街，不判断本镇街进度；灰色：无数据）")
        scope = QLabel(f"范围：{report.scope}　已有数据的年份：{'、'.join(map(str, report.years)) or '无'}" + legend)
        scope.setObjectName("progressScope")
        scope.setWordWrap(True)
        layout.addWidget(scope)
        layout.addWidget(splitter, 1)

        self.targets.currentRowChanged.connect(self.show_target)
        self.year.currentIndexChanged.connect(lambda _i: self._show_bars())
        if report.items:
            self.targets.setCurrentRow(0)

    @property
    def current(self) -> TargetProgress | None:
        row = self.targets.currentRow()
        return self.report.items[row] if 0 <= row < len(self.report.items) else None

    def show_target(self, row: int) -> None:
        if not 0 <= row < len(self.report.items):
            return
        item = self.report.items[row]
        p, t = item.progress, item.target
        colour = STATE_COLOURS[p.state].name()
        whose = "目标" if self.report.district else "全区目标"
        self.title.setText(f"{t.name}（{whose}：{'不低于' if t.direction == 'at_least' else '不高于'} "
                           f"{_number(t.target)}{t.unit}，{t.target_year}年）" + ("" if self.report.district else "：本镇街的贡献"))
        self.text.setText(f"<span style='color:{colour}; font-weight:bold'>{p.text()}</span>"
                          f"<br><span style='color:#555'>方案：{t.plan}</span>")
        self.line_chart.setChart(self._line_chart(item))
        self._show_bars()

    def _line_chart(self, item: TargetProgress) -> QChart:
        p, t = item.progress, item.target
        chart = QChart()
        chart.setTitle("")
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.legend().setFont(_font(9))
        first_year = min([YEARS[0], *([p.start[0]] if p.start else [])])
        xs = (first_year - 0.3, t.target_year + 0.3)
        district = self.report.district  # a township's figure is not drawn against the district target's scale
        ys: list[float] = [t.target] if district else [0.0]
        values = QLineSeries()
        values.setName("实际值" if self.report.district else "本镇街数值")
        values.setPointsVisible(True)
        values.setPen(QPen(STATE_COLOURS[p.state], 2.5))
        for year, value in sorted(p.values.items()):
            values.append(QPointF(year, value))
            ys.append(value)
        target = QLineSeries()
        target.setName(f"目标 {_number(t.target)}{t.unit}")
        target.setPen(QPen(TARGET_COLOUR, 1.5, Qt.PenStyle.DotLine))
        target.append(QPointF(xs[0], t.target))
        target.append(QPointF(xs[1], t.target))
        series = [values, target] if district else [values]
        if p.start is not None and district:
            path = QLineSeries()
            path.setName("规划路径")
            path.setPen(QPen(PATH_COLOUR, 1.5, Qt.PenStyle.DashLine))
            path.append(QPointF(*p.start))
            path.append(QPointF(t.target_year, t.target))
            ys.append(p.start[1])
            series.append(path)
        if p.year is not None:
            latest = QScatterSeries()
            latest.setName(f"{p.year}年")
            latest.setMarkerSize(10)
            latest.setColor(STATE_COLOURS[p.state])
            latest.append(QPointF(p.year, p.values[p.year]))
            series.append(latest)
        for s in series:
            chart.addSeries(s)
        x_axis = QValueAxis()
        x_axis.setRange(*xs)
        x_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        x_axis.setTickAnchor(2020)
        x_axis.setTickInterval(1)
        x_axis.setLabelFormat("%d")
        y_axis = QValueAxis()
        low, high = (min(ys), max(ys)) if ys else (0.0, 1.0)
        pad = (high - low) * 0.12 or abs(high) * 0.1 or 1
        y_axis.setRange(low - pad if low < 0 or low - pad > 0 else 0, high + pad)
        y_axis.applyNiceNumbers()
        y_axis.setTitleText(t.unit)
        for axis, side in ((x_axis, Qt.AlignmentFlag.AlignBottom), (y_axis, Qt.AlignmentFlag.AlignLeft)):
            axis.setLabelsFont(_font(9))
            axis.setTitleFont(_font(9))
            chart.addAxis(axis, side)
            for s in series:
                s.attachAxis(axis)
        return chart

    def _show_bars(self) -> None:
        item = self.current
        chart = QChart()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().hide()
        chart.setTitleFont(_font(10))
        year = self.year.currentData()
        rows = item.contributions.get(year, []) if item is not None and year is not None else []
        if item is None or not item.target.township_share:
            chart.setTitle("比率类指标，不按镇街分解")
        elif not self.report.district:
            own = item.progress.values.get(year) if year is not None else None
            chart.setTitle(f"{year}年本镇街占全区目标的比例（{item.target.unit}）" if own is not None
                           else f"{year}年没有本镇街数据" if year else "没有本镇街数据")
            if own is not None:
                self._bars(chart, item, [("本镇街", own), ("全区目标", item.target.target)])
        elif not rows:
            chart.setTitle(f"{year}年没有镇街数据" if year else "没有镇街数据")
        else:
            chart.setTitle(f"{year}年各镇街贡献（{item.target.unit}）")
            self._bars(chart, item, rows)
        self.bar_chart.setChart(chart)

    def _bars(self, chart: QChart, item: TargetProgress, rows: list[tuple[str, float]]) -> None:
        ranked = sorted(rows, key=lambda r: r[1], reverse=True)
        shown = ranked[:TOP_TOWNSHIPS]
        if len(ranked) > TOP_TOWNSHIPS:
            shown.append((f"其他{len(ranked) - TOP_TOWNSHIPS}个镇街", sum(v for _, v in ranked[TOP_TOWNSHIPS:])))
        shown.reverse()  # the largest on top
        bars = QBarSet(item.target.name)
        bars.setColor(STATE_COLOURS[item.progress.state])
        bars.setLabelColor(QColor("#222222"))
        for _name, value in shown:
            bars.append(value)
        series = QHorizontalBarSeries() if len(shown) > 1 else QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.setLabelsPrecision(6)
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(series)
        names = QBarCategoryAxis()
        names.append([name for name, _ in shown])
        names.setLabelsFont(_font(8.5))
        values = QValueAxis()
        values.setLabelsFont(_font(8.5))
        values.setRange(0, max(v for _, v in shown) * 1.3 or 1)
        values.setLabelFormat("%.0f")
        values.applyNiceNumbers()
        vertical = isinstance(series, QHorizontalBarSeries)
        chart.addAxis(names, Qt.AlignmentFlag.AlignLeft if vertical else Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom if vertical else Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(names)
        series.attachAxis(values)

    def export_png(self, path: Path) -> bool:
        """The chosen target's title, text and charts as a PNG; false when it cannot be written."""
        return self.charts.grab().save(str(path), "PNG")


class ProgressDialog(QDialog):
    def __init__(self, report: ProgressReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("规划目标进度")
        self.report = report
        self.view = ProgressView(report)
        png = QPushButton("导出图片（PNG）…")
        png.setObjectName("progressPng")
        png.clicked.connect(self.save_png)
        xlsx = QPushButton("导出 Excel…")
        xlsx.setObjectName("progressXlsx")
        xlsx.clicked.connect(self.save_xlsx)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(png)
        buttons.addWidget(xlsx)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        fit_to_screen(self, 1240, 700)

    def save_png(self, path: Path | None = None) -> None:
        item = self.view.current
        if path is None:
            name = f"规划目标进度_{item.target.name if item else ''}.png"
            chosen, _ = QFileDialog.getSaveFileName(self, "导出图片", name, "PNG 图片 (*.png)")
            if not chosen:
                return
            path = Path(chosen)
        if not self.view.export_png(path):
            QMessageBox.warning(self, "导出失败", f"无法写入图片文件 {path}（文件夹不存在、无写入权限或磁盘已满）。")

    def save_xlsx(self, path: Path | None = None) -> None:
        from district.progress_data import write_progress_workbook
        from export.errors import ExportError

        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "导出 Excel", "规划目标进度.xlsx", "Excel 文件 (*.xlsx)")
            if not chosen:
                return
            path = Path(chosen)
        try:
            write_progress_workbook(self.report, path)
        except (ExportError, OSError) as exc:
            QMessageBox.warning(self, "导出失败", str(exc))
