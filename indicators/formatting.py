"""Figures as people read them, one format per language: vi 2.213 · 85,93% · 221/262; en 2,213 · 85.93% · 221/262.

`number`, `percent` and `ratio` follow the active language (the page's, the
document's, the chart's), so every figure of a page is written the same way.
The `_vi` forms are fixed Vietnamese, for machine-facing text that must not
change with the reader: the API's and the JSON export's `display`, and the
figures frozen when a report is published.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import numberformat
from django.utils.translation import get_language

NO_DATA = "—"
# (decimal separator, thousands separator) per language; Vietnamese is the default.
SEPARATORS = {"vi": (",", "."), "en": (".", ",")}


def language(lang: str | None = None) -> str:
    """'en' or 'vi': the given language, else the active one."""
    return "en" if (lang or get_language() or "vi").startswith("en") else "vi"


def round2(d: Decimal) -> Decimal:
    """Two decimals at most, trailing zeros dropped (99.00 → 99, 98.50 → 98.5)."""
    q = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return q.quantize(Decimal(1)) if q == q.to_integral_value() else q.normalize()


def number(d: Decimal | int | None, lang: str | None = None) -> str:
    if d is None:
        return NO_DATA
    d = round2(Decimal(d))
    places = max(0, -d.as_tuple().exponent)
    dec, thousands = SEPARATORS[language(lang)]
    return numberformat.format(d, decimal_sep=dec, decimal_pos=places, grouping=3, thousand_sep=thousands, force_grouping=True)


def percent(d: Decimal | None, lang: str | None = None) -> str:
    return NO_DATA if d is None else f"{number(d, lang)}%"


def ratio(numerator: int | None, denominator: int | None, lang: str | None = None) -> str:
    if numerator is None or denominator is None:
        return NO_DATA
    return f"{number(numerator, lang)}/{number(denominator, lang)}"


def number_vi(d: Decimal | int | None) -> str:
    return number(d, "vi")


def percent_vi(d: Decimal | None) -> str:
    return percent(d, "vi")


def ratio_vi(numerator: int | None, denominator: int | None) -> str:
    return ratio(numerator, denominator, "vi")


def plain(d: Decimal | None) -> str | None:
    """Machine form for JSON: '2213', '85.93' (no grouping, dot decimal)."""
    return None if d is None else format(round2(Decimal(d)), "f")
