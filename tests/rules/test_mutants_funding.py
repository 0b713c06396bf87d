"""Tests that kill surviving mutants of rules/funding.py (issue 17, session 13): the exact
words of the X-36 refusals, the edges of `check_funding`, the room's `F` (X-37) and the
room's key to ask for another policy (X-38)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from models.vocabulary import ACTIVE_STATUSES
from rules.contract_view import contract_detail
from rules.contracts import end_contract
from rules.errors import RuleError
from rules.funding import (IN_ESCROW, check_funding, fund_ahead_verdict, funding_change_verdict,
                           funding_refusal, funds_ahead, has_room, refuse_past_limit,
                           short_funding_words)
from rules.funding_change import request_funding_change
from rules.payments import fund_ahead, fund_next_milestone
from rules.verdicts import ALLOWED, refused as refused_verdict

FOUR = (10000, 20000, 30000, 40000)
X36_WORDS = ("Funding is “one” (one milestone at a time), a number of milestones at a time "
             "from 2 to 20, or “all” (all up front).")


def detail_of(limit: int, *statuses: str, status: str = "open", requests=()):
    """A ContractDetail as the pure functions read it: its limit, milestones, requests."""
    return SimpleNamespace(funding_limit=limit, status=status,
                           milestones=[SimpleNamespace(title=f"M{i + 1}", status=s)
                                       for i, s in enumerate(statuses)],
                           change_requests=[SimpleNamespace(kind=k, status=s)
                                            for k, s in requests])


@pytest.mark.parametrize("given, limit", [("020", 20), ("002", 2), (20, 20), ("ONE", 1),
                                          ("one\tat\na time", 1), ("ALL", 0)])
def test_X36_check_funding_at_its_edges(given, limit):
    assert check_funding(given) == limit


@pytest.mark.parametrize("given", ["0002", "1.5", " ", "one at  a  time please", 21.0, [2]])
def test_X36_check_funding_refuses_in_the_full_words(given):
    with pytest.raises(RuleError) as err:
        check_funding(given)
    assert err.value.rule_id == "X-36"
    assert err.value.message == X36_WORDS


def test_X36_short_funding_words_for_a_heading():
    assert [short_funding_words(n) for n in (1, 4, 0)] == ["one at a time", "4 at a time",
                                                          "all up front"]


def test_X36_has_room_up_to_the_limit():
    assert has_room(0, 100) and has_room(2, 1) and has_room(1, 0)
    assert not has_room(2, 2) and not has_room(1, 1) and not has_room(3, 4)


def test_X36_funding_refusal_in_its_full_words():
    assert funding_refusal(1, ["Design"]) == (
        "U-03", "Only one milestone is funded at a time: “Design” must be released or "
                "refunded first")
    assert funding_refusal(2, ["Design", "Build"]) == (
        "X-36", "This contract funds up to 2 milestones at a time: “Design”, “Build” are in "
                "escrow; release or refund one first")
    assert funding_refusal(1, []) is None and funding_refusal(2, ["Design"]) is None


def test_X36_refuse_past_limit_names_the_titles_and_ends_with_a_stop():
    with pytest.raises(RuleError) as err:
        refuse_past_limit(2, [SimpleNamespace(title="Design"), SimpleNamespace(title="Build")])
    assert err.value.rule_id == "X-36"
    assert err.value.message == ("This contract funds up to 2 milestones at a time: “Design”, "
                                 "“Build” are in escrow; release or refund one first.")
    refuse_past_limit(3, [SimpleNamespace(title="Design")])  # room left: no refusal


def test_X36_fund_next_refusal_word_for_word(make_contract, client, clock, refused):
    c = make_contract(funding=2, amounts=FOUR)
    fund_ahead(client, c.id, clock=clock)
    with refused("X-36") as err:
        fund_next_milestone(client, c.id, clock=clock)
    assert err.value.message == ("This contract funds up to 2 milestones at a time: "
                                 "“Milestone 1”, “Milestone 2” are in escrow; release or "
                                 "refund one first.")


def test_X37_in_escrow_are_the_active_statuses():
    assert IN_ESCROW == {str(s) for s in ACTIVE_STATUSES}


@pytest.mark.parametrize("held", sorted(IN_ESCROW))
def test_X37_F_leaves_room_for_each_milestone_in_escrow(held):
    d = detail_of(3, held, "planned", "planned", "planned")
    assert [m.title for m in funds_ahead(d)] == ["M2", "M3"]


def test_X37_F_funds_what_the_policy_has_room_for_in_list_order():
    assert [m.title for m in funds_ahead(detail_of(2, "released", "planned", "planned",
                                                   "planned"))] == ["M2", "M3"]
    assert funds_ahead(detail_of(2, "funded", "funded", "planned")) == []
    assert funds_ahead(detail_of(2, "funded", "funded", "funded", "planned")) == []
    assert [m.title for m in funds_ahead(detail_of(0, "funded", "planned", "refunded",
                                                   "planned"))] == ["M2", "M4"]
    assert [m.title for m in funds_ahead(detail_of(1, "released", "planned", "planned"))] \
        == ["M2"]


def test_X37_F_on_a_real_contract(make_contract, client, clock):
    c = make_contract(funding=3, amounts=FOUR)
    fund_next_milestone(client, c.id, clock=clock)
    assert [m.title for m in funds_ahead(contract_detail(client, c.id))] == [
        "Milestone 2", "Milestone 3"]


def test_X37_F_is_f_on_a_contract_funded_one_at_a_time():
    fund_next = refused_verdict("X-36", "Full")
    verdict = fund_ahead_verdict(detail_of(1, "planned"), ALLOWED)
    assert not verdict.allowed and verdict.rule_id == "X-37"
    assert verdict.reason == ("This contract funds one milestone at a time: f funds the next "
                              "one (X-37).")
    assert fund_ahead_verdict(detail_of(2, "planned"), fund_next) is fund_next
    assert fund_ahead_verdict(detail_of(0, "planned"), ALLOWED) is ALLOWED


@pytest.mark.parametrize("capacity", ["agent", "stranger", ""])
def test_X38_only_the_parties_may_ask(capacity):
    verdict = funding_change_verdict(detail_of(1, "planned"), capacity)
    assert (verdict.allowed, verdict.rule_id) == (False, "G-07")
    assert verdict.reason == ("Only the client or the freelancer may ask to change how this "
                              "contract is funded (G-07).")


@pytest.mark.parametrize("capacity", ["client", "freelancer"])
def test_X38_either_party_may_ask(capacity):
    assert funding_change_verdict(detail_of(1, "planned"), capacity) is ALLOWED


def test_X38_nothing_is_asked_on_an_ended_contract(make_contract, client, clock):
    c = make_contract()
    end_contract(client, c.id, clock=clock)
    verdict = funding_change_verdict(contract_detail(client, c.id), "client")
    assert (verdict.allowed, verdict.rule_id) == (False, "G-03")
    assert verdict.reason == ("This contract is ended; nothing more can be changed on it "
                              "(G-03).")


def test_X38_only_a_pending_funding_request_blocks_another():
    for requests in ([("funding", "declined"), ("funding", "withdrawn")],
                     [("client_active", "pending")], [("freelancer_proposal", "pending")]):
        assert funding_change_verdict(detail_of(1, status="open", requests=requests),
                                      "client") is ALLOWED
    verdict = funding_change_verdict(
        detail_of(1, requests=[("client_active", "pending"), ("funding", "pending")]),
        "freelancer")
    assert (verdict.allowed, verdict.rule_id) == (False, "X-38")
    assert verdict.reason == ("A funding request is already waiting on this contract: answer "
                              "or withdraw it in the inbox (i) (X-38).")


def test_X38_the_rooms_verdict_on_a_real_request(make_contract, client, freelancer, clock):
    c = make_contract(amounts=FOUR)
    request_funding_change(freelancer, c.id, 2, clock=clock)
    verdict = funding_change_verdict(contract_detail(client, c.id), "client")
    assert verdict.rule_id == "X-38" and verdict.reason.startswith("A funding request is")
