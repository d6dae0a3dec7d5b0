import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.aggregation import Layer, report_document
from organizations.models import OrgUnit
from reform_portal.read_your_writes import command_reads

FORMATS = ["json", "html", "xlsx", "docx"]


class Command(BaseCommand):
    help = "Write the annual report of YEAR (year to date up to --quarter) for a unit's subtree."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--quarter", type=int, default=4, choices=[1, 2, 3, 4])
        parser.add_argument("--unit", default=None, help="Unit code (default: the root of the tree).")
        parser.add_argument(
            "--status",
            default=Layer.OFFICIAL,
            choices=Layer.values,
            help="Which values: official (approved quarters, the default), submitted (under review too), all (drafts too).",
        )
        parser.add_argument("--format", default="json", choices=FORMATS)
        parser.add_argument("-o", "--output", default="-", help="File to write ('-': standard output).")

    def handle(self, *args, **opts):
        # On the replica when there is one that holds every commit before this run.
        return command_reads(lambda: self._handle(**opts))

    def _handle(self, *, year, quarter, unit, status, format, output, **opts):
        if unit:
            org_unit = OrgUnit.objects.filter(code=unit).first()
            if org_unit is None:
                raise CommandError(f"Unknown unit: {unit}")
        else:
            org_unit = OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
            if org_unit is None:
                raise CommandError("No units yet: run seed_demo or import_org_units first.")
        if format != "json":
            return self._document(org_unit, year, quarter, status, format, output)
        doc = report_document(org_unit=org_unit, year=year, quarter=quarter, layer=status)
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        if output == "-":
            self.stdout.write(text)
        else:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {output}")

    def _document(self, org_unit, year, quarter, status, format, output):
        """The full report (sentences, narrative, appendix) as html, xlsx or docx — what the page downloads."""
        from reports import render_docx, render_xlsx
        from reports.annual import annual_report, render_html

        if format in ("xlsx", "docx") and output == "-":
            raise CommandError(f"--format {format} writes a binary file: give -o FILE.")
        report = annual_report(org_unit=org_unit, year=year, quarter=quarter, layer=status)
        if format == "html":
            text = render_html(report)
            if output == "-":
                self.stdout.write(text)
                return
            Path(output).write_text(text, encoding="utf-8")
        else:
            # Straight into the file, row by row for the xlsx; a run that fails leaves no half-written file.
            renderer = render_xlsx if format == "xlsx" else render_docx
            path = Path(output)
            try:
                with path.open("wb") as f:
                    renderer.write(report, f)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        self.stderr.write(f"Wrote {output}")
