# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Mutants of the messages: change events (outbox, RabbitMQ), credit commands and the gateway's webhooks
(signatures, settlement, repeats). Caught by the example suites.

Part of MUTANTS (mutants_catalog.py, whose docstring says how a mutant is written)."""

from __future__ import annotations

from mutants_patch import Edit, Mutant

MESSAGE_MUTANTS: tuple[Mutant, ...] = (
    # ----------------------------------------------------------------------------------------- events
    Mutant(
        id="event_not_persistent",
        area="events",
        rule="events.properties",
        contract="content_type=application/json, delivery_mode=2, message_id = event id, type = event type",
        description="Events are published with delivery_mode=1 (transient).",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,""",
                r"""                delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,""",
            ),
        ),
    ),
    Mutant(
        id="event_routing_key_aggregate",
        area="events",
        rule="events.routing-key",
        contract="routing key = event type",
        description="Events are routed by their aggregate (deposit, withdrawal, ...) instead of the event type.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                await exchange.publish(message, routing_key=row["routing_key"], mandatory=False, timeout=5)""",
                r"""                await exchange.publish(
                    message, routing_key=row["routing_key"].split(".")[0], mandatory=False, timeout=5
                )""",
            ),
        ),
    ),
    Mutant(
        id="rejected_transfer_emits_event",
        area="events",
        rule="events.none-on-rejection",
        contract="Exactly one event per state change ...; none for a rejected request (4xx other than 402). Every "
        "event is first written to outbox in the same database transaction as the change it describes",
        description="transfer.succeeded is written to the outbox in its own transaction before the balance check: "
        "a transfer refused with INSUFFICIENT_FUNDS still emits it.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source["balance"] < amount:
                raise insufficient_funds()
            transfer_id = uuid.uuid4()""",
                r"""            transfer_id = uuid.uuid4()
            event = {
                "transfer_id": str(transfer_id),
                "source_wallet_id": str(source_id),
                "destination_wallet_id": str(destination_id),
                "amount": amount,
                "currency": currency,
            }
            await self.db.transaction(lambda own: models.emit(own, "transfer.succeeded", event))
            if source["balance"] < amount:
                raise insufficient_funds()""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            await models.emit(
                conn,
                "transfer.succeeded",
                {
                    "transfer_id": str(transfer_id),
                    "source_wallet_id": str(source_id),
                    "destination_wallet_id": str(destination_id),
                    "amount": amount,
                    "currency": currency,
                },
            )
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="replay_emits_event",
        area="events",
        rule="events.none-on-replay",
        contract="none for an idempotent replay",
        description="A replayed successful withdrawal or deposit re-publishes its event (a new outbox row).",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    if stored is not None:
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
                r"""    if stored is not None:
        done = stored.body if stored.status == 201 and isinstance(stored.body, dict) else {}
        if done.get("type") in ("deposit", "withdrawal"):
            data = {
                "wallet_id": done["wallet_id"],
                "owner_id": owner,
                "transaction_id": done["id"],
                "amount": done["amount"],
                "currency": done["currency"],
                "balance_after": done["balance_after"],
            }
            await app.db.transaction(lambda conn: models.emit(conn, f"{done['type']}.succeeded", data))
            app.broker.wake()
        return json_response(stored.status, stored.body, {"Idempotency-Replayed": "true"})""",
            ),
            Edit(
                "wallet_api/routes.py",
                r"""from . import idempotency, jsonutil""",
                r"""from . import idempotency, jsonutil, models""",
            ),
        ),
    ),
    Mutant(
        id="deposit_failed_not_emitted",
        area="events",
        rule="events.deposit-failed",
        contract="deposit.failed (for 402/502/504) ... failed webhook: deposit.failed",
        description="A failed deposit (declined, gateway error or timeout, failed webhook) emits no event.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""    await models.emit(conn, "deposit.failed", models.deposit_failed_data(wallet, row))
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="published_at_never_set",
        area="events",
        rule="outbox.published-at",
        contract="published_at is set once the broker confirmed it",
        description="The publisher remembers the events it sent in memory instead of setting outbox.published_at: "
        "events are delivered, the outbox never records it (and a restart would publish everything again).",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""POLL_INTERVAL_S = 1.0
""",
                r"""POLL_INTERVAL_S = 1.0
_SENT: set[uuid.UUID] = set()
""",
            ),
            Edit(
                "wallet_api/broker.py",
                r"""            "SELECT id, type, routing_key, payload FROM outbox WHERE published_at IS NULL "
            "ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
            (PUBLISH_BATCH,),""",
                r"""            "SELECT id, type, routing_key, payload FROM outbox WHERE published_at IS NULL "
            "AND NOT (id = ANY(%s::uuid[])) ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
            (list(_SENT), PUBLISH_BATCH),""",
            ),
            Edit(
                "wallet_api/broker.py",
                r"""            await conn.execute("UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY(%s)", (confirmed,))""",
                r"""            _SENT.update(confirmed)""",
            ),
        ),
    ),
    # --------------------------------------------------------------------------------------- commands
    Mutant(
        id="command_redelivery_credits_twice",
        area="commands",
        rule="commands.once-per-id",
        contract="credits the wallet ... once per command id however often it is delivered",
        description="processed_commands is upserted, so a redelivered command credits the wallet again.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                "ON CONFLICT (id) DO NOTHING RETURNING id",""",
                r"""                "ON CONFLICT (id) DO UPDATE SET processed_at = clock_timestamp() RETURNING id",""",
            ),
        ),
    ),
    Mutant(
        id="invalid_command_requeued",
        area="commands",
        rule="commands.invalid-unknown-type",
        contract="An invalid one ... is rejected without requeue, so it lands in wallet.commands.dlq",
        description="Invalid commands are treated as transient failures and requeued (never dead-lettered).",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")""",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await asyncio.sleep(0.5)
            await self._settle(message, "requeue")""",
            ),
        ),
    ),
    Mutant(
        id="invalid_command_acked",
        area="commands",
        rule="commands.invalid-not-json",
        contract="An invalid one (not JSON, unknown type, unknown wallet, bad amount, currency mismatch) is "
        "rejected without requeue, so it lands in wallet.commands.dlq",
        description="Invalid commands are acked and dropped: nothing reaches the dead-letter queue.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")""",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "ack")""",
            ),
        ),
    ),
    Mutant(
        id="command_currency_unchecked",
        area="commands",
        rule="commands.invalid-currency",
        contract="An invalid one (... currency mismatch) is rejected without requeue",
        description="A credit command in another currency than the wallet's is applied instead of dead-lettered.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if wallet["currency"] != currency:
                raise InvalidCommandError("currency mismatch")
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="consumer_stops_after_invalid",
        area="commands",
        rule="commands.keeps-consuming",
        contract="An invalid one ... lands in wallet.commands.dlq, and the service keeps consuming",
        description="After dead-lettering an invalid command the consumer cancels itself: later commands are "
        "never applied.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")""",
                r"""                log, logging.WARNING, "command rejected to the DLQ", reason=str(exc), message_id=message.message_id
            )
            await self._settle(message, "reject")
            with contextlib.suppress(Exception):
                await message.channel.basic_cancel(message.consumer_tag)""",
            ),
        ),
    ),
    Mutant(
        id="dlq_not_bound",
        area="commands",
        rule="commands.topology",
        contract="dead-letter exchange wallet.commands.dlx (fanout) into durable queue wallet.commands.dlq",
        description="The DLQ is declared but never bound to the dead-letter exchange: rejected commands vanish.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""    await dlq.bind(dlx, routing_key="")
""",
                "",
            ),
        ),
    ),
    # --------------------------------------------------------------------------------------- webhooks
    Mutant(
        id="webhook_missing_signature_accepted",
        area="webhooks",
        rule="webhooks.missing-signature",
        contract="POST /v1/webhooks/payment-gateway: 401 INVALID_SIGNATURE ... The signature is checked first",
        description="The signature is only checked when the header is present: an unsigned webhook settles.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    if not _signature_valid(app.settings.webhook_secret, raw, request.headers.get("x-gateway-signature")):""",
                r"""    signature = request.headers.get("x-gateway-signature")
    if signature is not None and not _signature_valid(app.settings.webhook_secret, raw, signature):""",
            ),
        ),
    ),
    Mutant(
        id="webhook_signature_not_verified",
        area="webhooks",
        rule="webhooks.invalid-signature",
        contract="X-Gateway-Signature: sha256=<hex HMAC-SHA256 of the raw body with GATEWAY_WEBHOOK_SECRET> ... "
        "401 INVALID_SIGNATURE",
        description="Any header of the form sha256=<64 hex digits> is accepted; the HMAC is never compared.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    return hmac.compare_digest(header[len("sha256=") :].strip().lower().encode(), expected.encode())""",
                r"""    return len(header[len("sha256=") :].strip()) == len(expected)""",
            ),
        ),
    ),
    Mutant(
        id="webhook_repeat_credits_twice",
        area="webhooks",
        rule="webhooks.repeat-no-change",
        contract="a repeated webhook for an already settled charge is 200 and changes nothing",
        description="The settled-state check is gone: every repeated succeeded webhook credits the deposit again.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if tx["status"] != "pending":
                return {"result": "already_settled", "transaction_id": str(tx["id"]), "status": tx["status"]}
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="webhook_unknown_charge_ok",
        area="webhooks",
        rule="webhooks.charge-not-found",
        contract="404 CHARGE_NOT_FOUND",
        description="A webhook for an unknown charge is answered 200 (ignored) instead of 404 CHARGE_NOT_FOUND.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if tx is None:
                raise ApiError(404, "CHARGE_NOT_FOUND", "No deposit is known for this charge id.")""",
                r"""            if tx is None:
                return {"result": "ignored", "transaction_id": None, "status": None}""",
            ),
        ),
    ),
    Mutant(
        id="webhook_failure_code_ignored",
        area="webhooks",
        rule="webhooks.settle-failed",
        contract="a failed webhook sets the transaction's failure_code",
        description="A failed webhook records the generic failure_code 'payment_failed' instead of the gateway's.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                tx = await _settle_failed(conn, wallet, tx, failure_code or "payment_failed", charge_id)""",
                r"""                tx = await _settle_failed(conn, wallet, tx, "payment_failed", charge_id)""",
            ),
        ),
    ),
)
