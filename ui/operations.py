"""The one way long core calls (export, later import) run off the UI thread.

A QRunnable does the work on a pool thread; if it takes longer than 300 ms a progress dialog
appears; failures become a message box with the exception's (Chinese) message; success calls
back on the UI thread. SQLite connections are per thread, so ``run_with_workspace`` opens the
worker's own ``Workspace`` on the same file (WAL lets both work at once).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from user_error import UserError

if TYPE_CHECKING:
    from forms.catalogue import FormCatalogue
    from storage.workspace import Workspace

__all__ = ["Operation", "run_in_background", "run_with_workspace", "error_text", "PROGRESS_DELAY_MS"]

PROGRESS_DELAY_MS = 300
_running: set[Operation] = set()  # keeps running operations (and their signals) alive


def error_text(exc: BaseException) -> str:
    """The message to show: a ``UserError`` is already worded for the user; a file-system error
    says what the system said; anything else is a program fault and gets its type."""
    text = str(exc).strip()
    if isinstance(exc, UserError):
        return text
    if isinstance(exc, OSError):
        return f"文件操作失败：{exc.strerror or text or type(exc).__name__}" + (f"（{exc.filename}）" if exc.filename else "")
    return f"程序内部错误（{type(exc).__name__}）：{text or '无详细信息'}"


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, job: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._job()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user, never kill the thread
            self._signals.failed.emit(exc)
        else:
            self._signals.succeeded.emit(result)


class Operation(QObject):
    """One background call. ``finished`` fires (on the UI thread) after success or failure."""

    finished = Signal()

    def __init__(self, parent: QWidget | None, label: str, job: Callable[[], Any],
                 on_success: Callable[[Any], None] | None = None, *, title: str = "操作失败",
                 show_errors: bool = True, delay_ms: int = PROGRESS_DELAY_MS, progress: bool = True) -> None:
        super().__init__(None)
        self.parent_widget = parent
        self.label = label
        self.title = title
        self.show_errors = show_errors
        self.on_success = on_success
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        self.dialog: QProgressDialog | None = None
        self._signals = _Signals()
        self._signals.succeeded.connect(self._succeeded, Qt.ConnectionType.QueuedConnection)
        self._signals.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_progress)
        if progress:  # False: the caller shows its own progress (e.g. with a cancel button)
            self._timer.start(delay_ms)
        self._job = _Job(job, self._signals)

    def start(self, pool: QThreadPool | None = None) -> Operation:
        _running.add(self)
        (pool or QThreadPool.globalInstance()).start(self._job)
        return self

    def _show_progress(self) -> None:
        if self.done:
            return
        dialog = QProgressDialog(self.label, "", 0, 0, self.parent_widget)
        dialog.setWindowTitle("请稍候")
        dialog.setCancelButton(None)  # a database write cannot be safely interrupted
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.show()
        self.dialog = dialog

    def _finish(self) -> None:
        self.done = True
        self._timer.stop()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        _running.discard(self)

    def _succeeded(self, result: Any) -> None:
        self.result = result
        self._finish()
        try:
            if self.on_success is not None:
                self.on_success(result)
        finally:
            self.finished.emit()

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        self._finish()
        try:
            if self.show_errors:
                QMessageBox.warning(self.parent_widget, self.title, error_text(exc))
        finally:
            self.finished.emit()


def run_in_background(parent: QWidget | None, label: str, job: Callable[[], Any],
                      on_success: Callable[[Any], None] | None = None, *, title: str = "操作失败",
                      show_errors: bool = True, progress: bool = True) -> Operation:
    """Run ``job()`` on a pool thread; progress after 300 ms; message box on failure."""
    return Operation(parent, label, job, on_success, title=title, show_errors=show_errors, progress=progress).start()


def run_with_workspace(parent: QWidget | None, label: str, db_path: str | Path, catalogue: FormCatalogue,
                       task: Callable[[Workspace], Any], on_success: Callable[[Any], None] | None = None, *,
                       user: str | None = None, title: str = "操作失败", show_errors: bool = True,
                       progress: bool = True, readonly: bool = False) -> Operation:
    """Like ``run_in_background``, but ``task`` gets its own Workspace on ``db_path`` (closed
    afterwards; ``readonly``: one that writes nothing, not even a checkpoint at close)."""

    def job() -> Any:
        from storage.workspace import Workspace

        workspace = Workspace.open(db_path, catalogue=catalogue, demo=False, user=user, readonly=readonly)
        try:
            return task(workspace)
        finally:
            workspace.close()

    return run_in_background(parent, label, job, on_success, title=title, show_errors=show_errors, progress=progress)
