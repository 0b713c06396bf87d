"""What the contract list opens besides a contract: a new offer (`N`), the payouts of a
freelancer (`p`, X-24) and the support console (`c`, agents). Each screen is imported
when first asked for: the list is what the program starts with."""
from __future__ import annotations

SUPPORT_CONSOLE_HELP = ("Support agents: search every contract by party, title, number, "
                        "status, overdue or closing window; open one with its audit trail.")


# Offers open on a screen of their own (tui/screens/offer_view.py), the rest in the room.
OFFER_STATES = frozenset({"offered", "declined", "withdrawn", "expired"})
PAYOUTS_HELP = ("Freelancers: when the money paid to you becomes usable (review window, "
                "then the hold), and the next 8 weeks as bars (X-24).")
NEW_OFFER_HELP = ("Write an offer: the receiver, the policy, the milestones (Upwork: "
                  "client to freelancer; Fiverr: seller to buyer, O-01).")


class ListOpens:
    """Mixed into the contract list (tui/screens/contract_list.py)."""

    def action_new_offer(self) -> None:
        from tui.screens.offer_form import OfferForm  # opened when asked: late

        def sent(contract_id: int | None) -> None:
            if contract_id is not None:
                self.app.notify(f"Offer #{contract_id} sent.", timeout=6, markup=False)
                self._select_when_shown = contract_id
                self.reload()  # the new row, with the rest in their order, and on it
        self.app.push_screen(OfferForm(), sent)

    def action_payouts(self) -> None:
        from tui.screens.payouts import PayoutsScreen  # opened when asked: late
        self.app.push_screen(PayoutsScreen())

    def action_support_console(self) -> None:
        from tui.screens.support_console import SupportConsoleScreen  # agents only: late
        self.app.push_screen(SupportConsoleScreen())
