"""Fitting the screen (issue 13.10): how many rows and columns of a grid are fully visible."""

from __future__ import annotations

# The window's client area when maximised: the screen minus the taskbar (40 px at 100 %) and the
# title bar (31 px), in logical pixels. 1920×1080 at 150 % is 1280×720 logical.
CLIENT_1366 = (1366, 768 - 40 - 31)
CLIENT_1920_150 = (1280, 720 - 40 - 31)


def visible_cells(view) -> tuple[int, int]:  # noqa: ANN001
    """(rows, columns) of ``view`` wholly inside its viewport, as the clerk sees them."""
    model = view.model()
    area = view.viewport().rect()
    rows = sum(1 for r in range(model.rowCount())
               if not view.isRowHidden(r) and area.contains(view.visualRect(model.index(r, 0)).adjusted(0, 0, -1, -1))
               and view.visualRect(model.index(r, 0)).height() > 0)
    cols = sum(1 for c in range(model.columnCount())
               if not view.isColumnHidden(c) and view.visualRect(model.index(0, c)).width() > 0
               and area.left() <= view.visualRect(model.index(0, c)).left()
               and view.visualRect(model.index(0, c)).right() <= area.right())
    return rows, cols
