"""Business operations. Every balance change runs under ``SELECT ... FOR UPDATE`` row locks and writes
its ledger rows, its outbox event and (for idempotent requests) its stored answer in ONE transaction.

Lock order everywhere: transaction row (webhook / deposit finalization) before wallet rows, and wallet
rows in ascending id order (transfers). A consistent order means no deadlock.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from . import idempotency, models
from .db import Conn, Database
from .errors import ApiError, problem, transaction_not_found, wallet_not_found
from .gateway import FAILURE_GATEWAY_ERROR, FAILURE_GATEWAY_TIMEOUT, ChargeResult, GatewayClient
from .idempotency import IdempotencyKey
from .validation import Cursor


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any


def insufficient_funds() -> ApiError:
    return ApiError(422, "INSUFFICIENT_FUNDS", "The wallet balance does not cover this amount.")


def currency_mismatch(detail: str = "The currency does not match the wallet's currency.") -> ApiError:
    return ApiError(422, "CURRENCY_MISMATCH", detail)


@functools.lru_cache(maxsize=128)
def _q(template: str) -> sql.Composed:
    """Expand the column-list placeholders {W} (wallets), {T} and {TT} (transactions, alias t)."""
    return sql.SQL(template).format(
        W=sql.SQL(models.WALLET_COLUMNS),
        T=sql.SQL(models.TRANSACTION_COLUMNS),
        TT=sql.SQL(", ".join(f"t.{c.strip()}" for c in models.TRANSACTION_COLUMNS.split(","))),
    )


async def _fetch_one(conn: Conn, template: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
    cur = await conn.execute(_q(template), params)
    return await cur.fetchone()


async def _fetch_all(conn: Conn, template: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cur = await conn.execute(_q(template), params)
    return await cur.fetchall()


async def _wallet_for_update(conn: Conn, wallet_id: uuid.UUID) -> dict[str, Any] | None:
    return await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s FOR UPDATE", (wallet_id,))


async def _apply_balance(conn: Conn, wallet_id: uuid.UUID, delta: int) -> int:
    row = await _fetch_one(
        conn,
        "UPDATE wallets SET balance = balance + %s, updated_at = clock_timestamp() WHERE id = %s RETURNING balance",
        (delta, wallet_id),
    )
    assert row is not None
    return row["balance"]


async def _insert_transaction(
    conn: Conn,
    *,
    wallet_id: uuid.UUID,
    kind: str,
    status: str,
    amount: int,
    currency: str,
    balance_after: int | None = None,
    transfer_id: uuid.UUID | None = None,
    counterparty_wallet_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Insert a ledger row; clock_timestamp() gives every row its own instant (strict, stable order)."""
    row = await _fetch_one(
        conn,
        "INSERT INTO transactions (id, wallet_id, type, status, amount, currency, balance_after, transfer_id, "
        "counterparty_wallet_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, clock_timestamp()) "
        "RETURNING {T}",
        (uuid.uuid4(), wallet_id, kind, status, amount, currency, balance_after, transfer_id, counterparty_wallet_id),
    )
    assert row is not None
    return row


class WalletService:
    def __init__(self, db: Database, gateway: GatewayClient) -> None:
        self.db = db
        self.gateway = gateway

    # --- wallets ------------------------------------------------------------------------------------

    async def create_wallet(self, owner_id: str, currency: str) -> dict[str, Any]:
        async def work(conn: Conn) -> dict[str, Any]:
            row = await _fetch_one(
                conn,
                "INSERT INTO wallets (id, owner_id, currency, balance, status, created_at, updated_at) "
                "SELECT %s, %s, %s, 0, 'active', t.ts, t.ts FROM (SELECT clock_timestamp() AS ts) t "
                "ON CONFLICT (owner_id, currency) DO NOTHING RETURNING {W}",
                (uuid.uuid4(), owner_id, currency),
            )
            if row is None:
                raise ApiError(409, "WALLET_EXISTS", f"The owner already has a {currency} wallet.")
            await models.emit(
                conn, "wallet.created", {"wallet_id": str(row["id"]), "owner_id": owner_id, "currency": currency}
            )
            return models.wallet_json(row)

        return await self.db.transaction(work)

    async def list_wallets(self, owner_id: str) -> list[dict[str, Any]]:
        async def work(conn: Conn) -> list[dict[str, Any]]:
            rows = await _fetch_all(
                conn, "SELECT {W} FROM wallets WHERE owner_id = %s ORDER BY created_at, id", (owner_id,)
            )
            return [models.wallet_json(r) for r in rows]

        return await self.db.transaction(work)

    async def get_wallet(self, owner_id: str, wallet_id: uuid.UUID | None) -> dict[str, Any]:
        if wallet_id is None:
            raise wallet_not_found()

        async def work(conn: Conn) -> dict[str, Any] | None:
            return await _fetch_one(
                conn, "SELECT {W} FROM wallets WHERE id = %s AND owner_id = %s", (wallet_id, owner_id)
            )

        row = await self.db.transaction(work)
        if row is None:
            raise wallet_not_found()
        return models.wallet_json(row)

    # --- reads ----------------------------------------------------------------------------------------

    async def list_transactions(
        self, owner_id: str, wallet_id: uuid.UUID | None, limit: int, cursor: Cursor | None
    ) -> dict[str, Any]:
        if wallet_id is None:
            raise wallet_not_found()

        async def work(conn: Conn) -> list[dict[str, Any]] | None:
            owned = await _fetch_one(
                conn, "SELECT 1 AS one FROM wallets WHERE id = %s AND owner_id = %s", (wallet_id, owner_id)
            )
            if owned is None:
                return None
            if cursor is None:
                return await _fetch_all(
                    conn,
                    "SELECT {T} FROM transactions WHERE wallet_id = %s ORDER BY created_at DESC, id DESC LIMIT %s",
                    (wallet_id, limit + 1),
                )
            return await _fetch_all(
                conn,
                "SELECT {T} FROM transactions WHERE wallet_id = %s AND (created_at, id) < (%s, %s) "
                "ORDER BY created_at DESC, id DESC LIMIT %s",
                (wallet_id, cursor.created_at, cursor.transaction_id, limit + 1),
            )

        rows = await self.db.transaction(work)
        if rows is None:
            raise wallet_not_found()
        page, more = rows[:limit], len(rows) > limit
        next_cursor = None
        if more:
            last = page[-1]
            next_cursor = Cursor(wallet_id, last["created_at"], last["id"]).encode()
        return {"data": [models.transaction_json(r) for r in page], "next_cursor": next_cursor}

    async def get_transaction(self, owner_id: str, transaction_id: uuid.UUID | None) -> dict[str, Any]:
        if transaction_id is None:
            raise transaction_not_found()

        async def work(conn: Conn) -> dict[str, Any] | None:
            return await _fetch_one(
                conn,
                "SELECT {TT} FROM transactions t JOIN wallets w ON w.id = t.wallet_id "
                "WHERE t.id = %s AND w.owner_id = %s",
                (transaction_id, owner_id),
            )

        row = await self.db.transaction(work)
        if row is None:
            raise transaction_not_found()
        return models.transaction_json(row)

    # --- withdrawals ----------------------------------------------------------------------------------

    async def withdraw(self, idem: IdempotencyKey, wallet_id: uuid.UUID | None, amount: int, currency: str) -> Outcome:
        if wallet_id is None:
            raise wallet_not_found()

        async def work(conn: Conn) -> Outcome:
            wallet = await _wallet_for_update(conn, wallet_id)
            if wallet is None or wallet["owner_id"] != idem.owner_id:
                raise wallet_not_found()
            if wallet["currency"] != currency:
                raise currency_mismatch()
            if wallet["balance"] < amount:
                raise insufficient_funds()
            balance = await _apply_balance(conn, wallet_id, -amount)
            tx = await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="withdrawal",
                status="succeeded",
                amount=amount,
                currency=currency,
                balance_after=balance,
            )
            await models.emit(conn, "withdrawal.succeeded", models.balance_event_data(wallet, tx))
            outcome = Outcome(201, models.transaction_json(tx))
            await idempotency.finish(conn, idem, outcome.status, outcome.body)
            return outcome

        return await self.db.transaction(work)

    # --- transfers ------------------------------------------------------------------------------------

    async def transfer(
        self, idem: IdempotencyKey, source_id: uuid.UUID, destination_id: uuid.UUID, amount: int, currency: str
    ) -> Outcome:
        async def work(conn: Conn) -> Outcome:
            locked: dict[uuid.UUID, dict[str, Any] | None] = {}
            for wallet_id in sorted({source_id, destination_id}, key=str):
                locked[wallet_id] = await _wallet_for_update(conn, wallet_id)
            source, destination = locked[source_id], locked[destination_id]
            if source is None or destination is None or source["owner_id"] != idem.owner_id:
                raise wallet_not_found()
            if source_id == destination_id:
                raise ApiError(422, "SAME_WALLET", "The source and destination wallets must differ.")
            if source["currency"] != currency or destination["currency"] != currency:
                raise currency_mismatch("The currency must match both the source and the destination wallet.")
            if source["balance"] < amount:
                raise insufficient_funds()
            transfer_id = uuid.uuid4()
            transfer = await _fetch_one(
                conn,
                "INSERT INTO transfers (id, source_wallet_id, destination_wallet_id, amount, currency, status, "
                "created_at) VALUES (%s, %s, %s, %s, %s, 'succeeded', clock_timestamp()) "
                "RETURNING id, source_wallet_id, destination_wallet_id, amount, currency, status, created_at",
                (transfer_id, source_id, destination_id, amount, currency),
            )
            assert transfer is not None
            for wallet_id, other, kind, delta in (
                (source_id, destination_id, "transfer_out", -amount),
                (destination_id, source_id, "transfer_in", amount),
            ):
                balance = await _apply_balance(conn, wallet_id, delta)
                await _insert_transaction(
                    conn,
                    wallet_id=wallet_id,
                    kind=kind,
                    status="succeeded",
                    amount=amount,
                    currency=currency,
                    balance_after=balance,
                    transfer_id=transfer_id,
                    counterparty_wallet_id=other,
                )
            await models.emit(
                conn,
                "transfer.succeeded",
                {
                    "transfer_id": str(transfer_id),
                    "source_wallet_id": str(source_id),
                    "destination_wallet_id": str(destination_id),
                    "amount": amount,
                    "currency": currency,
                },
            )
            outcome = Outcome(201, models.transfer_json(transfer))
            await idempotency.finish(conn, idem, outcome.status, outcome.body)
            return outcome

        return await self.db.transaction(work)

    # --- deposits -------------------------------------------------------------------------------------

    async def deposit(
        self, idem: IdempotencyKey, wallet_id: uuid.UUID | None, amount: int, currency: str, payment_token: str
    ) -> Outcome:
        """Pending row (committed) -> gateway call (no lock held) -> finalize atomically."""
        if wallet_id is None:
            raise wallet_not_found()

        async def start(conn: Conn) -> dict[str, Any]:
            wallet = await _fetch_one(
                conn, "SELECT {W} FROM wallets WHERE id = %s AND owner_id = %s", (wallet_id, idem.owner_id)
            )
            if wallet is None:
                raise wallet_not_found()
            if wallet["currency"] != currency:
                raise currency_mismatch()
            return await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="deposit",
                status="pending",
                amount=amount,
                currency=currency,
            )

        pending = await self.db.transaction(start)
        result = await self.gateway.charge(
            idempotency_key=f"{idem.owner_id}:{idem.key}",
            amount=amount,
            currency=currency,
            payment_token=payment_token,
            reference=str(pending["id"]),
        )
        return await self.db.transaction(lambda conn: self._finalize_deposit(conn, idem, pending["id"], result))

    async def _finalize_deposit(
        self, conn: Conn, idem: IdempotencyKey, tx_id: uuid.UUID, result: ChargeResult
    ) -> Outcome:
        tx = await _fetch_one(conn, "SELECT {T} FROM transactions WHERE id = %s FOR UPDATE", (tx_id,))
        assert tx is not None
        if result.kind == "succeeded":
            wallet = await _wallet_for_update(conn, tx["wallet_id"])
            assert wallet is not None
            tx = await _settle_succeeded(conn, wallet, tx, result.charge_id)
            outcome = Outcome(201, models.transaction_json(tx))
        elif result.kind == "pending":
            tx = await _fetch_one(
                conn,
                "UPDATE transactions SET gateway_charge_id = %s WHERE id = %s RETURNING {T}",
                (result.charge_id, tx_id),
            )
            assert tx is not None
            outcome = Outcome(202, models.transaction_json(tx))
        else:
            if result.kind == "declined":
                failure_code = result.decline_code
                body = problem(
                    402, "PAYMENT_DECLINED", "The payment was declined by the gateway.", transaction_id=str(tx_id)
                )
            elif result.kind == "timeout":
                failure_code = FAILURE_GATEWAY_TIMEOUT
                body = problem(
                    504, "GATEWAY_TIMEOUT", "The payment gateway did not answer in time.", transaction_id=str(tx_id)
                )
            else:
                failure_code = FAILURE_GATEWAY_ERROR
                body = problem(
                    502, "GATEWAY_ERROR", "The payment gateway failed to process the charge.", transaction_id=str(tx_id)
                )
            wallet = await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (tx["wallet_id"],))
            assert wallet is not None
            tx = await _settle_failed(conn, wallet, tx, failure_code, result.charge_id)
            outcome = Outcome(body["status"], body)
        await idempotency.finish(conn, idem, outcome.status, outcome.body)
        return outcome

    # --- webhook --------------------------------------------------------------------------------------

    async def settle_charge(self, charge_id: str, status: str, failure_code: str | None) -> dict[str, Any]:
        """Apply a gateway webhook once; a repeat for a settled charge changes nothing."""

        async def work(conn: Conn) -> dict[str, Any]:
            tx = await _fetch_one(
                conn,
                "SELECT {T} FROM transactions WHERE gateway_charge_id = %s AND type = 'deposit' "
                "ORDER BY created_at LIMIT 1 FOR UPDATE",
                (charge_id,),
            )
            if tx is None:
                raise ApiError(404, "CHARGE_NOT_FOUND", "No deposit is known for this charge id.")
            if tx["status"] != "pending":
                return {"result": "already_settled", "transaction_id": str(tx["id"]), "status": tx["status"]}
            if status == "succeeded":
                wallet = await _wallet_for_update(conn, tx["wallet_id"])
                assert wallet is not None
                tx = await _settle_succeeded(conn, wallet, tx, charge_id)
            else:
                wallet = await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (tx["wallet_id"],))
                assert wallet is not None
                tx = await _settle_failed(conn, wallet, tx, failure_code or "payment_failed", charge_id)
            return {"result": "settled", "transaction_id": str(tx["id"]), "status": tx["status"]}

        return await self.db.transaction(work)

    # --- commands -------------------------------------------------------------------------------------

    async def apply_credit_command(self, command_id: str, wallet_id: uuid.UUID, amount: int, currency: str) -> str:
        """Credit once per command id. Returns 'applied', 'duplicate'; raises InvalidCommand."""

        async def work(conn: Conn) -> str:
            first = await _fetch_one(
                conn,
                "INSERT INTO processed_commands (id, processed_at) VALUES (%s, clock_timestamp()) "
                "ON CONFLICT (id) DO NOTHING RETURNING id",
                (command_id,),
            )
            if first is None:
                return "duplicate"
            wallet = await _wallet_for_update(conn, wallet_id)
            if wallet is None:
                raise InvalidCommandError("unknown wallet")
            if wallet["currency"] != currency:
                raise InvalidCommandError("currency mismatch")
            balance = await _apply_balance(conn, wallet_id, amount)
            tx = await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="credit",
                status="succeeded",
                amount=amount,
                currency=currency,
                balance_after=balance,
            )
            await models.emit(
                conn, "credit.applied", {**models.balance_event_data(wallet, tx), "command_id": command_id}
            )
            return "applied"

        return await self.db.transaction(work)


class InvalidCommandError(Exception):
    """A command that can never succeed: dead-letter it."""


async def _settle_succeeded(
    conn: Conn, wallet: dict[str, Any], tx: dict[str, Any], charge_id: str | None
) -> dict[str, Any]:
    balance = await _apply_balance(conn, wallet["id"], tx["amount"])
    row = await _fetch_one(
        conn,
        "UPDATE transactions SET status = 'succeeded', balance_after = %s, "
        "gateway_charge_id = COALESCE(%s, gateway_charge_id) WHERE id = %s RETURNING {T}",
        (balance, charge_id, tx["id"]),
    )
    assert row is not None
    await models.emit(conn, "deposit.succeeded", models.balance_event_data(wallet, row))
    return row


async def _settle_failed(
    conn: Conn, wallet: dict[str, Any], tx: dict[str, Any], failure_code: str | None, charge_id: str | None
) -> dict[str, Any]:
    row = await _fetch_one(
        conn,
        "UPDATE transactions SET status = 'failed', failure_code = %s, "
        "gateway_charge_id = COALESCE(%s, gateway_charge_id) WHERE id = %s RETURNING {T}",
        (failure_code, charge_id, tx["id"]),
    )
    assert row is not None
    await models.emit(conn, "deposit.failed", models.deposit_failed_data(wallet, row))
    return row
