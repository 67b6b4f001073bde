"""Numbered schema migrations, applied forward only; ``PRAGMA user_version`` holds the number.

Never edit a migration that has shipped: add the next one. Each runs in one transaction, so a
database is either fully at version N or still at N-1.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "MigrationError"]


class MigrationError(RuntimeError):
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
    # 3 (numbered after H1's migration 2 when merged): each cell's first stored value — what the
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
