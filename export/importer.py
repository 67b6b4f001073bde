"""Import of a workbook into the database: the public entry points, in one place.

The work is split by job: ``export.submission_file`` reads a file (no Qt, no database),
``export.import_preview`` compares it with the stored data (a dry run, in the clerk's words)
and ``export.import_apply`` writes it in one transaction or undoes the last import.
"""

from __future__ import annotations

from export.import_apply import ApplyResult, UndoResult, apply_import, undo_import
from export.import_preview import CellChange, FormImport, ImportPreview, preview_import
from export.submission_file import MODIFIED_WARNING, Rejected, SubmissionFile, read_submission

__all__ = ["CellChange", "Rejected", "FormImport", "ImportPreview", "ApplyResult", "UndoResult", "SubmissionFile",
           "preview_import", "apply_import", "undo_import", "read_submission", "MODIFIED_WARNING"]
