"""Signed submissions: what the township's key signs, where the signature travels in the workbook,
and the district's verdict on it.

The signed message is ``canonical_json`` of ``{"purpose": "jnjp-submission", "suite", "sha256",
"export_time"}``: ``sha256`` is the file checksum in ``_meta`` (``export.checksum.map_checksum``,
over the file's kind, township, period, forms, the whole cell map and every value and 说明), so
the signature covers all of them; ``export_time`` orders two signed files of the same township
and period (an older one arriving later is only 已被替代). The hidden ``_meta`` sheet carries
``signature_suite``, ``signature`` (Base64) and ``certificate`` (Base64 of the certificate JSON,
``security.keys.Certificate``). The SHA-256 stays as the quick check: a changed figure with an
unchanged checksum is 校验码不符; a changed figure with a recomputed checksum is 签名无效.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from security.keys import Certificate, DistrictPublic, Signer
from security.suite import SUITE, SUITES, SecurityError, b64, canonical_json

__all__ = ["META_FIELDS", "signature_rows", "SignatureBlock", "SignatureVerdict", "verify_signature",
           "SIGNED_OK", "SIGNED_BAD", "UNSIGNED", "WRONG_TOWNSHIP", "UNVERIFIED", "signed_message"]

META_FIELDS = ("signature_suite", "signature", "certificate")
SIGNED_OK, SIGNED_BAD, UNSIGNED, WRONG_TOWNSHIP = "签名有效", "签名无效", "未签名", "签名密钥不属于该镇街"
UNVERIFIED = "签名未验证（区级汇总库未设置区公钥）"


def signed_message(sha256: str, export_time: str, suite: str = SUITE) -> bytes:
    return canonical_json({"purpose": "jnjp-submission", "suite": suite, "sha256": sha256,
                           "export_time": export_time})


def signature_rows(signer: Signer, sha256: str, export_time: str) -> list[tuple[str, str]]:
    """The ``_meta`` rows a signed submission adds (after ``cell_count``)."""
    cert = base64.b64encode(canonical_json(signer.certificate.to_dict())).decode("ascii")
    return [("signature_suite", SUITE), ("signature", b64(signer.sign(signed_message(sha256, export_time)))),
            ("certificate", cert)]


@dataclass(frozen=True)
class SignatureBlock:
    """What a workbook's ``_meta`` says about its signature (texts as read; empty when absent)."""

    suite: str
    signature: str
    certificate: str
    sha256: str
    export_time: str

    @property
    def signed(self) -> bool:
        return bool(self.suite or self.signature or self.certificate)


@dataclass(frozen=True)
class SignatureVerdict:
    """The district's verdict on a file's signature: ``status`` one of the constants above;
    ``text`` as the register shows it; ``accept``: may the file's values be written."""

    status: str
    text: str
    signed_at: str = ""
    key_id: str = ""

    @property
    def accept(self) -> bool:
        return self.status not in (SIGNED_BAD, WRONG_TOWNSHIP)


def _certificate(text: str) -> Certificate:
    try:
        data = json.loads(base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError, RecursionError):
        raise SecurityError("证书无法读取") from None
    return Certificate.from_dict(data)


def verify_signature(block: SignatureBlock | None, township_name: str, township_stat_code: str,
                     district: DistrictPublic | None) -> SignatureVerdict:
    """The verdict on a file whose checksum already matched (``block.sha256`` is the file's)."""
    if block is None or not block.signed:
        return SignatureVerdict(UNSIGNED, UNSIGNED)
    if district is None:
        return SignatureVerdict(UNVERIFIED, UNVERIFIED)
    if block.suite not in SUITES:
        return SignatureVerdict(SIGNED_BAD, f"{SIGNED_BAD}（算法套件“{block.suite}”不支持）")
    try:
        cert = _certificate(block.certificate)
        signature = base64.b64decode(block.signature.encode("ascii"), validate=True)
    except (SecurityError, binascii.Error, UnicodeError, ValueError) as exc:
        return SignatureVerdict(SIGNED_BAD, f"{SIGNED_BAD}（{exc}）")
    if not cert.issued_by(district):
        return SignatureVerdict(SIGNED_BAD, f"{SIGNED_BAD}（签名密钥不是本区签发的）")
    if not cert.verify(signature, signed_message(block.sha256, block.export_time, block.suite)):
        return SignatureVerdict(SIGNED_BAD, f"{SIGNED_BAD}（文件内容与签名不符，可能被改动）")
    if not cert.belongs_to(township_name, township_stat_code):
        return SignatureVerdict(WRONG_TOWNSHIP, f"{WRONG_TOWNSHIP}（密钥签发给{cert.township_name}，"
                                                f"文件的填报单位是{township_name}）")
    return SignatureVerdict(SIGNED_OK, f"{SIGNED_OK}（{cert.township_name}，密钥 签发于 {cert.issued_at}）",
                            block.export_time, cert.key_id)


def meta_text(value: Any) -> str:
    return "" if value is None else str(value).strip()
