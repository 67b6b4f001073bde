"""A drop-down for 镇街 and 报告期 that only changes by a deliberate pick.

A mouse-wheel notch or an arrow key over a focused QComboBox switches its item at once; for the
township or the period that silently shows another township's report (issue 13.1). This box
ignores the wheel and the keys that step through items while it is closed: it changes only when
the list is opened (click, Space, F4, Alt+↓) and an item is picked there.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QComboBox, QWidget

__all__ = ["ChoiceComboBox"]

_OPENING_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_F4)
_ALT_OPENING_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Up)


class ChoiceComboBox(QComboBox):
    """A QComboBox whose current item changes only through its opened list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # never steps the item (the window may scroll instead)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if key in _OPENING_KEYS or (alt and key in _ALT_OPENING_KEYS):
            self.showPopup()
            event.accept()
            return
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Escape):
            super().keyPressEvent(event)
            return
        event.ignore()  # arrows, PgUp/PgDn, Home/End and typed letters never switch the choice
