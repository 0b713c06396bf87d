"""Append-only audit log (G-05), in hash chains: one per contract, and one (chain 0) for
the actions that belong to no contract and for the checkpoints (rules/audit_checkpoint.py)."""
from __future__ import annotations

from peewee import CharField, ForeignKeyField, IntegerField, PostgresqlDatabase, TextField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField, utcnow
from models.contracts import Contract

# The chain of the records that name no contract, and of the checkpoints.
GENERAL_CHAIN = 0


class AuditRecord(BaseModel):
    actor = ForeignKeyField(Account)
    actor_role = CharField(max_length=16)
    action = CharField(max_length=48)
    contract = ForeignKeyField(Contract, null=True, on_delete="CASCADE")
    target = CharField(max_length=64, default="")
    before = TextField(default="{}")  # JSON
    after = TextField(default="{}")   # JSON
    reason = TextField(default="")
    occurred_at = UTCDateTimeField(default=utcnow)
    # The chain (the contract's id, or GENERAL_CHAIN) and the place in it, from 1: two
    # writers can never both append the same place (the unique index).
    chain = IntegerField(default=GENERAL_CHAIN)
    seq = IntegerField(default=0)
    prev_hash = CharField(max_length=64, default="")
    hash = CharField(max_length=64)

    class Meta:
        indexes = ((("chain", "seq"), True),)


class AuditHead(BaseModel):
    """The newest record of each chain, written with it: where the next one goes, with no
    scan of the log. `checkpointed` is the place the last checkpoint recorded; a chain
    with `seq > checkpointed` has records no checkpoint covers yet. Not trusted by `audit verify`,
    which reads the records themselves (a head that claims more than is there is named)."""
    chain = IntegerField(primary_key=True)
    seq = IntegerField(default=0)
    hash = CharField(max_length=64, default="")
    checkpointed = IntegerField(default=0)


# The last record of the single global chain that schema 13 split into chains: records up
# to it keep the global chain's hashes, verifiable as history (rules/audit_verify.py).
LEGACY_END_KEY = "audit_legacy_end"


def ensure_general_head() -> None:
    """The general chain's head row, so that even its first two writers lock one row."""
    AuditHead.insert(chain=GENERAL_CHAIN).on_conflict_ignore().execute()


def split_into_chains(db) -> None:
    """Schema 13: file every record of the old global chain under its contract's chain (or
    the general one), numbered in log order, and write each chain's head. The records'
    hashes stay as written: the global chain they form is kept as history, and each new
    record follows its chain's last one, old or new. Rewriting those two columns is the one
    change ever made to stored records, so the append-only trigger is off for it alone."""
    from playhouse.migrate import migrate

    from models.db import migrator_for
    from models.settings import Setting
    postgres = isinstance(db, PostgresqlDatabase)
    if "chain" in {c.name for c in db.get_columns("audit_record")}:
        ensure_general_head()  # already in chains (a re-run from an older version)
        return
    if postgres:  # (adding a column with a default fills it in with an UPDATE too)
        db.execute_sql("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only")
    migrator = migrator_for(db)
    migrate(migrator.add_column("audit_record", "chain", IntegerField(default=0)),
            migrator.add_column("audit_record", "seq", IntegerField(default=0)))
    db.create_tables([AuditHead], safe=True)
    db.execute_sql("UPDATE audit_record SET chain = COALESCE(contract_id, 0)")
    db.execute_sql("UPDATE audit_record SET seq = n.place FROM (SELECT id, ROW_NUMBER() "
                   "OVER (PARTITION BY chain ORDER BY id) AS place FROM audit_record) AS n "
                   "WHERE audit_record.id = n.id")
    if postgres:
        db.execute_sql("ALTER TABLE audit_record ENABLE TRIGGER audit_record_append_only")
    db.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS "audit_record_chain_seq" '
                   'ON "audit_record" ("chain", "seq")')
    db.execute_sql("INSERT INTO audit_head (chain, seq, hash, checkpointed) "
                   "SELECT chain, seq, hash, 0 FROM audit_record WHERE (chain, seq) IN "
                   "(SELECT chain, MAX(seq) FROM audit_record GROUP BY chain)")
    ensure_general_head()
    last = AuditRecord.select(AuditRecord.id).order_by(AuditRecord.id.desc()).scalar() or 0
    (Setting.insert(key=LEGACY_END_KEY, value=str(last))
     .on_conflict(conflict_target=[Setting.key], update={Setting.value: str(last)}).execute())
