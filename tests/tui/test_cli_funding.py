"""The funding policy on the command line (tui/cli/funding.py, `offers send --funding`,
`fund --ahead`; X-36..X-38) through the installed command, as the account bound to the
OS user: an offer that funds all up front, a change both parties agree to, refusals that
leave the database as it was."""
from __future__ import annotations

import datetime as dt
import json

from models.contracts import Contract
from models.milestones import Milestone
from test_cli_verbs import cli, contract, refused  # noqa: F401 - the fixtures, the helper

DUE = (dt.date.today() + dt.timedelta(days=10)).isoformat()


def test_X36_X37_an_offer_funded_all_up_front_is_funded_in_one_go(cli, client, freelancer):
    code, out, err = cli("ada", "offers", "send", "--to", "bo", "--policy", "upwork",
                         "--title", "Shop", "--funding", "all", "--milestone",
                         f"Design:300.00:{DUE}", "--milestone", f"Build:900.00:{DUE}",
                         "--json")
    assert code == 0, err
    offer = json.loads(out)
    assert offer["funding_limit"] == 0
    assert cli("bo", "offers", "accept", str(offer["contract"]))[0] == 0
    code, out, err = cli("ada", "fund", str(offer["contract"]), "--ahead")
    assert code == 0 and "Funded 2 milestones" in out and "$1,200.00 in escrow" in out, err
    assert {m.status for m in Milestone.select().where(
        Milestone.contract == offer["contract"])} == {"funded"}
    code, out, _ = cli("ada", "contracts", "show", str(offer["contract"]))
    assert "funds all milestones up front" in out


def test_X36_a_bad_funding_in_an_offer_writes_nothing(cli, client, freelancer):
    refused(cli, "ada", "offers", "send", "--to", "bo", "--policy", "upwork", "--title",
            "Shop", "--funding", "lots", "--milestone", f"A:100.00:{DUE}", rule="X-36")


def test_X38_one_party_asks_the_other_accepts(cli, contract):
    code, out, err = cli("bo", "funding", "ask", str(contract.id), "2", "--message",
                         "Two at a time?", "--json")
    assert code == 0, err
    asked = json.loads(out)
    assert (asked["status"], asked["funding_limit"]) == ("pending", 2)
    refused(cli, "bo", "funding", "accept", str(asked["request"]), rule="X-38")
    code, out, err = cli("ada", "funding", "accept", str(asked["request"]))
    assert code == 0 and "up to 2 milestones at a time" in out, err
    assert Contract.get_by_id(contract.id).funding_limit == 2
    code, out, err = cli("ada", "fund", str(contract.id), "--ahead", "--json")
    assert code == 0 and len(json.loads(out)["milestones"]) == 2, err


def test_X38_decline_and_withdraw(cli, contract):
    first = json.loads(cli("ada", "funding", "ask", str(contract.id), "all", "--json")[1])
    code, out, _ = cli("bo", "funding", "decline", str(first["request"]), "--message", "No")
    assert code == 0 and "Declined" in out
    second = json.loads(cli("ada", "funding", "ask", str(contract.id), "3", "--json")[1])
    refused(cli, "bo", "funding", "withdraw", str(second["request"]), rule="X-38")
    assert cli("ada", "funding", "withdraw", str(second["request"]))[0] == 0
    assert Contract.get_by_id(contract.id).funding_limit == 1
