"""The database proxy and the base model every table derives from."""
from __future__ import annotations

import datetime as dt
import json

from peewee import DatabaseProxy, DateTimeField, Model, TextField

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


class JSONListField(TextField):
    """A list kept as JSON text (acceptance criteria, evidence): read back as a tuple,
    so a row compares by value and cannot be changed in place. An empty list is NULL
    (rows written before the column, or in bulk without it, read the same)."""

    def db_value(self, value):
        if not value:
            return None
        return json.dumps(list(value), ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return tuple(json.loads(value)) if value else ()
