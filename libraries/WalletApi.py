"""Robot Framework library: HTTP client of the Wallet API, checked against contracts/openapi.yaml."""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import json
import threading
import time
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
import requests
from _contract import is_rfc3339, join_problems, leaks_in, openapi_contract
from _support import (
    record_wallet,
    register_secret,
    run_id,
    scrub,
    setting,
    setting_seconds,
)
from DataBuilders import build_payload, json_value
from DataBuilders import idempotency_key as new_idempotency_key
from DataBuilders import payment_token as new_payment_token
from requests.structures import CaseInsensitiveDict
from robot.api import logger
from robot.api.deco import keyword, library

TOKEN_KINDS = (
    "valid",
    "expired",
    "bad_signature",
    "tampered",
    "alg_none",
    "malformed",
    "missing",
    "no_sub",
    "no_exp",
    "empty_sub",
    "wrong_scheme",
    "empty_bearer",
)
AUTO = "auto"
VALID = "valid"  # the token kind of an ordinary request (a kind, not a token)
MAX_LOGGED_BODY = 4000
SENSITIVE_HEADERS = ("authorization", "x-gateway-signature", "cookie", "set-cookie")


@dataclass
class ApiResponse:
    """One answer of the Wallet API as Robot sees it (never holds the request's token).

    Attributes: `status` (int), `reason`, `headers` (case-insensitive), `json` (parsed body or None),
    `body` (raw bytes, for byte-identical replay checks), `text`, `request_id` (the `X-Request-ID`
    answered), `replayed` (True when `Idempotency-Replayed: true`), `elapsed_ms`, and what was sent:
    `method`, `path`, `owner`, `token_kind`, `idempotency_key`, `sent_request_id`, `request_body`.
    """

    status: int
    reason: str
    headers: CaseInsensitiveDict
    body: bytes
    method: str
    path: str
    owner: str | None
    token_kind: str
    idempotency_key: str | None
    sent_request_id: str | None
    request_body: bytes | None
    request_headers: dict[str, str] = field(default_factory=dict)
    elapsed_ms: int = 0

    @property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    @property
    def sent_json(self) -> Any:
        """The JSON body that was sent, parsed (None when it was not JSON)."""
        try:
            return json.loads((self.request_body or b"").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")

    @property
    def request_id(self) -> str | None:
        """The `X-Request-ID` of the response."""
        return self.headers.get("X-Request-ID")

    @property
    def replayed(self) -> bool:
        """True when the response carries `Idempotency-Replayed: true`."""
        return str(self.headers.get("Idempotency-Replayed", "")).strip().lower() == "true"

    @property
    def code(self) -> str | None:
        """The problem `code` of an error response, else None."""
        body = self.json
        return body.get("code") if isinstance(body, dict) else None

    def __str__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}{' (replayed)' if self.replayed else ''}>"


@dataclass
class _Request:
    method: str
    path: str
    owner: str | None = None
    token: str = VALID
    payload: Any = None
    raw_body: str | bytes | None = None
    idempotency_key: str | None = None
    request_id: str | None = AUTO
    headers: Mapping[str, str] | None = None
    query: Mapping[str, Any] | None = None
    validate: bool = True


def _wallet_id(wallet: Any) -> str:
    if isinstance(wallet, Mapping):
        if "id" not in wallet:
            raise AssertionError(f"expected a wallet (a dict with 'id') or a wallet id, got {wallet!r}")
        return str(wallet["id"])
    return str(wallet)


def _wallet_owner(wallet: Any, owner: str | None) -> str:
    if owner:
        return owner
    if isinstance(wallet, Mapping) and wallet.get("owner_id"):
        return str(wallet["owner_id"])
    raise AssertionError("no owner: pass a wallet returned by the API (it has owner_id) or give owner=<owner id>")


def _wallet_currency(wallet: Any) -> str:
    if isinstance(wallet, Mapping) and wallet.get("currency"):
        return str(wallet["currency"])
    return "EUR"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _same(actual: Any, expected: Any) -> bool:
    """Equality of a JSON value and a value given in Robot (converted like payload fields)."""
    if isinstance(expected, str) and isinstance(actual, str) and not expected.startswith('"'):
        return actual == expected
    expected = json_value(expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return actual == expected and isinstance(actual, float) == isinstance(expected, float)
    return actual == expected


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


@library(scope="SUITE", auto_keywords=False)
class WalletApi:
    """HTTP client of the Wallet API (`${WALLET_API_URL}`).

    - One `requests.Session` per suite; every call has the `${HTTP_TIMEOUT}` timeout.
    - *Tokens never leave this library*: keywords take an owner id and a token *kind*; the JWT is minted
      here with `${JWT_SECRET}` (read at run time, never logged). Kinds: `valid`, `expired`,
      `bad_signature` (signed with another key), `tampered` (claims changed after signing), `alg_none`
      (unsigned, `alg: none`), `malformed` (not a JWT), `missing` (no Authorization header), `no_sub`,
      `no_exp`, `empty_sub`, `wrong_scheme` (`Basic <valid jwt>`), `empty_bearer` (`Bearer ` alone).
    - *Every response is validated* against `contracts/openapi.yaml` for its endpoint and status (media
      type, required headers, body schema, problem status, no internals in 5xx bodies); a response the
      contract does not allow fails the keyword with the list of violations. When an `X-Request-ID` was
      sent, the response must echo it. `validate=False` skips this (health polling only).
    - Requests and responses are logged with `Authorization` and signatures redacted and every known
      secret scrubbed. (RequestsLibrary 0.9.7 logs the Authorization header in clear text, which is why
      the wallet is not called through it.)
    - `idempotency_key`: `auto` (default on money POSTs) sends a fresh unique key, `${NONE}` sends no
      header, anything else is sent as given. `request_id`: `auto` sends a fresh `X-Request-ID`,
      `${NONE}` none.
    - Body fields given as `name=value` follow the DataBuilders rule (`amount=500` is a number,
      `amount="500"` a string, `amount=${10.0}` the float 10.0 sent as the bytes `10.0`); `body=` sends
      raw text exactly as given (malformed JSON, exact literals).
    - Every wallet created through the library is recorded for the running suite, see `Wallet Ids
      Touched By This Suite` (the Ledger library reconciles them in suite teardown).

    Keywords return an `ApiResponse`: `${response.status}`, `${response.json}`, `${response.headers}`,
    `${response.body}` (bytes), `${response.idempotency_key}`.
    """

    def __init__(self) -> None:
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing

    def _base_url(self) -> str:
        return setting("WALLET_API_URL").rstrip("/")

    def _timeout(self) -> float:
        return setting_seconds("HTTP_TIMEOUT", 5.0)

    def _get_session(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
            self._session.trust_env = False
        return self._session

    def _authorization(self, owner: str | None, kind: str) -> str | None:
        if kind not in TOKEN_KINDS:
            raise AssertionError(f"unknown token kind {kind!r}: use one of {', '.join(TOKEN_KINDS)}")
        if kind == "missing":
            return None
        if kind == "malformed":
            return "Bearer not-a-jwt." + uuid.uuid4().hex
        if kind == "empty_bearer":
            return "Bearer "
        if owner is None and kind not in ("no_sub",):
            raise AssertionError(f"a {kind} token needs an owner id")
        secret = setting("JWT_SECRET")
        now = int(time.time())
        claims: dict[str, Any] = {"sub": owner, "iat": now, "exp": now + 900}
        if kind == "expired":
            claims.update(iat=now - 1200, exp=now - 600)
        elif kind == "no_sub":
            claims.pop("sub")
        elif kind == "no_exp":
            claims.pop("exp")
        elif kind == "empty_sub":
            claims["sub"] = ""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "alg_none":
                header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
                token = f"{header}.{_b64(json.dumps(claims).encode())}."
            elif kind == "bad_signature":
                token = jwt.encode(claims, "wrong-" + hashlib.sha256(secret.encode()).hexdigest(), algorithm="HS256")
            elif kind == "tampered":
                signed = jwt.encode({**claims, "sub": f"{owner}-x"}, secret, algorithm="HS256")
                head, _, signature = signed.split(".")
                token = f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"
            else:
                token = jwt.encode(claims, secret, algorithm="HS256")
        register_secret(token)
        if kind == "wrong_scheme":
            return f"Basic {token}"
        return f"Bearer {token}"

    def _prepare(self, request: _Request) -> tuple[dict[str, str], bytes | None, str | None, str | None]:
        headers: dict[str, str] = {"Accept": "application/json, application/problem+json"}
        body: bytes | None = None
        if request.raw_body is not None:
            body = request.raw_body if isinstance(request.raw_body, bytes) else str(request.raw_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif request.payload is not None:
            body = json.dumps(request.payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        key = request.idempotency_key
        if key == AUTO:
            key = new_idempotency_key()
        if key is not None:
            headers["Idempotency-Key"] = str(key)
        request_id = request.request_id
        if request_id == AUTO:
            request_id = f"req-{run_id()}-{uuid.uuid4().hex[:16]}"
        if request_id is not None:
            headers["X-Request-ID"] = str(request_id)
        for name, value in (request.headers or {}).items():
            if name.lower() == "authorization":
                raise AssertionError("set the Authorization header with token=<kind>, never as a header")
            headers[str(name)] = str(value)
        return headers, body, key, request_id

    def _send(self, request: _Request, session: requests.Session | None = None) -> tuple[ApiResponse, str]:
        headers, body, key, request_id = self._prepare(request)
        authorization = self._authorization(request.owner, request.token)
        send_headers = dict(headers)
        if authorization is not None:
            send_headers["Authorization"] = authorization
        url = self._base_url() + request.path
        session = session or self._get_session()
        started = time.monotonic()
        try:
            answer = session.request(
                request.method.upper(),
                url,
                headers=send_headers,
                data=body,
                params=dict(request.query) if request.query else None,
                timeout=self._timeout(),
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise AssertionError(
                f"{request.method.upper()} {request.path} got no answer within {self._timeout()} s: "
                f"{scrub(error.__class__.__name__ + ': ' + str(error))}"
            ) from None
        elapsed = int((time.monotonic() - started) * 1000)
        path = request.path
        if answer.request.path_url and answer.request.path_url != request.path:
            path = answer.request.path_url
        response = ApiResponse(
            status=answer.status_code,
            reason=answer.reason or "",
            headers=CaseInsensitiveDict(answer.headers),
            body=answer.content,
            method=request.method.upper(),
            path=path,
            owner=request.owner,
            token_kind=request.token,
            idempotency_key=key,
            sent_request_id=request_id,
            request_body=body,
            request_headers=headers,
            elapsed_ms=elapsed,
        )
        return response, self._describe(response)

    @staticmethod
    def _describe(response: ApiResponse) -> str:
        def show_headers(headers: Mapping[str, str]) -> str:
            return "\n".join(
                f"  {name}: {'<redacted>' if name.lower() in SENSITIVE_HEADERS else value}"
                for name, value in headers.items()
            )

        def show_body(body: bytes | None) -> str:
            if not body:
                return "  (empty)"
            text = body.decode("utf-8", "replace")
            if len(text) > MAX_LOGGED_BODY:
                text = text[:MAX_LOGGED_BODY] + f"... ({len(body)} bytes)"
            return "  " + text

        auth = "none" if response.token_kind == "missing" else f"<redacted {response.token_kind} token>"
        lines = [
            f"{response.method} {response.path}  (owner {response.owner}, Authorization: {auth})",
            show_headers(response.request_headers),
            show_body(response.request_body),
            f"-> {response.status} {response.reason} in {response.elapsed_ms} ms",
            show_headers(response.headers),
            show_body(response.body),
        ]
        return scrub("\n".join(line for line in lines if line))

    def _check(self, response: ApiResponse, validate: bool) -> None:
        if not validate:
            return
        problems = openapi_contract().response_problems(
            response.method, response.path, response.status, response.headers, response.body
        )
        if response.sent_request_id is not None and response.request_id != response.sent_request_id:
            problems.append(
                f"X-Request-ID not echoed: expected {response.sent_request_id!r}, got {response.request_id!r}"
            )
        if problems:
            raise AssertionError(
                scrub(f"Response of {response.method} {response.path} breaks the contract:\n{join_problems(problems)}")
            )
        body = response.json
        if response.status == 201 and response.path.split("?")[0] == "/v1/wallets" and isinstance(body, dict):
            location = response.headers.get("Location", "")
            if not location.endswith(f"/v1/wallets/{body.get('id')}"):
                raise AssertionError(
                    f"Location header should point at the created wallet: expected "
                    f"/v1/wallets/{body.get('id')}, got {location!r}"
                )

    def _call(self, request: _Request) -> ApiResponse:
        response, description = self._send(request)
        logger.info(description)
        self._check(response, request.validate)
        self._record(response)
        return response

    @staticmethod
    def _record(response: ApiResponse) -> None:
        body = response.json
        if response.status == 201 and response.method == "POST" and response.path.split("?")[0] == "/v1/wallets":
            if isinstance(body, dict) and body.get("id"):
                record_wallet(str(body["id"]))

    # ------------------------------------------------------------------ generic

    @keyword
    def send_wallet_api_request(
        self,
        method: str,
        path: str,
        owner: str | None = None,
        token: str = VALID,
        body: str | None = None,
        idempotency_key: str | None = None,
        request_id: str | None = AUTO,
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        validate: bool = True,
        **fields: Any,
    ) -> ApiResponse:
        """Sends any request to the Wallet API and validates the answer against the contract.

        `path` starts with `/` (`/v1/wallets`); `body` is sent as raw text; otherwise `fields` (if any)
        are sent as a JSON object. `headers` adds headers (never Authorization: use `token`).
        """
        payload = {name: json_value(value) for name, value in fields.items()} if fields else None
        return self._call(
            _Request(method, path, owner, token, payload, body, idempotency_key, request_id, headers, query, validate)
        )

    @keyword
    def send_request_again(
        self, response: ApiResponse, owner: str | None = None, token: str | None = None
    ) -> ApiResponse:
        """Sends exactly the same request as the one that produced `response` (same path, body bytes,
        `Idempotency-Key`, owner and token kind; a fresh `X-Request-ID` unless one was sent).

        `owner` / `token` send it as another owner or with another kind of token (keys are scoped per
        owner).
        """
        headers = {
            name: value
            for name, value in response.request_headers.items()
            if name.lower() not in ("idempotency-key", "x-request-id", "accept")
        }
        return self._call(
            _Request(
                response.method,
                response.path,
                owner or response.owner,
                token or response.token_kind,
                None,
                response.request_body,
                response.idempotency_key,
                response.sent_request_id or AUTO,
                headers,
            )
        )

    # ------------------------------------------------------------------ endpoints

    @keyword
    def send_health_request(self, validate: bool = True, request_id: str | None = AUTO) -> ApiResponse:
        """`GET /health` (no token)."""
        return self._call(_Request("GET", "/health", token="missing", validate=validate, request_id=request_id))

    @keyword
    def send_create_wallet_request(
        self,
        owner: str | None,
        currency: Any = "EUR",
        token: str = VALID,
        body: str | None = None,
        omit: str = "",
        request_id: str | None = AUTO,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> ApiResponse:
        """`POST /v1/wallets` `{"currency"}` as `owner`."""
        payload = build_payload({"currency": currency}, fields, omit)
        return self._call(_Request("POST", "/v1/wallets", owner, token, payload, body, idempotency_key, request_id))

    @keyword
    def send_list_wallets_request(
        self, owner: str | None, token: str = VALID, request_id: str | None = AUTO
    ) -> ApiResponse:
        """`GET /v1/wallets` as `owner`."""
        return self._call(_Request("GET", "/v1/wallets", owner, token, request_id=request_id))

    @keyword
    def send_get_wallet_request(
        self, wallet: Any, owner: str | None = None, token: str = VALID, request_id: str | None = AUTO
    ) -> ApiResponse:
        """`GET /v1/wallets/{id}`; `wallet` is a wallet (dict) or an id; `owner` defaults to its owner."""
        return self._call(
            _Request(
                "GET", f"/v1/wallets/{_wallet_id(wallet)}", _wallet_owner(wallet, owner), token, request_id=request_id
            )
        )

    @keyword
    def send_deposit_request(
        self,
        wallet: Any,
        owner: str | None = None,
        token: str = VALID,
        idempotency_key: str | None = AUTO,
        body: str | None = None,
        omit: str = "",
        request_id: str | None = AUTO,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> ApiResponse:
        """`POST /v1/wallets/{id}/deposits`: amount 1000, the wallet's currency, a fresh succeeding
        payment token, overridden by `fields` (`amount=`, `currency=`, `payment_token=`)."""
        defaults = {"amount": 1000, "currency": _wallet_currency(wallet), "payment_token": new_payment_token()}
        payload = build_payload(defaults, fields, omit)
        return self._call(
            _Request(
                "POST",
                f"/v1/wallets/{_wallet_id(wallet)}/deposits",
                _wallet_owner(wallet, owner),
                token,
                payload,
                body,
                idempotency_key,
                request_id,
                headers,
            )
        )

    @keyword
    def send_withdrawal_request(
        self,
        wallet: Any,
        owner: str | None = None,
        token: str = VALID,
        idempotency_key: str | None = AUTO,
        body: str | None = None,
        omit: str = "",
        request_id: str | None = AUTO,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> ApiResponse:
        """`POST /v1/wallets/{id}/withdrawals`: amount 1000 and the wallet's currency, overridden by `fields`."""
        payload = build_payload({"amount": 1000, "currency": _wallet_currency(wallet)}, fields, omit)
        return self._call(
            _Request(
                "POST",
                f"/v1/wallets/{_wallet_id(wallet)}/withdrawals",
                _wallet_owner(wallet, owner),
                token,
                payload,
                body,
                idempotency_key,
                request_id,
                headers,
            )
        )

    @keyword
    def send_transfer_request(
        self,
        source: Any,
        destination: Any,
        owner: str | None = None,
        token: str = VALID,
        idempotency_key: str | None = AUTO,
        body: str | None = None,
        omit: str = "",
        request_id: str | None = AUTO,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> ApiResponse:
        """`POST /v1/transfers` from `source` to `destination` (wallets or ids) as the source's owner
        (or `owner`): amount 1000 and the source's currency, overridden by `fields`."""
        defaults = {
            "source_wallet_id": _wallet_id(source),
            "destination_wallet_id": _wallet_id(destination),
            "amount": 1000,
            "currency": _wallet_currency(source),
        }
        payload = build_payload(defaults, fields, omit)
        return self._call(
            _Request(
                "POST",
                "/v1/transfers",
                _wallet_owner(source, owner),
                token,
                payload,
                body,
                idempotency_key,
                request_id,
                headers,
            )
        )

    @keyword
    def send_transaction_history_request(
        self,
        wallet: Any,
        owner: str | None = None,
        token: str = VALID,
        limit: Any = None,
        cursor: str | None = None,
        request_id: str | None = AUTO,
    ) -> ApiResponse:
        """`GET /v1/wallets/{id}/transactions?limit=&cursor=` (parameters left out when `${NONE}`)."""
        query = {name: value for name, value in (("limit", limit), ("cursor", cursor)) if value is not None}
        return self._call(
            _Request(
                "GET",
                f"/v1/wallets/{_wallet_id(wallet)}/transactions",
                _wallet_owner(wallet, owner),
                token,
                query=query,
                request_id=request_id,
            )
        )

    @keyword
    def send_get_transaction_request(
        self, transaction_id: str, owner: str | None, token: str = VALID, request_id: str | None = AUTO
    ) -> ApiResponse:
        """`GET /v1/transactions/{id}` as `owner`."""
        return self._call(_Request("GET", f"/v1/transactions/{transaction_id}", owner, token, request_id=request_id))

    @keyword
    def send_webhook_request(
        self,
        charge_id: str,
        status: str = "succeeded",
        failure_code: str | None = None,
        signature: str = "valid",
        body: str | None = None,
        request_id: str | None = AUTO,
    ) -> ApiResponse:
        """`POST /v1/webhooks/payment-gateway` straight to the wallet, signed here with
        `${GATEWAY_WEBHOOK_SECRET}`. `signature`: `valid`, `invalid` (wrong key), `missing`, `malformed`
        (not `sha256=<hex>`). `body` replaces the JSON body (it is signed as sent)."""
        raw = (
            body.encode("utf-8")
            if body is not None
            else json.dumps({"charge_id": charge_id, "status": status, "failure_code": failure_code}).encode()
        )
        headers: dict[str, str] = {}
        if signature in ("valid", "invalid"):
            key = setting("GATEWAY_WEBHOOK_SECRET")
            if signature == "invalid":
                key = "wrong-" + hashlib.sha256(key.encode()).hexdigest()
            headers["X-Gateway-Signature"] = "sha256=" + hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
        elif signature == "malformed":
            headers["X-Gateway-Signature"] = "md5=not-a-signature"
        elif signature != "missing":
            raise AssertionError(f"unknown signature {signature!r}: use valid, invalid, missing or malformed")
        return self._call(
            _Request("POST", "/v1/webhooks/payment-gateway", None, "missing", None, raw, None, request_id, headers)
        )

    @keyword
    def send_endpoint_request(self, endpoint: str, fixture: Mapping[str, Any], **arguments: Any) -> ApiResponse:
        """Sends one otherwise valid request to the endpoint named `endpoint` for a fixture
        `{owner, wallet, destination, transaction_id}`, as its owner, and returns the response.

        Endpoints: `health`, `create wallet` (currency USD unless `currency=`), `list wallets`, `get wallet`,
        `deposit`, `withdrawal`, `transfer` (wallet -> destination), `history`, `transaction`, `webhook` (a
        validly signed webhook for an unknown charge id). `owner=`, `wallet=`, `destination=`,
        `transaction_id=` and `charge_id=` replace the fixture's; the other arguments go to the request
        keyword of that endpoint (`token=`, `request_id=`, body fields, `body=`, `limit=`, ...).
        """
        owner = arguments.pop("owner", fixture.get("owner"))
        wallet = arguments.pop("wallet", fixture.get("wallet"))
        destination = arguments.pop("destination", fixture.get("destination"))
        transaction_id = arguments.pop("transaction_id", fixture.get("transaction_id"))
        charge_id = arguments.pop("charge_id", None) or f"ch_unknown_{uuid.uuid4().hex}"
        calls: dict[str, tuple[Any, tuple, dict]] = {
            "health": (self.send_health_request, (), arguments),
            "create wallet": (self.send_create_wallet_request, (owner,), {"currency": "USD", **arguments}),
            "list wallets": (self.send_list_wallets_request, (owner,), arguments),
            "get wallet": (self.send_get_wallet_request, (wallet, owner), arguments),
            "deposit": (self.send_deposit_request, (wallet, owner), arguments),
            "withdrawal": (self.send_withdrawal_request, (wallet, owner), arguments),
            "transfer": (self.send_transfer_request, (wallet, destination, owner), arguments),
            "history": (self.send_transaction_history_request, (wallet, owner), arguments),
            "transaction": (self.send_get_transaction_request, (str(transaction_id), owner), arguments),
            "webhook": (self.send_webhook_request, (charge_id,), arguments),
        }
        call = calls.get(" ".join(str(endpoint).lower().split()))
        if call is None:
            raise AssertionError(f"unknown endpoint {endpoint!r}: use one of {', '.join(calls)}")
        function, positional, named = call
        try:
            inspect.signature(function).bind(*positional, **named)
        except TypeError as error:
            raise AssertionError(f"endpoint {endpoint!r} does not take these arguments: {error}") from None
        return function(*positional, **named)

    # ------------------------------------------------------------------ polling and concurrency

    @keyword
    def wait_until_wallet_api_is_healthy(self, timeout: float | None = None) -> ApiResponse:
        """Polls `GET /health` until it answers 200 `{"status": "ok"}` (deadline `${HEALTH_TIMEOUT}`), then
        validates that answer against the contract."""
        deadline = time.monotonic() + (timeout or setting_seconds("HEALTH_TIMEOUT", 30.0))
        last = "no answer"
        while True:
            try:
                response, _ = self._send(_Request("GET", "/health", token="missing", validate=False))
                body = response.json
                if response.status == 200 and isinstance(body, dict) and body.get("status") == "ok":
                    logger.info(self._describe(response))
                    self._check(response, True)
                    return response
                last = f"{response.status} {response.text[:200]}"
            except AssertionError as error:
                last = str(error)
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"Wallet API at {self._base_url()} not healthy within the deadline: expected 200 "
                    f'{{"status": "ok"}}, last answer: {scrub(last)}'
                )
            time.sleep(0.25)

    @keyword
    def wait_until_health_reports(self, check: str, state: str, timeout: float | None = None) -> ApiResponse:
        """Polls `GET /health` until `checks.<check>` is `state` (`ok` or `down`), validating every
        answer against the contract (200 when all ok, 503 `degraded` otherwise). Deadline: `timeout`
        seconds, default `${HEALTH_TIMEOUT}`."""
        deadline = time.monotonic() + (timeout or setting_seconds("HEALTH_TIMEOUT", 30.0))
        last: Any = None
        while True:
            response = self._call(_Request("GET", "/health", token="missing"))
            body = response.json
            last = body
            if isinstance(body, dict) and (body.get("checks") or {}).get(check) == state:
                return response
            if time.monotonic() >= deadline:
                raise AssertionError(f"/health never reported {check}={state!r} in time; last body: {last}")
            time.sleep(0.25)

    def _concurrently(self, requests_: Sequence[_Request]) -> list[ApiResponse]:
        barrier = threading.Barrier(len(requests_))
        results: list[tuple[ApiResponse, str] | BaseException | None] = [None] * len(requests_)

        def run(index: int, request: _Request) -> None:
            session = requests.Session()
            session.trust_env = False
            try:
                barrier.wait(timeout=30)
                results[index] = self._send(request, session)
            except BaseException as error:  # reported in the main thread
                results[index] = error
            finally:
                session.close()

        threads = [threading.Thread(target=run, args=(i, r), daemon=True) for i, r in enumerate(requests_)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self._timeout() + 35)
        responses: list[ApiResponse] = []
        errors: list[str] = []
        for index, result in enumerate(results):
            if isinstance(result, tuple):
                logger.info(f"[concurrent request {index + 1}]\n{result[1]}")
                responses.append(result[0])
            else:
                errors.append(f"request {index + 1}: {scrub(str(result))}")
        if errors:
            raise AssertionError("concurrent requests failed:\n" + "\n".join(errors))
        for response, request in zip(responses, requests_, strict=True):
            self._check(response, request.validate)
            self._record(response)
        summary = ", ".join(str(r.status) for r in responses)
        logger.info(f"{len(responses)} concurrent responses: {summary}")
        return responses

    @keyword
    def withdraw_concurrently(self, wallet: Any, amount: Any, count: int, owner: str | None = None) -> list:
        """Starts `count` withdrawals of `amount` together (each with its own idempotency key) and returns
        the responses, every one validated against the contract."""
        requests_ = [
            _Request(
                "POST",
                f"/v1/wallets/{_wallet_id(wallet)}/withdrawals",
                _wallet_owner(wallet, owner),
                "valid",
                {"amount": json_value(amount), "currency": _wallet_currency(wallet)},
                None,
                AUTO,
            )
            for _ in range(int(count))
        ]
        return self._concurrently(requests_)

    @keyword
    def transfer_concurrently(
        self, source: Any, destination: Any, amount: Any, count: int, both_ways: bool = False
    ) -> list:
        """Starts `count` transfers of `amount` from `source` to `destination` together (with
        `both_ways=True`, every other one goes back from `destination` to `source`, as its owner)."""
        requests_ = []
        for index in range(int(count)):
            src, dst = (destination, source) if both_ways and index % 2 else (source, destination)
            payload = {
                "source_wallet_id": _wallet_id(src),
                "destination_wallet_id": _wallet_id(dst),
                "amount": json_value(amount),
                "currency": _wallet_currency(src),
            }
            requests_.append(_Request("POST", "/v1/transfers", _wallet_owner(src, None), "valid", payload, None, AUTO))
        return self._concurrently(requests_)

    @keyword
    def deposit_concurrently_with_one_key(
        self,
        wallet: Any,
        amount: Any,
        count: int,
        payment_token: str,
        idempotency_key: str | None = None,
        owner: str | None = None,
    ) -> list:
        """Starts `count` identical deposits (same body, same idempotency key) together; with a slow
        gateway (a stub with `delay_ms`) all but one should get `409 IDEMPOTENCY_KEY_IN_USE` or a replay."""
        key = idempotency_key or new_idempotency_key()
        payload = {"amount": json_value(amount), "currency": _wallet_currency(wallet), "payment_token": payment_token}
        requests_ = [
            _Request(
                "POST",
                f"/v1/wallets/{_wallet_id(wallet)}/deposits",
                _wallet_owner(wallet, owner),
                "valid",
                payload,
                None,
                key,
            )
            for _ in range(int(count))
        ]
        return self._concurrently(requests_)

    # ------------------------------------------------------------------ assertions

    @keyword
    def http_status_should_be(self, response: ApiResponse, status: int) -> None:
        """Fails unless the response has HTTP status `status`."""
        if response.status != int(status):
            raise AssertionError(
                f"{response.method} {response.path}: expected status {status}, got {response.status}: "
                f"{scrub(response.text[:500])}"
            )

    @keyword
    def problem_should_be(self, response: ApiResponse, status: int, code: str) -> dict:
        """Fails unless the response is an `application/problem+json` with this status and `code`;
        returns the problem body."""
        body = response.json
        actual_code = body.get("code") if isinstance(body, dict) else None
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if response.status != int(status) or actual_code != code:
            raise AssertionError(
                f"{response.method} {response.path}: expected problem {status} {code}, got {response.status} "
                f"{actual_code}: {scrub(response.text[:500])}"
            )
        if content_type != "application/problem+json":
            raise AssertionError(f"expected Content-Type application/problem+json, got {content_type!r}")
        return body

    @keyword
    def problems_should_be_alike(self, response: ApiResponse, other: ApiResponse) -> None:
        """Fails unless both responses are the same problem: status, Content-Type, `type`, `title` and
        `code` equal (`detail` may differ, e.g. by id). For "another owner's wallet is answered exactly as
        a missing one"."""
        first, second = response.json or {}, other.json or {}
        pairs = [
            ("status", response.status, other.status),
            (
                "Content-Type",
                response.headers.get("Content-Type", "").split(";")[0],
                other.headers.get("Content-Type", "").split(";")[0],
            ),
            *((name, first.get(name), second.get(name)) for name in ("type", "title", "code", "status")),
        ]
        problems = [f"{name}: {a!r} vs {b!r}" for name, a, b in pairs if a != b]
        if problems:
            raise AssertionError(
                f"{response} and {other} are not the same problem:\n" + "\n".join(f"  - {p}" for p in problems)
            )

    @keyword
    def body_should_not_leak_internals(self, response: ApiResponse) -> None:
        """Fails when the body contains a stack trace, SQL or a file path (checked on every 5xx anyway)."""
        leaks = leaks_in(response.text)
        if leaks:
            raise AssertionError(f"{response} body leaks internals ({', '.join(leaks)}): {scrub(response.text[:500])}")

    @keyword
    def validation_errors_should_name(self, response: ApiResponse, *fields: str) -> None:
        """Fails unless the response is `400 VALIDATION_ERROR` whose `errors[].field` names every field
        given (it may name more)."""
        body = self.problem_should_be(response, 400, "VALIDATION_ERROR")
        named = [str(item.get("field")) for item in body.get("errors", []) if isinstance(item, dict)]
        missing = [name for name in fields if name not in named]
        if missing:
            raise AssertionError(f"errors[] should name {list(fields)}; missing {missing}; named: {named}")

    @keyword
    def validation_errors_should_name_exactly(self, response: ApiResponse, *fields: str) -> None:
        """Like `Validation Errors Should Name`, and no other field is named."""
        self.validation_errors_should_name(response, *fields)
        named = sorted({str(item.get("field")) for item in response.json.get("errors", [])})
        if named != sorted(set(fields)):
            raise AssertionError(f"errors[] should name exactly {sorted(set(fields))}, named {named}")

    @keyword
    def should_be_replay_of(self, replay: ApiResponse, original: ApiResponse) -> None:
        """Fails unless `replay` repeats `original` byte for byte (status and body) with
        `Idempotency-Replayed: true`."""
        problems = []
        if replay.status != original.status:
            problems.append(f"status: expected {original.status}, got {replay.status}")
        if replay.body != original.body:
            problems.append(
                f"body differs:\n    original: {scrub(original.text[:800])}\n    replay:   {scrub(replay.text[:800])}"
            )
        if not replay.replayed:
            problems.append(
                f"header Idempotency-Replayed: expected 'true', got {replay.headers.get('Idempotency-Replayed')!r}"
            )
        if problems:
            raise AssertionError("Not a byte-identical replay:\n" + "\n".join(f"  - {p}" for p in problems))

    @keyword
    def should_not_be_replay(self, response: ApiResponse) -> None:
        """Fails when the response says `Idempotency-Replayed: true`."""
        if response.replayed:
            raise AssertionError(f"{response} should be a fresh answer, got Idempotency-Replayed: true")

    @keyword
    def request_id_should_be(self, response: ApiResponse, expected: str | None = None) -> str:
        """Fails unless the response has an `X-Request-ID` (equal to `expected` when given); returns it."""
        actual = response.request_id
        if not actual or (expected is not None and actual != expected):
            raise AssertionError(f"X-Request-ID: expected {expected or 'a generated id'!r}, got {actual!r}")
        return actual

    @keyword
    def media_type_should_be(self, response: ApiResponse, media_type: str) -> None:
        """Fails unless the response's `Content-Type` media type (parameters ignored) is `media_type` and
        the body is JSON."""
        actual = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if actual != media_type.lower():
            raise AssertionError(f"{response}: expected Content-Type {media_type}, got {actual or '(none)'!r}")
        if response.json is None:
            raise AssertionError(f"{response}: body is not JSON: {scrub(response.text[:300])}")

    @keyword
    def problem_should_follow_rfc_9457(self, response: ApiResponse) -> dict:
        """Fails unless the response is an `application/problem+json` error whose body has the string
        fields `type`, `title`, `detail` and a non-empty `code`, and an integer `status` equal to the HTTP
        status (contract section 2, Errors). Returns the problem body."""
        if response.status < 400:
            raise AssertionError(f"{response}: expected an error status (4xx/5xx), got {response.status}")
        self.media_type_should_be(response, "application/problem+json")
        body = response.json
        if not isinstance(body, dict):
            raise AssertionError(f"{response}: a problem body is a JSON object, got {scrub(response.text[:300])}")
        problems = [
            f"{name}: expected a string, got {body.get(name, '<missing>')!r}"
            for name in ("type", "title", "detail", "code")
            if not isinstance(body.get(name), str)
        ]
        if isinstance(body.get("code"), str) and not body["code"]:
            problems.append("code: expected a non-empty string, got ''")
        status = body.get("status", "<missing>")
        if isinstance(status, bool) or status != response.status:
            problems.append(f"status: expected {response.status} (the HTTP status), got {status!r}")
        if problems:
            raise AssertionError(f"{response}: not an RFC 9457 problem:\n" + "\n".join(f"  - {p}" for p in problems))
        return body

    @keyword
    def bearer_challenge_should_be_present(self, response: ApiResponse) -> None:
        """Fails unless the response is `401 UNAUTHORIZED` with a `WWW-Authenticate: Bearer` challenge."""
        self.problem_should_be(response, 401, "UNAUTHORIZED")
        challenge = response.headers.get("WWW-Authenticate", "")
        if not challenge.lower().startswith("bearer"):
            raise AssertionError(f"WWW-Authenticate: expected a Bearer challenge, got {challenge!r}")

    @keyword
    def object_should_match(self, actual: Mapping[str, Any], **expected: Any) -> None:
        """Fails unless every `name=value` matches the field of `actual` (values converted like payload
        fields: `amount=500` is the number 500, `transfer_id=null` is null, `status=succeeded` a string).

        All differences are reported at once as `field: expected X, got Y`.
        """
        if not isinstance(actual, Mapping):
            raise AssertionError(f"expected a JSON object, got {actual!r}")
        problems = [
            f"{name}: expected {json_value(value)!r}, got {actual.get(name, '<missing>')!r}"
            for name, value in expected.items()
            if name not in actual or not _same(actual[name], value)
        ]
        if problems:
            raise AssertionError("Object does not match:\n" + "\n".join(f"  - {p}" for p in problems))

    @keyword
    def status_counts_should_be(self, responses: Sequence[ApiResponse], **counts: int) -> None:
        """Fails unless the responses have exactly these status counts, e.g. `201=3    422=2`."""
        actual: dict[str, int] = {}
        for response in responses:
            actual[str(response.status)] = actual.get(str(response.status), 0) + 1
        expected = {str(status): int(count) for status, count in counts.items() if int(count)}
        if actual != expected:
            raise AssertionError(f"status counts: expected {expected}, got {actual}")

    @keyword
    def count_responses_with_status(self, responses: Sequence[ApiResponse], status: int) -> int:
        """The number of responses with HTTP status `status`."""
        return sum(1 for response in responses if response.status == int(status))

    @keyword
    def transactions_should_be_newest_first(self, transactions: Sequence[Mapping[str, Any]]) -> None:
        """Fails unless the list is ordered by `created_at` descending, then `id` descending."""
        for index in range(1, len(transactions)):
            previous, current = transactions[index - 1], transactions[index]
            key_previous = (_parse_time(previous["created_at"]), str(previous["id"]).lower())
            key_current = (_parse_time(current["created_at"]), str(current["id"]).lower())
            if key_current > key_previous:
                raise AssertionError(
                    f"history not newest first at position {index}: {previous['id']} ({previous['created_at']}) "
                    f"comes before {current['id']} ({current['created_at']})"
                )

    @keyword
    def walk_transaction_history(
        self, wallet: Any, limit: int = 20, owner: str | None = None, max_pages: int = 500
    ) -> list:
        """Follows `next_cursor` from the first page to the last (`next_cursor: null`) and returns every
        transaction. Fails on a page larger than `limit`, a transaction seen twice, an order that is not
        newest first across pages, or more than `max_pages` pages."""
        collected: list[dict] = []
        seen: set[str] = set()
        cursor: str | None = None
        for page in range(1, int(max_pages) + 1):
            response = self.send_transaction_history_request(wallet, owner, "valid", int(limit), cursor)
            self.http_status_should_be(response, 200)
            body = response.json
            if len(body["data"]) > int(limit):
                raise AssertionError(f"page {page} has {len(body['data'])} transactions, more than limit={limit}")
            for item in body["data"]:
                if item["id"] in seen:
                    raise AssertionError(f"transaction {item['id']} seen twice (again on page {page})")
                seen.add(item["id"])
                collected.append(item)
            cursor = body["next_cursor"]
            if cursor is None:
                self.transactions_should_be_newest_first(collected)
                logger.info(f"{len(collected)} transactions in {page} page(s) of at most {limit}")
                return collected
        raise AssertionError(f"next_cursor still not null after {max_pages} pages")

    @keyword
    def timestamp_should_be_rfc3339(self, value: str) -> None:
        """Fails unless `value` is an RFC 3339 date-time."""
        if not is_rfc3339(value):
            raise AssertionError(f"expected an RFC 3339 date-time, got {value!r}")

    @keyword
    def record_wallet_as_touched(self, wallet: Any) -> None:
        """Adds a wallet (created some other way) to the suite's list of touched wallets."""
        record_wallet(_wallet_id(wallet))
