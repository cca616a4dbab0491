"""Events as the tests see them: filtered, validated and accounted for against the database.

Waiting is only ever for something that must come (an expected event, within `${EVENT_TIMEOUT}`). That
something does NOT come is shown without listening a fixed window, because the contract makes the
database a witness (`changes.py`): an event must belong to a change in the database, in the state its
type says, and each change has exactly one outbox row, written in the same transaction. So "no event for
a rejected request or a replay" is: every event received so far is accounted for, and the outbox holds no
row but the one of each change (answered once for the run: `outbox.py`); the suite teardown accounts again for
every event of the suite's wallets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import changes as model
from . import holdings
from .broker import EVENTS_EXCHANGE, Message
from .contract import event_contract
from .matcher import bullet_list, contains_value, same

if TYPE_CHECKING:
    from .context import Context

# The names a filter may use: `mentioning` and the data fields of the contract's events.
FILTERS = (
    "mentioning",
    "wallet_id",
    "owner_id",
    "currency",
    "transaction_id",
    "amount",
    "balance_after",
    "failure_code",
    "command_id",
    "transfer_id",
    "source_wallet_id",
    "destination_wallet_id",
)


def check_filters(filters: Mapping[str, Any]) -> None:
    """Fails for a filter name no event has (a typo would otherwise match nothing, silently)."""
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise AssertionError(f"unknown event filter {', '.join(unknown)}: use {', '.join(FILTERS)}")


def matches(document: Any, event_type: str | None, filters: Mapping[str, Any]) -> bool:
    """True when an event body has `event_type` (any when None) and `data` matching every filter;
    `mentioning=<value>` matches any value anywhere in `data`."""
    if not isinstance(document, Mapping) or (event_type is not None and document.get("type") != event_type):
        return False
    data = document.get("data")
    if not isinstance(data, Mapping):
        return not filters
    for name, expected in filters.items():
        if name == "mentioning":
            if not contains_value(data, expected):
                return False
        elif name not in data or not same(data[name], expected):
            return False
    return True


def describe_filter(event_type: str | None, filters: Mapping[str, Any]) -> str:
    """`deposit.succeeded with transaction_id=...` for messages."""
    parts = ", ".join(f"{name}={value}" for name, value in filters.items())
    return f"{event_type or 'event'}" + (f" with {parts}" if parts else "")


class EventLog:
    """The events of the process (one queue, `broker.py`), seen from the running test or suite."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._test_start = 0

    def start_test(self) -> None:
        """Marks where the running test's events start (what arrived before belongs to earlier work)."""
        self.ctx.broker.pump()
        self._test_start = len(self.ctx.broker.events)

    def of_test(self) -> list[Message]:
        """The events received since the running test started."""
        return self.ctx.broker.events[self._test_start :]

    def matching(self, event_type: str | None, filters: Mapping[str, Any], since_test: bool = True) -> list[Message]:
        """The messages received (since the test started, or ever) that match."""
        check_filters(filters)
        messages = self.of_test() if since_test else self.ctx.broker.events
        return [message for message in messages if matches(message.document, event_type, filters)]

    # ------------------------------------------------------------------ what must come

    def wait(self, event_type: str | None, filters: Mapping[str, Any], timeout: float | None = None) -> dict:
        """Waits (deadline `timeout`, default `${EVENT_TIMEOUT}`) for a matching event since the test
        started; validates every matching one; returns the first body."""
        limit = self.ctx.event_timeout if timeout is None else timeout
        found = self.ctx.broker.wait_until(lambda: self.matching(event_type, filters), limit)
        if not found:
            seen = "\n".join(f"  {message.describe()}" for message in self.of_test()[-10:]) or "  (none)"
            raise AssertionError(
                self.ctx.scrub(
                    f"No {describe_filter(event_type, filters)} within {limit} s. Last events received since the "
                    f"test started ({len(self.of_test())} in all):\n{seen}"
                )
            )
        self.validate(found)
        return found[0].document

    def exactly_once(self, event_type: str, filters: Mapping[str, Any], timeout: float | None = None) -> dict:
        """`wait`, then fails unless one distinct event id matched, it belongs to its change (state and data,
        `changes.py`) and that change has exactly one outbox row (no second event can follow)."""
        first = self.wait(event_type, filters, timeout)
        found = self.matching(event_type, filters)
        self.validate(found)
        ids = sorted({message.event_id for message in found})
        problems = [] if len(ids) == 1 else [f"{len(ids)} distinct events ({', '.join(ids)}), expected 1"]
        problems += self.accounting([message.document for message in found])
        if problems:
            raise AssertionError(
                f"{describe_filter(event_type, filters)} is not exactly one event:\n{bullet_list(problems)}"
            )
        return first

    # ------------------------------------------------------------------ what must not come

    def none(self, event_type: str | None, filters: Mapping[str, Any]) -> None:
        """Fails when an event received since the test started matches and the contract does not account
        for it: it belongs to no change (a rejected request), to a change whose state calls for another
        event or none yet (a pending deposit), or repeats a change already announced (a replay)."""
        self.ctx.broker.pump()
        found = self.matching(event_type, filters)
        self.validate(found)
        problems = self.accounting([message.document for message in found])
        if problems:
            raise AssertionError(
                f"Unexpected {describe_filter(event_type, filters)} (the contract accounts for none):\n"
                f"{bullet_list(problems)}\n  events: "
                + self.ctx.scrub("; ".join(message.describe() for message in found[:5]))
            )

    def accounting(self, events: Sequence[Mapping[str, Any]]) -> list[str]:
        """`changes.event_problems` for these events (their changes read by primary key); the changes are
        recorded for the run's outbox reconciliation (`outbox.py`: exactly one row each)."""
        if not events:
            return []
        ids = [model.change_id_of(event)[1] for event in events]
        changes = model.changes_by_id(self.ctx.query, [change_id for change_id in ids if change_id])
        if self.ctx.outbox is not None:
            self.ctx.outbox.record(changes=list(changes))
        return model.event_problems(events, changes)

    # ------------------------------------------------------------------ the suite's events

    def reconcile(
        self, wallet_ids: Sequence[str], timeout: float | None = None, quiet: float = 0.0,
        changes: Mapping[str, model.Change] | None = None,
    ) -> list[str]:  # fmt: skip
        """Every change of these wallets (`changes` when the caller read them, else read with `holdings`) has
        exactly one event id, and every event mentioning them belongs to one: waits up to `timeout` (default
        `${EVENT_TIMEOUT}`) for the missing ones, then `quiet` seconds more for late duplicates."""
        if changes is None:
            changes = model.changes_of_holdings(holdings.read(self.ctx, wallet_ids), wallet_ids)
        mine = {wallet.lower() for wallet in wallet_ids}

        def received() -> list[Message]:
            return [message for message in self.ctx.broker.events if message.values & mine]

        def complete() -> bool:
            return not model.missing_events(changes, [message.document for message in received()])

        self.ctx.broker.wait_until(complete, self.ctx.event_timeout if timeout is None else timeout)
        if quiet:
            self.ctx.broker.pump(quiet)
        events = received()
        self.validate(events)
        documents = [message.document for message in events]
        return model.event_problems(documents, changes) + model.missing_events(changes, documents)

    # ------------------------------------------------------------------ validation

    def validate(self, messages: Iterable[Message]) -> None:
        """Fails unless every message is an event of the contract: body schema, AMQP properties
        (`content_type=application/json`, `delivery_mode=2`, `message_id` = body id, `type` = body type),
        routing key = type, exchange `wallet.events`."""
        for message in messages:
            problems = _message_problems(message)
            if problems:
                raise AssertionError(
                    self.ctx.scrub(
                        f"Event breaks the contract:\n{bullet_list(problems)}\n  event: {message.describe()}"
                    )
                )


def _message_problems(message: Message) -> list[str]:
    document = message.document
    if document is None:
        return [f"body is not JSON: {message.body[:200].decode('utf-8', 'replace')}"]
    problems = list(event_contract().problems(document))
    props = message.properties
    expected_id = document.get("id") if isinstance(document, dict) else None
    expected_type = document.get("type") if isinstance(document, dict) else None
    if (props.content_type or "").split(";")[0].strip() != "application/json":
        problems.append(f"AMQP content_type: expected 'application/json', got {props.content_type!r}")
    if props.delivery_mode != 2:
        problems.append(f"AMQP delivery_mode: expected 2 (persistent), got {props.delivery_mode!r}")
    if props.message_id != expected_id:
        problems.append(f"AMQP message_id: expected the event id {expected_id!r}, got {props.message_id!r}")
    if props.type != expected_type:
        problems.append(f"AMQP type: expected the event type {expected_type!r}, got {props.type!r}")
    if message.routing_key != expected_type:
        problems.append(f"routing key: expected the event type {expected_type!r}, got {message.routing_key!r}")
    if message.exchange != EVENTS_EXCHANGE:
        problems.append(f"exchange: expected {EVENTS_EXCHANGE!r}, got {message.exchange!r}")
    return problems
