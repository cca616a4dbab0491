"""Boundaries: every limit of `contracts/limits.yaml` probed at, just inside and just outside it."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from robot.api.deco import keyword

from ..context import robot_variable
from ..matcher import bullet_list
from ..routes import ApiResponse
from . import LibraryComponent

LIMITS = Path(__file__).resolve().parents[3] / "contracts" / "limits.yaml"
FUNDS = 300_000_000  # enough for every accepted amount of one table (1 + 2 + 99999999 + 100000000)


@cache
def limits() -> dict[str, dict[str, Any]]:
    """The limits table (`contracts/limits.yaml`)."""
    with LIMITS.open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle)["limits"])


def token_expiry_leeway() -> float:
    """Seconds of clock skew a correct service may allow past a token's `exp`: `TOKEN_EXPIRY_LEEWAY` (a Robot
    variable `-v TOKEN_EXPIRY_LEEWAY:5` or the environment: one setting), else the `token-expiry` row of
    `contracts/limits.yaml` (30). One number for the boundary suite (probes at +/- it) and `Token Used While
    Valid Should Be Refused Once Expired` (refused at the latest once the token is older than it).

    | ${leeway} = | Evaluate | ... token_expiry_leeway() |
    """
    given = robot_variable("TOKEN_EXPIRY_LEEWAY") or os.environ.get("TOKEN_EXPIRY_LEEWAY")  # None outside a run
    text = str(given or limits()["token-expiry"]["leeway"])
    try:
        return float(text)
    except ValueError:
        raise AssertionError(f"TOKEN_EXPIRY_LEEWAY={text!r} is not a number of seconds: e.g. 30") from None


def points(limit: dict[str, Any]) -> list[tuple[Any, bool, str]]:
    """(value, accepted?, where it lies) for a limit: a range gives min - 1, min, min + 1, max - 1, max,
    max + 1; a time limit its `inside` and `outside`."""
    if "leeway" in limit:  # a time limit a service may stretch by a leeway: probed beyond it on both sides
        leeway = int(token_expiry_leeway())
        return [(leeway, True, "inside"), (-leeway, False, "outside")]
    if "min" not in limit:
        return [(limit["inside"], True, "inside"), (limit["outside"], False, "outside")]
    low, high = int(limit["min"]), int(limit["max"])
    values = sorted({low - 1, low, low + 1, high - 1, high, high + 1})

    def label(value: int) -> str:
        return "at" if value in (low, high) else "just inside" if low < value < high else "just outside"

    return [(value, low <= value <= high, label(value)) for value in values]


class BoundaryKeywords(LibraryComponent):
    """Boundaries. The values are generated from `contracts/limits.yaml`, never picked by hand; one test per
    limit and place in `suites/boundaries/limits.robot`."""

    @keyword("Limit Should Hold At Its Boundaries")
    def limit_should_hold_at_its_boundaries(self, limit: str, where: str) -> None:
        """Sends, for the limit `limit` where it applies (`where`), a request with each value of its table row
        (at, just inside and just outside; see `contracts/limits.yaml`) and fails listing every value answered
        otherwise than the contract says (accepted inside, refused outside).

        | Limit Should Hold At Its Boundaries | amount | withdrawal |
        """
        row = limits().get(limit)
        if row is None or where not in row["where"]:
            raise AssertionError(f"no limit {limit!r} applying to {where!r} in {LIMITS.name}")
        probe = getattr(self, "_" + f"{limit}_{where}".replace("-", "_").replace(" ", "_"))
        lines, problems = [], []
        for value, accepted, label in points(row):
            outcome = probe(value)
            lines.append(f"{limit} {value} ({label}): expected {'accepted' if accepted else 'refused'}, got {outcome}")
            if outcome.startswith("accepted") != accepted:
                problems.append(lines[-1])
        self.ctx.info("\n".join(lines))
        if problems:
            raise AssertionError(
                f"{limit} of {where} does not hold at its boundaries ({row['rule']}):\n{bullet_list(problems)}"
            )

    # ------------------------------------------------------------------ helpers

    def _verdict(self, response: ApiResponse, accepted: int, code: str = "VALIDATION_ERROR") -> str:
        if response.status == accepted:
            return f"accepted ({response.status})"
        if response.status in (400, 401, 504) and response.code == code:
            return f"refused ({response.status} {response.code})"
        return f"something else: {response.status} {response.text[:200]}"

    def _funded(self, balance: int = FUNDS) -> dict:
        wallet = self.library.a_new_wallet()
        while balance > 0:
            self.library.fund_wallet(wallet, min(balance, 100_000_000))
            balance -= 100_000_000
        return wallet

    def _send(self, endpoint: str, target: dict, **arguments: Any) -> ApiResponse:
        return self.transport.send(self.ctx.endpoints.request(endpoint, target, arguments))

    # ------------------------------------------------------------------ amount

    def _amount_deposit(self, value: int) -> str:
        return self._verdict(self._send("deposit", {"wallet": self.library.a_new_wallet()}, amount=value), 201)

    def _amount_withdrawal(self, value: int) -> str:
        return self._verdict(self._send("withdrawal", {"wallet": self._funded()}, amount=value), 201)

    def _amount_transfer(self, value: int) -> str:
        target = {"wallet": self._funded(), "destination": self.library.a_new_wallet()}
        return self._verdict(self._send("transfer", target, amount=value), 201)

    def _amount_credit_command(self, value: int) -> str:
        wallet = self.library.a_new_wallet()
        command = self.library.a_credit_command(wallet["id"], value, wallet["currency"])
        self.library.publish_command_message(command)
        found = self.broker.wait_until(
            lambda: (
                self.ctx.events.matching("credit.applied", {"command_id": command["id"]}, since_test=False)
                or [m for m in self.broker.dead_letters if m.properties.message_id == command["id"]]
            ),
            self.ctx.event_timeout,
        )
        if not found:
            return f"something else: neither applied nor dead-lettered within {self.ctx.event_timeout} s"
        if found[0].exchange == "wallet.events":
            return "accepted (credit.applied)"
        self.library.command_should_land_in_dead_letter_queue(command["id"])
        return "refused (dead-lettered)"

    # ------------------------------------------------------------------ lengths

    def _owner_id_bearer_token(self, length: int) -> str:
        owner = self.library.a_new_owner_of_length(length) if length > 2 else uuid.uuid4().hex[:length]
        token = "empty_sub" if length == 0 else "valid"
        return self._verdict(self._send("list wallets", {"owner": owner}, token=token), 200, "UNAUTHORIZED")

    def _idempotency_key(self, endpoint: str, length: int) -> str:
        key = (self.transport.unique_key() + "-" + "k" * length)[:length]
        target = {"wallet": self._funded(10_000), "destination": self.library.a_new_wallet()}
        response = self._send(endpoint, target, amount=1000, idempotency_key=key)
        return (
            f"refused ({response.status} {response.code})" if response.status == 400 else self._verdict(response, 201)
        )

    def _idempotency_key_deposit(self, length: int) -> str:
        return self._idempotency_key("deposit", length)

    def _idempotency_key_withdrawal(self, length: int) -> str:
        return self._idempotency_key("withdrawal", length)

    def _idempotency_key_transfer(self, length: int) -> str:
        return self._idempotency_key("transfer", length)

    def _payment_token_deposit(self, length: int) -> str:
        token = self.library.a_payment_token_of_length(length)
        return self._verdict(self._send("deposit", {"wallet": self.library.a_new_wallet()}, payment_token=token), 201)

    def _history_limit_history(self, value: int) -> str:
        wallet = self._funded(200)
        response = self._send("history", {"wallet": wallet}, limit=value)
        if response.status == 200 and len(response.json["data"]) > value:
            return f"something else: {len(response.json['data'])} transactions on a page of limit {value}"
        return self._verdict(response, 200)

    def _currency(self, letters: int) -> str:
        currency = self.ctx.setting("SUPPORTED_CURRENCIES").split(",")[0].strip()
        return (currency + "X" * letters)[:letters]

    def _currency_code_create_wallet(self, letters: int) -> str:
        owner = self.library.a_new_owner()
        return self._verdict(self._send("create wallet", {"owner": owner}, currency=self._currency(letters)), 201)

    def _currency_code_deposit(self, letters: int) -> str:
        wallet = self.library.a_new_wallet(self._currency(3))
        return self._verdict(self._send("deposit", {"wallet": wallet}, currency=self._currency(letters)), 201)

    # ------------------------------------------------------------------ time

    def _gateway_timeout_deposit(self, share: float) -> str:
        token = self.library.a_payment_token_that("succeeds")
        self.library.gateway_will_answer(
            token, 201, times=1, delay_ms=int(int(self.ctx.setting("GATEWAY_TIMEOUT_MS")) * share)
        )
        response = self._send("deposit", {"wallet": self.library.a_new_wallet()}, payment_token=token)
        return self._verdict(response, 201, "GATEWAY_TIMEOUT")

    @keyword("Token Used While Valid Should Be Refused Once Expired")
    def token_used_while_valid_should_be_refused_once_expired(self, wallet: dict, lifetime: int = 2) -> None:
        """Reads `wallet` with a token of its owner that expires `lifetime` seconds from now (it must be
        accepted: a service that remembers the tokens it verified has now seen this one), then reads it with
        the very same token once a second until it is refused. Fails unless the answer is `401` with code
        `UNAUTHORIZED` by the time the token has been expired for longer than the leeway a service may allow
        (`token_expiry_leeway`) plus 3 s. A strict service refuses it as soon as it expires; only a lenient
        one makes the test wait.

        | ${wallet} = | A New Wallet |
        | Token Used While Valid Should Be Refused Once Expired | ${wallet} |
        """
        token = self.transport.authorization(wallet["owner_id"], "valid", lifetime=lifetime)
        expires = int(time.time()) + lifetime  # the token's exp (tokens.py counts whole seconds)
        request = replace(self.ctx.endpoints.request("get wallet", {"wallet": wallet}, {}), authorization=token)
        self.transport.send(request).expect(200)
        leeway = token_expiry_leeway()
        while True:
            answer = self.transport.send(request)
            if answer.status != 200 or time.time() > expires + leeway + 3:
                break
            time.sleep(1.0)  # poll: the token's age is what is waited for
        if answer.status != 401 or (answer.json or {}).get("code") != "UNAUTHORIZED":
            raise AssertionError(
                f"a token used while valid, expired {time.time() - expires:.1f} s ago (leeway {leeway:g} s), "
                f"got {answer.status} instead of 401 UNAUTHORIZED: {answer.text[:300]}"
            )

    def _token_expiry_bearer_token(self, seconds: int) -> str:
        owner = self.library.a_new_owner()
        token = self.transport.authorization(owner, "valid", lifetime=seconds)
        request = replace(self.ctx.endpoints.request("list wallets", {"owner": owner}, {}), authorization=token)
        return self._verdict(self.transport.send(request), 200, "UNAUTHORIZED")
