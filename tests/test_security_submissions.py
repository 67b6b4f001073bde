"""Signed and sealed submissions (issue 15) on real files made by the program: the district tells a
genuine township file from a forged one, a file signed with another township's or another
district's key, an unsigned one, a replayed older one; sealed files open only with the district key."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest

from district.intake import Verdict, intake_files
from export.submission_file import CHECK_OK, read_submission
from security.keys import load_district_key, load_district_public
from security.sealed import MAGIC
from security.suite import SecurityError
from storage.workspace import Workspace
from tests.district_helpers import table_dump
from tests.security_helpers import (
    PASS,
    district_key,
    graft_signature,
    meta_rows,
    signed_export,
    signer_for,
)

BIOGAS = ("agriculture", "items", "biogas", "value")
TOWN = "中山路街道"
OTHER = "胜利路街道"


@pytest.fixture
def keys(tmp_path: Path):
    key, path = district_key(tmp_path / "keys")
    return key, path


@pytest.fixture
def district(tmp_path: Path, catalogue, keys):
    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    ws.pin_district_public_key(load_district_public(keys[1]))
    yield ws
    ws.close()


def _signer(district: Workspace, key, folder: Path, name: str):
    return signer_for(key, folder, name, district.find_township(name).stat_code)


def _one(ws: Workspace, path: Path, **kwargs):
    return intake_files(ws, [path], backup=False, **kwargs).results[0]


def test_a_signed_file_is_received_with_a_valid_signature(district, keys, township_files, tmp_path, catalogue) -> None:
    signer = _signer(district, keys[0], tmp_path, TOWN)
    out = signed_export(township_files[TOWN], tmp_path / "signed.xlsx", catalogue, signer=signer).path
    meta = meta_rows(out)
    assert meta["signature_suite"].startswith("JNJP-1:Ed25519") and meta["certificate"] and meta["signature"]
    result = _one(district, out)
    assert result.verdict == Verdict.ACCEPTED
    assert result.signature == f"签名有效（{TOWN}，密钥 签发于 2026-12-01）"
    line = district.intake_lines("2025")[0]
    assert line.signature == result.signature and line.signed_at == meta["export_time"]


def test_an_unsigned_file_is_received_as_unsigned(district, township_files) -> None:
    result = _one(district, township_files[TOWN])
    assert result.verdict == Verdict.ACCEPTED and result.signature == "未签名"
    assert district.intake_lines("2025")[0].signature == "未签名"


def test_a_forged_figure_with_a_recomputed_checksum_is_an_invalid_signature(district, keys, township_files, tmp_path,
                                                                             catalogue) -> None:
    signer = _signer(district, keys[0], tmp_path, TOWN)
    genuine = signed_export(township_files[TOWN], tmp_path / "genuine.xlsx", catalogue, signer=signer).path
    # the forger changes a figure with the program itself (which recomputes the SHA-256) and pastes
    # the genuine file's signature, certificate and export time into the hidden sheet
    changed = signed_export(township_files[TOWN], tmp_path / "changed.xlsx", catalogue, signer=None,
                            edits={BIOGAS: 99999}).path
    forged = graft_signature(genuine, changed, tmp_path / "forged.xlsx")
    read = read_submission(forged, catalogue)
    assert read.check == CHECK_OK  # the quick check alone cannot see it
    before = table_dump(district.store.path)
    result = _one(district, forged)
    assert result.verdict == Verdict.BAD_SIGNATURE
    assert result.signature.startswith("签名无效") and "被改动" in result.signature
    assert table_dump(district.store.path) == before  # nothing of it written (only its register line)
    assert district.intake_lines("2025")[0].verdict == "签名无效"


def test_a_key_not_issued_by_this_district_is_an_invalid_signature(district, township_files, tmp_path,
                                                                    catalogue) -> None:
    stranger, _ = district_key(tmp_path / "stranger")
    signer = _signer(district, stranger, tmp_path / "s", TOWN)
    out = signed_export(township_files[TOWN], tmp_path / "x.xlsx", catalogue, signer=signer).path
    result = _one(district, out)
    assert result.verdict == Verdict.BAD_SIGNATURE and "不是本区签发" in result.signature


def test_a_key_issued_to_another_township_does_not_belong(district, keys, township_files, tmp_path, catalogue) -> None:
    signer = _signer(district, keys[0], tmp_path, OTHER)
    out = signed_export(township_files[TOWN], tmp_path / "x.xlsx", catalogue, signer=signer).path
    before = table_dump(district.store.path)
    result = _one(district, out)
    assert result.verdict == Verdict.WRONG_KEY
    assert result.signature.startswith("签名密钥不属于该镇街") and OTHER in result.signature
    assert table_dump(district.store.path) == before


def test_a_replayed_older_signed_file_is_only_superseded(district, keys, township_files, tmp_path, catalogue) -> None:
    signer = _signer(district, keys[0], tmp_path, TOWN)
    older = signed_export(township_files[TOWN], tmp_path / "older.xlsx", catalogue, signer=signer,
                          now=_dt.datetime(2026, 1, 5, 9, 0)).path
    newer = signed_export(township_files[TOWN], tmp_path / "newer.xlsx", catalogue, signer=signer,
                          now=_dt.datetime(2026, 1, 9, 9, 0), edits={BIOGAS: 4321}).path
    assert _one(district, newer).verdict == Verdict.ACCEPTED
    result = _one(district, older)
    assert result.verdict == Verdict.SUPERSEDED and "早于" in result.reasons[-1]
    data = district.find_report_data(district.find_township(TOWN).id, BIOGAS[0], "2025")
    assert data.values[BIOGAS[1:]] == 4321  # the newer file's figure stays
    assert [line.verdict for line in district.intake_lines("2025")] == ["已被替代", "已接收"]


def test_a_sealed_file_opens_only_with_the_district_key(district, keys, township_files, tmp_path, catalogue) -> None:
    key, path = keys
    signer = _signer(district, key, tmp_path, TOWN)
    result = signed_export(township_files[TOWN], tmp_path / "out" / f"{TOWN}_2025.xlsx", catalogue, signer=signer,
                           seal_to=key.public)
    sealed = result.sealed
    assert sealed == tmp_path / "out" / f"{TOWN}_2025.jnjp" and sealed.read_bytes().startswith(MAGIC)
    raw = sealed.read_bytes()
    assert b"PK\x03\x04" not in raw and result.path.read_bytes()[:4096] not in raw  # no workbook inside in clear
    refused = _one(district, sealed)
    assert refused.verdict == Verdict.REFUSED and "区密钥" in refused.reasons[0]
    received = _one(district, sealed, district_key=load_district_key(path, PASS))
    assert received.verdict == Verdict.ACCEPTED and received.signature.startswith("签名有效")
    # the readable copy of the same submission is the same file: received once
    assert _one(district, result.path).verdict == Verdict.DUPLICATE


def test_a_truncated_or_misaddressed_sealed_file_is_refused(district, keys, township_files, tmp_path,
                                                            catalogue) -> None:
    key, _ = keys
    other, _ = district_key(tmp_path / "other")
    sealed = signed_export(township_files[TOWN], tmp_path / "out" / "a.xlsx", catalogue, signer=None,
                           seal_to=key.public).sealed
    cut = tmp_path / "cut.jnjp"
    cut.write_bytes(sealed.read_bytes()[:-40])
    before = table_dump(district.store.path)
    truncated = _one(district, cut, district_key=key)
    assert truncated.verdict == Verdict.REFUSED and "截断" in truncated.reasons[0]
    wrong = _one(district, sealed, district_key=other)
    assert wrong.verdict == Verdict.REFUSED and "不是发给本区密钥" in wrong.reasons[0]
    flipped = bytearray(sealed.read_bytes())
    flipped[len(flipped) // 2] ^= 1
    (tmp_path / "flip.jnjp").write_bytes(bytes(flipped))
    changed = _one(district, tmp_path / "flip.jnjp", district_key=key)
    assert changed.verdict == Verdict.REFUSED and "无法解密" in changed.reasons[0]
    assert table_dump(district.store.path) == before
    # an unsigned township's sealed file is received, 未签名
    assert _one(district, sealed, district_key=key).signature == "未签名"


def test_a_wrong_passphrase_opens_no_key(keys) -> None:
    with pytest.raises(SecurityError, match="口令不对"):
        load_district_key(keys[1], "不是这个口令")


def test_a_stripped_signature_from_a_township_that_signs_is_not_received(district, keys, township_files, tmp_path,
                                                                          catalogue) -> None:
    signer = _signer(district, keys[0], tmp_path, TOWN)
    genuine = signed_export(township_files[TOWN], tmp_path / "genuine.xlsx", catalogue, signer=signer).path
    assert _one(district, genuine).verdict == Verdict.ACCEPTED
    # the forger's file: changed with the program, checksum consistent, no signature at all
    stripped = signed_export(township_files[TOWN], tmp_path / "stripped.xlsx", catalogue, signer=None,
                             edits={BIOGAS: 77777}).path
    result = _one(district, stripped)
    assert result.verdict == Verdict.UNSIGNED_REFUSED and result.signature == "未签名"
    data = district.find_report_data(district.find_township(TOWN).id, BIOGAS[0], "2025")
    assert data.values[BIOGAS[1:]] != 77777
    # another township that never signed still sends unsigned files
    assert _one(district, township_files[OTHER]).verdict == Verdict.ACCEPTED


def test_a_sealed_only_export_keeps_the_readable_workbook_in_the_records(workspace, demo_township, db_path, keys,
                                                                          tmp_path) -> None:
    """r1: a ``.jnjp`` destination gets the sealed file only; the readable workbook goes to
    报送存档 beside the database (one per export, never overwritten) and is what the seal holds."""
    import datetime as _dt

    from export.errors import ExportError
    from export.submission import export_submission
    from security.sealed import open_sealed

    key = keys[0]
    usb = tmp_path / "U盘"
    usb.mkdir()
    now = _dt.datetime(2026, 12, 1, 9, 30, 0)
    first = export_submission(workspace, demo_township.id, "2025", usb / "a.jnjp", seal_to=key.public, now=now)
    second = export_submission(workspace, demo_township.id, "2025", usb / "b.jnjp", seal_to=key.public, now=now)
    records = db_path.parent / "报送存档"
    assert first.archived and first.carried == first.sealed == usb / "a.jnjp"
    assert first.path == records / f"{demo_township.name}_2025_20261201-093000.xlsx"
    assert second.path == records / f"{demo_township.name}_2025_20261201-093000_2.xlsx"
    assert sorted(p.name for p in usb.iterdir()) == ["a.jnjp", "b.jnjp"]  # nothing readable travels
    opened = open_sealed(first.sealed.read_bytes(), key)
    assert opened.workbook == first.path.read_bytes() and opened.file_name == first.path.name
    with pytest.raises(ExportError, match="没有区公钥"):
        export_submission(workspace, demo_township.id, "2025", usb / "c.jnjp", now=now)
    assert not (usb / "c.jnjp").exists() and len(list(records.iterdir())) == 2
