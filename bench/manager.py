"""Milestone manager benchmark: carry the last of 200 milestones to the top, one step at a
time, beside a DataTable cursor moving one row, in the same run.

    .venv/bin/python bench/manager.py            # 200 milestones, 3 rounds
    .venv/bin/python bench/manager.py --rounds 1

A contract with 200 milestones (the U-02 limit) is made through `rules/`, in a fresh
SQLite file. The app runs headless at 80x24 with its real CSS. Then:

1. **Open**: the manager is pushed; time until its plan is shown.
2. **Carry**: `end` and `space` pick up the last row; 199 presses of `up` carry it to the
   top; `space` drops it. Each step is timed from posting the key event to the end of
   the next screen update (the compositor's render of what changed), never through
   `pilot.pause()`, whose idle waits cost far more than a key press (DESIGN.md).
3. **Floor**: a 200-row Textual `DataTable` (cursor on rows, same app, same size) gets
   199 presses of `down`, timed the same way.
4. **Save**: `f2` (the footer's key; ctrl+s too) until the manager has closed (one
   `rules.planning.save_plan` transaction in a thread worker); the new order is checked
   in the database.

Prints the median, mean and 95th percentile per step of both, their ratio (target: the
manager's step within 2x of the floor's) and the time to save. Exit status 1 when the
saved order is wrong; with --strict, 2 when the target is missed.

Textual paints at most TEXTUAL_FPS frames a second (60 by default, as a user gets it), so
a step also waits for its frame. `TEXTUAL_FPS=1000 .venv/bin/python bench/manager.py`
measures the work with almost no frame pacing. A loaded machine inflates both times;
the ratio is the figure to read.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from textual import constants, events  # noqa: E402
from textual.app import ComposeResult  # noqa: E402
from textual.screen import Screen  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from models.accounts import Account  # noqa: E402
from models.base import database  # noqa: E402
from models.db import open_database, sqlite_url  # noqa: E402
from models.milestones import Milestone  # noqa: E402
from models.vocabulary import Role  # noqa: E402
from rules.clock import FrozenClock  # noqa: E402
from rules.contracts import create_contract  # noqa: E402
from rules.plan import AddMilestone  # noqa: E402
from tui.app import MilestonesApp  # noqa: E402
from tui.screens.milestone_manager import MilestoneManagerScreen  # noqa: E402

MILESTONES = 200
TARGET_RATIO = 2.0
NOW = "2026-03-10T12:00:00+00:00"
SIZE = (80, 24)


def build(path: Path) -> tuple[Account, int, list[int]]:
    open_database(sqlite_url(path))
    client = Account.create(login="ada", display_name="Ada Client", role=Role.CLIENT)
    freelancer = Account.create(login="bo", display_name="Bo Freelancer",
                                role=Role.FREELANCER)
    contract = create_contract(
        client, freelancer=freelancer, title="Two hundred steps", policy="upwork",
        clock=FrozenClock("2026-03-02T09:00:00+00:00"),
        milestones=[AddMilestone(f"Milestone {i + 1:03d}", 100_00 + i) for i in range(MILESTONES)])
    ids = [m.id for m in Milestone.select(Milestone.id)
           .where(Milestone.contract == contract.id).order_by(Milestone.position)]
    database.close()
    return client, contract.id, ids


class FloorScreen(Screen):
    """The floor: a plain DataTable of 200 rows with the same columns."""

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", id="floor")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Title", "Due", "Amount", "State")
        for i in range(MILESTONES):
            table.add_row(str(i + 1), f"Milestone {i + 1:03d}", "—", f"${100 + i}.00", "")
        table.focus()


class UpdateWatch:
    """Resolves when the given screen has finished its next compositor update."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.event = asyncio.Event()
        self.at = 0.0
        original = screen._compositor_refresh

        def refreshed() -> None:
            original()
            self.at = time.perf_counter()
            self.event.set()

        screen._compositor_refresh = refreshed  # type: ignore[method-assign]

    async def key(self, app, key: str, shown, character: str | None = None) -> float:
        """Post one key event; seconds until the end of the first screen update after
        which `shown()` holds (the key's effect is on the screen)."""
        self.event.clear()
        start = time.perf_counter()
        app.post_message(events.Key(key, character))
        while True:
            await asyncio.wait_for(self.event.wait(), 5)
            self.event.clear()
            if shown():
                return self.at - start


async def until(predicate, timeout: float = 30.0) -> None:
    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get there")
        await asyncio.sleep(0.0005)


async def quiet(pilot) -> None:
    """Let the app settle between phases (not part of any measured step)."""
    await pilot.pause(0.05)


async def run_round(actor: Account, contract_id: int) -> dict:
    app = MilestonesApp(actor, clock=FrozenClock(NOW), cursor_blink=False,
                        theme="textual-dark")
    app.animation_level = "none"
    out: dict = {}
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot)
        # --- open ---
        start = time.perf_counter()
        manager = MilestoneManagerScreen(contract_id)
        await app.push_screen(manager)
        await until(lambda: manager.detail is not None and len(manager.plan_list.items)
                    == MILESTONES)
        out["open"] = time.perf_counter() - start
        await quiet(pilot)
        watch = UpdateWatch(manager)
        plan = manager.plan_list
        await watch.key(app, "end", lambda: plan.cursor == MILESTONES - 1)
        await watch.key(app, "space", lambda: plan.state == "grabbed", " ")
        await quiet(pilot)
        steps = []
        for i in range(MILESTONES - 2, -1, -1):
            steps.append(await watch.key(app, "up", lambda i=i: plan.cursor == i))
        await watch.key(app, "space", lambda: plan.state == "idle", " ")
        await quiet(pilot)
        out["steps"] = steps
        # --- save ---
        start = time.perf_counter()
        app.post_message(events.Key("f2", None))
        await until(lambda: app.screen is not manager)
        out["save"] = time.perf_counter() - start
        await quiet(pilot)
        # --- floor ---
        floor = FloorScreen()
        await app.push_screen(floor)
        await quiet(pilot)
        watch = UpdateWatch(floor)
        table = floor.query_one(DataTable)
        floor_steps = []
        for i in range(1, MILESTONES):
            floor_steps.append(await watch.key(app, "down",
                                               lambda i=i: table.cursor_row == i))
        out["floor"] = floor_steps
    return out


def stats(xs: list[float]) -> tuple[float, float, float]:
    ordered = sorted(xs)
    return (statistics.median(xs), statistics.fmean(xs),
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds, each on a fresh copy of the contract (default 3)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 2 when the 2x target is missed")
    args = parser.parse_args(argv)
    steps: list[float] = []
    floor: list[float] = []
    opens: list[float] = []
    saves: list[float] = []
    with tempfile.TemporaryDirectory(prefix="milestones-manager-") as tmp:
        for r in range(args.rounds):
            path = Path(tmp) / f"round{r}.db"
            actor, contract_id, ids = build(path)
            open_database(sqlite_url(path))
            result = asyncio.run(run_round(actor, contract_id))
            order = [m.id for m in Milestone.select(Milestone.id)
                     .where(Milestone.contract == contract_id).order_by(Milestone.position)]
            database.close()
            if order != [ids[-1], *ids[:-1]]:
                print(f"round {r + 1}: the saved order is wrong", file=sys.stderr)
                return 1
            steps += result["steps"]
            floor += result["floor"]
            opens.append(result["open"])
            saves.append(result["save"])
            print(f"round {r + 1}: step median {ms(statistics.median(result['steps']))}, "
                  f"floor median {ms(statistics.median(result['floor']))}, "
                  f"save {ms(result['save'])}", file=sys.stderr)
    # The first steps move within the visible rows; the rest also scroll the list.
    visible = SIZE[1] - 8
    still = [x for r in range(args.rounds) for x in steps[r * (MILESTONES - 1):r * (MILESTONES - 1) + visible]]
    still_floor = [x for r in range(args.rounds) for x in floor[r * (MILESTONES - 1):r * (MILESTONES - 1) + visible]]
    s_med, s_mean, s_95 = stats(steps)
    f_med, f_mean, f_95 = stats(floor)
    ratio = s_med / f_med
    print(f"Milestone manager, {MILESTONES} milestones, {SIZE[0]}x{SIZE[1]}, "
          f"{args.rounds} round(s) of {MILESTONES - 1} steps, at most {constants.MAX_FPS} "
          "frames a second")
    print(f"  {'':34}{'median':>10}{'mean':>11}{'p95':>11}")
    print(f"  {'carry one step (manager)':34}{ms(s_med):>10}{ms(s_mean):>11}{ms(s_95):>11}")
    print(f"  {'cursor one row (DataTable floor)':34}{ms(f_med):>10}{ms(f_mean):>11}"
          f"{ms(f_95):>11}")
    print(f"  {'  of which without scrolling:':34}{ms(statistics.median(still)):>10}"
          f"{'':11}{'':11}   floor {ms(statistics.median(still_floor)).strip()}")
    print(f"  ratio manager / floor: {ratio:.2f}x median, {s_mean / f_mean:.2f}x mean "
          f"(target within {TARGET_RATIO:.0f}x): {'ok' if ratio <= TARGET_RATIO else 'MISSED'}")
    print(f"  open the manager: {ms(statistics.median(opens))} (median)")
    print(f"  save the batch (f2 until the screen closed): {ms(statistics.median(saves))} "
          "(median)")
    print("  saved order checked in the database: the last milestone is first, the others "
          "follow in order")
    if args.strict and ratio > TARGET_RATIO:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
