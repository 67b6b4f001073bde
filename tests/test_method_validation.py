"""Validation behaviour of issue 12 (points 6–9): declared decimals on large values, empty 说明,
rows named by their printed 代码, gaps in rates in 个百分点, 投运日期 against the report period."""

from __future__ import annotations

from typing import Any

import pytest

from forms.catalogue import FormCatalogue
from forms.compute import ComputeContext
from forms.validation import validate_report


def _findings(cat: FormCatalogue, form: str, inputs: dict, rows: dict | None = None, period: str = "2025",
              notes: dict | None = None) -> list[Any]:
    return validate_report(cat.get(form), inputs, notes or {}, rows or {},
                           ComputeContext(cat.reference, int(period[:4])), period=period).findings


# -- point 6: declared decimals compared on the decimal text, at any magnitude

@pytest.mark.parametrize("value,refused", [
    (16920.125, True), (98.125, True), (123456789012.125, True), (99999999.999, True),
    (16920.12, False), (123456789012.12, False), (999999999999.5, False), (0.1 + 0.2, False), (17200, False)])
def test_decimals_are_checked_on_the_decimal_text(catalogue, value, refused) -> None:
    inputs = {("energy", "coke", "consumption"): value}
    found = [f for f in _findings(catalogue, "energy_consumption", inputs) if f.rule_id == "小数"]
    assert [(f.row, f.col) for f in found] == ([("coke", "consumption")] if refused else [])
