"""Issue 16: the collector paused while a large result is built (``gc_pause``) hands what survives to
the oldest generation on leaving instead of walking it at once — and keeps everything collectable:
a cycle dropped in the pause is freed by a full collection, a block left by an exception and a
process that froze objects of its own get the plain ``gc.enable()``. A real file read and a real
period validated leave their results out of the young generation with the collector on again."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from export.submission_file import read_submission
from gc_pause import gc_paused


class _Node:
    """A weak-referenceable object that can be put in a reference cycle."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _dropped_cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def _young(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(generation=0))


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_survivors_go_to_the_oldest_generation_without_a_walk(collector_on) -> None:
    with gc_paused():
        assert not gc.isenabled()
        made = [(f"t{i}", f"r{i}", "c") for i in range(5000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert gc.get_count()[0] < 700  # the young count starts again: no collection is due for them
    assert not _young(made) and not _young(made[123])
    assert any(o is made for o in gc.get_objects(generation=2))
    gc.collect()  # a full collection walks them once and untracks the tuples of text, as a young one would have
    assert not gc.is_tracked(made[123]) and gc.is_tracked(made)


def test_a_cycle_dropped_in_the_pause_is_freed_by_a_full_collection(collector_on) -> None:
    with gc_paused():
        dead = _dropped_cycle()
    assert dead() is not None  # (only the collector frees a cycle)
    gc.collect()
    assert dead() is None


def test_nested_pauses_hand_over_once_at_the_outermost(collector_on) -> None:
    with gc_paused():
        with gc_paused():
            inner = [["x"] for _ in range(10)]
        assert not gc.isenabled()  # the inner pause leaves the outer one's collector off
        assert _young(inner)
    assert gc.isenabled() and not _young(inner)


def test_an_exception_turns_the_collector_on_as_before(collector_on) -> None:
    kept: list[object] = []
    with pytest.raises(ValueError), gc_paused():
        kept.append([1, 2])
        dead = _dropped_cycle()
        raise ValueError("refused")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert _young(kept[0])  # not handed over: the next young collection walks (and frees) as always
    gc.collect(0)
    assert dead() is None


def test_objects_frozen_by_someone_else_stay_frozen(collector_on) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with gc_paused():
            made = [[i] for i in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() == frozen  # not released by the pause
        assert _young(made)  # the plain enable: the young collection walks them as before
    finally:
        gc.unfreeze()


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            made = [[1]]
        assert not gc.isenabled() and _young(made)
    finally:
        (gc.enable if was else gc.disable)()


def test_a_file_read_leaves_its_cells_out_of_the_young_generation(collector_on, township_files: dict[str, Path],
                                                                    catalogue, monkeypatch) -> None:
    import export.submission_file as submission_file

    monkeypatch.setattr(submission_file, "_ROW_PLANS", {})  # every cell key made by this read (none kept from before)
    path = next(iter(township_files.values()))
    read = read_submission(path, catalogue)
    assert gc.isenabled()
    values = next(item.values for item in read.forms if item.values)
    key = next(iter(values))
    # not walked yet: a walk untracks a tuple of text, and the one on turning the collector back on would have
    assert gc.is_tracked(key) and not _young(values) and not _young(key)
    assert read_submission(path, catalogue).forms[0].values == read.forms[0].values


def test_a_validated_period_leaves_its_results_out_of_the_young_generation(collector_on, workspace,
                                                                            demo_township) -> None:
    results = workspace.validate_period(demo_township.id, "2025")
    assert results and gc.isenabled() and gc.get_freeze_count() == 0
    data, result = next(iter(results.values()))
    key = next(iter(data.values))  # read in the pause: not walked by the collections validating would start
    assert gc.is_tracked(key) and not _young(key) and not _young(result.findings)


def test_a_validated_report_leaves_its_results_out_of_the_young_generation(collector_on, workspace, demo_township,
                                                                            monkeypatch) -> None:
    import forms.compute as compute
    from tests.test_speed_paths import FORM

    monkeypatch.setattr(compute, "_BLANK_ROWS", {})  # every computed cell's key made by this validation
    data = workspace.open_report(demo_township.id, FORM, "2025")
    result = workspace.validate(data)  # (a report opened this session: validated in full)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    key = next(iter(result.computed.values))  # made in the pause: not walked yet
    assert gc.is_tracked(key) and not _young(key) and not _young(result.findings)


def _unreachable_after(make) -> int:  # noqa: ANN001 - a callable making a result that is then dropped
    gc.collect()
    gc.disable()
    try:
        result = make()
        assert result is not None
        del result
        return gc.collect()  # what only the collector could free: objects left in reference cycles
    finally:
        gc.enable()


@pytest.mark.parametrize("n", [3, 40])  # the row loop and the column-by-column list path
def test_computing_a_form_leaves_no_reference_cycle(catalogue, n: int) -> None:
    import random

    from forms.compute import ComputeContext, compute_form, recompute
    from tests.list_inputs_helpers import list_inputs
    from tests.test_speed_paths import FORM, TABLE

    form = catalogue.get(FORM)
    rows = [f"r{i}" for i in range(1, n + 1)]
    inputs = list_inputs(form.table(TABLE), rows, random.Random(n))
    context = ComputeContext(catalogue.reference, 2025)
    computed = compute_form(form, inputs, {TABLE: rows}, context)
    assert computed.values and _unreachable_after(lambda: compute_form(form, inputs, {TABLE: rows}, context)) == 0
    others = [t.key for t in form.tables if t.key != TABLE]
    again = recompute(form, inputs, computed, {TABLE: rows[:2]}, others, context)
    assert again.values == computed.values  # (the same inputs: the same cells)
    assert _unreachable_after(lambda: recompute(form, inputs, computed, {TABLE: rows[:2]}, others, context)) == 0


def test_validating_a_period_leaves_no_reference_cycle(workspace, demo_township) -> None:
    from storage.validation_cache import forget_all
    from storage.workspace import Workspace

    def validated() -> dict:  # computed and checked again: nothing kept from the validation before
        forget_all(workspace.store)
        return Workspace(workspace.store, workspace.catalogue, workspace.user).validate_period(demo_township.id, "2025")

    validated()
    assert _unreachable_after(validated) == 0
