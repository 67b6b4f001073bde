"""Report periods of a township: list them, create the next one, lock one once it is submitted.

A locked period can still be corrected, but every edit then carries a reason in the audit
(the window asks for it). The ``periods.locked`` column exists since schema 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from forms.periods import period_type_of
from storage.database import now_text

if TYPE_CHECKING:
    from storage.database import Store

__all__ = ["PeriodInfo", "list_periods", "next_period", "create_next_period", "is_locked", "set_locked",
           "LOCKED_REASON_PREFIX"]

LOCKED_REASON_PREFIX = "已锁定期修改："


@dataclass(frozen=True)
class PeriodInfo:
    period: str
    locked: bool
    reports: dict[str, str]  # form key → status
    exported: bool  # at least one report of the period was exported


def list_periods(store: Store, township_id: int) -> list[PeriodInfo]:
    """Every period the township has, newest first, with lock state and report statuses."""
    reports: dict[str, dict[str, str]] = {}
    exported: set[str] = set()
    for period, form_key, status, exported_at in store.conn.execute(
            "SELECT period, form_key, status, exported_at FROM reports WHERE township_id = ?", (township_id,)):
        reports.setdefault(period, {})[form_key] = status
        if exported_at:
            exported.add(period)
    rows = store.conn.execute("SELECT period, locked FROM periods WHERE township_id = ? ORDER BY period DESC",
                              (township_id,)).fetchall()
    return [PeriodInfo(p, bool(locked), reports.get(p, {}), p in exported) for p, locked in rows]


def next_period(period: str) -> str:
    """The period after ``period`` of the same kind: 2025 → 2026, 2025Q4 → 2026Q1, 2025M12 → 2026M01."""
    kind = period_type_of(period)
    year = int(period[:4])
    if kind == "年报":
        return str(year + 1)
    if kind == "季报":
        q = int(period[5])
        return f"{year}Q{q + 1}" if q < 4 else f"{year + 1}Q1"
    m = int(period[5:])
    return f"{year}M{m + 1:02d}" if m < 12 else f"{year + 1}M01"


def create_next_period(store: Store, township_id: int, after: str) -> str:
    """Create (idempotently) the period following ``after``; returns it."""
    period = next_period(after)
    store.ensure_period(township_id, period)
    return period


def is_locked(store: Store, township_id: int, period: str) -> bool:
    row = store.conn.execute("SELECT locked FROM periods WHERE township_id = ? AND period = ?",
                             (township_id, period)).fetchone()
    return bool(row and row[0])


def set_locked(store: Store, township_id: int, period: str, locked: bool, who: str, reason: str = "") -> None:
    """Lock (after submitting) or unlock a period; recorded in the audit of each of its reports."""
    stamp = now_text()
    with store.atomic():
        store.conn.execute("INSERT OR IGNORE INTO periods (township_id, period) VALUES (?, ?)", (township_id, period))
        store.conn.execute("UPDATE periods SET locked = ? WHERE township_id = ? AND period = ?",
                           (int(locked), township_id, period))
        for (report_id,) in store.conn.execute("SELECT id FROM reports WHERE township_id = ? AND period = ?",
                                               (township_id, period)).fetchall():
            store.conn.execute("INSERT INTO audit (at, who, report_id, field, old, new, reason)"
                               " VALUES (?, ?, ?, 'lock', ?, ?, ?)",
                               (stamp, who, report_id, int(not locked), int(locked), reason))
