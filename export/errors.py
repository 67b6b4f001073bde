"""Errors of the export and the import, worded in Chinese for the person at the keyboard."""

from __future__ import annotations

from user_error import UserError

__all__ = ["ExportError", "ImportRefused"]


class ExportError(UserError, RuntimeError):
    """The export could not be done; ``str(exc)`` is a complete Chinese sentence for the user."""


class ImportRefused(UserError, RuntimeError):
    """A file that will not be imported at all (unsafe, damaged, wrong kind, another township…).

    ``str(exc)`` is one complete Chinese sentence; nothing was written to the database.
    """
