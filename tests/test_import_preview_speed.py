"""The import preview's cheaper steps (issue 16, s2) give exactly the answers of the steps they
replace: the stored report read for the compare, the checksum's text, the safety scan's guards."""

from __future__ import annotations

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
