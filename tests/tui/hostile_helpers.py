"""Hostile text on screen (issue 17): plant it in the database past rules/validation (the
stored-data path: rows written before the T-rules, imports), then read what the terminal
would receive. Shared by tests/tui/test_tui_hostile_text.py and the fuzzer.

What each database can hold (tests/tui/test_tui_stored_bytes.py shows it): SQLite holds
any character, and a lone surrogate too, as the bytes another program may have written
(ED A0 80 for U+D800: Python's driver refuses to write one, so `plant` writes the
bytes). PostgreSQL holds neither NUL (the driver refuses it) nor a lone surrogate (the
server refuses the bytes), and enforces the columns' lengths: `plant` leaves those out
of its text columns there. JSON columns (a change request's payload) carry both as
`\\u0000` and `\\ud800` escapes on either database, so the screens meet them anyway."""
from __future__ import annotations

import json
import re

from peewee import Cast, SqliteDatabase

from models.accounts import Account
from models.audit import AuditRecord
from models.base import database
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.events import Event
from models.milestones import Milestone, Submission

# Every escape sequence Textual itself writes for a frame: SGR colours and styles,
# cursor moves. Anything else (ESC starting OSC, a CSI erase, BEL, C1) came from data.
TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H|\x1b\[\d*[ABCDG]|\x1b\[\?\d+[hl]")
# Characters no frame may carry: C0 but newline, DEL, C1, the bidi controls, and lone
# surrogates (the driver could not even encode them: the session would end).
STRAY = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
                   "\ud800-\udfff]")
SURROGATE = re.compile("[\ud800-\udfff]")


def terminal_output(app) -> str:
    """What the driver would write for a full repaint of the current screen (and the
    screens showing through it), escape sequences and all."""
    screen = app.screen
    update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return update.render_segments(app.console)


def stray_controls(output: str) -> list[str]:
    """The control, C1 and bidi characters left once Textual's own sequences are gone."""
    rest = TEXTUAL_OWN.sub("", output)
    return sorted({f"U+{ord(c):04X}" for c in STRAY.findall(rest)})


def stray_in_frame(app) -> list[str]:
    """The control, C1, bidi and surrogate characters in the text of the current frame's
    segments. Exact where `stray_controls` guesses: Textual's own sequences come from
    styles and cursor moves, never from a segment's text, so an SGR or a cursor move
    planted in data (`\\x1b[31m`, which TEXTUAL_OWN would take for Textual's) shows here."""
    update = app.screen._compositor.render_update(full=True,
                                                  screen_stack=app._background_screens)
    found = {f"U+{ord(c):04X}" for line in update.strips for strip in line
             for text, _style, control in strip if control is None
             for c in STRAY.findall(text)}
    return sorted(found)


def screen_text(output: str) -> str:
    """The characters of a frame, rows as lines (styles and moves dropped)."""
    return TEXTUAL_OWN.sub(lambda m: "\n" if m.group().endswith("H") else "", output)


def storable(field, text: str):
    """`text` as this database can hold it in `field`: on SQLite exactly (a lone surrogate
    as the bytes another program would have written, CAST to TEXT), on PostgreSQL without
    NUL and lone surrogates and cut to the column's length."""
    if isinstance(database.obj, SqliteDatabase):
        if SURROGATE.search(text):
            return Cast(text.encode("utf-8", "surrogatepass"), "TEXT")
        return text
    text = SURROGATE.sub("", text.replace("\x00", ""))
    return text[:field.max_length] if getattr(field, "max_length", None) else text


def _put(model, where, **columns: str) -> None:
    model.update({model._meta.fields[name]: storable(model._meta.fields[name], text)
                  for name, text in columns.items()}).where(where).execute()


def plant(contract: Contract, text: str) -> None:
    """Write `text`, unchecked, into every user-text column a screen of `contract`
    shows: its title, its milestones' titles and descriptions, submissions, the
    freelancer's name, timeline summaries (and so notifications), change requests, audit
    records. Direct updates: this is what older or imported rows may hold."""
    _put(Contract, Contract.id == contract.id, title=text)
    ms = Milestone.select(Milestone.id).where(Milestone.contract == contract.id)
    _put(Milestone, Milestone.contract == contract.id, title=text, description=text)
    _put(Submission, Submission.milestone.in_(ms), message=text, link=text)
    _put(Account, Account.id == contract.freelancer_id, display_name=text)
    _put(Event, Event.contract == contract.id, summary=text)
    for cr in ChangeRequest.select().where(ChangeRequest.contract == contract.id):
        payload = json.loads(cr.payload)
        for change in payload.get("changes", []):
            if isinstance(change, dict) and "title" in change:
                change["title"] = text
        _put(ChangeRequest, ChangeRequest.id == cr.id, message=text,
             payload=json.dumps(payload))  # ASCII: NUL and surrogates as \u escapes
    with database.atomic():
        if not isinstance(database.obj, SqliteDatabase):  # past the append-only trigger
            database.execute_sql("SET LOCAL session_replication_role = replica")
        _put(AuditRecord, AuditRecord.contract == contract.id, reason=text, target=text)
