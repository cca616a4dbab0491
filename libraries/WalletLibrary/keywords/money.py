"""Money movements: deposits through the gateway, withdrawals, transfers (contract section 4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from robot.api.deco import keyword

from .. import matcher
from ..routes import ApiResponse
from . import LibraryComponent

Wallet = Mapping[str, Any] | str
Operation = Literal["deposit", "withdrawal", "transfer"]


class MoneyKeywords(LibraryComponent):
    """Money movements. The `Request ...` keywords send one request and return the response without judging
    it (every response is still validated against the contract). They take body fields as `name=value`
    (`amount=500` a number, `amount="500"` a string, `amount=${10.0}` a float sent as `10.0`,
    `amount=null`), `omit=field1,field2`, `body=<raw text>` (sent exactly), `idempotency_key=` (a fresh
    one by default, `${NONE}` for no header), `request_id=`, `token=<kind>`, `owner=<owner id>` and
    `headers=${dict}`. The other keywords assert the success path and return the resource."""

    def _send(self, endpoint: str, target: Mapping[str, Any], arguments: Mapping[str, Any]) -> ApiResponse:
        return self.transport.send(self.ctx.endpoints.request(endpoint, target, arguments))

    @keyword("Request Deposit")
    def request_deposit(self, wallet: Wallet, **arguments: Any) -> ApiResponse:
        """`POST /v1/wallets/{id}/deposits`: amount 1000, the wallet's currency and a fresh succeeding
        payment token unless overridden (`amount=`, `currency=`, `payment_token=`); returns the response.

        | ${response} = | Request Deposit | ${wallet} | amount=1050 | payment_token=${token} |
        """
        return self._send("deposit", {"wallet": wallet}, arguments)

    @keyword("Request Withdrawal")
    def request_withdrawal(self, wallet: Wallet, **arguments: Any) -> ApiResponse:
        """`POST /v1/wallets/{id}/withdrawals`: amount 1000 and the wallet's currency unless overridden;
        returns the response.

        | ${response} = | Request Withdrawal | ${wallet} | amount=${0} |
        """
        return self._send("withdrawal", {"wallet": wallet}, arguments)

    @keyword("Request Transfer")
    def request_transfer(self, source: Wallet, destination: Wallet, **arguments: Any) -> ApiResponse:
        """`POST /v1/transfers` from `source` to `destination` (wallets or ids) as the source's owner (or
        `owner=`): amount 1000 and the source's currency unless overridden; returns the response.

        | ${response} = | Request Transfer | ${mine} | ${theirs} | amount=500 |
        """
        return self._send("transfer", {"wallet": source, "destination": destination}, arguments)

    @keyword("Request Money Movement")
    def request_money_movement(
        self, operation: Operation, wallet: Wallet, destination: Wallet | None = None, **arguments: Any
    ) -> ApiResponse:
        """Sends `operation` (`deposit`, `withdrawal` on `wallet`; a `transfer` from `wallet` to `destination`)
        with the arguments of `Request Deposit` / `Request Withdrawal` / `Request Transfer`.

        | ${response} = | Request Money Movement | transfer | ${source} | ${destination} | amount=1001 |
        """
        return self._send(operation, {"wallet": wallet, "destination": destination}, arguments)

    @keyword("Deposit Into Wallet")
    def deposit_into_wallet(self, wallet: Mapping[str, Any], amount: int, **arguments: Any) -> dict:
        """Deposits `amount` through the gateway (a fresh succeeding payment token unless `payment_token=`);
        fails unless 201 with a `succeeded` deposit of that amount into the wallet; returns the transaction.

        | ${deposit} = | Deposit Into Wallet | ${wallet} | 400 | payment_token=${token} |
        """
        response = self.request_deposit(wallet, amount=amount, **arguments).expect(201)
        expected = {"wallet_id": wallet["id"], "type": "deposit", "status": "succeeded", "amount": amount}
        matcher.should_match(response.json, expected, "Deposit")
        return response.json

    @keyword("Withdraw From Wallet")
    def withdraw_from_wallet(self, wallet: Mapping[str, Any], amount: int, **arguments: Any) -> dict:
        """Withdraws `amount`; fails unless 201 with a `succeeded` withdrawal of that amount from the wallet;
        returns the transaction.

        | ${withdrawal} = | Withdraw From Wallet | ${wallet} | 1000 |
        """
        response = self.request_withdrawal(wallet, amount=amount, **arguments).expect(201)
        expected = {"wallet_id": wallet["id"], "type": "withdrawal", "status": "succeeded", "amount": amount}
        matcher.should_match(response.json, expected, "Withdrawal")
        return response.json

    @keyword("Transfer Between Wallets")
    def transfer_between_wallets(
        self, source: Mapping[str, Any], destination: Mapping[str, Any], amount: int, **arguments: Any
    ) -> dict:
        """Transfers `amount` from `source` to `destination` as the source's owner; fails unless 201 with a
        `succeeded` transfer between them; returns the transfer.

        | ${transfer} = | Transfer Between Wallets | ${source} | ${destination} | 500 |
        """
        response = self.request_transfer(source, destination, amount=amount, **arguments).expect(201)
        expected = {
            "source_wallet_id": source["id"],
            "destination_wallet_id": destination["id"],
            "amount": amount,
            "status": "succeeded",
        }
        matcher.should_match(response.json, expected, "Transfer")
        return response.json

    @keyword("Deposit Pending At The Gateway")
    def deposit_pending_at_the_gateway(self, wallet: Mapping[str, Any], amount: int, payment_token: str) -> dict:
        """Deposits `amount` paid with `payment_token` (one the gateway leaves pending); fails unless 202 with
        a `pending` deposit without `balance_after`; returns the transaction.

        | ${pending} = | Deposit Pending At The Gateway | ${wallet} | 800 | ${token} |
        """
        response = self.request_deposit(wallet, amount=amount, payment_token=payment_token).expect(202)
        expected = {
            "wallet_id": wallet["id"],
            "type": "deposit",
            "status": "pending",
            "amount": amount,
            "currency": wallet["currency"],
            "balance_after": None,
        }
        matcher.should_match(response.json, expected, "Pending deposit")
        return response.json

    @keyword("Send Webhook To Wallet")
    def send_webhook_to_wallet(self, charge_id: str, **arguments: Any) -> ApiResponse:
        """`POST /v1/webhooks/payment-gateway` straight to the wallet, signed inside the library with
        `${GATEWAY_WEBHOOK_SECRET}`: `status=succeeded|failed`, `failure_code=`,
        `signature=valid|invalid|missing|malformed`, `body=<raw text>` (signed as sent).

        | ${response} = | Send Webhook To Wallet | ${charge_id} | status=failed | signature=invalid |
        """
        return self._send("webhook", {"charge_id": charge_id}, arguments)
