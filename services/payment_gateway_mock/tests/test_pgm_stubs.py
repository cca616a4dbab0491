"""POST/GET/DELETE /__admin/stubs: ordering, `times`, generated bodies, custom bodies, validation."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from pgm_helpers import charge
from starlette.testclient import TestClient

CHARGE_ID = re.compile(r"^ch_[0-9a-f]{32}$")


def stub(client: TestClient, **payload: Any) -> dict[str, Any]:
    response = client.post("/__admin/stubs", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def test_503_twice_then_default_success(client: TestClient) -> None:
    created = stub(client, payment_token="tok_flaky", status=503, times=2)
    assert created["id"].startswith("stub_")
    statuses = [charge(client, "tok_flaky").status_code for _ in range(4)]
    assert statuses == [503, 503, 201, 201]
    journal = client.get("/__admin/requests", params={"payment_token": "tok_flaky"}).json()["requests"]
    assert [e["response_status"] for e in journal] == [503, 503, 201, 201]
    assert [e["stub_id"] for e in journal] == [created["id"], created["id"], None, None]


def test_stubs_are_consumed_in_the_order_added(client: TestClient) -> None:
    stub(client, payment_token="tok_seq", status=500, times=1)
    stub(client, payment_token="tok_seq", status=202, times=2)
    stub(client, payment_token="tok_seq", status=402, times=1)
    assert [charge(client, "tok_seq").status_code for _ in range(5)] == [500, 202, 202, 402, 201]


def test_stub_without_times_applies_forever(client: TestClient) -> None:
    stub(client, payment_token="tok_forever", status=502)
    stub(client, payment_token="tok_forever", status=201, times=1)
    assert {charge(client, "tok_forever").status_code for _ in range(5)} == {502}


def test_stub_overrides_the_prefix_default(client: TestClient) -> None:
    stub(client, payment_token="tok_decline_but_ok", status=201, times=1)
    assert charge(client, "tok_decline_but_ok").status_code == 201
    assert charge(client, "tok_decline_but_ok").status_code == 402


def test_stubs_are_per_token(client: TestClient) -> None:
    stub(client, payment_token="tok_one", status=500)
    assert charge(client, "tok_two").status_code == 201


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (201, {"status": "succeeded"}),
        (200, {"status": "succeeded"}),
        (202, {"status": "pending"}),
        (402, {"status": "declined", "decline_code": "card_declined"}),
    ],
)
def test_generated_bodies_carry_a_fresh_charge_id(client: TestClient, status: int, expected: dict) -> None:
    stub(client, payment_token="tok_gen", status=status, times=2)
    first, second = charge(client, "tok_gen"), charge(client, "tok_gen")
    assert first.status_code == status
    assert CHARGE_ID.match(first.json()["id"])
    assert first.json()["id"] != second.json()["id"]
    assert {k: v for k, v in first.json().items() if k != "id"} == expected
    assert client.get(f"/__admin/charges/{first.json()['id']}").json()["status"] == expected["status"]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 400, 409])
def test_generated_error_body(client: TestClient, status: int) -> None:
    stub(client, payment_token="tok_err", status=status, times=1)
    response = charge(client, "tok_err")
    assert (response.status_code, response.json()) == (status, {"error": "stubbed"})


def test_204_stub_has_no_body(client: TestClient) -> None:
    stub(client, payment_token="tok_204", status=204, times=1)
    response = charge(client, "tok_204")
    assert (response.status_code, response.content) == (204, b"")


def test_custom_body_is_returned_verbatim_and_its_id_registered(client: TestClient) -> None:
    body = {"id": "ch_custom", "status": "declined", "decline_code": "expired_card", "extra": [1, 2]}
    stub(client, payment_token="tok_custom", status=402, body=body, times=1)
    response = charge(client, "tok_custom")
    assert (response.status_code, response.json()) == (402, body)
    registered = client.get("/__admin/charges/ch_custom").json()
    assert (registered["status"], registered["decline_code"]) == ("declined", "expired_card")
    entry = client.get("/__admin/requests", params={"payment_token": "tok_custom"}).json()["requests"][0]
    assert entry["charge_id"] == "ch_custom"


def test_custom_non_object_body(client: TestClient) -> None:
    stub(client, payment_token="tok_list", status=500, body=["boom"], times=1)
    response = charge(client, "tok_list")
    assert (response.status_code, response.json()) == (500, ["boom"])


def test_delay_ms_delays_the_answer(client: TestClient) -> None:
    stub(client, payment_token="tok_slow", status=201, delay_ms=300, times=1)
    started = time.monotonic()
    assert charge(client, "tok_slow").status_code == 201
    assert time.monotonic() - started >= 0.29
    entry = client.get("/__admin/requests", params={"payment_token": "tok_slow"}).json()["requests"][0]
    assert entry["delay_ms"] == 300


def test_list_and_delete_stubs(client: TestClient) -> None:
    first = stub(client, payment_token="tok_del", status=500, times=3)
    stub(client, payment_token="tok_del", status=502)
    stub(client, payment_token="tok_keep", status=503)
    charge(client, "tok_del")
    listed = client.get("/__admin/stubs", params={"payment_token": "tok_del"}).json()["stubs"]
    assert (listed[0]["id"], listed[0]["remaining"], listed[0]["hits"]) == (first["id"], 2, 1)
    assert [s["status"] for s in listed] == [500, 502]
    assert len(client.get("/__admin/stubs").json()["stubs"]) == 3
    assert client.delete("/__admin/stubs", params={"payment_token": "tok_del"}).json() == {"deleted": 2}
    assert client.delete("/__admin/stubs", params={"payment_token": "tok_del"}).json() == {"deleted": 0}
    assert charge(client, "tok_del").status_code == 201
    assert charge(client, "tok_keep").status_code == 503


def test_delete_requires_payment_token(client: TestClient) -> None:
    response = client.delete("/__admin/stubs")
    assert response.status_code == 400
    assert "payment_token is required" in response.json()["error"]


def test_exhausted_stubs_disappear_from_the_list(client: TestClient) -> None:
    stub(client, payment_token="tok_gone", status=500, times=1)
    charge(client, "tok_gone")
    assert client.get("/__admin/stubs", params={"payment_token": "tok_gone"}).json()["stubs"] == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"status": 500}, "payment_token is required"),
        ({"payment_token": "", "status": 500}, "payment_token is required"),
        ({"payment_token": 12, "status": 500}, "payment_token is required"),
        ({"payment_token": "tok"}, "status is required"),
        ({"payment_token": "tok", "status": None}, "status is required"),
        ({"payment_token": "tok", "status": "500"}, "status must be an integer in 200..599"),
        ({"payment_token": "tok", "status": 199}, "status must be an integer in 200..599"),
        ({"payment_token": "tok", "status": 600}, "status must be an integer in 200..599"),
        ({"payment_token": "tok", "status": True}, "status must be an integer"),
        ({"payment_token": "tok", "status": 500.0}, "status must be an integer"),
        ({"payment_token": "tok", "status": 500, "times": 0}, "times must be an integer in 1..1000000"),
        ({"payment_token": "tok", "status": 500, "times": "2"}, "times must be an integer"),
        ({"payment_token": "tok", "status": 500, "delay_ms": -1}, "delay_ms must be an integer in 0..60000"),
        ({"payment_token": "tok", "status": 500, "delay_ms": 60001}, "delay_ms must be an integer in 0..60000"),
        ({"payment_token": "tok", "status": 500, "tims": 2}, "unknown field(s) tims"),
    ],
)
def test_stub_validation(client: TestClient, payload: dict, message: str) -> None:
    response = client.post("/__admin/stubs", json=payload)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert client.get("/__admin/stubs").json()["stubs"] == []


@pytest.mark.parametrize(("raw", "message"), [(b"{nope", "not valid JSON"), (b"[]", "JSON object"), (b"", "JSON")])
def test_admin_body_must_be_a_json_object(client: TestClient, raw: bytes, message: str) -> None:
    response = client.post("/__admin/stubs", content=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_admin_body_size_is_capped(make_client) -> None:
    client = make_client(max_body_bytes=256)
    response = client.post("/__admin/stubs", json={"payment_token": "tok", "status": 500, "body": "x" * 400})
    assert response.status_code == 413
    assert "larger than 256 bytes" in response.json()["error"]
