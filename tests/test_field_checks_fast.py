"""The field checks' shortcut for common values (``_plainly_valid``) never disagrees with
``type_problem``: whatever it accepts, the full parse accepts too, on every column of every form."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from forms.catalogue import FormCatalogue
from forms.field_checks import _plainly_valid
from forms.values import type_problem

COLUMNS = [table.cell_column(row, col) for form in FormCatalogue.load() for table in form.tables
           for row in (table.rows or (None,)) for col in table.columns]
VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20), st.booleans(),
                   st.sampled_from([1e15, -1e15, 999999.0, 1e6, 5.5, 0.0, -0.0, 2**53, 10**16]),
                   st.sampled_from(sorted({c for col in COLUMNS for c in col.choices})), st.text(max_size=8),
                   st.sampled_from(["a" * 32_767, "a" * 32_768, "\x1b" * 32_768 + "a", " 是 ", "2025-06-30", "\x00"]))


@settings(max_examples=400, deadline=None)
@given(column=st.sampled_from(COLUMNS), value=VALUES)
def test_the_shortcut_accepts_only_what_type_problem_accepts(column, value):
    if _plainly_valid(column, value):
        assert type_problem(column, value) is None


def test_the_shortcut_covers_the_common_values():
    numeric = next(c for c in COLUMNS if c.type == "number")
    choice = next(c for c in COLUMNS if c.type == "choice")
    assert _plainly_valid(numeric, 2300.5) and _plainly_valid(numeric, 12)
    assert _plainly_valid(choice, choice.choices[0])
    assert not _plainly_valid(numeric, float("nan")) and not _plainly_valid(numeric, True)
    assert not _plainly_valid(choice, "不存在的选项")
    text = next(c for c in COLUMNS if c.type == "text")
    assert _plainly_valid(text, "永川测试企业有限公司") and not _plainly_valid(text, "长" * 40_000)
