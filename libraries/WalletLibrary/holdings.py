"""The rows of the wallets a check holds, read only by the keys that contract section 6 promises.

On a shared staging database the only indexes a check may count on are the primary keys. So the
transactions of a wallet are learnt from the wallet itself, through its history
(`GET /v1/wallets/{id}/transactions`, whose cursor walk "visits every transaction exactly once", contract
section 4), and then read by primary key; a wallet's transfers are found through its legs' `transfer_id` and
read by primary key; a transfer's legs are the legs of its two wallets (known from their histories) that carry
its id. Nothing searches `transactions` by `wallet_id` or `transfer_id`, nor `transfers` by wallet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .changes import uuids

HISTORY_LIMIT = 100  # the largest page the contract allows: fewest requests
MAX_PAGES = 1000
WALLET_ROWS_SQL = (
    "SELECT id::text AS id, owner_id, currency::text AS currency, balance, now() AS read_at"
    " FROM wallets WHERE id = ANY(%s::uuid[])"
)
TRANSACTION_ROWS_SQL = (
    "SELECT t.id::text AS id, t.wallet_id::text AS wallet_id, t.type, t.status, t.amount,"
    " t.currency::text AS currency, t.balance_after, t.failure_code, t.transfer_id::text AS transfer_id,"
    " t.counterparty_wallet_id::text AS counterparty FROM transactions t WHERE t.id = ANY(%s::uuid[])"
)
TRANSFER_ROWS_SQL = (
    "SELECT id::text AS id, source_wallet_id::text AS source_wallet_id,"
    " destination_wallet_id::text AS destination_wallet_id, amount, currency::text AS currency"
    " FROM transfers WHERE id = ANY(%s::uuid[])"
)


@dataclass
class Holdings:
    """Wallets (their rows), the transaction ids each one's history lists, those transactions' rows, and the
    rows of the transfers their legs name (with the counterparty wallets walked too)."""

    wallets: dict[str, dict] = field(default_factory=dict)
    history: dict[str, list[str]] = field(default_factory=dict)
    transactions: dict[str, dict] = field(default_factory=dict)
    transfers: dict[str, dict] = field(default_factory=dict)

    def of_wallet(self, wallet: str) -> list[dict]:
        """The rows of the transactions the wallet's history lists."""
        return [self.transactions[t] for t in self.history.get(wallet, []) if t in self.transactions]


def history_ids(ctx: Any, wallet: dict) -> list[str]:
    """The ids of every transaction of the wallet (its `wallets` row gives the owner), walking its history."""
    target = {"wallet": {"id": wallet["id"], "owner_id": wallet["owner_id"], "currency": wallet["currency"].strip()}}
    found: dict[str, None] = {}
    cursor = None
    for _ in range(MAX_PAGES):
        request = ctx.endpoints.request("history", target, {"limit": HISTORY_LIMIT, "cursor": cursor})
        response = ctx.transport.send(request, validate=False)
        body = response.json
        if response.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise AssertionError(
                f"the history of wallet {wallet['id']} (how a check learns its transactions) answered "
                f"{response.status} {response.body[:200]!r}"
            )
        before = len(found)
        found.update((str(item.get("id")).lower(), None) for item in body["data"] if isinstance(item, dict))
        cursor = body.get("next_cursor")
        if cursor is None:
            return list(found)
        if len(found) == before:
            raise AssertionError(f"the history of wallet {wallet['id']}: a page with nothing new has a next_cursor")
    raise AssertionError(f"the history of wallet {wallet['id']}: next_cursor still not null after {MAX_PAGES} pages")


def read(ctx: Any, wallet_ids: Iterable[str], walk: Callable[[Any, dict], list[str]] = history_ids) -> Holdings:
    """The holdings of these wallets and of the other wallet of each of their transfers (`walk` lists the
    transaction ids of a wallet row: its history)."""
    held = Holdings()
    _add_wallets(ctx, held, uuids(wallet_ids), walk)
    transfer_ids = uuids(row["transfer_id"] for row in held.transactions.values())
    if transfer_ids:
        held.transfers = {row["id"]: row for row in ctx.query(TRANSFER_ROWS_SQL, [transfer_ids])}
        others = {row[end] for row in held.transfers.values() for end in ("source_wallet_id", "destination_wallet_id")}
        _add_wallets(ctx, held, uuids(others - set(held.wallets)), walk)
    return held


def _add_wallets(ctx: Any, held: Holdings, ids: list[str], walk: Callable[[Any, dict], list[str]]) -> None:
    if not ids:
        return
    rows = {row["id"]: row for row in ctx.query(WALLET_ROWS_SQL, [ids])}
    held.wallets.update(rows)
    listed: list[str] = []
    for wallet_id, row in rows.items():
        held.history[wallet_id] = walk(ctx, row)
        listed += held.history[wallet_id]
    if listed:
        held.transactions.update({row["id"]: row for row in ctx.query(TRANSACTION_ROWS_SQL, [uuids(listed)])})
