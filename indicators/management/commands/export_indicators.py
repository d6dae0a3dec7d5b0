from django.core.management.base import BaseCommand

from indicators.catalogue import EXPORT_COLUMNS, catalogue_csv


class Command(BaseCommand):
    help = f"Write the indicator catalogue as CSV ({', '.join(EXPORT_COLUMNS)}); import_indicators reads it back."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args, output=None, **opts):
        text = catalogue_csv()
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            self.stdout.write(f"{text.count(chr(10)) - 1} indicator(s) written to {output}.")
        else:
            self.stdout.write(text, ending="")
