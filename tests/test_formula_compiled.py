"""The compiled formula evaluator against simpleeval, the evaluator it replaced, as an oracle.

Generated expressions over names, cell reads, arithmetic, comparisons, boolean operators and the
whitelisted functions must give the same value (or fail with the same exception type) both ways,
including the blank rules: all-blank → blank, ``skip`` → rule does not apply, ``zero`` → 0.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from simpleeval import DEFAULT_OPERATORS, SimpleEval

from forms.formula import PURE_FUNCTIONS, BlankSkip, Formula, FormulaError

NAMES = {"a": 3, "b": None, "c": -2.5, "d": 0, "k": 1.5}  # k: a constant, not a cell
CELLS = {("r1", "x"): 7, ("r2", "x"): None, ("t", "r1", "y"): 0.25}


def _oracle(text: str, blank: Any) -> Any:
    """The pre-compilation implementation, verbatim in behaviour: a SimpleEval per evaluation."""
    seen = {"cells": 0, "filled": 0}

    def note(ref: str, value: Any) -> Any:
        seen["cells"] += 1
        if value is None:
            if blank is not None and blank(ref) == "skip":
                raise BlankSkip(ref)
            return 0
        seen["filled"] += 1
        return value

    def name_handler(node: Any) -> Any:
        value = NAMES[node.id]
        return note(node.id, value) if node.id != "k" else value

    functions = dict(PURE_FUNCTIONS)
    functions["cell"] = lambda *a: note(".".join(a), CELLS.get(a))
    functions["sum_rows"] = lambda *a: note(".".join(a), 10.0)
    functions["filled"] = lambda v: v not in (None, 0, "")
    try:
        result = SimpleEval(operators=DEFAULT_OPERATORS, functions=functions, names=name_handler).eval(text)
    except BlankSkip:
        return None
    if blank is None and seen["cells"] and not seen["filled"]:
        return None
    return result


def _compiled(text: str, blank: Any) -> Any:
    return Formula(text).evaluate(NAMES.__getitem__, lambda *a: CELLS.get(a), lambda *a: 10.0,
                                  lambda n: n != "k", blank=blank)


def _outcome(fn: Any, text: str, blank: Any) -> Any:
    try:
        value = fn(text, blank)
    except Exception as exc:  # noqa: BLE001 - the exception type is the outcome compared
        return ("raises", type(exc).__name__)
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return ("value", type(value).__name__, value)


_leaf = st.sampled_from(["a", "b", "c", "d", "k", "0", "2", "0.1", "1e3", "cell('r1', 'x')", "cell('r2', 'x')",
                         "cell('t', 'r1', 'y')", "sum_rows('x')"])


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "**", "<", "<=", "==", "!=", ">", " and ",
                                               " or "]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    chain = st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} < {t[1]} <= {t[2]})")
    unary = st.tuples(st.sampled_from(["-", "+", "not "]), inner).map(lambda t: f"({t[0]}{t[1]})")
    ifexp = st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
    calls = st.one_of(inner.map(lambda x: f"abs({x})"), inner.map(lambda x: f"filled({x})"),
                      st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
                      st.tuples(inner, inner).map(lambda t: f"approx({t[0]}, {t[1]})"),
                      inner.map(lambda x: f"round({x}, 2)"))
    return st.one_of(binary, chain, unary, ifexp, calls)


expressions = st.recursive(_leaf, _extend, max_leaves=12)
blank_modes = st.sampled_from([None, lambda ref: "skip", lambda ref: "zero", lambda ref: "skip" if ref == "b" else "zero"])


@settings(max_examples=600, deadline=None)
@given(expressions, blank_modes)
def test_compiled_formula_agrees_with_simpleeval(text: str, blank: Any) -> None:
    assert _outcome(_compiled, text, blank) == _outcome(_oracle, text, blank), text


def test_power_limit_kept() -> None:
    with pytest.raises(Exception, match="evaluate"):
        _compiled("1e3 ** 1e7", None)


def test_forbidden_constructs_still_refused() -> None:
    for text in ("__import__('os')", "a.b", "a[0]", "(lambda: 1)()", "x := 1"):
        with pytest.raises(FormulaError):
            Formula(text)


def test_tuple_membership_works() -> None:
    # simpleeval refused tuple literals at run time; the compiled evaluator supports `in (…)`
    assert _compiled("a in (1, 2, 3)", None) is True
    assert _compiled("c not in [1, 2]", None) is True
