"""Makes the user guide's screenshots from the real program (offscreen, demo database).

    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/help/make_screenshots.py

Writes main_window.png (the demo township's energy form), findings.png (a wrong entry, a
警告 and its 说明) progress.png (the township's 规划目标进度), and window_1366x768.png / window_1920x1080_150.png
(a maximised window on those screens, through tests/screen_fit_probe.py, which also prints the
rows × columns of 永节统1表 in view) beside 使用说明.md. Re-run after changing the window.
"""

from __future__ import annotations

import json
import os
import subprocess
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


# screen (w, h), the maximised window's client area in logical pixels (taskbar 40, title bar 31), scale
SCREENS = (((1366, 768), (1366, 697), None, "window_1366x768.png"),
           ((1920, 1080), (1280, 649), "1.5", "window_1920x1080_150.png"))


def screen_shots(tmp: Path) -> None:
    """The window maximised on each screen of ``SCREENS`` (each probe in its own process: the screen
    size and scale are fixed when Qt starts)."""
    for (width, height), client, scale, name in SCREENS:
        config = tmp / f"screen_{width}.json"
        config.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": width, "height": height,
                                                   "logicalDpi": 96, "dpr": 1}]}))
        folder = tmp / str(width) / "节能统计"  # the path the status bar shows
        folder.mkdir(parents=True)
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
        env.pop("QT_SCALE_FACTOR", None)
        if scale:
            env["QT_SCALE_FACTOR"] = scale
        probe = HERE.parent.parent / "tests" / "screen_fit_probe.py"
        done = subprocess.run([sys.executable, str(probe), str(folder), *map(str, client), str(HERE / name)],
                              env=env, capture_output=True, text=True, timeout=300, check=True)
        found = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{width}×{height}{' @' + scale if scale else ''}：永节统1表可见 {found['rows']} 行 × {found['cols']} 列")


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
        screen_shots(Path(tmp))
    print(f"已生成：{HERE / 'main_window.png'}、{HERE / 'findings.png'}、{HERE / 'progress.png'}、"
          + "、".join(str(HERE / s[-1]) for s in SCREENS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
