"""Starlette application: the gateway endpoint of contract section 5 and the `/__admin` API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from payment_gateway_mock.config import Settings
from payment_gateway_mock.store import Store, Stub, StubHit

MAX_TOKEN_LENGTH = 255
MAX_TIMES = 1_000_000
MAX_REPEAT = 5
SETTLE_STATUSES = ("succeeded", "failed")
SIGNATURE_MODES = ("valid", "invalid", "missing")
STUB_FIELDS = ("payment_token", "status", "body", "delay_ms", "times")
SETTLE_FIELDS = ("status", "failure_code", "signature", "repeat")
NO_BODY_STATUSES = (204, 205, 304)


class BadRequest(Exception):
    """An invalid admin or charge request; answered 400 (or `status`) with `{"error": message}`."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Keep the message and the HTTP status."""
        super().__init__(message)
        self.message = message
        self.status = status


def new_charge_id() -> str:
    """A fresh charge id: `ch_` + 32 hex digits."""
    return "ch_" + secrets.token_hex(16)


def utc_now() -> str:
    """Current time as RFC 3339 UTC with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def generated_body(status: int) -> dict[str, Any]:
    """The usual body for a status: 200/201 succeeded, 202 pending, 402 declined (fresh ids), else an error."""
    if status in (200, 201):
        return {"id": new_charge_id(), "status": "succeeded"}
    if status == 202:
        return {"id": new_charge_id(), "status": "pending"}
    if status == 402:
        return {"id": new_charge_id(), "status": "declined", "decline_code": "card_declined"}
    return {"error": "stubbed"}


def default_answer(token: str, timeout_delay_ms: int) -> tuple[int, Any, int]:
    """Default behaviour by token prefix: (status, body, delay_ms)."""
    if token.startswith("tok_decline_"):
        return 402, {"id": new_charge_id(), "status": "declined", "decline_code": "card_declined"}, 0
    if token.startswith("tok_insufficient_"):
        return 402, {"id": new_charge_id(), "status": "declined", "decline_code": "insufficient_funds"}, 0
    if token.startswith("tok_pending_"):
        return 202, {"id": new_charge_id(), "status": "pending"}, 0
    if token.startswith("tok_error_"):
        return 500, {"error": "gateway error"}, 0
    if token.startswith("tok_timeout_"):
        return 201, {"id": new_charge_id(), "status": "succeeded"}, timeout_delay_ms
    return 201, {"id": new_charge_id(), "status": "succeeded"}, 0


def sign(secret: str, raw_body: bytes) -> str:
    """Header value `sha256=<hex HMAC-SHA256 of the raw body>`."""
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON response (no body for 204/205/304)."""
    if status in NO_BODY_STATUSES:
        return Response(status_code=status)
    return JSONResponse(body, status_code=status)


def error(message: str, status: int = 400) -> Response:
    """`{"error": message}` with `status`."""
    return JSONResponse({"error": message}, status_code=status)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON parsing (NaN/Infinity rejected); raises ValueError."""
    return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)


def lower_headers(request: Request) -> dict[str, str]:
    """Request headers with lower-case names; repeated headers joined with ", "."""
    headers: dict[str, str] = {}
    for name, value in request.headers.raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


async def read_body(request: Request, limit: int) -> bytes | None:
    """The raw request body, or None when it is larger than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_field(payload: dict[str, Any], name: str, low: int, high: int, default: int | None) -> int | None:
    if name not in payload or payload[name] is None:
        return default
    value = payload[name]
    if not _is_int(value) or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer in {low}..{high}, got {json.dumps(value)}")
    return value


def _check_fields(payload: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; allowed fields: {', '.join(allowed)}")


def _token_param(request: Request, required: bool) -> str | None:
    token = request.query_params.get("payment_token")
    if token is None and required:
        raise BadRequest("query parameter payment_token is required, e.g. ?payment_token=tok_abc")
    return token


class GatewayMock:
    """Request handlers bound to one store and one settings object."""

    def __init__(self, settings: Settings, webhook_transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Keep settings, a fresh store and the (optional, for tests) HTTP transport used for webhooks."""
        self.settings = settings
        self.store = Store(settings)
        self.webhook_transport = webhook_transport

    async def _admin_payload(self, request: Request) -> dict[str, Any]:
        raw = await read_body(request, self.settings.max_body_bytes)
        if raw is None:
            raise BadRequest(f"request body larger than {self.settings.max_body_bytes} bytes", 413)
        try:
            payload = parse_json(raw) if raw.strip() else None
        except ValueError as exc:
            raise BadRequest(f"request body is not valid JSON ({exc}); send a JSON object") from None
        if not isinstance(payload, dict):
            raise BadRequest("request body must be a JSON object")
        return payload

    # ---------------------------------------------------------------- gateway
    async def health(self, request: Request) -> Response:
        """GET /health."""
        return JSONResponse({"status": "ok"})

    async def charge(self, request: Request) -> Response:
        """POST /v1/charges: stub or default answer by token prefix; every request is journaled."""
        received_at = utc_now()
        raw = await read_body(request, self.settings.max_body_bytes)
        token = ""
        journal_body: Any = None
        hit: StubHit | None = None
        delay_ms = 0
        charge_body: dict[str, Any] = {}
        if raw is None:
            status, body = 413, {"error": f"request body larger than {self.settings.max_body_bytes} bytes"}
        else:
            try:
                journal_body = parse_json(raw)
            except ValueError as exc:
                journal_body = raw.decode("utf-8", errors="replace")
                status, body = 400, {"error": f"request body is not valid JSON ({exc})"}
            else:
                candidate = journal_body.get("payment_token") if isinstance(journal_body, dict) else None
                if not isinstance(journal_body, dict):
                    status, body = 400, {"error": "request body must be a JSON object"}
                elif not isinstance(candidate, str) or not 1 <= len(candidate) <= MAX_TOKEN_LENGTH:
                    status, body = 400, {"error": "payment_token must be a string of 1-255 characters"}
                else:
                    token, charge_body = candidate, journal_body
                    hit = self.store.take_stub(token)
                    if hit is not None:
                        status, delay_ms = hit.status, hit.delay_ms
                        body = hit.body if hit.has_body else generated_body(hit.status)
                    else:
                        status, body, delay_ms = default_answer(token, self.settings.timeout_token_delay_ms)
        charge_id = body.get("id") if isinstance(body, dict) and isinstance(body.get("id"), str) else None
        if charge_id is not None:
            self.store.add_charge(
                {
                    "id": charge_id,
                    "status": body.get("status"),
                    "decline_code": body.get("decline_code"),
                    "failure_code": None,
                    "payment_token": token,
                    "amount": charge_body.get("amount"),
                    "currency": charge_body.get("currency"),
                    "reference": charge_body.get("reference"),
                    "idempotency_key": request.headers.get("idempotency-key"),
                    "response_status": status,
                    "created_at": received_at,
                    "settled_at": None,
                    "settlements": [],
                }
            )
        self.store.journal_append(
            token,
            {
                "received_at": received_at,
                "method": request.method,
                "path": request.url.path,
                "headers": lower_headers(request),
                "body": journal_body,
                "payment_token": token or None,
                "response_status": status,
                "charge_id": charge_id,
                "stub_id": hit.stub_id if hit else None,
                "delay_ms": delay_ms,
            },
        )
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        return json_response(body, status)

    # ---------------------------------------------------------------- stubs
    async def add_stub(self, request: Request) -> Response:
        """POST /__admin/stubs."""
        payload = await self._admin_payload(request)
        _check_fields(payload, STUB_FIELDS)
        token = payload.get("payment_token")
        if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN_LENGTH:
            raise BadRequest("payment_token is required: a string of 1-255 characters")
        if "status" not in payload:
            raise BadRequest("status is required: an HTTP status integer in 200..599")
        status = _int_field(payload, "status", 200, 599, None)
        if status is None:
            raise BadRequest("status is required: an HTTP status integer in 200..599")
        delay_ms = _int_field(payload, "delay_ms", 0, self.settings.max_delay_ms, 0) or 0
        times = _int_field(payload, "times", 1, MAX_TIMES, None)
        has_body = payload.get("body") is not None
        stub = Stub(
            id="stub_" + secrets.token_hex(8),
            payment_token=token,
            status=status,
            body=payload.get("body"),
            has_body=has_body,
            delay_ms=delay_ms,
            times=times,
            remaining=times,
            created_at=utc_now(),
        )
        self.store.add_stub(stub)
        return JSONResponse(stub.to_dict(), status_code=201)

    async def list_stubs(self, request: Request) -> Response:
        """GET /__admin/stubs[?payment_token=X]."""
        return JSONResponse({"stubs": self.store.stubs(_token_param(request, required=False))})

    async def delete_stubs(self, request: Request) -> Response:
        """DELETE /__admin/stubs?payment_token=X."""
        token = _token_param(request, required=True)
        assert token is not None
        return JSONResponse({"deleted": self.store.delete_stubs(token)})

    # ---------------------------------------------------------------- journal and charges
    async def requests(self, request: Request) -> Response:
        """GET /__admin/requests[?payment_token=X][&limit=N]: journaled charge requests, oldest first."""
        raw_limit = request.query_params.get("limit")
        limit = None
        if raw_limit is not None:
            if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= self.settings.max_journal_entries:
                raise BadRequest(f"limit must be an integer in 1..{self.settings.max_journal_entries}")
            limit = int(raw_limit)
        token = _token_param(request, required=False)
        return JSONResponse({"requests": self.store.journal(token, limit)})

    async def get_charge(self, request: Request) -> Response:
        """GET /__admin/charges/{charge_id}."""
        charge_id = request.path_params["charge_id"]
        charge = self.store.charge(charge_id)
        if charge is None:
            return error(f"charge {charge_id} is unknown to the mock (never issued, or evicted)", 404)
        return JSONResponse(charge)

    async def settle(self, request: Request) -> Response:
        """POST /__admin/charges/{charge_id}/settle: send the signed webhook to the wallet `repeat` times."""
        charge_id = request.path_params["charge_id"]
        payload = await self._admin_payload(request)
        _check_fields(payload, SETTLE_FIELDS)
        status = payload.get("status")
        if status not in SETTLE_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(SETTLE_STATUSES)}, got {json.dumps(status)}")
        failure_code = payload.get("failure_code")
        if failure_code is not None and (not isinstance(failure_code, str) or len(failure_code) > MAX_TOKEN_LENGTH):
            raise BadRequest("failure_code must be a string of at most 255 characters or null")
        mode = payload.get("signature", "valid")
        if mode not in SIGNATURE_MODES:
            raise BadRequest(f"signature must be one of {', '.join(SIGNATURE_MODES)}, got {json.dumps(mode)}")
        repeat = _int_field(payload, "repeat", 1, MAX_REPEAT, 1) or 1

        raw = json.dumps(
            {"charge_id": charge_id, "status": status, "failure_code": failure_code}, separators=(",", ":")
        ).encode()
        headers = {"Content-Type": "application/json"}
        if mode == "valid":
            headers["X-Gateway-Signature"] = sign(self.settings.webhook_secret, raw)
        elif mode == "invalid":
            headers["X-Gateway-Signature"] = sign(self.settings.webhook_secret + ":wrong-key", raw)

        url = self.settings.wallet_webhook_url
        deliveries: list[dict[str, Any]] = []
        timeout = httpx.Timeout(self.settings.webhook_timeout_ms / 1000)
        async with httpx.AsyncClient(transport=self.webhook_transport, timeout=timeout) as client:
            for _ in range(repeat):
                try:
                    answer = await client.post(url, content=raw, headers=headers)
                except httpx.HTTPError as exc:
                    return JSONResponse(
                        {
                            "error": f"webhook delivery to {url} failed: {type(exc).__name__}; "
                            "is the wallet running and WALLET_WEBHOOK_URL right?",
                            "deliveries": deliveries,
                        },
                        status_code=502,
                    )
                deliveries.append({"status": answer.status_code, "body": _answer_body(answer)})
        self.store.record_settlement(
            charge_id,
            {
                "status": status,
                "failure_code": failure_code,
                "signature": mode,
                "settled_at": utc_now(),
                "delivery_statuses": [d["status"] for d in deliveries],
            },
        )
        return JSONResponse({"deliveries": deliveries})

    # ---------------------------------------------------------------- misc
    async def reset(self, request: Request) -> Response:
        """POST /__admin/reset: forget journal, stubs and charges."""
        self.store.reset()
        return JSONResponse({"status": "reset"})

    async def stats(self, request: Request) -> Response:
        """GET /__admin/stats: sizes, caps and eviction counters."""
        return JSONResponse(self.store.stats())


def _answer_body(answer: httpx.Response) -> Any:
    try:
        return parse_json(answer.content)
    except ValueError:
        return answer.text


async def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadRequest)
    return error(exc.message, exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in NO_BODY_STATUSES:
        return Response(status_code=exc.status_code, headers=exc.headers)
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)


def create_app(settings: Settings, *, webhook_transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """Build the ASGI app. `webhook_transport` lets tests capture webhooks without a network."""
    mock = GatewayMock(settings, webhook_transport)
    routes = [
        Route("/health", mock.health, methods=["GET"]),
        Route("/v1/charges", mock.charge, methods=["POST"]),
        Route("/__admin/stubs", mock.add_stub, methods=["POST"]),
        Route("/__admin/stubs", mock.list_stubs, methods=["GET"]),
        Route("/__admin/stubs", mock.delete_stubs, methods=["DELETE"]),
        Route("/__admin/requests", mock.requests, methods=["GET"]),
        Route("/__admin/charges/{charge_id}", mock.get_charge, methods=["GET"]),
        Route("/__admin/charges/{charge_id}/settle", mock.settle, methods=["POST"]),
        Route("/__admin/reset", mock.reset, methods=["POST"]),
        Route("/__admin/stats", mock.stats, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={BadRequest: _bad_request, HTTPException: _http_error})
    app.state.mock = mock
    return app
