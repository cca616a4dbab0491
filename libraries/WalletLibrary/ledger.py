"""The money rules of contract section 4 over the database of section 6 (no keywords: `keywords/ledger.py`),
read by the keys the run holds (`holdings.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import changes as model
from . import holdings
from .routes import wallet_id

CREDIT_TYPES = ("deposit", "transfer_in", "credit")
DEBIT_TYPES = ("withdrawal", "transfer_out")


def wallet_ids(wallets: Iterable[Any]) -> list[str]:
    """Wallet ids from wallets (dicts), ids, or lists of them, in order, without duplicates."""
    ids: list[str] = []
    for wallet in wallets:
        for item in wallet if isinstance(wallet, list | tuple) else [wallet]:
            if wallet_id(item) not in ids:
                ids.append(wallet_id(item))
    return ids


def ledger_problems(query: model.Query, ids: list[str], ctx: Any = None, held: Any = None) -> list[str]:
    """Every violation of the money rules for these wallets, read by the keys the run holds (`holdings.py`:
    `ctx` walks their histories; default: the `Context` whose `query` this is). Their changes and the time they
    were all known are recorded for the run's outbox reconciliation (`outbox.py`), not searched here."""
    ctx = ctx if ctx is not None else query.__self__  # type: ignore[attr-defined]
    ids = [value.lower() for value in ids]
    held = held if held is not None else holdings.read(ctx, ids)
    problems = [f"wallet {missing}: no row in wallets" for missing in ids if missing not in held.wallets]
    for wallet_id_ in ids:
        wallet = held.wallets.get(wallet_id_)
        if wallet is None:
            continue
        listed = held.history[wallet_id_]
        problems += [
            f"transaction {t} in the history of wallet {wallet_id_}: no row"
            for t in listed
            if t not in held.transactions
        ]
        legs = held.of_wallet(wallet_id_)
        problems += [
            f"transaction {leg['id']} in the history of wallet {wallet_id_}: its row is of wallet {leg['wallet_id']}"
            for leg in legs
            if leg["wallet_id"] != wallet_id_
        ]
        own = [leg for leg in legs if leg["status"] == "succeeded"]
        expected = sum(leg["amount"] if leg["type"] in CREDIT_TYPES else -leg["amount"] for leg in own)
        if wallet["balance"] < 0:
            problems.append(f"wallet {wallet_id_}: negative balance {wallet['balance']}")
        if wallet["balance"] != expected:
            problems.append(
                f"wallet {wallet_id_}: balance {wallet['balance']} != ledger sum {expected} "
                f"of {len(own)} succeeded transaction(s)"
            )
        problems += [
            f"transaction {leg['id']} of wallet {wallet_id_}: currency {leg['currency']} "
            f"!= wallet's {wallet['currency']}"
            for leg in legs
            if leg["currency"].strip() != wallet["currency"].strip()
        ]
    referenced = {leg["transfer_id"] for w in ids for leg in held.of_wallet(w) if leg["transfer_id"]}
    found = model.changes_of_holdings(held, ids)
    transfers = [change for change in found.values() if change.kind == "transfer"]
    problems += _transfer_problems(held, transfers, referenced)
    if ctx.outbox is not None:
        known = {w: held.wallets[w]["read_at"].isoformat() for w in ids if w in held.wallets}
        ctx.outbox.record(changes=list(found), complete=known)
    return problems


def _transfer_problems(held: holdings.Holdings, transfers: list[model.Change], referenced: set[str]) -> list[str]:
    problems = [
        f"transfer {missing}: legs exist but no row in transfers" for missing in referenced - {t.id for t in transfers}
    ]
    for transfer in transfers:
        ends = (transfer.data["source_wallet_id"], transfer.data["destination_wallet_id"])
        mine = [leg for wallet in set(ends) for leg in held.of_wallet(wallet) if leg["transfer_id"] == transfer.id]
        outs = [leg for leg in mine if leg["type"] == "transfer_out"]
        ins = [leg for leg in mine if leg["type"] == "transfer_in"]
        if len(outs) != 1 or len(ins) != 1 or len(mine) != 2:
            problems.append(
                f"transfer {transfer.id}: expected exactly one transfer_out and one transfer_in, got "
                f"{len(outs)} out, {len(ins)} in, {len(mine) - len(outs) - len(ins)} other"
            )
            continue
        source, destination = transfer.data["source_wallet_id"], transfer.data["destination_wallet_id"]
        for leg, wallet, other in ((outs[0], source, destination), (ins[0], destination, source)):
            expected = {
                "wallet_id": wallet,
                "counterparty": other,
                "amount": transfer.data["amount"],
                "status": "succeeded",
                "currency": transfer.data["currency"],
            }
            actual = {**leg, "currency": leg["currency"].strip()}
            problems += [
                f"transfer {transfer.id}: {leg['type']} {name} is {actual[name]!r}, expected {value!r}"
                for name, value in expected.items()
                if actual[name] != value
            ]
    return problems
