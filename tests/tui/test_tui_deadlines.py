"""The deadline sweep inside the TUI (G-09, U-06) and time travel in demo mode."""
from __future__ import annotations

from models.milestones import Milestone
from models.vocabulary import MilestoneStatus
from rules.contract_view import contract_detail
from tui_helpers import press, settle


def wireframes(world) -> Milestone:
    return Milestone.get_by_id(contract_detail(world.ada, world.website.id).milestones[0].id)


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_U06_background_sweep_auto_releases_and_says_so(world, make_app, app_clock, drive):
    """Past the 14-day review window, the app's sweep releases the escrow, tells the
    user in a toast and refreshes the open list."""
    app_clock.set("2026-03-18T17:00:00+00:00")  # the review window closed at 16:00
    app = make_app(world.ada)

    async def scenario(pilot):
        assert wireframes(world).status == MilestoneStatus.SUBMITTED
        pilot.app.run_sweep()
        await settle(pilot)
        assert wireframes(world).status == MilestoneStatus.RELEASED
        assert any("Wireframes" in t and "auto-released" in t and "$250.00" in t
                   for t in toasts(pilot.app))
        # A sweep with nothing due says nothing more.
        before = len(toasts(pilot.app))
        pilot.app.run_sweep()
        await settle(pilot)
        assert len(toasts(pilot.app)) == before
    drive(app, scenario)


def test_G09_sweeps_never_overlap(world, make_app, app_clock, drive):
    app_clock.set("2026-03-18T17:00:00+00:00")
    app = make_app(world.ada)

    async def scenario(pilot):
        pilot.app.run_sweep()
        pilot.app.run_sweep()  # while the first runs: ignored, not queued
        await settle(pilot)
        sweeps = [w for w in pilot.app.workers if w.group == "deadline-sweep"]
        assert len(sweeps) <= 1
        released = [t for t in toasts(pilot.app) if "auto-released" in t]
        assert len(released) == 1
    drive(app, scenario)


def test_time_travel_key_moves_the_clock_a_day_and_applies_what_fell_due(
        world, make_app, app_clock, drive):
    app_clock.set("2026-03-18T09:00:00+00:00")  # 7 hours before the review window closes
    app = make_app(world.ada)
    app.demo = True

    async def scenario(pilot):
        await press(pilot, "t")
        assert pilot.app.clock.now().isoformat().startswith("2026-03-19T09:00")
        assert wireframes(world).status == MilestoneStatus.RELEASED
        assert any("2026-03-19 09:00" in t for t in toasts(pilot.app))
    drive(app, scenario)


def test_time_travel_is_only_offered_in_demo_mode(world, make_app, app_clock, drive):
    app = make_app(world.ada)

    async def scenario(pilot):
        before = pilot.app.clock.now()
        await press(pilot, "t")
        assert pilot.app.clock.now() == before
        assert pilot.app.check_action("travel", ()) is False
    drive(app, scenario)
