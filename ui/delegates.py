"""Cell editors of the grid: a drop-down with type-ahead for choice columns, a date editor with a
calendar for date columns, the plain line editor for the rest. What the editor hands over is text
that ``forms.values.parse_input`` reads (a choice's code alone, dates as 2025-03-01)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from forms.spec import ColumnSpec

__all__ = ["GridDelegate", "choice_editor", "date_editor"]

_Index = QModelIndex | QPersistentModelIndex


def choice_editor(col: ColumnSpec, parent: QWidget) -> QComboBox:
    """An editable drop-down of the column's choices; typing completes on any part ("C30", "非金属")."""
    box = QComboBox(parent)
    box.setObjectName("choiceEditor")
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.addItems(list(col.choices))
    completer = QCompleter(list(col.choices), box)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    box.setCompleter(completer)
    return box


def date_editor(parent: QWidget) -> QDateEdit:
    """A date editor with a calendar pop-up, showing 2025-03-01."""
    edit = QDateEdit(parent)
    edit.setObjectName("dateEditor")
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class GridDelegate(QStyledItemDelegate):
    """Editors by column type; remembers the last editor so the view can place the cursor for F2."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_editor: QWidget | None = None

    @staticmethod
    def _column(index: _Index) -> ColumnSpec | None:
        spec = getattr(index.model(), "column_spec", None)
        return spec(index.column()) if spec else None

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        col = self._column(index)
        editor: QWidget
        if col is not None and col.type == "choice" and col.choices:
            editor = choice_editor(col, parent)
        elif col is not None and col.type == "date":
            editor = date_editor(parent)
        else:
            editor = super().createEditor(parent, option, index)
        self.last_editor = editor
        return editor

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(editor.findText(text))
            editor.setEditText(text)
            editor.lineEdit().selectAll()  # typing over the cell replaces it, as in a plain cell
        elif isinstance(editor, QDateEdit):
            date = QDate.fromString(text[:10], "yyyy-MM-dd")
            editor.setDate(date if date.isValid() else QDate.currentDate())
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QDateEdit):
            model.setData(index, editor.date().toString("yyyy-MM-dd"), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)

    def line_editor(self) -> QLineEdit | None:
        """The open line editor (F2 puts the cursor after its text), None for a drop-down or date."""
        return self.last_editor if isinstance(self.last_editor, QLineEdit) else None
