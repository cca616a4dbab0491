"""Bounded memory: caps with oldest-first eviction on journal entries, journal tokens, charges and stubs."""

from __future__ import annotations

from collections.abc import Callable

from payment_gateway_mock.config import Settings
from payment_gateway_mock.store import Store
from pgm_helpers import charge


def journal_tokens(client) -> list[str]:
    return [e["payment_token"] for e in client.get("/__admin/requests").json()["requests"]]


def test_journal_entries_cap_evicts_the_oldest(make_client: Callable) -> None:
    client = make_client(max_journal_entries=5)
    for token in ["tok_a", "tok_b", "tok_a", "tok_c", "tok_a", "tok_b", "tok_d", "tok_e"]:
        charge(client, token)
    assert journal_tokens(client) == ["tok_c", "tok_a", "tok_b", "tok_d", "tok_e"]
    assert len(client.get("/__admin/requests", params={"payment_token": "tok_a"}).json()["requests"]) == 1
    stats = client.get("/__admin/stats").json()
    assert stats["journal_entries"] == {"count": 5, "cap": 5}
    assert stats["evicted"]["journal_entries"] == 3


def test_journal_tokens_cap_evicts_the_least_recently_used_token(make_client: Callable) -> None:
    client = make_client(max_journal_tokens=3)
    for token in ["tok_a", "tok_b", "tok_c", "tok_a", "tok_d"]:
        charge(client, token)
    assert client.get("/__admin/requests", params={"payment_token": "tok_b"}).json()["requests"] == []
    assert len(client.get("/__admin/requests", params={"payment_token": "tok_a"}).json()["requests"]) == 2
    assert journal_tokens(client) == ["tok_a", "tok_c", "tok_a", "tok_d"]
    stats = client.get("/__admin/stats").json()
    assert stats["journal_tokens"] == {"count": 3, "cap": 3}
    assert stats["evicted"]["journal_tokens"] == 1


def test_journal_order_stays_bounded_when_tokens_churn(make_settings: Callable) -> None:
    settings: Settings = make_settings(max_journal_entries=50, max_journal_tokens=2)
    store = Store(settings)
    for i in range(20_000):
        store.journal_append(f"tok_{i}", {"n": i})
    assert len(store._journal_order) <= 2 * 50 + 1024
    assert [e["n"] for e in store.journal(None)] == [19_998, 19_999]
    for i in range(200):
        store.journal_append("tok_same" if i % 2 else "tok_other", {"n": i})
    assert len(store.journal(None)) == 50
    assert len(store._journal_order) <= 2 * 50 + 1024


def test_charges_cap_evicts_the_oldest(make_client: Callable) -> None:
    client = make_client(max_charges=3)
    ids = [charge(client, f"tok_{i}").json()["id"] for i in range(5)]
    assert [client.get(f"/__admin/charges/{i}").status_code for i in ids] == [404, 404, 200, 200, 200]
    stats = client.get("/__admin/stats").json()
    assert stats["charges"] == {"count": 3, "cap": 3}
    assert stats["evicted"]["charges"] == 2


def test_stubs_cap_evicts_the_oldest(make_client: Callable) -> None:
    client = make_client(max_stubs=3)
    for token, status in [("tok_s1", 500), ("tok_s2", 502), ("tok_s1", 503), ("tok_s3", 504)]:
        assert client.post("/__admin/stubs", json={"payment_token": token, "status": status}).status_code == 201
    assert [s["status"] for s in client.get("/__admin/stubs").json()["stubs"]] == [502, 503, 504]
    assert charge(client, "tok_s1").status_code == 503
    assert client.get("/__admin/stats").json()["evicted"]["stubs"] == 1


def test_default_caps(make_client: Callable) -> None:
    stats = make_client().get("/__admin/stats").json()
    assert stats["journal_entries"]["cap"] == 20_000
    assert stats["journal_tokens"]["cap"] == 10_000
    assert stats["charges"]["cap"] == 50_000
    assert stats["stubs"]["cap"] == 10_000
