"""Bounds on what an uploaded or imported file may cost before anything parses it for real.

A 300 KB .xlsx can unpack to gigabytes: openpyxl, even read-only, loads the
whole shared-strings table, builds every cell of a row (a row may hold a
million empty cells) and pads rows out to the sheet's declared dimension.
So the zip's directory is checked first (declared sizes are upper bounds:
Python's zipfile never inflates a member past its `file_size`), then the
first sheet's rows and cells and the shared strings are counted by a
streaming byte scan that builds nothing. openpyxl only ever sees a file that fits.

The limits come from settings (IMPORT_MAX_*), read at each call.
"""

import posixpath
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from lxml import etree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# A header may sit below a title: read_rows looks for it in the first HEADER_SCAN rows.
HEADER_SCAN = 20
# Parts other than sheets and shared strings (styles, workbook, properties) are a few KB in real files.
SMALL_PART_MAX = 2 * 1024 * 1024
MAX_PARTS = 500


class FileRefused(Exception):
    """The file is over a limit or damaged; the message says which, in the user's language."""


@dataclass(frozen=True)
class Limits:
    bytes: int
    uncompressed: int
    rows: int
    columns: int
    shared_strings: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            bytes=settings.IMPORT_MAX_BYTES,
            uncompressed=settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            shared_strings=settings.IMPORT_MAX_SHARED_STRINGS,
        )

    @property
    def lines(self) -> int:
        """Last line number a data row may have: the rows, plus room for a title and header above them."""
        return self.rows + HEADER_SCAN


def too_many_rows(limits: Limits) -> FileRefused:
    return FileRefused(_("Tệp có quá nhiều dòng: tối đa %(n)s dòng số liệu.") % {"n": limits.rows})


def too_many_columns(limits: Limits, line: int) -> FileRefused:
    return FileRefused(_("Dòng %(line)s có quá nhiều cột: tối đa %(n)s cột.") % {"line": line, "n": limits.columns})


def check_size(size: int, limits: Limits) -> None:
    if size > limits.bytes:
        raise FileRefused(
            _("Tệp quá lớn (%(size)s); tối đa %(max)s.") % {"size": filesizeformat(size), "max": filesizeformat(limits.bytes)}
        )


def _column(ref: str | None) -> int | None:
    """Column number of a cell reference such as "AB12" (None without one)."""
    if not ref:
        return None
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n or None


def _first_sheet(z: zipfile.ZipFile) -> str:
    """The part name of the workbook's first worksheet, as openpyxl's `worksheets[0]` picks it (chartsheets skipped)."""
    wb = etree.fromstring(z.read("xl/workbook.xml"), parser=_parser())
    rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"), parser=_parser())
    targets = {rel.get("Id"): rel for rel in rels.iter(f"{REL}Relationship")}
    for sheet in wb.iter(f"{MAIN}sheet"):
        rel = targets.get(sheet.get(f"{OFFICE_REL}id"))
        if rel is not None and rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    raise KeyError("first sheet")


def _parser() -> etree.XMLParser:
    # No entities, no network, no DTD: a workbook needs none of them.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _start_tags(fileobj, pattern: re.Pattern):
    """Matches of `pattern` (the start of a tag) in an XML part read in chunks: no tree, flat memory.

    A byte scan, deliberately cruder than a parser: a tag inside a comment or CDATA
    counts too, which can only make the counts larger, never hide an element a parser
    would see. A part that is not UTF-8 (UTF-16 would hide every tag from it) is refused.
    """
    pending = fileobj.read(CHUNK)
    if pending.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in pending[:256]:
        raise ValueError("workbook part not in UTF-8")
    while True:
        more = fileobj.read(CHUNK)
        if not more:
            yield from pattern.finditer(pending)
            return
        pending += more
        cut = pending.rfind(b"<")  # the last tag may go on in the next chunk: keep it
        if cut > 0:
            yield from pattern.finditer(pending, 0, cut)
            pending = pending[cut:]
        elif len(pending) > 4 * CHUNK:
            raise ValueError("a tag of megabytes")


# <row or <c (or <prefix:row, <prefix:c) and its reference r="AB12", if it has one
ROW_OR_CELL = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])(?:[^<>]*?\sr\s*=\s*["']([A-Z]*)(\d*))?""")
STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")
CHUNK = 1024 * 1024


def _count_sheet(fileobj, limits: Limits) -> None:
    """Reject a sheet with content beyond the row or column limit, without building its rows."""
    line, position, rows = 0, 0, 0
    for m in _start_tags(fileobj, ROW_OR_CELL):
        name, letters, digits = m.groups()
        if name == b"row":
            line = int(digits) if digits else line + 1
            position = 0
            continue
        position += 1
        if position == 1:  # a row with cells; an empty formatted row costs nothing
            rows += 1
            if line > limits.lines or rows > limits.lines:
                raise too_many_rows(limits)
        if position > limits.columns or (letters and _column(letters.decode()) > limits.columns):
            raise too_many_columns(limits, line)


def _count_strings(fileobj, limits: Limits) -> None:
    for n, _m in enumerate(_start_tags(fileobj, STRING), start=1):
        if n > limits.shared_strings:
            raise FileRefused(_("Tệp Excel có quá nhiều chuỗi ký tự: tối đa %(n)s.") % {"n": limits.shared_strings})


def _shared_strings_part(z: zipfile.ZipFile) -> str | None:
    """The shared-strings part, found as openpyxl finds it: by its content type."""
    types = etree.fromstring(z.read("[Content_Types].xml"), parser=_parser())
    for override in types.iter(f"{CONTENT_TYPES}Override"):
        if override.get("ContentType") == SHARED_STRINGS:
            return override.get("PartName", "").lstrip("/")
    return None


def check_xlsx(fileobj, limits: Limits) -> None:
    """Raise FileRefused unless the .xlsx in `fileobj` fits every limit and reads; zipfile.BadZipFile if it is no zip."""
    with zipfile.ZipFile(fileobj) as z:
        parts = z.infolist()
        if len(parts) > MAX_PARTS:
            raise FileRefused(_("Tệp Excel có quá nhiều thành phần (%(n)s).") % {"n": len(parts)})
        total = sum(p.file_size for p in parts)
        if total > limits.uncompressed:
            raise FileRefused(
                _("Tệp Excel khi giải nén quá lớn (%(size)s; tối đa %(max)s): tệp hỏng hoặc chứa dữ liệu ẩn.")
                % {"size": filesizeformat(total), "max": filesizeformat(limits.uncompressed)}
            )
        try:
            for p in parts:
                if p.filename in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
                    _small(p)  # read below to find the sheet and the strings
            sheet, strings = _first_sheet(z), _shared_strings_part(z)
            for p in parts:
                # Only the first sheet and the shared strings are read in full; other sheets are never parsed.
                if p.filename not in (sheet, strings) and not p.filename.startswith("xl/worksheets/"):
                    _small(p)
            names = {p.filename for p in parts}
            if sheet not in names:
                raise KeyError(sheet)
            with z.open(sheet) as f:
                _count_sheet(f, limits)
            if strings in names:
                with z.open(strings) as f:
                    _count_strings(f, limits)
        except (KeyError, etree.XMLSyntaxError, ValueError):
            raise FileRefused(_("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc sai định dạng.")) from None


def _small(part: zipfile.ZipInfo) -> None:
    if part.file_size > SMALL_PART_MAX:
        raise FileRefused(
            _("Thành phần «%(part)s» của tệp Excel quá lớn (%(size)s).")
            % {"part": part.filename, "size": filesizeformat(part.file_size)}
        )
