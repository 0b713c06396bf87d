"""One definition per command: its key, footer label, palette entry and help line.

A command is a Textual `Binding` whose `description` is the short label (footer and
palette) and whose `tooltip` is the sentence the help screen and the palette show.
Screens list them in `BINDINGS`; the help screen and the palette provider read them
back from there, so none of the four places can drift from the others.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Iterator

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode


def command(key: str, action: str, label: str, help: str, *, show: bool = True,
            priority: bool = False, key_display: str | None = None) -> Binding:
    """A key binding that is also a palette entry and a help line."""
    return Binding(key, action, label, show=show, priority=priority,
                   key_display=key_display, tooltip=help, id=action)


@dataclass(frozen=True)
class Entry:
    """A command as the help screen and the palette list it."""
    key: str        # as displayed: "enter", "/", "^p"
    label: str
    help: str
    action: str
    node: DOMNode   # where the action runs (the screen or the app)
    enabled: bool   # False: shown, but not available right now


def bindings_of(node: DOMNode) -> list[Binding]:
    """The bindings a node's classes declare, its own class first: a key bound by a
    subclass hides the same key of a base class (as Textual merges them)."""
    by_key: dict[str, Binding] = {}
    for cls in type(node).__mro__:
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", ())):
            by_key.setdefault(binding.key, binding)
    return list(by_key.values())


def entries(screen: DOMNode) -> Iterator[tuple[str, list[Entry]]]:
    """The commands of `screen` and the app-wide ones, grouped, that `check_action`
    does not hide. Bindings without a description are Textual's plumbing and stay
    out; several keys for one command make one entry ("q ^q")."""
    app = screen.app
    overrides = getattr(app, "key_overrides", {})  # the config file's keymap
    seen: set[str] = set()
    for title, node in (("On this screen", screen), ("Everywhere", app)):
        found: dict[tuple[str, str], Entry] = {}
        for binding in bindings_of(node):
            if not binding.description or binding.key in seen:
                continue
            seen.add(binding.key)
            state = node.check_action(binding.action, ())
            if state is False:
                continue
            if binding.id in overrides:  # shown as the keymap bound it
                binding = replace(binding, key=overrides[binding.id].split(",")[0].strip())
            key = app.get_key_display(binding)
            same = found.get((binding.action, binding.description))
            if same is not None:
                found[(binding.action, binding.description)] = replace(
                    same, key=f"{same.key} {key}")
                continue
            found[(binding.action, binding.description)] = Entry(
                key=key, label=binding.description, help=binding.tooltip,
                action=binding.action, node=node, enabled=bool(state))
        if found:
            yield title, list(found.values())


class ScreenCommands(Provider):
    """The command palette's list of what the current screen (and the app) can do."""

    def _entries(self) -> list[Entry]:
        return [e for _, group in entries(self.screen) for e in group
                if e.enabled and e.action != "command_palette"]

    def _run(self, entry: Entry):
        return partial(self.app.run_action, entry.action, entry.node)

    def _title(self, entry: Entry, label: str | Content) -> Content:
        # The key beside the name: the palette teaches the shortcut it stands in for.
        return Content.assemble(label, (f"  {entry.key}", "dim"))

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(self._title(entry, entry.label), self._run(entry),
                               text=entry.label, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = max(matcher.match(entry.label), matcher.match(entry.help) * 0.5)
            if score > 0:
                yield Hit(score, self._title(entry, matcher.highlight(entry.label)),
                          self._run(entry), text=entry.label, help=entry.help)
