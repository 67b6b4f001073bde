"""Check the Windows subsystem of built executables: ``pe_subsystem.py FILE=gui FILE=console …``.

A GUI program (subsystem 2) opens no console window on a double-click; a console program
(subsystem 3) prints into the ``cmd`` it was started from and cmd waits for its exit code.
Exit 1 when any file is not what it should be."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

SUBSYSTEMS = {"gui": 2, "console": 3}


def subsystem(path: Path) -> int:
    """IMAGE_OPTIONAL_HEADER.Subsystem (offset 68 of the optional header)."""
    data = path.read_bytes()[:4096]
    if data[:2] != b"MZ":
        raise ValueError(f"{path}: not a Windows executable")
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        raise ValueError(f"{path}: no PE header")
    return struct.unpack_from("<H", data, pe + 24 + 68)[0]


def main(args: list[str]) -> int:
    failed = 0
    for arg in args:
        name, _, kind = arg.rpartition("=")
        found = subsystem(Path(name))
        if found != SUBSYSTEMS[kind]:
            print(f"!! {name}: PE subsystem {found}, expected {SUBSYSTEMS[kind]} ({kind})", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
