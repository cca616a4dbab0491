"""The Wallet API's endpoints, written once (the route table), and the request/response objects.

A request is built from keyword arguments (`build_request`): body fields as `name=value` (converted by
the matcher's rule: `amount=500` is a number, `amount="500"` a string, `amount=${10.0}` a float), and the
request options below; nothing is positional.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict

from .matcher import expected_value

AUTO = "auto"  # a fresh unique Idempotency-Key / X-Request-ID
# The fields of a transaction (contract section 3) besides `created_at`.
TRANSACTION_FIELDS = (
    "id",
    "wallet_id",
    "type",
    "status",
    "amount",
    "currency",
    "balance_after",
    "transfer_id",
    "counterparty_wallet_id",
    "gateway_charge_id",
    "failure_code",
)
OPTIONS = ("owner", "token", "idempotency_key", "body", "omit", "request_id", "headers", "query", "validate")


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path template (`{wallet}`, `{transaction}`), whether it takes a bearer token
    and whether it moves money (then an `Idempotency-Key` is sent unless `idempotency_key=${NONE}`)."""

    method: str
    template: str
    token: bool = True
    money: bool = False

    def path(self, **ids: str) -> str:
        """The concrete path for these ids."""
        return self.template.format(**ids)


ROUTES: dict[str, Route] = {
    "health": Route("GET", "/health", token=False),
    "create wallet": Route("POST", "/v1/wallets"),
    "list wallets": Route("GET", "/v1/wallets"),
    "get wallet": Route("GET", "/v1/wallets/{wallet}"),
    "deposit": Route("POST", "/v1/wallets/{wallet}/deposits", money=True),
    "withdrawal": Route("POST", "/v1/wallets/{wallet}/withdrawals", money=True),
    "transfer": Route("POST", "/v1/transfers", money=True),
    "history": Route("GET", "/v1/wallets/{wallet}/transactions"),
    "transaction": Route("GET", "/v1/transactions/{transaction}"),
    "webhook": Route("POST", "/v1/webhooks/payment-gateway", token=False),
}


def route(name: str) -> Route:
    """The route named `name` (case and spacing ignored), or a one-line error listing them."""
    found = ROUTES.get(" ".join(str(name).lower().split()))
    if found is None:
        raise AssertionError(f"unknown endpoint {name!r}: use one of {', '.join(ROUTES)}")
    return found


@dataclass(frozen=True, kw_only=True)
class ApiRequest:
    """What is sent: never a token (the transport mints it from `owner` and the token kind)."""

    method: str
    path: str
    owner: str | None = None
    token: str = "valid"
    body: bytes | None = None
    idempotency_key: str | None = None
    request_id: str | None = AUTO
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    validate: bool = True
    # A token minted before (the model workload sends one again after it expired); never shown.
    authorization: str | None = field(default=None, repr=False)


def build_request(endpoint: Route, path: str, defaults: Mapping[str, Any], arguments: Mapping[str, Any]) -> ApiRequest:
    """An `ApiRequest` for `endpoint` at `path`: `defaults` are the body fields unless the keyword's
    `arguments` override them (`name=value`), drop them (`omit=a,b`) or replace the body (`body=<raw text>`);
    the other arguments are the options `owner`, `token`, `idempotency_key`, `request_id`, `headers`,
    `query`, `validate`."""
    options = {name: arguments[name] for name in OPTIONS if name in arguments}
    fields = {name: value for name, value in arguments.items() if name not in OPTIONS}
    body = options.get("body")
    if body is None and (defaults or fields) and endpoint.method != "GET":
        payload = dict(defaults)
        payload.update({name: expected_value(value) for name, value in fields.items()})
        for name in _names(options.get("omit", "")):
            payload.pop(name, None)
        body = json.dumps(payload)
    elif fields and endpoint.method == "GET":
        raise AssertionError(f"{endpoint.method} {endpoint.template} takes no body fields, got {sorted(fields)}")
    for name in options.get("headers") or {}:
        if name.lower() == "authorization":
            raise AssertionError("set the Authorization header with token=<kind>, never as a header")
    key = options.get("idempotency_key", AUTO if endpoint.money else None)
    return ApiRequest(
        method=endpoint.method,
        path=path,
        owner=options.get("owner"),
        token=options.get("token", "valid" if endpoint.token else "missing"),
        body=body if body is None or isinstance(body, bytes) else str(body).encode("utf-8"),
        idempotency_key=None if key is None else str(key),
        request_id=options.get("request_id", AUTO),
        headers=dict(options.get("headers") or {}),
        query={name: value for name, value in (options.get("query") or {}).items() if value is not None},
        validate=bool(options.get("validate", True)),
    )


def _names(omit: Any) -> list[str]:
    if isinstance(omit, str):
        return [name.strip() for name in omit.split(",") if name.strip()]
    return [str(name) for name in omit or ()]


@dataclass
class ApiResponse:
    """One answer of the Wallet API as Robot sees it (never holds the request's token).

    `${response.status}`, `${response.json}` (parsed body or None), `${response.body}` (bytes, for
    byte-identical replay checks), `${response.text}`, `${response.headers}` (case-insensitive),
    `${response.request_id}`, `${response.replayed}`, `${response.code}` (problem code), and what was sent:
    `${response.method}`, `${response.path}`, `${response.owner}`, `${response.token_kind}`,
    `${response.idempotency_key}`, `${response.sent_json}`.
    """

    status: int
    reason: str
    headers: CaseInsensitiveDict
    body: bytes
    request: ApiRequest
    path: str
    sent_request_id: str | None
    elapsed_ms: int = 0
    sent_headers: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body is not JSON."""
        return _parse(self.body)

    @property
    def sent_json(self) -> Any:
        """The JSON body that was sent, parsed (None when it was not JSON)."""
        return _parse(self.request.body or b"")

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")

    @property
    def method(self) -> str:
        """The HTTP method sent."""
        return self.request.method

    @property
    def owner(self) -> str | None:
        """The owner id the token was minted for."""
        return self.request.owner

    @property
    def token_kind(self) -> str:
        """The kind of token sent (`valid`, `expired`, ...)."""
        return self.request.token

    @property
    def idempotency_key(self) -> str | None:
        """The `Idempotency-Key` sent (None: no header)."""
        return self.request.idempotency_key

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

    def expect(self, status: int) -> ApiResponse:
        """This response; fails unless it has HTTP status `status` (the message shows the body)."""
        if self.status != int(status):
            raise AssertionError(
                f"{self.method} {self.path}: expected status {status}, got {self.status}: {self.text[:500]}"
            )
        return self

    def __str__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}{' (replayed)' if self.replayed else ''}>"


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def wallet_id(wallet: Any) -> str:
    """The id of a wallet given as the API's JSON object or as an id."""
    if isinstance(wallet, Mapping):
        if "id" not in wallet:
            raise AssertionError(f"expected a wallet (a dict with 'id') or a wallet id, got {wallet!r}")
        return str(wallet["id"])
    return str(wallet)


def wallet_owner(wallet: Any, owner: str | None = None) -> str:
    """`owner` when given, else the owner of a wallet returned by the API."""
    if owner:
        return owner
    if isinstance(wallet, Mapping) and wallet.get("owner_id"):
        return str(wallet["owner_id"])
    raise AssertionError("no owner: pass a wallet returned by the API (it has owner_id) or give owner=<owner id>")


def wallet_currency(wallet: Any) -> str:
    """The currency of a wallet returned by the API (EUR for a bare id)."""
    if isinstance(wallet, Mapping) and wallet.get("currency"):
        return str(wallet["currency"])
    return "EUR"
