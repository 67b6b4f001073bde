"""汇总: one district report of a form from the reports of many townships.

How each cell adds up is data (``aggregate`` in the form files, see ``TableSpec.aggregate_mode``):
entered quantities are summed; computed cells — 折标准煤, totals, intensities, shares — are
recomputed from the summed inputs by the same formulas, never summed or averaged as ratios;
coefficients, text, choices and dates of grid tables are not carried. List tables (enterprises,
projects) are the union of the townships' rows, each row keeping all its values and the name of
its township, so the district's counts and totals come from the union.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from forms.compute import CellKey, ComputeContext, ComputedForm, compute_form
from forms.spec import FormSpec
from forms.validation import PeriodInputs

__all__ = ["Member", "Aggregate", "aggregate_form", "entered_form"]


@dataclass(frozen=True)
class Member:
    """One township's stored report of the form (its inputs and list-row order)."""

    township: str  # the name printed in the 镇街 column of unioned lists and in the coverage line
    report: PeriodInputs


@dataclass
class Aggregate:
    """The district report: summed/unioned inputs, everything computed from them, who is in it."""

    form: FormSpec
    values: dict[CellKey, Any]
    list_rows: dict[str, list[str]]
    row_township: dict[tuple[str, str], str]  # (list table, district row key) → township
    townships: list[str]
    computed: ComputedForm


def aggregate_form(form: FormSpec, members: Sequence[Member], context: ComputeContext) -> Aggregate:
    """Add up ``members`` (townships, in the order the output should list them) into one report."""
    values: dict[CellKey, Any] = {}
    list_rows: dict[str, list[str]] = {}
    row_township: dict[tuple[str, str], str] = {}
    reports = [m.report.values for m in members]
    for table in form.tables:
        if table.kind == "grid":
            for row in table.rows:
                for col in table.columns:
                    if table.aggregate_mode(row, col) != "sum":
                        continue
                    cell = (table.key, row.key, col.key)
                    total = _sum([v for r in reports if type(v := r.get(cell)) in _NUMBERS])  # numeric_or_none, inlined
                    if total is not None:
                        values[cell] = total
            continue
        keys = list_rows.setdefault(table.key, [])
        inputs = [col.key for col in table.columns if table.is_input(None, col)]
        for member in members:
            for source_key in member.report.list_rows.get(table.key, ()):
                row_key = f"r{len(keys) + 1}"
                keys.append(row_key)
                row_township[(table.key, row_key)] = member.township
                for col_key in inputs:
                    value = member.report.values.get((table.key, source_key, col_key))
                    if value is not None:
                        values[(table.key, row_key, col_key)] = value
    computed = compute_form(form, values, list_rows, context)
    return Aggregate(form, values, list_rows, row_township, [m.township for m in members], computed)


def entered_form(form: FormSpec, member: Member, context: ComputeContext) -> Aggregate:
    """d3: a ``scope: district`` form (永节统8表) in the 汇总: not added up from townships but the
    district's own report as entered — every input cell carried (rates, text, the source
    department), the computed cells computed from them."""
    values = dict(member.report.values)
    list_rows = {k: list(v) for k, v in member.report.list_rows.items()}
    computed = compute_form(form, values, list_rows, context)
    return Aggregate(form, values, list_rows, {}, [member.township], computed)


_NUMBERS = (int, float)  # exactly: a stored bool or text is not a figure


def _sum(numbers: Any) -> float | int | None:
    """Σ of the filled figures; blank when no township filled the cell (blank is not 0).
    Summed with math.fsum's exactness when floats are involved, so the order of townships
    does not change the last digit."""
    present = [n for n in numbers if n is not None]
    if not present:
        return None
    if all(isinstance(n, int) for n in present):
        return sum(present)
    try:
        return math.fsum(present)
    except OverflowError:  # beyond a float (a database written by other means): 审核 flags the cell
        return math.inf if sum(present) > 0 else -math.inf
