"""The model checker: what the workload's answers, the database and the events must agree on.

Only what the contract promises is used. An operation whose outcome the client could not know (no answer,
`409 IDEMPOTENCY_KEY_IN_USE`, an undocumented 5xx) is resolved by reading: the same request is sent again
with its key, which replays the stored answer (or runs it, if it never arrived). The model then adds up,
per wallet, what every acknowledged operation did, and every rule below is checked against it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..ledger import ledger_problems
from .execute import Exchange, Run

if TYPE_CHECKING:
    from ..context import Context

DEFINITE = {201, 202, 402, 404, 422, 502, 504}
NOT_STORED = {400, 401}  # answers that consume no key
RESOLVE_ATTEMPTS = 3  # per key: a request still running answers 409 once or twice at most
RESOLVE_BUDGET_S = 15.0  # for all keys together: an implementation that fails every time must not hang the check
EFFECT = {"deposit": 1, "credit": 1, "transfer_in": 1, "withdrawal": -1, "transfer_out": -1}


@dataclass
class Finding:
    """A broken rule (an id of contracts/rules.yaml), what was seen, and the wallets it is about."""

    rule: str
    message: str
    wallets: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    """What one request (one owner and idempotency key) did: its first definitive answer."""

    exchanges: list[Exchange]
    status: int | None = None
    body: Any = None
    raw: bytes = b""


class Checker:
    """Checks a finished `Run`; `findings` holds every broken rule."""

    def __init__(self, ctx: Context, run: Run) -> None:
        self.ctx, self.run = ctx, run
        self.findings: list[Finding] = []
        self.ids = [wallet["id"] for wallet in [*run.wallets, run.whale, *run.private]]
        self._resolving_until: float | None = None

    def fail(self, rule: str, message: str, *wallets: Any) -> None:
        self.findings.append(Finding(rule, message, {str(w) for w in wallets if w}))

    # ------------------------------------------------------------------ responses and keys

    def responses_follow_the_contract(self) -> None:
        for exchange in self.run.exchanges:
            if exchange.response is None:
                continue
            try:
                self.ctx.transport.check(exchange.response)
            except AssertionError as error:
                self.fail("http.documented-responses", f"{exchange.op.name}: {error}", *self._wallets_of(exchange))
            body = exchange.body if isinstance(exchange.body, dict) else {}
            for name in ("balance", "balance_after"):
                if isinstance(body.get(name), int) and body[name] < 0:
                    self.fail(
                        "money.no-negative-balance",
                        f"{exchange.op.name}: {name} {body[name]}",
                        body.get("wallet_id") or body.get("id"),
                    )

    def outcomes(self) -> dict[tuple[str, str], Outcome]:
        """Every keyed request by (owner, key): executed at most once, replays identical to the first answer,
        unknown outcomes resolved by sending the request again."""
        groups: dict[tuple[str, str], list[Exchange]] = defaultdict(list)
        for exchange in self.run.exchanges:
            if exchange.request is not None and exchange.request.idempotency_key:
                groups[(str(exchange.request.owner), exchange.request.idempotency_key)].append(exchange)
        outcomes = {}
        for key, exchanges in groups.items():
            definite = [e for e in exchanges if e.status in DEFINITE]
            executed = [e for e in definite if not e.response.replayed]
            if len(executed) > 1:
                bodies = ", ".join(f"{e.status} {e.response.text[:120]}" for e in executed)
                self.fail(
                    "idempotency.in-use",
                    f"key {key[1]} executed {len(executed)} times: {bodies}",
                    *self._wallets_of(executed[0]),
                )
            first = executed[0] if executed else (definite[0] if definite else self._resolve(exchanges[0]))
            if first is None:
                self.fail(
                    "idempotency.in-use",
                    f"key {key[1]}: no definitive answer, even when sent again",
                    *self._wallets_of(exchanges[0]),
                )
                continue
            outcomes[key] = Outcome(exchanges, first.status, first.body, first.response.body)
            for replay in (e for e in definite if e is not first):
                if (
                    replay.status != first.status
                    or replay.response.body != first.response.body
                    or not replay.response.replayed
                ):
                    self.fail(
                        "idempotency.replay-byte-identical",
                        f"{replay.op.name}: key {key[1]} answered {replay.status} {replay.response.text[:160]} "
                        f"(replayed={replay.response.replayed}) after {first.status} {first.response.text[:160]}",
                        *self._wallets_of(replay),
                    )
        return outcomes

    def _resolve(self, exchange: Exchange) -> Exchange | None:
        if self._resolving_until is None:
            self._resolving_until = self.run.now() + RESOLVE_BUDGET_S
        for _ in range(RESOLVE_ATTEMPTS if self.run.now() < self._resolving_until else 0):
            again = Exchange(exchange.op, self.run.now(), request=exchange.request, note={"resolving": True})
            try:
                again.response = self.ctx.transport.send(exchange.request, validate=False)
            except AssertionError as error:
                again.error = str(error)
            self.run.record(again)
            if again.status in DEFINITE or again.status in NOT_STORED:
                return again
            self.ctx.broker.pump(0.25)
        return None

    # ------------------------------------------------------------------ the model and the database

    def money(self, outcomes: dict[tuple[str, str], Outcome]) -> None:
        """Every acknowledged change took effect exactly once, each balance is the model's, the ledger's
        and the API's, the balance_after values chain, and credits applied once per command."""
        expected: dict[str, dict[str, Any]] = {w: {"ids": set(), "failed": 0, "transfers": set()} for w in self.ids}
        for outcome in outcomes.values():
            body = outcome.body if isinstance(outcome.body, dict) else {}
            if outcome.status in (201, 202) and body.get("wallet_id") in expected:
                expected[body["wallet_id"]]["ids"].add(body["id"])
            elif outcome.status == 201 and body.get("source_wallet_id"):
                for side in ("source_wallet_id", "destination_wallet_id"):
                    expected.get(body[side], {"transfers": set()})["transfers"].add(body["id"])
            elif outcome.status in (402, 502, 504) and outcome.exchanges[0].request.path.endswith("/deposits"):
                expected[outcome.exchanges[0].request.path.split("/")[3]]["failed"] += 1
        credits = self._credits()
        rows = self.ctx.query(
            "SELECT id::text AS id, wallet_id::text AS wallet_id, type, status, amount, balance_after,"
            " transfer_id::text AS transfer_id FROM transactions WHERE wallet_id = ANY(%s::uuid[])",
            [self.ids],
        )
        by_wallet: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            by_wallet[row["wallet_id"]].append(row)
        balances = {
            r["id"]: r["balance"]
            for r in self.ctx.query(
                "SELECT id::text AS id, balance FROM wallets WHERE id = ANY(%s::uuid[])", [self.ids]
            )
        }
        for wallet in self.ids:
            self._wallet(wallet, expected[wallet], credits.get(wallet, {}), by_wallet[wallet], balances.get(wallet))
        for problem in ledger_problems(self.ctx.query, self.ids):
            rule = (
                "transfers.legs"
                if problem.startswith("transfer")
                else "outbox.row-per-change"
                if "outbox" in problem
                else "money.balance-equals-ledger"
            )
            self.fail(rule, problem, *[w for w in self.ids if w in problem])

    def _wallet(
        self, wallet: str, expected: dict, credits: dict[str, int], rows: list[dict], balance: int | None
    ) -> None:
        mine = {row["id"] for row in rows if row["type"] in ("deposit", "withdrawal") and row["id"] in expected["ids"]}
        missing = expected["ids"] - {row["id"] for row in rows}
        if missing:
            self.fail(
                "idempotency.replay-no-reexecution",
                f"wallet {wallet}: acknowledged transactions missing: {sorted(missing)}",
                wallet,
            )
        unexplained = [
            row
            for row in rows
            if row["id"] not in mine
            and row["type"] in ("deposit", "withdrawal")
            and not (row["type"] == "deposit" and row["status"] == "failed")
        ]
        unexplained += [row for row in rows if row["type"] == "credit" and row["id"] not in credits]
        unexplained += [
            row
            for row in rows
            if row["type"].startswith("transfer_") and row["transfer_id"] not in expected["transfers"]
        ]
        if unexplained:
            listed = ", ".join(f"{r['type']} {r['status']} {r['amount']} ({r['id']})" for r in unexplained[:6])
            self.fail(
                "idempotency.replay-no-reexecution",
                f"wallet {wallet}: rows no acknowledged operation explains: {listed}",
                wallet,
            )
        failed = sum(
            1 for row in rows if row["type"] == "deposit" and row["status"] == "failed" and row["id"] not in mine
        )
        if failed != expected["failed"]:
            self.fail(
                "deposits.declined",
                f"wallet {wallet}: {failed} failed deposits without an answer's id, "
                f"expected {expected['failed']} (402/502/504 answers)",
                wallet,
            )
        legs = defaultdict(int)
        for row in rows:
            if row["type"].startswith("transfer_"):
                legs[row["transfer_id"]] += 1
        for transfer in expected["transfers"]:
            if legs.get(transfer, 0) < 1:
                self.fail("transfers.legs", f"wallet {wallet}: no leg of acknowledged transfer {transfer}", wallet)
        model_balance = sum(
            EFFECT[row["type"]] * row["amount"]
            for row in rows
            if row["status"] == "succeeded" and row["type"] in EFFECT
        )
        api = self.ctx.transport.send(
            self.ctx.endpoints.request("get wallet", {"wallet": self._wallet_dict(wallet)}, {}), validate=False
        )
        api_balance = api.json.get("balance") if api.status == 200 and isinstance(api.json, dict) else None
        if api_balance != balance:
            self.fail(
                "wallets.get",
                f"wallet {wallet}: GET answers balance {api_balance}, the database holds {balance}",
                wallet,
            )
        if balance is not None and balance < 0:
            self.fail("money.no-negative-balance", f"wallet {wallet}: balance {balance}", wallet)
        if balance != model_balance:
            self.fail(
                "money.balance-equals-ledger",
                f"wallet {wallet}: balance {balance}, the acknowledged operations add up to {model_balance}",
                wallet,
            )
        chain = _chain_breaks(rows)
        if chain:
            self.fail(
                "resources.balance-after",
                f"wallet {wallet}: no order of its succeeded transactions explains balance_after {chain}",
                wallet,
            )

    def _credits(self) -> dict[str, dict[str, int]]:
        """Credit transaction ids by wallet (learned from credit.applied events, waited for), after checking
        each valid command was applied once and no invalid one was."""
        commands = {e.note["command_id"]: e for e in self.run.exchanges if "command_id" in e.note}
        valid = {cid for cid, e in commands.items() if e.note["valid"] and not e.error}

        def applied() -> dict[str, set[str]]:
            seen: dict[str, set[str]] = defaultdict(set)
            for message in self.ctx.broker.events:
                data = message.document.get("data") if isinstance(message.document, dict) else None
                if (
                    message.routing_key == "credit.applied"
                    and isinstance(data, dict)
                    and data.get("command_id") in commands
                ):
                    seen[data["command_id"]].add(str(data.get("transaction_id")))
            return seen

        self.ctx.broker.wait_until(lambda: valid <= set(applied()), self.ctx.event_timeout)
        self.ctx.broker.pump(0.5)  # once for the whole workload: a command applied twice shows a second event
        seen, credits = applied(), defaultdict(dict)
        for command_id, exchange in commands.items():
            wallet, transactions = exchange.note["wallet_id"], seen.get(command_id, set())
            if command_id in valid and len(transactions) != 1:
                self.fail(
                    "commands.once-per-id",
                    f"command {command_id} ({exchange.op.name}, {exchange.note['amount']}) "
                    f"applied {len(transactions)} times",
                    wallet,
                )
            if command_id not in valid and transactions:
                self.fail("commands.invalid-amount", f"invalid command {command_id} was applied", wallet)
            for transaction in transactions:
                credits[wallet][transaction] = exchange.note["amount"]
        return credits

    def _wallet_dict(self, wallet: str) -> dict:
        return next(w for w in [*self.run.wallets, self.run.whale, *self.run.private] if w["id"] == wallet)

    def _wallets_of(self, exchange: Exchange) -> set[str]:
        text = (
            (exchange.request.path + (exchange.request.body or b"").decode("utf-8", "replace"))
            if exchange.request
            else json.dumps(exchange.note)
        )
        return {wallet for wallet in self.ids if wallet in text}


def _chain_breaks(rows: Iterable[dict]) -> str:
    """'' when the wallet's succeeded transactions can be put in an order where each balance_after is the one
    before plus its amount (credits) or minus it (debits), starting at 0; else why not.

    Each transaction is an edge `balance_after - change -> balance_after`; such an order is an Eulerian
    trail from 0 through all of them: every balance but the first and the last is entered as often as it
    is left, and the edges hang together."""
    edges = [
        (r["balance_after"] - EFFECT[r["type"]] * r["amount"], r["balance_after"])
        for r in rows
        if r["status"] == "succeeded" and r["type"] in EFFECT
    ]
    if not edges:
        return ""
    if any(after is None for _, after in edges):
        return "a succeeded transaction without balance_after"
    degree: dict[int, int] = defaultdict(int)
    for before, after in edges:
        degree[before] += 1
        degree[after] -= 1
    starts = [v for v, d in degree.items() if d > 0]
    ends = [v for v, d in degree.items() if d < 0]
    if (
        any(abs(d) > 1 for d in degree.values())
        or starts not in ([0], [])
        or len(ends) > 1
        or (not starts and 0 not in degree)
    ):
        odd = sorted(v for v, d in degree.items() if d)[:6]
        return f"balances entered and left unevenly: {odd} (the first must be 0)"
    neighbours: dict[int, set[int]] = defaultdict(set)
    for before, after in edges:
        neighbours[before].add(after)
        neighbours[after].add(before)
    reached, todo = {0}, [0]
    while todo:
        for other in neighbours[todo.pop()] - reached:
            reached.add(other)
            todo.append(other)
    apart = sorted(set(neighbours) - reached)[:6]
    return f"balances no order from 0 reaches: {apart}" if apart else ""
