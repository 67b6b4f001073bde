"""What one change did: the answer of every ``Workspace`` write (like Anki's ``OpChanges``).

The window refreshes from it — the cells, the report's new state, the statuses that changed
(the edited report and the forms whose cross-form rules read it), and whether the township list
or the periods changed — instead of deciding by itself what an edit may have touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from records import field, record

if TYPE_CHECKING:
    from forms.validation import ValidationResult
    from forms.values import ParsedValue
    from storage.database import CellKey, ReportData, Township

__all__ = ["Changes", "ReportState"]


@record
class ReportState:
    """One report as stored and validated: what the grids and the findings panel show."""

    data: ReportData
    result: ValidationResult
    status: str

    @property
    def report_id(self) -> int:
        return self.data.report.id


@record(frozen=True)
class Changes:
    """What one write changed. True when anything was stored."""

    report_id: int | None = None
    cells: frozenset[CellKey] = frozenset()  # cells whose value or 说明 was stored
    rows: bool = False  # list-table rows were added, removed or reordered
    statuses: dict[int, str] = field(default_factory=dict)  # report id → its new stored status
    townships: bool = False  # a township's name or profile changed
    periods: bool = False  # a period was created, locked or unlocked
    state: ReportState | None = None  # the changed report after the change (validated)
    parsed: tuple[ParsedValue, ...] = ()  # what each written raw value was parsed to, in order
    row_keys: tuple[str, ...] = ()  # the list rows a row operation added, in order
    count: int = 0  # rows copied (复制上期)
    township: Township | None = None  # the township after a profile change
    period: str | None = None  # the period a period operation created or (un)locked

    def __bool__(self) -> bool:
        return bool(self.cells or self.rows or self.statuses or self.townships or self.periods)

    @property
    def row_key(self) -> str | None:
        """The (last) list row added."""
        return self.row_keys[-1] if self.row_keys else None

    def status_changed(self, report_id: int) -> bool:
        return report_id in self.statuses
