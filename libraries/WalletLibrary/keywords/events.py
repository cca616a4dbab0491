"""Events on `wallet.events` (contract section 7), checked against their schemas and the database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from robot.api.deco import keyword

from .. import matcher
from ..changes import EVENT_OF_TRANSACTION
from . import LibraryComponent

EVENT_TRANSACTION_FIELDS = ("wallet_id", "amount", "currency")  # what a money event repeats
TRANSFER_FIELDS = ("source_wallet_id", "destination_wallet_id", "amount", "currency")


class EventKeywords(LibraryComponent):
    """Events. Every robot process listens on one queue bound to `wallet.events` from its first suite on;
    a test sees the events since it started (`Common Test Setup`). Filters are values in the event `data`
    (`transaction_id=`, `wallet_id=`, `transfer_id=`, `owner_id=`, `command_id=`, any data field) or
    `mentioning=<id>` (any data value). Every matching event is validated against its JSON Schema and its
    AMQP properties (`content_type`, `delivery_mode=2`, `message_id` = id, `type`, routing key = type)."""

    @keyword("An Event Should Be Published")
    def an_event_should_be_published(self, event_type: str, timeout: float | None = None, **filters: Any) -> dict:
        """Waits (deadline `timeout` seconds, default `${EVENT_TIMEOUT}`) for an event of `event_type`
        matching the filters; returns its body.

        | ${event} = | An Event Should Be Published | wallet.created | wallet_id=${wallet}[id] |
        """
        return self.ctx.events.wait(event_type, filters, timeout)

    @keyword("Exactly One Event Should Be Published")
    def exactly_one_event_should_be_published(self, event_type: str, **filters: Any) -> dict:
        """Waits for the matching event and fails unless exactly one distinct event id matched, it is the
        event of a change recorded in the database (its state and data, read by primary key); that the change
        has exactly one outbox row, so no second event can follow, is answered by the run's outbox
        reconciliation (`outbox.py`), which fails this test otherwise (redeliveries of the same id are
        allowed). Returns it.

        | Exactly One Event Should Be Published | withdrawal.succeeded | wallet_id=${wallet}[id] |
        """
        return self.ctx.events.exactly_once(event_type, filters)

    @keyword("No Event Should Be Published")
    def no_event_should_be_published(self, event_type: str | None = None, **filters: Any) -> None:
        """Fails if an event of `event_type` (any type when omitted) matching the filters arrived since the
        test started and the contract does not account for it: it announces no change recorded in the
        database (a rejected request), a change whose state calls for another event or none yet (a pending
        deposit), or a change already announced (a replay); the outbox must hold exactly one row per change of
        the events seen (answered by the run's outbox reconciliation). No window is listened: the database is
        the witness (every event is first an outbox row), and the suite teardown accounts again for every
        event of the suite's wallets.

        | No Event Should Be Published | mentioning=${wallet}[id] |
        | No Event Should Be Published | deposit.succeeded | transaction_id=${pending}[id] |
        """
        self.ctx.events.none(event_type, filters)

    @keyword("Events Should Be Published Once For")
    def events_should_be_published_once_for(self, *changes: Mapping[str, Any]) -> list:
        """For each change the API returned (a transaction or a transfer): exactly one event of the matching
        type (`deposit.succeeded`, `deposit.failed`, `withdrawal.succeeded`, `credit.applied`,
        `transfer.succeeded`, see `Exactly One Event Should Be Published`) whose data repeat the change's
        ids, amount, currency and `balance_after` / `failure_code`. Returns the events.

        | Events Should Be Published Once For | ${withdrawal} | ${transfer} |
        """
        events = []
        for change in changes:
            event_type, filters, data = _expected_event(change)
            event = self.ctx.events.exactly_once(event_type, filters)
            matcher.should_match(event.get("data"), data, f"{event_type} data", "data.")
            events.append(event)
        return events

    @keyword("Event Data Should Match")
    def event_data_should_match(self, event: Mapping[str, Any], **expected: Any) -> None:
        """Fails unless the event's `data` has every `name=value` (`amount=500` the number,
        `failure_code=null` null), reporting every difference.

        | Event Data Should Match | ${event} | owner_id=${wallet}[owner_id] | amount=1050 |
        """
        matcher.should_match(
            event.get("data") if isinstance(event, Mapping) else None, expected, f"{event.get('type')} data", "data."
        )


def _expected_event(change: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(event type, filters, expected data) of the event a transaction or transfer must produce."""
    if not isinstance(change, Mapping) or "id" not in change:
        raise AssertionError(f"expected a transaction or a transfer returned by the API, got {change!r}")
    if "source_wallet_id" in change:
        return (
            "transfer.succeeded",
            {"transfer_id": change["id"]},
            {k: change[k] for k in TRANSFER_FIELDS if k in change},
        )
    event_type = EVENT_OF_TRANSACTION.get((change.get("type"), change.get("status")))
    if event_type is None:
        raise AssertionError(
            f"a {change.get('status')} {change.get('type')} transaction produces no event in the contract"
        )
    data = {name: change[name] for name in EVENT_TRANSACTION_FIELDS if name in change}
    if event_type == "deposit.failed":
        data["failure_code"] = change.get("failure_code")
    else:
        data["balance_after"] = change.get("balance_after")
    return event_type, {"transaction_id": change["id"]}, data
