"""The oracle: the state the contract implies, computed from the requests, the answers and the gateway's
script (never from the database's own rows), compared with what was observed once the system was quiet.

`expect()` builds the model: per acknowledged operation the row it must have left (type, amount of the
REQUEST, currency, status, `balance_after` of the ANSWER), per acknowledged transfer its two legs, per
valid command one credit of its amount; a 402/502/504 deposit one failed row of its amount; an operation
with no definite answer (even after it was sent again with its key) may have happened or not, and is
counted at most once. `Checker.money()` compares every row of every wallet's full history walk (and the
same rows read by primary key) with it, and each balance (database, API, ledger sum) with the model's.
Nothing here sends a request: the checker judges a `Run` and its observations (`observe.collect`), live
or loaded from a saved history (`recheck.py`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from .facts import EFFECT, Expected, Finding, chain_breaks, ids_of, sent_status
from .faults import in_outage
from .observe import DEFINITE, key_groups, wallet_ids
from .records import Exchange, Run

DECLINE_CODES = {"tok_decline_": "card_declined", "tok_insufficient_": "insufficient_funds"}
FIELDS = ("wallet_id", "type", "status", "amount", "currency", "balance_after", "transfer_id", "failure_code")


class Checker:
    """Judges a finished `Run` against its observations; `findings` holds every broken rule, `observed`
    how many times each rule was exercised (a rule never exercised is NOT EXERCISED, never PASS)."""

    def __init__(self, run: Run, observed: dict[str, Any]) -> None:
        self.run, self.obs = run, observed
        self.findings: list[Finding] = []
        self.exercised: Counter[str] = Counter()
        self.errors: dict[str, str] = {}
        self.ids = wallet_ids(run)
        self.expected: dict[str, Expected] = {}
        self.transfers: dict[str, dict] = {}
        self.failed: dict[str, list[int]] = defaultdict(list)
        self.maybe: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.commands: dict[str, Exchange] = {}

    def fail(self, rule: str, message: str, *ids: Any) -> None:
        self.findings.append(Finding(rule, message, {str(i) for i in ids if i}))

    def saw(self, rule: str, count: int = 1) -> None:
        self.exercised[rule] += count

    def step(self, name: str, rules: Iterable[str], function: Any) -> None:
        """Runs one step of the check; a step that crashes is reported (as an error of its rules) and the
        other steps still run: one broken step never hides the report of the others."""
        try:
            function()
        except Exception as error:  # the report must survive any surprise of a wrong implementation
            message = f"the check '{name}' could not finish: {error.__class__.__name__}: {error}"
            for rule in rules:
                self.errors[rule] = message
            self.fail(next(iter(rules)), message)

    # ------------------------------------------------------------------ answers and keys

    def responses(self) -> None:
        for exchange in self.run.exchanges:
            if exchange.response is None or (exchange.status >= 500 and in_outage(self.run, exchange)):
                continue  # the contract is silent on answers while the wallet's database or broker fails
            self.saw("http.documented-responses")
            if exchange.note.get("violation"):
                self.fail(
                    "http.documented-responses", f"{exchange.op.name}: {exchange.note['violation']}", *ids_of(exchange)
                )
            body = exchange.body if isinstance(exchange.body, dict) else {}
            for name in ("balance", "balance_after"):
                if isinstance(body.get(name), int):
                    self.saw("money.no-negative-balance")
                    if body[name] < 0:
                        self.fail(
                            "money.no-negative-balance", f"{exchange.op.name}: {name} {body[name]}", *ids_of(exchange)
                        )

    def keys(self) -> None:
        """A key runs once (however often sent at once), replays repeat the first answer byte for byte."""
        for key, exchanges in key_groups(self.run).items():
            definite = [e for e in exchanges if e.status in DEFINITE]
            executed = [e for e in definite if not e.response.replayed]
            if len(exchanges) > 1:
                self.saw("idempotency.in-use")
            if len(executed) > 1:
                bodies = ", ".join(f"{e.status} {e.response.text[:120]}" for e in executed)
                self.fail(
                    "idempotency.in-use",
                    f"key {key[1]} executed {len(executed)} times: {bodies}",
                    key[1],
                    *ids_of(executed[0]),
                )
            first = executed[0] if executed else (definite[0] if definite else None)
            for replay in (e for e in definite if e is not first):
                self.saw("idempotency.replay-byte-identical")
                if (
                    replay.status != first.status
                    or replay.response.body != first.response.body
                    or not replay.response.replayed
                ):
                    self.fail(
                        "idempotency.replay-byte-identical",
                        f"{replay.op.name}: key {key[1]} answered {replay.status} {replay.response.text[:160]} "
                        f"(replayed={replay.response.replayed}) after {first.status} {first.response.text[:160]}",
                        key[1],
                        *ids_of(replay),
                    )
            self._expect(exchanges, first)

    def _expect(self, exchanges: list[Exchange], first: Exchange | None) -> None:
        """What the key's operation must have left (see the module docstring)."""
        request = exchanges[0].request
        sent = json.loads(request.body) if request.body else {}
        amount, currency = sent.get("amount"), sent.get("currency")
        path = request.path
        invoked = exchanges[0].started
        # No definite answer, even when sent again: it may have happened (at most once). An attempt cut by an
        # outage of the wallet's own database or broker may have left a row of its own before the retry ran.
        lost = [e for e in exchanges if e.status not in DEFINITE and in_outage(self.run, e)]
        for _ in range((first is None) + len(lost)):
            wallet = sent.get("source_wallet_id") or path.split("/")[3]
            kind = "transfer" if path.endswith("/transfers") else path.rsplit("/", 1)[-1].rstrip("s")
            self.maybe[str(wallet)].append((kind, amount))
            if kind == "transfer":
                self.maybe[str(sent.get("destination_wallet_id"))].append(("transfer", amount))
        if first is None:
            return
        body = first.body if isinstance(first.body, dict) else {}
        acked = first.ended
        if path.endswith("/transfers") and first.status == 201:
            self.transfers[body.get("id")] = {**sent, "op": first.op.name, "invoked": invoked, "acked": acked}
        elif path.endswith("/deposits") and first.status in (201, 202):
            statuses = {"succeeded"} if first.status == 201 else self._settled(body.get("id"))
            balance_after = body.get("balance_after") if first.status == 201 else None
            self.expected[body.get("id")] = Expected(
                path.split("/")[3], "deposit", amount, currency, statuses, balance_after, first.op.name, invoked, acked
            )
        elif path.endswith("/deposits") and first.status in (402, 502, 504):
            self.failed[path.split("/")[3]].append(amount)
        elif path.endswith("/withdrawals") and first.status == 201:
            self.expected[body.get("id")] = Expected(
                path.split("/")[3],
                "withdrawal",
                amount,
                currency,
                {"succeeded"},
                body.get("balance_after"),
                first.op.name,
                invoked,
                acked,
            )

    def _settled(self, transaction: str) -> set[str]:
        """The statuses a pending deposit may end in: pending without an accepted webhook; else the status of
        the first accepted one, or of any accepted one sent while that one was still running."""
        hooks = [e for e in self.run.exchanges if e.op.kind == "settle" and e.note.get("transaction_id") == transaction]
        accepted = sorted((h for h in hooks if h.status == 200), key=lambda h: h.started)
        if not accepted:
            return {"pending"} if not hooks else {"pending", "succeeded", "failed"}
        first = accepted[0]
        return {sent_status(h) for h in accepted if h is first or h.started < first.ended}

    # ------------------------------------------------------------------ the rows and the balances

    def money(self) -> None:
        """Every row of every wallet's history is one the model explains, with the model's values; each
        balance (database, API, ledger) is the model's."""
        self._credits()
        rows_by_pk = self.obs.get("transactions", {})
        for wallet in self.ids:
            items = self.obs["walks"].get(wallet, [])
            if items and "cut" in items[-1]:
                self.fail("history.cursor-walk", f"wallet {wallet}: the final walk was cut: {items[-1]['cut']}", wallet)
                continue
            self._rows(wallet, items, rows_by_pk)
        for transaction, spec in self.expected.items():
            self.saw(f"{spec.type}s.succeeded" if "succeeded" in spec.statuses else "deposits.pending")
            if transaction not in rows_by_pk or not any(
                i.get("id") == transaction for i in self.obs["walks"].get(spec.wallet, [])
            ):
                self.fail(
                    "idempotency.replay-no-reexecution",
                    f"{spec.op}: acknowledged {spec.type} {transaction} is missing from its wallet's history or rows",
                    spec.wallet,
                    transaction,
                )
        self._transfers()

    def _rows(self, wallet: str, items: list[dict], rows_by_pk: dict[str, dict]) -> None:
        maybe = Counter(self.maybe.get(wallet, []))
        failed = Counter(self.failed.get(wallet, []))
        for item in items:
            row = rows_by_pk.get(item["id"])
            self.saw("transactions.get")
            if row is None:
                self.fail(
                    "money.balance-equals-ledger",
                    f"wallet {wallet}: history lists {item['id']}, no such row",
                    wallet,
                    item["id"],
                )
                continue
            differ = [
                f"{k}: history {item.get(k)!r}, row {row.get(k)!r}"
                for k in FIELDS
                if str(item.get(k)) != str(row.get(k))
            ]
            if differ:
                self.fail("transactions.get", f"transaction {item['id']}: {'; '.join(differ)}", wallet, item["id"])
            self._explain(wallet, item, maybe, failed)
        missing_failed = +failed
        if missing_failed:
            self.fail(
                "deposits.declined",
                f"wallet {wallet}: no failed deposit row for 402/502/504 answers of amounts "
                f"{sorted(missing_failed.elements())}",
                wallet,
            )
        succeeded = [i for i in items if i.get("status") == "succeeded" and i.get("type") in EFFECT]
        ledger = sum(EFFECT[i["type"]] * i["amount"] for i in succeeded)
        model = sum(EFFECT[i["type"]] * self._model_amount(i) for i in succeeded)
        balance, api = self.obs["balances"].get(wallet), self.obs["api_balances"].get(wallet)
        self.saw("money.balance-equals-ledger")
        self.saw("wallets.get")
        if api != balance:
            self.fail(
                "wallets.get", f"wallet {wallet}: GET answers balance {api}, the database holds {balance}", wallet
            )
        if balance is not None and balance < 0:
            self.fail("money.no-negative-balance", f"wallet {wallet}: balance {balance}", wallet)
        if balance != ledger or balance != model:
            self.fail(
                "money.balance-equals-ledger",
                f"wallet {wallet}: balance {balance}, ledger sum {ledger}, "
                f"the requests of its operations add up to {model}",
                wallet,
            )
        self.saw("resources.balance-after")
        chain = chain_breaks(succeeded)
        if chain:
            self.fail(
                "resources.balance-after",
                f"wallet {wallet}: no order of its succeeded rows explains balance_after: {chain}",
                wallet,
            )

    def _explain(self, wallet: str, item: dict, maybe: Counter, failed: Counter) -> None:
        """One row against the model: its operation's values, or an unexplained row."""
        spec = self.expected.get(item["id"])
        kind, amount = item.get("type"), item.get("amount")
        if spec is not None:
            wrong = []
            if (spec.wallet, spec.type, spec.amount, spec.currency) != (wallet, kind, amount, item.get("currency")):
                wrong.append(
                    f"{kind} {amount} {item.get('currency')} on {wallet}, "
                    f"requested {spec.type} {spec.amount} {spec.currency} on {spec.wallet}"
                )
            if item.get("status") not in spec.statuses:
                wrong.append(f"status {item.get('status')}, expected {sorted(spec.statuses)}")
            if spec.balance_after is not None and item.get("balance_after") != spec.balance_after:
                wrong.append(f"balance_after {item.get('balance_after')}, the answer said {spec.balance_after}")
            if wrong:
                rule = "resources.balance-after" if "balance_after" in wrong[0] else f"{spec.type}s.succeeded"
                if item.get("status") not in spec.statuses and spec.type == "deposit":
                    rule = "webhooks.repeat-no-change"
                self.fail(rule, f"{spec.op}: row {item['id']}: {'; '.join(wrong)}", wallet, item["id"])
            return
        self.saw("idempotency.replay-no-reexecution")
        if kind == "deposit" and item.get("status") == "failed" and failed[amount] > 0:
            self.saw("deposits.declined")
            failed[amount] -= 1
            return
        if kind == "credit" and item["id"] in self.credit_rows:
            self.saw("commands.credit-applied")
            if self.credit_rows[item["id"]] != amount:
                self.fail(
                    "commands.credit-applied",
                    f"credit {item['id']}: amount {amount}, the command said {self.credit_rows[item['id']]}",
                    wallet,
                    item["id"],
                )
            return
        if kind in ("transfer_in", "transfer_out") and item.get("transfer_id") in self.transfers:
            return
        group = "transfer" if kind.startswith("transfer") else kind
        if maybe[(group, amount)] > 0:
            maybe[(group, amount)] -= 1
            return
        self.fail(
            "idempotency.replay-no-reexecution",
            f"wallet {wallet}: row no acknowledged operation explains: "
            f"{kind} {item.get('status')} {amount} ({item['id']})",
            wallet,
            item["id"],
        )

    def _model_amount(self, item: dict) -> int:
        """The amount the model says a succeeded row moved: its request's (or command's), else the row's."""
        spec = self.expected.get(item["id"])
        if spec is not None:
            return spec.amount
        if item.get("transfer_id") in self.transfers:
            return self.transfers[item["transfer_id"]].get("amount")
        return self.credit_rows.get(item["id"], item["amount"])

    def _credits(self) -> None:
        """Each valid command credited once (its `credit.applied` events name one transaction), no invalid one."""
        self.credit_rows: dict[str, int] = {}
        self.commands = {e.note["command_id"]: e for e in self.run.exchanges if "command_id" in e.note}
        applied: dict[str, set[str]] = defaultdict(set)
        for event in self.obs.get("events", []):
            if event["routing_key"] == "credit.applied" and event["data"].get("command_id") in self.commands:
                applied[event["data"]["command_id"]].add(str(event["data"].get("transaction_id")))
        for command_id, exchange in self.commands.items():
            wallet, transactions = exchange.note["wallet_id"], applied.get(command_id, set())
            if exchange.note["valid"] and not exchange.error:
                self.saw("commands.once-per-id")
                if len(transactions) != 1:
                    self.fail(
                        "commands.once-per-id",
                        f"command {command_id} ({exchange.op.name}) applied {len(transactions)} times",
                        wallet,
                        command_id,
                    )
            elif not exchange.note["valid"]:
                self.saw("commands.invalid-amount")
                if transactions:
                    self.fail(
                        "commands.invalid-amount", f"invalid command {command_id} was applied", wallet, command_id
                    )
            for transaction in transactions:
                self.credit_rows[transaction] = exchange.note["amount"]

    def _transfers(self) -> None:
        """Each acknowledged transfer: its row as requested, one leg on each side with its amount."""
        walks = self.obs["walks"]
        for transfer, sent in self.transfers.items():
            self.saw("transfers.legs")
            source, destination = sent.get("source_wallet_id"), sent.get("destination_wallet_id")
            row = self.obs.get("transfers", {}).get(transfer)
            want = {
                "source_wallet_id": source,
                "destination_wallet_id": destination,
                "amount": sent.get("amount"),
                "currency": sent.get("currency"),
            }
            self.saw("transfers.succeeded")
            if row is None or any(row.get(k) != v for k, v in want.items()):
                self.fail(
                    "transfers.succeeded",
                    f"{sent['op']}: transfer {transfer} row {row}, requested {want}",
                    source,
                    destination,
                    transfer,
                )
            for wallet, kind, other in ((source, "transfer_out", destination), (destination, "transfer_in", source)):
                if wallet not in walks:
                    continue
                legs = [i for i in walks[wallet] if i.get("transfer_id") == transfer and i.get("type") == kind]
                if (
                    len(legs) != 1
                    or legs[0].get("amount") != sent.get("amount")
                    or legs[0].get("counterparty_wallet_id") != other
                ):
                    shown = [(i.get("amount"), i.get("counterparty_wallet_id")) for i in legs]
                    self.fail(
                        "transfers.legs",
                        f"{sent['op']}: transfer {transfer} of {sent.get('amount')}: {kind} legs on {wallet}: {shown}",
                        source,
                        destination,
                        transfer,
                    )
