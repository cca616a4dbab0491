"""Idempotency keys (contract section 2): reserve, replay, detect reuse, store the final answer.

Life of a key (table idempotency_keys, primary key (owner_id, key)):

1. ``reserve`` inserts the row with ``status_code`` NULL in its own committed transaction. Only the
   request that inserted it executes.
2. The handler stores the answer with ``finish`` in the same transaction as the business change
   (or ``store`` in its own transaction when there is no change, e.g. a 404).
3. A later request with the same owner + key: different request hash -> 422 IDEMPOTENCY_KEY_REUSED;
   answer stored -> replay; still NULL -> 409 IDEMPOTENCY_KEY_IN_USE, unless the reservation is older
   than the stale limit (its request died without cleaning up), in which case it is taken over.
4. When a handler fails unexpectedly, ``release`` deletes the reservation so the client can retry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from . import jsonutil
from .db import Conn, Database
from .errors import ApiError


def request_hash(method: str, path: str, body: Any) -> str:
    """sha256 over method, path and the canonical form of the parsed JSON body."""
    material = f"{method.upper()}\n{path}\n{jsonutil.canonical_text(body)}"
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any


@dataclass(frozen=True)
class IdempotencyKey:
    owner_id: str
    key: str
    request_hash: str


async def reserve(db: Database, idem: IdempotencyKey, stale_after_s: float) -> StoredResponse | None:
    """Reserve the key (returns None) or return the stored answer to replay; raise 409/422 otherwise."""
    for _ in range(3):
        outcome = await db.transaction(lambda conn: _reserve_once(conn, idem, stale_after_s))
        if outcome != "vanished":
            return outcome if isinstance(outcome, StoredResponse) else None
    raise ApiError(409, "IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is being processed.")


async def _reserve_once(conn: Conn, idem: IdempotencyKey, stale_after_s: float) -> StoredResponse | str:
    cur = await conn.execute(
        "INSERT INTO idempotency_keys (owner_id, key, request_hash, status_code, response_body, created_at) "
        "VALUES (%s, %s, %s, NULL, NULL, clock_timestamp()) ON CONFLICT (owner_id, key) DO NOTHING "
        "RETURNING owner_id",
        (idem.owner_id, idem.key, idem.request_hash),
    )
    if await cur.fetchone() is not None:
        return "reserved"
    # FOR UPDATE waits for a request that is committing its answer right now, so we see the answer.
    cur = await conn.execute(
        "SELECT request_hash, status_code, response_body, "
        "clock_timestamp() - created_at > make_interval(secs => %s) AS stale "
        "FROM idempotency_keys WHERE owner_id = %s AND key = %s FOR UPDATE",
        (stale_after_s, idem.owner_id, idem.key),
    )
    row = await cur.fetchone()
    if row is None:
        return "vanished"  # released between our INSERT and SELECT: try again
    if row["request_hash"] != idem.request_hash:
        raise ApiError(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was already used with a different request; use a new key.",
        )
    if row["status_code"] is not None:
        return StoredResponse(row["status_code"], row["response_body"])
    if row["stale"]:
        await conn.execute(
            "UPDATE idempotency_keys SET created_at = clock_timestamp() WHERE owner_id = %s AND key = %s",
            (idem.owner_id, idem.key),
        )
        return "reserved"
    raise ApiError(409, "IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still being processed.")


async def finish(conn: Conn, idem: IdempotencyKey, status: int, body: Any) -> None:
    """Record the final answer inside the caller's transaction."""
    await conn.execute(
        "UPDATE idempotency_keys SET status_code = %s, response_body = %s WHERE owner_id = %s AND key = %s",
        (status, Jsonb(body), idem.owner_id, idem.key),
    )


async def store(db: Database, idem: IdempotencyKey, status: int, body: Any) -> None:
    async def work(conn: Conn) -> None:
        await finish(conn, idem, status, body)

    await db.transaction(work)


async def release(db: Database, idem: IdempotencyKey) -> None:
    """Forget an unanswered reservation so the client may retry with the same key."""

    async def work(conn: Conn) -> None:
        await conn.execute(
            "DELETE FROM idempotency_keys WHERE owner_id = %s AND key = %s AND status_code IS NULL",
            (idem.owner_id, idem.key),
        )

    await db.transaction(work)


async def purge_expired(db: Database, retention_h: float) -> int:
    """Delete answered keys older than the retention (the contract keeps them at least 24 h)."""

    async def work(conn: Conn) -> int:
        cur = await conn.execute(
            "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %s)",
            (int(retention_h),),
        )
        return cur.rowcount

    return await db.transaction(work)
