"""A received file's 审核 made in the reading process (issue 11, y3): the findings of its reports
exactly as the main process would make them right after writing the file into a township-period
that held no report before.

Validating needs no database when the township-period is new: each report is then the file's form
as ``storage.district_store.stored_as_new`` says it will be stored, its first stored values (the
``reported`` rule) are those very values, and no earlier period is read (the main process checks
that none exists for a form whose rules read one). The main process uses the findings only when all
of that holds (``Workspace.write_intake``): otherwise, and for a replaced file, it validates as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from export.submission_file import SubmissionFile
    from forms.catalogue import FormCatalogue
    from forms.findings import Finding

__all__ = ["file_findings"]


def file_findings(read: SubmissionFile, catalogue: FormCatalogue) -> dict[str, list[Finding]] | None:
    """form key → the findings of each of the file's forms, validated together as the bundle of a new
    township-period of the file's own period; None when the file cannot be received as it is (no
    period, no form, a form twice, a cell refused, modified) or its validation fails here."""
    from district.intake import _file_write
    from forms.compute import ComputeContext
    from forms.periods import period_year
    from forms.validation import ReportInput, needs_reported, reported_columns, validate_bundle
    from storage.district_store import stored_as_new

    keys = [item.key for item in read.forms]
    if read.period is None or not keys or len(set(keys)) != len(keys) or read.rejected or read.modified:
        return None
    try:
        inputs = {}
        for item in read.forms:
            write = _file_write(item)
            values, notes, rows = stored_as_new(write.values, write.notes, write.list_rows)
            reported = {}
            if needs_reported(item.form):  # a new report's first stored values are its values
                columns = reported_columns(item.form)
                reported = {cell: v for cell, v in values.items() if cell[2] in columns.get(cell[0], ())}
            inputs[item.key] = ReportInput(item.form, values, notes, rows, {}, reported)
        context = ComputeContext(catalogue.reference, period_year(read.period))
        return {key: result.findings for key, result in validate_bundle(inputs, context, read.period).items()}
    except Exception:  # noqa: BLE001 - a file the engine trips on: the main process validates it (and says why)
        return None
