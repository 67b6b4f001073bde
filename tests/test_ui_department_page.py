"""The district window's 区级部门指标 tab (d3, issue 17): the district fills 永节统8表 with the
township grid widgets; what it types is stored in the district database and judged at once."""

from __future__ import annotations

from pathlib import Path

from storage.workspace import Workspace
from tests.stored import stored_value
from ui.district_window import DistrictWindow


def test_the_district_fills_its_own_form_in_the_window(qtbot, tmp_path: Path, catalogue) -> None:
    path = tmp_path / "区库.sqlite"
    Workspace.create_district(path, catalogue=catalogue, user="区统计员").close()
    window = DistrictWindow(Workspace.open(path, catalogue=catalogue, demo=False, user="区统计员"))
    qtbot.addWidget(window)
    window.show()
    page = window.department_page
    window.tabs.setCurrentWidget(page)
    assert page.period == window.period and page.pages
    model = page.pages[0].model
    assert model.form.key == "district_departments"
    row = next(i for i, r in enumerate(model.rows) if r.key == "transit_share")
    value_col = model.descriptive + model.table.column_keys.index("value")
    assert model.setData(model.index(row, value_col), "34.6")
    assert stored_value(path, model.report_id, "items", "transit_share", "value") == 34.6
    texts = [f.rule_id for f in model.state.result.findings]
    assert "D801" in texts  # the source department is asked for
    dept_col = model.descriptive + model.table.column_keys.index("dept")
    assert model.setData(model.index(row, dept_col), "区交通局")
    assert "D801" not in [f.rule_id for f in page.findings_state().result.findings]
    assert len(window.workspace.townships()) == len(window.matrix.townships)  # the unit is no township
    window.close()
