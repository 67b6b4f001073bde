"""r4 (issue 16): a large report is shown first and validated off the window's thread; its
findings are then the same as validating it at once, later edits stay incremental, the findings
are kept for the next session, and a write in between means validating it again."""

from __future__ import annotations

import pytest

from storage.database import Store
from storage.workspace import Workspace

FORM, TABLE, PERIOD = "key_energy_units", "units", "2025"


@pytest.fixture
def defer_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every report counts as large (the demo's are small: the deferral is the point here)."""
    monkeypatch.setattr(Workspace, "DEFER_VALIDATION_FROM", 0)


def _elsewhere(workspace: Workspace, report_id: int):  # noqa: ANN202 - a ValidationResult
    """The report validated on another (read-only) connection, as the window's pool thread does."""
    other = Workspace(Store.open(workspace.path, readonly=True), workspace.catalogue, workspace.user)
    try:
        return other.validate(other.load(report_id))
    finally:
        other.close()


def test_a_deferred_report_adopts_the_validation_made_elsewhere(workspace, demo_township, defer_all) -> None:
    from forms.validation import KeptResult

    state = workspace.open_state(demo_township.id, FORM, PERIOD, defer=True)
    assert state.result.pending and state.result.findings == []
    full = workspace._validate_fully(workspace.store.load(state.report_id))
    assert state.result.computed.values == full.computed.values  # the grid paints the computed values
    adopted = workspace.adopt_validation(state, _elsewhere(workspace, state.report_id))
    assert adopted is not None and not adopted.result.pending and adopted.data is state.data
    assert adopted.result.findings == full.findings and adopted.result.findings
    assert workspace.adopt_validation(state, adopted.result) is None  # once only
    assert workspace.validate(state.data) is adopted.result  # this session's validation now
    row = state.data.list_rows[TABLE][0]
    changes = workspace.change_cells(state.report_id, [((TABLE, row, "value_added"), "4321.5")], base=state.data)
    after = changes.state.result  # the window's edit: re-validated from the adopted result (incremental)
    assert after.index.recomputed.previous() is adopted.result
    assert after.findings == workspace._validate_fully(workspace.store.load(state.report_id)).findings
    # the adopted findings were kept for the next session (as a validation made here)
    workspace.close()
    other = Workspace(Store.open(workspace.path), workspace.catalogue, workspace.user)
    try:
        opened = other.open_state(demo_township.id, FORM, PERIOD, defer=True)
        assert isinstance(opened.result, KeptResult) and not opened.result.pending
        assert opened.result.findings == other._validate_fully(opened.data).findings
    finally:
        other.close()


@pytest.mark.parametrize("where", ["here", "another connection"])
def test_a_write_in_between_refuses_the_result(workspace, demo_township, defer_all, where) -> None:
    state = workspace.open_state(demo_township.id, FORM, PERIOD, defer=True)
    result = _elsewhere(workspace, state.report_id)
    row = state.data.list_rows[TABLE][0]
    if where == "here":
        workspace.edit(state.report_id, (TABLE, row, "boiler"), 3)
    else:
        other = Workspace(Store.open(workspace.path), workspace.catalogue, workspace.user)
        other.edit(state.report_id, (TABLE, row, "boiler"), 3)
        other.close()
    assert workspace.adopt_validation(state, result) is None


def test_a_small_report_is_validated_at_once(workspace, demo_township) -> None:
    state = workspace.open_state(demo_township.id, FORM, PERIOD, defer=True)
    assert len(state.data.values) < Workspace.DEFER_VALIDATION_FROM
    assert not state.result.pending and state.result.findings


def test_the_window_shows_the_report_first_and_its_findings_a_moment_later(qtbot, workspace, demo_township,
                                                                          tmp_path, defer_all) -> None:
    from tests.windows import show_window

    workspace.remember_place(township_id=demo_township.id, period=PERIOD, form_key=FORM)  # opened first
    window = show_window(qtbot, workspace, tmp_path)
    assert window.controller.form_key == FORM and window.controller.session.state.result.pending
    assert window.findings.summary.text().startswith("审核结果：本表 审核中…")
    model = window.grid_view(TABLE).grid_model()
    repainted: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles: repainted.append((a.row(), a.column(), b.row(), b.column())))
    current = window.validating
    qtbot.waitUntil(lambda: not window.validations, timeout=20000)  # this report's and the other forms'
    state = window.controller.session.state
    assert not state.result.pending
    assert state.result is current.result  # adopted (the panel's keeping findings is no change)
    assert state.result.findings == workspace._validate_fully(workspace.store.load(state.report_id)).findings
    assert "本表 错误0" in window.findings.summary.text()
    assert model.state is state  # the grid shows the validated state: its cells' findings, repainted
    own = [f for f in state.result.findings if f.table == TABLE]
    assert own and all(f in model.findings(model.index_for_cell(f.cell)) for f in own)
    for f in own:
        index = model.index_for_cell(f.cell)
        assert any(r0 <= index.row() <= r1 and c0 <= index.column() <= c1 for r0, c0, r1, c1 in repainted)


def test_the_window_validates_again_when_the_database_changed_meanwhile(qtbot, workspace, demo_township,
                                                                        tmp_path, defer_all) -> None:
    from tests.windows import show_window

    workspace.remember_place(township_id=demo_township.id, period=PERIOD, form_key=FORM)
    window = show_window(qtbot, workspace, tmp_path)
    shown = window.controller.session.state
    assert shown.result.pending
    other = Workspace(Store.open(workspace.path), workspace.catalogue, workspace.user)  # another process writes
    other.edit(shown.report_id, (TABLE, shown.data.list_rows[TABLE][0], "boiler"), 3)
    other.close()
    current = window.validating
    qtbot.waitUntil(lambda: not window.validations, timeout=20000)
    state = window.controller.session.state
    assert not state.result.pending and state.result is not current.result  # refused: validated here
    assert state.data is shown.data  # the report as the window shows it
    assert state.result.findings == workspace._validate_fully(shown.data).findings


def test_the_findings_panel_gets_the_other_forms_a_moment_later(qtbot, workspace, demo_township, tmp_path,
                                                                defer_all) -> None:
    """Opening a small form first: the other forms (never validated, here counted as large) are
    validated off the window's thread, kept, and then shown in the panel as 整期审核 has them."""
    from forms.validation import KeptResult
    from tests.windows import show_window

    first = "energy_consumption"
    workspace.remember_place(township_id=demo_township.id, period=PERIOD, form_key=first)
    window = show_window(qtbot, workspace, tmp_path)
    assert window.controller.form_key == first
    assert [g.key for g in window.findings.model.groups()] == [first]  # the others still being validated
    qtbot.waitUntil(lambda: not window.validations, timeout=20000)
    shown = {g.key: list(g.findings) for g in window.findings.model.groups()}
    other = Workspace(Store.open(workspace.path), workspace.catalogue, workspace.user)
    try:
        whole = {k: r.findings for k, (d, r) in other.validate_period(demo_township.id, PERIOD).items()
                 if d.has_input}
        assert all(isinstance(r, KeptResult) for _d, r in other.validate_period(demo_township.id, PERIOD).values())
    finally:
        other.close()
    assert set(shown) == set(whole) and len(shown) >= 7
    assert {k: f for k, f in shown.items() if k != first} == {k: f for k, f in whole.items() if k != first}
