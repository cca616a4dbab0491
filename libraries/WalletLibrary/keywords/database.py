"""Rows of the wallet's database (contract section 6), read through DatabaseLibrary (alias `wallet_db`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from assertionengine import AssertionOperator
from robot.api.deco import keyword
from robot.utils import timestr_to_secs

from .. import matcher
from ..changes import RECENT_OUTBOX
from ..context import DATABASE_ALIAS
from ..ledger import wallet_ids
from ..routes import TRANSACTION_FIELDS, wallet_id
from ..schema import schema_problems
from . import LibraryComponent

TRANSACTION_ROW_SQL = (
    "SELECT wallet_id::text AS wallet_id, type, status, amount, currency::text AS currency, balance_after,"
    " transfer_id::text AS transfer_id, counterparty_wallet_id::text AS counterparty_wallet_id,"
    " gateway_charge_id, failure_code FROM transactions WHERE id = %s::uuid"
)
TRANSFER_ROW_SQL = (
    "SELECT source_wallet_id::text AS source_wallet_id, destination_wallet_id::text AS destination_wallet_id,"
    " amount, currency::text AS currency FROM transfers WHERE id = %s::uuid"
)
UNPUBLISHED_SQL = (
    RECENT_OUTBOX  # noqa: S608 - constant text: the values are bind parameters
    + " SELECT id FROM recent WHERE published_at IS NULL AND payload::text ILIKE ANY(%s)"
)
# The outbox rows of changes a test just made (tests last a minute or two): only those are read as text.
RECENT_ROWS = (
    "WITH recent AS MATERIALIZED (SELECT type, payload, published_at FROM outbox"
    " WHERE created_at > now() - interval '15 minutes')"
)
ROWS_OF_TYPE_SQL = RECENT_ROWS + " SELECT count(*) AS n FROM recent WHERE type = %s AND payload::text ILIKE %s"  # noqa: S608
ROW_TYPES_SQL = RECENT_ROWS + " SELECT type FROM recent WHERE payload::text ILIKE %s"  # noqa: S608
PAYLOADS_SQL = RECENT_ROWS + " SELECT payload::text AS payload FROM recent WHERE payload::text ILIKE ANY(%s)"  # noqa: S608


class DatabaseKeywords(LibraryComponent):
    """Ledger and database rows. `Prepare Test Run` connects DatabaseLibrary to `${DATABASE_URL}` with
    its public `Connect To Database` (alias `wallet_db`, the password as a `Secret`, never logged), so a
    tester can add a step such as `Query    SELECT ...    alias=wallet_db`."""

    def _one_row(self, sql: str, row_id: str, what: str) -> dict:
        rows = self.ctx.query(sql, [row_id])
        if len(rows) != 1:
            raise AssertionError(f"expected one {what} row for {row_id}, got {len(rows)}")
        return {name: value.strip() if name == "currency" else value for name, value in rows[0].items()}

    @keyword("Wallet Row Should Show Balance")
    def wallet_row_should_show_balance(self, wallet: Any, balance: int) -> None:
        """Fails unless the `wallets` row of the wallet has this balance.

        | Wallet Row Should Show Balance | ${wallet} | 3000 |
        """
        row = self._one_row("SELECT balance FROM wallets WHERE id = %s::uuid", wallet_id(wallet), "wallets")
        matcher.should_match(row, {"balance": balance}, f"wallets row {wallet_id(wallet)}")

    @keyword("Transaction Row Should Match")
    def transaction_row_should_match(self, transaction: Mapping[str, Any], **expected: Any) -> dict:
        """Fails unless the `transactions` row of a transaction the API returned agrees with it (wallet, type,
        status, amount, currency, balance_after, transfer and counterparty ids, charge id, failure code);
        `name=value` pairs are checked on the row too. Returns the row.

        | Transaction Row Should Match | ${deposit} | status=pending |
        """
        row = self._one_row(TRANSACTION_ROW_SQL, str(transaction["id"]), "transactions")
        wanted = {name: transaction[name] for name in TRANSACTION_FIELDS if name != "id" and name in transaction}
        matcher.should_match(row, {**wanted, **expected}, f"transactions row {transaction['id']}")
        return row

    @keyword("Transfer Row Should Match")
    def transfer_row_should_match(self, transfer: Mapping[str, Any]) -> dict:
        """Fails unless the `transfers` row of a transfer the API returned agrees with it; returns the row.

        | Transfer Row Should Match | ${transfer} |
        """
        row = self._one_row(TRANSFER_ROW_SQL, str(transfer["id"]), "transfers")
        wanted = {name: transfer[name] for name in ("source_wallet_id", "destination_wallet_id", "amount", "currency")}
        matcher.should_match(row, wanted, f"transfers row {transfer['id']}")
        return row

    @keyword("Ledger Rows Should Match")
    def ledger_rows_should_match(self, *changes: Mapping[str, Any]) -> None:
        """`Transaction Row Should Match` / `Transfer Row Should Match` for each change the API returned (a
        transfer is recognised by its `source_wallet_id`).

        | Ledger Rows Should Match | ${out} | ${in} | ${transfer} |
        """
        for change in changes:
            if "source_wallet_id" in change:
                self.transfer_row_should_match(change)
            else:
                self.transaction_row_should_match(change)

    @keyword("Transaction Rows Of Wallet Should Be")
    def transaction_rows_of_wallet_should_be(
        self, wallet: Any, count: int, type: str | None = None, status: str | None = None
    ) -> None:
        """Fails unless the wallet has `count` rows in `transactions` (of `type` / `status` when given).

        | Transaction Rows Of Wallet Should Be | ${wallet} | 1 | type=withdrawal |
        """
        sql = "SELECT count(*) AS n FROM transactions WHERE wallet_id = %s::uuid"
        parameters: list[Any] = [wallet_id(wallet)]
        for column, value in (("type", type), ("status", status)):
            if value is not None:
                sql += f" AND {column} = %s"
                parameters.append(value)
        actual = self.ctx.query(sql, parameters)[0]["n"]
        if actual != count:
            raise AssertionError(
                f"transactions rows of {wallet_id(wallet)} (type {type}, status {status}): "
                f"expected {count}, got {actual}"
            )

    @keyword("Outbox Should Hold One Row For")
    def outbox_should_hold_one_row_for(self, entity_id: str, event_type: str) -> None:
        """Fails unless exactly one outbox row of `event_type` mentions `entity_id` (a wallet, transaction or
        transfer id) anywhere in its payload.

        | Outbox Should Hold One Row For | ${credit}[id] | credit.applied |
        """
        rows = self.ctx.query(
            ROWS_OF_TYPE_SQL,
            [event_type, f"%{entity_id}%"],
        )
        if rows[0]["n"] != 1:
            raise AssertionError(f"{event_type} outbox rows for {entity_id}: expected 1, got {rows[0]['n']}")

    @keyword("Outbox Should Hold No Row For")
    def outbox_should_hold_no_row_for(self, entity_id: str) -> None:
        """Fails if an outbox row mentions `entity_id` (e.g. a pending deposit, which has no event yet).

        | Outbox Should Hold No Row For | ${pending}[id] |
        """
        rows = self.ctx.query(ROW_TYPES_SQL, [f"%{entity_id}%"])
        if rows:
            raise AssertionError(f"outbox rows for {entity_id}: expected none, got {[row['type'] for row in rows]}")

    @keyword("Outbox Should Be Fully Published For")
    def outbox_should_be_fully_published_for(self, *wallets: Any, timeout: str = "30 s") -> None:
        """Waits (DatabaseLibrary's `Check Row Count` with `retry_timeout`, default 30 s) until every outbox
        row mentioning these wallets has `published_at` set (the broker confirmed it).

        | Outbox Should Be Fully Published For | ${wallet} | timeout=10 s |
        """
        ids = wallet_ids(wallets)
        self.ctx.database().check_row_count(
            UNPUBLISHED_SQL,
            AssertionOperator["=="],
            0,
            assertion_message=f"outbox rows of {', '.join(ids)} still unpublished after {timeout}",
            alias=DATABASE_ALIAS,
            parameters=[ids, [f"%{value}%" for value in ids]],
            retry_timeout=timeout,
            retry_pause="0.1 s",
        )

    @keyword("Outbox Should Hold Unpublished Rows For")
    def outbox_should_hold_unpublished_rows_for(self, *entity_ids: Any, window: str = "2 s") -> None:
        """Fails unless each id (a change made while the broker is unreachable: a transaction, transfer or new
        wallet) has an outbox row, and none of those rows gets `published_at` during `window`: while the
        broker cannot confirm, no event may be marked published.

        | Outbox Should Hold Unpublished Rows For | ${deposit}[id] | ${newcomer}[id] | window=1 s |
        """
        ids = wallet_ids(entity_ids)
        sql = PAYLOADS_SQL
        present = " ".join(row["payload"].lower() for row in self.ctx.query(sql, [[f"%{i}%" for i in ids]]))
        missing = [value for value in ids if value.lower() not in present]
        if missing:
            raise AssertionError(f"no outbox row mentions {', '.join(missing)}: every change writes one")
        self._stays_unpublished(sql + " AND published_at IS NOT NULL", ids, window)

    def _stays_unpublished(self, sql: str, ids: list[str], window: str) -> None:
        deadline = time.monotonic() + timestr_to_secs(window)
        while time.monotonic() < deadline:
            rows = self.ctx.query(sql, [[f"%{i}%" for i in ids]])
            if rows:
                raise AssertionError(
                    f"{len(rows)} outbox row(s) got published_at although the broker could not confirm them"
                )
            time.sleep(0.2)
        self.ctx.info(f"outbox rows of {', '.join(ids)} stayed unpublished for {window}")

    @keyword("Idempotency Key Should Be Stored For")
    def idempotency_key_should_be_stored_for(self, owner: str, key: str) -> None:
        """Fails unless an `idempotency_keys` row exists for (owner, key).

        | Idempotency Key Should Be Stored For | ${owner} | ${key} |
        """
        self._key_rows_should_be(owner, key, stored=True)

    @keyword("Idempotency Key Should Not Be Stored For")
    def idempotency_key_should_not_be_stored_for(self, owner: str, key: str) -> None:
        """Fails if an `idempotency_keys` row exists for (owner, key) (a 400 or 401 stores nothing).

        | Idempotency Key Should Not Be Stored For | ${owner} | ${key} |
        """
        self._key_rows_should_be(owner, key, stored=False)

    def _key_rows_should_be(self, owner: str, key: str, stored: bool) -> None:
        count = self.ctx.query(
            "SELECT count(*) AS n FROM idempotency_keys WHERE owner_id = %s AND key = %s", [owner, key]
        )[0]["n"]
        if (count > 0) != stored:
            raise AssertionError(
                f"idempotency key of owner {owner}: expected {'a stored' if stored else 'no stored'} row, got {count}"
            )

    @keyword("Wallet Schema Should Exist In The Database")
    def wallet_schema_should_exist_in_the_database(self) -> None:
        """Contract section 6 in the `public` schema: the six tables with every listed column of the listed
        type (`currency` char(3)), the listed primary keys and one wallet per owner and currency (a unique
        constraint or index on `wallets(owner_id, currency)`). Extra tables, columns and indexes are allowed.

        | Wallet Schema Should Exist In The Database |
        """
        problems = schema_problems(self.ctx.query)
        if problems:
            raise AssertionError(
                "The wallet database schema differs from the contract (section 6):\n" + matcher.bullet_list(problems)
            )
