"""Contract section 6 as data, and the differences of a database's `public` schema from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Contract section 6: table -> column -> information_schema data type (`character` is char(3)).
TIMESTAMPTZ = "timestamp with time zone"
CONTRACT_SCHEMA: dict[str, dict[str, str]] = {
    "wallets": {
        "id": "uuid",
        "owner_id": "text",
        "currency": "character",
        "balance": "bigint",
        "status": "text",
        "created_at": TIMESTAMPTZ,
        "updated_at": TIMESTAMPTZ,
    },
    "transactions": {
        "id": "uuid",
        "wallet_id": "uuid",
        "type": "text",
        "status": "text",
        "amount": "bigint",
        "currency": "character",
        "balance_after": "bigint",
        "transfer_id": "uuid",
        "counterparty_wallet_id": "uuid",
        "gateway_charge_id": "text",
        "failure_code": "text",
        "created_at": TIMESTAMPTZ,
    },
    "transfers": {
        "id": "uuid",
        "source_wallet_id": "uuid",
        "destination_wallet_id": "uuid",
        "amount": "bigint",
        "currency": "character",
        "status": "text",
        "created_at": TIMESTAMPTZ,
    },
    "idempotency_keys": {
        "owner_id": "text",
        "key": "text",
        "request_hash": "text",
        "status_code": "integer",
        "response_body": "jsonb",
        "created_at": TIMESTAMPTZ,
    },
    "outbox": {
        "id": "uuid",
        "type": "text",
        "routing_key": "text",
        "payload": "jsonb",
        "created_at": TIMESTAMPTZ,
        "published_at": TIMESTAMPTZ,
    },
    "processed_commands": {"id": "text", "processed_at": TIMESTAMPTZ},
}
CONTRACT_PRIMARY_KEYS = {
    "wallets": ("id",),
    "transactions": ("id",),
    "transfers": ("id",),
    "idempotency_keys": ("owner_id", "key"),
    "outbox": ("id",),
    "processed_commands": ("id",),
}


def schema_problems(query: Callable[[str, list[Any]], list[dict]]) -> list[str]:
    """Every difference from section 6 (missing tables or columns, types, primary keys, one wallet per owner
    and currency); extra tables, columns and indexes are allowed."""
    columns = query(
        "SELECT table_name, column_name, data_type, character_maximum_length FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = ANY(%s)",
        [list(CONTRACT_SCHEMA)],
    )
    found: dict[str, dict[str, dict]] = {}
    for row in columns:
        found.setdefault(row["table_name"], {})[row["column_name"]] = row
    indexes = query(
        "SELECT c.relname AS table_name, i.indisprimary AS is_primary, i.indisunique AS is_unique,"
        " array(SELECT a.attname::text FROM unnest(i.indkey) AS k(n)"
        "       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) AS columns"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        " JOIN pg_namespace ns ON ns.oid = c.relnamespace"
        " WHERE ns.nspname = 'public' AND c.relname = ANY(%s) AND i.indpred IS NULL",
        [list(CONTRACT_SCHEMA)],
    )
    problems: list[str] = []
    for table, expected_columns in CONTRACT_SCHEMA.items():
        actual = found.get(table)
        if not actual:
            problems.append(f"table public.{table} is missing")
            continue
        for column, data_type in expected_columns.items():
            row = actual.get(column)
            if row is None:
                problems.append(f"{table}.{column} is missing")
            elif row["data_type"] != data_type:
                problems.append(f"{table}.{column}: expected type {data_type}, got {row['data_type']}")
            elif data_type == "character" and row["character_maximum_length"] != 3:
                problems.append(f"{table}.{column}: expected char(3), got char({row['character_maximum_length']})")
        primary = [
            sorted(index["columns"]) for index in indexes if index["table_name"] == table and index["is_primary"]
        ]
        expected_key = CONTRACT_PRIMARY_KEYS[table]
        if sorted(expected_key) not in primary:
            problems.append(f"{table}: expected PRIMARY KEY ({', '.join(expected_key)}), got {primary or 'none'}")
        if table == "wallets":
            unique_keys = [
                sorted(index["columns"]) for index in indexes if index["table_name"] == table and index["is_unique"]
            ]
            if ["currency", "owner_id"] not in unique_keys:
                problems.append(f"wallets: expected UNIQUE (owner_id, currency), unique keys are {unique_keys}")
    return problems
