from django.core.management.base import BaseCommand

from organizations.services import UNIT_COLUMNS, UNIT_OPTIONAL_COLUMNS, org_units_import
from reform_portal.commands import read_file, run_import
from reform_portal.tabular import read_rows


class Command(BaseCommand):
    help = (
        f"Add or update org units from a .csv or .xlsx with the columns {', '.join(UNIT_COLUMNS)} "
        f"(optional: {', '.join(UNIT_OPTIONAL_COLUMNS)}; predecessors are codes separated by ';'). All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; save nothing.")

    def handle(self, *args, file, dry_run, **opts):
        name, data = read_file(file)
        result = run_import(
            self,
            lambda: org_units_import(
                rows=read_rows(
                    name, data, required=["code", "parent", "kind", "name_vi"], allowed=UNIT_COLUMNS + UNIT_OPTIONAL_COLUMNS
                ),
                dry_run=dry_run,
            ),
            dry_run=dry_run,
        )
        self.stdout.write(f"{result['total']} unit(s): {result['created']} new, {result['updated']} updated.")
