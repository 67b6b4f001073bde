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
