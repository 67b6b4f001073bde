"""An edit re-validates only what it can affect (``forms.incremental``); the full validation stays
the reference: random edit sequences on real forms in a real SQLite file must give exactly the
findings (in order) and computed cells that a full validation of the stored report gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.validation import referenced_forms
from storage.demo import _uscc
from storage.workspace import Workspace

PERIOD = "2025"
# Typed text per column type: valid, invalid, blank, extreme; a few 信用代码 (duplicates follow).
NUMBERS = ["", "0", "12.5", "-3", "1e308", "abc", "10000", "12345678901234567890", "3.14159", "5,000", "35", "0.001"]
USCC = [_uscc("91500118MA0000001"), _uscc("91500118MA0000002"), _uscc("91500118MA0000001").lower(),
        "915001180000000000", "12345", ""]
TEXTS = ["", "永川某某公司", "\x07控制字符", "甲" * 3]


def _typed(col, present: list) -> st.SearchStrategy[str]:
    """Text to type into ``col``; ``present``: the column's values now (typing one again duplicates it)."""
    if col.numeric:
        return st.sampled_from(NUMBERS)
    if col.type == "choice":
        return st.sampled_from([*col.choices, "", "不存在的选项"])
    fixed = st.sampled_from(USCC if col.type == "uscc" else TEXTS)
    again = [str(v) for v in present if v is not None]
    return st.one_of(fixed, st.sampled_from(again)) if again else fixed


@pytest.fixture(scope="module")
def template(tmp_path_factory, catalogue) -> Path:
    """The demo database, with 2024 filled as 2025 (so the vs-last-year rules have work), copied per example."""
    path = tmp_path_factory.mktemp("incremental") / "template.sqlite"
    ws = Workspace.open(path, catalogue=catalogue, user="测试员")
    town = next(t for t in ws.townships() if t.is_demo)
    for form in catalogue:
        data = ws.find_report_data(town.id, form.key, PERIOD)
        if data is None:
            continue
        earlier = ws.open_report(town.id, form.key, "2024")
        for table, rows in data.list_rows.items():
            for _ in rows:
                ws.store.add_list_row(earlier.report.id, table, ws.user)
        ws.edit_many(earlier.report.id, [(cell, value) for cell, value in data.values.items()], reason="测试")
    ws.close()
    return path


def _open(template: Path, folder: Path, catalogue) -> tuple[Workspace, Workspace]:
    path = folder / "db.sqlite"
    shutil.copy(template, path)
    return Workspace.open(path, catalogue=catalogue, user="测试员"), Workspace.open(path, catalogue=catalogue, user="审")


def _same_as_full(reference: Workspace, state) -> None:
    """``state`` (from the edit path) against a full validation of the stored report on another connection."""
    stored = reference.store.load(state.report_id)
    assert stored.values == state.data.values and stored.notes == state.data.notes
    full = reference.validate(stored)
    assert state.result.findings == full.findings
    assert state.result.computed.values == full.computed.values
    assert state.result.computed.errors == full.computed.errors
    assert state.result.computed.sources == full.computed.sources


# One step: (form, table position, data (the cell, the typed text), 说明 or None, add a row first); the
# 2,000-row-capable list comes up most (its rows are re-validated one by one).
STEP = st.tuples(st.sampled_from(["key_energy_units"] * 3 + ["energy_consumption", "coal_vocs", "agriculture"]),
                 st.integers(0, 5), st.data(),
                 st.one_of(st.none(), st.none(), st.sampled_from(["", "核实无误", "企业更正后的报表已复核"])),
                 st.integers(0, 5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_random_edits_give_the_findings_of_a_full_validation(template, tmp_path_factory, catalogue, steps):
    ws, reference = _open(template, tmp_path_factory.mktemp("run"), catalogue)
    town = next(t for t in ws.townships() if t.is_demo)
    states: dict[str, object] = {}
    stale: set[str] = set()  # forms whose last validation predates a write to a form they read

    def readers(written: str) -> set[str]:
        return {k for k in states if k != written and written in referenced_forms(ws.form(k))}
    try:
        for form_key, t, data, note, add_row in steps:
            form = ws.form(form_key)
            if form_key not in states:
                opened = ws.open_report(town.id, form_key, PERIOD)
                states[form_key] = ws.report_state(opened.report.id)
                stale.discard(form_key)
            state = states[form_key]
            table = form.tables[t % len(form.tables)]
            if add_row == 0 and table.kind == "list":
                state = ws.add_list_row(state.report_id, table.key).state
                stale = (stale | readers(form_key)) - {form_key}
            keys = state.data.list_rows.get(table.key, []) if table.kind == "list" else [x.key for x in table.rows]
            columns = [col.key for col in table.columns if not col.computed]
            row_key = data.draw(st.sampled_from(keys)) if keys else None
            col_key = data.draw(st.sampled_from(columns))
            spec = None if table.kind == "list" else table.row(row_key)
            if row_key is None or not table.is_input(spec, table.column(col_key)):
                continue
            cell = (table.key, row_key, col_key)
            if note is None:
                present = [state.data.values.get((table.key, k, cell[2])) for k in keys]
                typed = data.draw(_typed(table.column(cell[2]), present))
                changes = ws.change_cells(state.report_id, [(cell, typed)], base=state.data)
            else:
                changes = ws.set_note(state.report_id, cell, note, base=state.data)
            if note is None and form_key not in stale:
                # nothing it reads written since its last validation: only the edit is re-validated (a form
                # whose inputs were written may also be: the workspace re-validated it as a dependent then;
                # either way the result must be the full validation's, checked next)
                assert changes.state.result.index.recomputed is not None
            _same_as_full(reference, changes.state)
            wrote = (changes.statuses or changes.state.data.values != state.data.values
                     or changes.state.data.notes != state.data.notes)
            states[form_key] = changes.state  # validated now
            stale = ((stale | readers(form_key)) if wrote else stale) - {form_key}
    finally:
        ws.close()
        reference.close()


@pytest.mark.parametrize("writer", ["another connection", "the same workspace"])
def test_an_edit_after_an_earlier_period_changed_validates_in_full(template, tmp_path, catalogue, writer):
    """What the cached validation read (here: last year's report) may have changed: then in full."""
    ws, reference = _open(template, tmp_path, catalogue)
    other = reference if writer == "another connection" else ws
    town = next(t for t in ws.townships() if t.is_demo)
    state = ws.report_state(ws.open_report(town.id, "key_energy_units", PERIOD).report.id)
    cell = ("units", state.data.list_rows["units"][0], "value_added")
    first = ws.change_cells(state.report_id, [(cell, "2400")], base=state.data)
    assert first.state.result.index.recomputed is not None  # nothing else written: incremental
    earlier = other.open_report(town.id, "key_energy_units", "2024")
    other.change_cells(earlier.report.id, [(("units", earlier.list_rows["units"][0], "value_added"), "1")])
    second = ws.change_cells(state.report_id, [(cell, "2500")], base=first.state.data)
    assert second.state.result.index.recomputed is None  # validated in full
    _same_as_full(reference, second.state)
    ws.close()
    reference.close()


def test_the_reported_rule_sees_a_first_value_stored_by_the_edit(workspace, demo_township):
    """A cell first filled by an edit: its first stored value (migration 3's table) is what the
    enterprise reported; changing it afterwards needs a 说明 — found by the incremental path too."""
    state = workspace.report_state(workspace.open_report(demo_township.id, "key_energy_units", PERIOD).report.id)
    row = workspace.add_list_row(state.report_id, "units")
    state = row.state
    cells = [(("units", row.row_key, "source"), "企业直报"), (("units", row.row_key, "boiler"), "12")]
    state = workspace.change_cells(state.report_id, cells, base=state.data).state
    changed = workspace.change_cells(state.report_id, [(("units", row.row_key, "boiler"), "10")], base=state.data)
    assert changed.state.result.index.recomputed is not None
    found = [f for f in changed.state.result.findings if f.rule_id == "K007" and f.row == row.row_key]
    assert [f.text.split("，")[0] for f in found] == ["原报数为 12"]
    assert workspace.store.conn.execute("SELECT value FROM first_values WHERE report_id = ? AND row_key = ?"
                                        " AND col_key = 'boiler'", (state.report_id, row.row_key)).fetchone() == (12,)


def test_only_the_latest_validations_are_kept_for_edits(workspace, demo_township, monkeypatch):
    """A district batch validates thousands of reports: the workspace keeps the latest few."""
    import storage.workspace

    monkeypatch.setattr(storage.workspace, "KEPT_VALIDATIONS", 2)
    states = {key: workspace.report_state(workspace.open_report(demo_township.id, key, PERIOD).report.id)
              for key in ("key_energy_units", "agriculture", "energy_consumption")}
    oldest, newest = states["key_energy_units"], states["energy_consumption"]
    edited = workspace.change_cells(newest.report_id, [(("energy", "diesel", "consumption"), "1")], base=newest.data)
    assert edited.state.result.index.recomputed is not None  # still kept: incremental
    cell = ("units", oldest.data.list_rows["units"][0], "boiler")
    forgotten = workspace.change_cells(oldest.report_id, [(cell, "1")], base=oldest.data)
    assert forgotten.state.result.index.recomputed is None  # no longer kept: validated in full
    assert forgotten.state.result.findings == workspace.validate(workspace.load(oldest.report_id)).findings


def test_validate_period_again_is_the_same_until_something_is_written(workspace, demo_township):
    first = workspace.validate_period(demo_township.id, PERIOD)
    again = workspace.validate_period(demo_township.id, PERIOD)
    assert all(again[k][1] is first[k][1] for k in first)  # nothing written: the same validations
    data = first["energy_consumption"][0]
    workspace.change_cells(data.report.id, [(("energy", "raw_coal", "consumption"), "99999")], base=data)
    after = workspace.validate_period(demo_township.id, PERIOD)
    fresh = Workspace(workspace.store, workspace.catalogue, "另一位").validate_period(demo_township.id, PERIOD)
    assert {k: r.findings for k, (_d, r) in after.items()} == {k: r.findings for k, (_d, r) in fresh.items()}
    assert after["coal_vocs"][1].findings != first["coal_vocs"][1].findings  # coal_vocs reads form 1's coal
