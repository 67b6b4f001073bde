"""w1 (issues 11 and 16): the ways of reading that this round replaced, kept as the reference its
tests compare with — forced by monkeypatching, or as the function they were."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

import export.submission_file as submission_file


def data_sha256_before(read: Any) -> str:
    """``district.read_ahead.data_sha256`` as it was: every non-blank value's tuple, sorted together."""
    items = sorted((f.key, *cell, repr(v)) for f in read.forms for cell, v in f.values.items() if v is not None)
    if not items:
        return ""
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()


@contextlib.contextmanager
def rows_as_before() -> Iterator[None]:
    """The cell map read as before this round: every record's cells looked up among those mapped
    before (no row counts as met for the first time), so a long list's later rows are read cell
    by cell (``cells_of``, then ``read_inputs``), not in one pass."""
    table = submission_file._MapReader.table

    def never_new(self, *args: Any) -> Any:
        found = table(self, *args)
        self.new_row = False
        return found

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(submission_file._MapReader, "table", never_new)
        yield
