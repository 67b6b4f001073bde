"""文件 → 导入任务参数… / 回退任务参数… in the township window (issue 15): the package's signature
is verified and its changes shown before anything is installed; the database is then opened again
with the new catalogue. The work is ``security.packages``'s; this module only asks and tells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

__all__ = ["add_task_actions", "import_task_package", "roll_back_task_package", "import_key"]

_SHOWN_LINES = 30


def _reopen(window: Any, message: str) -> None:
    """The window's database opened again, so the installed catalogue is the one in use."""
    from storage.workspace import Workspace

    workspace = window.workspace
    path, user = Path(workspace.path), workspace.user
    workspace.close()
    window.workspace = None
    window.attach_workspace(Workspace.open(path, user=user), owns=True)
    window.show_message(message)


def import_task_package(window: Any, path: Path | None = None, *, confirm: Any = None) -> bool:
    """Verify, show the changes, and (confirmed) install the package; False when refused or cancelled."""
    from security.packages import PACKAGE_SUFFIX, apply_import, plan_import
    from security.suite import SecurityError

    if window.workspace is None:
        return False
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(window, "导入任务参数", "", f"任务参数 (*{PACKAGE_SUFFIX})")
        if not chosen:
            return False
        path = Path(chosen)
    try:
        plan = plan_import(window.workspace, path)
    except SecurityError as exc:
        QMessageBox.warning(window, "拒绝安装任务参数", str(exc))
        return False
    package = plan.package
    lines = [f"更新说明：{line}" for line in package.manifest.get("changelog", [])]
    lines += plan.changes or ["（表式、规则和系数没有变化）"]
    more = f"\n……共{len(lines)}项" if len(lines) > _SHOWN_LINES else ""
    text = (f"{package.label}（区里签名有效，区密钥编号 {package.district.key_id}），原为第{plan.installed_version}版。\n\n"
            + "\n".join(lines[:_SHOWN_LINES]) + more + "\n\n安装吗？（上一版保留，可回退）")
    ask = confirm or (lambda title, body: QMessageBox.question(window, title, body) == QMessageBox.StandardButton.Yes)
    if not ask("导入任务参数", text):
        return False
    try:
        apply_import(window.workspace, plan)
    except (SecurityError, OSError) as exc:
        QMessageBox.warning(window, "无法安装任务参数", str(exc))
        return False
    _reopen(window, f"已安装任务参数：{package.label}")
    return True


def roll_back_task_package(window: Any) -> bool:
    from security.packages import roll_back, task_folder
    from security.suite import SecurityError

    if window.workspace is None:
        return False
    try:
        back = roll_back(task_folder(window.workspace.path))
    except SecurityError as exc:
        QMessageBox.information(window, "回退任务参数", str(exc))
        return False
    _reopen(window, f"已回退到任务参数：{back.package.label}")
    return True


def add_task_actions(window: QMainWindow) -> QAction:
    """文件 → 导入任务参数… and 回退任务参数…"""
    from ui.db_password import file_menu_action

    action = file_menu_action(window, "导入任务参数…", "importTaskAction", lambda: import_task_package(window),
                              "安装区里下发的任务参数（表式、审核规则、折标系数、规划目标）：先验证签名并显示变化")
    file_menu_action(window, "回退任务参数…", "rollBackTaskAction", lambda: roll_back_task_package(window))
    file_menu_action(window, "导入镇街密钥…", "importKeyAction", lambda: import_key(window),
                     "导入区里签发的镇街签名密钥（.jnjpkey）：此后导出的报送文件签名并另存密封文件")
    return action


def import_key(window: Any, path: Path | None = None) -> bool:
    """文件 → 导入镇街密钥…: the issued key file and its passphrase (asked hidden)."""
    from security.key_store import import_township_key
    from security.suite import SecurityError

    if window.workspace is None:
        return False
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(window, "导入镇街密钥", "", "镇街密钥 (*.jnjpkey)")
        if not chosen:
            return False
        path = Path(chosen)
    passphrase = window.ask_passphrase("镇街密钥口令", f"请输入密钥 {path.name} 的口令（区里与密钥文件分开告知）：")
    if passphrase is None:
        return False
    try:
        issued = import_township_key(window.workspace, path, passphrase)
    except SecurityError as exc:
        QMessageBox.warning(window, "无法导入密钥", str(exc))
        return False
    cert = issued.certificate
    window.show_message(f"已导入{cert.township_name}的密钥（签发于 {cert.issued_at}）：以后导出的报送文件将签名并另存密封文件")
    return True
