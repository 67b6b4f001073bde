"""r28: an edit's values (or 说明) and the report status they give are ONE transaction — one
commit, one fsync per keystroke-Enter instead of two — and a fault after the edit is stored never
costs the clerk the edit, while a failed write undoes all of it."""

from __future__ import annotations

import sqlite3

import pytest

from storage.database import StorageError
from tests.stored import stored_value

FORM, CELL = "energy_consumption", ("energy", "raw_coal", "consumption")


def _stored_status(db_path, report_id: int) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT status FROM reports WHERE id = ?", (report_id,)).fetchone()[0]
    finally:
        conn.close()


def _commits(workspace) -> list[str]:
    seen: list[str] = []
    workspace.store.conn.raw.set_trace_callback(lambda sql: seen.append(sql.split()[0].upper()))
    return seen


def test_an_edit_that_changes_the_status_is_one_commit(workspace, demo_township, db_path):
    data = workspace.open_report(demo_township.id, FORM, "2025")
    before = _stored_status(db_path, data.report.id)
    seen = _commits(workspace)
    changes = workspace.change_cells(data.report.id, [(CELL, "-5")], base=data)  # negative: an error
    assert changes.statuses.get(data.report.id) not in (None, before)  # the status did change
    assert seen.count("COMMIT") == 1 and seen.count("BEGIN") == 1
    assert stored_value(db_path, data.report.id, *CELL) == -5  # both committed, read by another connection
    assert _stored_status(db_path, data.report.id) == changes.statuses[data.report.id]


def test_a_note_and_its_status_are_one_commit(workspace, demo_township, db_path):
    data = workspace.open_report(demo_township.id, FORM, "2025")
    seen = _commits(workspace)
    workspace.set_note(data.report.id, CELL, "新投产锅炉，用煤增加", base=data)
    assert seen.count("COMMIT") == 1


def test_a_validation_fault_after_the_edit_keeps_the_edit(workspace, demo_township, db_path, monkeypatch):
    data = workspace.open_report(demo_township.id, FORM, "2025")

    def broken(*_args, **_kwargs):
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(workspace, "_validate_change", broken)
    with pytest.raises(OverflowError):
        workspace.change_cells(data.report.id, [(CELL, "4321.5")], base=data)
    assert stored_value(db_path, data.report.id, *CELL) == 4321.5  # committed before the fault was raised
    assert not workspace.store.conn.in_transaction


def test_a_failed_status_write_undoes_the_whole_edit(workspace, demo_township, db_path, monkeypatch):
    data = workspace.open_report(demo_township.id, FORM, "2025")
    value_before = stored_value(db_path, data.report.id, *CELL)
    status_before = _stored_status(db_path, data.report.id)
    real = workspace.store.set_status

    def full_disk(report_id, status, **kwargs):
        with workspace.store.atomic():
            real(report_id, status, **kwargs)
            raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(workspace.store, "set_status", full_disk)
    with pytest.raises(StorageError, match="已撤回"):
        workspace.change_cells(data.report.id, [(CELL, "-5")], base=data)
    assert stored_value(db_path, data.report.id, *CELL) == value_before
    assert _stored_status(db_path, data.report.id) == status_before
    assert not workspace.store.conn.in_transaction
    # and the next edit works as usual
    monkeypatch.setattr(workspace.store, "set_status", real)
    workspace.change_cells(data.report.id, [(CELL, "77")], base=workspace.open_report(demo_township.id, FORM, "2025"))
    assert stored_value(db_path, data.report.id, *CELL) == 77
