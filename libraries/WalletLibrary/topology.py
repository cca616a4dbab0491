"""Contract section 7's topology, seen with nothing but the tests' AMQP login (no management API: staging
configures none).

- Existence: a passive declare of each exchange and queue (404 NOT_FOUND when missing).
- Kind and durability: the same declare again, not passive, with the contract's attributes. RabbitMQ
  answers 406 PRECONDITION_FAILED when the existing one differs ("inequivalent arg 'durable'", "'type'"),
  and changes nothing when it is equal. Each declare runs on its own throwaway channel (a refusal closes it).
- Bindings and dead-lettering are shown by behaviour (`keywords/outages.py`): an invalid command published to
  `wallet.commands` must be rejected into `wallet.commands.dlq` through `wallet.commands.dlx` (by argument or
  policy: the contract allows both, so a queue argument is not required).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pika
from pika.exceptions import AMQPError, ChannelClosedByBroker

EXCHANGES = (("wallet.events", "topic"), ("wallet.commands", "topic"), ("wallet.commands.dlx", "fanout"))
QUEUES = ("wallet.commands", "wallet.commands.dlq")
DEAD_LETTER_ARGUMENT = "x-dead-letter-exchange"
# "inequivalent arg 'x-queue-type' for queue 'q' in vhost 'v': received none but current is the value
# 'quorum' of type 'longstr'": an argument the queue has and the contract does not name.
OTHER_ARGUMENT = re.compile(r"inequivalent arg '([^']+)'.*current is the value '([^']*)' of type '(\w+)'")
TIMEOUT_S = 10


def _on_channel(connection: pika.BlockingConnection, declare: Callable[[Any], Any]) -> str | None:
    """None when `declare(channel)` succeeds; else the broker's `code text` (the channel is closed then)."""
    channel = connection.channel()
    try:
        declare(channel)
    except ChannelClosedByBroker as error:
        return f"{error.reply_code} {error.reply_text}"
    if channel.is_open:
        channel.close()
    return None


def _exchange_problems(connection: pika.BlockingConnection, name: str, kind: str) -> list[str]:
    refused = _on_channel(connection, lambda ch: ch.exchange_declare(name, exchange_type=kind, passive=True))
    if refused:
        return [f"exchange {name} is missing ({refused})"]
    refused = _on_channel(connection, lambda ch: ch.exchange_declare(name, exchange_type=kind, durable=True))
    return [f"exchange {name}: expected a durable {kind} exchange, the broker says {refused}"] if refused else []


def _queue_problems(connection: pika.BlockingConnection, name: str) -> list[str]:
    refused = _on_channel(connection, lambda ch: ch.queue_declare(name, passive=True))
    if refused:
        return [f"queue {name} is missing ({refused})"]
    arguments: dict[str, Any] = {}
    for _ in range(5):  # the queue's own extra arguments are taken over one by one; durability is what counts
        refused = _on_channel(connection, lambda ch: ch.queue_declare(name, durable=True, arguments=arguments))
        extra = OTHER_ARGUMENT.search(refused or "")
        if not extra or extra.group(1) in arguments or extra.group(1) == "durable":
            break
        value = extra.group(2)
        arguments[extra.group(1)] = int(value) if extra.group(3) in ("long", "signedint") else value
    if refused and "durable" in refused:
        return [f"queue {name} is not durable ({refused})"]
    dead_letters = arguments.get(DEAD_LETTER_ARGUMENT)
    if name == "wallet.commands" and dead_letters not in (None, "wallet.commands.dlx"):
        return [f"queue {name} dead-letters to {dead_letters!r}, expected 'wallet.commands.dlx'"]
    return [f"queue {name}: could not check its durability ({refused})"] if refused else []


def topology_problems(url: str, connection_name: str) -> list[str]:
    """Every exchange and queue of section 7 that is missing, or not durable, or of another kind."""
    parameters = pika.URLParameters(url)
    parameters.socket_timeout = TIMEOUT_S
    parameters.blocked_connection_timeout = TIMEOUT_S
    parameters.client_properties = {"connection_name": connection_name}
    try:
        connection = pika.BlockingConnection(parameters)
    except AMQPError as error:
        raise AssertionError(f"cannot connect to RabbitMQ to check the topology: {error.__class__.__name__}") from None
    try:
        problems = [problem for name, kind in EXCHANGES for problem in _exchange_problems(connection, name, kind)]
        return problems + [problem for name in QUEUES for problem in _queue_problems(connection, name)]
    finally:
        if connection.is_open:
            connection.close()
