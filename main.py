"""永川区节能减排统计填报客户端 — entry point.

Only parses arguments, then starts the window or one headless command (see ``commands``):

    python main.py                         open the window (a new database asks who the clerk is)
    python main.py --demo                  open the demo database (演示数据.sqlite)
    python main.py validate --db D --period P [--township T] [--json]
    python main.py export   --db D --period P --out F.xlsx [--township T]
    python main.py import   FILE --db D [--dry-run] [--township T --period P] [--forms K,K] [--replace-blank]
    python main.py undo-import --db D [--township T --period P]
    python main.py template --db D --period P --out F.xlsx [--township T]
    python main.py flat     --db D --out F.xlsx|F.csv [--township T] [--period P]
    python main.py aggregate --db D --period P --out F.xlsx [--townships C,C] [--group 镇|街道]
    python main.py progress --db D [--json] [--out F.xlsx]
    python main.py keys new-district|issue|import|trust|show …   (security/cli.py)
"""

from __future__ import annotations

import sys

# The code is in ``entry`` (kept compiled, as every imported module is; this script is compiled at
# every start); ``import main`` / ``main.main([...])`` work as before.
from entry import USAGE, ChineseArgumentParser, build_parser, main

__all__ = ["USAGE", "ChineseArgumentParser", "build_parser", "main"]

if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # r3: a district intake's reading processes start this executable (spawn)
        import multiprocessing

        multiprocessing.freeze_support()
    sys.exit(main())
