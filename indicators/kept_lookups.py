"""A unit by its code and the indicator catalogue, read once per data version (`figure_cache.kept`).

Every figure request names a unit and some indicators. Reading them is two queries that cost more
than a warm answer from the kept figures, so here they are kept as the figures are. A clerk's save
leaves them as they are. A rename or a change to the tree or the catalogue reads them again, so a
reader never sees an old name or kind. What a caller may see is still checked on each request
(`organizations.access`).
"""

from indicators import figure_cache
from indicators.models import Indicator
from organizations.models import OrgUnit


def _unless_renamed(old, cells):
    # Values and submissions written: the same rows. Names changed: read again (a change to the tree or the
    # catalogue never gets here: it is logged as such, and `kept` builds anew).
    return None if cells.relabelled else old


def unit_by_code(code: str) -> OrgUnit | None:
    """The unit with this code, as stored at the current data version (None: no such unit)."""
    return figure_cache.kept(
        "unit-by-code",
        (code,),
        lambda: OrgUnit.objects.filter(code=code).first(),
        weight=lambda _u: 1,
        refresh=_unless_renamed,
    )


def catalogue() -> list[Indicator]:
    """Every indicator (active or not) in report order, with its group. Callers must not change the instances."""
    return figure_cache.kept(
        "catalogue",
        (),
        lambda: list(Indicator.objects.in_report_order()),
        refresh=_unless_renamed,
    )
