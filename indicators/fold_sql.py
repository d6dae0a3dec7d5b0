"""The reads every fold, refresh and recheck of the aggregation rule makes, as SQL written once.

Through the ORM, building the pivot of quarters into columns (twelve filtered
aggregates) cost ~1.2 ms before the database saw it, and the statuses query
~0.4 ms: more than a province's pivot takes to run, and most of what a refresh
after one write pays. The statements here are the ones the ORM wrote (the same
joins, the same LIKE on the unit path that its index serves), built from the
models' metadata and the connection's own operators, so they hold on SQLite and
PostgreSQL alike. Which database answers is the router's choice, as for a queryset.

A fold also sums a hash of each cell it reads per (unit, year) — the cells'
digest — so that after a change the change log cannot describe (raw SQL, a
bulk update) a kept fold asks for the digests alone (one grouped pass, no pivot)
and folds again only the unit-years whose cells differ (`Rollup._rechecked_all`).
"""

import hashlib

from django.db import connections, router

from indicators.models import DataValue, Submission
from organizations.models import OrgUnit

_QUARTERS = (1, 2, 3, 4)
# `paths=EVERY_UNIT`: every unit's rows, without the join on the unit table (the caller drops the units it does
# not want as it reads). For a tree of nearly every unit the join costs more per row than those few rows do.
EVERY_UNIT = ("every unit",)
_CELL_FIELDS = ("value", "numerator", "denominator")


def _column(connection, model, field: str) -> str:
    qn = connection.ops.quote_name
    return f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(field).column)}"


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _scope(connection, model, *, units, paths) -> tuple[str, str, list]:
    """(join, condition, params): rows of the `units` named, else of every unit under one of `paths` (of any unit:
    `EVERY_UNIT`, no join and no condition)."""
    if units is None and paths is EVERY_UNIT:
        return "", "", []
    if units is not None:
        return "", f"{_column(connection, model, 'org_unit')} IN ({_placeholders(units)})", list(units)
    qn = connection.ops.quote_name
    unit_table = qn(OrgUnit._meta.db_table)
    join = f" INNER JOIN {unit_table} ON {_column(connection, model, 'org_unit')} = {_column(connection, OrgUnit, 'id')}"
    path = connection.ops.lookup_cast("startswith", "CharField") % _column(connection, OrgUnit, "path")
    like = connection.operators["startswith"] % "%s"
    condition = " OR ".join([f"{path} {like}"] * len(paths))
    return join, f"({condition})", [connection.ops.prep_for_like_query(p) + "%" for p in paths]


def _select(model, columns, *, units, paths, among: dict[str, list], group_by=(), group_first: int = 0) -> list[tuple]:
    """Rows of `columns(connection, column)` from `model`'s table: of the `units` or under the `paths`, with each
    field of `among` in its values, grouped by the fields of `group_by` (or by the first `group_first` columns,
    which may be expressions). Nothing is asked when a list is empty."""
    if (units is not None and not units) or not all(among.values()):
        return []
    connection = connections[router.db_for_read(model)]

    def column(field: str) -> str:
        return _column(connection, model, field)

    join, scope, params = _scope(connection, model, units=units, paths=paths)
    conditions = [scope] * bool(scope) + [f"{column(f)} IN ({_placeholders(values)})" for f, values in among.items()]
    sql = (
        f"SELECT {', '.join(columns(connection, column))} FROM {connection.ops.quote_name(model._meta.db_table)}{join}"
        f" WHERE {' AND '.join(conditions)}"
    )
    if group_by:
        sql += f" GROUP BY {', '.join(column(f) for f in group_by)}"
    elif group_first:
        sql += f" GROUP BY {', '.join(str(n) for n in range(1, group_first + 1))}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params + [v for values in among.values() for v in values])
        return cursor.fetchall()


_PIVOT_KEYS = ("indicator", "org_unit", "year")
# A cell's hash keeps 48 bits, so that the sum over a unit-year of any size stays within a bigint.
_HASH_BITS = 48


def _cell_hash(connection, column) -> str:
    """SQL of a 48-bit hash of one row's cell: its indicator, quarter, value, numerator and denominator.

    On PostgreSQL its own hash functions, nested (each seeds the next); they are strict, so every argument
    is coalesced (a ratio has no value). On SQLite `_row_hash` of the same columns.
    """
    parts = [column(f) for f in ("indicator", "quarter", *_CELL_FIELDS)]
    if connection.vendor == "postgresql":
        ind, quarter, value, num, den = parts
        seed = f"({ind}::bigint * 8 + {quarter})"
        inner = f"hashint8extended(COALESCE({num}, -1), hashint8extended(COALESCE({den}, -1), {seed}))"
        return f"(hash_numeric_extended(COALESCE({value}, -1), {inner}) & {(1 << _HASH_BITS) - 1})"
    return _row_hash(connection, parts)


def _summed_hashes(connection, column) -> str:
    # PostgreSQL sums bigints into a numeric; back to bigint, the driver gives an int rather than a Decimal.
    return f"CAST(SUM({_cell_hash(connection, column)}) AS BIGINT)"


def sqlite_row_hash(*values) -> int:
    """`_row_hash` for SQLite, in Python: a 48-bit hash of any row's values (the same stored row, the same number)."""
    return int.from_bytes(hashlib.blake2b(repr(values).encode(), digest_size=_HASH_BITS // 8).digest(), "big")


class _SqliteBucketSum:
    """`reform_bucket_sum` for SQLite: a sum modulo BUCKET_MODULUS (SQLite's SUM fails past 2⁶³)."""

    def __init__(self):
        self.total = 0

    def step(self, value):
        self.total += value

    def finalize(self):
        return self.total % BUCKET_MODULUS


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: SQLite learns the hashes this module asks for (PostgreSQL has its own)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("reform_row_hash", -1, sqlite_row_hash, deterministic=True)
        connection.connection.create_aggregate("reform_bucket_sum", 1, _SqliteBucketSum)
        connection.connection.create_function("reform_quarter_hash", 2, quarter_hash, deterministic=True)


def _row_hash(connection, columns: list[str]) -> str:
    """SQL of a 48-bit hash of a row's `columns`, NULL told apart from any value (∅ is in no code, path or date)."""
    if connection.vendor == "postgresql":
        text = ", ".join(f"COALESCE(CAST({c} AS text), '∅')" for c in columns)
        return f"(hashtextextended(concat_ws('|', {text}), 0) & {(1 << _HASH_BITS) - 1})"
    return f"reform_row_hash({', '.join(columns)})"


def row_digest_sql(model, fields) -> str:
    """SQL of a 48-bit hash of a row of `model`'s table over `fields` (for an ORM annotation on that table): what
    a kept result compares after a change the log cannot describe, instead of reading the rows themselves."""
    connection = connections[router.db_for_read(model)]
    return _row_hash(connection, [_column(connection, model, f) for f in fields])


def tree_digest(fields) -> tuple[int, int, int, int]:
    """(units, the sum of their hashes, succession edges, the sum of theirs) over every unit: what `UnitTree`
    reads of the tree (each unit's `fields`: where it sits, its code, kind and dates; whom it succeeded) in
    one query, so that a kept tree is checked against the table after a change the log cannot describe."""
    connection = connections[router.db_for_read(OrgUnit)]
    through = OrgUnit.predecessors.through
    units = [_column(connection, OrgUnit, f) for f in fields]
    edges = [_column(connection, through, f) for f in ("from_orgunit", "to_orgunit")]
    unit_table, edge_table = (connection.ops.quote_name(m._meta.db_table) for m in (OrgUnit, through))
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {unit_table}), (SELECT CAST(SUM({_row_hash(connection, units)}) AS BIGINT)"
        f" FROM {unit_table}), (SELECT COUNT(*) FROM {edge_table}),"
        f" (SELECT CAST(SUM({_row_hash(connection, edges)}) AS BIGINT) FROM {edge_table})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _pivot_columns(connection, column, digest: bool = False) -> list[str]:
    quarter = column("quarter")
    if connection.features.supports_aggregate_filter_clause:
        cells = [f"MAX({column(f)}) FILTER (WHERE {quarter} = {q})" for q in _QUARTERS for f in _CELL_FIELDS]
    else:
        cells = [f"MAX(CASE WHEN {quarter} = {q} THEN {column(f)} END)" for q in _QUARTERS for f in _CELL_FIELDS]
    hashed = [_summed_hashes(connection, column)] if digest else []
    return [column(f) for f in _PIVOT_KEYS] + cells + hashed


def pivot_rows(*, years, indicator_ids, units=None, paths=None, digest: bool = False):
    """(indicator id, unit id, year, then value, numerator, denominator of Q1, Q2, Q3, Q4) per indicator, unit and year.

    Values come as the driver gives them (Decimals on PostgreSQL, numbers on SQLite): the caller converts.
    `digest`: a 16th column, the sum of the row's cell hashes (`cell_digests` sums the same per unit-year).
    """
    among = {"indicator": list(indicator_ids), "year": list(years)}

    def columns(connection, column):
        return _pivot_columns(connection, column, digest)

    return _select(DataValue, columns, units=units, paths=paths, among=among, group_by=_PIVOT_KEYS)


def cell_digests(*, years, indicator_ids, units=None, paths=None) -> dict[tuple[int, int], int]:
    """(unit id, year) → the sum of its cells' hashes, for the same rows `pivot_rows` reads (one query)."""
    among = {"indicator": list(indicator_ids), "year": list(years)}

    def columns(connection, column):
        return [column("org_unit"), column("year"), _summed_hashes(connection, column)]

    rows = _select(DataValue, columns, units=units, paths=paths, among=among, group_by=("org_unit", "year"))
    return {(u, y): int(total) for u, y, total in rows}


# A recheck's first pass sums the cell hashes per year and range of this many unit ids (`bucket_digests`), modulo
# BUCKET_MODULUS, a bigint on both databases however many rows a range holds.
BUCKET_WIDTH = 256
BUCKET_MODULUS = 1 << 62


def _range_of(column, width: int) -> str:
    """SQL of a row's range of unit ids, unit id // `width` (integer division on both databases)."""
    return f"({column('org_unit')} / {int(width)})"


def bucket_digests(*, years, indicator_ids, width: int, units=None, paths=None) -> dict[tuple[int, int], int]:
    """(year, unit id // `width`) → the sum modulo BUCKET_MODULUS of the cell hashes of its units' rows.

    What `cell_digests` says summed over ranges of unit ids: a few hundred numbers for a nation's units, so a
    recheck compares those and asks for the unit-years of a range only where its sum differs. Grouping a
    nation's two years by unit and year took 0.65–1 s at 10 M values; by ranges about half that.
    """
    among = {"indicator": list(indicator_ids), "year": list(years)}

    def columns(connection, column):
        bucket = _range_of(column, width)
        if connection.vendor == "postgresql":
            total = f"CAST(MOD(SUM({_cell_hash(connection, column)}), {BUCKET_MODULUS}) AS BIGINT)"
        else:
            total = f"reform_bucket_sum({_cell_hash(connection, column)})"
        return [column("year"), bucket, total]

    rows = _select(DataValue, columns, units=units, paths=paths, among=among, group_first=2)
    return {(y, b): int(total) for y, b, total in rows}


_QUARTER_PRIME = 2_147_483_647  # 2³¹ − 1: every product below stays within a bigint
_QUARTER_MIX = 48_271


def quarter_hash(unit: int, quarter: int) -> int:
    """A 31-bit hash of one unit's quarter, as `bucket_quarters` sums it in SQL: what a kept layer's quarters sum
    to per range of unit ids (`_Quarters.bucket_sums`). Cubed, so that a few quarters moved between units do not
    cancel in the sum as they would under a linear hash."""
    t = (unit * 4 + quarter - 1) % _QUARTER_PRIME * _QUARTER_MIX % _QUARTER_PRIME + 1
    return t * t % _QUARTER_PRIME * t % _QUARTER_PRIME


def _quarter_hash_sql(connection, column) -> str:
    if connection.vendor != "postgresql":
        return f"reform_quarter_hash({column('org_unit')}, {column('quarter')})"
    p = _QUARTER_PRIME
    t = f"(MOD(MOD({column('org_unit')} * 4 + {column('quarter')} - 1, {p}) * {_QUARTER_MIX}, {p}) + 1)"
    return f"MOD(MOD({t} * {t}, {p}) * {t}, {p})"


def bucket_quarters(*, years, statuses, width: int, units=None, paths=None) -> dict[tuple[int, int], int]:
    """(year, unit id // `width`) → the sum of `quarter_hash` over its units' quarters whose submission has one of
    `statuses`: `quarter_bits` in a few hundred numbers, for the first pass of a recheck (as `bucket_digests`)."""

    def columns(connection, column):
        return [column("year"), _range_of(column, width), f"SUM({_quarter_hash_sql(connection, column)})"]

    rows = _submissions(columns, years=years, statuses=statuses, units=units, paths=paths, group_first=2)
    return {(y, b): int(total) for y, b, total in rows}


def _submissions(columns, *, years, statuses, units, paths, **grouping) -> list[tuple]:
    """`_select` of the submissions of `years` whose status is one of `statuses`."""
    among = {"status": [str(s) for s in statuses], "year": list(years)}
    return _select(Submission, columns, units=units, paths=paths, among=among, **grouping)


def quarters_with(*, years, statuses, units=None, paths=None) -> list[tuple[int, int, int]]:
    """(unit id, year, quarter) whose submission has one of `statuses`, of the `units` or under the `paths`."""

    def columns(_connection, column):
        return [column(f) for f in ("org_unit", "year", "quarter")]

    return _submissions(columns, years=years, statuses=statuses, units=units, paths=paths)


def quarter_bits(*, years, statuses, units=None, paths=None) -> dict[tuple[int, int], int]:
    """(unit id, year) → its quarters whose submission has one of `statuses`, as bits (Q1 = 1 … Q4 = 8): what
    `quarters_with` says, grouped in SQL so that a recheck compares a few thousand numbers, not quarters."""

    def columns(_connection, column):
        quarter = column("quarter")
        bit = f"CASE {quarter} {' '.join(f'WHEN {q} THEN {1 << (q - 1)}' for q in _QUARTERS)} END"
        return [column("org_unit"), column("year"), f"SUM({bit})"]

    rows = _submissions(columns, years=years, statuses=statuses, units=units, paths=paths, group_by=("org_unit", "year"))
    return {(u, y): int(b) for u, y, b in rows}
