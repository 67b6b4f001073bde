"""Subprocess for the second-instance test: take the database's instance lock, say so, wait.

    python tests/lock_holder.py DB
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.instance_lock import AlreadyOpenError, InstanceLock  # noqa: E402

if __name__ == "__main__":
    try:
        lock = InstanceLock(Path(sys.argv[1])).acquire()
    except AlreadyOpenError as exc:
        print(f"refused {exc}", flush=True)
        sys.exit(3)
    print("locked", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin (or kills us)
    lock.release()
