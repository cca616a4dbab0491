"""HTTP transport of the Wallet API on RequestsLibrary's session `wallet_api`.

Every request goes through `Transport.send`: headers built (a fresh `Idempotency-Key` / `X-Request-ID`
where asked, the bearer token minted for the owner and token kind), sent with `<METHOD> On Session` of
RequestsLibrary (public API, `expected_status=anything`, `${HTTP_TIMEOUT}`), and the answer validated
against `contracts/openapi.yaml`. The log shows one line per exchange (`describe`); with `--loglevel DEBUG`
it also shows RequestsLibrary's dump of each request and response, headers included, which at INFO would be
half of every output.xml (the SecretRedactor listener masks every bearer credential and JWT before anything is
written).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from requests import RequestException
from requests.structures import CaseInsensitiveDict
from robot.libraries.BuiltIn import BuiltIn

from . import tokens
from .context import robot_variable
from .contract import openapi_contract
from .matcher import bullet_list
from .routes import AUTO, ApiRequest, ApiResponse

if TYPE_CHECKING:
    from .context import Context

ACCEPT = "application/json, application/problem+json"
JOIN_MARGIN_S = 35.0
TOKEN_REUSE_S = 60.0  # far within tokens.LIFETIME_S


class Transport:
    """Sends `ApiRequest`s and returns validated `ApiResponse`s; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.observers: list[Callable[[ApiResponse], None]] = []
        self._tokens: dict[str, tuple[float, str, str]] = {}  # owner -> (minted, value, secret)

    # ------------------------------------------------------------------ one request

    def headers(self, request: ApiRequest) -> tuple[dict[str, str], str | None, str | None]:
        """(headers without Authorization, the idempotency key sent, the request id sent)."""
        headers = {"Accept": ACCEPT}
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        key = self.unique_key() if request.idempotency_key == AUTO else request.idempotency_key
        if key is not None:
            headers["Idempotency-Key"] = key
        request_id = self.unique_request_id() if request.request_id == AUTO else request.request_id
        if request_id is not None:
            headers["X-Request-ID"] = str(request_id)
        headers.update({str(name): str(value) for name, value in request.headers.items()})
        return headers, key, request_id

    def authorization(self, owner: str | None, kind: str, lifetime: int = tokens.LIFETIME_S) -> str | None:
        """The `Authorization` value of a token of `kind` for `owner` (registered as a secret); a valid
        token expires `lifetime` seconds from now. An owner's valid token of the usual lifetime is used
        again for `TOKEN_REUSE_S`, as a client keeps its token (minting one per request was a tenth of the
        cost of sending it)."""
        reusable = kind == "valid" and lifetime == tokens.LIFETIME_S and owner is not None
        secret = self.ctx.setting("JWT_SECRET")
        kept = self._tokens.get(owner) if reusable else None
        if kept and kept[2] == secret and time.monotonic() - kept[0] < TOKEN_REUSE_S:
            return kept[1]
        value = tokens.authorization(owner, kind, secret, lifetime)
        if value:
            self.ctx.register_secret(value.split(" ", 1)[-1])
            if reusable:
                self._tokens[owner] = (time.monotonic(), value, secret)
        return value

    def send(self, request: ApiRequest, validate: bool = True) -> ApiResponse:
        """Sends one request, validates the answer (unless `validate` or the request says not to)."""
        headers, key, request_id = self.headers(request)
        sent = dict(headers)
        authorization = request.authorization or self.authorization(request.owner, request.token)
        if authorization is not None:
            sent["Authorization"] = authorization
        http = self.ctx.http()
        started = time.monotonic()
        try:
            with self._dump_only_when_debugging():
                answer = getattr(http, f"{request.method.lower()}_on_session")(
                    "wallet_api",
                    request.path,
                    data=request.body,
                    params=dict(request.query) or None,
                    headers=sent,
                    expected_status="anything",
                    allow_redirects=False,
                    timeout=self.ctx.http_timeout,
                )
        except RequestException as error:
            raise AssertionError(
                f"{request.method} {request.path} got no answer within {self.ctx.http_timeout} s: "
                f"{self.ctx.scrub(f'{error.__class__.__name__}: {error}')}"
            ) from None
        response = ApiResponse(
            status=answer.status_code,
            reason=answer.reason or "",
            headers=CaseInsensitiveDict(answer.headers),
            body=answer.content,
            request=_with_key(request, key),
            path=answer.request.path_url or request.path,
            sent_request_id=request_id,
            elapsed_ms=int((time.monotonic() - started) * 1000),
            sent_headers=headers,
        )
        if threading.current_thread() is threading.main_thread():  # Robot logs nothing from other threads
            self.ctx.info(self.describe(response))
        if validate and request.validate:
            self.check(response)
        for observer in self.observers:
            observer(response)
        return response

    @contextmanager
    def _dump_only_when_debugging(self) -> Iterator[None]:
        """RequestsLibrary logs every request and response at INFO, with no switch: at INFO (the default
        level) the call runs at WARN, so only `describe`'s line is logged (public `Set Log Level`)."""
        level = robot_variable("LOG_LEVEL") if threading.current_thread() is threading.main_thread() else None
        if str(level).upper() != "INFO":
            yield
            return
        builtin = BuiltIn()
        builtin.set_log_level("WARN")
        try:
            yield
        finally:
            builtin.set_log_level(str(level))

    def check(self, response: ApiResponse) -> None:
        """Fails unless the response is one the contract allows (status, media type, headers, schema, no
        internals in a 5xx), echoes the `X-Request-ID` sent, and a created wallet's `Location` points at it."""
        problems = openapi_contract().response_problems(
            response.method, response.path, response.status, response.headers, response.body
        )
        if response.sent_request_id is not None and response.request_id != response.sent_request_id:
            problems.append(
                f"X-Request-ID not echoed: expected {response.sent_request_id!r}, got {response.request_id!r}"
            )
        body = response.json
        if response.status == 201 and response.path.split("?")[0] == "/v1/wallets" and isinstance(body, dict):
            location = response.headers.get("Location", "")
            if not location.endswith(f"/v1/wallets/{body.get('id')}"):
                problems.append(
                    f"Location should point at the created wallet /v1/wallets/{body.get('id')}, got {location!r}"
                )
        if problems:
            raise AssertionError(
                self.ctx.scrub(
                    f"Response of {response.method} {response.path} breaks the contract:\n{bullet_list(problems)}"
                )
            )

    def describe(self, response: ApiResponse) -> str:
        """One line about an exchange, for logs (no token: only its kind)."""
        return (
            f"{response.method} {response.path} as {response.owner} ({response.token_kind} token) -> "
            f"{response.status} {response.reason} in {response.elapsed_ms} ms: {self.ctx.scrub(response.text[:300])}"
        )

    # ------------------------------------------------------------------ many requests at the same moment

    def send_together(self, requests_: Sequence[ApiRequest]) -> list[ApiResponse]:
        """Sends the requests from one thread each, released together by a barrier; every answer is then
        validated in this thread (a failure names the request)."""
        barrier = threading.Barrier(len(requests_))
        results: list[ApiResponse | BaseException | None] = [None] * len(requests_)

        def run(index: int, request: ApiRequest) -> None:
            try:
                barrier.wait(timeout=30)
                results[index] = self.send(request, validate=False)
            except BaseException as error:
                results[index] = error

        self.ctx.http()  # the session exists before the threads start
        threads = [threading.Thread(target=run, args=(i, r), daemon=True) for i, r in enumerate(requests_)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.ctx.http_timeout + JOIN_MARGIN_S)
        errors = [
            f"request {index + 1}: {self.ctx.scrub(str(result) or 'no answer')}"
            for index, result in enumerate(results)
            if not isinstance(result, ApiResponse)
        ]
        if errors:
            raise AssertionError("concurrent requests failed:\n" + "\n".join(errors))
        responses = [result for result in results if isinstance(result, ApiResponse)]
        for index, response in enumerate(responses, start=1):
            self.ctx.info(f"[concurrent request {index}] {self.describe(response)}")
            self.check(response)
        self.ctx.info(f"{len(responses)} concurrent responses: {', '.join(str(r.status) for r in responses)}")
        return responses

    # ------------------------------------------------------------------ ids and signatures

    def unique_key(self) -> str:
        """A unique `Idempotency-Key` (printable ASCII, well under 255 characters)."""
        return f"idem-{self.ctx.run_id}-{uuid.uuid4()}"

    def unique_request_id(self) -> str:
        """A unique `X-Request-ID`."""
        return f"req-{self.ctx.run_id}-{uuid.uuid4().hex[:16]}"

    def webhook_signature(self, raw: bytes, signature: str) -> dict[str, str]:
        """The `X-Gateway-Signature` header of a webhook body: `valid`, `invalid` (another key), `missing`
        or `malformed` (not `sha256=<hex>`)."""
        if signature == "missing":
            return {}
        if signature == "malformed":
            return {"X-Gateway-Signature": "md5=not-a-signature"}
        if signature not in ("valid", "invalid"):
            raise AssertionError(f"unknown signature {signature!r}: use valid, invalid, missing or malformed")
        key = self.ctx.setting("GATEWAY_WEBHOOK_SECRET")
        if signature == "invalid":
            key = "wrong-" + hashlib.sha256(key.encode()).hexdigest()
        return {"X-Gateway-Signature": "sha256=" + hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()}


def _with_key(request: ApiRequest, key: str | None) -> ApiRequest:
    """The request as sent: `auto` replaced by the key actually sent (so `Repeat Request` reuses it)."""
    return request if request.idempotency_key == key else replace(request, idempotency_key=key)
