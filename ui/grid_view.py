"""The table view of one form table: Chinese-form column headers, sensible widths, Excel-like keys."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPalette,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QToolTip,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from ui.clipboard_text import format_block, parse_block
from ui.delegates import GridDelegate
from ui.grid_editing import edit_text
from ui.grid_model import GridModel, PasteResult

__all__ = ["GridView", "TablePage", "FrozenColumns", "step_list"]


class GridView(QTableView):
    """A QTableView set up for statistics tables; typing in a cell starts editing it."""

    pasteRefused = Signal(object)  # PasteResult with the refused cells
    findRequested = Signal()  # Ctrl+F
    zoomChanged = Signal(float)
    tableStepRequested = Signal(int)  # Ctrl+PgDn (+1) / Ctrl+PgUp (-1): the next / previous sub-table
    formStepRequested = Signal(int)  # Ctrl+Shift+PgDn / PgUp: the next / previous form

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base_widths: list[int] = []
        self._base_point_size: float | None = None
        self.zoom = 1.0
        self.delegate = GridDelegate(self)
        self.setItemDelegate(self.delegate)
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
        self.setVerticalHeader(RowNumbers(self))
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.verticalHeader().setHighlightSections(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        show_selection_unfocused(self)
        self._tab_start: int | None = None  # the column where a run of Tabs started (Enter returns to it)
        self._tabbing = False
        self.frozen = FrozenColumns(self)

    def grid_model(self) -> GridModel | None:
        model = self.model()
        return model if isinstance(model, GridModel) else None

    def setModel(self, model: GridModel) -> None:  # type: ignore[override]
        super().setModel(model)
        self.verticalHeader().setVisible(model.descriptive == 0)  # list tables: show row numbers
        self.frozen.attach(model)
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
        self.frozen.place()

    def updateGeometries(self) -> None:
        super().updateGeometries()
        if hasattr(self, "frozen"):
            self.frozen.place()

    def scrollTo(self, index: QModelIndex, hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible) -> None:  # noqa: E501
        """Scroll so a data cell is not hidden under the frozen 甲 乙 丙 columns."""
        super().scrollTo(index, hint)
        frozen = self.frozen.width_px()
        if index.isValid() and frozen and index.column() >= self.frozen.count:
            left = self.columnViewportPosition(index.column())
            if left < frozen:
                bar = self.horizontalScrollBar()
                bar.setValue(bar.value() - (frozen - left))

    # -- keys ----------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Excel keys: Enter down, Delete clears, Ctrl+C/V/Z/Y, Ctrl+F find; typing replaces the cell."""
        model = self.grid_model()
        if model is None or self.state() == QAbstractItemView.State.EditingState:
            super().keyPressEvent(event)
            return
        key = event.key()
        plain = not (event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier))
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            self.move_down()
            return
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            step = 1 if key == Qt.Key.Key_PageDown else -1
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.formStepRequested.emit(step)
            else:
                self.tableStepRequested.emit(step)
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and plain:
            self.clear_selection()
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_clipboard()
            return
        if event.matches(QKeySequence.StandardKey.Undo):
            model.undo_stack.undo()
            return
        if event.matches(QKeySequence.StandardKey.Redo) or (
                key == Qt.Key.Key_Y and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
            model.undo_stack.redo()
            return
        if event.matches(QKeySequence.StandardKey.Find):
            self.findRequested.emit()
            return
        super().keyPressEvent(event)

    def edit(self, index: QModelIndex, trigger: QAbstractItemView.EditTrigger = QAbstractItemView.EditTrigger.AllEditTriggers,  # noqa: E501
             event: QEvent | None = None) -> bool:
        """F2 edits in place (cursor after the text, as in Excel); typing over a cell replaces it."""
        opened = super().edit(index, trigger, event)
        if opened and trigger == QAbstractItemView.EditTrigger.EditKeyPressed:
            editor = self.delegate.line_editor()
            if editor is not None:
                editor.deselect()
                editor.end(False)
        return opened

    def moveCursor(self, action: QAbstractItemView.CursorAction,
                   modifiers: Qt.KeyboardModifier) -> QModelIndex:
        """Tab / Shift+Tab go to the next / previous input cell, skipping computed and locked ones."""
        model = self.grid_model()
        Action = QAbstractItemView.CursorAction
        if model is None or action not in (Action.MoveNext, Action.MovePrevious):
            return super().moveCursor(action, modifiers)
        current = self.currentIndex()
        if not current.isValid():
            return super().moveCursor(action, modifiers)
        if self._tab_start is None:
            self._tab_start = current.column()
        self._tabbing = True
        rows, cols = model.rowCount(), model.columnCount()
        start = current.row() * cols + current.column()
        step = 1 if action == Action.MoveNext else -1
        for n in range(1, rows * cols + 1):
            pos = (start + step * n) % (rows * cols)
            index = model.index(pos // cols, pos % cols)
            if model.is_input(index):
                return index
        return current

    def currentChanged(self, current: QModelIndex, previous: QModelIndex) -> None:
        """A move that is not a Tab ends the run of Tabs."""
        super().currentChanged(current, previous)
        if not self._tabbing:
            self._tab_start = None
        self._tabbing = False

    def move_down(self) -> None:
        """To the next input cell below (entering a column of figures); after a run of Tabs, to the
        column where the run started, one row down (as Excel does)."""
        model = self.grid_model()
        current = self.currentIndex()
        if model is None or not current.isValid():
            return
        column = current.column() if self._tab_start is None else self._tab_start
        self._tab_start = None
        for row in range(current.row() + 1, model.rowCount()):
            below = model.index(row, column)
            if model.is_input(below):
                self.setCurrentIndex(below)
                return

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """After Enter, move down to the next input cell of the column."""
        super().closeEditor(editor, hint)
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            self.move_down()

    # -- clipboard, clear ------------------------------------------------------------------
    def _selected(self) -> list[QModelIndex]:
        indexes = self.selectionModel().selectedIndexes() if self.selectionModel() else []
        if not indexes and self.currentIndex().isValid():
            indexes = [self.currentIndex()]
        return sorted(indexes, key=lambda i: (i.row(), i.column()))

    def clear_selection(self) -> int:
        """Delete: blank the selected input cells (one undo step)."""
        model = self.grid_model()
        return model.clear(self._selected()) if model else 0

    def copy_selection(self) -> str:
        """The selected block as Excel's tab-separated text: raw figures (full precision, no
        thousands separators, computed cells too) so a paste into Excel gives numbers."""
        model = self.grid_model()
        indexes = self._selected()
        if model is None or not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        chosen = {(i.row(), i.column()) for i in indexes}
        block = []
        for r in rows:
            line = []
            for c in cols:
                index = model.index(r, c)
                if (r, c) not in chosen:
                    line.append("")
                elif model.column_spec(c) is None or model.is_blocked(index):
                    line.append(str(model.data(index) or "").strip("　"))
                else:
                    line.append(edit_text(model.value(index)))
            block.append(line)
        text = format_block(block)
        QGuiApplication.clipboard().setText(text)
        return text

    def paste_clipboard(self) -> PasteResult:
        """Paste the clipboard's block at the current cell; refused cells are listed to the user."""
        model = self.grid_model()
        text = QGuiApplication.clipboard().text()
        if model is None or not text or not self.currentIndex().isValid():
            return PasteResult()
        block = parse_block(text)
        selected = self._selected()
        if len(block) == 1 and len(block[0]) == 1 and len(selected) > 1:  # one value fills the selection
            result = model.paste_cells([(i.row(), i.column(), block[0][0]) for i in selected
                                        if model.is_input(i)])
        else:
            result = model.paste(self.currentIndex(), block)
        if result.refused:
            self.pasteRefused.emit(result)
        return result

    # -- context menu ----------------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.build_context_menu(self.indexAt(event.pos()))
        if menu is not None:
            menu.exec(event.globalPos())

    def build_context_menu(self, index: QModelIndex) -> QMenu | None:
        """复制 / 粘贴 / 清除 / 撤销 / 重做, and for a data cell 填写说明… and 单元格历史…"""
        model = self.grid_model()
        if model is None:
            return None
        if index.isValid():
            self.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("复制", self.copy_selection).setShortcut(QKeySequence.StandardKey.Copy)
        menu.addAction("粘贴", self.paste_clipboard).setShortcut(QKeySequence.StandardKey.Paste)
        menu.addAction("清除", self.clear_selection).setShortcut(QKeySequence(Qt.Key.Key_Delete))
        menu.addSeparator()
        undo = menu.addAction(f"撤销 {model.undo_stack.undoText()}".strip(), model.undo_stack.undo)
        undo.setEnabled(model.undo_stack.canUndo())
        redo = menu.addAction(f"重做 {model.undo_stack.redoText()}".strip(), model.undo_stack.redo)
        redo.setEnabled(model.undo_stack.canRedo())
        cell = model.cell_key(index)
        if cell is not None:
            menu.addSeparator()
            findings = model.findings(index)
            note = menu.addAction("填写说明…", lambda: self.edit_note(index))
            note.setObjectName("noteAction")
            note.setEnabled(any(f.severity in ("警告", "提示") for f in findings)
                            or bool(model.state.data.notes.get(cell)))
            history = menu.addAction("单元格历史…", lambda: self.show_history(index))
            history.setObjectName("historyAction")
        return menu

    def edit_note(self, index: QModelIndex) -> bool:
        """Write the 说明 of a cell (why a 警告 is right) from the grid."""
        model = self.grid_model()
        cell = model.cell_key(index) if model else None
        if model is None or cell is None:
            return False
        warnings = [f.message for f in model.findings(index) if f.severity in ("警告", "提示")]
        prompt = ("\n".join(f"【警告】{w}" for w in warnings) + "\n\n" if warnings else "") + "说明（为什么这个数是对的）："
        text, ok = QInputDialog.getMultiLineText(self, f"填写说明 — {model.cell_title(index)}", prompt,
                                                 model.state.data.notes.get(cell, ""))
        if not ok:
            return False
        return model.set_note(index, text)

    def show_history(self, index: QModelIndex) -> None:
        model = self.grid_model()
        cell = model.cell_key(index) if model else None
        if model is None or cell is None:
            return
        from ui.history_dialog import HistoryDialog

        HistoryDialog(model.workspace, model.report_id, cell, model.cell_title(index), self).exec()

    # -- zoom ------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms the grid (70 %–200 %)."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self.zoom * (1.1 ** steps))
            event.accept()
            return
        super().wheelEvent(event)

    def set_zoom(self, zoom: float) -> None:
        zoom = max(0.7, min(2.0, zoom))
        if self._base_point_size is None:
            self._base_point_size = self.font().pointSizeF()
        self.zoom = zoom
        font = self.font()
        font.setPointSizeF(self._base_point_size * zoom)
        self.setFont(font)
        self.horizontalHeader().setFont(font)
        self.verticalHeader().setFont(font)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.frozen.follow_font(font, self.verticalHeader().defaultSectionSize())
        self.fit_columns()
        self.zoomChanged.emit(zoom)

    def select_cell(self, index: QModelIndex) -> None:
        """Jump to a cell: scroll it into view, make it current and selected."""
        if not index.isValid():
            return
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.setCurrentIndex(index)


class RowNumbers(QHeaderView):
    """The row numbers of a list table. Qt keeps a few pixels either side of each row boundary as a
    resize grip even where rows cannot be resized, and a click there selected nothing: a third of
    the row numbers did not answer a (Shift-)click. Here every press on a number selects its row."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(Qt.Orientation.Vertical, view)
        self.setSectionsClickable(True)
        self.setHighlightSections(True)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        at = event.position().toPoint().y()
        row = self.logicalIndexAt(at)
        if event.button() == Qt.MouseButton.LeftButton and row >= 0 \
                and self.sectionResizeMode(row) != QHeaderView.ResizeMode.Interactive:
            top = self.sectionViewportPosition(row)
            grip = self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderGripMargin, None, self) + 1
            if at - top <= grip or top + self.sectionSize(row) - at <= grip:  # where Qt would swallow it
                self.sectionPressed.emit(row)
                event.accept()
                return
        super().mousePressEvent(event)


def step_list(tree: QTreeWidget, step: int) -> None:
    """Ctrl+Shift+PgUp/PgDn: the previous / next item of the forms list becomes current (opening that form)."""
    count = tree.topLevelItemCount()
    if count < 2:
        return
    at = tree.indexOfTopLevelItem(tree.currentItem()) if tree.currentItem() is not None else -1
    tree.setCurrentItem(tree.topLevelItem((at + step) % count))


def show_selection_unfocused(view: QTableView) -> None:
    """Selected cells keep the active highlight when the grid has lost focus (a Shift-click on the
    row numbers, a button): Windows' inactive highlight is the grey of read-only cells."""
    palette = view.palette()
    for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
        palette.setColor(QPalette.ColorGroup.Inactive, role, palette.color(QPalette.ColorGroup.Active, role))
    view.setPalette(palette)


class FrozenColumns(QTableView):
    """The 甲 乙 丙 columns (指标名称, 计量单位, 代码) frozen at the left of a grid table, as Excel's
    冻结窗格: a second view over the same model and selection, laid over the grid's left edge,
    scrolling down with it and never sideways (Qt's "frozen column" example). The column headers
    stay at the top of every view anyway."""

    def __init__(self, grid: GridView) -> None:
        super().__init__(grid)
        self.grid = grid
        self.count = 0
        self.setObjectName("frozenColumns")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().hide()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setStyleSheet("QTableView#frozenColumns { border: none; border-right: 2px solid #9aa5b1; }")
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(grid.verticalHeader().defaultSectionSize())
        show_selection_unfocused(self)
        grid.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(grid.verticalScrollBar().setValue)
        grid.horizontalHeader().sectionResized.connect(self._section_resized)
        self.hide()

    def attach(self, model: GridModel) -> None:
        """Show the model's descriptive columns (none for a list table: nothing is frozen)."""
        self.count = model.descriptive
        self.setModel(model)
        self.setSelectionModel(self.grid.selectionModel())
        self._hide_columns()
        model.modelReset.connect(self._hide_columns)
        model.columnsInserted.connect(self._hide_columns)
        self.setVisible(self.count > 0)
        self.grid.viewport().stackUnder(self)
        self.place()

    def _hide_columns(self) -> None:
        model = self.model()
        for column in range(model.columnCount() if model else 0):
            self.setColumnHidden(column, column >= self.count)

    def _section_resized(self, column: int, _old: int, new: int) -> None:
        if column < self.count:
            self.setColumnWidth(column, new)
            self.place()

    def width_px(self) -> int:
        return sum(self.grid.columnWidth(c) for c in range(self.count))

    def place(self) -> None:
        """Lay the frozen view exactly over the grid's first columns and its header."""
        if not self.count:
            return
        grid = self.grid
        for c in range(self.count):
            self.setColumnWidth(c, grid.columnWidth(c))
        self.horizontalHeader().setFixedHeight(grid.horizontalHeader().height())
        frame = grid.frameWidth()
        self.setGeometry(grid.verticalHeader().width() + frame, frame, self.width_px(),
                         grid.viewport().height() + grid.horizontalHeader().height())
        self.verticalScrollBar().setValue(grid.verticalScrollBar().value())

    def follow_font(self, font: object, row_height: int) -> None:
        self.setFont(font)
        self.horizontalHeader().setFont(font)
        self.verticalHeader().setDefaultSectionSize(row_height)
        self.place()


class TablePage(QWidget):
    """One form table: its title bar with 查找, the grid, and for list tables the row buttons."""

    def __init__(self, model: GridModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = GridView()
        self.view.setModel(model)
        self.view.pasteRefused.connect(self._show_refused)
        self.view.findRequested.connect(self._focus_search)
        self.view.tableStepRequested.connect(self.step_table)
        if model.reason_provider is None:
            model.reason_provider = self._ask_locked_reason
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        if model.table.kind == "list":
            bar.addWidget(QLabel(model.table.title))
        bar.addStretch(1)
        self.search = QLineEdit()
        self.search.setObjectName("gridSearch")
        self.search.setPlaceholderText("查找指标或栏目（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(230)
        self.search.setMaximumWidth(280)
        self.search.returnPressed.connect(self.find_next)
        bar.addWidget(self.search)
        self.buttons: dict[str, QPushButton] = {}
        if model.table.kind == "list":
            for name, slot in (("添加行", self._add_row), ("删除行", self._remove_row), ("上移", self._move_up),
                               ("下移", self._move_down), ("复制上期", self._copy_previous)):
                button = QPushButton(name)
                button.clicked.connect(slot)
                bar.addWidget(button)
                self.buttons[name] = button
            self.buttons["复制上期"].setToolTip("复制上期清单中各单位的名称、代码（不含数据）")
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def step_table(self, step: int) -> None:
        """Ctrl+PgUp/PgDn: show the previous / next sub-table of the form, its grid focused."""
        tabs = self.parentWidget()
        while tabs is not None and not isinstance(tabs, QTabWidget):
            tabs = tabs.parentWidget()
        if tabs is None or tabs.count() < 2:
            return
        tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())
        page = tabs.currentWidget()
        if isinstance(page, TablePage):
            page.view.setFocus()
            if not page.view.currentIndex().isValid():
                first = next((c for c in range(page.model.columnCount()) if page.model.column_spec(c)), 0)
                page.view.setCurrentIndex(page.model.index(0, first))

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def find_next(self) -> QModelIndex:
        """Enter in the search box: the next row or column whose name contains the text."""
        index = self.model.find(self.search.text(), self.view.currentIndex())
        if index.isValid():
            self.view.select_cell(index)
        else:
            QToolTip.showText(self.search.mapToGlobal(self.search.rect().bottomLeft()), "未找到")
        return index

    def _show_refused(self, result: PasteResult) -> None:
        shown = "\n".join(str(r) for r in result.refused[:15])
        more = f"\n……等共 {len(result.refused)} 项" if len(result.refused) > 15 else ""
        QMessageBox.information(self, "部分内容未粘贴",
                                f"已粘贴 {result.written} 个单元格；以下 {len(result.refused)} 项未粘贴：\n\n{shown}{more}")

    def _ask_locked_reason(self) -> str | None:
        text, ok = QInputDialog.getText(self, "该报告期已锁定",
                                        "本期报表已上报并锁定。如确需修改，请填写修改原因（记入修改记录）：")
        return text if ok else None

    def _add_row(self) -> None:
        self.model.add_row()
        self.view.select_cell(self.model.index(self.model.rowCount() - 1, 0))

    def _selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})

    def _remove_row(self) -> None:
        rows = sorted(self._selected_rows(), reverse=True)
        if not rows:
            return
        answer = QMessageBox.question(self, "删除行", f"删除选中的 {len(rows)} 行及其数据？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        for row in rows:
            self.model.remove_row(row)

    def _move(self, offset: int) -> None:
        current = self.view.currentIndex()
        if not current.isValid():
            return
        row = self.model.move_row(current.row(), offset)
        self.view.setCurrentIndex(self.model.index(row, current.column()))

    def _move_up(self) -> None:
        self._move(-1)

    def _move_down(self) -> None:
        self._move(1)

    def _copy_previous(self) -> int:
        added = self.model.copy_previous()
        if not added:
            QMessageBox.information(self, "复制上期", "上期没有可复制的单位（或都已在本期清单中）。")
        return added
