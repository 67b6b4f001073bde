"""The table view of one form table: Chinese-form column headers, sensible widths, Excel-like keys."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.grid_model import GridModel

__all__ = ["GridView", "TablePage"]


class GridView(QTableView):
    """A QTableView set up for statistics tables; typing in a cell starts editing it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base_widths: list[int] = []
        self.setObjectName("gridView")
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        header = self.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)

    def grid_model(self) -> GridModel | None:
        model = self.model()
        return model if isinstance(model, GridModel) else None

    def setModel(self, model: GridModel) -> None:  # type: ignore[override]
        super().setModel(model)
        self.verticalHeader().setVisible(model.descriptive == 0)  # list tables: show row numbers
        self.fit_columns()
        model.modelReset.connect(self.fit_columns)

    def fit_columns(self) -> None:
        """Widths from the form spec (ColumnSpec.width in digits), never narrower than the header words."""
        model = self.grid_model()
        if model is None:
            return
        metrics = self.fontMetrics()
        digit = metrics.horizontalAdvance("0")
        widths: list[int] = []
        for column in range(model.columnCount()):
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            title_width = max((metrics.horizontalAdvance(line) for line in title.split("\n")), default=0) + 16
            spec = model.column_spec(column)
            if spec is None:
                texts = [str(model.data(model.index(r, column)) or "") for r in range(model.rowCount())]
                content = max((metrics.horizontalAdvance(t) for t in texts), default=0) + 20
                width = max(title_width, content, digit * (4 if column == 2 else 6))
            else:
                width = max(title_width, digit * (spec.width + 2))
            widths.append(width)
        self._base_widths = widths
        self._spread()

    def _spread(self) -> None:
        """Share spare width among the data columns (up to 1.6× each) so the table fills the view."""
        model = self.grid_model()
        widths = list(self._base_widths)
        if model is None or len(widths) != model.columnCount():
            return
        data_columns = [c for c in range(len(widths)) if model.column_spec(c) is not None]
        spare = self.viewport().width() - sum(widths) - 2
        base = sum(widths[c] for c in data_columns)
        if spare > 0 and base:
            for c in data_columns:
                widths[c] += min(int(spare * widths[c] / base), int(widths[c] * 0.6))
        header = self.horizontalHeader()
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._spread()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete clears the selected input cells; Ctrl+C / Ctrl+V copy and paste blocks (Excel style)."""
        model = self.grid_model()
        if model is None or self.state() == QAbstractItemView.State.EditingState:
            super().keyPressEvent(event)
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            cleared = [i for i in self.selectionModel().selectedIndexes() if model.is_input(i)]
            if cleared:
                top = min(cleared, key=lambda i: (i.row(), i.column()))
                rows = {i.row() for i in cleared}
                cols = {i.column() for i in cleared}
                if len(cleared) == len(rows) * len(cols) and len(cleared) > 1:
                    model.paste(top, [[""] * len(cols) for _ in rows])
                else:
                    for index in cleared:
                        model.setData(index, "")
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_clipboard()
            return
        super().keyPressEvent(event)

    def copy_selection(self) -> None:
        """Selected cells as tab-separated text (raw values, so a paste elsewhere keeps precision)."""
        indexes = sorted(self.selectionModel().selectedIndexes(), key=lambda i: (i.row(), i.column()))
        if not indexes:
            return
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        model = self.model()
        lines = []
        for r in rows:
            cells = []
            for c in cols:
                index = model.index(r, c)
                text = model.data(index, Qt.ItemDataRole.EditRole)
                cells.append(str(text if text is not None else model.data(index) or ""))
            lines.append("\t".join(cells))
        QGuiApplication.clipboard().setText("\n".join(lines))

    def paste_clipboard(self) -> int:
        """Paste tab-separated text at the current cell; read-only cells are skipped."""
        model = self.grid_model()
        text = QGuiApplication.clipboard().text()
        if model is None or not text or not self.currentIndex().isValid():
            return 0
        block = [line.split("\t") for line in text.replace("\r\n", "\n").rstrip("\n").split("\n")]
        return model.paste(self.currentIndex(), block)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """After Enter, move down to the next input cell of the column (entering a column of figures)."""
        super().closeEditor(editor, hint)
        model = self.grid_model()
        current = self.currentIndex()
        if model is None or hint != QAbstractItemDelegate.EndEditHint.SubmitModelCache or not current.isValid():
            return
        for row in range(current.row() + 1, model.rowCount()):
            below = model.index(row, current.column())
            if model.is_input(below):
                self.setCurrentIndex(below)
                return

    def select_cell(self, index: QModelIndex) -> None:
        """Jump to a cell: scroll it into view, make it current and selected."""
        if not index.isValid():
            return
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.setCurrentIndex(index)


class TablePage(QWidget):
    """One form table: its title, the grid, and for list tables the 添加行 / 删除行 buttons."""

    def __init__(self, model: GridModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = GridView()
        self.view.setModel(model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        if model.table.kind == "list":
            bar = QHBoxLayout()
            bar.addWidget(QLabel(model.table.title))
            bar.addStretch(1)
            add = QPushButton("添加行")
            add.clicked.connect(self._add_row)
            remove = QPushButton("删除行")
            remove.clicked.connect(self._remove_row)
            bar.addWidget(add)
            bar.addWidget(remove)
            layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def _add_row(self) -> None:
        self.model.add_row()
        self.view.select_cell(self.model.index(self.model.rowCount() - 1, 0))

    def _remove_row(self) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()}, reverse=True)
        if not rows:
            return
        answer = QMessageBox.question(self, "删除行", f"删除选中的 {len(rows)} 行及其数据？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        for row in rows:
            self.model.remove_row(row)
