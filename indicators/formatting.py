"""Figures in the Vietnamese way (2.213 · 85,93% · 221/262), whatever the request's language.

Reports and the API's `display` are official Vietnamese text, so they do not
follow the active locale; templates that should follow it use Django's
localisation instead.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import numberformat

NO_DATA = "—"


def round2(d: Decimal) -> Decimal:
    """Two decimals at most, trailing zeros dropped (99.00 → 99, 98.50 → 98.5)."""
    q = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return q.quantize(Decimal(1)) if q == q.to_integral_value() else q.normalize()


def number_vi(d: Decimal | int | None) -> str:
    if d is None:
        return NO_DATA
    d = round2(Decimal(d))
    places = max(0, -d.as_tuple().exponent)
    return numberformat.format(d, decimal_sep=",", decimal_pos=places, grouping=3, thousand_sep=".", force_grouping=True)


def percent_vi(d: Decimal | None) -> str:
    return NO_DATA if d is None else f"{number_vi(d)}%"


def ratio_vi(numerator: int | None, denominator: int | None) -> str:
    if numerator is None or denominator is None:
        return NO_DATA
    return f"{number_vi(numerator)}/{number_vi(denominator)}"


def plain(d: Decimal | None) -> str | None:
    """Machine form for JSON: '2213', '85.93' (no grouping, dot decimal)."""
    return None if d is None else format(round2(Decimal(d)), "f")
