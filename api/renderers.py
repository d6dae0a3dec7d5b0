"""`?format=csv`: the values list as a file with the columns of the import file (plus id, version, updated_at)."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from indicators.services import VALUE_COLUMNS

CSV_COLUMNS = [*VALUE_COLUMNS, "version", "updated_at", "id"]


class ValuesCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        if isinstance(data, dict) and "results" in data:
            writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(data["results"])
        elif isinstance(data, dict) and "detail" in data:
            # An error asked for as CSV: still one row per problem, never a 500.
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["index", "field", "message"])
            writer.writerow(["", "", data["detail"]])
            for e in data.get("errors") or []:
                writer.writerow(["" if e["index"] is None else e["index"], e["field"], e["message"]])
        return out.getvalue().encode(self.charset)
