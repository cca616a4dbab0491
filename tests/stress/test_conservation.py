"""The money and event checks of the stress suite (and of every suite teardown), on data made by hand.

The database tests create a scratch database (contract schema, section 6) next to the one of
`DATABASE_URL` (a superuser DSN; local default), write in it what a correct wallet leaves after a small
"load run" (wallets, transactions, a transfer, one outbox row per change), then alter a wallet behind
the API's back (`UPDATE wallets SET balance = balance + 1`): the checks must catch it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg.rows import dict_row
from WalletLibrary import holdings
from WalletLibrary.changes import Query, changes_of_holdings, event_problems, missing_events
from WalletLibrary.ledger import ledger_problems
from WalletLibrary.load import MONEY_TOTALS_SQL, RUN_WALLETS_SQL, money_violations
from WalletLibrary.outbox import Recorder, describe, read, reconcile

CONTRACT_SCHEMA = """
CREATE TABLE wallets(id uuid PRIMARY KEY, owner_id text NOT NULL, currency char(3) NOT NULL,
        balance bigint NOT NULL CHECK (balance >= 0), status text NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, UNIQUE (owner_id, currency));
CREATE TABLE transactions(id uuid PRIMARY KEY, wallet_id uuid NOT NULL REFERENCES wallets(id),
        type text NOT NULL CHECK (type IN ('deposit','withdrawal','transfer_in','transfer_out','credit')),
        status text NOT NULL CHECK (status IN ('pending','succeeded','failed')),
        amount bigint NOT NULL CHECK (amount > 0), currency char(3) NOT NULL,
        balance_after bigint, transfer_id uuid, counterparty_wallet_id uuid,
        gateway_charge_id text, failure_code text, created_at timestamptz NOT NULL);
CREATE TABLE transfers(id uuid PRIMARY KEY, source_wallet_id uuid NOT NULL REFERENCES wallets(id),
        destination_wallet_id uuid NOT NULL REFERENCES wallets(id), amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE outbox(id uuid PRIMARY KEY, type text NOT NULL, routing_key text NOT NULL, payload jsonb NOT NULL,
        created_at timestamptz NOT NULL, published_at timestamptz);
"""
RUN = "selftest-run-st0001-"
TOLD = {"money": {"EUR": {"deposited": 1000, "withdrawn": 200, "unknown_deposited": 0, "unknown_withdrawn": 0}}}


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="module")
def scratch_dsn() -> Iterator[str]:
    """A scratch database with the contract's wallets and transactions tables, dropped afterwards."""
    base = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/wallet_test"
    admin = _with_database(base, "postgres")
    name = f"stress_selftest_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at {urlsplit(admin).hostname} is needed (superuser DATABASE_URL): {error}")
    dsn = _with_database(base, name)
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as connection:
            connection.execute(CONTRACT_SCHEMA)
        yield dsn
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _outbox(connection: psycopg.Connection, event_type: str, data: dict[str, object]) -> None:
    payload = {"id": str(uuid.uuid4()), "type": event_type, "version": 1, "data": data}
    connection.execute(
        "INSERT INTO outbox VALUES (%s, %s, %s, %s, now(), now())",
        (payload["id"], event_type, event_type, json.dumps(payload)),
    )


@pytest.fixture
def two_wallets(scratch_dsn: str) -> Iterator[tuple[str, str]]:
    """Two wallets of the run, as the API would leave them: A +1000 deposit, A->B 300, B -200 withdrawal."""
    a, b, transfer = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    rows = [
        (a, "deposit", 1000, 1000, None, None, "deposit.succeeded"),
        (a, "transfer_out", 300, 700, transfer, b, None),
        (b, "transfer_in", 300, 300, transfer, a, None),
        (b, "withdrawal", 200, 100, None, None, "withdrawal.succeeded"),
    ]
    with psycopg.connect(scratch_dsn, autocommit=True) as connection:
        connection.execute("DELETE FROM outbox; DELETE FROM transactions; DELETE FROM transfers; DELETE FROM wallets")
        for wallet, owner, balance in ((a, RUN + "aaaa", 700), (b, RUN + "bbbb", 100)):
            connection.execute(
                "INSERT INTO wallets VALUES (%s, %s, 'EUR', %s, 'active', %s, %s)", (wallet, owner, balance, now, now)
            )
            _outbox(connection, "wallet.created", {"wallet_id": wallet, "owner_id": owner, "currency": "EUR"})
        connection.execute(
            "INSERT INTO transfers VALUES (%s, %s, %s, 300, 'EUR', 'succeeded', %s)", (transfer, a, b, now)
        )
        _outbox(connection, "transfer.succeeded", {"transfer_id": transfer, "source_wallet_id": a})
        for wallet, kind, amount, after, transfer_id, counterparty, event in rows:
            transaction = str(uuid.uuid4())
            connection.execute(
                "INSERT INTO transactions (id, wallet_id, type, status, amount, currency, balance_after, transfer_id,"
                " counterparty_wallet_id, created_at) VALUES (%s, %s, %s, 'succeeded', %s, 'EUR', %s, %s, %s, %s)",
                (transaction, wallet, kind, amount, after, transfer_id, counterparty, now),
            )
            if event:
                _outbox(connection, event, {"wallet_id": wallet, "transaction_id": transaction, "amount": amount})
        # A wallet of somebody else: never part of the run's checks.
        connection.execute(
            "INSERT INTO wallets VALUES (%s, 'other-owner', 'EUR', 5, 'active', %s, %s)", (str(uuid.uuid4()), now, now)
        )
    yield a, b


def query_on(dsn: str) -> Query:
    """What the library's `Context.query` does, on the scratch database."""

    def query(sql: str, parameters: object = ()) -> list[dict]:
        with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as connection:
            return connection.execute(sql, parameters).fetchall()

    return query


def run_wallets(dsn: str) -> list[str]:
    return [row["id"] for row in query_on(dsn)(RUN_WALLETS_SQL, [len(RUN), RUN])]


def totals(dsn: str) -> dict[str, dict[str, int]]:
    rows = query_on(dsn)(MONEY_TOTALS_SQL, [len(RUN), RUN])
    return {row.pop("currency"): {name: int(value) for name, value in row.items()} for row in rows}


class Checker:
    """What the library's `Context` gives the checks: `query`, and this process's outbox expectations."""

    def __init__(self, dsn: str, folder: Path) -> None:
        self.query = query_on(dsn)
        self.outbox = Recorder(folder, lambda: "Suites.Stress.Check")

    def held(self, wallets: list[str]) -> holdings.Holdings:
        """The holdings of the wallets, their histories stood in for by the scratch rows (no API here)."""

        def walk(_ctx: object, wallet: dict) -> list[str]:
            sql = "SELECT id::text AS id FROM transactions WHERE wallet_id = %s ORDER BY created_at DESC, id DESC"
            return [row["id"] for row in self.query(sql, [wallet["id"]])]

        return holdings.read(self, wallets, walk)


def changes_of_wallets(dsn: str, wallets: tuple[str, str], folder: Path) -> dict:
    return changes_of_holdings(Checker(dsn, folder).held(list(wallets)))


def _problems(dsn: str, folder: Path) -> list[str]:
    """What the stress suite's money tests report for the run (ledger reconciliation + totals), then the run's
    outbox reconciliation of what they recorded."""
    checker, wallets = Checker(dsn, folder), run_wallets(dsn)
    problems = ledger_problems(checker.query, wallets, checker, checker.held(wallets))
    outbox = [line.split(": ", 1)[1] for line in describe(reconcile(checker.query, read([checker.outbox.path])))]
    return problems + outbox + money_violations(totals(dsn), TOLD)


def test_a_consistent_run_passes(scratch_dsn: str, two_wallets: tuple[str, str], tmp_path: Path) -> None:
    assert sorted(run_wallets(scratch_dsn)) == sorted(two_wallets)
    assert _problems(scratch_dsn, tmp_path) == []


def test_a_wallet_altered_behind_the_apis_back_fails(
    scratch_dsn: str, two_wallets: tuple[str, str], tmp_path: Path
) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as connection:
        connection.execute("UPDATE wallets SET balance = balance + 1 WHERE id = %s", (two_wallets[0],))
    problems = _problems(scratch_dsn, tmp_path)
    assert any(two_wallets[0] in line and "701" in line for line in problems), problems
    assert "EUR: total balance change 801, expected deposits - withdrawals + credits = 1000 - 200 + 0 = 800" in problems


def test_a_ledger_row_the_clients_were_never_told_about_fails(
    scratch_dsn: str, two_wallets: tuple[str, str], tmp_path: Path
) -> None:
    deposit = str(uuid.uuid4())
    with psycopg.connect(scratch_dsn, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO transactions (id, wallet_id, type, status, amount, currency, created_at)"
            " VALUES (%s, %s, 'deposit', 'succeeded', 50, 'EUR', now())",
            (deposit, two_wallets[0]),
        )
        connection.execute("UPDATE wallets SET balance = balance + 50 WHERE id = %s", (two_wallets[0],))
    problems = _problems(scratch_dsn, tmp_path)
    assert problems == [
        f"succeeded deposit {deposit}: 0 deposit.succeeded outbox rows, expected 1",
        "EUR: succeeded deposits in the database sum to 1050, expected 1000 (the API answered 201 for 1000; 0 of"
        " unknown outcome)",
    ]


def test_an_outbox_row_of_a_rejected_request_fails(
    scratch_dsn: str, two_wallets: tuple[str, str], tmp_path: Path
) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as connection:
        stray = {"transfer_id": str(uuid.uuid4()), "source_wallet_id": two_wallets[0]}
        _outbox(connection, "transfer.succeeded", stray)
    problems = _problems(scratch_dsn, tmp_path)
    assert len(problems) == 1 and "(transfer.succeeded, about " in problems[0], problems
    assert "belongs to no change in that state" in problems[0], problems


def test_one_event_is_expected_per_change(scratch_dsn: str, two_wallets: tuple[str, str], tmp_path: Path) -> None:
    changes = changes_of_wallets(scratch_dsn, two_wallets, tmp_path)
    kinds = sorted(change.event_type for change in changes.values() if change.event_type)
    assert kinds == [
        "deposit.succeeded",
        "transfer.succeeded",
        "wallet.created",
        "wallet.created",
        "withdrawal.succeeded",
    ]


def test_unknown_outcomes_widen_the_bounds() -> None:
    database = {"EUR": dict(balance=900, deposits=1100, withdrawals=200, credits=0, transfers_in=0, transfers_out=0)}
    told = {"money": {"EUR": {"deposited": 1000, "withdrawn": 200, "unknown_deposited": 100, "unknown_withdrawn": 0}}}
    assert money_violations(database, told) == []
    told["money"]["EUR"]["unknown_deposited"] = 99
    assert money_violations(database, told) == [
        "EUR: succeeded deposits in the database sum to 1100, expected between 1000 and 1099 (the API answered 201"
        " for 1000; 99 of unknown outcome)"
    ]


def test_transfers_that_do_not_net_to_zero_fail() -> None:
    database = {"EUR": dict(balance=100, deposits=100, withdrawals=0, credits=0, transfers_in=40, transfers_out=30)}
    assert money_violations(database, None) == [
        "EUR: transfers moved 30 out but 40 in, expected equal (money created or lost between wallets)"
    ]


def _event(change: object, event_id: str | None = None, **data: object) -> dict[str, object]:
    """The event a change calls for (its data as the database has it), with `data` changed."""
    return {"id": event_id or str(uuid.uuid4()), "type": change.event_type, "data": {**change.data, **data}}


def test_events_missing_duplicated_or_unaccounted_fail_and_redeliveries_pass(
    scratch_dsn: str, two_wallets: tuple[str, str], tmp_path: Path
) -> None:
    changes = changes_of_wallets(scratch_dsn, two_wallets, tmp_path)
    announced = [change for change in changes.values() if change.event_type]
    redelivered = _event(announced[0], "e1")
    good = [redelivered, dict(redelivered), *(_event(change) for change in announced[1:])]
    assert event_problems(good, changes) == []
    assert missing_events(changes, good) == []
    wallet = next(change for change in announced if change.kind == "wallet")
    deposit = next(change for change in announced if change.event_type == "deposit.succeeded")
    duplicate = _event(wallet, "e2")
    wrong_amount = _event(deposit, amount=1)
    stranger = {"id": "e3", "type": "transfer.succeeded", "data": {"transfer_id": str(uuid.uuid4())}}
    problems = event_problems([_event(wallet, "e1"), duplicate, wrong_amount, stranger], changes)
    assert problems == [
        f"deposit.succeeded event {wrong_amount['id']}: data.amount is 1, the {deposit.label} has 1000",
        f"transfer.succeeded event e3: no transfer change {stranger['data']['transfer_id']} in the database"
        " (rejected or replayed?)",
        f"{wallet.label}: 2 distinct events (e1, e2), expected 1",
    ]
    assert missing_events(changes, [redelivered]) == [
        f"{change.label}: no {change.event_type} event received" for change in announced if change is not announced[0]
    ]
