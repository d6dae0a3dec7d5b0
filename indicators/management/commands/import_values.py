from django.core.management.base import BaseCommand

from indicators.models import Channel
from indicators.services import VALUE_COLUMNS, values_import
from reform_portal.commands import read_file, run_import


class Command(BaseCommand):
    help = (
        f"Import quarterly values from a .csv or .xlsx with the columns {', '.join(VALUE_COLUMNS)}. "
        "All or nothing: any bad row saves nothing and is listed with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; save nothing.")

    def handle(self, *args, file, dry_run, **opts):
        name, data = read_file(file)
        r = run_import(
            self, lambda: values_import(name=name, data=data, by=None, channel=Channel.COMMAND, dry_run=dry_run), dry_run=dry_run
        )
        self.stdout.write(f"{r.created} new, {r.updated} updated, {r.cleared} cleared, {r.unchanged} unchanged.")
