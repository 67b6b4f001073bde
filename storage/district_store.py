"""The district database's own tables (migration 5): the intake register, the district's marks
on a township's reports (已审核 / 已退回) and its remarks on findings; and the database kind.

All SQL of the district lives here; callers use ``storage.workspace.Workspace`` (its
``# -- district (W2-D)`` section). A database is a district database when its settings say
so (``database_kind`` = ``district``): told apart by the file itself, never by a flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.database import Store, now_text, where_given

__all__ = ["KIND_SETTING", "DISTRICT", "TOWNSHIP", "RegisterLine", "database_kind", "set_database_kind",
           "add_register_line", "register_lines", "current_lines", "find_current_by_sha", "mark_replaced",
           "identical_data", "set_mark", "clear_marks", "marks", "set_remark", "remarks", "report_statuses", "finish_line",
           "sends_signed"]

KIND_SETTING = "database_kind"
DISTRICT, TOWNSHIP = "district", "township"

_LINE_COLUMNS = ("id, received_at, who, file_name, sha256, township_id, period, given, program_version, forms, "
                 "verdict, reasons, data_sha256, applied, replaced_by, signature, signed_at")


@dataclass(frozen=True)
class RegisterLine:
    """One received file, as the register keeps it."""

    id: int
    received_at: str
    who: str
    file_name: str
    sha256: str
    township_id: int | None
    period: str | None
    given: bool
    program_version: str
    forms: str
    verdict: str
    reasons: tuple[str, ...] = field(default_factory=tuple)
    data_sha256: str = ""
    applied: bool = False
    replaced_by: int | None = None
    signature: str = ""  # s8: the signature verdict (签名有效（…）/ 签名无效 / 未签名 …)
    signed_at: str = ""  # s8: the signed export time of a validly signed file

    @property
    def shown_verdict(self) -> str:
        """The verdict as the register shows it: an applied file a later one replaced is 已被替代."""
        return "已被替代" if self.replaced_by is not None else self.verdict


def _line(row: tuple[Any, ...]) -> RegisterLine:
    values = list(row)
    try:
        reasons = tuple(str(r) for r in json.loads(values[11] or "[]"))
    except ValueError:
        reasons = (str(values[11]),)
    values[7], values[11], values[13] = bool(values[7]), reasons, bool(values[13])
    return RegisterLine(*values)


def database_kind(store: Store) -> str:
    return str(store.get_setting(KIND_SETTING, TOWNSHIP))


def set_database_kind(store: Store, kind: str) -> None:
    store.set_setting(KIND_SETTING, kind)


def add_register_line(store: Store, *, who: str, file_name: str, sha256: str, township_id: int | None,
                      period: str | None, given: bool, program_version: str, forms: str, verdict: str,
                      reasons: list[str], data_sha256: str = "", applied: bool = False, signature: str = "",
                      signed_at: str = "") -> int:
    cur = store.conn.execute(
        f"INSERT INTO intake_register ({_LINE_COLUMNS.split(', ', 1)[1]})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (now_text(), who, file_name, sha256, township_id, period, int(given), program_version, forms, verdict,
         json.dumps(reasons, ensure_ascii=False), data_sha256, int(applied), None, signature, signed_at))
    return int(cur.lastrowid)


def register_lines(store: Store, period: str | None = None, township_id: int | None = None) -> list[RegisterLine]:
    """Every line (of one period / township when given), newest first."""
    sql, args = where_given(f"SELECT {_LINE_COLUMNS} FROM intake_register WHERE 1", period=period,
                            township_id=township_id)
    return [_line(r) for r in store.conn.execute(sql + " ORDER BY id DESC", args)]


def current_lines(store: Store, period: str) -> dict[int, RegisterLine]:
    """township id → the file whose values the township-period now holds."""
    rows = store.conn.execute(f"SELECT {_LINE_COLUMNS} FROM intake_register WHERE period = ? AND applied = 1"
                              " AND replaced_by IS NULL ORDER BY id", (period,))
    return {line.township_id: line for line in map(_line, rows) if line.township_id is not None}


def find_current_by_sha(store: Store, sha256: str) -> RegisterLine | None:
    """An applied file with these very bytes whose values are still in force."""
    row = store.conn.execute(f"SELECT {_LINE_COLUMNS} FROM intake_register WHERE sha256 = ? AND applied = 1"
                             " AND replaced_by IS NULL ORDER BY id LIMIT 1", (sha256,)).fetchone()
    return _line(row) if row else None


def mark_replaced(store: Store, township_id: int, period: str, by: int) -> int:
    """The earlier applied files of the township-period become 已被替代 (by line ``by``)."""
    cur = store.conn.execute("UPDATE intake_register SET replaced_by = ? WHERE township_id = ? AND period = ?"
                             " AND applied = 1 AND replaced_by IS NULL AND id <> ?", (by, township_id, period, by))
    return cur.rowcount


def identical_data(store: Store, period: str, data_sha256: str, township_id: int) -> list[int]:
    """Other townships whose file in force for the period carries exactly the same values."""
    if not data_sha256:
        return []
    rows = store.conn.execute("SELECT DISTINCT township_id FROM intake_register WHERE period = ? AND applied = 1"
                              " AND replaced_by IS NULL AND data_sha256 = ? AND township_id <> ? ORDER BY township_id",
                              (period, data_sha256, township_id))
    return [r[0] for r in rows]


def set_mark(store: Store, township_id: int, period: str, form_key: str, mark: str, who: str) -> None:
    store.conn.execute("INSERT OR REPLACE INTO district_marks (township_id, period, form_key, mark, at, who)"
                       " VALUES (?, ?, ?, ?, ?, ?)", (township_id, period, form_key, mark, now_text(), who))


def clear_marks(store: Store, township_id: int, period: str, form_keys: list[str]) -> None:
    store.conn.executemany("DELETE FROM district_marks WHERE township_id = ? AND period = ? AND form_key = ?",
                           [(township_id, period, k) for k in form_keys])


def marks(store: Store, period: str) -> dict[tuple[int, str], str]:
    """(township id, form key) → 已审核 / 已退回."""
    return {(t, k): m for t, k, m in store.conn.execute(
        "SELECT township_id, form_key, mark FROM district_marks WHERE period = ?", (period,))}


def set_remark(store: Store, township_id: int, period: str, form_key: str, rule_id: str,
               cell: tuple[str, str, str], remark: str, who: str) -> None:
    """The district's remark on one finding; an empty remark removes it."""
    key = (township_id, period, form_key, rule_id, *cell)
    if remark.strip():
        store.conn.execute("INSERT OR REPLACE INTO district_remarks (township_id, period, form_key, rule_id, table_key,"
                           " row_key, col_key, remark, at, who) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (*key, remark.strip(), now_text(), who))
    else:
        store.conn.execute("DELETE FROM district_remarks WHERE township_id = ? AND period = ? AND form_key = ?"
                           " AND rule_id = ? AND table_key = ? AND row_key = ? AND col_key = ?", key)


def remarks(store: Store, township_id: int, period: str) -> dict[tuple[str, str, str, str, str], str]:
    """(form key, rule id, table, row, column) → remark."""
    return {tuple(r[:5]): r[5] for r in store.conn.execute(  # type: ignore[misc]
        "SELECT form_key, rule_id, table_key, row_key, col_key, remark FROM district_remarks"
        " WHERE township_id = ? AND period = ?", (township_id, period))}


def report_statuses(store: Store, period: str) -> dict[tuple[int, str], tuple[int, str]]:
    """(township id, form key) → (report id, stored status) for every report of the period."""
    return {(t, k): (i, s) for i, t, k, s in store.conn.execute(
        "SELECT id, township_id, form_key, status FROM reports WHERE period = ?", (period,))}


def finish_line(store: Store, line_id: int, verdict: str, reasons: list[str]) -> None:
    """Set the verdict of a line written before its statuses were known (same transaction)."""
    store.conn.execute("UPDATE intake_register SET verdict = ?, reasons = ? WHERE id = ?",
                       (verdict, json.dumps(reasons, ensure_ascii=False), line_id))


def sends_signed(store: Store, township_id: int) -> bool:
    """s8: the district has received a validly signed file from this township (any period)."""
    return store.conn.execute("SELECT 1 FROM intake_register WHERE township_id = ? AND signature LIKE '签名有效%'"
                              " LIMIT 1", (township_id,)).fetchone() is not None
