"""Reminder mails to the clerks of units that have not reported a quarter.

Two moments, from the Decree 09/2019 window (indicators.periods): *due soon*
while the quarter's data window closes within N days, *overdue* once its due
date (window end + grace days) has passed. Who has reported comes from
indicators.completeness, the same answer the review page and the dashboard
show. Every mail is logged (Reminder) before it is sent, and the log's unique
constraint (unit, quarter, kind, recipient) is what makes a second run, a
second server or a second click send nothing twice.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from indicators.completeness import completeness
from indicators.models import Reminder, ReminderKind
from indicators.periods import Period, current_period
from organizations.models import Membership, OrgUnit, Role

log = logging.getLogger(__name__)
DEFAULT_DAYS = 5


@dataclass
class Outcome:
    """What a run did (or, with dry_run, would do)."""

    sent: list[Reminder] = field(default_factory=list)
    skipped: list[Reminder] = field(default_factory=list)  # already reminded: nobody gets it twice
    failed: list[tuple[Reminder, str]] = field(default_factory=list)
    no_recipient: list[tuple[OrgUnit, Period]] = field(default_factory=list)


def kind_on(period: Period, today: datetime.date, days: int) -> str | None:
    """due_soon while the window closes in 0..days days; overdue after the due date; else nothing."""
    if today > period.due_date:
        return ReminderKind.OVERDUE
    if 0 <= (period.window_end - today).days <= days:
        return ReminderKind.DUE_SOON
    return None


def periods_to_remind(today: datetime.date, days: int) -> list[tuple[Period, str]]:
    """The quarter being collected now (due soon) and the one before it (overdue once past its due date)."""
    out = []
    for period in (current_period(today).previous(), current_period(today)):
        kind = kind_on(period, today, days)
        if kind:
            out.append((period, kind))
    return out


def clerks_of(units: list[OrgUnit]) -> dict[int, list]:
    """Active clerks with an address, by unit id (one query)."""
    out: dict[int, list] = {}
    memberships = Membership.objects.filter(
        org_unit__in=units, role=Role.CLERK, user__is_active=True, user__email__gt=""
    ).select_related("user")
    for m in memberships.order_by("user__username"):
        out.setdefault(m.org_unit_id, []).append(m.user)
    return out


def _message(reminder: Reminder, unit: OrgUnit, period: Period, *, connection) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "unit": unit,
            "period": period,
            "kind": reminder.kind,
            "user": reminder.recipient,
            "url": settings.SITE_URL.rstrip("/")
            + reverse("indicators:entry_form", args=[unit.code, period.year, period.quarter]),
        }
        subject = render_to_string("indicators/reminder_subject.txt", context).strip()
        body = render_to_string("indicators/reminder_email.txt", context)
    return EmailMessage(subject, body, to=[reminder.email], connection=connection)


def reminders_send(*, unit: OrgUnit, period: Period, kind: str, by=None, dry_run: bool = False, outcome=None) -> Outcome:
    """Mail each clerk of `unit` about `period` once per kind; `by` is the reviewer (None: the command)."""
    outcome = outcome or Outcome()
    recipients = clerks_of([unit]).get(unit.pk, [])
    if not recipients:
        outcome.no_recipient.append((unit, period))
        return outcome
    connection = None if dry_run else get_connection()
    for user in recipients:
        key = {"org_unit": unit, "year": period.year, "quarter": period.quarter, "kind": kind, "recipient": user}
        previous = Reminder.objects.filter(**key).first()
        if previous:
            outcome.skipped.append(previous)
            continue
        reminder = Reminder(**key, email=user.email, sent_by=by)
        if dry_run:
            outcome.sent.append(reminder)
            continue
        try:
            with transaction.atomic():
                reminder.save()  # logged first: a concurrent run hits the unique constraint and skips
        except IntegrityError:
            outcome.skipped.append(Reminder.objects.get(**key))
            continue
        try:
            _message(reminder, unit, period, connection=connection).send()
        except OSError as exc:  # smtplib errors are OSErrors: the mail did not go, so it may be tried again
            reminder.delete()
            log.warning("Reminder to %s for %s %s not sent: %s", user.email, unit.code, period.label, exc)
            outcome.failed.append((reminder, str(exc)))
        else:
            outcome.sent.append(reminder)
    return outcome


def reminders_run(*, today: datetime.date | None = None, days: int = DEFAULT_DAYS, dry_run: bool = False) -> Outcome:
    """Every unit that has not reported a quarter due soon or overdue today, across the whole tree."""
    today = today or timezone.localdate()
    outcome = Outcome()
    for period, kind in periods_to_remind(today, days):
        for root in OrgUnit.objects.filter(parent__isnull=True).order_by("code"):
            for status in completeness(root=root, year=period.year, quarter=period.quarter).missing:
                reminders_send(unit=status.unit, period=period, kind=kind, dry_run=dry_run, outcome=outcome)
    return outcome


def reminder_kind_now(period: Period, today: datetime.date | None = None) -> str:
    """A reviewer's reminder: overdue after the due date, else a due-soon reminder (however far away)."""
    today = today or timezone.localdate()
    return ReminderKind.OVERDUE if today > period.due_date else ReminderKind.DUE_SOON


def last_reminders(units: list[OrgUnit], period: Period) -> dict[int, Reminder]:
    """The latest reminder of each unit for the quarter (one query), for the review page."""
    out: dict[int, Reminder] = {}
    for r in Reminder.objects.filter(org_unit__in=units, year=period.year, quarter=period.quarter).order_by("sent_at"):
        out[r.org_unit_id] = r
    return out
