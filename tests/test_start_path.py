"""What a process loads before its first useful work (issue 16): no signature modules
(cryptography) unless a 任务参数 package is installed beside the database, no PyYAML for a blank 说明."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from security.packages import task_folder
from storage.workspace import TASK_FOLDER_NAME

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("import sys; sys.path.insert(0, sys.argv[1]); from storage.workspace import Workspace; "
         "from forms.note_check import note_is_acceptable; ws = Workspace.open(sys.argv[2]); "
         "print(ws.task_package or '-', note_is_acceptable('  '), "
         "*(m in sys.modules for m in ('security.packages', 'cryptography', 'yaml')))")


def _probe(db: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT), str(db)], capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout.split()


def test_the_task_folder_name_is_the_packages_one(tmp_path: Path) -> None:
    assert task_folder(tmp_path / "x.sqlite") == (tmp_path / TASK_FOLDER_NAME).resolve()


def test_no_signature_modules_or_yaml_on_the_start_path_without_a_package(workspace, tmp_path: Path) -> None:
    db = workspace.path
    workspace.close()
    assert _probe(db) == ["-", "False", "False", "False", "False"]
    (db.parent / TASK_FOLDER_NAME).mkdir()  # a task folder (here empty): its installation is checked
    assert _probe(db)[:4] == ["-", "False", "True", "True"]
