"""The cyclic garbage collector paused while a large result is built (issue 16).

Reading a 5,000-row list makes some 300,000 lists, tuples and dicts, none of them in a reference
cycle; each 700 new ones start a collection that walks the ever longer lists of objects already
made — a third of the import preview's time. Memory is freed by reference counting as always.

On leaving, the objects that survive (the result: ~77,000 cell-key tuples for that list) are
handed to the oldest generation as a whole (``gc.freeze()`` then ``gc.unfreeze()``: two list
splices), instead of being walked by the collection that merely turning the collector back on
would start at once (≈ 15 ms for them). Nothing is kept from the collector: they are walked — and
their tuples of text untracked — by the next full collection, if they are still alive then (the
walk the young collection would have done, later or never); a reference cycle made in the pause
and dropped is freed by that full collection instead of the next young one (a normal read makes
none). Two guards keep this to the case where that argument holds: a block left by an exception
turns the collector on as before (a traceback can hold a cycle and a whole workbook), and so does
one where something else in the process froze objects (``gc.unfreeze`` would release theirs).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off for the block and on again after it (unless it was off: then it stays
    off, and the outermost pause hands the survivors over); see the module docstring."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except BaseException:
        if enabled:
            gc.enable()
        raise
    if enabled:
        if not gc.get_freeze_count():
            gc.freeze()  # every tracked object to the permanent generation and the young count to 0 …
            gc.unfreeze()  # … then all of them to the oldest generation: none walked now
        gc.enable()
