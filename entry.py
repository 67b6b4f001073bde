"""The code of the entry point ``main.py``: parses the arguments, then starts the window or one
headless command (see ``commands``).

A module, not the script itself: Python compiles a script at every start and keeps bytecode only
for imported modules (s1, issue 16: compiling these ~450 lines was ~8 ms of every command's start).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

USAGE = """用法：
  python main.py [--db 数据库文件]                       打开填报窗口
  python main.py validate --db 数据库 --period 报告期 [--township 镇街] [--form 表式] [--json]
      审核并列出问题（--json 输出同样内容的 JSON；只读，不写数据库）
  python main.py export   --db 数据库 --period 报告期 --out 输出.xlsx [--township 镇街]
  python main.py import   文件.xlsx --db 数据库 [--dry-run] [--township 镇街 --period 报告期] [--forms 表式,表式] [--replace-blank]
      导入 .xlsx/.xls/.ods（--dry-run 只预览）；--forms 只导入这些表；--replace-blank 以文件为准：文件中为空的单元格清空（默认保留原值）
  python main.py undo-import --db 数据库 [--township 镇街 --period 报告期]
      撤销最近一次导入，恢复到导入前的数据（没有可撤销的导入时退出码 2）
  python main.py template --db 数据库 --period 报告期 --out 模板.xlsx [--township 镇街]   空白模板
  python main.py no-data  --db 数据库 --township 镇街 --period 报告期 --form 表式 --reason 原因 [--withdraw]
      声明某表本期无数据（须写明原因；已填有数据的表不能声明，退出码 2）；--withdraw 撤销声明
  python main.py flat     --db 数据库 --out 清单.xlsx 或 清单.csv [--township 镇街] [--period 报告期]
  python main.py aggregate --db 数据库 --period 报告期 --out 汇总.xlsx [--townships 代码,代码] [--group 镇|街道]
      汇总：全区汇总（默认）、分类汇总（--group 镇 或 街道）或选择汇总（--townships），含对比表与汇总说明
  python main.py progress --db 数据库 [--json] [--out 进度.xlsx]
      规划目标进度：各目标2021—2025年的全区数值、目标、路径、已完成/还差/每年需
  python main.py intake   文件或文件夹… --db 区库.sqlite [--township 镇街 --period 报告期] [--confirm-replace] [--json]
      区里收件：每个文件进入它自己的镇街和报告期（文件中没有时才用 --township/--period）；库文件不存在时新建区级汇总库；
      退出码 1 表示有文件未接收（拒收、校验码不符、表式版本不符，其数据未写入）
  python main.py completeness --db 区库.sqlite --period 报告期 [--deadline 2026-03-31] [--json]   报送进度矩阵
  python main.py findings --db 区库.sqlite --period 报告期 [--township 镇街] [--severity 错误|警告|提示] [--form 表式] [--rule 规则] [--json]
      区里审核：各镇街已收报表的审核结果与跨镇街规则（只读；有错误时退出码 1）
  python main.py accept   --db 区库.sqlite --township 镇街 --period 报告期 [--form 表式] [--undo]   标记为已审核
  python main.py feedback --db 区库.sqlite --township 镇街 --period 报告期 --out 反馈.xlsx   退回：写出反馈表，标记已退回
  python main.py keys new-district --out 区密钥 [--name 单位名]        生成区密钥（另写 区密钥.pub 公钥）
  python main.py keys issue --key 区密钥 --township 镇街 --out 镇街.jnjpkey   为镇街签发签名密钥
  python main.py keys import 镇街.jnjpkey --db 镇街库.sqlite          镇街导入密钥（此后导出的文件签名并密封）
  python main.py keys trust 区密钥.pub --db 数据库                    认定区公钥（区级汇总库据此验证签名）
  python main.py keys show --db 数据库                                查看数据库中的密钥
      口令从提示输入，或用环境变量 JNJP_PASSPHRASE（使用的密钥）/ JNJP_NEW_PASSPHRASE（新签发的密钥），不能写在命令行中；
      intake 加 --key 区密钥 可收密封文件（.jnjp）
  python main.py package --key 区密钥 --out 2026年任务参数.jnjptask --version 版本号 [--title 标题] [--changelog 说明]…
      区里把（编辑过的）表式、规则、折标系数、规划目标和镇街名录签名打包成任务参数
  python main.py task import 任务参数.jnjptask --db 数据库 [--dry-run]   验证签名、显示变化并安装（保留上一版）
  python main.py task rollback --db 数据库 | task show --db 数据库 | task local-edits on|off --db 数据库
  python main.py export … [--readable]   已认定区公钥时，默认只把密封报送文件 镇街_报告期.jnjp 写到 --out 所在文件夹
      （--out 也可直接写 文件.jnjp），可读的 Excel 工作簿存入数据库旁的 报送存档/ 文件夹；
      --readable 同时把可读工作簿写到 --out（.xlsx），U盘遗失时可被读取
  python main.py export … --office-copy   另写一份 Excel/WPS 可用密码打开的加密副本 X_加密.xlsx（密码：提示或 JNJP_OFFICE_PASSWORD）
  python main.py db-password set|change|remove --db 数据库     数据库密码（SQLCipher 整库加密，备份同样加密）
      密码从提示输入，或用环境变量 JNJP_DB_PASSWORD（当前密码）/ JNJP_NEW_DB_PASSWORD（新密码）；
      设有密码的数据库，每个命令都先要密码。忘记密码无法找回，只能从区里的报送文件副本恢复
  python main.py --version
  python main.py [--db 数据库文件] --screenshot 窗口.png   保存窗口截图后退出（可离屏运行）
  python main.py --demo [--db 数据库文件]                打开演示数据库（默认为数据库旁的 演示数据.sqlite；新建时填入演示镇）
  python main.py --self-test                             自检（临时文件夹中建库、核对内置表式清单、审核、导出、重新导入）

退出码：0 成功；1 有错误/拒绝导出/有单元格被拒绝（数据库未改动）；2 参数错误或文件不可用（数据库不存在、为空、
已损坏、不是本程序的、由较新版本创建、只读，导入文件被拒绝，输出路径不允许；口令或数据库密码不对或缺少，密钥文件或任务参数被拒绝）；3 无法完成（如磁盘已满、目标文件正被 Excel 打开，未做改动）；
4 数据库正在程序窗口中打开（import、export 需要先关闭窗口）。

报告期写作 2025（年报）、2025Q3（季报）或 2025M09（月报）；
镇街可写统计代码或名称，数据库中只有一个镇街有该期数据时可省略。"""

EXIT_USAGE = 2


class _FixedWidthFormatter(argparse.HelpFormatter):
    """argparse's formatter without asking the terminal its size (it is made for every argument
    added, ~80 times a start; the help text printed is our own USAGE anyway)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, width or 100)


# r4: argparse's own messages stay English for ``error`` below to translate (Python ships no
# catalogue for them): skip gettext's search for one, which imports ``locale`` on every start
argparse._ = lambda message: message  # type: ignore[attr-defined]
argparse.ngettext = lambda singular, plural, n: singular if n == 1 else plural  # type: ignore[attr-defined]


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its complaints in Chinese and our own usage text."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _FixedWidthFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def format_usage(self) -> str:
        return USAGE + "\n"

    def format_help(self) -> str:
        return USAGE + "\n"

    def error(self, message: str) -> None:  # type: ignore[override]
        translations = {
            "the following arguments are required": "缺少必需的参数",
            "unrecognized arguments": "无法识别的参数",
            "expected one argument": "需要一个参数值",
            "invalid choice": "无效的命令",
        }
        for english, chinese in translations.items():
            message = message.replace(english, chinese)
        sys.stderr.write(f"参数错误：{message}\n\n{USAGE}\n")
        sys.exit(EXIT_USAGE)


class _LazyParsers(dict):
    """The subcommands' parsers, each group made when one of its names is first used (s1: making all
    ~25 parsers with their ~130 arguments was a few ms of every start). The names are there from
    the start, in order, so argparse checks a command name and words "invalid choice" as before."""

    def __init__(self, sub: argparse._SubParsersAction,
                 groups: tuple[tuple[tuple[str, ...], Callable[[argparse._SubParsersAction], None]], ...]) -> None:
        self._sub = sub
        self._order = [name for names, _ in groups for name in names]
        self._groups = {name: (names, build) for names, build in groups for name in names}
        super().__init__((name, None) for name in self._order)

    def __getitem__(self, name: str) -> argparse.ArgumentParser:
        parser = dict.__getitem__(self, name)
        if parser is None:
            names, build = self._groups[name]
            for made in names:  # (``add_parser`` refuses a name it already has)
                dict.pop(self, made)
            build(self._sub)
            ordered = [(n, dict.__getitem__(self, n)) for n in self._order]
            dict.clear(self)
            dict.update(self, ordered)
            parser = dict.__getitem__(self, name)
        return parser


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="main.py", add_help=True)
    parser.add_argument("--db", type=Path, help="数据库文件")
    parser.add_argument("--version", action="store_true", help="显示版本")
    parser.add_argument("--screenshot", type=Path, help="打开窗口、保存截图（PNG）后退出")
    parser.add_argument("--demo", action="store_true", help="打开演示数据库（新建时填入演示数据）")
    parser.add_argument("--self-test", action="store_true", help="自检：临时数据库中加载、审核、导出、重新导入")
    sub = parser.add_subparsers(dest="command", parser_class=ChineseArgumentParser)
    sub._name_parser_map = sub.choices = _LazyParsers(sub, COMMAND_GROUPS)  # type: ignore[assignment]
    return parser


def _add_report_commands(sub: argparse._SubParsersAction) -> None:
    """``validate`` and ``export``."""
    for name in ("validate", "export"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--db", type=Path, required=True, dest="cmd_db")
        cmd.add_argument("--period", required=True)
        cmd.add_argument("--township")
        cmd.add_argument("--form", action="append", dest="forms")
        if name == "export":
            cmd.add_argument("--out", type=Path, required=True)
            cmd.add_argument("--office-copy", action="store_true")  # s8: also X_加密.xlsx
            cmd.add_argument("--readable", action="store_true")  # r1: carry the readable workbook too
        else:
            cmd.add_argument("--json", action="store_true", dest="as_json")


def _add_import_commands(sub: argparse._SubParsersAction) -> None:
    """``import`` and ``undo-import``."""
    imp = sub.add_parser("import")
    imp.add_argument("file", type=Path)
    imp.add_argument("--db", type=Path, required=True, dest="cmd_db")
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--township")
    imp.add_argument("--period")
    imp.add_argument("--forms")
    imp.add_argument("--replace-blank", action="store_true")
    undo = sub.add_parser("undo-import")
    undo.add_argument("--db", type=Path, required=True, dest="cmd_db")
    undo.add_argument("--township")
    undo.add_argument("--period")


def _add_sheet_commands(sub: argparse._SubParsersAction) -> None:
    """``template`` and ``flat``."""
    for name in ("template", "flat"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--db", type=Path, required=True, dest="cmd_db")
        cmd.add_argument("--out", type=Path, required=True)
        cmd.add_argument("--period", required=name == "template")
        cmd.add_argument("--township")


def _add_key_commands(sub: argparse._SubParsersAction) -> None:
    """``keys`` (s8: security/cli.py)."""
    keys = sub.add_parser("keys")
    actions = keys.add_subparsers(dest="key_action", required=True, parser_class=ChineseArgumentParser)
    new = actions.add_parser("new-district")
    new.add_argument("--out", type=Path, required=True)
    new.add_argument("--name")
    issue = actions.add_parser("issue")
    issue.add_argument("--key", type=Path, required=True)
    issue.add_argument("--township", required=True)
    issue.add_argument("--out", type=Path, required=True)
    for name in ("import", "trust"):
        cmd = actions.add_parser(name)
        cmd.add_argument("file", type=Path)
        cmd.add_argument("--db", type=Path, required=True, dest="cmd_db")
    show = actions.add_parser("show")
    show.add_argument("--db", type=Path, required=True, dest="cmd_db")
    package = sub.add_parser("package")
    package.add_argument("--key", type=Path, required=True)
    package.add_argument("--out", type=Path, required=True)
    package.add_argument("--version", type=int, required=True, dest="package_version")
    package.add_argument("--title")
    package.add_argument("--changelog", action="append")
    task = sub.add_parser("task")
    task_actions = task.add_subparsers(dest="task_action", required=True, parser_class=ChineseArgumentParser)
    task_import = task_actions.add_parser("import")
    task_import.add_argument("file", type=Path)
    task_import.add_argument("--db", type=Path, required=True, dest="cmd_db")
    task_import.add_argument("--dry-run", action="store_true")
    for name in ("rollback", "show"):
        task_actions.add_parser(name).add_argument("--db", type=Path, required=True, dest="cmd_db")
    password = sub.add_parser("db-password")
    password.add_argument("action", choices=("set", "change", "remove"))
    password.add_argument("--db", type=Path, required=True, dest="cmd_db")
    local = task_actions.add_parser("local-edits")
    local.add_argument("switch", choices=("on", "off"))
    local.add_argument("--db", type=Path, required=True, dest="cmd_db")


def _run_key_command(args: argparse.Namespace) -> int:
    from security.cli import run_keys, run_package, run_task

    if args.command == "db-password":
        from security.db_password import run_db_password

        return run_db_password(args.action, db=args.cmd_db)
    if args.command == "package":
        return run_package(key=args.key, out=args.out, version=args.package_version, title=args.title,
                           changelog=args.changelog)
    if args.command == "task":
        return run_task(args.task_action, db=args.cmd_db, file=getattr(args, "file", None),
                        dry_run=getattr(args, "dry_run", False), switch=getattr(args, "switch", None))

    return run_keys(args.key_action, out=getattr(args, "out", None), key=getattr(args, "key", None),
                    township=getattr(args, "township", None), db=getattr(args, "cmd_db", None),
                    file=getattr(args, "file", None), name=getattr(args, "name", None))


def _add_summary_commands(sub: argparse._SubParsersAction) -> None:
    """``aggregate`` and ``progress`` (汇总 and plan progress, W2-E)."""
    agg = sub.add_parser("aggregate")
    agg.add_argument("--db", type=Path, required=True, dest="cmd_db")
    agg.add_argument("--period", required=True)
    agg.add_argument("--out", type=Path, required=True)
    agg.add_argument("--townships")
    agg.add_argument("--group")
    prog = sub.add_parser("progress")
    prog.add_argument("--db", type=Path, required=True, dest="cmd_db")
    prog.add_argument("--json", action="store_true", dest="as_json")
    prog.add_argument("--out", type=Path)


def _run_summary_command(args: argparse.Namespace) -> int:
    import commands

    if args.command == "aggregate":
        towns = [t.strip() for t in args.townships.split(",") if t.strip()] if args.townships is not None else None
        return commands.run_aggregate(db=args.cmd_db, period=args.period, out=args.out, townships=towns,
                                      group=args.group)
    return commands.run_progress(db=args.cmd_db, as_json=args.as_json, out=args.out)


def _district_commands(sub: argparse._SubParsersAction) -> None:
    """intake, completeness, findings, accept, feedback (the district database, W2-D)."""
    intake = sub.add_parser("intake")
    intake.add_argument("files", type=Path, nargs="+")
    intake.add_argument("--db", type=Path, required=True, dest="cmd_db")
    intake.add_argument("--township")
    intake.add_argument("--period")
    intake.add_argument("--confirm-replace", action="store_true")
    intake.add_argument("--json", action="store_true", dest="as_json")
    intake.add_argument("--key", type=Path)  # s8: the district key, to open sealed .jnjp files
    matrix = sub.add_parser("completeness")
    matrix.add_argument("--db", type=Path, required=True, dest="cmd_db")
    matrix.add_argument("--period", required=True)
    matrix.add_argument("--deadline")
    matrix.add_argument("--json", action="store_true", dest="as_json")
    findings = sub.add_parser("findings")
    findings.add_argument("--db", type=Path, required=True, dest="cmd_db")
    findings.add_argument("--period", required=True)
    findings.add_argument("--township")
    findings.add_argument("--severity", choices=("错误", "警告", "提示"))
    findings.add_argument("--form")
    findings.add_argument("--rule")
    findings.add_argument("--json", action="store_true", dest="as_json")
    accept = sub.add_parser("accept")
    accept.add_argument("--db", type=Path, required=True, dest="cmd_db")
    accept.add_argument("--township", required=True)
    accept.add_argument("--period", required=True)
    accept.add_argument("--form", action="append", dest="forms")
    accept.add_argument("--undo", action="store_true")
    no_data = sub.add_parser("no-data")  # e6: 本期无数据
    no_data.add_argument("--db", type=Path, required=True, dest="cmd_db")
    no_data.add_argument("--township", required=True)
    no_data.add_argument("--period", required=True)
    no_data.add_argument("--form", required=True)
    no_data.add_argument("--reason", default="")
    no_data.add_argument("--withdraw", action="store_true")
    feedback = sub.add_parser("feedback")
    feedback.add_argument("--db", type=Path, required=True, dest="cmd_db")
    feedback.add_argument("--township", required=True)
    feedback.add_argument("--period", required=True)
    feedback.add_argument("--out", type=Path, required=True)


# Every subcommand, in the order "invalid choice" lists them, with the function that makes its group.
COMMAND_GROUPS: tuple[tuple[tuple[str, ...], Callable[[argparse._SubParsersAction], None]], ...] = (
    (("validate", "export"), _add_report_commands),
    (("import", "undo-import"), _add_import_commands),
    (("intake", "completeness", "findings", "accept", "no-data", "feedback"), _district_commands),
    (("template", "flat"), _add_sheet_commands),
    (("aggregate", "progress"), _add_summary_commands),
    (("keys", "package", "task", "db-password"), _add_key_commands),
)


def _run_district(args: argparse.Namespace) -> int | None:
    import commands

    if args.command == "intake":
        return commands.run_intake(db=args.cmd_db, files=args.files, township=args.township, period=args.period,
                                   confirm_replace=args.confirm_replace, as_json=args.as_json, key=args.key)
    if args.command == "completeness":
        return commands.run_completeness(db=args.cmd_db, period=args.period, as_json=args.as_json,
                                         deadline=args.deadline)
    if args.command == "findings":
        return commands.run_findings(db=args.cmd_db, period=args.period, township=args.township,
                                     severity=args.severity, form=args.form, rule=args.rule, as_json=args.as_json)
    if args.command == "accept":
        return commands.run_mark(db=args.cmd_db, township=args.township, period=args.period, forms=args.forms,
                                 mark=None if args.undo else "已审核")
    if args.command == "feedback":
        return commands.run_feedback(db=args.cmd_db, township=args.township, period=args.period, out=args.out)
    return None


# Control characters (ESC starts a terminal escape sequence; CR, BS overwrite what was printed), DEL,
# C1 controls, bidirectional overrides and line separators are printed as visible escapes: C0 as \x1b,
# the others as \u0085 (also a valid escape inside the JSON of ``validate --json``, which already
# escapes C0 itself).
_UNSAFE_CHARS = {c: f"\\x{c:02x}" for c in range(0x00, 0x20) if chr(c) not in "\n\t"}
_UNSAFE_CHARS.update({c: f"\\u{c:04x}" for c in [0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F,
                                                 *range(0x2028, 0x202F), *range(0x2066, 0x206A)]})


class SafeStream:
    """stdout/stderr for the headless commands: a file name with terminal escape sequences (or any
    stored text) cannot move the cursor, recolour, retitle or hide lines of the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(text.translate(_UNSAFE_CHARS))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


CLI_HINT = "提示：在命令提示符中运行命令请用同一文件夹中的 jnjp-cli.exe（会等命令完成、显示结果并返回退出码）。"


def _give_streams() -> None:
    """w5: jnjp.exe is a Windows GUI program (no console window on a double-click), so it starts
    with no stdout/stderr (None) and every print of a command would fail. Started from ``cmd`` it
    attaches to that console (the text appears there, after cmd's prompt: cmd does not wait for a
    GUI program, hence the hint to use jnjp-cli.exe); started without one, output goes nowhere."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    console = None
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # type: ignore[attr-defined]  # ATTACH_PARENT_PROCESS
            try:
                console = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            except OSError:
                console = None
    import os

    stream = console or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the whole run
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream
    if console is not None and len(sys.argv) > 1:
        print(f"\n{CLI_HINT}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    _give_streams()
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        from version import APP_NAME, version_text

        print(f"{APP_NAME} {version_text()}")
        return 0
    if args.self_test:
        from selftest import run_self_test

        return run_self_test()
    if args.command is None:
        from ui.app import run_gui

        sys.stdout, sys.stderr = sys.stdout._stream, sys.stderr._stream  # type: ignore[attr-defined]
        return run_gui(args.db, screenshot=args.screenshot, demo=args.demo)
    if args.command in ("aggregate", "progress"):
        return _run_summary_command(args)
    if args.command in ("keys", "package", "task", "db-password"):
        return _run_key_command(args)
    import commands

    district = _run_district(args)
    if district is not None:
        return district
    if args.command == "import":
        forms = [k.strip() for k in args.forms.split(",") if k.strip()] if args.forms else None
        return commands.run_import(db=args.cmd_db, file=args.file, township=args.township, period=args.period,
                                   dry_run=args.dry_run, forms=forms, replace_blank=args.replace_blank)
    if args.command == "undo-import":
        return commands.run_undo_import(db=args.cmd_db, township=args.township, period=args.period)
    if args.command == "no-data":
        return commands.run_no_data(db=args.cmd_db, township=args.township, period=args.period, form=args.form,
                                    reason=args.reason, withdraw=args.withdraw)
    if args.command in ("template", "flat"):
        return commands.run_sheet_export(args.command, db=args.cmd_db, out=args.out, period=args.period,
                                         township=args.township)
    return commands.run(args.command, db=args.cmd_db, period=args.period, township=args.township,
                        forms=args.forms, out=getattr(args, "out", None), as_json=getattr(args, "as_json", False),
                        office_copy=getattr(args, "office_copy", False), readable=getattr(args, "readable", False))

