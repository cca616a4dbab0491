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
        id="charge_reference_shared_state",
        area="model",
        rule="gateway.charge-request",
        contract='the charge\'s "reference" is the deposit transaction id',
        description="[interleaving, oracle: gateway journal] The pending row's id is handed to the gateway call through an attribute of the shared service object, set before the commit: two deposits at once can send each other's id as reference.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                raise currency_mismatch()
            return await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="deposit",""",
                r"""                raise currency_mismatch()
            row = await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="deposit",""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                currency=currency,
            )

        pending = await self.db.transaction(start)""",
                r"""                currency=currency,
            )
            self.pending_reference = str(row["id"])  # handed to the gateway call below
            return row

        pending = await self.db.transaction(start)""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            reference=str(pending["id"]),""",
                r"""            reference=self.pending_reference,""",
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
        id="withdrawal_answer_balance_after_snapshot",
        area="model",
        rule="resources.balance-after",
        contract="balance_after is the wallet balance right after a succeeded transaction",
        description="[interleaving, oracle: answer vs row] The withdrawal's answer computes balance_after from the wallet read before its lock was taken: when another change commits in between, the answer disagrees with the row (which is right, as is the balance).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""        async def work(conn: Conn) -> Outcome:
            wallet = await _wallet_for_update(conn, wallet_id)
            if wallet is None or wallet["owner_id"] != idem.owner_id:""",
                r"""        async def work(conn: Conn) -> Outcome:
            seen = await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (wallet_id,))
            wallet = await _wallet_for_update(conn, wallet_id)
            if wallet is None or wallet["owner_id"] != idem.owner_id:""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            await models.emit(conn, "withdrawal.succeeded", models.balance_event_data(wallet, tx))
            outcome = Outcome(201, models.transaction_json(tx))""",
                r"""            await models.emit(conn, "withdrawal.succeeded", models.balance_event_data(wallet, tx))
            outcome = Outcome(201, {**models.transaction_json(tx), "balance_after": seen["balance"] - amount})""",
            ),
        ),
    ),
    Mutant(
        id="wallet_read_coalescing_keeps_result",
        area="model",
        rule="wallets.get",
        contract="GET /v1/wallets/{id}: 200 wallet (its balance is the balance: a read never goes back in time)",
        description="[concurrent reads, oracle: read window] Reads of one wallet are coalesced: a GET arriving while another is in flight, or within 100 ms after it finished, gets that one's result. Under concurrent reads and writes a read returns a balance already overwritten before it started.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""        row = await self.db.transaction(work)
        if row is None:
            raise wallet_not_found()
        return models.wallet_json(row)""",
                r"""        import asyncio
        import time

        shared = _COALESCED.get((wallet_id, owner_id))
        if shared is not None and (not shared[0].done() or time.monotonic() - shared[1] < 0.1):
            row = await asyncio.shield(shared[0])
        else:
            future = asyncio.ensure_future(self.db.transaction(work))
            _COALESCED[(wallet_id, owner_id)] = [future, float("inf")]
            row = await future
            _COALESCED[(wallet_id, owner_id)][1] = time.monotonic()
        if row is None:
            raise wallet_not_found()
        return models.wallet_json(row)""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""class WalletService:""",
                r"""_COALESCED: dict[Any, list[Any]] = {}


class WalletService:""",
            ),
        ),
    ),
    Mutant(
        id="credit_amount_float_minor_units",
        area="model",
        rule="commands.credit-applied",
        contract="A valid command credits the wallet (transaction type credit) with its amount",
        description=f"[oracle: row vs command] The credit goes through major units: {FLOAT_NOTE}. Row, balance and event agree with each other; only the command tells.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            balance = await _apply_balance(conn, wallet_id, amount)
            tx = await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="credit",""",
                r"""            amount = int(amount / 100 * 100)  # via major units
            balance = await _apply_balance(conn, wallet_id, amount)
            tx = await _insert_transaction(
                conn,
                wallet_id=wallet_id,
                kind="credit",""",
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
)
