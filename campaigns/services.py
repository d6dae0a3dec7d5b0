"""Campaign targets (plan vs actual) and the activity log's writes.

Every write of an activity — the quick-add page, `import_activities`, the API — goes through
`activities_save`: it checks every row first, saves all of them or none, and leaves an
ActivityChange per change. An activity counts in the quarter whose Decree 09 data window holds its
date, and freezes with that quarter: once the unit's report is submitted or approved, its
activities can be neither added, changed nor deleted until a reviewer returns or reopens it.
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.evidence import EvidenceRejected, check_file
from campaigns.models import (
    Activity,
    ActivityChange,
    ActivityKind,
    ActivityTopic,
    Campaign,
    Evidence,
    KindIndicator,
    Measure,
    Target,
)
from indicators.aggregation import Figure
from indicators.models import Channel, SubmissionStatus
from indicators.periods import YEAR_MAX, YEAR_MIN, Period, current_period, unit_closed_message
from indicators.services import NotAllowed, quarters_lock
from organizations import access
from organizations.models import OrgUnit
from reform_portal.tabular import RowError, RowsInvalid

ACTIVITY_COLUMNS = [
    "org_unit",
    "kind",
    "date",
    "end_date",
    "title",
    "outlet",
    "place",
    "quantity",
    "participants",
    "campaign",
    "url",
    "note",
]
# Optional columns an import may add: the topic and who took part.
ACTIVITY_EXTRA_COLUMNS = ["topic", "citizens", "businesses", "officials"]
FROZEN = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)
WHOLE_MAX = 2_000_000_000
NOTE_MAX = 1000
_TEXT_LIMITS = {"title": 300, "outlet": 200, "place": 200}


@dataclass(frozen=True)
class Progress:
    target: Target
    actual: Figure

    @property
    def rate(self) -> Decimal | None:
        """Achievement in percent (None when there is no actual figure)."""
        n = self.actual.number
        return None if n is None else n * 100 / self.target.value


def targets_for(*, org_unit, year: int) -> dict[str, Target]:
    """The year's targets that apply to a unit, by indicator code (latest campaign wins)."""
    qs = (
        Target.objects.filter(campaign__year=year, campaign__scope_unit=org_unit)
        .select_related("indicator", "campaign")
        .order_by("campaign__issued_on", "campaign_id")
    )
    return {t.indicator.code: t for t in qs}


# -- the activity log ----------------------------------------------------------------------------


def period_of(day: datetime.date) -> Period:
    """The reporting quarter an activity of that day counts in (Decree 09: 15/12–14/03 is Q1…)."""
    return current_period(day)


@dataclass
class ActivityRow:
    """One activity to write, as text or numbers from any channel; `id` set to change an existing one."""

    org_unit: str
    kind: str
    date: object
    title: str = ""
    end_date: object = None
    topic: str = ""
    outlet: str = ""
    place: str = ""
    quantity: object = None
    participants: object = None
    citizens: object = None
    businesses: object = None
    officials: object = None
    campaign: object = None
    url: str = ""
    note: str = ""
    id: int | None = None
    row: int | None = None

    FIELDS = ("org_unit", "kind", "date", "end_date", "title", "topic", "outlet", "place", "quantity", "participants")
    FIELDS += ("citizens", "businesses", "officials", "campaign", "url", "note")

    @classmethod
    def from_mapping(cls, data: dict, row: int | None = None) -> "ActivityRow":
        def text(k):
            v = data.get(k)
            return "" if v is None else str(v).strip()

        return cls(
            **{k: (data.get(k) if k in ("date", "end_date") else text(k)) for k in cls.FIELDS},
            id=data.get("id"),
            row=row,
        )


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _date(v) -> datetime.date | None:
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    text = str(v).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _whole(v) -> int | None:
    """A whole number ≥ 0, written either way (1.020 / 1,020 / 1020); None if it is not one."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if 0 <= v <= WHOLE_MAX else None
    if isinstance(v, (Decimal, float)):
        return int(v) if v == int(v) and 0 <= v <= WHOLE_MAX else None
    text = str(v).strip().replace(" ", "")
    if text.isdigit() or (text.replace(".", "").replace(",", "").isdigit() and _grouped(text)):
        n = int(text.replace(".", "").replace(",", ""))
        return n if n <= WHOLE_MAX else None
    return None


def _grouped(text: str) -> bool:
    """1.020 or 1,020 with groups of three: a thousands separator, not a decimal point."""
    sep = "." if "." in text else ","
    parts = text.split(sep)
    return len(parts) > 1 and 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def _rules_by_kind() -> dict[str, list[KindIndicator]]:
    out: dict[str, list[KindIndicator]] = {}
    for rule in KindIndicator.objects.select_related("indicator"):
        out.setdefault(rule.kind, []).append(rule)
    return out


def _campaigns(rows) -> dict:
    keys = {str(r.campaign).strip() for r in rows if not _blank(r.campaign)}
    if not keys:
        return {}
    by_id = {str(c.pk): c for c in Campaign.objects.filter(pk__in=[k for k in keys if k.isdigit()])}
    by_number: dict[str, list[Campaign]] = {}
    for c in Campaign.objects.filter(number__in=keys):
        by_number.setdefault(c.number, []).append(c)
    return {"id": by_id, "number": by_number}


def _find_campaign(key: str, found: dict, year: int) -> Campaign | None:
    if key.isdigit() and key in found["id"]:
        return found["id"][key]
    candidates = found["number"].get(key, [])
    same_year = [c for c in candidates if c.year == year]
    return (same_year or candidates or [None])[0]


def _check_row(r: ActivityRow, units, rules, campaigns, errors: list[RowError]) -> dict | None:
    """The row's typed fields, or None after appending its errors (every problem, not only the first)."""
    n, ok = r.row, True
    out: dict = {}
    unit = units.get(str(r.org_unit).strip())
    if unit is None:
        errors.append(RowError(n, "org_unit", _("Không tìm thấy đơn vị «%(c)s».") % {"c": r.org_unit}))
        ok = False
    kind = str(r.kind).strip()
    if kind not in ActivityKind.values:
        errors.append(
            RowError(
                n,
                "kind",
                _("Loại hoạt động «%(k)s» không hợp lệ; dùng một trong: %(all)s.")
                % {"k": kind, "all": ", ".join(ActivityKind.values)},
            )
        )
        ok = False
    topic = str(r.topic or "").strip() or ActivityTopic.GENERAL
    if topic not in ActivityTopic.values:
        errors.append(
            RowError(
                n,
                "topic",
                _("Chủ đề «%(t)s» không hợp lệ; dùng: %(all)s.") % {"t": topic, "all": ", ".join(ActivityTopic.values)},
            )
        )
        ok = False
    day = None if _blank(r.date) else _date(r.date)
    if day is None:
        errors.append(
            RowError(n, "date", _("Ngày phải có dạng dd/mm/yyyy hoặc yyyy-mm-dd (nhận được «%(v)s»).") % {"v": r.date or ""})
        )
        ok = False
    elif not YEAR_MIN <= day.year <= YEAR_MAX:
        errors.append(RowError(n, "date", _("Năm phải từ %(a)s đến %(b)s.") % {"a": YEAR_MIN, "b": YEAR_MAX}))
        ok, day = False, None
    end = None
    if not _blank(r.end_date):
        end = _date(r.end_date)
        if end is None:
            errors.append(RowError(n, "end_date", _("Ngày kết thúc phải có dạng dd/mm/yyyy hoặc yyyy-mm-dd.")))
            ok = False
        elif day and end < day:
            errors.append(
                RowError(
                    n,
                    "end_date",
                    _("Ngày kết thúc (%(e)s) trước ngày bắt đầu (%(d)s).") % {"e": f"{end:%d/%m/%Y}", "d": f"{day:%d/%m/%Y}"},
                )
            )
            ok = False
        elif day and (end - day).days > 366:
            errors.append(RowError(n, "end_date", _("Một hoạt động kéo dài quá một năm: ghi thành nhiều hoạt động.")))
            ok = False
    title = str(r.title or "").strip()
    if not title:
        errors.append(RowError(n, "title", _("Nhập tên hoặc chủ đề của hoạt động.")))
        ok = False
    for f, limit in _TEXT_LIMITS.items():
        value = str(getattr(r, f) or "").strip()
        if len(value) > limit:
            errors.append(RowError(n, f, _("Dài quá %(n)s ký tự.") % {"n": limit}))
            ok = False
        out[f] = value
    note = str(r.note or "").strip()
    if len(note) > NOTE_MAX:
        errors.append(RowError(n, "note", _("Ghi chú dài quá %(n)s ký tự.") % {"n": NOTE_MAX}))
        ok = False
    for f in ("quantity", "participants", "citizens", "businesses", "officials"):
        raw = getattr(r, f)
        if _blank(raw):
            out[f] = None
            continue
        value = _whole(raw)
        if value is None:
            errors.append(RowError(n, f, _("Phải là số nguyên không âm (nhận được «%(v)s»).") % {"v": raw}))
            ok = False
        out[f] = value
    parts = [out.get(f) for f in ("citizens", "businesses", "officials")]
    if ok and any(p is not None for p in parts):
        if out["participants"] is None:
            out["participants"] = sum(p or 0 for p in parts)
        elif sum(p or 0 for p in parts) > out["participants"]:
            errors.append(
                RowError(
                    n,
                    "participants",
                    _("Người dân, doanh nghiệp và cán bộ cộng lại (%(s)s) nhiều hơn số người tham dự (%(p)s).")
                    % {"s": sum(p or 0 for p in parts), "p": out["participants"]},
                )
            )
            ok = False
    if kind in ActivityKind.values:
        # What the kind's rules add up must be there: a print run counts its copies, a class its participants.
        for rule in rules.get(kind, []):
            if (
                rule.measure != Measure.COUNT
                and (not rule.topic or rule.topic == topic)
                and out.get(rule.measure) is None
                and not any(e.row == n and e.field == rule.measure for e in errors)
            ):
                label = _("số lượng") if rule.measure == Measure.QUANTITY else _("số người tham dự")
                errors.append(
                    RowError(
                        n,
                        rule.measure,
                        _("Hoạt động loại «%(k)s» cần %(what)s (để tính chỉ tiêu «%(i)s»).")
                        % {"k": ActivityKind(kind).label, "what": label, "i": rule.indicator.name},
                    )
                )
                ok = False
    url = str(r.url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors.append(RowError(n, "url", _("Đường dẫn phải bắt đầu bằng http:// hoặc https://.")))
            ok = False
        if len(url) > 500:
            errors.append(RowError(n, "url", _("Đường dẫn dài quá 500 ký tự.")))
            ok = False
    campaign = None
    if not _blank(r.campaign) and day:
        campaign = _find_campaign(str(r.campaign).strip(), campaigns, period_of(day).year)
        if campaign is None:
            errors.append(RowError(n, "campaign", _("Không tìm thấy kế hoạch «%(c)s».") % {"c": r.campaign}))
            ok = False
    if ok and unit and day and not unit.is_open_between(day, end or day):
        errors.append(
            RowError(n, "date", _("Đơn vị «%(c)s» không hoạt động vào ngày %(d)s.") % {"c": unit.code, "d": f"{day:%d/%m/%Y}"})
        )
        ok = False
    if not ok:
        return None
    period = period_of(day)
    return {
        **out,
        "org_unit": unit,
        "kind": kind,
        "topic": topic,
        "date": day,
        "end_date": end,
        "title": title,
        "note": note,
        "url": url,
        "campaign": campaign,
        "year": period.year,
        "quarter": period.quarter,
    }


def _frozen_message(unit, year, quarter, status) -> str:
    return _(
        "Báo cáo %(p)s của «%(c)s» %(s)s nên nhật ký hoạt động của quý này bị khóa; cần cán bộ thẩm định trả lại hoặc mở lại."
    ) % {
        "p": Period(year, quarter).label,
        "c": unit.code,
        "s": _("đã gửi duyệt") if status == SubmissionStatus.SUBMITTED else _("đã được phê duyệt"),
    }


def _frozen(periods: set[tuple[int, int, int]]) -> dict:
    """Status of the submitted/approved quarters among (unit_id, year, quarter).

    Takes indicators.services.quarters_lock first — the row lock every value writer and workflow step
    takes, creating missing submissions as drafts — so a quarter cannot be submitted between this
    check and the write.
    """
    locked = quarters_lock(periods)
    return {key: sub.status for key, sub in locked.items() if sub.status in FROZEN}


@transaction.atomic
def activities_save(*, rows: list[ActivityRow], by=None, channel: str = Channel.FORM, dry_run: bool = False) -> list[Activity]:
    """Validate every row, then create (rows without `id`) or change (with `id`) all of them or none.

    `by=None` is the system (a command run by an operator); otherwise every row's unit must be one
    `by` may enter (NotAllowed). Raises RowsInvalid listing every bad row.
    """
    errors: list[RowError] = []
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={str(r.org_unit).strip() for r in rows})}
    rules = _rules_by_kind()
    campaigns = _campaigns(rows)
    ids = [r.id for r in rows if r.id]
    existing = {a.pk: a for a in Activity.objects.select_for_update().filter(pk__in=ids).select_related("org_unit")}
    checked = []
    for r in rows:
        fields = _check_row(r, units, rules, campaigns, errors)
        current = None
        if r.id:
            current = existing.get(r.id)
            if current is None:
                errors.append(RowError(r.row, "id", _("Không tìm thấy hoạt động số %(i)s.") % {"i": r.id}))
                continue
        if fields is not None:
            checked.append((r, fields, current))
    if by is not None:
        denied = [
            RowError(r.row, "org_unit", _("Bạn không có quyền ghi nhật ký cho đơn vị «%(c)s».") % {"c": u.code})
            for r, f, cur in checked
            for u in {f["org_unit"], *([cur.org_unit] if cur else [])}
            if not access.can_enter(by, u)
        ]
        if denied:
            raise NotAllowed(denied)
    periods = {(f["org_unit"].pk, f["year"], f["quarter"]) for _r, f, _c in checked}
    periods |= {(c.org_unit_id, c.year, c.quarter) for _r, _f, c in checked if c}
    frozen = _frozen(periods)
    for r, f, cur in checked:
        for unit, year, quarter in {
            (f["org_unit"], f["year"], f["quarter"]),
            *([(cur.org_unit, cur.year, cur.quarter)] if cur else []),
        }:
            status = frozen.get((unit.pk, year, quarter))
            if status:
                errors.append(RowError(r.row, "date", _frozen_message(unit, year, quarter, status)))
    if errors:
        raise RowsInvalid(sorted(errors, key=lambda e: (e.row is None, e.row or 0)))

    user = by if by is not None and by.is_authenticated else None
    saved, changes = [], []
    for _r, f, cur in checked:
        activity = cur or Activity(recorded_by=user)
        old = cur.as_record() if cur else None
        for k, v in f.items():
            setattr(activity, k, v)
        if cur is not None:
            if activity.as_record() == old and (cur.year, cur.quarter) == (f["year"], f["quarter"]):
                saved.append(activity)
                continue
            activity.version += 1
        activity.save()
        saved.append(activity)
        changes.append(
            ActivityChange(
                activity_id_kept=activity.pk,
                org_unit=activity.org_unit,
                year=activity.year,
                quarter=activity.quarter,
                old=old,
                new=activity.as_record(),
                version=activity.version,
                channel=channel,
                changed_by=user,
            )
        )
    ActivityChange.objects.bulk_create(changes)
    if dry_run:
        transaction.set_rollback(True)
    return saved


def activity_save(*, row: ActivityRow, by, channel: str = Channel.FORM) -> Activity:
    """One activity from the browser's quick-add or edit form."""
    return activities_save(rows=[row], by=by, channel=channel)[0]


@transaction.atomic
def activity_delete(*, activity: Activity, by, channel: str = Channel.FORM) -> None:
    if by is not None and not access.can_enter(by, activity.org_unit):
        raise NotAllowed(
            [RowError(None, "org_unit", _("Bạn không có quyền ghi nhật ký cho đơn vị «%(c)s».") % {"c": activity.org_unit.code})]
        )
    status = _frozen({(activity.org_unit_id, activity.year, activity.quarter)}).get(
        (activity.org_unit_id, activity.year, activity.quarter)
    )
    if status:
        raise RowsInvalid([RowError(None, "date", _frozen_message(activity.org_unit, activity.year, activity.quarter, status))])
    for ev in activity.evidence.all():
        if ev.file:
            ev.file.delete(save=False)
    ActivityChange.objects.create(
        activity_id_kept=activity.pk,
        org_unit=activity.org_unit,
        year=activity.year,
        quarter=activity.quarter,
        old=activity.as_record(),
        new=None,
        version=activity.version + 1,
        channel=channel,
        changed_by=by if by is not None and by.is_authenticated else None,
    )
    activity.delete()


def activities_import(
    *, name: str, data: bytes, by=None, channel: str = Channel.COMMAND, dry_run: bool = False
) -> list[Activity]:
    """A .csv or .xlsx with ACTIVITY_COLUMNS (and optionally ACTIVITY_EXTRA_COLUMNS), all or nothing.

    An unknown column is an error (a misspelt `participants` would otherwise be silently lost). Row
    numbers in errors are the file's line numbers.
    """
    from reform_portal.tabular import LINE, read_rows

    table = read_rows(name, data, required=["org_unit", "kind", "date", "title"])
    known = set(ACTIVITY_COLUMNS) | set(ACTIVITY_EXTRA_COLUMNS) | {LINE}
    unknown = sorted({k for d in table for k in d if k not in known})
    if unknown:
        raise RowsInvalid([RowError(None, "", _("Cột không được hỗ trợ: %(c)s.") % {"c": ", ".join(unknown)})])
    rows = [ActivityRow.from_mapping(d, row=d[LINE]) for d in table]
    if not rows:
        raise RowsInvalid([RowError(None, "", _("Tệp không có dòng dữ liệu nào."))])
    return activities_save(rows=rows, by=by, channel=channel, dry_run=dry_run)


# -- evidence ------------------------------------------------------------------------------------


def _evidence_target_unit(*, activity=None, submission=None, cell=None) -> OrgUnit:
    targets = [t for t in (activity, submission, cell) if t is not None]
    if len(targets) != 1:
        raise ValueError("evidence needs exactly one of activity, submission, cell")
    if activity is not None:
        return activity.org_unit
    if submission is not None:
        return submission.org_unit
    return cell[0]


@transaction.atomic
def evidence_attach(
    *,
    by,
    activity=None,
    submission=None,
    cell=None,
    name: str = "",
    data: bytes | None = None,
    url: str = "",
    description: str = "",
) -> Evidence:
    """Keep a file (checked by content, size and name) or a link behind an activity, a submission or a value's cell.

    `cell` is (org_unit, indicator, year, quarter). The unit's clerk attaches; a frozen quarter takes no
    new evidence for its activities (a reviewer may still ask for it by returning the report).
    Raises EvidenceRejected with a message for the user, NotAllowed for the wrong user.
    """
    unit = _evidence_target_unit(activity=activity, submission=submission, cell=cell)
    if by is not None and not access.can_enter(by, unit):
        raise NotAllowed(
            [RowError(None, "org_unit", _("Bạn không có quyền đính kèm tài liệu cho đơn vị «%(c)s».") % {"c": unit.code})]
        )
    # An activity's evidence freezes with its quarter, like the activity; a figure's or the report's only
    # once approved (a submitted report may still be corrected, and so documented).
    year, quarter = (
        (activity.year, activity.quarter) if activity else (submission.year, submission.quarter) if submission else cell[2:]
    )
    closed = unit_closed_message(unit, Period(year, quarter))
    if closed:  # a closed or not yet open unit takes nothing for the quarter, evidence included
        raise EvidenceRejected(closed)
    status = _frozen({(unit.pk, year, quarter)}).get((unit.pk, year, quarter))
    if status == SubmissionStatus.APPROVED or (status and activity is not None):
        raise EvidenceRejected(_frozen_message(unit, year, quarter, status))
    ev = Evidence(org_unit=unit, activity=activity, submission=submission, description=description.strip()[:300])
    if cell is not None:
        ev.indicator, ev.year, ev.quarter = cell[1], cell[2], cell[3]
    ev.uploaded_by = by if by is not None and by.is_authenticated else None
    if data is not None:
        checked = check_file(name=name, data=data)
        ev.name, ev.extension, ev.content_type, ev.size = checked.name, checked.extension, checked.content_type, checked.size
        ev.sha256 = hashlib.sha256(data).hexdigest()
        ev.file.save("upload", ContentFile(data), save=False)
    else:
        link = (url or "").strip()
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise EvidenceRejected(_("Đường dẫn phải bắt đầu bằng http:// hoặc https://.")) from None
        ev.url, ev.name = link, link[:200]
    ev.save()
    return ev


@transaction.atomic
def kind_rules_load(*, rows: list[dict]) -> int:
    """Add the kind→indicator rules of a file (kind, topic, indicator, measure) that are not there yet.

    Existing rules are left alone: reviewers may have changed them in the admin.
    """
    from indicators.models import Indicator

    indicators = {i.code: i for i in Indicator.objects.filter(code__in={r["indicator"] for r in rows})}
    errors, created = [], 0
    for n, r in enumerate(rows, start=1):
        n = r.get("__line__", n)
        ind = indicators.get(r["indicator"])
        if (
            ind is None
            or r["kind"] not in ActivityKind.values
            or r["measure"] not in Measure.values
            or (r.get("topic") or "") not in ("", *ActivityTopic.values)
        ):
            errors.append(
                RowError(
                    n, "", _("Quy tắc không hợp lệ: %(r)s") % {"r": ", ".join(str(v) for k, v in r.items() if k != "__line__")}
                )
            )
            continue
        _obj, made = KindIndicator.objects.get_or_create(
            kind=r["kind"], topic=r.get("topic") or "", indicator=ind, defaults={"measure": r["measure"]}
        )
        created += made
    if errors:
        raise RowsInvalid(errors)
    return created
