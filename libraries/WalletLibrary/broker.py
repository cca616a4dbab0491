"""The tests' side of RabbitMQ (contract section 7): one pika connection per robot process.

- Events: ONE exclusive, auto-delete, server-named queue per process, bound to the topic exchange
  `wallet.events` with `#` before the first test starts and kept until the process ends, so no event is
  missed between tests and every event a test or a suite needs can be looked up later (by its ids). Every
  event received is kept in `events` (a process sees the events of the whole run; a few thousand).
- Dead letters: ONE exclusive queue bound to the fanout `wallet.commands.dlx`, so a test sees a copy of its
  own dead-lettered command without touching anyone else's messages.
- Commands are published to the topic exchange `wallet.commands` with publisher confirms, mandatory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, ChannelClosedByBroker, UnroutableError

from .matcher import strings_in

if TYPE_CHECKING:
    from .context import Context

EVENTS_EXCHANGE = "wallet.events"
COMMANDS_EXCHANGE = "wallet.commands"
COMMANDS_QUEUE = "wallet.commands"
DEAD_LETTER_EXCHANGE = "wallet.commands.dlx"
DEAD_LETTER_QUEUE = "wallet.commands.dlq"
PUMP_SLICE = 0.05
DLQ_SCAN_LIMIT = 1000


@dataclass
class Message:
    """One message taken from one of the process's queues (an event, or a dead-lettered command)."""

    body: bytes
    routing_key: str
    exchange: str
    properties: pika.BasicProperties
    received_at: float

    @cached_property
    def document(self) -> Any:
        """The parsed JSON body, or None."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    @cached_property
    def values(self) -> frozenset[str]:
        """Every string inside the body's `data`, lower-cased (to find the events mentioning an id fast)."""
        document = self.document
        data = document.get("data") if isinstance(document, dict) else None
        return strings_in(data)

    @property
    def event_id(self) -> str:
        """The body's `id` (events are counted by distinct id: delivery is at-least-once)."""
        document = self.document
        return str(document.get("id")) if isinstance(document, dict) else ""

    def describe(self) -> str:
        """A one-line summary for logs."""
        props = self.properties
        return (
            f"[{self.exchange} {self.routing_key}] message_id={props.message_id} type={props.type} "
            f"content_type={props.content_type} delivery_mode={props.delivery_mode}: "
            f"{self.body.decode('utf-8', 'replace')[:600]}"
        )


class Broker:
    """The process's connection, queues and buffers (see the module docstring)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.events: list[Message] = []
        self.dead_letters: list[Message] = []
        self._connection: pika.BlockingConnection | None = None
        self._events_channel: BlockingChannel | None = None
        self._commands_channel: BlockingChannel | None = None

    # ------------------------------------------------------------------ connection and queues

    def connection(self) -> pika.BlockingConnection:
        """The open connection (opened, with both queues bound, on first use)."""
        if self._connection is not None and self._connection.is_open:
            return self._connection
        url = self.ctx.setting("AMQP_URL")
        try:
            parameters = pika.URLParameters(url)
        except Exception:
            raise AssertionError(f"AMQP_URL {self.ctx.safe_url(url)} is not a valid amqp:// URL") from None
        if "heartbeat=" not in url:
            # Robot may not call into pika for a long time (a 10 s gateway delay): without heartbeats the
            # broker never drops the connection, and the queues with it, while a test waits.
            parameters.heartbeat = 0
        parameters.blocked_connection_timeout = 30
        parameters.socket_timeout = 10
        parameters.client_properties = {"connection_name": f"wallet-integration-tests {self.ctx.run_id}"}
        try:
            self._connection = pika.BlockingConnection(parameters)
        except AMQPError as error:
            raise AssertionError(
                f"cannot connect to RabbitMQ at {self.ctx.safe_url(url)}: {error.__class__.__name__} {error}"
            ) from None
        self._events_channel = self._connection.channel()
        self._commands_channel = self._connection.channel()
        self._commands_channel.confirm_delivery()
        self.events, self.dead_letters = [], []
        self._bind(self._events_channel, EVENTS_EXCHANGE, "#", self.events)
        self._bind(self._commands_channel, DEAD_LETTER_EXCHANGE, "", self.dead_letters)
        return self._connection

    def _bind(self, channel: BlockingChannel, exchange: str, routing_key: str, into: list[Message]) -> None:
        def receive(_channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
            into.append(Message(body, method.routing_key, method.exchange, properties, time.monotonic()))

        try:
            queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
            channel.queue_bind(queue=queue, exchange=exchange, routing_key=routing_key)
        except ChannelClosedByBroker as error:
            raise AssertionError(
                f"cannot bind a queue to the exchange {exchange!r} (does the wallet declare it?): "
                f"{error.reply_code} {error.reply_text}"
            ) from None
        channel.basic_consume(queue=queue, on_message_callback=receive, auto_ack=True, exclusive=True)
        self.ctx.info(f"Listening on {queue} (bound to {exchange} with {routing_key or '(fanout)'})")

    def close(self) -> None:
        """Closes the connection (its exclusive queues go with it)."""
        if self._connection is not None and self._connection.is_open:
            try:
                self._connection.close()
            except AMQPError:
                pass
        self._connection = None

    # ------------------------------------------------------------------ receiving

    def pump(self, seconds: float = 0.0) -> None:
        """Takes in what the broker delivered, for up to `seconds` (at least once)."""
        connection = self.connection()
        deadline = time.monotonic() + max(0.0, seconds)
        while True:
            remaining = deadline - time.monotonic()
            connection.process_data_events(time_limit=max(0.0, remaining))
            if remaining <= 0:
                return

    def wait_until(self, found: Callable[[], Any], timeout: float) -> Any:
        """Pumps until `found()` returns something truthy (returned) or `timeout` passes (None)."""
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            result = found()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.pump(min(PUMP_SLICE, remaining))

    # ------------------------------------------------------------------ commands

    def publish(self, body: bytes, message_id: str | None, routing_key: str, content_type: str | None) -> None:
        """Publishes one command (confirmed, mandatory: an unroutable command fails)."""
        self.connection()
        channel = self._commands_channel
        properties = pika.BasicProperties(
            message_id=message_id, content_type=content_type, delivery_mode=pika.DeliveryMode.Persistent
        )
        try:
            channel.basic_publish(COMMANDS_EXCHANGE, routing_key, body, properties=properties, mandatory=True)
        except UnroutableError:
            raise AssertionError(
                f"command {message_id} was not routed: is the queue {COMMANDS_QUEUE!r} bound to {COMMANDS_EXCHANGE!r}?"
            ) from None
        except ChannelClosedByBroker as error:
            self.close()
            raise AssertionError(
                f"publishing to {COMMANDS_EXCHANGE!r} failed: {error.reply_code} {error.reply_text}"
            ) from None
        self.ctx.info(
            f"Published to {COMMANDS_EXCHANGE} ({routing_key}) message_id={message_id}: "
            f"{body.decode('utf-8', 'replace')[:600]}"
        )

    def take_from_dead_letter_queue(self, message_id: str, deadline: float) -> bool:
        """Removes this one message from `wallet.commands.dlq` (basic_get, ack only it, requeue the others)."""
        self.connection()
        channel = self._commands_channel
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
                self.close()
                raise AssertionError(
                    f"cannot read {DEAD_LETTER_QUEUE!r} (does the wallet declare it?): "
                    f"{error.reply_code} {error.reply_text}"
                ) from None
            finally:
                for tag in others:
                    if channel.is_open:
                        channel.basic_nack(tag, multiple=False, requeue=True)
            if found or time.monotonic() >= deadline:
                return found
            self.pump(0.2)
