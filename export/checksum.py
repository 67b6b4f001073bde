"""The value checksum of a submission: a canonical text of every exported value and 说明, hashed.

The district's import recomputes it from the workbook (values read from the cells listed in the
hidden ``_cells`` sheet, 说明 from that sheet's ``note`` column) and compares it with ``sha256``
in the hidden ``_meta`` sheet; a mismatch means the figures were changed after export.

Format (version 1), UTF-8 bytes:

* line 1: ``["jnjp-values",1]``
* then one line per cell that has a value or a 说明, sorted by
  (form_key, table_key, row_key, col_key) as plain string comparison::

      [form_key,form_version,table_key,row_key,col_key,kind,text,note]

  - ``kind`` ``"n"`` for a number, ``"s"`` for text, ``""`` for no value (a 说明 on a blank cell);
  - ``text``: an integer (or a float with an integral value, so 3.0 and 3 are the same) as
    decimal digits with an optional ``-``; any other float as Python ``repr(float(x))``
    (shortest round-trip form, e.g. ``12085.956``, ``1e-07``); text as it is; ``""`` for none;
  - ``note``: the 说明 as it is, ``""`` for none;
  - an empty string value counts as no value; a cell with neither value nor 说明 has no line;
  - ``form_version`` is an integer; booleans are not values.
* each line is ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` followed by ``\\n``.

``values_checksum`` is the lower-case hex SHA-256 of those bytes. Numbers must be read back
as numbers (openpyxl gives int or float), never as their displayed text.

Format version 2 (``file_checksum``, files of ``export.file_format`` version 2) also covers what
the import trusts besides the figures, so that changing the period or the township in ``_meta``,
relabelling a submission as a template, or deleting or moving a ``_cells`` row is seen:

* line 1: ``["jnjp-file",2]``
* line 2: ``["file",format,township_name,township_stat_code,township_mca_code,period,forms]``
  (``forms`` as written in ``_meta``: ``key@version`` joined by ``,``; ``""`` for a missing field);
* then one line per ``_cells`` row — every mapped cell, blank or not — sorted by
  (form_key, table_key, row_key, col_key)::

      [form_key,form_version,table_key,row_key,col_key,sheet,cell,kind,value_kind,text,note]

  with ``kind`` ``input``/``computed`` and ``value_kind``/``text``/``note`` as in version 1; for a
  template (``with_values=False``: the user fills it in) these three are always ``""``.

Format version 3 (``map_checksum``, files of ``export.file_format`` version 3, whose ``_cells``
map has one record per body row) covers the same facts, one line per record in the order of
the map:

* line 1: ``["jnjp-file",3]``; line 2: the ``"file"`` line of version 2;
* then per record::

      [form_key,form_version,table_key,row_key,sheet,cell,columns,kinds,values,notes]

  ``columns``/``kinds`` as in the record; ``values`` a list with one text per position: ``""``
  for no value (and for a blocked position), else ``value_kind + text`` of version 1 (``"n3"``,
  ``"n12085.956"``, ``"s文字"``); ``notes`` a list with the 说明 of each position (``""`` for
  none). For a template both lists are empty.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from itertools import groupby, repeat
from operator import itemgetter
from typing import Any, NamedTuple

__all__ = ["ChecksumEntry", "canonical_bytes", "values_checksum", "canonical_value", "CHECKSUM_FORMAT",
           "FILE_CHECKSUM_FORMAT", "FileIdentity", "MappedCell", "file_checksum", "MAP_CHECKSUM_FORMAT", "MapRecord",
           "map_checksum", "canonical_text"]

CHECKSUM_FORMAT = ("jnjp-values", 1)
FILE_CHECKSUM_FORMAT = ("jnjp-file", 2)
MAP_CHECKSUM_FORMAT = ("jnjp-file", 3)


class ChecksumEntry(NamedTuple):
    """One exported cell; a plain 7-tuple works just as well."""

    form_key: str
    form_version: int
    table_key: str
    row_key: str
    col_key: str
    value: Any
    note: str | None


def canonical_value(value: Any) -> tuple[str, str]:
    """(kind, text) of one value; ("", "") for no value. Raises ValueError for what Excel cannot hold."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, bool):
        raise ValueError(f"布尔值不是表格数值：{value!r}")
    if isinstance(value, int):
        return "n", str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"数值无效：{value!r}")
        if value.is_integer():
            return "n", str(int(value))
        return "n", repr(float(value))
    if isinstance(value, str):
        return "s", value
    raise ValueError(f"无法写入校验的值类型 {type(value).__name__}：{value!r}")


# json.dumps with these arguments builds a new encoder on every call (a third of the checksum's
# time); a record's lists hold only text, so no circular reference needs looking for (same bytes)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


_STR = json.encoder.encode_basestring  # json's own string encoder (C), as used with ensure_ascii=False


def _line(item: Any) -> str:
    return _ENCODE(item) + "\n"


def canonical_bytes(entries: Iterable[tuple[str, int, str, str, str, Any, str | None]]) -> bytes:
    """The canonical serialisation described in the module docstring."""
    lines: list[tuple[tuple[str, str, str, str], str]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for form_key, form_version, table_key, row_key, col_key, value, note in entries:
        kind, text = canonical_value(value)
        note_text = note or ""
        if not kind and not note_text:
            continue
        key = (str(form_key), str(table_key), str(row_key), str(col_key))
        if key in seen:
            raise ValueError(f"单元格重复：{'/'.join(key)}")
        seen.add(key)
        # the same bytes as _line([...]) (json.dumps, ensure_ascii=False, compact), built directly
        lines.append((key, f"[{_STR(key[0])},{int(form_version)},{_STR(key[1])},{_STR(key[2])},{_STR(key[3])},"
                           f"{_STR(kind)},{_STR(text)},{_STR(note_text)}]\n"))
    lines.sort(key=lambda pair: pair[0])
    return (_line(list(CHECKSUM_FORMAT)) + "".join(text for _, text in lines)).encode("utf-8")


def values_checksum(entries: Iterable[tuple[str, int, str, str, str, Any, str | None]]) -> str:
    """Hex SHA-256 of ``canonical_bytes(entries)``."""
    return hashlib.sha256(canonical_bytes(entries)).hexdigest()


class FileIdentity(NamedTuple):
    """What ``_meta`` says the file is (version 2 checksum); every field as text."""

    format: str
    township_name: str
    township_stat_code: str
    township_mca_code: str
    period: str
    forms: str


class MappedCell(NamedTuple):
    """One ``_cells`` row with the value found at its address."""

    sheet: str
    address: str
    form_key: str
    form_version: int
    table_key: str
    row_key: str
    col_key: str
    kind: str
    value: Any
    note: str | None


def file_checksum(identity: FileIdentity, cells: Iterable[MappedCell], *, with_values: bool) -> str:
    """Hex SHA-256 of the version 2 canonical text (module docstring). ValueError for a value
    Excel cannot hold or a cell listed twice."""
    lines: list[tuple[tuple[str, str, str, str], str]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for sheet, address, form_key, form_version, table_key, row_key, col_key, kind, value, note in cells:
        key = (str(form_key), str(table_key), str(row_key), str(col_key))
        if key in seen:
            raise ValueError(f"单元格重复：{'/'.join(key)}")
        seen.add(key)
        if not with_values or value is None or value == "":
            tail = '"",""'  # no value (most cells of a file): the common case, without the general path
        else:
            value_kind, text = canonical_value(value)
            tail = f"{_STR(value_kind)},{_STR(text)}"
        note_text = _STR(note) if with_values and note else '""'
        lines.append((key, f"[{_STR(key[0])},{int(form_version)},{_STR(key[1])},{_STR(key[2])},{_STR(key[3])},"
                           f"{_STR(str(sheet))},{_STR(str(address))},{_STR(str(kind))},{tail},{note_text}]\n"))
    lines.sort(key=lambda pair: pair[0])
    head = _line(list(FILE_CHECKSUM_FORMAT)) + _line(["file", *(str(v) for v in identity)])
    return hashlib.sha256((head + "".join(text for _, text in lines)).encode("utf-8")).hexdigest()


class MapRecord(NamedTuple):
    """One version 3 ``_cells`` record with the values found at its positions (None: blank or blocked)."""

    sheet: str
    cell: str
    form_key: str
    form_version: int
    table_key: str
    row_key: str
    columns: str
    kinds: str
    values: Sequence[Any]
    notes: Sequence[str | None]


def canonical_text(value: Any) -> str:
    """``kind + text`` of ``canonical_value`` in one string ("" for no value); the common types
    without the general path (this runs once per cell of the file)."""
    kind = type(value)
    if kind is float:
        if value.is_integer():
            return "n" + str(int(value))
        if math.isfinite(value):
            return "n" + repr(value)
    elif kind is int:
        return "n" + str(value)
    elif kind is str:
        return "s" + value if value else ""
    elif value is None:
        return ""
    value_kind, text = canonical_value(value)
    return value_kind + text


def map_checksum(identity: FileIdentity, records: Iterable[MapRecord], *, with_values: bool) -> str:
    """Hex SHA-256 of the version 3 canonical text (module docstring). ValueError for a value
    Excel cannot hold.

    The records are encoded a block at a time by ONE call of the JSON encoder (C), as a list of
    records, and its top-level separators become the line breaks: each record's text ends with the
    ``]]`` closing its 说明 list and itself and the next one starts with ``["`` (its form key), and
    ``]],["`` occurs nowhere inside a record (a quote inside a string is escaped; the values list
    ends with a string or is empty, so only one ``]`` precedes its ``,[``). The same bytes as
    encoding record by record, without a Python call per record."""
    digest = hashlib.sha256((_line(list(MAP_CHECKSUM_FORMAT)) + _line(["file", *(str(v) for v in identity)]))
                            .encode("utf-8"))
    block: list[MapRecord] = []
    for record in records:
        block.append(record)
        if len(block) >= 4096:
            digest.update(_lines_of(_block_lines(block, with_values)))
            block = []
    if block:
        digest.update(_lines_of(_block_lines(block, with_values)))
    return digest.hexdigest()


def _block_lines(block: list[MapRecord], with_values: bool) -> list[list[Any]]:
    """The records' line items (``map_checksum``): their fields as text, their values' canonical
    texts and their 说明 ("" for none); for a template both lists empty."""
    lines: list[list[Any]] = []
    by_column = _long_run_texts(block) if with_values else repeat(None)
    for (sheet, cell, form_key, form_version, table_key, row_key, columns, kinds, record_values, record_notes), texts \
            in zip(block, by_column):
        if with_values:
            values = texts if texts is not None else _record_texts(record_values)
            # (most records have no 说明: all blank, said without a step per position)
            notes = [n or "" for n in record_notes] if any(record_notes) else [""] * len(record_notes)
        else:
            values = notes = []
        lines.append([str(form_key), int(form_version), str(table_key), str(row_key), str(sheet), str(cell),
                      str(columns), str(kinds), values, notes])
    return lines


_VALUES, _NOTES = itemgetter(8), itemgetter(9)  # a MapRecord's (and its line items') values and 说明
# records of one length one after the other done a column at a time from this many on (a long list's rows;
# a grid's few rows are done record by record: fewer instructions for them)
_COLUMN_RUN = 32


def _long_run_texts(block: list[MapRecord]) -> list[Any]:
    """Per record, the canonical texts of its values when it is one of ``_COLUMN_RUN`` or more
    records of the same length one after the other (a long list's rows, a grid's), made a column
    at a time (issue 16: in C where a column holds one kind of value); None for the others (and
    for all when a value raises ValueError: record by record, the same error is raised first)."""
    lengths = list(map(len, map(_VALUES, block)))
    texts: list[Any] = []
    start = 0
    try:
        for n, run in groupby(lengths):
            count = len(list(run))
            if count < _COLUMN_RUN or not n:
                texts += repeat(None, count)
            else:
                texts += zip(*map(_column_texts, zip(*map(_VALUES, block[start:start + count]))))
            start += count
    except ValueError:
        return [None] * len(block)
    return texts


def _record_texts(values: Sequence[Any]) -> list[str]:
    """``canonical_text`` of each value, inlined for blank, text and finite floats (v - v is nan for
    inf and nan; "%d" of an integral float is the digits of its int, as str(int(v)); "{:.0f}" writes
    -0.0 as "-0")."""
    return ["" if v is None else (v and "s" + v) if (t := type(v)) is str else
            ("n%d" % v if v.is_integer() else f"n{v!r}") if t is float and v - v == 0.0  # noqa: UP031
            else canonical_text(v) for v in values]


_FLOATS, _TEXTS, _BLANKS = {float}, {str}, {type(None)}


def _column_texts(column: tuple[Any, ...]) -> list[str]:
    """``_record_texts`` of one column's values, in a few whole-column steps when they are all
    finite floats, all non-empty texts or all blank."""
    kinds = set(map(type, column))
    if kinds == _FLOATS and all(map(math.isfinite, column)):
        distinct = set(column)
        if len(distinct) * 4 < len(column):  # a few figures again and again (0 in most rows): each written once
            # (equal finite floats have the same text: 0.0 and -0.0 both "n0")
            return list(map(dict(zip(distinct, _column_texts(tuple(distinct)))).__getitem__, column))
        whole = list(map(float.is_integer, column))
        if all(whole):
            return list(map("n%d".__mod__, column))
        if not any(whole):
            return list(map("n{!r}".format, column))
        return ["n%d" % v if w else f"n{v!r}" for v, w in zip(column, whole)]  # noqa: UP031
    if kinds == _TEXTS and "" not in column:
        return list(map("s".__add__, column))
    if kinds == _BLANKS:
        return [""] * len(column)
    return _record_texts(column)


def _lines_of(block: list[list[Any]]) -> bytes:
    """The records' lines, each ``_ENCODE(record) + "\n"`` (see ``map_checksum``).

    Built by joining the texts as they are, which is what the JSON encoder writes for a text
    without a ``"``, a ``\\`` or a control character (the only characters it escapes with
    ``ensure_ascii=False``): counted in the bytes afterwards — every ``"`` one of the two around
    each text, every control character one of the line breaks put between the records — and
    otherwise (a line break typed in a 说明, say) the block goes through the encoder after all.
    The same bytes, without the encoder's work per text (a third of the verdict's time)."""
    join, q = '","'.join, '"'  # (``_json_texts`` inlined: no Python call per list)
    try:
        lines = [f'["{form_key}",{version},"{table_key}","{row_key}","{sheet}","{cell}","{columns}","{kinds}",'
                 f'[{q + join(values) + q if values else ""}],[{q + join(notes) + q if notes else ""}]]\n'
                 for form_key, version, table_key, row_key, sheet, cell, columns, kinds, values, notes in block]
        texts = sum(map(len, map(_VALUES, block))) + sum(map(len, map(_NOTES, block))) + 7 * len(block)
    except TypeError:  # a value or 说明 that is not text: the encoder says what it is
        return _encoded_lines(block)
    data = "".join(lines).encode("utf-8")
    # one pass: the quotes number at least 2 per text and the escaped bytes at least the line breaks,
    # so both together being exactly that many means each is (and no other line break is there)
    if len(data) - len(data.translate(None, _QUOTE_OR_ESCAPED)) == 2 * texts + len(block):
        return data
    return _encoded_lines(block)


_ESCAPED = bytes(range(0x20)) + b"\\"  # what the encoder escapes besides '"' (UTF-8 has no such byte inside a character)
_QUOTE_OR_ESCAPED = _ESCAPED + b'"'


def _encoded_lines(block: list[list[Any]]) -> bytes:
    """``_lines_of`` by the JSON encoder (C): one call for the block, its top-level separators
    becoming the line breaks (see ``map_checksum``)."""
    return (_ENCODE(block)[1:-1].replace(']],["', ']]\n["') + "\n").encode("utf-8")
