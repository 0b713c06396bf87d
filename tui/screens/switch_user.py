"""Pick who is acting. Returns the chosen account, or None; it writes nothing."""
from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from models.accounts import Account
from rules.queries import list_accounts
from tui.commands import command
from tui.safe_text import shown
from tui.screens.base import BaseModal
from tui.widgets.footer import KeyFooter
from tui.widgets.list_keys import ListOptions
from tui.workers import db_work


@dataclass
class AccountsLoaded(Message):
    accounts: list[Account]


class SwitchUserScreen(BaseModal[Account | None]):
    BINDINGS = [
        command("enter", "choose", "Switch", "Act as the highlighted user."),
        command("escape", "cancel", "Cancel", "Keep the current user."),
    ]

    def __init__(self, current: Account) -> None:
        super().__init__()
        self.current = current
        self.accounts: list[Account] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="switch-user", classes="dialog"):
            yield Label("Act as…", classes="dialog-title")
            yield ListOptions(id="accounts")
        # Its own footer: the one of the screen below would offer keys that do
        # nothing while the dialog is open.
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load()

    @db_work("accounts")
    def _load(self) -> None:
        self.post_message(AccountsLoaded(list_accounts()))

    @on(AccountsLoaded)
    def _show(self, message: AccountsLoaded) -> None:
        self.accounts = message.accounts
        options = self.query_one(OptionList)
        options.clear_options()
        width = max((len(shown(a.display_name)) for a in self.accounts), default=0)
        for a in self.accounts:
            mark = "  (acting)" if a.id == self.current.id else ""
            options.add_option(Option(Content.assemble(
                shown(a.display_name).ljust(width), "  ", (f"{a.role:<10}", "bold"),
                (f" {shown(a.login)}{mark}", "dim")), id=str(a.id)))
        ids = [a.id for a in self.accounts]
        if self.current.id in ids:
            options.highlighted = ids.index(self.current.id)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and self.is_mounted:
            return self.query_one(OptionList).highlighted is not None or None
        return True

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_choose()  # a mouse click picks too

    def action_choose(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and index < len(self.accounts):
            self.dismiss(self.accounts[index])

    def action_cancel(self) -> None:
        self.dismiss(None)
