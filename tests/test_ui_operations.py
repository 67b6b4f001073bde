"""ui.operations: work off the UI thread, progress after 300 ms, errors as a Chinese message box."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from storage.database import StorageError
from storage.profile import ProfileError
from ui.operations import error_text, run_in_background, run_with_workspace


@pytest.fixture
def boxes(monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *a, **k: shown.append((title, text)))
    return shown


def test_success_calls_back_on_ui_thread(qtbot):
    seen: dict[str, object] = {}
    ui_thread = threading.get_ident()

    def job():
        seen["worker"] = threading.get_ident()
        return 42

    def done(result):
        seen["result"], seen["callback"] = result, threading.get_ident()

    operation = run_in_background(None, "测试", job, done)
    qtbot.waitUntil(lambda: operation.done)
    assert seen["result"] == 42
    assert seen["worker"] != ui_thread and seen["callback"] == ui_thread
    assert operation.dialog is None  # fast: no progress dialog


def test_slow_job_shows_progress_dialog(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    operation = run_in_background(parent, "正在导出 …", lambda: time.sleep(0.8))
    qtbot.waitUntil(lambda: operation.dialog is not None and operation.dialog.isVisible(), timeout=3000)
    assert operation.dialog.labelText() == "正在导出 …"
    qtbot.waitUntil(lambda: operation.done, timeout=5000)
    assert operation.dialog is None


def test_failure_shows_chinese_message(qtbot, boxes):
    def job():
        raise StorageError("导出被拒绝：有错误未修改")

    operation = run_in_background(None, "测试", job, lambda _r: pytest.fail("no success callback"),
                                  title="导出失败")
    qtbot.waitUntil(lambda: operation.done)
    assert boxes == [("导出失败", "导出被拒绝：有错误未修改")]
    assert isinstance(operation.error, RuntimeError)


def test_error_text_for_unexpected_errors():
    assert error_text(ValueError("boom")) == "程序内部错误（ValueError）：boom"
    # Whether a message is ours is decided by its type, never by finding Chinese in the text.
    assert error_text(RuntimeError("数据库错误")) == "程序内部错误（RuntimeError）：数据库错误"
    assert error_text(StorageError("数据库正被其他程序占用")) == "数据库正被其他程序占用"
    assert error_text(ProfileError("名称不能为空")) == "名称不能为空"
    assert error_text(OSError(28, "No space left on device", "/tmp/x.xlsx")) == \
        "文件操作失败：No space left on device（/tmp/x.xlsx）"


def test_worker_gets_its_own_workspace(qtbot, workspace, demo_township):
    seen = {}

    def task(ws):
        seen["same"] = ws is workspace
        seen["thread"] = threading.get_ident()
        return [t.name for t in ws.townships()][0]

    operation = run_with_workspace(None, "测试", workspace.store.path, workspace.catalogue, task)
    qtbot.waitUntil(lambda: operation.done)
    assert operation.result == demo_township.name
    assert seen["same"] is False and seen["thread"] != threading.get_ident()
