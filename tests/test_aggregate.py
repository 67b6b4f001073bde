"""汇总 of several townships: sums, recomputed ratios, list unions, and the form-file checks."""

from __future__ import annotations

import math

import pytest

from district.aggregate import Member, aggregate_form
from forms.catalogue import FormCatalogue
from forms.compute import compute_form
from forms.loader import FormDefinitionError, load_form_text
from forms.spec import is_ratio_unit
from forms.validation import PeriodInputs

FACTORS = (1, 3, 0.5)  # three townships: the demo's figures, three times them, half of them


@pytest.fixture
def members(workspace, demo_township) -> dict[str, list[Member]]:
    """Each form of the demo's 2025 as three townships with different figures."""
    out: dict[str, list[Member]] = {}
    for report in workspace.store.reports_for(demo_township.id, "2025"):
        data = workspace.store.load(report.id)
        out[report.form_key] = [
            Member(f"镇{i}", PeriodInputs({k: (v * f if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                                           for k, v in data.values.items()}, data.list_rows))
            for i, f in enumerate(FACTORS, 1)]
    return out


def test_entered_quantities_are_summed(workspace, members) -> None:
    form = workspace.form("energy_consumption")
    result = aggregate_form(form, members[form.key], workspace.context("2025"))
    checked = 0
    for table in form.tables:
        for row in table.rows:
            for col in table.columns:
                cell = (table.key, row.key, col.key)
                filled = [m.report.values[cell] for m in members[form.key] if m.report.values.get(cell) is not None]
                if table.aggregate_mode(row, col) == "sum" and filled:
                    assert result.values[cell] == pytest.approx(sum(filled), rel=1e-12)
                    checked += 1
                elif table.aggregate_mode(row, col) == "none":
                    assert cell not in result.values  # coefficients and text are not carried
    assert checked > 10
    assert result.townships == ["镇1", "镇2", "镇3"]


def test_intensity_is_the_ratio_of_the_sums_not_a_sum_of_ratios(workspace, members) -> None:
    form = workspace.form("energy_consumption")
    context = workspace.context("2025")
    result = aggregate_form(form, members[form.key], context)
    per_town = [compute_form(form, m.report.values, m.report.list_rows, context) for m in members[form.key]]

    def total(key: tuple[str, str, str]) -> float:
        return sum(c.get(*key) or 0 for c in per_town)

    energy, raw = total(("energy", "total", "net_equiv")), total(("energy", "total", "tce_raw"))
    gdp = total(("indicators", "gdp_comparable", "current"))  # 2020 comparable prices
    expected = (energy - raw) / gdp
    got = result.computed.get("intensity", "intensity", "current")
    assert got == pytest.approx(expected, rel=1e-9)
    assert not math.isclose(got, sum(c.get("intensity", "intensity", "current") for c in per_town))


def test_list_tables_are_the_union_with_the_township(workspace, members) -> None:
    form = workspace.form("key_energy_units")
    group = members[form.key]
    result = aggregate_form(form, group, workspace.context("2025"))
    table = "units"
    n = [len(m.report.list_rows.get(table, ())) for m in group]
    assert n[0] > 0
    assert len(result.list_rows[table]) == sum(n)
    assert [result.row_township[(table, k)] for k in result.list_rows[table]] == [
        m.township for m in group for _ in m.report.list_rows.get(table, ())]
    # every township's row kept once, with its own figures
    first_key = group[1].report.list_rows[table][0]
    district_key = result.list_rows[table][n[0]]
    for col in form.table(table).columns:
        if form.table(table).is_input(None, col):
            assert result.values.get((table, district_key, col.key)) == group[1].report.values.get((table, first_key, col.key))


def test_subtotals_add_up_to_the_district(workspace, members) -> None:
    form = workspace.form("public_institutions")
    context = workspace.context("2025")
    group = members[form.key]
    whole = aggregate_form(form, group, context)
    parts = [aggregate_form(form, group[:1], context), aggregate_form(form, group[1:], context)]
    for cell, value in whole.values.items():
        assert value == pytest.approx(sum(p.values.get(cell, 0) for p in parts), rel=1e-12)


def test_no_township_is_blank_not_zero(workspace) -> None:
    form = workspace.form("energy_consumption")
    result = aggregate_form(form, [], workspace.context("2025"))
    assert result.values == {} and result.townships == []


@pytest.mark.parametrize(("unit", "ratio"), [("%", True), ("‰", True), ("吨标准煤/万元", True), ("千克标准煤/人", True),
                                             ("吨/年", False), ("蒸吨/小时", False), ("吨", False), ("", False)])
def test_ratio_units(unit: str, ratio: bool) -> None:
    assert is_ratio_unit(unit) is ratio


def _form_text(column_extra: dict, formula_extra: dict, row_extra: dict) -> str:
    """A one-table form with an entered and a computed column, a quantity row and a rate row."""
    import yaml

    table = {"key": "t", "title": "测试", "kind": "grid",
             "columns": [{"key": "v", "label": "数值", **column_extra},
                         {"key": "f", "label": "计算", "formula": "v * 2", **formula_extra}],
             "rows": [{"key": "a", "label": "数量", "unit": "吨"}, {"key": "b", "label": "比率", "unit": "%", **row_extra}]}
    form = {"key": "agg", "code": "汇总测试表", "name": "汇总测试", "authority": "测试", "approval_authority": "",
            "approval_no": "", "valid_until": "2027年12月", "period_type": "年报", "version": 1, "tables": [table]}
    return yaml.safe_dump(form, allow_unicode=True)


def _load(column_extra: dict | None = None, formula_extra: dict | None = None, row_extra: dict | None = None) -> None:
    load_form_text(_form_text(column_extra or {}, formula_extra or {}, row_extra or {}), "agg.yaml",
                   FormCatalogue.load().reference)


def test_form_file_aggregation_checks() -> None:
    _load()  # defaults need no key
    _load(row_extra={"aggregate": {"v": "none"}})
    with pytest.raises(FormDefinitionError, match="不能相加"):
        _load(row_extra={"aggregate": {"v": "sum"}})  # a rate summed over townships
    with pytest.raises(FormDefinitionError, match="recompute"):
        _load(formula_extra={"aggregate": "sum"})  # a computed column must be recomputed
    with pytest.raises(FormDefinitionError, match="没有公式"):
        _load(column_extra={"aggregate": "recompute"})
    with pytest.raises(FormDefinitionError, match="不在允许范围"):
        _load(column_extra={"aggregate": "average"})
