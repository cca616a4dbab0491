"""Wallets: owners, creating and reading wallets, balances (contract sections 3 and 4)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from robot.api.deco import keyword

from .. import matcher
from ..routes import ApiResponse, wallet_id
from . import LibraryComponent

OWNER_ID_MAX = 64
Wallet = Mapping[str, Any] | str


class WalletKeywords(LibraryComponent):
    """Wallets."""

    @keyword("A New Owner")
    def a_new_owner(self, label: str = "owner") -> str:
        """A unique owner id `<RUN_ID>-<label>-<random>`, at most 64 characters (the `sub` of its tokens).

        | ${owner} = | A New Owner | intruder |
        """
        run_id = self.ctx.run_id
        label = label[: max(1, OWNER_ID_MAX - len(run_id) - 14)]
        return f"{run_id}-{label}-{uuid.uuid4().hex[:12]}"[:OWNER_ID_MAX]

    @keyword("A New Owner Of Length")
    def a_new_owner_of_length(self, length: int) -> str:
        """A unique owner id of exactly `length` characters (a `sub` at or beyond the 64-character limit).

        | ${too_long} = | A New Owner Of Length | 65 |
        """
        return (self.a_new_owner() + "-" + "x" * length)[:length]

    @keyword("Request Wallet Creation")
    def request_wallet_creation(self, owner: str | None, **arguments: Any) -> ApiResponse:
        """`POST /v1/wallets` `{"currency": "EUR"}` as `owner`, changed by `currency=`, other body fields,
        `omit=`, `body=`, `token=`, `request_id=`, `idempotency_key=`; returns the response.

        | ${response} = | Request Wallet Creation | ${owner} | currency=GBP |
        """
        return self.transport.send(self.ctx.endpoints.request("create wallet", {"owner": owner}, arguments))

    @keyword("Create Wallet For")
    def create_wallet_for(self, owner: str, currency: str = "EUR") -> dict:
        """Creates the wallet of `owner` in `currency`; fails unless 201 with owner = the token's `sub`,
        that currency and balance 0; returns the wallet.

        | ${wallet} = | Create Wallet For | ${owner} | USD |
        """
        response = self.request_wallet_creation(owner, currency=currency)
        response.expect(201)
        matcher.should_match(response.json, {"owner_id": owner, "currency": currency, "balance": 0}, "Created wallet")
        return response.json

    @keyword("A New Wallet")
    def a_new_wallet(self, currency: str = "EUR", label: str = "owner", wait_for_events: bool = False) -> dict:
        """Creates a wallet with balance 0 for a new owner and returns it; `wait_for_events=${True}` also
        waits for its `wallet.created` event.

        | ${wallet} = | A New Wallet | GBP |
        """
        wallet = self.create_wallet_for(self.a_new_owner(label), currency)
        if wait_for_events:
            self.ctx.events.wait("wallet.created", {"wallet_id": wallet["id"]})
        return wallet

    @keyword("A Wallet With Balance")
    def a_wallet_with_balance(
        self, balance: int, currency: str = "EUR", owner: str | None = None, wait_for_events: bool = False
    ) -> dict:
        """Creates a wallet (for `owner`, else a new owner) and funds it with ONE deposit of `balance`
        through the gateway (none when 0); fails unless the deposit answers `balance_after` = `balance`;
        returns the created wallet with that balance (no extra read: the tests that read a balance back say
        so with `Balance Should Be`). `wait_for_events=${True}` also waits for its `wallet.created` and
        `deposit.succeeded` events.

        | ${wallet} = | A Wallet With Balance | 2500 |
        | ${usd} = | A Wallet With Balance | 5000 | USD | owner=${wallet}[owner_id] |
        """
        wallet = self.create_wallet_for(owner or self.a_new_owner(), currency)
        if wait_for_events:
            self.ctx.events.wait("wallet.created", {"wallet_id": wallet["id"]})
        if balance > 0:
            deposit = self.fund_wallet(wallet, balance, wait_for_events)
            matcher.should_match(deposit, {"balance_after": balance}, "Funding deposit")
            wallet = {**wallet, "balance": deposit["balance_after"]}
        return wallet

    @keyword("Fund Wallet")
    def fund_wallet(self, wallet: Wallet, amount: int, wait_for_events: bool = False) -> dict:
        """Deposits `amount` through the gateway (a fresh succeeding payment token); fails unless 201
        `succeeded`; `wait_for_events=${True}` also waits for its `deposit.succeeded`. Returns the deposit.

        | Fund Wallet | ${wallet} | 1000 |
        """
        response = self.transport.send(self.ctx.endpoints.request("deposit", {"wallet": wallet}, {"amount": amount}))
        response.expect(201)
        deposit = response.json
        matcher.should_match(deposit, {"type": "deposit", "status": "succeeded", "amount": amount}, "Deposit")
        if wait_for_events:
            self.ctx.events.wait("deposit.succeeded", {"transaction_id": deposit["id"]})
        return deposit

    @keyword("Request Wallet")
    def request_wallet(self, wallet: Wallet, **arguments: Any) -> ApiResponse:
        """`GET /v1/wallets/{id}` of a wallet (or an id) as its owner (`owner=` to ask as someone else);
        returns the response.

        | ${response} = | Request Wallet | ${wallet} | owner=${intruder} |
        """
        return self.transport.send(self.ctx.endpoints.request("get wallet", {"wallet": wallet}, arguments))

    @keyword("Get Wallet")
    def get_wallet(self, wallet: Wallet, owner: str | None = None) -> dict:
        """`GET /v1/wallets/{id}` as the wallet's owner (or `owner`); fails unless 200; returns the wallet.

        | ${current} = | Get Wallet | ${wallet} |
        """
        response = self.request_wallet(wallet, owner=owner)
        response.expect(200)
        return response.json

    @keyword("Request Wallet List")
    def request_wallet_list(self, owner: str | None, **arguments: Any) -> ApiResponse:
        """`GET /v1/wallets` as `owner`; returns the response.

        | ${response} = | Request Wallet List | ${owner} |
        """
        return self.transport.send(self.ctx.endpoints.request("list wallets", {"owner": owner}, arguments))

    @keyword("Wallets Of")
    def wallets_of(self, owner: str) -> list:
        """`GET /v1/wallets` as `owner`; fails unless 200; returns the list (in the order answered, which the
        contract leaves unspecified).

        | ${wallets} = | Wallets Of | ${owner} |
        """
        response = self.request_wallet_list(owner)
        response.expect(200)
        return list(response.json["data"])

    @keyword("Balance Should Be")
    def balance_should_be(self, wallet: Wallet, expected: int) -> None:
        """Reads the wallet through the API (as its owner) and fails unless its balance is `expected`.

        | Balance Should Be | ${wallet} | 3550 |
        """
        current = self.get_wallet(wallet)
        matcher.should_match(current, {"balance": expected}, f"Wallet {wallet_id(wallet)}")

    @keyword("Wallets Should Be Exactly")
    def wallets_should_be_exactly(self, wallets: Sequence[Mapping[str, Any]], *expected: Wallet) -> None:
        """Fails unless the list holds exactly these wallets (compared by id, in any order).

        | Wallets Should Be Exactly | ${response.json}[data] | ${eur} | ${gbp} |
        """
        actual = sorted(wallet_id(wallet) for wallet in wallets)
        wanted = sorted(wallet_id(wallet) for wallet in expected)
        if actual != wanted:
            raise AssertionError(f"wallets listed: expected ids {wanted}, got {actual}")
