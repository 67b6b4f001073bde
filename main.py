"""永川区节能减排统计填报客户端 — entry point.

Only parses arguments, then starts the window or one headless command (see ``commands``):

    python main.py                         open the window (demo database on first run)
    python main.py validate --db D --period P [--township T] [--json]
    python main.py export   --db D --period P --out F.xlsx [--township T]
    python main.py import   FILE --db D [--dry-run] [--township T --period P] [--forms K,K] [--replace-blank]
    python main.py undo-import --db D [--township T --period P]
    python main.py template --db D --period P --out F.xlsx [--township T]
    python main.py flat     --db D --out F.xlsx|F.csv [--township T] [--period P]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

USAGE = """用法：
  python main.py [--db 数据库文件]                       打开填报窗口
  python main.py validate --db 数据库 --period 报告期 [--township 镇街] [--form 表式] [--json]
      审核并列出问题（--json 输出同样内容的 JSON）；退出码 0 无错误，1 有错误，2 参数或文件有误
  python main.py export   --db 数据库 --period 报告期 --out 输出.xlsx [--township 镇街]
  python main.py import   文件.xlsx --db 数据库 [--dry-run] [--township 镇街 --period 报告期] [--forms 表式,表式] [--replace-blank]
      导入 .xlsx/.xls/.ods（--dry-run 只预览）；退出码 0 成功，1 有单元格被拒绝，2 文件被拒绝
      --forms 表式,表式 只导入这些表；--replace-blank 以文件为准：文件中为空的单元格清空（默认保留原值）
  python main.py undo-import --db 数据库 [--township 镇街 --period 报告期]
      撤销最近一次导入，恢复到导入前的数据；退出码 0 已撤销，2 没有可撤销的导入或参数有误
  python main.py template --db 数据库 --period 报告期 --out 模板.xlsx [--township 镇街]   空白模板
  python main.py flat     --db 数据库 --out 清单.xlsx 或 清单.csv [--township 镇街] [--period 报告期]
  python main.py --version
  python main.py [--db 数据库文件] --screenshot 窗口.png   保存窗口截图后退出（可离屏运行）
  python main.py --self-test                             自检（临时文件夹中建库、审核、导出、重新导入）

报告期写作 2025（年报）、2025Q3（季报）或 2025M09（月报）；
镇街可写统计代码或名称，数据库中只有一个镇街有该期数据时可省略。"""

EXIT_USAGE = 2


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its complaints in Chinese and our own usage text."""

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


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="main.py", add_help=True)
    parser.add_argument("--db", type=Path, help="数据库文件")
    parser.add_argument("--version", action="store_true", help="显示版本")
    parser.add_argument("--screenshot", type=Path, help="打开窗口、保存截图（PNG）后退出")
    parser.add_argument("--self-test", action="store_true", help="自检：临时数据库中加载、审核、导出、重新导入")
    sub = parser.add_subparsers(dest="command", parser_class=ChineseArgumentParser)
    for name in ("validate", "export"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--db", type=Path, required=True, dest="cmd_db")
        cmd.add_argument("--period", required=True)
        cmd.add_argument("--township")
        cmd.add_argument("--form", action="append", dest="forms")
        if name == "export":
            cmd.add_argument("--out", type=Path, required=True)
        else:
            cmd.add_argument("--json", action="store_true", dest="as_json")
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
    for name in ("template", "flat"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--db", type=Path, required=True, dest="cmd_db")
        cmd.add_argument("--out", type=Path, required=True)
        cmd.add_argument("--period", required=name == "template")
        cmd.add_argument("--township")
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
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

        return run_gui(args.db, screenshot=args.screenshot)
    import commands

    if args.command == "import":
        forms = [k.strip() for k in args.forms.split(",") if k.strip()] if args.forms else None
        return commands.run_import(db=args.cmd_db, file=args.file, township=args.township, period=args.period,
                                   dry_run=args.dry_run, forms=forms, replace_blank=args.replace_blank)
    if args.command == "undo-import":
        return commands.run_undo_import(db=args.cmd_db, township=args.township, period=args.period)
    if args.command in ("template", "flat"):
        return commands.run_sheet_export(args.command, db=args.cmd_db, out=args.out, period=args.period,
                                         township=args.township)
    return commands.run(args.command, db=args.cmd_db, period=args.period, township=args.township,
                        forms=args.forms, out=getattr(args, "out", None), as_json=getattr(args, "as_json", False))


if __name__ == "__main__":
    sys.exit(main())
