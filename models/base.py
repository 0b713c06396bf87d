"""The database proxy and the base model every table derives from."""
from __future__ import annotations

import datetime as dt

from peewee import DatabaseProxy, DateTimeField, Model

database = DatabaseProxy()


def utcnow() -> dt.datetime:
    """Naive UTC: every stored time is UTC (G-08), so no offset is kept."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class UTCDateTimeField(DateTimeField):
    """A DateTimeField that accepts aware datetimes (or arrow) and stores naive UTC."""

    def db_value(self, value):
        if value is not None and hasattr(value, "to"):  # arrow.Arrow
            value = value.to("UTC").naive
        elif isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return super().db_value(value)
