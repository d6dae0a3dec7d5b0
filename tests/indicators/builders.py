"""Small trees and values written the way users write them: through the services."""

from indicators.services import ValueRow, values_save
from organizations.models import OrgUnit
from organizations.services import org_units_import


def tree(*units: tuple[str, str, str], name_prefix: str = "Đơn vị") -> dict[str, OrgUnit]:
    """units: (code, parent code or "", kind). Returns the units by code."""
    rows = [{"code": c, "parent": p, "kind": k, "name_vi": f"{name_prefix} {c}", "valid_from": "2000-01-01"} for c, p, k in units]
    org_units_import(rows=rows)
    return {u.code: u for u in OrgUnit.objects.filter(code__in=[c for c, _p, _k in units])}


def put(*cells, approve: bool = True) -> None:
    """cells: (unit, indicator, year, quarter, value) or (..., (numerator, denominator)).

    Written as a history load (`import_values --approve`): the quarters come out approved, so the
    official figures include them. `approve=False` leaves them drafts, as a clerk's typing does.
    """
    rows = []
    for unit, indicator, year, quarter, v in cells:
        if isinstance(v, tuple):
            rows.append(ValueRow(unit, indicator, year, quarter, numerator=v[0], denominator=v[1]))
        else:
            rows.append(ValueRow(unit, indicator, year, quarter, value=v))
    values_save(rows=rows, approve=approve)
