"""Who is acting (rules/identity.py): I-01..I-04 and the audit of logins (I-09)."""
from __future__ import annotations

import json

import pytest

from models.accounts import Account, LoginAttempt
from models.audit import AuditRecord
from rules import identity
from rules.accounts import Operator, add_key, set_disabled, set_password
from rules.ssh_keys import parse_public_key

OPERATOR = Operator("root")
PASSWORD = "correct horse battery"
ED25519 = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
           "bo@laptop")


@pytest.fixture
def bo_key(freelancer, clock) -> str:
    add_key(OPERATOR, "bo", ED25519, clock=clock)
    return parse_public_key(ED25519).fingerprint


@pytest.fixture
def ada_password(client, clock):
    set_password(OPERATOR, "ada", PASSWORD, clock=clock)


def audits(action: str) -> list[AuditRecord]:
    return list(AuditRecord.select().where(AuditRecord.action == action))


def test_I01_a_local_shell_acts_as_the_account_bound_to_its_os_user(client, freelancer):
    Account.update(os_user="bo-os").where(Account.login == "bo").execute()
    assert identity.os_user_actor("bo-os").login == "bo"
    with pytest.raises(identity.RuleError) as info:
        identity.os_user_actor("stranger")
    assert info.value.rule_id == "I-01" and "--os-user stranger" in info.value.message
    assert "ada" not in info.value.message and "bo " not in info.value.message


def test_I03_a_disabled_os_user_account_cannot_act(freelancer, clock):
    Account.update(os_user="bo-os").where(Account.login == "bo").execute()
    set_disabled(OPERATOR, "bo", True, clock=clock)
    with pytest.raises(identity.RuleError) as info:
        identity.os_user_actor("bo-os")
    assert info.value.rule_id == "I-03"


def test_I01_a_key_logs_in_as_its_owner_only_under_its_owners_login(bo_key, client):
    assert identity.key_login("bo", bo_key, "10.0.0.1").login == "bo"
    for login, fingerprint in (("ada", bo_key), ("bo", "SHA256:unknown"), ("nobody", bo_key)):
        with pytest.raises(identity.RuleError) as info:
            identity.key_login(login, fingerprint, "10.0.0.1")
        assert (info.value.rule_id, info.value.message) == ("I-02", identity.REFUSED)


def test_I02_every_refusal_reads_the_same_and_I03_disabled_is_one_of_them(
        bo_key, ada_password, clock):
    set_disabled(OPERATOR, "bo", True, clock=clock)
    messages = set()
    for attempt in (lambda: identity.key_login("bo", bo_key, "a", clock),
                    lambda: identity.password_login("ada", "wrong password!", "a", clock),
                    lambda: identity.password_login("nobody", PASSWORD, "a", clock),
                    lambda: identity.password_login("bo", PASSWORD, "a", clock)):
        with pytest.raises(identity.RuleError) as info:
            attempt()
        messages.add((info.value.rule_id, info.value.message))
    assert messages == {("I-02", identity.REFUSED)}


def test_I06_a_password_login_checks_the_argon2_hash(ada_password, clock):
    assert identity.password_login("ada", PASSWORD, "127.0.0.1", clock).login == "ada"
    assert LoginAttempt.select().count() == 0


def test_I09_refused_logins_are_counted_and_audited_with_the_address(ada_password, clock):
    with pytest.raises(identity.RuleError):
        identity.password_login("ada", "not the password", "192.0.2.7", clock)
    attempt = LoginAttempt.get()
    assert (attempt.login, attempt.address) == ("ada", "192.0.2.7")
    rec = audits("login-refused")[0]
    assert rec.target == "login:ada" and json.loads(rec.after)["address"] == "192.0.2.7"


def test_I04_five_failures_lock_the_name_for_fifteen_minutes_whoever_tries(ada_password,
                                                                           clock):
    for n in range(identity.MAX_FAILURES_PER_LOGIN):
        with pytest.raises(identity.RuleError):
            identity.password_login("ada", f"wrong password {n}", f"10.0.0.{n}", clock)
    with pytest.raises(identity.RuleError) as info:  # the right password, too late
        identity.password_login("ada", PASSWORD, "10.9.9.9", clock)
    assert info.value.rule_id == "I-04" and "15 minutes" in info.value.message
    clock.advance(minutes=10)
    with pytest.raises(identity.RuleError) as info:
        identity.password_login("ada", PASSWORD, "10.9.9.9", clock)
    assert "5 minutes" in info.value.message
    clock.advance(minutes=6)
    assert identity.password_login("ada", PASSWORD, "10.9.9.9", clock).login == "ada"


def test_I04_a_name_that_does_not_exist_is_limited_alike(db, clock):
    """The limit tells nothing about which accounts exist (I-02)."""
    for n in range(identity.MAX_FAILURES_PER_LOGIN):
        with pytest.raises(identity.RuleError):
            identity.password_login("ghost", "wrong password!", f"10.0.1.{n}", clock)
    with pytest.raises(identity.RuleError) as info:
        identity.password_login("ghost", "wrong password!", "10.0.2.1", clock)
    assert info.value.rule_id == "I-04"


def test_I04_an_address_is_limited_across_names(bo_key, clock):
    for n in range(identity.MAX_FAILURES_PER_ADDRESS):
        identity.refuse_login(f"name{n}", "203.0.113.5", clock, channel="ssh")
    with pytest.raises(identity.RuleError) as info:
        identity.key_login("bo", bo_key, "203.0.113.5", clock)
    assert info.value.rule_id == "I-04"
    assert identity.key_login("bo", bo_key, "203.0.113.6", clock).login == "bo"


def test_I03_I09_a_session_acts_until_it_ends_and_both_ends_are_audited(freelancer, clock):
    token = identity.open_session(freelancer, "ssh", "127.0.0.1", "SHA256:x", clock)
    assert identity.session_actor(token).login == "bo"
    login = audits("login")[0]
    assert (login.actor.login, json.loads(login.after)) == (
        "bo", {"address": "127.0.0.1", "fingerprint": "SHA256:x"})
    identity.end_session(token, clock)
    identity.end_session(token, clock)  # a second end does nothing
    assert len(audits("logout")) == 1
    for bad in (token, "", "forged-token", None):
        with pytest.raises(identity.RuleError) as info:
            identity.session_actor(bad)
        assert info.value.rule_id == "I-03"


def test_the_system_account_never_logs_in(db, clock):
    with pytest.raises(identity.RuleError) as info:
        identity.password_login("system", "anything at all", "a", clock)
    assert info.value.rule_id == "I-02"
