"""Transaction history and lookup (contract section 4): pages, cursors, order, one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from robot.api.deco import keyword

from .. import matcher
from ..routes import TRANSACTION_FIELDS, ApiResponse, wallet_id
from . import LibraryComponent

Wallet = Mapping[str, Any] | str
MAX_PAGES = 500


def _order_key(transaction: Mapping[str, Any]) -> tuple:
    return matcher.instant(transaction["created_at"]), str(transaction["id"]).lower()


class HistoryKeywords(LibraryComponent):
    """History. *Changes* are what the API returned for a money request: a transaction (matched in a
    history by its `id`) or a transfer (matched by the leg's `transfer_id`)."""

    @keyword("Request Transaction History")
    def request_transaction_history(self, wallet: Wallet, **arguments: Any) -> ApiResponse:
        """`GET /v1/wallets/{id}/transactions` as the wallet's owner (`owner=`), with `limit=` / `cursor=`
        when given (left out when `${NONE}`); returns the response.

        | ${response} = | Request Transaction History | ${wallet} | limit=0 |
        """
        return self.transport.send(self.ctx.endpoints.request("history", {"wallet": wallet}, arguments))

    @keyword("Transaction History Of")
    def transaction_history_of(self, wallet: Wallet, **arguments: Any) -> dict:
        """One page of the wallet's history (`limit=`, `cursor=`); fails unless 200; returns
        `{"data": [...], "next_cursor": ...}`.

        | ${page} = | Transaction History Of | ${wallet} | limit=5 |
        """
        return self.request_transaction_history(wallet, **arguments).expect(200).json

    @keyword("Latest Transaction Of")
    def latest_transaction_of(self, wallet: Wallet) -> dict:
        """The newest transaction of the wallet (the first of its history).

        | ${deposit} = | Latest Transaction Of | ${wallet} |
        """
        page = self.transaction_history_of(wallet, limit=1)
        if not page["data"]:
            raise AssertionError(f"wallet {wallet_id(wallet)} has no transaction")
        return page["data"][0]

    @keyword("Next Page Of")
    def next_page_of(self, wallet: Wallet, page: Mapping[str, Any], limit: int | None = None) -> dict:
        """The page that `page`'s `next_cursor` leads to (same `limit`, `${NONE}` for the default).

        | ${next} = | Next Page Of | ${wallet} | ${page} | 5 |
        """
        self.page_should_not_be_the_last(page)
        return self.transaction_history_of(wallet, limit=limit, cursor=page["next_cursor"])

    @keyword("All Transactions Of")
    def all_transactions_of(self, wallet: Wallet, limit: int = 20, owner: str | None = None) -> list:
        """Walks `next_cursor` from the first page to the last with pages of `limit` and returns every
        transaction; fails on a page over `limit`, a transaction seen twice, an order that is not newest
        first across pages, or more than 500 pages.

        | ${transactions} = | All Transactions Of | ${wallet} | limit=3 |
        """
        collected, seen, cursor = [], set(), None
        for number in range(1, MAX_PAGES + 1):
            page = self.transaction_history_of(wallet, limit=limit, cursor=cursor, owner=owner)
            if len(page["data"]) > limit:
                raise AssertionError(f"page {number} has {len(page['data'])} transactions, more than limit={limit}")
            for item in page["data"]:
                if item["id"] in seen:
                    raise AssertionError(f"transaction {item['id']} seen twice (again on page {number})")
                seen.add(item["id"])
                collected.append(item)
            cursor = page["next_cursor"]
            if cursor is None:
                self.history_should_be_newest_first(collected)
                self.ctx.info(f"{len(collected)} transactions in {number} page(s) of at most {limit}")
                return collected
        raise AssertionError(f"next_cursor still not null after {MAX_PAGES} pages")

    @keyword("Walk History From Page")
    def walk_history_from_page(self, wallet: Wallet, page: Mapping[str, Any], limit: int | None) -> list:
        """The transactions of `page` followed by those of every page its `next_cursor` chain leads to (same
        `limit`), until `next_cursor` is null; at most 500 pages.

        | ${walked} = | Walk History From Page | ${wallet} | ${first} | 2 |
        """
        walked, current = list(page["data"]), page
        for _ in range(MAX_PAGES):
            if current["next_cursor"] is None:
                return walked
            current = self.next_page_of(wallet, current, limit)
            walked.extend(current["data"])
        raise AssertionError(f"next_cursor still not null after {MAX_PAGES} pages")

    @keyword("History Should Be Newest First")
    def history_should_be_newest_first(self, transactions: Sequence[Mapping[str, Any]]) -> None:
        """Fails unless the transactions are ordered by `created_at` descending, then `id` descending.

        | History Should Be Newest First | ${page}[data] |
        """
        for index in range(1, len(transactions)):
            previous, current = transactions[index - 1], transactions[index]
            if _order_key(current) > _order_key(previous):
                raise AssertionError(
                    f"history not newest first at position {index}: {previous['id']} ({previous['created_at']}) "
                    f"comes before {current['id']} ({current['created_at']})"
                )

    @keyword("Page Should Hold")
    def page_should_hold(self, page: Mapping[str, Any], size: int) -> None:
        """Fails unless the history page holds exactly `size` transactions.

        | Page Should Hold | ${page} | 20 |
        """
        if len(page["data"]) != size:
            raise AssertionError(f"expected {size} transactions on the page, got {len(page['data'])}")

    @keyword("Page Should Be The Last")
    def page_should_be_the_last(self, page: Mapping[str, Any]) -> None:
        """Fails unless the page's `next_cursor` is null.

        | Page Should Be The Last | ${page} |
        """
        if page["next_cursor"] is not None:
            raise AssertionError(f"next_cursor should be null on the last page, got {page['next_cursor']!r}")

    @keyword("Page Should Not Be The Last")
    def page_should_not_be_the_last(self, page: Mapping[str, Any]) -> None:
        """Fails unless the page's `next_cursor` is a non-empty string.

        | Page Should Not Be The Last | ${page} |
        """
        if not isinstance(page["next_cursor"], str) or not page["next_cursor"]:
            raise AssertionError(f"next_cursor should lead to the next page, got {page['next_cursor']!r}")

    @keyword("History Should List In Order")
    def history_should_list_in_order(
        self, transactions: Sequence[Mapping[str, Any]], *changes: Mapping[str, Any]
    ) -> None:
        """Fails unless `transactions` (a history, newest first) are exactly these `changes` in this order:
        a transaction by its `id`, a transfer by the leg's `transfer_id`.

        | History Should List In Order | ${page}[data] | ${withdrawal} | ${transfer} | ${deposit} |
        """
        expected = [str(change["id"]) for change in changes]
        actual = [str(t["transfer_id"]) if t.get("transfer_id") in expected else str(t["id"]) for t in transactions]
        if actual != expected:
            raise AssertionError(f"history order (ids, newest first): expected {expected}, got {actual}")

    @keyword("History Should Hold Each Exactly Once")
    def history_should_hold_each_exactly_once(
        self, transactions: Sequence[Mapping[str, Any]], made: Sequence[Mapping[str, Any]]
    ) -> None:
        """Fails unless `transactions` hold every one of `made` exactly once and nothing else.

        | History Should Hold Each Exactly Once | ${walked} | ${made} |
        """
        seen = [str(t["id"]) for t in transactions]
        duplicates = sorted({i for i in seen if seen.count(i) > 1})
        if duplicates:
            raise AssertionError(f"a transaction was listed twice: {duplicates}")
        if sorted(seen) != sorted(str(t["id"]) for t in made):
            raise AssertionError(f"the walk should list every transaction of the wallet exactly once: got {seen}")

    @keyword("Every Transaction Should Belong To")
    def every_transaction_should_belong_to(self, transactions: Sequence[Mapping[str, Any]], wallet: Wallet) -> None:
        """Fails unless every transaction of the list has `wallet_id` = the wallet's id.

        | Every Transaction Should Belong To | ${page}[data] | ${wallet} |
        """
        strangers = [str(t["id"]) for t in transactions if str(t["wallet_id"]) != wallet_id(wallet)]
        if strangers:
            raise AssertionError(f"transactions of other wallets listed for {wallet_id(wallet)}: {strangers}")

    @keyword("Request Transaction")
    def request_transaction(self, transaction_id: str, owner: str | None, **arguments: Any) -> ApiResponse:
        """`GET /v1/transactions/{id}` as `owner`; returns the response.

        | ${response} = | Request Transaction | ${deposit}[id] | ${intruder} |
        """
        target = {"transaction_id": transaction_id, "owner": owner}
        return self.transport.send(self.ctx.endpoints.request("transaction", target, arguments))

    @keyword("Get Transaction")
    def get_transaction(self, transaction_id: str, owner: str) -> dict:
        """`GET /v1/transactions/{id}` as `owner`; fails unless 200; returns the transaction.

        | ${settled} = | Get Transaction | ${pending}[id] | ${wallet}[owner_id] |
        """
        return self.request_transaction(transaction_id, owner).expect(200).json

    @keyword("Transaction Should Be As Returned")
    def transaction_should_be_as_returned(self, actual: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
        """Fails unless the transaction read back has the same fields as the one a money request or a
        history returned (`created_at` compared as an instant).

        | Transaction Should Be As Returned | ${read_back} | ${deposit} |
        """
        matcher.should_match(actual, {name: expected.get(name) for name in TRANSACTION_FIELDS}, "Transaction")
        if matcher.instant(actual["created_at"]) != matcher.instant(expected["created_at"]):
            raise AssertionError(
                f"created_at is not the same instant: {actual['created_at']} vs {expected['created_at']}"
            )

    @keyword("Transaction Lookup Should Be Not Found")
    def transaction_lookup_should_be_not_found(self, transaction_id: str, owner: str) -> ApiResponse:
        """Fails unless `GET /v1/transactions/{id}` as `owner` is `404 TRANSACTION_NOT_FOUND`; returns the
        response.

        | Transaction Lookup Should Be Not Found | ${deposit}[id] | ${intruder} |
        """
        response = self.request_transaction(transaction_id, owner)
        self.library.response_should_be_problem(response, 404, "TRANSACTION_NOT_FOUND")
        return response

    @keyword("History Should Be Not Found")
    def history_should_be_not_found(self, wallet: Wallet, owner: str) -> ApiResponse:
        """Fails unless the history of `wallet` (a wallet or an id) asked as `owner` is `404 WALLET_NOT_FOUND`;
        returns the response.

        | History Should Be Not Found | ${wallet} | ${intruder} |
        """
        response = self.request_transaction_history(wallet, owner=owner)
        self.library.response_should_be_problem(response, 404, "WALLET_NOT_FOUND")
        return response
