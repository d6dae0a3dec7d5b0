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

CSV_COLUMNS = [*VALUE_COLUMNS, "version", "updated_at", "id"]
BOM = "\ufeff"


def wants_bom(request, asked: bool | None) -> bool:
    """`asked` is the `bom` parameter (None: not given); without it, browsers get a BOM."""
    if asked is not None:
        return asked
    return isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication)


def csv_lines(rows, *, bom: bool):
    """The file, a line at a time (for streaming every row of a filter)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    yield (BOM if bom else "") + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
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
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["index", "field", "message"])
            writer.writerow(["", "", data["detail"]])
            for e in data.get("errors") or []:
                writer.writerow(["" if e["index"] is None else e["index"], e["field"], e["message"]])
        return out.getvalue().encode(self.charset)
