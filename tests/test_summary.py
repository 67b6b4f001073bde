"""汇总 of a period from a real database of many townships: checked against the test's own sums
(plain sqlite3 over the database file), ratios of the sums, subtotals, coverage, list unions."""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict

import pytest

from district.summary import SUM_RULE, SummaryError, district_summary
from forms.compute import compute_form
from tests.stored import dump_cells
from tests.summary_helpers import fill_townships

SKIPPED = 5  # the sixth township of the catalogue sends nothing


@pytest.fixture
def filled(workspace):
    """22 of the 23 catalogue townships with 2025 data (each the demo's times its own factor)."""
    towns = fill_townships(workspace, 23, ("2025",), skip=(SKIPPED,))
    # one township is unlike the others (a large GDP, little coal), so a mean of ratios is far from the ratio of sums
    store = workspace.store
    for form_key, cell, times in (("energy_consumption", ("indicators", "gdp_comparable", "current"), 10),
                                  ("coal_vocs", ("coal", "coal_tce", "tce"), 0.05)):
        report = store.find_report(towns[-1].id, form_key, "2025")
        store.set_values(report.id, [(cell, round(store.load(report.id).values[cell] * times, 2))], "测试员")
    return towns


def _independent_sums(db_path, period: str) -> dict[tuple[str, str, str, str], float]:
    """(form, table, row, col) → Σ of the numbers the real townships stored (own SQL, own file handle)."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            f"SELECT r.form_key, v.table_key, v.row_key, v.col_key, v.value FROM {dump_cells(conn)} v"
            " JOIN reports r ON r.id = v.report_id JOIN townships t ON t.id = r.township_id"
            " WHERE r.period = ? AND t.is_demo = 0 AND typeof(v.value) IN ('integer', 'real')", (period,))
        sums: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
        for form, table, row, col, value in rows:
            sums[(form, table, row, col)].append(value)
    return {k: math.fsum(v) for k, v in sums.items()}


def test_input_cells_equal_the_independent_sums(workspace, filled, db_path) -> None:
    summary = district_summary(workspace, "2025")
    sums = _independent_sums(db_path, "2025")
    checked = 0
    for key, form_summary in summary.forms.items():
        form = form_summary.form
        for table in form.tables:
            if table.kind != "grid":
                continue
            for row in table.rows:
                for col in table.columns:
                    cell = (table.key, row.key, col.key)
                    if table.aggregate_mode(row, col) != "sum":
                        assert cell not in form_summary.aggregate.values
                        continue
                    expected = sums.get((key, *cell))
                    got = form_summary.aggregate.values.get(cell)
                    if expected is None:
                        assert got is None  # blank stays blank, not 0
                    else:
                        assert got == pytest.approx(expected, rel=1e-12), (key, cell)
                        assert form_summary.computed.get(*cell) == got
                        checked += 1
    assert checked > 60


def test_intensity_and_shares_are_ratios_of_the_sums(workspace, filled, db_path) -> None:
    summary = district_summary(workspace, "2025")
    energy = summary.forms["energy_consumption"]
    context = workspace.context("2025")
    own = [compute_form(energy.form, i.values, i.list_rows, context) for i in energy.inputs]

    def total(table: str, row: str, col: str) -> float:
        return math.fsum(c.get(table, row, col) or 0 for c in own)

    equiv, raw = total("energy", "total", "net_equiv"), total("energy", "total", "tce_raw")
    gdp = total("indicators", "gdp_comparable", "current")  # 2020 comparable prices
    assert energy.computed.get("intensity", "intensity", "current") == pytest.approx((equiv - raw) / gdp, rel=1e-9)
    ratios = [c.get("intensity", "intensity", "current") for c in own]
    assert not math.isclose(energy.computed.get("intensity", "intensity", "current"), sum(ratios) / len(ratios),
                            rel_tol=0.01)
    # a share (coal in the energy mix) is the share of the sums, from the test's own sums
    sums = _independent_sums(db_path, "2025")
    coal_tce, energy_tce = sums[("coal_vocs", "coal", "coal_tce", "tce")], sums[("coal_vocs", "coal", "energy_total", "tce")]
    got = summary.forms["coal_vocs"].computed.get("coal", "coal_share", "value")
    assert got == pytest.approx(coal_tce / energy_tce * 100, rel=1e-9)
    shares = [compute_form(summary.forms["coal_vocs"].form, i.values, i.list_rows, context).get("coal", "coal_share", "value")
              for i in summary.forms["coal_vocs"].inputs]
    assert not math.isclose(got, sum(shares) / len(shares), rel_tol=0.01)


def test_group_subtotals_add_up_to_the_district(workspace, filled) -> None:
    whole = district_summary(workspace, "2025", checks=False)
    parts = [district_summary(workspace, "2025", group=g, checks=False) for g in ("镇", "街道")]
    assert {t.id for p in parts for t in p.scope} == {t.id for t in whole.scope}
    assert parts[0].title == "分类汇总（镇）" and all(t.kind == "镇" for t in parts[0].scope)
    for key, form_summary in whole.forms.items():
        for cell, value in form_summary.aggregate.values.items():
            if isinstance(value, (int, float)) and form_summary.form.table(cell[0]).kind == "grid":
                assert value == pytest.approx(sum(p.forms[key].aggregate.values.get(cell, 0) for p in parts),
                                              rel=1e-12)
        for table, rows in form_summary.aggregate.list_rows.items():
            assert len(rows) == sum(len(p.forms[key].aggregate.list_rows[table]) for p in parts)


def test_missing_township_is_named(workspace, filled) -> None:
    skipped = [t for t in workspace.townships() if not t.is_demo][SKIPPED]
    summary = district_summary(workspace, "2025")
    assert skipped in summary.missing and skipped not in summary.included
    assert len(summary.included) == 22
    lines = "\n".join(summary.coverage_lines())
    assert skipped.name in lines and "已纳入22个" in lines
    assert all(skipped not in f.members for f in summary.forms.values())
    # a township missing one form only is named for that form
    partly = filled[0]
    report = workspace.store.find_report(partly.id, "agriculture", "2025")
    workspace.store.set_values(report.id, [(c, None) for c in workspace.load(report.id).values], "测试员")
    again = district_summary(workspace, "2025")
    assert partly in again.forms["agriculture"].missing and partly in again.included
    assert any(line.startswith("《") and partly.name in line for line in again.coverage_lines())


def test_list_union_keeps_every_row_once(workspace, filled, db_path) -> None:
    summary = district_summary(workspace, "2025")
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute(
            "SELECT t.name, v.value FROM list_rows l JOIN reports r ON r.id = l.report_id"
            f" JOIN townships t ON t.id = r.township_id JOIN {dump_cells(conn)} v ON v.report_id = l.report_id"
            " AND v.table_key = l.table_key AND v.row_key = l.row_key AND v.col_key = 'uscc'"
            " WHERE r.period = '2025' AND t.is_demo = 0 AND l.table_key = 'units'").fetchall()
    units = summary.forms["key_energy_units"].aggregate
    union = [(units.row_township[("units", k)], units.values[("units", k, "uscc")]) for k in units.list_rows["units"]]
    assert sorted(union) == sorted(stored) and len(set(union)) == len(union) == len(stored) > 22
    assert not [f for f in summary.findings("key_energy_units") if f.severity == "错误"]


@pytest.mark.parametrize("period", ["2023", "2024", "2025"])
def test_the_summary_of_consistent_reports_has_no_error(workspace, period) -> None:
    """The 汇总 of 23 townships' (consistent) demo copies validates like a township's report, every form."""
    fill_townships(workspace, 23, (period,))
    summary = district_summary(workspace, period)
    assert len(summary.forms) == 7 and len(summary.included) == 23
    assert {k: [f.text for f in summary.findings(k) if f.severity == "错误"] for k in summary.forms} == {
        k: [] for k in summary.forms}


def test_chosen_townships(workspace, filled) -> None:
    chosen = [filled[1], filled[4]]
    summary = district_summary(workspace, "2025", townships=[chosen[0].stat_code, chosen[1].name])
    assert summary.kind == "选择汇总" and summary.scope == chosen and summary.missing == []
    gdp = ("indicators", "gdp", "current")
    alone = [district_summary(workspace, "2025", townships=[t.name]).forms["energy_consumption"] for t in chosen]
    assert summary.forms["energy_consumption"].aggregate.values[gdp] == pytest.approx(
        sum(a.aggregate.values[gdp] for a in alone))
    with pytest.raises(SummaryError, match="没有镇街 '不存在镇'"):
        district_summary(workspace, "2025", townships=["不存在镇"])
    with pytest.raises(SummaryError, match="镇 或 街道"):
        district_summary(workspace, "2025", group="乡")
    with pytest.raises(SummaryError, match="没有季报类型的表式"):
        district_summary(workspace, "2025Q3")
    with pytest.raises(SummaryError, match="至少选择一个镇街"):
        district_summary(workspace, "2025", townships=[])
    with pytest.raises(SummaryError, match="只能选一种"):
        district_summary(workspace, "2025", townships=[chosen[0].name], group="镇")


def test_district_total_equals_the_townships_sum(workspace, filled) -> None:
    clean = district_summary(workspace, "2025")
    assert not [f for k in clean.forms for f in clean.findings(k) if f.rule_id == SUM_RULE]
    # one township measured its coal's heat value: its 折标准煤 uses its own coefficient, which
    # the district cannot sum (coefficients are not carried), so the district's recomputed total differs
    report = workspace.store.find_report(filled[2].id, "energy_consumption", "2025")
    workspace.store.set_values(report.id, [(("energy", "raw_coal", "coef_used"), 0.8)], "测试员")
    summary = district_summary(workspace, "2025")
    sums = [f for f in summary.findings("energy_consumption") if f.rule_id == SUM_RULE]
    assert {(f.row, f.col) for f in sums} >= {("raw_coal", "tce_equal"), ("total", "tce_equal")}
    assert all(f.severity == "警告" and "各镇街之和" in f.text for f in sums)


def test_no_reports_is_empty_not_zero(workspace) -> None:
    summary = district_summary(workspace, "2025")
    assert summary.included == [] and len(summary.missing) == len(summary.scope) > 20
    assert all(f.aggregate.values == {} and f.result.findings == [] for f in summary.forms.values())


def test_extreme_stored_figures_do_not_break_the_summary(workspace, filled, tmp_path) -> None:
    """Figures no input accepts (1e308 twice; 19-digit integers whose sum has 20 digits), written past the checks as a
    damaged or foreign database could hold them: the 汇总 is still made and 审核 names the cell."""
    from district.summary_export import write_summary_workbook

    cell = ("energy", "coke", "consumption")
    for town in filled[:2]:
        report = workspace.store.find_report(town.id, "energy_consumption", "2025")
        workspace.store.set_values(report.id, [(cell, 1e308), (("indicators", "gdp", "current"), 9 * 10 ** 18)], "测试员")
    summary = district_summary(workspace, "2025")
    energy = summary.forms["energy_consumption"]
    assert energy.aggregate.values[cell] == math.inf
    assert any(f.cell == cell and f.severity == "错误" for f in summary.findings("energy_consumption"))
    gdp = energy.aggregate.values[("indicators", "gdp", "current")]
    others = [i.values[("indicators", "gdp", "current")] for t, i in zip(energy.members, energy.inputs)
              if t not in filled[:2]]
    assert gdp == pytest.approx(2 * 9e18 + math.fsum(others), rel=1e-15)
    out = write_summary_workbook(summary, tmp_path / "汇总.xlsx")
    assert out.stat().st_size > 0


def test_summary_is_compared_with_last_years_summary(workspace) -> None:
    """The vs-last-year rules run on the 汇总 against the same scope's 汇总 of last year."""
    towns = fill_townships(workspace, 23, ("2024", "2025"))
    cell = ("energy", "raw_coal", "consumption")

    def change_findings() -> list:
        return [f for f in district_summary(workspace, "2025").findings("energy_consumption")
                if f.rule_id == "C001" and f.cell == cell]

    assert change_findings() == []  # the demo's coal falls 9 % from 2024 to 2025
    report = workspace.store.find_report(towns[-1].id, "energy_consumption", "2025")
    workspace.store.set_values(report.id, [(cell, round(workspace.load(report.id).values[cell] * 20, 2))], "测试员")
    assert len(change_findings()) == 1  # one township's coal ×20 lifts the district's by more than 30 %
