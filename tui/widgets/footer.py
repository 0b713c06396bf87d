"""The footer: the keys that fit on one line, whole, in a stated order.

Textual's footer lays every shown binding out in a row and lets the ones past the
width run under the docked palette key (at 80 columns the manager showed "Commandso").
This one keeps, in order:
  1. the palette key (`^p Commands`), docked on the right, always;
  2. the focused widget's and the screen's shown keys, in the order of their BINDINGS;
  3. `? Help`, always, right after them: it lists everything the footer leaves out;
  4. the app-wide keys (Inbox, Requests, User, +1 day), in the order of theirs;
and stops at the first key (of 2 or 4) that would not fit whole. What it leaves out
stays in `?` help and the palette. So the order of a screen's BINDINGS, and their
`show` flags, say what its footer shows first.
"""
from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.compose import compose
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

HELP_ACTION = "help"


def key_width(key: FooterKey) -> int:
    """Columns a compact footer key takes: "k Label" and its right margin."""
    label = 1 + cell_len(key.description) if key.description else 0
    return cell_len(key.key_display) + label + 1


def group_width(group: KeyGroup, label: FooterLabel | None) -> int:
    """A key group ("← → Box"): its keys a space apart, its label, the margins."""
    keys = [k for k in group._pending_children if isinstance(k, FooterKey)]
    width = 1 + sum(cell_len(k.key_display) + 1 for k in keys)
    if label is not None:
        width += cell_len(str(label.content)) + 1
    return width


def units(nodes: list[Widget]) -> list[tuple[list[Widget], int, str]]:
    """What the footer composed, as (widgets shown together, width, action): a key
    group and its label make one unit."""
    found: list[tuple[list[Widget], int, str]] = []
    for node in nodes:
        if isinstance(node, FooterLabel) and found and isinstance(found[-1][0][-1], KeyGroup):
            widgets, _, action = found[-1]
            found[-1] = ([*widgets, node], group_width(widgets[0], node), action)
        elif isinstance(node, KeyGroup):
            first = next((k for k in node._pending_children if isinstance(k, FooterKey)), None)
            found.append(([node], group_width(node, None), first.action if first else ""))
        elif isinstance(node, FooterKey):
            found.append(([node], key_width(node), node.action))
    return found


class KeyFooter(Footer):
    """A compact footer that shows only keys that fit whole (see the module's doc)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self._fitted_width = 0
        self._shown: tuple | None = None  # the keys as last composed

    def bindings_changed(self, screen) -> None:
        # Textual rebuilds the footer whenever bindings may have changed (a focus
        # change, every refresh_bindings), and a rebuild lays the screen out again,
        # which repaints more than the footer (issue 18: bytes per key). So only when
        # what it shows changed.
        shown = tuple((key, b.binding.description, b.enabled)
                      for key, b in screen.active_bindings.items() if b.binding.show)
        if self._bindings_ready and shown == self._shown:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        composed = compose(self, super().compose())
        palette = [n for n in composed if n.has_class("-command-palette")]
        rest = units([n for n in composed if not n.has_class("-command-palette")])
        width = self.screen.size.width or self.app.size.width
        self._fitted_width = width
        room = width - sum(key_width(p) + 1 for p in palette)  # its border, on the left
        app_wide = {b.action for _, b in self.app._bindings}
        own = [u for u in rest if not self._is_app_key(u[2], app_wide)]
        help_key = [u for u in rest if u[2] == HELP_ACTION]
        others = [u for u in rest if self._is_app_key(u[2], app_wide) and u[2] != HELP_ACTION]
        room -= sum(w for _, w, _ in help_key)
        shown: list[tuple[list[Widget], int, str]] = []
        for part in (own, None, others):
            if part is None:
                shown += help_key
                continue
            for unit in part:
                if unit[1] > room:
                    break
                room -= unit[1]
                shown.append(unit)
        for widgets, _, _ in shown:
            yield from widgets
        yield from palette

    def _is_app_key(self, action: str, app_wide: set[str]) -> bool:
        return action in app_wide and not self._screen_binds(action)

    def _screen_binds(self, action: str) -> bool:
        return any(b.action == action for _, b in self.screen._bindings)

    def on_resize(self) -> None:
        # What fits depends on the width: the keys are chosen again when it changes.
        if self._bindings_ready and self.screen.size.width != self._fitted_width:
            self.call_after_refresh(self.recompose)
