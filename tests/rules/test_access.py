"""G-07: who may do what, as one table, and nobody else sees a contract at all."""
from __future__ import annotations

import pytest

from rules import access
from rules.contract_view import contract_detail, timeline_page
from rules.errors import RuleError
from rules.notifications import notifications
from rules.payments import fund_next_milestone, release
from rules.queries import count_contracts, list_contracts
from rules.work import submit_work

# G-07 read from RULES.md, independently of rules/access.py: which capacity may take each
# action. "client"/"freelancer" mean the client/freelancer of that contract.
C, F, AG, SYS = "client", "freelancer", "agent", "system"
EXPECTED: dict[str, set[str]] = {
    "view_contract": {C, F, AG},           # nobody else can see a contract at all
    "create_contract": {C},
    "edit_plan": {C},                      # only the client edits milestones directly
    "fund_milestone": {C},
    "add_escrow_funds": {C},
    "submit_work": {F},                    # agents cannot submit on anyone's behalf
    "request_changes": {C},
    "release": {C, SYS},                   # U-06 auto-release; agents cannot release
    "hold_release": {C},                   # X-29..X-31: only the client holds a release
    "request_refund": {C},
    "answer_refund": {F},
    "grant_refund": {SYS},                 # U-32
    "respond_to_dispute": {C},             # U-33
    "expire_dispute": {SYS},               # U-33
    "resolve_dispute": {AG},               # G-02
    "cancel": {AG},                        # F-08
    "change_active_milestone": {C},        # U-20
    "answer_change_request": {F},          # U-22
    "expire_change_request": {SYS},        # U-24
    "propose_changes": {F},                # U-14
    "answer_proposal": {C},                # U-15
    "change_funding": {C, F},              # one asks, the other answers
    "end_contract": {C, F},                # G-03
    "complete_order": {SYS},               # F-05, F-07
    "leave_feedback": {C, F},              # G-04
}

CLIENT_ID, FREELANCER_ID, OTHER_CLIENT_ID, OTHER_FREELANCER_ID, AGENT_ID, SYSTEM_ID = (
    1, 2, 3, 4, 5, 6)
# (who, their id, their stored role, the capacity they hold on the contract of 1 and 2)
ACTORS = [
    ("the contract's client", CLIENT_ID, C, C),
    ("the contract's freelancer", FREELANCER_ID, F, F),
    ("another client", OTHER_CLIENT_ID, C, None),
    ("another freelancer", OTHER_FREELANCER_ID, F, None),
    ("a support agent", AGENT_ID, AG, AG),
    ("the system", SYSTEM_ID, SYS, SYS),
    # Ids match but roles do not: a role is never borrowed from a matching id.
    ("a freelancer with the client's id", CLIENT_ID, F, None),
    ("a client with the freelancer's id", FREELANCER_ID, C, None),
    ("an unknown role", 7, "admin", None),
]


def test_G07_the_whole_access_matrix():
    assert set(access.ACCESS) == set(EXPECTED), "an action is missing from the G-07 table"
    checked = 0
    for action, allowed in EXPECTED.items():
        for who, actor_id, role, capacity in ACTORS:
            if action == "create_contract":  # no contract yet: the role alone decides
                may = role in allowed
            else:
                may = capacity in allowed
            label = f"{who} / {action}"
            assert access.is_allowed(action, actor_id, role, CLIENT_ID, FREELANCER_ID) is may, label
            if may:
                assert access.check(action, actor_id, role, CLIENT_ID, FREELANCER_ID) == (
                    capacity or role), label
            else:
                with pytest.raises(RuleError) as info:
                    access.check(action, actor_id, role, CLIENT_ID, FREELANCER_ID)
                err = info.value
                assert err.rule_id == "G-07", label
                if capacity is None and action != "create_contract":
                    # A stranger learns nothing, not even that the contract exists.
                    assert err.message == "No such contract, or it is not yours to see.", label
                else:
                    assert err.message.startswith("Only the "), label
                    for cap in allowed:
                        assert cap in err.message, label
            checked += 1
    assert checked == len(EXPECTED) * len(ACTORS)


# --- through real actions --------------------------------------------------------------

@pytest.fixture
def two_contracts(make_contract, client, freelancer, other_client, other_freelancer, clock):
    """Ada's contract with Bo (first milestone funded), and Cy's contract with Di."""
    mine = make_contract(title="Ada's shop")
    m = fund_next_milestone(client, mine.id, clock=clock)
    theirs = make_contract(title="Cy's blog", actor=other_client, other=other_freelancer)
    return mine, m, theirs


def test_G07_an_outsider_client_cannot_act_on_a_contract(two_contracts, other_client, clock,
                                                         refused):
    mine, m, _ = two_contracts
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        release(other_client, m.id, clock=clock)
    with refused("G-07", match="no such contract, or it is not yours to see"):
        fund_next_milestone(other_client, mine.id, clock=clock)


def test_G07_an_outsider_freelancer_cannot_act_on_a_contract(two_contracts, other_freelancer,
                                                             clock, refused):
    _, m, _ = two_contracts
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        submit_work(other_freelancer, m.id, "Let me in", clock=clock)


def test_G07_the_parties_cannot_swap_roles(two_contracts, client, freelancer, clock, refused):
    mine, m, _ = two_contracts
    with refused("G-07", match="only the freelancer"):
        submit_work(client, m.id, "Did it myself", clock=clock)
    with refused("G-07", match="only the client"):
        fund_next_milestone(freelancer, mine.id, clock=clock)


def test_G07_agents_cannot_submit_or_release(two_contracts, agent, clock, refused):
    _, m, _ = two_contracts
    with refused("G-07", match="only the freelancer"):
        submit_work(agent, m.id, "On their behalf", clock=clock)
    with refused("G-07", match="only the client or system"):
        release(agent, m.id, clock=clock)


def test_G07_lists_show_only_your_own_contracts(two_contracts, client, freelancer,
                                                other_client, other_freelancer, agent, system):
    mine, _, theirs = two_contracts
    assert [s.id for s in list_contracts(client)] == [mine.id]
    assert [s.id for s in list_contracts(freelancer)] == [mine.id]
    assert [s.id for s in list_contracts(other_client)] == [theirs.id]
    assert [s.id for s in list_contracts(other_freelancer)] == [theirs.id]
    assert [s.id for s in list_contracts(agent)] == [mine.id, theirs.id]
    assert list_contracts(system) == []
    assert (count_contracts(client), count_contracts(other_client), count_contracts(agent),
            count_contracts(system)) == (1, 1, 2, 0)


def test_G07_searching_never_reveals_another_contract(two_contracts, client, agent):
    _, _, theirs = two_contracts
    assert list_contracts(client, search="Cy") == []
    assert count_contracts(client, search="blog") == 0
    assert [s.id for s in list_contracts(agent, search="blog")] == [theirs.id]
    assert count_contracts(agent, search="Cy Client") == 1


def test_G07_contract_detail_and_timeline_only_for_the_parties_and_agents(
        two_contracts, client, freelancer, other_client, other_freelancer, agent, system):
    mine, _, theirs = two_contracts
    assert contract_detail(client, mine.id).capacity == "client"
    assert contract_detail(freelancer, mine.id).capacity == "freelancer"
    assert contract_detail(agent, mine.id).capacity == "agent"
    assert contract_detail(agent, theirs.id).capacity == "agent"
    for outsider in (other_client, other_freelancer, system):
        with pytest.raises(RuleError) as info:
            contract_detail(outsider, mine.id)
        assert info.value.rule_id == "G-07"
        with pytest.raises(RuleError) as info:
            timeline_page(outsider, mine.id)
        assert info.value.rule_id == "G-07"
    with pytest.raises(RuleError) as info:
        contract_detail(client, theirs.id)
    assert info.value.message == "No such contract, or it is not yours to see."
    entries, more = timeline_page(agent, theirs.id)
    assert [e.kind for e in entries] == ["create_contract"] and more is False
    assert [e.kind for e in timeline_page(client, mine.id)[0]] == [
        "fund_milestone", "create_contract"]


def test_G07_unknown_contract_reads_as_not_yours_but_agents_are_told(db, client, agent):
    # A non-agent cannot tell an unknown id from another's (tests/rules/test_access_unseen.py).
    with pytest.raises(RuleError) as info:
        contract_detail(client, 4242)
    assert (info.value.rule_id, info.value.message) == (
        "G-07", "No such contract, or it is not yours to see.")
    with pytest.raises(RuleError) as info:
        contract_detail(agent, 4242)
    assert (info.value.rule_id, info.value.message) == ("not-found", "No contract #4242.")


def test_G07_notifications_are_only_your_own(two_contracts, client, freelancer, other_client,
                                             other_freelancer, agent):
    mine, _, theirs = two_contracts
    assert {n.contract_id for n in notifications(freelancer)} == {mine.id}
    assert {n.contract_id for n in notifications(other_freelancer)} == {theirs.id}
    # The clients created and funded their own contracts: nothing to tell them yet.
    assert notifications(client) == []
    assert notifications(other_client) == []
    assert notifications(agent) == []
