"""Validations kept between sessions (issue 16, migration 8): ``validate_period`` in a new session
uses the findings an earlier session stored only while nothing they were computed from changed —
the report, the forms its rules read, its earlier periods, the forms and the program — and then
gives exactly what validating again gives; any change makes it validate again."""

from __future__ import annotations

import pytest

from forms.validation import KeptResult, referenced_forms
from storage import validation_cache
from storage.database import Store
from storage.workspace import Workspace

FORM, TABLE, PERIOD = "key_energy_units", "units", "2025"


def _session(workspace: Workspace, *, readonly: bool = False) -> Workspace:
    """A new session on the same database file (nothing validated in it yet)."""
    store = Store.open(workspace.path, readonly=readonly)
    return Workspace(store, workspace.catalogue, workspace.user)


def _full(workspace: Workspace, township_id: int) -> dict:
    return {r.form_key: workspace._validate_fully(workspace.store.load(r.id)).findings
            for r in workspace.store.reports_for(township_id, PERIOD)}


def _period(workspace: Workspace, township_id: int, *, readonly: bool = False) -> dict:
    """``validate_period`` in a new session: form key → (kept or not, findings, computed values)."""
    other = _session(workspace, readonly=readonly)
    try:
        return {k: (isinstance(r, KeptResult), r.findings, r.computed.values)
                for k, (_d, r) in other.validate_period(township_id, PERIOD).items()}
    finally:
        other.close()


def _same_as_validating_again(workspace: Workspace, township_id: int, found: dict) -> None:
    plain = _full(workspace, township_id)
    assert {k: f for k, (_kept, f, _v) in found.items()} == plain
    for key, (_kept, _f, values) in found.items():
        data = workspace.find_report_data(township_id, key, PERIOD)
        assert values == workspace._validate_fully(data).computed.values


def test_an_unchanged_period_uses_the_kept_findings_exactly(workspace, demo_township) -> None:
    data = workspace.open_report(demo_township.id, FORM, PERIOD)
    row = data.list_rows[TABLE][0]
    workspace.edit(data.report.id, (TABLE, row, "energy_equal"), 12000)  # 警告 K003 and more
    workspace.set_note(data.report.id, (TABLE, row, "key_unit"), "该单位已列入市级重点用能单位名单，本表按实际填写")
    first = _period(workspace, demo_township.id)  # computes and keeps them
    assert not any(kept for kept, _f, _v in first.values())
    again = _period(workspace, demo_township.id)
    assert all(kept for kept, _f, _v in again.values()) and len(again) >= 7
    assert sum(len(f) for _k, f, _v in again.values()) > 5
    _same_as_validating_again(workspace, demo_township.id, again)
    # a read-only session (the validate command) uses them too, and writes nothing
    before = workspace.store.conn.execute("SELECT count(*) FROM validation_cache").fetchone()[0]
    assert all(kept for kept, _f, _v in _period(workspace, demo_township.id, readonly=True).values())
    assert workspace.store.conn.execute("SELECT count(*) FROM validation_cache").fetchone()[0] == before


def _edit_value(ws: Workspace, town) -> set[str]:  # noqa: ANN001
    data = ws.find_report_data(town.id, FORM, PERIOD)
    ws.edit(data.report.id, (TABLE, data.list_rows[TABLE][0], "raw_energy"), 999999)  # K001 错误
    return {FORM}


def _edit_note(ws: Workspace, town) -> set[str]:  # noqa: ANN001
    data = ws.find_report_data(town.id, FORM, PERIOD)
    cells = [f.cell for f in ws.validate(data).findings if f.severity == "警告"]
    ws.set_note(data.report.id, cells[0], "经核实，该企业2025年新上生产线，能耗增加属实")
    return {FORM}


def _edit_read_form(ws: Workspace, town) -> set[str]:  # noqa: ANN001
    rid = ws.find_report_data(town.id, "energy_consumption", PERIOD).report.id
    ws.edit(rid, ("energy", "diesel", "consumption"), "-5")  # read by other forms' rules too
    return {"energy_consumption"}


def _edit_earlier_period(ws: Workspace, town) -> set[str]:  # noqa: ANN001
    earlier = ws.open_report(town.id, "energy_consumption", "2024")
    ws.edit(earlier.report.id, ("energy", "diesel", "consumption"), 1.0)
    return set()


def _add_row(ws: Workspace, town) -> set[str]:  # noqa: ANN001
    ws.add_list_row(ws.find_report_data(town.id, FORM, PERIOD).report.id, TABLE)
    return {FORM}


def _remove_row(ws: Workspace, town) -> set[str]:  # noqa: ANN001
    data = ws.find_report_data(town.id, FORM, PERIOD)
    ws.remove_list_row(data.report.id, TABLE, data.list_rows[TABLE][-1])
    return {FORM}


@pytest.mark.parametrize("change", [_edit_value, _edit_note, _edit_read_form, _edit_earlier_period, _add_row,
                                    _remove_row])
def test_a_stale_marker_means_validating_again(workspace, demo_township, change) -> None:
    _period(workspace, demo_township.id)  # kept
    before = {k: f for k, (_kept, f, _v) in _period(workspace, demo_township.id).items()}
    edited = change(workspace, demo_township)
    found = _period(workspace, demo_township.id)
    _same_as_validating_again(workspace, demo_township.id, found)
    for key in edited:
        assert not found[key][0], f"{key} changed: validated again"
    if change is _edit_earlier_period:  # the vs-last-year rules of the form read it: validated again
        assert not found["energy_consumption"][0]
    if change is _edit_read_form:  # forms whose rules read it are validated again, with new findings
        assert sum(not kept for kept, _f, _v in found.values()) >= 2
        assert any(found[k][1] != before[k] for k in found)
    # the others stay kept: nothing they read moved
    moved = edited | ({"energy_consumption"} if change is _edit_earlier_period else set())
    still = {k for k in found if k not in moved and not referenced_forms(workspace.form(k)) & edited}
    assert still and all(found[k][0] for k in still)


def test_other_forms_or_program_or_a_damaged_row_mean_validating_again(workspace, demo_township, monkeypatch) -> None:
    _period(workspace, demo_township.id)
    assert all(kept for kept, _f, _v in _period(workspace, demo_township.id).values())
    monkeypatch.setattr(validation_cache, "_FINGERPRINTS", {})
    monkeypatch.setattr(validation_cache, "_program_marker", lambda: b"another program version")
    found = _period(workspace, demo_township.id)
    assert not any(kept for kept, _f, _v in found.values())
    _same_as_validating_again(workspace, demo_township.id, found)
    assert all(kept for kept, _f, _v in _period(workspace, demo_township.id).values())  # kept for this one
    with workspace.store.atomic():
        workspace.store.conn.execute("UPDATE validation_cache SET findings = '[[\"错误\"' ")
    found = _period(workspace, demo_township.id)
    assert not any(kept for kept, _f, _v in found.values())
    _same_as_validating_again(workspace, demo_township.id, found)


def test_revisions_move_on_with_every_change_and_are_never_reused(workspace, demo_township) -> None:
    def revision(report_id: int) -> int:
        return workspace.store.conn.execute("SELECT revision FROM reports WHERE id = ?", (report_id,)).fetchone()[0]

    data = workspace.find_report_data(demo_township.id, FORM, PERIOD)
    rid, row = data.report.id, data.list_rows[TABLE][0]
    seen = [revision(rid)]
    for change in (lambda: workspace.edit(rid, (TABLE, row, "boiler"), 3),
                   lambda: workspace.set_note(rid, (TABLE, row, "boiler"), "锅炉已列入淘汰计划"),
                   lambda: workspace.move_list_row(rid, TABLE, row, 1),
                   lambda: workspace.edit(rid, (TABLE, row, "boiler"), None)):
        change()
        seen.append(revision(rid))
    assert seen == sorted(set(seen)) and len(seen) == 5  # each change a new, higher number
    workspace.edit(rid, (TABLE, row, "boiler"), None)  # nothing changes: the same revision
    workspace.store.set_status(rid, "已审核", who="测试员")  # a status is not content: no new revision
    assert revision(rid) == seen[-1]
    # a report deleted and made again (as 撤销导入 does) never gets a revision it had before
    empty = workspace.open_report(demo_township.id, FORM, "2026")
    old = revision(empty.report.id)
    with workspace.store.atomic():
        workspace.store.conn.execute("DELETE FROM reports WHERE id = ?", (empty.report.id,))
    again = workspace.open_report(demo_township.id, FORM, "2026")
    assert revision(again.report.id) > max(old, seen[-1])


def test_opening_an_unchanged_report_shows_the_kept_findings_and_edits_stay_quick(
        workspace, demo_township, qtbot, monkeypatch) -> None:
    from ui.grid_model import GridModel

    data = workspace.open_report(demo_township.id, FORM, PERIOD)
    workspace.edit(data.report.id, (TABLE, data.list_rows[TABLE][0], "energy_equal"), 12000)
    state = _session(workspace).open_state(demo_township.id, FORM, PERIOD)  # validated, kept
    assert not isinstance(state.result, KeptResult)
    other = _session(workspace)
    full, original = [], Workspace._validate_fully
    monkeypatch.setattr(Workspace, "_validate_fully", lambda self, d: full.append(d) or original(self, d))
    shown = other.open_state(demo_township.id, FORM, PERIOD)
    assert isinstance(shown.result, KeptResult) and not full  # nothing validated to show it
    assert shown.result.findings == state.result.findings and shown.result.computed == state.result.computed
    model = GridModel(other, other.form(FORM), other.form(FORM).table(TABLE), shown)
    qtbot.waitUntil(lambda: len(full) == 1)  # once on screen: validated for the edits to come
    target = model.index_for_cell((TABLE, data.list_rows[TABLE][0], "raw_energy"))
    assert model.setData(target, "999999")  # 错误 K001
    assert len(full) == 1  # the edit re-validated only what it affects
    after = model.state.result.findings
    assert any(f.rule_id == "K001" for f in after)
    assert after == _full(other, demo_township.id)[FORM]
    other.close()


def test_a_report_edited_in_a_session_opens_from_its_kept_findings_in_the_next(workspace, demo_township) -> None:
    first = _session(workspace)
    state = first.open_state(demo_township.id, FORM, PERIOD)
    row = state.data.list_rows[TABLE][0]
    changes = first.change_cells(state.report_id, [((TABLE, row, "raw_energy"), "999999")], base=state.data)
    assert any(f.rule_id == "K001" for f in changes.state.result.findings)
    first.close()  # keeps what it validated, as edited
    second = _session(workspace)
    shown = second.open_state(demo_township.id, FORM, PERIOD)
    assert isinstance(shown.result, KeptResult)
    assert shown.result.findings == second._validate_fully(second.store.load(shown.report_id)).findings
    second.close()
    # opened from kept findings, validated once painted, edited: kept at close as edited
    third = _session(workspace)
    opened = third.open_state(demo_township.id, FORM, PERIOD)
    third.validate(opened.data)  # (what the grid does once painted)
    changes = third.change_cells(opened.report_id, [((TABLE, row, "raw_energy"), "888888")], base=opened.data)
    third.close()
    fourth = _session(workspace)
    shown = fourth.open_state(demo_township.id, FORM, PERIOD)
    assert isinstance(shown.result, KeptResult) and shown.result.findings == changes.state.result.findings
    # a change by another connection after a session validated: nothing stale is kept at close
    fourth.validate(shown.data)
    workspace.edit(shown.report_id, (TABLE, row, "raw_energy"), 5)
    fourth.close()
    fifth = _session(workspace)
    again = fifth.open_state(demo_township.id, FORM, PERIOD)
    assert not isinstance(again.result, KeptResult)
    assert not any(f.rule_id == "K001" for f in again.result.findings)
    fifth.close()


def test_a_kept_period_reads_no_report_contents_until_they_are_used(workspace, demo_township) -> None:
    """r4: every marker matches → the findings and each report's has-input come without reading
    the reports' values; the contents, read when first used, are the stored ones."""
    from storage.database import LazyReportData
    from storage.report_status import status_for

    _period(workspace, demo_township.id)  # keeps them
    other = _session(workspace)
    try:
        first = other.validate_period(demo_township.id, PERIOD)
        again = other.validate_period(demo_township.id, PERIOD)  # the same session: still nothing read
        for found in (first, again):
            assert found and all(isinstance(d, LazyReportData) and not d.loaded for d, _r in found.values())
        for key, (data, result) in first.items():
            stored = workspace.store.load(data.report.id)
            assert data.has_input == stored.has_input and not data.loaded
            assert status_for(data, result, True) == status_for(stored, result, True)
            assert (data.values, data.notes, data.list_rows) == (stored.values, stored.notes, stored.list_rows)
            assert again[key][0].loaded  # read once, shared
            assert result.computed.values == workspace._validate_fully(stored).computed.values
    finally:
        other.close()


def test_leaving_one_form_out_validates_the_others_as_with_it(workspace, demo_township) -> None:
    """r4 (the findings panel): the left-out form is neither validated nor returned; the others'
    findings are those of the whole period (their rules still read it), and only their 说明 are read."""
    from storage.database import LazyReportData

    coal = "coal_vocs"  # its rules read other forms
    whole = _session(workspace)
    try:
        every = {k: r.findings for k, (_d, r) in whole.validate_period(demo_township.id, PERIOD).items()}
    finally:
        whole.close()
    validation_cache.forget_all(workspace.store)
    for left in (FORM, coal):
        other = _session(workspace)
        try:
            found = other.validate_period(demo_township.id, PERIOD, leave_out=left)
            assert left not in found and set(found) == set(every) - {left}
            assert {k: r.findings for k, (_d, r) in found.items()} == {k: f for k, f in every.items() if k != left}
            left_report = other.store.find_report(demo_township.id, left, PERIOD)
            assert left_report.id not in other._validated
        finally:
            other.close()
    again = _session(workspace)  # all kept now but the left-out ones' own: only their 说明 read
    try:
        found = again.validate_period(demo_township.id, PERIOD, leave_out=FORM)
        notes = {k: dict(d.notes) for k, (d, _r) in found.items()}
        assert all(isinstance(d, LazyReportData) and not d.loaded for d, _r in found.values())
        assert notes == {k: workspace.store.load(d.report.id).notes for k, (d, _r) in found.items()}
        assert any(notes.values())
    finally:
        again.close()


def test_a_changed_source_file_changes_the_program_marker(tmp_path) -> None:
    """Kept findings belong to the code that made them: an edited source file (another size or
    modification time, as Python's own bytecode cache checks) gives another marker."""
    import os

    first, second = tmp_path / "rules.py", tmp_path / "compute.py"
    first.write_text("A = 1\n")
    second.write_text("B = 2\n")
    before = validation_cache.sources_marker([first, second])
    assert validation_cache.sources_marker([first, second]) == before
    first.write_text("A = 12\n")  # another size
    grown = validation_cache.sources_marker([first, second])
    assert grown != before
    stat = second.stat()
    second.write_text("B = 3\n")  # the same size, written later
    os.utime(second, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert validation_cache.sources_marker([first, second]) != grown
    assert validation_cache._program_marker()  # the program's own sources are found
