"""The embedded demo township: plausible figures so a first run shows a working program."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["create_demo", "DEMO_NAME", "DEMO_PERIODS"]

DEMO_NAME = "演示镇（示例数据）"
DEMO_CODE = "500118999000"  # outside the real 500118xxx000 range in use; marked is_demo
DEMO_PROFILE = dict(unit_head="张明", stat_head="李华", filler="王芳", phone="023-49800000",
                    note="演示数据，仅供熟悉程序使用，请勿上报")

# 镇街能源消费统计表: a small industrial township (a ceramics plant, a paper mill, logistics).
ENERGY_2024 = {
    "raw_coal": 18650.0, "washed_coal": 0, "coke": 120.5, "natural_gas": 386.2, "lpg": 95.3,
    "gasoline": 1260.8, "diesel": 2140.6, "electricity": 18650.4, "heat": 12500.0, "other": 35.6,
}
ENERGY_2025 = {
    "raw_coal": 16920.0, "washed_coal": 0, "coke": 98.0, "natural_gas": 412.7, "lpg": 90.1,
    "gasoline": 1302.4, "diesel": 2015.3, "electricity": 19380.9, "heat": 13120.0, "other": 31.2,
}
DEMO_PERIODS = {"2024": ENERGY_2024, "2025": ENERGY_2025}


def create_demo(workspace: Workspace) -> int:
    """Add the demo township with two years of the energy form; returns its id."""
    township = workspace.store.add_township(DEMO_NAME, stat_code=DEMO_CODE, kind="镇", is_demo=True,
                                            **DEMO_PROFILE)
    form = workspace.form("energy_consumption")
    for period, figures in DEMO_PERIODS.items():
        data = workspace.open_report(township.id, form.key, period)
        workspace.edit_many(data.report.id, [(("energy", row, "consumption"), v) for row, v in figures.items()],
                            reason="演示数据")
        workspace.refresh_status(data.report.id, audited=period == "2024")
    return township.id
