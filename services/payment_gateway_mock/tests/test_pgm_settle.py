"""POST /__admin/charges/{id}/settle: the signed webhook sent to the wallet and the wallet's answers."""

from __future__ import annotations

import json

import httpx
import pytest
from pgm_helpers import SECRET, WEBHOOK_URL, WebhookRecorder, charge, expected_signature
from starlette.testclient import TestClient


def pending_charge(client: TestClient) -> str:
    response = charge(client, "tok_pending_settle")
    assert response.status_code == 202
    return response.json()["id"]


def test_valid_signature_is_the_hmac_of_the_exact_raw_body(client: TestClient, recorder: WebhookRecorder) -> None:
    charge_id = pending_charge(client)
    response = client.post(f"/__admin/charges/{charge_id}/settle", json={"status": "succeeded"})
    assert response.status_code == 200
    assert response.json() == {"deliveries": [{"status": 200, "body": {"received": True}}]}
    [sent] = recorder.requests
    assert sent.method == "POST"
    assert str(sent.url) == WEBHOOK_URL
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == {"charge_id": charge_id, "status": "succeeded", "failure_code": None}
    assert sent.headers["x-gateway-signature"] == expected_signature(sent.content, SECRET)


def test_failed_settlement_carries_the_failure_code(client: TestClient, recorder: WebhookRecorder) -> None:
    charge_id = pending_charge(client)
    client.post(f"/__admin/charges/{charge_id}/settle", json={"status": "failed", "failure_code": "expired_card"})
    assert recorder.bodies() == [{"charge_id": charge_id, "status": "failed", "failure_code": "expired_card"}]
    assert recorder.requests[0].headers["x-gateway-signature"] == expected_signature(recorder.requests[0].content)


def test_invalid_signature_is_well_formed_but_wrong(client: TestClient, recorder: WebhookRecorder) -> None:
    charge_id = pending_charge(client)
    client.post(f"/__admin/charges/{charge_id}/settle", json={"status": "succeeded", "signature": "invalid"})
    [sent] = recorder.requests
    header = sent.headers["x-gateway-signature"]
    assert header.startswith("sha256=")
    assert len(header) == len("sha256=") + 64
    assert header != expected_signature(sent.content)


def test_missing_signature_sends_no_header(client: TestClient, recorder: WebhookRecorder) -> None:
    charge_id = pending_charge(client)
    client.post(f"/__admin/charges/{charge_id}/settle", json={"status": "succeeded", "signature": "missing"})
    assert "x-gateway-signature" not in recorder.requests[0].headers


def test_repeat_sends_identical_webhooks_and_returns_every_answer(
    client: TestClient, recorder: WebhookRecorder
) -> None:
    charge_id = pending_charge(client)
    recorder.answer_with(
        httpx.Response(200, json={"ok": 1}),
        httpx.Response(200, text="plain text answer"),
        httpx.Response(404, json={"code": "CHARGE_NOT_FOUND"}, headers={"content-type": "application/problem+json"}),
    )
    response = client.post(f"/__admin/charges/{charge_id}/settle", json={"status": "succeeded", "repeat": 3})
    assert response.json()["deliveries"] == [
        {"status": 200, "body": {"ok": 1}},
        {"status": 200, "body": "plain text answer"},
        {"status": 404, "body": {"code": "CHARGE_NOT_FOUND"}},
    ]
    assert len(recorder.requests) == 3
    assert len({(r.content, r.headers["x-gateway-signature"]) for r in recorder.requests}) == 1


def test_settle_works_for_a_charge_the_mock_never_issued(client: TestClient, recorder: WebhookRecorder) -> None:
    recorder.answer_with(httpx.Response(404, json={"code": "CHARGE_NOT_FOUND"}))
    response = client.post("/__admin/charges/ch_never_issued/settle", json={"status": "failed"})
    assert response.status_code == 200
    assert response.json()["deliveries"] == [{"status": 404, "body": {"code": "CHARGE_NOT_FOUND"}}]
    assert recorder.bodies()[0]["charge_id"] == "ch_never_issued"
    assert client.get("/__admin/charges/ch_never_issued").status_code == 404


def test_settlement_updates_the_charge_registry(client: TestClient) -> None:
    charge_id = pending_charge(client)
    client.post(f"/__admin/charges/{charge_id}/settle", json={"status": "failed", "failure_code": "do_not_honor"})
    known = client.get(f"/__admin/charges/{charge_id}").json()
    assert (known["status"], known["failure_code"]) == ("failed", "do_not_honor")
    assert known["settled_at"]
    assert known["settlements"][0]["delivery_statuses"] == [200]
    assert known["settlements"][0]["signature"] == "valid"


def test_unreachable_wallet_is_502_with_a_clear_error(make_client) -> None:
    client = make_client()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client.app.state.mock.webhook_transport = httpx.MockTransport(refuse)
    response = client.post("/__admin/charges/ch_x/settle", json={"status": "succeeded"})
    assert response.status_code == 502
    assert "webhook delivery to" in response.json()["error"]
    assert "ConnectError" in response.json()["error"]
    assert response.json()["deliveries"] == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "status must be one of succeeded, failed"),
        ({"status": "pending"}, "status must be one of succeeded, failed"),
        ({"status": "succeeded", "failure_code": 5}, "failure_code must be a string"),
        ({"status": "failed", "failure_code": "x" * 256}, "failure_code must be a string"),
        ({"status": "succeeded", "signature": "bogus"}, "signature must be one of valid, invalid, missing"),
        ({"status": "succeeded", "repeat": 0}, "repeat must be an integer in 1..5"),
        ({"status": "succeeded", "repeat": 6}, "repeat must be an integer in 1..5"),
        ({"status": "succeeded", "repeat": "2"}, "repeat must be an integer in 1..5"),
        ({"status": "succeeded", "charge_id": "ch_1"}, "unknown field(s) charge_id"),
    ],
)
def test_settle_validation(client: TestClient, recorder: WebhookRecorder, payload: dict, message: str) -> None:
    response = client.post("/__admin/charges/ch_any/settle", json=payload)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert recorder.requests == []
