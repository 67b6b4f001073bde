"""A password-protected copy of the submission workbook that Excel and WPS open (Office agile
encryption: AES-256 with SHA-512 key derivation, through ``msoffcrypto-tool``), for offices that
must send by e-mail to someone without this program. The password travels separately (telephone);
the district's program reads the readable or the sealed copy, not this one."""

from __future__ import annotations

import io

from security.suite import SecurityError

__all__ = ["OFFICE_PASSWORD_ENV", "encrypt_workbook", "office_copy_name"]

OFFICE_PASSWORD_ENV = "JNJP_OFFICE_PASSWORD"


def office_copy_name(name: str) -> str:
    """``X.xlsx`` → ``X_加密.xlsx``."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}_加密.{suffix}" if dot else f"{name}_加密"


def encrypt_workbook(data: bytes, password: str) -> bytes:
    """The .xlsx ``data`` encrypted under ``password`` (an Office-encrypted file, an OLE container)."""
    if not password:
        raise SecurityError("Excel 打开密码不能为空")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()
