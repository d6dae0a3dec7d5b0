"""Backup and restore as README describes it: pg_dump -Fc, pg_restore into a new database, same annual figures.

PostgreSQL only (pg_dump works on nothing else): runs whenever the suite runs on PostgreSQL, as CI's does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres
BASE = Path(__file__).resolve().parent.parent


def pg_env(db: dict) -> dict:
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432), "PGUSER": db["USER"]}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def annual_figures(database_url: str, out: Path) -> dict:
    """`export_report 2018 --format json` run as an operator would, against `database_url`."""
    # No replica: the suite's (CI's) streams another database than the one named here.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"} | {"DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "manage.py", "export_report", "2018", "--format", "json", "-o", str(out)],
        cwd=BASE,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_dump_restored_into_a_new_database_gives_identical_annual_figures(db, tmp_path):
    settings_dict = connection.settings_dict
    name, env = settings_dict["NAME"], pg_env(settings_dict)
    restored = f"{name}_restored"
    dump = tmp_path / "portal.dump"
    subprocess.run(["pg_dump", "-w", "-Fc", "-d", name, "-f", str(dump)], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run(["dropdb", "-w", "--if-exists", restored], env=env, check=True, capture_output=True)
    subprocess.run(["createdb", "-w", restored], env=env, check=True, capture_output=True)
    try:
        subprocess.run(
            ["pg_restore", "-w", "--no-owner", "--exit-on-error", "-d", restored, str(dump)],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
        url = f"postgres://{env['PGUSER']}{password}@{env['PGHOST']}:{env['PGPORT']}/"
        before = annual_figures(url + name, tmp_path / "before.json")
        after = annual_figures(url + restored, tmp_path / "after.json")
    finally:
        subprocess.run(["dropdb", "-w", "--if-exists", restored], env=env, capture_output=True)

    assert after == before
    figures = before["figures"]
    assert figures["level3_services_province_district"]["display"] == "2.213"  # the 2018 report's figure: the dump was not empty
    assert sum(1 for f in figures.values() if f["value"] is not None or f["numerator"] is not None) >= 40
