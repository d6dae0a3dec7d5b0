"""Values as CSV: the columns of the import file (plus version, updated_at, id).

Excel on Windows reads UTF-8 only after a byte-order mark, so a browser (a
session login) gets one; token clients get plain UTF-8 unless they ask with
`?bom=1` (most CSV readers keep a BOM as part of the first column's name).
"""

import csv
import io

from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import BaseRenderer

from indicators.services import VALUE_COLUMNS
from reform_portal.export_safety import safe_text

CSV_COLUMNS = [*VALUE_COLUMNS, "version", "updated_at", "id"]
BOM = "\ufeff"
NUMERIC = {"year", "quarter", "value", "numerator", "denominator", "version", "id"}


def wants_bom(request, asked: bool | None) -> bool:
    """`asked` is the `bom` parameter (None: not given); without it, browsers get a BOM."""
    if asked is not None:
        return asked
    return isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication)


def _safe_row(row: dict) -> dict:
    """A row as a spreadsheet may open it: no text that runs as a formula (numbers stay numbers)."""
    return {k: safe_text(row.get(k), numeric=k in NUMERIC) for k in CSV_COLUMNS}


def csv_lines(rows, *, bom: bool):
    """The file, a line at a time (for streaming every row of a filter).

    CRLF line ends (RFC 4180): the csv module then quotes a note holding a CR or LF of its own.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    yield (BOM if bom else "") + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_safe_row(row))
        yield buffer.getvalue()


class ValuesCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {}).get("view")
        bom = bool(getattr(view, "csv_bom", False))
        if isinstance(data, dict) and "results" in data:
            return "".join(csv_lines(data["results"], bom=bom)).encode(self.charset)
        out = io.StringIO()
        if isinstance(data, dict) and "detail" in data:
            # An error asked for as CSV: still one row per problem, never a 500.
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(["index", "field", "message"])
            writer.writerow(["", "", safe_text(data["detail"])])
            for e in data.get("errors") or []:
                writer.writerow(["" if e["index"] is None else e["index"], safe_text(e["field"]), safe_text(e["message"])])
        return out.getvalue().encode(self.charset)
