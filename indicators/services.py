"""Writing quarterly values: one validation and one save for every channel.

The browser form, the Excel upload, the API and the `import_values` command
all call `values_save`. It checks every row before writing anything, then
writes all rows or none, and records each change in the audit history.
"""

import datetime
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from indicators import log_hints, value_messages
from indicators.cells import cell_clean
from indicators.cells import to_whole as _to_whole
from indicators.formatting import plain
from indicators.models import Channel, DataValue, Indicator, Submission, SubmissionStatus, ValueChange, ValueType
from indicators.periods import YEAR_MAX, YEAR_MIN, Period
from organizations import access
from organizations.models import OrgUnit
from reform_portal.tabular import RowError, RowsInvalid

VALUE_COLUMNS = ["org_unit", "indicator", "year", "quarter", "value", "numerator", "denominator", "note"]
# Read when present: the day a figure was counted, if not the quarter's end ("tính đến 31/10/2018").
OPTIONAL_VALUE_COLUMNS = ["as_of"]
AS_OF_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
NOTE_MAX = 1000


class NotAllowed(Exception):
    """The caller may not write some rows' units; `rows` lists them."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]))


class VersionConflict(Exception):
    """Someone saved a newer value since the caller read it. Nothing was written."""

    def __init__(self, conflicts: list[dict]):
        self.conflicts = conflicts
        super().__init__(_("Số liệu đã được người khác thay đổi."))


# Control characters (C0 except tab, line feed and carriage return; DEL; C1) and lone UTF-16
# surrogates: no figure or note needs them, and NUL or a surrogate cannot even be stored.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
TEXT_FIELDS = ("org_unit", "indicator", "year", "quarter", "value", "numerator", "denominator", "note")


@dataclass
class ValueRow:
    """One cell to write. Text or numbers are accepted; `row` numbers messages."""

    org_unit: str
    indicator: str
    year: object
    quarter: object
    value: object = None
    numerator: object = None
    denominator: object = None
    note: str = ""
    version: int | None = None  # the version the writer read; None: don't check
    as_of: object = None  # a date, or text dd/mm/yyyy or yyyy-mm-dd; blank: the quarter's end
    row: int | None = None
    # Fields that held forbidden control characters (now replaced by U+FFFD): _clean_row refuses the row.
    bad_text: tuple[str, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self):
        bad = []
        for name in TEXT_FIELDS:
            v = getattr(self, name)
            if isinstance(v, str) and FORBIDDEN_CHARS.search(v):
                bad.append(name)
                # Never let them reach a lookup or a message: PostgreSQL fails on NUL, encoders on surrogates.
                setattr(self, name, FORBIDDEN_CHARS.sub("\ufffd", v))
        self.bad_text = tuple(bad)

    @classmethod
    def from_mapping(cls, data: dict, row: int | None = None) -> "ValueRow":
        version = data.get("version")
        return cls(
            org_unit=str(data.get("org_unit") or "").strip(),
            indicator=str(data.get("indicator") or "").strip(),
            year=data.get("year"),
            quarter=data.get("quarter"),
            value=data.get("value"),
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
            note=data.get("note") or "",
            as_of=data.get("as_of"),
            # 0 is a real version: "I saw this cell empty"; only a missing version skips the check.
            version=int(version) if str(version if version is not None else "").strip().isdecimal() else None,
            row=row,
        )


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    cleared: int = 0
    unchanged: int = 0
    values: list[DataValue] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.cleared


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _to_date(v) -> datetime.date | None:
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    for fmt in AS_OF_FORMATS:
        try:
            return datetime.datetime.strptime(str(v).strip(), fmt).date()
        except ValueError:
            pass
    return None


def _clean_as_of(r: ValueRow, errors: list[RowError]) -> datetime.date | None:
    """The optional counting day of a figure, within its quarter."""
    if _blank(r.as_of):
        return None
    d = _to_date(r.as_of)
    if d is None:
        errors.append(RowError(r.row, "as_of", value_messages.as_of_unreadable(r.as_of)))
        return None
    # From the first day of the quarter's data window (Decree 09/2019) to the last day of the quarter.
    period = Period(r.year, r.quarter)
    lo, hi = period.window_start, period.calendar_end
    if not lo <= d <= hi:
        errors.append(RowError(r.row, "as_of", value_messages.as_of_outside(d, period)))
        return None
    return d


def _clean_row(r: ValueRow, indicator: Indicator, errors: list[RowError]) -> dict | None:
    """The cell's typed content, or None to clear it. Appends errors, in Vietnamese."""
    if r.bad_text:
        for name in r.bad_text:
            errors.append(RowError(r.row, name, value_messages.control_characters()))
        return None
    cell = _clean_value(r, indicator, errors)
    as_of = _clean_as_of(r, errors)
    if cell is not None:
        cell["as_of"] = as_of
    return cell


def _clean_value(r: ValueRow, indicator: Indicator, errors: list[RowError]) -> dict | None:
    # The rules of a cell live in indicators.cells, shared with the entry form and the browser.
    return cell_clean(
        indicator=indicator,
        value=r.value,
        numerator=r.numerator,
        denominator=r.denominator,
        note=r.note,
        row=r.row,
        errors=errors,
    )


def _cell_json(cell: dict | None):
    if cell is None:
        return None
    return {
        "value": plain(cell["value"]),
        "numerator": cell["numerator"],
        "denominator": cell["denominator"],
        "note": cell["note"],
        **({"as_of": cell["as_of"].isoformat()} if cell.get("as_of") else {}),
    }


def _frozen_errors(checked, statuses: dict) -> list[RowError]:
    """Rows whose quarter is approved (locked) or under review (frozen until returned or approved)."""
    errors = []
    for r, u, _i, _c in checked:
        status = statuses.get((u.pk, r.year, r.quarter))
        if status == SubmissionStatus.APPROVED:
            msg = value_messages.quarter_approved(Period(r.year, r.quarter), u.code)
        elif status == SubmissionStatus.SUBMITTED:
            msg = value_messages.quarter_submitted(Period(r.year, r.quarter), u.code)
        else:
            continue
        errors.append(RowError(r.row, "org_unit", msg))
    return errors


def quarters_lock(keys: set[tuple[int, int, int]]) -> dict[tuple[int, int, int], Submission]:
    """Lock the submissions of (unit id, year, quarter), creating missing ones as drafts.

    Every writer of a quarter's values and every workflow step takes this row
    lock first (SELECT … FOR UPDATE, in primary-key order so that two writers
    never deadlock) and reads the status after it, so an approval and a write
    can never interleave. Must run inside the caller's transaction.
    """
    if not keys:
        return {}
    units, years = {k[0] for k in keys}, {k[1] for k in keys}
    have = set(Submission.objects.filter(org_unit_id__in=units, year__in=years).values_list("org_unit_id", "year", "quarter"))
    missing = [Submission(org_unit_id=o, year=y, quarter=q) for o, y, q in sorted(keys - have)]
    if missing:
        # A concurrent writer may create the same draft: the unique constraint makes us wait for it, then skip.
        Submission.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
    locked = Submission.objects.select_for_update().filter(org_unit_id__in=units, year__in=years).order_by("pk")
    return {(s.org_unit_id, s.year, s.quarter): s for s in locked if (s.org_unit_id, s.year, s.quarter) in keys}


def values_validate(rows: list[ValueRow], *, check_status: bool = True) -> list[tuple[ValueRow, OrgUnit, Indicator, dict | None]]:
    """Check every row; return them typed, or raise RowsInvalid with every problem found.

    Three queries whatever the number of rows: units, indicators, the quarters' submissions.
    """
    errors: list[RowError] = []
    unit_codes = {r.org_unit for r in rows}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=unit_codes)}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={r.indicator for r in rows})}
    checked = []
    seen: dict[tuple, int | None] = {}
    for r in rows:
        n = r.row
        row_ok = True
        unit = units.get(r.org_unit)
        if unit is None:
            errors.append(RowError(n, "org_unit", value_messages.unit_unknown(r.org_unit)))
            row_ok = False
        indicator = indicators.get(r.indicator)
        if indicator is None:
            errors.append(RowError(n, "indicator", value_messages.indicator_unknown(r.indicator)))
            row_ok = False
        year, quarter = _to_whole(r.year), _to_whole(r.quarter)
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            errors.append(RowError(n, "year", value_messages.year_out_of_range()))
            row_ok = False
        if quarter is None or not 1 <= quarter <= 4:
            errors.append(RowError(n, "quarter", value_messages.quarter_out_of_range()))
            row_ok = False
        if not row_ok:
            continue
        if not indicator.is_active:
            errors.append(RowError(n, "indicator", value_messages.indicator_inactive(indicator.code)))
            continue
        if not indicator.is_reported_by(unit.kind):
            errors.append(RowError(n, "indicator", value_messages.kind_not_reporting(unit.get_kind_display(), indicator.code)))
            continue
        period = Period(year, quarter)
        if not unit.is_open_between(period.calendar_start, period.calendar_end):
            errors.append(RowError(n, "org_unit", value_messages.unit_closed(unit.code, period, unit.valid_from, unit.valid_to)))
            continue
        key = (unit.pk, indicator.pk, year, quarter)
        if key in seen:
            errors.append(RowError(n, "indicator", value_messages.duplicate(seen[key])))
            continue
        seen[key] = n
        r.year, r.quarter = year, quarter
        cell = _clean_row(r, indicator, errors)
        checked.append((r, unit, indicator, cell))

    if checked and check_status:
        # An early, unlocked look so that every problem is listed at once; values_save checks again under the lock.
        keys = {(u.pk, r.year, r.quarter) for r, u, _i, _c in checked}
        statuses = dict(
            (
                ((o, y, q), st)
                for o, y, q, st in Submission.objects.filter(
                    org_unit_id__in={k[0] for k in keys}, year__in={k[1] for k in keys}
                ).values_list("org_unit_id", "year", "quarter", "status")
            )
        )
        errors.extend(_frozen_errors(checked, statuses))
    errors.extend(log_hints.notes_missing(checked))  # a figure other than the activity log's needs a reason
    if errors:
        raise RowsInvalid(sorted(errors, key=lambda e: (e.row is None, e.row or 0)))
    return checked


@transaction.atomic
def values_save(
    *, rows: list[ValueRow], by=None, channel: str = Channel.COMMAND, dry_run: bool = False, approve: bool = False
) -> SaveResult:
    """Validate every row, then write all of them or none.

    `by=None` is the system (a command run by an operator); otherwise every
    row's unit must be one `by` may enter (NotAllowed). A row whose `version`
    differs from the stored one raises VersionConflict. Empty value fields
    clear the cell. Each change leaves a ValueChange.

    The quarters' submissions are locked first (`quarters_lock`); a quarter
    approved or under review takes no write. `approve=True` loads history:
    the rows go in whatever their quarter's status, and every quarter written
    is approved in the same transaction, recorded as approved on import by `by`
    (who must review the units, or be the system).
    """
    checked = values_validate(rows, check_status=not approve)
    if by is not None:
        may = access.can_review if approve else access.can_enter
        denied = [RowError(r.row, "org_unit", value_messages.not_allowed(u.code)) for r, u, _i, _c in checked if not may(by, u)]
        if denied:
            raise NotAllowed(denied)

    result = SaveResult()
    if not checked:
        return result
    submissions = quarters_lock({(u.pk, r.year, r.quarter) for r, u, _i, _c in checked})
    if not approve:
        frozen = _frozen_errors(checked, {k: s.status for k, s in submissions.items()})
        if frozen:
            raise RowsInvalid(frozen)
    keys = {(u.pk, i.pk, r.year, r.quarter) for r, u, i, _c in checked}
    existing_qs = DataValue.objects.select_for_update().filter(
        org_unit_id__in={k[0] for k in keys}, indicator_id__in={k[1] for k in keys}, year__in={k[2] for k in keys}
    )
    existing = {(v.org_unit_id, v.indicator_id, v.year, v.quarter): v for v in existing_qs}

    conflicts = []
    for r, u, i, _c in checked:
        if r.version is None:
            continue
        current = existing.get((u.pk, i.pk, r.year, r.quarter))
        current_version = current.version if current else 0
        if current_version != r.version:
            conflicts.append(
                {
                    "row": r.row,
                    "org_unit": u.code,
                    "indicator": i.code,
                    "year": r.year,
                    "quarter": r.quarter,
                    "your_version": r.version,
                    "current_version": current_version,
                    "current": _cell_json(current.as_cell()) if current else None,
                    "updated_by": (current.updated_by.get_username() if current and current.updated_by_id else None),
                    "updated_at": current.updated_at.isoformat() if current else None,
                }
            )
    if conflicts:
        raise VersionConflict(conflicts)

    changes, to_create, to_update, to_delete = [], [], [], []
    user = by if by is not None and by.is_authenticated else None
    for r, u, i, cell in checked:
        current = existing.get((u.pk, i.pk, r.year, r.quarter))
        old = current.as_cell() if current else None
        if cell is not None and cell["value"] is None and cell["numerator"] is None:
            cell = None  # a note alone is not a value: the cell stays empty
        if cell is None:
            if current is None:
                result.unchanged += 1
                continue
            to_delete.append(current.pk)
            result.cleared += 1
            version = current.version + 1
        elif current is None:
            current = DataValue(indicator=i, org_unit=u, year=r.year, quarter=r.quarter, updated_by=user, **cell)
            to_create.append(current)
            result.created += 1
            version = 1
        elif old == cell:
            result.unchanged += 1
            result.values.append(current)
            continue
        else:
            for k, v in cell.items():
                setattr(current, k, v)
            current.version += 1
            current.updated_by = user
            to_update.append(current)
            result.updated += 1
            version = current.version
        if cell is not None:
            result.values.append(current)
        changes.append(
            ValueChange(
                indicator=i,
                org_unit=u,
                year=r.year,
                quarter=r.quarter,
                old=_cell_json(old),
                new=_cell_json(cell),
                version=version,
                channel=channel,
                changed_by=user,
            )
        )
    if to_delete:
        DataValue.objects.filter(pk__in=to_delete).delete()
    if to_create:
        DataValue.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        from django.utils import timezone

        now = timezone.now()
        for v in to_update:
            v.updated_at = now
        DataValue.objects.bulk_update(
            to_update,
            ["value", "numerator", "denominator", "note", "as_of", "version", "updated_by", "updated_at"],
            batch_size=1000,
        )
    log_hints.mark_sources(changes, checked)
    ValueChange.objects.bulk_create(changes, batch_size=1000)
    if approve:
        _approve_on_import(submissions.values(), by=by, channel=channel)
    if dry_run:
        transaction.set_rollback(True)
    return result


def _approve_on_import(submissions, *, by, channel: str) -> None:
    """Mark loaded quarters approved, each with an event saying it was approved on import, and by whom."""
    from django.utils import timezone

    from indicators.models import SubmissionEvent

    now = timezone.now()
    user = by if by is not None and by.is_authenticated else None
    events = []
    for sub in submissions:
        events.append(
            SubmissionEvent(
                submission=sub,
                action="import",
                from_status=sub.status,
                to_status=SubmissionStatus.APPROVED,
                comment=value_messages.approved_on_import(),
                by=user,
                channel=channel,
            )
        )
        sub.status = SubmissionStatus.APPROVED
        sub.reviewed_at, sub.reviewed_by = now, user
        sub.comment = value_messages.approved_on_import()
    Submission.objects.bulk_update(list(submissions), ["status", "reviewed_at", "reviewed_by", "comment"], batch_size=1000)
    SubmissionEvent.objects.bulk_create(events, batch_size=1000)


def values_import(
    *,
    name: str,
    data: bytes | None = None,
    fileobj=None,
    by=None,
    channel: str = Channel.UPLOAD,
    dry_run: bool = False,
    approve: bool = False,
    scope: tuple[OrgUnit, Period] | None = None,
) -> SaveResult:
    """A .csv or .xlsx with the columns of VALUE_COLUMNS (`data`, or a binary `fileobj` read as it goes), all or nothing.

    Row numbers in errors are the file's own line numbers (the header is line 1
    when it is the first row), so a user can find them in a spreadsheet. At most
    value_messages.ERRORS_PER_FIELD errors are listed per column, then how many more.
    `scope` = (unit, period): the form's own file, which takes rows of that unit and
    quarter only, and may carry the form's other columns (names, captions).

    On PostgreSQL the rows go through `indicators.bulk_import` (COPY into a staging
    table, checks and writes in SQL, flat memory); elsewhere through values_save.
    Same checks, messages, row numbers and audit either way; the bulk path returns
    the counts only (no `values`).
    """
    from django.db import connections, router

    from reform_portal.tabular import iter_rows

    fileobj = fileobj if fileobj is not None else io.BytesIO(data)
    # The API's CSV export adds version, updated_at and id: accepted so that it imports back.
    allowed = None if scope is not None else [*VALUE_COLUMNS, *OPTIONAL_VALUE_COLUMNS, "version", "updated_at", "id"]
    table = iter_rows(name, fileobj, required=["org_unit", "indicator", "year", "quarter"], allowed=allowed)
    if connections[router.db_for_write(DataValue)].vendor == "postgresql":
        from indicators import bulk_import

        return bulk_import.import_file(table=table, by=by, channel=channel, dry_run=dry_run, approve=approve, scope=scope)
    return _import_rows(table=table, by=by, channel=channel, dry_run=dry_run, approve=approve, scope=scope)


def _import_rows(*, table, by, channel: str, dry_run: bool, approve: bool, scope) -> SaveResult:
    """values_import the simple way (SQLite): every row in memory, then values_save; errors bounded as bulk_import's are."""
    from reform_portal.tabular import LINE

    rows, wrong = [], []
    for d in table:
        if scope is not None:
            unit, p = scope
            if d.get("org_unit", "") != unit.code or d.get("year", "") != str(p.year) or d.get("quarter", "") != str(p.quarter):
                message = value_messages.other_form(d.get("org_unit"), d.get("year"), d.get("quarter"), unit.code, p)
                wrong.append(RowError(d[LINE], "org_unit", message))
                continue
        rows.append(ValueRow.from_mapping(d, row=d[LINE]))
    if wrong:
        raise RowsInvalid(value_messages.bounded(wrong))
    if scope is not None and not rows:
        raise RowsInvalid([RowError(None, "", value_messages.no_rows())])
    try:
        return values_save(rows=rows, by=by, channel=channel, dry_run=dry_run, approve=approve)
    except RowsInvalid as exc:
        raise RowsInvalid(value_messages.bounded(exc.errors)) from None
    except NotAllowed as exc:
        raise NotAllowed(value_messages.bounded(exc.errors)) from None
    except VersionConflict as exc:
        raise VersionConflict(exc.conflicts[: value_messages.ERRORS_PER_FIELD]) from None


INDICATOR_COLUMNS = [
    "code",
    "section",
    "group",
    "order",
    "name_vi",
    "name_en",
    "unit_vi",
    "unit_en",
    "value_type",
    "time_aggregation",
    "unit_aggregation",
    "reported_by",
]


# Optional columns of a catalogue file: `seed_2018` (the 2018 report's figure, for the demo's
# test) is read by nobody here; `is_active`, when present, is set.
INDICATOR_OPTIONAL_COLUMNS = ["is_active", "seed_2018"]


@transaction.atomic
def catalogue_load(*, groups: list[dict], indicators: list[dict], dry_run: bool = False) -> dict:
    """Add or update indicator groups and indicators by code (the shipped catalogue, or another).

    All or nothing: every row is checked first (group, choices, the ratio rule, a code used twice,
    a value type changed under stored values) and each bad row is listed in RowsInvalid.
    """
    from django.core.exceptions import ValidationError

    from indicators.models import IndicatorGroup

    errors: list[RowError] = []
    group_objs = {}
    for g in groups:
        obj, _created = IndicatorGroup.objects.update_or_create(
            code=g["code"], defaults={k: g[k] for k in ("section", "order", "name_vi", "name_en")}
        )
        group_objs[obj.code] = obj
    group_objs.update({g.code: g for g in IndicatorGroup.objects.exclude(code__in=group_objs)})
    existing = {i.code: i for i in Indicator.objects.all()}
    seen: dict[str, int] = {}
    to_save = []
    created = updated = 0
    for n, row in enumerate(indicators, start=1):
        n = row.get("__line__", n)
        code = (row.get("code") or "").strip()
        if not code:
            errors.append(RowError(n, "code", _("Thiếu mã chỉ tiêu.")))
            continue
        if code in seen:
            errors.append(RowError(n, "code", _("Mã «%(c)s» trùng với dòng %(r)s.") % {"c": code, "r": seen[code]}))
            continue
        seen[code] = n
        group = group_objs.get((row.get("group") or "").strip())
        if group is None:
            errors.append(RowError(n, "group", _("Không tìm thấy nhóm chỉ tiêu «%(g)s».") % {"g": row.get("group")}))
        fields = {k: (row.get(k) or "").strip() for k in INDICATOR_COLUMNS if k not in ("code", "group", "order")}
        fields["reported_by"] = ",".join(k.strip() for k in fields["reported_by"].split(",") if k.strip())
        if "is_active" in row:
            active = (row.get("is_active") or "").strip().lower()
            if active not in ("", "1", "0", "true", "false", "yes", "no", "có", "không"):
                errors.append(RowError(n, "is_active", _("«%(v)s» không hợp lệ (dùng 1 hoặc 0).") % {"v": active}))
            fields["is_active"] = active in ("", "1", "true", "yes", "có")
        order = (row.get("order") or "0").strip()
        if not order.isdigit():
            errors.append(RowError(n, "order", _("Thứ tự phải là số nguyên không âm (nhận được «%(v)s»).") % {"v": order}))
        else:
            fields["order"] = int(order)
        ind = existing.get(code) or Indicator(code=code)
        is_new = ind.pk is None
        # Stored values are shaped by the type (one query, only for an indicator whose type would change).
        if not is_new and fields["value_type"] != ind.value_type and DataValue.objects.filter(indicator=ind).exists():
            errors.append(
                RowError(
                    n,
                    "value_type",
                    _("Chỉ tiêu «%(c)s» đã có số liệu nên không thể đổi kiểu giá trị; hãy tạo chỉ tiêu mới.") % {"c": code},
                )
            )
        if (fields["value_type"] == ValueType.RATIO) != (fields["unit_aggregation"] == "ratio"):
            errors.append(
                RowError(
                    n,
                    "unit_aggregation",
                    _("Chỉ tiêu tỷ số (ratio) phải tổng hợp theo đơn vị bằng «ratio», và chỉ chỉ tiêu tỷ số mới dùng «ratio»."),
                )
            )
        if group is not None:
            fields["group"] = group
        changed = is_new or any(getattr(ind, k) != v for k, v in fields.items())
        for k, v in fields.items():
            setattr(ind, k, v)
        try:
            ind.full_clean(exclude=[] if group is not None else ["group"], validate_constraints=False)
        except ValidationError as exc:
            for f, msgs in exc.message_dict.items():
                errors.extend(RowError(n, "" if f == "__all__" else f, m) for m in msgs)
            continue
        if changed:
            to_save.append(ind)
        created += is_new
        updated += changed and not is_new
    if errors:
        raise RowsInvalid(sorted(errors, key=lambda e: (e.row or 0, e.field)))
    for ind in to_save:
        ind.save()
    if dry_run:
        transaction.set_rollback(True)
    return {"created": created, "updated": updated, "total": len(seen)}
