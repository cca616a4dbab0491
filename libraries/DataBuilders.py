"""Robot Framework library: unique test data and request payloads (no I/O)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from _support import run_id
from robot.api.deco import keyword, library

OWNER_ID_MAX = 64
PAYMENT_TOKEN_PREFIXES = {
    "ok": "tok_ok_",
    "succeed": "tok_ok_",
    "decline": "tok_decline_",
    "insufficient": "tok_insufficient_",
    "pending": "tok_pending_",
    "error": "tok_error_",
    "timeout": "tok_timeout_",
}
_MARK = "\u0000literal:"


def json_value(value: Any) -> Any:
    """How a field value given in Robot becomes a JSON value.

    Non-string values (`${500}`, `${10.0}`, `${True}`, `${None}`, lists, dicts) are used as they are.
    A string that is a JSON number, `true`, `false` or `null` becomes that JSON value (`500`, `10.0`,
    `-1`, `true`, `null`); a string in JSON quotes (`"500"`) becomes the string inside; any other string
    (`EUR`, `tok_ok_x`, a UUID) stays a string.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in ("true", "false", "null") or (text[:1] in "-0123456789" and text[:1] != ""):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    return value


def build_payload(defaults: Mapping[str, Any], fields: Mapping[str, Any], omit: Iterable[str] | str = ()) -> dict:
    """`defaults` updated with `fields` (converted by `json_value`), without the `omit` fields."""
    if isinstance(omit, str):
        omit = [name.strip() for name in omit.split(",") if name.strip()]
    payload = dict(defaults)
    payload.update({name: json_value(value) for name, value in fields.items()})
    for name in omit:
        payload.pop(name, None)
    return payload


def unique_suffix(length: int = 12) -> str:
    """A random hexadecimal suffix."""
    return uuid.uuid4().hex[:length]


def payment_token(behaviour: str = "ok") -> str:
    """A unique payment token whose prefix selects the gateway mock's default behaviour."""
    prefix = PAYMENT_TOKEN_PREFIXES.get(behaviour.lower())
    if prefix is None:
        raise AssertionError(
            f"unknown payment token behaviour {behaviour!r}: use one of {', '.join(PAYMENT_TOKEN_PREFIXES)}"
        )
    return f"{prefix}{run_id()}_{unique_suffix(16)}"


def idempotency_key() -> str:
    """A unique idempotency key (printable ASCII, well under 255 characters)."""
    return f"idem-{run_id()}-{uuid.uuid4()}"


@library(scope="GLOBAL", auto_keywords=False)
class DataBuilders:
    """Unique ids (prefixed with `${RUN_ID}` so parallel tests and runs never collide) and payloads.

    *Field values in payload builders* follow one rule (see `Json Value`): non-string values are used
    as they are (`amount=${500}`, `amount=${10.0}`, `amount=${None}`); a string that is a JSON number,
    `true`, `false` or `null` becomes that value (`amount=500` is the number 500, `amount=10.0` is the
    float 10.0, `amount=null` is null); a string in JSON quotes is a JSON string (`amount="500"`); any
    other string stays a string (`currency=EUR`). `omit=amount,currency` removes fields. For an exact
    literal that a Python value cannot carry (`1e2`, `10.00`), use `Json With Literals`.
    """

    @keyword
    def unique_owner_id(self, label: str = "owner") -> str:
        """A unique owner id `<RUN_ID>-<label>-<random>`, at most 64 characters (the `sub` of tokens)."""
        owner = f"{run_id()}-{label}-{unique_suffix(12)}"
        if len(owner) > OWNER_ID_MAX:
            owner = f"{run_id()}-{label[: OWNER_ID_MAX - len(run_id()) - 14]}-{unique_suffix(12)}"
        return owner[:OWNER_ID_MAX]

    @keyword
    def unique_payment_token(self, behaviour: str = "ok") -> str:
        """A unique payment token for the gateway mock's default behaviour by prefix.

        `behaviour`: `ok` (201 succeeded), `decline` (402 card_declined), `insufficient` (402
        insufficient_funds), `pending` (202), `error` (500), `timeout` (answers only after 10 s).
        Example: `tok_decline_<run>_<random>`.
        """
        return payment_token(behaviour)

    @keyword
    def unique_idempotency_key(self) -> str:
        """A unique `Idempotency-Key` value."""
        return idempotency_key()

    @keyword
    def unique_request_id(self) -> str:
        """A unique `X-Request-ID` value."""
        return f"req-{run_id()}-{unique_suffix(16)}"

    @keyword
    def unique_command_id(self) -> str:
        """A unique command id (AMQP `message_id` and body `id` of a command)."""
        return f"cmd-{run_id()}-{uuid.uuid4()}"

    @keyword
    def random_uuid(self) -> str:
        """A fresh random UUID (an id no resource has)."""
        return str(uuid.uuid4())

    @keyword
    def string_of_length(self, length: int, character: str = "x") -> str:
        """A string of exactly `length` characters (e.g. a 256-character idempotency key)."""
        return (character * length)[:length]

    @keyword
    def json_value(self, value: Any) -> Any:
        """The JSON value a Robot field value stands for (the rule in the library introduction)."""
        return json_value(value)

    @keyword
    def wallet_payload(self, omit: str = "", **fields: Any) -> dict:
        """Body of `POST /v1/wallets`: `{"currency": "EUR"}` with overrides.

        | ${body} = | Wallet Payload | currency=eur |
        """
        return build_payload({"currency": "EUR"}, fields, omit)

    @keyword
    def deposit_payload(self, omit: str = "", **fields: Any) -> dict:
        """Body of a deposit: amount 1000, EUR and a fresh succeeding payment token, with overrides.

        | ${body} = | Deposit Payload | amount=${10.0} | omit=payment_token |
        """
        return build_payload({"amount": 1000, "currency": "EUR", "payment_token": payment_token()}, fields, omit)

    @keyword
    def withdrawal_payload(self, omit: str = "", **fields: Any) -> dict:
        """Body of a withdrawal: amount 1000, EUR, with overrides."""
        return build_payload({"amount": 1000, "currency": "EUR"}, fields, omit)

    @keyword
    def transfer_payload(
        self, source_wallet_id: str, destination_wallet_id: str, omit: str = "", **fields: Any
    ) -> dict:
        """Body of a transfer between two wallet ids: amount 1000, EUR, with overrides."""
        defaults = {
            "source_wallet_id": source_wallet_id,
            "destination_wallet_id": destination_wallet_id,
            "amount": 1000,
            "currency": "EUR",
        }
        return build_payload(defaults, fields, omit)

    @keyword
    def credit_command(
        self,
        wallet_id: str,
        amount: Any = 500,
        currency: str = "EUR",
        reason: str = "integration test credit",
        command_id: str | None = None,
        omit: str = "",
        **fields: Any,
    ) -> dict:
        """A `credit.requested` command body (contract section 7) with a unique id unless given.

        Data fields are given as arguments; `omit` removes data fields; other `fields` override the
        envelope (e.g. `type=credit.unknown`).
        """
        data = build_payload(
            {"wallet_id": wallet_id, "amount": json_value(amount), "currency": currency, "reason": reason}, {}, omit
        )
        command = {"id": command_id or self.unique_command_id(), "type": "credit.requested", "data": data}
        command.update({name: json_value(value) for name, value in fields.items()})
        return command

    @keyword
    def json_with_literals(self, payload: Mapping[str, Any], **literals: str) -> str:
        """Serializes `payload` as JSON text, writing each field of `literals` as that exact JSON text.

        | ${text} = | Json With Literals | ${payload} | amount=10.00 |
        gives `{"amount": 10.00, ...}` byte for byte (a field not in `payload` is added).
        """
        document = dict(payload)
        for name in literals:
            document[name] = f"{_MARK}{name}"
        text = json.dumps(document)
        for name, literal in literals.items():
            text = text.replace(json.dumps(f"{_MARK}{name}"), str(literal))
        return text
