"""The township window's 导出 with an issued key (issue 15): the passphrase is asked (hidden), the
workbook is signed and its sealed copy written beside it; a wrong passphrase writes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.security_helpers import TOWN_PASS, district_key, meta_rows, township_key


def _with_key(workspace, demo_township, tmp_path: Path):
    key, _ = district_key(tmp_path / "keys")
    issued, _ = township_key(key, tmp_path / "keys", demo_township.name, demo_township.stat_code or "")
    workspace.set_township_key(issued)
    return key


def test_export_with_a_key_signs_and_seals(qtbot, demo_window, workspace, demo_township, tmp_path, monkeypatch):
    _with_key(workspace, demo_township, tmp_path)
    out = tmp_path / "out" / "demo.xlsx"
    out.parent.mkdir()
    asked: list[str] = []
    monkeypatch.setattr(demo_window, "ask_export_path", lambda name: out)
    monkeypatch.setattr(demo_window, "ask_passphrase", lambda title, text: asked.append(title) or TOWN_PASS)
    demo_window.export_action.trigger()
    operation = demo_window.last_operation
    qtbot.waitUntil(lambda: operation.done, timeout=20000)
    assert operation.error is None and asked == ["镇街密钥口令"]
    assert meta_rows(out)["signature"]
    sealed = out.parent / f"{demo_township.name}_2025.jnjp"
    assert sealed.is_file() and sealed.name in demo_window.statusBar().currentMessage()


def test_a_wrong_passphrase_exports_nothing(qtbot, demo_window, workspace, demo_township, tmp_path, monkeypatch,
                                           messages):
    _with_key(workspace, demo_township, tmp_path)
    out = tmp_path / "demo.xlsx"
    monkeypatch.setattr(demo_window, "ask_export_path", lambda name: out)
    monkeypatch.setattr(demo_window, "ask_passphrase", lambda title, text: "不对的口令")
    demo_window.export_action.trigger()
    assert not out.exists()
    assert messages and messages[-1][0] == "无法签名" and "口令不对" in messages[-1][1]


def test_district_window_asks_the_key_for_sealed_files(qtbot, tmp_path, township_files, catalogue, monkeypatch):
    from district.register_file import REGISTER_HEADER
    from storage.workspace import Workspace
    from tests.security_helpers import PASS, signed_export, signer_for
    from ui import district_window as module

    key, key_path = district_key(tmp_path / "keys")
    town = "中山路街道"
    db = tmp_path / "区库.sqlite"
    ws = Workspace.create_district(db, catalogue=catalogue, user="区统计局")
    signer = signer_for(key, tmp_path / "keys", town, ws.find_township(town).stat_code)
    sealed = signed_export(township_files[town], tmp_path / "u" / "a.xlsx", catalogue, signer=signer,
                           seal_to=key.public).sealed
    window = module.DistrictWindow(ws)
    qtbot.addWidget(window)
    monkeypatch.setattr(module.QFileDialog, "getOpenFileName", lambda *a, **k: (str(key_path), ""))
    monkeypatch.setattr(window, "ask_passphrase", lambda title, text: PASS)
    window.receive([sealed])
    qtbot.waitUntil(lambda: window.last_operation is not None and window.last_operation.done, timeout=60_000)
    assert window.district_key is not None and ws.district_public_key().key_id == key.public.key_id
    result = window.last_batch.results[0]
    assert str(result.verdict) == "已接收" and result.signature.startswith(f"签名有效（{town}")
    column = REGISTER_HEADER.index("签名")
    assert window.register_table.item(0, column).text() == result.signature


def test_the_window_imports_the_issued_key(qtbot, demo_window, workspace, demo_township, tmp_path, monkeypatch,
                                           messages):
    from ui.task_package import import_key

    key, _ = district_key(tmp_path / "keys")
    _issued, path = township_key(key, tmp_path / "keys", demo_township.name, demo_township.stat_code or "")
    monkeypatch.setattr(demo_window, "ask_passphrase", lambda title, text: "不对的口令")
    assert not import_key(demo_window, path)
    assert messages[-1][0] == "无法导入密钥" and workspace.township_key() is None
    monkeypatch.setattr(demo_window, "ask_passphrase", lambda title, text: TOWN_PASS)
    assert import_key(demo_window, path)
    assert workspace.township_key().certificate.township_name == demo_township.name
    assert workspace.district_public_key().key_id == key.public.key_id


def test_with_a_district_key_only_the_sealed_file_goes_to_the_chosen_place(qtbot, demo_window, workspace,
                                                                           demo_township, db_path, tmp_path,
                                                                           monkeypatch):
    """r1: the save dialog offers 镇街_报告期.jnjp; the readable workbook goes to 报送存档 beside the
    database, and the district key opens the sealed file into that very workbook."""
    from security.keys import load_district_key
    from security.sealed import open_sealed
    from tests.security_helpers import PASS
    from ui import export_flow

    key = _with_key(workspace, demo_township, tmp_path)
    usb = tmp_path / "U盘"
    usb.mkdir()
    offered: list[str] = []
    monkeypatch.setattr(demo_window, "ask_export_path", lambda name: offered.append(name) or usb / name)
    monkeypatch.setattr(demo_window, "ask_passphrase", lambda title, text: TOWN_PASS)
    opened: list[Path] = []
    monkeypatch.setattr(export_flow, "open_folder", opened.append)
    demo_window.export_action.trigger()
    operation = demo_window.last_operation
    qtbot.waitUntil(lambda: operation.done, timeout=20000)
    assert operation.error is None and offered == [f"{demo_township.name}_2025.jnjp"]
    sealed = usb / offered[0]
    assert list(usb.iterdir()) == [sealed]  # nothing readable on the USB drive
    [archived] = (db_path.parent / "报送存档").iterdir()
    assert archived.name.startswith(f"{demo_township.name}_2025_") and meta_rows(archived)["signature"]
    box = demo_window.exported_box
    assert str(sealed) in box.text() and str(archived) in box.text() and "不要带出" in box.text()
    [records] = [b for b in box.buttons() if b.text() == "打开存档文件夹"]
    records.click()
    assert opened == [archived]
    assert "可读工作簿已存档" in demo_window.statusBar().currentMessage()
    district = load_district_key(tmp_path / "keys" / "区密钥", PASS)
    assert open_sealed(sealed.read_bytes(), district).workbook == archived.read_bytes()
    assert key.public.key_id == district.public.key_id


def test_the_save_dialog_file_type_decides_what_is_carried() -> None:
    from ui.export_flow import READABLE_FILTER, SEALED_FILTER, chosen_export_path, export_filters

    assert export_filters("镇_2025.jnjp").split(";;") == [SEALED_FILTER, READABLE_FILTER]
    assert export_filters("镇_2025_节能减排统计.xlsx") == "Excel 工作簿 (*.xlsx)"
    assert chosen_export_path("/u/镇_2025.jnjp", READABLE_FILTER) == Path("/u/镇_2025.xlsx")
    assert chosen_export_path("/u/报送", SEALED_FILTER) == Path("/u/报送.jnjp")
    assert chosen_export_path("/u/报送.v2", "Excel 工作簿 (*.xlsx)") == Path("/u/报送.v2.xlsx")
    assert chosen_export_path("/u/a.XLSX", SEALED_FILTER) == Path("/u/a.jnjp")
