from pathlib import Path

from django.core.management.base import BaseCommand

from indicators.services import INDICATOR_COLUMNS, INDICATOR_OPTIONAL_COLUMNS, catalogue_load
from reform_portal.commands import read_file, run_import
from reform_portal.tabular import read_rows


class Command(BaseCommand):
    help = (
        f"Add or update indicators from a .csv or .xlsx with the columns {', '.join(INDICATOR_COLUMNS)} "
        f"(optional: {', '.join(INDICATOR_OPTIONAL_COLUMNS)}), as export_indicators writes them. "
        "Groups must exist. All or nothing: any bad row saves nothing and is listed with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; save nothing.")

    def handle(self, *args, file, dry_run, **opts):
        name, data = read_file(file)
        result = run_import(
            self,
            lambda: catalogue_load(
                groups=[],
                indicators=read_rows(
                    Path(name).name, data, required=INDICATOR_COLUMNS, allowed=INDICATOR_COLUMNS + INDICATOR_OPTIONAL_COLUMNS
                ),
                dry_run=dry_run,
            ),
            dry_run=dry_run,
        )
        self.stdout.write(f"{result['total']} indicator(s): {result['created']} new, {result['updated']} updated.")
