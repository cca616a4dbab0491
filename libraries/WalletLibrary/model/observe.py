"""What the oracle compares the model with, read once the workload is over and the system is quiet.

Every read here has a deadline and uses only keys the history holds: unknown outcomes are resolved by sending
the same request again with its key (the stored answer comes back); the commands' `credit.applied` events and
the settlements are waited for; then each wallet's history is walked through the API to its end, and the
rows are read from the database BY PRIMARY KEY only (the ids the answers and the walks named: `wallets.id`,
`transactions.id`, `transfers.id`), never by a column whose cost grows with the table. The gateway's journal
is read per payment token the run sent, and the events are the ones this process's queue received.
The result is plain data (`Observed`), saved with the history so that `recheck.py` can judge it offline.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .faults import in_outage
from .records import Exchange, Run, send_recorded

if TYPE_CHECKING:
    from ..context import Context

DEFINITE = {201, 202, 402, 404, 422, 502, 504}
NOT_STORED = {400, 401}  # answers that consume no key
RESOLVE_ATTEMPTS = 3  # per key: a request still running answers 409 once or twice at most
RESOLVE_BUDGET_S = 15.0  # for all keys together: an implementation that fails every time must not hang the check
WALK_PAGE = 100
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TRANSACTIONS = (
    "SELECT id::text AS id, wallet_id::text AS wallet_id, type, status, amount, currency::text AS currency,"
    " balance_after, transfer_id::text AS transfer_id, counterparty_wallet_id::text AS counterparty_wallet_id,"
    " failure_code FROM transactions"
)


def key_groups(run: Run) -> dict[tuple[str, str], list[Exchange]]:
    """The keyed requests by (owner, key), in the order they started."""
    groups: dict[tuple[str, str], list[Exchange]] = defaultdict(list)
    for exchange in sorted(run.exchanges, key=lambda e: e.started):
        if exchange.request is not None and exchange.request.idempotency_key:
            groups[(str(exchange.request.owner), exchange.request.idempotency_key)].append(exchange)
    return groups


def wallet_ids(run: Run) -> list[str]:
    return [wallet["id"] for wallet in [*run.wallets, run.whale, *run.private]]


def collect(ctx: Context, run: Run) -> dict[str, Any]:
    """Resolves, waits and reads (see the module docstring); returns the observations."""
    _resolve(ctx, run)
    _deliver_again(ctx, run)
    _validate(ctx, run)
    quiet_by = time.monotonic() + max(ctx.event_timeout, 5.0)
    _wait_for_credits(ctx, run, quiet_by)
    _wait_for_settlements(ctx, run, quiet_by)
    wallets = {w["id"]: w for w in [*run.wallets, run.whale, *run.private]}
    walks = {wallet: _walk(ctx, run, wallet, quiet_by + 30) for wallet in wallets}
    answered = {
        e.body["id"] for e in run.exchanges if e.status in (201, 202) and isinstance(e.body, dict) and "id" in e.body
    }
    listed = {item["id"] for items in walks.values() for item in items if isinstance(item, dict) and "id" in item}
    transactions = _by_key(ctx, TRANSACTIONS, answered | listed)
    transfer_ids = {r["transfer_id"] for r in transactions if r["transfer_id"]} | {
        e.body["id"]
        for e in run.exchanges
        if e.status == 201 and isinstance(e.body, dict) and "source_wallet_id" in e.body
    }
    transfers = _by_key(
        ctx,
        "SELECT id::text AS id, source_wallet_id::text AS source_wallet_id,"
        " destination_wallet_id::text AS destination_wallet_id, amount, currency::text AS currency, status"
        " FROM transfers",
        transfer_ids,
    )
    rows = _by_key(ctx, "SELECT id::text AS id, balance FROM wallets", set(wallets))
    api = {}
    for wallet in wallets.values():
        answer = _get(ctx, ctx.endpoints.request("get wallet", {"wallet": wallet}, {}))
        api[wallet["id"]] = answer.json.get("balance") if answer and isinstance(answer.json, dict) else None
    journal = {token: ctx.gateway.charges(token) for token in _tokens(run)}
    expected_events = {r["id"] for r in transactions if r["status"] != "pending"} | set(transfer_ids)
    events = _events(ctx, set(wallets), expected_events, quiet_by)
    return {
        "walks": walks,
        "transactions": {r["id"]: r for r in transactions},
        "transfers": {r["id"]: r for r in transfers},
        "balances": {r["id"]: r["balance"] for r in rows},
        "api_balances": api,
        "journal": journal,
        "events": events,
    }


def _deliver_again(ctx: Context, run: Run) -> None:
    """A webhook an outage of the wallet's database or broker refused is delivered again, as a gateway would
    (not a settlement whose handler failed before it sent anything: it has no request, only its error)."""
    for exchange in list(run.exchanges):
        if exchange.request is None or exchange.op.kind != "settle":
            continue
        if exchange.status != 200 and in_outage(run, exchange):
            send_recorded(ctx, run, exchange.op, exchange.request, **{**exchange.note, "resolving": True})


def _validate(ctx: Context, run: Run) -> None:
    """Each answer checked against the contract's documents (the verdict kept in the exchange's note)."""
    for exchange in run.exchanges:
        if exchange.response is not None and "violation" not in exchange.note:
            try:
                ctx.transport.check(exchange.response)
            except AssertionError as error:
                exchange.note["violation"] = str(error)[:600]


def _resolve(ctx: Context, run: Run) -> None:
    """Each key with no definite answer is sent again (the stored answer comes back, or the request runs)."""
    until = time.monotonic() + RESOLVE_BUDGET_S
    for exchanges in key_groups(run).values():
        if any(e.status in DEFINITE for e in exchanges):
            continue
        for _ in range(RESOLVE_ATTEMPTS):
            if time.monotonic() > until:
                return
            again = send_recorded(ctx, run, exchanges[0].op, exchanges[0].request, resolving=True)
            if again.status in DEFINITE or again.status in NOT_STORED:
                break
            ctx.broker.pump(0.25)


def _wait_for_credits(ctx: Context, run: Run, deadline: float) -> None:
    valid = {e.note["command_id"] for e in run.exchanges if e.note.get("valid") and not e.error}

    def applied() -> bool:
        seen = {
            m.document["data"].get("command_id")
            for m in ctx.broker.events
            if m.routing_key == "credit.applied"
            and isinstance(m.document, dict)
            and isinstance(m.document.get("data"), dict)
        }
        return valid <= seen

    ctx.broker.wait_until(applied, max(0.0, deadline - time.monotonic()))


def _wait_for_settlements(ctx: Context, run: Run, deadline: float) -> None:
    """Until no deposit that a webhook settled (answered 200) still reads `pending`, or the deadline."""
    settled = {e.note["transaction_id"] for e in run.exchanges if e.op.kind == "settle" and e.status == 200}
    while settled and time.monotonic() < deadline:
        rows = _by_key(ctx, "SELECT id::text AS id, status FROM transactions", settled)
        if all(r["status"] != "pending" for r in rows):
            return
        ctx.broker.pump(0.2)


def _walk(ctx: Context, run: Run, wallet_id: str, deadline: float) -> list[dict]:
    """The wallet's whole history through the API (pages of 100 to the last one, or until the deadline:
    then a last item `{"cut": ...}` says so)."""
    wallet = next(w for w in [*run.wallets, run.whale, *run.private] if w["id"] == wallet_id)
    items: list[dict] = []
    cursor = None
    while time.monotonic() < deadline:
        request = ctx.endpoints.request("history", {"wallet": wallet}, {"limit": WALK_PAGE, "cursor": cursor})
        answer = _get(ctx, request)
        if answer is None or answer.status != 200 or not isinstance(answer.json, dict):
            return [*items, {"cut": f"page answered {answer.status if answer else 'nothing'}"}]
        items += answer.json.get("data") or []
        cursor = answer.json.get("next_cursor")
        if not cursor:
            return items
    return [*items, {"cut": "deadline"}]


def _get(ctx: Context, request: Any) -> Any:
    try:
        return ctx.transport.send(request, validate=False)
    except AssertionError:
        return None


def uuids(values: Iterable[str]) -> list[str]:
    """The values that are UUIDs (others can name no row), lower-cased, sorted."""
    return sorted({v.lower() for v in values if v and UUID.fullmatch(str(v).lower())})


def _by_key(ctx: Context, select: str, ids: set[str]) -> list[dict]:
    """Rows of `select` whose primary key `id` is one of `ids` (the one way this module reads a table)."""
    keys = uuids(ids)
    return ctx.query(f"{select} WHERE id = ANY(%s::uuid[])", [keys]) if keys else []


def _tokens(run: Run) -> list[str]:
    tokens = []
    for exchange in run.exchanges:
        if exchange.request is not None and exchange.request.path.endswith("/deposits") and exchange.request.body:
            token = json.loads(exchange.request.body).get("payment_token")
            if token and token not in tokens:
                tokens.append(token)
    return tokens


def _events(ctx: Context, wallets: set[str], expected: set[str], deadline: float) -> list[dict]:
    """The events about the run's wallets (waited for until every expected change has one, then a short
    quiet pump so that a second event of one change can show)."""

    def mine() -> list[dict]:
        found = []
        for message in ctx.broker.events:
            document = message.document if isinstance(message.document, dict) else {}
            data = document.get("data") if isinstance(document.get("data"), dict) else {}
            if wallets & {str(data.get(k)) for k in ("wallet_id", "source_wallet_id", "destination_wallet_id")}:
                found.append({"id": document.get("id"), "routing_key": message.routing_key, "data": data})
        return found

    def complete() -> bool:
        seen = {str(e["data"].get("transaction_id") or e["data"].get("transfer_id")) for e in mine()}
        return expected <= seen

    ctx.broker.wait_until(complete, max(0.0, deadline - time.monotonic()))
    ctx.broker.pump(0.5)
    return mine()
