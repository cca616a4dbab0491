"""Robot Framework library: admin API of the payment gateway mock (stubs, journal, settle)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import requests
from _support import scrub, setting, setting_seconds
from DataBuilders import json_value
from robot.api import logger
from robot.api.deco import keyword, library


@library(scope="GLOBAL", auto_keywords=False)
class GatewayMock:
    """The gateway mock's admin API at `${GATEWAY_MOCK_URL}` (WireMock-like, everything under `/__admin`).

    Parallel-safe by construction: every stub, journal query and charge is scoped to the test's own
    payment token or charge id; `/__admin/reset` is never called. Every call has the `${HTTP_TIMEOUT}`
    timeout (settling waits for the webhook deliveries, so it gets `repeat + 1` times that).

    Default answers by payment token prefix (see DataBuilders `Unique Payment Token`): `tok_decline_` 402
    card_declined, `tok_insufficient_` 402 insufficient_funds, `tok_pending_` 202, `tok_error_` 500,
    `tok_timeout_` 201 after 10 s, anything else 201 succeeded.
    """

    def __init__(self) -> None:
        self._session = requests.Session()
        self._session.trust_env = False

    def _url(self, path: str) -> str:
        return setting("GATEWAY_MOCK_URL").rstrip("/") + path

    def _call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        expected: tuple[int, ...] = (200, 201),
    ) -> requests.Response:
        limit = timeout or setting_seconds("HTTP_TIMEOUT", 5.0)
        try:
            answer = self._session.request(
                method, self._url(path), json=payload, params=params, timeout=limit, allow_redirects=False
            )
        except requests.RequestException as error:
            raise AssertionError(
                f"gateway mock {method} {path} got no answer within {limit} s: {error.__class__.__name__}"
            ) from None
        logger.info(
            scrub(
                f"gateway mock {method} {path} {json.dumps(payload) if payload is not None else ''} "
                f"{dict(params or {})} -> {answer.status_code} {answer.text[:2000]}"
            )
        )
        if answer.status_code not in expected:
            raise AssertionError(
                f"gateway mock {method} {path}: expected {' or '.join(map(str, expected))}, got "
                f"{answer.status_code} {answer.text[:500]}"
            )
        return answer

    @keyword
    def wait_until_gateway_mock_is_healthy(self, timeout: float | None = None) -> None:
        """Polls the mock's `GET /health` until 200 (deadline `timeout`, default `${HEALTH_TIMEOUT}`)."""
        deadline = time.monotonic() + (timeout or setting_seconds("HEALTH_TIMEOUT", 30.0))
        last = "no answer"
        while True:
            try:
                answer = self._session.get(self._url("/health"), timeout=setting_seconds("HTTP_TIMEOUT", 5.0))
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
            except requests.RequestException as error:
                last = error.__class__.__name__
            if time.monotonic() >= deadline:
                raise AssertionError(f"gateway mock not healthy within the deadline; last answer: {last}")
            time.sleep(0.25)

    @keyword
    def stub_gateway_charge(
        self,
        payment_token: str,
        status: int,
        body: Any = None,
        delay_ms: int | None = None,
        times: int | None = None,
    ) -> str:
        """Makes the mock answer charges of `payment_token` with `status` (and `body`, else the usual body
        for that status), after `delay_ms`, for the next `times` charges (forever when `${NONE}`). Stubs of
        one token are used in the order added. Returns the stub id.

        | Stub Gateway Charge | ${token} | 500 | times=1 |
        | Stub Gateway Charge | ${token} | 201 | delay_ms=1500 |
        """
        payload: dict[str, Any] = {"payment_token": payment_token, "status": int(status)}
        if body is not None:
            payload["body"] = json.loads(body) if isinstance(body, str) else body
        if delay_ms is not None:
            payload["delay_ms"] = int(delay_ms)
        if times is not None:
            payload["times"] = int(times)
        return str(self._call("POST", "/__admin/stubs", payload, expected=(201,)).json()["id"])

    @keyword
    def remove_gateway_stubs(self, payment_token: str) -> None:
        """Removes every stub of `payment_token`."""
        self._call("DELETE", "/__admin/stubs", params={"payment_token": payment_token})

    @keyword
    def gateway_charge_requests(self, payment_token: str) -> list:
        """The charge requests the mock received for `payment_token`, oldest first: each has
        `received_at`, `method`, `path`, `headers` (lower-case names), `body`, `response_status`,
        `charge_id`."""
        answer = self._call("GET", "/__admin/requests", params={"payment_token": payment_token})
        return list(answer.json()["requests"])

    @keyword
    def gateway_should_have_received_charges(self, payment_token: str, count: int) -> list:
        """Fails unless the mock received exactly `count` charge requests for `payment_token`; returns
        them. (The wallet never retries a charge on its own.)"""
        received = self.gateway_charge_requests(payment_token)
        if len(received) != int(count):
            raise AssertionError(
                f"gateway charges for {payment_token}: expected {count}, got {len(received)}: "
                + ", ".join(f"{r.get('response_status')} at {r.get('received_at')}" for r in received)
            )
        return received

    @keyword
    def gateway_charge_request_should_be(
        self,
        charge_request: Mapping[str, Any],
        amount: Any = None,
        currency: str | None = None,
        payment_token: str | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Fails unless a journaled charge request is `POST /v1/charges` with these body fields
        (`reference` = the deposit transaction id) and header `Idempotency-Key` (contract section 5:
        the client's key prefixed by the owner id and a colon, `<owner>:<key>`). Arguments left
        `${NONE}` are not checked."""
        body = charge_request.get("body") or {}
        headers = charge_request.get("headers") or {}
        checks = [
            ("method", charge_request.get("method"), "POST"),
            ("path", charge_request.get("path"), "/v1/charges"),
            ("body.amount", body.get("amount"), None if amount is None else json_value(amount)),
            ("body.currency", body.get("currency"), currency),
            ("body.payment_token", body.get("payment_token"), payment_token),
            ("body.reference", body.get("reference"), reference),
            ("header Idempotency-Key", headers.get("idempotency-key"), idempotency_key),
        ]
        problems = [
            f"{what}: expected {expected!r}, got {actual!r}"
            for what, actual, expected in checks
            if expected is not None and actual != expected
        ]
        if problems:
            raise AssertionError("Gateway charge request differs:\n" + "\n".join(f"  - {p}" for p in problems))

    @keyword
    def gateway_charge(self, charge_id: str) -> dict:
        """The charge as the mock knows it (`GET /__admin/charges/{id}`)."""
        return dict(self._call("GET", f"/__admin/charges/{charge_id}").json())

    @keyword
    def settle_gateway_charge(
        self,
        charge_id: str,
        status: str = "succeeded",
        failure_code: str | None = None,
        signature: str = "valid",
        repeat: int = 1,
    ) -> list:
        """Makes the mock POST the signed webhook `{"charge_id", "status", "failure_code"}` to the wallet
        `repeat` times (`signature`: `valid`, `invalid`, `missing`); returns the deliveries
        `[{"status": int, "body": ...}]` (the wallet's answers). Works for a charge id the mock never
        issued too."""
        payload = {"status": status, "failure_code": failure_code, "signature": signature, "repeat": int(repeat)}
        timeout = setting_seconds("HTTP_TIMEOUT", 5.0) * (int(repeat) + 1)
        answer = self._call("POST", f"/__admin/charges/{charge_id}/settle", payload, timeout=timeout)
        return list(answer.json()["deliveries"])

    @keyword
    def webhook_deliveries_should_have_status(self, deliveries: list, status: int) -> None:
        """Fails unless every webhook delivery was answered by the wallet with `status`."""
        statuses = [delivery.get("status") for delivery in deliveries]
        if not statuses or any(actual != int(status) for actual in statuses):
            raise AssertionError(f"webhook deliveries: expected every status {status}, got {statuses}")
