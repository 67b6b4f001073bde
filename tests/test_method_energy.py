"""Energy methodology of issue 12: the 电力/热力 等价值 basis as yearly data the district sets (point 2),
wide-range heat value rows (point 5)."""

from __future__ import annotations

import pytest

from forms.catalogue import FormCatalogue
from forms.reference import ReferenceData, ReferenceError
from tests.method_helpers import reference_folder, validate_energy

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
