import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.aggregation import report_document
from organizations.models import OrgUnit

FORMATS = ["json"]


class Command(BaseCommand):
    help = "Write the annual report of YEAR (year to date up to --quarter) for a unit's subtree."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--quarter", type=int, default=4, choices=[1, 2, 3, 4])
        parser.add_argument("--unit", default=None, help="Unit code (default: the root of the tree).")
        parser.add_argument("--format", default="json", choices=FORMATS)
        parser.add_argument("-o", "--output", default="-", help="File to write ('-': standard output).")

    def handle(self, *args, year, quarter, unit, format, output, **opts):
        if unit:
            org_unit = OrgUnit.objects.filter(code=unit).first()
            if org_unit is None:
                raise CommandError(f"Unknown unit: {unit}")
        else:
            org_unit = OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
            if org_unit is None:
                raise CommandError("No units yet: run seed_demo or import_org_units first.")
        doc = report_document(org_unit=org_unit, year=year, quarter=quarter)
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        if output == "-":
            self.stdout.write(text)
        else:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
