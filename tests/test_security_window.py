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
