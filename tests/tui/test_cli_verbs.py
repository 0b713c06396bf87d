"""The scriptable verbs (tui/cli/contracts.py, tui/cli/milestone_verbs.py) through the
installed `milestones` command, as the account bound to the OS user running it: JSON
shapes, exit codes, and refusals that leave the database as it was."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.db import sqlite_url
from rules.accounts import Operator, bind_os_user
from rules.contracts import create_contract
from rules.plan import AddMilestone
from state_helpers import db_state
from tui.cli.acting import current_os_user

MILESTONES = Path(sys.executable).with_name("milestones")  # the installed command
OPERATOR = Operator("root")


@pytest.fixture
def contract(client, freelancer):
    """A contract made now (the verbs run on the real clock)."""
    today = dt.date.today()
    return create_contract(client, freelancer=freelancer, title="Shop rebuild",
                           policy="upwork", milestones=[
                               AddMilestone("Design", 300_00, due_date=today + dt.timedelta(days=7)),
                               AddMilestone("Build", 900_00, due_date=today + dt.timedelta(days=21))])


@pytest.fixture
def cli(db, tmp_path):
    """cli(login, *args) -> (exit code, stdout, stderr), run as `login` bound to the OS
    user running the tests."""
    url = sqlite_url(tmp_path / "test.db")
    me = current_os_user()
    bound = []

    def bind(login: str) -> None:
        if bound != [login]:
            for other in bound:
                bind_os_user(OPERATOR, other, None)
            bind_os_user(OPERATOR, login, me)
            bound[:] = [login]

    def run(login: str, *args: str):
        bind(login)
        done = subprocess.run([str(MILESTONES), "--db", url, *args], capture_output=True,
                              text=True, timeout=60)
        return done.returncode, done.stdout, done.stderr
    run.bind = bind
    return run


def refused(cli, login: str, *args: str, rule: str) -> str:
    cli.bind(login)  # binding the OS user is a write of its own, before the state is read
    before = db_state()
    code, out, err = cli(login, *args)
    assert (code, out) == (2, ""), (code, out, err)
    assert f"[{rule}]" in err and err.count("\n") == 1 and "Traceback" not in err
    assert db_state() == before
    return err


def test_contracts_list_and_show_in_json_as_each_party(cli, contract):
    code, out, _ = cli("ada", "contracts", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == [contract.id]
    assert set(rows[0]) >= {"id", "title", "status", "client", "freelancer", "in_escrow",
                            "released", "budget", "next_deadline_at"}
    assert rows[0]["budget"] == {"cents": 1_200_00, "amount": "1200.00"}
    code, out, _ = cli("bo", "contracts", "show", str(contract.id), "--json")
    shown = json.loads(out)
    assert code == 0 and shown["you_are"] == "freelancer"
    assert [m["title"] for m in shown["milestones"]] == ["Design", "Build"]
    code, out, _ = cli("bo", "contracts", "list")  # a table for people
    assert code == 0 and "Shop rebuild" in out and "title" in out.splitlines()[0]


def test_G07_another_party_s_contract_reads_as_unknown(cli, contract, other_client):
    unknown = refused(cli, "cy", "contracts", "show", "999", rule="G-07")
    hidden = refused(cli, "cy", "contracts", "show", str(contract.id), rule="G-07")
    assert unknown == hidden


def test_fund_submit_request_changes_release_refund(cli, contract):
    code, out, _ = cli("ada", "fund", str(contract.id), "--json")
    funded = json.loads(out)
    assert code == 0 and funded["status"] == "funded"
    assert funded["amount"] == {"cents": 300_00, "amount": "300.00"}
    m = str(funded["milestone"])
    refused(cli, "ada", "fund", str(contract.id), rule="U-03")     # one at a time
    refused(cli, "bo", "fund", str(contract.id), rule="G-07")      # not the client's verb
    refused(cli, "bo", "submit", m, "--message", "   ", rule="U-17")
    assert cli("bo", "submit", m, "--message", "First cut", "--link", "https://x.test")[0] == 0
    assert cli("ada", "request-changes", m, "--message", "Darker blue")[0] == 0
    assert cli("bo", "submit", m, "--message", "Second cut")[0] == 0
    refused(cli, "ada", "release", m, "--amount", "9"*30, rule="G-01")
    code, out, _ = cli("ada", "release", m, "--json", "--undo-minutes", "0")  # final now
    released = json.loads(out)
    assert code == 0 and released["released"] == {"cents": 300_00, "amount": "300.00"}
    assert released["contract_ended"] is False
    code, out, err = cli("ada", "refund", m, "--amount", "50", "--reason", "Unused hours")
    assert code == 0 and "request #" in out, err
    refused(cli, "ada", "refund", m, "--amount", "50", "--reason", "Again", rule="U-29")


def test_X30_X31_release_is_held_for_the_undo_window_and_take_back_undoes_it(cli, contract):
    from models.milestones import Milestone
    assert cli("ada", "fund", str(contract.id))[0] == 0
    m = str(Milestone.get(Milestone.title == "Design").id)
    refused(cli, "ada", "take-back", m, rule="X-31")            # nothing held yet
    refused(cli, "ada", "release", m, "--undo-minutes", "1441", rule="X-30")
    code, out, err = cli("ada", "release", m)                   # the default: 10 minutes
    assert code == 0, err
    assert "final at " in out and f"`milestones take-back {m}` undoes it" in out
    assert Milestone.get_by_id(int(m)).status == "releasing"
    refused(cli, "bo", "take-back", m, rule="G-07")
    refused(cli, "ada", "release", m, rule="X-31")              # nothing else now
    code, out, _ = cli("ada", "take-back", m, "--json")
    assert code == 0 and json.loads(out) == {
        "milestone": int(m), "status": "funded",
        "taken_back": {"cents": 300_00, "amount": "300.00"}}
    assert Milestone.get_by_id(int(m)).status == "funded"


def test_X29_release_at_a_time_in_the_reader_s_zone(cli, contract):
    from models.milestones import Milestone
    assert cli("ada", "fund", str(contract.id))[0] == 0
    m = str(Milestone.get(Milestone.title == "Design").id)
    refused(cli, "ada", "release", m, "--at", "someday", rule="input")
    refused(cli, "ada", "release", m, "--at", "2001-01-01 10:00", rule="X-29")
    when = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    code, out, err = cli("ada", "release", m, "--at", when, "--json")
    facts = json.loads(out)
    assert code == 0 and facts["kind"] == "scheduled" and facts["status"] == "releasing", err
    assert facts["final_at"].startswith(when.replace(" ", "T"))  # Ada's zone is UTC
    assert facts["released"] == {"cents": 300_00, "amount": "300.00"}


def test_X33_X35_submit_with_evidence_then_the_evidence_bundle(cli, client, freelancer,
                                                               other_client):
    from rules.plan import AddMilestone
    today = dt.date.today()
    c = create_contract(client, freelancer=freelancer, title="Landing page", policy="upwork",
                        milestones=[AddMilestone("Page", 400_00, due_date=today + dt.timedelta(
                            days=7), criteria=("Loads in 2 s", "Works on phones"))])
    code, out, _ = cli("ada", "contracts", "show", str(c.id), "--json")
    assert json.loads(out)["milestones"][0]["criteria"] == ["Loads in 2 s", "Works on phones"]
    m = str(json.loads(cli("ada", "fund", str(c.id), "--json")[1])["milestone"])
    refused(cli, "bo", "submit", m, "--message", "Done", "--evidence", "https://x.test/speed",
            rule="X-33")                                              # one of two
    code, out, err = cli("bo", "submit", m, "--message", "Done", "--evidence",
                         "https://x.test/speed | Lighthouse run", "--evidence",
                         "Tried on two phones")
    assert code == 0, err
    code, out, err = cli("ada", "evidence", m)
    bundle = json.loads(out)
    assert code == 0 and [(r["link"], r["note"]) for r in bundle["criteria"]] == [
        ("https://x.test/speed", "Lighthouse run"), ("", "Tried on two phones")]
    assert [a["action"] for a in bundle["audit"]] == ["fund_milestone", "submit_work"]
    refused(cli, "cy", "evidence", m, rule="G-07")
