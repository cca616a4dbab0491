"""Smoke test of the running stack: every endpoint of the contract once, an event, a dead-lettered command.

Asserts only what the contract says. Every owner, token, key and command id is unique to this run.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pytest
import requests
from stack_helpers import (
    GatewayMock,
    Management,
    QueueTap,
    Settings,
    WalletClient,
    expect,
    poll,
    sign_webhook,
    unique,
)

pytestmark = pytest.mark.usefixtures("stack")


@pytest.fixture
def events(settings: Settings) -> Any:
    """An exclusive queue bound to wallet.events (every routing key) before the test acts."""
    tap = QueueTap(settings, "wallet.events")
    yield tap
    tap.close()


def _order_key(transaction: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(transaction["created_at"].replace("Z", "+00:00")), transaction["id"]


def test_health_of_both_services(settings: Settings) -> None:
    """GET /health of the wallet (contract shape) and of the mock."""
    wallet = expect(requests.get(f"{settings.wallet_url}/health", timeout=settings.http_timeout), 200)
    assert wallet["status"] == "ok", f"wallet /health: expected status ok, got {wallet}"
    assert wallet["checks"] == {"database": "ok", "broker": "ok"}, f"wallet /health checks: got {wallet['checks']}"
    mock = expect(requests.get(f"{settings.mock_url}/health", timeout=settings.http_timeout), 200)
    assert mock["status"] == "ok", f"mock /health: expected status ok, got {mock}"


def test_every_wallet_endpoint_once(settings: Settings, mock: GatewayMock, events: QueueTap) -> None:
    """Wallets, deposits (succeeded, pending + webhook, declined), withdrawal, transfer, history, one transaction."""
    alice = WalletClient(settings, unique("alice"))
    bob = WalletClient(settings, unique("bob"))
    timeout = settings.event_timeout

    # POST /v1/wallets, GET /v1/wallets, GET /v1/wallets/{id}
    created = alice.call("POST", "/v1/wallets", {"currency": "EUR"})
    wallet = expect(created, 201)
    wallet_id = wallet["id"]
    assert created.headers.get("Location") == f"/v1/wallets/{wallet_id}", f"Location: {created.headers.get('Location')}"
    assert (wallet["owner_id"], wallet["currency"], wallet["balance"]) == (alice.owner, "EUR", 0), f"wallet: {wallet}"
    event = events.wait_event("wallet.created", timeout, wallet_id=wallet_id)
    assert event.properties.content_type == "application/json", f"content_type: {event.properties.content_type}"
    assert event.properties.delivery_mode == 2, f"delivery_mode: {event.properties.delivery_mode}"
    assert event.properties.message_id == event.body["id"], "message_id must be the event id"
    assert event.properties.type == "wallet.created", f"type property: {event.properties.type}"
    expected_data = {"wallet_id": wallet_id, "owner_id": alice.owner, "currency": "EUR"}
    assert expected_data.items() <= event.body["data"].items(), f"wallet.created data: {event.body}"
    listed = expect(alice.call("GET", "/v1/wallets"), 200)["data"]
    assert [w["id"] for w in listed] == [wallet_id], f"GET /v1/wallets of a new owner: {listed}"
    assert expect(alice.call("GET", f"/v1/wallets/{wallet_id}"), 200)["id"] == wallet_id

    # Deposits: succeeded (201), pending (202) settled by the mock's signed webhook, declined (402)
    deposit = expect(alice.deposit(wallet_id, 1000, unique("tok_ok")), 201)
    assert (deposit["status"], deposit["balance_after"], deposit["type"]) == ("succeeded", 1000, "deposit"), deposit
    event = events.wait_event("deposit.succeeded", timeout, transaction_id=deposit["id"])
    assert event.body["data"]["balance_after"] == 1000, event.body
    pending_token = f"tok_pending_{unique('p')}"
    pending = expect(alice.deposit(wallet_id, 500, pending_token), 202)
    assert pending["status"] == "pending", f"pending deposit: {pending}"
    assert alice.balance(wallet_id) == 1000, "a pending deposit must not change the balance"
    delivery = mock.settle(mock.charge_id_of(pending_token))["deliveries"][0]
    assert delivery["status"] == 200, f"webhook answered by the wallet: {delivery}"
    events.wait_event("deposit.succeeded", timeout, transaction_id=pending["id"])
    settled = expect(alice.call("GET", f"/v1/transactions/{pending['id']}"), 200)
    assert (settled["status"], settled["balance_after"]) == ("succeeded", 1500), f"settled deposit: {settled}"
    expect(alice.deposit(wallet_id, 300, f"tok_decline_{unique('d')}"), 402, "PAYMENT_DECLINED")
    failed = events.wait_event("deposit.failed", timeout, wallet_id=wallet_id)
    assert failed.body["data"]["failure_code"] == "card_declined", failed.body

    # Withdrawal and transfer (the destination belongs to another owner)
    withdrawal = expect(alice.withdraw(wallet_id, 300), 201)
    assert (withdrawal["status"], withdrawal["balance_after"]) == ("succeeded", 1200), f"withdrawal: {withdrawal}"
    events.wait_event("withdrawal.succeeded", timeout, transaction_id=withdrawal["id"])
    bob_wallet = bob.create_wallet("EUR")
    body = {"source_wallet_id": wallet_id, "destination_wallet_id": bob_wallet["id"], "amount": 200, "currency": "EUR"}
    transfer = expect(alice.call("POST", "/v1/transfers", body, key=unique("idem")), 201)
    assert (transfer["status"], transfer["amount"]) == ("succeeded", 200), f"transfer: {transfer}"
    events.wait_event("transfer.succeeded", timeout, transfer_id=transfer["id"])
    assert (alice.balance(wallet_id), bob.balance(bob_wallet["id"])) == (1000, 200), "balances after the transfer"

    # History with a cursor: every transaction exactly once, newest first
    history = alice.history(wallet_id, limit=2)
    ids = [t["id"] for t in history]
    assert len(ids) == len(set(ids)) == 5, (
        f"expected 5 distinct transactions, got {len(ids)} ({len(set(ids))} distinct)"
    )
    assert {deposit["id"], pending["id"], withdrawal["id"]} <= set(ids), f"history misses a transaction: {ids}"
    assert history == sorted(history, key=_order_key, reverse=True), "history not ordered by created_at, id desc"
    transfer_out = next(t for t in history if t["type"] == "transfer_out")
    assert transfer_out["transfer_id"] == transfer["id"], f"transfer_out leg: {transfer_out}"
    assert transfer_out["counterparty_wallet_id"] == bob_wallet["id"], f"transfer_out leg: {transfer_out}"

    # GET /v1/transactions/{id}
    fetched = expect(alice.call("GET", f"/v1/transactions/{withdrawal['id']}"), 200)
    fields = ("id", "wallet_id", "type", "status", "amount", "currency", "balance_after")
    assert {k: fetched[k] for k in fields} == {k: withdrawal[k] for k in fields}, f"GET transaction: {fetched}"


def test_webhook_with_a_bad_signature_is_rejected(settings: Settings) -> None:
    """POST /v1/webhooks/payment-gateway signed with the wrong key: 401 INVALID_SIGNATURE."""
    raw = json.dumps({"charge_id": f"ch_{uuid.uuid4().hex}", "status": "succeeded", "failure_code": None}).encode()
    response = requests.post(
        f"{settings.wallet_url}/v1/webhooks/payment-gateway",
        data=raw,
        headers={"Content-Type": "application/json", "X-Gateway-Signature": sign_webhook(raw, "not-the-secret")},
        timeout=settings.http_timeout,
    )
    expect(response, 401, "INVALID_SIGNATURE")


def test_invalid_command_is_dead_lettered_and_consumption_goes_on(settings: Settings, events: QueueTap) -> None:
    """An invalid command lands in wallet.commands.dlq (seen through the DLX); a valid one is applied after it."""
    dead_letters = QueueTap(settings, "wallet.commands.dlx")
    try:
        bound = [b["destination"] for b in Management(settings).bindings_from("wallet.commands.dlx")]
        assert "wallet.commands.dlq" in bound, f"wallet.commands.dlx must route to wallet.commands.dlq, binds {bound}"
        bad_id = unique("cmd-bad")
        bad = {
            "id": bad_id,
            "type": "credit.requested",
            "data": {"wallet_id": str(uuid.uuid4()), "amount": 500, "currency": "EUR", "reason": "unknown wallet"},
        }
        dead_letters.publish("wallet.commands", "credit.requested", json.dumps(bad).encode(), bad_id)
        message = dead_letters.wait_for(
            lambda m: m.properties.message_id == bad_id, settings.event_timeout, f"command {bad_id} dead-lettered"
        )
        deaths = (message.properties.headers or {}).get("x-death") or []
        assert any(d.get("queue") == "wallet.commands" and d.get("reason") == "rejected" for d in deaths), (
            f"x-death of the dead-lettered command: expected rejected from wallet.commands, got {deaths}"
        )
        depth = dead_letters.channel.queue_declare("wallet.commands.dlq", passive=True).method.message_count
        assert depth >= 1, f"wallet.commands.dlq holds {depth} messages after a dead-lettered command"
    finally:
        dead_letters.close()

    owner = WalletClient(settings, unique("carol"))
    wallet_id = owner.create_wallet("EUR")["id"]
    good_id = unique("cmd-ok")
    good = {
        "id": good_id,
        "type": "credit.requested",
        "data": {"wallet_id": wallet_id, "amount": 700, "currency": "EUR", "reason": "stack smoke"},
    }
    events.publish("wallet.commands", "credit.requested", json.dumps(good).encode(), good_id)
    applied = events.wait_event("credit.applied", settings.event_timeout, command_id=good_id)
    assert applied.body["data"]["amount"] == 700, f"credit.applied: {applied.body}"
    poll(lambda: owner.balance(wallet_id) == 700, settings.event_timeout, "the credit on the balance")
