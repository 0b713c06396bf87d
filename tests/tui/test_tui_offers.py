"""Offers in the TUI (O-01..O-04, O-07; issue 14), at 80x24: `N` on the list writes one,
its receiver opens it from their own list in another app on the same database and
accepts or declines it, and the contract it became is funded in the room. The Fiverr
limits (F-01, F-02) are refused in the form before anything is sent."""
from __future__ import annotations

from textual.widgets import Input, Select, Static

from models.contracts import Contract
from models.milestones import Milestone
from rules.offers import expiries, send_offer
from state_helpers import db_state
from offer_helpers import add_milestone, type_into
from tui_helpers import press, shown, text_of, wait_for
from tui.screens.contract import ContractScreen
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.milestone_form import ConfirmDialog, MessageDialog
from tui.screens.offer_form import OfferForm
from tui.screens.offer_view import OfferScreen


async def open_row(pilot, title: str) -> str:
    """Enter on the list's row of `title`; what that row said."""
    table = pilot.app.screen.query_one("#contracts")
    row = next(i for i, s in enumerate(table.summaries) if s.title == title)
    said = str(table.get_row_at(row))
    table.move_cursor(row=row)
    await press(pilot, "enter")
    return said


def status_line(pilot) -> str:
    return text_of(pilot.app.screen.query_one("#offer-status", Static))


def offers():
    return list(Contract.select().where(Contract.title == "Landing page"))


def test_O01_O03_ada_offers_bo_a_contract_bo_accepts_it_and_ada_funds_m1(make_app, world,
                                                                         drive):
    async def ada_sends(pilot):
        await press(pilot, "N")
        form = pilot.app.screen
        assert isinstance(form, OfferForm)
        await type_into(pilot, "#offer-to", "Bo F")  # by name: one match, taken
        assert "→ Bo Freelancer (bo)" in text_of(form.query_one("#offer-to-hint", Static))
        policies = [label for label, _ in form.query_one("#offer-policy", Select)._options]
        assert policies == ["Upwork fixed price", "Upwork compliance (WPP)"]  # a client's
        await type_into(pilot, "#offer-title", "Landing page")
        await add_milestone(pilot, "Design", "2026-04-01", "300", typed=True)
        await add_milestone(pilot, "Build", "2026-04-20", "700")
        assert "2 milestones, $1,000.00 in all" in status_line(pilot)
        await press(pilot, "f2")
        assert not isinstance(pilot.app.screen, OfferForm)
        await press(pilot)
        table = pilot.app.screen.query_one("#contracts")
        assert table.cursor_row == table.row_count - 1  # on the offer just sent
        assert "offer sent" in str(table.get_row_at(table.cursor_row))

    drive(make_app(world.ada), ada_sends)
    [offer] = offers()
    assert offer.status == "offered" and offer.freelancer_id == world.bo.id
    assert [(m.title, m.amount_cents, m.status) for m in
            Milestone.select().where(Milestone.contract == offer.id)
            .order_by(Milestone.position)] == [("Design", 300_00, "planned"),
                                                ("Build", 700_00, "planned")]

    async def bo_accepts(pilot):
        assert "offer received" in await open_row(pilot, "Landing page")
        view = pilot.app.screen
        assert isinstance(view, OfferScreen)
        assert "From Ada Client to Bo Freelancer (you)" in shown(view)
        assert "2 milestones, $1,000.00 in all" in shown(view)
        assert "Unanswered, it expires " in shown(view)  # O-06, with its countdown
        await pilot.press("w")  # the sender's key: not the receiver's
        await press(pilot)
        assert isinstance(pilot.app.screen, OfferScreen)
        await pilot.press("a")
        await wait_for(pilot, MessageDialog)
        await pilot.press(*"Glad to")
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, ContractScreen)

    drive(make_app(world.bo), bo_accepts)
    assert Contract.get_by_id(offer.id).status == "open"

    async def ada_funds(pilot):
        await open_row(pilot, "Landing page")
        assert isinstance(pilot.app.screen, ContractScreen)
        await pilot.press("f")
        dialog = await wait_for(pilot, ReadBackDialog)
        assert "Fund “Design”: $300.00 goes into escrow" in shown(dialog)
        await press(pilot, "y")

    drive(make_app(world.ada), ada_funds)
    first = Milestone.get((Milestone.contract == offer.id) & (Milestone.position == 1))
    assert first.status == "funded"


def test_the_cursor_goes_to_an_offer_just_sent_on_a_later_page(make_app, world, drive, clock,
                                                                monkeypatch):
    """Pages of 2 rows at 80x10: the offer is the 4th contract, read two pages on."""
    from tui.screens import contract_list, contract_reads
    monkeypatch.setattr(contract_reads, "PAGE_SIZE", 2)
    monkeypatch.setattr(contract_list, "MORE_WHEN_WITHIN", 1)

    async def ada_sends(pilot):
        table = pilot.app.screen.query_one("#contracts")
        assert len(table.summaries) == 2 and table.cursor_row == 0
        await press(pilot, "N")
        offer = send_offer(world.ada, "bo", "upwork", "Later page", "",
                           [("Design", 300_00, None)], clock=clock)
        pilot.app.screen.dismiss(offer.id)  # what the form answers once it has sent
        await press(pilot)
        assert table.summaries[table.cursor_row].id == offer.id

    drive(make_app(world.ada), ada_sends, size=(80, 10))


def test_O01_F01_F02_O06_a_fiverr_offer_refuses_its_limits_in_the_form(make_app, world, drive,
                                                                        app_clock):
    async def bo_writes(pilot):
        await press(pilot, "N")
        form = pilot.app.screen
        policies = [label for label, _ in form.query_one("#offer-policy", Select)._options]
        assert policies == ["Fiverr Gig milestones", "Fiverr custom offer"]  # a seller's
        await type_into(pilot, "#offer-to", "ada")
        await type_into(pilot, "#offer-title", "Landing page")
        await add_milestone(pilot, "Concepts", "2026-04-01", "40")
        await add_milestone(pilot, "Final", "2026-04-10", "40")
        assert "(F-01)" in status_line(pilot)  # $80 in all: no milestones under $100
        before = db_state()
        await press(pilot, "f2")
        assert isinstance(pilot.app.screen, OfferForm) and "(F-01)" in status_line(pilot)
        assert db_state() == before
        for n in range(4):
            await add_milestone(pilot, f"Part {n}", "2026-04-20", "40")
        assert "(F-02)" in status_line(pilot)  # six on a Gig order: at most 5
        await press(pilot, "f2")
        assert db_state() == before
        # The sixth goes, and the total is over $100; the expiry is read as typed (O-06).
        await press(pilot, "d")
        assert "5 milestones, $200.00 in all" in status_line(pilot)
        hint = form.query_one("#offer-expires-hint", Static)
        assert "(in 14 days)" in text_of(hint)  # the default
        await type_into(pilot, "#offer-expires", "100")
        assert "An offer expires at most 90 days after it is sent." in text_of(hint)
        await press(pilot, "f2")
        assert db_state() == before
        form.query_one("#offer-expires", Input).value = "7d"
        await press(pilot)
        assert "(in 7 days)" in text_of(hint)
        await press(pilot, "f2")
        assert not isinstance(pilot.app.screen, OfferForm)

    drive(make_app(world.bo), bo_writes)
    [offer] = offers()
    assert offer.policy == "fiverr-gig" and offer.client_id == world.ada.id
    assert expiries([offer.id])[offer.id] == app_clock.now().shift(days=7)

    async def ada_accepts(pilot):
        await open_row(pilot, "Landing page")
        await pilot.press("a")
        dialog = await wait_for(pilot, MessageDialog)
        assert "charged now: $40.00 into escrow (F-04)" in shown(dialog)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, ContractScreen)

    drive(make_app(world.ada), ada_accepts)
    first = Milestone.get((Milestone.contract == offer.id) & (Milestone.position == 1))
    assert first.status == "funded"  # F-04: the order placed charges M1


def test_O03_O04_decline_and_withdraw_and_support_only_reads(make_app, world, drive, clock):
    from rules.offers import send_offer
    one = send_offer(world.ada, "bo", "upwork", "Landing page", "", [
        ("Design", 300_00, None)], clock=clock)
    two = send_offer(world.ada, "bo", "upwork", "Landing page", "", [
        ("Design", 300_00, None)], clock=clock)

    async def open_offer(pilot, contract_id):
        table = pilot.app.screen.query_one("#contracts")
        table.move_cursor(row=next(i for i, s in enumerate(table.summaries)
                                   if s.id == contract_id))  # two of the same title
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, OfferScreen)

    async def bo_declines(pilot):
        await open_offer(pilot, one.id)
        await pilot.press("x")
        await wait_for(pilot, MessageDialog)
        await pilot.press(*"Too little time")
        await press(pilot, "enter")
        assert not isinstance(pilot.app.screen, OfferScreen)

    async def ada_withdraws(pilot):
        await open_offer(pilot, two.id)
        await pilot.press("a")  # the receiver's key
        await press(pilot)
        assert isinstance(pilot.app.screen, OfferScreen)
        await pilot.press("w")
        await wait_for(pilot, ConfirmDialog)
        await press(pilot, "enter")
        assert not isinstance(pilot.app.screen, OfferScreen)

    async def sam_reads(pilot):
        await open_offer(pilot, one.id)
        footer = " ".join(k.description for k in pilot.app.screen.query("FooterKey"))
        assert "Accept" not in footer and "Withdraw" not in footer
        assert "declined" in shown(pilot.app.screen)

    drive(make_app(world.bo), bo_declines)
    drive(make_app(world.ada), ada_withdraws)
    drive(make_app(world.sam), sam_reads)
    assert Contract.get_by_id(one.id).status == "declined"
    assert Contract.get_by_id(two.id).status == "withdrawn"
