"""收件: receive township submission files into the district database.

Each file is read with ``export.submission_file.read_submission`` (no database needed) and goes
into ITS OWN township and period, from its hidden ``_meta`` — never into one the clerk selected.
A file without ``_meta`` (a filled blank template saved by another program) needs the township
and period given, and its register line says they were given.

Every file gets one line in the intake register, written in the same transaction as its values,
so a file is received entirely or not at all. A later file of the same township and period
replaces everything the earlier one brought (the earlier line shows 已被替代; its values stay in
the import log and the audit trail): a form the later file leaves out is emptied — it shows as
未收到 in the completeness matrix, and no sum or check uses the earlier file's figures of it.
A refused, tampered, wrong-version or duplicate file leaves the database file byte-identical:
its register line goes to the refused log beside it (``storage.district_store``). A report the
district marked 已审核 is replaced (or emptied) only when the clerk confirms (``confirm_replace``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from district.read_ahead import (
    READ_ERRORS,
    PreRead,
    ReadAhead,
    data_sha256,
    file_sha256,
    reading_processes,
    refusal,
)
from export.errors import ImportRefused
from export.submission_file import MODIFIED_WARNING, FileForm, SubmissionFile, read_submission
from forms.findings import TextEnum
from forms.input_cells import form_inputs
from forms.periods import PeriodError, parse_period, period_label
from user_error import UserError

if TYPE_CHECKING:
    from storage.database import Township
    from storage.workspace import Workspace

__all__ = ["Verdict", "IntakeResult", "IntakeBatch", "FileWrite", "NotDistrictError", "intake_files",
           "submission_files", "ACCEPTED_VERDICTS", "SUFFIXES"]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".jnjp")  # .jnjp: a sealed submission (s8)
_MAX_REASONS = 20


class Verdict(TextEnum):
    ACCEPTED = "已接收"
    WITH_ERRORS = "已接收（有错误）"
    UNEXPLAINED = "已接收（警告未说明）"
    MODIFIED = "文件已被修改（校验码不符）"
    VERSION = "表式版本不符"
    DUPLICATE = "与已接收文件相同（重复）"
    REFUSED = "拒收"
    BAD_SIGNATURE = "签名无效"  # s8: the values were changed after signing, or the key is not the district's
    WRONG_KEY = "签名密钥不属于该镇街"  # s8: signed with a key the district issued to another township
    SUPERSEDED = "已被替代"  # s8: an older signed file than the one in force (a replayed file)
    UNSIGNED_REFUSED = "未签名（该镇街已使用签名）"  # s8: a signature stripped from a township that signs


ACCEPTED_VERDICTS = (Verdict.ACCEPTED, Verdict.WITH_ERRORS, Verdict.UNEXPLAINED)


class NotDistrictError(UserError, RuntimeError):
    """收件 into a township database (the district's tables belong to a district database)."""


@dataclass
class IntakeResult:
    """What became of one file (its register line)."""

    path: Path
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)
    township: str = ""
    period: str | None = None
    given: bool = False
    sha256: str = ""
    statuses: dict[str, str] = field(default_factory=dict)  # form key → report status after intake
    replaced: int = 0  # earlier files of the township-period now 已被替代
    identical: list[str] = field(default_factory=list)  # townships whose file holds the same values
    line_id: int | None = None
    township_id: int | None = None
    needs_confirmation: bool = False  # refused only because the district had marked it 已审核
    signature: str = ""  # s8: the signature verdict as the register shows it
    signed_at: str = ""  # s8: the signed export time of a validly signed file
    cleared: list[str] = field(default_factory=list)  # forms the file leaves out, emptied (their data replaced)

    @property
    def applied(self) -> bool:
        return self.verdict in ACCEPTED_VERDICTS

    def text(self) -> str:
        where = f"{self.township} {period_label(self.period)}" if self.township and self.period else ""
        reasons = "；".join(self.reasons)
        signature = f"；{self.signature}" if self.signature and self.signature != self.verdict else ""  # s8
        return (f"{self.path.name}：{self.verdict}" + (f"（{where}）" if where else "") + signature
                + (f" — {reasons}" if reasons else ""))


@dataclass
class IntakeBatch:
    results: list[IntakeResult] = field(default_factory=list)
    cancelled: bool = False
    backup: Path | None = None

    def count(self, *verdicts: Verdict) -> int:
        return sum(r.verdict in verdicts for r in self.results)

    def summary(self) -> str:
        parts = [f"{v}{self.count(v)}份" for v in Verdict if self.count(v)]
        tail = "（已取消，其余文件未收）" if self.cancelled else ""
        return f"共收件{len(self.results)}份：" + "，".join(parts or ["无"]) + tail


@dataclass(frozen=True)
class FileWrite:
    """One form of a received file as it replaces the stored report: its whole input (every input
    cell of the form, None where blank), its 说明, and its list rows in order."""

    form_key: str
    form_version: int
    values: dict[tuple[str, str, str], Any]
    notes: dict[tuple[str, str, str], str]
    list_rows: dict[str, list[str]]


def submission_files(paths: Iterable[Path]) -> list[Path]:
    """The files to receive: files as given, folders searched (sub-folders too) for workbooks,
    skipping hidden files and Office lock files (~$…)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
                            and not p.name.startswith((".", "~$")))
        else:
            found.append(path)
    return found


def intake_files(ws: Workspace, paths: Sequence[Path], *, township: Township | None = None,
                 period: str | None = None, confirm_replace: bool = False,
                 progress: Callable[[int, int, Path], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, backup: bool = True,
                 district_key: Any = None, workers: int | None = None) -> IntakeBatch:
    """Receive ``paths`` (files or folders) one by one, one transaction each.

    ``township``/``period``: only for files without ``_meta``. ``progress(i, n, path)`` is called
    before each file; ``cancelled()`` is asked between files. The database is backed up once
    before the first file (``backup``). ``district_key``: the unlocked ``security.keys.DistrictKey``
    that opens sealed ``.jnjp`` files (without it they are refused, saying why). ``workers``: how
    many processes read the files ahead (``district.read_ahead``; None: the other cores from
    ``PARALLEL_FROM`` files on; 0: none) — the results are the same either way."""
    if not ws.is_district:
        raise NotDistrictError("这是镇街填报数据库，不是区级汇总库：收件须在区级汇总库中进行"
                               "（新建：文件 → 新建区级汇总库…，或 intake 命令指定一个还不存在的文件）")
    files = submission_files(paths)
    batch = IntakeBatch()
    if backup and files:
        from storage.backup import make_backup

        batch.backup = make_backup(ws.store.path, "收件前")
    processes = reading_processes(len(files), workers)
    ahead = ReadAhead(files, ws.catalogue, processes) if processes else None
    try:
        for i, path in enumerate(files):
            if cancelled is not None and cancelled():
                batch.cancelled = True
                break
            if progress is not None:
                progress(i, len(files), path)
            batch.results.append(receive_file(ws, path, township=township, period=period,
                                              confirm_replace=confirm_replace, district_key=district_key,
                                              pre=ahead.take(i) if ahead is not None else None))
    finally:
        if ahead is not None:
            ahead.close()
    return batch


def receive_file(ws: Workspace, path: Path, *, township: Township | None = None, period: str | None = None,
                 confirm_replace: bool = False, district_key: Any = None,
                 pre: PreRead | None = None) -> IntakeResult:
    """Receive one file: read, judge, and (when acceptable) write it with its register line in ONE
    transaction. Never raises for a bad file: the verdict says why (a database failure does).
    ``pre``: the file as already read by a reading process (``district.read_ahead``)."""
    path = Path(path)
    result = IntakeResult(path, Verdict.REFUSED)
    read: SubmissionFile | None = None
    try:
        if pre is None:
            result.sha256 = file_sha256(path)
        else:
            result.sha256 = pre.sha256
            pre.raise_refusal()
            read = pre.read
        if read is None:
            read = _read_file(ws, path, result, district_key)  # s8: a sealed file is opened first
        target = _judge(ws, read, result, township, period, confirm_replace)
    except READ_ERRORS as exc:  # a hostile or broken file must never stop the batch
        result.verdict, result.reasons = Verdict.REFUSED, refusal(exc)
        target = None
    town_id = result.township_id
    forms = ",".join(f"{k}@{v}" for k, v in read.form_versions.items()) if read else ""
    if read is not None and not forms:
        forms = ",".join(f"{f.key}@{f.form.version}" for f in read.forms)
    fields = dict(file_name=path.name, sha256=result.sha256, township_id=town_id, period=result.period,
                  given=result.given, program_version=read.program_version if read else "", forms=forms,
                  signature=result.signature, signed_at=result.signed_at)
    if not result.applied or read is None or target is None or result.period is None:
        result.line_id = ws.add_intake_line(verdict=result.verdict, reasons=result.reasons[:_MAX_REASONS], **fields)
        return result
    data_sha = pre.data_sha256 if pre is not None and pre.data_sha256 is not None else data_sha256(read)
    writes = [_file_write(item) for item in read.forms]
    target_id, target_period = target.id, result.period

    def judge(statuses: dict[str, str], replaced: int, cleared: list[str]) -> tuple[str, list[str]]:
        """The line's verdict once the reports are validated (inside the file's transaction)."""
        result.verdict = Verdict.ACCEPTED
        if "有错误" in statuses.values():
            result.verdict = Verdict.WITH_ERRORS
        elif "有警告" in statuses.values():
            result.verdict = Verdict.UNEXPLAINED
        if replaced:
            result.reasons.append(f"替代了此前收到的{replaced}份文件（其数值保留在修改记录中）")
        if cleared:
            result.cleared = list(cleared)
            result.reasons.append(f"文件中没有{'、'.join(ws.form(k).code for k in cleared)}：此前收到的数据已清除"
                                  "（保留在修改记录中），报送进度中显示为未收到")
        result.identical = [ws.township(t).name for t in ws.identical_data(target_period, data_sha, target_id)]
        if result.identical:
            result.reasons.append(f"数据与{'、'.join(result.identical)}的文件完全相同（疑似复制）")
        return str(result.verdict), result.reasons[:_MAX_REASONS]

    # e6: a form the township declared 本期无数据 (and the file carries empty) keeps its declaration
    declared = {w.form_key: read.no_data[w.form_key] for w in writes
                if w.form_key in read.no_data and not any(v is not None for v in w.values.values())}
    if declared:
        result.reasons.append("声明本期无数据：" + "；".join(f"{ws.form(k).code}（{r}）" for k, r in declared.items()))
    del fields["township_id"], fields["period"]
    # y3: the findings the reading process made of the file as a new township-period of its own period
    checked = pre.findings if pre is not None and pre.read is read and read.period == target_period else None
    result.line_id, result.statuses, result.replaced = ws.write_intake(
        target_id, target_period, writes, data_sha256=data_sha, reasons=result.reasons, judge=judge,
        no_data=declared, checked=checked, **fields)
    return result


def _judge(ws: Workspace, read: SubmissionFile, result: IntakeResult, township: Township | None,
           period: str | None, confirm_replace: bool) -> Township | None:
    """Where the file goes and whether it may; sets the verdict (ACCEPTED = may be written)."""
    name = read.path.name
    target = _file_township(ws, read)
    if target is None and read.township_name:
        raise ImportRefused(f"文件中的填报单位“{read.township_name}”（统计代码 {read.township_stat_code or '无'}）"
                            "不在区级汇总库的镇街名录中")
    file_period = read.period
    if target is None or file_period is None:
        if township is None or period is None:
            raise ImportRefused(f"文件 {name} 中没有填报单位和报告期（可能是另存过的空白模板），"
                                "请指定镇街和报告期后再收这个文件")
        try:
            given_period = parse_period(period)
        except PeriodError as exc:
            raise ImportRefused(str(exc)) from None
        if target is not None and target.id != township.id:
            raise ImportRefused(f"文件 {name} 的填报单位是“{target.name}”，不是指定的“{township.name}”")
        target, file_period, result.given = township, file_period or given_period, True
        result.reasons.append(f"文件中没有{'填报单位和报告期' if read.kind == 'layout' else '报告期'}，"
                              f"按收件人指定的{township.name} {period_label(file_period)}接收")
    result.township, result.period, result.township_id = target.name, file_period, target.id
    if read.modified:
        result.verdict = Verdict.MODIFIED
        result.reasons.append(MODIFIED_WARNING + "；未接收其数值，请镇街重新导出后报送")
        return target
    if not _signature_verdict(ws, read, result, target.id, file_period):  # s8
        return target
    stale = [f"{ws.form(k).code}（文件第{v}版，本程序第{ws.form(k).version}版）" for k, v in read.form_versions.items()
             if k in {f.key for f in ws.catalogue} and v != ws.form(k).version]
    if stale:
        result.verdict = Verdict.VERSION
        result.reasons.append("表式版本与区里不同：" + "、".join(stale) + "；未接收其数值，请使用同一版本的程序重新导出")
        return target
    if not read.forms:
        raise ImportRefused(f"文件 {name} 中没有本程序的任何表式" + ("：" + "；".join(read.notices) if read.notices else ""))
    if read.rejected:
        cells = [f"{r.text()}" for r in read.rejected[:10]]
        more = f"等{len(read.rejected)}处" if len(read.rejected) > 10 else ""
        raise ImportRefused(f"有{len(read.rejected)}个单元格无法读取{more}：" + "；".join(cells))
    duplicate = ws.intake_line_with_sha(result.sha256)
    if duplicate is not None:
        result.verdict = Verdict.DUPLICATE
        result.reasons.append(f"与 {duplicate.received_at} 收到的 {duplicate.file_name} 完全相同，未重复写入")
        return target
    marks = ws.district_marks(file_period)
    # the file replaces every form of the township-period (one it leaves out is emptied)
    audited = [k for (town_id, k), mark in sorted(marks.items()) if town_id == target.id and mark == "已审核"]
    if audited and not confirm_replace:
        result.needs_confirmation = True
        names = "、".join(ws.form(k).code for k in audited)
        raise ImportRefused(f"{target.name} {period_label(file_period)}的{names}已由区里审核（已审核），"
                            "替换须确认（窗口中确认，命令行加 --confirm-replace）；未接收")
    if audited:
        result.reasons.append(f"已审核的报表经确认后被替换：{'、'.join(ws.form(k).code for k in audited)}")
    result.reasons += read.notices
    result.verdict = Verdict.ACCEPTED
    return target


def _file_township(ws: Workspace, read: SubmissionFile) -> Township | None:
    for text in (read.township_stat_code, read.township_mca_code, read.township_name):
        if text:
            found = ws.find_township(text)
            if found is not None:
                return found
    return None


def _file_write(item: FileForm) -> FileWrite:
    """Every input cell of the form: the file's value or None (a received report is the
    township's whole report, so a blank in it is blank in the district)."""
    form = item.form
    got = item.values.get
    inputs = form_inputs(form)
    values: dict[tuple[str, str, str], Any] = {}
    for table in form.tables:
        if table.kind == "grid":
            cells = inputs.grid[table.key]
            values.update(zip(cells, map(got, cells)))  # (u4: in order, without a Python step per cell)
            continue
        columns = inputs.list_columns[table.key]
        for row_key in item.list_rows.get(table.key, []):
            for col_key in columns:
                cell = (table.key, row_key, col_key)
                values[cell] = got(cell)
    return FileWrite(form.key, form.version, values, dict(item.notes),
                     {k: list(v) for k, v in item.list_rows.items()})


# -- s8: the signature verdict ------------------------------------------------------------------------

def _signature_verdict(ws: Workspace, read: SubmissionFile, result: IntakeResult, township_id: int,
                       period: str) -> bool:
    """Judge the file's signature (``security.signing``) against the district's pinned public key;
    False (verdict set, nothing written) for 签名无效, 签名密钥不属于该镇街, an older signed file
    than the one in force (已被替代) and an unsigned file from a township that has sent validly
    signed ones before. A township without a key still sends unsigned files (未签名)."""
    from security.signing import SIGNED_BAD, SIGNED_OK, UNSIGNED, WRONG_TOWNSHIP, verify_signature

    verdict = verify_signature(read.signature, read.township_name, read.township_stat_code,
                               ws.district_public_key())
    result.signature = verdict.text
    if verdict.status in (SIGNED_BAD, WRONG_TOWNSHIP):
        result.verdict = Verdict.BAD_SIGNATURE if verdict.status == SIGNED_BAD else Verdict.WRONG_KEY
        result.reasons.append(f"{verdict.text}；未接收其数值")
        return False
    if verdict.status == UNSIGNED and ws.township_sends_signed(township_id):
        # stripping the signature must not turn a forged file into an accepted 未签名 one
        result.verdict = Verdict.UNSIGNED_REFUSED
        result.reasons.append("该镇街此前报送的是签名文件，这份文件没有签名（可能被去掉了签名并改动过）；"
                              "未接收其数值，请镇街用本程序重新导出")
        return False
    if verdict.status != SIGNED_OK:
        return True
    result.signed_at = verdict.signed_at
    current = ws.current_intake(period).get(township_id)
    if current is not None and current.signed_at and verdict.signed_at < current.signed_at:
        result.verdict = Verdict.SUPERSEDED
        result.reasons.append(f"文件签名时间 {verdict.signed_at} 早于已接收的 {current.file_name}"
                              f"（{current.signed_at}），是较旧的文件，未接收其数值")
        return False
    return True


def _read_file(ws: Workspace, path: Path, result: IntakeResult, district_key: Any) -> SubmissionFile:
    """``read_submission``, after opening a sealed file (``security.sealed``) with the district key
    into a private temporary folder. A sealed file's register SHA-256 is that of the workbook inside,
    so the same submission carried both sealed and readable is received once (重复)."""
    from security.sealed import is_sealed, open_sealed
    from security.suite import SecurityError

    if not is_sealed(path):
        return read_submission(path, ws.catalogue)
    if district_key is None:
        raise ImportRefused(f"{path.name} 是密封报送文件（.jnjp），须用区密钥打开"
                            "（窗口中选择区密钥文件；命令行加 --key 区密钥，口令从提示或环境变量 JNJP_PASSPHRASE 输入）")
    import tempfile

    try:
        opened = open_sealed(path.read_bytes(), district_key)
    except SecurityError as exc:
        raise ImportRefused(f"{path.name}：{exc}") from None
    result.sha256 = hashlib.sha256(opened.workbook).hexdigest()
    result.reasons.append(f"密封文件，内含 {opened.file_name}")
    with tempfile.TemporaryDirectory(prefix="jnjp-sealed-") as folder:
        inner = Path(folder) / opened.file_name
        inner.write_bytes(opened.workbook)
        read = read_submission(inner, ws.catalogue)
    read.path = path
    return read
