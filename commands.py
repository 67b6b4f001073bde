"""Headless commands (validate, export, import, template, flat) for scripts, tests and the district
(intake, completeness, findings, accept, feedback: on a district database only; aggregate, progress).

Exit codes (README.md lists the same):
  0  success;
  1  the data has 错误 (validate), the export was refused because of them, or import cells were
     rejected — the database is unchanged;
  2  bad arguments, or a file that is not acceptable: the database is missing, empty, damaged
     (``PRAGMA quick_check``), another program's, made by a newer program version, read-only (for
     a command that writes), an import file refused, an output path that is the database, its
     backups or the program's own files; a wrong or missing passphrase or database password, a
     key file or 任务参数 package refused (s8) — nothing was changed;
  3  could not complete (disk full, a write or read error, the output file open in Excel/WPS on
     Windows, an unexpected problem) — nothing was
     changed (writes are transactional, files are written to a temporary name);
  4  the database is open in the program's window (or another command is writing it): the message
     says who holds it — nothing was changed.
For ``intake`` 1 means some file was not received (拒收, 校验码不符, 表式版本不符 — nothing of it was
written; the other files were received); for ``findings`` that a received report has 错误.
Every failure is one Chinese message on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from forms.form_files import FormDefinitionError
from forms.periods import PeriodError, parse_period, period_label, period_type_of
from forms.reference import ReferenceError
from user_error import UserError

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["run", "run_import", "run_undo_import", "run_sheet_export", "run_no_data", "CommandError", "DatabaseInUse", "guarded",
           "EXIT_OK", "EXIT_FINDINGS", "EXIT_FAILED", "EXIT_INCOMPLETE", "EXIT_IN_USE"]

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_IN_USE = 0, 1, 2, 3, 4
T = TypeVar("T")
_UNCHANGED = "操作未完成，数据库未改动。"


class CommandError(UserError, RuntimeError):
    """A problem with the arguments or the files, worded for the user (exit 2)."""


class DatabaseInUse(UserError, RuntimeError):
    """The window (or another command) holds the database's instance lock (exit 4)."""


_WARNED_PLACES: set[Path] = set()


def _check_place(db: Path) -> None:
    """w5: a path Windows cannot open is refused (exit 2) before it looks like a missing file; a
    database on a network share is warned about on stderr (once), and the command still runs."""
    from storage.windows_paths import long_path_message, network_share_warning, too_long_for_windows

    if too_long_for_windows(db):
        raise CommandError(long_path_message(db))
    warning = network_share_warning(db)
    if warning and db not in _WARNED_PLACES:
        _WARNED_PLACES.add(db)
        print(f"警告：{warning}", file=sys.stderr)


def _check_exists(db: Path) -> None:
    _check_place(db)
    if not db.is_file():
        raise CommandError(f"数据库文件不存在：{db}")
    if db.stat().st_size == 0:  # never silently made into a new database: the window offers a backup
        raise CommandError(f"数据库文件 {db} 为空（0 字节），可能是写入时U盘被拔出或断电。"
                           "请用程序窗口打开它，从自动备份恢复；数据库未改动")
    from security.db_password import unlock_for_command

    unlock_for_command(db)  # s8: a database with a password: asked (prompt or JNJP_DB_PASSWORD) before opening


def _open(db: Path, *, write: bool = False) -> Workspace:
    """Open for a command: checked first (``quick_check``, ours, not newer, not empty), read-only
    unless the command writes. Any reason not to open is a CommandError (exit 2)."""
    from storage.database import StorageError
    from storage.workspace import Workspace

    _check_exists(db)
    try:  # checked once (``storage.opening.check_openable``): a command never creates a database
        return Workspace.open(db, demo=False, readonly=not write, check=True, allow_new=False)
    except StorageError as exc:
        raise CommandError(str(exc)) from None


@contextmanager
def _writer_lock(db: Path) -> Iterator[None]:
    """The window's instance lock, held while a command writes (import, export): the window would
    otherwise show stale figures and overwrite the command's changes. Also the moment to remove
    the half-written copies a killed backup left."""
    from storage.backup import clean_backup_leftovers
    from storage.instance_lock import AlreadyOpenError, InstanceLock, MaybeOpenElsewhereError

    _check_exists(db)  # no lock file beside a database that is not there
    lock = InstanceLock(db)
    try:
        lock.acquire()
    except MaybeOpenElsewhereError as exc:  # a command cannot ask, as the window does
        raise DatabaseInUse(f"{exc}\n\n命令行无法替您确认：请先在本机用程序窗口打开一次该数据库（确认后关闭窗口），"
                            "再运行此命令。") from None
    except AlreadyOpenError as exc:
        raise DatabaseInUse(f"{exc}\n\n命令行不能在窗口打开数据库时写入它：请先关闭程序窗口再运行此命令。") from None
    except OSError as exc:
        raise CommandError(f"无法创建锁文件 {lock.path}：{exc.strerror or exc}") from None
    try:
        clean_backup_leftovers(db)
        yield
    finally:
        lock.release()


_PROGRAM_PARTS_ALLOWED = ("data",)  # the only folder inside the program's folder a command may write into


def check_output_path(out: Path, db: Path) -> None:
    """Refuse an output that is the database, its -wal/-shm/-journal/lock, a backup, another SQLite
    file, or inside the program's own folders (exit 2): an export must never overwrite those."""
    from storage.backup import backup_dir
    from storage.location import program_dir

    target, database = Path(out).resolve(), Path(db).resolve()
    protected = {database, *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal", ".lock"))}
    refused = None
    if target in protected:
        refused = "这是数据库文件本身（或其配套文件）"
    elif target.is_relative_to(backup_dir(database).resolve()):
        refused = "这是数据库的备份文件夹"
    else:
        program = program_dir().resolve()
        if target.is_relative_to(program):
            parts = target.relative_to(program).parts
            if len(parts) > 1 and parts[0] not in _PROGRAM_PARTS_ALLOWED:
                refused = "这是程序自身的文件夹"
        if refused is None and target.is_file():
            try:
                with open(target, "rb") as fh:
                    if fh.read(16) == b"SQLite format 3\x00":
                        refused = "该文件是一个数据库"
            except OSError:
                pass
    if refused:
        raise CommandError(f"不能写入 {out}：{refused}，请换一个输出文件名或文件夹")


def _storage_reason(exc: BaseException) -> str:
    text = str(exc)
    if "full" in text or "too large" in text:
        return f"磁盘已满或文件过大（{text}）"
    if "I/O" in text:
        return f"磁盘读写失败：磁盘已满、U盘已拔出或文件过大（{text}）"
    if "readonly" in text:
        return f"数据库文件是只读的（{text}）"
    if "locked" in text or "busy" in text:
        return f"数据库正被另一个程序使用（{text}）"
    return f"数据库读写出错（{text}）"


def guarded(work: Callable[[], int]) -> int:
    """Run one command; every failure becomes one Chinese line on stderr and its exit code."""
    try:
        return work()
    except Exception as exc:  # noqa: BLE001 - the last net: a Chinese line instead of a traceback
        text, code = _failure(exc)
    print(text, file=sys.stderr)
    _silence_unraisable()  # outside the except block: the failed work's objects can be collected now
    return code


def _failure(exc: Exception) -> tuple[str, int]:
    """The message and exit code of a failed command (the classes are imported only on failure:
    a command that succeeds does not pay for the export and backup modules)."""
    if isinstance(exc, MemoryError):  # first, before importing anything (no other class below is one)
        return f"错误：内存不足\n{_UNCHANGED}", EXIT_INCOMPLETE
    import sqlite3

    from export.atomic import ExportWriteError, describe_os_error
    from export.errors import ExportError, ImportRefused
    from security.suite import SecurityError
    from storage.backup import BackupError
    from storage.database import StorageError

    if isinstance(exc, DatabaseInUse):
        text, code = f"错误：{exc}", EXIT_IN_USE
    elif isinstance(exc, SecurityError):  # s8: a wrong passphrase, a bad key file, a refused key or package
        text, code = f"错误：{exc}", EXIT_FAILED
    elif isinstance(exc, ImportRefused):
        text, code = f"拒绝导入：{exc}", EXIT_FAILED
    elif isinstance(exc, (CommandError, PeriodError, FormDefinitionError, ReferenceError)):
        text, code = f"错误：{exc}", EXIT_FAILED
    elif isinstance(exc, ExportError):
        code = EXIT_INCOMPLETE if isinstance(exc, ExportWriteError) else EXIT_FAILED
        text = f"错误：{exc}" + (f"\n{_UNCHANGED}" if code == EXIT_INCOMPLETE else "")
    elif isinstance(exc, (BackupError, StorageError)):
        text, code = f"错误：{exc}\n{_UNCHANGED}", EXIT_INCOMPLETE
    elif isinstance(exc, sqlite3.Error):
        text, code = f"错误：{_storage_reason(exc)}\n{_UNCHANGED}", EXIT_INCOMPLETE
    elif isinstance(exc, OSError):
        text, code = f"错误：文件读写失败：{describe_os_error(exc)}\n{_UNCHANGED}", EXIT_INCOMPLETE
    else:
        text, code = (f"错误：程序内部错误（{type(exc).__name__}：{exc}）\n{_UNCHANGED}"
                      "如反复出现，请把这段文字发给区统计局。", EXIT_INCOMPLETE)
    return text, code
    print(text, file=sys.stderr)
    _silence_unraisable()  # outside the except block: the failed work's objects can be collected now
    return code


def _silence_unraisable() -> None:
    """After a reported failure, objects left half-done (openpyxl's ZipFile on a full disk) fail
    again when collected and Python prints "Exception ignored in ZipFile.__del__" with a traceback:
    collect them now, with that report switched off."""
    import gc

    previous = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = previous


def _named_township(ws: Workspace, text: str) -> Township:
    """The township the user named by 统计代码, 区划代码 or name."""
    found = ws.store.find_township(text.strip())
    if found is None:
        raise CommandError(f"数据库中没有镇街 '{text}'（可写统计代码或名称）")
    return found


def _township(ws: Workspace, text: str | None, period: str) -> Township:
    if text:
        return _named_township(ws, text)
    with_data = ws.townships_with_input(period)
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
    from storage.report_status import status_for

    town = _township(ws, township, period)
    total = {"错误": 0, "警告": 0, "提示": 0}
    reports: list[dict] = []
    keys = _form_keys(ws, period, forms)
    # every form: the period at once, each report read and computed once though several forms'
    # rules read another (the same results as validating each alone)
    validated = ws.validate_period(town.id, period) if not forms else {}
    for key in keys:
        form = ws.form(key)
        entry: dict = {"form": key, "code": form.code, "name": form.name, "status": "未填", "findings": []}
        reports.append(entry)
        data, result = validated[key] if key in validated else (ws.find_report_data(town.id, key, period), None)
        if data is None or not data.has_input:
            continue
        result = result or ws.validate(data)  # validate only reads: the status it shows is not stored
        status = status_for(data, result, audited=True)
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


def export(ws: Workspace, period: str, township: str | None, forms: list[str] | None, out: Path, *,
           office_copy: bool = False, readable: bool = False) -> int:
    """r1: with a pinned district key only the sealed ``镇街_报告期.jnjp`` goes to ``out``'s folder
    (or to ``out`` itself when it ends in .jnjp) and the readable workbook to 报送存档 beside the
    database; ``readable`` carries the workbook to ``out`` (.xlsx) too, the sealed file beside it."""
    from export.submission import ExportBlocked, export_submission, sealed_name

    town = _township(ws, township, period)
    keys = _form_keys(ws, period, forms)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".jnjp") or (readable and suffix != ".xlsx"):
        raise CommandError(f"输出文件须以 .xlsx 结尾（密封报送文件以 .jnjp 结尾；--readable 须用 .xlsx）：{out}")
    sealing = ws.district_public_key() is not None
    if suffix == ".jnjp" and not sealing:
        raise CommandError("本数据库还没有区公钥（未导入区里的密钥），不能写密封报送文件；请用 --out 文件.xlsx")
    target = out.with_name(sealed_name(town, period)) if sealing and not readable and suffix == ".xlsx" else out
    check_output_path(target, ws.store.path)
    signer, seal_to = _export_keys(ws)
    office_password = _office_password() if office_copy else None
    try:
        result = export_submission(ws, town.id, period, target, form_keys=keys, signer=signer, seal_to=seal_to,
                                   office_password=office_password)
    except ExportBlocked as exc:
        print(f"拒绝导出：{exc}")
        return EXIT_FINDINGS
    print(f"已导出：{result.carried}" + ("（已签名）" if result.signed else "（未签名：本数据库没有导入镇街密钥）"))
    if result.archived:
        print(f"密封报送文件：{result.sealed}（只有区里能打开；报送时只带这个文件）")
        print(f"可读的 Excel 工作簿已存入本镇街存档：{result.path}（打印和存档用，不随U盘带出；"
              "要带可读文件时加 --readable）")
    elif result.sealed is not None:
        print(f"密封报送文件：{result.sealed}（只有区里能打开；报送时带这个文件）")
        print(f"可读的 Excel 工作簿也在 {result.path}（--readable：U盘遗失时此文件可被读取）")
    else:
        print("注意：本数据库还没有区公钥，文件未密封（任何拿到文件的人都能读取）")
    if result.office_copy is not None:
        print(f"加密的 Excel 副本：{result.office_copy}（Excel/WPS 输入密码后打开；密码请另行告知收件人）")
    print(f"镇街：{town.name}；报告期：{period_label(period)}；表式：{'、'.join(result.form_keys)}")
    print(f"校验码 SHA-256：{result.sha256}")
    return EXIT_OK


def run_import(*, db: Path, file: Path, township: str | None = None, period: str | None = None,
               dry_run: bool = False, forms: list[str] | None = None, replace_blank: bool = False) -> int:
    """Preview (and unless ``dry_run`` apply) one workbook. 0 imported (or nothing rejected in a dry
    run); 1 cells rejected, nothing written; 2 the file was refused or the arguments are wrong;
    3 could not complete (e.g. disk full), nothing written; 4 the window has the database open.

    ``--township``/``--period`` choose the target explicitly, which also accepts a file made for
    another township or period (the preview says so, and the audit records it). ``--forms``
    imports only those forms; ``--replace-blank`` lets blank cells clear stored values.
    """
    from export.importer import apply_import, preview_import
    from storage.backup import make_backup

    def work() -> int:
        with _writer_lock(db) if not dry_run else nullcontext():
            ws = _open(db, write=not dry_run)
            try:
                town_id = _named_township(ws, township).id if township else None
                chosen = bool(township or period)
                preview = _read_user_file(file, lambda: preview_import(
                    ws, file, township_id=town_id, period=parse_period(period) if period else None,
                    accept_other=chosen, forms=forms, replace_blank=replace_blank))
                print("\n".join(preview.lines()))
                if preview.rejected:
                    print(f"\n有{len(preview.rejected)}个单元格无法导入，数据库未改动。")
                    return EXIT_FINDINGS
                if dry_run:
                    print(f"\n试导入（--dry-run）：将改动{preview.change_count}处，数据库未改动。")
                    return EXIT_OK
                backup = make_backup(ws.store.path, "导入前")  # a failure here is exit 3, not "file refused"
                result = apply_import(ws, preview, backup=False)
                ws.store.checkpoint()  # the database file alone now holds the import
                print(f"\n已导入：改动{result.changed}处；导入前备份：{backup}")
                if preview.clear_count and not replace_blank:
                    print(f"文件中为空的{preview.clear_count}处保留了原值（如要清空，请加 --replace-blank 重新导入）")
                print("如要撤销本次导入：python main.py undo-import --db 数据库")
                _print_statuses(ws, result.statuses)
                return EXIT_OK
            finally:
                ws.close()

    return guarded(work)


def run_undo_import(*, db: Path, township: str | None = None, period: str | None = None) -> int:
    """撤销导入: restore the state before the last import (of that township and period, when
    given). 0 undone; 2 nothing to undo, or the arguments/database are wrong; 3 and 4 as for import."""
    from export.errors import ImportRefused
    from export.importer import undo_import

    def work() -> int:
        with _writer_lock(db):
            ws = _open(db, write=True)
            try:
                town_id = _named_township(ws, township).id if township else None
                try:
                    result = undo_import(ws, town_id, parse_period(period) if period else None)
                except ImportRefused as exc:
                    raise CommandError(f"无法撤销导入：{exc}") from None
                ws.store.checkpoint()
                print(result.text())
                _print_statuses(ws, result.statuses)
                return EXIT_OK
            finally:
                ws.close()

    return guarded(work)


def _print_statuses(ws: Workspace, statuses: dict[str, str]) -> None:
    for key, status in statuses.items():
        print(f"《{ws.form(key).name}》状态：{status}")


def _read_user_file(file: Path, read: Callable[[], T]) -> T:
    """Reading a user's file writes nothing, so any unforeseen failure in it (a malformed hidden
    ``_cells``/``_meta`` row the reader did not expect) is that file refused (exit 2), not a crash."""
    from export.errors import ImportRefused
    from storage.database import StorageError

    try:
        return read()
    except (ImportRefused, CommandError, PeriodError, FormDefinitionError, ReferenceError, StorageError,
            OSError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a user's file must never crash the command
        raise ImportRefused(f"文件 {file.name} 的内容格式有误，无法读取（{type(exc).__name__}：{exc}）") from None


def run_sheet_export(command: str, *, db: Path, out: Path, period: str | None = None,
                     township: str | None = None) -> int:
    """``template`` (blank template for Excel users) or ``flat`` (list of every value, .xlsx/.csv)."""
    from export.flat import export_flat
    from export.submission import export_template

    def work() -> int:
        ws = _open(db)
        try:
            town_id = _named_township(ws, township).id if township else None
            per = parse_period(period) if period else None
            if command == "template":
                if per is None:
                    raise CommandError("导出空白模板须指定 --period 报告期")
                if out.suffix.lower() != ".xlsx":
                    raise CommandError(f"输出文件须以 .xlsx 结尾：{out}")
                check_output_path(out, db)
                export_template(ws, per, out, township_id=town_id)
                print(f"已导出空白模板：{out}")
            else:
                check_output_path(out, db)
                count = export_flat(ws, out, township_id=town_id, period=per)
                print(f"已导出清单：{out}（{count}行）")
            return EXIT_OK
        finally:
            ws.close()

    return guarded(work)


def run(command: str, *, db: Path, period: str, township: str | None = None, forms: list[str] | None = None,
        out: Path | None = None, as_json: bool = False, office_copy: bool = False, readable: bool = False) -> int:
    """``validate`` (reads only: a read-only connection) or ``export`` (marks reports 已导出: takes
    the window's lock; ``office_copy``: also the password-protected copy, s8). Errors are printed in
    Chinese and mapped to exit codes (module docstring)."""

    def work() -> int:
        per = parse_period(period)
        if command == "validate":
            ws = _open(db)
            try:
                return validate(ws, per, township, forms, as_json)
            finally:
                ws.close()
        assert out is not None
        with _writer_lock(db):
            ws = _open(db, write=True)
            try:
                return export(ws, per, township, forms, out, office_copy=office_copy, readable=readable)
            finally:
                ws.close()

    return guarded(work)


# -- 汇总 and plan progress (W2-E) -----------------------------------------------------------------

def run_aggregate(*, db: Path, period: str, out: Path, townships: list[str] | None = None,
                  group: str | None = None) -> int:
    """``aggregate``: the 汇总 workbook of one period (reads only). 0 written (the coverage and the
    汇总's 审核 are printed); 2 bad arguments (an unknown township or group, a bad output path);
    3 could not write."""
    from district.summary import SummaryError, district_summary
    from district.summary_export import write_summary_workbook

    def work() -> int:
        per = parse_period(period)
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件须以 .xlsx 结尾：{out}")
        check_output_path(out, db)
        ws = _open(db)
        try:
            try:
                summary = district_summary(ws, per, townships=townships, group=group)
            except SummaryError as exc:
                raise CommandError(str(exc)) from None
            write_summary_workbook(summary, out)
        finally:
            ws.close()
        print("\n".join(summary.coverage_lines()))
        counts = {s: sum(1 for k in summary.forms for f in summary.findings(k) if f.severity == s)
                  for s in ("错误", "警告", "提示")}
        print(f"汇总数据审核：错误{counts['错误']}条，警告{counts['警告']}条，提示{counts['提示']}条（详见“汇总说明”工作表）")
        print(f"已导出汇总：{out}")
        return EXIT_OK

    return guarded(work)


def run_progress(*, db: Path, as_json: bool = False, out: Path | None = None) -> int:
    """``progress``: progress toward every quantified target of the plan (reads only); ``--json``
    prints the same as JSON, ``--out`` also writes it as a workbook. 0 done; 2 bad arguments or
    targets file; 3 could not write."""
    from district.progress import number_text
    from district.progress_data import progress_report, write_progress_workbook

    def work() -> int:
        if out is not None:
            if out.suffix.lower() != ".xlsx":
                raise CommandError(f"输出文件须以 .xlsx 结尾：{out}")
            check_output_path(out, db)
        ws = _open(db)
        try:
            report = progress_report(ws)
        finally:
            ws.close()
        if out is not None:
            write_progress_workbook(report, out)
        if as_json:
            import json

            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return EXIT_OK
        years = "、".join(map(str, report.years)) or "无"
        print(f"规划目标进度（{report.scope}）：已有数据的年份 {years}")
        for item in report.items:
            target = number_text(item.target.target)
            print(f"· {item.target.name}（{'目标' if report.district else '全区目标'} {target}{item.target.unit}）："
                  f"{item.progress.text()}")
        if out is not None:
            print(f"已导出：{out}")
        return EXIT_OK

    return guarded(work)


# -- district (W2-D): intake, completeness, findings, accept, feedback ------------------------------------

def _open_district(db: Path, *, write: bool = False) -> Workspace:
    """A command on the district database: the file must be one (told by the file itself)."""
    ws = _open(db, write=write)
    if not ws.is_district:
        ws.close()
        raise CommandError(f"{db} 是镇街填报数据库，不是区级汇总库（区级汇总库由 intake 命令指定一个还不存在的文件新建）")
    return ws


def _office_password() -> str:
    """s8: the password of the Excel copy (``JNJP_OFFICE_PASSWORD`` or a prompt, never an argument)."""
    from security.office import OFFICE_PASSWORD_ENV
    from security.passphrase import read_passphrase

    return read_passphrase("加密 Excel 副本的打开密码：", env=OFFICE_PASSWORD_ENV, confirm=True)


def _export_keys(ws: Workspace) -> tuple:
    """s8: the township's signer and the district key to seal to (``security.cli.export_keys``)."""
    from security.cli import export_keys

    return export_keys(ws)


def run_intake(*, db: Path, files: list[Path], township: str | None = None, period: str | None = None,
               confirm_replace: bool = False, as_json: bool = False, key: Path | None = None) -> int:
    """收件: receive submission files (and folders of them) into the district database, each into
    its own township and period. A path that does not exist yet becomes a new district database.
    0 every file received (or already received); 1 some file was not received (拒收, 校验码不符,
    表式版本不符 — nothing of it written); 2, 3, 4 as for the other commands."""
    from district.intake import ACCEPTED_VERDICTS, Verdict, intake_files, submission_files

    def work() -> int:
        missing = [str(f) for f in files if not f.exists()]
        if missing:
            raise CommandError("文件或文件夹不存在：" + "、".join(missing))
        found = submission_files(files)
        if not found:
            raise CommandError("没有找到要收件的文件（.xlsx/.xlsm/.xls/.ods）：" + "、".join(str(f) for f in files))
        created = False
        if not db.exists():
            from storage.database import StorageError
            from storage.workspace import Workspace

            try:
                Workspace.create_district(db).close()
            except StorageError as exc:
                raise CommandError(str(exc)) from None
            created = True
            if not as_json:
                print(f"已新建区级汇总库：{db}")
        with _writer_lock(db):
            ws = _open_district(db, write=True)
            try:
                town = _named_township(ws, township) if township else None
                per = parse_period(period) if period else None
                district_key = _intake_key(ws, key)
                batch = intake_files(ws, found, township=town, period=per, confirm_replace=confirm_replace,
                                     district_key=district_key)
                ws.store.checkpoint()
            finally:
                ws.close()
        if as_json:
            import json

            print(json.dumps({"database": str(db), "created": created, "summary": batch.summary(),
                              "backup": str(batch.backup) if batch.backup else None,
                              "files": [{"file": str(r.path), "verdict": str(r.verdict), "township": r.township,
                                         "period": r.period, "given": r.given, "sha256": r.sha256,
                                         "reasons": r.reasons, "statuses": r.statuses, "identical": r.identical,
                                         "signature": r.signature}
                                        for r in batch.results]}, ensure_ascii=False, indent=2))
        else:
            for r in batch.results:
                print(r.text())
            print(batch.summary())
        missed = [r for r in batch.results if r.verdict not in (*ACCEPTED_VERDICTS, Verdict.DUPLICATE)]
        return EXIT_FINDINGS if missed else EXIT_OK

    return guarded(work)


def _intake_key(ws: Workspace, key: Path | None) -> object:
    """s8: ``--key 区密钥`` unlocked (passphrase from the prompt or JNJP_PASSPHRASE) and its public
    part pinned in the district database (the first key given; another one is refused)."""
    if key is None:
        return None
    from security.cli import unlock_district_key

    district = unlock_district_key(key)
    ws.pin_district_public_key(district.public)
    return district


def run_completeness(*, db: Path, period: str, as_json: bool = False, deadline: str | None = None) -> int:
    """报送进度: the 镇街 × forms matrix of one period (read only; ``--deadline`` stores the deadline)."""
    import datetime as _dt

    from district.completeness import completeness, set_deadline

    def work() -> int:
        per = parse_period(period)
        due = None
        if deadline:
            try:
                due = _dt.date.fromisoformat(deadline)
            except ValueError:
                raise CommandError(f"截止日期应写作 2026-03-31：{deadline}") from None
        with _writer_lock(db) if due else nullcontext():
            ws = _open_district(db, write=due is not None)
            try:
                if due:
                    set_deadline(ws, per, due)
                matrix = completeness(ws, per)
            finally:
                ws.close()
        if as_json:
            import json

            print(json.dumps(matrix.as_dict(), ensure_ascii=False, indent=2))
        else:
            print("\n".join(matrix.lines()))
        return EXIT_OK

    return guarded(work)


def run_findings(*, db: Path, period: str, township: str | None = None, severity: str | None = None,
                 form: str | None = None, rule: str | None = None, as_json: bool = False) -> int:
    """District 审核: the findings of every received report (read only), filtered."""
    from district.review import district_findings

    def work() -> int:
        per = parse_period(period)
        ws = _open_district(db)
        try:
            town = _named_township(ws, township) if township else None
            found = district_findings(ws, per, township_id=town.id if town else None, severity=severity,
                                      form_key=form, rule_id=rule)
        finally:
            ws.close()
        if as_json:
            import json

            print(json.dumps([{"township": f.township, "form": f.form_key, "code": f.form_code,
                               "severity": f.severity, "rule": f.rule_id, "table": f.cell[0], "row": f.cell[1],
                               "column": f.cell[2], "location": f.location, "value": f.value, "message": f.text,
                               "note": f.note, "remark": f.remark, "across": f.across} for f in found],
                             ensure_ascii=False, indent=2, default=str))
        else:
            for f in found:
                print(f"{f.township}\t[{f.severity}] {f.rule_id} {f.location}：{f.text}"
                      + (f"（说明：{f.note}）" if f.note else "") + (f"（区里意见：{f.remark}）" if f.remark else ""))
            print(f"共{len(found)}条")
        return EXIT_FINDINGS if any(f.severity == "错误" for f in found) else EXIT_OK

    return guarded(work)


def run_mark(*, db: Path, township: str, period: str, forms: list[str] | None, mark: str | None) -> int:
    """``accept``: mark a township's received reports 已审核 (a replacing file then needs
    --confirm-replace); ``--undo`` removes the mark."""
    def work() -> int:
        per = parse_period(period)
        with _writer_lock(db):
            ws = _open_district(db, write=True)
            try:
                town = _named_township(ws, township)
                if town.id not in ws.current_intake(per):
                    raise CommandError(f"还没有收到{town.name}{period_label(per)}的报表")
                keys = _form_keys(ws, per, forms)
                ws.set_district_mark(town.id, per, keys, mark)
                ws.store.checkpoint()
            finally:
                ws.close()
        print(f"{town.name} {period_label(per)}：" + (f"已标记为{mark}" if mark else "已取消标记")
              + f"（{'、'.join(keys)}）")
        return EXIT_OK

    return guarded(work)


def run_feedback(*, db: Path, township: str, period: str, out: Path) -> int:
    """退回: write the 反馈 workbook of one township and mark its forms 已退回."""
    from district.feedback import NothingToSendBack, send_back

    def work() -> int:
        per = parse_period(period)
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件须以 .xlsx 结尾：{out}")
        check_output_path(out, db)
        with _writer_lock(db):
            ws = _open_district(db, write=True)
            try:
                town = _named_township(ws, township)
                try:
                    items = send_back(ws, town.id, per, out)
                except NothingToSendBack as exc:
                    raise CommandError(str(exc)) from None
                ws.store.checkpoint()
            finally:
                ws.close()
        print(f"已写出反馈：{out}（{len(items)}个问题）；{town.name} {period_label(per)}的相关报表已标记为已退回")
        return EXIT_OK

    return guarded(work)


# -- e6: 本期无数据 ------------------------------------------------------------------------------------
def run_no_data(*, db: Path, township: str, period: str, form: str, reason: str, withdraw: bool) -> int:
    """``no-data``: declare a form empty for the period with a reason (``--withdraw`` removes it).
    0 done; 2 refused (a form with figures, no reason, unknown form or township); 3 and 4 as usual."""
    from storage.no_data import NoDataError

    def work() -> int:
        per = parse_period(period)
        with _writer_lock(db):
            ws = _open(db, write=True)
            try:
                town = _named_township(ws, township)
                [key] = _form_keys(ws, per, [form])
                try:
                    if withdraw:
                        ws.withdraw_no_data(town.id, per, key)
                    else:
                        ws.declare_no_data(town.id, per, key, reason)
                except NoDataError as exc:
                    raise CommandError(str(exc)) from None
                ws.store.checkpoint()
            finally:
                ws.close()
        name = ws.form(key).code
        print(f"{town.name} {period_label(per)} {name}：" + ("已撤销“本期无数据”声明" if withdraw
                                                            else f"已声明本期无数据（{' '.join(reason.split())}）"))
        return EXIT_OK

    return guarded(work)
