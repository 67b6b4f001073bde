"""What is worked out from a form, table or rule spec alone, kept per spec object.

A district intake validates every file's seven forms against the same spec objects, so plans that
depend on the spec alone (cell steps, total rows, input cells, …) are worked out once. Specs are
kept by identity, not by hash (hashing a frozen spec walks all its fields at every call); each
entry holds its spec, so the id is not reused while kept, and a memo emptied when it holds more
than ``cap`` specs stays small when catalogues are loaded again and again (tests).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["per_spec"]

Spec = TypeVar("Spec")
Plan = TypeVar("Plan")


def per_spec(cap: int = 512) -> Callable[[Callable[[Spec], Plan]], Callable[[Spec], Plan]]:
    """Decorator: ``make(spec)`` once per spec object (see the module's docstring)."""

    def decorate(make: Callable[[Spec], Plan]) -> Callable[[Spec], Plan]:
        kept: dict[int, tuple[Any, Plan]] = {}

        @functools.wraps(make)
        def once(spec: Spec) -> Plan:
            found = kept.get(id(spec))
            if found is None or found[0] is not spec:
                if len(kept) > cap:
                    kept.clear()
                found = kept[id(spec)] = (spec, make(spec))
            return found[1]

        return once

    return decorate
