"""Endpoint handlers (contract section 4). Order of checks: 401, 400 key required, 400 body,
idempotency (replay / 422 reused / 409 in use), 404, business outcome."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import idempotency, jsonutil
from .auth import authenticate
from .broker import Broker
from .config import Settings
from .db import Database
from .errors import ApiError, FieldErrors
from .http import error_response, json_response, read_body
from .idempotency import IdempotencyKey, request_hash
from .service import Outcome, WalletService
from .validation import (
    check_amount,
    check_currency,
    check_idempotency_key,
    check_idempotency_key_format,
    check_string,
    check_uuid_field,
    parse_body,
    parse_cursor,
    parse_limit,
    parse_uuid,
)

HEALTH_TIMEOUT_S = 1.0


@dataclass
class AppContext:
    settings: Settings
    db: Database
    service: WalletService
    broker: Broker


def ctx(request: Request) -> AppContext:
    return request.app.state.ctx


# --- health -------------------------------------------------------------------------------------------


async def health(request: Request) -> Response:
    app = ctx(request)
    database_ok = await app.db.ping(HEALTH_TIMEOUT_S)
    broker_ok = app.broker.healthy
    checks = {"database": "ok" if database_ok else "down", "broker": "ok" if broker_ok else "down"}
    healthy = database_ok and broker_ok
    # 503 with the same shape; not a problem document, so plain application/json.
    return Response(
        content=jsonutil.dumps({"status": "ok" if healthy else "degraded", "checks": checks}),
        status_code=200 if healthy else 503,
        media_type="application/json",
    )


# --- wallets ------------------------------------------------------------------------------------------


async def create_wallet(request: Request) -> Response:
    app = ctx(request)
    owner = authenticate(request, app.settings.jwt_secret)
    body = parse_body(await read_body(request))
    errors = FieldErrors()
    currency = check_currency(body, errors, app.settings.supported_currencies)
    errors.raise_if_any()
    assert currency is not None
    wallet = await app.service.create_wallet(owner, currency)
    app.broker.wake()
    return json_response(201, wallet, {"Location": f"/v1/wallets/{wallet['id']}"})


async def list_wallets(request: Request) -> Response:
    app = ctx(request)
    owner = authenticate(request, app.settings.jwt_secret)
    return json_response(200, {"data": await app.service.list_wallets(owner)})


async def get_wallet(request: Request) -> Response:
    app = ctx(request)
    owner = authenticate(request, app.settings.jwt_secret)
    wallet_id = parse_uuid(request.path_params["wallet_id"])
    return json_response(200, await app.service.get_wallet(owner, wallet_id))


async def list_transactions(request: Request) -> Response:
    app = ctx(request)
    owner = authenticate(request, app.settings.jwt_secret)
    wallet_text = request.path_params["wallet_id"]
    errors = FieldErrors()
    limit = parse_limit(request.query_params.get("limit"), errors)
    errors.raise_if_any()
    raw_cursor = request.query_params.get("cursor")
    cursor = parse_cursor(raw_cursor, wallet_text) if raw_cursor is not None else None
    page = await app.service.list_transactions(owner, parse_uuid(wallet_text), limit, cursor)
    return json_response(200, page)


async def get_transaction(request: Request) -> Response:
    app = ctx(request)
    owner = authenticate(request, app.settings.jwt_secret)
    transaction_id = parse_uuid(request.path_params["transaction_id"])
    return json_response(200, await app.service.get_transaction(owner, transaction_id))


# --- idempotent money movements -----------------------------------------------------------------------

# A validator returns the parsed parameters; they are only used when it recorded no error.
Validator = Callable[[dict[str, Any], FieldErrors], Any]
Executor = Callable[[IdempotencyKey, Any], Awaitable[Outcome]]


async def _idempotent(request: Request, validate: Validator, execute: Executor) -> Response:
    app = ctx(request)
    owner = authenticate(request, app.settings.jwt_secret)
    key = check_idempotency_key(request.headers.get("idempotency-key"))
    body = parse_body(await read_body(request))
    errors = FieldErrors()
    check_idempotency_key_format(key, errors)
    params = validate(body, errors)
    errors.raise_if_any()

    idem = IdempotencyKey(owner, key, request_hash(request.method, request.scope["path"], body))
    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)
    if stored is not None:
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})
    try:
        outcome = await execute(idem, params)
    except ApiError as exc:
        if exc.status >= 500:  # transient (e.g. pool exhausted): not an answer worth keeping
            await _release_quietly(app.db, idem)
            raise
        try:
            await idempotency.store(app.db, idem, exc.status, exc.body())
        except BaseException:
            await _release_quietly(app.db, idem)
            raise
        return error_response(exc)
    except BaseException:
        await _release_quietly(app.db, idem)
        raise
    app.broker.wake()
    return json_response(outcome.status, outcome.body)


async def _release_quietly(db: Database, idem: IdempotencyKey) -> None:
    """Delete the reservation so the client can retry; if even that fails it goes stale (60 s)."""
    with contextlib.suppress(Exception):
        await idempotency.release(db, idem)


async def create_deposit(request: Request) -> Response:
    app = ctx(request)
    currencies = app.settings.supported_currencies
    wallet_id = parse_uuid(request.path_params["wallet_id"])

    def validate(body: dict[str, Any], errors: FieldErrors) -> tuple[Any, ...]:
        amount = check_amount(body, errors)
        currency = check_currency(body, errors, currencies)
        token = check_string(body, errors, "payment_token")
        return amount, currency, token

    async def execute(idem: IdempotencyKey, params: tuple[int, str, str]) -> Outcome:
        amount, currency, token = params
        return await app.service.deposit(idem, wallet_id, amount, currency, token)

    return await _idempotent(request, validate, execute)


async def create_withdrawal(request: Request) -> Response:
    app = ctx(request)
    currencies = app.settings.supported_currencies
    wallet_id = parse_uuid(request.path_params["wallet_id"])

    def validate(body: dict[str, Any], errors: FieldErrors) -> tuple[Any, ...]:
        amount = check_amount(body, errors)
        currency = check_currency(body, errors, currencies)
        return amount, currency

    async def execute(idem: IdempotencyKey, params: tuple[int, str]) -> Outcome:
        amount, currency = params
        return await app.service.withdraw(idem, wallet_id, amount, currency)

    return await _idempotent(request, validate, execute)


async def create_transfer(request: Request) -> Response:
    app = ctx(request)
    currencies = app.settings.supported_currencies

    def validate(body: dict[str, Any], errors: FieldErrors) -> tuple[Any, ...]:
        source = check_uuid_field(body, errors, "source_wallet_id")
        destination = check_uuid_field(body, errors, "destination_wallet_id")
        amount = check_amount(body, errors)
        currency = check_currency(body, errors, currencies)
        return source, destination, amount, currency

    async def execute(idem: IdempotencyKey, params: tuple[uuid.UUID, uuid.UUID, int, str]) -> Outcome:
        return await app.service.transfer(idem, *params)

    return await _idempotent(request, validate, execute)


# --- gateway webhook ----------------------------------------------------------------------------------


def _signature_valid(secret: str, raw: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256=") :].strip().lower().encode(), expected.encode())


async def payment_gateway_webhook(request: Request) -> Response:
    app = ctx(request)
    raw = await read_body(request)
    if not _signature_valid(app.settings.webhook_secret, raw, request.headers.get("x-gateway-signature")):
        raise ApiError(401, "INVALID_SIGNATURE", "The X-Gateway-Signature header is missing or wrong.")
    body = parse_body(raw)
    errors = FieldErrors()
    charge_id = check_string(body, errors, "charge_id")
    status = body.get("status")
    if status not in ("succeeded", "failed"):
        errors.add("status", "must be 'succeeded' or 'failed'")
    failure_code = body.get("failure_code")
    if failure_code is not None and (
        type(failure_code) is not str or not 1 <= len(failure_code) <= 255 or "\x00" in failure_code
    ):
        errors.add("failure_code", "must be null or a string of 1-255 characters")
    errors.raise_if_any()
    assert charge_id is not None
    result = await app.service.settle_charge(charge_id, str(status), failure_code)
    app.broker.wake()
    return json_response(200, result)
