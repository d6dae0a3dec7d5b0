"""Selectors of the data-entry and review pages: what a form shows, what is due, what waits for review.

They only read. Writing goes through indicators.services (values) and
indicators.workflow (submissions), the same path as the API, the import and the CLI.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.completeness import Completeness, completeness
from indicators.formatting import round2
from indicators.models import (
    DataValue,
    Indicator,
    Section,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
    ValueChange,
    ValueType,
)
from indicators.periods import YEAR_MAX, YEAR_MIN, Period, current_period
from organizations import access
from organizations.models import Membership, OrgUnit, Role

S = SubmissionStatus

# Status of a unit's quarter as the entry list shows it ("none": no submission and no figure yet).
STATUS_LABELS = {
    "none": gettext_lazy("Chưa nhập"),
    S.DRAFT: gettext_lazy("Đang nhập"),
    S.SUBMITTED: gettext_lazy("Đã gửi, chờ duyệt"),
    S.RETURNED: gettext_lazy("Bị trả lại"),
    S.APPROVED: gettext_lazy("Đã phê duyệt"),
}


def period_or_404(year: int, quarter: int) -> Period:
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= quarter <= 4):
        raise Http404(_("Không có kỳ báo cáo này."))
    return Period(year, quarter)


def today() -> datetime.date:
    return timezone.localdate()


# -- numbers as the active locale writes them ---------------------------------------------------


def number_display(d) -> str:
    """2.213 · 85,93 in Vietnamese, 2,213 · 85.93 in English; whole numbers without decimals."""
    if d is None:
        return "—"
    return formats.number_format(round2(Decimal(d)), force_grouping=True)


def cell_display(cell: dict | None, *, percent: bool = False) -> str:
    """A cell ({value, numerator, denominator} as models or JSON) for reading: '2.213', '85,93%', '221/262'."""
    if not cell:
        return "—"
    if cell.get("numerator") is not None and cell.get("denominator") is not None:
        return f"{number_display(cell['numerator'])}/{number_display(cell['denominator'])}"
    if cell.get("value") is None:
        return "—"
    text = number_display(cell["value"])
    return f"{text}%" if percent else text


def fingerprint(value, numerator, denominator, note) -> str:
    """A cell's content in one canonical string: the form remembers what it showed, to send only what changed."""

    def canon(d):
        return "" if d is None else format(round2(Decimal(d)), "f")

    return "|".join([canon(value), canon(numerator), canon(denominator), (note or "").strip()])


# -- one unit's form for one quarter ---------------------------------------------------------------


@dataclass
class FormCell:
    indicator: Indicator
    current: DataValue | None
    previous: DataValue | None
    previous_period: Period | None
    warnings: list[str] = field(default_factory=list)
    number: int = 0  # order on the form, 1…n
    inputs: object = None  # the form's bound fields for this cell (indicators.forms.EntryForm)
    conflict: dict | None = None  # a newer value saved meanwhile by someone else

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def is_ratio(self) -> bool:
        return self.indicator.value_type == ValueType.RATIO

    @property
    def is_percent(self) -> bool:
        return self.indicator.value_type == ValueType.PERCENT

    @property
    def version(self) -> int:
        return self.current.version if self.current else 0

    @property
    def fingerprint(self) -> str:
        c = self.current
        return fingerprint(c.value, c.numerator, c.denominator, c.note) if c else fingerprint(None, None, None, "")

    @property
    def display(self) -> str:
        return cell_display(self.current.as_cell() if self.current else None, percent=self.is_percent)

    @property
    def previous_display(self) -> str:
        return cell_display(self.previous.as_cell() if self.previous else None, percent=self.is_percent)


@dataclass
class FormGroup:
    name: str
    cells: list[FormCell]


@dataclass
class FormSection:
    code: str
    name: str
    groups: list[FormGroup]


@dataclass
class FormPage:
    unit: OrgUnit
    period: Period
    cells: list[FormCell]
    submission: Submission | None
    events: list[SubmissionEvent]
    can_enter: bool
    can_review: bool

    @property
    def status(self) -> str:
        if self.submission is not None:
            return self.submission.status
        return S.DRAFT if any(c.current for c in self.cells) else "none"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_locked(self) -> bool:
        return bool(self.submission and self.submission.is_locked)

    @property
    def unit_open(self) -> bool:
        return self.unit.is_open_between(self.period.calendar_start, self.period.calendar_end)

    @property
    def is_frozen(self) -> bool:
        """Submitted: nobody edits until a reviewer returns or approves it (the reviewer reads what was sent)."""
        return self.status == S.SUBMITTED

    @property
    def editable(self) -> bool:
        return self.can_enter and self.unit_open and not self.is_locked and not self.is_frozen and bool(self.cells)

    @property
    def can_submit(self) -> bool:
        return self.editable and self.status in ("none", S.DRAFT, S.RETURNED)

    @property
    def filled(self) -> int:
        return sum(1 for c in self.cells if c.current)

    @property
    def warning_count(self) -> int:
        return sum(len(c.warnings) for c in self.cells)

    @property
    def sections(self) -> list[FormSection]:
        out: list[FormSection] = []
        for cell in self.cells:
            ind = cell.indicator
            if not out or out[-1].code != ind.section:
                out.append(FormSection(ind.section, Section(ind.section).label, []))
            groups = out[-1].groups
            if not groups or groups[-1].name != ind.group.name:
                groups.append(FormGroup(ind.group.name, []))
            groups[-1].cells.append(cell)
        return out

    @property
    def last_return(self) -> SubmissionEvent | None:
        returns = [e for e in self.events if e.action == "return"]
        return returns[-1] if returns else None

    @property
    def lock_event(self) -> SubmissionEvent | None:
        approvals = [e for e in self.events if e.action == "approve"]
        return approvals[-1] if approvals else None


def form_page(*, unit: OrgUnit, period: Period, user) -> FormPage:
    """Everything the form shows: indicators of the unit's kind, this and the previous quarter's values,
    the submission and its steps, and the data-quality warnings of the stored values. Six queries."""
    from indicators.quality import quality_warnings

    indicators = list(Indicator.objects.active().reported_by(unit.kind).in_report_order())
    prev = period.previous()
    values = DataValue.objects.filter(org_unit=unit).filter(
        Q(year=period.year, quarter=period.quarter) | Q(year=prev.year, quarter=prev.quarter)
    )
    current, previous = {}, {}
    for v in values.select_related("updated_by"):
        (current if (v.year, v.quarter) == (period.year, period.quarter) else previous)[v.indicator_id] = v
    submission = Submission.objects.filter(org_unit=unit, year=period.year, quarter=period.quarter).first()
    events = list(submission.events.select_related("by")) if submission else []
    cells = [FormCell(i, current.get(i.pk), previous.get(i.pk), prev, number=n) for n, i in enumerate(indicators, start=1)]
    warnings = quality_warnings(
        unit=unit, period=period, cells={c.code: c.current.as_cell() for c in cells if c.current}, indicators=indicators
    )
    by_code = {c.code: c for c in cells}
    for w in warnings:
        by_code[w.indicator].warnings.append(w.message)
    return FormPage(
        unit=unit,
        period=period,
        cells=cells,
        submission=submission,
        events=events,
        can_enter=access.can_enter(user, unit),
        can_review=access.can_review(user, unit),
    )


# -- the entry list: a user's units and quarters ---------------------------------------------------


@dataclass
class QuarterRow:
    unit: OrgUnit
    period: Period
    submission: Submission | None
    filled: int
    expected: int
    today: datetime.date

    @property
    def is_open(self) -> bool:
        return self.unit.is_open_between(self.period.calendar_start, self.period.calendar_end)

    @property
    def status(self) -> str:
        if self.submission is not None:
            return self.submission.status
        return S.DRAFT if self.filled else "none"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def reported(self) -> bool:
        return self.status in (S.SUBMITTED, S.APPROVED)

    @property
    def started(self) -> bool:
        return self.today >= self.period.window_start

    @property
    def overdue(self) -> bool:
        return self.is_open and not self.reported and self.today > self.period.due_date

    @property
    def days_overdue(self) -> int:
        return (self.today - self.period.due_date).days

    @property
    def due_now(self) -> bool:
        """The data window has opened and the due date has not passed: this is the quarter to report."""
        return self.is_open and not self.reported and self.started and self.today <= self.period.due_date

    @property
    def late(self) -> bool:
        sub = self.submission
        return bool(self.reported and sub.submitted_at and timezone.localdate(sub.submitted_at) > self.period.due_date)


@dataclass
class ReturnedItem:
    submission: Submission
    today: datetime.date

    @property
    def days_overdue(self) -> int:
        """Days past the due date (0 if not yet due): a returned report is still owed."""
        return max(0, (self.today - self.submission.period.due_date).days)


@dataclass
class EntryOverview:
    year: int
    units: list[OrgUnit]
    rows: list[QuarterRow]
    returned_items: list[ReturnedItem]
    years: list[int]
    years_with_data: set[int] = field(default_factory=set)

    @property
    def returned(self) -> list[Submission]:
        return [r.submission for r in self.returned_items]

    def rows_of(self, unit) -> list[QuarterRow]:
        return [r for r in self.rows if r.unit.pk == unit.pk]

    @property
    def by_unit(self) -> list[tuple[OrgUnit, list[QuarterRow]]]:
        return [(u, self.rows_of(u)) for u in self.units]

    # The to-do list names each quarter once: a returned report is listed as returned (with how late it is),
    # not again as overdue or due.
    @property
    def overdue(self) -> list[QuarterRow]:
        return [r for r in self.rows if r.overdue and r.status != S.RETURNED]

    @property
    def due_now(self) -> list[QuarterRow]:
        return [r for r in self.rows if r.due_now and r.status != S.RETURNED]


def _expected_by_kind() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for reported_by in Indicator.objects.active().values_list("reported_by", flat=True):
        for kind in reported_by.split(","):
            counts[kind] += 1
    return counts


def default_entry_year(units: list[OrgUnit], day: datetime.date) -> int:
    """The current reporting year, or the last year in which the user's units were still open."""
    year = current_period(day).year
    ends = [u.valid_to.year for u in units if u.valid_to]
    if units and len(ends) == len(units):
        year = min(year, max(ends))
    return year


def entry_years(units: list[OrgUnit], day: datetime.date) -> tuple[list[int], set[int]]:
    """Every year the units can report in, and those that hold figures. One query.

    A unit reports from its valid_from (else from its first year with figures, else this year) to its
    valid_to (else the current reporting year); any year with figures is listed too.
    """
    now = current_period(day).year
    data: dict[int, set[int]] = defaultdict(set)
    for unit_id, year in DataValue.objects.filter(org_unit__in=units).values_list("org_unit_id", "year").distinct():
        data[unit_id].add(year)
    years: set[int] = set()
    for u in units:
        own = data.get(u.pk, set())
        first = u.valid_from.year if u.valid_from else min(own | {now})
        last = min(u.valid_to.year, now) if u.valid_to else now
        years.update(range(first, last + 1))
        years.update(own)
    with_data = set().union(*data.values()) if data else set()
    return sorted(y for y in years if YEAR_MIN <= y <= YEAR_MAX), with_data


def entry_overview(*, user, year: int | None = None, day: datetime.date | None = None) -> EntryOverview:
    """The user's units and the four quarters of a year, with status, due date and what is overdue.

    Six queries whatever the number of units: memberships, units, indicators, value counts, submissions,
    the years with figures.
    """
    day = day or today()
    units = list(access.entry_units(user).order_by("path"))
    if year is None:
        year = default_entry_year(units, day)
    expected = _expected_by_kind()
    counts = {
        (r["org_unit_id"], r["quarter"]): r["n"]
        for r in DataValue.objects.filter(org_unit__in=units, year=year).values("org_unit_id", "quarter").annotate(n=Count("id"))
    }
    subs = Submission.objects.filter(org_unit__in=units).filter(Q(year=year) | Q(status=S.RETURNED))
    by_cell, returned = {}, []
    for s in subs.select_related("org_unit", "reviewed_by").order_by("-year", "-quarter"):
        if s.year == year:
            by_cell[(s.org_unit_id, s.quarter)] = s
        if s.status == S.RETURNED:
            returned.append(ReturnedItem(s, day))
    # Only quarters the unit can report: a closed or not yet opened unit takes no data for them.
    rows = [
        QuarterRow(u, Period(year, q), by_cell.get((u.pk, q)), counts.get((u.pk, q), 0), expected.get(u.kind, 0), day)
        for u in units
        for q in (1, 2, 3, 4)
        if u.is_open_between(Period(year, q).calendar_start, Period(year, q).calendar_end)
    ]
    years, with_data = entry_years(units, day)
    if year not in years:
        years = sorted({*years, year})  # a year typed into the URL stays reachable from the list
    return EntryOverview(year=year, units=units, rows=rows, returned_items=returned, years=years, years_with_data=with_data)


# -- review ------------------------------------------------------------------------------------------


def read_roots(user) -> list[OrgUnit]:
    """Top units of the subtrees a user reviews or leads (nested ones dropped)."""
    if user.is_superuser:
        return list(OrgUnit.objects.filter(parent__isnull=True).order_by("code"))
    units = [
        m.org_unit for m in Membership.objects.filter(user=user, role__in=[Role.REVIEWER, Role.LEADER]).select_related("org_unit")
    ]
    units.sort(key=lambda u: u.path)
    roots: list[OrgUnit] = []
    for u in units:
        if not any(u.path.startswith(r.path) for r in roots):
            roots.append(u)
    return roots


def _subtree_q(roots: list[OrgUnit], prefix: str = "org_unit__") -> Q:
    q = Q(pk__in=[])
    for r in roots:
        q |= Q(**{f"{prefix}path__startswith": r.path})
    return q


@dataclass
class ReviewPage:
    period: Period
    roots: list[OrgUnit]
    status: str
    submissions: Page
    pending: list[Submission]
    pending_total: int
    counts: dict[str, int]
    coverage: list[Completeness]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def status_tabs(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.counts.get(value, 0)) for value, label in SubmissionStatus.choices]

    @property
    def coverage_by_root(self) -> list[tuple[OrgUnit, Completeness]]:
        return list(zip(self.roots, self.coverage, strict=True))


def default_review_period(roots: list[OrgUnit], day: datetime.date) -> Period:
    """The quarter of the oldest submission waiting for review, else the quarter being reported now."""
    sub = (
        Submission.objects.filter(_subtree_q(roots), status=S.SUBMITTED)
        .order_by("year", "quarter")
        .values_list("year", "quarter")
        .first()
    )
    return Period(*sub) if sub else current_period(day).previous()


REVIEW_PAGE_SIZE = 100
PENDING_SHOWN = 50


def review_page(*, roots: list[OrgUnit], period: Period, status: str = "", page_number=1) -> ReviewPage:
    """Submissions of the subtrees for a quarter (optionally of one status, a page at a time), the queue
    of what waits for review (oldest first), and who has reported. A fixed number of queries per root."""
    scope = Submission.objects.filter(_subtree_q(roots)).select_related("org_unit", "submitted_by", "reviewed_by")
    of_period = scope.filter(year=period.year, quarter=period.quarter)
    counts = {r["status"]: r["n"] for r in of_period.order_by().values("status").annotate(n=Count("id")).values("status", "n")}
    listed = of_period.filter(status=status) if status else of_period
    waiting = scope.filter(status=S.SUBMITTED)
    pending = list(waiting.order_by("submitted_at", "id")[:PENDING_SHOWN])
    pending_total = len(pending) if len(pending) < PENDING_SHOWN else waiting.count()
    coverage = [completeness(root=r, year=period.year, quarter=period.quarter) for r in roots]
    listed_count = counts.get(status, 0) if status else sum(counts.values())
    paginator = Paginator(listed.order_by("org_unit__path", "id"), REVIEW_PAGE_SIZE)
    paginator.count = listed_count  # known from the status counts: saves a COUNT query
    submissions = paginator.get_page(page_number)
    for sub in [*submissions, *pending]:
        sub.late = submission_is_late(sub)
    return ReviewPage(
        period=period,
        roots=roots,
        status=status,
        submissions=submissions,
        pending=pending,
        pending_total=pending_total,
        counts=counts,
        coverage=coverage,
    )


def submission_is_late(sub: Submission) -> bool:
    return bool(sub.submitted_at and timezone.localdate(sub.submitted_at) > sub.period.due_date)


# -- history -----------------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    change: ValueChange
    old: str
    new: str
    old_note: str
    new_note: str


def cell_history(*, unit: OrgUnit, period: Period, indicator: Indicator | None = None, limit: int = 500) -> list[HistoryRow]:
    """Who changed which cell of the form, when, from which channel, old → new (newest first). One query."""
    changes = ValueChange.objects.filter(org_unit=unit, year=period.year, quarter=period.quarter)
    if indicator is not None:
        changes = changes.filter(indicator=indicator)
    rows = []
    for ch in changes.select_related("indicator", "changed_by").order_by("-changed_at", "-id")[:limit]:
        percent = ch.indicator.value_type == ValueType.PERCENT
        rows.append(
            HistoryRow(
                change=ch,
                old=cell_display(ch.old, percent=percent),
                new=cell_display(ch.new, percent=percent),
                old_note=(ch.old or {}).get("note") or "",
                new_note=(ch.new or {}).get("note") or "",
            )
        )
    return rows
