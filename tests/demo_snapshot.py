"""The demo data as the session's `seed_demo` left it, kept in copies of its tables inside the test database.

Tests that commit flush the database when they finish; the next one needs the
demo data again. Running `seed_demo` for it costs ~7 s (every row goes through
the services, with their checks and audit rows), and about fifty tests need it:
half the suite's time. Copying the rows back from the kept tables does the same
in a fraction of a second, with the same primary keys, on SQLite and PostgreSQL.
`seed_demo` itself is still run, and tested, once per session.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connections, transaction

from organizations.data_version import data_changed

PREFIX = "snapshot_"


def _tables(connection) -> list[str]:
    # Only the models' tables: flush empties exactly these, and leaves the copies alone.
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def take(using: str = "default") -> None:
    connection = connections[using]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in _tables(connection):
            cursor.execute(f"DROP TABLE IF EXISTS {q(PREFIX + table)}")
            cursor.execute(f"CREATE TABLE {q(PREFIX + table)} AS SELECT * FROM {q(table)}")


def restore(using: str = "default") -> None:
    """Empty every table, as flush does, and put the seed's rows back, in one transaction."""
    connection = connections[using]
    q = connection.ops.quote_name
    tables = _tables(connection)
    with transaction.atomic(using=using):
        # The foreign keys are deferred to the commit, so the order of the tables does not matter.
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, allow_cascade=True))
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"INSERT INTO {q(table)} SELECT * FROM {q(PREFIX + table)}")
            # The next id of each table follows the restored rows (PostgreSQL; SQLite does it by itself).
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                cursor.execute(sql)
    # The flush's post_migrate made content types anew under other ids; the restored ones are the seed's.
    ContentType.objects.clear_cache()
    # Every kept figure and document is of the data before: the version moves, for anything.
    data_changed(using=using)
