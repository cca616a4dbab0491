"""The payment gateway mock's admin API (`${GATEWAY_MOCK_URL}/__admin`): stubs, journal, settlement."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from .context import Context


class GatewayMock:
    """Calls of the mock's admin API, each with the `${HTTP_TIMEOUT}` timeout, logged (no secret in them)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._session = requests.Session()
        self._session.trust_env = False

    def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """The JSON answer of one admin call; fails unless it is 200 or 201."""
        limit = timeout or self.ctx.http_timeout
        url = self.ctx.setting("GATEWAY_MOCK_URL").rstrip("/") + path
        try:
            answer = self._session.request(
                method, url, json=payload, params=params, timeout=limit, allow_redirects=False
            )
        except requests.RequestException as error:
            raise AssertionError(
                f"gateway mock {method} {path} got no answer within {limit} s: {error.__class__.__name__}"
            ) from None
        self.ctx.info(
            f"gateway mock {method} {path} {json.dumps(payload) if payload is not None else ''} "
            f"{dict(params or {})} -> {answer.status_code} {answer.text[:2000]}"
        )
        if answer.status_code not in (200, 201):
            raise AssertionError(
                f"gateway mock {method} {path}: expected 200 or 201, got {answer.status_code} {answer.text[:500]}"
            )
        return answer.json() if answer.content else None

    def charges(self, payment_token: str) -> list:
        """The charge requests the mock received for `payment_token`, oldest first."""
        return list(self.call("GET", "/__admin/requests", params={"payment_token": payment_token})["requests"])

    def last_charge_id(self, payment_token: str) -> str:
        """The charge id the mock answered to the newest charge of `payment_token`."""
        received = self.charges(payment_token)
        if not received:
            raise AssertionError(f"the gateway received no charge for {payment_token}")
        return str(received[-1]["charge_id"])
