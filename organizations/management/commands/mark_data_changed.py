from django.core.management.base import BaseCommand
from django.db import router
from django.utils import timezone

from organizations import data_version
from organizations.models import DataVersion


class Command(BaseCommand):
    help = (
        "Say that the data changed behind the portal's back (a dump restored into the live database, SQL run "
        "by hand on SQLite; on PostgreSQL the database logs other sessions' writes itself): the data version moves for anything, so every worker checks its kept figures against the "
        "data (refolding what differs) and every document, ETag and Last-Modified is made anew."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=None, help="Database alias (default: the one writes go to).")

    def handle(self, *args, database=None, **opts):
        alias = database or router.db_for_write(DataVersion) or "default"  # the primary: a replica may lag
        before = data_version.current(alias)
        data_version.data_changed(using=alias)  # outside a transaction: committed at once
        after = data_version.current(alias)
        self.stdout.write(
            f"Data version {before.number} → {after.number} ({timezone.localtime(after.changed_at):%Y-%m-%d %H:%M:%S}): "
            "every kept figure is checked against the data when next read."
        )
