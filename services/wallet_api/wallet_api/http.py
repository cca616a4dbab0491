"""HTTP plumbing: responses, body reading, request-id/logging/500 middleware, exception handlers."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import jsonutil
from .errors import ApiError, problem
from .logs import REQUEST_LOGGER, log_fields
from .validation import MAX_BODY_BYTES

log = logging.getLogger("wallet_api.http")

_REQUEST_ID_RE = re.compile(rb"[\x20-\x7e]{1,1024}")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """Serialize canonically; problem documents (>= 400) get application/problem+json."""
    media_type = "application/problem+json" if status >= 400 else "application/json"
    return Response(content=jsonutil.dumps(body), status_code=status, media_type=media_type, headers=headers)


def error_response(exc: ApiError) -> Response:
    return json_response(exc.status, exc.body(), exc.headers)


async def read_body(request: Request) -> bytes:
    """Read the request body, refusing more than MAX_BODY_BYTES (413) without buffering it all."""
    declared = request.headers.get("content-length", "")
    too_large = ApiError(413, "PAYLOAD_TOO_LARGE", f"The request body must not exceed {MAX_BODY_BYTES} bytes.")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def api_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def http_exception_handler(_request: Request, exc: Exception) -> Response:
    """Unknown routes and wrong methods answered as problems too."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        body = problem(404, "NOT_FOUND", "No such resource.")
    elif exc.status_code == 405:
        body = problem(405, "METHOD_NOT_ALLOWED", "This method is not allowed on this resource.")
    else:
        body = problem(exc.status_code, "HTTP_ERROR", "The request could not be processed.")
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
    return json_response(exc.status_code, body, headers)


class RequestContextMiddleware:
    """Outermost app middleware: request id on every response, one JSON log line, and a generic 500.

    Any exception escaping the app becomes ``500 INTERNAL_ERROR`` without stack trace, SQL or paths
    in the body (the traceback goes to the log only, with secrets redacted).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        if incoming is not None and _REQUEST_ID_RE.fullmatch(incoming):
            request_id = incoming.decode("ascii")
        else:
            request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        state = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
                state["status"] = message["status"]
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"fields": {"request_id": request_id}})
            if not state["started"]:
                response = json_response(500, problem(500, "INTERNAL_ERROR", "An unexpected error occurred."))
                await response(scope, receive, send_with_id)
        finally:
            log_fields(
                REQUEST_LOGGER,
                logging.INFO,
                "request",
                method=scope["method"],
                path=scope["path"],
                status=state["status"],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                request_id=request_id,
            )
