"""The embedded demo township: plausible figures so a first run shows a working program.

Every form has 2023–2025 data (so the vs-last-period and history rules have something to
compare); 2025 passes without 错误 and shows a few 警告 (one with a real 说明) and 提示.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.workspace import Workspace

__all__ = ["create_demo", "DEMO_NAME", "DEMO_PERIODS", "DEMO_YEARS"]

DEMO_NAME = "演示镇（示例数据）"
DEMO_CODE = "500118999000"  # outside the real 500118xxx000 range in use; marked is_demo
DEMO_PROFILE = dict(unit_head="张明", stat_head="李华", filler="王芳", phone="023-49800000",
                    note="演示数据，仅供熟悉程序使用，请勿上报")
DEMO_YEARS = ("2023", "2024", "2025")

# 镇街能源消费统计表: a small industrial township (a ceramics plant, a paper mill, logistics).
ENERGY_2023 = {
    "raw_coal": 19820.0, "washed_coal": 0, "coke": 131.0, "natural_gas": 352.6, "lpg": 101.2,
    "gasoline": 1198.5, "diesel": 2201.3, "electricity": 17420.6, "heat": 11800.0, "other": 38.1,
}
ENERGY_2024 = {
    "raw_coal": 18650.0, "washed_coal": 0, "coke": 120.5, "natural_gas": 386.2, "lpg": 95.3,
    "gasoline": 1260.8, "diesel": 2140.6, "electricity": 18650.4, "heat": 12500.0, "other": 35.6,
}
ENERGY_2025 = {
    "raw_coal": 16920.0, "washed_coal": 0, "coke": 98.0, "natural_gas": 412.7, "lpg": 90.1,
    "gasoline": 1302.4, "diesel": 2015.3, "electricity": 19380.9, "heat": 13120.0, "other": 31.2,
}
DEMO_PERIODS = {"2023": ENERGY_2023, "2024": ENERGY_2024, "2025": ENERGY_2025}
# 其他能源 is entered in tce: its 说明 names the fuel, the physical quantity and the coefficient (rule W007).
OTHER_ENERGY_NOTE = "陶瓷厂烘干用生物质成型燃料，按供货方检测报告约0.6吨标准煤/吨折算"
GDP = {"2023": 452300.0, "2024": 478600.0, "2025": 503900.0}
GDP_COMPARABLE = {"2023": 418600.0, "2024": 436100.0, "2025": 452600.0}  # at 2020 prices (demo figures)
ENERGY_BASE = {("indicators", "gdp", "base"): 391200.0, ("indicators", "energy_total", "base"): 71400.0,
               ("indicators", "raw_use", "base"): 0.0}

# 重点用能单位清单 (credit codes are made-up examples with a valid GB 32100 check digit).
UNITS = [
    dict(name="演示陶瓷有限公司", uscc="91500118MA5U7D3K4", industry="C30 非金属矿物制品业", key_unit="是",
         energy_equal=15230.5, energy_equiv=18860.2, raw_energy=0.0, value_added=42100.0, efficiency="基准水平",
         two_high="是", in_park="是", boiler=0.0, source="企业直报"),
    dict(name="演示纸业有限公司", uscc="91500118MA60B2XN7", industry="C22 造纸和纸制品业", key_unit="否",
         energy_equal=6120.8, energy_equiv=7540.3, raw_energy=0.0, value_added=18300.0, efficiency="未达基准水平",
         two_high="否", in_park="否", boiler=20.0, source="企业直报"),
]
UNIT_NOTES = {("efficiency", 1): "已列入2026年技改计划：更换高效烘缸、余热回收，预计节能12%"}
PROJECTS = [
    dict(name="演示镇污水处理厂提标改造", type="城镇污水处理及管网", start_date="2022-06-30", cod=85.2, nh3=6.4,
         progress="已投运"),
    dict(name="演示陶瓷窑炉脱硝改造", type="工业治理", start_date="2023-11-15", nox=42.5, progress="已投运"),
    dict(name="家具厂水性漆替代", type="VOCs治理", start_date="2025-04-01", vocs=8.6, progress="已投运"),
]
PUBLIC = {
    "2023": dict(water=52100, electricity=1386000, natural_gas=42100, gasoline=31200, diesel=8600, pv=0,
                 area=86500, people=1420, cars_new=6, cars_special=1, cars_ev=2),
    "2024": dict(water=50800, electricity=1352000, natural_gas=40300, gasoline=29800, diesel=8100, pv=12000,
                 area=86500, people=1405, cars_new=5, cars_special=0, cars_ev=2),
    "2025": dict(water=49600, electricity=1318000, natural_gas=38900, gasoline=27600, diesel=7400, pv=45000,
                 area=88200, people=1398, cars_new=4, cars_special=2, cars_ev=2),
}
# d3: the 2020 base on the same basis as the years (vehicle fuel in 综合能耗, issue 12 point 10)
PUBLIC_BASE = {"energy": 273.0, "vehicle_fuel": 45.0, "area": 84000.0, "people": 1450.0}
AGRI = {
    "2023": dict(straw_total=41200, straw_fert=24100, straw_feed=8200, straw_base=2100, straw_fuel=1600,
                 straw_material=500, manure_total=186000, manure_used=158000, villages=14, villages_sewage=4,
                 villages_waste=14, green_control=38.0, unified_control=44.0, biogas=6),
    "2024": dict(straw_total=40600, straw_fert=24600, straw_feed=8400, straw_base=2300, straw_fuel=1500,
                 straw_material=700, manure_total=181000, manure_used=160500, villages=14, villages_sewage=5,
                 villages_waste=14, green_control=41.5, unified_control=46.0, biogas=6),
    "2025": dict(straw_total=40900, straw_fert=25300, straw_feed=8600, straw_base=2400, straw_fuel=1400,
                 straw_material=900, manure_total=179500, manure_used=163200, villages=14, villages_sewage=6,
                 villages_waste=14, green_control=44.0, unified_control=48.5, biogas=7),
}
PV = [
    dict(name="陶瓷厂屋顶光伏", roof_type="工业厂房", area=18500.0, capacity=2200.0, grid_date="2023-08-20",
         generation=2420000),
    dict(name="镇政府屋顶光伏", roof_type="公共建筑", area=1200.0, capacity=150.0, grid_date="2025-09-10",
         generation=45000),
]
PV_NOTE = "2025年9月并网，仅发电不足4个月，全年等效小时数偏低"
GREEN = {"new_building": 6.8, "green_building": 6.5, "prefab": 2.1, "nev": 1860, "chargers": 240}
VOCS_BASE = {"paint_total": 400.0, "paint": 120.0, "ink_total": 45.0, "ink": 18.0, "adhesive": 26.0}
VOCS = {"2023": {"paint_total": 405.0, "paint": 108.0, "ink_total": 45.5, "ink": 16.9, "adhesive": 23.5},
        "2024": {"paint_total": 412.0, "paint": 101.0, "ink_total": 45.8, "ink": 16.2, "adhesive": 22.0},
        "2025": {"paint_total": 420.0, "paint": 95.5, "ink_total": 46.0, "ink": 15.4, "adhesive": 20.6}}
# d3: the district departments' figures (永节统8表, filled once in a district database): example
# values of the order the plan's 2025 targets suggest, never published figures.
DEPARTMENTS = {
    "2023": {"transit_share": 30.8, "sewage_rate": 95.6, "fert_rate": 41.2, "pest_rate": 41.5, "vocs_emission": 3920.0,
             "water_reused": 5200.0, "water_intake": 520.0, "industry_water": 3290.0, "industry_va": 470.0,
             "above_energy": 268.0, "above_va": 425.0, "benchmark_share": 18.0, "green_factories": 11, "green_parks": 1,
             "waste_capacity": 1200.0, "incineration": 700.0, "nev_output": 52000, "nev_revenue": 620.0},
    "2024": {"transit_share": 32.9, "sewage_rate": 96.4, "fert_rate": 42.3, "pest_rate": 42.6, "vocs_emission": 3810.0,
             "water_reused": 5600.0, "water_intake": 500.0, "industry_water": 3270.0, "industry_va": 495.0,
             "above_energy": 272.0, "above_va": 450.0, "benchmark_share": 24.0, "green_factories": 14, "green_parks": 1,
             "waste_capacity": 1200.0, "incineration": 1200.0, "nev_output": 86000, "nev_revenue": 860.0},
    "2025": {"transit_share": 34.6, "sewage_rate": 97.3, "fert_rate": 43.1, "pest_rate": 43.3, "vocs_emission": 3660.0,
             "water_reused": 6100.0, "water_intake": 480.0, "industry_water": 3250.0, "industry_va": 520.0,
             "above_energy": 276.0, "above_va": 475.0, "benchmark_share": 31.0, "green_factories": 17, "green_parks": 2,
             "waste_capacity": 1500.0, "incineration": 1500.0, "nev_output": 121000, "nev_revenue": 1050.0},
}
DEPARTMENT_BASE = {"vocs_emission": 4100.0, "industry_water": 3300.0, "industry_va": 430.0, "above_energy": 260.0,
                   "above_va": 380.0}
DEPARTMENT_OF = {"transit_share": "区交通局", "sewage_rate": "区住房城乡建委", "fert_rate": "区农业农村委",
                 "pest_rate": "区农业农村委", "vocs_emission": "区生态环境局", "water_reused": "区经济信息委",
                 "water_intake": "区经济信息委", "industry_water": "区水利局", "industry_va": "区统计局",
                 "above_energy": "区统计局", "above_va": "区统计局", "benchmark_share": "区发展改革委",
                 "green_factories": "区经济信息委", "green_parks": "区经济信息委", "waste_capacity": "区城市管理局",
                 "incineration": "区城市管理局", "nev_output": "区经济信息委", "nev_revenue": "区经济信息委"}
# d3: 节约型机关 and 示范单位 (公共机构, issue 12 point 12) and boiler retrofits (煤炭与VOCs表)
SAVING = {"2023": dict(organs=3, saving_organs=1, demo_units=0), "2024": dict(organs=3, saving_organs=2, demo_units=0),
          "2025": dict(organs=3, saving_organs=3, demo_units=1)}
RETROFIT = {"2023": {"gas": (3, 1)}, "2024": {"gas": (3, 2)}, "2025": {"gas": (3, 3)}}
BOILERS = {"small": (1, 4.0, 1), "medium": (1, 20.0, 0), "large": (0, 0.0, 0)}


def _uscc(prefix: str) -> str:
    """Complete an example code with its GB 32100 check digit (the demo never invents real ones)."""
    from forms.values import USCC_CHARS, USCC_WEIGHTS

    body = prefix[:17].ljust(17, "0")
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def _fill(ws: Workspace, township_id: int, form_key: str, period: str, cells: list[tuple[Any, Any]],
          lists: dict[str, list[dict[str, Any]]] | None = None) -> int | None:
    """Store one demo report (list rows first); None when the form is not in the catalogue."""
    if form_key not in {f.key for f in ws.catalogue}:
        return None
    data = ws.open_report(township_id, form_key, period)
    rid = data.report.id
    for table, rows in (lists or {}).items():
        for row in rows:
            key = ws.store.add_list_row(rid, table, ws.user)
            cells += [((table, key, col), value) for col, value in row.items()]
    ws.edit_many(rid, cells, reason="演示数据")
    return rid


def create_demo(workspace: Workspace) -> int:
    """Add the demo township with three years of every form; returns its id."""
    ws = workspace
    township = ws.store.add_township(DEMO_NAME, stat_code=DEMO_CODE, kind="镇", is_demo=True, **DEMO_PROFILE)
    tid = township.id
    for period in DEMO_YEARS:
        year = int(period)
        figures = DEMO_PERIODS[period]
        cells: list[tuple[Any, Any]] = [(("energy", row, "consumption"), v) for row, v in figures.items()]
        cells += [(("indicators", "gdp", "current"), GDP[period]),
                  (("indicators", "gdp_comparable", "current"), GDP_COMPARABLE[period])]
        cells += list(ENERGY_BASE.items())
        rid = _fill(ws, tid, "energy_consumption", period, cells)
        ws.set_note(rid, ("energy", "other", "consumption"), OTHER_ENERGY_NOTE)

        units = [dict(u, uscc=_uscc(u["uscc"])) for u in UNITS]
        if year < 2025:
            units = [dict(u, energy_equal=round(u["energy_equal"] * (0.95 + 0.02 * (year - 2023)), 1),
                          energy_equiv=round(u["energy_equiv"] * (0.95 + 0.02 * (year - 2023)), 1)) for u in units]
        rid = _fill(ws, tid, "key_energy_units", period, [], {"units": units})
        if rid is None:
            continue  # the catalogue has the energy form only
        rows = ws.store.load(rid).list_rows["units"]
        for (col, index), note in UNIT_NOTES.items():
            ws.set_note(rid, ("units", rows[index], col), note)

        projects = [p for p in PROJECTS if int(p["start_date"][:4]) <= year]
        _fill(ws, tid, "reduction_projects", period, [], {"projects": projects})

        pub = PUBLIC[period]
        prices = {"water": 4.2, "electricity": 0.68, "natural_gas": 3.1, "gasoline": 7.9, "diesel": 7.6}
        cells = []
        for row in ("water", "electricity", "natural_gas", "gasoline", "diesel", "pv"):
            cells.append((("resources", row, "quantity"), pub[row]))
            if row in prices:
                cells.append((("resources", row, "cost"), round(pub[row] * prices[row], 2)))
        cells += [(("indicators", k, "value"), pub[k]) for k in ("area", "people", "cars_new", "cars_special", "cars_ev")]
        cells += [(("indicators", k, "base"), v) for k, v in PUBLIC_BASE.items()]
        cells += [(("indicators", k, "value"), v) for k, v in SAVING[period].items()]
        rid = _fill(ws, tid, "public_institutions", period, cells)
        if period == "2025":
            ws.set_note(rid, ("indicators", "cars_special", "value"),
                        "新增4辆中2辆为应急、执法特殊用途车辆，按规定可不采购纯电动")

        _fill(ws, tid, "agriculture", period, [(("items", k, "value"), v) for k, v in AGRI[period].items()])

        pv = [p for p in PV if int(p["grid_date"][:4]) <= year]
        if year == 2023:
            pv = [dict(pv[0], generation=780000)]
        cells = [(("totals", k, "value"), v) for k, v in GREEN.items()]
        rid = _fill(ws, tid, "green_building", period, cells, {"pv": pv})
        rows = ws.store.load(rid).list_rows["pv"]
        if year == 2023:
            ws.set_note(rid, ("pv", rows[0], "generation"), "2023年8月并网，当年仅发电4个多月，等效小时数偏低")
        if year == 2025:
            ws.set_note(rid, ("pv", rows[1], "generation"), PV_NOTE)

        coal = figures["raw_coal"] + figures["washed_coal"]
        ref = ws.catalogue.reference
        from forms.compute import ComputeContext, compute_form

        energy = ws.find_report_data(tid, "energy_consumption", period)
        computed = compute_form(ws.form("energy_consumption"), energy.values, energy.list_rows,
                                ComputeContext(ref, year))
        cells = [(("coal", "coal_total", "value"), coal),
                 (("coal", "coal_tce", "tce"), round(computed.get("energy", "raw_coal", "tce_equal"), 2)),
                 (("coal", "energy_total", "tce"), round(computed.get("energy", "total", "net_equiv"), 2))]
        for row, (count, capacity, retired) in BOILERS.items():
            cells += [(("boilers", row, "count"), count), (("boilers", row, "capacity"), capacity),
                      (("boilers", row, "retired"), retired if period == "2025" else 0)]
        cells += [(("retrofit", k, col), v) for k, (count, done) in RETROFIT[period].items()
                  for col, v in (("count", count), ("done", done))]
        cells += [(("vocs", k, "value"), v) for k, v in VOCS[period].items()]
        cells += [(("vocs", k, "base"), v) for k, v in VOCS_BASE.items()]
        rid = _fill(ws, tid, "coal_vocs", period, cells)
        ws.set_note(rid, ("boilers", "small", "count"), "园区外食品厂4蒸吨锅炉和纸业公司20蒸吨锅炉，已列入改电计划")
    for period in DEMO_YEARS:
        for report in ws.store.reports_for(tid, period):
            ws.refresh_status(report.id, audited=period != "2025")
    return tid


def fill_department_demo(workspace: Workspace, period: str) -> int:
    """d3: example figures of the district departments' form in a district database (tests, screenshots);
    returns the report id."""
    figures = DEPARTMENTS[period]
    cells: list[tuple[Any, Any]] = [(("items", k, "value"), v) for k, v in figures.items()]
    cells += [(("items", k, "base"), v) for k, v in DEPARTMENT_BASE.items()]
    cells += [(("items", k, "dept"), DEPARTMENT_OF[k]) for k in figures]
    rid = workspace.district_report(DEPARTMENT_FORM, period).report_id
    workspace.change_cells(rid, cells, reason="演示数据")
    return rid


DEPARTMENT_FORM = "district_departments"
