"""A period's first 审核 reads each report's values by column (issue 16: ``Store.column_values``,
``LazyReportData.input_values``) instead of the cell dict ``Store.load`` makes: on a real database
with hostile stored values (1e308, a 20-digit int, text in number columns, blanks, a row moved in
the list) the findings are exactly those of validating the loaded cell dict, and the report's
values, 说明 and list rows, when a caller asks for them afterwards, are ``Store.load``'s."""

from __future__ import annotations

import random
from dataclasses import replace

from forms.column_values import ColumnValues
from storage import cell_packs
from storage.database import LazyReportData
from storage.workspace import Workspace
from tests.list_inputs_helpers import list_inputs
from tests.test_speed_paths import FORM, TABLE


def _hostile_list(workspace: Workspace, township, rows: int) -> int:  # noqa: ANN001
    """The demo's enterprise list grown to ``rows`` rows of plausible and hostile stored values."""
    data = workspace.open_report(township.id, FORM, "2025")
    rid = data.report.id
    table = workspace.form(FORM).table(TABLE)
    with workspace.store.atomic():
        keys = [workspace.store.add_list_row(rid, TABLE, workspace.user) for _ in range(rows)]
    cells = list_inputs(table, keys, random.Random(rows))
    cells.update({(TABLE, keys[7], "value_added"): 17.5, (TABLE, keys[7], "source"): "企业直报"})
    big = {cell: value for cell, value in cells.items() if type(value) is int and abs(value) >= 2**63}
    extremes = [((TABLE, keys[1], "energy_equal"), 1e308), ((TABLE, keys[2], "value_added"), 10**20),
                ((TABLE, keys[3], "raw_energy"), "一千"), ((TABLE, keys[4], "energy_equiv"), None),
                ((TABLE, keys[5], "boiler"), -0.0), ((TABLE, keys[6], "name"), "")]
    workspace.store.set_values(rid, [c for c in cells.items() if c[0] not in big], workspace.user, "测试数据")
    with workspace.store.atomic():  # (values an old file stored: the audit cannot hold a 20-digit int)
        cell_packs.write_values(workspace.store.conn, rid, [*big.items(), *extremes], "2025-01-01T00:00:00")
    workspace.store.set_values(rid, [((TABLE, keys[7], "value_added"), 42.5)], workspace.user, "镇街核实")
    workspace.set_note(rid, (TABLE, keys[7], "value_added"), "企业更正后的报表")
    return rid


def test_first_validate_by_columns_gives_the_cell_dict_findings(workspace, demo_township) -> None:
    rid = _hostile_list(workspace, demo_township, 300)
    loaded = workspace.store.load(rid)
    held = workspace.store.column_values(rid)
    assert isinstance(held, ColumnValues) and list(held.items()) == list(loaded.values.items())
    by_cells = Workspace(workspace.store, workspace.catalogue, workspace.user).validate(loaded).findings
    assert by_cells and {"类型", "K007"} <= {f.rule_id for f in by_cells}
    fresh = Workspace(workspace.store, workspace.catalogue, workspace.user)
    data, result = fresh.validate_period(demo_township.id, "2025")[FORM]
    assert result.findings == by_cells
    assert isinstance(data, LazyReportData) and isinstance(data.input_values, ColumnValues)
    # asked afterwards, the report is as ``Store.load`` reads it (made from the columns read, in order)
    assert list(data.values.items()) == list(loaded.values.items())
    assert data.notes == loaded.notes and data.list_rows == loaded.list_rows
    assert data.input_values is data.values  # (read now: the cell dict serves the next validation)


def test_list_rows_read_alone_keep_the_list_order(workspace, demo_township) -> None:
    """A list's row order is its position, not its key: a row moved is read where it now is."""
    rid = _hostile_list(workspace, demo_township, 40)
    keys = workspace.store.load(rid).list_rows[TABLE]
    moved = keys[:1] + [keys[-1]] + keys[1:-1]
    workspace.store.conn.executemany("UPDATE list_rows SET position = ? WHERE report_id = ? AND row_key = ?",
                                     [(i + 1000, rid, k) for i, k in enumerate(moved)])
    loaded = workspace.store.load(rid)
    assert loaded.list_rows[TABLE] == moved == workspace.store.list_rows(rid)[TABLE]
    lazy = LazyReportData(loaded.report, workspace.store)
    held = lazy.input_values
    assert lazy.list_rows == loaded.list_rows and not lazy.loaded
    assert held.column(TABLE, "name", moved) == [loaded.values.get((TABLE, k, "name")) for k in moved]
    fresh = Workspace(workspace.store, workspace.catalogue, workspace.user)
    assert fresh.validate_period(demo_township.id, "2025")[FORM][1].findings == \
        Workspace(workspace.store, workspace.catalogue, workspace.user).validate(loaded).findings


def test_changed_first_values_on_hostile_values_give_every_first_value_findings(workspace, demo_township) -> None:
    """The ``reported`` rule reading only the rows ``changed_first_values`` finds in doubt (first
    values of 1e308, -0.0, text, a value deleted or stored again otherwise) finds what it finds
    reading every first value."""
    from forms.validation import ReportInput, compared_columns, reported_columns, validate_bundle
    from storage.history import changed_first_values, first_values

    rid = _hostile_list(workspace, demo_township, 120)
    keys = workspace.store.list_rows(rid)[TABLE]
    workspace.store.set_values(rid, [((TABLE, keys[1], "energy_equal"), 1e307), ((TABLE, keys[2], "boiler"), None),
                                     ((TABLE, keys[5], "boiler"), 0), ((TABLE, keys[9], "raw_energy"), "多")],
                               workspace.user, "镇街核实")
    form, data = workspace.form(FORM), workspace.store.load(rid)
    every = first_values(workspace.store, rid, columns=reported_columns(form))
    some = changed_first_values(workspace.store, rid, reported_columns(form), compared_columns(form))
    assert some and set(some) < set(every) and all(every[k] == v for k, v in some.items())
    assert {keys[1], keys[2], keys[7], keys[9]} <= {k[1] for k in some}

    def findings(reported: dict) -> list:
        return validate_bundle({FORM: ReportInput(form, data.values, data.notes, data.list_rows, {}, reported)},
                               workspace.context("2025"), "2025")[FORM].findings

    assert findings(some) == findings(every) and sum(f.rule_id == "K007" for f in findings(every)) >= 2


def test_long_list_cells_are_read_from_columns_until_values_are_made(catalogue, monkeypatch) -> None:
    """A form whose last table is a long list: its cells go into ``values`` only when ``values`` is
    first read (``_ListCellsLater``); read before that (``get``, ``cell_reader``) they are what
    ``values`` then holds, and the whole equals the row loop's ``ComputedForm`` (same order)."""
    import forms.compute as compute_module
    from forms.compute import ComputeContext, ComputedForm, compute_form

    form = catalogue.get(FORM)
    table = form.table(TABLE)
    rows = [f"r{i}" for i in range(1, 301)]
    inputs = list_inputs(table, rows, random.Random(7))
    inputs[(TABLE, "gone", "name")] = "不在清单中的行"
    context = ComputeContext(catalogue.reference, 2025)
    asked = [(TABLE, r, c.key) for r in [*rows, "gone", "r9999"] for c in table.columns] + [(TABLE, "r1", "nope")]
    result = compute_form(form, inputs, {TABLE: rows}, context)
    assert type(result) is not ComputedForm and result._later == TABLE
    read = result.cell_reader()
    early = [(result.get(*key), read(key)) for key in asked]
    assert result._later == TABLE  # (nothing above made the cells)
    assert early == [(result.values.get(key),) * 2 for key in asked] and result._later is None
    monkeypatch.setattr(compute_module, "COLUMNWISE_FROM", 10**9)
    by_rows = compute_form(form, inputs, {TABLE: rows}, context)
    assert type(by_rows) is ComputedForm
    monkeypatch.undo()
    fresh = compute_form(form, inputs, {TABLE: rows}, context)
    assert fresh == by_rows and by_rows == fresh and fresh._later is None  # (compared: the cells made)
    assert list(fresh.values.items()) == list(by_rows.values.items())
    # a row key twice: read as ``values`` holds it (the later row's filled cell wins there too)
    twice = compute_form(form, inputs, {TABLE: [*rows, "r5"]}, context)
    assert [twice.get(*key) for key in asked] == [twice.values.get(key) for key in asked]
    # the long list not last: its cells go into ``values`` at once
    grid = catalogue.get("energy_consumption").tables[0]
    mixed = compute_form(replace(form, tables=(table, grid)), inputs, {TABLE: rows}, context)
    assert type(mixed) is ComputedForm and (TABLE, "r1", "name") in mixed.values
