"""Quarters, and the data window Decree 09/2019/NĐ-CP sets for periodic reports.

A quarter's figures run from the 15th of the month before the quarter to the
14th of its last month (Q1 = 15/12 of the year before – 14/03); a year's from
15/12 of the year before to 14/12.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

YEAR_MIN, YEAR_MAX = 2000, 2100
# Units report within this many days after the data window closes (Decree 09/2019 gives
# the provincial level until the 20th; we keep a little room for districts and communes).
SUBMISSION_GRACE_DAYS = 7


class Quarter(models.IntegerChoices):
    Q1 = 1, _("Quý I")
    Q2 = 2, _("Quý II")
    Q3 = 3, _("Quý III")
    Q4 = 4, _("Quý IV")


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int

    @property
    def calendar_start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def calendar_end(self) -> datetime.date:
        if self.quarter == 4:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, 3 * self.quarter + 1, 1) - datetime.timedelta(days=1)

    @property
    def window_start(self) -> datetime.date:
        """15th of the month before the quarter (Q1: 15/12 of the previous year)."""
        month = 3 * self.quarter - 3
        return datetime.date(self.year - 1, 12, 15) if month == 0 else datetime.date(self.year, month, 15)

    @property
    def window_end(self) -> datetime.date:
        """14th of the quarter's last month."""
        return datetime.date(self.year, 3 * self.quarter, 14)

    @property
    def due_date(self) -> datetime.date:
        return self.window_end + datetime.timedelta(days=SUBMISSION_GRACE_DAYS)

    @property
    def label(self) -> str:
        return f"{Quarter(self.quarter).label}/{self.year}"

    def previous(self) -> "Period":
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def next(self) -> "Period":
        return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)


def year_window(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year - 1, 12, 15), datetime.date(year, 12, 14)


def current_period(today: datetime.date | None = None) -> Period:
    """The quarter whose data window contains today."""
    today = today or datetime.date.today()
    if today >= datetime.date(today.year, 12, 15):
        return Period(today.year + 1, 1)
    for q in (1, 2, 3, 4):
        p = Period(today.year, q)
        if p.window_start <= today <= p.window_end:
            return p
    return Period(today.year, 4)


def unit_closed_message(unit, period: Period) -> str | None:
    """Why `unit` takes no data and no submission for `period` (closed before it, or not yet open), else None.

    The one test every path applies: values (indicators.services), the workflow's
    steps, the entry list and the form.
    """
    if unit.is_open_between(period.calendar_start, period.calendar_end):
        return None
    return _("Đơn vị «%(c)s» không hoạt động trong %(p)s (hiệu lực %(f)s – %(t)s).") % {
        "c": unit.code,
        "p": period.label,
        "f": unit.valid_from.strftime("%d/%m/%Y") if unit.valid_from else "…",
        "t": unit.valid_to.strftime("%d/%m/%Y") if unit.valid_to else "…",
    }
