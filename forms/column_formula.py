"""A formula evaluated over whole columns: one Python loop (mostly ``map`` over the operator) per
operation of the safe tree, instead of one evaluator call per row (issue 16: a 5,000-row list
evaluates each of its row rules and column formulas 5,000 times).

Only for formulas that read bare names (a list row's own columns) with the whitelisted operators
and pure functions — the cell-reading functions are left to the row-by-row evaluator. Values are
given as lists (one per name, all as long); the caller has already put what a blank reads as in
them. Every operator and function is pure, so evaluating both sides of ``and``/``or``/``if`` for
every row gives the row-by-row result wherever that raises nothing; a row whose evaluation would
raise (division by zero, text compared with a number, a too-long text …) is found by splitting
the rows in halves and is handed back, for the caller to evaluate row by row as before. Nothing
is compiled with ``eval``/``exec``: the already whitelisted tree is turned into closures.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from simpleeval import DEFAULT_OPERATORS

from forms.formula import BLANK_FUNCTIONS, CELL_FUNCTIONS, PURE_FUNCTIONS, Formula, _filled

__all__ = ["column_program", "short_circuits", "evaluate_rows"]

_Columns = Callable[[Mapping[str, Sequence[Any]], int], list[Any]]
_PROGRAMS: dict[int, tuple[Formula, _Columns | None]] = {}
_SMALLEST_PART = 8  # rows evaluated one by one (row by row) once a part this small still raises


def column_program(formula: Formula) -> _Columns | None:
    """The formula as a function of (name → column values, row count) → one result per row; None
    when it reads cells by function (``cell``, ``sum_rows`` …): those stay row by row."""
    found = _PROGRAMS.get(id(formula))
    if found is not None and found[0] is formula:
        return found[1]
    try:
        program: _Columns | None = _compile(formula.tree)
    except _NotColumnwise:
        program = None
    _PROGRAMS[id(formula)] = (formula, program)
    return program


def short_circuits(formula: Formula) -> bool:
    """Whether evaluating it row by row may leave some of its names unread (``and``/``or``, ``if``,
    a chained comparison): then which blanks it reads depends on the row."""
    return any(isinstance(node, (ast.BoolOp, ast.IfExp)) or (isinstance(node, ast.Compare) and len(node.ops) > 1)
               for node in ast.walk(formula.tree))


def evaluate_rows(program: _Columns, columns: Mapping[str, Sequence[Any]], rows: Sequence[int],
                  ) -> tuple[dict[int, Any], list[int]]:
    """``program`` on the given row positions of ``columns``: (position → result, the positions
    whose evaluation raises, to be evaluated row by row)."""
    results: dict[int, Any] = {}
    failed: list[int] = []
    parts = [list(rows)]
    # the first try takes the columns as given when they are exactly these rows (positions ascending)
    whole = bool(rows) and rows[0] == 0 and rows[-1] == len(rows) - 1 == len(next(iter(columns.values()), rows)) - 1
    while parts:
        part = parts.pop()
        if whole:  # the first try: the columns as given
            picked: Mapping[str, Sequence[Any]] = columns
            whole = False
        else:
            picked = {name: [values[i] for i in part] for name, values in columns.items()}
        try:
            found = program(picked, len(part))
        except Exception:  # noqa: BLE001 - the rows that raise are evaluated one by one by the caller
            if len(part) <= _SMALLEST_PART:
                failed += part
            else:
                half = len(part) // 2
                parts += [part[half:], part[:half]]
            continue
        results.update(zip(part, found))
    return results, failed


class _NotColumnwise(Exception):
    """A node the column evaluator leaves to the row-by-row one."""


def _compile(node: ast.AST) -> _Columns:
    if isinstance(node, ast.Constant):
        value = node.value
        return lambda cols, n: [value] * n
    if isinstance(node, ast.Name):
        name = node.id
        return lambda cols, n: cols[name]  # type: ignore[return-value]  # (read only)
    if isinstance(node, ast.BinOp):
        op, left, right = DEFAULT_OPERATORS[type(node.op)], _compile(node.left), _compile(node.right)
        return lambda cols, n: list(map(op, left(cols, n), right(cols, n)))
    if isinstance(node, ast.UnaryOp):
        unary, operand = DEFAULT_OPERATORS[type(node.op)], _compile(node.operand)
        return lambda cols, n: list(map(unary, operand(cols, n)))
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v) for v in node.values]
        conjunction = isinstance(node.op, ast.And)

        def joined(cols: Mapping[str, Sequence[Any]], n: int) -> list[Any]:
            result = parts[0](cols, n)
            for part in parts[1:]:  # a and b and c == (a and b) and c (and so for or)
                result = ([a and b for a, b in zip(result, part(cols, n))] if conjunction
                          else [a or b for a, b in zip(result, part(cols, n))])
            return result
        return joined
    if isinstance(node, ast.Compare):
        first = _compile(node.left)
        steps = [(DEFAULT_OPERATORS[type(o)], _compile(c)) for o, c in zip(node.ops, node.comparators)]

        def compare(cols: Mapping[str, Sequence[Any]], n: int) -> list[Any]:
            left = first(cols, n)
            result: list[Any] | None = None
            for op, comparator in steps:  # a < b < c == (a < b) and (b < c), b read once
                right = comparator(cols, n)
                step = list(map(op, left, right))
                result = step if result is None else [a and b for a, b in zip(result, step)]
                left = right
            return result  # type: ignore[return-value]  # (at least one step)
        return compare
    if isinstance(node, ast.IfExp):
        test, body, orelse = _compile(node.test), _compile(node.body), _compile(node.orelse)
        return lambda cols, n: [b if t else o for t, b, o in zip(test(cols, n), body(cols, n), orelse(cols, n))]
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_compile(e) for e in node.elts]
        return lambda cols, n: list(zip(*(item(cols, n) for item in items))) if items else [()] * n
    if isinstance(node, ast.Call):
        fname = node.func.id  # type: ignore[attr-defined]  # checked in Formula.__init__
        if fname in CELL_FUNCTIONS:
            raise _NotColumnwise(fname)
        function = _filled if fname in BLANK_FUNCTIONS else PURE_FUNCTIONS[fname]
        args = [_compile(a) for a in node.args]
        if not args:
            return lambda cols, n: [function() for _ in range(n)]
        return lambda cols, n: list(map(function, *(a(cols, n) for a in args)))
    raise _NotColumnwise(type(node).__name__)

