"""Data-quality warnings: contradictions worth a second look, which never block a save or a submission.

The seed report itself prints 150,000 leaflets in one version of a paragraph and
30,000 in another; checks like these catch that kind of slip while the clerk
still has the source document at hand:

- a flow (summed over quarters) far from the unit's own previous quarters;
- a stock (last quarter counts) that goes down;
- a percent, or a ratio's rate, that jumps by many points; a ratio whose denominator changes.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from indicators.models import DataValue, Indicator, TimeAggregation, ValueType
from indicators.periods import Period

# A flow this many times above or below the unit's recent average is worth a look.
FLOW_FACTOR = Decimal(3)
# ... unless the difference is tiny (3 sessions instead of 1 is not a contradiction).
FLOW_MIN_DIFFERENCE = Decimal(10)
# A percent (or a ratio's rate) moving this many points in one quarter is worth a look.
PERCENT_JUMP = Decimal(20)
# How many previous quarters make a unit's own baseline.
BASELINE_QUARTERS = 4


@dataclass(frozen=True)
class QualityWarning:
    indicator: str
    message: str


def _num(d) -> str:
    from indicators.entry import number_display

    return number_display(d)


def _rate(cell: dict) -> Decimal | None:
    num, den = cell.get("numerator"), cell.get("denominator")
    if num is None or not den:
        return None
    return Decimal(100) * Decimal(num) / Decimal(den)


def previous_periods(period: Period, n: int = BASELINE_QUARTERS) -> list[Period]:
    out, p = [], period
    for _i in range(n):
        p = p.previous()
        out.append(p)
    return out


def quality_warnings(*, unit, period: Period, cells: dict[str, dict], indicators: list[Indicator]) -> list[QualityWarning]:
    """Warnings for `cells` (indicator code → {value, numerator, denominator}) of `unit` in `period`,
    against the unit's own values of the previous quarters. One query."""
    if not cells:
        return []
    wanted = [i for i in indicators if i.code in cells]
    history_periods = previous_periods(period)
    q = Q(pk__in=[])
    for p in history_periods:
        q |= Q(year=p.year, quarter=p.quarter)
    history: dict[int, dict[Period, DataValue]] = {}
    for v in DataValue.objects.filter(org_unit=unit, indicator__in=wanted).filter(q):
        history.setdefault(v.indicator_id, {})[Period(v.year, v.quarter)] = v
    warnings = []
    for ind in wanted:
        cell = cells[ind.code]
        past = [history.get(ind.pk, {}).get(p) for p in history_periods]  # newest first
        past = [(p, v) for p, v in zip(history_periods, past, strict=True) if v is not None]
        if not past:
            continue
        message = _check(ind, cell, past)
        if message:
            warnings.append(QualityWarning(ind.code, message))
    return warnings


def _check(ind: Indicator, cell: dict, past: list[tuple[Period, DataValue]]) -> str | None:
    last_period, last = past[0]
    if ind.value_type == ValueType.RATIO:
        rate, last_rate = _rate(cell), _rate(last.as_cell())
        if cell.get("denominator") is not None and last.denominator is not None and cell["denominator"] != last.denominator:
            return _("Mẫu số đổi từ %(a)s (%(p)s) thành %(b)s. Kiểm tra lại nếu tổng số không thay đổi.") % {
                "a": _num(last.denominator),
                "p": last_period.label,
                "b": _num(cell["denominator"]),
            }
        if rate is not None and last_rate is not None and abs(rate - last_rate) >= PERCENT_JUMP:
            return _("Tỷ lệ đổi từ %(a)s%% (%(p)s) thành %(b)s%%, chênh %(d)s điểm phần trăm.") % {
                "a": _num(last_rate),
                "p": last_period.label,
                "b": _num(rate),
                "d": _num(abs(rate - last_rate)),
            }
        return None
    value = cell.get("value")
    if value is None:
        return None
    value = Decimal(value)
    if ind.value_type == ValueType.PERCENT:
        if abs(value - last.value) >= PERCENT_JUMP:
            return _("Tỷ lệ đổi từ %(a)s%% (%(p)s) thành %(b)s%%, chênh %(d)s điểm phần trăm.") % {
                "a": _num(last.value),
                "p": last_period.label,
                "b": _num(value),
                "d": _num(abs(value - last.value)),
            }
        return None
    if ind.time_aggregation == TimeAggregation.LAST:
        if value < last.value:
            return _(
                "Số lũy kế giảm từ %(a)s (%(p)s) xuống %(b)s. Chỉ tiêu này thường không giảm: kiểm tra lại hoặc ghi chú lý do."
            ) % {"a": _num(last.value), "p": last_period.label, "b": _num(value)}
        return None
    # A flow: compare with the unit's own average of the previous quarters.
    mean = sum((v.value for _p, v in past), Decimal(0)) / len(past)
    if mean <= 0 or abs(value - mean) < FLOW_MIN_DIFFERENCE:
        return None
    if value >= FLOW_FACTOR * mean:
        return _("Cao gấp %(x)s lần mức trung bình %(n)s quý trước (%(m)s). Kiểm tra lại số liệu.") % {
            "x": _num(value / mean),
            "n": len(past),
            "m": _num(mean),
        }
    if value * FLOW_FACTOR <= mean:
        return _("Chỉ bằng %(x)s%% mức trung bình %(n)s quý trước (%(m)s). Kiểm tra lại số liệu.") % {
            "x": _num(Decimal(100) * value / mean),
            "n": len(past),
            "m": _num(mean),
        }
    return None
