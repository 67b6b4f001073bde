"""The local SQLite file: townships, periods, reports, cell values with 说明, audit trail.

Autosave by design: every edit is its own committed transaction (WAL, synchronous=FULL), so
there is no Save button to forget and a crash loses nothing that was reported saved.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import json
import operator
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from forms.column_values import ColumnValues
from records import field, record
from storage import cell_packs
from storage.migrations import SCHEMA_VERSION, migrate
from user_error import UserError


def _import_sqlite_utils():  # noqa: ANN202 - returns the module
    """sqlite-utils, imported only where its API earns its place (the district's queries), never on
    the way to the first useful work: it pulls in click, pluggy, dateutil and plugin discovery
    (~50 ms), and pandas/numpy eagerly (~0.5 s) only to adapt their types, which this program never
    stores — those are hidden during the import and import normally wherever they are really used."""
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            sys.modules.pop(name, None)
    return sqlite_utils

__all__ = ["Store", "Township", "Report", "ReportData", "LazyReportData", "StorageError", "DriverError", "CellKey", "now_text", "insert_rows"]

CellKey = tuple[str, str, str]
PROFILE_FIELDS = ("name", "stat_code", "unit_head", "stat_head", "filler", "phone", "note")


class StorageError(UserError, RuntimeError):
    """A database problem, worded for the user."""


class DriverError(StorageError):
    """An error of the SQLite driver itself (its ``__cause__``), worded for the user."""


class _GuardedConnection:
    """The SQLite connection as ``Store.conn``: every driver error of a statement becomes a
    ``DriverError`` (a ``StorageError``), so no caller ever sees ``sqlite3`` exceptions."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        try:
            return self.raw.execute(sql, parameters)
        except sqlite3.Error as exc:
            raise DriverError(_driver_text("数据库操作失败", exc)) from exc

    def executemany(self, sql: str, parameters: Any) -> sqlite3.Cursor:
        try:
            return self.raw.executemany(sql, parameters)
        except sqlite3.Error as exc:
            raise DriverError(_driver_text("数据库操作失败", exc)) from exc

    def __getattr__(self, name: str) -> Any:  # in_transaction, close, backup …: the connection's own
        return getattr(self.raw, name)


def _driver_text(what: str, exc: BaseException | None) -> str:
    """A driver error, worded for the user: what failed and SQLite's own reason."""
    reason = str(exc)
    if "locked" in reason or "busy" in reason:
        reason = "数据库正被其他程序占用，请稍后再试"
    return f"{what}：{reason}"


def _writable(path: Path) -> bool:
    """Can this process write the file and create its -wal/-journal beside it?"""
    import os

    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def where_given(sql: str, **conditions: Any) -> tuple[str, list[Any]]:
    """``sql`` (ending in a WHERE clause) with ``AND column = ?`` for each condition that is not None:
    the optional filters of a listing (one township, one period …)."""
    args: list[Any] = []
    for column, value in conditions.items():
        if value is not None:
            sql += f" AND {column} = ?"
            args.append(value)
    return sql, args


_ROW_CHUNKS = (64, 32, 16, 8, 4, 2, 1)  # rows per multi-row statement: at most seven SQL texts per kind


@functools.lru_cache(maxsize=64)
def _rows_sql(head: str, width: int, rows: int) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return head.format(", ".join([one] * rows))


def insert_rows(store: Store, head: str, width: int, rows: Sequence[Sequence[Any]]) -> None:
    """``rows`` (each ``width`` values) written in order by a few multi-row statements — ``head`` is
    the INSERT with ``{}`` where its VALUES list goes: one statement's fixed cost (and, on a table
    with triggers, its statement journal) for up to 64 rows instead of one for each (u4, issue 11)."""
    insert_runs(store, head, width, [((), rows)])


@functools.lru_cache(maxsize=64)
def _runs_sql(head: str, shared: int, width: int, rows: int) -> str:
    if not shared:  # (``insert_rows``: plain parameters)
        return _rows_sql(head, width, rows)
    own = width - shared
    front = [f"?{n}" for n in range(1, shared + 1)]
    return head.format(", ".join(
        "(" + ", ".join([*front, *(f"?{shared + own * row + n}" for n in range(1, own + 1))]) + ")" for row in range(rows)))


def insert_runs(store: Store, head: str, width: int, runs: Iterable[tuple[Sequence[Any], Sequence[Sequence[Any]]]],
                ) -> None:
    """``insert_rows`` for rows that share their first values (an audit trail's time, who, report,
    kind and reason): each run — (the values its rows share, each row's own values) — binds the
    shared ones once per statement (numbered parameters), so a row binds only its own: the same
    rows in the same order (ids) as ``insert_rows`` of the whole rows. ``width``: values in a whole
    row. (Binding is ≈ 700 instructions a text value: most of a received file's audit rows' cost, v4.)"""
    for front, rows in runs:
        shared, front, done, total = len(front), list(front), 0, len(rows)
        for size in _ROW_CHUNKS:
            while total - done >= size:
                store.conn.execute(_runs_sql(head, shared, width, size),
                                   front + list(itertools.chain.from_iterable(rows[done:done + size])))
                done += size


_NOW_TEXT: list[Any] = [None, ""]  # (second since the epoch, its local time as text): the last one made


def now_text() -> str:
    """The local time now, to the second ("2026-12-02T03:12:55"): made once a second (u4: the
    isoformat of ``datetime.now()`` costs ≈ 8,000 instructions, and a received file stamps ≈ 30 rows)."""
    second = int(time.time())
    if second != _NOW_TEXT[0]:
        _NOW_TEXT[:] = [second, _dt.datetime.fromtimestamp(second).isoformat(timespec="seconds")]
    return _NOW_TEXT[1]


@record(frozen=True)
class Township:
    id: int
    stat_code: str | None
    mca_code: str | None
    name: str
    kind: str
    is_demo: bool
    unit_head: str = ""
    stat_head: str = ""
    filler: str = ""
    phone: str = ""
    note: str = ""

    @property
    def code_text(self) -> str:
        return self.stat_code or "（统计代码待定）"


@record(frozen=True)
class Report:
    id: int
    township_id: int
    form_key: str
    form_version: int
    period: str
    status: str
    created_at: str
    updated_at: str
    validated_at: str | None
    exported_at: str | None


@record
class ReportData:
    """Everything stored for one report: input values, 说明 notes and list-table row order."""

    report: Report
    values: dict[CellKey, Any] = field(default_factory=dict)
    notes: dict[CellKey, str] = field(default_factory=dict)
    list_rows: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_input(self) -> bool:
        return any(v is not None for v in self.values.values())

    @property
    def input_values(self) -> Mapping[CellKey, Any]:
        """The values as a validation reads them (``LazyReportData``: by column, issue 16)."""
        return self.values


_first, _second = operator.itemgetter(0), operator.itemgetter(1)


class LazyReportData(ReportData):
    """r4: a report whose values, 说明 and list rows are read from the database on first use.

    ``Workspace.validate_period`` returns these for reports whose findings an earlier session
    kept: a caller that needs only the findings and the status reads nothing more (reading a
    5,000-row report is most of a kept validation's time). ``has_input`` asks the database
    without reading the values. Read once; later uses share that reading.

    Issue 16: a validation reads ``input_values`` — the values by column (``ColumnValues``), read
    with the list rows and 说明 alone; ``values`` (the cell dict) is then made from those columns
    when something first asks for it, not read again."""

    def __init__(self, report: Report, store: Store, source: LazyReportData | None = None, *,
                 contents: tuple[dict[CellKey, Any], dict[CellKey, str], dict[str, list[str]]] | None = None) -> None:
        self.report = report
        self._store = store
        self._source = source  # another report object of the same contents (see ``as_of``)
        # u3: ``contents`` (values, 说明, list rows) as ``Store.load`` would read them now: not read again
        self._data: ReportData | None = None if contents is None else ReportData(report, *contents)
        self._notes: dict[CellKey, str] | None = None  # read alone (few rows) while the values are not
        self._columns: ColumnValues | None = None  # (issue 16) the values by column, when read so
        self._rows: dict[str, list[str]] | None = None  # the list rows, read alone with ``_columns``

    def as_of(self, report: Report) -> LazyReportData:
        """The same contents (read once between them) with a newer ``Report`` row."""
        return LazyReportData(report, self._store, self._source or self)

    @property
    def loaded(self) -> bool:
        return (self._source.loaded if self._source is not None else self._data is not None)

    def _contents(self) -> ReportData:
        if self._source is not None:
            return self._source._contents()
        if self._data is None:
            if self._columns is None:
                self._data = self._store.load(self.report.id)
            else:  # the columns read for a validation: the same cells, not read again
                self._data = ReportData(self.report, self._columns.as_dict(), self.notes, self._rows or {})
        return self._data

    values = property(lambda self: self._contents().values)  # type: ignore[assignment]

    @property  # type: ignore[override]
    def list_rows(self) -> dict[str, list[str]]:
        root = self._source or self
        if root._data is None and root._columns is not None:
            return root._rows  # type: ignore[return-value]
        return root._contents().list_rows

    @property
    def input_values(self) -> Mapping[CellKey, Any]:
        """The values as a validation reads them: ``values`` once that is read, else the values by
        column (read here with the list rows, once)."""
        root = self._source or self
        if root._data is not None:
            return root._data.values
        if root._columns is None:
            root._columns = root._store.column_values(root.report.id)
            root._rows = root._store.list_rows(root.report.id)
        return root._columns

    @property  # type: ignore[override]
    def notes(self) -> dict[CellKey, str]:
        """The 说明 (the findings panel shows them): read alone while the values are not needed."""
        root = self._source or self
        if root._data is not None:
            return root._data.notes
        if root._notes is None:
            root._notes = root._store.notes(root.report.id)
        return root._notes

    @property
    def has_input(self) -> bool:
        return self._contents().has_input if self.loaded else self._store.has_input(self.report.id)


class Store:
    """One open database file. Not thread-safe: one Store per thread."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = _GuardedConnection(conn)
        self._savepoints = itertools.count(1)

    @functools.cached_property
    def db(self) -> Any:
        """The same connection as a ``sqlite_utils.Database``, made on first use."""
        return _import_sqlite_utils().Database(self.conn.raw)

    readonly = False  # True when opened by ``Store.open(..., readonly=True)``: nothing can be written
    closed = False  # True after ``close()``: a result arriving later (from a pool thread) is dropped

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False, check: bool = False, allow_new: bool = True) -> Store:
        """Open (creating if needed) and migrate the database at ``path``.

        The file is first checked without writing (``storage.opening.check_openable``): an empty,
        damaged, foreign or newer file raises its StorageError subclass and stays untouched.
        ``check`` adds ``PRAGMA quick_check``; ``allow_new=False`` refuses what is not a database yet
        (see ``check_openable``: the commands never create one). ``readonly`` opens a connection that cannot write
        (commands that only read); an older file is upgraded first (with a backup), as the window does.
        """
        from storage.opening import (
            APPLICATION_ID,
            ReadOnlyDatabaseError,
            check_openable,
            connect_readonly,
        )

        path = Path(path)
        exists = check_openable(path, quick_check=check, allow_new=allow_new)
        if readonly and exists:
            try:
                conn = connect_readonly(path, isolation_level=None, timeout=10, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 10000")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise StorageError(f"无法打开数据库 {path}：{exc}") from None
            if version == SCHEMA_VERSION:
                store = cls(path, conn)
                store.readonly = True
                return store
            conn.close()  # an older structure: upgrade it first (as the window would), then read
        if exists and not _writable(path):
            raise ReadOnlyDatabaseError(f"数据库文件 {path} 是只读的（或所在文件夹不可写），无法写入；"
                                        "请复制到可写的位置，或取消文件的只读属性后再试。数据库未改动")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            from storage.cipher import connect  # s8: keyed when the database has a password

            conn = connect(path, isolation_level=None, timeout=10, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 10000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":  # e.g. a filesystem without shared memory: stay safe anyway
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if 0 < version < SCHEMA_VERSION:  # an older file: keep a copy before changing its structure
                from storage.backup import BackupError, make_backup

                try:
                    make_backup(path, f"升级前v{version}")
                except BackupError as exc:
                    conn.close()
                    raise StorageError(f"升级数据库结构前无法备份，未做任何改动：{exc}") from None
            migrate(conn)
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # created or adopted: mark it ours
        except sqlite3.DatabaseError as exc:
            if "readonly" in str(exc):
                raise ReadOnlyDatabaseError(f"数据库文件 {path} 是只读的，无法写入：{exc}。数据库未改动") from None
            raise StorageError(f"无法打开数据库 {path}：{exc}（文件可能已损坏或不是本程序的数据库）") from None
        except OSError as exc:
            raise StorageError(f"无法创建数据库 {path}：{exc.strerror or exc}") from None
        return cls(path, conn)

    def checkpoint(self) -> None:
        """Fold the -wal into the database file (``wal_checkpoint(TRUNCATE)``), so the file alone
        holds every committed edit: called after each import and at close. Never raises."""
        if self.readonly:
            return
        try:
            if not self.conn.in_transaction:
                # TRUNCATE waits (busy handler) for readers of older snapshots: wait briefly, not 10 s
                self.conn.execute("PRAGMA busy_timeout = 250")
                try:
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                finally:
                    self.conn.execute("PRAGMA busy_timeout = 10000")
        except (sqlite3.Error, StorageError):
            pass  # another connection is busy: the next checkpoint folds it

    def close(self) -> None:
        self.checkpoint()
        self.closed = True
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    @contextmanager
    def atomic(self) -> Iterator[Store]:
        """One transaction, taking the write lock at BEGIN (IMMEDIATE): with another process writing
        to the same file, a deferred BEGIN that reads then writes fails at once with "database is
        locked" (the busy timeout does not apply); IMMEDIATE waits for its turn instead."""
        if self.conn.in_transaction:  # nested: a savepoint, undone alone if its block fails
            name = f"nested_{next(self._savepoints)}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            self.conn.execute(f"RELEASE {name}")
            return
        raw = self.conn.raw
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(_driver_text("无法开始写入", exc)) from exc
        try:
            yield self
        except (sqlite3.Error, DriverError) as exc:
            self._rollback()
            cause = exc.__cause__ if isinstance(exc, DriverError) else exc
            raise StorageError(_driver_text("未能保存（所做修改已撤回）", cause)) from cause
        except BaseException:
            self._rollback()
            raise
        try:
            raw.execute("COMMIT")
        except sqlite3.Error as exc:
            # A COMMIT refused (e.g. a reader holds the file in the rollback-journal mode) leaves the
            # transaction open: roll it back, or every later write would silently join it and never commit.
            self._rollback()
            raise StorageError(_driver_text("未能保存（所做修改已撤回）", exc)) from exc

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.raw.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite has already rolled back on some errors (e.g. SQLITE_FULL)

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # -- settings (JSON values, never pickled objects) -------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.atomic():
            self.conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                              (key, json.dumps(value, ensure_ascii=False)))

    # -- townships ---------------------------------------------------------------------------
    @staticmethod
    def _township(row: sqlite3.Row | tuple) -> Township:
        (id_, stat_code, mca_code, name, kind, is_demo, unit_head, stat_head, filler, phone, note) = row
        return Township(id_, stat_code, mca_code, name, kind, bool(is_demo), unit_head, stat_head, filler, phone, note)

    _TOWNSHIP_COLUMNS = "id, stat_code, mca_code, name, kind, is_demo, unit_head, stat_head, filler, phone, note"

    def add_township(self, name: str, stat_code: str | None = None, mca_code: str | None = None,
                     kind: str = "", is_demo: bool = False, **profile: str) -> Township:
        with self.atomic():
            cur = self.conn.execute(
                "INSERT INTO townships (stat_code, mca_code, name, kind, is_demo) VALUES (?, ?, ?, ?, ?)",
                (stat_code or None, mca_code or None, name, kind, int(is_demo)))
            township_id = cur.lastrowid
            if profile:
                self._update_profile(township_id, profile)
        return self.township(township_id)

    # d3: the district's own unit (kind 区, storage.district_unit) is not a township: left out here and in the look-ups
    _NOT_UNIT = "kind != '区'"

    def townships(self) -> list[Township]:
        rows = self.conn.execute(
            f"SELECT {self._TOWNSHIP_COLUMNS} FROM townships WHERE {self._NOT_UNIT}"
            " ORDER BY is_demo DESC, stat_code IS NULL, stat_code, id")
        return [self._township(r) for r in rows]

    def township(self, township_id: int) -> Township:
        row = self.conn.execute(f"SELECT {self._TOWNSHIP_COLUMNS} FROM townships WHERE id = ?",
                                (township_id,)).fetchone()
        if row is None:
            raise StorageError(f"数据库中没有编号为 {township_id} 的镇街")
        return self._township(row)

    def find_township(self, text: str) -> Township | None:
        """By 统计代码, 区划代码 or exact name."""
        row = self.conn.execute(
            f"SELECT {self._TOWNSHIP_COLUMNS} FROM townships WHERE (stat_code = ? OR mca_code = ? OR name = ?)"
            f" AND {self._NOT_UNIT} ORDER BY id LIMIT 1", (text, text, text)).fetchone()
        return self._township(row) if row else None

    def township_with_stat_code(self, stat_code: str) -> Township | None:
        row = self.conn.execute(f"SELECT {self._TOWNSHIP_COLUMNS} FROM townships WHERE stat_code = ?",
                                (stat_code,)).fetchone()
        return self._township(row) if row else None

    def _update_profile(self, township_id: int, profile: dict[str, str]) -> None:
        from forms.values import clean_profile  # no control character may reach an export (issue 10.6)

        profile = clean_profile(profile)
        unknown = set(profile) - set(PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"unknown profile fields {sorted(unknown)}")
        for key, value in profile.items():
            self.conn.execute(f"UPDATE townships SET {key} = ? WHERE id = ?", (value, township_id))

    def update_profile(self, township_id: int, **profile: str) -> Township:
        with self.atomic():
            self._update_profile(township_id, profile)
        return self.township(township_id)

    # -- periods -----------------------------------------------------------------------------
    def ensure_period(self, township_id: int, period: str) -> None:
        with self.atomic():
            self.conn.execute("INSERT OR IGNORE INTO periods (township_id, period) VALUES (?, ?)",
                              (township_id, period))

    def periods(self, township_id: int) -> list[str]:
        rows = self.conn.execute("SELECT period FROM periods WHERE township_id = ? ORDER BY period DESC",
                                 (township_id,))
        return [r[0] for r in rows]

    # -- reports -----------------------------------------------------------------------------
    _REPORT_COLUMNS = ("id, township_id, form_key, form_version, period, status, created_at, updated_at, "
                       "validated_at, exported_at")

    def find_report(self, township_id: int, form_key: str, period: str) -> Report | None:
        row = self.conn.execute(
            f"SELECT {self._REPORT_COLUMNS} FROM reports WHERE township_id = ? AND form_key = ? AND period = ?",
            (township_id, form_key, period)).fetchone()
        return Report(*row) if row else None

    def ensure_report(self, township_id: int, form_key: str, form_version: int, period: str) -> Report:
        existing = self.find_report(township_id, form_key, period)
        if existing:
            return existing
        stamp = now_text()
        with self.atomic():
            self.conn.execute("INSERT OR IGNORE INTO periods (township_id, period) VALUES (?, ?)",
                              (township_id, period))
            self.conn.execute(
                "INSERT INTO reports (township_id, form_key, form_version, period, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", (township_id, form_key, form_version, period, stamp, stamp))
        report = self.find_report(township_id, form_key, period)
        assert report is not None
        return report

    def get_report(self, report_id: int) -> Report:
        row = self.conn.execute(f"SELECT {self._REPORT_COLUMNS} FROM reports WHERE id = ?", (report_id,)).fetchone()
        if row is None:
            raise StorageError(f"数据库中没有编号为 {report_id} 的报表")
        return Report(*row)

    def reports_for(self, township_id: int, period: str) -> list[Report]:
        rows = self.conn.execute(
            f"SELECT {self._REPORT_COLUMNS} FROM reports WHERE township_id = ? AND period = ? ORDER BY id",
            (township_id, period))
        return [Report(*r) for r in rows]

    def set_status(self, report_id: int, status: str, *, validated: bool = False, exported: bool = False,
                   who: str = "") -> None:
        """Record a status change (and when it was 审核'd / exported) with an audit row."""
        report = self.get_report(report_id)
        stamp = now_text()
        with self.atomic():
            self.conn.execute("UPDATE reports SET status = ? WHERE id = ?", (status, report_id))
            if validated:
                self.conn.execute("UPDATE reports SET validated_at = ? WHERE id = ?", (stamp, report_id))
            if exported:
                self.conn.execute("UPDATE reports SET exported_at = ? WHERE id = ?", (stamp, report_id))
            if report.status != status:
                self.conn.execute(
                    "INSERT INTO audit (at, who, report_id, field, old, new) VALUES (?, ?, ?, 'status', ?, ?)",
                    (stamp, who, report_id, report.status, status))

    def load(self, report_id: int) -> ReportData:
        data = ReportData(self.get_report(report_id))
        # w2: the values read column by column (``storage.cell_packs``), the 说明 apart (few rows)
        data.values.update(cell_packs.read_values(self.conn, report_id))
        data.notes.update(self.notes(report_id))
        data.list_rows.update(self.list_rows(report_id))
        return data

    def list_rows(self, report_id: int) -> dict[str, list[str]]:
        """``load(report_id).list_rows``: each list table's row keys in order."""
        rows = self.conn.execute("SELECT table_key, row_key FROM list_rows WHERE report_id = ?"
                                 " ORDER BY table_key, position", (report_id,))
        # (y1: each table's keys gathered by groupby/map, in C: a 5,000-row list is 5,000 rows)
        return {table: list(map(_second, group)) for table, group in itertools.groupby(rows, _first)}

    def column_values(self, report_id: int) -> ColumnValues:
        """``load(report_id).values`` by column, as stored (issue 16: what a validation reads)."""
        return ColumnValues(cell_packs.read_columns(self.conn, report_id))

    def notes(self, report_id: int) -> dict[CellKey, str]:
        """``load(report_id).notes`` without reading its values (r4)."""
        return cell_packs.read_notes(self.conn, report_id)

    def value_count(self, report_ids: list[int]) -> int:
        """How many values these reports hold (r4: whether validating them takes a noticeable time)."""
        return cell_packs.value_count(self.conn, report_ids)

    def has_input(self, report_id: int) -> bool:
        """``load(report_id).has_input`` without loading the report (one indexed look-up)."""
        return cell_packs.has_values(self.conn, report_id)

    # -- edits (each one transaction, each audited) --------------------------------------------
    def _current(self, report_id: int, cell: CellKey) -> tuple[Any, str] | None:
        """The cell's (value, 说明) as stored; None when it holds neither."""
        return cell_packs.cell_of(self.conn, report_id, cell)

    def _write(self, report_id: int, cell: CellKey, field: str, new: Any, who: str, stamp: str,
               reason: str = "") -> bool:
        # (w2: a value's old one from its pack, read once and handed to the write; a 说明's from its row)
        if field == "value":
            pack = cell_packs.read_pack(self.conn, report_id, cell)
            old = cell_packs.value_in(pack, cell[1])
        else:
            old = cell_packs.note_of(self.conn, report_id, cell)
            new = (new or "").strip()
        if cell_packs.same_value(old, new):
            return False
        if field == "value":
            key = cell_packs.pack_key(cell)
            cell_packs.write_values(self.conn, report_id, [(cell, new)], stamp,
                                    stored=None if key is None else {key: pack})
        else:
            cell_packs.write_notes(self.conn, report_id, [(cell, new, stamp)])
        self.conn.execute(
            "INSERT INTO audit (at, who, report_id, table_key, row_key, col_key, field, old, new, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (stamp, who, report_id, *cell, field, old, new, reason))
        if field == "value" and new is not None:  # what the enterprise reported: see first_values
            self.conn.execute("INSERT OR IGNORE INTO first_values (report_id, table_key, row_key, col_key, value)"
                              " VALUES (?, ?, ?, ?, ?)", (report_id, *cell, new))
        return True

    def set_values(self, report_id: int, changes: Iterable[tuple[CellKey, Any]], who: str, reason: str = "") -> int:
        """Write many values in ONE transaction (a paste, an import); returns how many changed. The
        same rows as ``_write`` one by one, but each pack read and written once (``write_changes``)."""
        stamp = now_text()
        changes = list(changes)
        with self.atomic():
            if len(changes) == 1:  # (an edit: its one pack read once and handed to the write)
                ((cell, value),) = changes
                changed = int(self._write(report_id, cell, "value", value, who, stamp, reason))
            else:
                paused = self._pause_revisions(report_id)
                written = cell_packs.write_changes(self.conn, report_id, changes, stamp)
                self.conn.executemany(
                    "INSERT INTO audit (at, who, report_id, table_key, row_key, col_key, field, old, new, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'value', ?, ?, ?)",
                    [(stamp, who, report_id, *cell, old, new, reason) for cell, old, new in written])
                self.conn.executemany(  # what the enterprise reported: see first_values
                    "INSERT OR IGNORE INTO first_values (report_id, table_key, row_key, col_key, value)"
                    " VALUES (?, ?, ?, ?, ?)", [(report_id, *cell, new) for cell, _old, new in written if new is not None])
                changed = len(written)
                self._resume_revisions(paused, changed)
            if changed:
                self.conn.execute("UPDATE reports SET updated_at = ? WHERE id = ?", (stamp, report_id))
        return changed

    def set_value(self, report_id: int, cell: CellKey, value: Any, who: str, reason: str = "") -> bool:
        """Write one value, committed before this returns. True when it changed."""
        return bool(self.set_values(report_id, [(cell, value)], who, reason))

    def set_note(self, report_id: int, cell: CellKey, note: str, who: str, reason: str = "") -> bool:
        stamp = now_text()
        with self.atomic():
            changed = self._write(report_id, cell, "note", note, who, stamp, reason)
            if changed:
                self.conn.execute("UPDATE reports SET updated_at = ? WHERE id = ?", (stamp, report_id))
        return changed

    def add_list_row(self, report_id: int, table_key: str, who: str) -> str:
        """Append a row to a list table; its key is stable for the life of the report and never reused."""
        return self.add_list_rows(report_id, table_key, 1, who)[0]

    def add_list_rows(self, report_id: int, table_key: str, count: int, who: str, reason: str = "") -> list[str]:
        """Append ``count`` rows to a list table in one transaction (a paste, an import, 复制上期); their keys."""
        from storage.row_keys import issue_row_keys

        if count < 1:
            return []
        with self.atomic():
            paused = self._pause_revisions(report_id)
            row_keys = issue_row_keys(self, report_id, table_key, count)
            position = self.conn.execute("SELECT COALESCE(MAX(position), 0) FROM list_rows"
                                         " WHERE report_id = ? AND table_key = ?", (report_id, table_key)).fetchone()[0]
            self.conn.executemany("INSERT INTO list_rows (report_id, table_key, row_key, position) VALUES (?, ?, ?, ?)",
                                  [(report_id, table_key, key, position + i) for i, key in enumerate(row_keys, 1)])
            stamp = now_text()
            self.conn.executemany("INSERT INTO audit (at, who, report_id, table_key, row_key, field, new, reason)"
                                  " VALUES (?, ?, ?, ?, ?, 'row', 'add', ?)",
                                  [(stamp, who, report_id, table_key, key, reason) for key in row_keys])
            self._resume_revisions(paused, count)
        return row_keys

    def _pause_revisions(self, report_id: int) -> dict[int, int]:
        """Many rows of one report about to be written: the revision triggers (migration 10) stand
        aside — they fire per row, two updates each (≈ 60 % of an import's 130,000 rows' time)."""
        from storage.district_store import pause_revisions

        return pause_revisions(self, [report_id])

    def _resume_revisions(self, paused: dict[int, int], changed: int) -> None:
        """The report of ``_pause_revisions`` takes the counter's next number when ``changed`` (else its own again)."""
        from storage.district_store import resume_revisions

        resume_revisions(self, paused, list(paused) if changed else [])

    def remove_list_row(self, report_id: int, table_key: str, row_key: str, who: str) -> None:
        with self.atomic():
            self.conn.execute("DELETE FROM list_rows WHERE report_id = ? AND table_key = ? AND row_key = ?",
                              (report_id, table_key, row_key))
            cell_packs.remove_rows(self.conn, report_id, table_key, [row_key], now_text())
            self.conn.execute("INSERT INTO audit (at, who, report_id, table_key, row_key, field, old)"
                              " VALUES (?, ?, ?, ?, ?, 'row', 'remove')", (now_text(), who, report_id, table_key, row_key))

    def audit(self, report_id: int, cell: CellKey | None = None) -> list[dict[str, Any]]:
        sql = "SELECT at, who, table_key, row_key, col_key, field, old, new, reason FROM audit WHERE report_id = ?"
        args: tuple[Any, ...] = (report_id,)
        if cell:
            sql += " AND table_key = ? AND row_key = ? AND col_key = ?"
            args += cell
        keys = ("at", "who", "table", "row", "col", "field", "old", "new", "reason")
        return [dict(zip(keys, r)) for r in self.conn.execute(sql + " ORDER BY id", args)]

    # -- s1: start cost of the headless commands --------------------------------------------------
    def townships_with_input(self, period: str) -> set[int]:
        """Ids of the townships with a report of ``period`` holding any value (``has_input``)."""
        return {tid for (tid,) in self.conn.execute(
            "SELECT DISTINCT township_id FROM reports AS r WHERE period = ? AND EXISTS"
            " (SELECT 1 FROM cell_columns WHERE report_id = r.id)", (period,))}
