"""PostgreSQL logs the writes the portal does not make itself (a fix in psql, a data-only restore).

The portal logs its own writes in Python (`organizations.data_version`); its
connections say so with `reform.change_log = portal` (settings.py), and these
triggers leave them alone. Any other session's write to a table figures are made
of stages the (unit, year) cells it touched, per transaction; at its commit a
deferred trigger moves the data version and logs those cells, in that same
transaction, as the portal would have. Readers then refresh those cells instead
of checking everything against the data, and nobody has to remember
`mark_data_changed` after a fix. SQLite has no such log: there that command is
still how a change by hand is made known.
"""

from django.db import migrations

# Written as `data_version._bumped` writes: one version, one log row, cells as [[unit, year], …] (null:
# "anything"), more than MAX_LOGGED_CELLS (20,000) cells or names with cells (no tree) also "anything".
INSTALL = """
CREATE TABLE reform_pending_change (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind char(1) NOT NULL,
    unit_id bigint NOT NULL DEFAULT 0,
    year integer NOT NULL DEFAULT 0,
    PRIMARY KEY (xid, kind, unit_id, year)
);
COMMENT ON TABLE reform_pending_change IS
    'Writes made outside the portal, staged until their commit logs them (indicators migration 0008); empty between transactions. Kinds: c a (unit, year) cell, t the unit tree, l names only, a anything.';

CREATE FUNCTION reform_stage_cells() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO reform_pending_change (kind, unit_id, year) VALUES ('c', OLD.org_unit_id, OLD.year)
            ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO reform_pending_change (kind, unit_id, year) VALUES ('c', NEW.org_unit_id, NEW.year)
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION reform_stage_kind() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    staged char(1) := TG_ARGV[0];
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF current_setting('reform.change_log', true) IS NOT DISTINCT FROM 'portal' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_NARGS > 1 THEN  -- names only, unless a column some figure reads changed
        old_row := to_jsonb(OLD);
        new_row := to_jsonb(NEW);
        staged := 'l';
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            IF old_row -> TG_ARGV[i] IS DISTINCT FROM new_row -> TG_ARGV[i] THEN
                staged := TG_ARGV[0];
                EXIT;
            END IF;
        END LOOP;
    END IF;
    INSERT INTO reform_pending_change (kind) VALUES (staged) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION reform_log_staged() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    kinds text[];
    cell_count integer;
    staged jsonb;
    anything boolean;
    logged_number bigint;
    logged_at timestamptz := clock_timestamp();
BEGIN
    WITH flushed AS (
        DELETE FROM reform_pending_change WHERE xid = pg_current_xact_id() RETURNING kind, unit_id, year
    )
    SELECT array_agg(DISTINCT kind), count(*) FILTER (WHERE kind = 'c'),
           jsonb_agg(jsonb_build_array(unit_id, year) ORDER BY unit_id, year) FILTER (WHERE kind = 'c')
      INTO kinds, cell_count, staged
      FROM flushed;
    IF kinds IS NULL THEN
        RETURN NULL;  -- an earlier row's trigger of this transaction logged them
    END IF;
    anything := 'a' = ANY (kinds) OR cell_count > 20000 OR ('l' = ANY (kinds) AND cell_count > 0 AND 't' <> ALL (kinds));
    INSERT INTO organizations_dataversion (id, number, changed_at) VALUES (1, 1, logged_at)
        ON CONFLICT (id) DO UPDATE SET number = organizations_dataversion.number + 1, changed_at = EXCLUDED.changed_at
        RETURNING number INTO logged_number;
    INSERT INTO organizations_datachange (number, cells, tree, changed_at) VALUES (
        logged_number,
        CASE WHEN anything THEN NULL ELSE COALESCE(staged, '[]'::jsonb) END,
        NOT anything AND 't' = ANY (kinds),
        logged_at
    );
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER reform_log_staged AFTER INSERT ON reform_pending_change
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reform_log_staged();
"""

# (table, what a write to it is to the log, the columns figures read: an update of none of them is names only).
# The columns are the models' `figure_fields` (a test holds them to it): a rename outside refolds nothing either.
TABLES = (
    ("indicators_datavalue", "c", ()),
    ("indicators_submission", "c", ()),
    ("indicators_indicator", "a", ("code", "value_type", "time_aggregation", "unit_aggregation", "reported_by", "is_active")),
    ("indicators_indicatorgroup", "l", ()),
    ("organizations_orgunit", "t", ("code", "kind", "parent_id", "valid_from", "valid_to", "path", "depth")),
    ("organizations_orgunit_predecessors", "t", ()),
)

# A row trigger whose WHEN skips the portal's own connections: for them a bulk write pays that test per row, no call.
OUTSIDE = "WHEN (current_setting('reform.change_log', true) IS DISTINCT FROM 'portal')"


def _triggers():
    for table, kind, columns in TABLES:
        row = "reform_stage_cells()" if kind == "c" else f"reform_stage_kind({', '.join(repr(a) for a in (kind, *columns))})"
        yield f"CREATE TRIGGER reform_stage AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW {OUTSIDE} EXECUTE FUNCTION {row};"
        truncated = "a" if kind == "c" else kind
        yield f"CREATE TRIGGER reform_stage_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION reform_stage_kind('{truncated}');"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(INSTALL)
    for statement in _triggers():
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _kind, _columns in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS reform_stage ON {table}; DROP TRIGGER IF EXISTS reform_stage_truncate ON {table};")
    schema_editor.execute(
        "DROP TABLE IF EXISTS reform_pending_change;"
        " DROP FUNCTION IF EXISTS reform_log_staged(), reform_stage_kind(), reform_stage_cells();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_fold_snapshot"),
        ("organizations", "0008_data_change_changed_at"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
