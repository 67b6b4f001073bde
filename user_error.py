"""The one base class of every error the program words for the user (in Chinese).

Core modules raise subclasses of ``UserError`` (StorageError, FormDefinitionError, …); the window
and the command line show ``str(exc)`` of those as it is, and treat anything else as a program
fault. Deciding "is this our error" by its type, never by looking at the text.
"""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """A problem with the user's data, file or database, worded (in Chinese) for the user."""
