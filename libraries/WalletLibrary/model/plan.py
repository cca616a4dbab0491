"""The seeded plan of a model workload: which operations each client sends, in which order.

The plan depends only on the seed, the number of clients and the currencies: the same seed gives the same
sequence of operations (what the run then answers may differ, since the clients' requests interleave).
Each client draws from its own `random.Random(f"{seed}:{client}")`.

Phases: every client first makes its *probes* (requests whose promise must still hold later: pending
deposits, a history page whose cursor is followed later, keys to replay), then sends
a mix of operations until the main phase ends, then revisits its probes in the *late* phase (settles the
old pending deposits, follows the old cursor, replays the old keys).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

MIN_AMOUNT = 1
MAX_AMOUNT = 100_000_000
OWNERS = 3
WHALE = -1  # the slot of the wallet whose balance is driven past 2^31 and 2^32
WHALE_BURST = 22  # deposits of 10^8 by each of the first two clients at the start: 4.4 * 10^9 > 2^32
GATEWAY_OUTCOMES = ("ok", "pending", "decline", "insufficient", "error", "timeout")
# The webhooks that settle a pending deposit: once, or a repeat (of the same or the other status).
SETTLEMENTS = (("succeeded",), ("failed",), ("succeeded", "succeeded"), ("failed", "succeeded"))
# How often each kind of operation is drawn in the main phase (weights).
MIX: dict[str, int] = {
    "deposit": 26,
    "withdrawal": 16,
    "transfer": 16,
    "twin": 5,
    "replay": 5,
    "settle": 8,
    "credit": 7,
    "read": 10,
    "walk": 5,
    "whale": 4,
    "own": 6,
}


@dataclass(frozen=True)
class Op:
    """One operation of the plan. `wallet`/`other` are wallet slots (`WHALE` for the whale); `ref` points
    at an earlier operation of the same client (the request to replay, the deposit to settle, the page to
    continue); `variant` says how (see `Plan` for each kind)."""

    client: int
    number: int
    kind: str
    wallet: int = 0
    other: int = 0
    amount: int = 0
    variant: str = ""
    ref: int | None = None
    statuses: tuple[str, ...] = ()
    late: bool = False

    @property
    def name(self) -> str:
        """`c<client>.<number> <kind>`: how reports refer to it."""
        return f"c{self.client}.{self.number} {self.kind}"


@dataclass
class Plan:
    """Every client's operations: `probes`, `main` (drawn until the main phase ends) and `late`."""

    seed: int
    clients: int
    currencies: tuple[str, ...]
    probes: list[list[Op]] = field(default_factory=list)
    main: list[list[Op]] = field(default_factory=list)
    late: list[list[Op]] = field(default_factory=list)

    @property
    def wallets(self) -> list[tuple[int, str]]:
        """The wallet slots: (owner index, currency), one per owner and supported currency."""
        return [(owner, currency) for owner in range(OWNERS) for currency in self.currencies]


def amount(rng: random.Random) -> int:
    """An amount across the whole valid range: log-uniform in [1, 10^8], the bounds themselves often."""
    roll = rng.random()
    if roll < 0.05:
        return MIN_AMOUNT
    if roll < 0.10:
        return MAX_AMOUNT
    return max(MIN_AMOUNT, min(MAX_AMOUNT, int(10 ** rng.uniform(0, 8))))


def make_plan(seed: int, clients: int, currencies: Sequence[str], main_ops: int = 400) -> Plan:
    """The plan of `clients` clients over one wallet per owner and currency (see the module docstring)."""
    plan = Plan(seed, clients, tuple(currencies))
    for client in range(clients):
        probes, main, late = _client_plan(seed, client, len(plan.wallets), len(currencies), main_ops)
        plan.probes.append(probes)
        plan.main.append(main)
        plan.late.append(late)
    return plan


def _client_plan(seed: int, client: int, slots: int, currencies: int, main_ops: int) -> tuple[list[Op], ...]:
    """One client's probes, main operations and late operations."""
    rng = random.Random(f"{seed}:{client}")
    ops: list[Op] = []

    def add(kind: str, late: bool = False, **values: object) -> Op:
        op = Op(client, len(ops), kind, late=late, **values)  # type: ignore[arg-type]
        ops.append(op)
        return op

    def slot() -> int:
        return rng.randrange(slots)

    def same_currency(wallet: int) -> int:
        return rng.choice([i for i in range(slots) if i % currencies == wallet % currencies])

    if client < 2:
        for _ in range(WHALE_BURST):
            add("whale", wallet=WHALE, amount=MAX_AMOUNT, variant="deposit")
    add("fund", amount=MAX_AMOUNT)  # the client's own wallet, for its reads after writes
    pending = [add("deposit", wallet=slot(), amount=amount(rng), variant="pending") for _ in range(2)]
    first_page = add("page", wallet=slot(), amount=rng.randint(1, 3))
    keyed = add("withdrawal", wallet=slot(), amount=amount(rng))
    probes = list(ops)
    main: list[Op] = []
    for _ in range(main_ops):
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        wallet = slot()
        if kind == "deposit":
            outcome = rng.choices(GATEWAY_OUTCOMES, weights=(70, 12, 6, 4, 6, 2))[0]
            main.append(add("deposit", wallet=wallet, amount=amount(rng), variant=outcome))
        elif kind in ("withdrawal", "transfer"):
            other = same_currency(wallet) if rng.random() < 0.9 else slot()
            main.append(add(kind, wallet=wallet, other=other, amount=amount(rng)))
        elif kind == "twin":
            what = rng.choice(("deposit", "withdrawal", "transfer"))
            main.append(add("twin", wallet=wallet, other=same_currency(wallet), amount=amount(rng), variant=what))
        elif kind == "replay" and main:
            main.append(add("replay", ref=rng.choice(main).number))
        elif kind == "settle":
            deposit = add("deposit", wallet=wallet, amount=amount(rng), variant="pending")
            statuses = rng.choice(SETTLEMENTS)
            together = "together" if rng.random() < 0.5 else ""
            main.extend([deposit, add("settle", ref=deposit.number, statuses=statuses, variant=together)])
        elif kind == "credit":
            variant = rng.choices(("valid", "duplicate", "invalid"), weights=(6, 3, 2))[0]
            main.append(add("credit", wallet=wallet, amount=amount(rng), variant=variant))
        elif kind == "read":
            main.append(add("read", wallet=wallet))
        elif kind == "walk":
            main.append(add("walk", wallet=wallet, amount=rng.randint(1, 5)))
        elif kind == "own":
            main.append(add("own", amount=rng.randint(1, 1000)))
        elif kind == "whale":
            main.append(add("whale", wallet=WHALE, amount=MAX_AMOUNT, variant=rng.choice(("deposit", "credit"))))
    late = [add("settle", late=True, ref=deposit.number, statuses=("succeeded",)) for deposit in pending]
    late.append(add("page", late=True, ref=first_page.number))
    late.append(add("replay", late=True, ref=keyed.number))
    late += [add("replay", late=True, ref=op.number) for op in rng.sample(main, min(3, len(main)))]
    return probes, main, late
