# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Mutants of area `model` (issue 11), part 1: defects that only an interleaving or a write during a read shows.

Each one survives the example-based suites (they never run these paths concurrently) and is meant to be
killed by the seeded model workload. The description starts with the kind of condition that reveals it and
names the scenario; `/work/notes/new-mutants.md` records a reproduction of each. Format as in
mutants_catalog.py (exact search/replace edits of files under `services/wallet_api/`).
"""

from __future__ import annotations

from mutants_patch import Edit, Mutant

RACE_MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------------------------- interleaving
    Mutant(
        id="deposit_credit_from_stale_read",
        area="model",
        rule="money.balance-equals-ledger",
        contract="a wallet's balance = sum of its succeeded deposit, transfer_in, credit amounts minus its succeeded "
        "withdrawal, transfer_out amounts (always true after any sequence of requests, concurrent or not)",
        description="[interleaving] A deposit keeps the wallet it loaded before the gateway call and saves "
        "balance = loaded balance + amount afterwards (ORM-style save of a stale struct): two deposits into one "
        "wallet at once, or a withdrawal during a deposit's gateway call, lose one of the changes.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""        async def start(conn: Conn) -> dict[str, Any]:""",
                r"""        loaded: dict[str, Any] = {}

        async def start(conn: Conn) -> dict[str, Any]:""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                raise currency_mismatch()
            return await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="deposit",""",
                r"""                raise currency_mismatch()
            loaded.update(wallet)  # saved with its new balance once the gateway has answered
            return await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="deposit",""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""self._finalize_deposit(conn, idem, pending["id"], result))""",
                r"""self._finalize_deposit(conn, idem, pending["id"], result, loaded))""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""        self, conn: Conn, idem: IdempotencyKey, tx_id: uuid.UUID, result: ChargeResult
    ) -> Outcome:""",
                r"""        self, conn: Conn, idem: IdempotencyKey, tx_id: uuid.UUID, result: ChargeResult, loaded: dict[str, Any]
    ) -> Outcome:""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""        if result.kind == "succeeded":
            wallet = await _wallet_for_update(conn, tx["wallet_id"])
            assert wallet is not None
            tx = await _settle_succeeded(conn, wallet, tx, result.charge_id)""",
                r"""        if result.kind == "succeeded":
            tx = await _settle_succeeded(conn, loaded, tx, result.charge_id)""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""    balance = await _apply_balance(conn, wallet["id"], tx["amount"])""",
                r"""    balance = wallet["balance"] + tx["amount"]
    await conn.execute(
        "UPDATE wallets SET balance = %s, updated_at = clock_timestamp() WHERE id = %s", (balance, wallet["id"])
    )""",
            ),
        ),
    ),
    Mutant(
        id="webhook_settle_without_row_lock",
        area="model",
        rule="webhooks.repeat-no-change",
        contract="a repeated webhook for an already settled charge is 200 and changes nothing",
        description="[interleaving] The webhook reads the deposit without FOR UPDATE and settles it with "
        "UPDATE ... WHERE id (no status = 'pending' guard): a repeat sent after the first answer changes nothing, "
        "but two identical webhooks delivered at the same instant both credit the deposit (two credits, two "
        "deposit.succeeded events).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                "ORDER BY created_at LIMIT 1 FOR UPDATE",""",
                r"""                "ORDER BY created_at LIMIT 1",""",
            ),
        ),
    ),
    Mutant(
        id="credit_event_from_stale_read",
        area="model",
        rule="events.credit-applied",
        contract="credit.applied: data as above (wallet_id, owner_id, transaction_id, amount, currency, balance_after) "
        "plus command_id; balance_after is the wallet balance right after the transaction",
        description="[interleaving] The command consumer reads the wallet before its unit of work (to validate the "
        "command) and builds credit.applied with balance_after = that balance + amount; the ledger itself is "
        "right. Two credit commands for one wallet processed at once (prefetch 10): an event's balance_after "
        "differs from its transaction's.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""        async def work(conn: Conn) -> str:
            first = await _fetch_one(""",
                r"""        known = await self.db.transaction(
            lambda conn: _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (wallet_id,))
        )

        async def work(conn: Conn) -> str:
            first = await _fetch_one(""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                conn, "credit.applied", {**models.balance_event_data(wallet, tx), "command_id": command_id}""",
                r"""                conn,
                "credit.applied",
                {
                    **models.balance_event_data(wallet, tx),
                    "balance_after": known["balance"] + amount,
                    "command_id": command_id,
                },""",
            ),
        ),
    ),
    Mutant(
        id="idempotency_unreserved_sync_ops",
        area="model",
        rule="idempotency.in-use",
        contract="Same key while the first request is still running: 409 IDEMPOTENCY_KEY_IN_USE ... Nothing is "
        "executed again",
        description='[interleaving] Withdrawals and transfers skip the key reservation ("one database transaction, '
        'the answer is stored with the change"): they look the key up, execute, and upsert the answer. Replays, '
        "422 reuse and stored errors work one at a time (deposits still reserve), but the same key sent twice at "
        "the same instant on a withdrawal or transfer executes twice.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)
    if stored is not None:""",
                r"""    if request.scope["path"].endswith("/deposits"):
        stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)
    else:  # withdrawals and transfers are one database transaction: the answer is stored with the change
        stored = await idempotency.lookup(app.db, idem)
    if stored is not None:""",
            ),
            Edit(
                "wallet_api/idempotency.py",
                r"""    await conn.execute(
        "UPDATE idempotency_keys SET status_code = %s, response_body = %s WHERE owner_id = %s AND key = %s",
        (status, Jsonb(body), idem.owner_id, idem.key),
    )""",
                r"""    await conn.execute(
        "INSERT INTO idempotency_keys (owner_id, key, request_hash, status_code, response_body, created_at) "
        "VALUES (%s, %s, %s, %s, %s, clock_timestamp()) ON CONFLICT (owner_id, key) DO UPDATE "
        "SET status_code = EXCLUDED.status_code, response_body = EXCLUDED.response_body",
        (idem.owner_id, idem.key, idem.request_hash, status, Jsonb(body)),
    )""",
            ),
            Edit(
                "wallet_api/idempotency.py",
                r"""async def store(db: Database, idem: IdempotencyKey, status: int, body: Any) -> None:""",
                r"""async def lookup(db: Database, idem: IdempotencyKey) -> StoredResponse | None:
    async def work(conn: Conn) -> StoredResponse | None:
        cur = await conn.execute(
            "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE owner_id = %s AND key = %s",
            (idem.owner_id, idem.key),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        if row["request_hash"] != idem.request_hash:
            raise ApiError(
                422,
                "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was already used with a different request; use a new key.",
            )
        if row["status_code"] is None:
            raise ApiError(409, "IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still being processed.")
        return StoredResponse(row["status_code"], row["response_body"])

    return await db.transaction(work)


async def store(db: Database, idem: IdempotencyKey, status: int, body: Any) -> None:""",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------ write during a read
    Mutant(
        id="settlement_restamps_created_at",
        area="model",
        rule="history.cursor-walk",
        contract="GET /v1/wallets/{id}/transactions ... ordered by created_at descending, then id descending; "
        "following next_cursor visits every transaction exactly once",
        description="[write during a read] Settling a deposit as succeeded also sets created_at = "
        'clock_timestamp() ("a ledger entry is dated when it is posted"): the settled deposit jumps to the top '
        "of the history, so a walk in progress while an older pending deposit is settled by webhook never lists "
        "it.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""        "UPDATE transactions SET status = 'succeeded', balance_after = %s, "
""",
                r"""        "UPDATE transactions SET status = 'succeeded', balance_after = %s, created_at = clock_timestamp(), "
""",
            ),
        ),
    ),
    Mutant(
        id="wallet_cache_invalidated_before_commit",
        area="model",
        rule="wallets.get",
        contract="GET /v1/wallets/{id}: 200 wallet (with the current balance)",
        description="[write during a read] GET /v1/wallets/{id} is served from a 30 s read-through cache that "
        "every balance change invalidates inside its database transaction, i.e. before COMMIT: a GET that lands "
        "between the invalidation and the commit caches the old balance, and later GETs return it after the "
        "change was acknowledged.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""import functools
""",
                r"""import functools
import time
""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""from .validation import Cursor
""",
                r"""from .validation import Cursor

# Read-through cache of GET /v1/wallets/{id}: wallets are read far more often than they change.
WALLET_CACHE_TTL_S = 30.0
_wallet_cache: dict[uuid.UUID, tuple[float, dict[str, Any]]] = {}
""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""async def _apply_balance(conn: Conn, wallet_id: uuid.UUID, delta: int) -> int:
""",
                r"""async def _apply_balance(conn: Conn, wallet_id: uuid.UUID, delta: int) -> int:
    _wallet_cache.pop(wallet_id, None)  # invalidate on write
""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            return await _fetch_one(
                conn, "SELECT {W} FROM wallets WHERE id = %s AND owner_id = %s", (wallet_id, owner_id)
            )

        row = await self.db.transaction(work)
        if row is None:
            raise wallet_not_found()
        return models.wallet_json(row)""",
                r"""            return await _fetch_one(
                conn, "SELECT {W} FROM wallets WHERE id = %s AND owner_id = %s", (wallet_id, owner_id)
            )

        cached = _wallet_cache.get(wallet_id)
        if cached is not None and cached[0] > time.monotonic() and cached[1]["owner_id"] == owner_id:
            return models.wallet_json(cached[1])
        row = await self.db.transaction(work)
        if row is None:
            raise wallet_not_found()
        _wallet_cache[wallet_id] = (time.monotonic() + WALLET_CACHE_TTL_S, row)
        return models.wallet_json(row)""",
            ),
        ),
    ),
)
