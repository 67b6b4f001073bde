"""对比表: each township's key indicators of a form beside the district's, with its share.

The key indicators come from the form itself, so a new form needs no code: a grid table's total
rows (合计) when it has them, else its first numeric column row by row; a list table's number of
rows and the sum of each quantity column. A township's share is its figure over the district's
for quantities that add up; ratios (intensities, rates) get no share — the district's ratio is
the ratio of the sums, not a sum of the townships' ratios.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from district.summary import FormSummary
from forms.compute import ComputedForm, numeric_or_none
from forms.spec import FormSpec, TableSpec, is_ratio_unit

__all__ = ["Indicator", "Comparison", "key_indicators", "comparison", "MAX_INDICATORS"]

MAX_INDICATORS = 12  # per form: a 对比表 a person can read (and print landscape)


@dataclass(frozen=True)
class Indicator:
    label: str
    unit: str
    additive: bool  # a quantity: townships' figures add up to the district's, so shares make sense
    read: Callable[[ComputedForm], float | None]


@dataclass
class Comparison:
    form: FormSpec
    indicators: list[Indicator]
    townships: list[tuple[str, str, list[float | None]]]  # (name, 镇/街道, one value per indicator)
    district: list[float | None]
    missing: list[str]

    def share(self, row: int, column: int) -> float | None:
        """Township ``row``'s share (%) of the district's figure of indicator ``column``."""
        indicator, total = self.indicators[column], self.district[column]
        value = self.townships[row][2][column]
        if not indicator.additive or value is None or not total:
            return None
        return value / total * 100


def _cell(table: str, row: str, col: str) -> Callable[[ComputedForm], float | None]:
    return lambda c: numeric_or_none(c.get(table, row, col))


def _count(table: str) -> Callable[[ComputedForm], float | None]:
    return lambda c: len(c.list_rows.get(table, ())) if table in c.list_rows else None


def _column_sum(table: str, col: str) -> Callable[[ComputedForm], float | None]:
    def read(c: ComputedForm) -> float | None:
        numbers = [numeric_or_none(c.get(table, r, col)) for r in c.list_rows.get(table, ())]
        present = [n for n in numbers if n is not None]
        return sum(present) if present else None

    return read


def _grid_indicators(table: TableSpec) -> list[Indicator]:
    totals = [r for r in table.rows if r.is_total]
    out = []
    if totals:
        cells = [(r, c) for r in totals for c in table.columns if c.numeric and not table.is_blocked(r, c)]
    else:
        first = next((c for c in table.columns if c.numeric), None)
        cells = [(r, first) for r in table.rows if first is not None and not table.is_blocked(r, first)]
    for row, col in cells:
        unit = table.cell_unit(row, col)
        label = row.label if not totals else f"{row.label}：{col.label}"
        additive = table.aggregate_mode(row, col) == "sum" or (
            table.aggregate_mode(row, col) == "recompute" and not is_ratio_unit(unit))
        out.append(Indicator(label, unit, additive, _cell(table.key, row.key, col.key)))
    return out


def _list_indicators(table: TableSpec) -> list[Indicator]:
    out = [Indicator(f"{table.title}个数", "个", True, _count(table.key))]
    for col in table.columns:
        if col.type in ("number", "integer") and not is_ratio_unit(col.unit) and table.aggregate_mode(None, col) == "sum":
            out.append(Indicator(f"{col.label}合计", col.unit, True, _column_sum(table.key, col.key)))
    return out


def key_indicators(form: FormSpec) -> list[Indicator]:
    """The form's key indicators (module docstring), at most ``MAX_INDICATORS``."""
    found: list[Indicator] = []
    for table in form.tables:
        found += _grid_indicators(table) if table.kind == "grid" else _list_indicators(table)
    return found[:MAX_INDICATORS]


def comparison(summary: FormSummary) -> Comparison:
    """The 对比表 of one form's 汇总: every member township, the district, who is missing."""
    indicators = key_indicators(summary.form)
    rows = [(town.name, town.kind, [i.read(computed) for i in indicators])
            for town, computed in zip(summary.members, summary.member_computed)]
    district = [i.read(summary.computed) for i in indicators] if summary.members else [None] * len(indicators)
    return Comparison(summary.form, indicators, rows, district, [t.name for t in summary.missing])
