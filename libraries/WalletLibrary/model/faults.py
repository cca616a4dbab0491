"""The seeded fault schedule of a workload: windows of time during which the clients' own traffic meets a
fault. Safe anywhere (staging too): every fault is scoped to this run's own payment tokens (gateway stubs of
the mock, registered per token), its own webhooks and its own client connections, so parallel tests are
never disturbed.

| kind | what happens to an operation started inside the window |
|---|---|
| `gateway-slow` | its charge is answered after 1.5, 0.5, 1.2 x GATEWAY_TIMEOUT_MS in turn (the first past it) |
| `gateway-5xx` | its charge is answered 500 or 503 |
| `webhook-duplicate` | each settlement webhook is delivered again in the late phase (a gateway's late retry) |
| `webhook-delay` | the settlement is held back and delivered at the start of the late phase |
| `webhook-reorder` | settlements are held back in pairs and delivered newest first |
| `client-timeout` | the client gives up on its deposit before the answer (the gateway is slow) and at once sends |
|  | the same request with the same key again |

Where the run owns the stack (the destructive phase, `suites/model/outages.robot`), `outage_schedule` adds
windows during which a nemesis thread kills the wallet's database sessions (`db-kill`), denies it the database
(`db-cut`: its role may not log in until the window's end; the nemesis publishes credit commands of its own
into the cut, so that the wallet's command consumer always meets the outage) and cuts it off its broker
(`broker-cut`, given back at the window's end), through the same keywords as `suites/resilience`.

The seed fixes the schedule (`random.Random(f"{seed}:faults")`), the budget its length; the history
records which windows each exchange overlapped.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from ..routes import ApiRequest
    from .execute import Client
    from .plan import Op
    from .records import Exchange

KINDS = ("gateway-slow", "gateway-5xx", "webhook-duplicate", "webhook-delay", "webhook-reorder", "client-timeout")
WINDOW_S = (0.6, 1.4)  # length of one window
GAP_S = (0.1, 0.5)  # quiet time between windows
SLOW_SHARES = (1.5, 0.5, 1.2)  # gateway-slow: answer after this share of GATEWAY_TIMEOUT_MS (in turn per window)


def schedule(seed: int, budget: float, late_at: float) -> list[dict[str, Any]]:
    """The windows of a run: back to back with quiet gaps from 0.5 s to the start of the late phase, each kind
    at least once when the main phase is long enough (the order shuffled by the seed)."""
    rng = random.Random(f"{seed}:faults")
    kinds = list(KINDS)
    rng.shuffle(kinds)
    windows: list[dict[str, Any]] = []
    start = 0.5
    while start < late_at - 0.5:
        kind = kinds[len(windows)] if len(windows) < len(kinds) else rng.choice(KINDS)
        end = min(late_at - 0.2, start + rng.uniform(*WINDOW_S))
        window: dict[str, Any] = {
            "name": f"f{len(windows)}:{kind}",
            "kind": kind,
            "start": round(start, 3),
            "end": round(end, 3),
        }
        if kind == "gateway-5xx":
            window["status"] = rng.choice((500, 503))
        windows.append(window)
        start = end + rng.uniform(*GAP_S)
    return windows


DATABASE_OUTAGES = ("db-kill", "db-cut")
OUTAGES = ("broker-cut", *DATABASE_OUTAGES)
DB_CUT_S = 2.5  # longer than a database wait a service may allow itself before it gives up on a unit of work
CUT_CREDITS = 3  # valid credit commands the nemesis publishes at the start of a database cut


def outage_schedule(seed: int, late_at: float) -> list[dict[str, Any]]:
    """The wallet's database sessions killed twice in the first seconds (instants), then the database denied
    to it for `DB_CUT_S`, then its broker cut until the late phase (cutting takes effect only once the wallet
    reports it, which can take seconds)."""
    rng = random.Random(f"{seed}:outages")
    windows, at = [], rng.uniform(0.5, 0.8)
    for number in (0, 1):
        windows.append({"name": f"o{number}:db-kill", "kind": "db-kill", "start": at, "end": at + 0.3})
        at += rng.uniform(0.5, 0.9)
    windows.append({"name": "o2:db-cut", "kind": "db-cut", "start": at, "end": at + DB_CUT_S})
    at += DB_CUT_S + 0.2
    windows.append({"name": "o3:broker-cut", "kind": "broker-cut", "start": at, "end": max(at + 1.0, late_at - 0.5)})
    return [{**w, "start": round(w["start"], 3), "end": round(w["end"], 3)} for w in windows]


def nemesis(ctx: Any, run: Any, windows: list[dict[str, Any]], stop: Any, publisher: Client) -> None:
    """Opens each outage window on time (its real start and end are written back into it); the broker and
    the database are always given back, even when something fails. `publisher` (a client of its own)
    publishes the credit commands of a database cut."""
    try:
        for window in windows:
            if stop.wait(max(0.0, window["start"] - run.now())):
                return
            window["start"] = round(run.now(), 3)
            if window["kind"] == "broker-cut":
                try:
                    ctx.library.cut_the_wallet_off_the_broker()
                    stop.wait(max(0.0, window["end"] - run.now()))
                finally:
                    ctx.library.reconnect_the_wallet_to_the_broker()
            elif window["kind"] == "db-cut":
                try:
                    ctx.library.cut_the_wallet_off_the_database()
                    _credits_into_the_cut(publisher, window)
                    stop.wait(max(0.0, window["end"] - run.now()))
                finally:
                    ctx.library.reconnect_the_wallet_to_the_database()
            else:
                window["killed"] = ctx.library.kill_the_wallet_database_connections()
            window["end"] = round(run.now(), 3)
    except Exception as error:  # the run goes on; the window says what went wrong
        windows[-1]["error"] = f"{error.__class__.__name__}: {error}"[:300]
    finally:
        publisher.close()


def _credits_into_the_cut(publisher: Client, window: dict[str, Any]) -> None:
    """Valid credit commands (seeded wallets and amounts) published while the wallet may not log in: each must
    be applied once after the cut, never dead-lettered like an invalid command."""
    from .plan import Op

    rng = random.Random(f"{publisher.run.plan.seed}:{window['name']}")
    for number in range(CUT_CREDITS):
        slot = rng.randrange(len(publisher.run.wallets))
        op = Op(publisher.number, number, "credit", wallet=slot, amount=rng.randint(1, 10**6), variant="valid")
        publisher.publish(op, publisher.run.wallet(slot), op.amount, "valid")


def in_outage(run: Any, exchange: Any) -> bool:
    """Whether an exchange overlapped a window of the wallet's broker or database failing."""
    return any(w["kind"] in OUTAGES for w in run.faults_of(exchange))


def active(windows: list[dict[str, Any]], at: float, *kinds: str) -> dict[str, Any] | None:
    """The window of one of `kinds` open at `at` (seconds since the start), or None."""
    return next((w for w in windows if w["kind"] in kinds and w["start"] <= at <= w["end"]), None)


def deposit(client: Client, op: Op, request: ApiRequest) -> list[Exchange] | None:
    """A deposit started inside a gateway or client-timeout window, its charge scripted on the mock for this
    deposit's own token (slow: 1.5, 0.5 or 1.2 x GATEWAY_TIMEOUT_MS in turn; 5xx; or slow enough for an
    impatient client); None outside such a window. The script is noted on the exchange for the oracle."""
    window = active(client.run.faults, client.run.now(), "gateway-slow", "gateway-5xx", "client-timeout")
    if window is None or op.variant not in ("ok", "pending", ""):
        return None
    token = json.loads(request.body)["payment_token"]
    timeout_ms = int(client.ctx.setting("GATEWAY_TIMEOUT_MS"))
    status = 202 if op.variant == "pending" else 201
    if window["kind"] == "gateway-5xx":
        _stub(client, token, window["status"], 0)
        return [client.send(op, request, fault=window["name"], gateway=[window["status"], 0, timeout_ms])]
    if window["kind"] == "gateway-slow":  # each window's first deposit is answered past the timeout
        with client.run.lock:
            turn = window["deposits"] = window.get("deposits", 0) + 1
        delay = int(timeout_ms * SLOW_SHARES[(turn - 1) % len(SLOW_SHARES)])
        _stub(client, token, status, delay)
        return [client.send(op, request, fault=window["name"], gateway=[status, delay, timeout_ms])]
    _stub(client, token, status, int(timeout_ms * 0.9))  # the client gives up long before the wallet answers
    keyed = replace(request, idempotency_key=client.ctx.transport.unique_key())
    first = impatient(client, op, keyed, timeout_ms * 0.3 / 1000)
    return [first, client.send(op, keyed, fault=window["name"], retry_of=op.name)]


def _stub(client: Client, token: str, status: int, delay_ms: int) -> None:
    """The gateway answers the next charge of this run's own `token` so (no other test uses the token)."""
    client.ctx.gateway.call(
        "POST", "/__admin/stubs", {"payment_token": token, "status": status, "delay_ms": delay_ms, "times": 1}
    )


def impatient(client: Client, op: Op, request: ApiRequest, timeout: float) -> Exchange:
    """Sends with a client timeout of `timeout` seconds (a client that gives up early); no token is kept."""
    from .records import Exchange

    headers, _, _ = client.ctx.transport.headers(request)
    headers["Authorization"] = client.ctx.transport.authorization(request.owner, request.token) or ""
    exchange = Exchange(
        op, client.run.now(), request=request, note={"fault": "client-timeout", "client_timeout_s": timeout}
    )
    url = client.ctx.setting("WALLET_API_URL").rstrip("/") + request.path
    try:
        with requests.Session() as session:
            session.trust_env = False
            session.request(request.method, url, data=request.body, headers=headers, timeout=timeout)
        exchange.error = "answered within the client timeout (kept as no answer: the client had given up)"
    except requests.RequestException as error:
        exchange.error = f"client gave up after {timeout:.2f} s: {error.__class__.__name__}"
    return client.run.record(exchange)
