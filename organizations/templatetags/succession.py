"""`{% unit_succession unit on_date %}`: the "thành lập từ … / đã sáp nhập vào …" line of a unit's pages."""

import datetime

from django import template

from organizations.succession import split_sources

register = template.Library()


@register.inclusion_tag("includes/succession.html")
def unit_succession(unit, on_date=None):
    """Predecessors and successors of `unit`, and any split that leaves no like-for-like comparison by `on_date`."""
    on_date = on_date or datetime.date.today()
    predecessors = list(unit.predecessors.all())
    successors = list(unit.successors.all())
    return {
        "unit": unit,
        "predecessors": predecessors,
        "successors": successors,
        "split_from": sorted(split_sources(unit, on_date), key=lambda u: u.code) if predecessors else [],
        "split_into": len(successors) > 1,
        "passed_on": unit.valid_to + datetime.timedelta(days=1) if unit.valid_to and successors else None,
    }
