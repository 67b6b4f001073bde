"""The plan's quantified targets (resources/plan_targets.yaml) as checked objects.

Data, not code: the district edits the file. Checked on load like a form file: each target's
measuring cell must exist in the catalogue and be a cell that holds a figure, and a form's
``goal`` rule on the same cell must name the same target value (one number, never two).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from forms.catalogue import FormCatalogue
from forms.loader import FormDefinitionError, _Checker

__all__ = ["CellRef", "PlanTarget", "load_targets", "targets_path", "DIRECTIONS"]

DIRECTIONS = ("at_least", "at_most")


@dataclass(frozen=True)
class CellRef:
    form: str
    table: str
    row: str
    column: str


@dataclass(frozen=True)
class PlanTarget:
    id: str
    name: str
    plan: str  # the sentence of the plan the target comes from
    target: float
    unit: str
    direction: str = "at_least"
    target_year: int = 2025
    base_year: int | None = None
    base_value: float | None = None
    measure: CellRef | None = None
    unmeasured: str = ""  # why no form measures it yet
    township_share: bool = False  # a township's figure is a share of the district's (ledgers, areas)

    def reached(self, value: float) -> bool:
        return value >= self.target if self.direction == "at_least" else value <= self.target


def targets_path() -> Path:
    from resources import resource_path

    return resource_path("plan_targets.yaml")


def load_targets(catalogue: FormCatalogue, path: Path | None = None) -> list[PlanTarget]:
    """Read and check the targets file; FormDefinitionError names the key that is wrong."""
    path = path or targets_path()
    file = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormDefinitionError(file, "", f"无法读取规划目标文件：{exc}") from None
    top = _Checker(file, "", data)
    raw = top.get("targets", list)
    top.finish()
    targets: list[PlanTarget] = []
    for i, item in enumerate(raw):
        target = _target(file, f"targets[{i}]", item, catalogue)
        if any(t.id == target.id for t in targets):
            raise FormDefinitionError(file, f"targets[{i}].id", f"目标代码 '{target.id}' 重复")
        targets.append(target)
    return targets


def _target(file: str, path: str, data: Any, catalogue: FormCatalogue) -> PlanTarget:
    c = _Checker(file, path, data)
    key = c.key("id")
    c.path = f"{path}({key})"
    measure = _measure(c, catalogue)
    target = PlanTarget(
        id=key, name=c.get("name", str), plan=c.get("plan", str), target=c.get("target", float),
        unit=c.get("unit", str), direction=c.get("direction", str, "at_least", choices=DIRECTIONS),
        target_year=c.get("target_year", int, 2025), base_year=c.get("base_year", int, None),
        base_value=c.get("base_value", float, None), measure=measure, unmeasured=c.get("unmeasured", str, ""),
        township_share=c.get("township_share", bool, False))
    if measure is None and not target.unmeasured:
        c.fail("unmeasured", "没有计量单元格（measure: null）的目标须说明原因")
    if target.base_value is not None and target.base_year is None:
        c.fail("base_year", "给出基期值（base_value）时须同时给出基期年份（base_year）")
    c.finish()
    if measure is not None:
        _same_as_goal_rule(c, catalogue, measure, target.target)
    return target


def _measure(c: _Checker, catalogue: FormCatalogue) -> CellRef | None:
    raw = c.get("measure", dict, None)
    if raw is None:
        return None
    m = _Checker(c.file, f"{c.path}.measure", raw)
    ref = CellRef(m.get("form", str), m.get("table", str), m.get("row", str), m.get("column", str))
    m.finish()
    try:
        table = catalogue.get(ref.form).table(ref.table)
        row = table.row(ref.row) if table.kind == "grid" else None
        col = table.column(ref.column)
    except KeyError as exc:
        m.fail("", f"表式中没有单元格 {ref.form}/{ref.table}/{ref.row}/{ref.column}（{exc.args[0]} 不存在）")
    if table.kind != "grid" or table.is_blocked(row, col) or not col.numeric:
        m.fail("", f"{ref.form}/{ref.table}/{ref.row}/{ref.column} 不是固定表中填写或计算数值的单元格")
    return ref


def _same_as_goal_rule(c: _Checker, catalogue: FormCatalogue, ref: CellRef, value: float) -> None:
    for rule in catalogue.get(ref.form).rules:
        anchor = (rule.anchor_row, rule.anchor_column)
        if rule.kind == "goal" and rule.table == ref.table and anchor == (ref.row, ref.column) \
                and rule.target is not None and abs(rule.target - value) > 1e-9:
            c.fail("target", f"目标值 {value:g} 与表式《{catalogue.get(ref.form).name}》规则 {rule.id} 的目标 "
                             f"{rule.target:g} 不一致")
