"""Rules that need more than one report: history and last-year checks over a real SQLite file
holding several years, and the field checks (decimals, pattern) on stored values."""

from __future__ import annotations

import pytest

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext
from forms.loader import load_form_text
from forms.validation import Severity, validate_report
from storage.report_status import ReportStatus
from storage.workspace import Workspace
from tests.catalogue_files import full_catalogue_folder


@pytest.fixture(scope="module")
def cat(tmp_path_factory) -> FormCatalogue:
    return FormCatalogue.load(full_catalogue_folder(tmp_path_factory.mktemp("defs")))


@pytest.fixture
def ws(cat, tmp_path):
    workspace = Workspace.open(tmp_path / "years.sqlite", catalogue=cat, user="测试员")
    yield workspace
    workspace.close()


def _set(ws: Workspace, tid: int, form: str, period: str, cells: dict) -> int:
    rid = ws.open_report(tid, form, period).report.id
    ws.edit_many(rid, list(cells.items()))
    return rid


def _rule(findings, rule_id):
    return [(f.severity, f.row, f.col, f.message.split("：", 1)[1]) for f in findings if f.rule_id == rule_id]


def test_history_rule_over_five_stored_years(ws) -> None:
    town = next(t for t in ws.townships() if t.is_demo)  # the demo holds 2023–2025
    coke = ("energy", "coke", "consumption")
    rid = ws.find_report_data(town.id, "energy_consumption", "2025").report.id
    # with only 2023 and 2024 before 2025 the history rule stays quiet, however odd the figure
    ws.edit(rid, coke, "300")
    assert _rule(ws.validate(ws.store.load(rid)).findings, "H001") == []
    _set(ws, town.id, "energy_consumption", "2021", {coke: 125.0})
    _set(ws, town.id, "energy_consumption", "2022", {coke: 127.0})
    _set(ws, town.id, "energy_consumption", "2025Q3", {coke: 1.0})  # another kind of period: not compared
    findings = ws.validate(ws.store.load(rid)).findings
    # earlier years 125, 127, 131, 120.5 → median 126, MAD 3 → usual range 117–135
    assert _rule(findings, "H001") == [(
        "提示", "coke", "consumption", "本期 300 超出以往4期数值的通常范围 117～135（中位数 126 ± 3倍绝对中位差），请核实。")]
    assert _rule(findings, "C001") == [(
        "警告", "coke", "consumption",
        "比上年同期增长149.0%（上年 120.5，本期 300），变化超过±30%，请核实并在说明中写明变化原因。")]
    # the bundle (validate_period) sees the same history
    bundle = ws.validate_period(town.id, "2025")["energy_consumption"][1]
    assert _rule(bundle.findings, "H001") == _rule(findings, "H001")
    ws.edit(rid, coke, "128")
    quiet = ws.validate(ws.store.load(rid)).findings
    assert _rule(quiet, "H001") == [] and _rule(quiet, "C001") == []


def test_change_rule_and_its_note_through_the_database(ws) -> None:
    town = next(t for t in ws.townships() if t.is_demo)
    area = ("indicators", "area", "value")
    rid = ws.find_report_data(town.id, "public_institutions", "2025").report.id
    assert _rule(ws.validate(ws.store.load(rid)).findings, "C401") == []  # 86,500 → 88,200: +2 %
    ws.edit(rid, area, "100000")
    found = [f for f in ws.validate(ws.store.load(rid)).findings if f.rule_id == "C401"]
    assert [(f.severity, f.row, f.explained) for f in found] == [("警告", "area", False)]
    assert "比上年同期增长15.6%（上年 86,500，本期 100,000），变化超过±10%" in found[0].message
    assert ws.refresh_status(rid)[0] == "有警告"
    ws.set_note(rid, area, "无误")  # a bare confirmation does not explain it
    assert ws.refresh_status(rid)[0] == "有警告"
    ws.set_note(rid, area, "2025年新建便民服务中心11800平方米投入使用")
    status, result = ws.refresh_status(rid, audited=True)
    assert [f.explained for f in result.findings if f.rule_id == "C401"] == [True]
    assert status == "已审核"


def test_decimals_declared_in_the_form_are_enforced(cat) -> None:
    form = cat.get("energy_consumption")
    inputs = {("energy", "coke", "consumption"): 10.125, ("energy", "coke", "industrial"): 12.0}
    findings = validate_report(form, inputs, {}, {}, ComputeContext(cat.reference, 2025)).findings
    assert [(f.rule_id, f.severity, f.row, f.col, f.message) for f in findings if f.rule_id == "小数"] == [
        ("小数", "错误", "coke", "consumption", "《镇街能源消费统计表》代码09 焦炭 / 消费量：小数位数不得超过2位，请核对后重新填写。")]
    # a cell that failed its field check is not read by the rules (no E004 on a malformed figure)
    assert not [f for f in findings if f.rule_id == "E004"]
    inputs[("energy", "coke", "consumption")] = 10.12
    findings = validate_report(form, inputs, {}, {}, ComputeContext(cat.reference, 2025)).findings
    assert not [f for f in findings if f.rule_id == "小数"]
    assert [f.rule_id for f in findings if f.row == "coke" and f.severity == "错误"] == ["E004", "E006"]  # 4=5+7 too: 工业 12 without 非工业


PATTERN_FORM = """
key: patterned
code: 测试表
name: 格式测试表
authority: 测试
valid_until: 2027年12月
period_type: 年报
version: 1
tables:
  - key: items
    kind: list
    columns:
      - {key: name, label: 名称, type: text}
      - {key: phone, label: 联系电话, type: text, pattern: '0\\d{2,3}-\\d{7,8}', pattern_message: 联系电话应写作 023-12345678}
"""


def test_pattern_of_a_text_column(cat) -> None:
    form = load_form_text(PATTERN_FORM, "patterned.yaml", cat.reference)
    rows = {"items": ["a", "b"]}
    inputs = {("items", "a", "name"): "甲", ("items", "a", "phone"): "023-49800000",
              ("items", "b", "name"): "乙", ("items", "b", "phone"): "49800000"}
    findings = validate_report(form, inputs, {}, rows, ComputeContext(cat.reference, 2025)).findings
    assert [(f.rule_id, f.severity, f.row, f.col, f.message) for f in findings] == [
        ("格式", "错误", "b", "phone", "《格式测试表》第2行 乙 / 联系电话：联系电话应写作 023-12345678，请核对后重新填写。")]


def test_broken_pattern_is_a_load_error(cat) -> None:
    from forms.loader import FormDefinitionError

    with pytest.raises(FormDefinitionError) as info:
        load_form_text(PATTERN_FORM.replace("0\\d{2,3}", "(0\\d{2,3}"), "patterned.yaml", cat.reference)
    assert info.value.file == "patterned.yaml" and info.value.key == "tables[0](items).columns[1].pattern"


def test_township_change_to_an_enterprise_figure_needs_a_note(ws) -> None:
    town = next(t for t in ws.townships() if t.is_demo)
    data = ws.find_report_data(town.id, "key_energy_units", "2025")
    rid, first = data.report.id, data.list_rows["units"][0]
    cell = ("units", first, "energy_equal")
    assert not [f for f in ws.validate(ws.store.load(rid)).findings if f.rule_id == "K007"]
    ws.edit(rid, cell, "15000")
    ws.edit(rid, ("units", first, "source"), "镇街核实")  # relabelling the source does not hide it
    found = [f for f in ws.validate(ws.store.load(rid)).findings if f.rule_id == "K007"]
    assert [(f.severity, f.row, f.col, f.explained) for f in found] == [("警告", first, "energy_equal", False)]
    assert found[0].message == ('《重点用能单位及"两高"项目清单》第1行 演示陶瓷有限公司 / 综合能源消费量(当量值)：'
                                "原报数为 15,230.5，现为 15,000，镇街修改企业直报数据须在说明中写明依据（如企业更正后的报表），请核实。")
    # the location is derived from structured fields, which callers read without parsing the text
    f = found[0]
    assert (f.rule_id, f.form_key, f.table, f.row, f.col) == ("K007", "key_energy_units", "units", first, "energy_equal")
    assert (f.form_name, f.row_number, f.row_label, f.col_label) == (
        '重点用能单位及"两高"项目清单', 1, "演示陶瓷有限公司", "综合能源消费量(当量值)")
    assert f.severity is Severity.WARNING and f.severity == "警告" and f"{f.severity}" == "警告"
    assert f.message == f"{f.location}：{f.text}" and f.text.startswith("原报数为 15,230.5")
    assert ws.revalidate(rid).statuses[rid] is ReportStatus.WARNINGS
    assert ws.report(rid).status == ReportStatus.WARNINGS  # statuses are stored as the same Chinese words
    stored = ws.store.conn.execute("SELECT status FROM reports WHERE id = ?", (rid,)).fetchone()[0]
    assert type(stored) is str and stored == "有警告"
    ws.set_note(rid, cell, "企业2026年1月报送更正报表，扣除外售蒸汽")
    assert [f.explained for f in ws.validate(ws.store.load(rid)).findings if f.rule_id == "K007"] == [True]
    # a row the township added itself (数据来源 镇街核实 from the start) may be corrected freely
    row = ws.store.add_list_row(rid, "units", ws.user)
    ws.edit_many(rid, [(("units", row, "name"), "新增单位"), (("units", row, "source"), "镇街核实"),
                       (("units", row, "energy_equal"), 10.0)])
    ws.edit(rid, ("units", row, "energy_equal"), "12")
    assert [f.row for f in ws.validate(ws.store.load(rid)).findings if f.rule_id == "K007"] == [first]
    # putting the reported figure back clears the finding
    ws.edit(rid, cell, "15230.5")
    assert not [f for f in ws.validate(ws.store.load(rid)).findings if f.rule_id == "K007"]


def test_a_text_figure_before_or_after_the_change_is_quoted_not_a_crash(ws) -> None:
    """A figure first stored as text (typed into a number column: kept as typed and flagged) and
    then corrected, or a reported figure overwritten with text: K007 quotes the text as it is."""
    from forms.rule_messages import fmt

    assert [fmt(v) for v in ("abc", "", True, 12, 1800000.0, None)] == ["abc", "", "True", "12", "1,800,000", "None"]
    town = next(t for t in ws.townships() if t.is_demo)
    data = ws.find_report_data(town.id, "key_energy_units", "2025")
    rid, first = data.report.id, data.list_rows["units"][0]
    ws.edit(rid, ("units", first, "energy_equal"), "一万五")
    row = ws.store.add_list_row(rid, "units", ws.user)
    ws.edit_many(rid, [(("units", row, "name"), "新增单位"), (("units", row, "source"), "企业直报"),
                       (("units", row, "energy_equal"), "12吨")])
    ws.edit(rid, ("units", row, "energy_equal"), "12")
    texts = {f.row: f.text for f in ws.validate(ws.store.load(rid)).findings if f.rule_id == "K007"}
    assert texts[first].startswith("原报数为 15,230.5，现为 （空白或不是数值），")  # the text has its own finding
    assert texts[row].startswith("原报数为 12吨，现为 12，")
