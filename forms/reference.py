"""Reference tables the forms compute with: GB/T 2589 coefficients, units, coal rates.

Each value carries its source and status, so the program can say where a figure came from and
say so plainly when it is unverified or missing instead of guessing.
"""

from __future__ import annotations

from pathlib import Path

from records import record
from resources import resource_path
from user_error import UserError

__all__ = ["Coefficient", "EquivalentRate", "ReferenceData", "ReferenceError", "EquivalentFactor", "EQUIVALENT_BASES",
           "PROVISIONAL_MARK", "FuelDensity", "LITRE", "REFERENCE_FILES"]

STATUS_LABELS = {
    "verified-secondary": "已核对（二手资料）",
    "partly-verified": "部分核对",
    "unverified": "未核实",
    "missing": "缺失",
}


class ReferenceError(UserError, ValueError):
    """A broken reference file: names the file, the line and what is wrong."""


@record(frozen=True)
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


@record(frozen=True)
class EquivalentRate:
    """One year's 等价值 figure as the district set it (a row of power_coal_rate.csv or heat_coal_rate.csv).

    ``value`` is g standard coal per kWh (electricity) or kg standard coal per GJ (heat): both are
    kgce per base unit × 1000. ``basis`` says what the figure is (全国火电发电标准煤耗 …);
    ``rate_year`` the year the figure belongs to when the district carries another year's figure."""

    year: int
    value: float | None
    basis: str
    rate_year: int | None
    status: str
    source: str

    @property
    def provisional(self) -> bool:
        """Not (yet) the figure the basis asks for: carried from another year, another basis, or unverified."""
        return self.status not in ("verified-secondary", "partly-verified") or (
            self.rate_year is not None and self.rate_year != self.year)


# The basis each 等价值 should have (decided in resources/power_coal_rate.csv's header and the
# user guide): a figure of another basis is used as the district set it, and said so.
EQUIVALENT_BASES = {
    "power_coal_rate": ("power_coal_rate.csv", "gce_per_kwh", "克标准煤/千瓦时", "电力", "全国火电发电标准煤耗"),
    "heat_coal_rate": ("heat_coal_rate.csv", "kgce_per_gj", "千克标准煤/吉焦", "热力", "供热标准煤耗"),
}
PROVISIONAL_MARK = "（暂用）"
# Every file ReferenceData.load reads (the catalogue cache's fingerprint and 任务参数 packages
# list exactly these, so a new reference file cannot be forgotten by either).
REFERENCE_FILES = ("coefficients.csv", "units.csv", *(spec[0] for spec in EQUIVALENT_BASES.values()),
                   "fuel_densities.csv")


@record(frozen=True)
class EquivalentFactor:
    """等价值 factor for one year; ``value`` None when the district has not set the year's figure."""

    value: float | None
    used_year: int | None
    note: str
    provisional: bool = False


# -- d3: liquid fuels reported in litres (公共机构 vehicle fuel) -------------------------------------
LITRE = "升"


@record(frozen=True)
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
    import csv  # (s1: only when the tables are read, not when the catalogue cache holds them)

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
                 rates: dict[str, dict[int, EquivalentRate]], densities: dict[str, FuelDensity] | None = None) -> None:
        self.coefficients = coefficients
        self.units = units
        self.rates = rates  # equivalent_basis (power_coal_rate / heat_coal_rate) → year → figure
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

        rates = {basis: _read_rates(path(spec[0]), spec[1]) for basis, spec in EQUIVALENT_BASES.items()}
        for coef in coefficients.values():
            if coef.equivalent_basis and coef.equivalent_basis not in rates:
                raise ReferenceError(f"参考数据文件 {coef_path.name}：{coef.key} 的 equivalent_basis "
                                     f"'{coef.equivalent_basis}' 不是 {'、'.join(rates)} 之一")
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
        """等价值 per report unit: for electricity and heat the figure the district set for ``year``
        (power_coal_rate.csv / heat_coal_rate.csv), else the 当量值 factor.

        No silent fallback: a year without a figure gives no value and says so (an 错误 of the
        cell); a figure carried from another year or basis is used and marked provisional."""
        coef = self.coefficients[energy]
        if not coef.equivalent_basis:
            return EquivalentFactor(self.factor(energy, unit), None, "")
        file_name, _column, value_unit, name, basis = EQUIVALENT_BASES[coef.equivalent_basis]
        table = self.rates[coef.equivalent_basis]
        wanted = year if year is not None else max((y for y, r in table.items() if r.value is not None), default=None)
        rate = table.get(wanted) if wanted is not None else None
        if rate is None or rate.value is None:
            return EquivalentFactor(None, None, f"{name}等价值：区统计局尚未在 {file_name} 中设定 {wanted or ''} 年的"
                                                f"{basis}，无法计算{name}等价值，请联系区统计局更新该文件")
        value = rate.value / 1_000_000.0 * (self.units[unit][1] if unit in self.units else 1.0)  # per base unit, × report unit, kg → t
        of_year = f"{rate.rate_year} 年" if rate.rate_year and rate.rate_year != rate.year else ""
        note = (f"{name}等价值按{of_year}{rate.basis} {rate.value:g} {value_unit}"
                f"（{STATUS_LABELS.get(rate.status, rate.status)}；{rate.source}）")
        if rate.provisional or rate.basis != basis:
            note = f"{PROVISIONAL_MARK}{rate.year} 年的{name}等价值应按{basis}，" + note
        return EquivalentFactor(value, rate.year, note, rate.provisional or rate.basis != basis)


def _read_rates(path: Path, value_column: str) -> dict[int, EquivalentRate]:
    """One 等价值 file: a row per report year (year, basis, value, rate_year, status, source)."""
    rates: dict[int, EquivalentRate] = {}
    for line, row in _read_csv(path, ("year", "basis", value_column, "rate_year", "status", "source")):
        year = int(_number(path, line, "year", row["year"]))
        if year in rates:
            raise ReferenceError(f"参考数据文件 {path.name} 第{line}行：{year} 年重复（每年只能有一个数值）")
        value = _number(path, line, value_column, row[value_column], True)
        if value is not None and not 0 < value < 1000:
            raise ReferenceError(f"参考数据文件 {path.name} 第{line}行 {value_column}：{value:g} 不在 0～1000 之间")
        rate_year = _number(path, line, "rate_year", row["rate_year"], True)
        rates[year] = EquivalentRate(year, value, row["basis"], int(rate_year) if rate_year else None,
                                     row["status"], row["source"])
    return rates
