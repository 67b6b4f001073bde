"""A township database takes its issued key (the CLI's ``keys import`` and the window's 导入密钥…
share this): the key file is checked (issued by the district it names, for a township this
database holds), its passphrase tried, then it is stored still locked and the district key pinned.

Under the database password (issue 15: "the private key is stored encrypted with the township's
database password"). Both are kept: the key file's own locked form (its passphrase, as issued), and,
while the database has a password, a second copy of the private key locked under that password
(scrypt → AES-256-GCM, bound to the certificate; ``TownshipKey.relock``). An export from an unlocked
database then signs without asking the key passphrase again (``stored_signer``). The copy is made at
import, or at the first export after a password is set (the passphrase is asked that once); after
the password changes the old copy no longer opens, the passphrase is asked once more and the copy
made again; when the password is removed the copy is dropped (a plain database keeps only the
passphrase-locked key). Both copies sit inside the SQLCipher-encrypted file, so without the database
password neither can even be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from security.keys import Signer, TownshipKey, parse_township_key, read_key_file
from security.suite import SecurityError

__all__ = ["import_township_key", "stored_signer", "remember_under_db_password", "DB_LOCKED_SETTING"]

DB_LOCKED_SETTING = "security.township_key_db_locked"  # q3: {"key_id", "locked"} under the db password


def import_township_key(ws: Any, path: Path, passphrase: str) -> TownshipKey:
    if ws.is_district:
        raise SecurityError("这是区级汇总库：镇街密钥只导入镇街填报数据库")
    issued = parse_township_key(read_key_file(path))
    cert = issued.certificate
    found = ws.find_township(cert.township_stat_code) if cert.township_stat_code else None
    found = found or ws.find_township(cert.township_name)
    if found is None:
        raise SecurityError(f"密钥签发给{cert.township_name}（{cert.township_stat_code}），本数据库中没有这个镇街")
    signer = issued.unlock(passphrase)  # the township knows its passphrase: checked now, not at the first export
    ws.set_township_key(issued)
    remember_under_db_password(ws, signer)
    return issued


def _db_password(ws: Any) -> str | None:
    from storage import cipher

    return cipher.password_for(ws.path)


def remember_under_db_password(ws: Any, signer: Signer) -> bool:
    """Store the private key locked under the database's password (True), or, for a database
    without one, drop any such copy (False)."""
    password = _db_password(ws)
    if password is None:
        if ws.setting(DB_LOCKED_SETTING) is not None:
            ws.set_setting(DB_LOCKED_SETTING, None)
        return False
    key = ws.township_key()
    if key is None or key.certificate.key_id != signer.certificate.key_id:
        return False
    ws.set_setting(DB_LOCKED_SETTING, {"key_id": key.certificate.key_id, "locked": key.relock(signer, password)})
    return True


def stored_signer(ws: Any) -> Signer | None:
    """The township's signer from the copy under the database password, when the database has one
    and it is unlocked in this program; None: the key passphrase must be asked (no key, no password,
    no copy yet, or a copy made under an earlier password)."""
    key = ws.township_key()
    password = _db_password(ws)
    stored = ws.setting(DB_LOCKED_SETTING)
    if password is None and stored is not None and not ws.store.readonly:
        ws.set_setting(DB_LOCKED_SETTING, None)  # the password was removed: no copy under the old one
    if key is None or password is None or not isinstance(stored, dict) \
            or stored.get("key_id") != key.certificate.key_id:
        return None
    try:
        return key.unlock_relocked(stored.get("locked"), password)
    except SecurityError:
        return None
