"""RabbitMQ side (contract section 7): topology, the outbox publisher and the command consumer.

One supervisor task owns the AMQP connection. It connects, declares the topology, starts consuming
``wallet.commands`` and then drains the outbox until the connection or a channel is lost; then it
reconnects with capped exponential backoff (0.1 s doubling up to 2 s). While the broker is away,
requests keep committing their events to the outbox, and they are published once it is back.

The publisher is woken by PostgreSQL NOTIFY (sent by every outbox insert, delivered at COMMIT), with
a 1 s poll as safety net. Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several instances never
publish the same row concurrently), published in ``created_at`` order on a confirm channel, and
marked ``published_at`` only after the broker's confirm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import aio_pika
import psycopg
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractIncomingMessage

from . import jsonutil
from .db import Conn, Database
from .errors import ApiError, FieldErrors
from .logs import log_fields, redact
from .models import OUTBOX_CHANNEL
from .service import InvalidCommandError, WalletService
from .validation import check_amount, parse_uuid

log = logging.getLogger("wallet_api.broker")

EVENTS_EXCHANGE = "wallet.events"
COMMANDS_EXCHANGE = "wallet.commands"
COMMANDS_QUEUE = "wallet.commands"
COMMANDS_DLX = "wallet.commands.dlx"
COMMANDS_DLQ = "wallet.commands.dlq"
PUBLISH_BATCH = 100
PREFETCH = 10
MAX_BACKOFF_S = 2.0
POLL_INTERVAL_S = 1.0


async def declare_topology(channel: AbstractChannel) -> AbstractExchange:
    """Declare every exchange/queue/binding of section 7 (idempotent) and return wallet.events."""
    events = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    commands = await channel.declare_exchange(COMMANDS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    dlx = await channel.declare_exchange(COMMANDS_DLX, aio_pika.ExchangeType.FANOUT, durable=True)
    dlq = await channel.declare_queue(COMMANDS_DLQ, durable=True)
    await dlq.bind(dlx, routing_key="")
    queue = await channel.declare_queue(
        COMMANDS_QUEUE, durable=True, arguments={"x-dead-letter-exchange": COMMANDS_DLX}
    )
    await queue.bind(commands, routing_key="#")
    return events


@dataclass(frozen=True)
class CreditCommand:
    command_id: str
    wallet_id: uuid.UUID
    amount: int
    currency: str


def parse_command(body: bytes, message_id: str | None, currencies: frozenset[str]) -> CreditCommand:
    """Validate a command message; raise InvalidCommandError (dead-letter) when it can never succeed."""
    try:
        doc = jsonutil.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidCommandError("body is not JSON") from exc
    if type(doc) is not dict:
        raise InvalidCommandError("body is not a JSON object")
    command_id = doc.get("id")
    if command_id is None:
        command_id = message_id
    if type(command_id) is not str or not 1 <= len(command_id) <= 255:
        raise InvalidCommandError("missing or invalid command id")
    if doc.get("type") != "credit.requested":
        raise InvalidCommandError("unknown command type")
    data = doc.get("data")
    if type(data) is not dict:
        raise InvalidCommandError("data must be an object")
    errors = FieldErrors()
    wallet_id = parse_uuid(data.get("wallet_id"))
    if wallet_id is None:
        errors.add("data.wallet_id", "must be a UUID")
    amount = check_amount(data, errors)
    currency = data.get("currency")
    if type(currency) is not str or currency not in currencies:
        errors.add("data.currency", "unsupported currency")
    if "reason" in data and type(data["reason"]) is not str:
        errors.add("data.reason", "must be a string")
    if errors or wallet_id is None or amount is None or type(currency) is not str:
        raise InvalidCommandError("invalid data: " + ", ".join(e["field"] for e in errors.items))
    return CreditCommand(command_id, wallet_id, amount, currency)


class Broker:
    def __init__(self, amqp_url: str, dsn: str, db: Database, service: WalletService, currencies: frozenset[str]):
        self.amqp_url = amqp_url
        self.dsn = dsn
        self.db = db
        self.service = service
        self.currencies = currencies
        self._wake = asyncio.Event()
        self._connection: AbstractConnection | None = None
        self._channels: list[AbstractChannel] = []
        self._ready = False
        self._tasks: list[asyncio.Task[None]] = []

    # --- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._supervise(), name="amqp-supervisor"),
            asyncio.create_task(self._listen(), name="outbox-listener"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._connection.close(), 5)

    @property
    def healthy(self) -> bool:
        """True when the connection and both channels are open and the topology is declared."""
        conn = self._connection
        return (
            self._ready
            and conn is not None
            and not conn.is_closed
            and bool(self._channels)
            and all(not ch.is_closed for ch in self._channels)
        )

    def wake(self) -> None:
        self._wake.set()

    # --- connection supervisor ------------------------------------------------------------------------

    async def _supervise(self) -> None:
        delay = 0.1
        while True:
            try:
                connected = await self._session()
                if connected:
                    delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log_fields(
                    log,
                    logging.WARNING,
                    "broker unavailable; will reconnect",
                    error=type(exc).__name__,
                    detail=redact(str(exc))[:300],
                    retry_in_s=delay,
                )
            finally:
                self._ready = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)

    async def _session(self) -> bool:
        """Run one connection until it is lost. Returns True if it got fully established."""
        established = False
        lost = asyncio.Event()

        def on_close(*_: Any) -> None:
            lost.set()
            self._wake.set()

        connection = await aio_pika.connect(
            self.amqp_url, timeout=5, client_properties={"connection_name": "wallet_api"}
        )
        self._connection = connection
        try:
            connection.close_callbacks.add(on_close)
            publish_channel = await connection.channel(publisher_confirms=True)
            publish_channel.close_callbacks.add(on_close)
            events = await declare_topology(publish_channel)
            consume_channel = await connection.channel()
            consume_channel.close_callbacks.add(on_close)
            await consume_channel.set_qos(prefetch_count=PREFETCH)
            queue = await consume_channel.get_queue(COMMANDS_QUEUE, ensure=False)
            await queue.consume(self._on_command)
            self._channels = [publish_channel, consume_channel]
            self._ready = established = True
            log_fields(log, logging.INFO, "broker connected; topology declared")
            while not lost.is_set():
                self._wake.clear()
                await self._drain(events)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_INTERVAL_S)
            log_fields(log, logging.WARNING, "broker connection lost")
        finally:
            self._ready = False
            self._channels = []
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 3)
        return established

    # --- outbox publisher -----------------------------------------------------------------------------

    async def _drain(self, exchange: AbstractExchange) -> None:
        """Publish unpublished outbox rows until none is left. Broker errors propagate (reconnect)."""
        while True:
            try:
                # A retry after a lost connection may publish a row twice: delivery is at-least-once.
                published, failure = await self.db.transaction(lambda conn: self._publish_batch(conn, exchange))
            except (psycopg.Error, ApiError) as exc:
                # The database is away: keep the broker connection, try again on the next tick.
                log_fields(log, logging.WARNING, "outbox read failed", error=type(exc).__name__)
                return
            if failure is not None:
                raise failure
            if published < PUBLISH_BATCH:
                return

    async def _publish_batch(self, conn: Conn, exchange: AbstractExchange) -> tuple[int, Exception | None]:
        cur = await conn.execute(
            "SELECT id, type, routing_key, payload FROM outbox WHERE published_at IS NULL "
            "ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
            (PUBLISH_BATCH,),
        )
        rows = await cur.fetchall()
        confirmed: list[uuid.UUID] = []
        failure: Exception | None = None
        for row in rows:
            message = aio_pika.Message(
                body=jsonutil.dumps(row["payload"]),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(row["id"]),
                type=row["type"],
                app_id="wallet_api",
            )
            try:
                await exchange.publish(message, routing_key=row["routing_key"], mandatory=False, timeout=5)
            except Exception as exc:
                failure = exc
                break
            confirmed.append(row["id"])
        if confirmed:
            await conn.execute("UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY(%s)", (confirmed,))
        return (len(rows) if failure is None else 0), failure

    async def _listen(self) -> None:
        """LISTEN for outbox inserts of any instance; reconnects when the connection is killed."""
        delay = 0.2
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.dsn, autocommit=True, connect_timeout=5, application_name="wallet_api_listener"
                )
                async with conn:
                    await conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
                    delay = 0.2
                    self._wake.set()  # catch up with anything committed while we were not listening
                    while True:
                        async for _ in conn.notifies(timeout=10):
                            self._wake.set()
                        await conn.execute("SELECT 1")  # liveness probe between waits
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log_fields(log, logging.DEBUG, "outbox listener reconnecting", error=type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)

    # --- command consumer -----------------------------------------------------------------------------

    async def _on_command(self, message: AbstractIncomingMessage) -> None:
        try:
            command = parse_command(message.body, message.message_id, self.currencies)
            result = await self.service.apply_credit_command(
                command.command_id, command.wallet_id, command.amount, command.currency
            )
        except InvalidCommandError as exc:
            log_fields(
                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")
            return
        except (psycopg.OperationalError, ApiError) as exc:
            log_fields(log, logging.WARNING, "command deferred (database)", error=type(exc).__name__)
            await asyncio.sleep(0.5)
            await self._settle(message, "requeue")
            return
        except Exception:
            log.exception("command failed unexpectedly; dead-lettering it")
            await self._settle(message, "reject")
            return
        log_fields(log, logging.INFO, "command processed", command_id=command.command_id, result=result)
        await self._settle(message, "ack")

    async def _settle(self, message: AbstractIncomingMessage, how: str) -> None:
        try:
            if how == "ack":
                await message.ack()
            elif how == "requeue":
                await message.nack(requeue=True)
            else:
                await message.reject(requeue=False)
        except Exception as exc:
            log_fields(log, logging.WARNING, "could not settle command message", error=type(exc).__name__)
