from django.core.management.base import BaseCommand

from campaigns.services import ACTIVITY_COLUMNS, ACTIVITY_EXTRA_COLUMNS, activities_import
from indicators.models import Channel
from reform_portal.commands import read_file, run_import


class Command(BaseCommand):
    help = (
        f"Import outreach activities from a .csv or .xlsx with the columns {', '.join(ACTIVITY_COLUMNS)} "
        f"(optionally {', '.join(ACTIVITY_EXTRA_COLUMNS)}). All or nothing: any bad row saves nothing and is "
        "listed with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; save nothing.")

    def handle(self, *args, file, dry_run, **opts):
        name, data = read_file(file)
        saved = run_import(
            self,
            lambda: activities_import(name=name, data=data, by=None, channel=Channel.COMMAND, dry_run=dry_run),
            dry_run=dry_run,
        )
        self.stdout.write(f"{len(saved)} activities {'checked' if dry_run else 'saved'}.")
