"""The cell styles of a written workbook: each combination of font, alignment, border, number
format, protection and quote prefix gets one index (``s="…"`` on a cell) the first time it is
used, and ``styles_xml`` writes them as ``xl/styles.xml``. Plain data instead of openpyxl's style
objects: hashing those on every assignment was a large part of the export's time.

Every font is 宋体 (``FONT_NAME``); the workbook's default font (index 0, the "Normal" style and
every unstyled cell) is 宋体 10 pt, so column widths count digits of the font the tables use
(``export.print_layout``)."""

from __future__ import annotations

from typing import NamedTuple

from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE

from export.xlsx_writer import xml_attr

__all__ = ["FONT_NAME", "Font", "Align", "StyleTable"]

FONT_NAME = "宋体"
_FIRST_CUSTOM_FORMAT = 164  # number formats below are Excel's built-in ones


class Font(NamedTuple):  # (tuples: hashed in C, and a style's key is hashed for every cell)
    size: float
    bold: bool = False


class Align(NamedTuple):
    horizontal: str
    vertical: str = "center"
    wrap: bool = False
    indent: int = 0


DEFAULT_FONT = Font(10)
_Key = tuple[Font, "Align | None", bool, "str | None", bool, bool]


def _number(value: float) -> str:
    return f"{value:g}"


class StyleTable:
    """Style combinations → the workbook's style indexes (0: an unstyled cell)."""

    def __init__(self) -> None:
        self._ids: dict[_Key, int] = {(DEFAULT_FONT, None, False, None, True, False): 0}
        self._fonts: dict[Font, int] = {DEFAULT_FONT: 0}
        self._formats: dict[str, int] = {}

    def id(self, font: Font = DEFAULT_FONT, align: Align | None = None, border: bool = True,
           number_format: str | None = None, locked: bool = True, quote: bool = False) -> int:
        """The index of a combination (made on first use). ``border``: thin on all four sides;
        ``quote``: Excel's quote prefix (text beginning with = + - @ stays text when edited)."""
        key = (font, align, border, number_format, locked, quote)
        found = self._ids.get(key)
        if found is None:
            self._fonts.setdefault(font, len(self._fonts))
            if number_format is not None and number_format not in BUILTIN_FORMATS_REVERSE:
                self._formats.setdefault(number_format, _FIRST_CUSTOM_FORMAT + len(self._formats))
            found = self._ids[key] = len(self._ids)
        return found

    def _format_id(self, number_format: str | None) -> int:
        if number_format is None:
            return 0
        builtin = BUILTIN_FORMATS_REVERSE.get(number_format)
        return builtin if builtin is not None else self._formats[number_format]

    def _xf(self, key: _Key) -> str:
        font, align, border, number_format, locked, quote = key
        attrs = [f'numFmtId="{self._format_id(number_format)}"', f'fontId="{self._fonts[font]}"', 'fillId="0"',
                 f'borderId="{int(border)}"', 'xfId="0"']
        inner = []
        if number_format is not None:
            attrs.append('applyNumberFormat="1"')
        if font != DEFAULT_FONT:
            attrs.append('applyFont="1"')
        if border:
            attrs.append('applyBorder="1"')
        if align is not None:
            attrs.append('applyAlignment="1"')
            a = [f'horizontal="{align.horizontal}"', f'vertical="{align.vertical}"']
            if align.wrap:
                a.append('wrapText="1"')
            if align.indent:
                a.append(f'indent="{align.indent}"')
            inner.append(f"<alignment {' '.join(a)}/>")
        if not locked:
            attrs.append('applyProtection="1"')
            inner.append('<protection locked="0" hidden="0"/>')
        if quote:
            attrs.append('quotePrefix="1"')
        return f"<xf {' '.join(attrs)}>{''.join(inner)}</xf>" if inner else f"<xf {' '.join(attrs)}/>"

    def xml(self) -> str:
        """``xl/styles.xml``."""
        formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{xml_attr(code)}"/>' for code, i in self._formats.items())
        fonts = "".join(f'<font>{"<b/>" if f.bold else ""}<sz val="{_number(f.size)}"/>'
                        f'<name val="{FONT_NAME}"/></font>' for f in self._fonts)
        xfs = "".join(self._xf(key) for key in self._ids)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + (f'<numFmts count="{len(self._formats)}">{formats}</numFmts>' if self._formats else "")
                + f'<fonts count="{len(self._fonts)}">{fonts}</fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
                '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/>'
                '<diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(self._ids)}">{xfs}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
                'defaultPivotStyle="PivotStyleLight16"/></styleSheet>')
