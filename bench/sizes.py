"""Databases at the sizes the district will reach: the demo township with its 永节统2表 enterprise
list grown to n rows (2025, and 2024 so the vs-last-year rules have work), through the core API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import ROOT  # noqa: F401 - puts the project on sys.path

FORM, TABLE = "key_energy_units", "units"


def _uscc(i: int) -> str:
    from storage.demo import _uscc as checked_uscc

    return checked_uscc(f"91500118MA{i:07d}")


def enterprise(i: int, year: int) -> dict[str, Any]:
    """A plausible enterprise row; figures vary with i and grow a little year on year."""
    scale = (1 + (i % 97) / 10) * (1 + 0.03 * (year - 2024))
    return dict(name=f"永川测试企业{i:05d}有限公司", uscc=_uscc(i), industry="C30 非金属矿物制品业",
                key_unit="是" if i % 5 == 0 else "否", energy_equal=round(820.5 * scale, 1),
                energy_equiv=round(1010.3 * scale, 1), raw_energy=0.0, value_added=round(2300.0 * scale, 1),
                efficiency="基准水平", two_high="否", in_park="是" if i % 2 else "否", boiler=0.0, source="企业直报")


def open_sized(path: Path, n: int | str):  # noqa: ANN201 - returns (Workspace, Township)
    """The demo database at ``path`` with ``n`` enterprises in 2024 and 2025 ("demo": as shipped)."""
    from storage.workspace import Workspace

    ws = Workspace.open(path, user="bench")
    town = next(t for t in ws.townships() if t.is_demo)
    if n != "demo":
        for period in ("2024", "2025"):
            data = ws.open_report(town.id, FORM, period)
            have = len(data.list_rows.get(TABLE, []))
            cells = []
            with ws.store.atomic():
                keys = ws.store.add_list_rows(data.report.id, TABLE, int(n) - have, ws.user)
                for i, key in enumerate(keys, have):
                    cells += [((TABLE, key, col), value) for col, value in enterprise(i, int(period)).items()]
                ws.edit_many(data.report.id, cells, reason="基准测试数据")
    return ws, town
