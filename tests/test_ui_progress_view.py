"""The 规划目标进度 view on a real district database: the charts hold the report's figures,
colours follow the state, PNG and xlsx exports, the main window's action, and screenshots at
1366×768 (looked at during development: Chinese labels render, nothing clipped)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage

from district.progress import ProgressState
from district.progress_data import progress_report
from tests.summary_helpers import fill_townships


@pytest.fixture
def report(workspace):
    fill_townships(workspace, 23, ("2023", "2024", "2025"), skip=(5,))
    workspace.store.set_setting("database_kind", "district")
    return progress_report(workspace)


@pytest.fixture
def dialog(qtbot, report):
    from ui.progress_view import ProgressDialog

    dlg = ProgressDialog(report)
    qtbot.addWidget(dlg)
    dlg.resize(1366, 768)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _row(report, target_id: str) -> int:
    return next(i for i, item in enumerate(report.items) if item.target.id == target_id)


def test_line_chart_holds_values_path_and_target(dialog, report) -> None:
    from ui.progress_view import STATE_COLOURS

    view = dialog.view
    for row, item in enumerate(report.items):
        assert view.targets.item(row).foreground().color() == STATE_COLOURS[item.progress.state]
    row = _row(report, "energy_intensity")
    view.targets.setCurrentRow(row)
    item = report.items[row]
    assert item.target.name in view.title.text() and item.progress.text() in view.text.text()
    series = {s.name(): s for s in view.line_chart.chart().series()}
    values = [(p.x(), p.y()) for p in series["实际值"].points()]
    assert values == [(float(y), pytest.approx(v)) for y, v in sorted(item.progress.values.items())]
    path = series["规划路径"].points()
    assert (path[0].x(), path[0].y()) == item.progress.start
    assert (path[-1].x(), path[-1].y()) == (item.target.target_year, item.target.target)
    assert series["实际值"].pen().color() == STATE_COLOURS[item.progress.state]
    assert "不按镇街分解" in view.bar_chart.chart().title()  # a ratio has no township contributions


def test_bar_chart_shows_each_townships_contribution(dialog, report) -> None:
    from ui.progress_view import TOP_TOWNSHIPS

    view = dialog.view
    row = _row(report, "cod_projects")
    view.targets.setCurrentRow(row)
    item = report.items[row]
    for index in range(view.year.count()):
        view.year.setCurrentIndex(index)
        year = view.year.currentData()
        (series,) = view.bar_chart.chart().series()
        (bars,) = series.barSets()
        shown = [bars.at(i) for i in range(bars.count())]
        assert len(shown) == TOP_TOWNSHIPS + 1  # 22 townships: the largest by name, then 其他
        assert math.fsum(shown) == pytest.approx(item.progress.values[year])
        assert f"{year}年" in view.bar_chart.chart().title()


def test_png_and_xlsx_exports(dialog, report, tmp_path: Path) -> None:
    dialog.view.targets.setCurrentRow(_row(report, "rooftop_pv"))
    png = tmp_path / "进度.png"
    dialog.save_png(png)
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 600 and image.height() > 300
    out = tmp_path / "进度.xlsx"
    dialog.save_xlsx(out)
    rows = list(load_workbook(out)["规划目标进度"].iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in rows] == [i.target.name for i in report.items]


def test_png_export_failure_is_said(dialog, tmp_path: Path, messages) -> None:
    dialog.save_png(tmp_path / "没有这个文件夹" / "进度.png")
    assert messages and messages[0][0] == "导出失败" and "无法写入" in messages[0][1]


def test_screenshots_at_1366x768(dialog, report, tmp_path: Path) -> None:
    """Screenshots of a district target and a ratio target (looked at while building the view)."""
    for target in ("cod_projects", "energy_intensity"):
        dialog.view.targets.setCurrentRow(_row(report, target))
        shot = dialog.grab()
        assert shot.width() >= 1366 and shot.save(str(tmp_path / f"{target}.png"))
        assert dialog.view.title.width() > 0 and dialog.view.bar_chart.height() >= 200


def test_main_window_action_opens_the_view(demo_window, qtbot) -> None:
    action = demo_window.findChild(type(demo_window.help_action), "progressAction")
    assert action is not None
    action.trigger()
    dialog = demo_window.progress_dialog
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and "演示镇" in dialog.report.scope
    assert dialog.report.items and all(i.target.township_share for i in dialog.report.items)
    assert any(i.progress.state is not ProgressState.NO_DATA for i in dialog.report.items)


def test_district_window_opens_the_summary_and_the_progress(qtbot, report, workspace) -> None:
    """A district database opens the district window: its toolbar holds 汇总… and 规划目标进度… too."""
    from ui.district_window import DistrictWindow
    from ui.summary_dialog import SummaryDialog

    window = DistrictWindow(workspace)
    qtbot.addWidget(window)
    window.findChild(QAction, "progressAction").trigger()
    dialog = window.progress_dialog
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.report.district and dialog.report.scope == "全区"
    assert [i.target.id for i in dialog.report.items] == [i.target.id for i in report.items]
    window.findChild(QAction, "summaryAction").trigger()
    qtbot.addWidget(window.summary_dialog)
    assert isinstance(window.summary_dialog, SummaryDialog) and window.summary_dialog.isVisible()


def test_township_view_shows_its_share_of_the_district_target(qtbot, workspace, tmp_path: Path) -> None:
    """A township database: its own figures per year (not drawn against the district's path and
    target), a bar of its figure beside the district target, a neutral colour, no verdict."""
    from ui.progress_view import STATE_COLOURS, ProgressDialog

    fill_townships(workspace, 1, ("2023", "2024", "2025"))
    report = progress_report(workspace)
    dialog = ProgressDialog(report)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    view = dialog.view
    assert "不判断本镇街进度" in view.findChild(type(view.title), "progressScope").text()
    for target in ("cod_projects", "rooftop_pv"):
        row = _row(report, target)
        view.targets.setCurrentRow(row)
        item = report.items[row]
        assert view.targets.item(row).foreground().color() == STATE_COLOURS[ProgressState.SHARE]
        assert "全区目标" in view.title.text() and "占全区目标" in view.text.text() and "落后" not in view.text.text()
        series = {s.name(): s for s in view.line_chart.chart().series()}
        assert "规划路径" not in series and not any(name.startswith("目标") for name in series)
        values = [(p.x(), p.y()) for p in series["本镇街数值"].points()]
        assert values == [(float(y), pytest.approx(v)) for y, v in sorted(item.progress.values.items())]
        (axis,) = view.line_chart.chart().axes(Qt.Orientation.Vertical)
        assert axis.min() == 0 and axis.max() < item.target.target  # the township's scale, from zero
        view.year.setCurrentIndex(view.year.findData(2024))
        (bars,) = view.bar_chart.chart().series()[0].barSets()
        assert sorted(bars.at(i) for i in range(bars.count())) == pytest.approx(
            sorted([item.progress.values[2024], item.target.target]))
        assert "2024年本镇街占全区目标的比例" in view.bar_chart.chart().title()
        assert dialog.grab().save(str(tmp_path / f"township_{target}.png"))  # looked at while building it


def test_summary_dialog_writes_the_chosen_summary(demo_window, qtbot, workspace, tmp_path: Path) -> None:
    """汇总… from the main window: 选择汇总 of two townships, written in the background; the
    dialog then names who is in it."""
    from PySide6.QtCore import Qt

    filled = fill_townships(workspace, 4, ("2025",))
    demo_window.findChild(type(demo_window.help_action), "summaryAction").trigger()
    dialog = demo_window.summary_dialog
    qtbot.addWidget(dialog)
    assert dialog.period.currentData() == "2025" and not dialog.townships.isEnabled()
    dialog.kinds.button(3).setChecked(True)
    assert dialog.townships.isEnabled()
    names = {filled[0].name, filled[2].name}
    for i in range(dialog.townships.count()):
        item = dialog.townships.item(i)
        if item.text().split("（")[0] in names:
            item.setCheckState(Qt.CheckState.Checked)
    out = tmp_path / "选择汇总.xlsx"
    dialog.run_summary(out)
    qtbot.waitUntil(lambda: dialog.operation is not None and dialog.operation.done, timeout=30000)
    assert dialog.operation.error is None
    text = dialog.result.text()
    assert "选择汇总（2个镇街）" in text and "已纳入2个" in text and str(out) in text
    wb = load_workbook(out)
    units = wb["对比表_永节统2表"]
    assert {units.cell(r, 1).value for r in range(4, 6)} == names
