"""RFC 9457 problem details and the exception that carries them out of a handler."""

from __future__ import annotations

from typing import Any

_TITLES: dict[str, str] = {
    "UNAUTHORIZED": "Unauthorized",
    "IDEMPOTENCY_KEY_REQUIRED": "Idempotency key required",
    "IDEMPOTENCY_KEY_REUSED": "Idempotency key reused",
    "IDEMPOTENCY_KEY_IN_USE": "Idempotency key in use",
    "MALFORMED_JSON": "Malformed JSON",
    "VALIDATION_ERROR": "Validation error",
    "INVALID_CURSOR": "Invalid cursor",
    "WALLET_NOT_FOUND": "Wallet not found",
    "TRANSACTION_NOT_FOUND": "Transaction not found",
    "CHARGE_NOT_FOUND": "Charge not found",
    "WALLET_EXISTS": "Wallet exists",
    "SAME_WALLET": "Same wallet",
    "CURRENCY_MISMATCH": "Currency mismatch",
    "INSUFFICIENT_FUNDS": "Insufficient funds",
    "PAYMENT_DECLINED": "Payment declined",
    "GATEWAY_ERROR": "Gateway error",
    "GATEWAY_TIMEOUT": "Gateway timeout",
    "INVALID_SIGNATURE": "Invalid signature",
    "NOT_FOUND": "Not found",
    "METHOD_NOT_ALLOWED": "Method not allowed",
    "PAYLOAD_TOO_LARGE": "Payload too large",
    "SERVICE_UNAVAILABLE": "Service unavailable",
    "INTERNAL_ERROR": "Internal server error",
}


def problem(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """Build a problem body ``{type, title, status, detail, code, ...extra}``."""
    body: dict[str, Any] = {
        "type": f"https://wallet-api.example.com/problems/{code.lower().replace('_', '-')}",
        "title": _TITLES.get(code, code.replace("_", " ").capitalize()),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


class ApiError(Exception):
    """An expected, client-facing error answered as a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return problem(self.status, self.code, self.detail, **self.extra)


class FieldErrors:
    """Collects every offending field so one VALIDATION_ERROR names them all."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise validation_error(self.items)


def validation_error(errors: list[dict[str, str]]) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "The request is invalid; see errors.", errors=errors)


def unauthorized(detail: str = "A valid bearer token is required.") -> ApiError:
    return ApiError(401, "UNAUTHORIZED", detail, headers={"WWW-Authenticate": "Bearer"})


def wallet_not_found() -> ApiError:
    return ApiError(404, "WALLET_NOT_FOUND", "The wallet does not exist.")


def transaction_not_found() -> ApiError:
    return ApiError(404, "TRANSACTION_NOT_FOUND", "The transaction does not exist.")
