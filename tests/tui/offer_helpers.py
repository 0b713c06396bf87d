"""Filling in the offer form (tui/screens/offer_form.py) as a user does: shared by the
offer tests and their snapshots."""
from __future__ import annotations

from textual.widgets import Input

from tui_helpers import press
from tui.screens.milestone_form import MilestoneForm
from tui.screens.offer_form import OfferForm


async def type_into(pilot, field_id: str, text: str) -> None:
    field = pilot.app.screen.query_one(field_id, Input)
    field.focus()
    await pilot.press(*text)
    await press(pilot)


async def add_milestone(pilot, title: str, due: str, amount: str, *, typed=False) -> None:
    """Through the manager's form; `typed` key by key, otherwise each field set whole
    (the same Input.Changed checks, a fraction of the keys)."""
    pilot.app.screen.query_one("#offer-plan").focus()
    await press(pilot, "a")
    form = pilot.app.screen
    assert isinstance(form, MilestoneForm)
    if typed:
        await pilot.press(*title, "tab", "tab", *due, "tab", *amount)
    else:
        for name, value in (("title", title), ("due_date", due), ("amount_cents", amount)):
            form.query_one(f"#field-{name}", Input).value = value
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, OfferForm)
