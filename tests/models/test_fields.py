"""What is stored and how: money in BigIntegerField cents, a version on every row with a
mutable status, snake_case table names, stored vocabulary that fits its column, UTC."""
from __future__ import annotations

import datetime as dt

import arrow
from peewee import BigIntegerField, CharField, DecimalField, FloatField, IntegerField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.db import ALL_MODELS
from models.deadlines import Deadline
from models.ledger import LedgerEntry
from models.milestones import Milestone, Submission
from models.refunds import RefundRequest
from models.vocabulary import (
    ChangeRequestKind,
    ChangeRequestStatus,
    ContractStatus,
    DeadlineKind,
    DeadlineStatus,
    LedgerAccount,
    MilestoneStatus,
    RefundSource,
    RefundStatus,
    Role,
    SubmissionStatus,
)


def fields():
    for model in ALL_MODELS:
        for field in model._meta.sorted_fields:
            yield model, field


def test_money_fields_are_big_integer_cents():
    money = [(m.__name__, f.name) for m, f in fields() if f.name.endswith("_cents")]
    assert ("Milestone", "amount_cents") in money and ("LedgerEntry", "amount_cents") in money
    for model, field in fields():
        if field.name.endswith("_cents"):
            assert type(field) is BigIntegerField, f"{model.__name__}.{field.name}"


def test_no_float_or_decimal_column_anywhere():
    """Amounts are whole cents (U-01); nothing is stored as a float."""
    for model, field in fields():
        assert not isinstance(field, (FloatField, DecimalField)), f"{model.__name__}.{field.name}"


def test_every_model_with_a_mutable_status_has_a_version():
    with_status = [m for m in ALL_MODELS if "status" in m._meta.fields]
    assert {Contract, Milestone, Submission, ChangeRequest, RefundRequest, Deadline} <= set(
        with_status)
    for model in with_status:
        version = model._meta.fields.get("version")
        assert isinstance(version, IntegerField), f"{model.__name__} has no version"
        assert version.default == 1 and not version.null, model.__name__


def test_table_names_are_snake_case():
    for model in ALL_MODELS:
        assert issubclass(model, BaseModel)
        assert model._meta.legacy_table_names is False
    assert LedgerEntry._meta.table_name == "ledger_entry"
    assert RefundRequest._meta.table_name == "refund_request"


STORED_VOCABULARY = [
    (Account.role, Role),
    (Contract.status, ContractStatus),
    (Milestone.status, MilestoneStatus),
    (Submission.status, SubmissionStatus),
    (ChangeRequest.kind, ChangeRequestKind),
    (ChangeRequest.status, ChangeRequestStatus),
    (RefundRequest.source, RefundSource),
    (RefundRequest.status, RefundStatus),
    (Deadline.kind, DeadlineKind),
    (Deadline.status, DeadlineStatus),
    (LedgerEntry.account, LedgerAccount),
]


def test_every_stored_status_fits_its_column():
    """SQLite ignores a CharField's length; PostgreSQL refuses what does not fit."""
    for field, vocabulary in STORED_VOCABULARY:
        assert isinstance(field, CharField)
        for value in vocabulary:
            assert len(value) <= field.max_length, f"{field.model.__name__}.{field.name}: {value}"


def test_times_are_stored_as_naive_utc(db, client):
    """G-08: aware datetimes and arrow objects in any zone are stored as UTC."""
    paris = arrow.get("2026-03-02T10:30:00+01:00")
    Account.update(created_at=paris).where(Account.id == client.id).execute()
    assert Account.get_by_id(client.id).created_at == dt.datetime(2026, 3, 2, 9, 30)
    tokyo = dt.datetime(2026, 3, 2, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    Account.update(created_at=tokyo).where(Account.id == client.id).execute()
    assert Account.get_by_id(client.id).created_at == dt.datetime(2026, 3, 2, 9, 30)
    naive = dt.datetime(2026, 3, 2, 9, 30)
    assert UTCDateTimeField().db_value(naive) == naive
    assert UTCDateTimeField().db_value(None) is None
