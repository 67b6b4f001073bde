"""Makes the user guide's screenshots from the real program (offscreen, demo database).

    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/help/make_screenshots.py

Writes main_window.png (the demo township's energy form), findings.png (a wrong entry, a
警告 and its 说明) and progress.png (the township's 规划目标进度) beside 使用说明.md. Re-run after
changing the window.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def settle(app, ms: int = 300) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HOME"] = tmp  # no remembered window state from this machine
        os.environ["XDG_CONFIG_HOME"] = tmp
        from storage.workspace import Workspace
        from ui.app import create_application
        from ui.main_window import MainWindow

        db = Path(tmp) / "guide.sqlite"
        ws = Workspace.open(db, user="王芳")
        demo = next(t for t in ws.townships() if t.is_demo)
        ws.close()

        app = create_application([sys.argv[0]])
        window = MainWindow()
        window.resize(1280, 800)
        window.show()
        window.open_database(db)
        settle(app)
        window.grab().save(str(HERE / "main_window.png"))

        data = window.controller.workspace.find_report_data(demo.id, "energy_consumption", "2025")
        rid = data.report.id
        window.controller.workspace.edit(rid, ("energy", "lpg", "consumption"), "九十")
        window.controller.workspace.edit(rid, ("energy", "raw_coal", "consumption"), "250000")
        window.controller.workspace.set_note(rid, ("energy", "raw_coal", "consumption"), "核实无误")
        window.controller.audit()
        settle(app)
        window.grab().save(str(HERE / "findings.png"))

        from PySide6.QtGui import QAction

        window.findChild(QAction, "progressAction").trigger()
        dialog = window.progress_dialog
        dialog.resize(1280, 720)
        settle(app)
        dialog.grab().save(str(HERE / "progress.png"))
        dialog.close()
        window.close()
        app.processEvents()
    print(f"已生成：{HERE / 'main_window.png'}、{HERE / 'findings.png'}、{HERE / 'progress.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
