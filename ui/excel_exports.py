"""导出空白模板… and 导出数据清单… of the main window: ask for a file, write it off the UI thread
(``ui.operations``, each job on its own Workspace), say where it went. The files themselves are
made by ``export.submission.export_template`` and ``export.flat.export_flat``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from ui.operations import Operation, run_with_workspace

__all__ = ["export_template_from", "export_flat_from"]


def _ask(window: Any, title: str, name: str, filters: str, suffixes: tuple[str, ...]) -> Path | None:
    folder = str(window.settings.value("last/export_dir") or Path.home())
    chosen, selected = QFileDialog.getSaveFileName(window, title, str(Path(folder) / name), filters)
    if not chosen:
        return None
    if not chosen.lower().endswith(suffixes):
        chosen += ".csv" if "csv" in selected.lower() and ".csv" in suffixes else suffixes[0]
    window.settings.setValue("last/export_dir", str(Path(chosen).parent))
    return Path(chosen)


def _current(window: Any) -> tuple[Any, Any, str] | None:
    controller = window.controller
    if window.workspace is None or controller.township is None or controller.period is None:
        return None
    return window.workspace, controller.township, controller.period


def export_template_from(window: Any, path: Path | None = None) -> Operation | None:
    """The blank template of every form of the current period, for the current township."""
    current = _current(window)
    if current is None:
        return None
    workspace, township, period = current
    out = path or _ask(window, "导出空白模板", f"{township.name}_{period}_空白模板.xlsx", "Excel 工作簿 (*.xlsx)",
                       (".xlsx",))
    if out is None:
        return None

    def task(ws: Any) -> Any:
        from export.submission import export_template

        return export_template(ws, period, out, township_id=township.id)

    window.last_operation = run_with_workspace(
        window, f"正在导出空白模板 {out.name} …", workspace.path, workspace.catalogue, task,
        lambda _result: window.show_message(f"已导出空白模板：{out}"), user=workspace.user, title="导出空白模板失败")
    return window.last_operation


def export_flat_from(window: Any, path: Path | None = None) -> Operation | None:
    """Every value of the current township and period as one flat table (.xlsx or .csv)."""
    current = _current(window)
    if current is None:
        return None
    workspace, township, period = current
    out = path or _ask(window, "导出数据清单", f"{township.name}_{period}_数据清单.xlsx",
                       "Excel 工作簿 (*.xlsx);;CSV 文本 (*.csv)", (".xlsx", ".csv"))
    if out is None:
        return None

    def task(ws: Any) -> Any:
        from export.flat import export_flat

        return export_flat(ws, out, township_id=township.id, period=period)

    window.last_operation = run_with_workspace(
        window, f"正在导出数据清单 {out.name} …", workspace.path, workspace.catalogue, task,
        lambda count: window.show_message(f"已导出数据清单（{count}行）：{out}"), user=workspace.user,
        title="导出数据清单失败")
    return window.last_operation
