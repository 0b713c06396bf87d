"""Hostile text on screen (issue 17): plant it in the database past rules/validation (the
stored-data path: rows written before the T-rules, imports), then read what the terminal
would receive. Shared by tests/tui/test_tui_hostile_text.py and the fuzzer."""
from __future__ import annotations

import json
import re

from models.accounts import Account
from models.audit import AuditRecord
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.events import Event
from models.milestones import Milestone, Submission

# Every escape sequence Textual itself writes for a frame: SGR colours and styles,
# cursor moves. Anything else (ESC starting OSC, a CSI erase, BEL, C1) came from data.
TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H|\x1b\[\d*[ABCDG]|\x1b\[\?\d+[hl]")
# Bytes no frame may carry: C0 but newline, DEL, C1, and the bidi controls.
STRAY = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


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


def screen_text(output: str) -> str:
    """The characters of a frame, rows as lines (styles and moves dropped)."""
    return TEXTUAL_OWN.sub(lambda m: "\n" if m.group().endswith("H") else "", output)


def plant(contract: Contract, text: str) -> None:
    """Write `text`, unchecked, into every user-text column a screen of `contract`
    shows: its title, its milestones' titles and descriptions, submissions, the
    freelancer's name, timeline summaries (and so notifications), change requests, audit
    records. Direct updates: this is what older or imported rows may hold."""
    Contract.update(title=text).where(Contract.id == contract.id).execute()
    ms = Milestone.select(Milestone.id).where(Milestone.contract == contract.id)
    Milestone.update(title=text, description=text).where(Milestone.contract == contract.id).execute()
    Submission.update(message=text, link=text).where(Submission.milestone.in_(ms)).execute()
    Account.update(display_name=text).where(Account.id == contract.freelancer_id).execute()
    Event.update(summary=text).where(Event.contract == contract.id).execute()
    for cr in ChangeRequest.select().where(ChangeRequest.contract == contract.id):
        payload = json.loads(cr.payload)
        for change in payload.get("changes", []):
            if isinstance(change, dict) and "title" in change:
                change["title"] = text
        ChangeRequest.update(message=text, payload=json.dumps(payload)).where(
            ChangeRequest.id == cr.id).execute()
    AuditRecord.update(reason=text, target=text).where(
        AuditRecord.contract == contract.id).execute()
