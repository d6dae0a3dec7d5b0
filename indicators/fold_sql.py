"""The two reads every fold and every refresh of the aggregation rule makes, as SQL written once.

Through the ORM, building the pivot of quarters into columns (twelve filtered
aggregates) cost ~1.2 ms before the database saw it, and the statuses query
~0.4 ms: more than a province's pivot takes to run, and most of what a refresh
after one write pays. The statements here are the ones the ORM wrote (the same
joins, the same LIKE on the unit path that its index serves), built from the
models' metadata and the connection's own operators, so they hold on SQLite and
PostgreSQL alike. Which database answers is the router's choice, as for a queryset.
"""

from django.db import connections, router

from indicators.models import DataValue, Submission
from organizations.models import OrgUnit

_QUARTERS = (1, 2, 3, 4)
_CELL_FIELDS = ("value", "numerator", "denominator")


def _column(connection, model, field: str) -> str:
    qn = connection.ops.quote_name
    return f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(field).column)}"


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _scope(connection, model, *, units, paths) -> tuple[str, str, list]:
    """(join, condition, params): rows of the `units` named, else of every unit under one of `paths`."""
    if units is not None:
        return "", f"{_column(connection, model, 'org_unit')} IN ({_placeholders(units)})", list(units)
    qn = connection.ops.quote_name
    unit_table = qn(OrgUnit._meta.db_table)
    join = f" INNER JOIN {unit_table} ON {_column(connection, model, 'org_unit')} = {_column(connection, OrgUnit, 'id')}"
    path = connection.ops.lookup_cast("startswith", "CharField") % _column(connection, OrgUnit, "path")
    like = connection.operators["startswith"] % "%s"
    condition = " OR ".join([f"{path} {like}"] * len(paths))
    return join, f"({condition})", [connection.ops.prep_for_like_query(p) + "%" for p in paths]


def pivot_rows(*, years, indicator_ids, units=None, paths=None):
    """(indicator id, unit id, year, then value, numerator, denominator of Q1, Q2, Q3, Q4) per indicator, unit and year.

    Values come as the driver gives them (Decimals on PostgreSQL, numbers on SQLite): the caller converts.
    """
    years, indicator_ids = list(years), list(indicator_ids)
    if not years or not indicator_ids or (units is not None and not units):
        return []
    connection = connections[router.db_for_read(DataValue)]
    quarter = _column(connection, DataValue, "quarter")
    if connection.features.supports_aggregate_filter_clause:
        cells = [
            f"MAX({_column(connection, DataValue, f)}) FILTER (WHERE {quarter} = {q})" for q in _QUARTERS for f in _CELL_FIELDS
        ]
    else:
        cells = [
            f"MAX(CASE WHEN {quarter} = {q} THEN {_column(connection, DataValue, f)} END)"
            for q in _QUARTERS
            for f in _CELL_FIELDS
        ]
    keys = [_column(connection, DataValue, f) for f in ("indicator", "org_unit", "year")]
    join, scope, params = _scope(connection, DataValue, units=units, paths=paths)
    sql = (
        f"SELECT {', '.join(keys + cells)} FROM {connection.ops.quote_name(DataValue._meta.db_table)}{join}"
        f" WHERE {scope} AND {keys[0]} IN ({_placeholders(indicator_ids)}) AND {keys[2]} IN ({_placeholders(years)})"
        f" GROUP BY {', '.join(keys)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + indicator_ids + years)
        return cursor.fetchall()


def quarters_with(*, years, statuses, units=None, paths=None) -> list[tuple[int, int, int]]:
    """(unit id, year, quarter) whose submission has one of `statuses`, of the `units` or under the `paths`."""
    years, statuses = list(years), list(statuses)
    if not years or not statuses or (units is not None and not units):
        return []
    connection = connections[router.db_for_read(Submission)]
    keys = [_column(connection, Submission, f) for f in ("org_unit", "year", "quarter")]
    join, scope, params = _scope(connection, Submission, units=units, paths=paths)
    sql = (
        f"SELECT {', '.join(keys)} FROM {connection.ops.quote_name(Submission._meta.db_table)}{join}"
        f" WHERE {scope} AND {_column(connection, Submission, 'status')} IN ({_placeholders(statuses)})"
        f" AND {keys[1]} IN ({_placeholders(years)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + [str(s) for s in statuses] + years)
        return cursor.fetchall()
