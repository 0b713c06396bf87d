"""The unique indexes really exist after create_tables (DESIGN.md: peewee pitfalls), and
they really refuse a duplicate. They are the last line behind the checks in rules/."""
from __future__ import annotations

import pytest
from peewee import IntegrityError

from models.accounts import Account
from models.contracts import Feedback
from models.db import ALL_MODELS
from models.ledger import LedgerTransfer
from models.vocabulary import Role


def indexes(db, table: str) -> dict[tuple[str, ...], bool]:
    """{columns: unique} of the indexes SQLite really has on `table`."""
    return {tuple(i.columns): i.unique for i in db.get_indexes(table)}


@pytest.mark.parametrize("table, columns", [
    ("ledger_transfer", ("once_key",)),          # nothing paid twice
    ("feedback", ("contract_id", "author_id")),  # G-04: feedback once per party
    ("account", ("login",)),
])
def test_the_unique_indexes_exist(db, table, columns):
    assert indexes(db, table).get(columns) is True, indexes(db, table)


def test_every_declared_index_exists(db):
    """Each index a model declares (Meta.indexes, index=True, unique=True, foreign keys)
    is in the database, unique where declared unique."""
    for model in ALL_MODELS:
        table = model._meta.table_name
        actual = indexes(db, table)
        declared: dict[tuple[str, ...], bool] = {}
        for field in model._meta.sorted_fields:
            if (field.index or field.unique) and not field.primary_key:
                declared[(field.column_name,)] = bool(field.unique)
        for names, unique in model._meta.indexes:
            columns = tuple(model._meta.fields[n].column_name for n in names)
            declared[columns] = unique
        for columns, unique in declared.items():
            assert columns in actual, f"{table}: no index on {columns}"
            assert actual[columns] == unique, f"{table}: index on {columns} unique={unique}?"


def test_a_second_ledger_transfer_with_the_same_once_key_is_refused(db, make_contract):
    contract = make_contract("upwork")
    LedgerTransfer.create(contract=contract.id, kind="release", once_key="m:1:escrow")
    with pytest.raises(IntegrityError), db.atomic():
        LedgerTransfer.create(contract=contract.id, kind="release", once_key="m:1:escrow")
    # Transfers that need no backstop carry no key, and NULLs never collide.
    LedgerTransfer.create(contract=contract.id, kind="top_up", once_key=None)
    LedgerTransfer.create(contract=contract.id, kind="top_up", once_key=None)
    assert LedgerTransfer.select().count() == 3


def test_a_second_feedback_by_the_same_party_is_refused(db, make_contract, client, freelancer):
    contract = make_contract("upwork")
    Feedback.create(contract=contract.id, author=client.id, subject=freelancer.id, stars=5)
    with pytest.raises(IntegrityError), db.atomic():
        Feedback.create(contract=contract.id, author=client.id, subject=freelancer.id,
                        stars=1)
    Feedback.create(contract=contract.id, author=freelancer.id, subject=client.id, stars=4)
    assert Feedback.select().count() == 2


def test_a_second_account_with_the_same_login_is_refused(db, client):
    with pytest.raises(IntegrityError), db.atomic():
        Account.create(login=client.login, display_name="Impostor", role=Role.CLIENT)
    assert Account.select().where(Account.login == client.login).count() == 1
