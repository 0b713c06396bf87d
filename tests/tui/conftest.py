"""TUI fixtures: a fixed world of contracts built through rules/ actions, and an app on
a frozen clock with animations and cursor blink off (helpers: tui_helpers.py). The
database is a file under tmp_path (the `db` fixture): thread workers read it on their
own connections."""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pytest

from models.accounts import Account
from models.contracts import Contract
from rules.clock import FrozenClock
from rules.contract_view import contract_detail
from rules.contracts import create_contract
from rules.payments import fund_next_milestone, release
from rules.plan import AddMilestone
from rules.work import submit_work
from tui.app import MilestonesApp
from tui_helpers import settle

APP_NOW = "2026-03-10T12:00:00+00:00"  # a Tuesday, eight days after the world began


def plan(*milestones: tuple[str, int, str]) -> list[AddMilestone]:
    return [AddMilestone(title=t, amount_cents=a, due_date=dt.date.fromisoformat(d))
            for t, a, d in milestones]


@dataclass
class World:
    ada: Account      # client of three contracts
    cy: Account       # another client, two contracts
    bo: Account       # freelancer
    di: Account       # freelancer
    sam: Account      # support agent
    website: Contract
    logo: Contract
    mobile: Contract
    pipeline: Contract
    translation: Contract


@pytest.fixture
def world(client, other_client, freelancer, other_freelancer, agent, clock) -> World:
    """Five contracts, one per policy and state worth seeing, made as users would."""
    website = create_contract(client, freelancer=freelancer, title="Website redesign",
                              policy="upwork", clock=clock, milestones=plan(
                                  ("Wireframes", 250_00, "2026-03-09"),
                                  ("Visual design", 500_00, "2026-03-23"),
                                  ("Build and launch", 1_200_00, "2026-04-13")))
    clock.advance(hours=1)  # distinct creation times: "newest first" means something
    logo = create_contract(client, freelancer=freelancer, title="Logo refresh",
                           policy="fiverr-gig", clock=clock, milestones=plan(
                               ("Concepts", 80_00, "2026-03-12"),
                               ("Final files", 60_00, "2026-03-19")))
    clock.advance(hours=1)
    mobile = create_contract(client, freelancer=other_freelancer, title="Mobile app MVP",
                             policy="upwork-compliance", end_date=dt.date(2026, 6, 30),
                             clock=clock, milestones=plan(
                                 ("Specification", 400_00, "2026-03-06"),
                                 ("Beta build", 2_000_00, "2026-05-01")))
    clock.advance(hours=1)
    pipeline = create_contract(other_client, freelancer=freelancer, title="Data pipeline",
                               policy="upwork", clock=clock, milestones=plan(
                                   ("Ingest", 300_00, "2026-03-16"),
                                   ("Reports", 700_00, "2026-03-30")))
    clock.advance(hours=1)
    translation = create_contract(other_client, freelancer=other_freelancer,
                                  title="Manual translation", policy="fiverr-offer",
                                  clock=clock, milestones=plan(
                                      ("Chapters 1-5", 60_00, "2026-03-13"),
                                      ("Chapters 6-10", 60_00, "2026-03-27")))
    first = fund_next_milestone(client, website.id, clock=clock)
    fund_next_milestone(client, mobile.id, clock=clock)
    fund_next_milestone(other_client, pipeline.id, clock=clock)
    clock.advance(days=2, hours=3)
    submit_work(freelancer, first.id, "Wireframes for all pages", "https://example.com/wf",
                clock=clock)
    release(client, contract_detail(client, mobile.id).milestones[0].id, clock=clock)
    # A partial release (U-26): $50.00 stays in the pipeline's project funds.
    release(other_client, contract_detail(other_client, pipeline.id).milestones[0].id,
            250_00, clock=clock)
    return World(client, other_client, freelancer, other_freelancer, agent,
                 website, logo, mobile, pipeline, translation)


@pytest.fixture
def app_clock() -> FrozenClock:
    return FrozenClock(APP_NOW)


@pytest.fixture
def make_app(world, app_clock):
    """make_app(account) -> a MilestonesApp ready for Pilot or a snapshot. The theme
    is pinned: left to itself the app picks one from the terminal's colours. A release
    is final at once unless `undo_minutes` is given (X-30: the product's default is 10;
    tests/tui/test_tui_held_release.py drives that)."""
    def build(actor: Account, theme: str = "textual-dark", *,
              undo_minutes: int = 0) -> MilestonesApp:
        app = MilestonesApp(actor, clock=app_clock, cursor_blink=False, theme=theme,
                            release_undo_minutes=undo_minutes)
        app.animation_level = "none"
        return app
    return build


@pytest.fixture
def drive():
    """drive(app, scenario, size=(80, 24)): run `async scenario(pilot)` in the app,
    once it has settled. Plain `asyncio.run`: no async plugin needed. The smallest
    supported terminal is also the fastest to render."""
    def run(app: MilestonesApp, scenario, size: tuple[int, int] = (80, 24)) -> None:
        async def go() -> None:
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                await scenario(pilot)
        asyncio.run(go())
    return run


@pytest.fixture(scope="session")
def pty_database(tmp_path_factory):
    """The demo database (and a contract to reorder) the pty tests start from, made once
    a session (pty_seed.py); each test works on its own copy (`pty_db`)."""
    from pty_seed import prepare
    return prepare(tmp_path_factory.mktemp("pty") / "demo.db")


@pytest.fixture
def pty_db(pty_database, tmp_path):
    import shutil
    copy = tmp_path / "demo.db"
    shutil.copyfile(pty_database, copy)  # checkpointed by prepare(): one file
    return copy
