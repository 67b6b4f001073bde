"""Errors of the export and the import, worded in Chinese for the person at the keyboard."""

from __future__ import annotations

from user_error import UserError

__all__ = ["ExportError", "ImportRefused", "FeedbackGiven"]


class ExportError(UserError, RuntimeError):
    """The export could not be done; ``str(exc)`` is a complete Chinese sentence for the user."""


class ImportRefused(UserError, RuntimeError):
    """A file that will not be imported at all (unsafe, damaged, wrong kind, another township…).

    ``str(exc)`` is one complete Chinese sentence; nothing was written to the database.
    """


class FeedbackGiven(ImportRefused):
    """The file is the district's 反馈 workbook, not data: refused as data (by an import or the
    district's intake), its problems read from the same reading (``feedback``) for a township
    program to show (``export.import_preview.open_for_import``)."""

    def __init__(self, feedback: object, name: str) -> None:
        super().__init__(f"文件 {name} 是区里发回的审核反馈文件，不是报送数据：请在镇街程序中用“导入…”打开它，查看区里的意见")
        self.feedback, self.name = feedback, name

    def __reduce__(self) -> tuple[type, tuple[object, str]]:  # (pickled whole, e.g. from a reading process)
        return type(self), (self.feedback, self.name)
