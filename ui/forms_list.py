"""The list of forms on the left: 表号, 表名 and a coloured status per form."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from ui import theme
from ui.controller import FormEntry

__all__ = ["FormsList"]

KEY_ROLE = Qt.ItemDataRole.UserRole
NO_DATA_STATE = "本期无数据"  # as storage.workspace.NO_DATA_STATE (the core's word for a declared form)
CHANGED_STATE = "已修改，须重新导出"


class FormsList(QTreeWidget):
    """Emits ``formSelected(form_key)`` when the user picks a form."""

    formSelected = Signal(str)
    noDataRequested = Signal(str, bool)  # form key, True: declare 本期无数据 / False: withdraw it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formsList")
        self.setColumnCount(3)
        self.setHeaderLabels(["表号", "表名", "状态"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.currentItemChanged.connect(self._current_changed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self._updating = False

    def show_forms(self, forms: list[FormEntry], current_key: str | None) -> None:
        self._updating = True
        try:
            self.clear()
            for entry in forms:
                item = QTreeWidgetItem([entry.code, entry.name, entry.status])
                item.setData(0, KEY_ROLE, entry.key)
                item.setToolTip(1, f"{entry.code} {entry.name}\n状态：{entry.status}")
                colour = theme.STATUS_COLOURS.get(entry.status) or _EXTRA_COLOURS.get(entry.status)
                if colour is not None:
                    item.setForeground(2, colour)
                font = item.font(2)
                font.setBold(True)
                item.setFont(2, font)
                item.setTextAlignment(2, Qt.AlignmentFlag.AlignCenter)
                self.addTopLevelItem(item)
                if entry.key == current_key:
                    self.setCurrentItem(item)
        finally:
            self._updating = False

    def status_of(self, form_key: str) -> str | None:
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item.data(0, KEY_ROLE) == form_key:
                return item.text(2)
        return None

    def no_data_menu(self, item: QTreeWidgetItem) -> QMenu:
        """右键: 声明本期无数据… (an empty form) or 撤销本期无数据 (a declared one)."""
        menu = QMenu(self)
        key = item.data(0, KEY_ROLE)
        if item.text(2) == NO_DATA_STATE:
            action = menu.addAction("撤销“本期无数据”声明")
            action.triggered.connect(lambda: self.noDataRequested.emit(key, False))
        else:
            action = menu.addAction("声明本期无数据…")
            action.setEnabled(item.text(2) == "未填")  # only a form without figures
            action.setToolTip("本期确实没有数据（如没有农业的街道）：写明原因后该表算作完整")
            action.triggered.connect(lambda: self.noDataRequested.emit(key, True))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is not None:
            self.no_data_menu(item).exec(self.viewport().mapToGlobal(pos))

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None and not self._updating:
            self.formSelected.emit(current.data(0, KEY_ROLE))


_EXTRA_COLOURS = {NO_DATA_STATE: QColor("#6b6b6b"), CHANGED_STATE: QColor("#b35c00")}
