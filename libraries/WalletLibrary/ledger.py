"""The money rules of contract section 4 over the database of section 6 (no keywords: `keywords/ledger.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import changes as model
from .routes import wallet_id

CREDIT_TYPES = ("deposit", "transfer_in", "credit")
DEBIT_TYPES = ("withdrawal", "transfer_out")
LEGS_SQL = (
    "SELECT t.id::text AS id, t.wallet_id::text AS wallet_id, t.type, t.status, t.amount,"
    " t.currency::text AS currency, t.transfer_id::text AS transfer_id,"
    " t.counterparty_wallet_id::text AS counterparty FROM transactions t WHERE {where}"
)
BALANCES_SQL = "SELECT id::text AS id, balance, currency::text AS currency FROM wallets WHERE id = ANY(%s::uuid[])"


def wallet_ids(wallets: Iterable[Any]) -> list[str]:
    """Wallet ids from wallets (dicts), ids, or lists of them, in order, without duplicates."""
    ids: list[str] = []
    for wallet in wallets:
        for item in wallet if isinstance(wallet, list | tuple) else [wallet]:
            if wallet_id(item) not in ids:
                ids.append(wallet_id(item))
    return ids


def ledger_problems(query: model.Query, ids: list[str]) -> list[str]:
    """Every violation of the money rules and of one-outbox-row-per-change for these wallets."""
    problems: list[str] = []
    wallets = {row["id"]: row for row in query(BALANCES_SQL, [ids])}
    problems += [f"wallet {missing}: no row in wallets" for missing in ids if missing not in wallets]
    legs = query(LEGS_SQL.format(where="t.wallet_id = ANY(%s::uuid[])"), [ids])
    for wallet_id_, wallet in wallets.items():
        own = [leg for leg in legs if leg["wallet_id"] == wallet_id_ and leg["status"] == "succeeded"]
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
            if leg["wallet_id"] == wallet_id_ and leg["currency"].strip() != wallet["currency"].strip()
        ]
    found = model.changes_of_wallets(query, ids)
    transfers = [change for change in found.values() if change.kind == "transfer"]
    problems += _transfer_problems(query, transfers, {leg["transfer_id"] for leg in legs if leg["transfer_id"]})
    rows = model.outbox_rows(query, [*ids, *found], ids)
    return problems + model.outbox_problems(rows, found)


def _transfer_problems(query: model.Query, transfers: list[model.Change], referenced: set[str]) -> list[str]:
    problems = [
        f"transfer {missing}: legs exist but no row in transfers" for missing in referenced - {t.id for t in transfers}
    ]
    if not transfers:
        return problems
    legs = query(LEGS_SQL.format(where="t.transfer_id = ANY(%s::uuid[])"), [[t.id for t in transfers]])
    for transfer in transfers:
        mine = [leg for leg in legs if leg["transfer_id"] == transfer.id]
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
