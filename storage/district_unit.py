"""The district's own unit (d3): the row of ``townships`` that holds a district database's own
reports — the forms with ``scope: district`` (永节统8表 区级部门指标表), filled once, not summed
from townships. Its kind is ``区``; ``Store.townships()`` and the look-ups by code or name leave it
out, so no township list, scope, intake match or 汇总 ever counts it as a township.
"""

from __future__ import annotations

from storage.database import Store, Township

__all__ = ["UNIT_KIND", "UNIT_NAME", "UNIT_STAT_CODE", "district_unit"]

UNIT_KIND = "区"
UNIT_NAME = "永川区"
UNIT_STAT_CODE = "500118000000"  # 统计用区划代码 of 永川区 (the same as district.summary.DISTRICT_STAT_CODE)


def district_unit(store: Store, *, create: bool = True) -> Township | None:
    """The district unit's row, added on first use (``create``); None when absent and not created."""
    row = store.conn.execute(f"SELECT {store._TOWNSHIP_COLUMNS} FROM townships WHERE kind = ? ORDER BY id LIMIT 1",
                             (UNIT_KIND,)).fetchone()
    if row is not None:
        return store._township(row)
    if not create or store.readonly:
        return None
    with store.atomic():
        taken = store.conn.execute("SELECT 1 FROM townships WHERE stat_code = ?", (UNIT_STAT_CODE,)).fetchone()
        cur = store.conn.execute("INSERT INTO townships (stat_code, name, kind, is_demo, note) VALUES (?, ?, ?, 0, ?)",
                                 (None if taken else UNIT_STAT_CODE, UNIT_NAME, UNIT_KIND,
                                  "区级部门指标（区级汇总库自身的报表）"))
    return store.township(cur.lastrowid)
