"""Earlier periods of a report, as plain data for the vs-last-period and vs-history rules.

Kept apart from ``storage.database`` (one query, read-only): the validation engine receives
these values and never touches the database itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from forms.period_rules import PeriodInputs, comparable_periods

if TYPE_CHECKING:
    from storage.database import Store

__all__ = ["earlier_inputs", "first_values"]


def earlier_inputs(store: Store, township_id: int, form_key: str, period: str) -> dict[str, PeriodInputs]:
    """Stored inputs of this township's form for every earlier comparable period (same kind and
    season: 2022, 2023, 2024 for 2025; 2024Q3, 2023Q3 … for 2025Q3), keyed by period."""
    found = store.conn.execute(
        "SELECT id, period FROM reports WHERE township_id = ? AND form_key = ? AND period < ?",
        (township_id, form_key, period)).fetchall()
    wanted = set(comparable_periods(period, [p for _, p in found]))
    ids = {rid: p for rid, p in found if p in wanted}
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    values: dict[str, dict] = {p: {} for p in ids.values()}
    rows: dict[str, dict[str, list[str]]] = {p: {} for p in ids.values()}
    for rid, table, row, col, value in store.conn.execute(
            f"SELECT report_id, table_key, row_key, col_key, value FROM cell_values"
            f" WHERE report_id IN ({marks}) AND value IS NOT NULL", tuple(ids)):
        values[ids[rid]][(table, row, col)] = value
    for rid, table, row in store.conn.execute(
            f"SELECT report_id, table_key, row_key FROM list_rows WHERE report_id IN ({marks})"
            " ORDER BY report_id, table_key, position", tuple(ids)):
        rows[ids[rid]].setdefault(table, []).append(row)
    return {p: PeriodInputs(values[p], rows[p]) for p in ids.values() if values[p]}


def first_values(store: Store, report_id: int) -> dict[tuple[str, str, str], object]:
    """Each cell's first stored value (from the audit trail): what the enterprise reported when a
    list row was copied or imported from its report, before any later change by the township."""
    found: dict[tuple[str, str, str], object] = {}
    for table, row, col, new in store.conn.execute(
            "SELECT table_key, row_key, col_key, new FROM audit WHERE report_id = ? AND field = 'value'"
            " AND new IS NOT NULL ORDER BY id", (report_id,)):
        found.setdefault((table, row, col), new)
    return found
