"""Reference tables the forms compute with: GB/T 2589 coefficients, units, coal rates.

Each value carries its source and status, so the program can say where a figure came from and
say so plainly when it is unverified or missing instead of guessing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from resources import resource_path
from user_error import UserError

__all__ = ["Coefficient", "CoalRate", "ReferenceData", "ReferenceError", "EquivalentFactor", "FuelDensity", "LITRE"]

STATUS_LABELS = {
    "verified-secondary": "已核对（二手资料）",
    "partly-verified": "部分核对",
    "unverified": "未核实",
    "missing": "缺失",
}


class ReferenceError(UserError, ValueError):
    """A broken reference file: names the file, the line and what is wrong."""


@dataclass(frozen=True)
class Coefficient:
    key: str
    name: str
    base_unit: str
    kgce_per_base_unit: float
    equivalent_basis: str
    low_heat_value: str
    edition: str
    status: str
    source: str

    @property
    def verified(self) -> bool:
        return self.status in ("verified-secondary", "partly-verified")

    def describe(self) -> str:
        status = STATUS_LABELS.get(self.status, self.status)
        heat = f"，低位发热量 {self.low_heat_value}" if self.low_heat_value else ""
        return (f"{self.name}：{self.kgce_per_base_unit:g} 千克标准煤/{self.base_unit}{heat}；"
                f"{self.edition}；{status}；来源：{self.source}")


@dataclass(frozen=True)
class CoalRate:
    year: int
    gce_per_kwh: float | None
    status: str
    source: str


@dataclass(frozen=True)
class EquivalentFactor:
    """等价值 factor for one year; ``used_year`` differs from the asked year on a fallback."""

    value: float | None
    used_year: int | None
    note: str


# -- d3: liquid fuels reported in litres (公共机构 vehicle fuel) -------------------------------------
LITRE = "升"


@dataclass(frozen=True)
class FuelDensity:
    energy: str
    kg_per_litre: float
    status: str
    source: str

    def describe(self) -> str:
        return f"按密度 {self.kg_per_litre:g} 千克/升换算（{STATUS_LABELS.get(self.status, self.status)}；{self.source}）"


def _densities(path: Path) -> dict[str, FuelDensity]:
    """fuel_densities.csv (optional: none means no fuel may be reported in 升)."""
    if not path.exists():
        return {}
    found: dict[str, FuelDensity] = {}
    for line, row in _read_csv(path, ("energy", "kg_per_litre", "status", "source")):
        value = _number(path, line, "kg_per_litre", row["kg_per_litre"])
        if row["energy"] in found or not value or not 0.3 < value < 2:
            raise ReferenceError(f"参考数据文件 {path.name} 第{line}行：'{row['energy']}' 重复或密度 {value} 不合理")
        found[row["energy"]] = FuelDensity(row["energy"], value, row["status"], row["source"])
    return found


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise ReferenceError(f"参考数据文件 {path.name}：缺少列 {', '.join(missing)}")
            return [(i + 2, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(reader)]
    except OSError as exc:
        raise ReferenceError(f"无法读取参考数据文件 {path}：{exc.strerror or exc}") from None


def _number(path: Path, line: int, column: str, text: str, allow_empty: bool = False) -> float | None:
    if text == "" and allow_empty:
        return None
    try:
        return float(text)
    except ValueError:
        raise ReferenceError(f"参考数据文件 {path.name} 第{line}行 {column}：'{text}' 不是数值") from None


class ReferenceData:
    """The coefficient, unit and coal-rate tables, loaded once and looked up by key."""

    def __init__(self, coefficients: dict[str, Coefficient], units: dict[str, tuple[str, float]],
                 coal_rates: dict[int, CoalRate], densities: dict[str, FuelDensity] | None = None) -> None:
        self.coefficients = coefficients
        self.units = units
        self.coal_rates = coal_rates
        self.densities = densities or {}  # d3: energy key → kg per litre (a fuel reported in 升)

    @classmethod
    def load(cls, folder: Path | None = None) -> ReferenceData:
        def path(name: str) -> Path:
            return (folder / name) if folder else resource_path(name)

        coef_path = path("coefficients.csv")
        coefficients: dict[str, Coefficient] = {}
        for line, row in _read_csv(coef_path, ("key", "name", "base_unit", "kgce_per_base_unit", "status", "source")):
            key = row["key"]
            if not key:
                raise ReferenceError(f"参考数据文件 {coef_path.name} 第{line}行：key 为空")
            if key in coefficients:
                raise ReferenceError(f"参考数据文件 {coef_path.name} 第{line}行：key '{key}' 重复")
            coefficients[key] = Coefficient(
                key=key, name=row["name"], base_unit=row["base_unit"],
                kgce_per_base_unit=_number(coef_path, line, "kgce_per_base_unit", row["kgce_per_base_unit"]),
                equivalent_basis=row.get("equivalent_basis", ""), low_heat_value=row.get("low_heat_value", ""),
                edition=row.get("edition", ""), status=row["status"], source=row["source"])

        unit_path = path("units.csv")
        units: dict[str, tuple[str, float]] = {}
        for line, row in _read_csv(unit_path, ("unit", "base_unit", "multiplier")):
            units[row["unit"]] = (row["base_unit"], _number(unit_path, line, "multiplier", row["multiplier"]))

        rate_path = path("power_coal_rate.csv")
        rates: dict[int, CoalRate] = {}
        for line, row in _read_csv(rate_path, ("year", "gce_per_kwh", "status", "source")):
            year = int(_number(rate_path, line, "year", row["year"]))
            rates[year] = CoalRate(year, _number(rate_path, line, "gce_per_kwh", row["gce_per_kwh"], True),
                                   row["status"], row["source"])
        return cls(coefficients, units, rates, _densities(path("fuel_densities.csv")))

    def check_energy_unit(self, energy: str, unit: str) -> str | None:
        """None when the row's energy and unit can be converted, else the reason (Chinese)."""
        coef = self.coefficients.get(energy)
        if coef is None:
            return f"折标系数表中没有能源品种 '{energy}'"
        if unit == LITRE and coef.base_unit == "kg":  # d3: litres of a liquid fuel, through its density
            return None if energy in self.densities else f"{coef.name}按升填报须在 fuel_densities.csv 中给出密度"
        if unit not in self.units:
            return f"计量单位 '{unit}' 不在 units.csv 中"
        if self.units[unit][0] != coef.base_unit:
            return f"计量单位 '{unit}' 不能换算为 {coef.name} 的系数单位 {coef.base_unit}"
        return None

    def factor(self, energy: str, unit: str) -> float:
        """当量值: tonnes of standard coal per one report unit (e.g. tce per 万千瓦时)."""
        coef = self.coefficients[energy]
        if unit == LITRE and energy in self.densities:  # d3: litres → kg by the fuel's density
            return coef.kgce_per_base_unit * self.densities[energy].kg_per_litre / 1000.0
        return coef.kgce_per_base_unit * self.units[unit][1] / 1000.0

    def equivalent_factor(self, energy: str, unit: str, year: int | None) -> EquivalentFactor:
        """等价值: for electricity the year's 火电供电标准煤耗, else the 当量值 factor.

        A missing year falls back to the newest earlier year that has a value, and says so.
        """
        coef = self.coefficients[energy]
        if coef.equivalent_basis != "power_coal_rate":
            return EquivalentFactor(self.factor(energy, unit), None, "")
        multiplier = self.units[unit][1] if unit in self.units else 1.0
        known = sorted(y for y, r in self.coal_rates.items() if r.gce_per_kwh is not None)
        if not known:
            return EquivalentFactor(None, None, "火电供电标准煤耗表为空，无法计算电力等价值")
        wanted = year if year is not None else known[-1]
        candidates = [y for y in known if y <= wanted] or known[:1]
        used = candidates[-1]
        rate = self.coal_rates[used]
        value = rate.gce_per_kwh / 1_000_000.0 * multiplier  # g/kWh → t/kWh → t per report unit
        note = (f"电力等价值按 {used} 年全国火电供电标准煤耗 {rate.gce_per_kwh:g} 克标准煤/千瓦时"
                f"（{STATUS_LABELS.get(rate.status, rate.status)}；{rate.source}）")
        if used != wanted:
            note = f"{wanted} 年火电供电标准煤耗缺失，暂用 {used} 年数值。" + note
        return EquivalentFactor(value, used, note)
