"""The district department form (永节统8表, ``scope: district``, issue 17): filled once in the
district database, absent from township databases, carried as entered into the 全区汇总 and the
plan progress; the township forms' district figures moved there by their version steps (d3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from district.progress_data import progress_report
from district.summary import district_summary
from storage.database import StorageError
from storage.demo import DEPARTMENTS, fill_department_demo
from storage.workspace import Workspace
from tests.upgrade_helpers import audit_rows

FORM = "district_departments"


@pytest.fixture
def district(tmp_path: Path, catalogue):
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计员")
    yield ws
    ws.close()


def test_a_township_database_neither_shows_nor_fills_it(workspace, demo_township) -> None:
    assert FORM not in {f.key for f in workspace.catalogue}
    assert FORM not in workspace.statuses(demo_township.id, "2025")
    assert [f.key for f in workspace.district_forms()] == [FORM]
    with pytest.raises(StorageError, match="只在区级汇总库中填报"):
        workspace.district_report(FORM, "2025")
    assert workspace.district_unit() is None
    for key, form in (("agriculture", "fert_rate"), ("green_building", "transit_share")):
        assert form not in {r.key for t in workspace.form(key).tables for r in t.rows}


def test_the_district_fills_it_once_and_its_unit_is_no_township(district) -> None:
    towns = len(district.townships())
    rid = fill_department_demo(district, "2025")
    state = district.report_state(rid)
    assert state.data.values[("items", "transit_share", "value")] == 34.6
    assert state.result.computed.get("items", "vocs_emission", "drop") == pytest.approx((1 - 3660 / 4100) * 100)
    assert not [f for f in state.result.findings if str(f.severity) == "错误"]
    assert len(district.townships()) == towns  # the district's own unit is not a township
    assert district.find_township("永川区") is None
    assert district.district_report(FORM, "2025").report_id == rid  # the same report, not a second one


def test_a_figure_without_its_department_is_an_error(district) -> None:
    rid = district.district_report(FORM, "2025").report_id
    changes = district.change_cells(rid, [(("items", "sewage_rate", "value"), "97.3")])
    found = [f for f in changes.state.result.findings if f.rule_id == "D801"]
    assert found and found[0].row == "sewage_rate" and str(found[0].severity) == "错误"
    changes = district.change_cells(rid, [(("items", "sewage_rate", "dept"), "区住房城乡建委")])
    assert not [f for f in changes.state.result.findings if f.rule_id == "D801"]


def test_summary_and_progress_carry_it_as_entered(district) -> None:
    summary = district_summary(district, "2025")
    assert any("区级部门指标表" in line and "尚未填报" in line for line in summary.coverage_lines())
    fill_department_demo(district, "2024")
    fill_department_demo(district, "2025")
    summary = district_summary(district, "2025")
    dept = summary.forms[FORM]
    assert dept.aggregate.values[("items", "fert_rate", "value")] == DEPARTMENTS["2025"]["fert_rate"]  # a rate, not summed away
    assert dept.aggregate.values[("items", "fert_rate", "dept")] == "区农业农村委"
    assert not any("区级部门指标表" in line for line in summary.coverage_lines())
    assert any(f.rule_id == "G801" for f in summary.findings(FORM))  # its goal rules judge the district figure
    assert district_summary(district, "2025", group="镇").forms.get(FORM) is None  # no district figure for a group
    report = progress_report(district)
    by_id = {i.target.id: i.progress for i in report.items}
    assert by_id["transit_share"].values == {2024: 32.9, 2025: 34.6}
    assert by_id["vocs_emission"].values[2025] == pytest.approx((1 - 3660 / 4100) * 100)


def _v1_reports(ws: Workspace, town_values: dict[int, dict[str, float]]) -> dict[int, int]:
    """Reports stored by version 1 of green_building (the district figures still on it), written as
    that program stored them; returns township id → report id."""
    ids = {}
    for tid, figures in town_values.items():
        report = ws.store.ensure_report(tid, "green_building", 1, "2024")
        ws.store.conn.execute("UPDATE reports SET form_version = 1 WHERE id = ?", (report.id,))  # a demo one too
        ws.store.set_values(report.id, [(("totals", k, "value"), v) for k, v in figures.items()], "旧版程序")
        ids[tid] = report.id
    return ids


def test_upgrade_in_a_district_database_moves_agreeing_figures_to_the_district_form(district) -> None:
    a, b = (t.id for t in district.townships()[:2])
    ids = _v1_reports(district, {a: {"transit_share": 34.6, "sewage_rate": 97.0, "nev": 120},
                                 b: {"transit_share": 34.6, "sewage_rate": 95.0, "nev": 80}})
    path = district.path
    district.close()
    ws = Workspace.open(path, user="区统计员")
    try:
        dept = ws.find_district_report(FORM, "2024")
        assert dept.values[("items", "transit_share", "value")] == 34.6  # the townships agree: the district figure
        assert ("items", "sewage_rate", "value") not in dept.values  # they differ: the department enters it
        for tid, sewage in ((a, 97.0), (b, 95.0)):
            data = ws.load(ids[tid])
            assert data.report.form_version == ws.form("green_building").version
            assert ("totals", "transit_share", "value") not in data.values and data.values[("totals", "nev", "value")]
            kept = {a_["row"]: a_ for a_ in audit_rows(ws, ids[tid]) if a_["field"] == "value"}
            assert kept["sewage_rate"]["old"] == sewage and "不一致" in kept["sewage_rate"]["reason"]
            assert kept["transit_share"]["old"] == 34.6 and "移至" in kept["transit_share"]["reason"]
        moved_in = audit_rows(ws, dept.report.id)
        assert [m["new"] for m in moved_in if m["row"] == "transit_share"] == [34.6]
    finally:
        ws.close()


def test_upgrade_in_a_township_database_keeps_district_figures_in_the_audit(workspace, demo_township) -> None:
    ids = _v1_reports(workspace, {demo_township.id: {"transit_share": 31.5, "sewage_rate": 96.2}})
    path = workspace.path
    workspace.store.close()
    ws = Workspace.open(path)
    try:
        data = ws.load(ids[demo_township.id])
        assert ("totals", "transit_share", "value") not in data.values
        kept = {a["row"]: a for a in audit_rows(ws, ids[demo_township.id]) if a["field"] == "value"}
        assert kept["transit_share"]["old"] == 31.5 and "区级指标" in kept["transit_share"]["reason"]
        assert kept["sewage_rate"]["old"] == 96.2
        assert ws.district_unit() is None
    finally:
        ws.close()
