"""An edit in one form re-derives the status of the forms whose cross-form rules read it."""

from __future__ import annotations

from storage.workspace import Workspace


def test_energy_edit_updates_coal_form_status(workspace: Workspace, demo_township) -> None:
    ws = workspace
    energy = ws.find_report_data(demo_township.id, "energy_consumption", "2025")
    coal = ws.find_report_data(demo_township.id, "coal_vocs", "2025")
    assert coal is not None and coal.has_input
    ws.refresh_status(coal.report.id, audited=True)
    before = ws.report(coal.report.id).status
    assert before in ("已审核", "有警告")

    ws.edit(energy.report.id, ("energy", "raw_coal", "consumption"), "99999")  # breaks X701 in form 7
    ws.refresh_status(energy.report.id)
    assert ws.report(coal.report.id).status == "有错误"
    assert any(f.rule_id == "X701" for f in ws.validate(ws.store.load(coal.report.id)).findings)

    ws.edit(energy.report.id, ("energy", "raw_coal", "consumption"), energy.values[("energy", "raw_coal", "consumption")])
    changed = ws.refresh_dependents(ws.report(energy.report.id))
    assert coal.report.id in changed
    assert ws.report(coal.report.id).status == "填报中"  # clean again, but it needs a new 审核
    ws.refresh_status(coal.report.id, audited=True)
    assert ws.report(coal.report.id).status == before


def test_forms_without_cross_references_are_left_alone(workspace: Workspace, demo_township) -> None:
    ws = workspace
    projects = ws.find_report_data(demo_township.id, "reduction_projects", "2025")
    assert ws.refresh_dependents(projects.report) == []
