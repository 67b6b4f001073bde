"""Numbered schema migrations, applied forward only; ``PRAGMA user_version`` holds the number.

Never edit a migration that has shipped: add the next one. Each runs in one transaction, so a
database is either fully at version N or still at N-1.
"""

from __future__ import annotations

import sqlite3

from user_error import UserError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "MigrationError"]


class MigrationError(UserError, RuntimeError):
    pass


MIGRATIONS: list[list[str]] = [
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
]

# 5 (W2-D, the district's intake desk; a separate entry so the lead can renumber it at merge):
# the intake register (one line per received file), the district's marks on a township's
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
while len(MIGRATIONS) < 4:  # 3 and 4 come from another helper's branch; until merged, no-ops keep the number
    MIGRATIONS.append(["SELECT 1"])
MIGRATIONS.append(DISTRICT_MIGRATION)

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
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start
