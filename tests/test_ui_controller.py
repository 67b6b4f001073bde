"""The presenter with a fake view: no widgets, no Qt event loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ui.controller import Controller, ReportState, summary_text

FORM = "energy_consumption"


class FakeView:
    """Records what the controller asks the window to show."""

    def __init__(self, export_path: Path | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.townships: list[Any] = []
        self.periods: list[tuple[str, str]] = []
        self.current_period: str | None = None
        self.forms: list[Any] = []
        self.session: Any = None
        self.state: ReportState | None = None
        self.messages: list[str] = []
        self.errors: list[tuple[str, str]] = []
        self.saved: list[str] = []
        self.export_path = export_path
        self.asked_name: str | None = None
        self.unready_answers: list[tuple[str, str] | None] = []

    def show_townships(self, townships, current_id):
        self.townships = townships
        self.calls.append(("townships", current_id))

    def show_periods(self, periods, current):
        self.periods, self.current_period = periods, current

    def show_forms(self, forms, current_key):
        self.forms = forms

    def show_report(self, session):
        self.session = session
        self.state = session.state if session else None

    def show_state(self, state):
        self.state = state

    def show_message(self, text):
        self.messages.append(text)

    def show_saved(self, when):
        self.saved.append(when)

    def show_error(self, title, text):
        self.errors.append((title, text))

    def ask_export_path(self, default_name):
        self.asked_name = default_name
        return self.export_path

    def run_task(self, label, task, on_done):  # synchronous stand-in for ui.operations
        self.calls.append(("task", label))

    def ask_unready_export(self, readiness):
        self.calls.append(("unready", readiness))
        return self.unready_answers.pop(0) if self.unready_answers else None

    def show_exported(self, path, sealed=None):
        self.calls.append(("exported", path))


@pytest.fixture
def view() -> FakeView:
    return FakeView()


@pytest.fixture
def controller(view, workspace) -> Controller:
    c = Controller(view)
    c.attach(workspace)
    return c


def test_attach_selects_demo_township_default_period_and_first_form(controller, view, demo_township):
    assert view.townships[0].is_demo
    assert controller.township.id == demo_township.id
    assert controller.form_key == FORM
    assert controller.period == view.current_period
    assert "2025" in [p for p, _ in view.periods] and "2024" in [p for p, _ in view.periods]
    assert dict(view.periods)["2025"] == "2025年"
    assert view.session is not None and view.session.form.key == FORM


def test_attach_restores_remembered_choice(view, workspace, demo_township):
    c = Controller(view)
    c.attach(workspace, demo_township.id, "2024", FORM)
    assert c.period == "2024"
    assert view.session.period == "2024"
    assert [f.status for f in view.forms] == ["已审核"] * len(workspace.catalogue)  # the demo audited 2024


def test_unknown_remembered_values_fall_back(view, workspace):
    c = Controller(view)
    c.attach(workspace, 999999, "garbage", "no_such_form")
    assert c.township.is_demo and c.form_key == FORM and c.period in [p for p, _ in view.periods]


def test_select_period_opens_that_report(controller, view):
    controller.select_period("2024")
    assert view.session.period == "2024"
    assert view.state.data.values[("energy", "raw_coal", "consumption")] == 18650.0


def test_select_other_township_shows_empty_report(controller, view, workspace):
    other = next(t for t in workspace.townships() if not t.is_demo)
    controller.select_township(other.id)
    assert view.session.township.id == other.id
    assert not view.state.data.has_input
    assert [f.status for f in view.forms] == ["未填"] * len(workspace.catalogue)


def test_audit_updates_status_and_reports_summary(controller, view, workspace):
    controller.select_period("2025")
    state = controller.audit()
    assert state is not None and state.status == "已审核"
    assert view.forms[0].status == "已审核"
    assert view.messages[-1] == f"审核完成（已审核）：{summary_text(state.result)}"
    assert "错误0" in view.messages[-1]
    assert workspace.store.get_report(state.report_id).validated_at


def test_report_edited_refreshes_forms_and_saved_time(controller, view, workspace):
    report_id = view.session.report_id
    changes = workspace.change_cells(report_id, [(("energy", "coke", "consumption"), "abc")])
    assert changes.statuses[report_id] == "有错误"
    controller.report_edited(changes)
    assert view.forms[0].status == "有错误"
    assert view.saved and len(view.saved[-1]) == 8  # HH:MM:SS
    assert view.state.status == "有错误"


def test_save_note_explains_warning(controller, view, workspace):
    report_id = view.session.report_id
    cell = ("energy", "raw_coal", "consumption")
    workspace.edit(report_id, cell, 250000)
    controller._revalidate()
    assert view.forms[0].status == "有警告"
    controller.save_note(cell, "核实无误")  # a bare confirmation does not explain
    assert view.forms[0].status == "有警告"
    controller.save_note(cell, "新建陶瓷厂投产，用煤量大幅增加")
    assert view.forms[0].status == "填报中"
    assert view.state.data.notes[cell] == "新建陶瓷厂投产，用煤量大幅增加"
    assert all(f.explained for f in view.state.result.findings if f.severity == "警告")
    assert view.saved


def test_export_asks_for_path_and_runs_in_background(controller, view, tmp_path):
    pytest.importorskip("export.submission")
    view.export_path = tmp_path / "out.xlsx"
    controller.export()
    assert view.asked_name == "演示镇（示例数据）_2025_节能减排统计.xlsx"
    assert view.calls[-1][0] == "task"


def test_export_cancelled_does_nothing(controller, view):
    pytest.importorskip("export.submission")
    controller.export()
    assert view.asked_name is not None
    assert not [c for c in view.calls if c[0] == "task"]


def test_export_tells_what_is_not_ready_before_the_path(controller, view, workspace, tmp_path):
    """Issue 13.11: an empty form is named before the save dialog; declaring it 本期无数据 (with a
    reason) makes the period ready, and only then is the path asked."""
    from tests.no_data_helpers import clear_form

    clear_form(workspace, controller.township.id, "agriculture")
    controller.export()  # cancelled at the readiness question: no path asked
    [(_, readiness)] = [c for c in view.calls if c[0] == "unready"]
    assert [f.key for f in readiness.empty] == ["agriculture"] and view.asked_name is None
    view.unready_answers = [("declare", "无")]  # too short a reason: refused, shown, nothing asked
    controller.export()
    assert view.errors and "原因" in view.errors[-1][1] and view.asked_name is None
    view.unready_answers = [("declare", "本镇无农业生产")]
    view.export_path = tmp_path / "out.xlsx"
    controller.export()
    assert view.asked_name is not None and view.calls[-1][0] == "task"
    assert {f.key: f.status for f in view.forms}["agriculture"] == "本期无数据"


class LaterView(FakeView):
    """A view that validates off its thread as the window does: the jobs wait until the test runs them."""

    def __init__(self) -> None:
        super().__init__()
        self.later: list[tuple[Any, Any]] = []

    def validate_later(self, task, on_done):
        self.later.append((task, on_done))


def test_a_result_arriving_after_the_database_closed_is_dropped(workspace, monkeypatch) -> None:
    """The window closed (or opened another database) while a report was validated on a pool
    thread: the result is dropped — no error, nothing shown, nothing written to the closed file."""
    from storage.workspace import Workspace

    monkeypatch.setattr(Workspace, "DEFER_VALIDATION_FROM", 0)
    view, opened = LaterView(), LaterView()
    for v in (view, opened):
        Controller(v).attach(workspace)
        assert v.state.result.pending and len(v.later) == 1
    task, on_done = opened.later.pop()
    on_done(task(workspace))  # still open: the findings are shown
    assert not opened.state.result.pending
    task, on_done = view.later.pop()
    result = task(workspace)
    workspace.close()
    assert workspace.closed
    on_done(result)
    on_done(None)  # (a failed operation: the controller would validate here — not on a closed file)
    assert view.state.result.pending
