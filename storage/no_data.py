"""本期无数据: a form declared empty for one township and period, with the clerk's reason.

A 街道 with no agriculture declares 永节统X表 empty instead of leaving it 未填: the declaration
counts as complete for the export gate, the form is exported marked 本期无数据, and the district
keeps the declaration it received (its completeness shows 本期无数据 from it). The table is
``no_data`` (migration 6, e6). Each declaration and withdrawal leaves an audit row on the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.database import now_text
from user_error import UserError

if TYPE_CHECKING:
    from storage.database import Store

__all__ = ["NoDataDeclaration", "NoDataError", "MIN_REASON", "declare", "withdraw", "declarations",
           "period_declarations", "replace_declarations"]

MIN_REASON = 2  # characters: "无" alone says nothing, "无农业" does


class NoDataError(UserError):
    """A declaration that cannot be made (a form holding figures, no reason)."""


@dataclass(frozen=True)
class NoDataDeclaration:
    township_id: int
    period: str
    form_key: str
    reason: str
    at: str
    who: str


_COLUMNS = "township_id, period, form_key, reason, at, who"


def _audit(store: Store, township_id: int, period: str, form_key: str, form_version: int, who: str,
           old: str | None, new: str | None) -> None:
    report = store.ensure_report(township_id, form_key, form_version, period)
    store.conn.execute("INSERT INTO audit (at, who, report_id, field, old, new, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (now_text(), who, report.id, "no_data", old, new, "本期无数据"))


def declare(store: Store, township_id: int, period: str, form_key: str, form_version: int, reason: str,
            who: str) -> NoDataDeclaration:
    """Declare the form empty for the period; refused while the report holds any figure."""
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise NoDataError("声明本期无数据须写明原因（例如“本街道无农业生产”）")
    report = store.find_report(township_id, form_key, period)
    if report is not None and store.load(report.id).has_input:
        raise NoDataError("该表本期已填有数据，不能声明本期无数据：请先清除数据")
    with store.atomic():
        old = declarations(store, township_id, period).get(form_key)
        store.conn.execute(f"INSERT OR REPLACE INTO no_data ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                           (township_id, period, form_key, reason, now_text(), who))
        _audit(store, township_id, period, form_key, form_version, who, old.reason if old else None, reason)
    return declarations(store, township_id, period)[form_key]


def withdraw(store: Store, township_id: int, period: str, form_key: str, form_version: int, who: str) -> bool:
    """Withdraw the declaration (the form is to be filled after all); false when there was none."""
    with store.atomic():
        old = declarations(store, township_id, period).get(form_key)
        if old is None:
            return False
        store.conn.execute("DELETE FROM no_data WHERE township_id = ? AND period = ? AND form_key = ?",
                           (township_id, period, form_key))
        _audit(store, township_id, period, form_key, form_version, who, old.reason, None)
    return True


def declarations(store: Store, township_id: int, period: str) -> dict[str, NoDataDeclaration]:
    """form key → declaration, for one township and period."""
    rows = store.conn.execute(f"SELECT {_COLUMNS} FROM no_data WHERE township_id = ? AND period = ?",
                              (township_id, period))
    return {row[2]: NoDataDeclaration(*row) for row in rows}


def period_declarations(store: Store, period: str) -> dict[tuple[int, str], NoDataDeclaration]:
    """(township id, form key) → declaration, every township of one period (the district's matrix)."""
    rows = store.conn.execute(f"SELECT {_COLUMNS} FROM no_data WHERE period = ?", (period,))
    return {(row[0], row[2]): NoDataDeclaration(*row) for row in rows}


def replace_declarations(store: Store, township_id: int, period: str, reasons: dict[str, str], who: str) -> None:
    """The district receives a file: its declarations replace the township-period's (call inside
    the intake's transaction)."""
    store.conn.execute("DELETE FROM no_data WHERE township_id = ? AND period = ?", (township_id, period))
    for form_key, reason in reasons.items():
        store.conn.execute(f"INSERT INTO no_data ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                           (township_id, period, form_key, reason, now_text(), who))
