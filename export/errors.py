"""Errors of the export, worded in Chinese for the person at the keyboard."""

from __future__ import annotations

__all__ = ["ExportError"]


class ExportError(RuntimeError):
    """The export could not be done; ``str(exc)`` is a complete Chinese sentence for the user."""
