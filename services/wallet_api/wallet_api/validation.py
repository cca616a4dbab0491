"""Exact input validation (contract section 2). No coercion: 10.0, "100" and true are not amounts."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from . import jsonutil
from .errors import ApiError, FieldErrors

MIN_AMOUNT = 1
MAX_AMOUNT = 100_000_000
MAX_BODY_BYTES = 64 * 1024

_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DIGITS_RE = re.compile(r"[0-9]{1,4}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_uuid(value: Any) -> uuid.UUID | None:
    """Return the UUID for a canonical 8-4-4-4-12 hex string (any case), else None."""
    if type(value) is not str or not _UUID_RE.fullmatch(value):
        return None
    return uuid.UUID(value)


def parse_body(raw: bytes) -> dict[str, Any]:
    """Parse a request body that must be a JSON object."""
    try:
        body = jsonutil.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "MALFORMED_JSON", "The request body is not valid JSON.") from exc
    if type(body) is not dict:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "The request body must be a JSON object.",
            errors=[{"field": "body", "message": "must be a JSON object"}],
        )
    return body


def check_amount(body: dict[str, Any], errors: FieldErrors, field: str = "amount") -> int | None:
    if field not in body:
        errors.add(field, "is required")
        return None
    value = body[field]
    if type(value) is not int:
        errors.add(field, "must be an integer number of minor units")
        return None
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        errors.add(field, f"must be between {MIN_AMOUNT} and {MAX_AMOUNT}")
        return None
    return value


def check_currency(body: dict[str, Any], errors: FieldErrors, supported: frozenset[str]) -> str | None:
    if "currency" not in body:
        errors.add("currency", "is required")
        return None
    value = body["currency"]
    if type(value) is not str or value not in supported:
        errors.add("currency", f"must be one of {', '.join(sorted(supported))}")
        return None
    return value


def check_uuid_field(body: dict[str, Any], errors: FieldErrors, field: str) -> uuid.UUID | None:
    if field not in body:
        errors.add(field, "is required")
        return None
    parsed = parse_uuid(body[field])
    if parsed is None:
        errors.add(field, "must be a UUID")
    return parsed


def check_string(body: dict[str, Any], errors: FieldErrors, field: str, max_len: int = 255) -> str | None:
    if field not in body:
        errors.add(field, "is required")
        return None
    value = body[field]
    if type(value) is not str or not 1 <= len(value) <= max_len or "\x00" in value:
        errors.add(field, f"must be a string of 1-{max_len} characters")
        return None
    return value


def check_idempotency_key(raw: str | None) -> str:
    """Missing or empty -> IDEMPOTENCY_KEY_REQUIRED. Call check_idempotency_key_format for the rest."""
    if raw is None or raw == "":
        raise ApiError(400, "IDEMPOTENCY_KEY_REQUIRED", "The Idempotency-Key header is required for this operation.")
    return raw


def check_idempotency_key_format(key: str, errors: FieldErrors) -> None:
    if len(key) > 255 or any(not 0x20 <= ord(ch) <= 0x7E for ch in key):
        errors.add("Idempotency-Key", "must be 1-255 printable ASCII characters")


def parse_limit(raw: str | None, errors: FieldErrors, default: int = 20) -> int:
    if raw is None:
        return default
    if not _DIGITS_RE.fullmatch(raw) or not 1 <= int(raw) <= 100:
        errors.add("limit", "must be an integer between 1 and 100")
        return default
    return int(raw)


@dataclass(frozen=True)
class Cursor:
    """Position after the last transaction of a page: (created_at, id) of that row, scoped to a wallet."""

    wallet_id: uuid.UUID
    created_at: datetime
    transaction_id: uuid.UUID

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        raw = f"v1|{self.wallet_id}|{micros}|{self.transaction_id}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def invalid_cursor() -> ApiError:
    return ApiError(400, "INVALID_CURSOR", "The cursor is not valid for this list; start again without it.")


def parse_cursor(raw: str, wallet_id_text: str) -> Cursor:
    """Decode an opaque cursor; anything undecodable or minted for another wallet is INVALID_CURSOR."""
    if not raw or len(raw) > 200 or not re.fullmatch(r"[A-Za-z0-9_-]+", raw):
        raise invalid_cursor()
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
        version, wallet, micros, tx = decoded.split("|")
        if version != "v1" or not re.fullmatch(r"[0-9]{1,20}", micros):
            raise ValueError("bad cursor")
        wallet_id = parse_uuid(wallet)
        tx_id = parse_uuid(tx)
        created_at = _EPOCH + timedelta(microseconds=int(micros))
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as exc:
        raise invalid_cursor() from exc
    if wallet_id is None or tx_id is None:
        raise invalid_cursor()
    path_wallet = parse_uuid(wallet_id_text)
    if path_wallet is not None and path_wallet != wallet_id:
        raise invalid_cursor()
    return Cursor(wallet_id, created_at, tx_id)
