"""Numbered schema migrations, applied forward only; ``PRAGMA user_version`` holds the number.

Never edit a migration that has shipped: add the next one. Each runs in one transaction, so a
database is either fully at version N or still at N-1.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from user_error import UserError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "MigrationError"]


class MigrationError(UserError, RuntimeError):
    pass


# A step is an SQL statement or (from 12 on) a function of the connection, run in the same transaction.
MIGRATIONS: list[list[str | Callable[[sqlite3.Connection], None]]] = [
    # 1: townships, periods, reports, cell values with their 说明, list rows, audit, settings.
    [
        """CREATE TABLE townships (
            id INTEGER PRIMARY KEY,
            stat_code TEXT UNIQUE,            -- 统计用区划代码 (NBS, 12 digits); NULL while pending
            mca_code TEXT,                    -- 民政部区划代码, kept apart: never mixed with stat_code
            name TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT '',    -- 镇 / 街道
            is_demo INTEGER NOT NULL DEFAULT 0,
            unit_head TEXT NOT NULL DEFAULT '',   -- 单位负责人
            stat_head TEXT NOT NULL DEFAULT '',   -- 统计负责人
            filler TEXT NOT NULL DEFAULT '',      -- 填表人
            phone TEXT NOT NULL DEFAULT '',       -- 联系电话
            note TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE periods (
            township_id INTEGER NOT NULL REFERENCES townships(id),
            period TEXT NOT NULL,
            locked INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (township_id, period)
        )""",
        """CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            township_id INTEGER NOT NULL REFERENCES townships(id),
            form_key TEXT NOT NULL,
            form_version INTEGER NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT '未填',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            validated_at TEXT,
            exported_at TEXT,
            UNIQUE (township_id, form_key, period)
        )""",
        # value has no declared type: numbers stay numbers, text stays text.
        """CREATE TABLE cell_values (
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            table_key TEXT NOT NULL,
            row_key TEXT NOT NULL,
            col_key TEXT NOT NULL,
            value,
            note TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (report_id, table_key, row_key, col_key)
        ) WITHOUT ROWID""",
        """CREATE TABLE list_rows (
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            table_key TEXT NOT NULL,
            row_key TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (report_id, table_key, row_key)
        ) WITHOUT ROWID""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            report_id INTEGER NOT NULL,
            table_key TEXT NOT NULL DEFAULT '',
            row_key TEXT NOT NULL DEFAULT '',
            col_key TEXT NOT NULL DEFAULT '',
            field TEXT NOT NULL,              -- value / note / row / status
            old,
            new,
            reason TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX audit_by_cell ON audit (report_id, table_key, row_key, col_key)",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",  # JSON values
    ],
    # 2: the import log, for 撤销导入: what one township-period held before each import.
    [
        """CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            township_id INTEGER NOT NULL REFERENCES townships(id),
            period TEXT NOT NULL,
            file TEXT NOT NULL,               -- the imported file's name
            forms TEXT NOT NULL,              -- JSON list of the imported form keys
            before TEXT NOT NULL,             -- JSON: the township-period's reports before the import
            undone_at TEXT                    -- set by 撤销导入
        )""",
        "CREATE INDEX imports_by_period ON imports (township_id, period, id)",
    ],
    # 3: list-row keys are never reused. ``list_row_keys`` keeps the highest number ever issued per
    # report and table (from the rows and the audit trail). A row whose key had already been reused
    # (an earlier program numbered a new row from the highest key still present, so a deleted row's
    # key came back) gets a fresh key; the audit rows since it was added move with it, the deleted
    # row's history stays behind, and the repair is itself audited.
    [
        """CREATE TABLE list_row_keys (
            report_id INTEGER NOT NULL,       -- no foreign key: 撤销导入 may delete the report, its keys stay spent
            table_key TEXT NOT NULL,
            last INTEGER NOT NULL,            -- the highest row number ever issued (r<last>)
            PRIMARY KEY (report_id, table_key)
        ) WITHOUT ROWID""",
        """INSERT INTO list_row_keys (report_id, table_key, last)
            SELECT report_id, table_key, MAX(CAST(substr(row_key, 2) AS INTEGER)) FROM (
                SELECT report_id, table_key, row_key FROM list_rows
                UNION ALL SELECT report_id, table_key, row_key FROM audit WHERE field = 'row')
            WHERE row_key GLOB 'r[0-9]*' AND substr(row_key, 2) NOT GLOB '*[^0-9]*'
            GROUP BY report_id, table_key""",
        """CREATE TEMP TABLE rekeyed AS
            SELECT report_id, table_key, old_key, since,
                   'r' || (last + ROW_NUMBER() OVER (PARTITION BY report_id, table_key ORDER BY position)) AS new_key
            FROM (SELECT l.report_id, l.table_key, l.row_key AS old_key, l.position, k.last,
                         (SELECT MAX(a.id) FROM audit a WHERE a.report_id = l.report_id AND a.table_key = l.table_key
                          AND a.row_key = l.row_key AND a.field = 'row' AND a.new = 'add') AS since
                  FROM list_rows l JOIN list_row_keys k ON k.report_id = l.report_id AND k.table_key = l.table_key) c
            WHERE EXISTS (SELECT 1 FROM audit r WHERE r.report_id = c.report_id AND r.table_key = c.table_key
                          AND r.row_key = c.old_key AND r.field = 'row' AND r.old = 'remove' AND r.id < c.since)""",
        """UPDATE cell_values SET row_key = (SELECT x.new_key FROM rekeyed x WHERE x.report_id = cell_values.report_id
                AND x.table_key = cell_values.table_key AND x.old_key = cell_values.row_key)
            WHERE EXISTS (SELECT 1 FROM rekeyed x WHERE x.report_id = cell_values.report_id
                AND x.table_key = cell_values.table_key AND x.old_key = cell_values.row_key)""",
        """UPDATE list_rows SET row_key = (SELECT x.new_key FROM rekeyed x WHERE x.report_id = list_rows.report_id
                AND x.table_key = list_rows.table_key AND x.old_key = list_rows.row_key)
            WHERE EXISTS (SELECT 1 FROM rekeyed x WHERE x.report_id = list_rows.report_id
                AND x.table_key = list_rows.table_key AND x.old_key = list_rows.row_key)""",
        """UPDATE audit SET row_key = (SELECT x.new_key FROM rekeyed x WHERE x.report_id = audit.report_id
                AND x.table_key = audit.table_key AND x.old_key = audit.row_key)
            WHERE EXISTS (SELECT 1 FROM rekeyed x WHERE x.report_id = audit.report_id AND x.table_key = audit.table_key
                AND x.old_key = audit.row_key AND audit.id >= x.since)""",
        """INSERT INTO audit (at, who, report_id, table_key, row_key, field, old, new, reason)
            SELECT strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '程序升级', report_id, table_key, new_key, 'row',
                   old_key, 'rekey', '修复：该行的代码曾属于一个已删除的行，改用新代码；已删除行的修改记录不再算作本行的'
            FROM rekeyed ORDER BY report_id, table_key, new_key""",
        """UPDATE list_row_keys SET last = last + (SELECT COUNT(*) FROM rekeyed x
                WHERE x.report_id = list_row_keys.report_id AND x.table_key = list_row_keys.table_key)""",
        "DROP TABLE rekeyed",
    ],
    # 4: each cell's first stored value — what the
    # `reported` rule compares with — kept as it is written instead of searched for in the whole
    # audit trail on every edit. Filled from the audit trail (the first non-blank value wins).
    [
        """CREATE TABLE first_values (
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            table_key TEXT NOT NULL,
            row_key TEXT NOT NULL,
            col_key TEXT NOT NULL,
            value NOT NULL,
            PRIMARY KEY (report_id, table_key, row_key, col_key)
        ) WITHOUT ROWID""",
        """INSERT OR IGNORE INTO first_values (report_id, table_key, row_key, col_key, value)
           SELECT report_id, table_key, row_key, col_key, new FROM audit
           WHERE field = 'value' AND new IS NOT NULL AND report_id IN (SELECT id FROM reports)
           ORDER BY id""",
    ],
]

# 5: the district's intake desk: the intake register (one line per received file), the district's marks on a township's
# reports (已审核 / 已退回) and its remarks on findings. Only a district database fills them.
DISTRICT_MIGRATION: list[str] = [
    """CREATE TABLE intake_register (
        id INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,
        who TEXT NOT NULL,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,             -- of the file's bytes ('' when it could not be read)
        township_id INTEGER REFERENCES townships(id),   -- NULL when refused before it was known
        period TEXT,
        given INTEGER NOT NULL DEFAULT 0, -- township/period given by the clerk (file without _meta)
        program_version TEXT NOT NULL DEFAULT '',
        forms TEXT NOT NULL DEFAULT '',   -- "key@version,…" as the file lists them
        verdict TEXT NOT NULL,
        reasons TEXT NOT NULL DEFAULT '[]',   -- JSON list of Chinese sentences
        data_sha256 TEXT NOT NULL DEFAULT '', -- of the values alone: identical data in two townships
        applied INTEGER NOT NULL DEFAULT 0,   -- its values were written into the township-period
        replaced_by INTEGER REFERENCES intake_register(id)  -- a later file of the same township-period
    )""",
    "CREATE INDEX intake_by_period ON intake_register (period, township_id, id)",
    "CREATE INDEX intake_by_sha ON intake_register (sha256)",
    """CREATE TABLE district_marks (
        township_id INTEGER NOT NULL REFERENCES townships(id),
        period TEXT NOT NULL,
        form_key TEXT NOT NULL,
        mark TEXT NOT NULL,               -- 已审核 / 已退回
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        PRIMARY KEY (township_id, period, form_key)
    )""",
    """CREATE TABLE district_remarks (
        township_id INTEGER NOT NULL REFERENCES townships(id),
        period TEXT NOT NULL,
        form_key TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        table_key TEXT NOT NULL,
        row_key TEXT NOT NULL,
        col_key TEXT NOT NULL,
        remark TEXT NOT NULL,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        PRIMARY KEY (township_id, period, form_key, rule_id, table_key, row_key, col_key)
    )""",
]
MIGRATIONS.append(DISTRICT_MIGRATION)
assert len(MIGRATIONS) == 5, "the district tables are migration 5"

# 6 (e6): 本期无数据 — a form declared empty for a township and period, with the reason (storage/no_data.py).
MIGRATIONS.append([
    """CREATE TABLE no_data (
        township_id INTEGER NOT NULL REFERENCES townships(id),
        period TEXT NOT NULL,
        form_key TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        PRIMARY KEY (township_id, period, form_key)
    )""",
])

# 7 (s8, security): each register line's signature verdict and the signed export time (an older
# signed file of the same township and period arriving later is only 已被替代).
SECURITY_MIGRATION = [
    "ALTER TABLE intake_register ADD COLUMN signature TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE intake_register ADD COLUMN signed_at TEXT NOT NULL DEFAULT ''",
]
MIGRATIONS.append(SECURITY_MIGRATION)

# 8 (q1): a content marker per report, so an unchanged report is not validated again by the next
# process. ``reports.revision`` takes the next number of one counter (never reused, even for a report
# deleted and created again) whenever the report's values, 说明, list rows or first stored values
# change (triggers: no writer can forget it) or the report itself is re-keyed; ``validation_cache``
# holds the findings of the last full validation of a report with the marker they were computed for
# (its revision, those of the reports its rules read, the form, reference data and program): a marker
# that differs means "validate again", never "use".


def _revision_trigger(name: str, event: str, reports: str, when: str = "") -> str:
    """A trigger that gives the reports ``reports`` names the counter's next number after ``event``
    (``when``: only when that holds)."""
    return f"""CREATE TRIGGER {name} AFTER {event}{f" WHEN {when}" if when else ""} BEGIN
        UPDATE revision_counter SET last = last + 1;
        UPDATE reports SET revision = (SELECT last FROM revision_counter) WHERE id IN ({reports});
    END"""


MIGRATIONS.append([
    "ALTER TABLE reports ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
    "CREATE TABLE revision_counter (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)",
    "INSERT INTO revision_counter (id, last) VALUES (1, 0)",
    *(_revision_trigger(f"{table}_{event.lower()}_revision", f"{event} ON {table}", reports)
      for table in ("cell_values", "list_rows", "first_values")
      for event, reports in (("INSERT", "NEW.report_id"), ("DELETE", "OLD.report_id"),
                             ("UPDATE", "OLD.report_id, NEW.report_id"))),
    _revision_trigger("reports_insert_revision", "INSERT ON reports", "NEW.id"),
    _revision_trigger("reports_rekey_revision", "UPDATE OF township_id, form_key, form_version, period ON reports",
                      "NEW.id"),
    """CREATE TABLE validation_cache (
        report_id INTEGER PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
        marker TEXT NOT NULL,             -- what the findings were computed from (storage.validation_cache)
        findings TEXT NOT NULL            -- JSON list of the findings, in order
    )""",
])
assert len(MIGRATIONS) == 8, "the validation cache is migration 8"

# s4 (this wave's number 12; the lead numbers the wave's migrations one after another at merge): the
# intake asks, for every file, which other township's file in force carries the same values and
# whether the township has sent signed files before — without these indexes both read every
# register line, so a batch of 1,000 files read the register about half a million times.
MIGRATIONS.append([
    "CREATE INDEX intake_by_data ON intake_register (period, data_sha256, township_id)",
    "CREATE INDEX intake_by_township ON intake_register (township_id)",
])

# 10 (t1, issue 11's intake speed): a report being rewritten as a whole — a received file's form,
# ``storage.district_store.replace_report`` — holds the revision PAUSED_REVISION inside its
# transaction and takes the counter's next number once at the end, instead of the triggers taking
# one per row written (two UPDATEs for each of the several hundred cells and first values of a
# form: about an eighth of a 1,000-file intake's main process). Outside that transaction no report
# ever holds it, so every other write is counted by the triggers as before.
PAUSED_REVISION = -1
_ROW_TRIGGERS = [(f"{table}_{event.lower()}_revision", f"{event} ON {table}", reports, " OR ".join(
    f"(SELECT revision FROM reports WHERE id = {which}.report_id) IS NOT {PAUSED_REVISION}" for which in rows))
    for table in ("cell_values", "list_rows", "first_values")
    for event, reports, rows in (("INSERT", "NEW.report_id", ("NEW",)), ("DELETE", "OLD.report_id", ("OLD",)),
                                 ("UPDATE", "OLD.report_id, NEW.report_id", ("OLD", "NEW")))]
MIGRATIONS.append([statement for name, event, reports, when in _ROW_TRIGGERS
                   for statement in (f"DROP TRIGGER {name}", _revision_trigger(name, event, reports, when))])
assert len(MIGRATIONS) == 10, "the paused revision is migration 10"

# 11 (u3, issue 16): the cells holding a 说明, indexed apart. Reading a report's 说明 (``Store.notes``,
# part of every ``Store.load``) read every cell of the report to find the few with one: ~3 % of the
# first validation of a 5,000-row list. A partial index holds only those cells (nothing for a cell
# without a 说明, so writing values costs no more); the query names it (``INDEXED BY``: the planner
# would take the primary key, which also starts with report_id). IF NOT EXISTS: a database put back to an
# older structure by hand (tests/test_row_keys.py) may still hold it.
MIGRATIONS.append(["CREATE INDEX IF NOT EXISTS cell_values_noted ON cell_values (report_id) WHERE note <> ''"])
assert len(MIGRATIONS) == 11, "the 说明 index is migration 11"


# 12 (w2, issues 16 and 11): values stored per column — ``storage.cell_packs``. ``cell_columns`` holds
# per report, table, column and chunk (list row r<N>: N >> 8; any other row: 0) the row keys and their
# values as two JSON arrays of the same length, only cells holding a value; ``cell_values`` keeps only
# the 说明 (its ``value`` NULL everywhere). Reading a 5,000-row list reads ≈ 300 packs instead of
# 70,000 rows. Its revision triggers are migration 10's. The values are moved by Python's ``json``
# (SQLite's JSON prints a REAL with 15 digits: lossy), in the order ``cell_packs.row_order`` gives.
def _pack_values(conn: sqlite3.Connection) -> None:
    """One report at a time: a district database's millions of cells never all in memory at once."""
    from storage.cell_packs import chunk_of, encode, row_order

    reports = [rid for rid, in conn.execute("SELECT DISTINCT report_id FROM cell_values").fetchall()]
    for report_id in reports:
        packs: dict[tuple[int, str, str, int], list[tuple[str, object, str]]] = {}
        for table, row, col, value, at in conn.execute(
                "SELECT table_key, row_key, col_key, value, updated_at FROM cell_values"
                " WHERE report_id = ? AND value IS NOT NULL", (report_id,)):
            packs.setdefault((report_id, table, col, chunk_of(row)), []).append((row, value, at))
        rows = []
        for key, cells in packs.items():
            cells.sort(key=lambda cell: row_order(cell[0]))
            rows.append((*key, encode([c[0] for c in cells]), encode([c[1] for c in cells]),
                         max(c[2] for c in cells)))
        conn.executemany("INSERT INTO cell_columns (report_id, table_key, col_key, chunk, row_keys, vals, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


MIGRATIONS.append([
    """CREATE TABLE cell_columns (
        report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        table_key TEXT NOT NULL,
        col_key TEXT NOT NULL,
        chunk INTEGER NOT NULL,           -- list row r<N>: N >> 8; any other row: 0
        row_keys TEXT NOT NULL,           -- JSON array of row keys
        vals TEXT NOT NULL,               -- JSON array of their values, same length (never a null)
        updated_at TEXT NOT NULL,
        PRIMARY KEY (report_id, table_key, col_key, chunk)
    ) WITHOUT ROWID""",
    *(_revision_trigger(name.replace("cell_values", "cell_columns"), event.replace("cell_values", "cell_columns"),
                        reports, when) for name, event, reports, when in _ROW_TRIGGERS if name.startswith("cell_values")),
    _pack_values,
    "DELETE FROM cell_values WHERE note = ''",
    "UPDATE cell_values SET value = NULL WHERE value IS NOT NULL",
])
assert len(MIGRATIONS) == 12, "values per column are migration 12"


# 13 (y6, issue 16): which rows may hold a value other than their first stored one. The ``reported``
# rule compares each figure with its first value; reading all 25,000–30,000 first values of a 5,000-row
# list for that was a third of a period's first validation, though nearly all still equal the values.
# ``first_value_doubts`` lists the rows whose stored values were changed or removed since they were
# written (a value over another, a value removed, a list row removed, a report's values all removed),
# kept by ``storage.cell_packs`` — the one module that writes values —, so every path (edit, paste,
# undo/redo, import, intake, form upgrade, row removal) keeps it; where values are put back wholesale
# (an undo of an import) and here for every report, the rows are found from what is stored
# (``storage.history.mark_doubts``).
def _mark_first_value_doubts(conn: sqlite3.Connection) -> None:
    """One report at a time, as migration 12."""
    from storage.history import mark_doubts

    for report_id, in conn.execute("SELECT DISTINCT report_id FROM first_values").fetchall():
        mark_doubts(conn, report_id)


MIGRATIONS.append([
    """CREATE TABLE first_value_doubts (
        report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        table_key TEXT NOT NULL,
        row_key TEXT NOT NULL,
        PRIMARY KEY (report_id, table_key, row_key)
    ) WITHOUT ROWID""",
    _mark_first_value_doubts,
])
assert len(MIGRATIONS) == 13, "the first values' doubts are migration 13"

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it started at."""
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    if start > SCHEMA_VERSION:
        raise MigrationError(
            f"数据库结构版本为 {start}，高于本程序支持的 {SCHEMA_VERSION}：请使用更新版本的程序打开。")
    for number in range(start + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[number - 1]:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start
