"""y4 (issue 16): the import preview's cheaper steps answer exactly as the ones they replace."""

from __future__ import annotations

import random
import re

import export.safety as safety
from tests.read_less_work_helpers import ODD_OR_LONG_REF_BEFORE

_SPACE_BEFORE_EQ = re.compile(rb"\s=")  # what ``safety._space_before_eq`` answers


def test_space_before_eq_answers_as_the_search() -> None:
    rnd = random.Random(16)
    pieces = [b"r", b"=", b"'", b'"', b" ", b"\t", b"\n", b"\x0b", b"\x0c", b"\r", b"A", b"1", b"12345", b"<c ",
              b"\n" * 70, b"\t" * 65, b"\r\n" * 40, b"\xe4\xb8\xad", b"r=\"AB1\"", b"x=\"1\""]
    for _ in range(30000):
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert safety._space_before_eq(data) == (_SPACE_BEFORE_EQ.search(data) is not None), data
        assert safety._odd_or_long_ref(data) == (ODD_OR_LONG_REF_BEFORE.search(data) is not None), data


def test_many_rare_spaces_before_the_one_before_an_eq() -> None:
    """Beyond the characters looked at one by one: the rest of the part is searched for the pair."""
    for space in (b"\t", b"\n", b"\r", b"\x0b", b"\x0c"):
        for count in (0, 63, 64, 65, 200):
            tail = b'<c r' + space + b'="A1"/>'
            data = (b"<row>" + space) * count + tail
            assert safety._space_before_eq(data) and safety._odd_or_long_ref(data)
            assert not safety._space_before_eq(data.replace(space + b"=", b"=")), (space, count)
            assert safety._space_before_eq(b"x" + space) is False
