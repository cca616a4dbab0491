"""POST /v1/charges: default behaviour by token prefix, journal, charges registry, bad bodies."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from pgm_helpers import REFERENCE, charge
from starlette.testclient import TestClient

CHARGE_ID = re.compile(r"^ch_[0-9a-f]{32}$")


@pytest.mark.parametrize(
    ("token", "status", "expected"),
    [
        ("tok_visa_1", 201, {"status": "succeeded"}),
        ("tok_decline_1", 402, {"status": "declined", "decline_code": "card_declined"}),
        ("tok_insufficient_1", 402, {"status": "declined", "decline_code": "insufficient_funds"}),
        ("tok_pending_1", 202, {"status": "pending"}),
        ("tok_timeout_1", 201, {"status": "succeeded"}),
    ],
)
def test_default_answer_by_token_prefix(client: TestClient, token: str, status: int, expected: dict) -> None:
    response = charge(client, token)
    assert response.status_code == status
    body = response.json()
    assert CHARGE_ID.match(body.pop("id"))
    assert body == expected
    assert response.headers["content-type"] == "application/json"


def test_error_token_answers_500_without_charge_id(client: TestClient) -> None:
    response = charge(client, "tok_error_1")
    assert response.status_code == 500
    assert "id" not in response.json()
    assert (
        client.get("/__admin/requests", params={"payment_token": "tok_error_1"}).json()["requests"][0]["charge_id"]
        is None
    )


def test_charge_ids_are_fresh(client: TestClient) -> None:
    ids = {charge(client, "tok_same").json()["id"] for _ in range(20)}
    assert len(ids) == 20


def test_every_charge_request_is_journaled_with_details(client: TestClient) -> None:
    first = charge(client, "tok_journal_a")
    charge(client, "tok_other")
    second = charge(client, "tok_journal_a", amount=7)
    entries = client.get("/__admin/requests", params={"payment_token": "tok_journal_a"}).json()["requests"]
    assert [e["charge_id"] for e in entries] == [first.json()["id"], second.json()["id"]]
    entry = entries[0]
    assert entry["method"] == "POST"
    assert entry["path"] == "/v1/charges"
    assert entry["headers"]["idempotency-key"] == "owner-1:key-1"
    assert entry["headers"]["content-type"] == "application/json"
    assert all(name == name.lower() for name in entry["headers"])
    assert entry["body"] == {
        "amount": 1050,
        "currency": "EUR",
        "payment_token": "tok_journal_a",
        "reference": REFERENCE,
    }
    assert entry["response_status"] == 201
    assert entry["received_at"].endswith("Z")
    datetime.fromisoformat(entry["received_at"].replace("Z", "+00:00"))
    assert entries[1]["body"]["amount"] == 7
    assert entries[0]["received_at"] <= entries[1]["received_at"]


def test_journal_of_unknown_token_is_empty(client: TestClient) -> None:
    assert client.get("/__admin/requests", params={"payment_token": "tok_never"}).json() == {"requests": []}


def test_journal_without_token_filter_lists_everything_oldest_first_and_limit(client: TestClient) -> None:
    for token in ("tok_a", "tok_b", "tok_a"):
        charge(client, token)
    everything = client.get("/__admin/requests").json()["requests"]
    assert [e["payment_token"] for e in everything] == ["tok_a", "tok_b", "tok_a"]
    newest = client.get("/__admin/requests", params={"limit": 2}).json()["requests"]
    assert [e["payment_token"] for e in newest] == ["tok_b", "tok_a"]


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5"])
def test_journal_limit_is_validated(client: TestClient, limit: str) -> None:
    response = client.get("/__admin/requests", params={"limit": limit})
    assert response.status_code == 400
    assert "limit must be an integer" in response.json()["error"]


def test_repeated_headers_are_joined(client: TestClient) -> None:
    client.post(
        "/v1/charges",
        content=b'{"payment_token":"tok_hdr"}',
        headers=[("X-Trace", "a"), ("x-trace", "b"), ("Content-Type", "application/json")],
    )
    entry = client.get("/__admin/requests", params={"payment_token": "tok_hdr"}).json()["requests"][0]
    assert entry["headers"]["x-trace"] == "a, b"


def test_invalid_json_is_400_and_still_journaled(client: TestClient) -> None:
    response = client.post("/v1/charges", content=b'{"payment_token": "tok_x",', headers={"X-Case": "bad-json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    entries = client.get("/__admin/requests", params={"payment_token": ""}).json()["requests"]
    assert len(entries) == 1
    assert entries[0]["body"] == '{"payment_token": "tok_x",'
    assert entries[0]["response_status"] == 400
    assert entries[0]["headers"]["x-case"] == "bad-json"
    assert entries[0]["charge_id"] is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not valid JSON"),
        (b"NaN", "not valid JSON"),
        (b'{"amount": Infinity, "payment_token": "tok_x"}', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"amount": 1}', "payment_token must be a string"),
        (b'{"payment_token": ""}', "payment_token must be a string"),
        (b'{"payment_token": 5}', "payment_token must be a string"),
        (b'{"payment_token": "' + b"t" * 256 + b'"}', "payment_token must be a string"),
    ],
)
def test_unusable_bodies_are_400_and_journaled(client: TestClient, raw: bytes, message: str) -> None:
    response = client.post("/v1/charges", content=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert len(client.get("/__admin/requests", params={"payment_token": ""}).json()["requests"]) == 1


def test_unknown_fields_in_the_charge_body_are_accepted(client: TestClient) -> None:
    response = charge(client, "tok_extra", metadata={"a": 1})
    assert response.status_code == 201


def test_oversized_body_is_413_and_journaled(make_client) -> None:
    client = make_client(max_body_bytes=256)
    response = client.post("/v1/charges", content=b'{"payment_token":"tok_big","pad":"' + b"x" * 400 + b'"}')
    assert response.status_code == 413
    entries = client.get("/__admin/requests", params={"payment_token": ""}).json()["requests"]
    assert entries[0]["response_status"] == 413
    assert entries[0]["body"] is None


def test_charge_registry(client: TestClient) -> None:
    answer = charge(client, "tok_insufficient_reg").json()
    known = client.get(f"/__admin/charges/{answer['id']}")
    assert known.status_code == 200
    body = known.json()
    assert body["id"] == answer["id"]
    assert body["status"] == "declined"
    assert body["decline_code"] == "insufficient_funds"
    assert body["payment_token"] == "tok_insufficient_reg"
    assert (body["amount"], body["currency"], body["reference"]) == (1050, "EUR", REFERENCE)
    assert body["idempotency_key"] == "owner-1:key-1"
    assert body["response_status"] == 402


def test_unknown_charge_is_404(client: TestClient) -> None:
    response = client.get("/__admin/charges/ch_" + "0" * 32)
    assert response.status_code == 404
    assert "unknown" in response.json()["error"]


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_and_method_are_json_errors(client: TestClient) -> None:
    assert client.get("/nope").status_code == 404
    assert client.get("/nope").json()["error"].endswith("Not Found")
    assert client.get("/v1/charges").status_code == 405


def test_reset_clears_everything(client: TestClient) -> None:
    charge_id = charge(client, "tok_reset").json()["id"]
    client.post("/__admin/stubs", json={"payment_token": "tok_reset", "status": 500})
    assert client.post("/__admin/reset").json() == {"status": "reset"}
    assert client.get("/__admin/requests", params={"payment_token": "tok_reset"}).json()["requests"] == []
    assert client.get(f"/__admin/charges/{charge_id}").status_code == 404
    assert client.get("/__admin/stubs").json()["stubs"] == []
    assert charge(client, "tok_reset").status_code == 201
