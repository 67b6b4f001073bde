"""Validation behaviour of issue 12 (points 6–9): declared decimals on large values, empty 说明,
rows named by their printed 代码, gaps in rates in 个百分点, 投运日期 against the report period."""

from __future__ import annotations

from typing import Any

import pytest

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext
from forms.note_check import NotePolicyError, load_note_policy, note_problem
from forms.rules import report_end
from forms.validation import note_is_acceptable, validate_report


def _findings(cat: FormCatalogue, form: str, inputs: dict, rows: dict | None = None, period: str = "2025",
              notes: dict | None = None) -> list[Any]:
    return validate_report(cat.get(form), inputs, notes or {}, rows or {},
                           ComputeContext(cat.reference, int(period[:4])), period=period).findings


# -- point 6: declared decimals compared on the decimal text, at any magnitude

@pytest.mark.parametrize("value,refused", [
    (16920.125, True), (98.125, True), (123456789012.125, True), (99999999.999, True),
    (16920.12, False), (123456789012.12, False), (999999999999.5, False), (0.1 + 0.2, False), (17200, False)])
def test_decimals_are_checked_on_the_decimal_text(catalogue, value, refused) -> None:
    inputs = {("energy", "coke", "consumption"): value}
    found = [f for f in _findings(catalogue, "energy_consumption", inputs) if f.rule_id == "小数"]
    assert [(f.row, f.col) for f in found] == ([("coke", "consumption")] if refused else [])


# -- point 7: a 说明 that says nothing once stock phrases and punctuation are removed is refused

@pytest.mark.parametrize("note", ["经核实无误", "数据已核实。", "核实无误。", "经核实，数据准确无误！", "数据无误，属实",
                                  "已确认 数据正确 OK", "  经审核，情况属实。  ", "无误", ""])
def test_stock_phrases_are_no_explanation(note) -> None:
    assert not note_is_acceptable(note)
    assert "新投产" in note_problem(note) and "统计口径变化" in note_problem(note)


@pytest.mark.parametrize("note", ["新增陶瓷厂投产，用电量增加", "2025年新建便民服务中心11800平方米投入使用",
                                  "经核实，甲厂3月起停产", "统计口径变化：并入永昌街道", "数据中心新投产"])
def test_a_cause_is_an_explanation(note) -> None:
    assert note_is_acceptable(note) and note_problem(note) is None


def test_the_phrase_list_is_data_the_district_edits(tmp_path) -> None:
    path = tmp_path / "note_phrases.yaml"
    path.write_text("min_letters: 4\nmin_length: 5\nguide: 写明原因\nphrases: [经核实, 无误, 甲厂]\n", encoding="utf-8")
    policy = load_note_policy(path)
    assert note_problem("经核实无误甲厂。", policy) == "“经核实无误甲厂。”没有写出原因。写明原因。"
    assert note_problem("经核实甲厂停产了", policy) is not None  # "停产了": three letters remain
    assert note_problem("经核实乙厂停产了", policy) is None  # "乙厂停产了": five
    for broken in ("phrases: []\n", "- a\n", "min_letters: x\nmin_length: 5\nguide: g\nphrases: [a]\n", "\x00"):
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(NotePolicyError, match="note_phrases.yaml"):
            load_note_policy(path)


def test_an_empty_note_leaves_the_warning_unexplained(catalogue) -> None:
    inputs = {("energy", "coke", "consumption"): 10.0, ("energy", "coke", "coef_used"): 2.0}
    cell = ("energy", "coke", "coef_used")
    for note, explained in (("经核实无误", False), ("数据已核实。", False), ("检测报告实测热值7500千卡/千克", True)):
        found = [f for f in _findings(catalogue, "energy_consumption", inputs, notes={cell: note}) if f.rule_id == "W005"]
        assert [f.explained for f in found] == [explained]


# -- point 8: rows named by their printed 代码; a gap in a rate in 个百分点

def test_a_grid_row_is_named_by_its_printed_code(catalogue) -> None:
    inputs = {("indicators", "gdp_comparable", "current"): 500000.0, ("indicators", "gdp", "base"): 400000.0,
              ("indicators", "energy_total", "base"): 70000.0, ("energy", "electricity", "consumption"): 27000.0}
    goal = [f for f in _findings(catalogue, "energy_consumption", inputs) if f.rule_id == "G001"]
    assert len(goal) == 1 and goal[0].location == "《镇街能源消费统计表》代码46 单位地区生产总值能耗比2020年降低率 / 本期"
    assert "尚差" in goal[0].text and goal[0].text.rstrip("。").split("尚差 ")[1].split("，")[0].endswith("个百分点")
    diesel = [f for f in _findings(catalogue, "energy_consumption", {("energy", "diesel", "consumption"): -1.0})
              if f.rule_id == "范围"]
    assert [f.message for f in diesel] == ["《镇街能源消费统计表》代码21 柴油 / 消费量：数值须≥0，请核对后重新填写。"]


def test_a_list_row_keeps_its_position(catalogue) -> None:
    rows = {"projects": ["p1"]}
    inputs = {("projects", "p1", "name"): "污水厂提标", ("projects", "p1", "type"): "工业治理",
              ("projects", "p1", "cod"): -1.0}
    found = [f for f in _findings(catalogue, "reduction_projects", inputs, rows) if f.rule_id == "范围"]
    assert [f.row_name for f in found] == ["第1行 污水厂提标"]



# -- point 9: 投运日期 against the report period; 已投运 needs a 投运日期

def _project(**cells: Any) -> dict:
    base = dict(name="污水厂提标", type="工业治理", cod=10.0)
    return {("projects", "p1", k): v for k, v in dict(base, **cells).items()}


@pytest.mark.parametrize("cells,period,expected", [
    (dict(start_date="2025-03-01", progress="已投运"), "2024", ["P003"]),
    (dict(start_date="2025-03-01", progress="已投运"), "2025", []),
    (dict(start_date="2024-12-31", progress="已投运"), "2024", []),
    (dict(progress="已投运"), "2024", ["P004"]),
    (dict(progress="在建"), "2024", []),
    (dict(start_date="2024-06-30"), "2024", [])])
def test_start_date_is_held_against_the_report_period(catalogue, cells, period, expected) -> None:
    found = _findings(catalogue, "reduction_projects", _project(**cells), {"projects": ["p1"]}, period)
    mine = [f for f in found if f.rule_id in ("P003", "P004")]
    assert [(f.rule_id, f.severity, f.col) for f in mine] == [(r, "错误", "start_date") for r in expected]
    assert not [f for f in found if "无法执行" in f.text]


def test_report_end_of_each_period_kind() -> None:
    assert [report_end(p) for p in ("2024", "2025Q3", "2024M02", "2025M12", "", "20x5")] == [
        "2024-12-31", "2025-09-30", "2024-02-29", "2025-12-31", None, None]
