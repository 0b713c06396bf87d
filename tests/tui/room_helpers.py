"""The contract room's tests: more contracts on top of the `world` fixture (made through
rules/, as users would), and Pilot helpers to act as a given user in a given room."""
from __future__ import annotations

import datetime as dt

from textual import events
from textual.pilot import Pilot
from textual.worker import WorkerFailed, WorkerState

from models.accounts import Account
from models.contracts import Contract
from rules.contract_view import ContractDetail, contract_detail
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone
from rules.work import submit_work
from tui.screens.contract import ContractScreen
from tui.screens.contract_actions import FLOW

BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


async def settle(pilot: Pilot) -> None:
    """Wait until the database workers are done and what they posted is shown. Unlike
    tui_helpers.settle it does not wait for a room's flow: that one waits for the user
    while its dialog is open."""
    app = pilot.app
    for _ in range(100):
        busy = [w for w in app.workers if w.state in BUSY and w.group != FLOW["group"]]
        if busy:
            try:
                await app.workers.wait_for_complete(busy)
            except WorkerFailed:
                pass  # the app reports it (a notification); tests look at that
        await pilot.pause()
        if not any(w.state in BUSY and w.group != FLOW["group"] for w in app.workers):
            return
    raise AssertionError("the app never settled")  # pragma: no cover


async def press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def new_contract(world, clock, title: str, *milestones: tuple[str, int, str],
                 client: Account | None = None, freelancer: Account | None = None,
                 fund: bool = False, submit: str | None = None,
                 policy: str = "upwork") -> Contract:
    """A contract of Ada's (by default) with Bo, funded and submitted if asked."""
    from rules.contracts import create_contract
    client = client or world.ada
    drafts = [AddMilestone(title=t, amount_cents=a, due_date=dt.date.fromisoformat(d))
              for t, a, d in milestones]
    c = create_contract(client, freelancer=freelancer or world.bo, title=title,
                        policy=policy, clock=clock, milestones=drafts)
    if fund:
        fund_next_milestone(client, c.id, clock=clock)
    if submit is not None:
        m = contract_detail(client, c.id).milestones[0]
        submit_work(freelancer or world.bo, m.id, submit, clock=clock)
    return c


def detail(account: Account, contract: Contract | int) -> ContractDetail:
    return contract_detail(account, contract if isinstance(contract, int) else contract.id)


async def open_room(pilot: Pilot, account: Account, contract: Contract | int) -> ContractScreen:
    """Act as `account` in the room of `contract`. The room already open for that
    contract is reused (read again as the new user), which is quicker than opening it
    anew; `u` in the app would go back to the list first (G-07)."""
    app = pilot.app
    contract_id = contract if isinstance(contract, int) else contract.id
    while len(app.screen_stack) > 1 and not (
            isinstance(app.screen, ContractScreen) and app.screen.contract_id == contract_id):
        app.pop_screen()
    app.actor = account
    if isinstance(app.screen, ContractScreen):
        screen = app.screen
        shown = screen.detail
        screen.action_refresh()
    else:
        screen, shown = ContractScreen(contract_id), None
        await app.push_screen(screen)
    # Until the contract is shown as read for `account` (on a busy machine its message
    # can come after the worker is seen done), then a frame: the footer is rebuilt
    # after the refresh that follows a change of keys.
    for _ in range(100):
        await settle(pilot)
        if screen.detail is not shown or screen._unavailable:
            break
    await pilot.pause()
    await pilot.pause()
    return screen


async def type_in(pilot: Pilot, text: str) -> None:
    """Type into the focused field, key by key (amounts: short)."""
    await pilot.press(*text)
    await settle(pilot)


async def paste(pilot: Pilot, text: str) -> None:
    """Paste into the focused field, as a terminal does (messages: long)."""
    assert pilot.app.screen.focused is not None, "nothing has focus to paste into"
    pilot.app.post_message(events.Paste(text))  # the app hands it to the focused widget
    await settle(pilot)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def milestone(contract: Contract, index: int):
    """The milestone row as stored now (position `index`, from 0)."""
    from models.milestones import Milestone
    return (Milestone.select().where(Milestone.contract == contract.id)
            .order_by(Milestone.position))[index]


def stored() -> dict:
    """Everything a refused action must leave as it was: row counts, statuses, versions
    and ledger balances."""
    from peewee import fn

    from models.db import ALL_MODELS
    from models.ledger import LedgerEntry
    state: dict = {m.__name__: m.select().count() for m in ALL_MODELS}
    state["balances"] = sorted(LedgerEntry.select(LedgerEntry.milestone, LedgerEntry.account,
                                                  fn.SUM(LedgerEntry.amount_cents))
                               .group_by(LedgerEntry.milestone, LedgerEntry.account).tuples(),
                               key=str)
    for m in ALL_MODELS:
        if "version" in m._meta.fields:
            state[f"{m.__name__}.versions"] = sorted(m.select(m.id, m.version).tuples())
    return state


def transfers(contract: Contract, kind: str) -> list[int]:
    """The amounts of the ledger transfers of one kind on a contract, oldest first."""
    from models.ledger import LedgerEntry, LedgerTransfer
    return [e.amount_cents for e in LedgerEntry.select().join(LedgerTransfer)
            .where((LedgerTransfer.contract == contract.id) & (LedgerTransfer.kind == kind)
                   & (LedgerEntry.amount_cents > 0)).order_by(LedgerEntry.id)]


__all__ = ["new_contract", "detail", "open_room", "type_in", "paste", "press", "settle", "notes",
           "milestone", "stored", "transfers"]
