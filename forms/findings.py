"""What 审核 reports: findings with structured fields (rule, form, table, row, column, severity,
text), the location text derived from them, and the result of validating one report.

Severities follow the NBS 联网直报: 错误 (强制性) blocks export; 警告 (核实性) may be exported
only with a real 说明 on its cell; 提示 (提示性) informs.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

from forms.note_check import note_is_acceptable, note_policy
from forms.spec_memo import per_spec
from records import field, record

if TYPE_CHECKING:  # (s1: forms.compute, the engine, stays off the path of kept findings)
    from forms.compute import CellKey, ComputedForm
    from forms.spec import ColumnSpec, FormSpec, TableSpec

__all__ = ["TextEnum", "Severity", "Finding", "ValidationResult", "FindingCollector", "note_is_acceptable",
           "SEVERITY_ORDER", "sort_findings"]


class TextEnum(str, Enum):
    """An enum whose members are their (Chinese) text: stored, compared, hashed and shown as it."""

    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__


class Severity(TextEnum):
    ERROR = "错误"  # 强制性: blocks export
    WARNING = "警告"  # 核实性: needs a real 说明
    HINT = "提示"  # 提示性: informs


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.HINT: 2}


@record(frozen=True)
class Finding:
    """One problem of one cell. ``text`` says what is wrong; where it is comes from the fields."""

    severity: Severity
    rule_id: str
    form_key: str
    table: str
    row: str
    col: str
    text: str
    explained: bool = False
    form_name: str = ""
    row_number: int = 0  # 1-based position of the row in its table
    row_label: str = ""  # the row's name (grid) or the entry's first text (list)
    col_label: str = ""
    row_code: str = ""  # the row's printed 代码 (grid rows that have one)

    @property
    def cell(self) -> CellKey:
        return (self.table, self.row, self.col)

    @property
    def row_name(self) -> str:
        """The row as printed: "代码19 单位地区生产总值能耗比2020年降低率" (by its 代码, not its
        position), or "第2行 甲公司" for a list row or a row without a 代码."""
        where = f"代码{self.row_code}" if self.row_code else f"第{self.row_number}行"
        return where + (f" {self.row_label}" if self.row_label else "")

    @property
    def location(self) -> str:
        """《表名》代码01 原煤 / 消费量"""
        return f"《{self.form_name}》{self.row_name} / {self.col_label}"

    @property
    def message(self) -> str:
        """The full text, location first."""
        return f"{self.location}：{self.text}"

    @property
    def blocks_export(self) -> bool:
        return self.severity == Severity.ERROR or (self.severity == Severity.WARNING and not self.explained)


def sort_findings(form: FormSpec, findings: list[Finding]) -> None:
    """Most severe first, then by table; otherwise in the order the checks found them (stable)."""
    order = {t.key: i for i, t in enumerate(form.tables)}
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], order[f.table]))


@record
class ValidationResult:
    computed: ComputedForm
    findings: list[Finding]
    # What re-validating after an edit needs from this result (``forms.incremental``); None when
    # it cannot be re-validated incrementally.
    index: Any = field(default=None, repr=False, compare=False)
    # r4: not yet validated (``forms.validation.PendingResult``: shown first, findings a moment later)
    pending = False

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocks_export]

    def worst_by_cell(self) -> dict[CellKey, Finding]:
        """The most severe finding of each cell (for cell colours)."""
        worst: dict[CellKey, Finding] = {}
        for f in self.findings:
            current = worst.get(f.cell)
            if current is None or SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[current.severity]:
                worst[f.cell] = f
        return worst


class FindingCollector:
    """Gathers the findings of one report; cells that failed a field check are not read by rules."""

    def __init__(self, form: FormSpec, computed: ComputedForm, notes: Mapping[CellKey, str]) -> None:
        self.form, self.computed, self.notes = form, computed, notes
        self.findings: list[Finding] = []
        self.invalid: set[CellKey] = set()  # cells that failed a field check: rules do not read them

    def add(self, severity: str, rule_id: str, table: TableSpec, row_key: str, row_index: int,
            col: ColumnSpec, text: str) -> None:
        severity = _SEVERITIES.get(severity) or Severity(severity)  # (v1: a look-up; an unknown one raises as before)
        explained = severity == Severity.WARNING and _explains(self.notes.get((table.key, row_key, col.key)))
        if table.kind == "grid":
            code, label = _grid_rows(table)[row_key]  # (v1: KeyError for a row not in the grid, as ``table.row``)
        else:
            code, label = "", self._row_label(table, row_key)
        self.findings.append(Finding(severity, rule_id, self.form.key, table.key, row_key, col.key, text, explained,
                                     self.form.name, row_index, label, col.label, code))

    def _row_label(self, table: TableSpec, row_key: str) -> str:
        if table.kind == "grid":
            return table.row(row_key).label
        first_text = next((c for c in table.columns if c.type == "text"), None)
        return str(self.computed.get(table.key, row_key, first_text.key) or "") if first_text else ""


_SEVERITIES: dict[str, Severity] = {s.value: s for s in Severity}
_EXPLAINS: dict[str, tuple[Any, bool]] = {}  # 说明 → (the note policy, whether it explains a 警告)


def _explains(note: str | None) -> bool:
    """``note_is_acceptable(note)``, kept per text while the note policy is the same object (v1: a
    township sends the same 说明 again with each corrected file; telling it walks every stock phrase)."""
    if not note:
        return False
    policy = note_policy()
    found = _EXPLAINS.get(note)
    if found is None or found[0] is not policy:
        if len(_EXPLAINS) > 4096:
            _EXPLAINS.clear()
        found = _EXPLAINS[note] = (policy, note_is_acceptable(note))
    return found[1]


@per_spec()
def _grid_rows(table: TableSpec) -> dict[str, tuple[str, str]]:
    """A grid's row key → (its 代码, its label), once per table (v1: each finding looked its row up
    twice by a walk over the rows). The first row of a key wins, as ``TableSpec.row``."""
    found: dict[str, tuple[str, str]] = {}
    for row in table.rows:
        found.setdefault(row.key, (row.code, row.label))
    return found
