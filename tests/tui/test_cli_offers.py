"""`milestones offers send|accept|decline|withdraw|list` (tui/cli/offers.py, O-01..O-05)
through the installed command, as the account bound to the OS user: an Upwork offer
accepted and funded, a Fiverr custom offer whose acceptance charges M1 (F-04), JSON
shapes, exit codes, and refusals that leave the database as it was."""
from __future__ import annotations

import datetime as dt
import json

from models.contracts import Contract
from models.milestones import Milestone
from test_cli_verbs import cli, refused  # noqa: F401 - the fixture and the helper

DUE = (dt.date.today() + dt.timedelta(days=10)).isoformat()


def test_O01_O03_an_upwork_offer_is_sent_accepted_and_funded(cli, client, freelancer):
    code, out, err = cli("ada", "offers", "send", "--to", "bo", "--policy", "upwork",
                         "--title", "Shop rebuild", "--milestone", f"Design: v2:300.00:{DUE}",
                         "--milestone", f"Build:900.00:{DUE}", "--json")
    assert code == 0, err
    sent = json.loads(out)
    assert (sent["status"], sent["milestones"], sent["total"]) == (
        "offered", 2, {"cents": 1200_00, "amount": "1200.00"})
    titles = [m.title for m in Milestone.select().where(
        Milestone.contract == sent["contract"]).order_by(Milestone.position)]
    assert titles == ["Design: v2", "Build"]  # a colon in a title is kept
    code, out, _ = cli("bo", "offers", "list", "--json")
    assert [(r["contract"], r["sent"]) for r in json.loads(out)] == [(sent["contract"], False)]
    code, out, err = cli("bo", "offers", "accept", str(sent["contract"]), "--json")
    assert code == 0 and json.loads(out)["status"] == "open", err
    code, _, err = cli("ada", "fund", str(sent["contract"]))
    assert code == 0, err


def test_O01_F04_a_fiverr_custom_offer_charges_its_first_milestone_on_accept(
        cli, client, freelancer):
    code, out, err = cli("bo", "offers", "send", "--to", "ada", "--policy", "fiverr-offer",
                         "--title", "Logo", "--milestone", f"Concepts:1200.00:{DUE}")
    assert code == 0, err
    assert "“Logo” sent to ada: 1 milestone, $1,200.00; it expires " in out  # for people
    offer = int(out.split("#")[1].split()[0])
    code, out, err = cli("ada", "offers", "accept", str(offer))
    assert code == 0 and "the contract is open" in out, err
    assert Milestone.get(Milestone.contract == offer).status == "funded"


def test_O_refusals_write_nothing(cli, client, freelancer):
    refused(cli, "bo", "offers", "send", "--to", "ada", "--policy", "upwork", "--title",
            "X", "--milestone", f"A:100.00:{DUE}", rule="O-01")  # the client writes on Upwork
    refused(cli, "ada", "offers", "send", "--to", "nobody", "--policy", "upwork", "--title",
            "X", "--milestone", f"A:100.00:{DUE}", rule="not-found")
    refused(cli, "bo", "offers", "send", "--to", "ada", "--policy", "fiverr-gig", "--title",
            "X", "--milestone", f"A:20.00:{DUE}", rule="F-01")  # milestones need $100+
    code, out, err = cli("ada", "offers", "send", "--to", "bo", "--policy", "upwork",
                         "--title", "X", "--milestone", "no-colons")
    assert (code, out) == (2, "") and "TITLE:AMOUNT:DUE" in err
    code, out, _ = cli("ada", "offers", "send", "--to", "bo", "--policy", "upwork",
                       "--title", "Site", "--milestone", f"A:100.00:{DUE}", "--json")
    offer = json.loads(out)["contract"]
    refused(cli, "ada", "offers", "accept", str(offer), rule="O-03")  # not the receiver
    refused(cli, "bo", "offers", "withdraw", str(offer), rule="O-04")  # not the sender
    code, out, _ = cli("ada", "offers", "withdraw", str(offer), "--json")
    assert code == 0 and json.loads(out)["status"] == "withdrawn"
    refused(cli, "bo", "offers", "accept", str(offer), rule="O-02")
    assert Contract.get_by_id(offer).status == "withdrawn"


def test_X32_an_offer_s_milestone_carries_its_criteria_after_a_bar(cli, client, freelancer):
    code, out, err = cli("ada", "offers", "send", "--to", "bo", "--policy", "upwork",
                         "--title", "Landing page", "--milestone",
                         f"Page:400.00:{DUE} | Loads fast;  Works on phones ;", "--json")
    assert code == 0, err
    page = Milestone.get(Milestone.contract == json.loads(out)["contract"])
    assert page.criteria == ("Loads fast", "Works on phones")
    refused(cli, "ada", "offers", "send", "--to", "bo", "--policy", "upwork", "--title",
            "Twice", "--milestone", f"Page:400.00:{DUE} | Fast; fast", rule="X-32")
