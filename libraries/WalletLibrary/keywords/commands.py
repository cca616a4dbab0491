"""Commands in on `wallet.commands` and their dead letters (contract section 7)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from robot.api.deco import keyword

from ..broker import COMMANDS_QUEUE, DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE
from ..matcher import expected_value
from . import LibraryComponent


class CommandKeywords(LibraryComponent):
    """Commands. Published to the topic exchange `wallet.commands` with publisher confirms (an unroutable
    command fails). Every process listens on the fanout `wallet.commands.dlx`, so `Command Should Land In
    Dead Letter Queue` sees a copy of the test's own dead letter and then takes that one message out of
    `wallet.commands.dlq` (nothing is ever purged). A command is applied asynchronously: the suite
    teardown listens once more for the commands the suite published (`Ledger Should Reconcile For This
    Suite`)."""

    @keyword("A New Command Id")
    def a_new_command_id(self) -> str:
        """A unique command id (AMQP `message_id` and body `id`).

        | ${command_id} = | A New Command Id |
        """
        return f"cmd-{self.ctx.run_id}-{uuid.uuid4()}"

    @keyword("A Credit Command")
    def a_credit_command(
        self,
        wallet_id: str,
        amount: Any = 500,
        currency: str = "EUR",
        command_id: str | None = None,
        omit: str = "",
        **changes: Any,
    ) -> dict:
        """A `credit.requested` command body for a wallet id (a unique command id unless `command_id=`);
        `reason=` sets the data's reason, `omit=` removes data fields, any other `name=value` overrides the
        envelope (`type=credit.unknown`, `id=`). Values follow the matcher's rule (`amount=10.5` a float).

        | ${command} = | A Credit Command | ${wallet}[id] | 250 | USD |
        """
        data = {
            "wallet_id": wallet_id,
            "amount": expected_value(amount),
            "currency": currency,
            "reason": "integration test credit",
        }
        if "reason" in changes:
            data["reason"] = changes.pop("reason")
        for name in (part.strip() for part in omit.split(",") if part.strip()):
            data.pop(name, None)
        command = {"id": command_id or self.a_new_command_id(), "type": "credit.requested", "data": data}
        command.update({name: expected_value(value) for name, value in changes.items()})
        return command

    @keyword("Publish Command Message")
    def publish_command_message(
        self, command: Mapping[str, Any], message_id: str | None = None, routing_key: str | None = None
    ) -> str:
        """Publishes a command body as JSON with `message_id` = its `id` (or `message_id`); routing key: the
        command type unless given. Returns the message id.

        | Publish Command Message | ${command} |
        """
        identifier = message_id or str(command.get("id") or f"cmd-{uuid.uuid4()}")
        self.broker.publish(
            json.dumps(command).encode("utf-8"),
            identifier,
            routing_key or str(command.get("type") or "command"),
            "application/json",
        )
        self.ctx.record("commands", identifier)
        return identifier

    @keyword("Publish Raw Command Message")
    def publish_raw_command_message(
        self,
        body: str,
        message_id: str | None = None,
        routing_key: str = "credit.requested",
        content_type: str | None = "application/json",
    ) -> str:
        """Publishes `body` exactly as given (e.g. not JSON) with a unique `message_id` unless given;
        returns the message id.

        | ${message_id} = | Publish Raw Command Message | {not json |
        """
        identifier = message_id or f"cmd-raw-{uuid.uuid4()}"
        self.broker.publish(body.encode("utf-8"), identifier, routing_key, content_type)
        self.ctx.record("commands", identifier)
        return identifier

    @keyword("Publish Credit Command For")
    def publish_credit_command_for(self, wallet: Mapping[str, Any], amount: Any, **arguments: Any) -> dict:
        """Publishes a valid `credit.requested` command crediting `amount` to the wallet in its currency
        (`command_id=`, `reason=` as `A Credit Command`); returns the command (its `id` is the message id).

        | ${command} = | Publish Credit Command For | ${wallet} | 750 |
        """
        command = self.a_credit_command(str(wallet["id"]), amount, str(wallet["currency"]), **arguments)
        self.publish_command_message(command)
        return command

    @keyword("Publish Credit Command With Changes")
    def publish_credit_command_with_changes(self, wallet: Mapping[str, Any], **changes: Any) -> str:
        """Publishes a credit command of 500 for the wallet, changed by `name=value`: `body=<text>`
        publishes that text as is (e.g. not JSON); `amount=`, `currency=`, `wallet_id=`, `reason=`,
        `omit=<data fields>` change the data; any other name (`type=`, `id=`) the envelope. Returns the
        message id.

        | ${message_id} = | Publish Credit Command With Changes | ${wallet} | currency=USD |
        """
        if "body" in changes:
            return self.publish_raw_command_message(str(changes["body"]))
        arguments: dict[str, Any] = {"wallet_id": wallet["id"], "amount": 500, "currency": wallet["currency"]}
        arguments.update(changes)
        command = self.a_credit_command(
            str(arguments.pop("wallet_id")), arguments.pop("amount"), str(arguments.pop("currency")), **arguments
        )
        return self.publish_command_message(command)

    @keyword("Command Should Land In Dead Letter Queue")
    def command_should_land_in_dead_letter_queue(self, message_id: str, timeout: float | None = None) -> dict:
        """Waits (deadline `timeout` seconds, default `${EVENT_TIMEOUT}`) for the command `message_id` to be
        rejected without requeue from `wallet.commands` (x-death reason `rejected`) through
        `wallet.commands.dlx` into `wallet.commands.dlq`, then takes it out of the dlq. Returns
        `{"message_id", "body", "x_death"}`.

        | Command Should Land In Dead Letter Queue | ${message_id} |
        """
        limit = self.ctx.event_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        mine = self.broker.wait_until(lambda: self._dead_letters_of(message_id), limit)
        if not mine:
            raise AssertionError(
                f"command {message_id} was not dead-lettered through {DEAD_LETTER_EXCHANGE} within {limit} s"
            )
        deaths = (mine[0].properties.headers or {}).get("x-death") or []
        first = deaths[0] if deaths else {}
        reason, queue = _text(first.get("reason")), _text(first.get("queue"))
        if reason != "rejected" or queue != COMMANDS_QUEUE:
            raise AssertionError(
                f"dead letter {message_id}: expected x-death reason 'rejected' from queue {COMMANDS_QUEUE!r}, "
                f"got reason {reason!r} from queue {queue!r}"
            )
        if not self.broker.take_from_dead_letter_queue(message_id, max(deadline, time.monotonic() + 2.0)):
            raise AssertionError(
                f"command {message_id} went through {DEAD_LETTER_EXCHANGE} but is not in {DEAD_LETTER_QUEUE}"
            )
        self.ctx.info(f"Dead-lettered (x-death reason {reason} from {queue}): {mine[0].describe()}")
        return {"message_id": message_id, "body": mine[0].body.decode("utf-8", "replace"), "x_death": deaths}

    @keyword("Command Should Not Be Dead Lettered")
    def command_should_not_be_dead_lettered(self, message_id: str) -> None:
        """Fails if the command `message_id` has been dead-lettered so far (the suite teardown looks again
        for every command the suite published and had applied).

        | Command Should Not Be Dead Lettered | ${command}[id] |
        """
        self.broker.pump()
        mine = self._dead_letters_of(message_id)
        if mine:
            raise AssertionError(f"command {message_id} was dead-lettered: {mine[0].describe()}")

    def _dead_letters_of(self, message_id: str) -> list:
        return [message for message in self.broker.dead_letters if message.properties.message_id == message_id]


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return None if value is None else str(value)
