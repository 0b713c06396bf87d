"""What the offer form asks rules/ (rules/offer_form.py, O-01, O-07): the policies a
writer offers on, the receivers it completes, the plan checked as typed, the terms."""
from __future__ import annotations

import datetime as dt

import pytest

from models.accounts import Account
from models.vocabulary import Role
from rules.accounts import Operator, set_disabled
from rules.errors import RuleError
from rules.offer_form import check_offer_plan, offer_terms, receivers, sendable_policies
from rules.offers import send_offer, sender_role
from rules.plan import AddMilestone
from rules.policy import POLICIES
from rules.queries import list_contracts

pytestmark = pytest.mark.both_databases

TODAY = dt.date(2026, 3, 2)


def test_O01_a_client_offers_on_upwork_a_freelancer_on_fiverr_support_on_nothing(
        client, freelancer, agent):
    assert [p.name for p in sendable_policies(client)] == ["upwork", "upwork-compliance"]
    assert [p.name for p in sendable_policies(freelancer)] == ["fiverr-gig", "fiverr-offer"]
    assert sendable_policies(agent) == []


def test_O07_receivers_are_the_other_role_by_login_name_or_a_word_of_the_name(
        client, other_client, freelancer, other_freelancer, agent):
    Account.create(login="bob", display_name="Robert Freelance", role=Role.FREELANCER)
    assert receivers(client, "upwork", "b") == [("bo", "Bo Freelancer"),
                                                ("bob", "Robert Freelance")]
    assert receivers(client, "upwork", "BO F") == [("bo", "Bo Freelancer")]  # any case
    assert receivers(client, "upwork", "freel") == [("bo", "Bo Freelancer"),
                                                    ("bob", "Robert Freelance"),
                                                    ("di", "Di Freelancer")]
    assert receivers(client, "upwork", "cy") == []  # a client: not a receiver of a client
    assert receivers(client, "upwork", "sam") == []  # support is nobody's receiver
    assert receivers(freelancer, "fiverr-gig", "c") == [("ada", "Ada Client"),
                                                        ("cy", "Cy Client")]


def test_O07_nothing_is_listed_for_an_empty_prefix_a_wrong_sender_or_a_disabled_account(
        client, freelancer, other_freelancer, agent):
    assert receivers(client, "upwork", "") == [] and receivers(client, "upwork", "  ") == []
    assert receivers(freelancer, "upwork", "d") == []  # Upwork offers are the client's
    assert receivers(agent, "upwork", "b") == []
    set_disabled(Operator("root"), "bo", True)
    assert receivers(client, "upwork", "b") == []
    assert receivers(client, "upwork", "%") == [] and receivers(client, "upwork", "_") == []


def test_O07_at_most_eight_receivers_at_a_time(client):
    for n in range(12):
        Account.create(login=f"f{n:02}", display_name=f"F {n}", role=Role.FREELANCER)
    assert [login for login, _ in receivers(client, "upwork", "f")] == [
        f"f{n:02}" for n in range(8)]


def test_O07_a_control_character_in_the_prefix_is_refused(client):
    with pytest.raises(RuleError) as refused:
        receivers(client, "upwork", "b\x1b[2J")
    assert refused.value.rule_id.startswith("T-")


def test_O07_the_plan_is_checked_as_sending_checks_it(db):
    small = [AddMilestone("A", 40_00), AddMilestone("B", 40_00)]
    with pytest.raises(RuleError) as refused:
        check_offer_plan("fiverr-gig", small, TODAY)
    assert refused.value.rule_id == "F-01"
    six = [AddMilestone(f"P{n}", 40_00) for n in range(6)]
    with pytest.raises(RuleError) as refused:
        check_offer_plan("fiverr-gig", six, TODAY)
    assert refused.value.rule_id == "F-02"
    assert len(check_offer_plan("fiverr-offer", six, TODAY)) == 6  # a custom offer: 6
    with pytest.raises(RuleError) as refused:
        check_offer_plan("upwork", [AddMilestone("A", 4_99)], TODAY)
    assert refused.value.rule_id == "U-01"


def test_O05_the_terms_are_read_by_the_parties_and_support_only(
        client, other_client, freelancer, agent, clock):
    offer = send_offer(client, "bo", "upwork", "Site", "Three pages, one form",
                       [("Design", 300_00, None)], clock=clock)
    mine = offer_terms(client, offer.id)
    assert (mine.description, mine.sent_by_actor) == ("Three pages, one form", True)
    assert offer_terms(freelancer, offer.id).sent_by_actor is False
    assert offer_terms(agent, offer.id).description == "Three pages, one form"
    with pytest.raises(RuleError) as refused:
        offer_terms(other_client, offer.id)
    assert refused.value.rule_id == "G-07"


def test_O01_the_list_says_which_side_of_an_offer_its_reader_is_on(
        client, freelancer, agent, clock):
    send_offer(client, "bo", "upwork", "Site", "", [("Design", 300_00, None)], clock=clock)
    send_offer(freelancer, "ada", "fiverr-offer", "Logo", "", [("Logo", 150_00, None)],
               clock=clock)
    assert [(s.title, s.offer) for s in list_contracts(client)] == [("Site", "sent"),
                                                                   ("Logo", "received")]
    assert [(s.title, s.offer) for s in list_contracts(freelancer)] == [("Site", "received"),
                                                                       ("Logo", "sent")]
    assert [s.offer for s in list_contracts(agent)] == ["", ""]


def test_O01_the_list_and_the_offers_agree_on_who_writes_an_offer():
    # rules.queries decides it by platform, to stay light; rules.offers by name.
    for name, policy in POLICIES.items():
        assert sender_role(name) == (Role.FREELANCER if policy.platform == "fiverr"
                                     else Role.CLIENT)
