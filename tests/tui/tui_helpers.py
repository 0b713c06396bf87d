"""Helpers for Pilot tests: wait for the database workers, press keys, read widgets.

A plain module (not conftest.py, which is not importable by name once several test
folders have one); pytest puts this folder on sys.path for the tests in it."""
from __future__ import annotations

from io import StringIO

from rich.console import Console
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled, WorkerFailed, WorkerState


def text_of(widget) -> str:
    """The plain text a Static (or Label) shows: markup, Rich tables and all."""
    content = widget.content
    if isinstance(content, str):
        return Content.from_markup(content).plain
    if isinstance(content, Content):
        return content.plain
    console = Console(file=StringIO(), width=200, color_system=None)
    console.print(content)
    return console.file.getvalue()


def shown(screen) -> str:
    """Every text the screen shows (its visible Statics), joined by lines."""
    return "\n".join(text_of(s) for s in screen.query(Static) if s.display)


def footer_labels(screen) -> list[str]:
    """The footer's labels, after checking none is cut off by the palette key."""
    from textual.widgets._footer import FooterKey
    keys = list(screen.query(FooterKey))
    palette = next(k for k in keys if k.has_class("-command-palette"))
    assert all(k.region.right <= palette.region.x for k in keys if k is not palette), \
        [(k.description, k.region) for k in keys]
    return [k.description for k in keys]


async def settle(pilot: Pilot) -> None:
    """Wait until no database worker is running and what they posted is shown."""
    app = pilot.app
    for _ in range(50):
        try:
            await app.workers.wait_for_complete()
        except WorkerFailed:
            pass  # the app reports it (a notification); tests look at that
        except WorkerCancelled:
            pass  # superseded by a newer one of its group (exclusive): by design
        # A worker's last message is queued by now: handle it, and whatever it starts.
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in app.workers):
            return
    raise AssertionError("the app never settled")  # pragma: no cover


async def press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def wait_for(pilot: Pilot, screen_type):
    """Wait for a screen that a worker opened with push_screen_wait (`settle` would
    wait for that worker, which waits for the screen)."""
    for _ in range(100):
        if isinstance(pilot.app.screen, screen_type):
            await pilot.pause()
            return pilot.app.screen
        await pilot.pause(0.02)
    raise AssertionError(f"no {screen_type.__name__}")
