"""The import log behind 撤销导入: before an import writes, the whole state of that township and
period (every report's row, values with 说明, list rows) is kept as JSON in ``imports``; undoing
restores the imported forms exactly and the other reports' statuses, in one transaction.

Values are stored as JSON numbers or strings, which round-trip exactly (int stays int, a float
its shortest repr). All SQL of the log lives here; callers use ``storage.workspace.Workspace``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage import cell_packs
from storage.database import StorageError, Store, now_text, where_given

__all__ = ["ImportRecord", "ImportWrite", "snapshot", "record_import", "last_import", "restore", "audit_import"]

_REPORT_FIELDS = ("id", "form_key", "form_version", "status", "created_at", "updated_at", "validated_at", "exported_at")


@dataclass(frozen=True)
class ImportRecord:
    id: int
    at: str
    who: str
    township_id: int
    period: str
    file: str
    forms: tuple[str, ...]
    before: dict[str, Any]  # {"period": whether the period was listed, "reports": [...]}


@dataclass(frozen=True)
class ImportWrite:
    """What an import writes into one form: rows to add (keys "+n", created in order), then values
    and 说明 (cells may name those "+n" rows)."""

    form_key: str
    form_version: int
    add_rows: dict[str, list[str]]
    values: list[tuple[tuple[str, str, str], Any]]
    notes: list[tuple[tuple[str, str, str], str]]


def snapshot(store: Store, township_id: int, period: str) -> dict[str, Any]:
    """The township-period as it is now: whether the period is listed, and every report."""
    reports = []
    for row in store.conn.execute(f"SELECT {', '.join(_REPORT_FIELDS)} FROM reports"
                                  " WHERE township_id = ? AND period = ? ORDER BY id", (township_id, period)):
        report = dict(zip(_REPORT_FIELDS, row))
        report["packs"] = cell_packs.read_packs(store.conn, report["id"])
        report["notes"] = cell_packs.read_note_rows(store.conn, report["id"])
        report["rows"] = [list(r) for r in store.conn.execute(
            "SELECT table_key, row_key, position FROM list_rows WHERE report_id = ?", (report["id"],))]
        reports.append(report)
    listed = store.conn.execute("SELECT 1 FROM periods WHERE township_id = ? AND period = ?",
                                (township_id, period)).fetchone() is not None
    return {"period": listed, "reports": reports}


def record_import(store: Store, township_id: int, period: str, file: str, forms: list[str],
                  before: dict[str, Any], who: str) -> int:
    """Log one import (call inside the import's transaction, so both commit or neither)."""
    cur = store.conn.execute(
        "INSERT INTO imports (at, who, township_id, period, file, forms, before) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (now_text(), who, township_id, period, file, json.dumps(forms, ensure_ascii=False),
         json.dumps(before, ensure_ascii=False, allow_nan=False)))
    return int(cur.lastrowid)


def audit_import(store: Store, report_id: int, who: str, field: str, file: str, reason: str) -> None:
    """One audit row per imported (or un-imported) form, with the file name and the warnings."""
    store.conn.execute("INSERT INTO audit (at, who, report_id, field, new, reason) VALUES (?, ?, ?, ?, ?, ?)",
                       (now_text(), who, report_id, field, file, reason))


def last_import(store: Store, township_id: int | None = None, period: str | None = None) -> ImportRecord | None:
    """The latest import not yet undone (of one township and period, when given)."""
    sql, args = where_given("SELECT id, at, who, township_id, period, file, forms, before FROM imports"
                            " WHERE undone_at IS NULL", township_id=township_id, period=period)
    row = store.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
    if row is None:
        return None
    try:
        forms, before = json.loads(row[6]), json.loads(row[7])
        if not isinstance(forms, list) or not isinstance(before, dict) or not isinstance(before.get("reports"), list):
            raise ValueError
    except ValueError:
        raise StorageError(f"导入记录 {row[0]} 已损坏，无法撤销") from None
    return ImportRecord(row[0], row[1], row[2], row[3], row[4], row[5], tuple(forms), before)


def restore(store: Store, record: ImportRecord, who: str) -> list[int]:
    """Put the township-period back as ``record.before`` (imported forms exactly, the others'
    statuses) and mark the import undone, in ONE transaction. Returns the report ids restored."""
    from storage.history import mark_doubts

    before = {r["form_key"]: r for r in record.before["reports"]}
    restored = []
    reason = f"撤销导入 {record.file}（{record.at}）"
    with store.atomic():
        now = {key: rid for key, rid in store.conn.execute(
            "SELECT form_key, id FROM reports WHERE township_id = ? AND period = ?",
            (record.township_id, record.period))}
        for key in record.forms:
            old = before.get(key)
            rid = now.get(key)
            if rid is not None:
                cell_packs.delete_report(store.conn, rid)
                store.conn.execute("DELETE FROM list_rows WHERE report_id = ?", (rid,))
                if old is None:  # the import created this report
                    audit_import(store, rid, who, "undo-import", record.file, reason)
                    store.conn.execute("DELETE FROM reports WHERE id = ?", (rid,))
                    continue
            if old is None:
                continue
            if rid is None:  # deleted since: bring back its row under the old id
                store.conn.execute(f"INSERT INTO reports (township_id, period, {', '.join(_REPORT_FIELDS)})"
                                   f" VALUES (?, ?, {', '.join('?' * len(_REPORT_FIELDS))})",
                                   (record.township_id, record.period, *(old[f] for f in _REPORT_FIELDS)))
                rid = old["id"]
            _restore_cells(store, rid, old)
            mark_doubts(store.conn, rid)  # (y6: values put back without the audit: its rows' doubts made anew)
            store.conn.executemany("INSERT INTO list_rows (report_id, table_key, row_key, position) VALUES (?, ?, ?, ?)",
                                   [(rid, *row) for row in old["rows"]])
            _restore_report_fields(store, rid, old, who, ("form_version", "updated_at"))
            audit_import(store, rid, who, "undo-import", record.file, reason)
            restored.append(rid)
        for key, old in before.items():  # statuses the import changed through cross-form rules
            rid = now.get(key)
            if key not in record.forms and rid is not None:
                _restore_report_fields(store, rid, old, who, ())
        if not record.before["period"]:  # the import added this period to the township's list
            store.conn.execute("DELETE FROM periods WHERE township_id = ? AND period = ? AND NOT EXISTS"
                               " (SELECT 1 FROM reports WHERE township_id = ? AND period = ?)",
                               (record.township_id, record.period, record.township_id, record.period))
        store.conn.execute("UPDATE imports SET undone_at = ? WHERE id = ?", (now_text(), record.id))
    return restored


def snapshot_cells(report: dict[str, Any]) -> dict[tuple[str, str, str], tuple[Any, str]]:
    """A snapshot's report's cells → (value, 说明), as ``cell_packs.read_cells`` read them; a snapshot
    written before migration 12 lists its cells (table, row, column, value, 说明, updated_at)."""
    if "packs" not in report:
        return {(t, r, c): (v, n) for t, r, c, v, n, *_ in report["cells"] if v is not None or n}
    cells: dict[tuple[str, str, str], tuple[Any, str]] = {}
    for table, col, _chunk, rows, vals, _at in report["packs"]:
        cells.update(((table, row, col), (value, "")) for row, value in zip(rows, vals))
    for table, row, col, note, _at in report["notes"]:
        cells[(table, row, col)] = (cells.get((table, row, col), (None, ""))[0], note)
    return cells


def _restore_cells(store: Store, report_id: int, old: dict[str, Any]) -> None:
    """The report's values and 说明 as the snapshot ``old`` kept them (the report holds none now)."""
    if "packs" in old:
        cell_packs.write_packs(store.conn, report_id, old["packs"])
        cell_packs.write_notes(store.conn, report_id, [((t, r, c), n, at) for t, r, c, n, at in old["notes"]])
        return
    # a snapshot taken before migration 12: one list of cells, each with its value, 说明 and time;
    # each pack takes the latest time of its cells
    by_stamp: dict[str, list[tuple[tuple[str, str, str], Any]]] = {}
    for t, r, c, value, _note, at in sorted(old["cells"], key=lambda cell: cell[5]):
        if value is not None:
            by_stamp.setdefault(at, []).append(((t, r, c), value))
    for at, changes in by_stamp.items():
        cell_packs.write_values(store.conn, report_id, changes, at)
    cell_packs.write_notes(store.conn, report_id, [((t, r, c), n, at) for t, r, c, _v, n, at in old["cells"] if n])


def _restore_report_fields(store: Store, report_id: int, old: dict[str, Any], who: str, extra: tuple[str, ...]) -> None:
    fields = ("status", "validated_at", "exported_at", *extra)
    current = store.conn.execute("SELECT status FROM reports WHERE id = ?", (report_id,)).fetchone()
    store.conn.execute(f"UPDATE reports SET {', '.join(f'{f} = ?' for f in fields)} WHERE id = ?",
                       (*(old[f] for f in fields), report_id))
    if current and current[0] != old["status"]:
        store.conn.execute(
            "INSERT INTO audit (at, who, report_id, field, old, new, reason) VALUES (?, ?, ?, 'status', ?, ?, '撤销导入')",
            (now_text(), who, report_id, current[0], old["status"]))
