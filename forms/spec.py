"""Checked, immutable form specifications: what the loader produces and everything else reads.

A form file (YAML) becomes plain dicts, is checked key by key (``forms.loader``), and only
then becomes these objects. Nothing downstream has to re-check a spec.
"""

from __future__ import annotations

from records import field, record, replace

SEVERITIES = ("错误", "警告", "提示")
PERIOD_TYPES = ("年报", "季报", "月报")
COLUMN_TYPES = ("number", "integer", "percent", "text", "choice", "date", "uscc")
NUMERIC_TYPES = ("number", "integer", "percent")
# The largest magnitude a numeric column accepts at input when its file declares no ``bound``:
# far above any township's figure, far below where a float loses whole units (2**53 ≈ 9e15).
DEFAULT_BOUNDS = {"number": 1e15, "integer": 1e15, "percent": 1e6}
TABLE_KINDS = ("grid", "list")
# How a cell adds up over townships (汇总): entered quantities are summed, computed cells are
# recomputed from the summed inputs (never a sum or average of ratios), the rest is not carried.
AGGREGATE_MODES = ("sum", "recompute", "none")

# Names every rule may read besides cells (m4): the last day of the report period as an ISO date
# ("2024-12-31" for 2024, "2025-09-30" for 2025Q3), so a date column can be held against it.
PERIOD_NAMES = ("report_end",)

# Column letters of Chinese statistical tables: 甲 乙 丙 for the descriptive columns.
DESCRIPTIVE_LETTERS = ("甲", "乙", "丙")


@record(frozen=True)
class ColumnSpec:
    """One data column. ``formula`` makes every cell of the column computed (read-only)."""

    key: str
    label: str
    type: str = "number"
    unit: str = ""
    decimals: int | None = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    formula: str | None = None
    choices: tuple[str, ...] = ()
    note: str = ""
    width: int = 12
    number: int = 0  # printed column number 1, 2, 3 …
    check_decimals: bool = False  # decimals declared in the file: more decimals typed is an error
    pattern: str | None = None  # regular expression a text value must match in full
    pattern_message: str = ""
    unique: bool = False  # list tables: no two rows may hold the same value
    aggregate: str | None = None  # 汇总: sum | recompute | none; None = by type (see TableSpec.aggregate_mode)
    bound: float | None = None  # numeric: only |x| < bound is accepted at input (default per type)

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def computed(self) -> bool:
        return self.formula is not None


@record(frozen=True)
class RowSpec:
    """One named row of a fixed grid (e.g. a fuel).

    ``formulas`` override or add computed cells for this row; ``blocked`` cells do not apply
    (printed as "—"); ``energy`` ties the row to the coefficient table.
    """

    key: str
    label: str
    code: str = ""
    unit: str = ""
    kind: str = "item"  # item | total
    indent: int = 0
    energy: str | None = None
    formulas: dict[str, str] = field(default_factory=dict)
    blocked: tuple[str, ...] = ()
    integer: tuple[str, ...] = ()  # cells holding counts (人, 辆, 个) in an otherwise decimal column
    required: tuple[str, ...] = ()
    limits: dict[str, dict[str, float]] = field(default_factory=dict)
    aggregate: dict[str, str] = field(default_factory=dict)  # column key → 汇总 mode for this row's cells

    @property
    def is_total(self) -> bool:
        return self.kind == "total"


RULE_KINDS = ("check", "change", "history", "goal", "reported")
BLANK_MODES = ("skip", "zero")


@record(frozen=True)
class DistrictRuleSpec:
    """A rule across townships (``district_rules`` in a form file), checked by the district over
    every received report (district/review.py); a township's own 审核 never sees it."""

    id: str
    kind: str  # same_value_in_townships: one value of a list column in two townships' lists
    table: str
    column: str
    severity: str
    message: str


@record(frozen=True)
class RuleSpec:
    """A declared check (see forms/README.md for the file syntax).

    kind check: ``expr`` must hold. scope row: evaluated on each item row (optionally only
    ``rows``), bare names are the row's columns; scope column: on each column (optionally only
    ``columns``), bare names are rows; scope table: once, anchored at ``anchor``.
    kind change / history: each target cell against the same period last year / earlier
    periods. kind goal: a district goal shown beside the township figure (always 提示).
    kind reported: each ``columns`` cell of the rows that ``when`` selects (read from the row as
    first stored, e.g. "数据来源 was 企业直报") must still hold its first stored value.
    ``blank`` maps a value the rule reads to what its blank means (skip / zero);
    ``blank_default`` covers the others.
    """

    id: str
    severity: str
    table: str
    scope: str
    expr: str
    message: str
    anchor_column: str
    anchor_row: str | None = None
    rows: tuple[str, ...] = ()
    when: str | None = None
    kind: str = "check"
    columns: tuple[str, ...] = ()
    blank: dict[str, str] = field(default_factory=dict)
    blank_default: str = "skip"
    threshold: float = 0.3
    points: float | None = None
    min_periods: int = 3
    target: float | None = None
    direction: str = "at_least"
    goal: str = ""
    unit: str = ""
    path: str = ""  # key path in the form file, for load errors
    subject: str = "本镇街"  # d3: whose figure a goal rule shows ("全区" on a ``scope: district`` form)

    def blank_mode(self, ref: str) -> str:
        return self.blank.get(ref, self.blank_default)


@record(frozen=True)
class TableSpec:
    key: str
    title: str
    kind: str
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...] = ()
    row_label: str = "指标名称"
    max_rows: int = 5000

    def column(self, key: str) -> ColumnSpec:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def row(self, key: str) -> RowSpec:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def item_rows(self) -> tuple[RowSpec, ...]:
        return tuple(r for r in self.rows if not r.is_total)

    def cell_formula(self, row: RowSpec | None, col: ColumnSpec) -> str | None:
        """The formula of one cell: the row's override first, then the column's."""
        if row is not None and col.key in row.formulas:
            return row.formulas[col.key]
        if row is not None and row.is_total:
            return None  # a total row computes only what it declares itself
        return col.formula

    def cell_column(self, row: RowSpec | None, col: ColumnSpec) -> ColumnSpec:
        """``col`` as it applies to one row's cell: a count row makes it an integer column."""
        if row is not None and col.key in row.integer:
            return replace(col, type="integer", decimals=0)
        return col

    def is_blocked(self, row: RowSpec | None, col: ColumnSpec) -> bool:
        if row is None:
            return False
        if col.key in row.blocked:
            return True
        # Total rows only hold what they compute.
        return row.is_total and col.key not in row.formulas

    def is_input(self, row: RowSpec | None, col: ColumnSpec) -> bool:
        return not self.is_blocked(row, col) and self.cell_formula(row, col) is None

    def cell_unit(self, row: RowSpec | None, col: ColumnSpec) -> str:
        """The unit a cell is measured in: the column's, else its row's (grids put units on rows)."""
        return col.unit or (row.unit if row is not None else "")

    def declared_aggregate(self, row: RowSpec | None, col: ColumnSpec) -> str | None:
        if row is not None and col.key in row.aggregate:
            return row.aggregate[col.key]
        return col.aggregate

    def aggregate_mode(self, row: RowSpec | None, col: ColumnSpec) -> str:
        """How one cell adds up over townships: computed → recompute; declared; else entered
        quantities (number/integer in a unit that is not a ratio) → sum, everything else → none."""
        if self.is_blocked(row, col):
            return "none"
        if self.cell_formula(row, col) is not None:
            return "recompute"
        declared = self.declared_aggregate(row, col)
        if declared is not None:
            return declared
        summable = col.type in ("number", "integer") and not is_ratio_unit(self.cell_unit(row, col))
        return "sum" if summable else "none"


_TIME_UNITS = ("年", "季", "月", "日", "天", "小时", "时", "h", "a")


def is_ratio_unit(unit: str) -> bool:
    """A rate, share or intensity (%, ‰, 吨标准煤/万元, 千克标准煤/人 …): such figures never add up
    over townships. A flow per unit of time (吨/年, 蒸吨/小时) is a quantity and does."""
    if "%" in unit or "‰" in unit:
        return True
    for slash in ("/", "／"):
        if slash in unit:
            return unit.rsplit(slash, 1)[1].strip() not in _TIME_UNITS
    return False


# -- d3: form version steps ------------------------------------------------------------------
FORM_SCOPES = ("township", "district")
ANY_ROW = "*"  # in an upgrade step: every row of a list table


@record(frozen=True)
class CellRef:
    """A cell named by an upgrade step: ``table.row.col`` of the same form, or ``form:table.row.col``
    of another; ``row`` is ``*`` for every row of a list table."""

    table: str
    row: str
    col: str
    form: str = ""  # '' = the form that declares the step

    @property
    def cell(self) -> tuple[str, str, str]:
        return self.table, self.row, self.col

    def text(self) -> str:
        return (f"{self.form}:" if self.form else "") + f"{self.table}.{self.row}.{self.col}"


@record(frozen=True)
class UpgradeMove:
    source: CellRef  # in the layout of ``from`` (always the declaring form)
    target: CellRef  # in the layout of ``to``


@record(frozen=True)
class UpgradeStep:
    """Stored data of version ``from_version`` becomes version ``to_version`` (= from + 1): each
    move carries a cell's value and 说明 to its new place, each drop removes a cell (its value
    stays in the audit trail). Cells named by neither stay where they are."""

    from_version: int
    to_version: int
    moves: tuple[UpgradeMove, ...]
    drops: tuple[CellRef, ...]
    note: str  # why: shown in the audit trail beside every value the step moves or drops


# (s1) The attribute where a FormSpec object keeps ``forms.validation.referenced_forms``'s answer
# (not a field: neither compared nor shown); the catalogue cache restores it with the forms.
REFERENCED_FORMS = "_referenced_forms"


@record(frozen=True, later=True)  # (s1: the catalogue cache makes its tables when first read)
class FormSpec:
    """A whole statistics form: the label block, its tables and its rules."""

    key: str
    code: str  # 表号
    name: str  # 表名
    authority: str  # 制定机关
    approval_authority: str  # 批准(备案)机关
    approval_no: str  # 批准(备案)文号
    valid_until: str  # 有效期至
    period_type: str  # 年报 / 季报 / 月报
    version: int
    tables: tuple[TableSpec, ...]
    rules: tuple[RuleSpec, ...] = ()
    notes: tuple[str, ...] = ()  # 说明 printed under the table
    order: int = 100
    source_file: str = ""
    district_rules: tuple[DistrictRuleSpec, ...] = ()  # rules across townships (W2-D)
    scope: str = "township"  # who fills it: township (every 镇街) | district (once, in the district database)
    upgrades: tuple[UpgradeStep, ...] = ()  # how stored data of each earlier version becomes this one (d3)

    def table(self, key: str) -> TableSpec:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)
