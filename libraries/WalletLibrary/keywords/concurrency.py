"""Concurrency: requests released at the same moment (contract section 4, money rules; section 2, keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from robot.api.deco import keyword

from . import LibraryComponent

Wallet = Mapping[str, Any]


class ConcurrencyKeywords(LibraryComponent):
    """Concurrency. Each request runs in its own thread; a barrier releases them together; every answer is
    then validated against the contract and returned in the order the requests were made."""

    @keyword("Withdraw Concurrently From")
    def withdraw_concurrently_from(self, wallet: Wallet, amount: int, count: int) -> list:
        """Starts `count` withdrawals of `amount` from the wallet at the same moment (each with its own
        idempotency key); returns the responses.

        | ${responses} = | Withdraw Concurrently From | ${wallet} | 100 | 50 |
        """
        build = self.ctx.endpoints.request
        return self.transport.send_together(
            [build("withdrawal", {"wallet": wallet}, {"amount": amount}) for _ in range(count)]
        )

    @keyword("Transfer Concurrently Between")
    def transfer_concurrently_between(
        self, source: Wallet, destination: Wallet, amount: int, count: int, both_ways: bool = False
    ) -> list:
        """Starts `count` transfers of `amount` from `source` to `destination` at the same moment (with
        `both_ways=${True}` every other one goes back, as the destination's owner); returns the responses.

        | ${responses} = | Transfer Concurrently Between | ${a} | ${b} | 1000 | 12 | both_ways=${True} |
        """
        requests_ = []
        for index in range(count):
            src, dst = (destination, source) if both_ways and index % 2 else (source, destination)
            requests_.append(
                self.ctx.endpoints.request("transfer", {"wallet": src, "destination": dst}, {"amount": amount})
            )
        return self.transport.send_together(requests_)

    @keyword("Deposit Concurrently With The Same Key")
    def deposit_concurrently_with_the_same_key(
        self, wallet: Wallet, amount: int, count: int, payment_token: str
    ) -> list:
        """Starts `count` identical deposits (same body, same `Idempotency-Key`) at the same moment; make
        the gateway slow first (`Gateway Will Answer ... delay_ms=`) so all but one meet the first still
        running. Returns the responses.

        | ${responses} = | Deposit Concurrently With The Same Key | ${wallet} | 1000 | 3 | ${token} |
        """
        request = self.ctx.endpoints.request(
            "deposit",
            {"wallet": wallet},
            {"amount": amount, "payment_token": payment_token, "idempotency_key": self.transport.unique_key()},
        )
        return self.transport.send_together([request] * count)
