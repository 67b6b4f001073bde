"""Issue 12 points 10–12 on the forms (d3): public institutions' vehicle fuel in 综合能耗 and the
electric share without special-purpose vehicles; the VOCs 使用比例; the plan's indicators that
were on no form. Each with a case that passes and one that fails (today's behaviour before)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext, compute_form
from forms.loader import FormDefinitionError
from forms.reference import ReferenceData, ReferenceError
from forms.validation import validate_report


def _computed(catalogue: FormCatalogue, form: str, values: dict):
    return compute_form(catalogue.get(form), values, {}, ComputeContext(catalogue.reference, 2025))


def _rules(catalogue: FormCatalogue, form: str, values: dict, rule: str) -> list:
    result = validate_report(catalogue.get(form), values, {}, {}, ComputeContext(catalogue.reference, 2025),
                             period="2025")
    return [f for f in result.findings if f.rule_id == rule]


def test_vehicle_fuel_counts_in_public_energy(catalogue) -> None:
    values = {("resources", "electricity", "quantity"): 100000.0, ("resources", "gasoline", "quantity"): 1000.0,
              ("resources", "diesel", "quantity"): 500.0}
    out = _computed(catalogue, "public_institutions", values)
    gasoline = 1000 * 0.73 * 1.4714 / 1000  # litres × kg/L × kgce/kg → tce
    diesel = 500 * 0.86 * 1.4571 / 1000
    assert out.get("resources", "gasoline", "tce") == pytest.approx(gasoline)
    assert out.get("resources", "diesel", "tce") == pytest.approx(diesel)
    assert out.get("indicators", "energy", "value") == pytest.approx(100000 * 0.1229 / 1000 + gasoline + diesel)
    assert out.get("indicators", "vehicle_fuel", "value") == pytest.approx(gasoline + diesel)
    assert "0.73 千克/升" in out.sources[("resources", "gasoline", "ref_equal")]


def test_the_2020_base_must_be_on_the_same_basis(catalogue) -> None:
    values = {("resources", "gasoline", "quantity"): 1000.0, ("indicators", "energy", "base"): 200.0}
    assert [f.row for f in _rules(catalogue, "public_institutions", values, "R006")] == ["vehicle_fuel"]
    values[("indicators", "vehicle_fuel", "base")] = 1.5
    assert _rules(catalogue, "public_institutions", values, "R006") == []
    values[("indicators", "vehicle_fuel", "base")] = 250.0
    assert [f.severity for f in _rules(catalogue, "public_institutions", values, "R007")] == ["错误"]


def test_special_purpose_vehicles_leave_the_electric_share(catalogue) -> None:
    values = {("indicators", "cars_new", "value"): 10, ("indicators", "cars_special", "value"): 4,
              ("indicators", "cars_ev", "value"): 2}
    assert _computed(catalogue, "public_institutions", values).get("indicators", "ev_share", "value") == \
        pytest.approx(2 / 6 * 100)
    assert _rules(catalogue, "public_institutions", values, "R003") == []
    values[("indicators", "cars_special", "value")] = 11
    assert [f.row for f in _rules(catalogue, "public_institutions", values, "R005")] == ["cars_special"]


def test_a_litre_fuel_without_density_is_a_load_error(tmp_path: Path) -> None:
    from resources import resource_path

    for name in ("coefficients.csv", "units.csv", "power_coal_rate.csv", "heat_coal_rate.csv"):
        (tmp_path / name).write_bytes(resource_path(name).read_bytes())
    reference = ReferenceData.load(tmp_path)  # no fuel_densities.csv
    with pytest.raises(FormDefinitionError) as info:
        FormCatalogue.load(reference=reference)
    assert info.value.file == "public_institutions.yaml" and "密度" in info.value.message
    (tmp_path / "fuel_densities.csv").write_text("energy,kg_per_litre,status,source\ngasoline,7.3,unverified,x\n",
                                                 encoding="utf-8")
    with pytest.raises(ReferenceError, match="不合理"):
        ReferenceData.load(tmp_path)


def test_solvent_coatings_and_inks_are_measured_as_shares(catalogue) -> None:
    values = {("vocs", "paint_total", "value"): 500.0, ("vocs", "paint", "value"): 100.0,
              ("vocs", "paint_total", "base"): 400.0, ("vocs", "paint", "base"): 120.0,
              ("vocs", "ink_total", "value"): 50.0, ("vocs", "ink", "value"): 16.0,
              ("vocs", "ink_total", "base"): 40.0, ("vocs", "ink", "base"): 18.0}
    out = _computed(catalogue, "coal_vocs", values)
    assert out.get("vocs", "paint_share", "value") == pytest.approx(20.0)
    assert out.get("vocs", "paint_share", "base") == pytest.approx(30.0)
    # the quantity fell only 16.7 %, the share a third: the plan measures the share
    assert out.get("vocs", "paint_share", "drop") == pytest.approx((1 - 20 / 30) * 100)
    assert out.get("vocs", "ink_share", "drop") == pytest.approx((1 - 32 / 45) * 100)
    assert out.get("vocs", "paint", "drop") is None  # no target on the tonnes of solvent coatings
    goals = {f.rule_id: f for r in ("G702", "G703") for f in _rules(catalogue, "coal_vocs", values, r)}
    assert "已达到全区目标" in goals["G702"].message and goals["G703"].row == "ink_share"


def test_solvent_use_above_the_total_and_a_missing_total(catalogue) -> None:
    values = {("vocs", "paint_total", "value"): 50.0, ("vocs", "paint", "value"): 60.0}
    assert [(f.row, f.col) for f in _rules(catalogue, "coal_vocs", values, "V701")] == [("paint", "value")]
    values = {("vocs", "ink", "base"): 18.0}
    assert [(f.row, f.col, f.severity) for f in _rules(catalogue, "coal_vocs", values, "V703")] == [
        ("paint_total", "base", "警告")]
    values[("vocs", "ink_total", "base")] = 40.0
    assert _rules(catalogue, "coal_vocs", values, "V703") == []


# -- point 12: the plan's indicators that were on no form ------------------------------------------------
def _dept(catalogue: FormCatalogue, **figures: float) -> dict:
    return {("items", *(k.split("__") if "__" in k else (k, "value"))): v for k, v in figures.items()}


def test_industrial_water_and_energy_per_value_added(catalogue) -> None:
    values = _dept(catalogue, water_reused=5500.0, water_intake=500.0, industry_water=3000.0, industry_va=500.0,
                   industry_water__base=3300.0, industry_va__base=440.0, above_energy=270.0, above_va=450.0,
                   above_energy__base=260.0, above_va__base=380.0)
    out = _computed(catalogue, "district_departments", values)
    assert out.get("items", "water_reuse", "value") == pytest.approx(5500 / 6000 * 100)
    assert out.get("items", "water_per_va", "value") == pytest.approx(6.0)  # m³ per 万元
    assert out.get("items", "water_per_va", "drop") == pytest.approx((1 - 6.0 / 7.5) * 100)
    assert out.get("items", "above_intensity", "value") == pytest.approx(0.6)  # tce per 万元
    assert out.get("items", "above_intensity", "drop") == pytest.approx((1 - 0.6 / (260 / 380)) * 100)
    reached = {r: _rules(catalogue, "district_departments", values, r)[0].message for r in ("G806", "G807", "G808")}
    assert "尚差" in reached["G806"] and "已达到" in reached["G807"] and "尚差" in reached["G808"]
    assert "；全区 91.67%" in reached["G806"]  # the district's own figure, not a township's


@pytest.mark.parametrize(("cells", "rule", "row", "reached"), [
    ({"benchmark_share": 31.0}, "G809", "benchmark_share", True),
    ({"benchmark_share": 24.0}, "G809", "benchmark_share", False),
    ({"green_factories": 18}, "G810", "green_factories", True),
    ({"green_parks": 1}, "G811", "green_parks", False),
    ({"waste_capacity": 1500.0, "incineration": 1500.0}, "G812", "incineration_share", True),
    ({"waste_capacity": 1500.0, "incineration": 900.0}, "G812", "incineration_share", False),
    ({"nev_output": 121000}, "G813", "nev_output", False),
])
def test_district_goals_of_the_plan(catalogue, cells: dict, rule: str, row: str, reached: bool) -> None:
    found = _rules(catalogue, "district_departments", _dept(catalogue, **cells), rule)
    assert [f.row for f in found] == [row] and ("已达到全区目标" in found[0].message) is reached


def test_incineration_capacity_within_the_total(catalogue) -> None:
    bad = _dept(catalogue, waste_capacity=1000.0, incineration=1200.0)
    assert [f.severity for f in _rules(catalogue, "district_departments", bad, "D802")] == ["错误"]
    assert _rules(catalogue, "district_departments", _dept(catalogue, waste_capacity=1200.0, incineration=1200.0),
                  "D802") == []


def test_saving_organs_and_demonstration_units(catalogue) -> None:
    values = {("indicators", "organs", "value"): 4, ("indicators", "saving_organs", "value"): 3,
              ("indicators", "demo_units", "value"): 1}
    assert _computed(catalogue, "public_institutions", values).get("indicators", "saving_share", "value") == 75.0
    assert "尚差" in _rules(catalogue, "public_institutions", values, "G403")[0].message
    assert "已达到" in _rules(catalogue, "public_institutions", values, "G404")[0].message
    values[("indicators", "saving_organs", "value")] = 5
    assert [f.row for f in _rules(catalogue, "public_institutions", values, "R008")] == ["saving_organs"]


def test_boiler_retrofits(catalogue) -> None:
    values = {("retrofit", "gas", "count"): 4, ("retrofit", "gas", "done"): 3, ("retrofit", "coal_65", "count"): 1,
              ("boilers", "large", "count"): 1}
    out = _computed(catalogue, "coal_vocs", values)
    assert out.get("retrofit", "gas", "share") == 75.0
    assert _rules(catalogue, "coal_vocs", values, "B702") == [] and _rules(catalogue, "coal_vocs", values, "B703") == []
    values[("retrofit", "gas", "done")] = 5
    values[("boilers", "large", "count")] = 0
    assert [f.row for f in _rules(catalogue, "coal_vocs", values, "B702")] == ["gas"]
    assert [f.row for f in _rules(catalogue, "coal_vocs", values, "B703")] == ["coal_65"]


def test_rooftop_pv_goal(catalogue) -> None:
    values = {("pv", "r1", "name"): "厂房", ("pv", "r1", "area"): 900000.0}
    result = validate_report(catalogue.get("green_building"), values, {}, {"pv": ["r1"]},
                             ComputeContext(catalogue.reference, 2025), period="2025")
    found = [f for f in result.findings if f.rule_id == "G602"]
    assert found and found[0].row == "pv_area" and "为目标的50%" in found[0].message
    # r5: big numbers grouped in every finding text, never 1.8e+06 (forms.rule_messages.fmt)
    assert "距目标 1,800,000平方米 尚差 900,000平方米" in found[0].message and "e+" not in found[0].message


def test_every_plan_target_is_measured_with_its_goal_rule(catalogue) -> None:
    from district.targets import load_targets

    targets = load_targets(catalogue)
    assert [t.id for t in targets if t.measure is None] == []
    for target in targets:
        m = target.measure
        goals = [r for r in catalogue.get(m.form).rules if r.kind == "goal" and r.table == m.table
                 and (r.anchor_row, r.anchor_column) == (m.row, m.column)]
        assert [g.target for g in goals] == [target.target], target.id  # the plan's number, once, on the same cell


def test_finding_numbers_are_grouped_and_never_exponents() -> None:
    """r5: the one number format of finding texts (goals, min/max limits, period changes)."""
    from forms.rule_messages import fmt

    assert [fmt(1.8e6), fmt(1800000), fmt(12.345), fmt(1e20)] == ["1,800,000", "1,800,000", "12.35",
                                                                  "100,000,000,000,000,000,000"]
    assert [fmt(0.001), fmt(-1e-5), fmt(0.125, None), fmt(1234567.125, None)] == ["0.001", "-0.00001", "0.125",
                                                                                  "1,234,567.125"]
