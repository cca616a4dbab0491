"""The workload's history as data: every exchange (request, answer or why there was none, its times and
notes) and the run that holds them, with the wallets and fault windows the checker and the report read."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..routes import ApiRequest, ApiResponse
from .plan import WHALE, Op, Plan

if TYPE_CHECKING:
    from ..context import Context


@dataclass
class Exchange:
    """One request of the workload and what came back (`response` None: no answer; `error` says why)."""

    op: Op
    started: float
    ended: float = 0.0
    request: ApiRequest | None = None
    response: ApiResponse | None = None
    error: str | None = None
    note: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int | None:
        """The HTTP status, None without an answer."""
        return None if self.response is None else self.response.status

    @property
    def body(self) -> Any:
        """The JSON body of the answer, or None."""
        return None if self.response is None else self.response.json


@dataclass
class Run:
    """A workload's wallets, exchanges and timing (what the checker and the report read)."""

    plan: Plan
    budget: float
    wallets: list[dict] = field(default_factory=list)
    whale: dict = field(default_factory=dict)
    private: list[dict] = field(default_factory=list)  # one wallet per client that only that client writes
    exchanges: list[Exchange] = field(default_factory=list)
    known: dict[str, list[tuple[float, str]]] = field(default_factory=dict)  # wallet id -> (ack time, tx/transfer id)
    started: float = 0.0
    faults: list[dict] = field(default_factory=list)  # the seeded fault windows (faults.py)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def faults_of(self, exchange: Exchange) -> list[dict]:
        """The fault windows an exchange overlapped; a request its client gave up on may take effect in any
        later window (indeterminate until the run is quiet, like Jepsen's `info` operations)."""
        ended = float("inf") if "client_timeout_s" in exchange.note else exchange.ended
        return [w for w in self.faults if w["start"] <= ended and exchange.started <= w["end"]]

    def now(self) -> float:
        """Seconds since the workload started."""
        return time.monotonic() - self.started

    def wallet(self, slot: int) -> dict:
        """The wallet of a plan slot (`WHALE` for the whale)."""
        return self.whale if slot == WHALE else self.wallets[slot]

    def record(self, exchange: Exchange) -> Exchange:
        """Keeps an exchange and what its answer made known (ids a later history walk must list)."""
        exchange.ended = self.now()
        body = exchange.body if exchange.status in (201, 202) else None
        with self.lock:
            self.exchanges.append(exchange)
            if isinstance(body, dict) and body.get("wallet_id") and body.get("id"):
                self.known.setdefault(body["wallet_id"], []).append((exchange.ended, body["id"]))
            if isinstance(body, dict) and body.get("source_wallet_id"):
                for side in ("source_wallet_id", "destination_wallet_id"):
                    self.known.setdefault(body[side], []).append((exchange.ended, body["id"]))
        return exchange

    def __repr__(self) -> str:
        return f"<model workload seed {self.plan.seed}: {len(self.exchanges)} exchanges, {len(self.wallets)} wallets>"


def send_recorded(ctx: Context, run: Run, op: Op, request: ApiRequest, **note: Any) -> Exchange:
    """Sends one request (validated later, by the checker) and records the exchange, answered or not."""
    exchange = Exchange(op, run.now(), request=request, note=note)
    try:
        exchange.response = ctx.transport.send(request, validate=False)
    except AssertionError as error:
        exchange.error = str(error)
    return run.record(exchange)
