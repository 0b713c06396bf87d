"""The operator's account commands (rules/accounts.py): I-05..I-07, I-09."""
from __future__ import annotations

import json
import subprocess

import pytest

from models.accounts import Account, AccountKey, LoginSession
from models.audit import AuditRecord
from rules import accounts as ops
from rules.identity import open_session, session_open

OPERATOR = ops.Operator("root")


@pytest.fixture
def pub_key(tmp_path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")],
                   check=True)
    return (tmp_path / "k.pub").read_text()


def last_audit() -> AuditRecord:
    return AuditRecord.select().order_by(AuditRecord.id.desc()).get()


def test_I07_an_account_is_added_bound_and_audited(db, clock):
    a = ops.add_account(OPERATOR, "eve", "freelancer", "Eve Engineer",
                        timezone="Europe/Berlin", os_user="eve", clock=clock)
    assert (a.login, a.role, a.timezone, a.os_user, a.disabled) == (
        "eve", "freelancer", "Europe/Berlin", "eve", False)
    rec = last_audit()
    assert (rec.action, rec.target, rec.actor.login) == ("account-added", "account:eve",
                                                          "system")
    assert "OS user root" in rec.reason and json.loads(rec.after)["os_user"] == "eve"


@pytest.mark.parametrize("login, role, name, tz, os_user, says", [
    ("E", "client", "Eve", "UTC", None, "login"),
    ("eve smith", "client", "Eve", "UTC", None, "login"),
    ("x" * 40, "client", "Eve", "UTC", None, "login"),
    ("eve", "system", "Eve", "UTC", None, "role"),
    ("eve", "admin", "Eve", "UTC", None, "role"),
    ("eve", "client", "Eve", "Mars/Olympus", None, "time zone"),
    ("eve", "client", "Eve", "UTC", "bad user!", "OS user"),
])
def test_I07_bad_fields_are_refused_and_nothing_written(db, clock, refused, login, role, name,
                                                        tz, os_user, says):
    with refused("I-07", says):
        ops.add_account(OPERATOR, login, role, name, timezone=tz, os_user=os_user, clock=clock)


def test_I07_a_login_or_an_os_user_is_taken_once(client, clock, refused):
    ops.add_account(OPERATOR, "eve", "client", "Eve", os_user="eve", clock=clock)
    with refused("I-07", "already an account"):
        ops.add_account(OPERATOR, "ada", "client", "Another Ada", clock=clock)
    with refused("I-07", "already bound"):
        ops.add_account(OPERATOR, "fay", "client", "Fay", os_user="eve", clock=clock)
    with refused("I-07", "already bound"):
        ops.bind_os_user(OPERATOR, "ada", "eve", clock=clock)
    assert ops.bind_os_user(OPERATOR, "ada", "ada", clock=clock).os_user == "ada"
    assert last_audit().action == "account-bound"


def test_I03_disabling_ends_open_sessions_and_enabling_keeps_them_ended(freelancer, clock):
    token = open_session(freelancer, "ssh", "127.0.0.1", clock=clock)
    assert session_open(token)
    ops.set_disabled(OPERATOR, "bo", True, clock=clock)
    assert not session_open(token)
    assert LoginSession.get().ended_at is not None
    assert json.loads(last_audit().after) == {"disabled": True, "sessions_ended": 1}
    ops.set_disabled(OPERATOR, "bo", False, clock=clock)
    assert not session_open(token) and not Account.get(login="bo").disabled
    assert last_audit().action == "account-enabled"


def test_I05_a_key_belongs_to_one_account(client, freelancer, clock, pub_key, refused):
    row = ops.add_key(OPERATOR, "bo", pub_key, clock=clock)
    assert row.fingerprint.startswith("SHA256:") and row.account.login == "bo"
    assert last_audit().action == "key-added"
    with refused("I-05", "already registered"):
        ops.add_key(OPERATOR, "ada", pub_key, clock=clock)
    assert [k.fingerprint for k in ops.list_keys("bo")] == [row.fingerprint]
    ops.remove_key(OPERATOR, "bo", row.fingerprint, clock=clock)
    assert AccountKey.select().count() == 0 and last_audit().action == "key-removed"
    with refused("not-found"):
        ops.remove_key(OPERATOR, "bo", row.fingerprint, clock=clock)


def test_unknown_accounts_are_refused_for_every_command(db, clock, refused, pub_key):
    for call in (lambda: ops.set_disabled(OPERATOR, "nobody", True, clock=clock),
                 lambda: ops.add_key(OPERATOR, "nobody", pub_key, clock=clock),
                 lambda: ops.set_password(OPERATOR, "nobody", "long enough pass", clock=clock),
                 lambda: ops.bind_os_user(OPERATOR, "system", "root", clock=clock)):
        with refused("not-found"):
            call()


def test_I06_a_password_is_stored_as_argon2id_only(client, clock, refused):
    for short in ("short", "", "x" * 11):
        with refused("I-06"):
            ops.set_password(OPERATOR, "ada", short, clock=clock)
    with refused("I-06", "control"):
        ops.set_password(OPERATOR, "ada", "twelve chars\x1b[2J", clock=clock)
    ops.set_password(OPERATOR, "ada", "correct horse battery", clock=clock)
    stored = Account.get(login="ada").password_hash
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    rec = last_audit()
    assert rec.action == "password-set" and "correct" not in rec.after + rec.before
