"""The database password: the whole SQLite file (and its backups) encrypted with SQLCipher 4
through ``sqlcipher3`` (AES-256 pages with a per-page HMAC-SHA512; the password through
PBKDF2-HMAC-SHA512, 256,000 iterations), so a lost USB drive reveals nothing without it.

A password entered once (``unlock``) is remembered for that file in this process only (never
written anywhere), and so is the key derived from it: the KDF runs once per file salt and process
(``_raw_key``), every connection after that is keyed with SQLCipher's raw-key form
(``PRAGMA key = "x'<key><salt>'"``), which skips the 256,000 iterations (r1: opening a database with
a password used to run them three or four times). A new file (a backup, a temporary copy) gets the
database's own salt and key, so writing it costs no KDF either. Every connection every connection the program opens to it — the window's, a background task's,
a backup's — goes through ``connect``, which gives a sqlcipher3 connection wearing ``sqlite3``'s
exceptions (``sqlite3.OperationalError`` …), so the storage code's error handling is unchanged.
A file without a remembered password is opened with the standard ``sqlite3`` as before.

Telling an encrypted file from a damaged one without the password is impossible in general: a
file whose size is a whole number of 4 KiB pages and whose header is not SQLite's is taken as
"has a password (or is damaged)" and the password is asked before anything else happens.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from storage.database import StorageError
from storage.windows_paths import sqlite_readonly_uri

__all__ = ["PASSWORD_ENV", "NEW_PASSWORD_ENV", "PasswordRequiredError", "WrongPasswordError", "available",
           "looks_encrypted", "unlock", "forget", "password_for", "connect", "set_password", "remove_password",
           "retry_delay", "MAX_FAST_TRIES", "FORGOTTEN_TEXT"]

PASSWORD_ENV = "JNJP_DB_PASSWORD"
NEW_PASSWORD_ENV = "JNJP_NEW_DB_PASSWORD"
MAX_FAST_TRIES = 5
FORGOTTEN_TEXT = ("数据库密码无法找回：忘记密码时，本机数据只能从区统计局收到的报送文件（区里的副本）重新导入恢复。"
                  "请把密码记在安全的地方。")
_PAGE = 4096
_MAGIC = b"SQLite format 3\x00"
_SALT = 16  # SQLCipher 4: the file's first 16 bytes are its KDF salt
_KDF_ITERATIONS = 256_000  # SQLCipher 4's defaults: PBKDF2-HMAC-SHA512, 256,000 iterations, a 32-byte key
_passwords: dict[str, str] = {}
_derived: dict[tuple[str, bytes], bytes] = {}  # (password, salt) -> the key SQLCipher would derive; memory only


class PasswordRequiredError(StorageError):
    """The file has a database password (or is damaged) and none was given."""


class WrongPasswordError(StorageError):
    """The password does not open the file."""


def available() -> bool:
    try:
        import sqlcipher3  # noqa: F401
    except ImportError:
        return False
    return True


def _key(path: Path | str) -> str:
    return str(Path(path).resolve())


def looks_encrypted(path: Path) -> bool:
    """A whole number of 4 KiB pages without SQLite's header: an encrypted file (or a damaged one)."""
    try:
        size = os.path.getsize(path)
        if size < _PAGE or size % _PAGE:
            return False
        with open(path, "rb") as fh:
            return fh.read(len(_MAGIC)) != _MAGIC
    except OSError:
        return False


def password_for(path: Path | str) -> str | None:
    """The password remembered for ``path`` in this process (None: a plain file); the database's
    password also opens its backups and the temporary copies written beside it."""
    key = _key(path)
    if key in _passwords:
        return _passwords[key]
    if not _passwords:
        return None
    from storage.backup import backup_dir

    target = Path(key)
    for db, password in _passwords.items():
        db_path = Path(db)
        if (target.parent == db_path.parent and target.name.startswith(f".{db_path.name}.")) \
                or backup_dir(db_path) in target.parents:
            return password
    return None


def forget(path: Path | str) -> None:
    """The password of ``path`` and the key derived for its salt are dropped from memory (all keys
    of that password once no other open file uses it)."""
    password = _passwords.pop(_key(path), None)
    if password is None:
        return
    _derived.pop((password, _file_salt(path) or b""), None)
    if password not in _passwords.values():
        for entry in [e for e in _derived if e[0] == password]:
            del _derived[entry]


def _file_salt(path: Path | str) -> bytes | None:
    """The KDF salt of an existing encrypted file (its first 16 bytes); None for a new or empty file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SALT)
    except OSError:
        return None
    return head if len(head) == _SALT and head != _MAGIC else None


def _raw_key(path: Path | str, password: str) -> str:
    """SQLCipher's raw-key text for ``path`` under ``password``: the derived key and the file's salt
    (a new file takes the salt of a key already derived for this password, else a fresh one)."""
    salt = _file_salt(path)
    if salt is None:
        salt = next((s for p, s in _derived if p == password), None) or os.urandom(_SALT)
    derived = _derived.get((password, salt))
    if derived is None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

        derived = PBKDF2HMAC(hashes.SHA512(), 32, salt, _KDF_ITERATIONS).derive(password.encode("utf-8"))
        _derived[(password, salt)] = derived
    return f"\"x'{derived.hex()}{salt.hex()}'\""


def retry_delay(failures: int) -> float:
    """Seconds to wait before the next try after ``failures`` wrong passwords: none for the first
    five, then doubling from 2 s up to a minute (someone guessing, not someone mistyping)."""
    if failures < MAX_FAST_TRIES:
        return 0.0
    return float(min(60, 2 ** (failures - MAX_FAST_TRIES + 1)))


def unlock(path: Path, password: str, *, failures: int = 0) -> None:
    """Check ``password`` on ``path`` and remember it; WrongPasswordError when it does not open it.
    ``failures`` (wrong tries so far) makes this wait ``retry_delay`` first."""
    delay = retry_delay(failures)
    if delay:
        time.sleep(delay)
    conn = _raw_connect(path, password, readonly=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as exc:  # noqa: BLE001 - sqlcipher3's DatabaseError: not a database with this key
        _derived.pop((password, _file_salt(path) or b""), None)  # a wrong password's key is not kept
        raise WrongPasswordError(f"数据库密码不对，无法打开 {Path(path).name}。{FORGOTTEN_TEXT}") from exc
    finally:
        conn.close()
    _passwords[_key(path)] = password


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw_connect(path: Path | str, password: str, *, readonly: bool = False, **kwargs: Any) -> Any:
    import sqlcipher3

    if readonly:
        conn = sqlcipher3.connect(sqlite_readonly_uri(path), uri=True, **kwargs)
    else:
        conn = sqlcipher3.connect(str(path), **kwargs)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong password is our message, not a log line on stderr
    conn.execute(f"PRAGMA key = {_raw_key(path, password)}")
    return conn


def connect(path: Path | str, *, readonly: bool = False, **kwargs: Any) -> Any:
    """A connection to ``path``: the standard sqlite3 one for a plain file, a keyed SQLCipher one
    (with sqlite3's exceptions) when a password was unlocked for it. ``readonly``: ``mode=ro``."""
    password = password_for(path)
    if password is None:
        if readonly:
            return sqlite3.connect(sqlite_readonly_uri(path), uri=True, **kwargs)
        return sqlite3.connect(str(path), **kwargs)
    return _Connection(_call(lambda: _raw_connect(path, password, readonly=readonly, **kwargs)))


# -- sqlcipher3 with sqlite3's exceptions -------------------------------------------------------------

def _translated(exc: BaseException) -> BaseException:
    kind = getattr(sqlite3, type(exc).__name__, None)
    if isinstance(kind, type) and issubclass(kind, sqlite3.Error):
        return kind(*exc.args)
    return exc


def _call(work: Any) -> Any:
    import sqlcipher3

    try:
        return work()
    except sqlcipher3.Error as exc:
        raise _translated(exc) from exc


class _Cursor:
    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        _call(lambda: self._raw.execute(sql, parameters))
        return self

    def executemany(self, sql: str, parameters: Any) -> _Cursor:
        _call(lambda: self._raw.executemany(sql, parameters))
        return self

    def fetchone(self) -> Any:
        return _call(self._raw.fetchone)

    def fetchall(self) -> list[Any]:
        return _call(self._raw.fetchall)

    def fetchmany(self, size: int = 1) -> list[Any]:
        return _call(lambda: self._raw.fetchmany(size))

    def __iter__(self) -> _Cursor:
        return self

    def __next__(self) -> Any:
        return _call(lambda: next(self._raw))

    def __getattr__(self, name: str) -> Any:  # lastrowid, rowcount, description, close …
        return getattr(self._raw, name)


class _Connection:
    """A sqlcipher3 connection as the storage code expects a sqlite3 one."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        return _Cursor(_call(lambda: self._raw.execute(sql, parameters)))

    def executemany(self, sql: str, parameters: Any) -> _Cursor:
        return _Cursor(_call(lambda: self._raw.executemany(sql, parameters)))

    def executescript(self, sql: str) -> _Cursor:
        return _Cursor(_call(lambda: self._raw.executescript(sql)))

    def cursor(self) -> _Cursor:
        return _Cursor(self._raw.cursor())

    def commit(self) -> None:
        _call(self._raw.commit)

    def rollback(self) -> None:
        _call(self._raw.rollback)

    def close(self) -> None:
        _call(self._raw.close)

    def backup(self, target: Any, **kwargs: Any) -> None:
        """Copy into ``target``, which must be opened with the same password (an encrypted copy)."""
        _call(lambda: self._raw.backup(getattr(target, "_raw", target), **kwargs))

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        _call(lambda: self._raw.__exit__(*exc))

    def __getattr__(self, name: str) -> Any:  # in_transaction, total_changes, row_factory …
        return getattr(self._raw, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_raw":
            object.__setattr__(self, name, value)
        else:
            setattr(self._raw, name, value)


# -- setting and removing the password ------------------------------------------------------------------

def _export(source: Path, target: Path, *, source_password: str | None, target_password: str | None) -> None:
    """``source`` re-written into the new file ``target`` (``sqlcipher_export``), keeping the
    structure version and the program's application id."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(source))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if source_password is not None:
            conn.execute(f"PRAGMA key = {_quoted(source_password)}")
        key = _quoted(target_password if target_password is not None else "")
        conn.execute(f"ATTACH DATABASE {_quoted(str(target))} AS target KEY {key}")
        conn.execute("SELECT sqlcipher_export('target')")
        for pragma in ("user_version", "application_id"):
            value = int(conn.execute(f"PRAGMA {pragma}").fetchone()[0])
            conn.execute(f"PRAGMA target.{pragma} = {value}")
        conn.execute("DETACH DATABASE target")
    finally:
        conn.close()


def _rewrite(path: Path, *, old: str | None, new: str | None) -> None:
    """Replace ``path`` by its copy under the new password (None: plain), atomically."""
    from storage.tempnames import temp_name

    _fold_wal(path, old)
    temp = temp_name(path)
    try:
        _export(path, temp, source_password=old, target_password=new)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):  # emptied by the checkpoint; an old one must never meet the new file
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _fold_wal(path: Path, password: str | None) -> None:
    """Everything committed into the file itself (``wal_checkpoint(TRUNCATE)``) before it is copied."""
    if not path.with_name(path.name + "-wal").exists():
        return
    conn = _raw_connect(path, password) if password is not None else sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()


def _all_copies(db_path: Path) -> list[Path]:
    """The database and every backup beside it (the damaged copies kept aside too)."""
    from storage.backup import backup_dir

    folder = backup_dir(db_path)
    return [db_path, *sorted(p for p in folder.rglob("*.sqlite") if p.is_file())] if folder.exists() else [db_path]


def set_password(db_path: Path, new: str, *, old: str | None = None) -> list[Path]:
    """Encrypt the database and its backups under ``new`` (``old``: its current password, None for
    a plain file). Every connection must be closed (the caller holds the instance lock). Returns
    the backups that could not be rewritten (they are deleted: a plain backup must not stay)."""
    if not available():
        raise StorageError("本程序缺少 SQLCipher 组件（sqlcipher3），无法设置数据库密码")
    if len(new) < 8:
        raise StorageError("数据库密码太短：至少 8 个字符")
    import sqlcipher3

    db_path = Path(db_path)
    dropped: list[Path] = []
    for copy in _all_copies(db_path):
        try:
            _rewrite(copy, old=old if copy == db_path else _backup_password(copy, old), new=new)
        except (sqlcipher3.Error, OSError) as exc:
            if copy == db_path:
                raise StorageError(f"无法设置数据库密码（{exc}），数据库未改动") from None
            copy.unlink(missing_ok=True)
            dropped.append(copy)
    if old is not None:
        forget(db_path)  # the old password's derived keys go with it
    _passwords[_key(db_path)] = new
    return dropped


def _backup_password(copy: Path, old: str | None) -> str | None:
    """A backup is plain or under the database's current password."""
    with open(copy, "rb") as fh:
        return None if fh.read(len(_MAGIC)) == _MAGIC else old


def remove_password(db_path: Path, old: str) -> None:
    """Decrypt the database and its backups (they become readable by anyone with the file)."""
    db_path = Path(db_path)
    for copy in _all_copies(db_path):
        if _backup_password(copy, old) is not None:
            _rewrite(copy, old=old, new=None)
    forget(db_path)
