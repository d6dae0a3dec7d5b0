from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from indicators.reminders import DEFAULT_DAYS, reminders_run


class Command(BaseCommand):
    help = (
        "E-mail the clerks of every unit that has not reported a quarter whose Decree 09/2019 data window "
        "closes within --days days, or whose due date has passed. Each mail is logged: running it again "
        "(from cron or a systemd timer) sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"Remind this many days before the window closes (default {DEFAULT_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List the mails that would be sent; send and log nothing.")
        parser.add_argument("--today", help="Run as on this date (YYYY-MM-DD), e.g. to catch up after an outage.")

    def handle(self, *args, days, dry_run, today, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        day = None
        if today:
            day = parse_date(today)
            if day is None:
                raise CommandError(f"--today must be a date YYYY-MM-DD (got {today!r}).")
        outcome = reminders_run(today=day, days=days, dry_run=dry_run)
        verb = "would send" if dry_run else "sent"
        for r in outcome.sent:
            self.stdout.write(
                f"{verb}: {r.org_unit.code} Q{r.quarter}/{r.year} {r.kind} → {r.recipient.get_username()} <{r.email}>"
            )
        for r, error in outcome.failed:
            self.stderr.write(f"failed: {r.org_unit.code} Q{r.quarter}/{r.year} {r.kind} → {r.email}: {error}")
        for unit, period in outcome.no_recipient:
            self.stdout.write(f"no clerk with an e-mail address: {unit.code} Q{period.quarter}/{period.year}")
        self.stdout.write(
            f"{len(outcome.sent)} {verb}, {len(outcome.skipped)} already reminded, {len(outcome.failed)} failed, "
            f"{len(outcome.no_recipient)} units without a clerk's address."
        )
        if outcome.failed:
            raise CommandError(f"{len(outcome.failed)} reminders could not be sent; they will be tried on the next run.")
