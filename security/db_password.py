"""The database password from the command line (``storage.cipher`` does the work):

    db-password set|change|remove --db 数据库

and, before any command opens a database that has a password, ``unlock_for_command``: the
password from ``JNJP_DB_PASSWORD`` (one try) or a prompt (after five wrong tries each further
try waits longer). Never from the arguments.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from storage import cipher

__all__ = ["unlock_for_command", "run_db_password"]

_PROMPT_TRIES = 8


def unlock_for_command(db: Path) -> None:
    """Unlock ``db`` when it looks encrypted and is not unlocked yet; CommandError (exit 2) when
    the password is missing or wrong."""
    import commands

    if cipher.password_for(db) is not None or not cipher.looks_encrypted(db):
        return
    if not cipher.available():
        raise commands.CommandError(f"数据库 {db.name} 设有数据库密码，但本程序缺少 SQLCipher 组件（sqlcipher3），无法打开")
    given = os.environ.get(cipher.PASSWORD_ENV)
    try:
        if given is not None:
            cipher.unlock(db, given)
            return
        if not sys.stdin or not sys.stdin.isatty():
            raise commands.CommandError(f"数据库 {db.name} 设有数据库密码：请在终端中运行以输入密码，"
                                        f"或设置环境变量 {cipher.PASSWORD_ENV}（密码不能写在命令行参数中）")
        import getpass

        for failures in range(_PROMPT_TRIES):
            try:
                cipher.unlock(db, getpass.getpass(f"数据库 {db.name} 的密码："), failures=failures)
                return
            except cipher.WrongPasswordError:
                print("密码不对。" + (f"（已错{failures + 1}次，之后每次须等待更久）" if failures + 1 >= cipher.MAX_FAST_TRIES
                                     else ""), file=sys.stderr)
        raise cipher.WrongPasswordError(f"数据库密码不对，无法打开 {db.name}。{cipher.FORGOTTEN_TEXT}")
    except cipher.WrongPasswordError as exc:
        raise commands.CommandError(str(exc)) from None


def _new_password() -> str:
    from security.passphrase import read_passphrase

    return read_passphrase("新的数据库密码：", env=cipher.NEW_PASSWORD_ENV, confirm=True)


def run_db_password(action: str, *, db: Path) -> int:
    import commands

    def work() -> int:
        commands._check_exists(db)
        encrypted = cipher.looks_encrypted(db)
        if action == "set" and encrypted:
            raise commands.CommandError(f"数据库 {db.name} 已设有密码（更换密码用 db-password change）")
        if action != "set" and not encrypted:
            raise commands.CommandError(f"数据库 {db.name} 没有设置密码")
        with commands._writer_lock(db):  # unlocks an encrypted database first (commands._check_exists)
            if action == "remove":
                old = cipher.password_for(db)
                assert old is not None
                cipher.remove_password(db, old)
                print(f"已取消数据库密码：{db} 及其备份不再加密")
                return commands.EXIT_OK
            new = _new_password()
            dropped = cipher.set_password(db, new, old=cipher.password_for(db))
        print(f"已{'设置' if action == 'set' else '更换'}数据库密码：{db} 及其备份已加密（SQLCipher，AES-256）")
        if dropped:
            print(f"{len(dropped)}个无法加密的旧备份已删除（不能留下未加密的副本）")
        print(cipher.FORGOTTEN_TEXT)
        return commands.EXIT_OK

    return commands.guarded(work)
