"""t1 (migration 10): the intake's writer of one received form (``district_store.replace_report``)
holds its report's revision aside while it writes and takes the counter's next number once at the
end — a new number exactly when something changed, the old one when nothing did — and every other
writer still gets a new number from the triggers, row by row as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.district_store import replace_report
from storage.migrations import PAUSED_REVISION
from storage.workspace import Workspace
from tests.test_intake_writes import TABLE, _file, _stored_report


def _revisions(path: Path) -> tuple[dict[int, int], int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, revision FROM reports").fetchall()), \
            conn.execute("SELECT last FROM revision_counter").fetchone()[0]
    finally:
        conn.close()


def _replace(path: Path, catalogue, report_id: int, file: tuple) -> None:
    ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
    try:
        with ws.store.atomic():
            replace_report(ws.store, report_id, *file, ws.user, "收件 a.xlsx")
    finally:
        ws.close()


def test_a_rewritten_report_takes_one_new_revision_and_only_when_it_changed(tmp_path: Path, catalogue) -> None:
    path = tmp_path / "d.sqlite"
    report_id = _stored_report(path, catalogue)
    before, last = _revisions(path)
    assert before[report_id] == last > 0  # (the Store's writes: numbered by the triggers)

    file = _file(5, {(1, "energy_equal"): "新投产"})
    _replace(path, catalogue, report_id, file)
    after, counter = _revisions(path)
    assert after[report_id] == counter == last + 1  # one new number, never used before
    assert PAUSED_REVISION not in after.values()
    assert {k: v for k, v in after.items() if k != report_id} == {k: v for k, v in before.items() if k != report_id}

    _replace(path, catalogue, report_id, file)  # the same file again: nothing changes, nor does the revision
    assert _revisions(path) == (after, counter)

    ws = Workspace.open(path, catalogue=catalogue, demo=False, user="镇街")
    try:  # an ordinary edit afterwards: the triggers number it as before
        row = ws.store.load(report_id).list_rows[TABLE][0]
        ws.store.set_values(report_id, [((TABLE, row, "energy_equal"), 99.0)], "镇街")
    finally:
        ws.close()
    edited, edited_counter = _revisions(path)
    assert edited[report_id] == edited_counter > counter


def test_a_rewrite_that_fails_leaves_the_revision_as_it_was(tmp_path: Path, catalogue) -> None:
    path = tmp_path / "d.sqlite"
    report_id = _stored_report(path, catalogue)
    before = _revisions(path)
    ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
    try:
        try:
            with ws.store.atomic():
                replace_report(ws.store, report_id, *_file(2, {}), ws.user, "收件 a.xlsx")
                assert ws.store.conn.execute("SELECT revision FROM reports WHERE id = ?",
                                             (report_id,)).fetchone()[0] == before[1] + 1
                raise RuntimeError("the file's transaction fails later")
        except RuntimeError:
            pass
    finally:
        ws.close()
    assert _revisions(path) == before
