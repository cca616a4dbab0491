"""One valid request per endpoint of the route table, changed by keyword arguments.

`Endpoints.request(name, target, arguments)` is used by every `Request ...` keyword, by `Request Endpoint`
(endpoint matrices) and by the concurrency keywords, so each endpoint's defaults are written once:

| endpoint | target | default body |
| `create wallet` | owner | `{"currency": "EUR"}` |
| `deposit` | wallet | 1000, the wallet's currency, a fresh succeeding payment token |
| `withdrawal` | wallet | 1000, the wallet's currency |
| `transfer` | wallet (source), destination | both ids, 1000, the source's currency |
| `history` | wallet | no body; `limit=` and `cursor=` become the query |
| `transaction` | transaction id, owner | - |
| `webhook` | charge id | `{"charge_id", "status": "succeeded", "failure_code": null}`, signed |
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .routes import ApiRequest, build_request, route, wallet_currency, wallet_id, wallet_owner

if TYPE_CHECKING:
    from .context import Context

PAYMENT_TOKEN_PREFIXES = {
    "ok": "tok_ok_",
    "decline": "tok_decline_",
    "insufficient": "tok_insufficient_",
    "pending": "tok_pending_",
    "error": "tok_error_",
    "timeout": "tok_timeout_",
}
WEBHOOK_OPTIONS = ("status", "failure_code", "signature", "body", "request_id")


class Endpoints:
    """Builds the requests of the route table (see the module docstring)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def payment_token(self, behaviour: str = "ok") -> str:
        """A unique payment token whose prefix selects the gateway mock's default behaviour."""
        prefix = PAYMENT_TOKEN_PREFIXES.get(behaviour)
        if prefix is None:
            raise AssertionError(
                f"unknown payment token behaviour {behaviour!r}: use {', '.join(PAYMENT_TOKEN_PREFIXES)}"
            )
        return f"{prefix}{self.ctx.run_id}_{uuid.uuid4().hex[:16]}"

    def request(self, name: str, target: Mapping[str, Any], arguments: Mapping[str, Any]) -> ApiRequest:
        """The request of endpoint `name` on `target` (`owner`, `wallet`, `destination`, `transaction_id`,
        `charge_id`) with the keyword's `arguments`."""
        endpoint = route(name)
        arguments = dict(arguments)
        wallet = target.get("wallet")
        owner = arguments.pop("owner", None) or target.get("owner")
        if name == "health":
            return build_request(endpoint, endpoint.path(), {}, arguments)
        if name == "webhook":
            return self.webhook(str(target.get("charge_id") or f"ch_unknown_{uuid.uuid4().hex}"), arguments)
        if name in ("create wallet", "list wallets"):
            defaults = {"currency": "EUR"} if name == "create wallet" else {}
            return build_request(endpoint, endpoint.path(), defaults, {"owner": owner, **arguments})
        if name == "transaction":
            path = endpoint.path(transaction=str(target.get("transaction_id")))
            return build_request(endpoint, path, {}, {"owner": owner, **arguments})
        path = endpoint.path(wallet=wallet_id(wallet))  # /v1/transfers has no {wallet}: format ignores it
        arguments["owner"] = wallet_owner(wallet, owner)
        if name == "history":
            query = {key: arguments.pop(key) for key in ("limit", "cursor") if key in arguments}
            return build_request(endpoint, path, {}, {**arguments, "query": {**query, **arguments.get("query", {})}})
        if name == "get wallet":
            return build_request(endpoint, path, {}, arguments)
        defaults: dict[str, Any] = {"amount": 1000, "currency": wallet_currency(wallet)}
        if name == "deposit":
            defaults["payment_token"] = self.payment_token()
        elif name == "transfer":
            defaults = {
                "source_wallet_id": wallet_id(wallet),
                "destination_wallet_id": wallet_id(target.get("destination")),
                **defaults,
            }
        return build_request(endpoint, path, defaults, arguments)

    def webhook(self, charge_id: str, arguments: Mapping[str, Any]) -> ApiRequest:
        """A webhook for `charge_id`: `status=`, `failure_code=`, `signature=valid|invalid|missing|malformed`,
        `body=<raw text>` (signed as sent), `request_id=`."""
        unknown = sorted(set(arguments) - set(WEBHOOK_OPTIONS))
        if unknown:
            raise AssertionError(f"a webhook takes {', '.join(WEBHOOK_OPTIONS)}, not {', '.join(unknown)}")
        body = arguments.get("body")
        if body is None:
            document = {
                "charge_id": charge_id,
                "status": arguments.get("status", "succeeded"),
                "failure_code": arguments.get("failure_code"),
            }
            body = json.dumps(document)
        raw = body if isinstance(body, bytes) else str(body).encode("utf-8")
        headers = self.ctx.transport.webhook_signature(raw, arguments.get("signature", "valid"))
        endpoint = route("webhook")
        options = {"body": raw, "headers": headers, "request_id": arguments.get("request_id", "auto")}
        return build_request(endpoint, endpoint.path(), {}, options)
