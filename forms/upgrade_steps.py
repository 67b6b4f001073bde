"""A form's version steps (``upgrades``) applied to one report's cells in memory (d3).

Pure: no database. ``storage.form_upgrades`` writes the result (audited) for stored reports;
anything else holding cells of an older layout (an older submission file) can use it too.
"""

from __future__ import annotations

from typing import Any

from forms.spec import ANY_ROW, CellRef, FormSpec, UpgradeStep
from records import field, record

__all__ = ["Outgoing", "StepResult", "apply_steps", "step_head", "steps_from"]

Cell = tuple[str, str, str]


@record
class Outgoing:
    """A value moving to another form's report (placed by the caller)."""

    source: Cell
    target_form: str
    target: Cell
    value: Any
    note: str
    step: UpgradeStep


@record
class StepResult:
    cells: dict[Cell, list[Any]]  # cell → [value, 说明] in the current layout
    reasons: dict[Cell, str] = field(default_factory=dict)  # changed cell → why (its audit reason)
    outgoing: list[Outgoing] = field(default_factory=list)
    moved: int = 0
    dropped: int = 0
    unplaced: list[str] = field(default_factory=list)  # moves that could not be placed, why
    steps: tuple[UpgradeStep, ...] = ()


def steps_from(form: FormSpec, version: int) -> tuple[UpgradeStep, ...]:
    """The steps that bring data of ``version`` to the form's current version (none before the first step)."""
    return tuple(s for s in form.upgrades if s.from_version >= version)


def step_head(step: UpgradeStep) -> str:
    return f"表式升级 第{step.from_version}版→第{step.to_version}版（{step.note}）"


def _matching(cells: dict[Cell, list[Any]], ref: CellRef) -> list[Cell]:
    if ref.row == ANY_ROW:
        return sorted(c for c in cells if c[0] == ref.table and c[2] == ref.col)
    return [ref.cell] if ref.cell in cells else []


def apply_steps(form: FormSpec, version: int, stored: dict[Cell, list[Any]]) -> StepResult:
    """``stored`` (cells of ``version``: [value, 说明]) in the current layout. A move onto a cell
    already holding another value is not placed (the source is removed, its reason says so)."""
    cells = {k: list(v) for k, v in stored.items()}
    result = StepResult(cells, steps=steps_from(form, version))
    reasons = result.reasons
    for step in result.steps:
        head = step_head(step)
        for move in step.moves:
            for source in _matching(cells, move.source):
                value, note = cells.pop(source)
                target = (move.target.table, source[1] if move.target.row == ANY_ROW else move.target.row,
                          move.target.col)
                if move.target.form and move.target.form != form.key:
                    result.outgoing.append(Outgoing(source, move.target.form, target, value, note, step))
                    continue
                held = cells.get(target, [None, ""])
                if held[0] is not None and held[0] != value:
                    reasons[source] = f"{head}：未移至 {'.'.join(target)}（该处已有数值 {held[0]}），原值保留在本记录中"
                    result.unplaced.append(f"{form.code} {'.'.join(source)}：{reasons[source]}")
                    continue
                cells[target] = [value, note or held[1]]
                reasons[source] = f"{head}：移至 {'.'.join(target)}"
                reasons[target] = f"{head}：由 {'.'.join(source)} 移入"
                result.moved += 1
        for drop in step.drops:
            for source in _matching(cells, drop):
                cells.pop(source)
                reasons[source] = f"{head}：该栏取消，原值保留在本记录中"
                result.dropped += 1
    return result
