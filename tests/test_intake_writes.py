"""s4: the intake's batched writer of one received form (``district_store.replace_report``) against
the slow path it replaced — ``Store.add_list_row`` / ``remove_list_row`` / ``set_values`` /
``set_note`` one call at a time — on two copies of one database: the same rows and row keys,
values, 说明, first stored values and audit trail (timestamps aside), for a file with fewer list
rows, with more, with changed, added, removed and blank-padded 说明, and on a report not stored yet."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage.district_store import replace_report
from storage.workspace import Workspace
from tests.stored import dump_cells

FORM, TABLE = "key_energy_units", "units"
UNIT = ("name", "uscc", "energy_equal", "value_added")


def _slow_replace(ws: Workspace, report_id: int, values: dict, notes: dict, list_rows: dict, reason: str) -> None:
    """The intake's writer as it was: every row, value and 说明 through the Store one by one."""
    store, who = ws.store, ws.user
    data = store.load(report_id)
    rename: dict[tuple[str, str], str] = {}
    for table in sorted({*data.list_rows, *list_rows}):
        stored, wanted = data.list_rows.get(table, []), list_rows.get(table, [])
        for i, file_row in enumerate(wanted):
            rename[(table, file_row)] = stored[i] if i < len(stored) else store.add_list_row(report_id, table, who)
        for extra in stored[len(wanted):]:
            store.remove_list_row(report_id, table, extra, who)

    def real(cell: tuple[str, str, str]) -> tuple[str, str, str]:
        return (cell[0], rename.get((cell[0], cell[1]), cell[1]), cell[2])

    store.set_values(report_id, [(real(c), v) for c, v in values.items()], who, reason)
    wanted_notes = {real(c): n for c, n in notes.items()}
    kept = store.load(report_id).notes
    for cell in sorted({*kept, *wanted_notes}):
        if kept.get(cell, "") != wanted_notes.get(cell, ""):
            store.set_note(report_id, cell, wanted_notes.get(cell, ""), who, reason)


def _select(path: Path, queries: dict[str, str]) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        dump_cells(conn)
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        conn.close()


def _dump(path: Path) -> dict[str, list[tuple]]:
    return _select(path, {
        "cells": "SELECT report_id, table_key, row_key, col_key, value, typeof(value), note FROM stored_cells"
                 " ORDER BY 1, 2, 3, 4",
        "rows": "SELECT * FROM list_rows ORDER BY 1, 2, 4",
        "keys": "SELECT * FROM list_row_keys ORDER BY 1, 2",
        "first": "SELECT * FROM first_values ORDER BY 1, 2, 3, 4",
        "audit": "SELECT id, who, report_id, table_key, row_key, col_key, field, old, new, typeof(new), reason"
                 " FROM audit ORDER BY id",
        "reports": "SELECT id, status, revision > 0, updated_at IS NOT NULL FROM reports ORDER BY id",
    })


def _stored_report(path: Path, catalogue) -> int:
    """A report of three listed units with values and 说明 (one on a cell without a value)."""
    ws = Workspace.open(path, catalogue=catalogue, demo=False, user="镇街")
    try:
        town = ws.townships()[0]
        report = ws.store.ensure_report(town.id, FORM, ws.form(FORM).version, "2025")
        rows = [ws.store.add_list_row(report.id, TABLE, "镇街") for _ in range(3)]
        ws.store.remove_list_row(report.id, TABLE, rows.pop(), "镇街")  # a key issued once, never again
        rows += [ws.store.add_list_row(report.id, TABLE, "镇街") for _ in range(2)]
        for n, row in enumerate(rows, start=1):
            ws.store.set_values(report.id, [((TABLE, row, "name"), f"企业{n}"), ((TABLE, row, "energy_equal"), n * 1.5),
                                            ((TABLE, row, "value_added"), n)], "镇街")
        ws.store.set_note(report.id, (TABLE, rows[0], "energy_equal"), "新投产", "镇街")
        ws.store.set_note(report.id, (TABLE, rows[2], "value_added"), "停产半年", "镇街")
        ws.store.set_note(report.id, (TABLE, rows[1], "uscc"), "尚未取得代码", "镇街")
        return report.id
    finally:
        ws.close()


def _file(rows: int, notes: dict[tuple[int, str], str], blank: set[tuple[int, str]] = frozenset()) -> tuple:
    """A file's form: ``rows`` listed units keyed as the file keys them (f1, f2 …), every input
    cell (None where ``blank``), its 说明."""
    keys = [f"f{n}" for n in range(1, rows + 1)]
    values: dict[tuple[str, str, str], Any] = {}
    for n, key in enumerate(keys, start=1):
        for col in UNIT:
            values[(TABLE, key, col)] = None if (n, col) in blank else {
                "name": f"企业{n}", "uscc": None, "energy_equal": n * 2.0, "value_added": 1e308 if n == 2 else n}[col]
    return values, {(TABLE, f"f{n}", col): text for (n, col), text in notes.items()}, {TABLE: keys}


def _apply_both(original: Path, catalogue, report_id: int, values: dict, notes: dict, list_rows: dict) -> tuple:
    """The slow path on ``original``, the batched writer on a copy made first: both dumps."""
    copy = Path(shutil.copy(original, original.with_name("fast.sqlite")))
    for path, fast in ((original, False), (copy, True)):
        ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
        try:
            with ws.store.atomic():
                if fast:
                    replace_report(ws.store, report_id, values, notes, list_rows, ws.user, "收件 a.xlsx")
                else:
                    _slow_replace(ws, report_id, values, notes, list_rows, "收件 a.xlsx")
        finally:
            ws.close()
    return _dump(original), _dump(copy)


@pytest.mark.parametrize("rows, notes, blank", [
    (2, {(1, "energy_equal"): "新投产", (2, "value_added"): "  增加了一条  "}, {(1, "name")}),  # fewer rows
    (5, {(1, "energy_equal"): "  新投产 ", (4, "uscc"): "无代码", (5, "energy_equal"): "\t"}, set()),  # more rows
    (3, {}, {(3, "value_added"), (2, "energy_equal")}),  # as many, every 说明 taken away
    (0, {}, set()),  # the file lists no unit: every stored row removed
])
def test_batched_writer_stores_what_the_store_calls_store(tmp_path: Path, catalogue, rows, notes, blank) -> None:
    original = tmp_path / "slow.sqlite"
    report_id = _stored_report(original, catalogue)
    slow, batched = _apply_both(original, catalogue, report_id, *_file(rows, notes, blank))
    assert batched == slow
    assert len(batched["audit"]) > 15  # the write did something to compare


def test_batched_writer_on_a_report_not_stored_before(tmp_path: Path, catalogue) -> None:
    original = tmp_path / "slow.sqlite"
    ws = Workspace.open(original, catalogue=catalogue, demo=False, user="区统计局")
    try:
        report_id = ws.store.ensure_report(ws.townships()[1].id, FORM, ws.form(FORM).version, "2025").id
    finally:
        ws.close()
    slow, batched = _apply_both(original, catalogue, report_id,
                                *_file(3, {(2, "name"): "更名", (3, "uscc"): "x"}, {(3, "uscc")}))
    assert batched == slow
    assert [r[:3] for r in batched["rows"]] == [(report_id, TABLE, "r1"), (report_id, TABLE, "r2"),
                                                (report_id, TABLE, "r3")]


def test_reports_created_together_are_those_the_store_creates_one_by_one(tmp_path: Path, catalogue) -> None:
    from storage.district_store import ensure_reports

    original = tmp_path / "slow.sqlite"
    ws = Workspace.open(original, catalogue=catalogue, demo=False, user="区统计局")
    try:
        town = ws.townships()[2].id
        ws.store.ensure_report(town, "agriculture", ws.form("agriculture").version, "2025")  # one there already
    finally:
        ws.close()
    copy = Path(shutil.copy(original, tmp_path / "fast.sqlite"))
    forms = [(key, catalogue.get(key).version) for key in ("coal_vocs", "agriculture", FORM)]
    made = {}
    for path, fast in ((original, False), (copy, True)):
        ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
        try:
            with ws.store.atomic():
                made[fast] = ensure_reports(ws.store, town, "2025", forms) if fast else {
                    key: ws.store.ensure_report(town, key, version, "2025") for key, version in forms}
        finally:
            ws.close()

    def dump(path: Path) -> dict[str, list[tuple]]:
        return _select(path, {"reports": "SELECT id, township_id, form_key, form_version, period, status, revision,"
                                         " created_at IS NOT NULL FROM reports ORDER BY id",
                              "periods": "SELECT * FROM periods ORDER BY 1, 2",
                              "counter": "SELECT * FROM revision_counter"})

    assert dump(copy) == dump(original)
    assert {k: (r.id, r.form_version) for k, r in made[True].items()} == \
        {k: (r.id, r.form_version) for k, r in made[False].items()}
    assert made[True]["agriculture"].id == 1 and len(dump(copy)["reports"]) == 3


def test_statuses_set_together_are_those_set_one_by_one(tmp_path: Path, catalogue) -> None:
    from storage.district_store import set_statuses

    original = tmp_path / "slow.sqlite"
    ws = Workspace.open(original, catalogue=catalogue, demo=False, user="区统计局")
    try:
        town = ws.townships()[3].id
        ids = [ws.store.ensure_report(town, key, ws.form(key).version, "2025").id for key in ("agriculture", FORM)]
    finally:
        ws.close()
    copy = Path(shutil.copy(original, tmp_path / "fast.sqlite"))
    changes = [(ids[0], "未填", "有错误"), (ids[1], "未填", "未填"), (ids[1], "未填", "已审核")]
    for path, fast in ((original, False), (copy, True)):
        ws = Workspace.open(path, catalogue=catalogue, demo=False, user="区统计局")
        try:
            with ws.store.atomic():
                if fast:
                    set_statuses(ws.store, changes, ws.user)
                else:
                    for report_id, old, new in changes:
                        if old != new:
                            ws.store.set_status(report_id, new, who=ws.user)
        finally:
            ws.close()
    queries = {"reports": "SELECT id, status FROM reports ORDER BY id",
               "audit": "SELECT id, who, report_id, field, old, new FROM audit ORDER BY id"}
    assert _select(copy, queries) == _select(original, queries)
    assert [r[1] for r in _select(copy, queries)["reports"]] == ["有错误", "已审核"]
