"""Runs a plan: one thread per client, released together, each recording every exchange it makes.

Nothing is judged here (see `check.py`): a request that got no answer, or an answer the contract does
not allow, is recorded as such. Commands are published on one RabbitMQ connection per client (pika's
connections are not thread-safe).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pika

from ..broker import COMMANDS_EXCHANGE
from ..routes import AUTO, ApiRequest
from . import faults
from .plan import MAX_AMOUNT, Op, Plan
from .records import Exchange, Run, send_recorded

if TYPE_CHECKING:
    from ..context import Context


class Client:
    """One client of the workload (one thread)."""

    def __init__(self, ctx: Context, run: Run, number: int, late_at: float, probe_age: float = 0.0) -> None:
        self.ctx, self.run, self.number = ctx, run, number
        self.late_at, self.probe_age = late_at, probe_age
        self.done: dict[int, list[Exchange]] = {}
        self.held: list[tuple[Op, list[ApiRequest], dict]] = []  # settlements a webhook fault holds back
        self.reorder: list[tuple[Op, list[ApiRequest], dict]] = []
        self._channel: Any = None
        self._connection: Any = None

    # ------------------------------------------------------------------ the client's life

    def __call__(self, barrier: threading.Barrier) -> None:
        barrier.wait(timeout=30)
        try:
            for op in self.run.plan.probes[self.number]:
                self.execute(op)
            # The main operations go round (the plan is a cycle, never exhausted) until the late phase, when the
            # probes are at least `probe_age` old.
            late_at = max(self.late_at, self.run.now() + self.probe_age)
            for op in itertools.cycle(self.run.plan.main[self.number]):
                if self.run.now() >= late_at:
                    break
                self.execute(op)
            for op, webhooks, note in [*self.held, *reversed(self.reorder)]:
                self.done.setdefault(op.number, [])
                self.done[op.number] += [self.send(op, webhook, **note) for webhook in webhooks]
            for op in self.run.plan.late[self.number]:
                self.execute(op)
        finally:
            self.close()

    def close(self) -> None:
        """Closes the client's RabbitMQ connection (if it opened one)."""
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    def execute(self, op: Op) -> None:
        handler: Callable[[Op], list[Exchange]] = getattr(self, f"_{op.kind}")
        try:
            self.done[op.number] = handler(op)
        except Exception as error:
            exchange = Exchange(op, self.run.now(), error=f"{error.__class__.__name__}: {error}")
            self.done[op.number] = [self.run.record(exchange)]

    def send(self, op: Op, request: ApiRequest, **note: Any) -> Exchange:
        """Sends one request (validated later, by the checker) and records the exchange (with the key sent, so
        that the checker can send it again)."""
        if request.idempotency_key == AUTO:
            request = replace(request, idempotency_key=self.ctx.transport.unique_key())
        return send_recorded(self.ctx, self.run, op, request, **note)

    def together(self, op: Op, requests_: list[ApiRequest], **note: Any) -> list[Exchange]:
        """Sends the requests at the same instant (one extra thread each)."""
        barrier = threading.Barrier(len(requests_))
        results: list[Exchange] = []

        def one(request: ApiRequest) -> None:
            barrier.wait(timeout=30)
            results.append(self.send(op, request, **note))

        threads = [threading.Thread(target=one, args=(request,), daemon=True) for request in requests_]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.ctx.http_timeout + 35)
        return results

    # ------------------------------------------------------------------ requests of each kind

    def _request(self, op: Op, kind: str | None = None, **arguments: Any) -> ApiRequest:
        kind = kind or op.kind
        wallet = self.run.wallet(op.wallet)
        target = {"wallet": wallet, "destination": self.run.wallet(op.other)}
        if kind == "deposit":
            behaviour = op.variant if op.kind == "deposit" else "ok"
            arguments.setdefault("payment_token", self.ctx.endpoints.payment_token(behaviour))
        return self.ctx.endpoints.request(kind, target, {"amount": op.amount, **arguments})

    def _deposit(self, op: Op) -> list[Exchange]:
        request = self._request(op)
        return faults.deposit(self, op, request) or [self.send(op, request)]

    def _withdrawal(self, op: Op) -> list[Exchange]:
        return [self.send(op, self._request(op))]

    def _transfer(self, op: Op) -> list[Exchange]:
        return [self.send(op, self._request(op))]

    def _twin(self, op: Op) -> list[Exchange]:
        request = self._request(op, op.variant, idempotency_key=self.ctx.transport.unique_key())
        return self.together(op, [request, request])

    def _replay(self, op: Op) -> list[Exchange]:
        earlier = [e for e in self.done.get(op.ref or 0, []) if e.request is not None and e.request.idempotency_key]
        if not earlier:
            return []
        return [self.send(op, earlier[0].request, replay_of=earlier[0].op.name)]

    def _settle(self, op: Op) -> list[Exchange]:
        deposits = [e for e in self.done.get(op.ref or 0, []) if e.status == 202]
        if not deposits:
            return []
        token = deposits[0].request.body and json.loads(deposits[0].request.body)["payment_token"]
        charge_id = self.ctx.gateway.last_charge_id(token)
        webhooks = [self.ctx.endpoints.webhook(charge_id, {"status": status}) for status in op.statuses]
        note = {"transaction_id": deposits[0].body["id"], "statuses": op.statuses}
        window = None if op.late else faults.active(self.run.faults, self.run.now(), *faults.KINDS[2:5])
        if window is not None:
            note["fault"] = window["name"]
        if window is not None and window["kind"] == "webhook-duplicate":
            self.held.append((op, webhooks, {**note, "duplicate": True}))
        elif window is not None and window["kind"] == "webhook-delay":
            self.held.append((op, webhooks, note))
            return []
        elif window is not None:  # webhook-reorder: held in pairs, the newer one delivered first
            self.reorder.append((op, webhooks, note))
            if len(self.reorder) < 2:
                return []
            pairs, self.reorder = list(reversed(self.reorder)), []
            for held_op, held, held_note in pairs[1:]:
                self.done[held_op.number] = [self.send(held_op, webhook, **held_note) for webhook in held]
            return [self.send(pairs[0][0], webhook, **pairs[0][2]) for webhook in pairs[0][1]]
        if op.variant == "together" and len(webhooks) > 1:
            return self.together(op, webhooks, **note)
        return [self.send(op, webhook, **note) for webhook in webhooks]

    def _read(self, op: Op) -> list[Exchange]:
        return [self.send(op, self.ctx.endpoints.request("get wallet", {"wallet": self.run.wallet(op.wallet)}, {}))]

    def _walk(self, op: Op) -> list[Exchange]:
        return self._pages(op, self.run.wallet(op.wallet), cursor=None, known=self._known(op.wallet))

    def _page(self, op: Op) -> list[Exchange]:
        """Probe: the first page (its cursor is followed in the late phase); late: the rest of the walk."""
        if not op.late:
            wallet = self.run.wallet(op.wallet)
            request = self.ctx.endpoints.request("history", {"wallet": wallet}, {"limit": op.amount})
            return [self.send(op, request, known=self._known(op.wallet), limit=op.amount)]
        first = self.done.get(op.ref or 0, [])
        if not first or first[0].status != 200 or not first[0].body.get("next_cursor"):
            return []
        probe = first[0].op
        known = first[0].note["known"]
        return self._pages(op, self.run.wallet(probe.wallet), first[0].body["next_cursor"], known, probe.amount)

    def _pages(
        self, op: Op, wallet: dict, cursor: str | None, known: list[str], limit: int | None = None
    ) -> list[Exchange]:
        limit = limit or op.amount
        exchanges = []
        while True:  # as long as the budget allows (a walk the deadline cuts is marked and not judged)
            arguments = {"limit": limit, "cursor": cursor}
            request = self.ctx.endpoints.request("history", {"wallet": wallet}, arguments)
            exchanges.append(self.send(op, request, known=known, limit=limit))
            body = exchanges[-1].body
            if exchanges[-1].status != 200 or not isinstance(body, dict) or not body.get("next_cursor"):
                break
            if self.run.now() > self.run.budget + WALK_MARGIN_S:
                exchanges[-1].note["cut"] = True
                break
            cursor = body["next_cursor"]
        return exchanges

    def _known(self, slot: int) -> list[str]:
        wallet_id = self.run.wallet(slot)["id"]
        with self.run.lock:
            return [item for _, item in self.run.known.get(wallet_id, [])]

    def _fund(self, op: Op) -> list[Exchange]:
        deposit = self.ctx.endpoints.request(
            "deposit", {"wallet": self.run.private[self.number]}, {"amount": op.amount}
        )
        return [self.send(op, deposit)]

    def _own(self, op: Op) -> list[Exchange]:
        """Read your writes: a withdrawal from the client's own wallet (funded by its probe, written by nobody
        else) while three readers read the wallet over and over, then a read that must show its balance_after."""
        wallet = self.run.private[self.number]
        read = self.ctx.endpoints.request("get wallet", {"wallet": wallet}, {})
        written = threading.Event()
        reads: list[Exchange] = []

        def reader() -> None:
            while not written.is_set():
                reads.append(self.send(op, read))

        readers = [threading.Thread(target=reader, daemon=True) for _ in range(3)]
        for thread in readers:
            thread.start()
        try:
            withdrawal = self.send(
                op, self.ctx.endpoints.request("withdrawal", {"wallet": wallet}, {"amount": op.amount})
            )
        finally:
            written.set()
            for thread in readers:
                thread.join(timeout=self.ctx.http_timeout + 5)
        exchanges = [withdrawal, *reads]
        if withdrawal.status == 201:
            exchanges.append(self.send(op, read, read_after=withdrawal.body["balance_after"]))
        return exchanges

    def _whale(self, op: Op) -> list[Exchange]:
        if op.variant == "credit":
            return [self.publish(op, self.run.whale, MAX_AMOUNT, "valid")]
        return [self.send(op, self._request(op, "deposit"))]

    def _credit(self, op: Op) -> list[Exchange]:
        return [self.publish(op, self.run.wallet(op.wallet), op.amount, op.variant)]

    # ------------------------------------------------------------------ commands

    def publish(self, op: Op, wallet: dict, amount: int, variant: str) -> Exchange:
        """Publishes a credit command (`valid`, `duplicate`: the same command twice, `invalid`: amount 0)."""
        command_id = f"cmd-{self.ctx.run_id}-{uuid.uuid4()}"
        data = {
            "wallet_id": wallet["id"],
            "amount": 0 if variant == "invalid" else amount,
            "currency": wallet["currency"],
        }
        body = json.dumps({"id": command_id, "type": "credit.requested", "data": {**data, "reason": "model workload"}})
        exchange = Exchange(
            op,
            self.run.now(),
            note={"command_id": command_id, "wallet_id": wallet["id"], "amount": amount, "valid": variant != "invalid"},
        )
        try:
            channel = self._commands_channel()
            properties = pika.BasicProperties(message_id=command_id, content_type="application/json", delivery_mode=2)
            for _ in range(2 if variant == "duplicate" else 1):
                channel.basic_publish(
                    COMMANDS_EXCHANGE, "credit.requested", body.encode(), properties=properties, mandatory=True
                )
        except Exception as error:
            exchange.error = f"publishing failed: {error.__class__.__name__}: {error}"
        self.ctx.record("commands", command_id)
        return self.run.record(exchange)

    def _commands_channel(self) -> Any:
        if self._channel is None or not self._channel.is_open:
            parameters = pika.URLParameters(self.ctx.setting("AMQP_URL"))
            parameters.heartbeat = 0
            parameters.socket_timeout = 10
            self._connection = pika.BlockingConnection(parameters)
            self._channel = self._connection.channel()
            self._channel.confirm_delivery()
        return self._channel


def run_workload(ctx: Context, plan: Plan, budget: float, outages: bool = False) -> Run:
    """Creates the wallets (one per owner and currency, plus the whale), runs every client for `budget`
    seconds (the late phase starts `LATE_RESERVE` before the end, never before `LATE_MIN` seconds nor before
    the client's probes are `PROBE_AGE` old) under the seed's fault windows (with `outages`, also the wallet's
    database sessions killed, its database denied and its broker cut, by a nemesis thread) and returns the
    run."""
    run = Run(plan, budget)
    for owner, currency in plan.wallets:
        run.wallets.append(ctx.library.create_wallet_for(_owner(ctx, plan, owner), currency))
    run.whale = ctx.library.create_wallet_for(_owner(ctx, plan, "whale"), plan.currencies[0])
    for client in range(plan.clients):
        run.private.append(ctx.library.create_wallet_for(_owner(ctx, plan, f"own{client}"), plan.currencies[0]))
    # The outage run is shorter (its lane runs beside the parallel phase): its probes are revisited younger.
    late_min, probe_age = (OUTAGE_LATE_MIN, OUTAGE_PROBE_AGE) if outages else (LATE_MIN, PROBE_AGE)
    late_at = max(late_min, budget - LATE_RESERVE)
    run.faults = faults.schedule(plan.seed, budget, late_at)
    outage_windows = faults.outage_schedule(plan.seed, late_at) if outages else []
    run.faults += outage_windows
    stop = threading.Event()
    publisher = Client(ctx, run, plan.clients, late_at)  # the nemesis's own (credits into a database cut)
    nemesis = threading.Thread(target=faults.nemesis, args=(ctx, run, outage_windows, stop, publisher), daemon=True)
    barrier = threading.Barrier(plan.clients + 1)
    run.started = time.monotonic()
    clients = [Client(ctx, run, number, late_at, probe_age) for number in range(plan.clients)]
    threads = [threading.Thread(target=client, args=(barrier,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    nemesis.start()
    for thread in threads:
        thread.join(timeout=budget + ctx.http_timeout * 4 + 60)
    stop.set()
    nemesis.join(timeout=ctx.seconds("HEALTH_TIMEOUT") * 2 + 10)
    return run


LATE_MIN = 9.5  # seconds from the start before the late phase
LATE_RESERVE = 2.5  # seconds of the budget kept for the late phase
WALK_MARGIN_S = 30.0  # a walk may run past the budget by this much before it is cut (and then not judged)
PROBE_AGE = 8.5  # seconds: the probes are at least this old when revisited (past mistakes of a few seconds)
OUTAGE_LATE_MIN, OUTAGE_PROBE_AGE = 5.5, 4.0


def _owner(ctx: Context, plan: Plan, label: object) -> str:
    return f"{ctx.run_id}-m{plan.seed % 100000}-{label}-{uuid.uuid4().hex[:8]}"
