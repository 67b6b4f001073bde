"""The database password (issue 15): SQLCipher whole-file encryption of the database and its
backups, from the command line; a database with a password is never opened (nor changed) without
it; after five wrong tries each try waits longer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("sqlcipher3", reason="sqlcipher3 (requirements.txt) gives the database password")

from main import main  # noqa: E402
from storage import cipher  # noqa: E402
from storage.backup import list_backups, make_backup  # noqa: E402
from storage.workspace import Workspace  # noqa: E402

PASSWORD, OTHER = "镇街数据库密码-1", "另一个密码-2026"


@pytest.fixture(autouse=True)
def _forget_passwords():
    yield
    cipher._passwords.clear()
    cipher._derived.clear()


@pytest.fixture
def db(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "data" / "jnjp.sqlite"
    Workspace.open(path).close()
    make_backup(path, "设密码前")
    monkeypatch.delenv(cipher.PASSWORD_ENV, raising=False)
    monkeypatch.setenv(cipher.NEW_PASSWORD_ENV, PASSWORD)
    assert main(["db-password", "set", "--db", str(path)]) == 0
    cipher._passwords.clear()  # as a new program start: nothing unlocked
    monkeypatch.delenv(cipher.NEW_PASSWORD_ENV)
    return path


def _unreadable(path: Path) -> bool:
    try:
        sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError:
        return True
    return False


def test_the_database_and_its_backups_reveal_nothing_without_the_password(db) -> None:
    assert not db.read_bytes().startswith(b"SQLite format 3") and _unreadable(db)
    backups = list_backups(db)
    assert backups and all(_unreadable(b.path) for b in backups)
    assert "演示镇".encode() not in db.read_bytes()


def test_without_the_password_nothing_opens_and_nothing_changes(db, capsys) -> None:
    before = db.read_bytes()
    with pytest.raises(cipher.PasswordRequiredError, match="设有数据库密码"):
        Workspace.open(db)
    assert main(["validate", "--db", str(db), "--period", "2025"]) == 2
    assert "JNJP_DB_PASSWORD" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_a_wrong_password_is_refused_and_the_right_one_opens(db, monkeypatch, capsys) -> None:
    before = db.read_bytes()
    monkeypatch.setenv(cipher.PASSWORD_ENV, "不是这个密码")
    assert main(["validate", "--db", str(db), "--period", "2025"]) == 2
    err = capsys.readouterr().err
    assert "数据库密码不对" in err and "区统计局" in err  # a forgotten password: said plainly
    assert db.read_bytes() == before
    monkeypatch.setenv(cipher.PASSWORD_ENV, PASSWORD)
    assert main(["validate", "--db", str(db), "--period", "2025"]) in (0, 1)
    ws = Workspace.open(db)
    try:
        assert any(t.is_demo for t in ws.townships())
        ws.store.set_setting("s8.test", "保存在加密库中")
    finally:
        ws.close()
    new_backup = make_backup(db, "加密后")
    assert _unreadable(new_backup) and _unreadable(db)


def test_change_and_remove_keep_the_data(db, monkeypatch) -> None:
    monkeypatch.setenv(cipher.PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(cipher.NEW_PASSWORD_ENV, OTHER)
    assert main(["db-password", "change", "--db", str(db)]) == 0
    cipher._passwords.clear()
    with pytest.raises(cipher.WrongPasswordError):
        cipher.unlock(db, PASSWORD)
    monkeypatch.setenv(cipher.PASSWORD_ENV, OTHER)
    assert main(["db-password", "remove", "--db", str(db)]) == 0
    assert db.read_bytes().startswith(b"SQLite format 3")
    assert all(not _unreadable(b.path) for b in list_backups(db))
    ws = Workspace.open(db)
    try:
        assert any(t.is_demo for t in ws.townships())
    finally:
        ws.close()


def test_the_key_is_derived_once_per_process_and_opens_what_sqlcipher_itself_opens(db, monkeypatch) -> None:
    """r1: the KDF runs once (unlock); opening, a background read-only connection, a backup and a
    re-open use the derived raw key. The backup is opened through SQLCipher's own passphrase KDF,
    so the derived key is SQLCipher's; a wrong password's key is not kept."""
    import sqlcipher3
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    derivations: list[bytes] = []
    real_derive = PBKDF2HMAC.derive
    monkeypatch.setattr(PBKDF2HMAC, "derive", lambda self, data: derivations.append(data) or real_derive(self, data))
    cipher._derived.clear()
    with pytest.raises(cipher.WrongPasswordError):
        cipher.unlock(db, OTHER)
    assert not cipher._derived and cipher.password_for(db) is None
    cipher.unlock(db, PASSWORD)
    for _ in range(2):
        ws = Workspace.open(db)
        try:
            ws.store.set_setting("r1.kdf", "一次")
            cipher.connect(db, readonly=True).close()
        finally:
            ws.close()
    backup = make_backup(db, "派生一次")
    assert len(derivations) == 2  # the wrong password's and the right one's, nothing more
    assert _unreadable(backup)
    conn = sqlcipher3.connect(str(backup))
    try:
        conn.execute(f"PRAGMA key = {cipher._quoted(PASSWORD)}")  # SQLCipher's own KDF on the passphrase
        assert conn.execute("SELECT value FROM settings WHERE key = 'r1.kdf'").fetchone()[0] == '"一次"'  # JSON values
    finally:
        conn.close()
    cipher.forget(db)
    assert not cipher._derived  # nothing of the password stays once the database is forgotten


def test_after_five_wrong_tries_each_try_waits_longer(db, monkeypatch) -> None:
    assert [cipher.retry_delay(n) for n in range(9)] == [0, 0, 0, 0, 0, 2, 4, 8, 16]
    assert cipher.retry_delay(50) == 60
    waited: list[float] = []
    monkeypatch.setattr(cipher.time, "sleep", waited.append)
    for failures in range(7):
        with pytest.raises(cipher.WrongPasswordError):
            cipher.unlock(db, f"猜测{failures}", failures=failures)
    assert waited == [2.0, 4.0]


def _main_window(qtbot, tmp_path: Path, name: str):
    from PySide6.QtCore import QSettings

    from ui.main_window import MainWindow

    window = MainWindow(QSettings(str(tmp_path / name), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def test_the_window_sets_the_password_and_asks_for_it_at_the_next_start(qtbot, tmp_path, monkeypatch,
                                                                        messages) -> None:
    from ui import db_password

    path = tmp_path / "data" / "jnjp.sqlite"
    window = _main_window(qtbot, tmp_path, "a.ini")
    assert window.open_database(path)
    typed = iter([PASSWORD, PASSWORD])
    assert db_password.change_password(window, ask=lambda *a: next(typed))
    assert _unreadable(path) and window.workspace is not None and window.workspace.townships()
    assert "已设置数据库密码" in window.statusBar().currentMessage()
    window.close()
    cipher._passwords.clear()  # the program starts again
    asked: list[str] = []
    answers = iter(["错的密码一", "错的密码二", PASSWORD])

    def ask(_parent, title, text):
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(db_password, "_ask", ask)
    again = _main_window(qtbot, tmp_path, "b.ini")
    assert again.open_database(path)
    assert len(asked) == 3 and "密码不对（已错2次）" in asked[2] and "区统计局" in asked[0]
    assert again.workspace is not None and again.workspace.townships()  # the same database, unlocked
    again.close()


def test_cancelling_the_password_opens_nothing(qtbot, db, tmp_path, monkeypatch) -> None:
    from ui import db_password

    before = db.read_bytes()
    monkeypatch.setattr(db_password, "_ask", lambda *a: None)
    window = _main_window(qtbot, tmp_path, "c.ini")
    assert window.open_database(db) is False and window.workspace is None
    assert db.read_bytes() == before


def test_a_district_database_with_a_password_receives_files(tmp_path, township_files, monkeypatch, capsys) -> None:
    district = tmp_path / "区库.sqlite"
    Workspace.create_district(district).close()
    monkeypatch.setenv(cipher.NEW_PASSWORD_ENV, PASSWORD)
    assert main(["db-password", "set", "--db", str(district)]) == 0
    cipher._passwords.clear()
    monkeypatch.setenv(cipher.PASSWORD_ENV, PASSWORD)
    town = next(iter(township_files))
    assert main(["intake", str(township_files[town]), "--db", str(district)]) == 0
    assert "已接收" in capsys.readouterr().out and _unreadable(district)
    assert all(_unreadable(b.path) for b in list_backups(district))  # the 收件前 backup too


def test_first_start_offers_the_password_and_a_mistyped_one_stores_nothing(qtbot, tmp_path, monkeypatch,
                                                                           messages) -> None:
    """第三步（可选）of the first-start page: blank skips it; typed twice, the new database is
    encrypted before her forms open, and the next start asks for it."""
    from ui import db_password

    path = tmp_path / "data" / "jnjp.sqlite"
    window = _main_window(qtbot, tmp_path, "d.ini")
    assert window.open_database(path)
    page = window.first_start_page
    page.choose(window.workspace.find_township("卫星湖街道").id)
    first, again = page.password_edits
    first.setText(PASSWORD)
    again.setText(OTHER)
    assert not page.finish() and "两次输入的口令不一致" in page.problem.text()
    assert window.first_start_page is page and window.workspace.setting("own_township_id") is None
    again.setText(PASSWORD)
    assert page.finish()
    assert window.first_start_page is None and _unreadable(path)
    assert window.controller.township.name == "卫星湖街道" and "已设置数据库密码" in window.statusBar().currentMessage()
    window.close()
    cipher._passwords.clear()  # the program starts again: the password is asked
    monkeypatch.setattr(db_password, "_ask", lambda *a: PASSWORD)
    reopened = _main_window(qtbot, tmp_path, "e.ini")
    assert reopened.open_database(path) and reopened.controller.township.name == "卫星湖街道"
    reopened.close()


def test_first_start_without_a_password_leaves_the_database_plain(qtbot, tmp_path, messages) -> None:
    path = tmp_path / "data" / "jnjp.sqlite"
    window = _main_window(qtbot, tmp_path, "f.ini")
    assert window.open_database(path)
    page = window.first_start_page
    page.choose(window.workspace.find_township("卫星湖街道").id)
    assert page.finish() and not _unreadable(path) and not cipher.looks_encrypted(path)
    window.close()


# -- q3: the township's private key under the database password -------------------------------------
def _keyed_township_db(tmp_path: Path, township_files, monkeypatch) -> tuple[Path, Path]:
    """A township database with data, a database password, and the issued key imported into it."""
    from tests.security_helpers import TOWN_PASS, district_key, township_key

    town = "中山路街道"
    db = tmp_path / "镇街.sqlite"
    Workspace.open(db, demo=False).close()
    assert main(["import", str(township_files[town]), "--db", str(db)]) == 0
    cipher.set_password(db, PASSWORD)
    ws = Workspace.open(db)
    try:
        key, _ = district_key(tmp_path / "keys")
        _issued, key_file = township_key(key, tmp_path / "keys", town, ws.find_township(town).stat_code)
        from security.key_store import import_township_key

        import_township_key(ws, key_file, TOWN_PASS)
    finally:
        ws.close()
    cipher._passwords.clear()  # as a new program start
    monkeypatch.delenv("JNJP_PASSPHRASE", raising=False)
    return db, key_file


def test_with_a_database_password_the_export_signs_without_the_key_passphrase(tmp_path, township_files, monkeypatch,
                                                                              capsys) -> None:
    from security.key_store import DB_LOCKED_SETTING, stored_signer
    from security.suite import SecurityError

    db, _key_file = _keyed_township_db(tmp_path, township_files, monkeypatch)
    assert _unreadable(db)  # neither the key nor its copy can even be read without the password
    monkeypatch.setenv(cipher.PASSWORD_ENV, PASSWORD)
    out = tmp_path / "out" / "报送.xlsx"
    out.parent.mkdir()  # no JNJP_PASSPHRASE and no terminal: a passphrase prompt would fail (exit 2)
    assert main(["export", "--db", str(db), "--period", "2025", "--township", "中山路街道", "--out", str(out)]) == 0
    assert "（已签名）" in capsys.readouterr().out
    ws = Workspace.open(db)
    try:
        stored = ws.setting(DB_LOCKED_SETTING)
        assert stored["locked"]["kdf"] == "scrypt" and stored_signer(ws) is not None
        with pytest.raises(SecurityError, match="口令不对"):  # the copy opens with the password only
            ws.township_key().unlock_relocked(stored["locked"], OTHER)
    finally:
        ws.close()


def test_after_a_password_change_the_passphrase_is_asked_once_more(tmp_path, township_files, monkeypatch,
                                                                   capsys) -> None:
    from security.key_store import DB_LOCKED_SETTING, stored_signer
    from tests.security_helpers import TOWN_PASS

    db, _key_file = _keyed_township_db(tmp_path, township_files, monkeypatch)
    cipher.unlock(db, PASSWORD)
    cipher.set_password(db, OTHER, old=PASSWORD)
    ws = Workspace.open(db)
    try:
        assert stored_signer(ws) is None  # the copy was made under the old password
    finally:
        ws.close()
    monkeypatch.setenv("JNJP_PASSPHRASE", TOWN_PASS)
    out = tmp_path / "报送.xlsx"
    assert main(["export", "--db", str(db), "--period", "2025", "--township", "中山路街道", "--out", str(out)]) == 0
    ws = Workspace.open(db)
    try:
        assert stored_signer(ws) is not None  # made again under the new password
    finally:
        ws.close()
    cipher.remove_password(db, OTHER)
    ws = Workspace.open(db)
    try:
        assert stored_signer(ws) is None and ws.setting(DB_LOCKED_SETTING) is None  # dropped with the password
    finally:
        ws.close()


def test_the_window_exports_signed_without_asking_when_the_database_is_unlocked(qtbot, tmp_path, catalogue,
                                                                               monkeypatch, messages) -> None:
    from tests.security_helpers import TOWN_PASS, district_key, meta_rows, township_key
    from tests.windows import show_window
    from ui.task_package import import_key

    db = tmp_path / "data" / "jnjp.sqlite"
    Workspace.open(db, catalogue=catalogue).close()
    cipher.set_password(db, PASSWORD)
    ws = Workspace.open(db, catalogue=catalogue, user="测试员")
    demo = next(t for t in ws.townships() if t.is_demo)
    window = show_window(qtbot, ws, tmp_path, demo.id)
    key, _ = district_key(tmp_path / "keys")
    _issued, key_file = township_key(key, tmp_path / "keys", demo.name, demo.stat_code or "")
    monkeypatch.setattr(window, "ask_passphrase", lambda title, text: TOWN_PASS)
    assert import_key(window, key_file)  # the passphrase once, at import
    asked: list[str] = []
    monkeypatch.setattr(window, "ask_passphrase", lambda title, text: asked.append(title))
    out = tmp_path / "out" / "demo.xlsx"
    out.parent.mkdir()
    monkeypatch.setattr(window, "ask_export_path", lambda name: out)
    window.export_action.trigger()
    operation = window.last_operation
    qtbot.waitUntil(lambda: operation.done, timeout=20000)
    assert operation.error is None and asked == [] and meta_rows(out)["signature"]
    ws.close()
