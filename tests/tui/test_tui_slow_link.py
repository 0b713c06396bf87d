"""The app behind a slow link (issue 18): output in batches 100 ms late, fed in 1 KB
pieces, keys typed ahead arriving together. A user who types without waiting for the screen still gets
what they typed: the contract they moved to, the milestone moved as typed, and the plan
saved in the database."""
from __future__ import annotations

import sqlite3
import time

from pty_app import PtyApp, keys
from pty_seed import REORDER_TITLE
from slow_link import SlowLink
from test_tui_typeahead import third_title

TYPING = 0.03  # seconds between keys: a quick typist, well within the link's delay


def type_ahead(app: PtyApp, *names: str) -> None:
    """One key at a time, not waiting for the screen (the link gathers them)."""
    for name in names:
        app.write(keys(name))
        time.sleep(TYPING)


def saved_order(db, title: str) -> list[str]:
    with sqlite3.connect(db) as con:
        return [t for (t,) in con.execute(
            "SELECT m.title FROM milestone m JOIN contract c ON c.id = m.contract_id "
            "WHERE c.title = ? ORDER BY m.position", (title,))]


def test_typed_ahead_keys_over_a_slow_link_do_what_was_typed(pty_db):
    link = SlowLink(delay=0.1, chunk=1024)
    with PtyApp(pty_db, "ada", link=link) as app:
        app.wait_for("› Contracts", "⏎ Open")
        third = third_title(app.wait_quiet())
        type_ahead(app, "down", "down", "enter")
        assert third in app.wait_for("› Contract #", gone="Loading…").splitlines()[1]
        app.wait_quiet()
        type_ahead(app, "escape")
        app.wait_for("› Contracts")
        app.wait_quiet()
        type_ahead(app, "end", "enter")
        app.wait_for(REORDER_TITLE, "Plan")
        app.wait_quiet()
        type_ahead(app, "m")
        app.wait_for("› Milestones", "Delta stage")
        app.wait_quiet()
        # f2 right behind the drop: it must save the order as typed (the manager
        # closes on saving, back to the room, whose timeline says what changed).
        type_ahead(app, "j", "j", "space", "k", "space", "f2")
        app.wait_for("Milestones changed: moved", "Fund next")
        assert saved_order(pty_db, REORDER_TITLE) == [
            "Alpha stage", "Gamma stage", "Beta stage", "Delta stage"]
        assert link.chunks > 10  # the frames did come in pieces
