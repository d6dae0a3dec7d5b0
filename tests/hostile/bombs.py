"""Hostile files, built by hand: small on disk, enormous when unpacked or parsed naively.

Each builder writes a minimal but well-formed .xlsx (content types, workbook,
one sheet, shared strings) with zipfile, streaming the big part so the test
itself stays small in memory.
"""

import io
import zipfile

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<?xml version="1.0"?><workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER = ["org_unit", "indicator", "year", "quarter", "value", "numerator", "denominator", "note"]


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row(r: int = 1) -> str:
    return f'<row r="{r}">' + "".join(_text(f"{chr(65 + i)}{r}", h) for i, h in enumerate(HEADER)) + "</row>"


def data_row(r: int, unit="HT-443", indicator="leaflets_issued", year=2019, quarter=1, value=5) -> str:
    cells = [
        _text(f"A{r}", unit),
        _text(f"B{r}", indicator),
        f'<c r="C{r}"><v>{year}</v></c>',
        f'<c r="D{r}"><v>{quarter}</v></c>',
    ]
    return f'<row r="{r}">' + "".join(cells) + f'<c r="E{r}"><v>{value}</v></c></row>'


def workbook(sheet_parts, strings_parts=None, extra: dict | None = None, strings_name: str = "xl/sharedStrings.xml") -> bytes:
    """An .xlsx whose sheet XML (and shared strings) are the concatenated parts, written as they come."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.replace("/xl/sharedStrings.xml", "/" + strings_name))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr(
            "xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.replace('Target="sharedStrings.xml"', f'Target="/{strings_name}"')
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for part in sheet_parts:
                f.write(part.encode())
        with z.open(strings_name, "w", force_zip64=True) as f:
            for part in strings_parts or [f"<sst {NS}><si><t>x</t></si></sst>"]:
                f.write(part.encode())
        for name, (size, chunk) in (extra or {}).items():
            with z.open(name, "w", force_zip64=True) as f:
                for _ in range(size // len(chunk)):
                    f.write(chunk)
    return out.getvalue()


def sheet(*rows: str, dimension: str | None = None):
    yield f"<worksheet {NS}>"
    if dimension:
        yield f'<dimension ref="{dimension}"/>'
    yield "<sheetData>"
    yield from rows
    yield "</sheetData></worksheet>"


def huge_shared_string(mb: int = 60) -> bytes:
    """One shared string of `mb` megabytes (about 60 KB on disk per 60 MB)."""

    def strings():
        yield f'<sst {NS} count="1" uniqueCount="1"><si><t>'
        chunk = "A" * 1_000_000
        for _ in range(mb):
            yield chunk
        yield "</t></si></sst>"

    return workbook(sheet(header_row(), data_row(2)), strings())


def many_shared_strings(n: int = 400_000, strings_name: str = "xl/sharedStrings.xml") -> bytes:
    """Many tiny shared strings: within the unpacked-size limit, over the count."""

    def strings():
        yield f"<sst {NS}>"
        for _ in range(n // 1000):
            yield "<si><t/></si>" * 1000
        yield "</sst>"

    return workbook(sheet(header_row(), data_row(2)), strings(), strings_name=strings_name)


def shared_strings_under_another_name() -> bytes:
    """The same, with the strings part named like a sheet: openpyxl finds it by its content type."""
    return many_shared_strings(strings_name="xl/worksheets/strings.xml")


def huge_dimension_far_row() -> bytes:
    """A sheet declaring A1:XFD1048576 with one cell in its last row: openpyxl would pad a million rows."""
    return workbook(
        sheet(header_row(), data_row(2), '<row r="1048576"><c r="A1048576"><v>1</v></c></row>', dimension="A1:XFD1048576")
    )


def huge_dimension_small_sheet() -> bytes:
    """The same declared dimension over a real two-row sheet: must read as just that row."""
    return workbook(sheet(header_row(), data_row(2, value=77), dimension="A1:XFD1048576"))


def many_rows(n: int = 60_000) -> bytes:
    """More rows than the limit (one cell each: the file is small, the count is what matters)."""

    def rows():
        yield header_row()
        for r in range(2, n + 2):
            yield f'<row r="{r}"><c r="E{r}"><v>5</v></c></row>'

    return workbook(sheet(*rows()))


def many_columns(cells: int = 1_000_000) -> bytes:
    """A header row followed by one row of a million cells (about 30 KB on disk)."""

    def rows():
        yield header_row()
        yield '<row r="2">'
        for _ in range(cells // 1000):
            yield "<c><v>1</v></c>" * 1000
        yield "</row>"

    return workbook(sheet(*rows()))


def compressed_csv_in_disguise(mb: int = 60) -> bytes:
    """A .xlsx whose zip also carries a CSV of `mb` megabytes of one repeated line."""
    return workbook(
        sheet(header_row(), data_row(2)), extra={"xl/data.csv": (mb * 1_000_000, b"HT-443,leaflets_issued,2019,1,5\n" * 1000)}
    )


def not_a_zip() -> bytes:
    """A CSV saved with an .xlsx name."""
    return (",".join(HEADER) + "\nHT-443,leaflets_issued,2019,1,5,,,\n").encode()


BOMBS = {
    "huge shared string": (huge_shared_string, "giải nén quá lớn"),
    "many shared strings": (many_shared_strings, "quá nhiều chuỗi ký tự"),
    "shared strings under another name": (shared_strings_under_another_name, "quá nhiều chuỗi ký tự"),
    "huge dimension, far row": (huge_dimension_far_row, "quá nhiều dòng"),
    "many rows": (many_rows, "quá nhiều dòng"),
    "many columns": (many_columns, "quá nhiều cột"),
    "compressed csv in disguise": (compressed_csv_in_disguise, "giải nén quá lớn"),
    "not a zip": (not_a_zip, "không phải tệp Excel thật"),
}
