"""The findings panel on the real window (offscreen, demo database): grouped by form and severity,
a click on another form's finding opens that form at the cell, and the 说明 entered there is stored."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from tests.test_ui_main_window import window  # noqa: F401 - the window fixture

FORM = "energy_consumption"


def _groups(panel) -> list[tuple[str, list[str]]]:
    """What the tree shows: each form's line and its severity lines."""
    model = panel.model
    shown = []
    for r in range(model.rowCount()):
        root = model.index(r, 0)
        shown.append((model.data(root), [model.data(model.index(i, 0, root)) for i in range(model.rowCount(root))]))
    return shown


def _click(qtbot, panel, finding) -> None:
    index = panel.model.index_of(finding, 1)
    assert index.isValid()
    panel.view.scrollTo(index)
    rect = panel.view.visualRect(index)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_findings_grouped_by_form_then_severity(window, catalogue):  # noqa: F811
    panel = window.findings
    groups = _groups(panel)
    # every filled form of the demo's 2025, the open form first
    assert len(groups) == len(catalogue)
    assert groups[0][0].startswith("《镇街能源消费统计表》永节统1表（当前表）")
    names = [g[0].split("》")[0][1:] for g in groups]
    assert sorted(names) == sorted(f.name for f in catalogue)
    units = next(g for g in groups if g[0].startswith('《重点用能单位及"两高"项目清单》'))
    assert "错误0  警告1  提示1" in units[0]
    assert units[1] == ["警告（1条）", "提示（1条）"]  # severities in order, counted
    # a finding row: severity, location + message, 说明 state
    finding = next(f for f in panel.model.findings() if f.rule_id == "K005")
    assert [panel.model.data(panel.model.index_of(finding, c)) for c in (0, 2)] == ["警告", "已说明"]
    assert panel.model.data(panel.model.index_of(finding, 1)).startswith('《重点用能单位及"两高"项目清单》第2行 演示纸业有限公司 / 能效水平：')
    assert "本表 错误0" in panel.summary.text() and f"本期已填 {len(catalogue)} 张表合计" in panel.summary.text()


def test_click_on_another_forms_finding_opens_it_at_the_cell(qtbot, window, db_path):  # noqa: F811
    panel = window.findings
    finding = next(f for f in panel.model.findings() if f.rule_id == "K005")
    _click(qtbot, panel, finding)
    assert window.controller.form_key == "key_energy_units"
    assert window.forms_list.currentItem().text(0) == "永节统2表"  # the forms list follows
    assert window.header.title.text() == '重点用能单位及"两高"项目清单'
    grid = window.grid_view("units")
    assert grid.grid_model().cell_key(grid.currentIndex()) == finding.cell
    # the panel now lists that form first and keeps the finding selected, its 说明 in the editor
    assert _groups(panel)[0][0].startswith('《重点用能单位及"两高"项目清单》永节统2表（当前表）')
    assert panel.selected_finding().rule_id == "K005"
    assert panel.note_edit.isEnabled() and panel.note_edit.text().startswith("已列入2026年技改计划")

    # enter a new 说明 there: a bare one does not explain the 警告, a real one does and is stored
    panel.note_edit.setText("核实无误")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    finding = next(f for f in panel.model.findings() if f.rule_id == "K005")
    assert not finding.explained and panel.model.data(panel.model.index_of(finding, 2)) == "说明不充分"
    assert window.forms_list.status_of("key_energy_units") == "有警告"
    note = "2026年6月前完成烘缸更换和余热回收改造"
    panel.note_edit.setText(note)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    finding = next(f for f in panel.model.findings() if f.rule_id == "K005")
    assert finding.explained and panel.model.data(panel.model.index_of(finding, 2)) == "已说明"
    conn = sqlite3.connect(str(db_path))
    try:
        stored = conn.execute("SELECT c.note FROM cell_values c JOIN reports r ON r.id = c.report_id"
                              " WHERE r.form_key = 'key_energy_units' AND r.period = '2025' AND c.table_key = 'units'"
                              " AND c.row_key = ? AND c.col_key = 'efficiency'", (finding.row,)).fetchone()
    finally:
        conn.close()
    assert stored == (note,)


def test_cross_form_finding_appears_while_editing_the_other_form(window):  # noqa: F811
    model = window.grid_view("energy").grid_model()
    model.setData(model.index_for_cell(("energy", "raw_coal", "consumption")), "17500")
    coal = [f for f in window.findings.model.findings() if f.form_key == "coal_vocs" and f.severity == "错误"]
    assert [f.rule_id for f in coal] == ["X701", "X702", "X703"]
    # back to the agreed figure: the 错误 of form 7 disappear from the panel
    model.setData(model.index_for_cell(("energy", "raw_coal", "consumption")), "16920")
    assert not [f for f in window.findings.model.findings() if f.form_key == "coal_vocs" and f.severity == "错误"]
