"""`python main.py --self-test` (and the frozen program with the same flag): proves a build works.

Without a screen and without touching the user's data: opens a database in a temporary folder,
loads every form, checks the shipped catalogue against the build's manifest and that a tampered
copy of it is refused (``check_manifest``), validates, exports a submission, re-imports it as a dry run (it must change
nothing and reject nothing), and renders the main window offscreen (Qt plugins and fonts are
really bundled, and a Chinese font is found). Prints one line per step; exit code 0 only when
every step passed.

On Windows the window step uses the real ``windows`` platform (drawn but never put on screen):
Qt's ``offscreen`` platform there reads fonts only from Qt's own ``lib/fonts`` folder and only
.ttf/.otf files, so it would find no Chinese font (微软雅黑 ships as msyh.ttc) even on a PC
where the window shows Chinese perfectly.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

__all__ = ["run_self_test"]


def _steps(folder: Path, state: dict) -> list[tuple[str, Callable[[], str]]]:

    def open_database() -> str:
        from storage.workspace import Workspace

        ws = Workspace.open(folder / "selftest.sqlite", user="自检")
        state["ws"] = ws
        state["demo"] = next(t for t in ws.townships() if t.is_demo)
        return f"{len(ws.townships())} 个镇街，结构版本 {ws.store.schema_version}"

    def load_forms() -> str:
        ws = state["ws"]
        return f"{len(ws.catalogue)} 张表式：" + "、".join(f.code for f in ws.catalogue)

    def validate() -> str:
        ws, demo = state["ws"], state["demo"]
        counts = {"错误": 0, "警告": 0, "提示": 0}
        checked = 0
        for form in ws.catalogue:
            data = ws.find_report_data(demo.id, form.key, "2025")
            if data is None or not data.has_input:
                continue
            result = ws.validate(data)
            checked += 1
            for severity in counts:
                counts[severity] += result.count(severity)
        if not checked:
            raise AssertionError("演示数据中没有可审核的报表")
        return f"{checked} 张报表：错误{counts['错误']} 警告{counts['警告']} 提示{counts['提示']}"

    def export() -> str:
        from export.submission import export_submission

        ws, demo = state["ws"], state["demo"]
        form_keys = [f.key for f in ws.catalogue if f.period_type == "年报"
                     and (d := ws.find_report_data(demo.id, f.key, "2025")) is not None and d.has_input
                     and not ws.validate(d).blocking]
        out = folder / "自检_2025.xlsx"
        result = export_submission(ws, demo.id, "2025", out, form_keys=form_keys)
        state["file"] = out
        return f"{out.name}，{out.stat().st_size:,} 字节，SHA-256 {result.sha256[:12]}…"

    def reimport() -> str:
        from export.importer import preview_import

        ws, demo = state["ws"], state["demo"]
        preview = preview_import(ws, state["file"], township_id=demo.id, period="2025")
        if preview.modified or preview.change_count or preview.rejected:
            raise AssertionError("重新导入不一致：\n" + "\n".join(preview.lines()))
        return f"{len(preview.forms)} 张表，0 处变化，0 处拒绝，校验码一致"

    def window() -> str:
        if sys.platform != "win32":
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import Qt

        from ui.app import create_application
        from ui.main_window import MainWindow
        from ui.theme import cjk_family

        app = create_application([sys.argv[0]])
        if cjk_family() is None:
            raise AssertionError(f"{app.platformName()} 平台上没有中文字体，中文会显示为方框")
        win = MainWindow()
        win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        win.show()
        if not win.open_database(folder / "selftest.sqlite"):
            raise AssertionError("窗口未能打开数据库")
        app.processEvents()
        image = win.grab()
        win.close()
        if win.workspace is not None:
            # Wine without an X display (CI) never delivers the close event (real Windows and Wine
            # under Xvfb do); the database must still be closed, or Windows cannot delete the folder.
            win.workspace.close()
        if image.width() < 600:
            raise AssertionError("窗口截图尺寸异常")
        return f"{app.platformName()}，{image.width()}×{image.height()}，字体 {app.font().family()}"

    return [("打开数据库（临时文件夹）", open_database), ("加载表式", load_forms),
            ("内置表式与构建清单一致，改动的副本被拒绝", lambda: check_manifest(folder)), ("审核演示数据", validate),
            ("导出报表", export), ("重新导入（预演）", reimport), ("窗口（不显示在屏幕上）", window)]


TAMPERED_FILE = "resources/coefficients.csv"  # the file the check edits in its copy: 原煤's 折标系数


def check_manifest(folder: Path) -> str:
    """r1 (issue 15): the shipped catalogue matches the build's manifest, and a copy of it with one
    coefficient changed is refused with the program's own message. The copy is written into
    ``folder`` (temporary) and read back the program's way; the real folders are never touched.
    A source checkout has no manifest: the same check then runs against one made from its files."""
    from security.builtin import builtin_edits, check_builtin, manifest_present, write_builtin_manifest
    from security.packages import _files_of, builtin_files
    from security.suite import SecurityError

    frozen = bool(getattr(sys, "frozen", False))
    if manifest_present():
        manifest, source = None, "构建清单"
    elif frozen:
        raise AssertionError("构建的程序缺少内置表式清单（builtin_manifest.json）：被改动的表式将无法发现")
    else:
        manifest, source = write_builtin_manifest(folder / "manifest" / "builtin_manifest.json"), "临时清单（源代码运行）"
    shipped = builtin_files()
    edited = builtin_edits(manifest, shipped)
    if edited:
        raise AssertionError(f"程序自带的文件与{source}不一致：{'、'.join(edited[:5])}")
    copy = folder / "tampered"
    for name, data in shipped.items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes(data)
    target = copy / TAMPERED_FILE
    text = target.read_text(encoding="utf-8")
    changed = text.replace("\nraw_coal,原煤,kg,0.7143,", "\nraw_coal,原煤,kg,0.8143,", 1)
    if changed == text:
        raise AssertionError(f"{TAMPERED_FILE} 中找不到原煤的折标系数 0.7143，无法做改动检查")
    target.write_text(changed, encoding="utf-8")
    tampered = _files_of(copy / "forms" / "definitions", copy / "resources")
    if tampered.keys() != shipped.keys():
        raise AssertionError("副本的文件与程序自带的文件不同")
    try:
        check_builtin(folder / "task", manifest, tampered)
    except SecurityError as exc:
        if f"被修改：{TAMPERED_FILE}" not in str(exc):
            raise AssertionError(f"改动的副本被拒绝，但理由不对：{exc}") from None
    else:
        raise AssertionError("改动了一个折标系数的副本没有被拒绝")
    return f"{len(shipped)} 个文件与{source}一致；改动原煤折标系数的副本被拒绝"


def _marks() -> tuple[str, str]:
    """Pass/fail marks the console can show: ✓/✗ need UTF-8; a Chinese Windows console (code page
    936, GBK) has √/× instead; anything else gets plain ASCII rather than "?"."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    for marks in (("✓", "✗"), ("√", "×")):
        try:
            "".join(marks).encode(encoding)
        except (UnicodeEncodeError, LookupError):
            continue
        return marks
    return ("OK", "X")


def run_self_test() -> int:
    """Run every step; print ✓/✗ lines (√/× on a GBK console); 0 when all passed."""
    passed_mark, failed_mark = _marks()
    failed = 0
    state: dict = {}
    with tempfile.TemporaryDirectory(prefix="jnjp-selftest-", ignore_cleanup_errors=True) as tmp:
        steps = _steps(Path(tmp), state)
        for name, step in steps:
            started = time.perf_counter()
            try:
                detail = step()
            except Exception as exc:  # noqa: BLE001 - every failure is reported, then the next step runs
                failed += 1
                print(f"{failed_mark} {name}：{exc}")
                traceback.print_exc(file=sys.stderr)
                if name.startswith("打开数据库"):
                    break
                continue
            print(f"{passed_mark} {name}（{(time.perf_counter() - started) * 1000:.0f} ms）：{detail}")
        if "ws" in state:
            state["ws"].close()  # before the folder is removed (Windows keeps open files)
    print("自检通过" if not failed else f"自检失败：{failed} 项")
    return 0 if not failed else 1
