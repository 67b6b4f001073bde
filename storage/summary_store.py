"""Reads for the 汇总 (W2-E): every township's stored reports of one period in three queries.

A district database holds many townships' reports; loading them report by report (``Store.load``)
costs two queries each, which for a municipality's thousand townships is most of the 汇总's time.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage import cell_packs
from storage.database import Report, ReportData, Store

__all__ = ["period_reports", "report_periods"]


def period_reports(store: Store, period: str, form_keys: Sequence[str] | None = None, *,
                   notes: bool = True) -> dict[tuple[int, str], ReportData]:
    """(township id, form key) → the stored report with its values, 说明 (unless ``notes`` is
    false: the 汇总 does not read them) and list-row order."""
    wanted = f" AND form_key IN ({','.join('?' * len(form_keys))})" if form_keys else ""
    params: tuple = (period, *(form_keys or ()))
    by_id: dict[int, ReportData] = {}
    for row in store.conn.execute(f"SELECT {Store._REPORT_COLUMNS} FROM reports WHERE period = ?{wanted}", params):
        by_id[row[0]] = ReportData(Report(*row))
    if not by_id:
        return {}
    scope = f"SELECT id FROM reports WHERE period = ?{wanted}"
    for report_id, values in cell_packs.read_values_of(store.conn, by_id).items():
        by_id[report_id].values.update(values)
    if notes:
        for report_id, found in cell_packs.read_notes_of(store.conn, by_id).items():
            by_id[report_id].notes.update(found)
    for report_id, table, row in store.conn.execute(
            f"SELECT report_id, table_key, row_key FROM list_rows WHERE report_id IN ({scope})"
            " ORDER BY report_id, table_key, position", params):
        by_id[report_id].list_rows.setdefault(table, []).append(row)
    return {(d.report.township_id, d.report.form_key): d for d in by_id.values()}


def report_periods(store: Store) -> list[str]:
    """Every period any township has a report in, oldest first."""
    return [r[0] for r in store.conn.execute("SELECT DISTINCT period FROM reports ORDER BY period")]
