"""Safe formulas for computed cells and rules: parsed once, names and functions whitelisted.

Never ``eval``: the expression is parsed with ``ast``, every node checked against a whitelist,
and the tree is compiled ONCE into nested Python closures (one per node) that only call the
whitelisted operators (simpleeval's length- and power-limited ones) and functions. Evaluation
is then a chain of plain calls — no per-evaluation evaluator object, no node dispatch — which
matters because one report evaluates tens of thousands of formulas. The semantics are
simpleeval's (a property test compares the two on generated expressions). A formula is checked
when its form is loaded, so an unknown name or a forbidden construct is reported with the form
file, not at run time.

Blank cells: a formula that refers to cells, all of them blank, is blank itself (a fuel that
was not reported has no tce either); otherwise blanks count as 0. Rules may instead declare per
value what a blank means (``blank``: skip the rule / count as 0), see ``Formula.evaluate``.

Cell-reading functions (arguments are quoted keys, checked when the form loads):
  cell('row', 'col')                 a cell of the same table
  cell('table', 'row', 'col')        a cell of another table of the same form
  sum_rows('col') / sum_rows('table', 'col')     the sum of a column over the item rows
  form_cell('form', 'table', 'row', 'col')       a cell of another form (rules only): same
  form_sum('form', 'table', 'col')               township, same period
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Iterable
from typing import Any

from simpleeval import DEFAULT_OPERATORS, MAX_STRING_LENGTH

__all__ = ["Formula", "FormulaError", "BLANK_FUNCTIONS", "BlankSkip", "parsed", "evaluation_state", "note_read"]


class FormulaError(ValueError):
    """A formula that cannot be parsed or refers to something that does not exist."""


class BlankSkip(Exception):
    """A value a rule declared ``skip`` is blank: the rule does not apply."""


def _approx(a: float, b: float, tol: float = 0.01) -> bool:
    """True when a and b differ by at most ``tol`` (absolute) or 0.01 % (relative)."""
    return abs(a - b) <= max(tol, 1e-4 * max(abs(a), abs(b)))


def _round_half_up(x: float, n: int = 0) -> float:
    """Statistical rounding (四舍五入), not banker's rounding."""
    factor = 10**n
    return math.floor(abs(x) * factor + 0.5) / factor * (1 if x >= 0 else -1)


# Functions every formula may call; cell-reading functions are added per evaluation.
PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": _round_half_up,
    "approx": _approx,
}
# Cell-reading functions: their arguments are string keys, checked at load time.
CELL_FUNCTIONS = ("cell", "sum_rows", "form_cell", "form_sum")
_ARITY = {"cell": (2, 3), "sum_rows": (1, 2), "form_cell": (4,), "form_sum": (3,)}
BLANK_FUNCTIONS = ("filled",)
ALLOWED_NODES = (
    ast.Expression, ast.Expr, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
    ast.Call, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.Pow, ast.USub, ast.UAdd, ast.Not,
    ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
)


class Formula:
    """One parsed expression plus what it reads (``names``, ``cell_refs``, ``sum_columns``)."""

    __slots__ = ("text", "tree", "names", "cell_refs", "sum_columns", "table_refs", "table_sums", "form_refs",
                 "refs", "_run")

    def __init__(self, text: str) -> None:
        self.text = str(text).strip()
        if not self.text:
            raise FormulaError("公式为空")
        try:
            module = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            raise FormulaError(f"公式语法错误：{self.text}（{exc.msg}）") from None
        names: set[str] = set()
        called: set[str] = set()  # function names are Name nodes too: kept apart from value names
        cell_refs: set[tuple[str, str]] = set()
        sum_columns: set[str] = set()
        table_refs: set[tuple[str, ...]] = set()  # (table, row, col) or (table, "*", col) for a sum
        form_refs: set[tuple[str, ...]] = set()  # (form, table, row, col) or (form, table, "*", col)
        for node in ast.walk(module):
            if not isinstance(node, ALLOWED_NODES):
                raise FormulaError(f"公式中不允许使用 {type(node).__name__}：{self.text}")
            if isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name):
                    raise FormulaError(f"只能调用命名函数：{self.text}")
                fname = node.func.id
                called.add(fname)
                if fname in CELL_FUNCTIONS:
                    args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
                    if node.keywords or not args or not all(isinstance(a, str) for a in args):
                        raise FormulaError(f"{fname}() 的参数须为带引号的行/列代码：{self.text}")
                    if len(args) not in _ARITY[fname]:
                        wanted = {"cell": "两个参数（行代码, 列代码）或三个参数（表代码, 行代码, 列代码）",
                                  "sum_rows": "一个参数（列代码）或两个参数（表代码, 列代码）",
                                  "form_cell": "四个参数（表式代码, 表代码, 行代码, 列代码）",
                                  "form_sum": "三个参数（表式代码, 表代码, 列代码）"}[fname]
                        raise FormulaError(f"{fname}() 须有{wanted}：{self.text}")
                    if fname == "cell":
                        (cell_refs.add((args[0], args[1])) if len(args) == 2 else table_refs.add(tuple(args)))
                    elif fname == "sum_rows":
                        (sum_columns.add(args[0]) if len(args) == 1 else table_refs.add((args[0], "*", args[1])))
                    elif fname == "form_cell":
                        form_refs.add(tuple(args))
                    else:
                        form_refs.add((args[0], args[1], "*", args[2]))
                elif fname not in PURE_FUNCTIONS and fname not in BLANK_FUNCTIONS:
                    raise FormulaError(f"未知函数 {fname}()：{self.text}")
            elif isinstance(node, ast.Name):
                names.add(node.id)
        # Function names are Name nodes too; keep only value names.
        self.names = frozenset(names - called)
        self.cell_refs = frozenset(cell_refs)
        self.sum_columns = frozenset(sum_columns)
        self.table_refs = frozenset(table_refs)
        self.form_refs = frozenset(form_refs)
        # Every value the formula reads, named as a rule's ``blank`` mapping names it.
        self.refs = frozenset(
            set(self.names) | {f"{r}.{c}" for r, c in cell_refs} | set(sum_columns)
            | {".".join(x for x in t if x != "*") for t in table_refs}
            | {".".join(x for x in f if x != "*") for f in form_refs})
        self.tree = module.body
        self._run = _compile(module.body)

    def check_names(self, allowed: Iterable[str]) -> None:
        unknown = sorted(self.names - set(allowed))
        if unknown:
            raise FormulaError(f"公式引用了不存在的名称 {', '.join(unknown)}：{self.text}")

    def evaluate(
        self,
        lookup: Callable[[str], Any],
        cell: Callable[..., Any],
        sum_rows: Callable[..., Any],
        is_cell_name: Callable[[str], bool],
        *,
        form_cell: Callable[..., Any] | None = None,
        form_sum: Callable[..., Any] | None = None,
        blank: Callable[[str], str] | None = None,
    ) -> Any:
        """Evaluate; ``lookup`` resolves bare names. Returns None when every cell read is blank.

        ``is_cell_name`` is asked after the lookup, so a caller can exclude cells that turned out
        to be constants (a reference coefficient is not data: 0 × factor of a blank row stays blank).

        ``blank`` (rules): given the name of a value read (see ``refs``), says what a blank
        means: "skip" → the result is None (the rule does not apply), "zero" → 0. Without it the
        computed-cell behaviour above applies.
        """
        run = _Run(lookup, cell, sum_rows, is_cell_name, form_cell, form_sum, blank)
        try:
            result = self._run(run)
        except BlankSkip:
            return None
        if blank is None and run.cells and not run.filled:
            return None
        return result

    def evaluate_in(self, run: _Run) -> Any:
        """``evaluate`` with the readers of ``run`` (``evaluation_state``), which the caller keeps
        for all its evaluations (v1: no new state per evaluation; a grid cell's formula is
        evaluated this way). An evaluation started by a read of this one (a cell of another row)
        leaves this one's counts as they were."""
        outer = run.cells, run.filled
        run.cells = run.filled = 0
        try:
            result = self._run(run)
            if run.blank is None and run.cells and not run.filled:
                return None
            return result
        except BlankSkip:
            return None
        finally:
            run.cells, run.filled = outer

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


@functools.lru_cache(maxsize=4096)
def parsed(text: str) -> Formula:
    """Each formula text parsed and compiled once per process (the loader checks the same text in
    several places; a FormulaError is not cached, so it is raised each time)."""
    return Formula(text)




def note_read(run: _Run, name: str) -> Any:
    """A blank cell read by ``name``: counted, and 0 or a ``BlankSkip`` (``_Run.note``'s blank case; the
    hot readers call it directly after counting a filled cell themselves)."""
    run.cells += 1
    if run.blank is not None and run.blank(name) == "skip":
        raise BlankSkip(name)
    return 0


def _missing(*_args: Any) -> Any:
    return None


def _filled(value: Any) -> bool:
    return value not in (None, 0, "")


class _Run:
    """The state of one evaluation: the caller's readers and how many cells were read / filled."""

    # the cell-reading functions are slots named as the functions (``_compile_call`` reads them by
    # name): no dict of them per evaluation (a 5,000-row list evaluates a rule 5,000 times)
    __slots__ = ("lookup", "cell", "sum_rows", "form_cell", "form_sum", "is_cell_name", "blank", "cells", "filled",
                 "read")

    def __init__(self, lookup: Callable[[str], Any], cell: Callable[..., Any], sum_rows: Callable[..., Any],
                 is_cell_name: Callable[[str], bool], form_cell: Callable[..., Any] | None = None,
                 form_sum: Callable[..., Any] | None = None, blank: Callable[[str], str] | None = None,
                 read: Callable[[str, _Run], Any] | None = None) -> None:
        self.lookup = lookup
        self.cell, self.sum_rows = cell, sum_rows
        self.form_cell, self.form_sum = form_cell or _missing, form_sum or _missing
        self.is_cell_name = is_cell_name
        self.blank = blank
        self.cells = 0
        self.filled = 0
        # v1: ``read(name, run)`` — what ``name`` does (``lookup``, ``is_cell_name``, ``note``) in
        # one call of the caller's, for callers that read many names (see ``evaluation_state``)
        self.read = read

    def note(self, ref: str, value: Any) -> Any:
        """A cell was read: count it; a blank one is 0, or stops a rule that declared ``skip``."""
        if value is None:
            return note_read(self, ref)
        self.cells += 1
        self.filled += 1
        return value

    def name(self, name: str) -> Any:
        value = self.lookup(name)
        return self.note(name, value) if self.is_cell_name(name) else value


_Node = Callable[[_Run], Any]

# The state ``Formula.evaluate_in`` evaluates in: ``evaluate``'s readers (form_cell, form_sum, blank
# and read by keyword), made once by a caller that evaluates many formulas with the same readers.
# ``read(name, state)``: a bare name read in one call — it must give what ``lookup`` and
# ``is_cell_name`` give and count the read as ``note_read`` does (a caller's own readers, told the
# same by its tests). (v1: the class itself, no call of ours in between)
evaluation_state = _Run


def _compile(node: ast.AST) -> _Node:
    """One closure per node of an already whitelisted tree (see ``ALLOWED_NODES``)."""
    if isinstance(node, ast.Constant):
        value = node.value
        if hasattr(value, "__len__") and len(value) > MAX_STRING_LENGTH:
            raise FormulaError("公式中的文字过长")
        return lambda run: value
    if isinstance(node, ast.Name):
        return _compile_name(node.id)
    if isinstance(node, ast.BinOp):
        op, left, right = DEFAULT_OPERATORS[type(node.op)], _compile(node.left), _compile(node.right)
        return lambda run: op(left(run), right(run))
    if isinstance(node, ast.UnaryOp):
        unary, operand = DEFAULT_OPERATORS[type(node.op)], _compile(node.operand)
        return lambda run: unary(operand(run))
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v) for v in node.values]
        if isinstance(node.op, ast.And):
            def all_of(run: _Run) -> Any:
                result: Any = False
                for part in parts:
                    result = part(run)
                    if not result:
                        break
                return result
            return all_of

        def any_of(run: _Run) -> Any:
            result: Any = False
            for part in parts:
                result = part(run)
                if result:
                    break
            return result
        return any_of
    if isinstance(node, ast.Compare):
        first = _compile(node.left)
        steps = [(DEFAULT_OPERATORS[type(o)], _compile(c)) for o, c in zip(node.ops, node.comparators)]

        def compare(run: _Run) -> Any:
            right = first(run)
            result: Any = True
            for op, comparator in steps:
                if not result:
                    break
                left, right = right, comparator(run)
                result = op(left, right)
            return result
        return compare
    if isinstance(node, ast.IfExp):
        test, body, orelse = _compile(node.test), _compile(node.body), _compile(node.orelse)
        return lambda run: body(run) if test(run) else orelse(run)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_compile(e) for e in node.elts]
        return lambda run: tuple(item(run) for item in items)
    if isinstance(node, ast.Call):
        return _compile_call(node)
    raise FormulaError(f"公式中不允许使用 {type(node).__name__}")  # unreachable after the whitelist


def _compile_name(name: str) -> _Node:
    """A bare name: ``run.name(name)`` with ``run.note`` inlined for a filled cell (u1: a report
    reads hundreds of names; two Python calls fewer per name read)."""
    def read_name(run: _Run) -> Any:
        read = run.read
        if read is not None:  # (v1: the caller's reader does it all in one call)
            return read(name, run)
        value = run.lookup(name)
        if run.is_cell_name(name):
            if value is None:  # a blank: counted, and 0 or a skip, by ``note``
                return run.note(name, value)
            run.cells += 1  # a filled cell, counted as ``note`` counts it
            run.filled += 1
        return value
    return read_name


def _compile_call(node: ast.Call) -> _Node:
    fname = node.func.id  # type: ignore[attr-defined]  # checked in Formula.__init__
    args = [_compile(a) for a in node.args]
    if fname in CELL_FUNCTIONS:
        keys = tuple(a.value for a in node.args)  # type: ignore[attr-defined]  # quoted keys, checked
        ref = ".".join(keys)
        read = operator.attrgetter(fname)  # the reader slot of that name (see ``_Run``)

        def read_cell(run: _Run) -> Any:  # ``run.note(ref, read(run)(*keys))``, inlined (v1: a call fewer)
            value = read(run)(*keys)
            if value is None:
                return note_read(run, ref)
            run.cells += 1
            run.filled += 1
            return value
        return read_cell
    function = _filled if fname == "filled" else PURE_FUNCTIONS[fname]
    if len(args) == 1:
        only = args[0]
        return lambda run: function(only(run))
    return lambda run: function(*(a(run) for a in args))
