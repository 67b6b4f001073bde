"""The fast paths give exactly what the plain ones give (issue 16): field checks of a 5,000-row
list found column by column, the reported rule reading only the first values it uses, reports
loaded table by table, a report's input found without loading it, and an export that keeps the
validations it made."""

from __future__ import annotations

import math
import random

import pytest

from forms.compute import compute_form
from forms.field_checks import field_checks
from forms.findings import FindingCollector
from forms.validation import ReportInput, reported_columns, validate_bundle
from storage.history import first_values
from storage.workspace import Workspace
from tests.stored import dump_cells

FORM, TABLE = "key_energy_units", "units"


def _hostile(col_type: str, rng: random.Random) -> object:
    """A value a stored list cell may hold, mostly valid, sometimes anything an old file could give."""
    odd = [None, "", "  ", "abc", "1,000", True, False, math.inf, -math.inf, math.nan, 1e308, -1.0, 0, 10**20,
           12.3456789, 3.0, "企业直报", "是", "否", "91500118MA0000001X", "91500118ma00000011", " 9150 ", "\x1b[2J",
           "x" * 40_000, 7, 2.5]
    if rng.random() < 0.12:
        return rng.choice(odd)
    if col_type in ("number", "percent"):
        return round(rng.uniform(0, 5000), rng.choice((0, 1, 2)))
    if col_type == "integer":
        return rng.randrange(0, 1000)
    return None  # text, choice, uscc: filled below from a valid example


def test_list_field_checks_at_5000_rows_equal_the_row_loop(catalogue) -> None:
    from tests.list_inputs_helpers import list_inputs

    form = catalogue.get(FORM)
    table = form.table(TABLE)
    rows = [f"r{i}" for i in range(1, 5001)]
    inputs = list_inputs(table, rows, random.Random(16))
    from dataclasses import replace

    from forms.compute import ComputeContext

    context = ComputeContext(catalogue.reference, 2025)
    computed = compute_form(form, inputs, {TABLE: rows}, context)
    assert computed.errors  # some computed cells fail (text in a number column …): rows loud for that
    # the same with formats (``pattern``) on a text, a choice and a code column, and a required one
    patterned = replace(table, columns=tuple(
        replace(c, pattern=r"永川测试企业\d{4}1.*|abc|是", required=True) if c.key == "name"
        else replace(c, pattern="是|企业直报") if c.type == "choice"
        else replace(c, pattern="9150.*") if c.type == "uscc" else c for c in table.columns))
    for checked in (table, patterned):
        fast, plain = FindingCollector(form, computed, {}), FindingCollector(form, computed, {})
        field_checks(checked, inputs, rows, fast)
        field_checks(checked, inputs, rows, plain, set(rows))  # ``only`` every row: the row loop alone
        assert len(plain.findings) > 300
        assert fast.findings == plain.findings
        assert fast.invalid == plain.invalid
    assert sum(f.rule_id == "格式" for f in plain.findings) > 1000


@pytest.mark.parametrize("kind", ["whole after scaling", "within the tolerance", "too many decimals", "ints and floats"])
def test_decimal_places_told_by_column_equal_the_row_loop(catalogue, kind) -> None:
    """r28: a number column whose scaled figures are all whole passes in one pass; the other cases as
    before (close to whole within 1e-6, more decimals than allowed, ints mixed in): row loop = column."""
    from forms.compute import ComputeContext
    from tests.list_inputs_helpers import list_inputs

    form = catalogue.get(FORM)
    table = form.table(TABLE)
    rows = [f"r{i}" for i in range(1, 5001)]
    rng = random.Random(28)
    inputs = {k: v for k, v in list_inputs(table, rows, rng).items()}
    checked = [c for c in table.columns if table.is_input(None, c) and c.numeric and c.check_decimals and c.decimals]
    assert checked
    for col in checked:
        for n, row in enumerate(rows):
            whole = rng.randrange(0, 10**6) / 10**col.decimals  # e.g. 15230.5: its scaled figure whole or ±1 ulp
            value = {"whole after scaling": float(rng.randrange(0, 10**6)) / 2 if col.decimals else float(n),
                     "within the tolerance": whole,
                     "too many decimals": whole + (0.5 / 10**col.decimals if n == 4321 else 0.0),
                     "ints and floats": n if n % 2 else whole}[kind]
            inputs[(TABLE, row, col.key)] = value
    computed = compute_form(form, inputs, {TABLE: rows}, ComputeContext(catalogue.reference, 2025))
    fast, plain = FindingCollector(form, computed, {}), FindingCollector(form, computed, {})
    field_checks(table, inputs, rows, fast)
    field_checks(table, inputs, rows, plain, set(rows))
    assert fast.findings == plain.findings and fast.invalid == plain.invalid
    decimals = [f for f in plain.findings if f.col in {c.key for c in checked} and f.row == "r4322"]
    assert bool(decimals) == (kind == "too many decimals")


def _reported_edit(workspace: Workspace, township) -> int:  # noqa: ANN001
    """The demo's enterprise list with a 企业直报 figure changed after it was first stored."""
    data = workspace.open_report(township.id, FORM, "2025")
    rid = data.report.id
    row = data.list_rows[TABLE][0]
    workspace.edit(rid, (TABLE, row, "source"), "企业直报")
    workspace.edit(rid, (TABLE, row, "value_added"), 1234.5)
    workspace.edit(rid, (TABLE, row, "value_added"), 2345.5)
    workspace.edit(rid, (TABLE, row, "raw_energy"), 7.5)
    return rid


def test_reported_rule_reads_only_its_columns_with_the_same_findings(workspace, demo_township) -> None:
    rid = _reported_edit(workspace, demo_township)
    form = workspace.form(FORM)
    wanted = reported_columns(form)
    assert wanted and set(wanted[TABLE]) < set(form.table(TABLE).column_keys)
    every = first_values(workspace.store, rid)
    some = first_values(workspace.store, rid, columns=wanted)
    assert some == {k: v for k, v in every.items() if k[0] in wanted and k[2] in wanted[k[0]]}
    data = workspace.store.load(rid)
    context = workspace.context("2025")

    def findings(reported: dict) -> list:
        inputs = {FORM: ReportInput(form, data.values, data.notes, data.list_rows, {}, reported)}
        return validate_bundle(inputs, context, "2025")[FORM].findings

    with_all = findings(every)
    assert any(f.rule_id == next(r.id for r in form.rules if r.kind == "reported") for f in with_all)
    assert findings(some) == with_all
    assert workspace.validate(data).findings == with_all
    period = Workspace(workspace.store, workspace.catalogue, workspace.user).validate_period(demo_township.id, "2025")
    assert period[FORM][1].findings == with_all


def test_load_and_has_input_as_the_plain_query(workspace, demo_township) -> None:
    rid = _reported_edit(workspace, demo_township)
    row = workspace.store.load(rid).list_rows[TABLE][1]
    workspace.set_note(rid, (TABLE, row, "boiler"), "只有说明、没有数值的单元格")
    workspace.edit(rid, (TABLE, row, "value_added"), None)
    workspace.set_note(rid, (TABLE, row, "energy_equal"), "数值和说明都有")
    store = workspace.store
    for (report_id,) in store.conn.execute("SELECT id FROM reports").fetchall():
        values, notes = {}, {}
        for table, r, c, value, note in store.conn.execute(
                f"SELECT table_key, row_key, col_key, value, note FROM {dump_cells(store.conn)} WHERE report_id = ?",
                (report_id,)).fetchall():
            if value is not None:
                values[(table, r, c)] = value
            if note:
                notes[(table, r, c)] = note
        data = store.load(report_id)
        assert data.values == values  # (w2: read column by column, the order is the packs')
        assert list(data.notes.items()) == list(notes.items())
        assert store.has_input(report_id) == data.has_input
    empty = workspace.open_report(demo_township.id, FORM, "2026")
    workspace.set_note(empty.report.id, (TABLE, "r1", "name"), "说明不是填报数值")
    assert not store.has_input(empty.report.id) and not store.load(empty.report.id).has_input


def test_export_keeps_the_validations_it_made(workspace, demo_township, tmp_path, monkeypatch) -> None:
    from export.submission import export_submission

    export_submission(workspace, demo_township.id, "2025", tmp_path / "a.xlsx")
    kept = {k: workspace.validate(workspace.find_report_data(demo_township.id, k, "2025"))
            for k in ("energy_consumption", FORM)}
    import storage.workspace as module

    def no_full_validation(*_args: object) -> None:
        raise AssertionError("nothing changed but statuses: no report is validated again")

    monkeypatch.setattr(module.Workspace, "_validate_fully", no_full_validation)
    export_submission(workspace, demo_township.id, "2025", tmp_path / "b.xlsx")
    for key, result in kept.items():
        assert workspace.validate(workspace.find_report_data(demo_township.id, key, "2025")) is result
    monkeypatch.undo()
    data = workspace.find_report_data(demo_township.id, FORM, "2025")
    workspace.edit(data.report.id, (TABLE, data.list_rows[TABLE][0], "boiler"), 3)  # a value: validated again
    assert workspace.validate(workspace.find_report_data(demo_township.id, FORM, "2025")) is not kept[FORM]


def test_validate_command_gives_each_form_as_validated_alone(workspace, demo_township, capsys) -> None:
    """``validate`` without --form validates the period at once: the same as form by form."""
    import json

    import commands

    rid = workspace.find_report_data(demo_township.id, "energy_consumption", "2025").report.id
    workspace.edit(rid, ("energy", "diesel", "consumption"), "-5")  # read by two other forms' rules too
    keys = [f.key for f in workspace.catalogue if f.period_type == "年报"]
    fresh = Workspace(workspace.store, workspace.catalogue, workspace.user)
    assert commands.validate(fresh, "2025", None, None, as_json=True) == commands.EXIT_FINDINGS
    together = json.loads(capsys.readouterr().out)
    alone = []
    for key in keys:
        one = Workspace(workspace.store, workspace.catalogue, workspace.user)
        commands.validate(one, "2025", None, [key], as_json=True)
        alone += json.loads(capsys.readouterr().out)["reports"]
    assert together["reports"] == alone
    assert sum(len(r["findings"]) for r in alone) > 10
