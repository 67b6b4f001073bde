"""Stored inputs of a long enterprise list (永节统2表) for the fast-path equality tests: plausible
enterprises (``bench.sizes.enterprise``), with hostile values in places — what an old file or an
older version could have stored (``tests.test_speed_paths._hostile``)."""

from __future__ import annotations

import random
from typing import Any


def list_inputs(table: Any, rows: list[str], rng: random.Random, hostile: bool = True) -> dict:
    """table's input cells for ``rows``: ``hostile`` values in places (else none), a few left blank."""
    from bench.sizes import enterprise
    from tests.test_speed_paths import _hostile

    inputs: dict = {}
    for i, row in enumerate(rows):
        good = enterprise(i, 2025)
        for col in table.columns:
            if col.formula is not None:
                continue
            value = _hostile(col.type, rng) if hostile else None
            if value is None and rng.random() > 0.05:
                value = good.get(col.key)
            if value is not None:
                inputs[(table.key, row, col.key)] = value
    return inputs
