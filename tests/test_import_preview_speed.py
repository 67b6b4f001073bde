"""The import preview's cheaper steps (issue 16, s2) give exactly the answers of the steps they
replace: the stored report read for the compare, the checksum's text, the safety scan's guards."""

from __future__ import annotations

import hashlib
import json

from export.checksum import FileIdentity, MapRecord, canonical_text, map_checksum

FORM, TABLE = "key_energy_units", "units"


def test_find_contents_reads_what_load_reads(workspace, demo_township):
    """Values (numbers and text, one row deleted, a 说明 on a blank cell), notes and list rows: the
    same dicts as ``load``, and None for a report that does not exist."""
    data = workspace.find_report_data(demo_township.id, FORM, "2025")
    rid = data.report.id
    rows = data.list_rows[TABLE]
    added = workspace.store.add_list_row(rid, TABLE, "test")
    workspace.store.set_values(rid, [((TABLE, added, "name"), "新企业\x07"), ((TABLE, added, "energy_equal"), 1e308),
                                     ((TABLE, added, "boiler"), 2**63 - 1)], "test")
    workspace.store.set_note(rid, (TABLE, added, "value_added"), "空值上的说明", "test")
    workspace.store.remove_list_row(rid, TABLE, rows[0], "test")
    for report in workspace.store.reports_for(demo_township.id, "2025"):
        stored = workspace.store.load(report.id)
        found = workspace.store.find_contents(demo_township.id, report.form_key, "2025")
        assert found is not None and found.report == stored.report
        assert (found.values, found.notes, found.list_rows) == (stored.values, stored.notes, stored.list_rows)
        assert [type(v) for v in found.values.values()] == [type(v) for v in stored.values.values()]
    found = workspace.store.find_contents(demo_township.id, FORM, "2025")
    assert found.values[(TABLE, added, "boiler")] == 2**63 - 1 and found.list_rows[TABLE][-1] == added
    assert workspace.store.find_contents(demo_township.id, FORM, "1999") is None


def _map_text_by_the_format(identity, records, with_values: bool) -> str:
    """The version 3 canonical text as ``export.checksum``'s docstring defines it, one record at a time."""
    def line(item) -> str:
        return json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"

    text = line(["jnjp-file", 3]) + line(["file", *identity])
    for r in records:
        values = [canonical_text(v) for v in r.values] if with_values else []
        notes = [n or "" for n in r.notes] if with_values else []
        text += line([r.form_key, r.form_version, r.table_key, r.row_key, r.sheet, r.cell, r.columns, r.kinds,
                      values, notes])
    return text


def test_map_checksum_encoded_in_blocks_is_the_text_of_the_format():
    """Texts that look like the block's record separator (``]],["``), quotes, backslashes, line
    breaks, control characters, empty lists and more records than one block hold."""
    identity = FileIdentity("jnjp-submission", '演"示]],["镇', "500118", "", "2025", "f@1")
    awkward = [']],["', '"]],["x', "\\", "a\nb", "\x00\x1f\x7f", "]]", "[", '"', "", "𝄞", "]],[\"f\",1"]
    records = []
    for i in range(4096 + 300):
        text = awkward[i % len(awkward)]
        records.append(MapRecord(text or "S", f"D{i + 1}", "f" if i % 7 else "", 1 + i % 3, "t", f"r{i}", "a,,b",
                                 "i-c", [1e308 if i % 2 else -0.0, None, text, 2**63 - 1, 0.1 + 0.2][: 1 + i % 5],
                                 [text or None, None, "说明"][: 1 + i % 3]))
    records.append(MapRecord("S", "A1", "f", 1, "t", "r", "", "", [], []))
    for with_values in (True, False):
        expected = _map_text_by_the_format(identity, records, with_values)
        assert map_checksum(identity, records, with_values=with_values) == hashlib.sha256(expected.encode()).hexdigest()
