"""Imports of values at database speed, on PostgreSQL: the file streamed into a staging table, checked and written in SQL.

`indicators.services.values_import` calls `import_file` when the database is PostgreSQL (the
`import_values` command and the form upload alike); on SQLite it keeps the row path
(`values_save`). Both give the same errors with the same row numbers, in the same order, with
the same words (`indicators.value_messages`, `indicators.cells.cell_messages`), and both write
all or nothing. What happens, in the caller's transaction:

1. Rows are read one at a time (`reform_portal.tabular.iter_rows`) and sent to a temporary
   table by COPY, BATCH_ROWS at a time. Python does only what must match the row path
   character for character: ValueRow's clean-up (control characters, codes trimmed) and the
   reading of numbers and days (`cells.to_decimal`, `cells.to_whole`, the as-of formats).
   Numbers too large or too long for PostgreSQL's numeric are replaced by stand-ins that
   compare the same way against every bound the rules use (`_for_sql`).
2. One CREATE TABLE … AS joins units and indicators and decides, for every row, which checks
   it reached (a row unknown, closed or repeated gets no cell checks, as in values_validate)
   and which cell rules it breaks; one query lists the errors, the first
   `value_messages.ERRORS_PER_FIELD` of each column plus how many more (a window count), so a
   million bad rows cost a few hundred messages.
3. Permissions are decided per distinct unit, then the quarters' submissions are created if
   missing and locked (SELECT … FOR UPDATE in primary-key order, as `services.quarters_lock`
   does, so an approval waits for the import or the import sees it), and checked again.
4. Versions (a `version` column) are compared; then one plan table says, per cell, created,
   updated, cleared or unchanged, and five statements write: the audit rows (INSERT … SELECT),
   the deletions, the updates, the new cells (INSERT … SELECT), the approval on import.
   `data_changed()` is called, with the (unit, year) cells written, because raw SQL sends no signals.

The SaveResult has the counts but no `values` list: a million DataValue objects is what this
path exists to avoid.
"""

import csv
import io
import re
from decimal import ROUND_DOWN, Context, Decimal

from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone

from indicators import log_hints, value_messages
from indicators.cells import WHOLE_MAX, cell_messages, to_decimal, to_whole
from indicators.models import Channel, DataValue, SubmissionStatus
from indicators.periods import YEAR_MAX, YEAR_MIN, Period
from indicators.services import FORBIDDEN_CHARS, ValueRow, _to_date
from organizations.data_version import MAX_LOGGED_CELLS, data_changed
from organizations.models import OrgUnit, UnitKind
from reform_portal.tabular import LINE, RowError, RowsInvalid

BATCH_ROWS = 10_000  # rows per COPY: a megabyte or so of text in memory
LOG_BATCH = 20_000  # cells per question to the activity log's provider

STAGE_COLUMNS = (
    "line",
    "org_unit",
    "indicator",
    "year_raw",
    "quarter_raw",
    "year",
    "quarter",
    "value_raw",
    "value",
    "numerator_raw",
    "numerator",
    "denominator_raw",
    "denominator",
    "note",
    "as_of_raw",
    "as_of",
    "version",
    "bad_text",
)

_WIDE = Context(prec=200)
# Stand-ins for numbers beyond numeric's reach: |x| ≥ 1e25 is over every bound a rule uses
# (100, 1e14, 2^63), and digits after the 20th decimal only matter as "not whole, not 2 places".
_HUGE = Decimal("1e25")
_FINE = Decimal("1e-20")
_FINER = Decimal("1e-21")


def _for_sql(d: Decimal) -> str:
    """`d` as numeric text, or a stand-in on the same side of 0, 1, 100, 1e14 and 2^63, whole iff `d` is."""
    if d.is_zero():
        return "0"
    if d.adjusted() >= 25:
        whole = d == d.to_integral_value()
        return str((_HUGE if whole else _HUGE + Decimal("0.5")).copy_sign(d))
    cut = d.quantize(_FINE, rounding=ROUND_DOWN, context=_WIDE)
    if cut != d:
        # More than 20 decimals: keep the first 20 and one more digit, away from the cut.
        return str(_WIDE.add(cut, _FINER.copy_sign(d)))
    return str(d)


def _number(text: str) -> str | None:
    d = to_decimal(text)
    return None if d is None else _for_sql(d)


# Text that PostgreSQL reads as the same number Decimal does: no need to build one.
_PLAIN_NUMBER = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,20})?")
_PLAIN_WHOLE = re.compile(r"[0-9]{1,9}")
_plain_number = _PLAIN_NUMBER.fullmatch
_plain_whole = _PLAIN_WHOLE.fullmatch
_forbidden = FORBIDDEN_CHARS.search


def _stage_fields(d: dict) -> tuple:
    """One row of tabular.iter_rows (text, trimmed) as the staging table's columns, read as ValueRow and the cell rules read it.

    The hot loop of an import: a few microseconds a row, so the common row takes no Decimal, no
    ValueRow and no regex beyond two; anything unusual goes the row path's own way.
    """
    get = d.get
    org_unit, indicator, year, quarter = get("org_unit", ""), get("indicator", ""), get("year", ""), get("quarter", "")
    value, numerator, denominator, note = get("value", ""), get("numerator", ""), get("denominator", ""), get("note", "")
    bad = ""
    if _forbidden(org_unit + indicator + year + quarter + value + numerator + denominator + note):
        # Rare: let ValueRow replace the characters and name the fields, exactly as the row path does.
        r = ValueRow.from_mapping(d, row=d[LINE])
        org_unit, indicator = r.org_unit, r.indicator
        year, quarter, value, numerator, denominator, note = (
            str(v or "").strip() for v in (r.year, r.quarter, r.value, r.numerator, r.denominator, r.note)
        )
        bad = ",".join(r.bad_text)
    as_of_raw = get("as_of", "").replace("\x00", "\ufffd")  # not a ValueRow text field, but PostgreSQL takes no NUL
    as_of = _to_date(as_of_raw) if as_of_raw else None
    version = get("version")
    # ValueRow.from_mapping's reading: 0 is a real version, anything not digits is none.
    version = int(version) if version and version.isdecimal() else None
    return (
        d[LINE],
        org_unit,
        indicator,
        year,
        quarter,
        year if _plain_whole(year) else to_whole(year),
        quarter if _plain_whole(quarter) else to_whole(quarter),
        value,
        (value if _plain_number(value) else _number(value)) if value else None,
        numerator,
        (numerator if _plain_number(numerator) else _number(numerator)) if numerator else None,
        denominator,
        (denominator if _plain_number(denominator) else _number(denominator)) if denominator else None,
        note,
        as_of_raw,
        as_of.isoformat() if as_of else None,
        None if version is None else min(version, WHOLE_MAX),
        bad,
    )


def _stage(cursor, table) -> int:
    cursor.execute("DROP TABLE IF EXISTS import_stage, import_rows, import_log, import_plan")
    cursor.execute(
        """
        CREATE TEMP TABLE import_stage (
            line integer, org_unit text, indicator text, year_raw text, quarter_raw text, year bigint, quarter bigint,
            value_raw text, value numeric, numerator_raw text, numerator numeric, denominator_raw text,
            denominator numeric, note text, as_of_raw text, as_of date, version bigint, bad_text text
        ) ON COMMIT DROP
        """
    )
    # CSV: the csv module quotes what needs it; an unquoted empty field is NULL except in the text columns.
    texts = ", ".join(c for c in STAGE_COLUMNS if c.endswith("_raw") or c in ("org_unit", "indicator", "note", "bad_text"))
    copy = f"COPY import_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({texts}))"
    buf, n, total = io.StringIO(), 0, 0
    writer = csv.writer(buf, lineterminator="\n")
    for d in table:
        writer.writerow(_stage_fields(d))
        n += 1
        if n == BATCH_ROWS:
            buf.seek(0)
            cursor.copy_expert(copy, buf)
            total += n
            buf, n = io.StringIO(), 0
            writer = csv.writer(buf, lineterminator="\n")
    if n:
        buf.seek(0)
        cursor.copy_expert(copy, buf)
        total += n
    return total


# Every row with what it joined to and how far it got. `admitted`: known, active, reported by the
# unit's kind, the unit open in the quarter. `checked`: admitted and the first row of its cell
# (values_validate's `checked`). `cell_errors`: the cell rules it breaks, in cell_clean's order.
CLASSIFY = """
CREATE TEMP TABLE import_rows ON COMMIT DROP AS
WITH repeated AS (
    -- Cells given more than once, and their first line (a hash aggregate, not a sort of every row). Whether a
    -- row is admitted depends on its unit, indicator, year and quarter only, so all rows of a cell share it.
    SELECT org_unit, indicator, year, quarter, min(line) AS first_line
    FROM import_stage GROUP BY org_unit, indicator, year, quarter HAVING count(*) > 1
), periods AS (
    -- Each quarter's calendar and its data window, once per quarter rather than once per row.
    SELECT y::bigint AS year, q::bigint AS quarter, make_date(y, q * 3 - 2, 1) AS q_start,
           (make_date(y, q * 3 - 2, 1) + interval '3 months - 1 day')::date AS q_end,
           CASE WHEN q = 1 THEN make_date(y - 1, 12, 15) ELSE make_date(y, q * 3 - 3, 15) END AS window_start
    FROM generate_series(%(ymin)s, %(ymax)s) AS y, generate_series(1, 4) AS q
), p AS (
    SELECT s.*, coalesce(repeated.first_line, s.line) AS first_line, u.id AS unit_id, u.kind, u.valid_from, u.valid_to,
           i.id AS indicator_id, i.value_type, i.is_active, u.kind = ANY (i.kinds) AS reported,
           periods.q_start, periods.q_end, periods.window_start,
           (u.id IS NOT NULL AND i.id IS NOT NULL AND periods.year IS NOT NULL) AS known
    FROM import_stage s
    LEFT JOIN repeated USING (org_unit, indicator, year, quarter)
    LEFT JOIN periods ON periods.year = s.year AND periods.quarter = s.quarter
    LEFT JOIN organizations_orgunit u ON u.code = s.org_unit
    LEFT JOIN (
        SELECT id, code, value_type, is_active, string_to_array(reported_by, ',') AS kinds FROM indicators_indicator
    ) i ON i.code = s.indicator
    OFFSET 0  -- a fence: each level's expressions are computed once per row, not again where the next level uses them
), q AS (
    SELECT p.*,
           CASE WHEN NOT known THEN NULL
                WHEN NOT is_active THEN 'indicator/inactive'
                WHEN NOT reported THEN 'indicator/kind'
                WHEN NOT ((valid_from IS NULL OR valid_from <= q_end) AND (valid_to IS NULL OR valid_to >= q_start))
                    THEN 'org_unit/closed' END AS refused
    FROM p OFFSET 0
), w AS (
    SELECT q.*, (known AND refused IS NULL) AS admitted,
           value_type = 'ratio' AS ratio,
           (numerator IS NOT NULL AND numerator = trunc(numerator) AND abs(numerator) <= %(whole_max)s) AS num_whole,
           (denominator IS NOT NULL AND denominator = trunc(denominator) AND abs(denominator) <= %(whole_max)s) AS den_whole
    FROM q OFFSET 0
), c AS (
    SELECT w.*, (admitted AND line = first_line) AS checked,
           (numerator_raw = '' AND denominator_raw = '') AS pair_blank
    FROM w OFFSET 0
)
SELECT c.*,
       coalesce(checked AND bad_text = '' AND cardinality(cell_errors) = 0, false) AS clean
FROM (SELECT c.*,
       CASE WHEN checked AND bad_text = '' THEN array_remove(ARRAY[
           CASE WHEN char_length(note) > %(note_max)s THEN 'note/note_long' END,
           CASE WHEN ratio AND value_raw <> '' THEN 'value/ratio_value' END,
           CASE WHEN ratio AND value_raw = '' AND NOT pair_blank
                     AND (numerator_raw = '' OR NOT num_whole OR numerator < 0) THEN 'numerator/numerator' END,
           CASE WHEN ratio AND value_raw = '' AND NOT pair_blank
                     AND (denominator_raw = '' OR NOT den_whole OR denominator < 1) THEN 'denominator/denominator' END,
           CASE WHEN ratio AND value_raw = '' AND num_whole AND den_whole AND numerator_raw <> '' AND denominator_raw <> ''
                     AND numerator >= 0 AND denominator >= 1 AND numerator > denominator THEN 'numerator/ratio_order' END,
           CASE WHEN NOT ratio AND NOT pair_blank THEN 'numerator/not_ratio' END,
           CASE WHEN value_type = 'count' AND pair_blank AND value_raw <> '' THEN
               CASE WHEN value IS NULL OR value <> trunc(value) OR value < 0 THEN 'value/count'
                    WHEN value >= %(count_limit)s THEN 'value/count_big' END END,
           CASE WHEN value_type = 'percent' AND pair_blank AND value_raw <> '' THEN
               CASE WHEN value IS NULL OR value < 0 OR value > 100 THEN 'value/percent'
                    WHEN value <> round(value, 2) THEN 'value/percent_places' END END,
           CASE WHEN as_of_raw <> '' AND as_of IS NULL THEN 'as_of/unreadable'
                WHEN as_of NOT BETWEEN window_start AND q_end THEN 'as_of/outside' END
       ], NULL) END AS cell_errors
FROM c OFFSET 0) AS c
"""

# The cells a valid row writes: a plain value (count, percent) or a numerator and denominator.
VALID = "clean"
HAS_VALUE = "(CASE WHEN ratio THEN NOT pair_blank ELSE value_raw <> '' END)"

# Every row's errors in values_validate's order: what is unknown, what refused it, a repeated cell,
# control characters, the cell rules, a quarter under review or approved, a figure unlike the log's.
ERRORS = """
WITH e AS (
    SELECT r.line, x.ord, x.code, split_part(x.code, '/', 1) AS field,
           r.org_unit, r.indicator, r.year, r.quarter, r.kind, r.valid_from, r.valid_to, r.first_line,
           r.value_raw, r.numerator, r.denominator, r.as_of_raw, r.as_of, r.log_value
    FROM (
        -- Only rows with something to say: a clean row can still be in a frozen quarter or differ from the log.
        SELECT r.*, s.status, l.value AS log_value
        FROM import_rows r
        LEFT JOIN indicators_submission s
               ON %(check_status)s AND r.checked AND s.org_unit_id = r.unit_id AND s.year = r.year AND s.quarter = r.quarter
        LEFT JOIN import_log l
               ON l.unit_id = r.unit_id AND l.indicator_id = r.indicator_id AND l.year = r.year AND l.quarter = r.quarter
        WHERE NOT r.clean OR s.status IN ('approved', 'submitted') OR l.value IS NOT NULL
    ) AS r
    CROSS JOIN LATERAL unnest(
        ARRAY[
            CASE WHEN r.unit_id IS NULL THEN 'org_unit/unknown' END,
            CASE WHEN r.indicator_id IS NULL THEN 'indicator/unknown' END,
            CASE WHEN r.year IS NULL OR r.year NOT BETWEEN %(ymin)s AND %(ymax)s THEN 'year/range' END,
            CASE WHEN r.quarter IS NULL OR r.quarter NOT BETWEEN 1 AND 4 THEN 'quarter/range' END,
            r.refused,
            CASE WHEN r.admitted AND r.line > r.first_line THEN 'indicator/duplicate' END
        ]
        || CASE WHEN r.checked AND r.bad_text <> ''
                THEN ARRAY(SELECT b || '/control' FROM unnest(string_to_array(r.bad_text, ',')) WITH ORDINALITY AS t(b, n)
                           ORDER BY n)
                ELSE coalesce(r.cell_errors, '{}') END
        || ARRAY[
            CASE r.status WHEN 'approved' THEN 'org_unit/approved' WHEN 'submitted' THEN 'org_unit/submitted' END,
            CASE WHEN r.clean AND NOT r.ratio AND r.value_raw <> ''
                      AND r.log_value IS NOT NULL AND r.log_value <> r.value AND r.note = '' THEN 'note/log' END
        ]
    ) WITH ORDINALITY AS x(code, ord)
    WHERE x.code IS NOT NULL
), ranked AS (
    SELECT e.*, row_number() OVER (PARTITION BY field ORDER BY line, ord) AS rn, count(*) OVER (PARTITION BY field) AS total
    FROM e
)
SELECT line, code, field, org_unit, indicator, year, quarter, kind, valid_from, valid_to, first_line,
       value_raw, numerator, denominator, as_of_raw, as_of, log_value, total
FROM ranked WHERE rn <= %(per_field)s ORDER BY line, ord
"""


def _message(code: str, e: dict) -> str:
    """The words of one error found in SQL: the same function values_validate or cell_clean calls."""
    m = value_messages
    cells = cell_messages()
    field, kind = code.split("/", 1)
    period = Period(e["year"], e["quarter"]) if e["year"] and e["quarter"] and 1 <= e["quarter"] <= 4 else None
    if kind == "control":
        return m.control_characters()
    if kind in ("count", "percent"):
        return cells[kind] % {"v": e["value_raw"]}
    if kind in ("count_big", "percent_places", "numerator", "denominator", "note_long"):
        return cells[kind]
    if kind in ("ratio_value", "not_ratio"):
        return cells[kind] % {"c": e["indicator"]}
    if kind == "ratio_order":
        return cells["ratio_order"] % {"a": int(e["numerator"]), "b": int(e["denominator"])}
    return {
        "org_unit/unknown": lambda: m.unit_unknown(e["org_unit"]),
        "indicator/unknown": lambda: m.indicator_unknown(e["indicator"]),
        "year/range": m.year_out_of_range,
        "quarter/range": m.quarter_out_of_range,
        "indicator/inactive": lambda: m.indicator_inactive(e["indicator"]),
        "indicator/kind": lambda: m.kind_not_reporting(UnitKind(e["kind"]).label, e["indicator"]),
        "org_unit/closed": lambda: m.unit_closed(e["org_unit"], period, e["valid_from"], e["valid_to"]),
        "indicator/duplicate": lambda: m.duplicate(e["first_line"]),
        "as_of/unreadable": lambda: m.as_of_unreadable(e["as_of_raw"]),
        "as_of/outside": lambda: m.as_of_outside(e["as_of"], period),
        "org_unit/approved": lambda: m.quarter_approved(period, e["org_unit"]),
        "org_unit/submitted": lambda: m.quarter_submitted(period, e["org_unit"]),
        "note/log": lambda: m.log_differs(e["log_value"]),
    }[f"{field}/{kind}"]()


def _fetch(cursor) -> list[dict]:
    names = [c.name for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Whether ERRORS has anything to find: the usual valid file is answered by three cheap scans, not the full listing.
ANY_ERROR = """
SELECT EXISTS (SELECT 1 FROM import_rows WHERE NOT clean)
    OR EXISTS (SELECT 1 FROM import_log)
    OR (%(check_status)s AND EXISTS (
        SELECT 1 FROM import_rows r JOIN indicators_submission s
          ON s.org_unit_id = r.unit_id AND s.year = r.year AND s.quarter = r.quarter
        WHERE r.checked AND s.status IN ('approved', 'submitted')))
"""


def _row_errors(cursor, *, check_status: bool) -> list[RowError]:
    cursor.execute(ANY_ERROR, {"check_status": check_status})
    if not cursor.fetchone()[0]:
        return []
    cursor.execute(
        ERRORS,
        {"check_status": check_status, "ymin": YEAR_MIN, "ymax": YEAR_MAX, "per_field": value_messages.ERRORS_PER_FIELD},
    )
    found = _fetch(cursor)
    kept = [RowError(e["line"], e["field"], _message(e["code"], e)) for e in found]
    return value_messages.with_overflow(kept, {e["field"]: e["total"] for e in found})


def _rows_errors_where(cursor, where: str, params: dict, message) -> list[RowError]:
    """The first rows of `import_rows` matching `where`, as org_unit errors, and a count of the rest."""
    cursor.execute(
        f"""SELECT line, org_unit, year, quarter, year_raw, quarter_raw, count(*) OVER () AS total
            FROM import_rows r WHERE {where} ORDER BY line LIMIT %(per_field)s""",
        {**params, "per_field": value_messages.ERRORS_PER_FIELD},
    )
    found = _fetch(cursor)
    kept = [RowError(e["line"], "org_unit", message(e)) for e in found]
    return value_messages.with_overflow(kept, {"org_unit": found[0]["total"]} if found else {})


def _log_values(cursor, alias: str) -> None:
    """The activity log's figure of every valid value cell, asked of the provider in batches (log_hints.sums)."""
    cursor.execute(
        "CREATE TEMP TABLE import_log (unit_id bigint, indicator_id bigint, year bigint, quarter bigint, value numeric)"
        " ON COMMIT DROP"
    )
    if not log_hints.has_provider():
        return
    with connections[alias].chunked_cursor() as cells:
        cells.execute(
            f"SELECT unit_id, indicator_id, year, quarter FROM import_rows WHERE {VALID} AND NOT ratio AND value_raw <> ''"
        )
        while batch := cells.fetchmany(LOG_BATCH):
            found = log_hints.sums({tuple(c) for c in batch})
            if found:
                buf = io.StringIO("".join(f"{u}\t{i}\t{y}\t{q}\t{v}\n" for (u, i, y, q), v in found.items()))
                cursor.copy_expert("COPY import_log FROM STDIN", buf)


def _other_form_errors(cursor, scope) -> list[RowError]:
    unit, period = scope
    return _rows_errors_where(
        cursor,
        "r.org_unit <> %(code)s OR r.year_raw <> %(year)s OR r.quarter_raw <> %(quarter)s",
        {"code": unit.code, "year": str(period.year), "quarter": str(period.quarter)},
        lambda e: value_messages.other_form(e["org_unit"], e["year_raw"], e["quarter_raw"], unit.code, period),
    )


def _denied_errors(cursor, by, approve: bool) -> list[RowError]:
    """Rows of units `by` may not write (enter, or review with approve): decided once per distinct unit."""
    from organizations import access

    may = access.can_review if approve else access.can_enter
    cursor.execute("SELECT DISTINCT unit_id FROM import_rows WHERE checked")
    units = OrgUnit.objects.filter(pk__in=[u for (u,) in cursor.fetchall()])
    denied = [u.pk for u in units if not may(by, u)]
    if not denied:
        return []
    return _rows_errors_where(
        cursor, "checked AND unit_id = ANY(%(denied)s)", {"denied": denied}, lambda e: value_messages.not_allowed(e["org_unit"])
    )


def _lock_quarters(cursor) -> int:
    """Create the missing submissions as drafts, then lock every one the file writes, in primary-key order.

    The same row locks as services.quarters_lock: a writer or a workflow step of any of these
    quarters waits here, or this import waits for it. Returns how many drafts were created.
    """
    cursor.execute(
        """
        INSERT INTO indicators_submission (org_unit_id, year, quarter, status, comment, updated_at)
        SELECT DISTINCT unit_id, year, quarter, %(draft)s, '', %(now)s FROM import_rows WHERE checked ORDER BY 1, 2, 3
        ON CONFLICT (org_unit_id, year, quarter) DO NOTHING
        """,
        {"draft": SubmissionStatus.DRAFT, "now": timezone.now()},
    )
    created = cursor.rowcount
    cursor.execute(
        """
        SELECT count(*) FROM (
            SELECT s.id FROM indicators_submission s
            JOIN (SELECT DISTINCT unit_id, year, quarter FROM import_rows WHERE checked) k
              ON s.org_unit_id = k.unit_id AND s.year = k.year AND s.quarter = k.quarter
            ORDER BY s.id FOR UPDATE OF s
        ) locked
        """
    )
    return created


def _frozen_errors(cursor) -> list[RowError]:
    """Rows of quarters approved or under review, read after the lock (the unlocked look may be stale)."""
    cursor.execute(
        """SELECT r.line, r.org_unit, r.year, r.quarter, s.status, count(*) OVER () AS total
           FROM import_rows r JOIN indicators_submission s
             ON s.org_unit_id = r.unit_id AND s.year = r.year AND s.quarter = r.quarter
           WHERE r.checked AND s.status IN (%(approved)s, %(submitted)s) ORDER BY r.line LIMIT %(per_field)s""",
        {
            "approved": SubmissionStatus.APPROVED,
            "submitted": SubmissionStatus.SUBMITTED,
            "per_field": value_messages.ERRORS_PER_FIELD,
        },
    )
    found = _fetch(cursor)
    m = value_messages
    kept = [
        RowError(
            e["line"],
            "org_unit",
            (m.quarter_approved if e["status"] == SubmissionStatus.APPROVED else m.quarter_submitted)(
                Period(e["year"], e["quarter"]), e["org_unit"]
            ),
        )
        for e in found
    ]
    return m.with_overflow(kept, {"org_unit": found[0]["total"]} if found else {})


CELL_JOIN = (
    "indicators_datavalue d ON d.org_unit_id = r.unit_id AND d.indicator_id = r.indicator_id"
    " AND d.year = r.year AND d.quarter = r.quarter"
)


def _version_conflicts(cursor) -> list[dict]:
    from indicators.services import _cell_json

    user = get_user_model()
    cursor.execute(
        f"""SELECT r.line, r.org_unit, r.indicator, r.year, r.quarter, r.version, coalesce(d.version, 0) AS current_version,
                   d.id AS dv_id, d.value, d.numerator, d.denominator, d.note, d.as_of, d.updated_at, u.{user.USERNAME_FIELD} AS who
            FROM import_rows r LEFT JOIN {CELL_JOIN}
            LEFT JOIN {user._meta.db_table} u ON u.id = d.updated_by_id
            WHERE r.checked AND r.version IS NOT NULL AND r.version <> coalesce(d.version, 0)
            ORDER BY r.line LIMIT %(per_field)s""",
        {"per_field": value_messages.ERRORS_PER_FIELD},
    )
    out = []
    for e in _fetch(cursor):
        current = None
        if e["dv_id"] is not None:
            current = {k: e[k] for k in ("value", "numerator", "denominator", "note", "as_of")}
        out.append(
            {
                "row": e["line"],
                "org_unit": e["org_unit"],
                "indicator": e["indicator"],
                "year": e["year"],
                "quarter": e["quarter"],
                "your_version": e["version"],
                "current_version": e["current_version"],
                "current": _cell_json(current),
                "updated_by": e["who"],
                "updated_at": e["updated_at"].isoformat() if current else None,
            }
        )
    return out


# Per checked row: the stored cell (d.*), the new one (n_*) and what the write does to it.
PLAN = f"""
CREATE TEMP TABLE import_plan ON COMMIT DROP AS
SELECT r.unit_id, r.indicator_id, r.year, r.quarter,
       CASE r.value_type WHEN 'count' THEN round(r.value) WHEN 'percent' THEN round(r.value, 2) END AS n_value,
       CASE WHEN r.ratio THEN r.numerator::bigint END AS n_num,
       CASE WHEN r.ratio THEN r.denominator::bigint END AS n_den,
       r.note AS n_note, r.as_of AS n_as_of,
       d.id AS dv_id, d.value AS o_value, d.numerator AS o_num, d.denominator AS o_den, d.note AS o_note,
       d.as_of AS o_as_of, d.version AS o_version, l.value AS log_value,
       CASE WHEN NOT {HAS_VALUE} THEN CASE WHEN d.id IS NULL THEN 'unchanged' ELSE 'cleared' END
            WHEN d.id IS NULL THEN 'created'
            WHEN d.value IS NOT DISTINCT FROM (CASE r.value_type WHEN 'count' THEN round(r.value)
                                                                 WHEN 'percent' THEN round(r.value, 2) END)
                 AND d.numerator IS NOT DISTINCT FROM (CASE WHEN r.ratio THEN r.numerator END)
                 AND d.denominator IS NOT DISTINCT FROM (CASE WHEN r.ratio THEN r.denominator END)
                 AND d.note = r.note AND d.as_of IS NOT DISTINCT FROM r.as_of THEN 'unchanged'
            ELSE 'updated' END AS action
FROM import_rows r
LEFT JOIN {CELL_JOIN}
LEFT JOIN import_log l ON l.unit_id = r.unit_id AND l.indicator_id = r.indicator_id AND l.year = r.year AND l.quarter = r.quarter
WHERE r.checked
"""


def _cell_json_sql(prefix: str) -> str:
    """services._cell_json in SQL: value as plain text ('85.5', '100'), the pair, the note, as_of only when set."""
    p = prefix
    cell = f"'value', trim_scale({p}_value)::text, 'numerator', {p}_num, 'denominator', {p}_den, 'note', {p}_note"
    return (
        f"CASE WHEN {p}_as_of IS NULL THEN jsonb_build_object({cell})"
        f" ELSE jsonb_build_object({cell}, 'as_of', to_char({p}_as_of, 'YYYY-MM-DD')) END"
    )


WRITE_AUDIT = f"""
INSERT INTO indicators_valuechange
    (indicator_id, org_unit_id, year, quarter, old, new, version, channel, source, changed_at, changed_by_id)
SELECT indicator_id, unit_id, year, quarter,
       CASE WHEN dv_id IS NULL THEN NULL ELSE {_cell_json_sql("o")} END,
       CASE WHEN action = 'cleared' THEN NULL ELSE {_cell_json_sql("n")} END,
       coalesce(o_version, 0) + 1, %(channel)s,
       CASE WHEN action <> 'cleared' AND log_value IS NOT NULL AND n_value IS NOT NULL AND n_value = log_value
            THEN 'from_log' ELSE 'typed' END,
       %(now)s, %(by)s
FROM import_plan WHERE action <> 'unchanged'
"""

WRITE_DELETE = "DELETE FROM indicators_datavalue d USING import_plan p WHERE p.action = 'cleared' AND d.id = p.dv_id"

# Created cells are inserted, changed ones updated by id. No ON CONFLICT: the quarter's submission lock
# is held, and every writer of values takes it first (services.quarters_lock; the admin only reads values),
# so no cell the plan found empty can appear before this statement — and the plain INSERT is a third cheaper.
WRITE_INSERT = """
INSERT INTO indicators_datavalue
    (indicator_id, org_unit_id, year, quarter, value, numerator, denominator, note, as_of, version, updated_at, updated_by_id)
SELECT indicator_id, unit_id, year, quarter, n_value, n_num, n_den, n_note, n_as_of, 1, %(now)s, %(by)s
FROM import_plan WHERE action = 'created'
"""

WRITE_UPDATE = """
UPDATE indicators_datavalue d SET
    value = p.n_value, numerator = p.n_num, denominator = p.n_den, note = p.n_note, as_of = p.n_as_of,
    version = d.version + 1, updated_at = %(now)s, updated_by_id = %(by)s
FROM import_plan p WHERE p.action = 'updated' AND d.id = p.dv_id
"""

# services._approve_on_import in SQL: an "import" event per quarter (from its status before), then approved.
WRITE_APPROVE = """
WITH subs AS (
    SELECT s.id, s.status FROM indicators_submission s
    JOIN (SELECT DISTINCT unit_id, year, quarter FROM import_rows WHERE checked) k
      ON s.org_unit_id = k.unit_id AND s.year = k.year AND s.quarter = k.quarter
), events AS (
    INSERT INTO indicators_submissionevent (submission_id, action, from_status, to_status, comment, at, by_id, channel)
    SELECT id, 'import', status, %(approved)s, %(comment)s, %(now)s, %(by)s, %(channel)s FROM subs ORDER BY id
)
UPDATE indicators_submission s SET status = %(approved)s, reviewed_at = %(now)s, reviewed_by_id = %(by)s, comment = %(comment)s
FROM subs WHERE s.id = subs.id
"""


def import_file(*, table, by=None, channel: str = Channel.UPLOAD, dry_run: bool = False, approve: bool = False, scope=None):
    """Check and write the rows of `table` (tabular.iter_rows) as values_save would, in SQL; see the module's doc.

    Raises what values_save raises (RowsInvalid, NotAllowed, VersionConflict), with at most
    ERRORS_PER_FIELD errors per column. `scope` = (unit, period) refuses rows of any other unit or
    quarter first (the form's upload). Returns a SaveResult without `values`.
    """
    from indicators.services import NotAllowed, SaveResult, VersionConflict

    alias = router.db_for_write(DataValue)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # Sorts and hashes of a few hundred thousand rows stay in memory (this transaction only).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        total = _stage(cursor, table)
        cursor.execute(
            CLASSIFY,
            {
                "ymin": YEAR_MIN,
                "ymax": YEAR_MAX,
                "whole_max": WHOLE_MAX,
                "note_max": _note_max(),
                "count_limit": _count_limit(),
            },
        )
        if scope is not None:
            wrong = _other_form_errors(cursor, scope)
            if wrong:
                raise RowsInvalid(wrong)
            if not total:
                raise RowsInvalid([RowError(None, "", value_messages.no_rows())])
        result = SaveResult()
        if not total:
            return result
        _log_values(cursor, alias)
        errors = _row_errors(cursor, check_status=not approve)
        if errors:
            raise RowsInvalid(errors)
        if by is not None:
            denied = _denied_errors(cursor, by, approve)
            if denied:
                raise NotAllowed(denied)
        created_drafts = _lock_quarters(cursor)
        if not approve:
            frozen = _frozen_errors(cursor)
            if frozen:
                raise RowsInvalid(frozen)
        conflicts = _version_conflicts(cursor)
        if conflicts:
            raise VersionConflict(conflicts)

        cursor.execute(PLAN)
        cursor.execute("SELECT action, count(*) FROM import_plan GROUP BY action")
        counts = dict(cursor.fetchall())
        result.created, result.updated = counts.get("created", 0), counts.get("updated", 0)
        result.cleared, result.unchanged = counts.get("cleared", 0), counts.get("unchanged", 0)
        user = by if by is not None and by.is_authenticated else None
        params = {"now": timezone.now(), "by": user.pk if user else None, "channel": channel}
        if result.changed:
            cursor.execute(WRITE_AUDIT, params)
            cursor.execute(WRITE_DELETE)
            cursor.execute(WRITE_UPDATE, params)
            cursor.execute(WRITE_INSERT, params)
        if approve:
            cursor.execute(
                WRITE_APPROVE, {**params, "approved": SubmissionStatus.APPROVED, "comment": value_messages.approved_on_import()}
            )
        if result.changed or approve or created_drafts:
            data_changed(using=alias, cells=_cells_written(cursor))  # raw SQL sends no model signals
        cursor.execute("DROP TABLE import_stage, import_rows, import_log, import_plan")
        if dry_run:
            transaction.set_rollback(True, using=alias)
    return result


def _cells_written(cursor) -> set | None:
    """The (unit id, year) cells the import wrote, for the data version's log; None ("anything") past its bound."""
    cursor.execute("SELECT DISTINCT unit_id, year FROM import_rows WHERE checked LIMIT %(n)s", {"n": MAX_LOGGED_CELLS + 1})
    cells = {(u, y) for u, y in cursor.fetchall()}
    return None if len(cells) > MAX_LOGGED_CELLS else cells


def _note_max() -> int:
    from indicators.services import NOTE_MAX

    return NOTE_MAX


def _count_limit() -> int:
    from indicators.cells import COUNT_LIMIT

    return int(COUNT_LIMIT)
