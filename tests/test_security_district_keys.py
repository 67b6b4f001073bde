"""The district window's 区密钥 menu (issue 15): 新建区密钥… / 签发镇街密钥… / 发布任务参数包… on the
real window, through the same core functions as the CLI, off the UI thread; passphrases through the
window's (patched) ``ask_passphrase``, file dialogs patched to answer a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from security.keys import load_district_key, parse_township_key, read_key_file
from security.packages import read_package
from tests.security_helpers import PASS, TOWN_PASS, district_key

TOWN = "中山路街道"


@pytest.fixture
def district_window(qtbot, tmp_path, catalogue):
    from storage.workspace import Workspace
    from ui.district_window import DistrictWindow

    ws = Workspace.create_district(tmp_path / "区库.sqlite", catalogue=catalogue, user="区统计局")
    window = DistrictWindow(ws)
    qtbot.addWidget(window)
    yield window
    ws.close()


def _answers(monkeypatch, window, *passphrases: str) -> list[str]:
    """The window's passphrase prompts answered in turn; returns the titles asked."""
    asked: list[str] = []
    queue = list(passphrases)
    monkeypatch.setattr(window, "ask_passphrase", lambda title, text: asked.append(title) or queue.pop(0))
    return asked


def _save_to(monkeypatch, path: Path) -> None:
    from ui import district_keys

    monkeypatch.setattr(district_keys.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def _finished(qtbot, window):
    operation = window.last_operation
    qtbot.waitUntil(lambda: operation.done, timeout=60_000)
    assert operation.error is None, operation.error
    return operation.result


def _menu_texts(window) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "区密钥")
    return [a.text() for a in menu.actions() if a.text()]


def test_the_menu_makes_a_district_key_and_the_window_uses_it(qtbot, district_window, tmp_path, monkeypatch):
    assert _menu_texts(district_window) == ["区密钥…", "新建区密钥…", "签发镇街密钥…", "发布任务参数包…"]
    out = tmp_path / "keys" / "区密钥"
    out.parent.mkdir()
    _save_to(monkeypatch, out)
    asked = _answers(monkeypatch, district_window, PASS, PASS)
    district_window.new_key_action.trigger()
    made = _finished(qtbot, district_window)
    assert asked == ["新建区密钥", "新建区密钥"]
    assert load_district_key(out, PASS).public.key_id == made.public.key_id
    assert read_key_file(out.with_name("区密钥.pub"))["key_id"] == made.public.key_id
    assert district_window.district_key is made
    assert district_window.workspace.district_public_key().key_id == made.public.key_id
    assert made.public.key_id in district_window.statusBar().currentMessage()


@pytest.mark.parametrize(("first", "again", "why"), [("区里的口令-2026", "区里的口令-2027", "两次输入的口令不一致"),
                                                     ("短口令", "短口令", "口令太短")])
def test_a_mistyped_or_short_passphrase_makes_no_key(district_window, tmp_path, monkeypatch, messages, first, again,
                                                    why):
    out = tmp_path / "区密钥"
    _save_to(monkeypatch, out)
    _answers(monkeypatch, district_window, first, again)
    assert district_window.new_key_action.trigger() is None
    assert messages and why in messages[-1][1]
    assert not out.exists() and district_window.district_key is None


def test_an_existing_key_file_is_never_overwritten(qtbot, district_window, tmp_path, monkeypatch, messages):
    _key, path = district_key(tmp_path / "keys")
    before = path.read_bytes()
    _save_to(monkeypatch, path)
    _answers(monkeypatch, district_window, PASS, PASS)
    district_window.new_key_action.trigger()
    operation = district_window.last_operation
    qtbot.waitUntil(lambda: operation.done, timeout=60_000)
    assert operation.error is not None and messages[-1][0] == "无法生成区密钥" and "不会被覆盖" in messages[-1][1]
    assert path.read_bytes() == before


def test_the_menu_issues_a_township_key(qtbot, district_window, tmp_path, monkeypatch, messages):
    from ui import district_keys
    from ui import district_window as window_module

    key, key_path = district_key(tmp_path / "keys")
    out = tmp_path / "out" / f"{TOWN}.jnjpkey"
    out.parent.mkdir()
    monkeypatch.setattr(window_module.QFileDialog, "getOpenFileName", lambda *a, **k: (str(key_path), ""))
    monkeypatch.setattr(district_keys.QInputDialog, "getItem",
                        lambda _w, _t, _l, items, *a, **k: (next(i for i in items if i.startswith(TOWN)), True))
    _save_to(monkeypatch, out)
    asked = _answers(monkeypatch, district_window, PASS, TOWN_PASS, TOWN_PASS)
    district_window.issue_key_action.trigger()
    issued = _finished(qtbot, district_window)
    assert asked == ["区密钥口令", "签发镇街密钥", "签发镇街密钥"]
    stored = parse_township_key(read_key_file(out))
    stat_code = district_window.workspace.find_township(TOWN).stat_code
    assert stored.certificate.key_id == issued.certificate.key_id
    assert stored.certificate.issued_by(key.public) and stored.certificate.belongs_to(TOWN, stat_code)
    assert stored.unlock(TOWN_PASS).certificate.township_name == TOWN
    assert TOWN in district_window.statusBar().currentMessage()


def test_the_menu_publishes_a_signed_package(qtbot, district_window, tmp_path, monkeypatch, messages):
    from ui import district_keys

    key, key_path = district_key(tmp_path / "keys")
    assert district_window.use_district_key(key_path, PASS)
    monkeypatch.setattr(district_keys.QInputDialog, "getInt", lambda *a, **k: (3, True))
    monkeypatch.setattr(district_keys.QInputDialog, "getText", lambda *a, **k: ("2027年任务参数", True))
    monkeypatch.setattr(district_keys.QInputDialog, "getMultiLineText",
                        lambda *a, **k: ("调整折标系数\n\n新增205-3表\n", True))
    out = tmp_path / "2027年任务参数"  # the suffix is added when left out
    _save_to(monkeypatch, out)
    district_window.publish_action.trigger()
    made = _finished(qtbot, district_window)
    package = read_package(out.with_name("2027年任务参数.jnjptask"), key.public)
    assert package.manifest["package_version"] == 3 and package.manifest["title"] == "2027年任务参数"
    assert package.manifest["changelog"] == ["调整折标系数", "新增205-3表"]
    assert package.files == made.files and any(n.startswith("forms/definitions/") for n in package.files)


def test_publishing_without_a_district_key_does_nothing(district_window, tmp_path, monkeypatch, messages):
    from ui import district_keys
    from ui import district_window as window_module

    monkeypatch.setattr(district_keys.QInputDialog, "getInt", lambda *a, **k: (1, True))
    monkeypatch.setattr(district_keys.QInputDialog, "getText", lambda *a, **k: ("任务参数", True))
    monkeypatch.setattr(district_keys.QInputDialog, "getMultiLineText", lambda *a, **k: ("", True))
    monkeypatch.setattr(window_module.QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    _save_to(monkeypatch, tmp_path / "x.jnjptask")
    assert district_keys.publish_package(district_window) is None
    assert not (tmp_path / "x.jnjptask").exists()
