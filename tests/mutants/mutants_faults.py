# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Mutants of area `model` (issue 18): defects that show only when a fault meets traffic, or only to an oracle
that computes the expected state from the requests, the answers and the gateway's script.

Each one survived the suites before issue 18 (the rows, events and balances agree with each other; only the
request, the answer, the gateway's journal, a read's time window or a scripted fault tells) and is meant to be
killed by the seeded fault schedule and the oracle of `suites/model`. Format as in mutants_catalog.py.
"""

from __future__ import annotations

from mutants_patch import Edit, Mutant

FLOAT_NOTE = "amounts held in major units as a float and converted back with int(): one minor unit short on ~5% of amounts (29 -> 28), exact on round ones (500, 1050, 10^8)"

FAULT_MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        id="idempotency_lease_half_second",
        area="model",
        rule="idempotency.in-use",
        contract="Same key while the first request is still running: 409 IDEMPOTENCY_KEY_IN_USE (and nothing is executed twice)",
        description="[client timeout + retry] The reservation of a key counts as abandoned after 0.5 s instead of 60 s (the lease read in the wrong unit): a client that gives up on a slow deposit and retries with the same key gets it executed a second time (two charges, two rows).",
        edits=(
            Edit(
                "wallet_api/config.py",
                r"""        idempotency_stale_after_s=float(_int(env, "IDEMPOTENCY_STALE_AFTER_S", 60, 1, 86_400)),""",
                r"""        idempotency_stale_after_s=float(_int(env, "IDEMPOTENCY_STALE_AFTER_S", 60, 1, 86_400)) / 120,""",
            ),
        ),
    ),
    Mutant(
        id="charge_amount_float_minor_units",
        area="model",
        rule="gateway.charge-request",
        contract="POST {GATEWAY_URL}/v1/charges with body {amount, currency, payment_token, reference}: the deposit's amount",
        description=f"[oracle: gateway journal] The charge's amount goes through major units: {FLOAT_NOTE}. The wallet credits the full amount; the gateway is asked for one unit less.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""        payload = {"amount": amount, "currency": currency""",
                r"""        payload = {"amount": int(amount / 100 * 100), "currency": currency""",
            ),
        ),
    ),
    Mutant(
        id="deposit_row_amount_float_minor_units",
        area="model",
        rule="deposits.succeeded",
        contract="201 transaction succeeded (balance credited) with the request's amount",
        description=f"[oracle: row vs request] The deposit row's amount goes through major units: {FLOAT_NOTE}. Balance, ledger, answer and event all agree with the short row; only the request tells.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                status="pending",
                amount=amount,""",
                r"""                status="pending",
                amount=int(amount / 100 * 100),""",
            ),
        ),
    ),
    Mutant(
        id="deposit_abandoned_when_client_leaves",
        area="model",
        rule="gateway.no-retry",
        contract="Same key while the first request is still running: 409; nothing is executed again: no second charge at the gateway",
        description="[client timeout + retry] A deposit is cancelled as soon as its client disconnects (and its key released, as after any 5xx): the charge already sent stays at the gateway, the pending row stays behind, and the client's retry with the same key charges again.",
        edits=(
            Edit(
                "wallet_api/routes.py",
                r"""        amount, currency, token = params
        return await app.service.deposit(idem, wallet_id, amount, currency, token)""",
                r"""        amount, currency, token = params
        import asyncio

        async def client_left() -> None:  # no work for a client that went away
            while not await request.is_disconnected():
                await asyncio.sleep(0.05)

        work = asyncio.ensure_future(app.service.deposit(idem, wallet_id, amount, currency, token))
        watcher = asyncio.ensure_future(client_left())
        done, _ = await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if work not in done:
            work.cancel()
            raise ApiError(503, "CLIENT_GONE", "The client went away.")
        watcher.cancel()
        return work.result()""",
            ),
        ),
    ),
    Mutant(
        id="gateway_reconnect_longer_timeout",
        area="model",
        rule="deposits.gateway-timeout",
        contract="no answer within GATEWAY_TIMEOUT_MS: 504 GATEWAY_TIMEOUT",
        description="[behaviour after a reconnect] After a gateway 5xx the client reconnects with 1.3 x the timeout ('give a struggling gateway more time') and keeps it: from then on a charge answered between 1.0 and 1.3 x GATEWAY_TIMEOUT_MS is credited (201) instead of 504.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""        else:
            result = interpret(response.status_code, content)""",
                r"""        else:
            result = interpret(response.status_code, content)
            if result.kind == "error" and not getattr(self, "reconnected", False):  # reconnect, with more patience
                self.reconnected = True
                self.timeout_s *= 1.3
                self.client = httpx.AsyncClient(
                    timeout=httpx.Timeout(self.timeout_s),
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                    follow_redirects=False,
                    trust_env=False,
                )""",
            ),
        ),
    ),
    Mutant(
        id="webhook_dedup_by_short_cache",
        area="model",
        rule="webhooks.repeat-no-change",
        contract="a repeated webhook for an already settled charge is 200 and changes nothing",
        description="[late duplicate webhook] Repeated webhooks are recognised by an in-memory set of charges settled in the last 3 s instead of the row's status: a gateway that delivers the same webhook again later credits the deposit twice (second event, balance past the ledger).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if tx["status"] != "pending":
                return {"result": "already_settled", "transaction_id": str(tx["id"]), "status": tx["status"]}""",
                r"""            import time

            if time.monotonic() - _SETTLED.get(charge_id, -1e9) < 3.0:
                return {"result": "already_settled", "transaction_id": str(tx["id"]), "status": tx["status"]}
            _SETTLED[charge_id] = time.monotonic()""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""class WalletService:""",
                r"""_SETTLED: dict[str, float] = {}


class WalletService:""",
            ),
        ),
    ),
    Mutant(
        id="transfer_row_amount_float_minor_units",
        area="model",
        rule="transfers.succeeded",
        contract="POST /v1/transfers: 201 transfer (its amount is the request's)",
        description=f"[oracle: row vs request] The transfers row (and so the answer built from it) stores the amount through major units: {FLOAT_NOTE}. The legs and the balances move the full amount.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                (transfer_id, source_id, destination_id, amount, currency),""",
                r"""                (transfer_id, source_id, destination_id, int(amount / 100 * 100), currency),""",
            ),
        ),
    ),
    Mutant(
        id="charge_reference_oldest_pending_row",
        area="model",
        rule="gateway.charge-request",
        contract='the charge\'s "reference" is the deposit transaction id',
        description="[oracle: gateway journal] The reference is read back from the database as 'the pending deposit of this wallet' (oldest first) instead of taken from the row just inserted: while an older deposit of the wallet is still pending, the charge carries that one's id.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            reference=str(pending["id"]),""",
                r"""            reference=str(reference["id"]),""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""        pending = await self.db.transaction(start)""",
                r"""        pending = await self.db.transaction(start)
        reference = await self.db.transaction(
            lambda conn: _fetch_one(
                conn,
                "SELECT {T} FROM transactions WHERE wallet_id = %s AND type = 'deposit' AND status = 'pending' "
                "ORDER BY created_at LIMIT 1",
                (wallet_id,),
            )
        )""",
            ),
        ),
    ),
    Mutant(
        id="deposit_answer_balance_after_stale",
        area="model",
        rule="resources.balance-after",
        contract="balance_after is the wallet balance right after a succeeded transaction",
        description="[interleaving, oracle: answer vs row] A 201 deposit answers (and stores for replays) balance_after = the balance loaded before the gateway call + amount: when another change lands on the wallet during the call, the answer disagrees with the row (which is right, as is the balance).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""        async def start(conn: Conn) -> dict[str, Any]:""",
                r"""        loaded: dict[str, Any] = {}

        async def start(conn: Conn) -> dict[str, Any]:""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                raise currency_mismatch()
            return await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="deposit",""",
                r"""                raise currency_mismatch()
            loaded.update(wallet)
            return await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="deposit",""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""self._finalize_deposit(conn, idem, pending["id"], result))""",
                r"""self._finalize_deposit(conn, idem, pending["id"], result, loaded))""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""        self, conn: Conn, idem: IdempotencyKey, tx_id: uuid.UUID, result: ChargeResult
    ) -> Outcome:""",
                r"""        self, conn: Conn, idem: IdempotencyKey, tx_id: uuid.UUID, result: ChargeResult, loaded: dict[str, Any]
    ) -> Outcome:""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            tx = await _settle_succeeded(conn, wallet, tx, result.charge_id)
            outcome = Outcome(201, models.transaction_json(tx))""",
                r"""            tx = await _settle_succeeded(conn, wallet, tx, result.charge_id)
            outcome = Outcome(201, {**models.transaction_json(tx), "balance_after": loaded["balance"] + tx["amount"]})""",
            ),
        ),
    ),
    Mutant(
        id="command_db_error_dead_lettered",
        area="model",
        rule="commands.once-per-id",
        contract="A valid command credits the wallet and emits credit.applied, once per command id however often it is delivered",
        description="[database session killed + commands in flight] A command whose handling fails because the database connection was lost is dead-lettered like a poison message instead of requeued: a valid credit that meets a killed session is never applied.",
        edits=(
            Edit(
                "wallet_api/broker.py",
                r"""            log_fields(log, logging.WARNING, "command deferred (database)", error=type(exc).__name__)
            await asyncio.sleep(0.5)
            await self._settle(message, "requeue")""",
                r"""            log_fields(log, logging.WARNING, "command failed (database)", error=type(exc).__name__)
            await self._settle(message, "reject")""",
            ),
        ),
    ),
)
