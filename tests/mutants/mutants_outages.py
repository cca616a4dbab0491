"""Mutants of the wallet's behaviour across outages: the broker and the database going away and coming back.
Caught by the destructive example suites (serial phase).

Part of MUTANTS (mutants_catalog.py, whose docstring says how a mutant is written)."""

from __future__ import annotations

from mutants_patch import Edit, Mutant

OUTAGE_MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------------------------- resilience
    Mutant(
        id="health_always_ok",
        area="resilience",
        rule="health.broker-down",
        contract='GET /health: 503 same shape, "status":"degraded", failing check "down"',
        description="/health answers 200 ok whatever the state of the database and the broker.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    checks = {"database": "ok" if database_ok else "down", "broker": "ok" if broker_ok else "down"}
    healthy = database_ok and broker_ok""",
                r"""    checks = {"database": "ok", "broker": "ok"}
    healthy = True""",
            ),
        ),
    ),
    Mutant(
        id="broker_down_requests_fail",
        area="resilience",
        rule="resilience.broker-down-commits",
        contract="when the broker is unreachable, changes still commit and their events are published once it is back",
        description="Money requests are refused with 503 while the broker connection is down.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""    idem = IdempotencyKey(owner, key, request_hash(request.method, request.scope["path"], body))
    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)""",
                r"""    if not app.broker.healthy:
        raise ApiError(503, "SERVICE_UNAVAILABLE", "The event broker is unavailable; retry later.")
    idem = IdempotencyKey(owner, key, request_hash(request.method, request.scope["path"], body))
    stored = await idempotency.reserve(app.db, idem, app.settings.idempotency_stale_after_s)""",
            ),
        ),
    ),
    Mutant(
        id="broker_backlog_dropped",
        area="resilience",
        rule="resilience.no-event-lost",
        contract="when the broker is unreachable, changes still commit and their events are published once it is "
        "back (no event is lost)",
        description="On reconnect the publisher skips the backlog (marks it published) to avoid a burst: events "
        "of changes made while the broker was away are lost.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""            self._channels = [publish_channel, consume_channel]
            self._ready = established = True""",
                r"""            self._channels = [publish_channel, consume_channel]
            with contextlib.suppress(Exception):
                await self.db.transaction(
                    lambda conn: conn.execute(
                        "UPDATE outbox SET published_at = clock_timestamp() WHERE published_at IS NULL "
                        "AND created_at < clock_timestamp() - interval '1 second'"
                    )
                )
            self._ready = established = True""",
            ),
        ),
    ),
    Mutant(
        id="db_connection_loss_not_retried",
        area="resilience",
        rule="resilience.database-reconnect",
        contract="(issue 4, item 12) the wallet's database connections killed, the next requests succeed",
        description="A killed database connection is not detected as retryable: the next requests fail with 500 "
        "until the pool has replaced every dead connection.",
        edits=(
            Edit(
                "wallet_api/db.py",
                r"""    return state is None or state in {"57P01", "57P02", "57P03"} or state.startswith("08")""",
                r"""    return state in {"57P02", "57P03"}""",
            ),
        ),
    ),
)
