# ruff: noqa: E501 - the snippets are verbatim code of the stand-in, indentation included
"""Mutants of the money paths: deposits through the gateway, withdrawals and transfers, the ledger, and
concurrent requests on one wallet. Caught by the example suites.

Part of MUTANTS (mutants_catalog.py, whose docstring says how a mutant is written)."""

from __future__ import annotations

from mutants_patch import Edit, Mutant

MONEY_MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------------------------------ deposits
    Mutant(
        id="deposit_pending_credited",
        area="deposits",
        rule="deposits.pending",
        contract="202 transaction pending when the gateway says pending (balance unchanged)",
        description="A 202 pending gateway answer is taken for a success: the deposit is credited at once.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""    if status in (200, 201) and reported == "succeeded":""",
                r"""    if status in (200, 201, 202) and reported in ("succeeded", "pending"):""",
            ),
        ),
    ),
    Mutant(
        id="deposit_decline_code_lost",
        area="deposits",
        rule="deposits.declined",
        contract="402 PAYMENT_DECLINED (transaction recorded failed, failure_code = gateway decline code)",
        description="A declined deposit is recorded with the generic failure_code 'declined' instead of the "
        "gateway's decline_code.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                failure_code = result.decline_code""",
                r'''                failure_code = "declined"''',
            ),
        ),
    ),
    Mutant(
        id="deposit_5xx_as_timeout",
        area="deposits",
        rule="deposits.gateway-error",
        contract="502 GATEWAY_ERROR (gateway 5xx)",
        description="A gateway 5xx is reported as 504 GATEWAY_TIMEOUT instead of 502 GATEWAY_ERROR.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""    if status >= 500:
        return ChargeResult("error", http_status=status)""",
                r"""    if status >= 500:
        return ChargeResult("timeout", http_status=status)""",
            ),
        ),
    ),
    Mutant(
        id="deposit_timeout_as_error",
        area="deposits",
        rule="deposits.gateway-timeout",
        contract="504 GATEWAY_TIMEOUT (no answer within GATEWAY_TIMEOUT_MS)",
        description="A gateway that does not answer in time is reported as 502 GATEWAY_ERROR instead of 504.",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""        except (TimeoutError, httpx.TimeoutException):
            result = ChargeResult("timeout")""",
                r"""        except (TimeoutError, httpx.TimeoutException):
            result = ChargeResult("error")""",
            ),
        ),
    ),
    Mutant(
        id="gateway_retries_on_5xx",
        area="deposits",
        rule="gateway.no-retry",
        contract="The wallet never retries a charge on its own",
        description="After a gateway 5xx the wallet retries the charge once (same idempotency key).",
        edits=(
            Edit(
                "wallet_api/gateway.py",
                r"""                response = await self.client.post(
                    f"{self.base_url}/v1/charges",
                    content=jsonutil.dumps(payload),
                    headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
                )""",
                r"""                for _attempt in range(2):
                    response = await self.client.post(
                        f"{self.base_url}/v1/charges",
                        content=jsonutil.dumps(payload),
                        headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
                    )
                    if response.status_code < 500:
                        break""",
            ),
        ),
    ),
    Mutant(
        id="gateway_key_not_owner_prefixed",
        area="deposits",
        rule="gateway.idempotency-key",
        contract="header Idempotency-Key: <the client's key, prefixed by the owner id and a colon>",
        description="The client's Idempotency-Key is forwarded to the gateway without the owner prefix.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            idempotency_key=f"{idem.owner_id}:{idem.key}",""",
                r"""            idempotency_key=idem.key,""",
            ),
        ),
    ),
    Mutant(
        id="gateway_reference_is_wallet",
        area="deposits",
        rule="gateway.charge-request",
        contract='body {"amount", "currency", "payment_token", "reference": "<deposit transaction id>"}',
        description="The charge's reference is the wallet id instead of the deposit transaction id.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            reference=str(pending["id"]),""",
                r"""            reference=str(wallet_id),""",
            ),
        ),
    ),
    Mutant(
        id="deposit_currency_unchecked",
        area="deposits",
        rule="deposits.currency-mismatch",
        contract="POST /v1/wallets/{id}/deposits: 422 CURRENCY_MISMATCH",
        description="A deposit's currency is not compared with the wallet's: a USD deposit credits an EUR wallet.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if wallet["currency"] != currency:
                raise currency_mismatch()
            return await _insert_transaction(""",
                r"""            return await _insert_transaction(""",
            ),
        ),
    ),
    # ----------------------------------------------------------------------------- withdrawals-transfers
    Mutant(
        id="insufficient_funds_writes_row",
        area="withdrawals-transfers",
        rule="withdrawals.insufficient-funds",
        contract="422 INSUFFICIENT_FUNDS (no transaction row, balance unchanged)",
        description="A withdrawal refused for insufficient funds still records a failed withdrawal row.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if wallet["balance"] < amount:
                raise insufficient_funds()
            balance = await _apply_balance(conn, wallet_id, -amount)""",
                r"""            if wallet["balance"] < amount:
                await _insert_transaction(
                    conn, wallet_id=wallet_id, kind="withdrawal", status="failed", amount=amount, currency=currency
                )
                refused = Outcome(422, insufficient_funds().body())
                await idempotency.finish(conn, idem, refused.status, refused.body)
                return refused
            balance = await _apply_balance(conn, wallet_id, -amount)""",
            ),
        ),
    ),
    Mutant(
        id="transfer_same_wallet_allowed",
        area="withdrawals-transfers",
        rule="transfers.same-wallet",
        contract="POST /v1/transfers: 422 SAME_WALLET",
        description="A transfer from a wallet to itself is not refused (201, two legs on one wallet).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source_id == destination_id:
                raise ApiError(422, "SAME_WALLET", "The source and destination wallets must differ.")
""",
                "",
            ),
        ),
    ),
    Mutant(
        id="transfer_destination_must_be_own",
        area="withdrawals-transfers",
        rule="ownership.transfer-destination-any-owner",
        contract="The one exception: the destination of a transfer may belong to anyone",
        description="A transfer to another owner's wallet is refused with 404 WALLET_NOT_FOUND.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source is None or destination is None or source["owner_id"] != idem.owner_id:""",
                r"""            if source is None or destination is None or {source["owner_id"], destination["owner_id"]} != {
                idem.owner_id
            }:""",
            ),
        ),
    ),
    Mutant(
        id="transfer_foreign_source_allowed",
        area="withdrawals-transfers",
        rule="ownership.transfer-source",
        contract="404 WALLET_NOT_FOUND (source not the caller's, or either missing)",
        description="The source's owner is not checked: anyone can transfer money out of another owner's wallet.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source is None or destination is None or source["owner_id"] != idem.owner_id:""",
                r"""            if source is None or destination is None:""",
            ),
        ),
    ),
    Mutant(
        id="transfer_wallet_currencies_unchecked",
        area="withdrawals-transfers",
        rule="transfers.currency-mismatch-wallets",
        contract="422 CURRENCY_MISMATCH (body currency or the two wallets differ)",
        description="Only the source's currency is compared with the body: a EUR->USD transfer goes through.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            if source["currency"] != currency or destination["currency"] != currency:""",
                r"""            if source["currency"] != currency:""",
            ),
        ),
    ),
    Mutant(
        id="transfer_in_leg_unpaired",
        area="withdrawals-transfers",
        rule="transfers.legs",
        contract="writes one transfer_out on the source and one transfer_in on the destination, same transfer_id",
        description="The transfer_in leg is written without the transfer_id (legs no longer pair up).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                    transfer_id=transfer_id,
                    counterparty_wallet_id=other,""",
                r"""                    transfer_id=transfer_id if kind == "transfer_out" else None,
                    counterparty_wallet_id=other,""",
            ),
        ),
    ),
    # ----------------------------------------------------------------------------------------- ledger
    Mutant(
        id="transfer_destination_not_credited",
        area="ledger",
        rule="money.balance-equals-ledger",
        contract="a wallet's balance = sum of its succeeded deposit, transfer_in, credit amounts minus its "
        "succeeded withdrawal, transfer_out amounts",
        description="The transfer_in leg is written but the destination's balance is not increased.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                balance = await _apply_balance(conn, wallet_id, delta)
                await _insert_transaction(""",
                r"""                balance = await _apply_balance(conn, wallet_id, min(delta, 0))
                await _insert_transaction(""",
            ),
        ),
    ),
    Mutant(
        id="withdrawal_balance_after_stale",
        area="ledger",
        rule="resources.balance-after",
        contract="balance_after is the wallet balance right after a succeeded transaction",
        description="A withdrawal's balance_after is the balance before the withdrawal.",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""                kind="withdrawal",
                status="succeeded",
                amount=amount,
                currency=currency,
                balance_after=balance,""",
                r"""                kind="withdrawal",
                status="succeeded",
                amount=amount,
                currency=currency,
                balance_after=wallet["balance"],""",
            ),
        ),
    ),
    # ------------------------------------------------------------------------------------ concurrency
    Mutant(
        id="withdrawal_unlocked_read_modify_write",
        area="concurrency",
        rule="money.concurrent-withdrawals",
        contract="N concurrent withdrawals on one wallet: exactly as many succeed as the balance covers, the rest "
        "get 422 INSUFFICIENT_FUNDS",
        description="A withdrawal reads the wallet without FOR UPDATE and writes back balance - amount computed "
        "from that read: concurrent withdrawals all pass the check and overwrite each other (lost updates).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            wallet = await _wallet_for_update(conn, wallet_id)
            if wallet is None or wallet["owner_id"] != idem.owner_id:
                raise wallet_not_found()""",
                r"""            wallet = await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (wallet_id,))
            if wallet is None or wallet["owner_id"] != idem.owner_id:
                raise wallet_not_found()""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""            balance = await _apply_balance(conn, wallet_id, -amount)
            tx = await _insert_transaction(""",
                r"""            row = await _fetch_one(
                conn,
                "UPDATE wallets SET balance = %s WHERE id = %s RETURNING balance",
                (wallet["balance"] - amount, wallet_id),
            )
            assert row is not None
            balance = row["balance"]
            tx = await _insert_transaction(""",
            ),
        ),
    ),
    Mutant(
        id="transfer_source_unlocked",
        area="concurrency",
        rule="money.concurrent-transfers",
        contract="no balance is ever negative; ... N concurrent withdrawals [or transfers] on one wallet: exactly "
        "as many succeed as the balance covers",
        description="A transfer locks only the destination wallet; the source is read without a lock and its new "
        "balance written from that read: concurrent transfers from one wallet all succeed (lost updates).",
        edits=(
            Edit(
                "wallet_api/service.py",
                r"""            for wallet_id in sorted({source_id, destination_id}, key=str):
                locked[wallet_id] = await _wallet_for_update(conn, wallet_id)""",
                r"""            for wallet_id in sorted({source_id, destination_id}, key=str):
                if wallet_id == destination_id:
                    locked[wallet_id] = await _wallet_for_update(conn, wallet_id)
                else:
                    locked[wallet_id] = await _fetch_one(conn, "SELECT {W} FROM wallets WHERE id = %s", (wallet_id,))""",
            ),
            Edit(
                "wallet_api/service.py",
                r"""                balance = await _apply_balance(conn, wallet_id, delta)
                await _insert_transaction(""",
                r"""                if kind == "transfer_out":
                    row = await _fetch_one(
                        conn,
                        "UPDATE wallets SET balance = %s WHERE id = %s RETURNING balance",
                        (source["balance"] - amount, wallet_id),
                    )
                    assert row is not None
                    balance = row["balance"]
                else:
                    balance = await _apply_balance(conn, wallet_id, delta)
                await _insert_transaction(""",
            ),
        ),
    ),
)
