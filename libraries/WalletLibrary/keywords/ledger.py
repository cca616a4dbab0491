"""The ledger: the money rules of contract section 4 over the database of section 6, and its events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from robot.api.deco import keyword

from ..changes import outbox_rows
from ..ledger import ledger_problems, wallet_ids
from ..matcher import bullet_list, strings_in
from . import LibraryComponent

SNAPSHOT_SQL = (
    "SELECT w.id::text AS id, w.balance,"
    " (SELECT coalesce(json_object_agg(k, n), '{}') FROM (SELECT type || '/' || status AS k, count(*) AS n"
    "   FROM transactions WHERE wallet_id = w.id GROUP BY 1) c) AS transactions,"
    " (SELECT count(*) FROM transfers WHERE source_wallet_id = w.id OR destination_wallet_id = w.id) AS transfers"
    " FROM wallets w WHERE w.id = ANY(%s::uuid[])"
)


COMMAND_QUIET_S = 1.0  # commands are applied asynchronously: listened for once per suite, not per test


class LedgerKeywords(LibraryComponent):
    """Ledger and reconciliation. `Ledger Should Reconcile For` checks, for the given wallets:

    - no balance is negative; balance = sum of succeeded `deposit`, `transfer_in`, `credit` minus
      succeeded `withdrawal`, `transfer_out`; every transaction has the wallet's currency;
    - every transfer touching them has its `transfers` row and exactly one `transfer_out` (source,
      counterparty the destination) and one `transfer_in` (destination, counterparty the source), both
      `succeeded`, with the transfer's amount and currency;
    - one outbox row per change (`wallet.created` per wallet, one per settled transaction, one per
      transfer), `routing_key` = `type`, and no row that belongs to no change (a rejected request).
    """

    @keyword("Ledger Should Reconcile For")
    def ledger_should_reconcile_for(self, *wallets: Any) -> None:
        """Checks the money rules and the outbox for these wallets (dicts, ids, or lists of them); fails
        listing every violation.

        | Ledger Should Reconcile For | ${source} | ${destination} |
        """
        ids = wallet_ids(wallets)
        if not ids:
            raise AssertionError("Ledger Should Reconcile For needs at least one wallet")
        problems = ledger_problems(self.ctx.query, ids)
        if problems:
            raise AssertionError(f"Ledger does not reconcile for {len(ids)} wallet(s):\n{bullet_list(problems)}")
        self.ctx.info(f"Ledger reconciles for {len(ids)} wallet(s)")

    @keyword("Ledger Should Reconcile For This Suite")
    def ledger_should_reconcile_for_this_suite(self) -> None:
        """Suite teardown of every suite that moves money: `Ledger Should Reconcile For` every wallet this
        suite (and its children) created in this process, then accounts for their events: each change has
        exactly one event id and every event mentioning them belongs to a change (`No Event Should Be
        Published`); the commands the suite published are listened for once more and an applied one must
        not be dead-lettered.

        | Suite Teardown | Ledger Should Reconcile For This Suite |
        """
        ids = self.ctx.made_by_suite("wallets")
        commands = self.ctx.made_by_suite("commands")
        if commands:
            self.broker.pump(COMMAND_QUIET_S)
        if not ids:
            self.ctx.info("This suite created no wallet: nothing to reconcile")
            return
        problems = ledger_problems(self.ctx.query, ids) + self.ctx.events.reconcile(ids)
        applied = {
            str(m.document["data"].get("command_id")) for m in self.broker.events if m.routing_key == "credit.applied"
        }
        problems += [
            f"command {letter.properties.message_id} was applied and dead-lettered"
            for letter in self.broker.dead_letters
            if letter.properties.message_id in commands and letter.properties.message_id in applied
        ]
        if problems:
            raise AssertionError(
                f"Ledger or events do not reconcile for the {len(ids)} wallet(s) of this suite:\n"
                + bullet_list(problems)
            )
        self.ctx.info(f"Ledger and events reconcile for {len(ids)} wallet(s)")

    # ------------------------------------------------------------------ snapshots

    @keyword("Take Ledger Snapshot Of")
    def take_ledger_snapshot_of(self, *wallets: Any) -> dict:
        """Balances, transaction rows by type/status, transfers and outbox rows of these wallets, to compare
        after a rejected request with `Ledger Should Not Have Changed Since`.

        | ${snapshot} = | Take Ledger Snapshot Of | ${mine} | ${theirs} |
        """
        ids = wallet_ids(wallets)
        state = {row["id"]: {**row, "outbox_rows": 0} for row in self.ctx.query(SNAPSHOT_SQL, [ids])}
        for row in outbox_rows(self.ctx.query, ids, ids):
            for mentioned in strings_in(row["payload"]) & set(state):
                state[mentioned]["outbox_rows"] += 1
        snapshot = {
            "wallets": ids,
            "state": {key: {k: v for k, v in value.items() if k != "id"} for key, value in state.items()},
        }
        self.ctx.info(f"Ledger snapshot: {snapshot['state']}")
        return snapshot

    @keyword("Ledger Should Not Have Changed Since")
    def ledger_should_not_have_changed_since(self, snapshot: Mapping[str, Any]) -> None:
        """Fails if a balance, transaction row, transfer or outbox row of the snapshot's wallets changed
        since `Take Ledger Snapshot Of` (so no event can have been published for them either).

        | Ledger Should Not Have Changed Since | ${snapshot} |
        """
        now = self.take_ledger_snapshot_of(*snapshot["wallets"])["state"]
        problems = [
            f"wallet {wallet}: {name} changed from {before[name]} to {now.get(wallet, {}).get(name)}"
            for wallet, before in snapshot["state"].items()
            for name in before
            if before[name] != now.get(wallet, {}).get(name)
        ]
        if problems:
            raise AssertionError(f"Ledger changed:\n{bullet_list(problems)}")
