"""The algorithm suite every security format of this program names, and the shared helpers.

One suite today, ``SUITE``: Ed25519 signatures, X25519 + HKDF-SHA256 + AES-256-GCM sealed
envelopes (HPKE-style), scrypt for passphrases. A file naming another suite is refused with a
clear message, so a second suite (SM2/SM3/SM4, once a maintained library with Windows and Linux
wheels provides SM2) can be added beside it without changing the formats.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from user_error import UserError

__all__ = ["SUITE", "SUITES", "SecurityError", "b64", "unb64", "canonical_json", "key_id", "check_suite"]

SUITE = "JNJP-1:Ed25519+X25519-HKDF-SHA256-AES-256-GCM+scrypt"
SUITES = (SUITE,)


class SecurityError(UserError, ValueError):
    """A key, signature, sealed file or package that cannot be used, said in Chinese."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str) -> bytes:
    """Base64 text → bytes; SecurityError naming ``what`` for anything else."""
    if not isinstance(text, str):
        raise SecurityError(f"{what}缺失或格式不对")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise SecurityError(f"{what}格式不对（不是 Base64）") from None


def canonical_json(value: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def key_id(public_bytes: bytes) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_bytes).hexdigest()[:16]


def check_suite(suite: Any, what: str) -> None:
    if suite not in SUITES:
        raise SecurityError(f"{what}使用的算法套件“{suite}”本程序不支持（支持：{'、'.join(SUITES)}）")
