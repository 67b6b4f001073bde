"""r4 (issue 16): what was taken off a command's start path computes exactly what it replaced."""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import math
import random
import struct

from forms.rules import report_end
from forms.values import decimal_places


def _decimal_places_by_decimal(number: float | int) -> int:
    if isinstance(number, int) or not math.isfinite(number):
        return 0
    exponent = decimal.Decimal(f"{number:.15g}").normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def test_decimal_places_are_those_decimal_gives() -> None:
    numbers: list[float | int] = [0, 7, 0.0, -0.0, 1e308, -1e308, 5e-324, 1e-7, 1.5e-7, 100.0, 1e16, 1e15, 16920.125,
                                  0.1 + 0.2, 12345678901234567890.0, 2.5e-300, math.inf, -math.inf, math.nan, 0.001]
    draw = random.Random(16)
    for _ in range(20000):
        numbers.append(struct.unpack("d", struct.pack("Q", draw.getrandbits(64)))[0])  # any bit pattern
        numbers.append(round(draw.uniform(-1e9, 1e9), draw.randint(0, 9)))
        numbers.append(draw.randint(-10**8, 10**8) / 10 ** draw.randint(0, 14))
    assert [decimal_places(n) for n in numbers] == [_decimal_places_by_decimal(n) for n in numbers]
    assert decimal_places(16920.125) == 3 and decimal_places(0.1 + 0.2) == 1 and decimal_places(1e308) == 0


def test_report_end_is_the_calendars_last_day() -> None:
    for year in (1999, 2000, 2024, 2025, 2100):
        assert report_end(str(year)) == f"{year}-12-31"
        for month in range(1, 13):
            last = dt.date(year, month, calendar.monthrange(year, month)[1]).isoformat()
            assert report_end(f"{year}M{month:02d}") == last
            if month % 3 == 0:
                assert report_end(f"{year}Q{month // 3}") == last
    for odd in ("2025M13", "2025M00", "2025Q5", "2025Q0", "2025X", "20", "", "abcd", "2025M-1"):
        assert report_end(odd) is None
