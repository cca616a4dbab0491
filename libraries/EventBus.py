"""Robot Framework library: the Wallet API's RabbitMQ events and commands (pika), checked against the contract."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pika
from _contract import event_contract, join_problems
from _support import safe_url, scrub, setting, setting_seconds
from DataBuilders import json_value
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, ChannelClosedByBroker, UnroutableError
from robot.api import logger
from robot.api.deco import keyword, library
from robot.utils import timestr_to_secs

EVENTS_EXCHANGE = "wallet.events"
COMMANDS_EXCHANGE = "wallet.commands"
COMMANDS_QUEUE = "wallet.commands"
DEAD_LETTER_EXCHANGE = "wallet.commands.dlx"
DEAD_LETTER_QUEUE = "wallet.commands.dlq"
DEFAULT_QUIET_WINDOW = 1.5
DEFAULT_ABSENCE_WINDOW = 2.0
PUMP_SLICE = 0.1
DLQ_SCAN_LIMIT = 1000
ID_KEYS = ("wallet_id", "transaction_id", "transfer_id", "owner_id", "command_id")


@dataclass
class ReceivedMessage:
    """One message taken from a per-test queue (an event, or a dead-lettered command)."""

    body: bytes
    routing_key: str
    exchange: str
    properties: pika.BasicProperties
    redelivered: bool
    received_at: float

    @property
    def document(self) -> Any:
        """The parsed JSON body, or None."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    def describe(self) -> str:
        """A one-line summary for logs."""
        props = self.properties
        return (
            f"[{self.exchange} {self.routing_key}] message_id={props.message_id} type={props.type} "
            f"content_type={props.content_type} delivery_mode={props.delivery_mode}: "
            f"{scrub(self.body.decode('utf-8', 'replace')[:600])}"
        )


def _values(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        return [value for item in node.values() for value in _values(item)]
    if isinstance(node, list):
        return [value for item in node for value in _values(item)]
    return [node]


def _loosely_equal(actual: Any, expected: Any) -> bool:
    """A data value equals a value given in Robot: as is, as text, or converted like payload fields."""
    if actual == expected and isinstance(actual, bool) == isinstance(expected, bool):
        return True
    if isinstance(expected, str):
        return (isinstance(actual, str) and actual == expected) or (
            not isinstance(actual, str) and actual == json_value(expected)
        )
    return False


def _matches(document: Any, event_type: str | None, filters: Mapping[str, Any]) -> bool:
    if not isinstance(document, Mapping):
        return False
    if event_type is not None and document.get("type") != event_type:
        return False
    data = document.get("data")
    if not isinstance(data, Mapping):
        return not filters
    for name, expected in filters.items():
        if name == "mentioning":
            if not any(_loosely_equal(value, expected) for value in _values(data)):
                return False
        elif name not in data or not _loosely_equal(data[name], expected):
            return False
    return True


def _describe_filter(event_type: str | None, filters: Mapping[str, Any]) -> str:
    parts = [f"{name}={value}" for name, value in filters.items()]
    return f"{event_type or 'event'}" + (f" with {', '.join(parts)}" if parts else "")


@library(scope="GLOBAL", auto_keywords=False)
class EventBus:
    """RabbitMQ side of the contract (section 7) through one pika connection per process (`${AMQP_URL}`).

    *Events*: `Start Listening For Events` (test setup, BEFORE the action) declares an exclusive,
    auto-delete, server-named queue bound to the topic exchange `wallet.events` with `#`; every event
    published from then on is buffered for the test. `Wait For Event` / `Event Should Arrive Exactly
    Once` / `No Event Should Arrive Within` filter the buffer by event type and by values in `data`
    (`wallet_id=`, `transaction_id=`, `transfer_id=`, `owner_id=`, `command_id=`, any data field, or
    `mentioning=<id>` for any data value, e.g. a wallet on either side of a transfer). Every matching
    event is validated against `contracts/events/<type>.schema.json` and its AMQP properties
    (`content_type=application/json`, `delivery_mode=2`, `message_id` = body `id`, `type` = body
    `type`, routing key = `type`, exchange `wallet.events`). Delivery is at-least-once, so events are
    counted by distinct `id`. `Stop Listening For Events` (test teardown) deletes the queue.

    *Commands*: `Publish Credit Command` / `Publish Command` / `Publish Raw Command` publish to the
    topic exchange `wallet.commands` (publisher confirms, mandatory: an unroutable command fails).
    Before publishing, a per-test queue is bound to the fanout dead-letter exchange
    `wallet.commands.dlx`, so `Command Should Be Dead Lettered` sees a copy of the test's own dead
    letter (matched by `message_id`, `x-death` reason `rejected` from queue `wallet.commands`) without
    touching other tests' messages; it then also takes that one message out of `wallet.commands.dlq`
    (basic_get without ack, ack only its own, requeue the others), proving it landed there and keeping
    the queue clean. Nothing is ever purged.

    `Close Event Bus` (root suite teardown) closes the connection.
    """

    def __init__(self) -> None:
        self._connection: pika.BlockingConnection | None = None
        self._events_channel: BlockingChannel | None = None
        self._aux_channel: BlockingChannel | None = None
        self._events_queue: str | None = None
        self._dead_letter_queue: str | None = None
        self._events: list[ReceivedMessage] = []
        self._dead_letters: list[ReceivedMessage] = []
        self._consumer_tags: dict[str, str] = {}
        self._checked: set[str] = set()

    # ------------------------------------------------------------------ connection

    def _connect(self) -> pika.BlockingConnection:
        if self._connection is not None and self._connection.is_open:
            return self._connection
        url = setting("AMQP_URL")
        try:
            parameters = pika.URLParameters(url)
        except Exception:
            raise AssertionError(f"AMQP_URL {safe_url(url)} is not a valid amqp:// URL") from None
        if "heartbeat=" not in url:
            # Robot may not call into pika for a long time (e.g. a 10 s gateway timeout): no heartbeats,
            # so the broker never drops the connection (and the per-test queue) while a test waits.
            parameters.heartbeat = 0
        parameters.blocked_connection_timeout = 30
        parameters.socket_timeout = 10
        parameters.client_properties = {"connection_name": "wallet-integration-tests"}
        try:
            self._connection = pika.BlockingConnection(parameters)
        except AMQPError as error:
            raise AssertionError(
                f"cannot connect to RabbitMQ at {safe_url(url)}: {scrub(error.__class__.__name__ + ' ' + str(error))}"
            ) from None
        self._events_channel = None
        self._aux_channel = None
        return self._connection

    def _channel_events(self) -> BlockingChannel:
        connection = self._connect()
        if self._events_channel is None or not self._events_channel.is_open:
            self._events_channel = connection.channel()
        return self._events_channel

    def _channel_aux(self) -> BlockingChannel:
        connection = self._connect()
        if self._aux_channel is None or not self._aux_channel.is_open:
            self._aux_channel = connection.channel()
            self._aux_channel.confirm_delivery()
        return self._aux_channel

    def _pump(self, seconds: float) -> None:
        if self._connection is None or not self._connection.is_open:
            raise AssertionError("the RabbitMQ connection of the tests was lost: events cannot be received")
        # process_data_events returns as soon as it dispatched something: loop until the time is up.
        deadline = time.monotonic() + max(0.0, seconds)
        while True:
            remaining = deadline - time.monotonic()
            self._connection.process_data_events(time_limit=max(0.0, remaining))
            if remaining <= 0:
                return

    def _on_event(self, channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        self._events.append(
            ReceivedMessage(body, method.routing_key, method.exchange, properties, method.redelivered, time.time())
        )

    def _on_dead_letter(self, channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        self._dead_letters.append(
            ReceivedMessage(body, method.routing_key, method.exchange, properties, method.redelivered, time.time())
        )

    @keyword
    def connect_to_event_bus(self) -> None:
        """Opens the process's RabbitMQ connection (done lazily by the other keywords too)."""
        self._connect()

    @keyword
    def close_event_bus(self) -> None:
        """Deletes the per-test queues if any and closes the connection (root suite teardown)."""
        try:
            self.stop_listening_for_events()
        finally:
            if self._connection is not None and self._connection.is_open:
                try:
                    self._connection.close()
                except AMQPError:
                    pass
            self._connection = None

    # ------------------------------------------------------------------ events

    @keyword
    def start_listening_for_events(self) -> str:
        """Declares this test's exclusive, auto-delete queue bound to `wallet.events` (`#`) and starts
        buffering events. Call it BEFORE the action under test (the common test setup does). Returns the
        queue name."""
        self.stop_listening_for_events()
        self._events_queue = self._consume_private_queue(
            self._channel_events(), EVENTS_EXCHANGE, "#", self._on_event, "_events_queue"
        )
        self._events = []
        self._dead_letters = []
        self._checked = set()
        logger.info(f"Listening for events on {self._events_queue} (bound to {EVENTS_EXCHANGE} with #)")
        return self._events_queue

    @keyword
    def stop_listening_for_events(self) -> None:
        """Deletes this test's queues (test teardown); logs how many events were received."""
        for attribute in ("_events_queue", "_dead_letter_queue"):
            queue = getattr(self, attribute)
            if queue is None:
                continue
            setattr(self, attribute, None)
            channel = self._events_channel if attribute == "_events_queue" else self._aux_channel
            tag = self._consumer_tags.pop(attribute, None)
            if channel is not None and channel.is_open:
                try:
                    if tag is not None:
                        channel.basic_cancel(tag)
                    channel.queue_delete(queue=queue)
                except AMQPError as error:
                    logger.info(f"could not delete {queue}: {error.__class__.__name__}")
        if self._events:
            logger.info(f"{len(self._events)} event(s) received by this test")

    def _require_listening(self) -> None:
        if self._events_queue is None:
            raise AssertionError(
                "not listening for events: call Start Listening For Events before the action (test setup)"
            )

    def _check_event(self, message: ReceivedMessage) -> list[str]:
        document = message.document
        if document is None:
            return [f"body is not JSON: {scrub(message.body[:200].decode('utf-8', 'replace'))}"]
        problems = list(event_contract().problems(document))
        props = message.properties
        expected_id = document.get("id") if isinstance(document, dict) else None
        expected_type = document.get("type") if isinstance(document, dict) else None
        content_type = (props.content_type or "").split(";")[0].strip()
        if content_type != "application/json":
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

    def _matching(self, event_type: str | None, filters: Mapping[str, Any]) -> list[ReceivedMessage]:
        return [message for message in self._events if _matches(message.document, event_type, filters)]

    def _validated(self, messages: list[ReceivedMessage]) -> None:
        for message in messages:
            problems = self._check_event(message)
            if problems:
                raise AssertionError(
                    f"Event breaks the contract:\n{join_problems(problems)}\n  event: {message.describe()}"
                )
            self._checked.add(str(message.document.get("id")))

    def _wait_first(self, event_type: str | None, filters: Mapping[str, Any], timeout: float | None) -> list:
        self._require_listening()
        limit = _seconds(timeout) if timeout is not None else setting_seconds("EVENT_TIMEOUT", 5.0)
        deadline = time.monotonic() + limit
        while True:
            found = self._matching(event_type, filters)
            if found:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = "\n".join(f"  {message.describe()}" for message in self._events[-10:]) or "  (none)"
                raise AssertionError(
                    f"No {_describe_filter(event_type, filters)} within {limit} s. "
                    f"Last events this test received ({len(self._events)} in all):\n{seen}"
                )
            self._pump(min(PUMP_SLICE, remaining))

    @keyword
    def wait_for_event(self, event_type: str, timeout: float | str | None = None, **filters: Any) -> dict:
        """Waits (deadline `timeout`, default `${EVENT_TIMEOUT}`) for an event of `event_type` whose `data`
        matches every `filters` value, validates it, and returns its body.

        | ${event} = | Wait For Event | deposit.succeeded | transaction_id=${tx}[id] |
        """
        found = self._wait_first(event_type, filters, timeout)
        self._validated(found)
        logger.info(f"Received: {found[0].describe()}")
        return found[0].document

    @keyword
    def event_should_arrive_exactly_once(
        self,
        event_type: str,
        timeout: float | str | None = None,
        window: float | str = DEFAULT_QUIET_WINDOW,
        **filters: Any,
    ) -> dict:
        """Waits for the matching event like `Wait For Event`, keeps listening `window` more seconds,
        and fails unless exactly one distinct event (by `id`) matched. Redeliveries of the same id are
        allowed (at-least-once). Returns the event body."""
        self._wait_first(event_type, filters, timeout)
        self._pump(_seconds(window))
        found = self._matching(event_type, filters)
        self._validated(found)
        ids = list(dict.fromkeys(str(message.document.get("id")) for message in found))
        if len(ids) != 1:
            details = "\n".join(f"  {message.describe()}" for message in found)
            raise AssertionError(
                f"Expected exactly one {_describe_filter(event_type, filters)}, got {len(ids)} distinct "
                f"events:\n{details}"
            )
        logger.info(f"Exactly once ({len(found)} delivery/ies): {found[0].describe()}")
        return found[0].document

    @keyword
    def no_event_should_arrive_within(
        self,
        window: float | str = DEFAULT_ABSENCE_WINDOW,
        event_type: str | None = None,
        include_checked: bool = False,
        **filters: Any,
    ) -> None:
        """Listens for `window` seconds and fails if any event of `event_type` (any type when `${NONE}`)
        matching `filters` arrived since the test started listening, except the events this test already
        checked (returned by `Wait For Event`, `Event Should Arrive Exactly Once`, `Events Should Be
        Published Exactly Once For`), unless `include_checked=True`.

        | No Event Should Arrive Within | 2 s | mentioning=${wallet}[id] |
        """
        self._require_listening()
        seconds = _seconds(window)
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self._pump(min(PUMP_SLICE, remaining))
        found = [
            message
            for message in self._matching(event_type, filters)
            if include_checked or str(message.document.get("id")) not in self._checked
        ]
        if found:
            details = "\n".join(f"  {message.describe()}" for message in found)
            raise AssertionError(
                f"Expected no {_describe_filter(event_type, filters)} within {seconds} s"
                f"{'' if include_checked else ' (besides those already checked)'}, got {len(found)}:\n{details}"
            )

    @keyword
    def events_should_be_published_exactly_once_for(
        self, *changes: Mapping[str, Any], window: float | str = DEFAULT_QUIET_WINDOW
    ) -> list:
        """For each change returned by the API (a transaction or a transfer), waits for its event, listens
        `window` more seconds once for all, and fails unless each got exactly one distinct event whose data
        repeat the change. The event of a transaction: `deposit` succeeded/failed -> `deposit.succeeded` /
        `deposit.failed`, `withdrawal` -> `withdrawal.succeeded`, `credit` -> `credit.applied`; of a
        transfer (has `source_wallet_id`): `transfer.succeeded`. Returns the events in order."""
        expectations: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for change in changes:
            expectations.append(_expected_event(change))
        for event_type, filters, _ in expectations:
            self._wait_first(event_type, filters, None)
        self._pump(_seconds(window))
        events = []
        problems = []
        for event_type, filters, data in expectations:
            found = self._matching(event_type, filters)
            self._validated(found)
            ids = list(dict.fromkeys(str(message.document.get("id")) for message in found))
            if len(ids) != 1:
                problems.append(f"{_describe_filter(event_type, filters)}: {len(ids)} distinct events, expected 1")
                continue
            document = found[0].document
            actual = document.get("data", {})
            problems += [
                f"{event_type} data.{name}: expected {value!r}, got {actual.get(name, '<missing>')!r}"
                for name, value in data.items()
                if actual.get(name, "<missing>") != value
            ]
            events.append(document)
        if problems:
            raise AssertionError("Events differ from the changes:\n" + "\n".join(f"  - {p}" for p in problems))
        return events

    @keyword
    def events_received(self, event_type: str | None = None, **filters: Any) -> list:
        """Bodies of the distinct events (by id) received so far that match (after a short pump)."""
        self._require_listening()
        self._pump(PUMP_SLICE)
        unique: dict[str, Any] = {}
        for message in self._matching(event_type, filters):
            unique.setdefault(str(message.document.get("id")), message.document)
        return list(unique.values())

    @keyword
    def event_data_should_be(self, event: Mapping[str, Any], **expected: Any) -> None:
        """Fails unless every `name=value` equals the event's `data[name]` (values converted like payload
        fields: `amount=500` is the number 500, `failure_code=null` is null)."""
        data = event.get("data", {}) if isinstance(event, Mapping) else {}
        problems = []
        for name, value in expected.items():
            want = json_value(value)
            have = data.get(name, "<missing>")
            if have != want or type(have) is not type(want):
                if not (isinstance(have, str) and str(value) == have):
                    problems.append(f"data.{name}: expected {want!r}, got {have!r}")
        if problems:
            raise AssertionError(f"{event.get('type')} event data differs:\n" + "\n".join(f"  - {p}" for p in problems))

    # ------------------------------------------------------------------ commands

    def _ensure_dead_letter_listener(self) -> None:
        if self._dead_letter_queue is not None:
            return
        self._dead_letter_queue = self._consume_private_queue(
            self._channel_aux(), DEAD_LETTER_EXCHANGE, "", self._on_dead_letter, "_dead_letter_queue"
        )
        self._dead_letters = []

    def _consume_private_queue(
        self, channel: BlockingChannel, exchange: str, routing_key: str, callback: Any, tag_key: str
    ) -> str:
        """Declares an exclusive, auto-delete queue bound to `exchange`, consumes it into `callback` and
        returns its name. (A channel the broker closed is reopened by the channel accessors.)"""
        try:
            queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
            channel.queue_bind(queue=queue, exchange=exchange, routing_key=routing_key)
        except ChannelClosedByBroker as error:
            raise AssertionError(
                f"cannot bind a queue to the exchange {exchange!r} (does the wallet declare it?): "
                f"{error.reply_code} {error.reply_text}"
            ) from None
        self._consumer_tags[tag_key] = channel.basic_consume(
            queue=queue, on_message_callback=callback, auto_ack=True, exclusive=True
        )
        return queue

    def _publish(self, body: bytes, message_id: str | None, routing_key: str, content_type: str | None) -> None:
        self._ensure_dead_letter_listener()
        channel = self._channel_aux()
        properties = pika.BasicProperties(
            message_id=message_id, content_type=content_type, delivery_mode=pika.DeliveryMode.Persistent
        )
        try:
            channel.basic_publish(COMMANDS_EXCHANGE, routing_key, body, properties=properties, mandatory=True)
        except UnroutableError:
            raise AssertionError(
                f"command {message_id} was not routed: is the queue {COMMANDS_QUEUE!r} bound to the exchange "
                f"{COMMANDS_EXCHANGE!r}?"
            ) from None
        except ChannelClosedByBroker as error:
            self._aux_channel = None
            self._dead_letter_queue = None
            raise AssertionError(
                f"publishing to {COMMANDS_EXCHANGE!r} failed: {error.reply_code} {error.reply_text}"
            ) from None
        logger.info(
            f"Published to {COMMANDS_EXCHANGE} ({routing_key}) message_id={message_id}: "
            f"{scrub(body.decode('utf-8', 'replace')[:600])}"
        )

    @keyword
    def publish_command(
        self, command: Mapping[str, Any], message_id: str | None = None, routing_key: str | None = None
    ) -> str:
        """Publishes a command body (a dict, e.g. from `Credit Command`) as JSON with `message_id` = the
        command's `id` (or `message_id`). Routing key: the command type unless given. Returns the
        message id."""
        identifier = message_id or str(command.get("id") or f"cmd-{uuid.uuid4()}")
        key = routing_key or str(command.get("type") or "command")
        self._publish(json.dumps(command).encode("utf-8"), identifier, key, "application/json")
        return identifier

    @keyword
    def publish_raw_command(
        self,
        body: str,
        message_id: str | None = None,
        routing_key: str = "credit.requested",
        content_type: str | None = "application/json",
    ) -> str:
        """Publishes `body` exactly as given (e.g. not JSON) with a unique `message_id` unless given.
        Returns the message id."""
        identifier = message_id or f"cmd-raw-{uuid.uuid4()}"
        self._publish(body.encode("utf-8"), identifier, routing_key, content_type)
        return identifier

    def _take_from_dead_letter_queue(self, message_id: str, deadline: float) -> bool:
        channel = self._channel_aux()
        while True:
            others: list[int] = []
            found = False
            try:
                for _ in range(DLQ_SCAN_LIMIT):
                    method, properties, _body = channel.basic_get(queue=DEAD_LETTER_QUEUE, auto_ack=False)
                    if method is None:
                        break
                    if properties.message_id == message_id:
                        channel.basic_ack(method.delivery_tag)
                        found = True
                        break
                    others.append(method.delivery_tag)
            except ChannelClosedByBroker as error:
                self._aux_channel = None
                self._dead_letter_queue = None
                raise AssertionError(
                    f"cannot read {DEAD_LETTER_QUEUE!r} (does the wallet declare it?): {error.reply_code} "
                    f"{error.reply_text}"
                ) from None
            finally:
                for tag in others:
                    if channel.is_open:
                        channel.basic_nack(tag, multiple=False, requeue=True)
            if found:
                return True
            if time.monotonic() >= deadline:
                return False
            self._pump(0.2)

    @keyword
    def command_should_be_dead_lettered(self, message_id: str, timeout: float | str | None = None) -> dict:
        """Waits (deadline `timeout`, default `${EVENT_TIMEOUT}`) for this test's command `message_id` to
        be dead-lettered: rejected without requeue from `wallet.commands` (x-death reason `rejected`)
        through `wallet.commands.dlx` into `wallet.commands.dlq`, from which it is then removed.
        Returns `{"message_id", "body", "x_death"}`."""
        limit = _seconds(timeout) if timeout is not None else setting_seconds("EVENT_TIMEOUT", 5.0)
        deadline = time.monotonic() + limit
        if self._dead_letter_queue is None:
            raise AssertionError("no command published by this test: publish it with the Publish keywords first")
        while True:
            mine = [m for m in self._dead_letters if m.properties.message_id == message_id]
            if mine:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"command {message_id} was not dead-lettered through {DEAD_LETTER_EXCHANGE} within {limit} s"
                )
            self._pump(min(PUMP_SLICE, remaining))
        message = mine[0]
        headers = message.properties.headers or {}
        deaths = headers.get("x-death") or []
        first = deaths[0] if deaths else {}
        reason = _text(first.get("reason"))
        queue = _text(first.get("queue"))
        if reason != "rejected" or queue != COMMANDS_QUEUE:
            raise AssertionError(
                f"dead letter {message_id}: expected x-death reason 'rejected' from queue {COMMANDS_QUEUE!r}, "
                f"got reason {reason!r} from queue {queue!r}"
            )
        if not self._take_from_dead_letter_queue(message_id, max(deadline, time.monotonic() + 2.0)):
            raise AssertionError(
                f"command {message_id} went through {DEAD_LETTER_EXCHANGE} but is not in {DEAD_LETTER_QUEUE}"
            )
        logger.info(f"Dead-lettered (x-death reason {reason} from {queue}): {message.describe()}")
        return {"message_id": message_id, "body": message.body.decode("utf-8", "replace"), "x_death": deaths}

    @keyword
    def command_should_not_be_dead_lettered_within(
        self, message_id: str, window: float | str = DEFAULT_ABSENCE_WINDOW
    ) -> None:
        """Listens `window` seconds and fails if this test's command `message_id` was dead-lettered."""
        if self._dead_letter_queue is None:
            raise AssertionError("no command published by this test: publish it with the Publish keywords first")
        seconds = _seconds(window)
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self._pump(min(PUMP_SLICE, remaining))
        mine = [m for m in self._dead_letters if m.properties.message_id == message_id]
        if mine:
            raise AssertionError(f"command {message_id} was dead-lettered: {mine[0].describe()}")


TRANSACTION_EVENTS = {
    ("deposit", "succeeded"): "deposit.succeeded",
    ("deposit", "failed"): "deposit.failed",
    ("withdrawal", "succeeded"): "withdrawal.succeeded",
    ("credit", "succeeded"): "credit.applied",
}


def _expected_event(change: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(event type, filters, expected data) of the event a transaction or transfer must produce."""
    if not isinstance(change, Mapping) or "id" not in change:
        raise AssertionError(f"expected a transaction or a transfer returned by the API, got {change!r}")
    if "source_wallet_id" in change:
        data = {
            name: change[name]
            for name in ("source_wallet_id", "destination_wallet_id", "amount", "currency")
            if name in change
        }
        return "transfer.succeeded", {"transfer_id": change["id"]}, data
    event_type = TRANSACTION_EVENTS.get((change.get("type"), change.get("status")))
    if event_type is None:
        raise AssertionError(
            f"a {change.get('status')} {change.get('type')} transaction produces no event in the contract"
        )
    data = {name: change[name] for name in ("wallet_id", "amount", "currency") if name in change}
    if event_type == "deposit.failed":
        data["failure_code"] = change.get("failure_code")
    else:
        data["balance_after"] = change.get("balance_after")
    return event_type, {"transaction_id": change["id"]}, data


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return None if value is None else str(value)


def _seconds(value: Any) -> float:
    """Seconds from `2`, `2.5`, `2 s`, `2 seconds` or any Robot time string (`1.5s`, `500ms`)."""
    if isinstance(value, int | float):
        return float(value)
    return float(timestr_to_secs(str(value)))
