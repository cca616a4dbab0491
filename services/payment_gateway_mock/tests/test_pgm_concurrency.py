"""Async behaviour: `times` is exact under concurrency; delays and the timeout token never block other requests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from payment_gateway_mock.store import Store, Stub

pytestmark = pytest.mark.anyio


async def post_charge(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/charges", json={"amount": 100, "currency": "EUR", "payment_token": token})


async def wait_for_journal(client: httpx.AsyncClient, token: str, count: int, deadline_s: float = 2.0) -> None:
    """Poll the journal (no fixed sleep) until `count` requests of `token` arrived."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        got = (await client.get("/__admin/requests", params={"payment_token": token})).json()["requests"]
        if len(got) >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"expected {count} journaled requests for {token} within {deadline_s}s")


async def test_times_limited_stub_is_consumed_exactly_n_times_concurrently(aclient: httpx.AsyncClient) -> None:
    await aclient.post("/__admin/stubs", json={"payment_token": "tok_race", "status": 503, "times": 5, "delay_ms": 50})
    answers = await asyncio.gather(*(post_charge(aclient, "tok_race") for _ in range(40)))
    assert Counter(a.status_code for a in answers) == {503: 5, 201: 35}
    journal = (await aclient.get("/__admin/requests", params={"payment_token": "tok_race"})).json()["requests"]
    assert Counter(e["response_status"] for e in journal) == {503: 5, 201: 35}


async def test_timeout_token_does_not_block_other_requests(aclient: httpx.AsyncClient) -> None:
    # the fixture's settings use a 500 ms timeout-token delay instead of the 10 s default
    started = time.monotonic()
    slow = asyncio.create_task(post_charge(aclient, "tok_timeout_nb"))
    await wait_for_journal(aclient, "tok_timeout_nb", 1)
    fast_started = time.monotonic()
    fast = await post_charge(aclient, "tok_fast_1")
    fast_elapsed = time.monotonic() - fast_started
    assert fast.status_code == 201
    assert fast_elapsed < 0.3, f"normal charge took {fast_elapsed:.3f}s while a timeout charge was in flight"
    assert not slow.done()
    answer = await slow
    assert answer.status_code == 201
    assert time.monotonic() - started >= 0.49


async def test_stub_delay_does_not_block_other_requests(aclient: httpx.AsyncClient) -> None:
    await aclient.post("/__admin/stubs", json={"payment_token": "tok_delay_nb", "status": 201, "delay_ms": 500})
    slow = asyncio.create_task(post_charge(aclient, "tok_delay_nb"))
    await wait_for_journal(aclient, "tok_delay_nb", 1)
    fast_started = time.monotonic()
    answers = await asyncio.gather(*(post_charge(aclient, f"tok_fast_{i}") for i in range(5)))
    fast_elapsed = time.monotonic() - fast_started
    assert [a.status_code for a in answers] == [201] * 5
    assert fast_elapsed < 0.3
    assert not slow.done()
    assert (await slow).status_code == 201


async def test_delayed_request_is_journaled_before_it_is_answered(aclient: httpx.AsyncClient) -> None:
    slow = asyncio.create_task(post_charge(aclient, "tok_timeout_early"))
    await wait_for_journal(aclient, "tok_timeout_early", 1)
    entry = (await aclient.get("/__admin/requests", params={"payment_token": "tok_timeout_early"})).json()["requests"][
        0
    ]
    assert not slow.done()
    assert entry["response_status"] == 201
    assert entry["charge_id"] == (await slow).json()["id"]


def test_times_limited_stub_under_threads(make_settings: Callable) -> None:
    store = Store(make_settings())
    store.add_stub(
        Stub("stub_t", "tok_threads", 503, None, False, 0, times=100, remaining=100, created_at="2026-01-01T00:00:00Z")
    )
    hits: list[int] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        mine = sum(store.take_stub("tok_threads") is not None for _ in range(500))
        hits.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sum(hits) == 100
    assert store.stubs("tok_threads") == []
