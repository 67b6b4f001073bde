"""Subprocess used by the kill test: edits through the core API and reports each commit.

    python tests/edit_driver.py DB START

Opens ``Workspace`` on DB, then edits forever: edit number N (from START) stores N into one
input cell (cycling over the form's input cells) and prints ``committed N ROW`` only after
``Workspace.edit`` has returned. The test SIGKILLs it at a random moment.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.workspace import Workspace  # noqa: E402

ROWS = ("raw_coal", "washed_coal", "coke", "natural_gas", "lpg", "gasoline", "diesel", "fuel_oil",
        "electricity", "heat", "other")


def main() -> None:
    db, start = Path(sys.argv[1]), int(sys.argv[2])
    workspace = Workspace.open(db, user="kill-test")
    township = next(t for t in workspace.townships() if t.is_demo)
    report_id = workspace.open_report(township.id, "energy_consumption", "2025").report.id
    print("ready", flush=True)
    n = start
    while True:
        row = ROWS[n % len(ROWS)]
        workspace.edit(report_id, ("energy", row, "consumption"), str(n))
        sys.stdout.write(f"committed {n} {row}\n")
        sys.stdout.flush()
        n += 1


if __name__ == "__main__":
    main()
