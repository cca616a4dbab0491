"""The rules of the oracle that look at time and order: reads (a balance the wallet held during the read),
history walks while rows are written, the probes revisited late (an old cursor), webhooks,
the gateway's journal and the events of every change."""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from typing import TYPE_CHECKING

from .check import EFFECT, ids_of
from .faults import DATABASE_OUTAGES, in_outage
from .records import Exchange

if TYPE_CHECKING:
    from .check import Checker

INF = float("inf")


def reads(checker: Checker) -> None:
    """Each balance read is one the wallet held at some instant of the read: the `balance_after` of a change
    invoked before the read ended and not certainly overwritten before it started (by a change invoked after
    it was acknowledged and itself acknowledged before the read started), or 0 before any change was
    acknowledged. Times of changes whose acknowledgement is unknown (commands, unresolved requests) are
    taken at their widest, so a correct service can never fail it."""
    spans = _spans(checker)
    for exchange in checker.run.exchanges:
        request, body = exchange.request, exchange.body
        if (
            request is None
            or request.method != "GET"
            or exchange.status != 200
            or not isinstance(body, dict)
            or "balance" not in body
            or body.get("id") not in spans
        ):
            continue
        checker.saw("wallets.get")
        values, invoked, superseded_at, first_ack = spans[body["id"]]
        last = bisect.bisect_left(invoked, exchange.ended)
        allowed = {values[i] for i in range(last) if superseded_at[i] >= exchange.started}
        if first_ack >= exchange.started:
            allowed.add(0)
        if body["balance"] not in allowed:
            checker.fail(
                "wallets.get",
                f"{exchange.op.name}: read balance {body['balance']} "
                f"during {exchange.started:.3f}-{exchange.ended:.3f} s; "
                f"the wallet could hold only {sorted(allowed)[:8]} then",
                body["id"],
            )


def _spans(checker: Checker) -> dict[str, tuple[list[int], list[float], list[float], float]]:
    """Per wallet, its succeeded changes sorted by invocation: values, invocation times, when each was
    certainly overwritten, and the first acknowledgement."""
    result = {}
    for wallet, items in checker.obs["walks"].items():
        changes = []
        for item in items:
            if (
                item.get("status") == "succeeded"
                and item.get("type") in EFFECT
                and item.get("balance_after") is not None
            ):
                invoked, acked = _times(checker, item)
                changes.append((invoked, acked, item["balance_after"]))
        changes.sort()
        invoked = [c[0] for c in changes]
        suffix_min = [INF] * (len(changes) + 1)
        for i in range(len(changes) - 1, -1, -1):
            suffix_min[i] = min(changes[i][1], suffix_min[i + 1])
        superseded = [suffix_min[bisect.bisect_right(invoked, acked)] for _, acked, _ in changes]
        first_ack = min((c[1] for c in changes), default=INF)
        result[wallet] = ([c[2] for c in changes], invoked, superseded, first_ack)
    return result


def _times(checker: Checker, item: dict) -> tuple[float, float]:
    """(invoked, acknowledged) of the change behind a row; (0, inf) when the history cannot bound it."""
    spec = checker.expected.get(item["id"])
    if spec is not None and spec.type == "deposit" and spec.balance_after is None:  # settled by a webhook
        hooks = [
            e for e in checker.run.exchanges if e.op.kind == "settle" and e.note.get("transaction_id") == item["id"]
        ]
        if hooks:
            return min(h.started for h in hooks), max(h.ended if h.status == 200 else INF for h in hooks)
        return 0.0, INF
    if spec is not None:
        return spec.invoked, spec.acked
    transfer = checker.transfers.get(item.get("transfer_id"))
    if transfer is not None:
        return transfer["invoked"], transfer["acked"]
    return 0.0, INF


def history_walks(checker: Checker) -> None:
    """Every walk lists no row twice and every row whose creation was acknowledged before it started (a
    transfer by either leg); every page of a walk, an old cursor included, is answered 200."""
    walks: dict[tuple[int, int], list[Exchange]] = defaultdict(list)
    for exchange in checker.run.exchanges:
        if exchange.op.kind in ("walk", "page") and not exchange.note.get("resolving") and exchange.request:
            origin = exchange.op.ref if exchange.op.late else exchange.op.number
            walks[(exchange.op.client, origin)].append(exchange)
    for pages in walks.values():
        pages.sort(key=lambda e: e.started)
        wallet = pages[0].request.path.split("/")[3]
        failed = [p for p in pages if p.status != 200 or not isinstance(p.body, dict)]
        if any(in_outage(checker.run, p) for p in failed):
            continue  # a page the wallet's own database or broker outage cut: the walk is not judged
        if failed:
            late = " (a cursor followed late)" if failed[0].op.late else ""
            checker.fail(
                "history.cursor-walk",
                f"{failed[0].op.name}: page answered {failed[0].status}{late}: {_text(failed[0])}",
                wallet,
            )
            continue
        if pages[-1].body.get("next_cursor") and (
            (pages[0].op.kind == "page" and not any(p.op.late for p in pages)) or pages[-1].note.get("cut")
        ):
            continue  # unfinished: the probe's first page (finished late), or a walk the budget cut
        checker.saw("history.cursor-walk")
        seen = {item["id"] for page in pages for item in page.body["data"]}
        seen |= {item.get("transfer_id") for page in pages for item in page.body["data"]}
        rows = [item["id"] for page in pages for item in page.body["data"]]
        twice = sorted({row for row in rows if rows.count(row) > 1})
        if twice:
            checker.fail(
                "history.cursor-walk", f"{pages[0].op.name}: rows listed twice: {twice[:5]}", wallet, *twice[:5]
            )
        missing = sorted(set(pages[0].note["known"]) - seen)
        if missing:
            checker.fail(
                "history.cursor-walk",
                f"{pages[0].op.name}: rows that existed when the walk started never listed: {missing[:5]}",
                wallet,
                *missing[:5],
            )


def webhooks(checker: Checker) -> None:
    """Every webhook for a pending deposit of this run, however old or repeated, is answered 200."""
    for exchange in checker.run.exchanges:
        if exchange.op.kind != "settle" or exchange.request is None:
            continue
        if exchange.status != 200 and in_outage(checker.run, exchange):
            continue  # delivered again once the outage was over (observe.py)
        rule = "webhooks.settle-succeeded" if exchange.op.late else "webhooks.repeat-no-change"
        checker.saw(rule)
        if exchange.status != 200:
            checker.fail(
                rule,
                f"{exchange.op.name}: webhook for pending deposit {exchange.note.get('transaction_id')} answered "
                f"{exchange.status}: {_text(exchange)}",
                *ids_of(exchange),
            )


def reads_after_writes(checker: Checker) -> None:
    """A wallet read after a withdrawal was acknowledged shows it (the client's own wallet: no other writer)."""
    for exchange in checker.run.exchanges:
        if "read_after" in exchange.note and exchange.status == 200:
            checker.saw("wallets.get")
            if exchange.body.get("balance") != exchange.note["read_after"]:
                checker.fail(
                    "wallets.get",
                    f"{exchange.op.name}: read {exchange.body.get('balance')} after a withdrawal answered "
                    f"balance_after {exchange.note['read_after']} (nobody else writes this wallet)",
                    exchange.body.get("id"),
                )


def gateway_charges(checker: Checker) -> None:
    """Each deposit that was answered charged the gateway once, with its amount, currency, the deposit
    transaction's id as `reference` and the owner-prefixed key; replays and twins charge nothing more."""
    walks = checker.obs["walks"]
    failed_rows = {
        i["id"]: i
        for items in walks.values()
        for i in items
        if i.get("type") == "deposit" and i.get("status") == "failed"
    }
    deposits: dict[str, list[Exchange]] = defaultdict(list)
    for exchange in sorted(checker.run.exchanges, key=lambda e: e.started):
        if exchange.request is not None and exchange.request.path.endswith("/deposits") and exchange.request.body:
            deposits[json.loads(exchange.request.body)["payment_token"]].append(exchange)
    for token, exchanges in deposits.items():
        answered = [e for e in exchanges if e.status in (201, 202, 402, 502, 504)]
        if not answered:
            continue
        first = next((e for e in answered if not e.response.replayed), answered[0])
        sent = json.loads(first.request.body)
        charges = checker.obs["journal"].get(token, [])
        checker.saw("gateway.no-retry")
        retried = sum(
            1 for e in exchanges if e.status not in (201, 202, 402, 502, 504, 409) and in_outage(checker.run, e)
        )
        if not 1 <= len(charges) <= 1 + retried:  # a client's retry after an outage may run the deposit again
            checker.fail(
                "gateway.no-retry",
                f"{first.op.name}: payment token {token} charged {len(charges)} times, expected once",
                *ids_of(first),
            )
            continue
        charge = charges[-1].get("body") or {}
        reference = charge.get("reference") if isinstance(charge, dict) else None
        checker.saw("gateway.charge-request")
        wrong = [
            f"{k} {charge.get(k)!r}, requested {sent.get(k)!r}"
            for k in ("amount", "currency")
            if charge.get(k) != sent.get(k)
        ]
        if first.status in (201, 202) and reference != first.body.get("id"):
            wrong.append(f"reference {reference!r}, the deposit is {first.body.get('id')}")
        elif first.status in (402, 502, 504) and (
            reference not in failed_rows or failed_rows[reference]["amount"] != sent.get("amount")
        ):
            wrong.append(f"reference {reference!r} is no failed deposit of amount {sent.get('amount')} of the wallet")
        if wrong:
            checker.fail(
                "gateway.charge-request",
                f"{first.op.name}: charge of {token}: {'; '.join(wrong)}",
                reference,
                *ids_of(first),
            )
        header = (charges[-1].get("headers") or {}).get("idempotency-key")
        checker.saw("gateway.idempotency-key")
        if header != f"{first.request.owner}:{first.request.idempotency_key}":
            checker.fail(
                "gateway.idempotency-key", f"{first.op.name}: charge sent Idempotency-Key {header!r}", *ids_of(first)
            )


def gateway_script(checker: Checker) -> None:
    """A deposit whose charge the schedule scripted is answered as the contract maps the gateway's answer:
    a 5xx is 502, an answer later than GATEWAY_TIMEOUT_MS is 504, one well within it counts (201/202)."""
    for exchange in checker.run.exchanges:
        script = exchange.note.get("gateway")
        if (
            not script
            or exchange.status in (None, 409)
            or exchange.response.replayed
            or in_outage(checker.run, exchange)
        ):
            continue
        status, delay, timeout = script
        if status >= 500:
            rule, expected = "deposits.gateway-error", {502}
        elif delay > timeout:
            rule, expected = "deposits.gateway-timeout", {504}
        else:
            rule, expected = "deposits.succeeded", {status}
        checker.saw(rule)
        if exchange.status not in expected:
            checker.fail(
                rule,
                f"{exchange.op.name}: the gateway answered {status} after {delay} ms (timeout {timeout} ms), "
                f"the wallet {exchange.status}, expected {sorted(expected)}: {_text(exchange)}",
                *ids_of(exchange),
            )


def outages(checker: Checker) -> None:
    """While its broker is cut the wallet still commits (no write answered 5xx but for the gateway's 502/504);
    after its database sessions were killed or its database given back it answers writes again."""
    windows = [w for w in checker.run.faults if w["kind"] in DATABASE_OUTAGES]
    writes = [e for e in checker.run.exchanges if e.request is not None and e.request.method == "POST"]
    for exchange in writes:
        kinds = {w["kind"] for w in checker.run.faults_of(exchange)}
        if "broker-cut" in kinds and not kinds & set(DATABASE_OUTAGES) and exchange.status is not None:
            checker.saw("resilience.broker-down-commits")
            if exchange.status >= 500 and exchange.status not in (502, 504):
                checker.fail(
                    "resilience.broker-down-commits",
                    f"{exchange.op.name}: answered {exchange.status} while the broker was cut: {_text(exchange)}",
                    *ids_of(exchange),
                )
    for window in windows:
        after = [e for e in writes if e.started > window["end"] + 1.0 and e.status is not None]
        if after:
            checker.saw("resilience.database-reconnect")
            if all(e.status >= 500 and e.status not in (502, 504) for e in after):
                checker.fail(
                    "resilience.database-reconnect",
                    f"every write after the database outage {window['name']} at {window['start']:.1f} s answered 5xx",
                )


def events(checker: Checker) -> None:
    """Each change of the run's wallets (every row of their histories) has exactly one event id, of its type,
    with the row's values; no event names a change that is not there."""
    by_change: dict[str, list[dict]] = defaultdict(list)
    for event in checker.obs.get("events", []):
        if event["routing_key"] == "wallet.created":
            continue
        data = event["data"]
        by_change[str(data.get("transfer_id") or data.get("transaction_id"))].append(event)
    expected: dict[str, tuple[str, dict, str]] = {}
    for wallet, items in checker.obs["walks"].items():
        for item in items:
            if item.get("status") == "pending" or "id" not in item:
                continue
            if item.get("type", "").startswith("transfer_"):
                if item["type"] == "transfer_out":
                    expected[item["transfer_id"]] = (
                        "transfer.succeeded",
                        {"amount": item["amount"], "source_wallet_id": wallet},
                        wallet,
                    )
                continue
            kind = {"credit": "credit.applied"}.get(item["type"], f"{item['type']}.{item['status']}")
            data = {"wallet_id": wallet, "amount": item["amount"], "currency": item["currency"]}
            data.update(
                {"failure_code": item.get("failure_code")}
                if item["status"] == "failed"
                else {"balance_after": item["balance_after"]}
            )
            expected[item["id"]] = (kind, data, wallet)
    cut = _made_during(checker, "broker-cut")
    for change, (kind, data, wallet) in expected.items():
        found = by_change.get(change, [])
        distinct = {e["id"] for e in found}
        checker.saw("events.exactly-once")
        if change in cut:
            checker.saw("resilience.no-event-lost")
            if not distinct:
                checker.fail(
                    "resilience.no-event-lost",
                    f"change {change} ({kind}) made while the broker was cut: no event",
                    wallet,
                    change,
                )
        if len(distinct) != 1:
            checker.fail(
                "events.exactly-once",
                f"change {change} ({kind}): {len(distinct)} event ids, expected 1",
                wallet,
                change,
            )
            continue
        checker.saw("events.envelope")
        event = found[0]
        wrong = [
            f"{k} {event['data'].get(k)!r}, the row says {v!r}" for k, v in data.items() if event["data"].get(k) != v
        ]
        if event["routing_key"] != kind:
            wrong.insert(0, f"type {event['routing_key']}, expected {kind}")
        if wrong:
            checker.fail("events.envelope", f"event {event['id']} of {change}: {'; '.join(wrong)}", wallet, change)
    for change, found in by_change.items():
        checker.saw("events.none-on-rejection")
        if change not in expected:
            checker.fail(
                "events.none-on-rejection",
                f"event {found[0]['id']} ({found[0]['routing_key']}) names {change}, no change of the histories",
                change,
            )


def _made_during(checker: Checker, kind: str) -> set[str]:
    """Ids named by the answers of requests that overlapped a window of `kind`."""
    return {
        str(e.body.get("id"))
        for e in checker.run.exchanges
        if isinstance(e.body, dict) and any(w["kind"] == kind for w in checker.run.faults_of(e))
    }


def _text(exchange: Exchange) -> str:
    return exchange.error or (exchange.response.text[:200] if exchange.response is not None else "")
