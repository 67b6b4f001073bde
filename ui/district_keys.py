"""The district window's 区密钥 menu (issue 15): 新建区密钥… / 签发镇街密钥… / 发布任务参数包…,
the window's way to do what ``keys new-district``, ``keys issue`` and ``package`` do on the command
line, through the same core functions (``security.keys``, ``security.packages``). This module only
asks and tells; the slow part (scrypt, hundreds of milliseconds and 128 MiB per passphrase) runs off
the UI thread through ``ui.operations``. Passphrases are asked hidden with the window's
``ask_passphrase`` (new ones twice, ``security.passphrase.check_new_passphrase``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from ui.operations import Operation, run_in_background

__all__ = ["add_key_menu", "make_district_key", "issue_key", "publish_package"]


def _new_passphrase(window: Any, title: str, what: str) -> str | None:
    """A new passphrase typed twice; None when cancelled or refused (said)."""
    from security.passphrase import MIN_LENGTH, check_new_passphrase
    from security.suite import SecurityError

    first = window.ask_passphrase(title, f"{what}（至少 {MIN_LENGTH} 个字符；遗失无法找回）：")
    if first is None:
        return None
    again = window.ask_passphrase(title, "再输入一次：")
    if again is None:
        return None
    try:
        return check_new_passphrase(first, again)
    except SecurityError as exc:
        QMessageBox.warning(window, title, str(exc))
        return None


def _save_path(window: Any, title: str, suggested: str, filter_text: str, out: Path | None) -> Path | None:
    if out is not None:
        return Path(out)
    chosen, _ = QFileDialog.getSaveFileName(window, title, suggested, filter_text)
    return Path(chosen) if chosen else None


def _district_key(window: Any) -> Any:
    """The window's unlocked district key, asked (file and passphrase) when not yet given."""
    if window.district_key is None:
        window.ask_district_key()
    return window.district_key


def _run(window: Any, label: str, title: str, job: Any, done: Any) -> Operation:
    window.last_operation = run_in_background(window, label, job, done, title=title)
    return window.last_operation


def make_district_key(window: Any, out: Path | None = None) -> Operation | None:
    """区密钥 → 新建区密钥…: the key pair (``out`` and ``out.pub``); then used by this window and its
    public part pinned in this district database (a database that already trusts another key refuses)."""
    from security.keys import new_district_key, public_path

    out = _save_path(window, "新建区密钥（私钥文件，请存放在安全处）", "区密钥", "区密钥 (*)", out)
    if out is None:
        return None
    passphrase = _new_passphrase(window, "新建区密钥", "新的区密钥口令")
    if passphrase is None:
        return None

    def done(key: Any) -> None:
        from security.suite import SecurityError

        try:
            window.workspace.pin_district_public_key(key.public)
        except SecurityError as exc:
            QMessageBox.warning(window, "区密钥", f"区密钥已生成：{out}，但{exc}")
            return
        window.district_key = key
        window.statusBar().showMessage(f"已生成区密钥：{out}；区公钥：{public_path(out)}；密钥编号 {key.public.key_id}"
                                       "（私钥已用口令加密，请妥善保管，遗失无法恢复）", 30_000)

    return _run(window, "正在生成区密钥…", "无法生成区密钥", lambda: new_district_key(out, passphrase), done)


def _ask_township(window: Any) -> tuple[str, str] | None:
    towns = [t for t in window.workspace.townships() if not t.is_demo]
    labels = [f"{t.name}（{t.stat_code or '无统计代码'}）" for t in towns]
    chosen, ok = QInputDialog.getItem(window, "签发镇街密钥", "签发给哪个镇街：", labels, 0, False)
    if not ok or chosen not in labels:
        return None
    town = towns[labels.index(chosen)]
    return town.name, town.stat_code or ""


def issue_key(window: Any, out: Path | None = None) -> Operation | None:
    """区密钥 → 签发镇街密钥…: a township's signing key certified by the district key, written to
    ``镇街.jnjpkey`` under a new passphrase the district gives the township apart from the file."""
    from security.keys import issue_township_key

    town = _ask_township(window)
    if town is None:
        return None
    name, stat_code = town
    district = _district_key(window)
    if district is None:
        return None
    out = _save_path(window, "保存镇街密钥", f"{name}.jnjpkey", "镇街密钥 (*.jnjpkey)", out)
    if out is None:
        return None
    passphrase = _new_passphrase(window, "签发镇街密钥", f"发给{name}的镇街密钥口令")
    if passphrase is None:
        return None

    def done(issued: Any) -> None:
        cert = issued.certificate
        window.statusBar().showMessage(f"已为{name}签发密钥：{out}；密钥编号 {cert.key_id}；签发于 {cert.issued_at}。"
                                       "请把密钥文件和口令分开交给镇街", 30_000)

    return _run(window, "正在签发镇街密钥…", "无法签发镇街密钥",
                lambda: issue_township_key(district, name, stat_code, passphrase, out), done)


def _ask_package_details(window: Any) -> tuple[int, str, list[str]] | None:
    version, ok = QInputDialog.getInt(window, "发布任务参数包", "版本号（内置参数为第0版，每次发布加一）：", 1, 1, 1_000_000)
    if not ok:
        return None
    title, ok = QInputDialog.getText(window, "发布任务参数包", "名称：", text=f"第{version}版任务参数")
    if not ok:
        return None
    changelog, ok = QInputDialog.getMultiLineText(window, "发布任务参数包", "更新说明（每行一条，镇街导入时显示）：")
    if not ok:
        return None
    return version, title.strip() or f"第{version}版任务参数", [line.strip() for line in changelog.splitlines()
                                                               if line.strip()]


def publish_package(window: Any, out: Path | None = None) -> Operation | None:
    """区密钥 → 发布任务参数包…: the program's catalogue files (as the district edited them) signed
    with the district key into one ``.jnjptask`` with a version and a changelog."""
    from security.packages import PACKAGE_SUFFIX, make_package

    details = _ask_package_details(window)
    if details is None:
        return None
    version, title, changelog = details
    district = _district_key(window)
    if district is None:
        return None
    out = _save_path(window, "保存任务参数包", f"{title}{PACKAGE_SUFFIX}", f"任务参数 (*{PACKAGE_SUFFIX})", out)
    if out is None:
        return None
    if out.suffix.lower() != PACKAGE_SUFFIX:
        out = out.with_name(out.name + PACKAGE_SUFFIX)

    def done(package: Any) -> None:
        window.statusBar().showMessage(f"已发布任务参数：{out}（{package.label}，{len(package.files)}个文件，"
                                       f"区密钥编号 {district.public.key_id}）", 30_000)

    return _run(window, "正在生成任务参数包…", "无法发布任务参数包",
                lambda: make_package(district, out, version=version, title=title, changelog=changelog), done)


def add_key_menu(window: Any) -> QMenu:
    """The 区密钥 menu: 使用区密钥… (the toolbar's 区密钥…), 新建区密钥…, 签发镇街密钥…, 发布任务参数包…"""
    menu = window.menuBar().addMenu("区密钥")
    menu.setObjectName("districtKeyMenu")
    menu.addAction(window.key_action)
    menu.addSeparator()
    window.new_key_action = window._action("新建区密钥…", "newDistrictKeyAction", lambda: make_district_key(window),
                                           "生成区里的密钥对（私钥文件用口令加密，另存 .pub 公钥）")
    window.issue_key_action = window._action("签发镇街密钥…", "issueKeyAction", lambda: issue_key(window),
                                             "为一个镇街生成签名密钥并用区密钥签发（.jnjpkey），口令与文件分开交给镇街")
    window.publish_action = window._action("发布任务参数包…", "publishPackageAction", lambda: publish_package(window),
                                           "把表式、审核规则、折标系数、规划目标和镇街名录签名打包（.jnjptask）下发各镇街")
    for action in (window.new_key_action, window.issue_key_action, window.publish_action):
        menu.addAction(action)
    return menu
