"""Energy methodology of issue 12: the 电力/热力 等价值 basis as yearly data the district sets (point 2),
wide-range heat value rows (point 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext
from forms.reference import ReferenceData, ReferenceError
from forms.validation import validate_report
from tests.method_helpers import reference_folder, validate_energy
from tests.upgrade_helpers import edited_catalogue

RESOURCES = Path(__file__).resolve().parent.parent / "forms" / "definitions"

ELECTRICITY = ("energy", "electricity", "consumption")
HEAT = ("energy", "heat", "consumption")


def test_the_district_sets_the_years_generation_coal_rate(catalogue, tmp_path) -> None:
    folder = reference_folder(tmp_path, power_coal_rate=(
        "2025,", "2025,全国火电发电标准煤耗,290.0,2025,verified-secondary,区统计局设定（测试）"))
    reference = ReferenceData.load(folder)
    result = validate_energy(catalogue, {ELECTRICITY: 1000.0}, 2025, reference)
    assert result.computed.get("energy", "electricity", "coef_equiv") == pytest.approx(2.9)
    assert result.computed.get("energy", "electricity", "tce_equiv") == pytest.approx(2900.0)
    assert "按全国火电发电标准煤耗 290" in result.computed.sources[("energy", "electricity", "coef_equiv")]
    assert not [f for f in result.findings if f.rule_id == "参考" and f.row == "electricity"]


def test_a_carried_figure_is_used_and_said_so(catalogue) -> None:
    result = validate_energy(catalogue, {ELECTRICITY: 1000.0}, 2025)
    hints = [f for f in result.findings if f.rule_id == "参考" and f.row == "electricity"]
    assert [f.severity for f in hints] == ["提示"]
    assert "应按全国火电发电标准煤耗" in hints[0].text and "2022 年全国火电供电标准煤耗 300.7" in hints[0].text


def test_a_year_without_a_figure_is_not_filled_from_another_year(catalogue) -> None:
    result = validate_energy(catalogue, {ELECTRICITY: 1000.0}, 2026)
    assert result.computed.get("energy", "electricity", "coef_equiv") is None
    errors = [f for f in result.findings if f.severity == "错误" and f.cell == ("energy", "electricity", "coef_equiv")]
    assert len(errors) == 1 and "尚未在 power_coal_rate.csv 中设定 2026 年的全国火电发电标准煤耗" in errors[0].text


def test_cells_that_read_a_missing_figure_name_the_file_and_year(catalogue) -> None:
    """折标准煤(等价值), 综合能源消费量(等价值) and the 能源合计 that sums them repeat the rate file's
    message, never Python's text about None; a blank row stays blank; no false 等价值 < 当量值 错误."""
    result = validate_energy(catalogue, {ELECTRICITY: 1000.0, ("energy", "raw_coal", "consumption"): 10.0}, 2026)
    errors = {f.cell: f.text for f in result.findings if f.severity == "错误"}
    wanted = "尚未在 power_coal_rate.csv 中设定 2026 年的全国火电发电标准煤耗"
    for cell in [("energy", "electricity", c) for c in ("tce_equiv", "net_equiv")] + [
            ("energy", "total", c) for c in ("tce_equiv", "net_equiv")]:
        assert wanted in errors[cell] and "unsupported" not in errors[cell] and "NoneType" not in errors[cell]
        assert result.computed.get(*cell) is None
    assert not any("unsupported" in text or "NoneType" in text for text in errors.values())
    assert ("energy", "heat", "tce_equiv") not in errors and result.computed.get("energy", "heat", "tce_equiv") is None
    assert ("energy", "heat", "coef_equiv") not in errors  # no 热力 consumed: its missing figure blocks nothing
    assert errors[("energy", "electricity", "coef_equiv")].startswith("电力等价值：区统计局尚未在 power_coal_rate.csv")
    heat = validate_energy(catalogue, {HEAT: 100.0}, 2026)
    heat_errors = {f.cell: f.text for f in heat.findings if f.severity == "错误" and f.row == "heat"}
    assert set(heat_errors) == {("energy", "heat", c) for c in ("coef_equiv", "tce_equiv", "net_equiv")}
    assert all("heat_coal_rate.csv 中设定 2026 年" in text for text in heat_errors.values())
    assert not [f for f in result.findings if f.rule_id == "E003"]
    assert result.computed.get("energy", "raw_coal", "tce_equiv") == pytest.approx(7.143)


def test_heat_has_an_equivalent_basis_of_its_own(catalogue, tmp_path) -> None:
    folder = reference_folder(tmp_path, heat_coal_rate=(
        "2025,", "2025,供热标准煤耗,40.0,2025,verified-secondary,区统计局设定（测试）"))
    result = validate_energy(catalogue, {HEAT: 10000.0}, 2025, ReferenceData.load(folder))
    assert result.computed.get("energy", "heat", "tce_equal") == pytest.approx(341.2)  # 0.03412 tce/GJ
    assert result.computed.get("energy", "heat", "tce_equiv") == pytest.approx(400.0)  # 40 kgce/GJ
    shipped = validate_energy(catalogue, {HEAT: 10000.0}, 2025)
    assert [f.severity for f in shipped.findings if f.rule_id == "参考" and f.row == "heat"] == ["提示"]


@pytest.mark.parametrize("line,message", [
    ("2024,全国火电发电标准煤耗,290,2024,verified-secondary,x", "2024 年重复"),
    ("2030,全国火电发电标准煤耗,3000,2030,verified-secondary,x", "不在 0～1000 之间"),
    ("2030,全国火电发电标准煤耗,abc,2030,verified-secondary,x", "不是数值")])
def test_a_broken_rate_file_names_the_line(tmp_path, line, message) -> None:
    folder = reference_folder(tmp_path)
    path = folder / "power_coal_rate.csv"
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(ReferenceError, match=f"power_coal_rate.csv 第9行.*{message}|power_coal_rate.csv.*{message}"):
        ReferenceData.load(folder)


def test_the_shipped_catalogue_loads_with_both_rate_files(catalogue: FormCatalogue) -> None:
    rates = catalogue.reference.rates
    assert set(rates) == {"power_coal_rate", "heat_coal_rate"}
    assert all(2020 in table and 2025 in table for table in rates.values())


# -- point 5: rows whose heat value varies widely ask for the unit's own coefficient

@pytest.mark.parametrize("cells,expected", [
    ({("energy", "other_coal", "consumption"): 500.0}, [("W006", "other_coal", "coef_used")]),
    ({("energy", "other_coal", "consumption"): 500.0, ("energy", "other_coal", "coef_used"): 5.9}, []),
    ({("energy", "other_coal", "consumption"): 0.0}, []),
    ({("energy", "other", "consumption"): 31.2}, [("W007", "other", "consumption")]),
    ({("energy", "raw_coal", "consumption"): 500.0}, [])])
def test_wide_range_rows_ask_for_their_coefficient(catalogue, cells, expected) -> None:
    found = [f for f in validate_energy(catalogue, cells).findings if f.rule_id in ("W006", "W007")]
    assert [(f.rule_id, f.row, f.col) for f in found] == expected
    assert all(f.severity == "警告" and not f.explained for f in found)


def test_a_note_with_the_kind_and_coefficient_explains_other_energy(catalogue) -> None:
    cell = ("energy", "other", "consumption")
    notes = {cell: "生物质颗粒燃料52吨，按检测报告0.6吨标准煤/吨折算"}
    found = [f for f in validate_energy(catalogue, {cell: 31.2}, notes=notes).findings if f.rule_id == "W007"]
    assert [f.explained for f in found] == [True]


# -- point 1: intensity on GDP at 2020 comparable prices, 4 decimals

INDICATORS = {("indicators", "gdp", "current"): 503900.0, ("indicators", "gdp_comparable", "current"): 452600.0,
              ("indicators", "gdp", "base"): 391200.0, ("indicators", "energy_total", "base"): 71400.0,
              ("indicators", "raw_use", "base"): 0.0, ("energy", "raw_coal", "consumption"): 100000.0}


def test_intensity_is_on_comparable_price_gdp_with_four_decimals(catalogue) -> None:
    computed = validate_energy(catalogue, INDICATORS).computed
    energy = computed.get("indicators", "energy_total", "current")
    assert energy == pytest.approx(71430.0)  # 100,000 t 原煤 × 0.7143
    intensity = computed.get("intensity", "intensity", "current")
    assert intensity == pytest.approx(71430.0 / 452600.0)  # not / 503,900 (current prices)
    base = computed.get("intensity", "intensity", "base")
    assert base == pytest.approx(71400.0 / 391200.0)  # 2020: current prices are 2020 prices
    drop = computed.get("indicators", "intensity_drop", "current")
    assert drop == pytest.approx((1 - round(intensity, 4) / round(base, 4)) * 100)  # each year's intensity to 4 decimals
    table = catalogue.get("energy_consumption").table("intensity")
    assert {c.decimals for c in table.columns} == {4}
    assert table.row("intensity").code == "45"


def test_without_comparable_gdp_there_is_no_intensity(catalogue) -> None:
    inputs = {k: v for k, v in INDICATORS.items() if k[1] != "gdp_comparable"}
    computed = validate_energy(catalogue, inputs).computed
    assert computed.get("intensity", "intensity", "current") is None
    assert computed.get("indicators", "intensity_drop", "current") is None


# -- point 3: conversion output and recovery are not counted twice

CHP = {("energy", "raw_coal", "consumption"): 20000.0, ("energy", "raw_coal", "industrial"): 20000.0,
       ("energy", "raw_coal", "non_industrial"): 0.0, ("energy", "raw_coal", "conversion_input"): 12000.0,
       ("energy", "electricity", "consumption"): 5000.0, ("energy", "electricity", "conversion_output"): 2000.0,
       ("energy", "heat", "consumption"): 30000.0, ("energy", "heat", "conversion_output"): 40000.0,
       ("energy", "heat", "recovery"): 1000.0}


def test_comprehensive_consumption_deducts_conversion_output_and_recovery(catalogue) -> None:
    result = validate_energy(catalogue, CHP)
    get = result.computed.get
    coal, power, heat = 20000 * 0.7143, 3.007, 0.03412
    assert get("energy", "total", "tce_equiv") == pytest.approx(coal + 5000 * power + 30000 * heat)
    net = coal + (5000 - 2000) * power + (30000 - 40000 - 1000) * heat
    assert get("energy", "total", "net_equiv") == pytest.approx(net)
    assert get("energy", "total", "net_equal") == pytest.approx(coal + 3000 * 1.229 + -11000 * heat)
    assert get("indicators", "energy_total", "current") == pytest.approx(net)
    assert not [f for f in result.findings if f.severity == "错误"]


@pytest.mark.parametrize("change,rule", [
    ({("energy", "raw_coal", "conversion_input"): 25000.0}, "E008"),
    ({("energy", "raw_coal", "conversion_input"): None}, "W008"),
    ({("energy", "raw_coal", "non_industrial"): 100.0}, "E006"),
    ({("energy", "raw_coal", "transport"): 20001.0}, "E007")])
def test_conversion_and_205_1_relations(catalogue, change, rule) -> None:
    inputs = {k: v for k, v in {**CHP, **change}.items() if v is not None}
    assert rule in {f.rule_id for f in validate_energy(catalogue, inputs).findings}
    assert rule not in {f.rule_id for f in validate_energy(catalogue, CHP).findings}


def _unit(**cells) -> dict:
    base = dict(name="港桥热电有限公司", uscc="91500118MA5U7D3K4", energy_equal=52000.0, energy_equiv=48000.0,
                source="企业直报")
    return {("units", "u1", k): v for k, v in {**base, **cells}.items()}


def test_a_unit_exporting_power_or_heat_may_have_equivalent_below_equal(catalogue) -> None:
    def k002(cells: dict) -> list[str]:
        result = validate_report(catalogue.get("key_energy_units"), cells, {}, {"units": ["u1"]},
                                 ComputeContext(catalogue.reference, 2025), period="2025")
        return [f.severity for f in result.findings if f.rule_id == "K002"]

    assert k002(_unit()) == ["错误"]
    assert k002(_unit(exports="否")) == ["错误"]
    assert k002(_unit(exports="是")) == []


# -- point 4: the 205-1 columns, codes and blocked stock cells

def test_the_form_follows_205_1(catalogue) -> None:
    table = catalogue.get("energy_consumption").table("energy")
    labels = [c.label for c in table.columns]
    assert labels[:9] == ["期初库存量", "购进量", "购进金额", "消费量", "其中：工业生产消费", "其中：用作原材料、材料",
                          "非工业生产消费", "其中：交通运输", "期末库存量"]
    assert table.column("purchase_value").unit == "千元"
    assert table.row("total").code == "40" and table.row("raw_coal").code == "01"
    assert len({r.code for r in table.rows}) == len(table.rows)
    for row in ("electricity", "heat"):
        for col in ("stock_begin", "stock_end"):
            assert table.is_blocked(table.row(row), table.column(col))
    assert not table.is_blocked(table.row("raw_coal"), table.column("stock_begin"))
    total = table.row("total")
    assert {"net_equal", "net_equiv", "purchase_value"} <= set(total.formulas)


# -- the layout change is a form version step: stored reports migrate, audited

def _previous_layout(tmp_path) -> FormCatalogue:
    """The shipped catalogue with 永节统1表 at version 2 and 永节统2表 at version 1 (their steps taken out,
    the stock cells of 电力/热力 still open), as a database of the previous release holds them."""
    text = (RESOURCES / "energy_consumption.yaml").read_text(encoding="utf-8")
    step = text[text.index("version: 3\n"):text.index("order:")]
    units = (RESOURCES / "key_energy_units.yaml").read_text(encoding="utf-8")
    units_step = units[units.index("version: 2\n"):units.index("order:")]
    return edited_catalogue(tmp_path / "old", {
        "energy_consumption.yaml": [(step, "version: 2\n"),
                                    ('blocked: [stock_begin, stock_end, coef_used]', "blocked: [coef_used]"),
                                    ('energy: heat, blocked: [stock_begin, stock_end]', "energy: heat")],
        "key_energy_units.yaml": [(units_step, "version: 1\n")]})


def test_stored_reports_step_to_the_new_layout(tmp_path) -> None:
    from storage.workspace import Workspace
    from tests.upgrade_helpers import audit_rows

    path = tmp_path / "old.sqlite"
    ws = Workspace.open(path, catalogue=_previous_layout(tmp_path), user="王芳")
    tid = next(t for t in ws.townships() if not t.is_demo).id
    rid = ws.open_report(tid, "energy_consumption", "2024").report.id
    ws.change_cells(rid, [(("energy", "electricity", "stock_begin"), "120"), (("energy", "electricity", "consumption"),
                                                                             "5000"), (("energy", "heat", "stock_end"), "7")])
    units = ws.open_report(tid, "key_energy_units", "2024").report.id
    ws.close()
    ws = Workspace.open(path, catalogue=FormCatalogue.load(), user="王芳")
    try:
        data = ws.load(rid)
        assert data.report.form_version == 3 and ws.load(units).report.form_version == 2
        assert data.values[("energy", "electricity", "consumption")] == 5000
        assert ("energy", "electricity", "stock_begin") not in data.values
        assert ("energy", "heat", "stock_end") not in data.values
        dropped = {(a["row"], a["col"]): a for a in audit_rows(ws, rid) if a["field"] == "value"}
        assert dropped[("electricity", "stock_begin")]["old"] == 120 and "205-1" in dropped[("electricity", "stock_begin")]["reason"]
        assert dropped[("heat", "stock_end")]["old"] == 7
        assert [(a["old"], a["new"]) for a in audit_rows(ws, rid) if a["field"] == "form_version"] == [(2, 3)]
    finally:
        ws.close()
