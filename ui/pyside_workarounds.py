"""Work-arounds for bugs of the pinned PySide6 that would crash the program.

PySide6 6.12 under CPython 3.11: every ``signal.emit(...)`` made from Python drops one reference
to ``True`` (its return value is not increfed). The grid emits several signals per edit, so after
a few thousand edits ``True``'s count reaches zero and the interpreter aborts ("bool_dealloc:
deallocating True or False") — mid-session, not only at exit. CPython 3.12 made True/False
immortal; on older interpreters we give them the same effective immortality once, at start, and
only when the bug is actually present.
"""

from __future__ import annotations

import ctypes
import functools
import sys

__all__ = ["emit_drops_true_reference", "protect_bool_singletons", "void_call_drops_none_reference",
           "protect_none_singleton"]

_BOOST = 1 << 40  # far more references than any process can drop


def emit_drops_true_reference() -> bool:
    """Measure it: does emitting a signal from Python lose a reference to True?"""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(20):
        probe.ping.emit()
    return sys.getrefcount(True) < before - 10


@functools.cache  # measured and done once per process, whichever module asks first
def protect_bool_singletons() -> bool:
    """Raise True's and False's reference counts out of reach when the bug is present (CPython < 3.12).
    Returns whether anything was done (the first call's answer on later calls)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if sys.getrefcount(True) > _BOOST // 2 or not emit_drops_true_reference():
        return False
    for singleton in (True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _BOOST
    return True


# -- g7: None ------------------------------------------------------------------------------------
# The same bug for ``None``: every call of a C++ method returning void (QPainter.drawRect,
# QLabel.setText …) drops one reference to ``None``. Printing paints tens of thousands of cells
# and a long session makes as many calls: None's count reaches zero and the interpreter aborts
# ("none_dealloc: deallocating None").

def void_call_drops_none_reference() -> bool:
    """Measure it: does calling a void Qt method from Python lose a reference to None?"""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(20):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 10


@functools.cache  # as above: the app, the grid and printing each ask; one measurement
def protect_none_singleton() -> bool:
    """Raise None's reference count out of reach when the bug is present (CPython < 3.12, where
    None is not immortal). Returns whether anything was done (the first call's answer on later calls)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if sys.getrefcount(None) > _BOOST // 2 or not void_call_drops_none_reference():
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += _BOOST
    return True
