"""Database URLs, without importing a database driver: the command line decides from
the URL which drivers a run needs (`tui.main`)."""
from __future__ import annotations

from pathlib import Path

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


# The PostgreSQL drivers peewee looks for. It imports whichever is installed as it is
# itself imported, whatever database is opened later: for psycopg2, its libpq and
# OpenSSL, about 10 ms of every start-up (bench/tui.py), which a SQLite run never uses.
POSTGRES_DRIVERS = ("psycopg2", "psycopg")


def import_peewee_for(url: str) -> None:
    """Import peewee, without the PostgreSQL drivers unless `url` is PostgreSQL.

    For a program that opens one database, decided before anything imports peewee
    (`tui.main`). Afterwards the drivers are importable again, but this peewee has none:
    opening a PostgreSQL URL in the same process fails with peewee's "driver not found".
    Once peewee is imported, this does nothing."""
    import sys
    if "peewee" in sys.modules or is_postgres_url(url):
        return
    hidden = [name for name in POSTGRES_DRIVERS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment] - "import name" raises ImportError
    try:
        import peewee  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
