"""Resource representations (contract section 3) and event payloads (contract section 7)."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg.types.json import Jsonb

from . import jsonutil
from .db import Conn

WALLET_COLUMNS = "id, owner_id, currency, balance, status, created_at, updated_at"
OUTBOX_CHANNEL = "wallet_outbox"
TRANSACTION_COLUMNS = (
    "id, wallet_id, type, status, amount, currency, balance_after, transfer_id, "
    "counterparty_wallet_id, gateway_charge_id, failure_code, created_at"
)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def wallet_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "owner_id": row["owner_id"],
        "currency": row["currency"],
        "balance": row["balance"],
        "status": row["status"],
        "created_at": jsonutil.rfc3339(row["created_at"]),
        "updated_at": jsonutil.rfc3339(row["updated_at"]),
    }


def transaction_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "wallet_id": str(row["wallet_id"]),
        "type": row["type"],
        "status": row["status"],
        "amount": row["amount"],
        "currency": row["currency"],
        "balance_after": row["balance_after"],
        "transfer_id": _str_or_none(row["transfer_id"]),
        "counterparty_wallet_id": _str_or_none(row["counterparty_wallet_id"]),
        "gateway_charge_id": row["gateway_charge_id"],
        "failure_code": row["failure_code"],
        "created_at": jsonutil.rfc3339(row["created_at"]),
    }


def transfer_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "source_wallet_id": str(row["source_wallet_id"]),
        "destination_wallet_id": str(row["destination_wallet_id"]),
        "amount": row["amount"],
        "currency": row["currency"],
        "status": row["status"],
        "created_at": jsonutil.rfc3339(row["created_at"]),
    }


# --- events ---------------------------------------------------------------------------------------


def balance_event_data(wallet: dict[str, Any], tx: dict[str, Any]) -> dict[str, Any]:
    """Data of deposit.succeeded / withdrawal.succeeded (credit.applied adds command_id)."""
    return {
        "wallet_id": str(wallet["id"]),
        "owner_id": wallet["owner_id"],
        "transaction_id": str(tx["id"]),
        "amount": tx["amount"],
        "currency": tx["currency"],
        "balance_after": tx["balance_after"],
    }


def deposit_failed_data(wallet: dict[str, Any], tx: dict[str, Any]) -> dict[str, Any]:
    return {
        "wallet_id": str(wallet["id"]),
        "owner_id": wallet["owner_id"],
        "transaction_id": str(tx["id"]),
        "amount": tx["amount"],
        "currency": tx["currency"],
        "failure_code": tx["failure_code"],
    }


async def emit(conn: Conn, event_type: str, data: dict[str, Any]) -> uuid.UUID:
    """Write an event to the outbox inside the caller's transaction; the publisher ships it later.

    ``occurred_at`` in the payload and the row's ``created_at`` are the same clock_timestamp(); the
    NOTIFY is delivered at COMMIT and wakes the publisher of every instance.
    """
    event_id = uuid.uuid4()
    payload = {"id": str(event_id), "type": event_type, "version": 1, "data": data}
    await conn.execute(
        "WITH t AS (SELECT clock_timestamp() AS ts), n AS (SELECT pg_notify(%s, '') AS sent) "
        "INSERT INTO outbox (id, type, routing_key, payload, created_at) "
        "SELECT %s, %s, %s, %s::jsonb || jsonb_build_object('occurred_at', "
        "to_char(t.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')), t.ts FROM t, n",
        (OUTBOX_CHANNEL, event_id, event_type, event_type, Jsonb(payload)),
    )
    return event_id
