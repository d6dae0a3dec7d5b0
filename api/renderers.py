"""`?format=csv`: the values list as a file with the columns of the import file (plus id, version, updated_at)."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from indicators.services import VALUE_COLUMNS
from reform_portal.export_safety import safe_text

CSV_COLUMNS = [*VALUE_COLUMNS, "version", "updated_at", "id"]
NUMERIC = {"year", "quarter", "value", "numerator", "denominator", "version", "id"}


def _safe_row(row: dict) -> dict:
    """A row as a spreadsheet may open it: no text that runs as a formula (numbers stay numbers)."""
    return {k: safe_text(row.get(k), numeric=k in NUMERIC) for k in CSV_COLUMNS}


class ValuesCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        if isinstance(data, dict) and "results" in data:
            # CRLF line ends (RFC 4180): the csv module then quotes a note holding a CR or LF of its own.
            writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(_safe_row(r) for r in data["results"])
        elif isinstance(data, dict) and "detail" in data:
            # An error asked for as CSV: still one row per problem, never a 500.
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(["index", "field", "message"])
            writer.writerow(["", "", safe_text(data["detail"])])
            for e in data.get("errors") or []:
                writer.writerow(["" if e["index"] is None else e["index"], safe_text(e["field"]), safe_text(e["message"])])
        return out.getvalue().encode(self.charset)
