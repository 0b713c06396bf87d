"""The contract list's reads, each in a thread worker (tui/workers.py): the first page,
the pages after it, and rows read again in place. Each posts what it read; the screen
(tui/screens/contract_list.py) shows it if it is still the question being asked."""
from __future__ import annotations

from itertools import islice

from models.accounts import Account
from rules.errors import RuleError
from rules.queries import contract_order, contract_summaries, count_contracts, list_contracts
from tui.screens.contract_pages import PAGE_SIZE, ContractsLoaded, ContractsRefreshed
from tui.screens.dialogs.base import refusal_text
from tui.workers import db_work


class ContractReads:
    """Mixin of ContractListScreen: its workers."""

    def _find_selected(self) -> bool:
        """The cursor on the row of `_select_when_shown` (an offer just sent), reading
        the pages before it until it comes. True while a further page is read for it."""
        wanted = self._select_when_shown
        at = next((i for i, s in enumerate(self.table.summaries) if s.id == wanted), None)
        if at is None and len(self.table.summaries) < self._total:
            self._load_more()
            return True
        self._select_when_shown = None
        if at is not None:
            self.table.move_cursor(row=at)
        return False

    @db_work("contracts")
    def _load_first(self, generation: int, actor: Account, search: str, sort: str,
                    descending: bool) -> None:
        if search:  # the filter reads every contract anyway: once, for the order too
            try:
                order = contract_order(actor, search=search, sort=sort, descending=descending)
            except RuleError as exc:  # a pasted control character, an invisible filter
                self.post_message(ContractsLoaded(generation, True, [], total=0, order=[],
                                                  refusal=refusal_text(exc)))
                return
            rows = contract_summaries(actor, order[:PAGE_SIZE])
            self.post_message(ContractsLoaded(generation, True, rows, total=len(order),
                                              order=order))
            return
        rows = list_contracts(actor, sort=sort, descending=descending, limit=PAGE_SIZE)
        total = count_contracts(actor)  # one index, counted
        self.post_message(ContractsLoaded(generation, True, rows, total=total))

    @db_work("contracts")
    def _load_page(self, generation: int, actor: Account, search: str, sort: str,
                   descending: bool, order: list[int] | None, shown: set[int]) -> None:
        fresh = order is None
        if fresh:
            order = contract_order(actor, search=search or None, sort=sort,
                                   descending=descending)
        # By position, skipping what is shown: should contracts have come or gone since
        # the first page, none is shown twice.
        ids = islice((i for i in islice(order, max(len(shown) - PAGE_SIZE, 0), None)
                      if i not in shown), PAGE_SIZE)
        rows = contract_summaries(actor, list(ids))
        self.post_message(ContractsLoaded(generation, False, rows,
                                          total=len(order) if fresh else None,
                                          order=order if fresh else None))

    @db_work("contract-rows", exclusive=False)
    def _refresh_rows(self, generation: int, actor: Account, ids: list[int]) -> None:
        self.post_message(ContractsRefreshed(generation, contract_summaries(actor, ids)))
