"""Safe formulas for computed cells and rules: parsed once, names and functions whitelisted.

Built on simpleeval (never ``eval``). A formula is checked when its form is loaded, so an
unknown name or a forbidden construct is reported with the form file, not at run time.

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
import math
from collections.abc import Callable, Iterable
from typing import Any

from simpleeval import DEFAULT_OPERATORS, SimpleEval

__all__ = ["Formula", "FormulaError", "BLANK_FUNCTIONS", "BlankSkip"]


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
                 "refs")

    def __init__(self, text: str) -> None:
        self.text = str(text).strip()
        if not self.text:
            raise FormulaError("公式为空")
        try:
            module = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            raise FormulaError(f"公式语法错误：{self.text}（{exc.msg}）") from None
        names: set[str] = set()
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
        called = {n.func.id for n in ast.walk(module) if isinstance(n, ast.Call)}
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
        seen = {"cells": 0, "filled": 0}

        def note(ref: str, value: Any) -> Any:
            seen["cells"] += 1
            if value is None:
                if blank is not None and blank(ref) == "skip":
                    raise BlankSkip(ref)
                return 0
            seen["filled"] += 1
            return value

        def name_handler(node: ast.Name) -> Any:
            value = lookup(node.id)
            return note(node.id, value) if is_cell_name(node.id) else value

        def filled(value: Any) -> bool:
            return value not in (None, 0, "")

        def missing(*_args: Any) -> Any:
            return None

        functions = dict(PURE_FUNCTIONS)
        functions["cell"] = lambda *a: note(".".join(a), cell(*a))
        functions["sum_rows"] = lambda *a: note(".".join(a), sum_rows(*a))
        functions["form_cell"] = lambda *a: note(".".join(a), (form_cell or missing)(*a))
        functions["form_sum"] = lambda *a: note(".".join(a), (form_sum or missing)(*a))
        functions["filled"] = filled
        evaluator = SimpleEval(operators=DEFAULT_OPERATORS, functions=functions, names=name_handler)
        try:
            result = evaluator.eval(self.text, previously_parsed=self.tree)
        except BlankSkip:
            return None
        if blank is None and seen["cells"] and not seen["filled"]:
            return None
        return result

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"
