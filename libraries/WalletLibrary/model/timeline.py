"""The rules of the model checker that look at time and order: history walks while rows are written, the
probes revisited late (an old cursor, an expired token, an old pending deposit), webhooks that settle a
deposit (in a row or at the same instant), charges at the gateway, and the events of every change."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

from ..changes import uuids
from .execute import Exchange

if TYPE_CHECKING:
    from .check import Checker

TOKEN_LEEWAY_S = 5.0  # a correct service may allow some clock skew: the expired token is sent well after it


def history_walks(checker: Checker) -> None:
    """Every walk lists no row twice and every row whose creation was acknowledged before it started (a
    transfer by either leg); every page of a walk, an old cursor included, is answered 200."""
    walks: dict[tuple[int, int], list[Exchange]] = defaultdict(list)
    for exchange in checker.run.exchanges:
        if exchange.op.kind in ("walk", "page") and not exchange.note.get("resolving"):
            origin = exchange.op.ref if exchange.op.late else exchange.op.number
            walks[(exchange.op.client, origin)].append(exchange)
    for pages in walks.values():
        pages.sort(key=lambda e: e.started)
        wallet = pages[0].request.path.split("/")[3]
        failed = [p for p in pages if p.status != 200]
        if failed:
            late = " (a cursor followed late)" if failed[0].op.late else ""
            checker.fail(
                "history.cursor-walk",
                f"{failed[0].op.name}: page answered {failed[0].status}{late}: {_text(failed[0])}",
                wallet,
            )
            continue
        if pages[-1].body.get("next_cursor") and not any(p.op.late for p in pages) and pages[0].op.kind == "page":
            continue  # the probe's first page: the walk is finished in the late phase
        seen: list[str] = []
        for page in pages:
            for item in page.body["data"]:
                seen.append(item["id"])
                if item.get("transfer_id"):
                    seen.append(item["transfer_id"])
        rows = [item["id"] for page in pages for item in page.body["data"]]
        twice = sorted({row for row in rows if rows.count(row) > 1})
        if twice:
            checker.fail("history.cursor-walk", f"{pages[0].op.name}: rows listed twice: {twice[:5]}", wallet)
        missing = sorted(set(pages[0].note["known"]) - set(seen))
        if missing:
            checker.fail(
                "history.cursor-walk",
                f"{pages[0].op.name}: rows that existed when the walk started never listed: {missing[:5]}",
                wallet,
            )


def tokens(checker: Checker) -> None:
    """A token used while valid is refused once expired (the late probe sends the very same token)."""
    for exchange in checker.run.exchanges:
        if exchange.op.kind != "token":
            continue
        wallet = exchange.request.path.split("/")[3]
        if not exchange.op.late and exchange.status != 200:
            checker.fail(
                "auth.expired-token",
                f"{exchange.op.name}: a fresh token got {exchange.status}: {_text(exchange)}",
                wallet,
            )
        elif exchange.op.late and exchange.note["expired_for"] > TOKEN_LEEWAY_S and exchange.status != 401:
            checker.fail(
                "auth.expired-token",
                f"{exchange.op.name}: a token expired {exchange.note['expired_for']:.1f} s ago got {exchange.status}, "
                f"expected 401 UNAUTHORIZED: {_text(exchange)}",
                wallet,
            )


def settlements(checker: Checker) -> None:
    """Each pending deposit settled by webhooks ends as the first one accepted says (either of two sent at
    the same instant), once; every webhook for a pending deposit, however old, is answered 200."""
    by_transaction: dict[str, list[Exchange]] = defaultdict(list)
    for exchange in checker.run.exchanges:
        if exchange.op.kind == "settle":
            by_transaction[exchange.note["transaction_id"]].append(exchange)
    for transaction, hooks in by_transaction.items():
        row = checker.ctx.query(
            "SELECT wallet_id::text AS w, status FROM transactions WHERE id = ANY(%s::uuid[])", [uuids([transaction])]
        )
        wallet = row[0]["w"] if row else None
        refused = [h for h in hooks if h.status != 200]
        if refused:
            rule = "webhooks.settle-succeeded" if refused[0].op.late else "webhooks.repeat-no-change"
            checker.fail(
                rule,
                f"{refused[0].op.name}: webhook for pending deposit {transaction} answered {refused[0].status}: "
                + _text(refused[0]),
                wallet,
            )
            continue
        together = any(h.op.variant == "together" for h in hooks)
        allowed = (
            {status for h in hooks for status in h.op.statuses}
            if together
            else {min(hooks, key=lambda h: h.started).op.statuses[0]}
        )
        if row and row[0]["status"] not in allowed:
            checker.fail(
                "webhooks.repeat-no-change",
                f"deposit {transaction} is {row[0]['status']} after webhooks {hooks[0].op.statuses}, "
                f"expected {sorted(allowed)}",
                wallet,
            )


def reads_after_writes(checker: Checker) -> None:
    """A wallet read after a deposit was acknowledged shows it (the client's own wallet: no other writer)."""
    for exchange in checker.run.exchanges:
        if "read_after" in exchange.note and exchange.status == 200:
            if exchange.body.get("balance") != exchange.note["read_after"]:
                checker.fail(
                    "wallets.get",
                    f"{exchange.op.name}: read {exchange.body.get('balance')} after a deposit answered "
                    f"balance_after {exchange.note['read_after']} (nobody else writes this wallet)",
                    exchange.body.get("id"),
                )


def gateway_charges(checker: Checker) -> None:
    """Every payment token sent in a deposit is charged exactly once, replays and twins included."""
    tokens_sent: dict[str, Exchange] = {}
    for exchange in checker.run.exchanges:
        if (
            exchange.request is not None
            and exchange.request.path.endswith("/deposits")
            and exchange.status in (201, 202, 402, 502, 504)
        ):
            token = json.loads(exchange.request.body)["payment_token"]
            tokens_sent.setdefault(token, exchange)
    for token, exchange in tokens_sent.items():
        charges = checker.ctx.gateway.charges(token)
        if len(charges) != 1:
            checker.fail(
                "gateway.no-retry",
                f"{exchange.op.name}: payment token {token} charged {len(charges)} times, expected once",
                *checker._wallets_of(exchange),
            )


def events(checker: Checker) -> None:
    """Each change of the workload's wallets has exactly one event id, with the change's data; no event for
    a replay or a rejected request (the same accounting as every suite teardown)."""
    for problem in checker.ctx.events.reconcile(checker.ids, quiet=0.0):
        rule = "events.none-on-rejection" if "no " in problem and "change" in problem else "events.exactly-once"
        if "data." in problem:
            rule = "events.envelope"
        checker.fail(rule, problem, *[w for w in checker.ids if w in problem])


def _text(exchange: Exchange) -> str:
    return exchange.error or (exchange.response.text[:200] if exchange.response is not None else "")
