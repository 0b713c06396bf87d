"""The Milestones app: who is acting, the app-wide keys, the palette, the theme.

`milestones` (tui.cli.start) decides who is acting before the app starts; the app only
checks, every `IDENTITY_EVERY` seconds, that the account (or the SSH or web session it
runs for) may still act, and closes when it may not (I-03)."""
from __future__ import annotations

import gc
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from textual import on
from textual.app import App, SystemCommand
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen, Screen, SystemModalScreen
from textual.worker import Worker

from models.accounts import Account
from rules import timetravel
from rules.clock import SYSTEM_CLOCK, Clock, FrozenClock
from tui.commands import ScreenCommands, command
from rules.release_terms import UNDO_MINUTES
from tui.screens.base import report_failed_worker
from tui.styles import stylesheet_path
from tui.screens.contract_list import ContractListScreen, FirstPage
from tui.workers import db_work

if TYPE_CHECKING:
    from rules.deadlines import Applied
    from tui.config import Config

# Every screen but the list, and the deadline sweep, are imported where they are first
# used: the list is what the program starts with, and each import is start-up time
# (bench/tui.py). `_showing` tells whether such a screen is open without importing it.

UNREAD_EVERY = 30  # seconds: other people's actions arrive from other processes
SESSION_OVER = ("Your session has ended: the account was disabled, or the session was "
                "closed. Nothing you had not saved was written.")


@dataclass
class UnreadCounted(Message):
    count: int


class SessionEnded(Message):
    """The account may no longer act (disabled, or its login session closed)."""


@dataclass
class DeadlinesApplied(Message):
    """The background sweep applied due windows or sent reminders."""
    applied: list[Applied]
    reminders: int
    travelled_to: str | None = None  # set when time travel caused the sweep


TOASTS_AT_ONCE = 3  # more than this become one "and N more" line


def _showing(screen: Screen, module: str, name: str) -> bool:
    """Whether `screen` is a `tui.screens.<module>.<name>`. A module never imported has
    no screen open, so this does not import it."""
    loaded = sys.modules.get(f"tui.screens.{module}")
    return loaded is not None and isinstance(screen, getattr(loaded, name))


class MilestonesApp(App[None]):
    # Absolute: a relative CSS_PATH is resolved against the file of the instance's
    # class, which breaks as soon as a test subclasses the app.
    CSS_PATH = stylesheet_path()
    TITLE = "Milestones"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS = [
        command("question_mark", "help", "Help", "List every key of this screen.",
                key_display="?"),
        command("n", "notifications", "Inbox",
                "Your notifications: open one, or mark them read."),
        command("i", "requests", "Requests",
                "Change requests: incoming, outgoing and history; answer them."),
        command("u", "switch_user", "User", "Act as another user."),
        command("t", "travel", "+1 day",
                "Demo only: move the clock one day forward and apply what falls due."),
        command("q", "quit", "Quit", "Leave Milestones.", show=False),
        command("ctrl+p", "command_palette", "Commands",
                "Search every action of this screen by name.", show=False, priority=True),
    ]

    actor: var[Account | None] = var(None)
    unread: var[int] = var(0)

    def __init__(self, actor: Account, clock: Clock = SYSTEM_CLOCK, *,
                 cursor_blink: bool = True, theme: str | None = None,
                 sweep_every: float = 0, demo: bool = False,
                 switch_user: bool = True, first_page: FirstPage | None = None,
                 session: str | None = None, config: Config | None = None,
                 release_undo_minutes: int = UNDO_MINUTES) -> None:
        super().__init__()
        self.session = session  # the SSH or web login's token; None in a local shell
        self.config = config    # None in tests: no keymap, no theme saved
        self._first_page = first_page  # the list's first page, if `main` read it
        self.set_reactive(MilestonesApp.actor, actor)
        self.clock = clock
        self.sweep_every = sweep_every  # 0: no background sweep (tests, read-only use)
        self.demo = demo                # demo data: time travel is offered
        self.release_undo_minutes = release_undo_minutes  # X-30, from the config
        # Acting as someone else: `main` offers it on demo data only (the app has no
        # login of its own: elsewhere --as says who is acting, and stays so).
        self.switch_user = switch_user
        self._sweeping = False
        self.cursor_blink = cursor_blink  # off in snapshot tests: a blink is a diff
        self._chosen_theme = theme        # None: chosen from the terminal's colours

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Quit is one of ours already, and the help screen replaces Textual's key panel.
        # A served session (SSH, web) writes no file on the server: no screenshots.
        hidden = {"Quit", "Keys"} | ({"Screenshot"} if self.session else set())
        for found in super().get_system_commands(screen):
            if found.title not in hidden:
                yield found

    @property
    def key_overrides(self) -> dict[str, str]:
        """The config file's keymap (binding id: keys), for the help screen and palette."""
        return dict(self.config.keymap) if self.config else {}

    def _fatal_error(self) -> None:
        # Textual would print the traceback (with locals) when the app exits: on a
        # served session that is a stranger's screen. One line instead; the traceback
        # goes to the log file (tui.crash).
        from rich.text import Text

        from tui.crash import report_crash
        self.bell()
        self._exit_renderables.append(Text(f"milestones: {report_crash(self._exception)}"))
        self._close_messages_no_wait()

    def get_default_screen(self) -> Screen:
        first, self._first_page = self._first_page, None
        return ContractListScreen(first)

    def on_mount(self) -> None:
        chosen = self._chosen_theme or (self.config.theme if self.config else None)
        if chosen is not None and chosen in self.available_themes:
            self.theme = chosen
        elif self.console.color_system in ("standard", "windows"):
            # A 16-colour terminal: its own palette reads better than the nearest
            # matches for a true-colour theme (screens.css uses theme variables only).
            self.theme = "ansi-dark"
        if chosen is not None and chosen not in self.available_themes:
            self.notify(f"The config file names no theme “{chosen}”: the default is used.",
                        severity="warning", timeout=6, markup=False)
        if self.config is not None:
            if self.config.keymap:
                self.set_keymap(self.config.keymap)
            # From here on a theme is the user's choice (the palette's Theme command).
            self.watch(self, "theme", self._save_theme, init=False)
        self.refresh_unread()
        self.set_interval(UNREAD_EVERY, self.refresh_unread)
        if self.sweep_every:
            self.run_sweep()
            self.set_interval(self.sweep_every, self.run_sweep)

    # --- the deadline sweep, in the background ------------------------------------

    def run_sweep(self, travel: str | None = None) -> None:
        """Apply due deadlines off the event loop; a sweep never overlaps another."""
        if self._sweeping:
            return
        self._sweeping = True
        self._sweep(self.clock, travel)

    @db_work("deadline-sweep", exclusive=False)
    def _sweep(self, clock: Clock, travel: str | None) -> None:
        from rules.deadlines import sweep
        try:
            travelled_to = None
            if travel:
                clock = self._travel(travel)
                travelled_to = clock.now().format("YYYY-MM-DD HH:mm")
            result = sweep(clock=clock)
            if result.changed or travelled_to:
                self.post_message(DeadlinesApplied(result.applied, result.reminders,
                                                   travelled_to))
        finally:
            self._sweeping = False

    def _travel(self, spec: str) -> Clock:
        """Move the clock (a test's frozen clock, or the stored demo offset)."""
        if isinstance(self.clock, FrozenClock):
            self.clock.advance(seconds=timetravel.parse_duration(spec))
        else:
            self.clock = timetravel.advance(spec)
        return self.clock

    @on(DeadlinesApplied)
    def _deadlines_applied(self, message: DeadlinesApplied) -> None:
        if message.travelled_to:
            self.notify(f"The clock now reads {message.travelled_to} UTC.", timeout=4)
        done = [a for a in message.applied if not a.skipped]
        for item in done[:TOASTS_AT_ONCE]:
            self.notify(item.summary, title="Applied automatically", timeout=8,
                        markup=False)
        if len(done) > TOASTS_AT_ONCE:
            self.notify(f"… and {len(done) - TOASTS_AT_ONCE} more deadlines applied.",
                        timeout=8)
        changed = {a.contract_id for a in message.applied}
        for screen in self.screen_stack:
            refresh = getattr(screen, "data_changed", None)
            if refresh is not None:
                refresh(changed, time_moved=bool(message.travelled_to))
        self.refresh_unread()

    # --- the unread count in every header ------------------------------------------

    def refresh_unread(self) -> None:
        self._count_unread(self.actor)

    @db_work("unread")
    def _count_unread(self, actor: Account) -> None:
        from rules.identity import account_active, session_open
        from rules.notifications import unread_count  # after the first frame: a worker
        allowed = session_open(self.session) if self.session else account_active(actor.id)
        if not allowed:
            self.post_message(SessionEnded())
            return
        self.post_message(UnreadCounted(unread_count(actor)))

    @on(SessionEnded)
    def _session_ended(self) -> None:
        self.exit(return_code=3, message=SESSION_OVER)

    def _save_theme(self, theme: str) -> None:
        from tui.config import save_theme
        try:
            save_theme(theme)
        except OSError as exc:
            self.notify(f"The theme could not be saved: {exc.strerror}.",
                        severity="warning", markup=False)

    @on(UnreadCounted)
    def _unread_counted(self, message: UnreadCounted) -> None:
        self.unread = message.count

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)

    def on_ready(self) -> None:
        # The first frame is on the screen: `tui.main` paused the cyclic garbage
        # collector for start-up, and it runs again from here (a no-op otherwise).
        gc.enable()

    # --- app-wide commands -----------------------------------------------------------

    def _user_screen(self) -> Screen:
        """The screen the user is on, seen through the command palette if it is open."""
        return next(s for s in reversed(self.screen_stack)
                    if not isinstance(s, SystemModalScreen))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "travel" and not self.demo:
            return False
        if action == "switch_user" and not self.switch_user:
            return False
        if action in ("help", "notifications", "requests", "switch_user", "travel"):
            screen = self._user_screen()
            # Not from a dialog or from help itself: they are one step away from
            # where the user was, and should stay so.
            if isinstance(screen, ModalScreen) or _showing(screen, "help", "HelpScreen"):
                return False
            if action == "notifications" and _showing(screen, "notifications",
                                                      "NotificationsScreen"):
                return False
            if action == "requests" and _showing(screen, "inbox", "InboxScreen"):
                return False
        return True

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen
        screen = self._user_screen()
        place = screen.query_one("ActingHeader").place if screen.query("ActingHeader") else ""
        self.push_screen(HelpScreen(screen, place))

    def action_travel(self) -> None:
        self.run_sweep(travel="1d")

    def action_notifications(self) -> None:
        from tui.screens.notifications import NotificationsScreen
        self.push_screen(NotificationsScreen())

    def on_counter_asked(self, message) -> None:
        """X-22 (tui.screens.inbox_answers.CounterAsked): the manager on a proposal."""
        from tui.screens.plan_counter import CounterPlanScreen
        self.push_screen(CounterPlanScreen(message.view), lambda _sent: message.then())

    def action_requests(self) -> None:
        from tui.screens.inbox import InboxScreen
        self.push_screen(InboxScreen())

    def action_switch_user(self) -> None:
        from tui.screens.switch_user import SwitchUserScreen
        self.push_screen(SwitchUserScreen(self.actor), self._switch_to)

    def _switch_to(self, account: Account | None) -> None:
        if account is None or account.id == self.actor.id:
            return
        # What the previous user had open may not be the new one's to see (G-07):
        # back to the list before anything of theirs is shown.
        self.screen_stack[0].pop_until_active()
        self.actor = account
        self.refresh_unread()
        self.notify(f"Now acting as {account.display_name} ({account.role}).", timeout=3,
                    markup=False)

