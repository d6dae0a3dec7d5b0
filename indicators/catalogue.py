"""The indicator catalogue as a file (import_indicators / export_indicators) and its gaps by period.

Writing goes through `indicators.services.catalogue_load` (all or nothing); this
module reads: the rows of an export, and the indicators no open unit reports.
"""

import csv
import datetime
import io

from indicators.models import Indicator
from indicators.services import INDICATOR_COLUMNS
from organizations.models import OrgUnit

EXPORT_COLUMNS = [*INDICATOR_COLUMNS, "is_active"]


def catalogue_rows() -> list[dict[str, str]]:
    """Every indicator (active or not) in report order, as the text import_indicators reads back unchanged."""
    rows = []
    for i in Indicator.objects.in_report_order():
        row = {c: str(getattr(i, c)) for c in INDICATOR_COLUMNS if c != "group"}
        row["group"] = i.group.code
        row["is_active"] = "1" if i.is_active else "0"
        rows.append(row)
    return rows


def catalogue_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(catalogue_rows())
    return out.getvalue()


def indicators_without_reporter(start: datetime.date, end: datetime.date):
    """Active indicators that no unit open for a day of [start, end] reports (its kind is not in `reported_by`).

    A province that closed its districts finds here what nobody reports any more. Two queries.
    """
    kinds = set(OrgUnit.objects.active_between(start, end).order_by().values_list("kind", flat=True).distinct())
    orphans = [i.pk for i in Indicator.objects.active().only("pk", "reported_by") if not kinds & set(i.reported_by_kinds)]
    return Indicator.objects.filter(pk__in=orphans)
