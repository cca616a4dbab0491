"""Data builders: unique ids and request bodies, prefixed with `${RUN_ID}` so runs and tests never collide."""

from __future__ import annotations

import json
import uuid
from typing import Any

from robot.api.deco import keyword

from ..matcher import expected_value
from . import LibraryComponent

# What each fault of a request with faults changes in it (`Request Arguments For Faults`); the faults that
# change the target (`foreign wallet`, `unknown wallet`, `unknown destination`, `same wallet`) change nothing here.
FAULT_ARGUMENTS: dict[str, dict[str, Any]] = {
    "no token": {"token": "missing"},
    "expired token": {"token": "expired"},
    "badly signed token": {"token": "bad_signature"},
    "no key": {"idempotency_key": None},
    "malformed body": {"body": '{"amount": 1000, "currency": "EUR",'},
    "invalid body": {"amount": 0},
    "wrong currency": {"currency": "USD"},
    "too large": {"amount": 1000000},
    "declined payment": {},
    "foreign wallet": {},
    "unknown wallet": {},
    "unknown destination": {},
    "same wallet": {},
}


class DataKeywords(LibraryComponent):
    """Data builders. Every id is unique: parallel tests and runs never share an owner, a wallet, a key or a
    payment token."""

    @keyword("A New Idempotency Key")
    def a_new_idempotency_key(self) -> str:
        """A unique `Idempotency-Key` value (to reuse on purpose with `idempotency_key=`).

        | ${key} = | A New Idempotency Key |
        """
        return self.transport.unique_key()

    @keyword("An Idempotency Key Of Length")
    def an_idempotency_key_of_length(self, length: int) -> str:
        """A printable ASCII `Idempotency-Key` of exactly `length` characters, unique to this test (empty
        for 0).

        | ${key} = | An Idempotency Key Of Length | 255 |
        """
        return (self.transport.unique_key() + "-" + "k" * length)[:length]

    @keyword("A New Request Id")
    def a_new_request_id(self) -> str:
        """A unique `X-Request-ID` value (send it with `request_id=`).

        | ${request_id} = | A New Request Id |
        """
        return self.transport.unique_request_id()

    @keyword("An Unknown Id")
    def an_unknown_id(self) -> str:
        """A fresh random UUID that no wallet, transaction or transfer has.

        | ${unknown} = | An Unknown Id |
        """
        return str(uuid.uuid4())

    @keyword("A Deposit Body")
    def a_deposit_body(self, omit: str = "", **fields: Any) -> dict:
        """A deposit body (amount 1000, EUR, a fresh succeeding payment token) with `name=value` overrides
        (the matcher's rule: `amount=1500` a number) and `omit=`, as a dict.

        | ${body} = | A Deposit Body | amount=1500 |
        """
        body = {"amount": 1000, "currency": "EUR", "payment_token": self.ctx.endpoints.payment_token()}
        body.update({name: expected_value(value) for name, value in fields.items()})
        for name in (part.strip() for part in omit.split(",") if part.strip()):
            body.pop(name, None)
        return body

    @keyword("Json Text Of")
    def json_text_of(self, body: Any) -> str:
        """The body as compact JSON text (send it with `body=`).

        | ${text} = | Json Text Of | ${body} |
        """
        return json.dumps(body)

    @keyword("Json Text In Another Layout")
    def json_text_in_another_layout(self, body: dict) -> str:
        """The same JSON object written differently: keys in reverse order, indented, extra spaces around
        separators (equal as parsed JSON, different as bytes).

        | ${other_layout} = | Json Text In Another Layout | ${body} |
        """
        return json.dumps(dict(reversed(list(body.items()))), indent=3, separators=(" ,", " : "))

    @keyword("Request Arguments For Faults")
    def request_arguments_for_faults(self, wallet: dict, *faults: str) -> dict:
        """The request arguments (owner, token kind, key, body fields) of a money request by `wallet`'s owner
        with every fault given (comma-separated lists are split): `no token`, `expired token`,
        `badly signed token`, `no key`, `malformed body`, `invalid body` (amount 0), `wrong currency` (USD on
        EUR wallets), `too large` (more than the balance), `declined payment` (a token the gateway declines);
        `foreign wallet`, `unknown wallet`, `unknown destination` and `same wallet` change the target only.

        | ${arguments} = | Request Arguments For Faults | ${wallet} | no token, no key |
        """
        arguments: dict[str, Any] = {"owner": wallet["owner_id"], "token": "valid", "idempotency_key": "auto"}
        for fault in (part.strip() for text in faults for part in text.split(",")):
            if fault not in FAULT_ARGUMENTS:
                raise AssertionError(f"unknown fault {fault!r}: use one of {', '.join(FAULT_ARGUMENTS)}")
            arguments.update(FAULT_ARGUMENTS[fault])
            if fault == "declined payment":
                arguments["payment_token"] = self.ctx.endpoints.payment_token("decline")
        return arguments
