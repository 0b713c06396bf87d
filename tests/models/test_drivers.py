"""The installed command imports the PostgreSQL driver only for a PostgreSQL URL
(`models.urls.import_peewee_for`, called by `tui.main`): psycopg2 brings libpq and
OpenSSL, start-up time a SQLite user would pay for nothing. Each case runs in a fresh
interpreter, since this one has imported peewee already."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r'''
import json, sys
from models.urls import import_peewee_for
import_peewee_for(sys.argv[1])
import peewee
loaded = "psycopg2" in sys.modules
import psycopg2  # importable again afterwards, whatever was decided
print(json.dumps({"loaded": loaded, "peewee_has_driver": peewee.psycopg2 is not None}))
'''


def probe(url: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, url], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_a_sqlite_url_leaves_the_postgresql_driver_unloaded():
    assert probe("sqlite:///x.db") == {"loaded": False, "peewee_has_driver": False}


def test_a_postgresql_url_gets_the_driver():
    for url in ("postgresql://u@localhost/db", "postgres://u@localhost/db"):
        assert probe(url) == {"loaded": True, "peewee_has_driver": True}


def test_once_peewee_is_imported_nothing_changes():
    # This process imported peewee with its driver: a later call must not take it away.
    import peewee

    from models.urls import import_peewee_for
    import_peewee_for("sqlite:///x.db")
    assert peewee.psycopg2 is not None
    assert sys.modules.get("psycopg2") is not None


def test_the_command_on_sqlite_runs_without_the_driver(tmp_path):
    """End to end: `milestones --db sqlite:///... demo` as installed (tui.main), then the
    audit chain of what it wrote checks out; psycopg2 was never loaded."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    code = ("import sys; from tui.main import main; rc = main(sys.argv[1:]); "
            "print('psycopg2' in sys.modules); sys.exit(rc)")
    for args in (["--db", url, "demo"], ["--db", url, "audit", "verify"]):
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1] == "False"
