"""Unit tests of the wallet stand-in's pure logic (no database, no broker).

Run from /work/main: `.venv/bin/python -m pytest services/wallet_api/tests -q`.
The end-to-end behaviour is covered by the Robot suites against a running stack.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from starlette.requests import Request

SERVICE_DIR = Path(__file__).resolve().parents[1]
if str(SERVICE_DIR) not in sys.path:
    sys.path.insert(0, str(SERVICE_DIR))

from wallet_api import jsonutil  # noqa: E402
from wallet_api.auth import authenticate  # noqa: E402
from wallet_api.broker import parse_command  # noqa: E402
from wallet_api.config import ConfigError, load_settings  # noqa: E402
from wallet_api.errors import ApiError, FieldErrors  # noqa: E402
from wallet_api.gateway import interpret  # noqa: E402
from wallet_api.idempotency import request_hash  # noqa: E402
from wallet_api.service import InvalidCommandError  # noqa: E402
from wallet_api.validation import (  # noqa: E402
    Cursor,
    check_amount,
    check_idempotency_key,
    check_idempotency_key_format,
    parse_body,
    parse_cursor,
    parse_limit,
    parse_uuid,
)

SECRET = "unit-test-secret-unit-test-secret-0123"
CURRENCIES = frozenset({"EUR", "USD", "GBP"})
ENV = {
    "DATABASE_URL": "postgresql://u:dbpass@127.0.0.1:5432/db",
    "AMQP_URL": "amqp://u:amqppass@127.0.0.1:5672/%2F",
    "GATEWAY_URL": "http://127.0.0.1:8090/",
    "JWT_SECRET": SECRET,
    "GATEWAY_WEBHOOK_SECRET": "hook-secret",
}


def _request(authorization: str | None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


def _token(**claims: object) -> str:
    return jwt.encode({"sub": "owner-1", "exp": int(time.time()) + 60, **claims}, SECRET, algorithm="HS256")


@pytest.mark.parametrize("value", [10.0, 10.5, "100", True, False, None, 0, -1, 100_000_001, [1], {"a": 1}])
def test_invalid_amounts_are_rejected(value: object) -> None:
    errors = FieldErrors()
    assert check_amount({"amount": value}, errors) is None
    assert [e["field"] for e in errors.items] == ["amount"]


@pytest.mark.parametrize("value", [1, 1050, 100_000_000])
def test_valid_amounts_pass(value: int) -> None:
    errors = FieldErrors()
    assert check_amount({"amount": value}, errors) == value
    assert not errors


@pytest.mark.parametrize("raw", [b"{bad", b"", b'{"a": NaN}', b"\xff\xfe"])
def test_malformed_json(raw: bytes) -> None:
    with pytest.raises(ApiError) as info:
        parse_body(raw)
    assert info.value.code == "MALFORMED_JSON"


def test_non_object_body_is_a_validation_error() -> None:
    with pytest.raises(ApiError) as info:
        parse_body(b"[1, 2]")
    assert info.value.code == "VALIDATION_ERROR"


@pytest.mark.parametrize("raw", [None, ""])
def test_missing_idempotency_key(raw: str | None) -> None:
    with pytest.raises(ApiError) as info:
        check_idempotency_key(raw)
    assert info.value.code == "IDEMPOTENCY_KEY_REQUIRED"


@pytest.mark.parametrize(("key", "valid"), [("k", True), ("k" * 255, True), ("k" * 256, False), ("a\tb", False)])
def test_idempotency_key_format(key: str, valid: bool) -> None:
    errors = FieldErrors()
    check_idempotency_key_format(key, errors)
    assert (not errors) is valid


@pytest.mark.parametrize(("raw", "expected"), [(None, 20), ("1", 1), ("100", 100)])
def test_limit_accepts(raw: str | None, expected: int) -> None:
    errors = FieldErrors()
    assert parse_limit(raw, errors) == expected
    assert not errors


@pytest.mark.parametrize("raw", ["abc", "0", "101", "1.5", "", "-1", "5\n", "\u0661"])
def test_limit_rejects(raw: str) -> None:
    errors = FieldErrors()
    parse_limit(raw, errors)
    assert [e["field"] for e in errors.items] == ["limit"]


def test_uuid_parsing_is_strict() -> None:
    value = str(uuid.uuid4())
    assert parse_uuid(value) == uuid.UUID(value)
    assert parse_uuid(value.upper()) == uuid.UUID(value)
    for bad in [value + "\n", "{" + value + "}", value.replace("-", ""), 5, None, "x"]:
        assert parse_uuid(bad) is None


def test_cursor_round_trip_and_scope() -> None:
    wallet = uuid.uuid4()
    cursor = Cursor(wallet, datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=UTC), uuid.uuid4())
    assert parse_cursor(cursor.encode(), str(wallet)) == cursor
    with pytest.raises(ApiError) as info:
        parse_cursor(cursor.encode(), str(uuid.uuid4()))
    assert info.value.code == "INVALID_CURSOR"


@pytest.mark.parametrize("raw", ["", "garbage!", "Zm9v", "a" * 500, "djF8eHwxfHk"])
def test_undecodable_cursor(raw: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_cursor(raw, str(uuid.uuid4()))
    assert info.value.code == "INVALID_CURSOR"


def test_canonical_json_is_stable() -> None:
    body = {"b": 1, "a": {"y": None, "x": "é"}}
    assert jsonutil.dumps(body) == b'{"a":{"x":"\\u00e9","y":null},"b":1}'
    assert jsonutil.dumps(jsonutil.loads(jsonutil.dumps(body))) == jsonutil.dumps(body)


def test_request_hash_compares_parsed_json() -> None:
    assert request_hash("POST", "/p", {"a": 1, "b": 2}) == request_hash("post", "/p", {"b": 2, "a": 1})
    assert request_hash("POST", "/p", {"a": 1}) != request_hash("POST", "/q", {"a": 1})
    assert request_hash("POST", "/p", {"a": 1}) != request_hash("POST", "/p", {"a": 1, "c": 0})


def test_rfc3339_format() -> None:
    assert jsonutil.rfc3339(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05.000006Z"


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (201, b'{"id":"ch_1","status":"succeeded"}', "succeeded"),
        (202, b'{"id":"ch_1","status":"pending"}', "pending"),
        (202, b'{"status":"pending"}', "error"),
        (402, b'{"id":"ch_1","status":"declined","decline_code":"card_declined"}', "declined"),
        (500, b"oops", "error"),
        (503, b"", "error"),
        (201, b"not json", "error"),
        (201, b'{"weird":true}', "error"),
        (400, b'{"error":"bad"}', "error"),
    ],
)
def test_gateway_answers(status: int, body: bytes, kind: str) -> None:
    assert interpret(status, body).kind == kind


def test_decline_code_defaults() -> None:
    assert interpret(402, b'{"id":"ch_1","status":"declined","decline_code":"card_declined"}').decline_code == (
        "card_declined"
    )
    assert interpret(402, b'{"id":"ch_1","status":"declined"}').decline_code == "declined"


def test_auth_accepts_valid_token() -> None:
    assert authenticate(_request(f"Bearer {_token()}"), SECRET) == "owner-1"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic abc",
        "Bearer",
        "Bearer a.b.c",
        f"Bearer {jwt.encode({'sub': 'x', 'exp': int(time.time()) + 60}, 'other-secret-other-secret-0000', 'HS256')}",
        f"Bearer {jwt.encode({'sub': 'x', 'exp': int(time.time()) + 60}, None, 'none')}",
        f"Bearer {jwt.encode({'sub': 'x'}, SECRET, 'HS256')}",
        f"Bearer {jwt.encode({'exp': int(time.time()) + 60}, SECRET, 'HS256')}",
    ],
    # Named ids: a token in a test id would reach the junit XML under results/.
    ids=["missing", "basic", "empty-bearer", "not-a-jwt", "other-key", "alg-none", "no-exp", "no-sub"],
)
def test_auth_rejects(header: str | None) -> None:
    with pytest.raises(ApiError) as info:
        authenticate(_request(header), SECRET)
    assert info.value.status == 401
    assert info.value.headers == {"WWW-Authenticate": "Bearer"}


@pytest.mark.parametrize("claims", [{"sub": "x" * 65}, {"sub": ""}, {"exp": int(time.time()) - 5}])
def test_auth_rejects_claims(claims: dict[str, object]) -> None:
    with pytest.raises(ApiError):
        authenticate(_request(f"Bearer {_token(**claims)}"), SECRET)


def test_settings_defaults_and_secrets() -> None:
    settings = load_settings(ENV)
    assert settings.port == 8080
    assert settings.gateway_timeout_ms == 2000
    assert settings.supported_currencies == CURRENCIES
    assert settings.gateway_url == "http://127.0.0.1:8090"
    assert {"dbpass", "amqppass", SECRET} <= set(settings.secrets())
    assert SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"JWT_SECRET": ""}, "JWT_SECRET"),
        ({"PORT": "abc"}, "PORT"),
        ({"GATEWAY_TIMEOUT_MS": "0"}, "GATEWAY_TIMEOUT_MS"),
        ({"SUPPORTED_CURRENCIES": "EUR,usd"}, "SUPPORTED_CURRENCIES"),
    ],
)
def test_settings_fail_with_one_clear_line(override: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({**ENV, **override})
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_command_parsing() -> None:
    wallet = str(uuid.uuid4())
    good = f'{{"id":"c1","type":"credit.requested","data":{{"wallet_id":"{wallet}","amount":5,"currency":"EUR"}}}}'
    assert parse_command(good.encode(), None, CURRENCIES).command_id == "c1"
    no_id = good.replace('"id":"c1",', "")
    assert parse_command(no_id.encode(), "m1", CURRENCIES).command_id == "m1"
    for bad, message_id in [
        (b"not json", "m"),
        (no_id.encode(), None),
        (good.replace("credit.requested", "debit.requested").encode(), None),
        (good.replace('"amount":5', '"amount":5.0').encode(), None),
        (good.replace('"currency":"EUR"', '"currency":"XXX"').encode(), None),
        (good.replace(wallet, "nope").encode(), None),
    ]:
        with pytest.raises(InvalidCommandError):
            parse_command(bad, message_id, CURRENCIES)
