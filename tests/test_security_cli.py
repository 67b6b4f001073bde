"""The ``keys`` commands and the signed/sealed path through the command line (issue 15): the district
makes its key, issues a township key; the township imports it and exports; the district receives
the sealed file. Passphrases come from the environment or a prompt, never from the arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from main import main
from storage.workspace import Workspace

TOWN = "中山路街道"
PASS, TOWN_PASS = "区里的口令-2026", "镇街的口令-2026"


@pytest.fixture
def district_key_file(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("JNJP_PASSPHRASE", PASS)
    out = tmp_path / "keys" / "区密钥"
    out.parent.mkdir()
    assert main(["keys", "new-district", "--out", str(out)]) == 0
    return out


def _township_db(tmp_path: Path, source: Path) -> Path:
    db = tmp_path / "镇街.sqlite"
    Workspace.open(db, demo=False).close()
    assert main(["import", str(source), "--db", str(db)]) == 0
    return db


def test_the_whole_path_from_key_to_received_sealed_file(tmp_path, district_key_file, township_files, monkeypatch,
                                                         capsys) -> None:
    assert district_key_file.exists() and Path(f"{district_key_file}.pub").exists()
    stored = json.loads(district_key_file.read_text(encoding="utf-8"))
    assert stored["private"]["kdf"] == "scrypt" and PASS not in district_key_file.read_text(encoding="utf-8")
    assert stored["suite"].startswith("JNJP-1:Ed25519+X25519")
    township_key = tmp_path / "中山路街道.jnjpkey"
    monkeypatch.setenv("JNJP_NEW_PASSPHRASE", TOWN_PASS)
    assert main(["keys", "issue", "--key", str(district_key_file), "--township", TOWN, "--out", str(township_key)]) == 0
    db = _township_db(tmp_path, township_files[TOWN])
    monkeypatch.setenv("JNJP_PASSPHRASE", TOWN_PASS)
    assert main(["keys", "import", str(township_key), "--db", str(db)]) == 0
    capsys.readouterr()
    out = tmp_path / "U盘" / "报送.xlsx"
    out.parent.mkdir()
    assert main(["export", "--db", str(db), "--period", "2025", "--township", TOWN, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    sealed = out.parent / f"{TOWN}_2025.jnjp"
    # r1: by default only the sealed file goes to the USB drive; the readable one to the records folder
    assert [p.name for p in out.parent.iterdir()] == [sealed.name]
    archived = list((tmp_path / "报送存档").iterdir())
    assert len(archived) == 1 and archived[0].name.startswith(f"{TOWN}_2025_") and archived[0].suffix == ".xlsx"
    assert "（已签名）" in printed and str(sealed) in printed and str(archived[0]) in printed and "--readable" in printed
    monkeypatch.setenv("JNJP_PASSPHRASE", PASS)
    district_db = tmp_path / "区库.sqlite"
    assert main(["intake", str(sealed), "--db", str(district_db), "--key", str(district_key_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"][0]["verdict"] == "已接收"
    assert report["files"][0]["signature"].startswith(f"签名有效（{TOWN}，密钥 签发于 ")
    # later intakes verify with the pinned public key, without the passphrase; the archived copy
    # is the very workbook that was sealed
    monkeypatch.delenv("JNJP_PASSPHRASE")
    assert main(["intake", str(archived[0]), "--db", str(district_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["verdict"] == "与已接收文件相同（重复）"
    # --readable: the readable workbook travels too (at --out), the sealed file beside it
    monkeypatch.setenv("JNJP_PASSPHRASE", TOWN_PASS)
    sealed.unlink()
    assert main(["export", "--db", str(db), "--period", "2025", "--township", TOWN, "--out", str(out),
                 "--readable"]) == 0
    assert "U盘遗失时此文件可被读取" in capsys.readouterr().out
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, sealed.name])
    assert len(list((tmp_path / "报送存档").iterdir())) == 1  # carried readable: nothing more archived
    # --out 文件.jnjp: the sealed file under that very name
    named = tmp_path / "U盘" / "给区里.jnjp"
    assert main(["export", "--db", str(db), "--period", "2025", "--township", TOWN, "--out", str(named)]) == 0
    assert named.read_bytes().startswith(b"JNJP-SEALED") and len(list((tmp_path / "报送存档").iterdir())) == 2


def test_without_a_district_key_the_export_stays_readable_and_says_so(tmp_path, township_files, capsys) -> None:
    db = _township_db(tmp_path, township_files[TOWN])
    capsys.readouterr()
    out = tmp_path / "U盘" / "报送.jnjp"
    out.parent.mkdir()
    assert main(["export", "--db", str(db), "--period", "2025", "--township", TOWN, "--out", str(out)]) == 2
    assert "没有区公钥" in capsys.readouterr().err and not list(out.parent.iterdir())
    out = out.with_suffix(".xlsx")
    assert main(["export", "--db", str(db), "--period", "2025", "--township", TOWN, "--out", str(out)]) == 0
    assert "未密封" in capsys.readouterr().out and out.is_file() and not (tmp_path / "报送存档").exists()


def test_a_wrong_passphrase_is_exit_2_and_writes_nothing(tmp_path, district_key_file, monkeypatch, capsys) -> None:
    monkeypatch.setenv("JNJP_PASSPHRASE", "不对的口令-123")
    monkeypatch.setenv("JNJP_NEW_PASSPHRASE", TOWN_PASS)
    out = tmp_path / "x.jnjpkey"
    assert main(["keys", "issue", "--key", str(district_key_file), "--township", TOWN, "--out", str(out)]) == 2
    assert "口令不对" in capsys.readouterr().err and not out.exists()


def test_no_passphrase_without_a_terminal_or_variable(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("JNJP_PASSPHRASE", raising=False)
    monkeypatch.delenv("JNJP_NEW_PASSPHRASE", raising=False)
    assert main(["keys", "new-district", "--out", str(tmp_path / "k")]) == 2
    assert "JNJP_PASSPHRASE" in capsys.readouterr().err and not (tmp_path / "k").exists()


def test_a_passphrase_on_the_command_line_is_not_accepted(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["keys", "new-district", "--out", str(tmp_path / "k"), "--passphrase", "secret123"])
    assert exit_info.value.code == 2 and not (tmp_path / "k").exists()


def test_a_district_key_is_never_overwritten(district_key_file, capsys) -> None:
    before = district_key_file.read_bytes()
    assert main(["keys", "new-district", "--out", str(district_key_file)]) == 2
    assert "不会被覆盖" in capsys.readouterr().err and district_key_file.read_bytes() == before


def test_a_township_key_is_not_imported_into_a_district_database(tmp_path, district_key_file, monkeypatch,
                                                            capsys) -> None:
    monkeypatch.setenv("JNJP_NEW_PASSPHRASE", TOWN_PASS)
    key = tmp_path / "k.jnjpkey"
    assert main(["keys", "issue", "--key", str(district_key_file), "--township", TOWN, "--out", str(key)]) == 0
    district_db = tmp_path / "区库.sqlite"
    Workspace.create_district(district_db).close()
    assert main(["keys", "import", str(key), "--db", str(district_db)]) == 2
    assert "区级汇总库" in capsys.readouterr().err


def test_export_can_add_an_excel_copy_with_an_opening_password(tmp_path, township_files, monkeypatch, capsys) -> None:
    import io

    import msoffcrypto
    import openpyxl

    from export.errors import ImportRefused
    from export.submission_file import read_submission
    from forms.catalogue import FormCatalogue

    db = _township_db(tmp_path, township_files[TOWN])
    monkeypatch.setenv("JNJP_OFFICE_PASSWORD", "给收件人的密码1")
    out = tmp_path / "报送.xlsx"
    assert main(["export", "--db", str(db), "--period", "2025", "--township", TOWN, "--out", str(out),
                 "--office-copy"]) == 0
    copy = tmp_path / "报送_加密.xlsx"
    assert str(copy) in capsys.readouterr().out and copy.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # OLE, not a ZIP
    with pytest.raises(ImportRefused, match="打开密码"):
        read_submission(copy, FormCatalogue.load())
    opened = io.BytesIO()
    office = msoffcrypto.OfficeFile(io.BytesIO(copy.read_bytes()))
    office.load_key(password="给收件人的密码1")
    office.decrypt(opened)
    plain, decrypted = openpyxl.load_workbook(out), openpyxl.load_workbook(opened)
    assert plain.sheetnames == decrypted.sheetnames
    first = plain.sheetnames[0]
    assert [[c.value for c in r] for r in plain[first].iter_rows()] == \
        [[c.value for c in r] for r in decrypted[first].iter_rows()]
