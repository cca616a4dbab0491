"""Robot Framework library: the Wallet API's database seen as a ledger (what DatabaseLibrary lacks)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg2
import psycopg2.extras
from _support import current_suite, safe_url, scrub, setting, unique, wallets_touched_by
from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn
from robot.utils import timestr_to_secs

CREDIT_TYPES = ("deposit", "transfer_in", "credit")
DEBIT_TYPES = ("withdrawal", "transfer_out")
# Which outbox event one committed change of a transaction must produce (contract section 7).
EVENT_OF_TRANSACTION = {
    ("deposit", "succeeded"): "deposit.succeeded",
    ("deposit", "failed"): "deposit.failed",
    ("withdrawal", "succeeded"): "withdrawal.succeeded",
    ("credit", "succeeded"): "credit.applied",
}
STATEMENT_TIMEOUT = "-c statement_timeout=30000"  # every query of the tests ends within 30 s
MONEY_EVENTS = ("deposit.succeeded", "deposit.failed", "withdrawal.succeeded", "credit.applied")
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


def _wallet_id(wallet: Any) -> str:
    if isinstance(wallet, Mapping):
        return str(wallet["id"])
    return str(wallet)


def _flatten(wallets: Iterable[Any]) -> list[str]:
    ids: list[str] = []
    for wallet in wallets:
        if isinstance(wallet, list | tuple):
            ids.extend(_wallet_id(item) for item in wallet)
        else:
            ids.append(_wallet_id(wallet))
    return unique(ids)


def _strings(node: Any) -> list[str]:
    """Every string value inside a JSON document."""
    if isinstance(node, Mapping):
        return [text for item in node.values() for text in _strings(item)]
    if isinstance(node, list):
        return [text for item in node for text in _strings(item)]
    return [node] if isinstance(node, str) else []


def _mentions(node: Any, value: str) -> bool:
    if isinstance(node, Mapping):
        return any(_mentions(item, value) for item in node.values())
    if isinstance(node, list):
        return any(_mentions(item, value) for item in node)
    return isinstance(node, str) and node.lower() == value.lower()


@library(scope="GLOBAL", auto_keywords=False)
class Ledger:
    """Ledger checks on the wallet's PostgreSQL database (contract sections 4 and 6), through
    `${DATABASE_URL}` (a superuser DSN; never logged).

    `Ledger Should Reconcile` checks, for the given wallets, the money rules of section 4:
    - no balance is negative;
    - balance = sum of succeeded `deposit`, `transfer_in`, `credit` minus succeeded `withdrawal`,
      `transfer_out` amounts, and every transaction has the wallet's currency;
    - every transfer touching them has a `transfers` row and exactly one `transfer_out` (on the source,
      counterparty the destination) and one `transfer_in` (on the destination, counterparty the source),
      both `succeeded`, with the transfer's amount and currency;
    - one outbox row per committed change: exactly one `wallet.created` per wallet, one
      `deposit.succeeded` / `deposit.failed` / `withdrawal.succeeded` / `credit.applied` per settled
      transaction (none of the others for it), one `transfer.succeeded` per transfer, each with
      `routing_key` = `type`. The outbox `payload` shape is not in the contract, so a row "belongs" to
      an id when that id appears anywhere in its payload.

    Plain row queries are written with DatabaseLibrary in the resources (bind parameters);
    `Connect Database Library To Wallet Database` gives it a connection without logging the DSN.
    """

    def __init__(self) -> None:
        self._connection: Any = None

    # ------------------------------------------------------------------ connection

    def _connect(self) -> Any:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        dsn = setting("DATABASE_URL")
        try:
            self._connection = psycopg2.connect(
                dsn, connect_timeout=10, application_name="wallet-tests-ledger", options=STATEMENT_TIMEOUT
            )
        except psycopg2.Error as error:
            raise AssertionError(
                f"cannot connect to the database {safe_url(dsn)}: {scrub(str(error).strip())}"
            ) from None
        self._connection.autocommit = True
        return self._connection

    def _query(self, sql: str, parameters: Iterable[Any] = ()) -> list[dict]:
        for attempt in (1, 2):
            connection = self._connect()
            try:
                with connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                    cursor.execute(sql, tuple(parameters))
                    return [dict(row) for row in cursor.fetchall()]
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                self._connection = None
                if attempt == 2:
                    raise
        return []

    @keyword
    def connect_database_library_to_wallet_database(self, alias: str = "default") -> None:
        """Opens a connection with `${DATABASE_URL}` and registers it in DatabaseLibrary under `alias`
        (DatabaseLibrary's own connect keywords would log the DSN, password included). Does nothing when
        that alias already has an open connection, so every suite setup can call it."""
        database_library = BuiltIn().get_library_instance("DatabaseLibrary")
        store = database_library.connection_store
        existing = getattr(store, "_connections", {}).get(alias)
        if existing is not None and not getattr(existing.client, "closed", True):
            return
        dsn = setting("DATABASE_URL")
        try:
            connection = psycopg2.connect(
                dsn, connect_timeout=10, application_name="wallet-tests-dblib", options=STATEMENT_TIMEOUT
            )
        except psycopg2.Error as error:
            raise AssertionError(
                f"cannot connect to the database {safe_url(dsn)}: {scrub(str(error).strip())}"
            ) from None
        connection.autocommit = True
        store.register_connection(connection, "psycopg2", alias)
        logger.info(f"DatabaseLibrary connected to {safe_url(dsn)} as alias {alias!r}")

    @keyword
    def close_ledger_connection(self) -> None:
        """Closes this library's database connection (root suite teardown)."""
        if self._connection is not None and not self._connection.closed:
            self._connection.close()
        self._connection = None

    # ------------------------------------------------------------------ reconciliation

    @keyword
    def wallet_ids_touched_by_this_suite(self) -> list:
        """Ids of every wallet created through WalletApi by this suite and its child suites."""
        return wallets_touched_by(current_suite())

    @keyword
    def ledger_should_reconcile_for_wallets_touched_by_this_suite(self) -> None:
        """`Ledger Should Reconcile` for every wallet this suite (and its children) created; passes with a
        note when it created none."""
        wallets = self.wallet_ids_touched_by_this_suite()
        if not wallets:
            logger.info("This suite created no wallet: nothing to reconcile")
            return
        self.ledger_should_reconcile(*wallets)

    @keyword
    def ledger_should_reconcile(self, *wallets: Any) -> None:
        """Checks the money rules and the outbox for these wallets (dicts, ids, or lists of them); fails
        listing every violation."""
        ids = _flatten(wallets)
        if not ids:
            raise AssertionError("Ledger Should Reconcile needs at least one wallet")
        problems: list[str] = []
        rows = self._query(
            "SELECT id::text AS id, owner_id, currency, balance, created_at FROM wallets WHERE id = ANY(%s::uuid[])",
            [ids],
        )
        found = {row["id"]: row for row in rows}
        problems += [f"wallet {wallet_id}: no row in wallets" for wallet_id in ids if wallet_id not in found]
        transactions = self._query(
            "SELECT id::text AS id, wallet_id::text AS wallet_id, type, status, amount, currency, balance_after,"
            " transfer_id::text AS transfer_id, counterparty_wallet_id::text AS counterparty_wallet_id"
            " FROM transactions WHERE wallet_id = ANY(%s::uuid[])",
            [ids],
        )
        for wallet_id, wallet in found.items():
            own = [tx for tx in transactions if tx["wallet_id"] == wallet_id]
            expected = sum(
                tx["amount"] if tx["type"] in CREDIT_TYPES else -tx["amount"]
                for tx in own
                if tx["status"] == "succeeded" and tx["type"] in CREDIT_TYPES + DEBIT_TYPES
            )
            if wallet["balance"] < 0:
                problems.append(f"wallet {wallet_id}: negative balance {wallet['balance']}")
            if wallet["balance"] != expected:
                problems.append(
                    f"wallet {wallet_id}: balance {wallet['balance']} != ledger sum {expected} "
                    f"of {sum(1 for tx in own if tx['status'] == 'succeeded')} succeeded transaction(s)"
                )
            currency = str(wallet["currency"]).strip()
            problems += [
                f"transaction {tx['id']} of wallet {wallet_id}: currency {tx['currency']} != wallet's {currency}"
                for tx in own
                if str(tx["currency"]).strip() != currency
            ]
        transfer_ids = unique(
            [tx["transfer_id"] for tx in transactions if tx["transfer_id"]]
            + [
                row["id"]
                for row in self._query(
                    "SELECT id::text AS id FROM transfers WHERE source_wallet_id = ANY(%s::uuid[])"
                    " OR destination_wallet_id = ANY(%s::uuid[])",
                    [ids, ids],
                )
            ]
        )
        problems += self._transfer_problems(transfer_ids)
        since = min((row["created_at"] for row in rows), default=None)
        problems += self._outbox_problems(ids, transactions, transfer_ids, since)
        if problems:
            raise AssertionError(
                f"Ledger does not reconcile for {len(ids)} wallet(s):\n" + "\n".join(f"  - {p}" for p in problems)
            )
        logger.info(
            f"Ledger reconciles for {len(ids)} wallet(s), {len(transactions)} transaction(s), "
            f"{len(transfer_ids)} transfer(s)"
        )

    def _transfer_problems(self, transfer_ids: list[str]) -> list[str]:
        if not transfer_ids:
            return []
        problems: list[str] = []
        transfers = {
            row["id"]: row
            for row in self._query(
                "SELECT id::text AS id, source_wallet_id::text AS source, destination_wallet_id::text AS destination,"
                " amount, currency FROM transfers WHERE id = ANY(%s::uuid[])",
                [transfer_ids],
            )
        }
        legs = self._query(
            "SELECT id::text AS id, wallet_id::text AS wallet_id, type, status, amount, currency,"
            " transfer_id::text AS transfer_id, counterparty_wallet_id::text AS counterparty"
            " FROM transactions WHERE transfer_id = ANY(%s::uuid[])",
            [transfer_ids],
        )
        for transfer_id in transfer_ids:
            transfer = transfers.get(transfer_id)
            mine = [leg for leg in legs if leg["transfer_id"] == transfer_id]
            outs = [leg for leg in mine if leg["type"] == "transfer_out"]
            ins = [leg for leg in mine if leg["type"] == "transfer_in"]
            others = [leg for leg in mine if leg["type"] not in ("transfer_out", "transfer_in")]
            if transfer is None:
                problems.append(f"transfer {transfer_id}: legs exist but no row in transfers")
                continue
            if len(outs) != 1 or len(ins) != 1 or others:
                problems.append(
                    f"transfer {transfer_id}: expected exactly one transfer_out and one transfer_in, got "
                    f"{len(outs)} out, {len(ins)} in, {len(others)} other"
                )
                continue
            out, into = outs[0], ins[0]
            expectations = [
                ("transfer_out wallet", out["wallet_id"], transfer["source"]),
                ("transfer_out counterparty", out["counterparty"], transfer["destination"]),
                ("transfer_in wallet", into["wallet_id"], transfer["destination"]),
                ("transfer_in counterparty", into["counterparty"], transfer["source"]),
                ("transfer_out amount", out["amount"], transfer["amount"]),
                ("transfer_in amount", into["amount"], transfer["amount"]),
                ("transfer_out status", out["status"], "succeeded"),
                ("transfer_in status", into["status"], "succeeded"),
                ("transfer_out currency", str(out["currency"]).strip(), str(transfer["currency"]).strip()),
                ("transfer_in currency", str(into["currency"]).strip(), str(transfer["currency"]).strip()),
            ]
            problems += [
                f"transfer {transfer_id}: {what} is {actual!r}, expected {expected!r}"
                for what, actual, expected in expectations
                if actual != expected
            ]
        return problems

    def _outbox_rows(self, ids: list[str], since: Any) -> list[dict]:
        """Outbox rows whose payload mentions one of `ids` (created since the oldest wallet, minus a minute)."""
        if not ids:
            return []
        patterns = [f"%{value}%" for value in ids]
        sql = (
            "SELECT id::text AS id, type, routing_key, payload, published_at FROM outbox"
            " WHERE payload::text ILIKE ANY(%s)"
        )
        parameters: list[Any] = [patterns]
        if since is not None:
            sql += " AND created_at >= %s::timestamptz - interval '1 minute'"
            parameters.append(since)
        rows = self._query(sql, parameters)
        for row in rows:
            if isinstance(row["payload"], str):
                row["payload"] = json.loads(row["payload"])
        return rows

    def _outbox_problems(
        self, ids: list[str], transactions: list[dict], transfer_ids: list[str], since: Any
    ) -> list[str]:
        settled = [tx for tx in transactions if (tx["type"], tx["status"]) in EVENT_OF_TRANSACTION]
        rows = self._outbox_rows(ids + [tx["id"] for tx in settled] + transfer_ids, since)
        problems = [
            f"outbox row {row['id']}: routing_key {row['routing_key']!r} != type {row['type']!r}"
            for row in rows
            if row["routing_key"] != row["type"]
        ]

        mentioned: dict[tuple[str, str], int] = {}
        for row in rows:
            for value in {text.lower() for text in _strings(row["payload"])}:
                mentioned[(row["type"], value)] = mentioned.get((row["type"], value), 0) + 1

        def count(event_type: str, value: str) -> int:
            return mentioned.get((event_type, value.lower()), 0)

        for wallet_id in ids:
            created = count("wallet.created", wallet_id)
            if created != 1:
                problems.append(f"wallet {wallet_id}: {created} wallet.created outbox rows, expected 1")
        for tx in settled:
            expected = EVENT_OF_TRANSACTION[(tx["type"], tx["status"])]
            for event_type in MONEY_EVENTS:
                actual = count(event_type, tx["id"])
                want = 1 if event_type == expected else 0
                if actual != want:
                    problems.append(
                        f"{tx['type']} {tx['id']} ({tx['status']}): {actual} {event_type} outbox rows, expected {want}"
                    )
        for transfer_id in transfer_ids:
            actual = count("transfer.succeeded", transfer_id)
            if actual != 1:
                problems.append(f"transfer {transfer_id}: {actual} transfer.succeeded outbox rows, expected 1")
        return problems

    # ------------------------------------------------------------------ snapshots and counts

    @keyword
    def ledger_snapshot(self, *wallets: Any) -> dict:
        """A snapshot of these wallets: balance, transaction rows by type/status, transfers and outbox
        rows mentioning them; compare later with `Ledger Should Be Unchanged Since`."""
        ids = _flatten(wallets)
        snapshot: dict[str, Any] = {"wallets": ids, "state": {}}
        for wallet_id in ids:
            balance = self._query("SELECT balance, created_at FROM wallets WHERE id = %s::uuid", [wallet_id])
            counts = self._query(
                "SELECT type, status, count(*) AS n FROM transactions WHERE wallet_id = %s::uuid GROUP BY type, status",
                [wallet_id],
            )
            transfers = self._query(
                "SELECT count(*) AS n FROM transfers"
                " WHERE source_wallet_id = %s::uuid OR destination_wallet_id = %s::uuid",
                [wallet_id, wallet_id],
            )
            since = balance[0]["created_at"] if balance else None
            outbox = [row for row in self._outbox_rows([wallet_id], since) if _mentions(row["payload"], wallet_id)]
            snapshot["state"][wallet_id] = {
                "balance": balance[0]["balance"] if balance else None,
                "transactions": {f"{row['type']}/{row['status']}": row["n"] for row in counts},
                "transfers": transfers[0]["n"],
                "outbox_rows": len(outbox),
            }
        logger.info(f"Ledger snapshot: {snapshot['state']}")
        return snapshot

    @keyword
    def ledger_should_be_unchanged_since(self, snapshot: Mapping[str, Any]) -> None:
        """Fails if the balance, transaction rows, transfers or outbox rows of the snapshot's wallets
        changed since `Ledger Snapshot`."""
        now = self.ledger_snapshot(*snapshot["wallets"])
        problems = []
        for wallet_id, before in snapshot["state"].items():
            after = now["state"][wallet_id]
            problems += [
                f"wallet {wallet_id}: {name} changed from {before[name]} to {after[name]}"
                for name in before
                if before[name] != after[name]
            ]
        if problems:
            raise AssertionError("Ledger changed:\n" + "\n".join(f"  - {p}" for p in problems))

    @keyword
    def count_transaction_rows(self, wallet: Any, type: str | None = None, status: str | None = None) -> int:
        """Number of `transactions` rows of a wallet, optionally of one `type` and/or `status`."""
        sql = "SELECT count(*) AS n FROM transactions WHERE wallet_id = %s::uuid"
        parameters: list[Any] = [_wallet_id(wallet)]
        if type is not None:
            sql += " AND type = %s"
            parameters.append(type)
        if status is not None:
            sql += " AND status = %s"
            parameters.append(status)
        return int(self._query(sql, parameters)[0]["n"])

    @keyword
    def count_outbox_rows(self, entity_id: str, event_type: str | None = None) -> int:
        """Number of outbox rows whose payload mentions `entity_id` (a wallet, transaction or transfer id),
        optionally of one event type."""
        rows = self._outbox_rows([str(entity_id)], None)
        return sum(
            1
            for row in rows
            if (event_type is None or row["type"] == event_type) and _mentions(row["payload"], str(entity_id))
        )

    @keyword
    def outbox_should_be_published(self, *wallets: Any, timeout: float = 30.0) -> None:
        """Waits until every outbox row mentioning these wallets has `published_at` set (e.g. after the
        broker came back), deadline `timeout` seconds."""
        ids = _flatten(wallets)
        deadline = time.monotonic() + float(timeout)
        while True:
            pending = [row for row in self._outbox_rows(ids, None) if row["published_at"] is None]
            if not pending:
                return
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{len(pending)} outbox row(s) still unpublished after {timeout} s: "
                    + ", ".join(f"{row['type']} {row['id']}" for row in pending[:10])
                )
            time.sleep(0.25)

    @keyword
    def outbox_rows_should_stay_unpublished(self, *entities: Any, window: float | str = 2.0) -> None:
        """Fails unless every entity (a wallet, transaction or transfer id, or a dict with `id`) has an outbox
        row and none of those rows gets `published_at` during `window` (seconds or a Robot time string,
        default 2): while the broker cannot confirm, no event may be marked published (contract section 6).
        Give the ids of changes made during the outage (a wallet id also matches its older rows)."""
        ids = _flatten(entities)
        if not ids:
            raise AssertionError("Outbox Rows Should Stay Unpublished needs at least one id")
        seconds = float(window) if isinstance(window, int | float) else float(timestr_to_secs(str(window)))
        deadline = time.monotonic() + seconds
        while True:
            rows = [row for row in self._outbox_rows(ids, None) if any(_mentions(row["payload"], i) for i in ids)]
            missing = [i for i in ids if not any(_mentions(row["payload"], i) for row in rows)]
            if missing:
                raise AssertionError(f"no outbox row mentions {', '.join(missing)}: every change writes one")
            published = [row for row in rows if row["published_at"] is not None]
            if published:
                raise AssertionError(
                    f"{len(published)} outbox row(s) got published_at although the broker could not confirm them: "
                    + ", ".join(f"{row['type']} {row['id']} at {row['published_at']}" for row in published[:10])
                )
            if time.monotonic() >= deadline:
                logger.info(f"{len(rows)} outbox row(s) stayed unpublished for {seconds} s")
                return
            time.sleep(0.25)

    @keyword
    def wallet_schema_should_match_the_contract(self) -> None:
        """Checks contract section 6 in the `public` schema: the six tables exist with every listed column
        of the listed type (`currency` is char(3)), the listed primary keys, and one wallet per owner and
        currency (a unique constraint or index on `wallets(owner_id, currency)`). Extra tables, columns and
        indexes are allowed. Fails listing every difference."""
        columns = self._query(
            "SELECT table_name, column_name, data_type, character_maximum_length FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = ANY(%s)",
            [list(CONTRACT_SCHEMA)],
        )
        found: dict[str, dict[str, dict]] = {}
        for row in columns:
            found.setdefault(row["table_name"], {})[row["column_name"]] = row
        indexes = self._query(
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
            keys = [sorted(index["columns"]) for index in indexes if index["table_name"] == table]
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
            logger.info(f"public.{table}: {len(actual)} column(s), indexes on {keys}")
        if problems:
            raise AssertionError(
                "The wallet database schema differs from the contract (section 6):\n"
                + "\n".join(f"  - {p}" for p in problems)
            )

    @keyword
    def idempotency_key_should_be_stored(self, owner: str, key: str, stored: bool = True) -> None:
        """Fails unless an `idempotency_keys` row exists for (owner, key) (`stored=False`: unless none)."""
        rows = self._query("SELECT count(*) AS n FROM idempotency_keys WHERE owner_id = %s AND key = %s", [owner, key])
        actual = rows[0]["n"] > 0
        if actual != bool(stored):
            raise AssertionError(
                f"idempotency key of owner {owner}: expected {'a stored' if stored else 'no stored'} row, "
                f"got {rows[0]['n']}"
            )
