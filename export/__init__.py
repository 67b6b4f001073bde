"""Export of a township's reports to the submission workbook (.xlsx). Core code: never imports Qt.

``export.submission.export_submission`` is the entry point; ``export.checksum`` documents the
value checksum stored in the workbook; ``export.atomic`` writes files all-or-nothing.
"""
