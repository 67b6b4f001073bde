"""First start on a new database (issue 13.2): who is she? Pick the 镇街 from the catalogue, fill in
单位信息 (单位负责人 / 统计负责人 / 填表人 / 电话), optionally a 数据库密码 (issue 15: typed twice,
left blank to skip; set by the window once the page is done, ``ui.db_password``), then her own
empty forms open.

Shown inside the main window (not a modal dialog), so nothing else looks live meanwhile and the
window can still be closed. The demo is never where a new database lands: it stays one click away
(帮助 → 打开演示数据, or the link on this page), in its own database file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from user_error import UserError

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["FirstStartPage", "OWN_TOWNSHIP_SETTING", "needs_first_start", "demo_database_path", "DEMO_FILE_NAME"]

OWN_TOWNSHIP_SETTING = "own_township_id"  # the 镇街 this database belongs to, chosen at first start
DEMO_FILE_NAME = "演示数据.sqlite"  # the demo's own database, beside the clerk's
PROFILE_FIELDS = (("unit_head", "单位负责人"), ("stat_head", "统计负责人"), ("filler", "填表人"), ("phone", "联系电话"))


def needs_first_start(workspace: Workspace) -> bool:
    """A township database whose clerk has not said yet who she is (and that holds no report)."""
    if workspace.is_district or workspace.setting(OWN_TOWNSHIP_SETTING) is not None:
        return False
    if any(t.is_demo for t in workspace.townships()):
        return False  # the demo database, or one made by an earlier version: open as before
    return not workspace.report_periods()


class FirstStartPage(QWidget):
    """镇街 → 单位信息 → 开始填报. ``done(township_id)`` is called once both are stored."""

    def __init__(self, workspace: Workspace, done: Callable[[int], None], open_demo: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstStartPage")
        self.workspace = workspace
        self._done = done
        self.db_password: str | None = None  # set by ``finish``: the window encrypts the database with it
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setMaximumWidth(560)
        layout = QVBoxLayout(box)
        title = QLabel("欢迎使用。新数据库：请先说明填报单位")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        step1 = QGroupBox("第一步：选择本单位（镇街）")
        form1 = QFormLayout(step1)
        self.township_combo = QComboBox()
        self.township_combo.setObjectName("firstStartTownship")
        self.township_combo.addItem("（请选择）", None)
        for t in workspace.townships():
            if not t.is_demo:
                self.township_combo.addItem(f"{t.name}（{t.code_text}）", t.id)
        self.township_combo.currentIndexChanged.connect(self._update)
        form1.addRow("镇街：", self.township_combo)
        layout.addWidget(step1)
        step2 = QGroupBox("第二步：单位信息（打印在导出报表的表尾，以后可在“单位信息…”中修改）")
        form2 = QFormLayout(step2)
        self.fields: dict[str, QLineEdit] = {}
        for key, label in PROFILE_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"firstStart_{key}")
            form2.addRow(label + "：", edit)
            self.fields[key] = edit
        layout.addWidget(step2)
        layout.addWidget(self._password_step())
        self.problem = QLabel("")
        self.problem.setObjectName("firstStartProblem")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        self.demo_button = QPushButton("先看演示数据")
        self.demo_button.setObjectName("firstStartDemo")
        self.demo_button.setToolTip("打开另一个只含示例数据的数据库（帮助 → 打开演示数据），本库不受影响")
        self.demo_button.clicked.connect(open_demo)
        self.start_button = QPushButton("开始填报")
        self.start_button.setObjectName("firstStartGo")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.finish)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        layout.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self._update()

    def _password_step(self) -> QGroupBox:
        """第三步（可选）: the database password, typed twice; blank skips it (设置数据库密码… later)."""
        from storage import cipher

        step3 = QGroupBox("第三步（可选）：设置数据库密码（不设置请留空，以后可在“文件 → 设置数据库密码…”中设置）")
        form3 = QFormLayout(step3)
        self.password_edits: list[QLineEdit] = []
        for name, label in (("firstStartPassword", "数据库密码："), ("firstStartPasswordAgain", "再输入一次：")):
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setEnabled(cipher.available())
            form3.addRow(label, edit)
            self.password_edits.append(edit)
        note = QLabel("设置后，数据库和备份整体加密，每次打开须输入密码。" + cipher.FORGOTTEN_TEXT)
        note.setWordWrap(True)
        form3.addRow(note)
        return step3

    def chosen_password(self) -> str | None:
        """The database password typed on the page (checked: twice the same, long enough); None
        when left blank. UserError says what is wrong."""
        from security.passphrase import check_new_passphrase

        first, again = (edit.text() for edit in self.password_edits)
        if not first and not again:
            return None
        try:
            return check_new_passphrase(first, again)
        except UserError as exc:
            raise UserError(f"数据库密码：{exc}") from None

    def _update(self) -> None:
        self.start_button.setEnabled(self.township_combo.currentData() is not None)

    def choose(self, township_id: int) -> None:
        self.township_combo.setCurrentIndex(self.township_combo.findData(township_id))

    def finish(self) -> bool:
        """Store the choice and the 单位信息 (checked by the core), then hand over to the window."""
        township_id = self.township_combo.currentData()
        if township_id is None:
            self.problem.setText("请先选择本单位（镇街）")
            return False
        values = {key: edit.text().strip() for key, edit in self.fields.items()}
        try:
            self.db_password = self.chosen_password()
            self.workspace.update_profile(int(township_id), **values)
        except UserError as exc:
            self.problem.setText(str(exc))
            return False
        self.workspace.set_setting(OWN_TOWNSHIP_SETTING, int(township_id))
        self.workspace.remember_place(township_id=int(township_id))
        self._done(int(township_id))
        return True


def demo_database_path(beside: Path) -> Path:
    """The demo's own database file, next to the clerk's database."""
    return beside.parent / DEMO_FILE_NAME
