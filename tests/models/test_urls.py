"""Database URLs: `sqlite:///relative` and `sqlite:////absolute` open where expected, as
in playhouse.db_url, and missing parent folders are created."""
from __future__ import annotations

from pathlib import Path

import pytest
from peewee import SqliteDatabase

from models.accounts import system_account
from models.db import open_database, sqlite_url


@pytest.fixture
def opened():
    """open(url) -> database; every database opened is closed afterwards."""
    databases = []

    def open_(url: str):
        databases.append(open_database(url))
        return databases[-1]
    yield open_
    for database in databases:
        database.close()


def test_a_relative_url_opens_relative_to_the_working_folder(tmp_path, monkeypatch, opened):
    monkeypatch.chdir(tmp_path)
    db = opened("sqlite:///relative.db")
    assert isinstance(db, SqliteDatabase)
    assert (tmp_path / "relative.db").is_file()
    assert Path(db.database).resolve() == (tmp_path / "relative.db").resolve()


def test_an_absolute_url_has_four_slashes(tmp_path, monkeypatch, opened):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    target = tmp_path / "absolute.db"
    url = f"sqlite:///{target}"
    assert url.startswith("sqlite:////")
    opened(url)
    assert target.is_file()
    assert list(elsewhere.iterdir()) == []  # nothing written relative to the cwd


def test_sqlite_url_makes_an_absolute_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sqlite_url("data.db") == f"sqlite:///{tmp_path.resolve() / 'data.db'}"
    assert sqlite_url(tmp_path / "x" / "data.db").startswith("sqlite:////")


def test_missing_parent_folders_are_created(tmp_path, monkeypatch, opened):
    opened(sqlite_url(tmp_path / "a" / "b" / "c" / "deep.db"))
    assert (tmp_path / "a" / "b" / "c" / "deep.db").is_file()
    monkeypatch.chdir(tmp_path)
    opened("sqlite:///rel/nested/also.db")
    assert (tmp_path / "rel" / "nested" / "also.db").is_file()


def test_an_in_memory_database_opens_with_the_schema(opened, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    opened("sqlite:///:memory:")
    assert system_account().login == "system"
    assert list(tmp_path.iterdir()) == []  # no file called ":memory:"


def test_a_url_opened_twice_reuses_the_file(tmp_path, opened):
    url = sqlite_url(tmp_path / "twice.db")
    opened(url).close()
    opened(url)
    assert system_account().login == "system"
