"""The district database's own tables (migration 5): the intake register, the district's marks
on a township's reports (已审核 / 已退回) and its remarks on findings; and the database kind.

All SQL of the district lives here; callers use ``storage.workspace.Workspace`` (its
``# -- district (W2-D)`` section). A database is a district database when its settings say
so (``database_kind`` = ``district``): told apart by the file itself, never by a flag.

A file whose values are not written (拒收, 文件已被修改, 表式版本不符, 重复) must leave the
database file byte-identical, yet stand in the register: its line goes to the **refused log**
beside the database (``<db>.拒收记录.jsonl``, one JSON object per line, each appended with one
write and flushed to disk), and ``register_lines`` merges both, in the order the files came: a
refused line notes the register's last id when it was written (``after_id``). A line torn by a
crash (no final newline) is skipped when read and cut off before the next line is appended.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage import cell_packs
from storage.database import CellKey, Report, Store, insert_runs, now_text, where_given
from storage.import_log import snapshot_cells

__all__ = ["KIND_SETTING", "DISTRICT", "TOWNSHIP", "RegisterLine", "database_kind", "set_database_kind",
           "add_register_line", "register_lines", "REFUSED_LOG_SUFFIX", "refused_log_path", "add_refused_line",
           "refused_lines", "retire_refused_log", "replace_values", "current_lines", "find_current_by_sha", "mark_replaced",
           "identical_data", "set_mark", "clear_marks", "marks", "set_remark", "remarks", "report_statuses", "finish_line",
           "sends_signed", "replace_report", "ensure_reports", "set_statuses", "replace_reports", "pause_revisions",
           "resume_revisions", "stored_reports", "rewrite_report", "FormAudit", "rewrite_rows", "read_stored_report",
           "stored_as_new", "earlier_forms"]

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
    """Every line (of one period / township when given), newest first: the database's and the
    refused log's, in the order the files came. A file read without a period (unreadable, not a
    submission) is listed under every period: it may belong to any."""
    sql, args = where_given(f"SELECT {_LINE_COLUMNS} FROM intake_register WHERE 1", township_id=township_id)
    if period is not None:
        sql, args = sql + " AND (period = ? OR period IS NULL)", [*args, period]
    written = [((line.id, 0, 0), line) for line in map(_line, store.conn.execute(sql + " ORDER BY id DESC", args))]
    refused = [((after, 1, -line.id), line) for after, line in refused_lines(store)
               if (period is None or line.period in (period, None))
               and (township_id is None or line.township_id == township_id)]
    if not refused:
        return [line for _, line in written]
    return [line for _, line in sorted(written + refused, key=lambda pair: pair[0], reverse=True)]


# -- the refused log (p1) ------------------------------------------------------------------------------------
REFUSED_LOG_SUFFIX = ".拒收记录.jsonl"
_REFUSED_FIELDS = ("file_name", "sha256", "township_id", "period", "given", "program_version", "forms", "verdict",
                   "reasons")


def refused_log_path(db_path: Path) -> Path:
    """The refused log beside the database ``db_path``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + REFUSED_LOG_SUFFIX)


def add_refused_line(store: Store, *, who: str, file_name: str, sha256: str, township_id: int | None,
                     period: str | None, given: bool, program_version: str, forms: str, verdict: str,
                     reasons: list[str], signature: str = "", signed_at: str = "") -> int:
    """Append a register line for a file whose values are not written to the refused log (the
    database is only read); returns its id in the register (negative: the log's line number).
    ``signature``/``signed_at``: the s8 signature verdict (签名无效 … files are not written either)."""
    after = store.conn.execute("SELECT coalesce(max(id), 0) FROM intake_register").fetchone()[0]
    entry = dict(received_at=now_text(), who=who, file_name=file_name, sha256=sha256, township_id=township_id,
                 period=period, given=bool(given), program_version=program_version, forms=forms, verdict=verdict,
                 reasons=list(reasons), after_id=after, signature=signature, signed_at=signed_at)
    data = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    path = refused_log_path(store.path)
    before = path.read_bytes() if path.exists() else b""
    if before and not before.endswith(b"\n"):
        data = b"\n" + data  # a line torn by a crash: close it (it is skipped when read)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    try:
        written = 0
        while written < len(data):  # one write for a line this size; the loop only for a short write
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
    return -(before.count(b"\n") + data.count(b"\n"))


def retire_refused_log(db_path: Path) -> Path | None:
    """A refused log left beside ``db_path`` by a database that is no longer there is not the new
    database's: renamed aside (kept, never deleted) before a database is created at ``db_path``."""
    log = refused_log_path(db_path)
    if not log.exists():
        return None
    aside = log.with_name(f"{log.name}.{now_text().replace(':', '')}.旧")
    os.replace(log, aside)
    return aside


def _log_entries(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, entry) of the log's complete lines; a torn or unreadable line is skipped."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    entries = []
    for n, text in enumerate(raw.split(b"\n")[:-1], start=1):  # after the last newline: no complete line
        try:
            entry = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(entry, dict):
            entries.append((n, entry))
    return entries


def refused_lines(store: Store) -> list[tuple[int, RegisterLine]]:
    """(the register's last id when written, line) of every refused-log line, oldest first."""
    out = []
    for n, entry in _log_entries(refused_log_path(store.path)):
        try:
            values = [entry.get(key) for key in _REFUSED_FIELDS]
            township = values[2] if isinstance(values[2], int) else None
            reasons = tuple(str(r) for r in values[8] or ())
            line = RegisterLine(-n, str(entry.get("received_at", "")), str(entry.get("who", "")), str(values[0] or ""),
                                str(values[1] or ""), township, str(values[3]) if values[3] else None, bool(values[4]),
                                str(values[5] or ""), str(values[6] or ""), str(values[7] or ""), reasons,
                                signature=str(entry.get("signature") or ""), signed_at=str(entry.get("signed_at") or ""))
            out.append((int(entry.get("after_id") or 0), line))
        except (TypeError, ValueError):
            continue
    return out


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
    if form_keys:
        store.conn.execute("DELETE FROM district_marks WHERE township_id = ? AND period = ?"
                           f" AND form_key IN ({','.join('?' * len(form_keys))})", (township_id, period, *form_keys))


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


def replace_values(store: Store, report_id: int, changes: list[tuple[CellKey, Any]], who: str,
                   reason: str) -> tuple[int, set[CellKey]]:
    """``Store.set_values`` for a whole report at once (a received file writes every input cell of
    its forms): the report read in one query, the changed values written in a few statements
    (``_RowWrites``), each audited and remembered as first stored exactly as ``Store._write`` does.
    Returns how many changed and the cells it inserted (cells that held neither a value nor a 说明). Inside the
    caller's transaction."""
    cells = cell_packs.read_cells(store.conn, report_id)
    writes = _RowWrites()
    changed, inserted = writes.values(report_id, changes, cells, who, reason, None)
    writes.flush(store)
    return changed, inserted


StoredCells = dict[CellKey, tuple[Any, str]]  # a report's stored cells: cell → (value, 说明)

# SQLite stores a NaN double as NULL (as it stores None), and Python's sqlite3 binds a float at once
# while None goes through its adapter look-up first (≈3,000 instructions each): a NULL is bound as this.
_NULL = float("nan")
# y3: the first values of a flush are its value audit rows with a value (a NaN was bound as NULL and
# a blank is none; the audit's ``new`` has no type affinity, so each is stored as the audit stored it):
# copied by one statement instead of bound again, a few hundred rows of five values a file
_FIRSTS = ("INSERT OR IGNORE INTO first_values (report_id, table_key, row_key, col_key, value)"
           " SELECT report_id, table_key, row_key, col_key, new FROM audit WHERE id > ? AND field = 'value'"
           " AND new IS NOT NULL ORDER BY id")
# (the columns a received file's audit rows share come first: ``insert_runs`` binds them once a run)
_AUDITS = "INSERT INTO audit (at, who, report_id, field, reason, table_key, row_key, col_key, old, new) VALUES {}"


class _RowWrites:
    """The values, 说明, first values and audit rows a received file's forms write, gathered form by
    form and written together at the end (``flush``): the same rows, in the same order (the audit's
    ids), as writing each form's at once gave (u4, issue 11: ≈ 430 rows a file). w2: the values go
    into their column's pack (``storage.cell_packs``), one write a pack."""

    def __init__(self) -> None:
        self.cells: dict[int, dict[CellKey, Any]] = {}  # report id → its values changed (None: removed)
        self.notes: dict[tuple[int, str, str, str], list[Any]] = {}  # (report, t, r, c) → [(t, r, c), 说明, at]
        self.stamps: dict[int, str] = {}  # report id → the stamp of its packs written
        # the audit rows in runs: (what the run's rows share: at, who, report, field, reason), each row's
        # own (table, row, column, old, new) — ``insert_runs`` binds the shared values once a run (v4)
        self.audits: list[tuple[tuple[Any, ...], list[list[Any]]]] = []
        self.updated: dict[int, str] = {}  # report id → its updated_at
        self.fresh: list[int] = []  # reports that stored no cell: their first values are all their values
        self.fresh_values: dict[int, dict[CellKey, Any]] = {}  # each one's values written (as ``values`` gave them)

    def audit(self, at: str, who: str, report_id: int, table: str, row: str, col: str, what: str, old: Any,
              new: Any, reason: str) -> None:
        self._run((at, who, report_id, what, reason)).append(
            [table, row, col, _NULL if old is None else old, _NULL if new is None else new])

    def _run(self, shared: tuple[Any, ...]) -> list[list[Any]]:
        """The rows of the last audit run when it shares ``shared``, else of a new run."""
        if not self.audits or self.audits[-1][0] != shared:
            self.audits.append((shared, []))
        return self.audits[-1][1]

    def values(self, report_id: int, changes: list[tuple[CellKey, Any]], cells: StoredCells, who: str, reason: str,
               now: dict[CellKey, Any] | None) -> tuple[int, set[CellKey]]:
        """The value writes of ``Store.set_values`` (``cells``: the report's stored cells); returns
        how many changed and the cells inserted (as ``replace_values``). ``now``: filled with every
        cell's value as stored after (the unchanged ones as they were read)."""
        stamp = now_text()
        inserted: set[CellKey] = set()
        changed = 0
        if now is not None:
            now.update({c: v for c, (v, _n) in cells.items()})
        if not cells and report_id not in self.fresh:
            return self._fresh_values(report_id, changes, who, reason, now, stamp)
        audits = self._run((stamp, who, report_id, "value", reason))
        written = self.cells.setdefault(report_id, {})
        for cell, new in changes:
            got = cells.get(cell)
            old = None if got is None else got[0]
            if cell_packs.same_value(old, new):
                continue
            if now is not None:
                now[cell] = new
            if got is None:
                inserted.add(cell)
            written[cell] = new
            audits.append([*cell, _NULL if old is None else old, _NULL if new is None else new])
            changed += 1
        if changed:
            self.updated[report_id] = self.stamps[report_id] = stamp
        return changed, inserted

    def _fresh_values(self, report_id: int, changes: list[tuple[CellKey, Any]], who: str, reason: str,
                      now: dict[CellKey, Any] | None, stamp: str) -> tuple[int, set[CellKey]]:
        """``values`` for a report that stores no cell (v4): every value but a blank is written, each
        cell inserted, its packs made without reading any, and each value is a first value."""
        self.fresh.append(report_id)
        written = [(cell, new) for cell, new in changes if new is not None]  # (a blank over nothing: unchanged)
        self._run((stamp, who, report_id, "value", reason)).extend([[t, r, c, _NULL, new] for (t, r, c), new in written])
        values = self.fresh_values[report_id] = dict(written)
        if now is not None:
            now.update(values)
        if written:
            self.updated[report_id] = self.stamps[report_id] = stamp
        return len(written), set(values)

    def note(self, report_id: int, cell: CellKey, note: str, stamp: str, cells: StoredCells) -> None:
        """A 说明 written as ``Store.set_note`` writes it ('' removes it)."""
        self.notes[(report_id, *cell)] = [cell, note, stamp]

    def flush(self, store: Store) -> None:
        """Write what was gathered (inside the caller's transaction, the revisions paused)."""
        conn = store.conn
        last_audit = conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0] if self.audits else 0
        insert_runs(store, _AUDITS, 10, self.audits)
        for report_id in self.fresh:
            cell_packs.write_values(conn, report_id, self.fresh_values[report_id].items(), self.stamps.get(report_id, ""),
                                    fresh=True)
        for report_id, cells in self.cells.items():
            if cells:
                cell_packs.write_values(conn, report_id, cells.items(), self.stamps[report_id])
        by_report: dict[int, list[list[Any]]] = {}
        for (report_id, *_cell), written in self.notes.items():
            by_report.setdefault(report_id, []).append(written)
        for report_id, notes in by_report.items():
            cell_packs.write_notes(conn, report_id, notes)
        if self.audits:  # y3: each value written is a first value unless the cell has one (copied by SQLite)
            conn.execute(_FIRSTS, (last_audit,))
        if self.updated:
            conn.executemany("UPDATE reports SET updated_at = ? WHERE id = ?",
                             [(stamp, rid) for rid, stamp in self.updated.items()])
        self.cells, self.notes, self.stamps, self.audits, self.updated = {}, {}, {}, [], {}
        self.fresh, self.fresh_values = [], {}


# -- s4: one received form written in a few statements ------------------------------------------------
def set_statuses(store: Store, changes: list[tuple[int, str, str]], who: str) -> None:
    """``Store.set_status`` for several reports at once: each (report id, stored status, new status)
    with a status different from the stored one gets it and its audit row. Inside the caller's transaction."""
    changes = [(report_id, old, new) for report_id, old, new in changes if old != new]
    if not changes:
        return
    stamp = now_text()
    store.conn.executemany("UPDATE reports SET status = ? WHERE id = ?", [(new, rid) for rid, _old, new in changes])
    store.conn.executemany("INSERT INTO audit (at, who, report_id, field, old, new) VALUES (?, ?, ?, 'status', ?, ?)",
                           [(stamp, who, rid, old, new) for rid, old, new in changes])


def ensure_reports(store: Store, township_id: int, period: str, forms: list[tuple[str, int]]) -> dict[str, Report]:
    """form key → the township-period's report of each of ``forms`` ((key, version) pairs), those
    not stored yet created as ``Store.ensure_report`` creates them, in the order given: one query
    when all are there, three when some are not. Inside the caller's transaction."""
    found = {r.form_key: r for r in store.reports_for(township_id, period)}
    missing = [(key, version) for key, version in forms if key not in found]
    if missing:
        stamp = now_text()
        store.conn.execute("INSERT OR IGNORE INTO periods (township_id, period) VALUES (?, ?)", (township_id, period))
        store.conn.executemany(
            "INSERT INTO reports (township_id, form_key, form_version, period, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", [(township_id, key, version, period, stamp, stamp) for key, version in missing])
        found = {r.form_key: r for r in store.reports_for(township_id, period)}
    return found


def replace_report(store: Store, report_id: int, values: dict[CellKey, Any], notes: dict[CellKey, str],
                   list_rows: dict[str, list[str]], who: str, reason: str) -> None:
    """The stored report becomes the file's form: its list rows (matched by position: rows the
    file adds get fresh keys, rows it lacks are removed), every input value, its 说明 — the same
    rows, values, 说明, audit trail and first stored values as ``Store.add_list_row`` /
    ``remove_list_row`` / ``set_values`` / ``set_note`` one by one give (a test compares them),
    in about a tenth of the statements: the report read once, each kind of row written with
    executemany. Inside the caller's transaction (the file's one)."""
    paused = pause_revisions(store, [report_id])
    changed = rewrite_report(store, report_id, values, notes, list_rows, who, reason)[0]
    resume_revisions(store, paused, [report_id] if changed else [])


# -- u3 (issue 11): a received file's forms written with their revisions paused together --------------
def pause_revisions(store: Store, report_ids: list[int]) -> dict[int, int]:
    """t1: the revision triggers stand aside while these reports are rewritten (migration 10): each
    holds PAUSED_REVISION until ``resume_revisions``. Returns report id → its revision before.
    (u3: two statements for all the file's forms instead of two per form.)"""
    from storage.migrations import PAUSED_REVISION

    ids = list(dict.fromkeys(report_ids))
    marks = ",".join("?" * len(ids))
    before = dict(store.conn.execute(f"SELECT id, revision FROM reports WHERE id IN ({marks})", ids).fetchall())
    store.conn.execute(f"UPDATE reports SET revision = ? WHERE id IN ({marks})", (PAUSED_REVISION, *ids))
    return before


def resume_revisions(store: Store, before: dict[int, int], changed: list[int]) -> None:
    """Each report of ``changed`` (in the order they were written) takes the counter's next number,
    as ``replace_report`` one after another gave them; the others their revision again."""
    conn = store.conn
    if changed:
        conn.execute("UPDATE revision_counter SET last = last + ?", (len(changed),))
        last = conn.execute("SELECT last FROM revision_counter").fetchone()[0]
        numbers = dict(zip(changed, range(last - len(changed) + 1, last + 1)))  # (a report twice: its last)
    else:
        numbers = {}
    conn.executemany("UPDATE reports SET revision = ? WHERE id = ?",
                     [(numbers.get(rid, revision), rid) for rid, revision in before.items()])


@dataclass(frozen=True)
class FormAudit:
    """The audit row each received form gets after its writes (``import_log.audit_import``'s) as data,
    so that ``replace_reports`` writes it with the forms' other audit rows (u4); called, it is written at once."""

    store: Store
    who: str
    field: str
    new: str
    reason: str

    def __call__(self, report_id: int) -> None:
        from storage.import_log import audit_import

        audit_import(self.store, report_id, self.who, self.field, self.new, self.reason)


def replace_reports(store: Store, forms: list[tuple[int, dict[CellKey, Any], dict[CellKey, str], dict[str, list[str]]]],
                    who: str, reason: str, before: dict[str, Any], after: Callable[[int], None],
                    ) -> dict[int, tuple[dict[CellKey, Any], dict[CellKey, str], dict[str, list[str]]]]:
    """``replace_report`` for each of a received file's forms — (report id, values, 说明, list rows),
    in order, ``after(report id)`` following each (a ``FormAudit``: its row gathered with the others)
    — with the same rows, audit trail and revisions (u3): each
    report as ``before`` (``import_log.snapshot`` of the township-period, taken in this transaction)
    read it, the revisions paused once for all, (u4) the value, 说明 and audit rows of all the forms
    written together at the end. Returns report id → its values, 说明 and list rows as
    ``Store.load`` would now read them (the reports whose contents are known)."""
    known = stored_reports(before)
    paused = pause_revisions(store, [report_id for report_id, *_ in forms])
    changed: list[int] = []
    written = {}
    writes = _RowWrites()
    for report_id, values, notes, list_rows in forms:
        # (not in the snapshot: created since, empty; a form given twice: its second reads what the first wrote)
        if report_id in written:
            writes.flush(store)
            stored = None
        else:
            stored = known.get(report_id, ({}, {}))
        wrote, contents = rewrite_report(store, report_id, values, notes, list_rows, who, reason, stored, writes)
        if wrote:
            changed.append(report_id)
        written[report_id] = contents
        if isinstance(after, FormAudit):
            writes.audit(now_text(), after.who, report_id, "", "", "", after.field, None, after.new, after.reason)
        else:  # (anything else runs after the rows gathered so far are written)
            writes.flush(store)
            after(report_id)
    writes.flush(store)
    resume_revisions(store, paused, changed)
    return {report_id: contents for report_id, contents in written.items() if contents is not None}


StoredReport = tuple[dict[CellKey, tuple[Any, str]], dict[str, list[str]]]  # cells (value, 说明), list rows


def stored_reports(snapshot: dict[str, Any]) -> dict[int, StoredReport]:
    """report id → its cells and list rows (in position order) from ``import_log.snapshot`` of the
    township-period, as ``rewrite_report`` would read them (u3: the intake reads each report once)."""
    found: dict[int, StoredReport] = {}
    for report in snapshot["reports"]:
        rows: dict[str, list[str]] = {}
        for table, row, _position in sorted(report["rows"], key=lambda r: (r[0], r[2])):
            rows.setdefault(table, []).append(row)
        found[report["id"]] = (snapshot_cells(report), rows)
    return found


def read_stored_report(store: Store, report_id: int) -> StoredReport:
    """The report's cells and list rows (in position order) as they are stored now."""
    cells = cell_packs.read_cells(store.conn, report_id)
    rows: dict[str, list[str]] = {}
    for table, row in store.conn.execute("SELECT table_key, row_key FROM list_rows WHERE report_id = ?"
                                         " ORDER BY table_key, position", (report_id,)):
        rows.setdefault(table, []).append(row)
    return cells, rows


def rewrite_rows(store: Store, report_id: int, cells: StoredCells, stored_rows: dict[str, list[str]],
                 list_rows: dict[str, list[str]], who: str, audit: Callable[..., None],
                 ) -> tuple[bool, dict[tuple[str, str], str], dict[str, list[str]], StoredCells]:
    """The report's list rows made the file's (matched by position: rows the file adds get fresh
    keys, rows it lacks are removed with their cells), each audited by ``audit`` (``_RowWrites.audit``'s
    arguments). Returns whether a row was written, (table, file row) → stored row where they differ,
    each table's rows now, and the report's cells left."""
    from storage.row_keys import issue_row_keys

    conn = store.conn
    touched = False
    rows_now: dict[str, list[str]] = {}
    rename: dict[tuple[str, str], str] = {}
    stamp = now_text()
    for table in sorted({*stored_rows, *list_rows}):
        stored, wanted = stored_rows.get(table, []), list_rows.get(table, [])
        # (v4: a table without a row now — ``stored_rows`` are the report's rows as stored — has no key
        # nor position to look for)
        fresh = issue_row_keys(store, report_id, table, len(wanted) - len(stored), rowless=not stored) \
            if len(wanted) > len(stored) else []
        if fresh:
            touched = True
            last = conn.execute("SELECT COALESCE(MAX(position), 0) FROM list_rows WHERE report_id = ? AND table_key = ?",
                                (report_id, table)).fetchone()[0] if stored else 0
            insert_runs(store, "INSERT INTO list_rows (report_id, table_key, row_key, position) VALUES {}", 4,
                        [((report_id, table), [(key, last + n) for n, key in enumerate(fresh, start=1)])])  # (v4)
            for key in fresh:
                audit(stamp, who, report_id, table, key, "", "row", None, "add", "")
        for file_row, real_row in zip(wanted, [*stored, *fresh]):
            if file_row != real_row:
                rename[(table, file_row)] = real_row
        if wanted:
            rows_now[table] = [*stored, *fresh][:len(wanted)]
        removed = stored[len(wanted):]
        if removed:
            touched = True
            gone = [(report_id, table, row) for row in removed]
            conn.executemany("DELETE FROM list_rows WHERE report_id = ? AND table_key = ? AND row_key = ?", gone)
            cell_packs.remove_rows(conn, report_id, table, removed, stamp)
            for row in removed:
                audit(stamp, who, report_id, table, row, "", "row", "remove", None, "")
            dropped = set(removed)
            cells = {c: v for c, v in cells.items() if c[0] != table or c[1] not in dropped}
    return touched, rename, rows_now, cells


def rewrite_report(store: Store, report_id: int, values: dict[CellKey, Any], notes: dict[CellKey, str],
                   list_rows: dict[str, list[str]], who: str, reason: str, before: StoredReport | None = None,
                   writes: _RowWrites | None = None,
                   ) -> tuple[bool, tuple[dict[CellKey, Any], dict[CellKey, str], dict[str, list[str]]] | None]:
    """``replace_report``'s writes, its revision paused by the caller (``pause_revisions``):
    whether it wrote any value, 说明, row of ``list_rows`` or ``first_values`` (what the revision
    triggers count), and (u3) the report's values, 说明 and list rows as ``Store.load`` would now read
    them (same order), or None when a value written may read back otherwise (not an int, float or
    str; NaN). ``before``: the report's cells and list rows as they are now (``stored_reports``);
    None: read here. ``writes`` (u4): where its value, 说明 and audit rows are gathered, written
    by the caller's ``writes.flush`` (None: written here)."""
    batch = _RowWrites() if writes is None else writes
    cells, stored_rows = read_stored_report(store, report_id) if before is None else before
    touched, rename, rows_now, cells = rewrite_rows(store, report_id, cells, stored_rows, list_rows, who, batch.audit)

    def real(cell: CellKey) -> CellKey:
        return (cell[0], rename.get((cell[0], cell[1]), cell[1]), cell[2])

    changes = [(real(c), v) for c, v in values.items()] if rename else list(values.items())
    values_now: dict[CellKey, Any] = {}
    changed = batch.values(report_id, changes, cells, who, reason, values_now)[0]
    # 说明: as ``Store.set_note`` for each one that differs (stripped; a cell without a row gets one)
    wanted_notes = {real(c): n for c, n in notes.items()} if rename else notes
    kept = {c: n for c, (_v, n) in cells.items() if n != ""}
    stamp = now_text()
    noted = False
    for cell in sorted({*kept, *wanted_notes}):
        old, new = kept.get(cell, ""), (wanted_notes.get(cell, "") or "").strip()
        if old == new:
            continue
        batch.note(report_id, cell, new, stamp, cells)
        batch.audit(stamp, who, report_id, *cell, "note", old, new, reason)
        noted = True
    if noted:
        batch.updated[report_id] = stamp
    if writes is None:
        batch.flush(store)
    written = touched or changed > 0 or noted
    if not _all_read_back(values.values()):
        return written, None
    notes_now = {c: n for c in sorted({*kept, *wanted_notes}) if (n := (wanted_notes.get(c, "") or "").strip())}
    return written, ({c: values_now[c] for c in sorted(values_now, key=cell_packs.load_order)
                      if values_now[c] is not None}, notes_now,
                     {t: rows_now[t] for t in sorted(rows_now)})


def stored_as_new(values: dict[CellKey, Any], notes: dict[CellKey, str], list_rows: dict[str, list[str]],
                  ) -> tuple[dict[CellKey, Any], dict[CellKey, str], dict[str, list[str]]]:
    """A form written into a report that holds nothing yet (no cell, no list row, no first value):
    its values, 说明 and list rows as ``rewrite_report`` then returns them (same order) — when the
    keys issued for its rows are the file's own (y3: what the reading process validates)."""
    kept = {cell: value for cell, value in values.items() if value is not None}
    return ({cell: kept[cell] for cell in sorted(kept, key=cell_packs.load_order)},
            {cell: text for cell in sorted(notes) if (text := (notes[cell] or "").strip())},
            {table: list(rows) for table, rows in sorted(list_rows.items()) if rows})


def earlier_forms(store: Store, township_id: int, period: str) -> set[str]:
    """The forms of which the township has a report of a period before ``period``."""
    return {key for (key,) in store.conn.execute(
        "SELECT DISTINCT form_key FROM reports WHERE township_id = ? AND period < ?", (township_id, period))}


def _reads_back(value: Any) -> bool:
    """Whether SQLite gives ``value`` back as the same object type and value (NaN becomes NULL, a
    bool an int, …): only then is a report's content known without reading it again."""
    kind = type(value)
    return value is None or kind is str or (kind is int and -2**63 <= value < 2**63) or (kind is float and value == value)


_PLAIN = frozenset({type(None), str, int, float})


def _all_read_back(values: Iterable[Any]) -> bool:
    """``_reads_back`` of every value, by kinds first (u4: a file's few hundred values, mostly None,
    str and float, checked without a Python call per value)."""
    values = list(values)
    kinds = set(map(type, values))
    if not kinds <= _PLAIN:
        return False
    if int in kinds:
        ints = [v for v in values if type(v) is int]
        if min(ints) < -2**63 or max(ints) >= 2**63:
            return False
    return float not in kinds or not any(map(math.isnan, [v for v in values if type(v) is float]))
