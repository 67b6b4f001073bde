"""Headless commands (validate, export) for scripts, tests and the district.

Exit codes: 0 success; 1 the data has 错误 (validate) or the export was refused; 2 bad
arguments, a missing or unreadable database, or a file that could not be written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from forms.loader import FormDefinitionError
from forms.periods import PeriodError, parse_period, period_label, period_type_of
from forms.reference import ReferenceError

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["run", "run_import", "run_undo_import", "run_sheet_export", "CommandError", "EXIT_OK", "EXIT_FINDINGS", "EXIT_FAILED"]

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


class CommandError(RuntimeError):
    """A problem with the arguments or the files, worded for the user."""


def _open(db: Path) -> Workspace:
    from storage.database import StorageError
    from storage.workspace import Workspace

    if not db.is_file():
        raise CommandError(f"数据库文件不存在：{db}")
    try:
        return Workspace.open(db, demo=False)
    except StorageError as exc:
        raise CommandError(str(exc)) from None


def _named_township(ws: Workspace, text: str) -> Township:
    """The township the user named by 统计代码, 区划代码 or name."""
    found = ws.store.find_township(text.strip())
    if found is None:
        raise CommandError(f"数据库中没有镇街 '{text}'（可写统计代码或名称）")
    return found


def _township(ws: Workspace, text: str | None, period: str) -> Township:
    if text:
        return _named_township(ws, text)
    with_data = [t for t in ws.townships()
                 if any(ws.store.load(r.id).has_input for r in ws.store.reports_for(t.id, period))]
    if len(with_data) == 1:
        return with_data[0]
    if not with_data:
        raise CommandError(f"数据库中没有任何镇街的 {period_label(period)} 数据")
    names = "、".join(f"{t.name}（{t.stat_code or t.mca_code or t.id}）" for t in with_data)
    raise CommandError(f"数据库中有多个镇街的 {period_label(period)} 数据，请用 --township 指定：{names}")


def _form_keys(ws: Workspace, period: str, forms: list[str] | None) -> list[str]:
    kind = period_type_of(period)
    if forms:
        for key in forms:
            try:
                ws.form(key)
            except KeyError:
                known = "、".join(f.key for f in ws.catalogue)
                raise CommandError(f"没有表式 '{key}'（可选：{known}）") from None
        return list(forms)
    keys = [f.key for f in ws.catalogue if f.period_type == kind]
    if not keys:
        raise CommandError(f"没有{kind}类型的表式，报告期 {period} 与表式不符")
    return keys


def validate(ws: Workspace, period: str, township: str | None, forms: list[str] | None,
             as_json: bool = False) -> int:
    """审核 every form of one township and period; print findings (or the same as JSON); 1 when 错误 remain."""
    town = _township(ws, township, period)
    total = {"错误": 0, "警告": 0, "提示": 0}
    reports: list[dict] = []
    for key in _form_keys(ws, period, forms):
        form = ws.form(key)
        entry: dict = {"form": key, "code": form.code, "name": form.name, "status": "未填", "findings": []}
        reports.append(entry)
        data = ws.find_report_data(town.id, key, period)
        if data is None or not data.has_input:
            continue
        status, result = ws.refresh_status(data.report.id, audited=True)
        entry["status"] = status
        entry["counts"] = {s: result.count(s) for s in total}
        for s in total:
            total[s] += entry["counts"][s]
        entry["findings"] = [dict(severity=f.severity, rule=f.rule_id, table=f.table, row=f.row, column=f.col,
                                  message=f.message, explained=f.explained,
                                  note=data.notes.get(f.cell, ""), blocks_export=f.blocks_export)
                             for f in result.findings]
    if as_json:
        import json

        print(json.dumps({"township": town.name, "code": town.code_text, "period": period,
                          "period_label": period_label(period), "reports": reports, "totals": total},
                         ensure_ascii=False, indent=2))
    else:
        print(f"审核：{town.name}（{town.code_text}）{period_label(period)}")
        for entry in reports:
            if "counts" not in entry:
                print(f"\n《{entry['name']}》（{entry['code']}）：未填报")
                continue
            counts = entry["counts"]
            print(f"\n《{entry['name']}》（{entry['code']}）：{entry['status']}，"
                  f"错误{counts['错误']}条，警告{counts['警告']}条，提示{counts['提示']}条")
            for f in entry["findings"]:
                extra = ("（已说明）" if f["explained"] else "（缺少说明）") if f["severity"] == "警告" else ""
                print(f"  [{f['severity']}] {f['rule']} {f['message']}{extra}")
        print(f"\n合计：错误{total['错误']}条，警告{total['警告']}条，提示{total['提示']}条")
    return EXIT_FINDINGS if total["错误"] else EXIT_OK


def export(ws: Workspace, period: str, township: str | None, forms: list[str] | None, out: Path) -> int:
    from export.errors import ExportError
    from export.submission import ExportBlocked, export_submission

    town = _township(ws, township, period)
    keys = _form_keys(ws, period, forms)
    if out.suffix.lower() != ".xlsx":
        raise CommandError(f"输出文件须以 .xlsx 结尾：{out}")
    try:
        result = export_submission(ws, town.id, period, out, form_keys=keys)
    except ExportBlocked as exc:
        print(f"拒绝导出：{exc}")
        return EXIT_FINDINGS
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    print(f"已导出：{result.path}")
    print(f"镇街：{town.name}；报告期：{period_label(period)}；表式：{'、'.join(result.form_keys)}")
    print(f"校验码 SHA-256：{result.sha256}")
    return EXIT_OK


def run_import(*, db: Path, file: Path, township: str | None = None, period: str | None = None,
               dry_run: bool = False, forms: list[str] | None = None, replace_blank: bool = False) -> int:
    """Preview (and unless ``dry_run`` apply) one workbook. 0 imported (or nothing rejected in a dry
    run); 1 cells rejected, nothing written; 2 the file was refused or the arguments are wrong.

    ``--township``/``--period`` choose the target explicitly, which also accepts a file made for
    another township or period (the preview says so, and the audit records it). ``--forms``
    imports only those forms; ``--replace-blank`` lets blank cells clear stored values.
    """
    from export.importer import apply_import, preview_import

    def body(ws: Workspace) -> int:
        town_id = _named_township(ws, township).id if township else None
        chosen = bool(township or period)
        preview = preview_import(ws, file, township_id=town_id, period=parse_period(period) if period else None,
                                 accept_other=chosen, forms=forms, replace_blank=replace_blank)
        print("\n".join(preview.lines()))
        if preview.rejected:
            print(f"\n有{len(preview.rejected)}个单元格无法导入，数据库未改动。")
            return EXIT_FINDINGS
        if dry_run:
            print(f"\n试导入（--dry-run）：将改动{preview.change_count}处，数据库未改动。")
            return EXIT_OK
        result = apply_import(ws, preview)
        print(f"\n已导入：改动{result.changed}处；导入前备份：{result.backup}")
        if preview.clear_count and not replace_blank:
            print(f"文件中为空的{preview.clear_count}处保留了原值（如要清空，请加 --replace-blank 重新导入）")
        print("如要撤销本次导入：python main.py undo-import --db 数据库")
        _print_statuses(ws, result.statuses)
        return EXIT_OK

    return _import_command(db, "拒绝导入", body)


def run_undo_import(*, db: Path, township: str | None = None, period: str | None = None) -> int:
    """撤销导入: restore the state before the last import (of that township and period, when
    given). 0 undone; 2 nothing to undo, or the arguments/database are wrong."""
    from export.importer import undo_import

    def body(ws: Workspace) -> int:
        town_id = _named_township(ws, township).id if township else None
        result = undo_import(ws, town_id, parse_period(period) if period else None)
        print(result.text())
        _print_statuses(ws, result.statuses)
        return EXIT_OK

    return _import_command(db, "无法撤销导入", body)


def _print_statuses(ws: Workspace, statuses: dict[str, str]) -> None:
    for key, status in statuses.items():
        print(f"《{ws.form(key).name}》状态：{status}")


def _import_command(db: Path, refused: str, body: Callable[[Workspace], int]) -> int:
    """Open the database, run ``body``, close; a refusal or a bad argument is one Chinese line, exit 2."""
    import sys

    from export.errors import ImportRefused

    try:
        ws = _open(db)
        try:
            return body(ws)
        finally:
            ws.close()
    except ImportRefused as exc:
        print(f"{refused}：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except (CommandError, PeriodError, FormDefinitionError, ReferenceError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED


def run_sheet_export(command: str, *, db: Path, out: Path, period: str | None = None,
                     township: str | None = None) -> int:
    """``template`` (blank template for Excel users) or ``flat`` (list of every value, .xlsx/.csv)."""
    import sys

    from export.errors import ExportError
    from export.flat import export_flat
    from export.submission import export_template

    try:
        ws = _open(db)
        try:
            town_id = _named_township(ws, township).id if township else None
            per = parse_period(period) if period else None
            if command == "template":
                if per is None:
                    raise CommandError("导出空白模板须指定 --period 报告期")
                if out.suffix.lower() != ".xlsx":
                    raise CommandError(f"输出文件须以 .xlsx 结尾：{out}")
                export_template(ws, per, out, township_id=town_id)
                print(f"已导出空白模板：{out}")
            else:
                count = export_flat(ws, out, township_id=town_id, period=per)
                print(f"已导出清单：{out}（{count}行）")
            return EXIT_OK
        finally:
            ws.close()
    except (ExportError, CommandError, PeriodError, FormDefinitionError, ReferenceError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED


def run(command: str, *, db: Path, period: str, township: str | None = None, forms: list[str] | None = None,
        out: Path | None = None, as_json: bool = False) -> int:
    """Run one headless command; errors are printed in Chinese and mapped to exit codes."""
    import sys

    try:
        period = parse_period(period)
        ws = _open(db)
        try:
            if command == "validate":
                return validate(ws, period, township, forms, as_json)
            assert out is not None
            return export(ws, period, township, forms, out)
        finally:
            ws.close()
    except (CommandError, PeriodError, FormDefinitionError, ReferenceError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
