"""Client of the payment gateway (contract section 5). One call, one deadline, never a retry."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Literal

import httpx

from . import jsonutil
from .logs import log_fields

log = logging.getLogger("wallet_api.gateway")

ChargeKind = Literal["succeeded", "pending", "declined", "error", "timeout"]

FAILURE_GATEWAY_ERROR = "gateway_error"
FAILURE_GATEWAY_TIMEOUT = "gateway_timeout"
FAILURE_DECLINED_DEFAULT = "declined"


@dataclass(frozen=True)
class ChargeResult:
    kind: ChargeKind
    charge_id: str | None = None
    decline_code: str | None = None
    http_status: int | None = None


def _charge_id(body: object) -> str | None:
    if isinstance(body, dict):
        value = body.get("id")
        if type(value) is str and 0 < len(value) <= 255 and value.isprintable():
            return value
    return None


def interpret(status: int, content: bytes) -> ChargeResult:
    """Map a gateway answer to an outcome; anything unexpected is a gateway error (502)."""
    if status >= 500:
        return ChargeResult("error", http_status=status)
    try:
        body = jsonutil.loads(content) if content else None
    except (ValueError, RecursionError):
        return ChargeResult("error", http_status=status)
    if not isinstance(body, dict):
        return ChargeResult("error", http_status=status)
    charge_id = _charge_id(body)
    reported = body.get("status")
    if status in (200, 201) and reported == "succeeded":
        return ChargeResult("succeeded", charge_id=charge_id, http_status=status)
    if status == 202 and reported == "pending" and charge_id is not None:
        return ChargeResult("pending", charge_id=charge_id, http_status=status)
    if status == 402:
        code = body.get("decline_code")
        printable = type(code) is str and 0 < len(code) <= 255 and code.isprintable()
        decline = code if printable else FAILURE_DECLINED_DEFAULT
        return ChargeResult("declined", charge_id=charge_id, decline_code=decline, http_status=status)
    return ChargeResult("error", charge_id=charge_id, http_status=status)


class GatewayClient:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
            trust_env=False,
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def charge(
        self, *, idempotency_key: str, amount: int, currency: str, payment_token: str, reference: str
    ) -> ChargeResult:
        """POST /v1/charges once. The whole exchange must finish within GATEWAY_TIMEOUT_MS."""
        payload = {"amount": amount, "currency": currency, "payment_token": payment_token, "reference": reference}
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self.client.post(
                    f"{self.base_url}/v1/charges",
                    content=jsonutil.dumps(payload),
                    headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
                )
                content = response.content
        except (TimeoutError, httpx.TimeoutException):
            result = ChargeResult("timeout")
        except httpx.HTTPError as exc:
            log_fields(log, logging.WARNING, "gateway call failed", error=type(exc).__name__, reference=reference)
            result = ChargeResult("error")
        else:
            result = interpret(response.status_code, content)
        log_fields(
            log,
            logging.INFO,
            "gateway charge",
            reference=reference,
            outcome=result.kind,
            http_status=result.http_status,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
        return result
