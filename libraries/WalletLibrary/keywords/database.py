"""Rows of the wallet's database (contract section 6), read through DatabaseLibrary (alias `wallet_db`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from robot.api.deco import keyword
from robot.utils import timestr_to_secs

from .. import holdings, matcher
from ..changes import changes_by_id
from ..ledger import wallet_ids
from ..matcher import strings_in
from ..outbox import SKEW, WINDOW_SQL
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
# Where the outbox rows of a few changes can start: their own `created_at`, read by primary key, passed on as a
# value (the planner then knows how few rows the window keeps).
START_OF_SQL = (
    "SELECT min(created_at) AS start FROM (SELECT created_at FROM wallets WHERE id = ANY(%s::uuid[])"
    " UNION ALL SELECT created_at FROM transactions WHERE id = ANY(%s::uuid[])) AS made"
)


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
        """Fails unless the wallet has `count` rows in `transactions` (of `type` / `status` when given): the
        rows of the transactions its history lists, read by primary key (`holdings.py`).

        | Transaction Rows Of Wallet Should Be | ${wallet} | 1 | type=withdrawal |
        """
        held = holdings.read(self.ctx, [wallet_id(wallet)])
        rows = held.of_wallet(wallet_id(wallet).lower())
        actual = len([row for row in rows if type in (None, row["type"]) and status in (None, row["status"])])
        if actual != count:
            raise AssertionError(
                f"transactions rows of {wallet_id(wallet)} (type {type}, status {status}): "
                f"expected {count}, got {actual}"
            )

    @keyword("Outbox Should Hold One Row For")
    def outbox_should_hold_one_row_for(self, entity_id: str, event_type: str) -> None:
        """Fails unless `entity_id` is a change (a wallet, transaction or transfer, read by primary key) whose
        state calls for `event_type`; that the outbox holds exactly one row of that type mentioning it is
        answered by the run's outbox reconciliation (`outbox.py`), which fails this test otherwise.

        | Outbox Should Hold One Row For | ${credit}[id] | credit.applied |
        """
        change = changes_by_id(self.ctx.query, [entity_id]).get(str(entity_id).lower())
        if change is None or change.event_type != event_type:
            wanted = "no change" if change is None else f"the {change.label}, which calls for {change.event_type}"
            raise AssertionError(f"{entity_id}: expected a change whose state calls for {event_type}, got {wanted}")
        self._record(changes=[entity_id])

    @keyword("Outbox Should Hold No Row For")
    def outbox_should_hold_no_row_for(self, entity_id: str) -> None:
        """Records that no outbox row may mention `entity_id` (e.g. a pending deposit, which has no event yet)
        unless it is the one row of a change in the state the row's type says; the run's outbox
        reconciliation (`outbox.py`) fails this test otherwise.

        | Outbox Should Hold No Row For | ${pending}[id] |
        """
        self._record(unowned=[entity_id])

    @keyword("Outbox Should Be Fully Published For")
    def outbox_should_be_fully_published_for(self, *wallets: Any, timeout: str = "30 s") -> None:
        """Records that every outbox row mentioning these wallets must get `published_at` (the broker confirmed
        it): the run's outbox reconciliation (`outbox.py`) re-reads, by primary key, the rows still without it
        for up to 10 s and fails this test for any left. `timeout` is accepted for older suites.

        | Outbox Should Be Fully Published For | ${wallet} |
        """
        self._record(published=wallet_ids(wallets))

    def _record(self, **expected: Any) -> None:
        if self.ctx.outbox is None:
            raise AssertionError("the outbox checks need a Robot Framework run (its output folder)")
        self.ctx.outbox.record(**expected)

    @keyword("Outbox Should Hold Unpublished Rows For")
    def outbox_should_hold_unpublished_rows_for(self, *entity_ids: Any, window: str = "2 s") -> None:
        """Fails unless each id (a change made while the broker is unreachable: a transaction, transfer or new
        wallet) has an outbox row, and none of those rows gets `published_at` during `window`: while the
        broker cannot confirm, no event may be marked published. Destructive tests only: it reads the outbox
        at once, from the changes' own `created_at` on.

        | Outbox Should Hold Unpublished Rows For | ${deposit}[id] | ${newcomer}[id] | window=1 s |
        """
        ids = [value.lower() for value in wallet_ids(entity_ids)]
        start = self.ctx.query(START_OF_SQL, [ids, ids])[0]["start"]
        if start is None:
            raise AssertionError(f"none of {', '.join(ids)} is a wallet or transaction")
        present = set().union(*[row["mentions"] for row in self._rows_about(ids, start)])
        missing = [value for value in ids if value not in present]
        if missing:
            raise AssertionError(f"no outbox row mentions {', '.join(missing)}: every change writes one")
        deadline = time.monotonic() + timestr_to_secs(window)
        while time.monotonic() < deadline:
            published = [row for row in self._rows_about(ids, start) if row["published_at"] is not None]
            if published:
                raise AssertionError(
                    f"{len(published)} outbox row(s) got published_at although the broker could not confirm them"
                )
            time.sleep(0.2)
        self.ctx.info(f"outbox rows of {', '.join(ids)} stayed unpublished for {window}")

    def _rows_about(self, ids: list[str], start: Any) -> list[dict]:
        rows = self.ctx.query(WINDOW_SQL, [ids, start - SKEW])
        for row in rows:
            row["mentions"] = strings_in(row["payload"])
        return rows

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
