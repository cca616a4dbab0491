"""The payment gateway mock (contract section 5): payment tokens, stubs, the journal, settlement."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from robot.api.deco import keyword

from ..routes import ApiResponse
from . import LibraryComponent

BEHAVIOURS = {
    "succeeds": "ok",
    "declines": "decline",
    "lacks funds": "insufficient",
    "stays pending": "pending",
    "fails": "error",
    "times out": "timeout",
}
Behaviour = Literal["succeeds", "declines", "lacks funds", "stays pending", "fails", "times out"]
POLL_S = 0.1


class GatewayKeywords(LibraryComponent):
    """Gateway mock, at `${GATEWAY_MOCK_URL}` (WireMock-like admin API under `/__admin`). Parallel-safe by
    construction: every stub, journal query and charge is scoped to the test's own payment token or charge
    id; the mock is never reset. A payment token's prefix picks the mock's default answer (`A Payment
    Token That`); `Gateway Will Answer` stubs anything else for one token."""

    @keyword("Wait Until Gateway Mock Is Healthy")
    def wait_until_gateway_mock_is_healthy(self, timeout: float | None = None) -> None:
        """Polls the mock's `GET /health` until 200 (deadline `timeout` seconds, default `${HEALTH_TIMEOUT}`).

        | Wait Until Gateway Mock Is Healthy |
        """
        deadline = time.monotonic() + (timeout or self.ctx.health_timeout)
        while True:
            try:
                self.ctx.gateway.call("GET", "/health")
                return
            except AssertionError as error:
                if time.monotonic() >= deadline:
                    raise AssertionError(f"gateway mock not healthy within the deadline: {error}") from None
            time.sleep(POLL_S)

    @keyword("A Payment Token That")
    def a_payment_token_that(self, behaviour: Behaviour) -> str:
        """A unique payment token the mock answers by default as described: `succeeds` (201), `declines`
        (402 card_declined), `lacks funds` (402 insufficient_funds), `stays pending` (202), `fails` (500),
        `times out` (answers after 10 s).

        | ${payment_token} = | A Payment Token That | stays pending |
        """
        return self.ctx.endpoints.payment_token(BEHAVIOURS[behaviour])

    @keyword("Gateway Will Answer")
    def gateway_will_answer(
        self, payment_token: str, status: int, times: int | None = None, delay_ms: int | None = None, body: Any = None
    ) -> str:
        """Stubs the mock's answer to charges of `payment_token`: `status` (and `body`, JSON text or a dict,
        else the usual body for that status), after `delay_ms`, for the next `times` charges (forever when
        omitted). Stubs of one token are used in the order added. Returns the stub id.

        | Gateway Will Answer | ${token} | 500 | times=1 |
        | Gateway Will Answer | ${token} | 201 | delay_ms=1500 |
        """
        payload: dict[str, Any] = {"payment_token": payment_token, "status": status}
        if body is not None:
            payload["body"] = json.loads(body) if isinstance(body, str) else body
        payload.update({name: value for name, value in (("delay_ms", delay_ms), ("times", times)) if value is not None})
        return str(self.ctx.gateway.call("POST", "/__admin/stubs", payload)["id"])

    @keyword("A Payment Token Whose Charge Gets")
    def a_payment_token_whose_charge_gets(self, answer: str) -> str:
        """A unique payment token whose charges the gateway answers as `answer` says: `500 always` (the
        mock's failing prefix), `<5xx status> once` (that status for the first charge only, then success: a
        retry would succeed), `no answer always` (answers after 10 s), `no answer once` (the first charge
        answered only after `GATEWAY_TIMEOUT_MS` + 3 s, later ones at once).

        | ${payment_token} = | A Payment Token Whose Charge Gets | 503 once |
        """
        if answer == "500 always":
            return self.a_payment_token_that("fails")
        if answer == "no answer always":
            return self.a_payment_token_that("times out")
        token = self.a_payment_token_that("succeeds")
        if answer == "no answer once":
            self.gateway_will_answer(token, 201, times=1, delay_ms=int(self.ctx.setting("GATEWAY_TIMEOUT_MS")) + 3000)
        elif answer.endswith(" once") and answer.split()[0].isdigit():
            self.gateway_will_answer(token, int(answer.split()[0]), times=1)
        else:
            raise AssertionError(
                f"unknown gateway answer {answer!r}: use 500 always, <status> once, no answer always or no answer once"
            )
        return token

    @keyword("A Payment Token Declined With")
    def a_payment_token_declined_with(self, decline_code: str) -> str:
        """A unique payment token the gateway declines (402) with this `decline_code` (a stub with a fresh
        charge id).

        | ${payment_token} = | A Payment Token Declined With | do_not_honor |
        """
        token = self.a_payment_token_that("succeeds")
        body = {"id": f"ch_{uuid.uuid4().hex}", "status": "declined", "decline_code": decline_code}
        self.gateway_will_answer(token, 402, body=body)
        return token

    @keyword("A Payment Token Answered Slowly Within The Timeout")
    def a_payment_token_answered_slowly_within_the_timeout(self) -> str:
        """A unique payment token whose charges succeed (201) after a quarter of `GATEWAY_TIMEOUT_MS`.

        | ${payment_token} = | A Payment Token Answered Slowly Within The Timeout |
        """
        token = self.a_payment_token_that("succeeds")
        self.gateway_will_answer(token, 201, delay_ms=int(self.ctx.setting("GATEWAY_TIMEOUT_MS")) // 4)
        return token

    @keyword("A Payment Token Of Length")
    def a_payment_token_of_length(self, length: int) -> str:
        """A payment token of exactly `length` characters, unique to this test (the mock answers it 201
        succeeded); empty for 0.

        | ${token} = | A Payment Token Of Length | 255 |
        """
        return (self.a_payment_token_that("succeeds") + "_" + "x" * length)[:length]

    @keyword("A Gateway Delay Within The Timeout")
    def a_gateway_delay_within_the_timeout(self) -> int:
        """A gateway delay in ms well inside the wallet's `GATEWAY_TIMEOUT_MS` (half of it).

        | ${delay} = | A Gateway Delay Within The Timeout |
        """
        return int(self.ctx.setting("GATEWAY_TIMEOUT_MS")) // 2

    @keyword("A Gateway Delay Beyond The Timeout")
    def a_gateway_delay_beyond_the_timeout(self) -> int:
        """A gateway delay in ms past the wallet's `GATEWAY_TIMEOUT_MS` (by 1.5 s).

        | ${delay} = | A Gateway Delay Beyond The Timeout |
        """
        return int(self.ctx.setting("GATEWAY_TIMEOUT_MS")) + 1500

    @keyword("Gateway Stubs Should Be Removed For")
    def gateway_stubs_should_be_removed_for(self, payment_token: str) -> None:
        """Removes every stub of `payment_token` (teardown of tests that stub forever).

        | [Teardown] | Gateway Stubs Should Be Removed For | ${token} |
        """
        self.ctx.gateway.call("DELETE", "/__admin/stubs", params={"payment_token": payment_token})

    @keyword("Gateway Should Have Been Charged")
    def gateway_should_have_been_charged(self, payment_token: str, times: int) -> list:
        """Fails unless the mock received exactly `times` charge requests for `payment_token` (the wallet
        never retries on its own); returns them, oldest first (`received_at`, `method`, `path`, `headers`
        with lower-case names, `body`, `response_status`, `charge_id`).

        | Gateway Should Have Been Charged | ${payment_token} | 0 |
        """
        received = self.ctx.gateway.charges(payment_token)
        if len(received) != times:
            raise AssertionError(
                f"gateway charges for {payment_token}: expected {times}, got {len(received)}: "
                + ", ".join(f"{r.get('response_status')} at {r.get('received_at')}" for r in received)
            )
        return received

    @keyword("Gateway Charges For Request Should Be")
    def gateway_charges_for_request_should_be(self, response: ApiResponse, count: int) -> None:
        """For a deposit request whose body named a payment token (a non-empty string): fails unless the gateway
        got exactly `count` charges for that token. Any other request: nothing to check.

        | Gateway Charges For Request Should Be | ${response} | 0 |
        """
        sent = response.sent_json
        token = sent.get("payment_token") if isinstance(sent, dict) else None
        if isinstance(token, str) and token and response.path.split("?")[0].endswith("/deposits"):
            self.gateway_should_have_been_charged(token, count)

    @keyword("Gateway Should Have Been Charged Once For")
    def gateway_should_have_been_charged_once_for(self, response: ApiResponse, transaction_id: str) -> dict:
        """Fails unless the mock received exactly one charge for the deposit response's payment token:
        `POST /v1/charges` with the deposit's amount, currency, token, `reference` = the transaction id and
        `Idempotency-Key` = `<owner>:<client key>` (contract section 5). Returns the charge request.

        | ${charge} = | Gateway Should Have Been Charged Once For | ${response} | ${response.json}[id] |
        """
        sent = response.sent_json
        charge = self.gateway_should_have_been_charged(sent["payment_token"], 1)[0]
        body, headers = charge.get("body") or {}, charge.get("headers") or {}
        checks = [
            ("method", charge.get("method"), "POST"),
            ("path", charge.get("path"), "/v1/charges"),
            *((f"body.{name}", body.get(name), sent[name]) for name in ("amount", "currency", "payment_token")),
            ("body.reference", body.get("reference"), transaction_id),
            ("header Idempotency-Key", headers.get("idempotency-key"), f"{response.owner}:{response.idempotency_key}"),
        ]
        problems = [
            f"{what}: expected {wanted!r}, got {actual!r}" for what, actual, wanted in checks if actual != wanted
        ]
        if problems:
            raise AssertionError("Gateway charge request differs:\n" + "\n".join(f"  - {p}" for p in problems))
        return charge

    @keyword("Charge Id Of Last Gateway Charge")
    def charge_id_of_last_gateway_charge(self, payment_token: str) -> str:
        """The charge id the mock answered to the newest charge of `payment_token`.

        | ${charge_id} = | Charge Id Of Last Gateway Charge | ${payment_token} |
        """
        return self.ctx.gateway.last_charge_id(payment_token)

    @keyword("Settle Charge")
    def settle_charge(
        self,
        charge_id: str,
        status: Literal["succeeded", "failed"] = "succeeded",
        failure_code: str | None = None,
        signature: Literal["valid", "invalid", "missing"] = "valid",
        repeat: int = 1,
    ) -> list:
        """Makes the mock POST the signed webhook `{"charge_id", "status", "failure_code"}` to the wallet
        `repeat` times; returns the wallet's answers `[{"status": int, "body": ...}]`. Works for a charge id
        the mock never issued too.

        | ${deliveries} = | Settle Charge | ${charge_id} | failed | card_declined |
        """
        payload = {"status": status, "failure_code": failure_code, "signature": signature, "repeat": repeat}
        answer = self.ctx.gateway.call(
            "POST", f"/__admin/charges/{charge_id}/settle", payload, timeout=self.ctx.http_timeout * (repeat + 1)
        )
        return list(answer["deliveries"])

    @keyword("Settle Pending Deposit")
    def settle_pending_deposit(
        self,
        payment_token: str,
        status: Literal["succeeded", "failed"] = "succeeded",
        failure_code: str | None = None,
        repeat: int = 1,
    ) -> list:
        """Settles the pending deposit paid with `payment_token` through the mock's signed webhook and
        fails unless the wallet answers 200 to every delivery; returns the deliveries.

        | Settle Pending Deposit | ${payment_token} | status=failed | failure_code=card_declined |
        """
        deliveries = self.settle_charge(
            self.charge_id_of_last_gateway_charge(payment_token), status, failure_code, "valid", repeat
        )
        self.webhook_deliveries_should_be_answered(deliveries, 200)
        return deliveries

    @keyword("Webhook Deliveries Should Be Answered")
    def webhook_deliveries_should_be_answered(self, deliveries: list, status: int) -> None:
        """Fails unless the wallet answered every webhook delivery with `status`.

        | Webhook Deliveries Should Be Answered | ${deliveries} | 401 |
        """
        statuses = [delivery.get("status") for delivery in deliveries]
        if not statuses or any(actual != status for actual in statuses):
            raise AssertionError(f"webhook deliveries: expected every status {status}, got {statuses}")
