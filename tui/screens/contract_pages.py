"""What the contract list reads, a page at a time: the messages its workers post, and
its first page, which `tui.main` reads before the app starts."""
from __future__ import annotations

import shutil
from dataclasses import dataclass

from textual.message import Message

from models.accounts import Account
from rules.queries import ContractSummary, count_contracts, list_contracts

PAGE_SIZE = 100        # rows per query; the next page loads as the cursor nears the end
MORE_WHEN_WITHIN = 20  # rows from the end of what is loaded
DEBOUNCE = 0.15        # seconds of quiet typing before the filter queries
NUMBER = "id"          # the default order: by contract number, as they were made


@dataclass
class ContractsLoaded(Message):
    """A page of contracts came back from the database."""
    generation: int
    first: bool                  # the first page: the rows shown so far are replaced
    rows: list[ContractSummary]
    total: int | None = None     # how many there are (the first page, and with `order`)
    order: list[int] | None = None  # every id in list order, read with the second page
    refusal: str = ""             # the rules refused the filter (T-02..T-05): no rows


@dataclass(frozen=True)
class FirstPage:
    """The list's first page as it opens: by number, unfiltered."""
    query: tuple[int, str, str, bool]  # actor id, filter, sort, descending
    rows: list[ContractSummary]
    total: int


def read_first_page(actor: Account, rows: int = PAGE_SIZE) -> FirstPage:
    """The first `rows` rows, read before the app starts (on the main thread, no loop
    yet). The pages after it are read by id, skipping what is shown, whatever its size."""
    return FirstPage((actor.id, "", NUMBER, False),
                     list_contracts(actor, sort=NUMBER, limit=rows),
                     count_contracts(actor))


def rows_at_start(lines: int | None = None) -> int:
    """How many rows to read before the app starts: a screenful of a terminal `lines`
    high (default: this one) and MORE_WHEN_WITHIN more, since the next page is asked for
    as the cursor comes that near the end. Fewer rows, a sooner first frame (bench/tui.py)."""
    if lines is None:
        lines = shutil.get_terminal_size().lines
    return min(PAGE_SIZE, max(lines, 24) + MORE_WHEN_WITHIN)


@dataclass
class ContractsRefreshed(Message):
    """Fresh summaries of rows already shown."""
    generation: int
    rows: list[ContractSummary]
