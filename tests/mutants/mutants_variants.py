# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Variants of the stand-in (issue 18): changes where the contract leaves freedom. Each one is a CORRECT
implementation, so every suite must PASS against it (`expect="pass"`; `./run.sh mutants --area variant`):
a test that fails on one assumes something the contract does not promise (a false failure waiting for a real
service). Format as in mutants_catalog.py.
"""

from __future__ import annotations

from mutants_patch import Edit, Mutant

VARIANTS: tuple[Mutant, ...] = (
    Mutant(
        id="variant_outbox_payload_wrapped",
        area="variant",
        rule="events.exactly-once",
        contract="outbox(id, type, routing_key, payload jsonb, created_at, published_at): the payload's shape is the implementation's",
        description="The outbox row keeps the event inside an envelope {schema, event} (occurred_at beside it); the publisher unwraps it, so the messages are unchanged.",
        expect="pass",
        edits=(
            Edit(
                "wallet_api/models.py",
                r"""        (OUTBOX_CHANNEL, event_id, event_type, event_type, Jsonb(payload)),""",
                r"""        (OUTBOX_CHANNEL, event_id, event_type, event_type, Jsonb({"schema": 1, "event": payload})),""",
            ),
            Edit(
                "wallet_api/broker.py",
                r"""                body=jsonutil.dumps(row["payload"]),""",
                r"""                body=jsonutil.dumps({**row["payload"]["event"], "occurred_at": row["payload"]["occurred_at"]}),""",
            ),
        ),
    ),
    Mutant(
        id="variant_outbox_publish_delay",
        area="variant",
        rule="events.exactly-once",
        contract="every event is first written to the outbox; published_at is set once the broker confirmed it (no promise how soon)",
        description="The publisher waits 1 s before each batch (events arrive up to ~1 s later than with the stand-in).",
        expect="pass",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""        while True:
            try:
                # A retry after a lost connection may publish a row twice: delivery is at-least-once.""",
                r"""        while True:
            await asyncio.sleep(1.0)  # batch up
            try:
                # A retry after a lost connection may publish a row twice: delivery is at-least-once.""",
            ),
        ),
    ),
    Mutant(
        id="variant_extra_tables_columns",
        area="variant",
        rule="money.balance-equals-ledger",
        contract="Rows of other tables may exist (section 6); extra columns are not forbidden",
        description="An extra column on transactions (written on every row) and an extra audit table with a row per transaction.",
        expect="pass",
        edits=(
            Edit(
                "migrations/001_initial_schema.sql",
                r"""CREATE INDEX IF NOT EXISTS idempotency_keys_created_idx""",
                r"""ALTER TABLE transactions ADD COLUMN IF NOT EXISTS channel text NOT NULL DEFAULT 'api';
CREATE TABLE IF NOT EXISTS audit_log (id bigserial PRIMARY KEY, transaction_id uuid NOT NULL, at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS idempotency_keys_created_idx""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""    assert row is not None
    return row


class WalletService:""",
                r"""    assert row is not None
    await conn.execute("INSERT INTO audit_log (transaction_id, at) VALUES (%s, clock_timestamp())", (row["id"],))
    return row


class WalletService:""",
            ),
        ),
    ),
    Mutant(
        id="variant_slow_webhook_settlement",
        area="variant",
        rule="webhooks.repeat-no-change",
        contract="POST /v1/webhooks/payment-gateway: 200 settles a pending deposit (no promise how fast)",
        description="The webhook handler takes 300 ms more before it settles (a slower settlement, still answered 200 once done).",
        expect="pass",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    result = await app.service.settle_charge(charge_id, str(status), failure_code)""",
                r"""    import asyncio

    await asyncio.sleep(0.3)
    result = await app.service.settle_charge(charge_id, str(status), failure_code)""",
            ),
        ),
    ),
)
