"""Milestones and the work submitted for them."""
from __future__ import annotations

from peewee import (BigIntegerField, CharField, DateField, ForeignKeyField, IntegerField,
                    TextField)

from models.accounts import Account
from models.base import BaseModel, JSONListField, UTCDateTimeField, utcnow
from models.contracts import Contract
from models.vocabulary import MilestoneStatus, SubmissionStatus


class Milestone(BaseModel):
    contract = ForeignKeyField(Contract, backref="milestones", on_delete="CASCADE")
    position = IntegerField()  # 1-based list order; activation follows it (U-09)
    title = CharField(max_length=200)
    description = TextField(default="")
    due_date = DateField(null=True)
    amount_cents = BigIntegerField()
    status = CharField(max_length=24, default=MilestoneStatus.PLANNED)
    revisions_allowed = IntegerField(null=True)  # Fiverr (F-06); None: not limited
    revisions_used = IntegerField(default=0)
    criteria = JSONListField(null=True)  # acceptance criteria, agreed in the plan
    funded_at = UTCDateTimeField(null=True)
    finished_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("contract", "position"), False),
            (("contract", "status"), False),
            # The support console's "overdue by more than N days" (rules.support_search).
            (("status", "due_date"), False),
        )


class Submission(BaseModel):
    milestone = ForeignKeyField(Milestone, backref="submissions", on_delete="CASCADE")
    author = ForeignKeyField(Account)
    message = TextField()
    link = CharField(max_length=500, default="")
    # one {"criterion", "link", "note"} per criterion of the milestone, in order,
    # the criterion's words as they were when the work was submitted.
    evidence = JSONListField(null=True)
    status = CharField(max_length=24, default=SubmissionStatus.PENDING)
    submitted_at = UTCDateTimeField(default=utcnow, index=True)
    version = IntegerField(default=1)
