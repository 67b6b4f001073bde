"""A township database takes its issued key (the CLI's ``keys import`` and the window's 导入密钥…
share this): the key file is checked (issued by the district it names, for a township this
database holds), its passphrase tried, then it is stored still locked and the district key pinned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from security.keys import TownshipKey, parse_township_key, read_key_file
from security.suite import SecurityError

__all__ = ["import_township_key"]


def import_township_key(ws: Any, path: Path, passphrase: str) -> TownshipKey:
    if ws.is_district:
        raise SecurityError("这是区级汇总库：镇街密钥只导入镇街填报数据库")
    issued = parse_township_key(read_key_file(path))
    cert = issued.certificate
    found = ws.find_township(cert.township_stat_code) if cert.township_stat_code else None
    found = found or ws.find_township(cert.township_name)
    if found is None:
        raise SecurityError(f"密钥签发给{cert.township_name}（{cert.township_stat_code}），本数据库中没有这个镇街")
    issued.unlock(passphrase)  # the township knows its passphrase: checked now, not at the first export
    ws.set_township_key(issued)
    return issued
