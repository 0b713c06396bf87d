"""A freelancer's payouts (X-24, X-26), from the contract list's `p`: what is usable now,
every payment on hold or in review with the date it becomes usable and a countdown, and
the next 8 weeks as plain-text bars (no colour needed).

Everything shown comes from `rules.payouts.payout_outlook`; this screen only lays it out.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from rules.errors import RuleError
from rules.money import format_money
from rules.payouts import PayoutOutlook, payout_outlook
from tui.commands import command
from tui.format import local_time
from tui.safe_text import shown
from tui.screens.base import BaseScreen
from tui.screens.dialogs.base import refusal_text
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.workers import db_work



@dataclass
class OutlookLoaded(Message):
    outlook: PayoutOutlook | None
    refusal: RuleError | None = None


def summary_line(o: PayoutOutlook) -> str:
    coming = sum(line.forecast.net_cents for line in o.lines)
    usable = f"Usable now: {format_money(o.available_net_cents)}"
    if o.available_net_cents != o.available_cents:
        usable += f" (of {format_money(o.available_cents)} paid, after the fee)"
    if not o.lines:
        return f"{usable}. Nothing on hold or in review."
    count = f"{len(o.lines)} payment{'s' if len(o.lines) != 1 else ''}"
    return f"{usable}. Coming: {format_money(coming)} net, {count}."


def chart_text(o: PayoutOutlook) -> str:
    head = "Net becoming usable, week by week from today"
    tail = (f"\n  and {format_money(o.beyond_net_cents)} later" if o.beyond_net_cents else "")
    return "\n".join([head, *o.chart]) + tail


class PayoutsScreen(BaseScreen):
    AUTO_FOCUS = "#payouts"
    BINDINGS = [
        command("r", "refresh", "Refresh", "Read the payouts again, countdowns from now."),
        command("escape", "back", "Back", "Go back to the contracts."),
    ]

    def compose(self) -> ComposeResult:
        yield ActingHeader("Payouts")
        yield Static("Loading…", id="payouts-info")
        yield DataTable(id="payouts", cursor_type="row", zebra_stripes=False)
        yield Static("", id="payouts-chart")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The milestone before the contract: at 80 columns the last column is cut.
        for label, key in (("Usable", "at"), ("In", "in"), ("Net", "net"),
                           ("Stage", "stage"), ("Milestone", "milestone"),
                           ("Contract", "contract")):
            table.add_column(label, key=key)
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load(self.app.actor)

    @db_work("payouts")
    def _load(self, actor) -> None:
        try:
            self.post_message(OutlookLoaded(payout_outlook(actor, clock=self.app.clock)))
        except RuleError as exc:
            self.post_message(OutlookLoaded(None, exc))

    @on(OutlookLoaded)
    def _loaded(self, message: OutlookLoaded) -> None:
        info = self.query_one("#payouts-info", Static)
        if message.outlook is None:
            info.update(Text(refusal_text(message.refusal)))
            return
        o = message.outlook
        info.update(Text(summary_line(o)))
        tz = self.app.actor.timezone
        table = self.query_one(DataTable)
        table.clear()
        for i, line in enumerate(o.lines):
            f = line.forecast
            table.add_row(local_time(f.available_at, tz, "MMM D HH:mm"),
                          f.available_countdown,
                          Text(format_money(f.net_cents), justify="right"), line.stage,
                          Text(shown(line.milestone_title)), Text(shown(line.contract_title)),
                          key=str(i))
        self.query_one("#payouts-chart", Static).update(Text(chart_text(o)))

    def action_back(self) -> None:
        self.dismiss()
