"""Helpers shared by the gateway mock tests (constants, a fake webhook receiver, a charge helper)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from starlette.testclient import TestClient

SECRET = "test-webhook-secret"
REFERENCE = "9b2f0c3e-0000-4000-8000-000000000001"
WEBHOOK_URL = "http://wallet.test/v1/webhooks/payment-gateway"


def expected_signature(raw: bytes, secret: str = SECRET) -> str:
    """What a correct implementation computes for `raw`."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class WebhookRecorder:
    """A fake wallet webhook endpoint (httpx MockTransport handler) that records the exact bytes it receives."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[httpx.Response] = []

    def answer_with(self, *answers: httpx.Response) -> None:
        """Queue answers; once empty the recorder answers 200 {"received": true}."""
        self.answers.extend(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.answers:
            return self.answers.pop(0)
        return httpx.Response(200, json={"received": True})

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def charge(client: TestClient, token: str, **extra: Any) -> httpx.Response:
    """POST a contract-shaped charge for `token`."""
    body = {"amount": 1050, "currency": "EUR", "payment_token": token, "reference": REFERENCE}
    body.update(extra)
    return client.post("/v1/charges", json=body, headers={"Idempotency-Key": "owner-1:key-1"})
