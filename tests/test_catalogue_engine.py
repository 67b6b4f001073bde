"""The full catalogue (the seven forms) and the engine's rule kinds."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext
from forms.loader import FormDefinitionError
from forms.validation import PeriodInputs, ReportInput, validate_bundle, validate_report
from storage.workspace import Workspace
from tests.catalogue_files import full_catalogue_folder

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def full_catalogue(tmp_path_factory) -> FormCatalogue:
    return FormCatalogue.load(full_catalogue_folder(tmp_path_factory.mktemp("defs")))


def _ctx(cat: FormCatalogue, year: int = 2025) -> ComputeContext:
    return ComputeContext(cat.reference, year)


def test_seven_forms_load_with_label_block(full_catalogue) -> None:
    assert [f.code for f in full_catalogue] == [f"永节统{n}表" for n in range(1, 8)]
    for form in full_catalogue:
        assert form.approval_no == ""  # never invented
        assert form.notes and form.rules


def test_row_template_with_blank_zero(full_catalogue) -> None:
    form = full_catalogue.get("energy_consumption")
    bad = {("energy", "coke", "consumption"): 10, ("energy", "coke", "industrial"): 12}
    found = [f for f in validate_report(form, bad, {}, {}, _ctx(full_catalogue)).findings if f.rule_id == "E004"]
    assert [(f.severity, f.row, f.col) for f in found] == [("错误", "coke", "industrial")]
    assert found[0].message.startswith("《镇街能源消费统计表》代码09 焦炭 / 其中：工业生产消费：消费量≥")
    ok = {("energy", "coke", "consumption"): 10, ("energy", "coke", "industrial"): 8}
    assert not [f for f in validate_report(form, ok, {}, {}, _ctx(full_catalogue)).findings if f.rule_id == "E004"]
    # blank industrial counts as 0 (blank: zero): no finding; blank consumption with industrial is one
    only = {("energy", "coke", "industrial"): 5}
    assert [f.row for f in validate_report(form, only, {}, {}, _ctx(full_catalogue)).findings
            if f.rule_id == "E004"] == ["coke"]


def test_stock_balance_skips_rows_without_stocks(full_catalogue) -> None:
    form = full_catalogue.get("energy_consumption")
    inputs = {("energy", "coke", "consumption"): 10}
    assert not [f for f in validate_report(form, inputs, {}, {}, _ctx(full_catalogue)).findings if f.rule_id == "W004"]
    inputs.update({("energy", "coke", "stock_begin"): 5, ("energy", "coke", "purchase"): 10,
                   ("energy", "coke", "stock_end"): 1})
    found = [f for f in validate_report(form, inputs, {}, {}, _ctx(full_catalogue)).findings if f.rule_id == "W004"]
    assert [(f.severity, f.row, f.col) for f in found] == [("警告", "coke", "stock_end")]


def test_uscc_unique_and_check_digit(full_catalogue) -> None:
    form = full_catalogue.get("key_energy_units")
    good = "91350100M000100Y43"
    rows = {"units": ["r1", "r2", "r3"]}
    inputs = {("units", "r1", "uscc"): good, ("units", "r2", "uscc"): good, ("units", "r3", "uscc"): "91350100M000100Y44"}
    findings = validate_report(form, inputs, {}, rows, _ctx(full_catalogue)).findings
    by = {(f.rule_id, f.row) for f in findings if f.col == "uscc"}
    assert ("唯一", "r2") in by and ("类型", "r3") in by and ("唯一", "r1") not in by
    dup = next(f for f in findings if f.rule_id == "唯一")
    assert "与第1行重复" in dup.message


def test_cross_form_coal_and_bundle(full_catalogue) -> None:
    energy = full_catalogue.get("energy_consumption")
    coal = full_catalogue.get("coal_vocs")
    e_in = {("energy", "raw_coal", "consumption"): 1000, ("energy", "other_coal", "consumption"): 200}
    c_in = {("coal", "coal_total", "value"): 1300}
    reports = {"energy_consumption": ReportInput(energy, e_in), "coal_vocs": ReportInput(coal, c_in)}
    results = validate_bundle(reports, _ctx(full_catalogue), "2025")
    x = [f for f in results["coal_vocs"].findings if f.rule_id == "X701"]
    assert [(f.severity, f.row, f.col) for f in x] == [("错误", "coal_total", "value")]
    reports["coal_vocs"] = ReportInput(coal, {("coal", "coal_total", "value"): 1200})
    results = validate_bundle(reports, _ctx(full_catalogue), "2025")
    assert not [f for f in results["coal_vocs"].findings if f.rule_id == "X701"]
    # alone (no energy form in the bundle) the cross-form rule does not apply
    alone = validate_report(coal, c_in, {}, {}, _ctx(full_catalogue))
    assert not [f for f in alone.findings if f.rule_id == "X701"]


def test_change_and_history(full_catalogue) -> None:
    form = full_catalogue.get("energy_consumption")
    cell = ("energy", "coke", "consumption")
    history = {str(y): PeriodInputs({cell: v}) for y, v in ((2021, 100), (2022, 104), (2023, 98), (2024, 100))}
    result = validate_report(form, {cell: 160}, {}, {}, _ctx(full_catalogue), period="2025", history=history)
    change = [f for f in result.findings if f.rule_id == "C001"]
    assert [(f.severity, f.row) for f in change] == [("警告", "coke")]
    assert "比上年同期增长60.0%（上年 100，本期 160），变化超过±30%" in change[0].message
    hist = [f for f in result.findings if f.rule_id == "H001"]
    assert [(f.severity, f.row) for f in hist] == [("提示", "coke")]
    quiet = validate_report(form, {cell: 102}, {}, {}, _ctx(full_catalogue), period="2025", history=history)
    assert not [f for f in quiet.findings if f.rule_id in ("C001", "H001")]
    short = {"2024": history["2024"]}  # fewer than 3 earlier periods: no history finding
    few = validate_report(form, {cell: 160}, {}, {}, _ctx(full_catalogue), period="2025", history=short)
    assert not [f for f in few.findings if f.rule_id == "H001"]


def test_goal_is_a_hint_with_progress(full_catalogue) -> None:
    form = full_catalogue.get("agriculture")
    inputs = {("items", "straw_total", "value"): 100, ("items", "straw_fert", "value"): 80}
    goal = next(f for f in validate_report(form, inputs, {}, {}, _ctx(full_catalogue)).findings if f.rule_id == "G501")
    assert goal.severity == "提示" and goal.row == "straw_rate"
    assert "本镇街 80%，距目标 90% 尚差 10个百分点，为目标的89%" in goal.message


def test_unknown_cross_form_reference_names_file_and_rule(full_catalogue, tmp_path) -> None:
    full_catalogue_folder(tmp_path)
    text = (tmp_path / "coal_vocs.yaml").read_text(encoding="utf-8").replace("'raw_coal', 'consumption'", "'raw_cole', 'consumption'", 1)
    (tmp_path / "coal_vocs.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FormDefinitionError) as info:
        FormCatalogue.load(tmp_path)
    assert info.value.file == "coal_vocs.yaml" and info.value.key.startswith("rules[0](X701)")
    assert "raw_cole" in str(info.value)


def test_demo_with_all_forms_has_no_errors_in_2025(full_catalogue, tmp_path) -> None:
    ws = Workspace.open(tmp_path / "d.sqlite", catalogue=full_catalogue, user="测试员")
    try:
        town = next(t for t in ws.townships() if t.is_demo)
        results = ws.validate_period(town.id, "2025")
        assert set(results) == {f.key for f in full_catalogue}
        findings = [f for _, r in results.values() for f in r.findings]
        assert not [f for f in findings if f.severity == "错误"]
        warnings = [f for f in findings if f.severity == "警告"]
        assert warnings and all(f.explained for f in warnings)
        assert any(f.severity == "提示" and f.rule_id.startswith("G") for f in findings)
    finally:
        ws.close()
