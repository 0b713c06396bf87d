"""G-07 "Nobody else can see a contract at all": a client or freelancer cannot tell an id
that does not exist from one that is not theirs. Through every rules entry point that
takes a contract, milestone, change request or refund request id, both get the very same
refusal (rule and message) and nothing is written. Support agents and the system see
everything, so they are told plainly that an unknown id does not exist."""
from __future__ import annotations

import pytest

from models.change_requests import ChangeRequest
from models.vocabulary import ChangeRequestKind as K
from rules import change_requests as cr
from rules import contracts, orders, payments, planning, refunds, support, work
from rules.contract_view import contract_detail, timeline_page
from rules.errors import RuleError
from rules.inbox import pending_proposal, request_view
from rules.plan import AddMilestone

UNKNOWN = 987_654

UNSEEN = {
    "contract": "No such contract, or it is not yours to see.",
    "milestone": "No such milestone, or it is not yours to see.",
    "active": "No such change request, or it is not yours to see.",
    "proposal": "No such change request, or it is not yours to see.",
    "refund": "No such refund request, or it is not yours to see.",
}
NOT_FOUND = {"contract": "No contract #{}.", "milestone": "No milestone #{}.",
             "active": "No change request #{}.", "proposal": "No change request #{}.",
             "refund": "No refund request #{}."}

# (entry point, the kind of id it takes, how to call it with an actor and that id)
ENTRY_POINTS = [
    ("payments.fund_next_milestone", "contract",
     lambda a, i, k: payments.fund_next_milestone(a, i, clock=k)),
    ("payments.add_escrow_funds", "milestone",
     lambda a, i, k: payments.add_escrow_funds(a, i, clock=k)),
    ("payments.release", "milestone", lambda a, i, k: payments.release(a, i, clock=k)),
    ("work.submit_work", "milestone",
     lambda a, i, k: work.submit_work(a, i, "Done", clock=k)),
    ("work.request_changes", "milestone",
     lambda a, i, k: work.request_changes(a, i, "Again", clock=k)),
    ("refunds.request_refund", "milestone",
     lambda a, i, k: refunds.request_refund(a, i, reason="Back", clock=k)),
    ("refunds.agree_refund", "refund", lambda a, i, k: refunds.agree_refund(a, i, clock=k)),
    ("refunds.grant_unanswered_refund", "refund",
     lambda a, i, k: refunds.grant_unanswered_refund(a, i, clock=k)),
    ("refunds.dispute_refund", "refund",
     lambda a, i, k: refunds.dispute_refund(a, i, "No", clock=k)),
    ("refunds.respond_to_dispute", "refund",
     lambda a, i, k: refunds.respond_to_dispute(a, i, "Yes", clock=k)),
    ("refunds.close_unanswered_dispute", "refund",
     lambda a, i, k: refunds.close_unanswered_dispute(a, i, clock=k)),
    ("refunds.resolve_dispute", "refund",
     lambda a, i, k: refunds.resolve_dispute(a, i, 0, 0, "Split", clock=k)),
    ("change_requests.request_milestone_change", "milestone",
     lambda a, i, k: cr.request_milestone_change(a, i, {"title": "New"}, clock=k)),
    ("change_requests.edit_milestone_change", "active",
     lambda a, i, k: cr.edit_milestone_change(a, i, {"title": "Newer"}, clock=k)),
    ("change_requests.withdraw_milestone_change", "active",
     lambda a, i, k: cr.withdraw_milestone_change(a, i, clock=k)),
    ("change_requests.approve_milestone_change", "active",
     lambda a, i, k: cr.approve_milestone_change(a, i, clock=k)),
    ("change_requests.reject_milestone_change", "active",
     lambda a, i, k: cr.reject_milestone_change(a, i, "No", clock=k)),
    ("change_requests.expire_milestone_change", "active",
     lambda a, i, k: cr.expire_milestone_change(a, i, clock=k)),
    ("change_requests.propose_milestone_changes", "contract",
     lambda a, i, k: cr.propose_milestone_changes(a, i, [AddMilestone("More", 5000)],
                                                  clock=k)),
    ("change_requests.accept_proposal", "proposal",
     lambda a, i, k: cr.accept_proposal(a, i, clock=k)),
    ("change_requests.decline_proposal", "proposal",
     lambda a, i, k: cr.decline_proposal(a, i, "No", clock=k)),
    ("planning.save_plan", "contract",
     lambda a, i, k: planning.save_plan(a, i, [AddMilestone("More", 5000)], clock=k)),
    ("planning.add_milestone", "contract",
     lambda a, i, k: planning.add_milestone(a, i, "More", 5000, clock=k)),
    ("planning.edit_milestone", "milestone",
     lambda a, i, k: planning.edit_milestone(a, i, title="Renamed", clock=k)),
    ("planning.delete_milestone", "milestone",
     lambda a, i, k: planning.delete_milestone(a, i, clock=k)),
    ("planning.reorder_milestones", "contract",
     lambda a, i, k: planning.reorder_milestones(a, i, [], clock=k)),
    ("contracts.end_contract", "contract",
     lambda a, i, k: contracts.end_contract(a, i, clock=k)),
    ("contracts.leave_feedback", "contract",
     lambda a, i, k: contracts.leave_feedback(a, i, 5, "Great", clock=k)),
    ("support.cancel_milestone", "milestone",
     lambda a, i, k: support.cancel_milestone(a, i, "Asked to", clock=k)),
    ("support.cancel_order", "contract",
     lambda a, i, k: support.cancel_order(a, i, "Asked to", clock=k)),
    ("orders.complete_order", "contract",
     lambda a, i, k: orders.complete_order(a, i, reason="Done", clock=k)),
    ("contract_view.contract_detail", "contract", lambda a, i, k: contract_detail(a, i)),
    ("contract_view.timeline_page", "contract", lambda a, i, k: timeline_page(a, i)),
    ("inbox.request_view", "active", lambda a, i, k: request_view(a, i, clock=k)),
]
IDS = [name for name, _, _ in ENTRY_POINTS]


@pytest.fixture
def theirs(make_contract, other_client, other_freelancer, clock):
    """Cy's contract with Di, holding one of each kind of id: its contract, a funded
    milestone, a pending change request, a pending proposal and an open refund request."""
    c = make_contract(title="Cy's blog", actor=other_client, other=other_freelancer)
    m = payments.fund_next_milestone(other_client, c.id, clock=clock)
    active = cr.request_milestone_change(other_client, m.id, {"title": "Blog v2"},
                                         clock=clock)
    proposal = cr.propose_milestone_changes(other_freelancer, c.id,
                                            [AddMilestone("Extra", 5000)], clock=clock)
    rr = refunds.request_refund(other_client, m.id, reason="Changed my mind", clock=clock)
    assert ChangeRequest.get_by_id(active.id).kind == K.CLIENT_ACTIVE
    return {"contract": c.id, "milestone": m.id, "active": active.id,
            "proposal": proposal.id, "refund": rr.id}


@pytest.fixture
def ours(make_contract):
    """Ada's own contract with Bo: Ada and Bo are parties, just not to Cy's contract."""
    return make_contract(title="Ada's shop")


def refusal(call) -> RuleError:
    with pytest.raises(RuleError) as info:
        call()
    return info.value


@pytest.mark.parametrize("name,kind,call", ENTRY_POINTS, ids=IDS)
def test_G07_unknown_and_anothers_id_are_refused_alike(name, kind, call, theirs, ours,
                                                       client, freelancer, clock, refused):
    for who in (client, freelancer):
        with refused("G-07") as unknown:
            call(who, UNKNOWN, clock)
        with refused("G-07") as another:
            call(who, theirs[kind], clock)
        assert (unknown.value.rule_id, unknown.value.message) == (
            another.value.rule_id, another.value.message), f"{name} / {who.login}"
        assert unknown.value.message == UNSEEN[kind], f"{name} / {who.login}"
        assert str(UNKNOWN) not in unknown.value.message
        assert str(theirs[kind]) not in another.value.message


@pytest.mark.parametrize("name,kind,call", ENTRY_POINTS, ids=IDS)
def test_G07_agents_and_the_system_are_told_an_id_does_not_exist(name, kind, call, theirs,
                                                                  agent, system, clock,
                                                                  refused):
    for who in (agent, system):
        with refused("not-found", match=NOT_FOUND[kind].format(UNKNOWN)):
            call(who, UNKNOWN, clock)


def test_G07_a_request_of_the_other_kind_reads_as_unknown(theirs, other_client,
                                                          other_freelancer, clock, refused):
    # A proposal's id given where a client change request is expected (and back): even
    # its own parties are told "no such request", never which kind it is.
    with refused("G-07", match=UNSEEN["active"]):
        cr.withdraw_milestone_change(other_client, theirs["proposal"], clock=clock)
    with refused("G-07", match=UNSEEN["proposal"]):
        cr.accept_proposal(other_client, theirs["active"], clock=clock)


def test_G07_an_id_that_is_not_a_number_reads_as_unknown(theirs, client, agent, clock,
                                                         refused):
    with refused("G-07", match=UNSEEN["milestone"]):
        work.submit_work(client, str(theirs["milestone"]), "Done", clock=clock)
    with refused("not-found", match="No contract #"):
        contract_detail(agent, "7")


def test_G07_a_pending_proposal_is_none_whether_unknown_or_anothers(theirs, client, agent,
                                                                    clock):
    assert pending_proposal(client, UNKNOWN, clock=clock) is None
    assert pending_proposal(client, theirs["contract"], clock=clock) is None
    assert pending_proposal(agent, theirs["contract"], clock=clock).id == theirs["proposal"]


def test_G07_the_parties_still_see_their_own(theirs, other_client, other_freelancer):
    assert contract_detail(other_client, theirs["contract"]).capacity == "client"
    assert request_view(other_freelancer, theirs["active"]).id == theirs["active"]
