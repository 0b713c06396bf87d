"""Small key/value settings kept with the data, e.g. the demo clock's offset."""
from __future__ import annotations

from peewee import CharField, TextField

from models.base import BaseModel


class Setting(BaseModel):
    key = CharField(max_length=64, primary_key=True)
    value = TextField()
