"""Measurements of the running stack, printed and recorded (see conftest.record_measurement).

- 50 concurrent withdrawals of 100 from a balance of 1000: exactly 10 succeed, 40 get 422 INSUFFICIENT_FUNDS.
- A deposit made while the wallet's RabbitMQ user is locked out still produces its event once access is back.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
import requests
from stack_helpers import Management, QueueTap, Settings, WalletClient, expect, poll, unique

pytestmark = pytest.mark.usefixtures("stack")

WITHDRAWALS = 50
AMOUNT = 100
START_BALANCE = 1000
LOCKOUT_EVENT_DEADLINE_S = 60.0


def test_fifty_concurrent_withdrawals_never_overdraw(
    settings: Settings, record_measurement: Callable[[dict[str, Any]], None]
) -> None:
    """50 withdrawals of 100 released together on a balance of 1000: 10 x 201, 40 x 422, final balance 0."""
    owner = WalletClient(settings, unique("race"))
    wallet_id = owner.create_wallet("EUR")["id"]
    expect(owner.deposit(wallet_id, START_BALANCE, unique("tok_ok")), 201)
    clients = [WalletClient(settings, owner.owner) for _ in range(WITHDRAWALS)]
    gate = threading.Barrier(WITHDRAWALS, timeout=settings.http_timeout * 2)

    def withdraw(client: WalletClient) -> tuple[int, str | None]:
        gate.wait()
        response = client.withdraw(wallet_id, AMOUNT)
        code = response.json().get("code") if response.status_code >= 400 else None
        return response.status_code, code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=WITHDRAWALS) as pool:
        outcomes = list(pool.map(withdraw, clients))
    elapsed = time.monotonic() - started
    counts = Counter(f"{status} {code}" if code else str(status) for status, code in outcomes)
    final_balance = owner.balance(wallet_id)
    withdrawals = [t for t in owner.history(wallet_id, limit=100) if t["type"] == "withdrawal"]
    record_measurement(
        {
            "requests": WITHDRAWALS,
            "outcomes": dict(counts),
            "final_balance": final_balance,
            "withdrawal_rows": len(withdrawals),
            "seconds": round(elapsed, 2),
        }
    )
    expected = {"201": 10, "422 INSUFFICIENT_FUNDS": 40}
    assert dict(counts) == expected, f"expected outcomes {expected}, got {dict(counts)}"
    assert final_balance == 0, f"expected final balance 0, got {final_balance}"
    assert len(withdrawals) == 10, f"expected 10 withdrawal transactions, got {len(withdrawals)}"


def _outbox_published_at(settings: Settings, transaction_id: str) -> tuple[bool, Any]:
    """(row found, published_at) of the outbox row of a transaction's event (contract section 6).

    The contract does not say whether `payload` is the whole event or its data: both are looked at.
    """
    query = (
        "SELECT published_at FROM outbox WHERE payload->'data'->>'transaction_id' = %(id)s "
        "OR payload->>'transaction_id' = %(id)s"
    )
    with psycopg.connect(settings.database_url, connect_timeout=int(settings.http_timeout)) as conn:
        row = conn.execute(query, {"id": transaction_id}).fetchone()
    return (row is not None, row[0] if row else None)


@pytest.mark.destructive
def test_deposit_during_broker_lockout_is_published_after_restore(
    settings: Settings, record_measurement: Callable[[dict[str, Any]], None]
) -> None:
    """Lock the wallet's RabbitMQ user out, deposit, restore access: the deposit.succeeded event still arrives."""
    management = Management(settings)
    user = settings.wallet_amqp_user
    owner = WalletClient(settings, unique("lockout"))
    wallet_id = owner.create_wallet("EUR")["id"]
    events = QueueTap(settings, "wallet.events")
    original = management.permissions(user)
    assert original is not None, f"the wallet's RabbitMQ user {user} has no permissions on {settings.vhost}"
    figures: dict[str, Any] = {}
    try:
        management.clear_permissions(user)
        figures["connections_closed"] = management.close_connections(user)
        poll(lambda: not management.connections_of(user), settings.event_timeout, f"no connection of {user}")
        response = owner.deposit(wallet_id, 500, unique("tok_ok"))
        deposit = expect(response, 201)
        figures["deposit_status"] = response.status_code
        figures["health_during_lockout"] = requests.get(
            f"{settings.wallet_url}/health", timeout=settings.http_timeout
        ).status_code
        found, published_at = _outbox_published_at(settings, deposit["id"])
        figures["outbox_row_found"] = found
        if found:
            figures["outbox_published_during_lockout"] = published_at is not None
            assert published_at is None, f"outbox row published while the broker refused the wallet: {published_at}"
    finally:
        management.set_permissions(user, original)
        restored_at = time.monotonic()
    try:
        event = events.wait_event(
            "deposit.succeeded", LOCKOUT_EVENT_DEADLINE_S, transaction_id=deposit["id"], balance_after=500
        )
        figures["event_seconds_after_restore"] = round(time.monotonic() - restored_at, 2)
        figures["event_id"] = event.body["id"]
        poll(
            lambda: requests.get(f"{settings.wallet_url}/health", timeout=settings.http_timeout).status_code == 200,
            LOCKOUT_EVENT_DEADLINE_S,
            "the wallet healthy again",
        )
    finally:
        events.close()
        record_measurement(figures)
