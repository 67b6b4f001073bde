"""Form definitions: loading, strict schema errors, safe formulas, computed cells, validation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext, compute_form
from forms.formula import Formula, FormulaError
from forms.loader import FormDefinitionError, load_form_text
from forms.periods import PeriodError, parse_period, period_label, recent_periods
from forms.reference import ReferenceData
from forms.validation import note_is_acceptable, validate_report
from forms.values import check_uscc, format_value, parse_input

MINIMAL = """
key: tiny
code: 测试1表
name: 测试表
authority: 测试机关
valid_until: 2027年12月
period_type: 年报
version: 1
tables:
  - key: t
    kind: grid
    columns:
      - {key: qty, label: 数量, min: 0}
      - {key: price, label: 单价}
      - {key: amount, label: 金额, formula: qty * price}
    rows:
      - {key: a, label: 甲项}
      - {key: b, label: 乙项, required: [qty]}
      - {key: total, label: 合计, kind: total, formulas: {amount: "sum_rows('amount')"}}
"""


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return ReferenceData.load()


def load(text: str, reference: ReferenceData):
    return load_form_text(textwrap.dedent(text), "tiny.yaml", reference)


def test_catalogue_loads_first_form(catalogue: FormCatalogue) -> None:
    form = catalogue.get("energy_consumption")
    assert form.name == "镇街能源消费统计表"
    assert form.period_type == "年报"
    table = form.table("energy")
    labels = [r.label for r in table.rows]
    for fuel in ("原煤", "洗精煤", "焦炭", "天然气", "液化石油气", "汽油", "柴油", "燃料油", "电力", "热力", "其他能源", "能源合计"):
        assert fuel in labels
    assert table.row("electricity").unit == "万千瓦时"
    assert [c.number for c in table.columns] == list(range(1, 21))
    assert table.is_input(table.row("raw_coal"), table.column("consumption"))
    assert not table.is_input(table.row("raw_coal"), table.column("tce_equal"))
    assert table.is_blocked(table.row("total"), table.column("consumption"))


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        (("period_type: 年报", "period_type: 周报"), "period_type", "不在允许范围"),
        (("version: 1", "version: one"), "version", "应为 整数"),
        (("{key: price, label: 单价}", "{key: price, label: 单价, type: numbr}"), "tables[0](t).columns[1].type", "numbr"),
        (("{key: price, label: 单价}", "{key: price, label: 单价, colour: red}"), "tables[0](t).columns[1].colour", "未知的键"),
        (("formula: qty * price", "formula: qty * cost"), "tables[0](t).columns[2](amount).formula", "cost"),
        (("formula: qty * price", "formula: __import__('os')"), "tables[0](t).columns[2](amount).formula", "未知函数"),
        (("formula: qty * price", "formula: qty.real"), "tables[0](t).columns[2](amount).formula", "Attribute"),
        (("{key: a, label: 甲项}", "{key: a, label: 甲项, required: [nope]}"), "tables[0](t).rows[0](a).required", "nope"),
        (("name: 测试表\n", ""), "name", "缺少必填项"),
        (("{key: b, label: 乙项, required: [qty]}", "{key: a, label: 乙项}"), "tables[0](t).rows[1].key", "重复"),
    ],
)
def test_schema_errors_name_file_key_and_reason(reference, change, key, reason) -> None:
    broken = MINIMAL.replace(*change)
    assert broken != MINIMAL
    with pytest.raises(FormDefinitionError) as info:
        load(broken, reference)
    err = info.value
    assert err.file == "tiny.yaml"
    assert err.key == key
    assert reason in str(err)
    assert "表式定义文件 tiny.yaml" in str(err)


def test_yaml_syntax_error_names_line(reference) -> None:
    with pytest.raises(FormDefinitionError) as info:
        load("key: x\n  bad: [unclosed\n", reference)
    assert "YAML 格式错误" in str(info.value) and "第" in str(info.value)


def test_formula_cycle_is_rejected(reference) -> None:
    text = MINIMAL.replace("{key: price, label: 单价}", "{key: price, label: 单价, formula: amount + 1}")
    with pytest.raises(FormDefinitionError, match="循环引用"):
        load(text, reference)


def test_energy_unit_mismatch_is_rejected(reference) -> None:
    text = MINIMAL.replace("{key: a, label: 甲项}", "{key: a, label: 甲项, unit: 万千瓦时, energy: raw_coal}")
    with pytest.raises(FormDefinitionError, match="不能换算"):
        load(text, reference)


def test_formula_is_safe_and_blank_aware() -> None:
    with pytest.raises(FormulaError):
        Formula("(lambda: 1)()")
    with pytest.raises(FormulaError):
        Formula("[x for x in y]")
    f = Formula("qty * price")
    values = {"qty": None, "price": None}
    result = f.evaluate(values.get, lambda r, c: None, lambda c: None, lambda n: True)
    assert result is None  # all inputs blank → blank, not 0
    values = {"qty": 3, "price": None}
    assert f.evaluate(values.get, lambda r, c: None, lambda c: None, lambda n: True) == 0


def test_computed_cells_and_total(reference) -> None:
    form = load(MINIMAL, reference)
    inputs = {("t", "a", "qty"): 2, ("t", "a", "price"): 3.5, ("t", "b", "qty"): 4, ("t", "b", "price"): 1.25}
    out = compute_form(form, inputs, {}, ComputeContext(reference, 2025))
    assert out.get("t", "a", "amount") == pytest.approx(7.0)
    assert out.get("t", "b", "amount") == pytest.approx(5.0)
    assert out.get("t", "total", "amount") == pytest.approx(12.0)
    assert out.get("t", "total", "qty") is None  # total rows hold only what they compute


def test_energy_form_coefficients_and_units(catalogue) -> None:
    form = catalogue.get("energy_consumption")
    inputs = {("energy", "electricity", "consumption"): 100.0, ("energy", "natural_gas", "consumption"): 10.0,
              ("energy", "raw_coal", "consumption"): 1000}
    out = compute_form(form, inputs, {}, ComputeContext(catalogue.reference, 2022))
    assert out.get("energy", "electricity", "coef_equal") == pytest.approx(1.229)  # 0.1229 kgce/kWh × 万
    assert out.get("energy", "electricity", "tce_equal") == pytest.approx(122.9)
    assert out.get("energy", "electricity", "coef_equiv") == pytest.approx(3.007)  # 2022: 300.7 gce/kWh
    assert out.get("energy", "natural_gas", "tce_equal") == pytest.approx(121.43)  # 1.2143 kgce/m³ × 万m³
    assert out.get("energy", "raw_coal", "tce_equal") == pytest.approx(714.3)
    assert out.get("energy", "total", "tce_equal") == pytest.approx(122.9 + 121.43 + 714.3)
    assert out.get("energy", "total", "tce_equiv") == pytest.approx(300.7 + 121.43 + 714.3)
    assert "GB/T 2589" in out.sources[("energy", "raw_coal", "coef_equal")]


def test_a_carried_coal_rate_says_so(catalogue) -> None:
    form = catalogue.get("energy_consumption")
    inputs = {("energy", "electricity", "consumption"): 100.0}
    result = validate_report(form, inputs, {}, {}, ComputeContext(catalogue.reference, 2024))
    hints = [f for f in result.findings if f.severity == "提示" and f.col == "coef_equiv"]
    assert hints and "2024 年的电力等价值应按全国火电发电标准煤耗，电力等价值按2022 年全国火电供电标准煤耗" in hints[0].message


def test_validation_type_required_range_and_rules(catalogue) -> None:
    form = catalogue.get("energy_consumption")
    ctx = ComputeContext(catalogue.reference, 2025)
    inputs = {("energy", "diesel", "consumption"): -3, ("energy", "natural_gas", "consumption"): "abc",
              ("energy", "raw_coal", "consumption"): 300000}
    result = validate_report(form, inputs, {}, {}, ctx)
    by_rule = {(f.rule_id, f.row): f for f in result.findings}
    assert by_rule[("范围", "diesel")].severity == "错误"
    assert by_rule[("范围", "diesel")].message == "《镇街能源消费统计表》代码21 柴油 / 消费量：数值须≥0，请核对后重新填写。"
    assert by_rule[("类型", "natural_gas")].severity == "错误"
    assert by_rule[("必填", "electricity")].severity == "错误"  # 电力 is required
    assert by_rule[("W002", "raw_coal")].severity == "警告"
    assert not by_rule[("W002", "raw_coal")].explained
    notes = {("energy", "raw_coal", "consumption"): "本镇新增陶瓷厂，用煤量属实，见附件"}
    result = validate_report(form, inputs, notes, {}, ctx)
    assert next(f for f in result.findings if f.rule_id == "W002").explained


def test_zero_consumption_warns_and_consistency_rules_hold(catalogue) -> None:
    form = catalogue.get("energy_consumption")
    inputs = {("energy", "electricity", "consumption"): 0}
    result = validate_report(form, inputs, {}, {}, ComputeContext(catalogue.reference, 2025))
    assert [f.rule_id for f in result.findings if f.severity == "警告"] == ["W001"]
    assert not any(f.rule_id in ("E001", "E002", "E003") for f in result.findings)


def test_note_acceptance() -> None:
    assert not note_is_acceptable("无误")
    assert not note_is_acceptable("核实无误。")
    assert not note_is_acceptable("ok")
    assert note_is_acceptable("新增陶瓷厂投产，用电量增加")


@pytest.mark.parametrize(
    ("raw", "value", "error"),
    [("1,234.5", 1234.5, None), ("１２３", 123, None), ("  42 ", 42, None), ("—", None, None), ("无", None, None),
     ("1.5万", "1.5万", "万"), ("abc", "abc", "不是数值"), (7, 7, None)],
)
def test_parse_input_tolerates_real_typing(catalogue, raw, value, error) -> None:
    col = catalogue.get("energy_consumption").table("energy").column("consumption")
    parsed = parse_input(col, raw)
    assert parsed.value == value
    assert (parsed.error is None) if error is None else (error in parsed.error)


def test_format_value_uses_grouping_and_decimals(catalogue) -> None:
    col = catalogue.get("energy_consumption").table("energy").column("consumption")
    assert format_value(col, 1234567.891) == "1,234,567.89"
    assert format_value(col, None) == ""


def test_uscc_check_digit() -> None:
    assert check_uscc("91500118MA5U4XXX0X") is not None
    assert check_uscc("91350100M000100Y43") is None  # a published valid example
    assert "18位" in check_uscc("123")


def test_periods() -> None:
    assert parse_period("2025") == "2025"
    assert parse_period("2025q3") == "2025Q3"
    assert period_label("2025Q3") == "2025年第3季度"
    assert period_label("2025M09") == "2025年9月"
    with pytest.raises(PeriodError, match="格式不正确"):
        parse_period("25年")
    import datetime

    assert recent_periods("年报", 3, datetime.date(2026, 11, 25)) == ["2025", "2024", "2023"]


def test_definitions_folder_must_not_be_empty(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError, match="没有表式定义文件"):
        FormCatalogue.load(tmp_path)


def test_blank_row_has_blank_tce_but_shows_its_coefficient(catalogue) -> None:
    form = catalogue.get("energy_consumption")
    inputs = {("energy", "electricity", "consumption"): 10.0}
    out = compute_form(form, inputs, {}, ComputeContext(catalogue.reference, 2025))
    assert out.get("energy", "fuel_oil", "coef_equal") == pytest.approx(1.4286)
    assert out.get("energy", "fuel_oil", "tce_equal") is None  # not 0: nothing was reported
    assert out.get("energy", "electricity", "tce_equal") == pytest.approx(12.29)
    inputs[("energy", "fuel_oil", "consumption")] = 0
    out = compute_form(form, inputs, {}, ComputeContext(catalogue.reference, 2025))
    assert out.get("energy", "fuel_oil", "tce_equal") == 0


def test_count_rows_are_integers_in_a_decimal_column(catalogue) -> None:
    table = catalogue.get("public_institutions").table("indicators")
    people, col = table.row("people"), table.column("value")
    assert col.decimals == 2 and table.cell_column(table.row("area"), col).decimals == 2
    counted = table.cell_column(people, col)
    assert (counted.type, counted.decimals) == ("integer", 0)
    assert format_value(counted, 1234) == "1,234"
    form = catalogue.get("public_institutions")
    result = validate_report(form, {("indicators", "people", "value"): 12.5}, {}, {},
                             ComputeContext(catalogue.reference, 2025))
    assert any(f.row == "people" and f.rule_id == "类型" and "不是整数" in f.message for f in result.findings)
