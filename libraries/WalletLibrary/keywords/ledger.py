"""The ledger: the money rules of contract section 4 over the database of section 6, and its events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from robot.api.deco import keyword

from .. import holdings
from ..changes import changes_of_holdings
from ..ledger import ledger_problems, wallet_ids
from ..matcher import bullet_list
from . import LibraryComponent

COMMAND_QUIET_S = 1.0  # commands are applied asynchronously: listened for once per suite, not per test


class LedgerKeywords(LibraryComponent):
    """Ledger and reconciliation. `Ledger Should Reconcile For` checks, for the given wallets:

    - no balance is negative; balance = sum of succeeded `deposit`, `transfer_in`, `credit` minus
      succeeded `withdrawal`, `transfer_out`; every transaction has the wallet's currency;
    - every transfer touching them has its `transfers` row and exactly one `transfer_out` (source,
      counterparty the destination) and one `transfer_in` (destination, counterparty the source), both
      `succeeded`, with the transfer's amount and currency;
    - one outbox row per change (`wallet.created` per wallet, one per settled transaction, one per
      transfer), `routing_key` = `type`, and no row that belongs to no change (a rejected request): the
      changes are recorded and the outbox answers once for the whole run (`outbox.py`).

    Everything is read by the keys the run holds: the wallets by primary key, their transactions through
    their history and then by primary key, their transfers through the legs (`holdings.py`).
    """

    @keyword("Ledger Should Reconcile For")
    def ledger_should_reconcile_for(self, *wallets: Any) -> None:
        """Checks the money rules for these wallets (dicts, ids, or lists of them); fails listing every
        violation. Their outbox rows are checked by the run's outbox reconciliation.

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
        held = holdings.read(self.ctx, ids)
        problems = ledger_problems(self.ctx.query, ids, self.ctx, held)
        problems += self.ctx.events.reconcile(ids, changes=changes_of_holdings(held, ids))
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
        """Balances, transaction rows by type/status and transfers of these wallets (read by the keys the run
        holds: `holdings.py`), to compare after a rejected request with `Ledger Should Not Have Changed Since`.
        Their changes and the time they were all known are recorded: the run's outbox reconciliation then
        fails on a row about them written by then that belongs to no change (`outbox.py`).

        | ${snapshot} = | Take Ledger Snapshot Of | ${mine} | ${theirs} |
        """
        ids = [value.lower() for value in wallet_ids(wallets)]
        held = holdings.read(self.ctx, ids)
        state: dict[str, dict] = {}
        for wallet in ids:
            row = held.wallets.get(wallet)
            legs = held.of_wallet(wallet)
            kinds: dict[str, int] = {}
            for leg in legs:
                kinds[f"{leg['type']}/{leg['status']}"] = kinds.get(f"{leg['type']}/{leg['status']}", 0) + 1
            state[wallet] = {
                "balance": row["balance"] if row else None,
                "transactions": kinds,
                "transfers": len({leg["transfer_id"] for leg in legs if leg["transfer_id"]}),
            }
        if self.ctx.outbox is not None:
            known = {w: held.wallets[w]["read_at"].isoformat() for w in ids if w in held.wallets}
            self.ctx.outbox.record(changes=list(changes_of_holdings(held, ids)), complete=known)
        snapshot = {"wallets": ids, "state": state}
        self.ctx.info(f"Ledger snapshot: {snapshot['state']}")
        return snapshot

    @keyword("Ledger Should Not Have Changed Since")
    def ledger_should_not_have_changed_since(self, snapshot: Mapping[str, Any]) -> None:
        """Fails if a balance, transaction row or transfer of the snapshot's wallets changed since `Take Ledger
        Snapshot Of`; an outbox row about them that belongs to no change fails the run's outbox reconciliation
        (`outbox.py`), naming this test.

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
