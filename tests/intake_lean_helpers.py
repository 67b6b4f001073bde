"""The intake's writer of a received file's forms as it was before u4 (issue 11), kept as the
reference the u4 writer is compared with: each form's value, 说明, first-value and audit rows written
by its own executemany statements (NULL bound as None), its audit row (``after``) right after it.
(Its list rows are written by ``district_store.rewrite_rows``, which u4 left as it was.)"""

from __future__ import annotations

from typing import Any

from storage import cell_packs
from storage import district_store as ds
from storage.database import CellKey, Store, now_text


def replace_values_before_u4(store: Store, report_id: int, changes: list[tuple[CellKey, Any]], who: str, reason: str,
                             stored: dict[CellKey, Any], now: dict[CellKey, Any]) -> tuple[int, set[CellKey]]:
    stamp = now_text()
    inserts, updates, audits, firsts = [], [], [], []
    inserted: set[CellKey] = set()
    now.update(stored)
    for cell, new in changes:
        old = stored.get(cell)
        if old == new and type(old) is type(new):
            continue
        now[cell] = new
        if cell in stored:
            updates.append((new, stamp, report_id, *cell))
        else:
            inserts.append((report_id, *cell, new, "", stamp))
            inserted.add(cell)
        audits.append((stamp, who, report_id, *cell, "value", old, new, reason))
        if new is not None:
            firsts.append((report_id, *cell, new))
    conn = store.conn
    cell_packs.write_values(conn, report_id, [((t, r, c), v) for _rid, t, r, c, v, _n, _at in inserts]
                            + [((t, r, c), v) for v, _at, _rid, t, r, c in updates], stamp)
    conn.executemany("INSERT INTO audit (at, who, report_id, table_key, row_key, col_key, field, old, new, reason)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", audits)
    conn.executemany("INSERT OR IGNORE INTO first_values (report_id, table_key, row_key, col_key, value)"
                     " VALUES (?, ?, ?, ?, ?)", firsts)
    if audits:
        conn.execute("UPDATE reports SET updated_at = ? WHERE id = ?", (stamp, report_id))
    return len(audits), inserted


def _audit_now(store: Store):  # noqa: ANN202
    """Each list row's audit row written at once, as before u4 (the list rows' writes are u4's own)."""
    def audit(*row: Any) -> None:
        store.conn.execute("INSERT INTO audit (at, who, report_id, table_key, row_key, col_key, field, old, new, reason)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    return audit


def rewrite_report_before_u4(store: Store, report_id: int, values: dict[CellKey, Any], notes: dict[CellKey, str],
                             list_rows: dict[str, list[str]], who: str, reason: str,
                             before: ds.StoredReport | None) -> tuple[bool, Any]:
    conn = store.conn
    cells, stored_rows = ds.read_stored_report(store, report_id) if before is None else before
    touched, rename, rows_now, cells = ds.rewrite_rows(store, report_id, cells, stored_rows, list_rows, who,
                                                       _audit_now(store))

    def real(cell: CellKey) -> CellKey:
        return (cell[0], rename.get((cell[0], cell[1]), cell[1]), cell[2])

    changes = [(real(c), v) for c, v in values.items()]
    values_now: dict[CellKey, Any] = {}
    changed, inserted = replace_values_before_u4(store, report_id, changes, who, reason,
                                                 {c: v for c, (v, _n) in cells.items()}, values_now)
    wanted_notes = {real(c): n for c, n in notes.items()}
    kept = {c: n for c, (_v, n) in cells.items() if n != ""}
    stamp = now_text()
    inserts, updates, audits = [], [], []
    for cell in sorted({*kept, *wanted_notes}):
        old, new = kept.get(cell, ""), (wanted_notes.get(cell, "") or "").strip()
        if old == new:
            continue
        if cell in cells or cell in inserted:
            updates.append((new, stamp, report_id, *cell))
        else:
            inserts.append((report_id, *cell, None, new, stamp))
        audits.append((stamp, who, report_id, *cell, "note", old, new, reason))
    if audits:
        cell_packs.write_notes(conn, report_id, [((t, r, c), n, at) for _rid, t, r, c, _v, n, at in inserts]
                               + [((t, r, c), n, at) for n, at, _rid, t, r, c in updates])
        conn.executemany("INSERT INTO audit (at, who, report_id, table_key, row_key, col_key, field, old, new, reason)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", audits)
        conn.execute("UPDATE reports SET updated_at = ? WHERE id = ?", (stamp, report_id))
    written = touched or changed > 0 or bool(audits)
    if not all(ds._reads_back(v) for _c, v in changes):
        return written, None
    notes_now = {c: n for c in sorted({*kept, *wanted_notes}) if (n := (wanted_notes.get(c, "") or "").strip())}
    return written, ({c: values_now[c] for c in sorted(values_now, key=cell_packs.load_order)
                      if values_now[c] is not None}, notes_now,
                     {t: rows_now[t] for t in sorted(rows_now)})


def replace_reports_before_u4(store: Store, forms: list, who: str, reason: str, before: dict[str, Any],
                              after: Any) -> dict[int, Any]:
    """``district_store.replace_reports`` as it was before u4 (``after`` called after each form)."""
    known = ds.stored_reports(before)
    paused = ds.pause_revisions(store, [report_id for report_id, *_ in forms])
    changed: list[int] = []
    written = {}
    for report_id, values, notes, list_rows in forms:
        stored = None if report_id in written else known.get(report_id, ({}, {}))
        wrote, contents = rewrite_report_before_u4(store, report_id, values, notes, list_rows, who, reason, stored)
        if wrote:
            changed.append(report_id)
        written[report_id] = contents
        after(report_id)
    ds.resume_revisions(store, paused, changed)
    return {report_id: contents for report_id, contents in written.items() if contents is not None}
