"""Two copies of the program on one database: real processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from storage.instance_lock import AlreadyOpenError, InstanceLock

HERE = Path(__file__).parent


def _start_holder(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(HERE / "lock_holder.py"), str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_process_is_told_who_holds_the_database(tmp_path):
    db = tmp_path / "jnjp.sqlite"
    holder = _start_holder(db)
    try:
        with pytest.raises(AlreadyOpenError) as caught:
            InstanceLock(db).acquire()
        message = str(caught.value)
        assert "已被" in message and "打开" in message and "请先关闭另一个窗口" in message
        assert f"进程号 {holder.pid}" in message
        assert caught.value.holder["pid"] == holder.pid
        # and a third process is refused as well
        third = subprocess.run([sys.executable, str(HERE / "lock_holder.py"), str(db)], input="",
                               capture_output=True, text=True, timeout=30)
        assert third.returncode == 3 and third.stdout.startswith("refused")
    finally:
        holder.communicate("", timeout=10)
    assert holder.returncode == 0
    with InstanceLock(db) as lock:  # released on a normal exit
        assert lock.held


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    db = tmp_path / "jnjp.sqlite"
    holder = _start_holder(db)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(10)
    assert lock_text(db)  # the file and its text are still there …
    with InstanceLock(db) as lock:  # … but the OS lock died with the process
        assert lock.held


def lock_text(db: Path) -> str:
    return (db.parent / (db.name + ".lock")).read_text(encoding="utf-8")


def test_same_process_second_lock_object_is_refused(tmp_path):
    """flock is per open file, so even two windows in one process exclude each other."""
    db = tmp_path / "jnjp.sqlite"
    with InstanceLock(db):
        with pytest.raises(AlreadyOpenError):
            InstanceLock(db).acquire()


def test_two_processes_writing_at_once_lose_nothing(tmp_path, workspace):
    """Two writers through the core API (the commands take the window lock; other tools may not) rely
    on SQLite's locking: nothing committed is lost."""
    db = Path(workspace.store.path)
    workspace.close()
    procs, outputs = [], {}
    for start in (1_000_000, 2_000_000):
        procs.append(subprocess.Popen([sys.executable, str(HERE / "edit_driver.py"), str(db), str(start)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))

    first_commits = {p.pid: threading.Event() for p in procs}

    def read(proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        lines = outputs.setdefault(proc.pid, [])
        for line in proc.stdout:
            lines.append(line.split())
            if lines[-1][:1] == ["committed"]:
                first_commits[proc.pid].set()

    threads = [threading.Thread(target=read, args=(p,)) for p in procs]
    for t in threads:
        t.start()
    for p in procs:  # no guessed sleep: each writer has committed once while the other runs
        assert first_commits[p.pid].wait(120), f"writer {p.pid} never committed: {p.stderr.read() if p.poll() else ''}"
    for p in procs:
        p.terminate()
        p.wait(10)
    for t in threads:
        t.join(10)
    committed = [int(parts[1]) for lines in outputs.values() for parts in lines if parts[0] == "committed"]
    assert any(n < 2_000_000 for n in committed) and any(n >= 2_000_000 for n in committed), "both must write"
    conn = sqlite3.connect(str(db))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        audited = {r[0] for r in conn.execute("SELECT new FROM audit WHERE who = 'kill-test'")}
    finally:
        conn.close()
    assert set(committed) <= audited


def test_a_lock_left_by_another_computer_asks_first(tmp_path):
    """Over a network share another computer's OS lock may not be visible: its unreleased lock
    file is reported (who, since when) and only a deliberate ``force`` takes over."""
    import json

    from storage.instance_lock import MaybeOpenElsewhereError

    db = tmp_path / "jnjp.sqlite"
    (tmp_path / "jnjp.sqlite.lock").write_text(json.dumps(
        {"host": "区局-笔记本", "user": "张三", "pid": 4242, "since": "2025-06-30T09:00:00"}, ensure_ascii=False),
        encoding="utf-8")
    with pytest.raises(MaybeOpenElsewhereError) as caught:
        InstanceLock(db).acquire()
    assert "区局-笔记本" in str(caught.value) and "张三" in str(caught.value) and "2025-06-30 09:00:00" in str(caught.value)
    with InstanceLock(db).acquire(force=True) as lock:
        assert lock.held and f'"pid": {os.getpid()}' in lock_text(db)
    assert lock_text(db) == ""  # released normally: no question next time
    with InstanceLock(db):
        pass


def test_a_lock_left_by_a_crash_on_this_computer_is_taken_over(tmp_path):
    import json
    import socket

    db = tmp_path / "jnjp.sqlite"
    (tmp_path / "jnjp.sqlite.lock").write_text(json.dumps({"host": socket.gethostname(), "pid": 999999}),
                                                 encoding="utf-8")
    with InstanceLock(db) as lock:
        assert lock.held
