"""Application factory: routes, middleware, exception handlers and the start/stop lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route

from . import idempotency, routes
from .broker import Broker
from .config import Settings
from .db import Database, migrate, wait_for_database
from .errors import ApiError
from .gateway import GatewayClient
from .http import RequestContextMiddleware, api_error_handler, http_exception_handler
from .logs import log_fields
from .service import WalletService

log = logging.getLogger("wallet_api")

DATABASE_START_DEADLINE_S = 60.0
JANITOR_INTERVAL_S = 3600.0


async def _janitor(db: Database, retention_h: float) -> None:
    """Hourly: forget idempotency keys past their retention (>= 24 h, default 48 h)."""
    while True:
        await asyncio.sleep(JANITOR_INTERVAL_S)
        try:
            purged = await idempotency.purge_expired(db, retention_h)
            log_fields(log, logging.INFO, "expired idempotency keys purged", count=purged)
        except Exception as exc:
            log_fields(log, logging.WARNING, "idempotency purge failed", error=type(exc).__name__)


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await wait_for_database(settings.database_url, DATABASE_START_DEADLINE_S)
        applied = await migrate(settings.database_url)
        log_fields(log, logging.INFO, "schema ready", migrations_applied=applied)
        if len(settings.jwt_secret.encode()) < 32:
            log_fields(log, logging.WARNING, "JWT_SECRET is shorter than 32 bytes; use a longer key in production")
        db = Database(
            settings.database_url,
            min_size=settings.db_pool_min_size,
            max_size=settings.db_pool_max_size,
            timeout_s=settings.db_pool_timeout_s,
        )
        await db.open()
        gateway = GatewayClient(settings.gateway_url, settings.gateway_timeout_s)
        service = WalletService(db, gateway)
        broker = Broker(settings.amqp_url, settings.database_url, db, service, settings.supported_currencies)
        broker.start()
        janitor = asyncio.create_task(_janitor(db, settings.idempotency_retention_h), name="janitor")
        app.state.ctx = routes.AppContext(settings=settings, db=db, service=service, broker=broker)
        log_fields(log, logging.INFO, "wallet api started", port=settings.port)
        try:
            yield
        finally:
            janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await janitor
            await broker.stop()
            await gateway.close()
            await db.close()
            log_fields(log, logging.INFO, "wallet api stopped")

    return Starlette(
        routes=[
            Route("/health", routes.health, methods=["GET"]),
            Route("/v1/wallets", routes.create_wallet, methods=["POST"]),
            Route("/v1/wallets", routes.list_wallets, methods=["GET"]),
            Route("/v1/wallets/{wallet_id}", routes.get_wallet, methods=["GET"]),
            Route("/v1/wallets/{wallet_id}/deposits", routes.create_deposit, methods=["POST"]),
            Route("/v1/wallets/{wallet_id}/withdrawals", routes.create_withdrawal, methods=["POST"]),
            Route("/v1/wallets/{wallet_id}/transactions", routes.list_transactions, methods=["GET"]),
            Route("/v1/transfers", routes.create_transfer, methods=["POST"]),
            Route("/v1/transactions/{transaction_id}", routes.get_transaction, methods=["GET"]),
            Route("/v1/webhooks/payment-gateway", routes.payment_gateway_webhook, methods=["POST"]),
        ],
        middleware=[Middleware(RequestContextMiddleware)],
        exception_handlers={ApiError: api_error_handler, HTTPException: http_exception_handler},
        lifespan=lifespan,
    )
