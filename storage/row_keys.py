"""Keys of list-table rows (r1, r2, …): issued once per report and table, never reused.

A deleted enterprise's key handed to the next new row made that row inherit the deleted one's
audit history (and with it its first-reported figures, so the ``reported`` rule complained about
the wrong enterprise). The highest number ever issued is kept in ``list_row_keys`` (migration 3,
which also repaired databases where a key had already been reused).
"""

from __future__ import annotations

from storage.database import Store

__all__ = ["issue_row_keys"]


def issue_row_keys(store: Store, report_id: int, table_key: str, count: int = 1, *, rowless: bool = False) -> list[str]:
    """``count`` fresh keys for new rows of one list table; call inside the transaction that adds
    the rows. Also above any key present (rows restored by 撤销导入 keep their old keys).
    ``rowless``: the caller knows the table has no row in the report now (v4: not looked for)."""
    present = 0 if rowless else store.conn.execute(
        "SELECT COALESCE(MAX(CAST(substr(row_key, 2) AS INTEGER)), 0) FROM list_rows"
        " WHERE report_id = ? AND table_key = ? AND row_key GLOB 'r[0-9]*'", (report_id, table_key)).fetchone()[0]
    issued = store.conn.execute("SELECT last FROM list_row_keys WHERE report_id = ? AND table_key = ?",
                                (report_id, table_key)).fetchone()
    first = max(present, issued[0] if issued else 0) + 1
    store.conn.execute("INSERT INTO list_row_keys (report_id, table_key, last) VALUES (?, ?, ?)"
                       " ON CONFLICT (report_id, table_key) DO UPDATE SET last = excluded.last",
                       (report_id, table_key, first + count - 1))
    return [f"r{n}" for n in range(first, first + count)]
