"""Transport and auth: any request, a repeated request, auth headers for exploratory steps, health."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from robot.api.deco import keyword

from ..routes import ApiResponse, Route, build_request
from ..tokens import TokenKind
from . import LibraryComponent

POLL_S = 0.1


class HttpKeywords(LibraryComponent):
    """Transport and auth."""

    @keyword("Send Wallet Api Request")
    def send_wallet_api_request(self, method: str, path: str, **arguments: Any) -> ApiResponse:
        """Sends any request to the Wallet API and validates the answer against the contract.

        `path` starts with `/`. Body fields as `name=value` are sent as a JSON object; `body=` sends raw
        text as is; options: `owner=`, `token=<kind>`, `idempotency_key=`, `request_id=`, `headers=`,
        `query=`, `validate=${False}`.

        | ${response} = | Send Wallet Api Request | GET | /v1/wallets | owner=${owner} |
        """
        endpoint = Route(method.upper(), path, money=False)
        return self.transport.send(build_request(endpoint, path, {}, arguments))

    @keyword("Repeat Request")
    def repeat_request(
        self, response: ApiResponse, owner: str | None = None, token: TokenKind | None = None
    ) -> ApiResponse:
        """Sends exactly the request that produced `response` again: same path, body bytes,
        `Idempotency-Key`, `X-Request-ID`, owner and token kind (`owner=` / `token=` change who sends it).

        | ${replay} = | Repeat Request | ${response} |
        | ${again} = | Repeat Request | ${rejected} | token=valid |
        """
        request = replace(
            response.request,
            owner=owner or response.owner,
            token=token or response.token_kind,
            request_id=response.sent_request_id or "auto",
            path=response.path,
            query={},
            headers={k: v for k, v in response.request.headers.items() if k.lower() != "x-request-id"},
        )
        return self.transport.send(request)

    @keyword("Auth Headers For")
    def auth_headers_for(self, owner: str, token: TokenKind = "valid") -> dict[str, str]:  # noqa: S107 - a kind
        """The `Authorization` header of a token of kind `token` for `owner`, for an exploratory step with
        RequestsLibrary on the session `wallet_api` (opened by `Prepare Test Run`). The token is masked
        in every result file.

        | ${headers} = | Auth Headers For | ${owner} |
        | ${answer} = | GET On Session | wallet_api | /v1/wallets | headers=${headers} |
        """
        self.ctx.http()
        value = self.transport.authorization(owner, token)
        return {} if value is None else {"Authorization": value}

    @keyword("Request Endpoint")
    def request_endpoint(self, endpoint: str, fixture: Mapping[str, Any], **arguments: Any) -> ApiResponse:
        """Sends one otherwise valid request to the endpoint named `endpoint` for a fixture
        `{owner, wallet, destination, transaction_id}` (see `A Funded Wallet With A Transfer Destination`),
        as its owner; returns the response.

        Endpoints: `health`, `create wallet` (currency USD unless `currency=`), `list wallets`,
        `get wallet`, `deposit`, `withdrawal`, `transfer` (wallet -> destination), `history`,
        `transaction` (the funding deposit), `webhook` (a validly signed webhook for an unknown charge).
        `owner=`, `wallet=`, `destination=`, `transaction_id=`, `charge_id=` replace the fixture's; every
        other argument goes to the request (`token=`, `request_id=`, body fields, `body=`, `limit=`, ...).

        | ${response} = | Request Endpoint | withdrawal | ${fixture} | token=expired |
        """
        target = dict(fixture)
        for name in ("owner", "wallet", "destination", "transaction_id", "charge_id"):
            if name in arguments:
                target[name] = arguments.pop(name)
        if " ".join(endpoint.lower().split()) == "create wallet":
            arguments.setdefault("currency", "USD")
        return self.transport.send(self.ctx.endpoints.request(" ".join(endpoint.lower().split()), target, arguments))

    @keyword("Request Health")
    def request_health(self, request_id: str | None = "auto") -> ApiResponse:
        """`GET /health` (no token); returns the response (200 or 503 by the contract).

        | ${response} = | Request Health |
        """
        return self.transport.send(self.ctx.endpoints.request("health", {}, {"request_id": request_id}))

    @keyword("Wallet Api Should Be Healthy")
    def wallet_api_should_be_healthy(self) -> ApiResponse:
        """Fails unless `GET /health` answers 200 (`{"status": "ok"}`, both checks `ok`, by the contract).

        | Wallet Api Should Be Healthy |
        """
        response = self.request_health()
        if response.status != 200:
            raise AssertionError(f"GET /health: expected 200, got {response.status}: {response.text[:300]}")
        return response

    @keyword("Wait Until Wallet Api Is Healthy")
    def wait_until_wallet_api_is_healthy(self, timeout: float | None = None) -> ApiResponse:
        """Polls `GET /health` until it answers 200 `{"status": "ok"}` (deadline `timeout` seconds, default
        `${HEALTH_TIMEOUT}`), then validates that answer against the contract.

        | Wait Until Wallet Api Is Healthy | timeout=10 |
        """
        request = self.ctx.endpoints.request("health", {}, {"validate": False})
        deadline = time.monotonic() + (timeout or self.ctx.health_timeout)
        last = "no answer"
        while True:
            try:
                response = self.transport.send(request)
                body = response.json
                if response.status == 200 and isinstance(body, dict) and body.get("status") == "ok":
                    self.transport.check(response)
                    return response
                last = f"{response.status} {response.text[:200]}"
            except AssertionError as error:
                last = str(error)
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"Wallet API at {self.ctx.setting('WALLET_API_URL')} not healthy within the deadline: "
                    f'expected 200 {{"status": "ok"}}, last answer: {self.ctx.scrub(last)}'
                )
            time.sleep(POLL_S)

    @keyword("Health Should Report")
    def health_should_report(
        self, check: Literal["database", "broker"], state: Literal["ok", "down"], timeout: float | None = None
    ) -> ApiResponse:
        """Waits (deadline `timeout` seconds, default `${HEALTH_TIMEOUT}`) until `/health` reports
        `checks.<check>` as `state`, validating every answer (200 when all ok, 503 `degraded` otherwise);
        returns that response.

        | ${response} = | Health Should Report | broker | down |
        """
        deadline = time.monotonic() + (timeout or self.ctx.health_timeout)
        while True:
            response = self.request_health()
            body = response.json
            if isinstance(body, dict) and (body.get("checks") or {}).get(check) == state:
                return response
            if time.monotonic() >= deadline:
                raise AssertionError(f"/health never reported {check}={state!r} in time; last body: {body}")
            time.sleep(POLL_S)
