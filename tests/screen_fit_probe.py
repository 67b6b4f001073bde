"""Subprocess for the screen-fit test (issue 13.10): the real window on a screen of a given size
and scale, as a maximised clerk's window; prints one JSON line with what fits.

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json [QT_SCALE_FACTOR=1.5] python tests/screen_fit_probe.py FOLDER CLIENT_W CLIENT_H [PNG]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings  # noqa: E402

from tests.screen_fit_helpers import visible_cells  # noqa: E402
from ui.app import create_application  # noqa: E402


def main() -> int:
    folder, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    app = create_application()
    from storage.workspace import Workspace
    from ui.main_window import MainWindow

    ws = Workspace.open(folder / "演示数据.sqlite", user="测试员")
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window.show_fitted()
    window.attach_workspace(ws)
    app.processEvents()
    screen = window.screen().availableGeometry()
    inside = screen.contains(window.frameGeometry()) or screen == window.geometry()
    window.showNormal()
    window.resize(width, height)  # the client area of a maximised window (taskbar, title bar off)
    for _ in range(5):
        app.processEvents()
    rows, cols = visible_cells(window.grid_view("energy"))
    hidden = [a.text() for a in window.toolbar.actions()
              if (w := window.toolbar.widgetForAction(a)) is not None and not w.isVisible()]
    if len(sys.argv) > 4:
        window.grab().save(sys.argv[4])
    print(json.dumps({"rows": rows, "cols": cols, "inside": inside, "screen": [screen.width(), screen.height()],
                      "window": [window.width(), window.height()], "hidden": hidden}, ensure_ascii=False))
    window.close()
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
