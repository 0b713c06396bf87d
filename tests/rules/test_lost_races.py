"""Actions that lose a race to another terminal (G-09): a refund answered and a
contract ended while the same rows change. Each is refused with a message that names
what changed, and nothing is written. The other writer is simulated inside the action,
after its checks and before its writes, by a compare-and-set target's version moving on
(what a commit from elsewhere does)."""
from __future__ import annotations

import pytest

import rules.refunds
from models.milestones import Milestone
from models.refunds import RefundRequest
from rules.payments import fund_next_milestone
from rules.refunds import agree_refund, request_refund

pytestmark = pytest.mark.both_databases


@pytest.fixture
def asked(make_contract, client, clock):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    return request_refund(client, m.id, reason="Not started", clock=clock)


def meanwhile(monkeypatch, model, row_id: int) -> None:
    """After agree_refund's checks, someone else's write moves `model` row `row_id` on."""
    checked = rules.refunds._refuse_late_answer

    def then_someone_writes(*args, **kwargs):
        checked(*args, **kwargs)
        model.update(version=model.version + 1).where(model.id == row_id).execute()
    monkeypatch.setattr(rules.refunds, "_refuse_late_answer", then_someone_writes)


@pytest.mark.parametrize("what", ["This refund request", "This milestone"])
def test_G09_an_answer_that_lost_the_race_names_what_changed(asked, freelancer, clock, refused,
                                                             monkeypatch, what):
    model, row_id = ((RefundRequest, asked.id) if what == "This refund request"
                     else (Milestone, asked.milestone_id))
    meanwhile(monkeypatch, model, row_id)
    with refused("conflict") as caught:  # and nothing written
        agree_refund(freelancer, asked.id, clock=clock)
    assert caught.value.message.startswith(f"{what} was changed by someone else a moment ago")
    assert RefundRequest.get_by_id(asked.id).status == "pending"


def test_G09_ending_a_contract_that_changed_meanwhile_names_the_contract(
        make_contract, client, clock, refused, monkeypatch):
    import rules.contracts
    from models.contracts import Contract
    contract = make_contract()
    close = rules.contracts.close_contract_money

    def after_someone_wrote(c, *args, **kwargs):
        Contract.update(version=Contract.version + 1).where(Contract.id == c.id).execute()
        return close(c, *args, **kwargs)
    monkeypatch.setattr(rules.contracts, "close_contract_money", after_someone_wrote)
    with refused("conflict") as caught:
        rules.contracts.end_contract(client, contract.id, clock=clock)
    assert caught.value.message.startswith("This contract was changed by someone else")
    assert Contract.get_by_id(contract.id).status == "open"
