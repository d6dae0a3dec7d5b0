"""The rules a cell's figures follow, by value type, and the reading of numbers as people type them.

One description, used three ways: `values_save` checks every row of every channel with `cell_clean`;
the entry form checks the whole form with it in one pass, echoing what the user typed; and the page
hands `browser_rules()` to entry.js (a JSON script element), which checks each cell as the user leaves it
against the same bounds and with the same messages, instead of a second copy of the rules in JavaScript.

Numbers typed on the form follow the active language: in Vietnamese "." groups thousands and ","
starts the decimals (1.741 · 85,93), in English the reverse (1,741 · 85.93). Grouping must be regular
(groups of three), so "2.5" on the Vietnamese form is refused with a hint rather than read as 25 or 2,5.
Files and the API use plain machine numbers (1741, 85.93) and never go through `parse_typed`.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext as _

from indicators.models import ValueType
from reform_portal.tabular import RowError

# Whole numbers are stored as 64-bit integers; larger input is invalid, not a database error.
WHOLE_MAX = 2**63 - 1
COUNT_LIMIT = Decimal(10) ** 14  # a count's value is below this (the column's precision)
PERCENT_PLACES = 2


class Unreadable(str):
    """Text a user typed that is not a number in the page's language; kept to be echoed in the message."""


def to_decimal(v) -> Decimal | None:
    """A machine number (int, Decimal, float or text such as "1741" or "85.93"), else None."""
    if isinstance(v, (bool, Unreadable)):
        return None
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    if isinstance(v, float):
        d = Decimal(repr(v))
        return d if d.is_finite() else None
    try:
        d = Decimal(str(v).strip().replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def to_whole(v) -> int | None:
    d = to_decimal(v)
    if d is None or abs(d) > WHOLE_MAX or d != d.to_integral_value():
        return None
    return int(d)


def _separators() -> tuple[str, str]:
    return formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")


def parse_typed(text: str, *, percent: bool = False) -> Decimal | Unreadable | None:
    """What a user typed on the form, read the active language's way: None if blank, Unreadable if not a number.

    Spaces may group thousands too ("1 741"); a percent may end with "%"; "−" is a minus sign.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    s = raw.replace("\u2212", "-").replace("\u00a0", " ").replace("\u202f", " ")
    if percent and s.endswith("%"):
        s = s[:-1].rstrip()
    decimal, group = _separators()
    grouped = rf"\d{{1,3}}(?:{re.escape(group)}\d{{3}})+|\d{{1,3}}(?: \d{{3}})+"
    m = re.fullmatch(rf"([+-]?)(\d+|{grouped})(?:{re.escape(decimal)}(\d+))?", s)
    if not m:
        return Unreadable(raw)
    sign, whole, fraction = m.groups()
    digits = re.sub(r"\D", "", whole)
    return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")


def _shown(v, typed: str | None) -> str:
    return typed if typed else str(v)


def cell_messages() -> dict[str, str]:
    """Every message a cell can get, by key; `%(v)s` is what was typed, `%(a)s`/`%(b)s` numerator/denominator."""
    from indicators.services import NOTE_MAX

    return {
        "note_long": _("Ghi chú dài quá %(n)s ký tự.") % {"n": NOTE_MAX},
        "ratio_value": _("Chỉ tiêu «%(c)s» là tỷ số: nhập tử số và mẫu số, không nhập giá trị."),
        "not_ratio": _("Chỉ tiêu «%(c)s» không phải tỷ số: chỉ nhập giá trị."),
        "count": _("Giá trị phải là số nguyên không âm (nhận được «%(v)s»)."),
        "count_big": _("Giá trị quá lớn."),
        "percent": _("Tỷ lệ phải là số từ 0 đến 100 (nhận được «%(v)s»)."),
        "percent_places": _("Tỷ lệ có nhiều nhất 2 chữ số thập phân."),
        "numerator": _("Tử số phải là số nguyên không âm."),
        "denominator": _("Mẫu số phải là số nguyên lớn hơn 0."),
        "ratio_order": _("Tử số (%(a)s) không được lớn hơn mẫu số (%(b)s)."),
        # What was typed is not a number the page's way: show how to write one, by kind of cell.
        "unreadable_whole": _("«%(v)s» không phải là số nguyên. Viết như %(e)s.")
        % {"v": "%(v)s", "e": formats.number_format(1741, force_grouping=True)},
        "unreadable_percent": _("«%(v)s» không phải là số. Viết như %(e)s.")
        % {"v": "%(v)s", "e": formats.number_format(Decimal("85.93"), decimal_pos=2)},
    }


def cell_clean(
    *,
    indicator,
    value=None,
    numerator=None,
    denominator=None,
    note: str = "",
    row: int | None = None,
    errors: list[RowError],
    typed: dict[str, str] | None = None,
) -> dict | None:
    """The cell's typed content ({value, numerator, denominator, note}), or None to clear it.

    Appends every problem of the cell to `errors` (Vietnamese, or the active language). `typed` holds what
    the user wrote per field ("2,5"), so that messages echo it rather than the number it was read as.
    """
    from indicators.services import NOTE_MAX

    typed = typed or {}
    msg = cell_messages()
    n = row
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        errors.append(RowError(n, "note", msg["note_long"]))

    def unreadable(field, v) -> bool:
        if isinstance(v, Unreadable):
            key = "unreadable_percent" if indicator.value_type == ValueType.PERCENT else "unreadable_whole"
            errors.append(RowError(n, field, msg[key] % {"v": v}))
            return True
        return False

    if indicator.value_type == ValueType.RATIO:
        if not _blank(value):
            errors.append(RowError(n, "value", msg["ratio_value"] % {"c": indicator.code}))
            return None
        if _blank(numerator) and _blank(denominator):
            return {"value": None, "numerator": None, "denominator": None, "note": note} if note else None
        num, den = to_whole(numerator), to_whole(denominator)
        bad = False
        if not unreadable("numerator", numerator) and (_blank(numerator) or num is None or num < 0):
            errors.append(RowError(n, "numerator", msg["numerator"]))
            bad = True
        if not unreadable("denominator", denominator) and (_blank(denominator) or den is None or den < 1):
            errors.append(RowError(n, "denominator", msg["denominator"]))
            bad = True
        if num is None or den is None:
            bad = True
        if not bad and num > den:
            a, b = _shown(num, typed.get("numerator")), _shown(den, typed.get("denominator"))
            errors.append(RowError(n, "numerator", msg["ratio_order"] % {"a": a, "b": b}))
            bad = True
        return None if bad else {"value": None, "numerator": num, "denominator": den, "note": note}

    if not _blank(numerator) or not _blank(denominator):
        errors.append(RowError(n, "numerator", msg["not_ratio"] % {"c": indicator.code}))
        return None
    if _blank(value):
        return {"value": None, "numerator": None, "denominator": None, "note": note} if note else None
    if unreadable("value", value):
        return None
    d = to_decimal(value)
    shown = _shown(value, typed.get("value"))
    if indicator.value_type == ValueType.COUNT:
        if d is None or d != d.to_integral_value() or d < 0:
            errors.append(RowError(n, "value", msg["count"] % {"v": shown}))
            return None
        if d >= COUNT_LIMIT:
            errors.append(RowError(n, "value", msg["count_big"]))
            return None
        return {"value": d.quantize(Decimal(1)), "numerator": None, "denominator": None, "note": note}
    # percent
    if d is None or d < 0 or d > 100:
        errors.append(RowError(n, "value", msg["percent"] % {"v": shown}))
        return None
    if d != d.quantize(Decimal("0.01")):
        errors.append(RowError(n, "value", msg["percent_places"]))
        return None
    return {"value": d.quantize(Decimal("0.01")), "numerator": None, "denominator": None, "note": note}


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def browser_rules(indicators) -> dict:
    """The rules above as data for entry.js: number format, bounds per value type, messages, each indicator's type."""
    from indicators.services import NOTE_MAX

    decimal, group = _separators()
    return {
        "number": {"decimal": decimal, "group": group},
        "types": {
            ValueType.COUNT: {"whole": True, "min": 0, "below": int(COUNT_LIMIT)},
            ValueType.PERCENT: {"min": 0, "max": 100, "places": PERCENT_PLACES, "suffix": "%"},
            ValueType.RATIO: {"numerator": {"whole": True, "min": 0}, "denominator": {"whole": True, "min": 1}},
        },
        "note_max": NOTE_MAX,
        "note_long": cell_messages()["note_long"],
        "messages": cell_messages(),
        "indicators": {i.code: i.value_type for i in indicators},
    }
