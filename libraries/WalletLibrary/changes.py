"""State changes as the database records them, and the one event each must produce (contract 4, 6, 7).

A change is a wallet (event `wallet.created`), a settled transaction (`deposit.succeeded`,
`deposit.failed`, `withdrawal.succeeded`, `credit.applied`; a pending deposit has none yet, transfer legs
none of their own) or a transfer (`transfer.succeeded`). The contract makes the database a witness: every
event is first an outbox row, written in the same transaction as its change. So an event or an outbox row
must belong to exactly one change of its kind, in the state its type says, with the data the change has;
and each change has exactly one outbox row and one event id. The outbox `payload` shape is not in the
contract: a row belongs to a change when the change's id appears anywhere in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .matcher import strings_in

# What runs one SQL query with bind parameters and returns the rows as dicts (`Context.query`).
Query = Callable[[str, Sequence[Any]], list[dict]]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

EVENT_OF_TRANSACTION = {
    ("deposit", "succeeded"): "deposit.succeeded",
    ("deposit", "failed"): "deposit.failed",
    ("withdrawal", "succeeded"): "withdrawal.succeeded",
    ("credit", "succeeded"): "credit.applied",
}
KIND_OF_EVENT = {
    "wallet.created": ("wallet", "wallet_id"),
    "deposit.succeeded": ("transaction", "transaction_id"),
    "deposit.failed": ("transaction", "transaction_id"),
    "withdrawal.succeeded": ("transaction", "transaction_id"),
    "credit.applied": ("transaction", "transaction_id"),
    "transfer.succeeded": ("transfer", "transfer_id"),
}
WALLETS_SQL = "SELECT id::text AS id, owner_id, currency::text AS currency FROM wallets WHERE id = ANY(%s::uuid[])"
TRANSACTIONS_SQL = (
    "SELECT t.id::text AS id, t.wallet_id::text AS wallet_id, w.owner_id, t.type, t.status, t.amount,"
    " t.currency::text AS currency, t.balance_after, t.failure_code, t.transfer_id::text AS transfer_id"
    " FROM transactions t JOIN wallets w ON w.id = t.wallet_id WHERE {where}"
)
TRANSFERS_SQL = (
    "SELECT id::text AS id, source_wallet_id::text AS source_wallet_id,"
    " destination_wallet_id::text AS destination_wallet_id, amount, currency::text AS currency"
    " FROM transfers WHERE {where}"
)


@dataclass(frozen=True)
class Change:
    """One change: its id, kind, the event type its state requires (None: none yet) and that event's data."""

    kind: str
    id: str
    event_type: str | None
    data: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""


def _wallet_change(row: Mapping[str, Any]) -> Change:
    data = {"wallet_id": row["id"], "owner_id": row["owner_id"], "currency": row["currency"].strip()}
    return Change("wallet", row["id"], "wallet.created", data, f"wallet {row['id']}")


def _transaction_change(row: Mapping[str, Any]) -> Change:
    event_type = EVENT_OF_TRANSACTION.get((row["type"], row["status"]))
    data: dict[str, Any] = {
        "wallet_id": row["wallet_id"],
        "owner_id": row["owner_id"],
        "transaction_id": row["id"],
        "amount": row["amount"],
        "currency": row["currency"].strip(),
    }
    if event_type == "deposit.failed":
        data["failure_code"] = row["failure_code"]
    elif event_type is not None:
        data["balance_after"] = row["balance_after"]
    return Change("transaction", row["id"], event_type, data, f"{row['status']} {row['type']} {row['id']}")


def _transfer_change(row: Mapping[str, Any]) -> Change:
    data = {name: row[name] for name in ("source_wallet_id", "destination_wallet_id", "amount")}
    data.update(transfer_id=row["id"], currency=row["currency"].strip())
    return Change("transfer", row["id"], "transfer.succeeded", data, f"transfer {row['id']}")


def uuids(values: Iterable[object]) -> list[str]:
    """The values that are UUIDs, lower-cased, without duplicates (others can name no row)."""
    return sorted({str(value).lower() for value in values if value and UUID.match(str(value).lower())})


def changes_of_holdings(held: Any, wallet_ids: Iterable[str] | None = None) -> dict[str, Change]:
    """Every change of these wallets (default: all the holdings' wallets) as a check holds them
    (`holdings.Holdings`): the wallets, the transactions their histories list, the transfers their legs name
    (not the other changes of a transfer's other wallet)."""
    mine = set(uuids(wallet_ids)) if wallet_ids is not None else set(held.wallets)
    found = [_wallet_change(row) for wallet, row in held.wallets.items() if wallet in mine]
    for row in held.transactions.values():
        if row["wallet_id"] in mine:
            owner = held.wallets.get(row["wallet_id"], {}).get("owner_id")
            found.append(_transaction_change({**row, "owner_id": owner}))
    found += [_transfer_change(row) for row in held.transfers.values()]
    return {change.id: change for change in found}


def changes_by_id(query: Query, ids: Iterable[str]) -> dict[str, Change]:
    """The changes whose id is one of `ids` (wallets, transactions or transfers)."""
    ids = uuids(ids)
    if not ids:
        return {}
    found = [_wallet_change(row) for row in query(WALLETS_SQL, [ids])]
    found += [_transaction_change(row) for row in query(TRANSACTIONS_SQL.format(where="t.id = ANY(%s::uuid[])"), [ids])]
    found += [_transfer_change(row) for row in query(TRANSFERS_SQL.format(where="id = ANY(%s::uuid[])"), [ids])]
    return {change.id: change for change in found}


def change_id_of(event: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(kind, id) of the change an event describes, from its type and data; (None, None) if unknown."""
    kind, key = KIND_OF_EVENT.get(str(event.get("type")), (None, None))
    data = event.get("data") if isinstance(event.get("data"), Mapping) else {}
    value = data.get(key) if key else None
    return kind, (str(value).lower() if value is not None else None)


def event_problems(events: Iterable[Mapping[str, Any]], changes: Mapping[str, Change]) -> list[str]:
    """How these events (bodies; redeliveries of one id allowed) break "one event per change": an event
    that belongs to no change of its kind, or to one whose state produces another event (or none yet), or
    whose data differ from the change; two event ids for one change; one command applied twice."""
    problems: list[str] = []
    ids_by_change: dict[str, set[str]] = {}
    credits_by_command: dict[str, set[str]] = {}
    for event in events:
        kind, change_id = change_id_of(event)
        label = f"{event.get('type')} event {event.get('id')}"
        change = changes.get(change_id or "")
        if change is None or change.kind != kind:
            problems.append(f"{label}: no {kind or 'known'} change {change_id} in the database (rejected or replayed?)")
            continue
        if change.event_type != event.get("type"):
            wanted = change.event_type or "no event yet"
            problems.append(f"{label}: the {change.label} calls for {wanted}")
            continue
        data = event.get("data") or {}
        problems += [
            f"{label}: data.{name} is {data.get(name, '<missing>')!r}, the {change.label} has {value!r}"
            for name, value in change.data.items()
            if data.get(name, "<missing>") != value
        ]
        ids_by_change.setdefault(change.id, set()).add(str(event.get("id")))
        if event.get("type") == "credit.applied":
            credits_by_command.setdefault(str(data.get("command_id")), set()).add(change.id)
    problems += [
        f"command {command_id}: applied {len(credits)} times (credit transactions {', '.join(sorted(credits))})"
        for command_id, credits in credits_by_command.items()
        if len(credits) > 1
    ]
    problems += [
        f"{changes[change_id].label}: {len(ids)} distinct events ({', '.join(sorted(ids))}), expected 1"
        for change_id, ids in ids_by_change.items()
        if len(ids) > 1
    ]
    return problems


def missing_events(changes: Mapping[str, Change], events: Iterable[Mapping[str, Any]]) -> list[str]:
    """`<change>: no <event type> event received` for every change that calls for an event none announced."""
    seen = {change_id_of(event)[1] for event in events}
    return [
        f"{change.label}: no {change.event_type} event received"
        for change in changes.values()
        if change.event_type and change.id not in seen
    ]


def outbox_problems(
    rows: Iterable[Mapping[str, Any]], changes: Mapping[str, Change], complete: bool = True
) -> list[str]:
    """How outbox rows break "one row per change": a change with other than one row of its event type,
    a row whose `routing_key` is not its `type`, and (when `changes` are ALL the changes the rows can be
    about, `complete`) a row that belongs to no change of its type and state (a rejected request)."""
    problems: list[str] = []
    rows_of: dict[str, int] = {}
    for row in rows:
        if row["routing_key"] != row["type"]:
            problems.append(f"outbox row {row['id']}: routing_key {row['routing_key']!r} != type {row['type']!r}")
        mentioned = strings_in(row["payload"])
        owners = [
            change.id for change in changes.values() if change.event_type == row["type"] and change.id in mentioned
        ]
        if complete and not owners:
            problems.append(f"outbox row {row['id']} ({row['type']}) belongs to no change in that state")
        for owner in owners:
            rows_of[owner] = rows_of.get(owner, 0) + 1
    problems += [
        f"{change.label}: {rows_of.get(change.id, 0)} {change.event_type} outbox rows, expected 1"
        for change in changes.values()
        if change.event_type is not None and rows_of.get(change.id, 0) != 1
    ]
    return problems
