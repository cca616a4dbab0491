"""Locust load profiles of the Wallet API (contract v1): a realistic mix of owners moving money.

Every simulated owner (one Locust user) gets a unique owner id `<run id>-<12 hex>` and its own HS256
token (signed here with `JWT_SECRET`, never printed), opens a wallet in the first supported currency,
then, with think time between actions: deposits, withdraws, transfers to other owners of the run,
reads its history and its wallet, and now and then opens a wallet in another currency. Every request
carries its own `Idempotency-Key` (and the same value as `X-Request-ID`, to find it in the wallet's logs).

Outcomes the contract allows as business answers are successes: `422 INSUFFICIENT_FUNDS`,
`402 PAYMENT_DECLINED`, `202` (pending deposit), `409 WALLET_EXISTS`. Everything else - a 5xx, a
connection error, a status or error code the contract does not allow there, a success body that breaks
the contract - is a Locust failure.

The load shape (`ProfileShape`) follows the profile chosen with `--stress-profile` / `STRESS_PROFILE`
(see `stress/profiles.py` for the profiles and the `STRESS_*` overrides). Run by hand:

    JWT_SECRET=... STRESS_PROFILE=smoke locust -f stress/locustfile.py --headless --host http://127.0.0.1:8080

Distributed: the same file on a `--master` and N `--worker` processes; the master's `--stress-*`
options reach the workers, `JWT_SECRET` must be in every worker's environment.

What the clients were told is written, at the end, to `--stress-client-ledger` (a JSON file, by the
master or the single process): per currency the amounts of deposits and withdrawals answered `201`,
and the amounts whose outcome is unknown (connection error, timeout, 5xx other than the contract's
502/504, request cut by the end of the run, `202` pending). The Robot suite compares it with the money
in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import profiles
from locust import FastHttpUser, LoadTestShape, events, task
from locust.runners import MasterRunner, WorkerRunner

LEDGER_MESSAGE = "stress_client_ledger"
_LOG = logging.getLogger("stress")


def _http_timeout() -> float:
    return float(os.environ.get("STRESS_HTTP_TIMEOUT") or os.environ.get("HTTP_TIMEOUT") or 10)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def mint_token(owner_id: str, secret: str, ttl_s: int) -> str:
    """An HS256 JWT for `owner_id` (claims sub, iat, exp); standard library only, so workers need no extra package."""
    now = int(time.time())
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = _b64url(json.dumps({"sub": owner_id, "iat": now, "exp": now + ttl_s}, separators=(",", ":")).encode())
    signing_input = f"{header}.{claims}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


# ---------------------------------------------------------------- what this process's clients were told
class ClientLedger:
    """Money the API confirmed to this process's clients, per currency, plus the amounts of unknown outcome."""

    FIELDS = ("deposited", "withdrawn", "unknown_deposited", "unknown_withdrawn")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new test starts)."""
        self.money: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(self.FIELDS, 0))
        self.in_flight: dict[str, dict[str, int]] = defaultdict(lambda: {"deposit": 0, "withdrawal": 0})
        self.counts: dict[str, int] = defaultdict(int)

    def snapshot(self) -> dict[str, Any]:
        """The ledger as JSON-able data; requests still in flight count as unknown outcomes."""
        money = {currency: dict(fields) for currency, fields in self.money.items()}
        for currency, flying in self.in_flight.items():
            fields = money.setdefault(currency, dict.fromkeys(self.FIELDS, 0))
            fields["unknown_deposited"] += flying["deposit"]
            fields["unknown_withdrawn"] += flying["withdrawal"]
        return {"money": money, "counts": dict(self.counts)}

    @staticmethod
    def merge(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
        """The sum of several processes' snapshots."""
        merged: dict[str, Any] = {"money": {}, "counts": defaultdict(int)}
        for snapshot in snapshots:
            for currency, fields in snapshot.get("money", {}).items():
                target = merged["money"].setdefault(currency, dict.fromkeys(ClientLedger.FIELDS, 0))
                for field in ClientLedger.FIELDS:
                    target[field] += int(fields.get(field, 0))
            for name, count in snapshot.get("counts", {}).items():
                merged["counts"][name] += int(count)
        merged["counts"] = dict(merged["counts"])
        return merged


LEDGER = ClientLedger()
WORKER_SNAPSHOTS: dict[str, dict[str, Any]] = {}
# Wallet ids opened by this process's owners, per currency: the destinations of transfers.
WALLETS: dict[str, list[str]] = defaultdict(list)
_STATE: dict[str, Any] = {}


@events.init_command_line_parser.add_listener
def _stress_options(parser: Any) -> None:
    parser.add_argument("--stress-profile", env_var="STRESS_PROFILE", default=profiles.DEFAULT_PROFILE,
                        help=f"load profile: {', '.join(profiles.PROFILES)}")  # fmt: skip
    parser.add_argument("--stress-users", env_var="STRESS_USERS", default="", help="peak users (override)")
    parser.add_argument("--stress-spawn-rate", env_var="STRESS_SPAWN_RATE", default="", help="users/s (override)")
    parser.add_argument("--stress-duration", env_var="STRESS_DURATION", default="", help="run time (override)")
    parser.add_argument("--stress-run-id", env_var="STRESS_RUN_ID", default="",
                        help="prefix of every owner id (default: generated)")  # fmt: skip
    parser.add_argument("--stress-currencies", env_var="SUPPORTED_CURRENCIES", default="EUR,USD,GBP",
                        help="currencies the wallet supports")  # fmt: skip
    parser.add_argument("--stress-client-ledger", env_var="STRESS_CLIENT_LEDGER", default="",
                        help="JSON file written at the end with what the clients were told")  # fmt: skip


def _profile(options: Any) -> profiles.Profile:
    key = (options.stress_profile, options.stress_users, options.stress_spawn_rate, options.stress_duration)
    if _STATE.get("profile_key") != key:
        _STATE["profile"] = profiles.resolve_profile(*key)
        _STATE["profile_key"] = key
    return _STATE["profile"]


@events.init.add_listener
def _on_init(environment: Any, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None:
        return
    try:
        _profile(options)
    except profiles.ProfileError as error:
        sys.exit(f"error: {error}")
    is_master = isinstance(environment.runner, MasterRunner)
    if not isinstance(environment.runner, WorkerRunner) and not options.stress_run_id:
        options.stress_run_id = f"stress-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    if not is_master and not os.environ.get("JWT_SECRET"):
        sys.exit("error: JWT_SECRET is not set: export the HS256 key the wallet verifies bearer tokens with")
    if is_master:
        environment.runner.register_message(LEDGER_MESSAGE, _on_worker_ledger)
    _STATE["environment"] = environment
    _LOG.info("stress run id %s, profile %s", options.stress_run_id, _profile(options))


def _on_worker_ledger(environment: Any, msg: Any, **_kwargs: Any) -> None:
    WORKER_SNAPSHOTS[msg.node_id] = msg.data


@events.report_to_master.add_listener
def _on_report_to_master(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
    data[LEDGER_MESSAGE] = LEDGER.snapshot()


@events.worker_report.add_listener
def _on_worker_report(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
    if LEDGER_MESSAGE in data:
        WORKER_SNAPSHOTS[client_id] = data[LEDGER_MESSAGE]


@events.test_start.add_listener
def _on_test_start(environment: Any, **_kwargs: Any) -> None:
    LEDGER.reset()
    WORKER_SNAPSHOTS.clear()


@events.test_stop.add_listener
def _on_test_stop(environment: Any, **_kwargs: Any) -> None:
    # A worker sends its final ledger before it tells the master it stopped (same ordered channel).
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.send_message(LEDGER_MESSAGE, LEDGER.snapshot())


@events.quit.add_listener
def _on_quit(exit_code: int, **_kwargs: Any) -> None:
    environment = _STATE.get("environment")
    if environment is None or isinstance(environment.runner, WorkerRunner):
        return
    options = environment.parsed_options
    if not options.stress_client_ledger:
        return
    if isinstance(environment.runner, MasterRunner):
        merged = ClientLedger.merge(list(WORKER_SNAPSHOTS.values()))
        merged["processes"] = len(WORKER_SNAPSHOTS)
    else:
        merged = ClientLedger.merge([LEDGER.snapshot()])
        merged["processes"] = 1
    merged["run_id"] = options.stress_run_id
    merged["profile"] = options.stress_profile
    path = Path(options.stress_client_ledger)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2, sort_keys=True), encoding="utf-8")


# ---------------------------------------------------------------- the load shape
class ProfileShape(LoadTestShape):
    """Users over time as the chosen profile says (steady, spike stages...); stops the run at its end."""

    def tick(self) -> tuple[int, float] | None:
        """(users, spawn rate) now, or None when the profile's duration is over."""
        return _profile(self.runner.environment.parsed_options).target(self.get_run_time())


# ---------------------------------------------------------------- one simulated owner
class WalletOwner(FastHttpUser):
    """One owner of the run: its own id, token and wallets."""

    network_timeout = _http_timeout()
    connection_timeout = _http_timeout()
    insecure = False  # verify TLS on staging

    def wait_time(self) -> float:
        """Think time between two actions, from the profile."""
        return random.uniform(self.profile.wait_min_s, self.profile.wait_max_s)

    def on_start(self) -> None:
        """Become a new owner (own id and token) and open a wallet in the first supported currency."""
        options = self.environment.parsed_options
        self.profile = _profile(options)
        self.currencies = [c.strip() for c in options.stress_currencies.split(",") if c.strip()] or ["EUR"]
        self.owner_id = f"{options.stress_run_id}-{uuid.uuid4().hex[:12]}"
        token = mint_token(self.owner_id, os.environ["JWT_SECRET"], self.profile.duration_s + 3600)
        self._authorization = f"Bearer {token}"
        self.wallets: dict[str, str] = {}
        self._open_wallet(self.currencies[0])

    # -- plumbing
    def _headers(self) -> dict[str, str]:
        key = uuid.uuid4().hex
        return {"Authorization": self._authorization, "Idempotency-Key": key, "X-Request-ID": key}

    def _call(
        self, method: str, path: str, name: str, allowed: dict[int, str | None], body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """One request; `allowed` maps each status the contract allows here to its error code (None = success).

        Returns (status, parsed body or None); status 0 = no answer (connection error or timeout).
        """
        with self.client.request(
            method, path, name=name, json=body, headers=self._headers(), catch_response=True
        ) as response:
            status = response.status_code or 0
            try:
                payload = response.json() if response.content else None
            except ValueError:
                payload = None
            code = payload.get("code") if isinstance(payload, dict) else None
            if status == 0:
                response.failure(f"no answer: {response.error or 'connection error'}")
            elif status not in allowed:
                response.failure(f"status {status} (code {code}) not allowed here; contract allows {sorted(allowed)}")
            elif allowed[status] is not None and code != allowed[status]:
                response.failure(f"status {status} with code {code}, contract says {allowed[status]}")
            else:
                problem = _contract_problem(name, status, body, payload)
                if problem:
                    response.failure(problem)
                else:
                    response.success()
            return status, payload

    def _open_wallet(self, currency: str) -> None:
        status, payload = self._call(
            "POST", "/v1/wallets", profiles.CREATE_WALLET, {201: None, 409: "WALLET_EXISTS"}, {"currency": currency}
        )
        LEDGER.counts[f"wallet_{status}"] += 1
        if status == 201 and isinstance(payload, dict) and payload.get("id"):
            self.wallets[currency] = payload["id"]
            WALLETS[currency].append(payload["id"])

    def _some_wallet(self) -> tuple[str, str] | None:
        if not self.wallets:
            self._open_wallet(self.currencies[0])
            return None
        return random.choice(list(self.wallets.items()))

    # -- the mix
    @task(5)
    def open_another_wallet(self) -> None:
        """Open a wallet in a random supported currency (409 WALLET_EXISTS when the owner has it already)."""
        self._open_wallet(random.choice(self.currencies))

    @task(30)
    def deposit(self) -> None:
        """Deposit with a card token; a share of them is declined by the gateway (402 is a business answer)."""
        chosen = self._some_wallet()
        if chosen is None:
            return
        currency, wallet_id = chosen
        amount = random.randint(100, 50_000)
        prefix = "tok_decline_" if random.random() < self.profile.decline_ratio else "tok_"
        body = {"amount": amount, "currency": currency, "payment_token": f"{prefix}stress_{uuid.uuid4().hex}"}
        LEDGER.in_flight[currency]["deposit"] += amount
        status, _ = self._call(
            "POST", f"/v1/wallets/{wallet_id}/deposits", profiles.DEPOSIT,
            {201: None, 202: None, 402: "PAYMENT_DECLINED"}, body,
        )  # fmt: skip
        LEDGER.in_flight[currency]["deposit"] -= amount
        LEDGER.counts[f"deposit_{status}"] += 1
        if status == 201:
            LEDGER.money[currency]["deposited"] += amount
        elif status not in (402, 502, 504):  # the contract says those leave the balance unchanged
            LEDGER.money[currency]["unknown_deposited"] += amount

    @task(20)
    def withdraw(self) -> None:
        """Withdraw; 422 INSUFFICIENT_FUNDS is a business answer."""
        chosen = self._some_wallet()
        if chosen is None:
            return
        currency, wallet_id = chosen
        amount = random.randint(100, 30_000)
        LEDGER.in_flight[currency]["withdrawal"] += amount
        status, _ = self._call(
            "POST", f"/v1/wallets/{wallet_id}/withdrawals", profiles.WITHDRAW,
            {201: None, 422: "INSUFFICIENT_FUNDS"}, {"amount": amount, "currency": currency},
        )  # fmt: skip
        LEDGER.in_flight[currency]["withdrawal"] -= amount
        LEDGER.counts[f"withdrawal_{status}"] += 1
        if status == 201:
            LEDGER.money[currency]["withdrawn"] += amount
        elif status != 422:
            LEDGER.money[currency]["unknown_withdrawn"] += amount

    @task(20)
    def transfer(self) -> None:
        """Transfer to another owner's wallet of the same currency; 422 INSUFFICIENT_FUNDS is a business answer."""
        chosen = self._some_wallet()
        if chosen is None:
            return
        currency, wallet_id = chosen
        destinations = [w for w in WALLETS[currency][-200:] if w != wallet_id]
        if not destinations:
            return
        body = {
            "source_wallet_id": wallet_id,
            "destination_wallet_id": random.choice(destinations),
            "amount": random.randint(100, 20_000),
            "currency": currency,
        }
        status, _ = self._call("POST", "/v1/transfers", profiles.TRANSFER, {201: None, 422: "INSUFFICIENT_FUNDS"}, body)
        LEDGER.counts[f"transfer_{status}"] += 1

    @task(20)
    def read_history(self) -> None:
        """Read the first page of a wallet's history."""
        chosen = self._some_wallet()
        if chosen is not None:
            self._call("GET", f"/v1/wallets/{chosen[1]}/transactions?limit=20", profiles.HISTORY, {200: None})

    @task(5)
    def read_wallet(self) -> None:
        """Read a wallet."""
        chosen = self._some_wallet()
        if chosen is not None:
            self._call("GET", f"/v1/wallets/{chosen[1]}", profiles.GET_WALLET, {200: None})


def _contract_problem(name: str, status: int, sent: dict[str, Any] | None, payload: Any) -> str | None:
    """What a successful answer breaks in the contract (section 3), or None."""
    if status >= 300:
        return None
    if not isinstance(payload, dict):
        return f"status {status} without a JSON object body"
    if name in (profiles.GET_WALLET, profiles.CREATE_WALLET):
        if not isinstance(payload.get("balance"), int) or payload["balance"] < 0:
            return f"wallet balance {payload.get('balance')!r} is not an integer >= 0"
        return None
    if name == profiles.HISTORY:
        return None if isinstance(payload.get("data"), list) else "history without a 'data' list"
    expected = "pending" if status == 202 else "succeeded"
    if payload.get("status") != expected:
        return f"status {status} with body status {payload.get('status')!r}, contract says {expected!r}"
    if sent is not None and payload.get("amount") != sent["amount"]:
        return f"amount {payload.get('amount')!r} in the answer, {sent['amount']} requested"
    return None
