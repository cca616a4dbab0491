"""The plain facts the oracle works with: a finding, an expected row, the ids an exchange names, and whether
a wallet's balance_after values chain."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .records import Exchange

EFFECT = {"deposit": 1, "credit": 1, "transfer_in": 1, "withdrawal": -1, "transfer_out": -1}
IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|ch_[0-9a-z_]+|cmd-[\w-]+")


@dataclass
class Finding:
    """A broken rule (an id of contracts/rules.yaml), what was seen, and the ids it is about (wallets,
    transactions, transfers, keys: the causal slice of the report is every exchange naming one of them)."""

    rule: str
    message: str
    ids: set[str] = field(default_factory=set)


@dataclass
class Expected:
    """The row an operation must have left."""

    wallet: str
    type: str
    amount: int
    currency: str
    statuses: set[str]
    balance_after: int | None = None
    op: str = ""
    invoked: float = 0.0
    acked: float = float("inf")


def sent_status(exchange: Exchange) -> str:
    """The `status` a webhook exchange sent."""
    return str(json.loads(exchange.request.body).get("status")) if exchange.request and exchange.request.body else ""


def ids_of(exchange: Exchange) -> set[str]:
    """The ids an exchange names: its path's, its body's and its answer's (and its note's)."""
    text = json.dumps({k: v for k, v in exchange.note.items() if k != "known"}, default=str)
    if exchange.request is not None:
        text += exchange.request.path + (exchange.request.body or b"").decode("utf-8", "replace")
    if exchange.response is not None:
        text += exchange.response.text
    found = set(IDS.findall(text))
    if exchange.request is not None and exchange.request.idempotency_key:
        found.add(exchange.request.idempotency_key)
    return found


def chain_breaks(rows: Iterable[dict]) -> str:
    """'' when the wallet's succeeded transactions can be put in an order where each balance_after is the one
    before plus its amount (credits) or minus it (debits), starting at 0; else why not.

    Each transaction is an edge `balance_after - change -> balance_after`; such an order is an Eulerian
    trail from 0 through all of them."""
    edges = [
        (row["balance_after"] - EFFECT[row["type"]] * row["amount"], row["balance_after"])
        for row in rows
        if row.get("balance_after") is not None
    ]
    if any(row.get("balance_after") is None for row in rows):
        return "a succeeded transaction without balance_after"
    degree: dict[int, int] = defaultdict(int)
    for before, after in edges:
        degree[before] += 1
        degree[after] -= 1
    starts = [v for v, d in degree.items() if d > 0]
    ends = [v for v, d in degree.items() if d < 0]
    if (
        any(abs(d) > 1 for d in degree.values())
        or starts not in ([0], [])
        or len(ends) > 1
        or (not starts and 0 not in degree and edges)
    ):
        odd = sorted(v for v, d in degree.items() if d)[:6]
        return f"balances entered and left unevenly: {odd} (the first must be 0)"
    neighbours: dict[int, set[int]] = defaultdict(set)
    for before, after in edges:
        neighbours[before].add(after)
        neighbours[after].add(before)
    reached, todo = {0}, [0]
    while todo:
        for other in neighbours[todo.pop()] - reached:
            reached.add(other)
            todo.append(other)
    apart = sorted(set(neighbours) - reached)[:6]
    return f"balances no order from 0 reaches: {apart}" if apart else ""
