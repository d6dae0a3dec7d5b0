from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from indicators.models import Channel
from indicators.services import OPTIONAL_VALUE_COLUMNS, VALUE_COLUMNS, NotAllowed, values_import
from organizations import access
from reform_portal.commands import check_file, run_import


class Command(BaseCommand):
    help = (
        f"Import quarterly values from a .csv or .xlsx with the columns {', '.join(VALUE_COLUMNS)} "
        f"(optional: {', '.join(OPTIONAL_VALUE_COLUMNS)}, dd/mm/yyyy). "
        "All or nothing: any bad row saves nothing and is listed with its line number "
        "(the first 200 per column, then a count). On PostgreSQL the file is streamed into a staging table "
        "and checked and written in SQL, in flat memory. "
        "--approve loads a province's history as approved quarters (a reviewer or administrator, named with --by)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; save nothing.")
        parser.add_argument(
            "--approve",
            action="store_true",
            help="Approve every quarter the file writes, in the same transaction, recorded as approved on import.",
        )
        parser.add_argument("--by", metavar="USERNAME", help="Who approves (--approve): a reviewer of the units, or a superuser.")

    def handle(self, *args, file, dry_run, approve, by, **opts):
        user = None
        if approve:
            if not by:
                raise CommandError("--approve needs --by USERNAME: the reviewer or administrator who approves the history.")
            user = get_user_model().objects.filter(username=by, is_active=True).first()
            if user is None:
                raise CommandError(f"Unknown user: {by}")
            if not (user.is_superuser or access.review_roots(user)):
                raise CommandError(f"{by} is not a reviewer or administrator: only they may load approved history.")
        elif by:
            raise CommandError("--by goes with --approve.")
        name = check_file(file)
        try:
            with open(file, "rb") as f:  # read as it goes: a file of a million rows is never held whole
                r = run_import(
                    self,
                    lambda: values_import(
                        name=name, fileobj=f, by=user, channel=Channel.COMMAND, dry_run=dry_run, approve=approve
                    ),
                    dry_run=dry_run,
                )
        except NotAllowed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} error(s); nothing was saved.") from None
        self.stdout.write(f"{r.created} new, {r.updated} updated, {r.cleared} cleared, {r.unchanged} unchanged.")
        if approve and not dry_run:
            self.stdout.write(f"Quarters written are approved on import by {by}.")
