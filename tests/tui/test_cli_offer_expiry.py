"""`milestones offers send --expires` and the expiry in `offers list` (tui/cli/offers.py,
O-06) through the installed command, on the real clock: a date or a number of days,
refusals that write nothing, and an expired offer that is no longer accepted."""
from __future__ import annotations

import datetime as dt
import json

import arrow

from models.deadlines import Deadline
from rules.clock import FrozenClock
from rules.deadlines import sweep
from rules.offers import send_offer
from test_cli_verbs import cli, refused  # noqa: F401 - the fixture and the helper

TODAY = dt.date.today()
DUE = (TODAY + dt.timedelta(days=10)).isoformat()
SEND = ("offers", "send", "--to", "bo", "--policy", "upwork", "--title", "Shop",
        "--milestone", f"Design:300.00:{DUE}")


def expiry_of(contract_id: int) -> arrow.Arrow:
    return arrow.get(Deadline.get((Deadline.contract == contract_id)
                                  & (Deadline.kind == "offer_expiry")).due_at)


def test_O06_expires_takes_a_date_or_days_and_list_shows_it(cli, client, freelancer):
    before = arrow.utcnow()
    code, out, err = cli("ada", *SEND, "--expires", "7d", "--json")
    assert code == 0, err
    sent = json.loads(out)
    due = expiry_of(sent["contract"])
    assert before.shift(days=7) <= due <= arrow.utcnow().shift(days=7)
    assert sent["expires_at"] == due.isoformat() and sent["expires_at"].endswith("+00:00")
    day = TODAY + dt.timedelta(days=20)
    code, out, err = cli("ada", *SEND, "--expires", day.isoformat())
    assert code == 0 and "it expires" in out, err
    code, out, _ = cli("ada", *SEND)  # the default: 14 days
    assert code == 0
    code, out, _ = cli("bo", "offers", "list", "--json")
    rows = json.loads(out)
    assert [arrow.get(r["expires_at"]).date() for r in rows] == [
        expiry_of(rows[0]["contract"]).date(), day + dt.timedelta(days=1), due.date()]
    assert arrow.get(rows[1]["expires_at"]) == arrow.get(day).shift(days=1)  # end of day
    assert before.shift(days=14) <= arrow.get(rows[0]["expires_at"])
    code, out, _ = cli("bo", "offers", "list")
    assert "Expires (UTC)" in out.splitlines()[0]
    assert f"{day + dt.timedelta(days=1)} 00:00" in out


def test_O06_a_bad_or_out_of_range_expiry_writes_nothing(cli, client, freelancer):
    refused(cli, "ada", *SEND, "--expires", (TODAY - dt.timedelta(days=1)).isoformat(),
            rule="O-06")
    refused(cli, "ada", *SEND, "--expires", "0d", rule="O-06")
    refused(cli, "ada", *SEND, "--expires", "91d", rule="O-06")
    code, out, err = cli("ada", *SEND, "--expires", "next week")
    assert (code, out) == (2, "") and "YYYY-MM-DD" in err and "7d" in err


def test_O06_an_expired_offer_is_refused_and_listed_as_expired(cli, client, freelancer):
    sent_at = arrow.utcnow().shift(days=-3)
    c = send_offer(client, "bo", "upwork", "Logo", "", [("A", 100_00, TODAY)],
                   expires_at=dt.timedelta(days=1), clock=FrozenClock(sent_at))
    refused(cli, "bo", "offers", "accept", str(c.id), rule="O-06")  # before the sweep
    sweep()
    refused(cli, "bo", "offers", "accept", str(c.id), rule="O-06")
    code, out, _ = cli("bo", "offers", "list", "--json")
    [row] = json.loads(out)
    assert (row["status"], arrow.get(row["expires_at"])) == ("expired", sent_at.shift(days=1))
