"""Sealed transport: ``镇街_报告期.jnjp``, the submission workbook encrypted to the district's
public key and signed by the township, so a lost USB drive reveals nothing.

Format version 1 (all lengths big-endian)::

    b"JNJP-SEALED\\n"                          12 bytes
    header length (4 bytes), header            canonical JSON, below
    ciphertext length (8 bytes), ciphertext    AES-256-GCM, associated data = magic + header
    signature length (4 bytes), signature      Ed25519 over magic + header + ciphertext (0 bytes:
                                               unsigned, a township without a key)

Header: ``{"format": "jnjp-sealed", "version": 1, "suite", "recipient": <district key id>,
"ephemeral": <X25519 public, Base64>, "nonce", "file_name", "certificate": <the township's
certificate or null>}``. The key: HKDF-SHA256 over the X25519 shared secret with salt =
ephemeral public + recipient public and info ``jnjp-sealed-1`` (HPKE's base mode in spirit).
Only the district's private key opens it; the workbook inside is then read and verified like any
submission (its own signature in ``_meta`` is what the register's signature verdict is about).
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from security.keys import Certificate, DistrictKey, DistrictPublic, Signer
from security.suite import SUITE, SecurityError, b64, canonical_json, check_suite, unb64

__all__ = ["MAGIC", "SEALED_SUFFIX", "seal", "open_sealed", "Opened", "is_sealed"]

MAGIC = b"JNJP-SEALED\n"
SEALED_SUFFIX = ".jnjp"
_INFO = b"jnjp-sealed-1"
_MAX_HEADER = 1 << 16
_MAX_BODY = 256 << 20  # far above the largest submission (a 5,000-row list is a few MB)


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO).derive(shared)


def seal(workbook: bytes, file_name: str, district: DistrictPublic, signer: Signer | None) -> bytes:
    """The sealed file's bytes (see the module docstring)."""
    ephemeral = X25519PrivateKey.generate()
    eph_raw, recipient_raw = _raw(ephemeral.public_key()), _raw(district.seal)
    nonce = os.urandom(12)
    header = canonical_json({"format": "jnjp-sealed", "version": 1, "suite": SUITE, "recipient": district.key_id,
                             "ephemeral": b64(eph_raw), "nonce": b64(nonce), "file_name": file_name,
                             "certificate": signer.certificate.to_dict() if signer else None})
    key = _key(ephemeral.exchange(district.seal), eph_raw, recipient_raw)
    body = AESGCM(key).encrypt(nonce, workbook, MAGIC + header)
    signed = MAGIC + struct.pack(">I", len(header)) + header + struct.pack(">Q", len(body)) + body
    signature = signer.sign(MAGIC + header + body) if signer else b""
    return signed + struct.pack(">I", len(signature)) + signature


def is_sealed(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


@dataclass(frozen=True)
class Opened:
    """A sealed file opened: the workbook's bytes, its name, and who sealed it (None: unsigned)."""

    workbook: bytes
    file_name: str
    certificate: Certificate | None


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise SecurityError("密封文件不完整（可能在复制时被截断），请让镇街重新发送")
        part = self.data[self.at:self.at + n]
        self.at += n
        return part

    def length(self, size: int, limit: int) -> int:
        n = struct.unpack(">I" if size == 4 else ">Q", self.take(size))[0]
        if n > limit:
            raise SecurityError("密封文件格式有误（长度不合理）")
        return n


def open_sealed(data: bytes, district: DistrictKey) -> Opened:
    """Decrypt and check a sealed file with the district key; SecurityError (Chinese) says why not:
    not a sealed file, truncated, sealed to another key, changed, or a bad envelope signature."""
    if not data.startswith(MAGIC):
        raise SecurityError("不是本程序的密封报送文件（.jnjp）")
    reader = _Reader(data)
    reader.take(len(MAGIC))
    header_bytes = reader.take(reader.length(4, _MAX_HEADER))
    body = reader.take(reader.length(8, _MAX_BODY))
    signature = reader.take(reader.length(4, 1024))
    if reader.at != len(data):
        raise SecurityError("密封文件末尾有多余内容（文件已被改动）")
    try:
        header: Any = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SecurityError("密封文件的文件头无法读取") from None
    if not isinstance(header, dict) or header.get("format") != "jnjp-sealed" or header.get("version") != 1:
        raise SecurityError("密封文件的格式或版本不明")
    check_suite(header.get("suite"), "密封文件")
    if header.get("recipient") != district.public.key_id:
        raise SecurityError(f"这个密封文件不是发给本区密钥的（收件密钥编号 {header.get('recipient')}，"
                            f"本区密钥编号 {district.public.key_id}），无法打开")
    ephemeral = unb64(header.get("ephemeral"), "密封文件的临时公钥")
    nonce = unb64(header.get("nonce"), "密封文件的随机数")
    if len(ephemeral) != 32 or len(nonce) != 12:
        raise SecurityError("密封文件的文件头有误")
    shared = district.seal_private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    try:
        workbook = AESGCM(_key(shared, ephemeral, _raw(district.public.seal))).decrypt(nonce, body, MAGIC + header_bytes)
    except InvalidTag:
        raise SecurityError("密封文件无法解密：文件已损坏或被改动") from None
    certificate = None
    if header.get("certificate") is not None:
        certificate = Certificate.from_dict(header["certificate"])
        if not certificate.verify(signature, MAGIC + header_bytes + body):
            raise SecurityError("密封文件的签名无效（文件已被改动）")
    elif signature:
        raise SecurityError("密封文件有签名却没有证书（文件已被改动）")
    name = Path(str(header.get("file_name") or "报送文件.xlsx")).name
    return Opened(workbook, name, certificate)
