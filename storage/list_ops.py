"""List-table row operations beyond add/remove: reorder, and 复制上期 (last period's rows).

Kept out of ``storage.database`` (shared) as functions over a ``Store``; each call is one
audited transaction like every other write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.database import now_text

if TYPE_CHECKING:
    from forms.spec import TableSpec
    from storage.database import Store

__all__ = ["move_list_row", "previous_report_id", "copy_previous_rows", "COPIED_TYPES"]

# What 复制上期 carries over: who the units are (names, codes, choices), never their figures.
COPIED_TYPES = ("text", "choice", "uscc")


def move_list_row(store: Store, report_id: int, table_key: str, row_key: str, offset: int, who: str) -> bool:
    """Move a row ``offset`` places up (<0) or down (>0); False when it is already at that end."""
    with store.atomic():
        keys = [r[0] for r in store.conn.execute(
            "SELECT row_key FROM list_rows WHERE report_id = ? AND table_key = ? ORDER BY position",
            (report_id, table_key))]
        if row_key not in keys:
            raise KeyError(row_key)
        old = keys.index(row_key)
        new = max(0, min(len(keys) - 1, old + offset))
        if new == old:
            return False
        keys.insert(new, keys.pop(old))
        for position, key in enumerate(keys, start=1):
            store.conn.execute("UPDATE list_rows SET position = ? WHERE report_id = ? AND table_key = ? AND row_key = ?",
                               (position, report_id, table_key, key))
        store.conn.execute("INSERT INTO audit (at, who, report_id, table_key, row_key, field, old, new)"
                           " VALUES (?, ?, ?, ?, ?, 'row', ?, ?)",
                           (now_text(), who, report_id, table_key, row_key, old + 1, new + 1))
    return True


def previous_report_id(store: Store, report_id: int) -> int | None:
    """The same township's same form in the latest earlier period that has a report."""
    report = store.get_report(report_id)
    row = store.conn.execute(
        "SELECT id FROM reports WHERE township_id = ? AND form_key = ? AND period < ? AND length(period) = ?"
        " ORDER BY period DESC LIMIT 1", (report.township_id, report.form_key, report.period, len(report.period))
    ).fetchone()
    return row[0] if row else None


def copy_previous_rows(store: Store, report_id: int, table: TableSpec, who: str) -> int:
    """复制上期: append last period's rows of a list table with their names/codes, no figures.

    Rows already present (same names/codes) are not added twice. Returns how many were added.
    """
    previous = previous_report_id(store, report_id)
    if previous is None:
        return 0
    columns = [c.key for c in table.columns if c.type in COPIED_TYPES and not c.computed]
    if not columns:
        return 0
    old = store.load(previous)
    current = store.load(report_id)

    def identity(values: dict, row_key: str) -> tuple:
        return tuple(values.get((table.key, row_key, c)) for c in columns)

    present = {identity(current.values, r) for r in current.list_rows.get(table.key, [])}
    wanted = []
    for row_key in old.list_rows.get(table.key, []):
        ident = identity(old.values, row_key)
        if all(v is None for v in ident) or ident in present:
            continue
        present.add(ident)
        wanted.append(ident)
    if not wanted:
        return 0
    with store.atomic():
        keys = store.add_list_rows(report_id, table.key, len(wanted), who, "复制上期")
        # (all rows' values in one write: each pack read and written once)
        store.set_values(report_id, [((table.key, row_key, c), v) for row_key, ident in zip(keys, wanted)
                                     for c, v in zip(columns, ident) if v is not None], who, "复制上期")
    return len(wanted)
