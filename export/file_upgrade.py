"""An older form version in a file brought to the current layout as it is read (r5).

A township file exported by an older version of a form (its ``_cells`` map names the cells of
that version's layout) is read by code: a cell whose key the current form still has is taken,
one it no longer has was skipped. When the form declares version steps (``upgrades``,
forms/README.md) the same steps that upgrade a stored report (``forms.upgrade_steps.apply_steps``,
also used by ``storage.form_upgrades``) are applied here, in memory, to what was read:

* a moved cell's value and 说明 go to their new place (parsed as the new column's value; a value
  the new column refuses is a rejected cell like any other);
* a dropped cell is not imported (the notice names it and its value);
* a move into another form goes there when the file holds that form and the place is blank there;
  otherwise it is not imported and the notice says why, with the value;
* the form's notice says "已按第N版表式升级" (the import's audit reason and the district's register
  carry it) and ``form_versions`` then gives the current version: the forms as read ARE current.

A version before the form's first step is read by code as before (the steps say nothing about it).
No database, no Qt: ``export.submission_file`` calls ``upgrade_file_forms`` once, after reading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from export.checksum import MappedCell, MapRecord
from export.reader import cell_address, parse_address
from forms.spec import FormSpec
from forms.upgrade_steps import StepResult, apply_steps, steps_from
from forms.values import parse_input

if TYPE_CHECKING:
    from export.submission_file import FileForm, SubmissionFile

__all__ = ["UPGRADED_MARK", "upgrade_file_forms", "upgrade_notices"]

Cell = tuple[str, str, str]
UPGRADED_MARK = "已按第"  # the start of the statement below; the import's audit reason picks these out
_SKIPPED = "在本程序的表式中不存在，已跳过"  # the reader's notice for a cell of a key this form has not


def upgrade_notices(notices: list[str]) -> list[str]:
    """The "已按第N版表式升级" statements among a file's notices (for an audit reason)."""
    return [n for n in notices if UPGRADED_MARK in n and "版表式升级" in n]


def upgrade_file_forms(result: SubmissionFile, records: list[MapRecord] | None,
                       entries: list[MappedCell] | None) -> None:
    """Apply the version steps to every form of ``result`` read from an older version that has
    steps (``records``/``entries``: the ``_cells`` map as read, raw values and file keys)."""
    versions = dict(result.form_versions)  # a form listed without a cell (an empty list) too
    for m in records or entries or ():
        versions.setdefault(m.form_key, m.form_version)
    for item in list(result.forms):
        version = versions.get(item.key, item.form.version)
        if version < item.form.version and steps_from(item.form, version):
            _upgrade(result, item, version, _raw_cells(item.key, records, entries))


def _raw_cells(form_key: str, records: list[MapRecord] | None,
               entries: list[MappedCell] | None) -> dict[Cell, tuple[Any, str, str]]:
    """Every input cell of ``form_key`` in the map: cell (file keys) → (raw value, 说明, address)."""
    cells: dict[Cell, tuple[Any, str, str]] = {}
    for e in entries or ():
        if e.form_key == form_key and e.kind == "input":
            cells.setdefault((e.table_key, e.row_key, e.col_key), (e.value, e.note or "", e.address))
    for r in records or ():
        if r.form_key != form_key:
            continue
        try:
            row, col = parse_address(r.cell)
        except ValueError:
            continue
        for j, (key, kind) in enumerate(zip(r.columns.split(","), r.kinds)):
            if key and kind == "i":  # an input position (not computed, not blocked)
                value = r.values[j] if j < len(r.values) else None
                note = r.notes[j] if j < len(r.notes) else None
                cells.setdefault((r.table_key, r.row_key, key), (value, note or "", cell_address(row, col + j)))
    return cells


def _upgrade(result: SubmissionFile, item: FileForm, version: int, raw: dict[Cell, tuple[Any, str, str]]) -> None:
    from export.submission_file import normalise

    form = item.form
    stored: dict[Cell, list[Any]] = {}
    for cell, (value, note, _address) in raw.items():
        if cell in item.addresses:  # read by the current layout: as parsed (None when rejected)
            value, note = item.values.get(cell), item.notes.get(cell, note)
        else:
            value = normalise(value)
        if value is not None or note:
            stored[cell] = [value, note]
    steps = apply_steps(form, version, stored)
    handled = set(steps.reasons) | {out.source for out in steps.outgoing}
    addresses = {cell: address for cell, (_v, _n, address) in raw.items()}
    lines: list[str] = []
    for cell in sorted(handled):
        if cell in steps.cells or cell not in stored:
            continue
        if cell in item.addresses:  # a dropped or moved cell of a key the current layout still has
            item.values.pop(cell, None)
            item.notes.pop(cell, None)
            item.rejected[:] = [r for r in item.rejected if r.cell != cell]
        why = steps.reasons.get(cell, "")  # none: moving to another form (below)
        if why and ("：移至" not in why):
            lines.append(f"{'.'.join(cell)}（{item.sheet}!{addresses.get(cell, '?')}，文件中为 "
                         f"{_shown(stored[cell][0])}）：{why}，未导入")
    for cell, (value, note) in steps.cells.items():
        if cell in handled and cell not in stored:  # moved here
            source = next((c for c, why in steps.reasons.items() if c in stored and c not in steps.cells
                           and why.endswith("移至 " + ".".join(cell))), None)
            problem = _place(item, cell, value, note, addresses.get(source, "?") if source else "?")
            if problem:
                lines.append(f"{'.'.join(cell)}：{problem}，未导入（文件中为 {_shown(value)}）")
    moved = sum(1 for c in stored if c not in steps.cells and "：移至" in steps.reasons.get(c, ""))
    for out in steps.outgoing:
        target = next((f for f in result.forms if f.key == out.target_form), None)
        where = f"{'.'.join(out.source)}（文件中为 {_shown(out.value)}）应移至 {out.target_form}:{'.'.join(out.target)}"
        if target is None:
            lines.append(f"{where}，文件中没有该表，未导入")
        elif target.values.get(out.target) is not None:
            lines.append(f"{where}，该处文件中已有数值 {_shown(target.values[out.target])}，未导入")
        elif problem := _place(target, out.target, out.value, out.note, addresses.get(out.source, "?")):
            lines.append(f"{where}：{problem}，未导入")
        else:
            moved += 1
    _restate(result, item, version, steps, handled, moved, lines)


def _place(item: FileForm, cell: Cell, value: Any, note: str, address: str) -> str:
    """Put ``value`` at ``cell`` of the current layout as the reader would have; a problem's text."""
    from export.submission_file import Rejected

    form: FormSpec = item.form
    try:
        table = form.table(cell[0])
        col = table.column(cell[2])
        row = table.row(cell[1]) if table.kind == "grid" else None
    except KeyError:
        return f"本程序的表式中没有单元格 {'.'.join(cell)}"
    if not table.is_input(row, col):
        return f"{'.'.join(cell)} 不是填报单元格"
    parsed = parse_input(col, value)
    if parsed.error:
        item.rejected.append(Rejected(form.key, item.sheet, address, value, parsed.error, cell))
        return ""
    item.values[cell] = parsed.value
    item.addresses.setdefault(cell, address)
    if note:
        item.notes[cell] = note
    if table.kind == "list" and cell[1] not in item.list_rows.get(table.key, []):
        item.list_rows.setdefault(table.key, []).append(cell[1])
    return ""


def _restate(result: SubmissionFile, item: FileForm, version: int, steps: StepResult, handled: set[Cell],
             moved: int, lines: list[str]) -> None:
    """The reader's "by code" notices replaced by what the steps did."""
    form = item.form
    item.notices[:] = [n for n in item.notices if _SKIPPED not in n or not any(_names(n, c) for c in handled)]
    by_code = f"文件中的《{form.name}》是第{version}版表式（本程序为第{form.version}版）"
    result.notices[:] = [n for n in result.notices if not n.startswith(by_code)]
    what = "；".join(s.note for s in steps.steps if s.note)
    result.notices.append(f"文件中的《{form.name}》是第{version}版表式，{UPGRADED_MARK}{form.version}版表式升级"
                          + (f"（{what}）" if what else "")
                          + f"：{moved}个单元格移至新位置，{steps.dropped}个单元格已取消，请导入后重新审核")
    item.notices += [f"表式升级：{line}" for line in lines]
    result.form_versions[form.key] = form.version


def _names(notice: str, cell: Cell) -> bool:
    """Whether the reader's skip notice is about ``cell``: it names the table and column
    ("pv/area"), the grid row ("对应的行 chargers") or the table."""
    table, row, col = cell
    return f"{table}/{col} " in notice or f"对应的行 {row} " in notice or f"对应的表 {table} " in notice


def _shown(value: Any) -> str:
    return "空" if value is None else str(value)
