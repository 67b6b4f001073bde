"""The district key pair, the township keys it issues, and the files that carry them.

* District key file (``keys new-district --out 区密钥``): JSON ``jnjp-district-key`` with the public
  part (an Ed25519 signing key and an X25519 sealing key, Base64 raw bytes) in clear and both
  private keys encrypted under the passphrase (scrypt → AES-256-GCM, the public part as associated
  data, so neither can be swapped). Beside it ``区密钥.pub``: ``jnjp-district-public``, the public
  part alone, for anyone who needs to verify or seal.
* Certificate: the district's Ed25519 signature over ``canonical_json`` of
  ``{"format": "jnjp-certificate", suite, township_name, township_stat_code, issued_at, key_id,
  public, district_key_id}`` — the district can later tell that a key was issued **to that
  township**.
* Township key file (``keys issue --township 镇街``): JSON ``jnjp-township-key``: the certificate,
  the district's public part (so the township can seal to it) and the township's Ed25519 private
  key encrypted under the passphrase the district gives the township with the file.

Every file names its suite (``security.suite``). Passphrases come from a prompt or an environment
variable (``security.passphrase``), never from the command line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from security.suite import SUITE, SecurityError, b64, canonical_json, check_suite, key_id, unb64

__all__ = ["DistrictPublic", "DistrictKey", "Certificate", "TownshipKey", "Signer", "new_district_key",
           "issue_township_key", "read_key_file", "load_district_public", "load_district_key", "parse_township_key",
           "SCRYPT_N", "DISTRICT_KEY_FORMAT", "DISTRICT_PUBLIC_FORMAT", "TOWNSHIP_KEY_FORMAT", "public_path"]

DISTRICT_KEY_FORMAT = "jnjp-district-key"
DISTRICT_PUBLIC_FORMAT = "jnjp-district-public"
TOWNSHIP_KEY_FORMAT = "jnjp-township-key"
CERTIFICATE_FORMAT = "jnjp-certificate"
SCRYPT_N = 2 ** 17  # 128 MiB, about a third of a second: OWASP's scrypt recommendation
_SCRYPT_R, _SCRYPT_P = 8, 1
_MAX_KEY_FILE = 1 << 20


def _raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _ed_public(data: Any, what: str) -> Ed25519PublicKey:
    raw = unb64(data, what)
    if len(raw) != 32:
        raise SecurityError(f"{what}长度不对")
    return Ed25519PublicKey.from_public_bytes(raw)


def _verified(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


# -- passphrase protection ------------------------------------------------------------------------

def _derive(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=_SCRYPT_R, p=_SCRYPT_P).derive(passphrase.encode("utf-8"))


def _lock(secret: dict[str, str], passphrase: str, bound: dict[str, Any], n: int) -> dict[str, Any]:
    """``secret`` encrypted under ``passphrase``; ``bound`` (the public part) is authenticated with it."""
    if not passphrase:
        raise SecurityError("口令不能为空")
    salt, nonce = os.urandom(16), os.urandom(12)
    data = AESGCM(_derive(passphrase, salt, n)).encrypt(nonce, canonical_json(secret), canonical_json(bound))
    return {"kdf": "scrypt", "n": n, "r": _SCRYPT_R, "p": _SCRYPT_P, "salt": b64(salt), "aead": "AES-256-GCM",
            "nonce": b64(nonce), "data": b64(data)}


def _unlock(locked: Any, passphrase: str, bound: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(locked, dict) or locked.get("kdf") != "scrypt" or locked.get("aead") != "AES-256-GCM":
        raise SecurityError("密钥文件中的私钥部分格式不明")
    n, r, p = locked.get("n"), locked.get("r"), locked.get("p")
    if not all(isinstance(v, int) for v in (n, r, p)) or n < 2 ** 14 or n > 2 ** 20 or n & (n - 1) \
            or (r, p) != (_SCRYPT_R, _SCRYPT_P):
        raise SecurityError("密钥文件的口令保护参数不对")
    salt, nonce, data = (unb64(locked.get(k), "密钥文件") for k in ("salt", "nonce", "data"))
    try:
        plain = AESGCM(Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))) \
            .decrypt(nonce, data, canonical_json(bound))
    except (InvalidTag, ValueError):
        raise SecurityError("口令不对（或密钥文件已被改动），无法解开私钥") from None
    secret = json.loads(plain.decode("utf-8"))
    if not isinstance(secret, dict):
        raise SecurityError("密钥文件中的私钥部分格式不明")
    return secret


# -- the district -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DistrictPublic:
    """The district's public part: verifies certificates and packages, receives sealed files."""

    name: str
    sign: Ed25519PublicKey
    seal: X25519PublicKey

    @property
    def key_id(self) -> str:
        return key_id(_raw_public(self.sign))

    def to_dict(self) -> dict[str, Any]:
        return {"format": DISTRICT_PUBLIC_FORMAT, "version": 1, "suite": SUITE, "name": self.name,
                "key_id": self.key_id, "sign": b64(_raw_public(self.sign)), "seal": b64(_raw_public(self.seal))}

    @classmethod
    def from_dict(cls, data: Any) -> DistrictPublic:
        if not isinstance(data, dict):
            raise SecurityError("区公钥格式不对")
        check_suite(data.get("suite"), "区公钥")
        seal = unb64(data.get("seal"), "区公钥（加密部分）")
        if len(seal) != 32:
            raise SecurityError("区公钥（加密部分）长度不对")
        public = cls(str(data.get("name") or ""), _ed_public(data.get("sign"), "区公钥（签名部分）"),
                     X25519PublicKey.from_public_bytes(seal))
        if data.get("key_id") not in (None, public.key_id):
            raise SecurityError("区公钥的密钥编号与密钥不符")
        return public

    def verify(self, signature: bytes, message: bytes) -> bool:
        return _verified(self.sign, signature, message)


@dataclass(frozen=True)
class DistrictKey:
    """The district's key pair, unlocked."""

    public: DistrictPublic
    sign_private: Ed25519PrivateKey
    seal_private: X25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.sign_private.sign(message)


def public_path(path: Path) -> Path:
    """Where the public part of the district key file ``path`` is written: ``区密钥.pub``."""
    return path.with_name(path.name + ".pub")


def _write_json(path: Path, data: dict[str, Any], *, private: bool = False) -> None:
    """Atomically; a file with a (locked) private key readable by its owner only where the system
    has such modes (POSIX)."""
    from export.atomic import atomic_write

    text = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    atomic_write(path, lambda fh: fh.write(text))
    if private and os.name == "posix":
        os.chmod(path, 0o600)


def new_district_key(out: Path, passphrase: str, *, name: str = "永川区统计局", n: int = SCRYPT_N) -> DistrictKey:
    """Make the district key pair; write ``out`` (private parts under ``passphrase``) and
    ``out.pub``. Refuses to overwrite an existing key file (a lost key cannot be made again)."""
    out = Path(out)
    for path in (out, public_path(out)):
        if path.exists():
            raise SecurityError(f"文件已存在：{path}（区密钥不会被覆盖；请换一个文件名）")
    key = DistrictKey(DistrictPublic(name, (sign := Ed25519PrivateKey.generate()).public_key(),
                                     (seal := X25519PrivateKey.generate()).public_key()), sign, seal)
    public = key.public.to_dict()
    secret = {"sign": b64(_raw_private(sign)), "seal": b64(_raw_private(seal))}
    from version import VERSION

    data = {"format": DISTRICT_KEY_FORMAT, "version": 1, "suite": SUITE, "program_version": VERSION,
            "created": _today(), "public": public, "private": _lock(secret, passphrase, public, n)}
    _write_json(out, data, private=True)
    _write_json(public_path(out), public)
    return key


def read_key_file(path: Path) -> dict[str, Any]:
    """A key file's JSON; SecurityError (Chinese) for anything that is not one."""
    path = Path(path)
    try:
        if path.stat().st_size > _MAX_KEY_FILE:
            raise SecurityError(f"{path.name} 太大，不是本程序的密钥文件")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise SecurityError(f"无法读取密钥文件 {path}：{exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SecurityError(f"{path.name} 不是本程序的密钥文件") from None
    if not isinstance(data, dict):
        raise SecurityError(f"{path.name} 不是本程序的密钥文件")
    return data


def load_district_public(path: Path) -> DistrictPublic:
    """The district's public part from the key file or its ``.pub``."""
    data = read_key_file(path)
    if data.get("format") == DISTRICT_KEY_FORMAT:
        data = data.get("public")
    elif data.get("format") != DISTRICT_PUBLIC_FORMAT:
        raise SecurityError(f"{Path(path).name} 不是区密钥文件")
    return DistrictPublic.from_dict(data)


def load_district_key(path: Path, passphrase: str) -> DistrictKey:
    data = read_key_file(path)
    if data.get("format") != DISTRICT_KEY_FORMAT:
        raise SecurityError(f"{Path(path).name} 不是区密钥文件（区密钥由 keys new-district 生成）")
    check_suite(data.get("suite"), "区密钥")
    public = DistrictPublic.from_dict(data.get("public"))
    secret = _unlock(data.get("private"), passphrase, data.get("public"))
    sign = Ed25519PrivateKey.from_private_bytes(unb64(secret.get("sign"), "区私钥"))
    seal = X25519PrivateKey.from_private_bytes(unb64(secret.get("seal"), "区私钥"))
    if _raw_public(sign.public_key()) != _raw_public(public.sign) or \
            _raw_public(seal.public_key()) != _raw_public(public.seal):
        raise SecurityError("区密钥文件的公钥与私钥不配对")
    return DistrictKey(public, sign, seal)


# -- townships -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Certificate:
    """The district's word that ``public`` is the signing key it issued to a township."""

    body: dict[str, Any]
    signature: bytes

    @property
    def township_name(self) -> str:
        return str(self.body.get("township_name") or "")

    @property
    def township_stat_code(self) -> str:
        return str(self.body.get("township_stat_code") or "")

    @property
    def issued_at(self) -> str:
        return str(self.body.get("issued_at") or "")

    @property
    def key_id(self) -> str:
        return str(self.body.get("key_id") or "")

    @property
    def public(self) -> Ed25519PublicKey:
        return _ed_public(self.body.get("public"), "镇街公钥")

    def to_dict(self) -> dict[str, Any]:
        return {"body": self.body, "signature": b64(self.signature)}

    @classmethod
    def from_dict(cls, data: Any) -> Certificate:
        if not isinstance(data, dict) or not isinstance(data.get("body"), dict):
            raise SecurityError("密钥证书格式不对")
        body = data["body"]
        if body.get("format") != CERTIFICATE_FORMAT:
            raise SecurityError("密钥证书格式不对")
        check_suite(body.get("suite"), "密钥证书")
        cert = cls(body, unb64(data.get("signature"), "密钥证书的签名"))
        if key_id(_raw_public(cert.public)) != cert.key_id:
            raise SecurityError("密钥证书的密钥编号与公钥不符")
        return cert

    def issued_by(self, district: DistrictPublic) -> bool:
        """The district's signature over the body is valid (and names this district key)."""
        return self.body.get("district_key_id") == district.key_id and \
            district.verify(self.signature, canonical_json(self.body))

    def belongs_to(self, name: str, stat_code: str) -> bool:
        """Issued to this township: the statistical code when both have one, else the name."""
        if self.township_stat_code and stat_code:
            return self.township_stat_code == stat_code
        return bool(name) and self.township_name == name

    def verify(self, signature: bytes, message: bytes) -> bool:
        return _verified(self.public, signature, message)


@dataclass(frozen=True)
class Signer:
    """A township's unlocked signing key with its certificate."""

    private: Ed25519PrivateKey
    certificate: Certificate

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


@dataclass(frozen=True)
class TownshipKey:
    """A township key file as read (still locked): what the township imports and stores."""

    data: dict[str, Any]
    certificate: Certificate
    district: DistrictPublic

    def unlock(self, passphrase: str) -> Signer:
        return self.unlock_relocked(self.data.get("private"), passphrase)

    def relock(self, signer: Signer, password: str, *, n: int = SCRYPT_N) -> dict[str, Any]:
        """The unlocked private key locked again under another secret (the township database's
        password, ``security.key_store``), bound to this key's certificate like the file's own."""
        return _lock({"sign": b64(_raw_private(signer.private))}, password, self.data.get("certificate"), n)

    def unlock_relocked(self, locked: Any, password: str) -> Signer:
        """The signer from the key file's private part (``locked`` under its passphrase) or from a
        ``relock``; SecurityError when the secret is wrong or the parts do not belong together."""
        secret = _unlock(locked, password, self.data.get("certificate"))
        private = Ed25519PrivateKey.from_private_bytes(unb64(secret.get("sign"), "镇街私钥"))
        if _raw_public(private.public_key()) != _raw_public(self.certificate.public):
            raise SecurityError("镇街密钥文件的公钥与私钥不配对")
        return Signer(private, self.certificate)


def parse_township_key(data: Any) -> TownshipKey:
    """A township key file's JSON, checked: its certificate was issued by the district it names."""
    if not isinstance(data, dict) or data.get("format") != TOWNSHIP_KEY_FORMAT:
        raise SecurityError("不是镇街密钥文件（镇街密钥由区里用 keys issue 签发）")
    check_suite(data.get("suite"), "镇街密钥")
    certificate = Certificate.from_dict(data.get("certificate"))
    district = DistrictPublic.from_dict(data.get("district"))
    if not certificate.issued_by(district):
        raise SecurityError("镇街密钥的证书不是由文件中所附的区密钥签发的（文件可能被改动）")
    return TownshipKey(data, certificate, district)


def issue_township_key(district: DistrictKey, township_name: str, township_stat_code: str, passphrase: str,
                       out: Path, *, issued_at: str | None = None, n: int = SCRYPT_N) -> TownshipKey:
    """Make a township's signing key, have the district certify it, and write the township key
    file ``out`` (its private key under ``passphrase``)."""
    out = Path(out)
    if out.exists():
        raise SecurityError(f"文件已存在：{out}（请换一个文件名）")
    private = Ed25519PrivateKey.generate()
    raw = _raw_public(private.public_key())
    body = {"format": CERTIFICATE_FORMAT, "version": 1, "suite": SUITE, "township_name": township_name,
            "township_stat_code": township_stat_code, "issued_at": issued_at or _today(), "key_id": key_id(raw),
            "public": b64(raw), "district_key_id": district.public.key_id}
    certificate = {"body": body, "signature": b64(district.sign(canonical_json(body)))}
    data = {"format": TOWNSHIP_KEY_FORMAT, "version": 1, "suite": SUITE, "certificate": certificate,
            "district": district.public.to_dict(),
            "private": _lock({"sign": b64(_raw_private(private))}, passphrase, certificate, n)}
    key = parse_township_key(data)
    _write_json(out, data, private=True)
    return key


def _today() -> str:
    import datetime as _dt

    return _dt.date.today().isoformat()
